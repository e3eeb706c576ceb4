//! The request as handlers see it, whichever payload version it came in, and the one route
//! target it is routed by.
//!
//! The authorizer and this function must judge the same literal route: the authorizer's route
//! rules deny `GET/admin` in the method ARN, and whatever API Gateway matched is what both
//! see. So a request is routed by what API Gateway matched — the REST `resource` (with its
//! `{proxy+}` parameter) or the HTTP API `routeKey` — and never by a path cleaned up here. A
//! stage prefix is removed only where API Gateway puts one (`rawPath` on a named HTTP API
//! stage reached through the API's own `execute-api` host: on a custom domain the API mapping
//! picks the stage and the path carries none), and a path spelled in any way that is not
//! canonical (`//`, a trailing `/`, `.` or `..` segments) matches no route: 404, never the
//! route it resembles. That holds for routes matched by template too: the path delivered with
//! them must be canonical (one trailing `/` aside), since that spelling is what the authorizer
//! judged.

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use aws_lambda_events::http::{HeaderMap, Method};

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
/// source of identity: see the identity module.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The HTTP method.
    pub method: Method,
    /// What the request is routed by (see [`RouteTarget`]).
    pub route: RouteTarget,
    /// Request headers (never a source of identity).
    pub headers: HeaderMap,
    /// Path parameters from API Gateway, plus those of our route template once matched.
    pub path_parameters: HashMap<String, String>,
    /// The body, as API Gateway delivered it.
    pub body: Option<String>,
    /// Whether `body` is base64-encoded.
    pub is_base64_encoded: bool,
}

/// A REST API (payload 1.0) request's route: its `resource` as matched (when the delivered
/// `path` spells it), or for a greedy resource (`/api/{proxy+}`) the resource prefix plus the
/// `proxy` parameter, when the delivered `path` spells exactly that. Without a `resource` (not
/// something API Gateway sends), `path` as it is.
///
/// AWS documents `path` as the request's resource path, `resource` as the matched resource and
/// `pathParameters.proxy` as what the greedy variable matched ("Input format of a Lambda
/// function for proxy integration", API Gateway developer guide,
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html>),
/// but not how each spells a path such as `//me` or `/./me`. The authorizer judged the path in
/// the method ARN, so a request whose `path` is not the canonical spelling of what it is
/// routed to reaches no route, whatever the `proxy` parameter says.
pub fn rest_route(resource: Option<&str>, proxy: Option<&str>, path: Option<&str>) -> RouteTarget {
    let Some(resource) = resource else {
        return path.map_or(RouteTarget::Unroutable, RouteTarget::path);
    };
    let Some(prefix) = resource.strip_suffix("{proxy+}") else {
        return template_route(resource, path);
    };
    // The greedy resource's prefix plus its `proxy` parameter, when it is canonical and the
    // delivered `path` is canonical and ends in it (after a custom domain's base path, which
    // `path` carries and the `proxy` parameter does not). Both start with `/` and have no empty
    // segment, so the ending falls on a segment boundary and what comes before it is canonical.
    let concrete = proxy.map(|proxy| format!("{prefix}{proxy}"));
    match (concrete, path) {
        (Some(concrete), Some(path))
            if is_canonical(&concrete) && is_canonical(path) && path.ends_with(&concrete) =>
        {
            RouteTarget::Path(concrete)
        }
        _ => RouteTarget::Unroutable,
    }
}

/// The matched `template`, when the path delivered with it spells that very route: canonical
/// (a trailing `/` allowed: API Gateway routes `/me/` to `/me`, and the route rules cover both),
/// and ending in the template segment by segment — literal segments byte for byte, a `{name}`
/// segment any one segment — after any prefix (a custom domain's base path, a stage). So
/// `/%6De`, `/ME` or `/admin` delivered with the template `/me` route nowhere: the authorizer
/// judged the path API Gateway put in the method ARN, not the template. Without a delivered
/// path nothing can be compared, so nothing is routed.
fn template_route(template: &str, path: Option<&str>) -> RouteTarget {
    let spells_template = |path: &str| {
        let path = match path.strip_suffix('/') {
            Some(bare) if !bare.is_empty() => bare,
            _ => path,
        };
        // Every ending at a segment boundary, the empty one (no segment) included.
        let mut endings = path
            .match_indices('/')
            .map(|(at, _)| &path[at..])
            .chain([""]);
        is_canonical(path) && endings.any(|ending| match_template(template, ending).is_some())
    };
    if template.starts_with('/') && path.is_some_and(spells_template) {
        RouteTarget::Template(template.to_owned())
    } else {
        RouteTarget::Unroutable
    }
}

