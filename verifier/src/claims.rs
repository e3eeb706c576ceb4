//! The claims of a token whose signature has verified, checked against the configuration and
//! the clock. Their JSON types were checked when they were parsed ([`crate::raw_claims`]).

use crate::config::{TokenUsePolicy, VerifierConfig};
use crate::raw_claims::{Audience, NumericDate, RawClaims};
use crate::rejection::{Reason, Rejection};

/// Cognito's two token kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// An ID token (`token_use` = `id`).
    Id,
    /// An access token (`token_use` = `access`).
    Access,
}

impl TokenUse {
    /// The `token_use` value: `id` or `access`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// What a verified token says about its holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// The `sub` claim: the user (or, for client-credentials tokens, the app client).
    pub sub: String,
    /// `cognito:username` (ID token) or `username` (access token).
    pub username: Option<String>,
    /// Which kind of token this is.
    pub token_use: TokenUse,
    /// The app client: `aud` of an ID token, `client_id` of an access token.
    pub client_id: String,
    /// The scopes of `scope`, in order (access tokens; empty for ID tokens).
    pub scopes: Vec<String>,
    /// `cognito:groups`, exactly as the token lists them.
    pub groups: Vec<String>,
    /// `email`, when the token has one (ID tokens).
    pub email: Option<String>,
    /// `email_verified` is the JSON boolean `true`. Users can change their own email; a
    /// backend must not trust an email address that is not verified.
    pub email_verified: bool,
    /// The exact `iss`, one of a configured pool's issuers.
    pub issuer: String,
    /// `exp`, in seconds since the epoch.
    pub expires_at: u64,
    /// `auth_time`, when present: when the user last signed in.
    pub auth_time: Option<u64>,
}

impl VerifiedClaims {
    /// Whether the holder is in any of `groups` (true when `groups` is empty).
    pub fn in_any_group(&self, groups: &[String]) -> bool {
        groups.is_empty() || groups.iter().any(|g| self.groups.contains(g))
    }

    /// Whether the holder has any of `scopes` (true when `scopes` is empty).
    pub fn has_any_scope(&self, scopes: &[String]) -> bool {
        scopes.is_empty() || scopes.iter().any(|s| self.scopes.contains(s))
    }
}

fn invalid(detail: &'static str) -> Rejection {
    Rejection::new(Reason::InvalidClaim, detail)
}

/// Checks every claim. Types were checked when `claims` was parsed; `issuer` has already been
/// matched to a configured pool.
pub fn validate(
    claims: &RawClaims<'_>,
    issuer: &str,
    config: &VerifierConfig,
    now: u64,
) -> Result<VerifiedClaims, Rejection> {
    let skew = config.clock_skew_seconds;

    let expires_at = claims.exp.ok_or(invalid("exp is missing"))?.0;
    if now >= expires_at.saturating_add(skew) {
        return Err(Rejection::new(Reason::Expired, "token has expired"));
    }
    if let Some(NumericDate(not_before)) = claims.nbf
        && now.saturating_add(skew) < not_before
    {
        return Err(Rejection::new(
            Reason::NotYetValid,
            "token is not valid yet (nbf)",
        ));
    }

    let token_use = match claims.token_use.as_deref() {
        Some("id") => TokenUse::Id,
        Some("access") => TokenUse::Access,
        Some(_) => {
            return Err(Rejection::new(
                Reason::WrongTokenUse,
                "token_use is not id or access",
            ));
        }
        None => {
            return Err(Rejection::new(
                Reason::WrongTokenUse,
                "token_use is missing",
            ));
        }
    };
    let allowed = match config.token_use {
        TokenUsePolicy::Any => true,
        TokenUsePolicy::Id => token_use == TokenUse::Id,
        TokenUsePolicy::Access => token_use == TokenUse::Access,
    };
    if !allowed {
        return Err(Rejection::new(
            Reason::WrongTokenUse,
            "token_use is not allowed here",
        ));
    }

    let configured = |client: &str| config.client_ids.iter().any(|c| c == client);
    let client_id = match token_use {
        TokenUse::Id => match &claims.aud {
            Some(Audience::One(aud)) if configured(aud) => aud,
            Some(Audience::Many(auds)) => {
                auds.iter()
                    .find(|aud| configured(aud))
                    .ok_or(Rejection::new(
                        Reason::WrongClient,
                        "aud names no configured app client",
                    ))?
            }
            Some(Audience::One(_)) => {
                return Err(Rejection::new(
                    Reason::WrongClient,
                    "aud is not a configured app client",
                ));
            }
            None => return Err(Rejection::new(Reason::WrongClient, "aud is missing")),
        },
        // An access token's client is its client_id; an `aud` it may carry is not consulted.
        TokenUse::Access => match &claims.client_id {
            Some(client) if configured(client) => client,
            Some(_) => {
                return Err(Rejection::new(
                    Reason::WrongClient,
                    "client_id is not a configured app client",
                ));
            }
            None => return Err(Rejection::new(Reason::WrongClient, "client_id is missing")),
        },
    };

    let sub = match claims.sub.as_deref() {
        Some(sub) if !sub.is_empty() => sub.to_owned(),
        _ => return Err(invalid("sub is missing or empty")),
    };
    let username = match token_use {
        TokenUse::Id => claims.cognito_username.as_deref(),
        TokenUse::Access => claims.username.as_deref(),
    }
    .map(str::to_owned);

    let verified = VerifiedClaims {
        sub,
        username,
        token_use,
        client_id: client_id.to_string(),
        scopes: claims
            .scope
            .as_deref()
            .map(|scope| {
                scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        groups: claims
            .groups
            .as_ref()
            .map(|groups| groups.iter().map(|g| g.to_string()).collect())
            .unwrap_or_default(),
        email: claims.email.as_deref().map(str::to_owned),
        email_verified: claims.email_verified,
        issuer: issuer.to_owned(),
        expires_at,
        auth_time: claims.auth_time.map(|t| t.0),
    };
    if !verified.has_any_scope(&config.required_scopes) {
        return Err(Rejection::new(
            Reason::MissingScope,
            "token has none of the required scopes",
        ));
    }
    if !verified.in_any_group(&config.required_groups) {
        return Err(Rejection::new(
            Reason::MissingGroup,
            "token has none of the required groups",
        ));
    }
    Ok(verified)
}
