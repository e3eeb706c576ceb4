//! One trusted issuer, whatever it is: a Cognito pool's issuer form, an OpenID Connect provider
//! (Auth0, Okta, Entra, …) or a local emulator whose `iss` is its own URL.
//!
//! Invariants:
//! - A token's `iss` selects its entry by exact string match, and nothing else about the token
//!   does: keys, audiences, algorithms and claim names all come from the entry.
//! - Keys come only from the entry's `jwks_uri`, or from the `jwks_uri` of the discovery
//!   document at `<issuer>/.well-known/openid-configuration` when none is configured; both
//!   obey [`super::url::parse_key_url`].
//! - Every entry checks its client: `aud` against `audience`, or (an explicit choice) the
//!   Cognito way against `client_id` values, which needs the `token_use` claim.

use crate::algorithm::JwkAlgorithm;

use super::TokenUsePolicy;

/// Where an issuer's JWKS is fetched from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwksLocation {
    /// A configured (or, for a Cognito pool, derived) URL.
    Url(String),
    /// Read once from the issuer's OpenID Connect discovery document, whose `issuer` must be
    /// exactly the configured one.
    Discovery,
}

/// How a token's client (its audience) is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCheck {
    /// `aud` (a string or an array) must hold one of these.
    Audience(Vec<String>),
    /// The Cognito way: an ID token's `aud`, or an access token's `client_id` claim, must be
    /// one of these. An entry of this kind has a `token_use` expectation: the claim says which
    /// of the two to read. With `token_use` = `access` this is the explicit opt-out from `aud`
    /// for access tokens that carry `client_id` instead (Cognito's do).
    ClientId(Vec<String>),
}

/// Where an issuer puts the token's scopes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopesClaim {
    /// `scope`, a space-separated string (RFC 8693 §4.2, RFC 9068 §2.2.3; Cognito, Auth0).
    #[default]
    Scope,
    /// `scp`, a space-separated string (Microsoft Entra) or an array of strings (Okta).
    Scp,
}

impl ScopesClaim {
    /// The claim's name.
    pub fn name(self) -> &'static str {
        match self {
            ScopesClaim::Scope => "scope",
            ScopesClaim::Scp => "scp",
        }
    }
}

/// The claim Cognito lists a user's groups in.
pub const COGNITO_GROUPS: &str = "cognito:groups";

/// One issuer the verifier trusts, and what its tokens must satisfy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerConfig {
    /// A short name for logs and the authorizer's context (`issuer_name`), e.g. `okta`. A
    /// Cognito pool's is its pool ID.
    pub name: String,
    /// The exact `iss` accepted.
    pub issuer: String,
    /// Where the keys are.
    pub jwks: JwksLocation,
    /// How the client is checked.
    pub client: ClientCheck,
    /// When set, the `token_use` claim must be `id` or `access` and allowed by this; when not,
    /// the claim is not read.
    pub token_use: Option<TokenUsePolicy>,
    /// When set, the header `typ` must be this media type (compared as RFC 7515 §4.1.9 says:
    /// without case, `application/` optional), e.g. `at+jwt` for RFC 9068 access tokens.
    pub typ: Option<String>,
    /// The header `alg` values accepted for this issuer: an exact allowlist.
    pub algorithms: Vec<JwkAlgorithm>,
    /// The claim holding the groups (an array of strings), e.g. `cognito:groups`, `groups`,
    /// `roles` or a namespaced URL claim; `None`: the tokens carry no groups.
    pub groups_claim: Option<String>,
    /// Where the scopes are.
    pub scopes_claim: ScopesClaim,
}

impl IssuerConfig {
    /// Whether a header `typ` satisfies this entry's expectation (always, when it has none).
    pub fn accepts_typ(&self, typ: Option<&str>) -> bool {
        match (&self.typ, typ) {
            (None, _) => true,
            (Some(expected), Some(actual)) => {
                media_type(expected).eq_ignore_ascii_case(media_type(actual))
            }
            (Some(_), None) => false,
        }
    }
}

/// RFC 7515 §4.1.9: "application/" may be omitted from a `typ` value, and media types compare
/// without case (RFC 2045 §5.1).
fn media_type(typ: &str) -> &str {
    match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_compares_as_a_media_type() {
        let mut entry = IssuerConfig {
            name: "n".into(),
            issuer: "https://issuer.example".into(),
            jwks: JwksLocation::Discovery,
            client: ClientCheck::Audience(vec!["api".into()]),
            token_use: None,
            typ: None,
            algorithms: vec![JwkAlgorithm::RS256],
            groups_claim: None,
            scopes_claim: ScopesClaim::Scope,
        };
        assert!(entry.accepts_typ(None), "no expectation accepts no typ");
        assert!(entry.accepts_typ(Some("JWT")));
        entry.typ = Some("at+jwt".into());
        for (typ, accepted) in [
            (Some("at+jwt"), true),
            (Some("AT+JWT"), true),
            (Some("application/at+jwt"), true),
            (Some("Application/At+JWT"), true),
            (Some("JWT"), false),
            (Some("application/jwt"), false),
            (Some("at+jwt "), false),
            (Some("application/"), false),
            // Only "application/" itself may be left out, not any 12 characters.
            (Some("abcdefghijklat+jwt"), false),
            (Some(""), false),
            (None, false),
        ] {
            assert_eq!(entry.accepts_typ(typ), accepted, "{typ:?}");
        }
        entry.typ = Some("application/at+jwt".into());
        assert!(entry.accepts_typ(Some("at+jwt")));
    }
}
