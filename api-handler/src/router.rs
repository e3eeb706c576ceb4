//! The route table's building blocks and path matching.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use aws_lambda_events::http::Method;

use crate::identity::Identity;
use crate::request::{ApiRequest, RouteTarget, match_template};
use crate::response::ApiResponse;

/// The future a handler returns, boxed so that routes of different handlers fit in one table.
pub type HandlerFuture = Pin<Box<dyn Future<Output = ApiResponse> + Send>>;

/// Every handler as the table holds it: access-checked identified handlers get `Some` only.
type Handler = Box<dyn Fn(Option<Identity>, ApiRequest) -> HandlerFuture + Send + Sync>;

/// Who may call a route. Checked before the handler runs, so handlers of protected routes
/// receive an [`Identity`] rather than an `Option` and cannot forget the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; the handler gets the caller if there is one.
    Public,
    /// Any authenticated caller; anonymous → 401.
    Authenticated,
    /// Members of the admin group (`ADMIN_GROUP`); anonymous → 401, others → 403.
    /// Defence in depth: the authorizer's route rules guard these routes too.
    AdminGroup,
}

/// One line of the route table: method, path template, access rule and handler.
///
/// Templates are paths such as `/me`; a `{name}` segment matches any one segment and is
/// passed to the handler in [`ApiRequest::path_parameters`].
pub struct Route {
    /// The HTTP method the route serves.
    pub method: Method,
    /// The path template, e.g. `/items/{id}`.
    pub template: &'static str,
    /// Who may call the route.
    pub access: Access,
    pub(crate) handler: Handler,
}

