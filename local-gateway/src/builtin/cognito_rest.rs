//! The REST API's `COGNITO_USER_POOLS` authorizer, after the signature ([`super`] verified it
//! against the keys of one of the authorizer's pools, either issuer form).
//!
//! Invariant: the method's OAuth scopes alone decide which token kind is accepted: none, an
//! ID token; some, an access token holding at least one of them. No audience is checked: a
//! token from any app client of the pool passes, which is the main thing this authorizer
//! gives up compared with ours.
//!
//! Sources (AWS documentation):
//! - \[REST\] "Control access to REST APIs using Amazon Cognito user pools as an authorizer"
//!   (apigateway-integrate-with-cognito.html) and "Integrate a REST API with an Amazon
//!   Cognito user pool" (apigateway-enable-cognito-user-pool.html): "if the OAuth Scopes
//!   option isn't specified, API Gateway treats the supplied token as an identity token ...
//!   Otherwise, API Gateway treats the supplied token as an access token"; with scopes, "the
//!   method call succeeds if any scope that's specified on the method ... matches a scope
//!   that's claimed in the incoming token. Otherwise, the call fails with a `401
//!   Unauthorized` response."
//! - \[SCOPES\] AWS::ApiGateway::Method `AuthorizationScopes`: "The method invocation is
//!   authorized if any method scope matches a claimed scope in the access token."
//! - \[KC401\] Knowledge center "api-gateway-cognito-401-unauthorized": 401 for an expired
//!   token, an issuer other than the configured pool, an access token on a method without
//!   scopes and an ID token on a method with scopes.
//!
//! Not documented, taken from what deployed APIs are reported to do: the expired token's
//! message `The incoming token has expired`, and the claims' format ([`super::claims`]).
//! Not documented and not emulated (here the reading that refuses, where there is one):
//! whether a `Bearer ` prefix is accepted (here: no, send the bare token); how API Gateway
//! tells an ID token from an access token (here: Cognito's `token_use`); whether `nbf` and
//! `iat` are checked (here: as the HTTP API's JWT authorizer documents it, neither after the
//! current time; Cognito's tokens carry no `nbf` and an `iat` in the past, so real tokens are
//! unaffected); which algorithms (here: RSA, as for the JWT authorizer; Cognito's keys declare
//! RS256, and a key that declares one is used with no other); and any `www-authenticate`
//! header (here: none; AWS documents one for the HTTP API only).

use serde_json::{Map, Value, json};

use super::claims::{ListStyle, has_any_scope, numeric, rendered_claims};
use super::{BuiltinConfig, BuiltinVerdict, unauthorized};

/// The token in the `Authorization` value: the whole value. A `Bearer ` prefix is
/// undocumented for this authorizer: it stays, and the token then fails to parse.
pub(crate) fn token(authorization: &str) -> &str {
    authorization
}

/// \[REST\], \[KC401\], \[SCOPES\], on claims whose signature verified.
pub(crate) fn checks(
    config: &BuiltinConfig,
    claims: &Map<String, Value>,
    now: u64,
) -> BuiltinVerdict {
    match numeric(claims, "exp") {
        Some(exp) if now < exp => {}
        Some(_) => {
            return BuiltinVerdict::Unauthorized {
                message: "The incoming token has expired",
                reason: "exp has passed",
                www_authenticate: None,
            };
        }
        None => return unauthorized("exp is missing"),
    }
    // Undocumented for REST (module docs): refused as the JWT authorizer refuses them.
    for name in ["nbf", "iat"] {
        if claims.contains_key(name) && numeric(claims, name).is_none_or(|t| t > now) {
            return unauthorized("nbf or iat is in the future");
        }
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    if config.scopes.is_empty() {
        // No scopes: "treats the supplied token as an identity token". How API Gateway
        // tells the kinds apart is undocumented; Cognito says which in token_use.
        if token_use != Some("id") {
            return unauthorized("no method scopes: only an ID token is accepted");
        }
    } else {
        if token_use != Some("access") {
            return unauthorized("method scopes: only an access token is accepted");
        }
        // [REST]: "Otherwise, the call fails with a 401 Unauthorized response."
        if !has_any_scope(claims, &config.scopes) {
            return unauthorized("the access token has none of the method's scopes");
        }
    }
    BuiltinVerdict::Allow {
        authorizer: json!({ "claims": rendered_claims(claims, ListStyle::Commas) }),
    }
}
