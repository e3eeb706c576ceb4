//! The API's routes, taken from the api-handler's own table (`api_handler::routes::
//! route_table`): which exist and which sit behind the authorizer. template.yaml is held to the
//! same table by `scripts/check_template.py` (through the `print-routes` test binary).

use std::sync::{Arc, OnceLock};

use api_handler::Access;
use api_handler::request::{is_canonical, match_template};
use api_handler::sign_out::SignOut;

/// One route of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method (`ANY` for the greedy resource).
    pub method: &'static str,
    /// The resource path (REST `resource`, HTTP API route key path).
    pub path: &'static str,
    /// `Auth: Authorizer: NONE` in the template means false.
    pub protected: bool,
}

impl Route {
    /// `GET /me`: the HTTP API route key (`$default` for the default route).
    pub fn key(&self) -> String {
        if self == &DEFAULT_ROUTE {
            return self.path.to_owned();
        }
        format!("{} {}", self.method, self.path)
    }

    /// The REST `{proxy+}` path parameter for a request to `path`, on a greedy resource.
    pub fn proxy_parameter<'p>(&self, path: &'p str) -> Option<&'p str> {
        (self == &GREEDY_RESOURCE).then(|| path.strip_prefix('/').unwrap_or(path))
    }
}

/// How the API's routes are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RouteLayout {
    /// template.yaml's routes: one resource (REST) or route (HTTP API) per path.
    #[default]
    Template,
    /// Everything behind the authorizer through one catch-all: a REST `ANY /{proxy+}`
    /// resource (which does not match `/`), or the HTTP API `$default` route. API Gateway
    /// then hands the authorizer and the backend the request's own path, however it is
    /// spelled: the set-up in which path spellings must not reach a protected route.
    Greedy,
}

/// REST `ANY /{proxy+}`.
pub const GREEDY_RESOURCE: Route = Route {
    method: "ANY",
    path: "/{proxy+}",
    protected: true,
};

/// The HTTP API `$default` route.
pub const DEFAULT_ROUTE: Route = Route {
    method: "ANY",
    path: "$default",
    protected: true,
};

/// The route serving `method` and `path` in `layout`, on a REST API or (`http_api`) an HTTP
/// API.
pub fn route_for(layout: RouteLayout, http_api: bool, method: &str, path: &str) -> Option<Route> {
    match layout {
        RouteLayout::Template => find(method, path),
        RouteLayout::Greedy if http_api => Some(DEFAULT_ROUTE),
        RouteLayout::Greedy => (path != "/").then_some(GREEDY_RESOURCE),
    }
}

/// The api-handler's route table, built once (its handlers are never called here).
fn table() -> &'static [api_handler::Route] {
    static TABLE: OnceLock<Vec<api_handler::Route>> = OnceLock::new();
    TABLE.get_or_init(|| api_handler::routes::route_table(Arc::new(SignOut::NotConfigured)))
}

/// The API's routes, in the api-handler's order. Every route but a public one sits behind the
/// authorizer, as in the template.
pub fn routes() -> impl Iterator<Item = Route> {
    table().iter().map(|route| Route {
        method: route.method.as_str(),
        path: route.template,
        protected: route.access != Access::Public,
    })
}

/// The route serving `method` and `path`. A trailing slash names the same resource, as in
/// API Gateway; any other spelling that is not canonical (the api-handler's rule), and any
/// other path or method, has no route.
pub fn find(method: &str, path: &str) -> Option<Route> {
    find_in(routes(), method, path)
}

/// Whether `path` is a canonical spelling ([`is_canonical`]) of a request for `template`
/// (`/items/{id}`): the api-handler's own rules.
fn path_matches(template: &str, path: &str) -> bool {
    is_canonical(path) && match_template(template, path).is_some()
}

