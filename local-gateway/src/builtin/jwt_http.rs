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
//! - \[JWT401\] "Troubleshooting issues with HTTP API JWT authorizers"
//!   (http-api-troubleshooting-jwt.html): a refused token gets `401 {"message":"Unauthorized"}`
//!   with the header `www-authenticate: Bearer scope="" error="invalid_token"
//!   error_description="the token does not have a valid audience"` (its example, whose
//!   response has no other header of its own: no `x-amzn-errortype`, no `content-type`); and
//!   "API Gateway validates `client_id` only if `aud` is not present. When both `aud` and
//!   `client_id` are present, API Gateway evaluates `aud`."
//! - \[PAYLOAD\] "Create AWS Lambda proxy integrations for HTTP APIs" (payload 2.0):
//!   `requestContext.authorizer.jwt.claims` and `.scopes`.
//!
//! Not documented, taken from what deployed APIs are reported to do: lists rendered as
//! `[a b]` ([`super::claims`]); a scope miss answered 403 `Forbidden`; `jwt.scopes` null on a
//! route without scopes even when the token has some (aws/aws-lambda-go issue 317,
//! DefinitelyTyped PR 75458: a Cognito access token with two scopes, `"scopes": null`).
//! Not documented and not emulated: the `error_description` of any refusal but the audience
//! (here: none), the `scope` attribute on a route with scopes (here: `""`, as in the
//! example), and any header on the 403 (here: none). What `jwt.scopes` holds on a route with
//! scopes is not documented either (here: the token's scopes).

use serde_json::{Map, Value, json};

use super::claims::{ListStyle, has_any_scope, numeric, rendered_claims, token_scopes};
use super::{BuiltinConfig, BuiltinVerdict};

/// \[JWT401\]: the challenge on every refusal whose text AWS does not document.
const INVALID_TOKEN: &str = r#"Bearer scope="" error="invalid_token""#;
/// \[JWT401\]: the documented challenge, an audience mismatch.
const INVALID_AUDIENCE: &str = r#"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#;

