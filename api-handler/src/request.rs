//! The request as handlers see it, whichever payload version it came in.

use std::collections::HashMap;

use aws_lambda_events::http::{HeaderMap, Method};
use aws_lambda_events::query_map::QueryMap;

/// A payload-independent view of the request.
///
/// Headers are here for handlers that need them (content negotiation, ...); they are never a
/// source of identity: see [`crate::identity`].
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    pub method: Method,
    /// Paths this request may be routed by, most specific first (see [`route_paths`]).
    pub route_paths: Vec<String>,
    pub headers: HeaderMap,
    pub query: QueryMap,
    /// Path parameters from API Gateway, plus those of our route template once matched.
    pub path_parameters: HashMap<String, String>,
    pub body: Option<String>,
    pub is_base64_encoded: bool,
}

impl ApiRequest {
    /// A request for `method` and `path`, as built by tests and in-process callers.
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            route_paths: vec![normalize(path)],
            ..Self::default()
        }
    }
}

/// Where API Gateway said the request was going, in the shapes it uses.
#[derive(Debug, Default)]
pub struct PathHints<'a> {
    /// REST `resource` or the path of an HTTP API `routeKey` (`GET /me` → `/me`): the route
    /// template API Gateway matched; only usable verbatim when it has no `{...}` parameters.
    pub template: Option<&'a str>,
    /// REST `{proxy+}` resources: the resource and the `proxy` path parameter.
    pub proxy: Option<(&'a str, &'a str)>,
    /// REST `path`, HTTP API `rawPath` / `requestContext.http.path`, REST `requestContext.path`.
    pub paths: Vec<&'a str>,
    /// The stage, which prefixes some of those paths (HTTP API named stages,
    /// REST `requestContext.path`). `$default` never does.
    pub stage: Option<&'a str>,
}

/// The candidate paths a request may be routed by, normalized and deduplicated.
///
/// API Gateway delivers the path in several places, and which ones carry a stage prefix or a
/// custom-domain base path depends on the API type and deployment; the router takes the first
/// candidate that names one of our routes.
pub fn route_paths(hints: &PathHints<'_>) -> Vec<String> {
    let mut candidates = Vec::new();
    if let Some(template) = hints
        .template
        .filter(|t| !t.contains('{') && t.starts_with('/'))
    {
        candidates.push(template.to_owned());
    }
    if let Some((resource, proxy)) = hints.proxy {
        if let Some(prefix) = resource.strip_suffix("{proxy+}") {
            candidates.push(format!("{prefix}{proxy}"));
        }
    }
    for path in &hints.paths {
        candidates.push((*path).to_owned());
        if let Some(stage) = hints.stage.filter(|s| !s.is_empty() && *s != "$default") {
            if let Some(rest) = strip_segment_prefix(path, stage) {
                candidates.push(rest.to_owned());
            }
        }
    }
    let mut normalized: Vec<String> = Vec::with_capacity(candidates.len());
    for candidate in candidates.iter().map(|c| normalize(c)) {
        if !normalized.contains(&candidate) {
            normalized.push(candidate);
        }
    }
    normalized
}

/// `/prod/me` without the `prod` segment → `/me`; `None` if the path does not start with it.
fn strip_segment_prefix<'p>(path: &'p str, segment: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(segment)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// One leading slash, no trailing slash, no empty segments: `me/` and `//me` are `/me`.
fn normalize(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_cover_every_delivery_shape() {
        let cases: Vec<(PathHints<'static>, Vec<&str>)> = vec![
            (
                PathHints {
                    template: Some("/me"),
                    paths: vec!["/me"],
                    ..PathHints::default()
                },
                vec!["/me"],
            ),
            (
                PathHints {
                    template: Some("/{proxy+}"),
                    proxy: Some(("/{proxy+}", "hello")),
                    paths: vec!["/api/hello", "/prod/api/hello"],
                    stage: Some("prod"),
                },
                vec!["/hello", "/api/hello", "/prod/api/hello"],
            ),
            (
                PathHints {
                    template: Some("$default"),
                    paths: vec!["/prod/me/", "/prod/me/"],
                    stage: Some("prod"),
                    ..PathHints::default()
                },
                vec!["/prod/me", "/me"],
            ),
            (
                PathHints {
                    paths: vec!["/production/me"],
                    stage: Some("prod"),
                    ..PathHints::default()
                },
                vec!["/production/me"],
            ),
            (
                PathHints {
                    paths: vec!["/me"],
                    stage: Some("$default"),
                    ..PathHints::default()
                },
                vec!["/me"],
            ),
            (
                PathHints {
                    paths: vec!["/prod"],
                    stage: Some("prod"),
                    ..PathHints::default()
                },
                vec!["/prod", "/"],
            ),
        ];
        for (hints, expected) in cases {
            assert_eq!(route_paths(&hints), expected, "{hints:?}");
        }
    }

    #[test]
    fn normalizes_slashes() {
        for (raw, expected) in [
            ("/me/", "/me"),
            ("me", "/me"),
            ("//me//x", "/me/x"),
            ("/", "/"),
            ("", "/"),
        ] {
            assert_eq!(normalize(raw), expected);
        }
    }
}
