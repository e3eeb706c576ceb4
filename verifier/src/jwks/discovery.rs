//! OpenID Connect discovery, for an issuer configured without a `jwks_uri`: its document is
//! read (through the same fetcher as the JWKS, so with the same timeout, size cap and no
//! redirects) and only its `jwks_uri` is used, after two checks:
//! - the document's `issuer` is exactly the configured issuer ("OpenID Connect Discovery 1.0",
//!   §4.3: "The issuer value returned MUST be identical to the Issuer URL that was used as the
//!   prefix to /.well-known/openid-configuration"), so a document served for another issuer,
//!   or an emulator's document that names another host or port, is refused;
//! - the `jwks_uri` obeys the same URL rules as a configured one (`https`, or plain `http` for a
//!   loopback host only, no credentials).
//!
//! <https://openid.net/specs/openid-connect-discovery-1_0.html>

use serde_json::Value;

use super::fetcher::JwksFetchError;
use crate::config::parse_key_url;

/// `<issuer>/.well-known/openid-configuration`, a terminating `/` of the issuer removed first
/// (Discovery §4: "If the Issuer value contains a path component, any terminating / MUST be
/// removed before appending /.well-known/openid-configuration"). Auth0's issuers end in `/`.
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.strip_suffix('/').unwrap_or(issuer)
    )
}

/// The `jwks_uri` of a discovery document `body` for `issuer`.
pub fn jwks_uri(body: &[u8], issuer: &str) -> Result<String, JwksFetchError> {
    let refuse = JwksFetchError::Discovery;
    let document = crate::strict_json::parse_object(body)
        .ok_or(refuse("the discovery document is not a JSON object"))?;
    match document.get("issuer") {
        Some(Value::String(named)) if named == issuer => {}
        Some(Value::String(_)) => {
            return Err(refuse(
                "the discovery document names another issuer than the configured one",
            ));
        }
        _ => return Err(refuse("the discovery document has no issuer string")),
    }
    let Some(Value::String(uri)) = document.get("jwks_uri") else {
        return Err(refuse("the discovery document has no jwks_uri string"));
    };
    parse_key_url(uri).map_err(|_| {
        refuse("the discovered jwks_uri is not https (or loopback http) or has credentials")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://tenant.example.com/";

    #[test]
    fn the_document_is_read_at_the_issuer_without_its_terminating_slash() {
        assert_eq!(
            discovery_url(ISSUER),
            "https://tenant.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("http://localhost:9229/local_abc"),
            "http://localhost:9229/local_abc/.well-known/openid-configuration"
        );
    }

    #[test]
    fn only_a_document_for_this_issuer_with_a_safe_jwks_uri_is_used() {
        let ok = br#"{"issuer":"https://tenant.example.com/","jwks_uri":"https://tenant.example.com/.well-known/jwks.json","extra":[1]}"#;
        assert_eq!(
            jwks_uri(ok, ISSUER).as_deref(),
            Ok("https://tenant.example.com/.well-known/jwks.json")
        );
        let refused: [&[u8]; 9] = [
            // Not the configured issuer, byte for byte (cognito-local's document on another port).
            br#"{"issuer":"https://tenant.example.com","jwks_uri":"https://tenant.example.com/k"}"#,
            br#"{"issuer":"https://evil.example.com/","jwks_uri":"https://evil.example.com/k"}"#,
            br#"{"jwks_uri":"https://tenant.example.com/k"}"#,
            br#"{"issuer":null,"jwks_uri":"https://tenant.example.com/k"}"#,
            br#"{"issuer":"https://tenant.example.com/"}"#,
            br#"{"issuer":"https://tenant.example.com/","jwks_uri":"http://tenant.example.com/k"}"#,
            br#"{"issuer":"https://tenant.example.com/","jwks_uri":"https://u:p@tenant.example.com/k"}"#,
            br#"{"issuer":"https://tenant.example.com/","issuer":"https://tenant.example.com/","jwks_uri":"https://tenant.example.com/k"}"#,
            br#"["https://tenant.example.com/"]"#,
        ];
        for body in refused {
            assert!(
                matches!(jwks_uri(body, ISSUER), Err(JwksFetchError::Discovery(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // The log says which: another issuer named, or no issuer at all.
        let another =
            br#"{"issuer":"https://evil.example.com/","jwks_uri":"https://evil.example.com/k"}"#;
        assert_eq!(
            jwks_uri(another, ISSUER),
            Err(JwksFetchError::Discovery(
                "the discovery document names another issuer than the configured one"
            ))
        );
        let none = br#"{"jwks_uri":"https://tenant.example.com/k"}"#;
        assert_eq!(
            jwks_uri(none, ISSUER),
            Err(JwksFetchError::Discovery(
                "the discovery document has no issuer string"
            ))
        );
    }
}
