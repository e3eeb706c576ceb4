//! The routes of template.yaml: which exist and which sit behind the authorizer. Keep in step
//! with the template's `Events` (REST) and `DefinitionBody` (HTTP API).

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
        RouteLayout::Template => find(method, path).copied(),
        RouteLayout::Greedy if http_api => Some(DEFAULT_ROUTE),
        RouteLayout::Greedy => (path != "/").then_some(GREEDY_RESOURCE),
    }
}

/// The template's routes (`template.yaml`); tests check they agree.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/health",
        protected: false,
    },
    Route {
        method: "GET",
        path: "/hello",
        protected: true,
    },
    Route {
        method: "GET",
        path: "/me",
        protected: true,
    },
    Route {
        method: "GET",
        path: "/admin",
        protected: true,
    },
    Route {
        method: "POST",
        path: "/logout",
        protected: true,
    },
];

/// The route serving `method` and `path`. A trailing slash names the same resource, as in
/// API Gateway; any other path or method has no route.
pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    let path = match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => path,
    };
    ROUTES
        .iter()
        .find(|route| route.method == method && route.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_template_routes() {
        assert!(!find("GET", "/health").unwrap().protected);
        for path in ["/hello", "/me", "/admin", "/admin/"] {
            assert!(find("GET", path).unwrap().protected, "{path}");
        }
        assert_eq!(find("GET", "/me/").unwrap().key(), "GET /me");
        for (method, path) in [
            ("POST", "/me"),
            ("GET", "/"),
            ("GET", "/admin/x"),
            ("GET", "/ME"),
            ("GET", "//me"),
        ] {
            assert!(find(method, path).is_none(), "{method} {path}");
        }
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
