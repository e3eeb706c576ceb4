//! The routes of template.yaml: which exist and which sit behind the authorizer. Keep in step
//! with the template's `Events` (REST) and `DefinitionBody` (HTTP API).

/// One route of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// The resource path (REST `resource`, HTTP API route key path).
    pub path: &'static str,
    /// `Auth: Authorizer: NONE` in the template means false.
    pub protected: bool,
}

impl Route {
    /// `GET /me`: the HTTP API route key.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

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
}
