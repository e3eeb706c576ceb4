//! A token's claims, in one folder: `raw` parses the payload strictly, `named` reads the
//! claims an issuer entry names (groups, scopes, claim rules' claims), `rules` holds the
//! claim rules and the caller kind.
//!
//! This module validates the claims of a token whose signature has verified, in two steps.
//! `validate` checks them against the token's issuer entry and the clock: what makes the
//! token authentic and current (a failure is a 401). `check_requirements` then checks what
//! the caller must hold: the required scopes, groups and claim rules (`rules`), so a failure
//! there (a 403) always concerns an authentic, valid token. Their JSON types were checked when
//! they were parsed (`raw`, `named`).

mod named;
pub(crate) mod raw;
pub(crate) mod rules;

pub use rules::{CallerKind, ClaimFacts, ClaimRule, ClaimRules, ClaimValue, caller_kind};

use crate::config::{
    COGNITO_GROUPS, ClientCheck, IssuerConfig, ScopesClaim, TokenUsePolicy, VerifierConfig,
};
use crate::rejection::Reason::{
    Expired, InvalidClaim, MissingGroup, MissingScope, NotYetValid, WrongClient, WrongTokenUse,
};
use crate::rejection::{Reason, Rejection, refuse};
use raw::{Audience, NumericDate, RawClaims};

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
    /// Which kind of token this is, from the `token_use` claim: read for Cognito pools and for
    /// issuers with a `token_use` expectation, `None` for other issuers.
    pub token_use: Option<TokenUse>,
    /// The client the token was accepted for: the `aud` value (or, Cognito-style, the access
    /// token's `client_id`) that matched the configuration.
    pub client_id: String,
    /// The scopes (`scope`, or the issuer's `scopes_claim`), in order; empty for ID tokens.
    pub scopes: Vec<String>,
    /// The groups (`cognito:groups`, or the issuer's `groups_claim`), exactly as the token
    /// lists them; empty when the issuer names no groups claim.
    pub groups: Vec<String>,
    /// `email`, when the token has one (ID tokens).
    pub email: Option<String>,
    /// `email_verified` is the JSON boolean `true`. Users can change their own email; a
    /// backend must not trust an email address that is not verified.
    pub email_verified: bool,
    /// The exact `iss`, one of the trusted issuers.
    pub issuer: String,
    /// The trusted issuer's short name (a pool's ID, or an `ISSUERS` entry's `name`). Two
    /// issuers can both issue a `sub`: users are keyed by (`issuer`, `sub`).
    pub issuer_name: String,
    /// `exp`, in seconds since the epoch.
    pub expires_at: u64,
    /// `auth_time`, when present: when the user last signed in.
    pub auth_time: Option<u64>,
    /// `iat`, when present: when the token was issued (compared with a user's sign-out time
    /// by the revocation check).
    pub issued_at: Option<u64>,
    /// Cognito's `origin_jti`, when present: the session (refresh token) the token belongs to.
    pub origin_jti: Option<String>,
    /// Whether the token is a user's or a machine's (client credentials); `None` when its
    /// shape says neither (see [`CallerKind`]).
    pub caller: Option<CallerKind>,
    /// When the token was verified (the verifier's clock, seconds since the epoch): rules
    /// checked later, per route, judge `auth_time` against this same instant.
    pub verified_at: u64,
    /// The values of the claims claim rules compare (those the token has), and nothing
    /// else: empty unless rules name claims.
    pub rule_claims: Vec<(String, ClaimValue)>,
}

impl VerifiedClaims {
    /// Whether the holder is in any of `groups` (true when `groups` is empty).
    pub fn in_any_group(&self, groups: &[String]) -> bool {
        groups.is_empty() || groups.iter().any(|g| self.groups.contains(g))
    }

    /// Whether these claims meet every one of `rules`; the first failure otherwise (a 403:
    /// `claim_mismatch`, `stale_auth_time` or `token_kind`).
    pub fn meets(&self, rules: &ClaimRules) -> Result<(), Rejection> {
        rules.check(ClaimFacts {
            rule_claims: &self.rule_claims,
            auth_time: self.auth_time,
            caller: self.caller,
            verified_at: self.verified_at,
        })
    }

