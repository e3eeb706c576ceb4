//! The API's routes as each crate that serves or stands in for them knows them: the
//! api-handler's route table and the local gateway's view of it (which it takes from that
//! table, so the two agree by construction; the test below keeps the view honest).
//!
//! `template.yaml` is the third copy. It is compared with these two by
//! `scripts/check_template.py` (through the `print-routes` binary) rather than here: that
//! script already parses the template and runs the SAM transform, so it compares the routes
//! as they would be deployed — the REST API's paths after SAM turns the function's `Api`
//! events into them, and the HTTP API's `DefinitionBody` — for each parameter set, and the
//! workspace needs no YAML parser.

use serde_json::{Value, json};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// No authorizer (`Auth: Authorizer: NONE` in the template).
    Public,
    /// Behind the authorizer.
    Protected,
    /// Behind the authorizer, and only for the admin group (the api-handler's `admin_only`;
    /// the template's `RouteRules` default guards these routes with `AdminGroup`). The local
    /// gateway does not know this distinction: [`local_gateway_routes`] says `Protected`.
    AdminGroup,
}

impl Access {
    fn name(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Protected => "protected",
            Access::AdminGroup => "admin",
        }
    }

    /// Whether a request reaches the route without the authorizer.
    pub fn is_public(self) -> bool {
        self == Access::Public
    }
}

/// One route: method, path (a resource path such as `/me`) and access.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteEntry {
    /// `GET`, `POST`, …
    pub method: String,
    /// The resource path, e.g. `/me` (a `{name}` segment stands for any one segment).
    pub path: String,
    /// Who may call it.
    pub access: Access,
}

impl RouteEntry {
    fn to_json(&self) -> Value {
        json!({"method": self.method, "path": self.path, "access": self.access.name()})
    }
}

/// The api-handler's route table (`api_handler::routes::route_table`), sorted.
pub fn api_handler_routes() -> Vec<RouteEntry> {
    let mut routes: Vec<RouteEntry> = api_handler::routes::route_table(std::sync::Arc::new(
        api_handler::sign_out::SignOut::NotConfigured,
    ))
    .iter()
    .map(|route| RouteEntry {
        method: route.method.as_str().to_owned(),
        path: route.template.to_owned(),
        access: match route.access {
            api_handler::Access::Public => Access::Public,
            api_handler::Access::Authenticated => Access::Protected,
            api_handler::Access::AdminGroup => Access::AdminGroup,
        },
    })
    .collect();
    routes.sort();
    routes
}

/// The local gateway's routes (`local_gateway::routes::routes`, taken from the api-handler's
/// table), sorted.
pub fn local_gateway_routes() -> Vec<RouteEntry> {
    let mut routes: Vec<RouteEntry> = local_gateway::routes::routes()
        .map(|route| RouteEntry {
            method: route.method.to_owned(),
            path: route.path.to_owned(),
            access: if route.protected {
                Access::Protected
            } else {
                Access::Public
            },
        })
        .collect();
    routes.sort();
    routes
}

/// What `print-routes` prints: `{"api-handler": [...], "local-gateway": [...]}`, each route
/// `{"method": "GET", "path": "/me", "access": "public" | "protected" | "admin"}`.
pub fn routes_json() -> Value {
    let list = |routes: Vec<RouteEntry>| routes.iter().map(RouteEntry::to_json).collect::<Vec<_>>();
    json!({
        "api-handler": list(api_handler_routes()),
        "local-gateway": list(local_gateway_routes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same routes, and the same ones public, in the api-handler and the local gateway
    /// (the gateway does not distinguish admin-only routes: they are protected there).
    #[test]
    fn the_api_handler_and_the_local_gateway_serve_the_same_routes() {
        let gateway_view = |routes: Vec<RouteEntry>| -> Vec<(String, String, bool)> {
            routes
                .into_iter()
                .map(|r| (r.method, r.path, r.access.is_public()))
                .collect()
        };
        let api = api_handler_routes();
        assert!(
            api.iter().any(|r| r.access.is_public()) && api.iter().any(|r| !r.access.is_public()),
            "the table has public and protected routes: {api:?}"
        );
        assert_eq!(
            gateway_view(api),
            gateway_view(local_gateway_routes()),
            "api-handler/src/routes.rs route_table and local-gateway's routes() differ"
        );
    }

    #[test]
    fn the_json_names_each_route_and_its_access() {
        let printed = routes_json();
        let health = json!({"method": "GET", "path": "/health", "access": "public"});
        assert!(printed["api-handler"].as_array().unwrap().contains(&health));
        assert!(
            printed["local-gateway"]
                .as_array()
                .unwrap()
                .contains(&health)
        );
        let admin = json!({"method": "GET", "path": "/admin", "access": "admin"});
        assert!(printed["api-handler"].as_array().unwrap().contains(&admin));
    }
}