/// \[JWT401\]: 401 `Unauthorized` with the `www-authenticate` challenge.
pub(crate) fn invalid_token(reason: &'static str) -> BuiltinVerdict {
    BuiltinVerdict::Unauthorized {
        message: "Unauthorized",
        reason,
        www_authenticate: Some(INVALID_TOKEN),
    }
}

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
        // [JWT401]: "API Gateway validates client_id only if aud is not present."
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
        return BuiltinVerdict::Unauthorized {
            message: "Unauthorized",
            reason: "neither aud nor client_id is a configured audience",
            www_authenticate: Some(INVALID_AUDIENCE),
        };
    }
    // `exp` "must be after", `nbf` and `iat` "before the current time in UTC". The claims are
    // whole seconds and the current time is not: `now` is the current time rounded down, so
    // "after" is `exp > now` and "before" is `t <= now` (a token issued within the current
    // second was issued before the current instant, and Cognito's fresh tokens must pass).
    match numeric(claims, "exp") {
        Some(exp) if now < exp => {}
        _ => return invalid_token("exp is missing or has passed"),
    }
    // Both checked when present; a present one that is not a whole number is refused.
    for name in ["nbf", "iat"] {
        if claims.contains_key(name) && numeric(claims, name).is_none_or(|t| t > now) {
            return invalid_token("nbf or iat is in the future");
        }
    }
    if !config.scopes.is_empty() && !has_any_scope(claims, &config.scopes) {
        return BuiltinVerdict::Forbidden;
    }
    // Reported: null on a route without scopes, whatever the token holds (module docs).
    let scopes = if config.scopes.is_empty() {
        Value::Null
    } else {
        json!(token_scopes(claims))
    };
    BuiltinVerdict::Allow {
        authorizer: json!({ "jwt": {
            "claims": rendered_claims(claims, ListStyle::Brackets),
            "scopes": scopes,
        }}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::BuiltinKind;

    const NOW: u64 = 1_700_000_000;

    fn config(scopes: &[&str]) -> BuiltinConfig {
        BuiltinConfig {
            kind: BuiltinKind::HttpJwt,
            pools: Vec::new(),
            audience: vec!["client".into()],
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn access(change: impl FnOnce(&mut Map<String, Value>)) -> Map<String, Value> {
        let mut claims = json!({"client_id": "client", "token_use": "access",
            "scope": "aws.cognito.signin.user.admin myapi/read", "exp": NOW + 60, "iat": NOW - 60});
        change(claims.as_object_mut().unwrap());
        claims.as_object().unwrap().clone()
    }

    /// What each case must come to: allowed with this `jwt.scopes`, 401 with this challenge,
    /// or 403.
    #[derive(Debug, PartialEq)]
    enum Expect {
        Allow(Value),
        Refuse(&'static str),
        Forbidden,
    }

    fn outcome(verdict: BuiltinVerdict) -> Expect {
        match verdict {
            BuiltinVerdict::Allow { authorizer } => {
                Expect::Allow(authorizer["jwt"]["scopes"].clone())
            }
            BuiltinVerdict::Unauthorized {
                message: "Unauthorized",
                www_authenticate: Some(challenge),
                ..
            } => Expect::Refuse(challenge),
            BuiltinVerdict::Forbidden => Expect::Forbidden,
            other => panic!("an HTTP API 401 without the challenge or the message: {other:?}"),
        }
    }

    #[test]
    fn claim_checks_challenges_and_scopes() {
        let route_scopes = ["myapi/read"];
        for (case, scopes, claims, expected) in [
            // [JWT401]: the documented challenge for the audience, the bare one otherwise.
            (
                "client_id of another app client",
                &[][..],
                access(|c| {
                    c.insert("client_id".into(), json!("other"));
                }),
                Expect::Refuse(INVALID_AUDIENCE),
            ),
            (
                "aud another, client_id ours: aud decides",
                &[],
                access(|c| {
                    c.insert("aud".into(), json!("other"));
                }),
                Expect::Refuse(INVALID_AUDIENCE),
            ),
            (
                "exp now (not after the current time)",
                &[],
                access(|c| {
                    c.insert("exp".into(), json!(NOW));
                }),
                Expect::Refuse(INVALID_TOKEN),
            ),
            (
                "exp missing",
                &[],
                access(|c| {
                    c.remove("exp");
                }),
                Expect::Refuse(INVALID_TOKEN),
            ),
            (
                "iat one second ahead",
                &[],
                access(|c| {
                    c.insert("iat".into(), json!(NOW + 1));
                }),
                Expect::Refuse(INVALID_TOKEN),
            ),
            (
                "nbf one second ahead",
                &[],
                access(|c| {
                    c.insert("nbf".into(), json!(NOW + 1));
                }),
                Expect::Refuse(INVALID_TOKEN),
            ),
            (
                "nbf not a number",
                &[],
                access(|c| {
                    c.insert("nbf".into(), json!("0"));
                }),
                Expect::Refuse(INVALID_TOKEN),
            ),
            // A token issued within the current second was issued before now.
            (
                "iat and nbf in the current second",
                &[],
                access(|c| {
                    c.insert("iat".into(), json!(NOW));
                    c.insert("nbf".into(), json!(NOW));
                }),
                Expect::Allow(Value::Null),
            ),
            // Reported: jwt.scopes null on a route without scopes, even with scopes held.
            (
                "route without scopes, token with two",
                &[],
                access(|_| {}),
                Expect::Allow(Value::Null),
            ),
            (
                "route with scopes: the token's",
                &route_scopes[..],
                access(|_| {}),
                Expect::Allow(json!(["aws.cognito.signin.user.admin", "myapi/read"])),
            ),
            (
                "route with scopes, token without any of them",
                &route_scopes[..],
                access(|c| {
                    c.insert("scope".into(), json!("openid"));
                }),
                Expect::Forbidden,
            ),
        ] {
            assert_eq!(
                outcome(checks(&config(scopes), &claims, NOW)),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn refusals_before_the_claims_carry_the_challenge() {
        assert_eq!(
            outcome(invalid_token("signature does not verify")),
            Expect::Refuse(INVALID_TOKEN)
        );
    }
}