    /// Whether the holder has any of `scopes` (true when `scopes` is empty).
    pub fn has_any_scope(&self, scopes: &[String]) -> bool {
        scopes.is_empty() || scopes.iter().any(|s| self.scopes.contains(s))
    }
}

/// What was read from the token besides its typed claims.
pub(crate) struct TokenParts<'a> {
    /// The decoded payload, for the claims the issuer names ([`named`]).
    pub payload: &'a [u8],
    /// The header `typ`.
    pub typ: Option<&'a str>,
    /// The claims to keep for claim rules, global and per route.
    pub rule_claims: &'a [String],
}

/// Checks the claims that make a token valid for its issuer: expiry, `nbf`, `typ`,
/// `token_use`, the client and `sub`. Types were checked when `claims` was parsed; `trusted`
/// is the entry the token's `iss` selected.
pub(crate) fn validate(
    claims: &RawClaims<'_>,
    parts: TokenParts<'_>,
    trusted: &IssuerConfig,
    config: &VerifierConfig,
    now: u64,
) -> Result<VerifiedClaims, Rejection> {
    let skew = config.clock_skew_seconds;

    let Some(NumericDate(expires_at)) = claims.exp else {
        return refuse(InvalidClaim, "exp is missing");
    };
    if now >= expires_at.saturating_add(skew) {
        return refuse(Expired, "token has expired");
    }
    if let Some(NumericDate(not_before)) = claims.nbf
        && now.saturating_add(skew) < not_before
    {
        return refuse(NotYetValid, "token is not valid yet (nbf)");
    }

    if !trusted.accepts_typ(parts.typ) {
        return refuse(
            WrongTokenUse,
            "typ is not the type this issuer's tokens must have",
        );
    }
    let token_use = match trusted.token_use {
        Some(policy) => Some(token_use(claims, policy)?),
        None => None,
    };

    let client_id = match (&trusted.client, token_use) {
        (ClientCheck::Audience(audiences), _) => audience(
            claims,
            audiences,
            [
                "aud is not a configured audience",
                "aud names no configured audience",
            ],
        )?,
        (ClientCheck::ClientId(client_ids), Some(token_use)) => {
            cognito_client(claims, client_ids, token_use)?
        }
        // The configuration never builds this (client_id needs token_use); fail closed.
        (ClientCheck::ClientId(_), None) => return refuse(WrongClient, "no client check applies"),
    };

    let sub = match claims.sub.as_deref() {
        Some(sub) if !sub.is_empty() => sub.to_owned(),
        _ => return refuse(InvalidClaim, "sub is missing or empty"),
    };
    let username = match token_use {
        Some(TokenUse::Id) => claims.cognito_username.as_deref(),
        Some(TokenUse::Access) | None => claims.username.as_deref(),
    }
    .map(str::to_owned);
    let caller = rules::caller_kind(
        token_use == Some(TokenUse::Id),
        username.is_some(),
        claims.client_id.as_deref(),
        &sub,
    );

    let (groups, scopes, rule_claims) = named(claims, &parts, trusted)?;
    let verified = VerifiedClaims {
        sub,
        username,
        token_use,
        client_id,
        scopes,
        groups,
        email: claims.email.as_deref().map(str::to_owned),
        email_verified: claims.email_verified,
        issuer: trusted.issuer.clone(),
        issuer_name: trusted.name.clone(),
        expires_at,
        auth_time: claims.auth_time.map(|t| t.0),
        issued_at: claims.iat.map(|t| t.0),
        origin_jti: claims.origin_jti.as_deref().map(str::to_owned),
        caller,
        verified_at: now,
        rule_claims,
    };
    Ok(verified)
}

/// Checks what every caller must hold: one of `REQUIRED_SCOPES`, one of `REQUIRED_GROUPS`,
/// and every `REQUIRED_CLAIMS` rule. A failure is a 403 reason (`missing_scope`,
/// `missing_group`, `claim_mismatch`, `stale_auth_time` or `token_kind`).
pub(crate) fn check_requirements(
    verified: &VerifiedClaims,
    config: &VerifierConfig,
) -> Result<(), Rejection> {
    if !verified.has_any_scope(&config.required_scopes) {
        return refuse(MissingScope, "token has none of the required scopes");
    }
    if !verified.in_any_group(&config.required_groups) {
        return refuse(MissingGroup, "token has none of the required groups");
    }
    verified.meets(&config.required_claims)
}