/// The stage whose name prefixes an HTTP API request's `rawPath`: a named stage reached
/// through `<api id>.execute-api.<region>.amazonaws.com` (or `.com.cn`). On a custom domain the
/// API mapping selects the stage and the path never carries it ("API mappings for HTTP APIs",
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html>).
fn stage_prefix(context: &ApiGatewayV2httpRequestContext) -> Option<&str> {
    let stage = context
        .stage
        .as_deref()
        .filter(|stage| *stage != "$default")?;
    let host = context.domain_name.as_deref()?.to_ascii_lowercase();
    let api_id = context
        .apiid
        .as_deref()
        .filter(|id| !id.is_empty())?
        .to_ascii_lowercase();
    let rest = host.strip_prefix(&api_id)?.strip_prefix(".execute-api.")?;
    let (_region, suffix) = rest.split_once('.')?;
    matches!(suffix, "amazonaws.com" | "amazonaws.com.cn").then_some(stage)
}

/// An HTTP API (payload 2.0) request's route: the path of its `routeKey` (`GET /me` → `/me`)
/// when that names a route; for `$default` and greedy (`{proxy+}`) routes, `rawPath` without
/// the stage prefix a named stage puts there on the API's own host (`context` says where the
/// request arrived: its stage, and whether through the API's own `execute-api` host).
pub fn http_route(
    route_key: Option<&str>,
    raw_path: Option<&str>,
    context: &ApiGatewayV2httpRequestContext,
) -> RouteTarget {
    let template = route_key
        .and_then(|key| key.split_once(' '))
        .map(|(_method, path)| path)
        .filter(|path| path.starts_with('/') && !path.contains('+'));
    if let Some(template) = template {
        return template_route(template, raw_path);
    }
    let path = match stage_prefix(context) {
        None => raw_path,
        // `/prod/me` without the `prod` stage → `/me`; `/prod` → `/`; `None` elsewhere.
        Some(stage) => raw_path.and_then(|path| {
            let rest = path.strip_prefix('/')?.strip_prefix(stage)?;
            match rest {
                "" => Some("/"),
                _ => rest.starts_with('/').then_some(rest),
            }
        }),
    };
    path.map_or(RouteTarget::Unroutable, RouteTarget::path)
}

/// The canonical-path rule, shared with the local gateway (which routes by this crate's table):
/// one leading `/`, no empty segment (`//`, trailing `/`) except the root itself, no `.` or
/// `..` segment. Route templates are written this way, so any other spelling names no route.
pub fn is_canonical(path: &str) -> bool {
    path == "/"
        || (path.starts_with('/')
            && path[1..]
                .split('/')
                .all(|segment| !segment.is_empty() && segment != "." && segment != ".."))
}