impl Route {
    /// A route anyone may call.
    pub fn public<F, Fut>(method: Method, template: &'static str, handler: F) -> Self
    where
        F: Fn(Option<Identity>, ApiRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ApiResponse> + Send + 'static,
    {
        let handler: Handler = Box::new(move |caller, request| Box::pin(handler(caller, request)));
        Self::new(method, template, Access::Public, handler)
    }

    /// A route for authenticated callers.
    pub fn authenticated<F, Fut>(method: Method, template: &'static str, handler: F) -> Self
    where
        F: Fn(Identity, ApiRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ApiResponse> + Send + 'static,
    {
        Self::identified(method, template, Access::Authenticated, handler)
    }

    /// A route for members of the admin group.
    pub fn admin_only<F, Fut>(method: Method, template: &'static str, handler: F) -> Self
    where
        F: Fn(Identity, ApiRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ApiResponse> + Send + 'static,
    {
        Self::identified(method, template, Access::AdminGroup, handler)
    }

    fn identified<F, Fut>(
        method: Method,
        template: &'static str,
        access: Access,
        handler: F,
    ) -> Self
    where
        F: Fn(Identity, ApiRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ApiResponse> + Send + 'static,
    {
        // The one check that a protected route has a caller: anonymous → 401, and the handler
        // never runs without an identity.
        let handler: Handler = Box::new(move |caller, request| match caller {
            Some(identity) => Box::pin(handler(identity, request)),
            None => Box::pin(async { ApiResponse::unauthorized() }),
        });
        Self::new(method, template, access, handler)
    }

    fn new(method: Method, template: &'static str, access: Access, handler: Handler) -> Self {
        assert!(
            template.starts_with('/'),
            "route template {template:?} must start with '/'"
        );
        Self {
            method,
            template,
            access,
            handler,
        }
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("method", &self.method)
            .field("template", &self.template)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// What the route table says about a request.
#[derive(Debug)]
pub(crate) enum RouteMatch<'r> {
    Found {
        route: &'r Route,
        path_parameters: HashMap<String, String>,
    },
    /// The path exists but not for this method.
    MethodNotAllowed {
        template: &'static str,
        allowed: Vec<Method>,
    },
    NotFound,
}

/// Finds the route for `method` and `target`: a template API Gateway matched names its route
/// verbatim; a path is matched segment by segment; anything else names no route.
pub(crate) fn find<'r>(
    routes: &'r [Route],
    method: &Method,
    target: &RouteTarget,
) -> RouteMatch<'r> {
    let matches = |route: &Route| -> Option<HashMap<String, String>> {
        match target {
            RouteTarget::Template(template) => (route.template == template).then(HashMap::new),
            RouteTarget::Path(path) => match_template(route.template, path),
            RouteTarget::Unroutable => None,
        }
    };
    let mut allowed = Vec::new();
    let mut template = None;
    for route in routes {
        let Some(path_parameters) = matches(route) else {
            continue;
        };
        if route.method == *method {
            return RouteMatch::Found {
                route,
                path_parameters,
            };
        }
        template.get_or_insert(route.template);
        if !allowed.contains(&route.method) {
            allowed.push(route.method.clone());
        }
    }
    match template {
        Some(template) => RouteMatch::MethodNotAllowed { template, allowed },
        None => RouteMatch::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn empty(_caller: Option<Identity>, _request: ApiRequest) -> ApiResponse {
        ApiResponse::no_content()
    }

    fn table() -> Vec<Route> {
        vec![
            Route::public(Method::GET, "/health", empty),
            Route::public(Method::GET, "/items/{id}", empty),
            Route::public(Method::DELETE, "/items/{id}", empty),
        ]
    }

    fn path(path: &str) -> RouteTarget {
        RouteTarget::Path(path.to_owned())
    }

    /// What a log or a panic shows of a route (the API's `Debug` lists its routes): method,
    /// template and access rule, never the handler.
    #[test]
    fn a_route_debugs_as_its_method_template_and_access() {
        async fn me(_identity: Identity, _request: ApiRequest) -> ApiResponse {
            ApiResponse::no_content()
        }
        let cases = [
            (
                Route::public(Method::GET, "/health", empty),
                r#"Route { method: GET, template: "/health", access: Public, .. }"#,
            ),
            (
                Route::authenticated(Method::PUT, "/me", me),
                r#"Route { method: PUT, template: "/me", access: Authenticated, .. }"#,
            ),
            (
                Route::admin_only(Method::DELETE, "/items/{id}", me),
                r#"Route { method: DELETE, template: "/items/{id}", access: AdminGroup, .. }"#,
            ),
        ];
        for (route, expected) in cases {
            assert_eq!(format!("{route:?}"), expected);
        }
    }

    #[test]
    fn finds_exact_and_templated_routes() {
        let routes = table();
        match find(&routes, &Method::GET, &path("/health")) {
            RouteMatch::Found { route, .. } => assert_eq!(route.template, "/health"),
            other => panic!("{other:?}"),
        }
        match find(&routes, &Method::DELETE, &path("/items/42")) {
            RouteMatch::Found {
                route,
                path_parameters,
            } => {
                assert_eq!(route.method, Method::DELETE);
                assert_eq!(path_parameters["id"], "42");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_matched_template_names_its_route_verbatim() {
        let routes = table();
        let template = |t: &str| RouteTarget::Template(t.to_owned());
        let found = find(&routes, &Method::GET, &template("/items/{id}"));
        assert!(
            matches!(found, RouteMatch::Found { route, ref path_parameters } if route.template == "/items/{id}" && path_parameters.is_empty())
        );
        for other in [
            "/items/42",
            "/items/{other}",
            "/health/",
            "/Health",
            "health",
        ] {
            assert!(
                matches!(
                    find(&routes, &Method::GET, &template(other)),
                    RouteMatch::NotFound
                ),
                "{other}"
            );
        }
        assert!(matches!(
            find(&routes, &Method::GET, &RouteTarget::Unroutable),
            RouteMatch::NotFound
        ));
    }

    #[test]
    fn other_method_lists_the_allowed_ones() {
        let routes = table();
        match find(&routes, &Method::POST, &path("/items/1")) {
            RouteMatch::MethodNotAllowed { template, allowed } => {
                assert_eq!(template, "/items/{id}");
                assert_eq!(allowed, vec![Method::GET, Method::DELETE]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        let routes = table();
        for unknown in [
            "/",
            "/healthz",
            "/health/x",
            "/items",
            "/items/1/2",
            "/prod/health",
        ] {
            assert!(
                matches!(
                    find(&routes, &Method::GET, &path(unknown)),
                    RouteMatch::NotFound
                ),
                "{unknown}"
            );
        }
    }
}