/// The `token_use` claim, which must be `id` or `access` and allowed by `policy`.
fn token_use(claims: &RawClaims<'_>, policy: TokenUsePolicy) -> Result<TokenUse, Rejection> {
    let token_use = match claims.token_use.as_deref() {
        Some("id") => TokenUse::Id,
        Some("access") => TokenUse::Access,
        Some(_) => return refuse(WrongTokenUse, "token_use is not id or access"),
        None => return refuse(WrongTokenUse, "token_use is missing"),
    };
    match (policy, token_use) {
        (TokenUsePolicy::Any, _)
        | (TokenUsePolicy::Id, TokenUse::Id)
        | (TokenUsePolicy::Access, TokenUse::Access) => Ok(token_use),
        _ => refuse(WrongTokenUse, "token_use is not allowed here"),
    }
}

/// `aud`, a string or an array (RFC 7519 §4.1.3), must hold one of `audiences`; the first
/// configured one found is the client. `refusals` say what a string `aud`, and an array, that
/// names none is (a configured audience, or app client).
fn audience(
    claims: &RawClaims<'_>,
    audiences: &[String],
    [not_one, none_of_many]: [&'static str; 2],
) -> Result<String, Rejection> {
    let configured = |aud: &str| audiences.iter().any(|a| a == aud);
    match &claims.aud {
        Some(Audience::One(aud)) if configured(aud) => Ok(aud.to_string()),
        Some(Audience::One(_)) => refuse(WrongClient, not_one),
        Some(Audience::Many(auds)) => auds
            .iter()
            .find(|aud| configured(aud))
            .map(|aud| aud.to_string())
            .ok_or(Rejection::new(Reason::WrongClient, none_of_many)),
        None => refuse(WrongClient, "aud is missing"),
    }
}

/// The Cognito rule: an ID token's `aud`, or an access token's `client_id`, names the client.
fn cognito_client(
    claims: &RawClaims<'_>,
    client_ids: &[String],
    token_use: TokenUse,
) -> Result<String, Rejection> {
    match (token_use, claims.client_id.as_deref()) {
        (TokenUse::Id, _) => audience(
            claims,
            client_ids,
            [
                "aud is not a configured app client",
                "aud names no configured app client",
            ],
        ),
        // An access token's client is its client_id; an `aud` it may carry is not consulted.
        (TokenUse::Access, Some(client)) if client_ids.iter().any(|c| c == client) => {
            Ok(client.to_string())
        }
        (TokenUse::Access, Some(_)) => {
            refuse(WrongClient, "client_id is not a configured app client")
        }
        (TokenUse::Access, None) => refuse(WrongClient, "client_id is missing"),
    }
}

/// The groups and scopes, from the claims the issuer names, and the claims rules compare.
/// `cognito:groups` and `scope` were read with the typed claims; any other name is read in a
/// second pass, made only when some such claim is named.
type Named = (Vec<String>, Vec<String>, Vec<(String, ClaimValue)>);
fn named(
    claims: &RawClaims<'_>,
    parts: &TokenParts<'_>,
    trusted: &IssuerConfig,
) -> Result<Named, Rejection> {
    let groups_claim = trusted.groups_claim.as_deref();
    let other_groups_claim = groups_claim.filter(|name| *name != COGNITO_GROUPS);
    let read_scp = trusted.scopes_claim == ScopesClaim::Scp;
    let named = if other_groups_claim.is_some() || read_scp || !parts.rule_claims.is_empty() {
        named::read(
            parts.payload,
            other_groups_claim,
            read_scp,
            parts.rule_claims,
        )?
    } else {
        named::NamedClaims::default()
    };
    let groups = match groups_claim {
        None => Vec::new(),
        Some(COGNITO_GROUPS) => claims
            .groups
            .as_ref()
            .map(|groups| groups.iter().map(|g| g.to_string()).collect())
            .unwrap_or_default(),
        Some(_) => named.groups.unwrap_or_default(),
    };
    let scopes = match trusted.scopes_claim {
        ScopesClaim::Scope => claims
            .scope
            .as_deref()
            .map(named::split_scopes)
            .unwrap_or_default(),
        ScopesClaim::Scp => named.scp.unwrap_or_default(),
    };
    Ok((groups, scopes, named.kept))
}
