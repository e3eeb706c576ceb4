//! The request as handlers see it, whichever payload version it came in, and the one route
//! target it is routed by.
//!
//! The authorizer and this function must judge the same literal route: the authorizer's route
//! rules deny `GET/admin` in the method ARN, and whatever API Gateway matched is what both
//! see. So a request is routed by what API Gateway matched — the REST `resource` (with its
//! `{proxy+}` parameter) or the HTTP API `routeKey` — and never by a path cleaned up here. A
//! stage prefix is removed only where API Gateway puts one (`rawPath` on a named HTTP API
//! stage), and a path spelled in any way that is not canonical (`//`, a trailing `/`, `.` or
//! `..` segments) matches no route: 404, never the route it resembles.

use std::collections::HashMap;

use aws_lambda_events::http::{HeaderMap, Method};
use aws_lambda_events::query_map::QueryMap;

/// What a request is routed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// The route template API Gateway matched (`/me`, `/items/{id}`): a route is found by
    /// its template, verbatim. Path parameters come from the event.
    Template(String),
    /// A concrete, canonical path (API Gateway matched a greedy or `$default` route, or
    /// the caller built the request): matched against the route templates segment by segment.
    Path(String),
    /// A path that is not canonical, or no path at all: no route matches.
    Unroutable,
}

impl RouteTarget {
    /// `Path` when `path` is canonical, `Unroutable` otherwise.
    pub fn path(path: &str) -> Self {
        if is_canonical(path) {
            RouteTarget::Path(path.to_owned())
        } else {
            RouteTarget::Unroutable
        }
    }
}

/// A payload-independent view of the request.
///
/// Headers are here for handlers that need them (content negotiation, ...); they are never a
/// source of identity: see [`crate::identity`].
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// What the request is routed by (see [`RouteTarget`]).
    pub route: RouteTarget,
    pub headers: HeaderMap,
    pub query: QueryMap,
    /// Path parameters from API Gateway, plus those of our route template once matched.
    pub path_parameters: HashMap<String, String>,
    pub body: Option<String>,
    pub is_base64_encoded: bool,
}

impl ApiRequest {
    /// A request for `method` and `path`, as built by tests and in-process callers; a path
    /// that is not canonical is routed nowhere.
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            route: RouteTarget::path(path),
            headers: HeaderMap::new(),
            query: QueryMap::default(),
            path_parameters: HashMap::new(),
            body: None,
            is_base64_encoded: false,
        }
    }
}

/// A REST API (payload 1.0) request's route: its `resource` as matched, or for a greedy
/// resource (`/api/{proxy+}`) the resource prefix plus the `proxy` parameter. Without a
/// `resource` (not something API Gateway sends), `path` as it is.
pub fn rest_route(resource: Option<&str>, proxy: Option<&str>, path: Option<&str>) -> RouteTarget {
    match resource {
        Some(resource) => match resource.strip_suffix("{proxy+}") {
            Some(prefix) => match proxy {
                Some(proxy) => RouteTarget::path(&format!("{prefix}{proxy}")),
                None => RouteTarget::Unroutable,
            },
            None if resource.starts_with('/') => RouteTarget::Template(resource.to_owned()),
            None => RouteTarget::Unroutable,
        },
        None => path.map_or(RouteTarget::Unroutable, RouteTarget::path),
    }
}

/// An HTTP API (payload 2.0) request's route: the path of its `routeKey` (`GET /me` → `/me`)
/// when that names a route; for `$default` and greedy (`{proxy+}`) routes, `rawPath` without
/// the stage prefix a named stage puts there.
pub fn http_route(
    route_key: Option<&str>,
    raw_path: Option<&str>,
    stage: Option<&str>,
) -> RouteTarget {
    let template = route_key
        .and_then(|key| key.split_once(' '))
        .map(|(_method, path)| path)
        .filter(|path| path.starts_with('/') && !path.contains('+'));
    if let Some(template) = template {
        return RouteTarget::Template(template.to_owned());
    }
    let Some(raw_path) = raw_path else {
        return RouteTarget::Unroutable;
    };
    match stage.filter(|stage| *stage != "$default") {
        None => RouteTarget::path(raw_path),
        Some(stage) => match strip_stage(raw_path, stage) {
            Some(path) => RouteTarget::path(path),
            None => RouteTarget::Unroutable,
        },
    }
}

/// `/prod/me` without the `prod` stage → `/me`; `/prod` → `/`; `None` elsewhere.
fn strip_stage<'p>(path: &'p str, stage: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(stage)?;
    if rest.is_empty() {
        Some("/")
    } else {
        rest.starts_with('/').then_some(rest)
    }
}