fn find_in(mut routes: impl Iterator<Item = Route>, method: &str, path: &str) -> Option<Route> {
    // `/me/` names `/me`; the root is `/` alone (`//` is not the root with a trailing slash).
    let path = match path.strip_suffix('/') {
        Some(stripped) if stripped.len() > 1 => stripped,
        _ => path,
    };
    routes.find(|route| route.method == method && path_matches(route.path, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_matches_a_template_only_when_spelled_canonically() {
        let cases = [
            ("a literal route", "/health", "/health", true),
            ("a parameter", "/items/{id}", "/items/42", true),
            ("the root", "/", "/", true),
            ("another path", "/health", "/healthz", false),
            ("a missing parameter", "/items/{id}", "/items", false),
            ("an extra segment", "/items/{id}", "/items/4/2", false),
            ("an empty segment", "/health", "//health", false),
            ("a trailing slash", "/health", "/health/", false),
            ("a dot segment", "/items/{id}", "/items/.", false),
            ("a dot-dot segment", "/health", "/x/../health", false),
            ("no leading slash", "/health", "health", false),
        ];
        for (name, template, path, matches) in cases {
            assert_eq!(path_matches(template, path), matches, "{name}");
        }
    }

    #[test]
    fn finds_the_api_handler_routes() {
        let cases = [
            ("public", "GET", "/health", Some(("GET /health", false))),
            ("protected", "GET", "/hello", Some(("GET /hello", true))),
            (
                "admin only, protected here",
                "GET",
                "/admin",
                Some(("GET /admin", true)),
            ),
            ("a trailing slash", "GET", "/me/", Some(("GET /me", true))),
            (
                "POST /logout",
                "POST",
                "/logout",
                Some(("POST /logout", true)),
            ),
            ("another method", "POST", "/me", None),
            ("the root", "GET", "/", None),
            ("a longer path", "GET", "/admin/x", None),
            ("another case", "GET", "/ME", None),
            ("an empty segment", "GET", "//me", None),
            ("two trailing slashes", "GET", "/me//", None),
            ("a dot segment", "GET", "/./me", None),
            ("a dot-dot segment", "GET", "/x/../me", None),
        ];
        for (name, method, path, expected) in cases {
            let found = find(method, path).map(|route| (route.key(), route.protected));
            assert_eq!(
                found,
                expected.map(|(key, protected)| (key.to_owned(), protected)),
                "{name}"
            );
        }
    }

    /// The root keeps its one `/` (the api-handler's table has no root route to show it).
    #[test]
    fn a_root_route_is_found_by_its_own_slash() {
        let root = Route {
            method: "GET",
            path: "/",
            protected: false,
        };
        assert_eq!(find_in([root].into_iter(), "GET", "/"), Some(root));
        assert_eq!(find_in([root].into_iter(), "GET", "//"), None);
    }

    #[test]
    fn the_routes_are_the_api_handler_table() {
        let table: Vec<(String, &str)> = table()
            .iter()
            .map(|route| (route.method.to_string(), route.template))
            .collect();
        let here: Vec<(String, &str)> = routes()
            .map(|route| (route.method.to_owned(), route.path))
            .collect();
        assert_eq!(here, table);
        assert!(here.contains(&("POST".to_owned(), "/logout")));
    }

    #[test]
    fn greedy_layouts_catch_every_path_as_api_gateway_does() {
        let rest = |path| route_for(RouteLayout::Greedy, false, "GET", path);
        let http = |path| route_for(RouteLayout::Greedy, true, "GET", path);
        assert_eq!(rest("/prod//me"), Some(GREEDY_RESOURCE));
        assert_eq!(rest("/"), None, "{{proxy+}} does not match the root");
        assert_eq!(http("/"), Some(DEFAULT_ROUTE));
        assert_eq!(DEFAULT_ROUTE.key(), "$default");
        assert_eq!(GREEDY_RESOURCE.key(), "ANY /{proxy+}");
        assert_eq!(GREEDY_RESOURCE.proxy_parameter("/prod/me"), Some("prod/me"));
        assert_eq!(find("GET", "/me").unwrap().proxy_parameter("/me"), None);
        assert_eq!(
            route_for(RouteLayout::Template, false, "GET", "/me/").map(|r| r.path),
            Some("/me")
        );
    }
}
