//! The HTTP API's JWT authorizer, after the signature ([`super`] verified it against the keys
//! of the one configured issuer, RSA algorithms only).
//!
//! Invariant: the claim checks run in the documented order and every one must pass; nothing
//! tells an ID token from an access token, so either kind whose `aud` (or `client_id`, only
//! without `aud`) is a configured audience passes a route without scopes.
//!
//! Sources (AWS documentation):
//! - \[JWT\] "Control access to HTTP APIs with JWT authorizers in API Gateway"
//!   (http-api-jwt-authorizer.html), its validation workflow: token alone or after `Bearer `;
//!   "Currently, only RSA-based algorithms are supported", key by `kid` from the issuer's
//!   `jwks_uri`; `iss` equal to the configured issuer; `aud` or `client_id` one of the
//!   configured audiences; `exp` after, `nbf` and `iat` before the current time; `scope`/`scp`
//!   with at least one of the route's scopes. Its note: "There is no standard mechanism to
//!   differentiate JWT access tokens from other types of JWTs": `token_use` is not checked.
//! - \[PAYLOAD\] "Create AWS Lambda proxy integrations for HTTP APIs" (payload 2.0):
//!   `requestContext.authorizer.jwt.claims` and `.scopes`.
//!
//! Not documented, taken from what deployed APIs are reported to do: lists rendered as
//! `[a b]` ([`super::claims`]) and a scope miss answered 403 `Forbidden`.
//! Not documented and not emulated: the `WWW-Authenticate` header text (here: none).

use serde_json::{Map, Value, json};

use super::claims::{ListStyle, has_any_scope, numeric, rendered_claims, token_scopes};
use super::{BuiltinConfig, BuiltinVerdict, unauthorized};

/// \[JWT\] step 1: the identity source "can include only the token, or the token prefixed
/// with `Bearer `".
pub(crate) fn token(authorization: &str) -> &str {
    authorization
        .strip_prefix("Bearer ")
        .unwrap_or(authorization)
}

/// \[JWT\] step 4, in its order; then the scopes (\[PAYLOAD\] for what the backend gets), on
/// claims whose signature verified.
pub(crate) fn checks(
    config: &BuiltinConfig,
    claims: &Map<String, Value>,
    now: u64,
) -> BuiltinVerdict {
    let audience_ok = match claims.get("aud") {
        // "API Gateway validates client_id only if aud is not present."
        Some(Value::String(aud)) => config.audience.contains(aud),
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .any(|aud| config.audience.iter().any(|a| a == aud)),
        Some(_) => false,
        None => claims
            .get("client_id")
            .and_then(Value::as_str)
            .is_some_and(|id| config.audience.iter().any(|a| a == id)),
    };
    if !audience_ok {
        return unauthorized("neither aud nor client_id is a configured audience");
    }
    match numeric(claims, "exp") {
        Some(exp) if now < exp => {}
        _ => return unauthorized("exp is missing or has passed"),
    }
    // nbf and iat "must be before the current time"; both checked when present.
    for name in ["nbf", "iat"] {
        if claims.contains_key(name) && numeric(claims, name).is_none_or(|t| t > now) {
            return unauthorized("nbf or iat is in the future");
        }
    }
    if !config.scopes.is_empty() && !has_any_scope(claims, &config.scopes) {
        return BuiltinVerdict::Forbidden;
    }
    let scopes = token_scopes(claims);
    BuiltinVerdict::Allow {
        authorizer: json!({ "jwt": {
            "claims": rendered_claims(claims, ListStyle::Brackets),
            "scopes": if scopes.is_empty() { Value::Null } else { json!(scopes) },
        }}),
    }
}
