//! The route decision for HTTP API simple responses, which carry no policy: API Gateway caches
//! `isAuthorized` per identity source, so the answer must hold for every request those
//! sources stand for.
//!
//! REST and IAM answers need no such decision: their policy allows the whole stage and denies
//! each route whose rule the caller fails (see the response module), which is right for any
//! route API Gateway applies it to.

use oidc_jwt_verifier::VerifiedClaims;

use super::arn::{MethodArn, is_canonical};
use super::route_rules::{METHODS, RouteRules};

/// Whether an HTTP API simple response may say `isAuthorized: true` for this request, which
/// API Gateway then caches for this token and route key.
///
/// With route rules, the answer is cached per `routeKey`, so the route key must name exactly
/// one method and one literal path: `$default`, `ANY /x`, `GET /items/{id}` and
/// `GET /{proxy+}` each stand for many requests, and an answer for one of them (`/hello`)
/// would be reused for another (`/admin`). Such routes are refused outright, whatever the
/// request. The request itself must be unambiguous too — a concrete method and a plain path
/// that is the route key's own path — and neither may fall under a rule the caller fails.
pub fn simple_request_allowed(
    arn: &MethodArn,
    route_key: Option<&str>,
    rules: &RouteRules,
    claims: &VerifiedClaims,
) -> bool {
    if rules.is_empty() {
        return true;
    }
    let Some(route) = route_key.and_then(literal_route) else {
        return false;
    };
    let request = arn.method_and_path();
    if is_ambiguous(request) || !same_route(&route, request) {
        return false;
    }
    // The request is the route or the route with a trailing `/`, and every rule covers both
    // spellings alike: judging the route covers the request (mutation testing showed that a
    // second check of the request could never decide anything).
    let mut failed = rules.failed_by(claims);
    !failed.any(|rule| rule.covers(&route))
}

/// `GET /me` → `GET/me` when the route key names one method and a literal path; `None` for
/// `$default`, `ANY`, templated (`{id}`) and greedy (`{proxy+}`) routes.
fn literal_route(route_key: &str) -> Option<String> {
    let (method, path) = route_key.split_once(' ')?;
    let route = format!("{method}{path}");
    (path.starts_with('/') && !is_ambiguous(&route)).then_some(route)
}

/// Whether the request (`GET/me` or `GET/me/`) is the literal route (`GET/me`).
fn same_route(route: &str, request: &str) -> bool {
    request == route || request.strip_suffix('/') == Some(route)
}

/// A `METHOD/path` whose rule coverage cannot be decided literally.
fn is_ambiguous(method_and_path: &str) -> bool {
    let (method, path) = method_and_path
        .split_once('/')
        .unwrap_or((method_and_path, ""));
    // Not canonical: an empty (`//`, a leading `/`) or a dot segment; one trailing `/` aside.
    !METHODS.contains(&method) || path.contains(['{', '}', '%', ';', '\\']) || !is_canonical(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_requests() {
        for ambiguous in [
            "$default",
            "ANY/x",
            "GET/{proxy+}",
            "GET/a%2Fb",
            "GET//admin",
            "GET/admin;x",
            "GET/./admin",
            "GET/x/../admin",
            "get/admin",
        ] {
            assert!(is_ambiguous(ambiguous), "{ambiguous}");
        }
        for plain in [
            "GET/",
            "GET/admin",
            "HEAD/admin/",
            "DELETE/items/42",
            "OPTIONS/a.b/c",
        ] {
            assert!(!is_ambiguous(plain), "{plain}");
        }
    }

    #[test]
    fn only_literal_route_keys_can_be_judged() {
        for (key, literal) in [
            ("GET /me", Some("GET/me")),
            ("DELETE /items/42", Some("DELETE/items/42")),
            ("GET /", Some("GET/")),
            ("$default", None),
            ("ANY /admin", None),
            ("GET /{proxy+}", None),
            ("ANY /{proxy+}", None),
            ("GET /items/{id}", None),
            ("GET admin", None),
            ("get /admin", None),
            ("GET /a%2Fb", None),
            ("GET //admin", None),
        ] {
            assert_eq!(literal_route(key).as_deref(), literal, "{key}");
        }
        for (route, request, same) in [
            ("GET/me", "GET/me", true),
            ("GET/me", "GET/me/", true),
            ("GET/me", "GET/Admin", false),
            ("GET/me", "POST/me", false),
            ("GET/me", "GET/me//", false),
            ("GET/", "GET/", true),
        ] {
            assert_eq!(same_route(route, request), same, "{route} vs {request}");
        }
    }
}