/// The `{name}` parameters if `path` matches `template` segment by segment (the router's rule,
/// which the local gateway routes by too).
pub fn match_template(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let mut template_segments = template.split('/').filter(|s| !s.is_empty());
    let mut path_segments = path.split('/').filter(|s| !s.is_empty());
    let mut parameters = HashMap::new();
    loop {
        match (template_segments.next(), path_segments.next()) {
            (None, None) => return Some(parameters),
            (Some(expected), Some(actual)) => {
                match expected.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        parameters.insert(name.to_owned(), actual.to_owned());
                    }
                    None if expected == actual => {}
                    None => return None,
                }
            }
            _ => return None,
        }
    }
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
            // Issue 21.5: a greedy resource's `path` must spell the route the `proxy`
            // parameter names (the authorizer judged `path`'s spelling, `//me`).
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("//me"),
                RouteTarget::Unroutable,
            ),
            (Some("/{proxy+}"), Some("me"), None, RouteTarget::Unroutable),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/./me"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/x/../me"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/me/"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/admin"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/xme"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("admin"),
                Some("/me"),
                RouteTarget::Unroutable,
            ),
            (
                Some("/{proxy+}"),
                Some("me"),
                Some("/v1//me"),
                RouteTarget::Unroutable,
            ),
            // An empty `proxy` (API Gateway's greedy variable matches no root) names `/` only.
            (Some("/{proxy+}"), Some(""), Some("/"), path("/")),
            (
                Some("/{proxy+}"),
                Some(""),
                Some("/me"),
                RouteTarget::Unroutable,
            ),
            // A custom domain's base path is in `path`, never in `proxy`.
            (Some("/{proxy+}"), Some("me"), Some("/v1/me"), path("/me")),
            (
                Some("/api/{proxy+}"),
                Some("me"),
                Some("/v1/api/me"),
                path("/api/me"),
            ),
            (Some("me"), None, Some("/me"), RouteTarget::Unroutable),
            // A literal resource delivered with a path spelled otherwise (review R5).
            (Some("/me"), None, Some("//me"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/me//"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/x/../me"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/me/"), template("/me")),
            // The delivered path must spell the template (second review, N1).
            (Some("/me"), None, Some("/%6De"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/ME"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/admin"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/me%2F"), RouteTarget::Unroutable),
            (Some("/me"), None, Some("/"), RouteTarget::Unroutable),
            (
                Some("/items/{id}"),
                None,
                Some("/v1/items/42"),
                template("/items/{id}"),
            ),
            (
                Some("/items/{id}"),
                None,
                Some("/items/42/x"),
                RouteTarget::Unroutable,
            ),
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
        let on = |domain: &str, stage: &str| {
            let mut context = ApiGatewayV2httpRequestContext::default();
            context.stage = Some(stage.to_owned());
            context.domain_name = Some(domain.to_owned());
            context.apiid = Some("abc123".to_owned());
            context
        };
        let api = |stage| on("abc123.execute-api.ap-northeast-1.amazonaws.com", stage);
        let cases = [
            // (routeKey, rawPath, where, route)
            (
                Some("GET /me"),
                Some("/me"),
                api("$default"),
                template("/me"),
            ),
            (
                Some("GET /me"),
                Some("/prod/me"),
                api("prod"),
                template("/me"),
            ),
            (
                Some("GET /me"),
                Some("/me/"),
                api("$default"),
                template("/me"),
            ),
            (
                Some("ANY /items/{id}"),
                Some("/items/1"),
                api("$default"),
                template("/items/{id}"),
            ),
            (Some("$default"), Some("/me"), api("$default"), path("/me")),
            (Some("$default"), Some("/prod/me"), api("prod"), path("/me")),
            (Some("$default"), Some("/prod"), api("prod"), path("/")),
            (
                Some("ANY /{proxy+}"),
                Some("/me"),
                api("$default"),
                path("/me"),
            ),
            // The stage is stripped once, and only where a named stage puts it.
            (
                Some("$default"),
                Some("/prod/prod/me"),
                api("prod"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/prod/me"),
                api("$default"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/production/me"),
                api("prod"),
                RouteTarget::Unroutable,
            ),
            // A custom domain's API mapping picks the stage: the path carries none (review R1).
            (
                Some("$default"),
                Some("/prod/me"),
                on("api.example.com", "prod"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/me"),
                on("api.example.com", "prod"),
                path("/me"),
            ),
            (
                Some("$default"),
                Some("/prod/me"),
                on(
                    "abc123.execute-api.ap-northeast-1.amazonaws.com.evil.example",
                    "prod",
                ),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/prod/me"),
                on("other1.execute-api.ap-northeast-1.amazonaws.com", "prod"),
                path("/prod/me"),
            ),
            (
                Some("$default"),
                Some("/prod/me"),
                on("ABC123.execute-api.cn-north-1.amazonaws.com.cn", "prod"),
                path("/me"),
            ),
            (
                Some("$default"),
                Some("/me//"),
                api("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                Some("//me"),
                api("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                Some("/prod//me"),
                api("prod"),
                RouteTarget::Unroutable,
            ),
            (
                Some("$default"),
                None,
                api("$default"),
                RouteTarget::Unroutable,
            ),
            // A literal route delivered with a path spelled otherwise (review R5).
            (
                Some("GET /me"),
                Some("//me"),
                api("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("GET /me"),
                Some("/me//"),
                api("$default"),
                RouteTarget::Unroutable,
            ),
            (
                Some("GET /me"),
                Some("/./me"),
                api("$default"),
                RouteTarget::Unroutable,
            ),
            (
                None,
                Some("/me"),
                ApiGatewayV2httpRequestContext::default(),
                path("/me"),
            ),
        ];
        for (key, raw, stage, expected) in cases {
            assert_eq!(
                http_route(key, raw, &stage),
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
        assert_eq!(RouteTarget::path("/me/"), RouteTarget::Unroutable);
    }
}