/// One leading `/`, no empty segment (`//`, trailing `/`) except the root itself, no `.` or
/// `..` segment.
fn is_canonical(path: &str) -> bool {
    path == "/"
        || (path.starts_with('/')
            && path[1..]
                .split('/')
                .all(|segment| !segment.is_empty() && segment != "." && segment != ".."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(t: &str) -> RouteTarget {
        RouteTarget::Template(t.to_owned())
    }

    fn path(p: &str) -> RouteTarget {
        RouteTarget::Path(p.to_owned())
    }

    #[test]
    fn rest_routes_by_what_api_gateway_matched() {
        let cases = [
            // (resource, proxy, path, route)
            (Some("/me"), None, Some("/me"), template("/me")),
            // A custom domain's base path is in `path`, never in `resource`.
            (Some("/me"), None, Some("/v1/me"), template("/me")),
            (
                Some("/items/{id}"),
                None,
                Some("/items/4"),
                template("/items/{id}"),
            ),
            (Some("/{proxy+}"), Some("me"), Some("/me"), path("/me")),
            (
                Some("/api/{proxy+}"),
                Some("me"),
                Some("/api/me"),
                path("/api/me"),
            ),
            // The review's reproductions: `GET https://host/prod/prod/me` on a `/{proxy+}`
            // resource is the path `/prod/me`, which is not `/me`.
            (
                Some("/{proxy+}"),
                Some("prod/me"),
                Some("/prod/me"),
                path("/prod/me"),
            ),
            (
                Some("/{proxy+}"),
                Some("/me"),
                Some("//me"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me/"),
                Some("/me/"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me//"),
                Some("/me//"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("x/../admin"),
                None,
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("./admin"),
                None,
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                None,
                Some("/me"),
                RouteTarget::Unroutable,
            ),
            (Some("me"), None, Some("/me"), RouteTarget::Unroutable),
            (None, None, Some("/me"), path("/me")),
            (None, None, Some("/me/"), RouteTarget::Unroutable),
            (None, None, None, RouteTarget::Unroutable),
        ];
        for (resource, proxy, raw, expected) in cases {
            assert_eq!(
                rest_route(resource, proxy, raw),
                expected,
                "{resource:?} {proxy:?} {raw:?}"
            );
        }
    }

    #[test]
    fn http_routes_by_route_key_or_stage_stripped_raw_path() {
        let cases = [
            // (routeKey, rawPath, stage, route)
            (
                Some("GET /me"),
                Some("/me"),
                Some("$default"),
                template("/me"),
            ),
            (
                Some("GET /me"),
                Some("/prod/me"),
                Some("prod"),
                template("/me"),
            ),
            (
                Some("ANY /items/{id}"),
                Some("/items/1"),
                Some("$default"),
                template("/items/{id}"),
            ),
            (Some("$default"), Some("/me"), Some("$default"), path("/me")),
            (
                Some("$default"),
                Some("/prod/me"),
                Some("prod"),
                path("/me"),
            ),
            (Some("$default"), Some("/prod"), Some("prod"), path("/")),
            (
                Some("ANY /{proxy+}"),
                Some("/me"),
                Some("$default"),
                path("/me"),
            ),
            // The stage is stripped once, and only where a named stage puts it.
            (
                Some("$default"),
                Some("/prod/prod/me"),
                Some("prod"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/prod/me"),
                Some("$default"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/production/me"),
                Some("prod"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                Some("/me//"),
                Some("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                Some("//me"),
                Some("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                Some("/prod//me"),
                Some("prod"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                None,
                Some("$default"),
                RouteTarget::Unroutable,
            ),
            (None, Some("/me"), None, path("/me")),
        ];
        for (key, raw, stage, expected) in cases {
            assert_eq!(
                http_route(key, raw, stage),
                expected,
                "{key:?} {raw:?} {stage:?}"
            );
        }
    }

    #[test]
    fn only_canonical_paths_route() {
        for canonical in ["/", "/me", "/a/b.c/d", "/items/42"] {
            assert!(is_canonical(canonical), "{canonical}");
        }
        for odd in [
            "", "me", "//", "/me/", "//me", "/a//b", "/./me", "/x/../me", "/me/.",
        ] {
            assert!(!is_canonical(odd), "{odd}");
        }
        assert_eq!(
            ApiRequest::new(Method::GET, "/me/").route,
            RouteTarget::Unroutable
        );
    }
}
