//! The claims of a token whose signature has verified: each one read with its exact JSON type
//! (a claim of the wrong type is an error, never "absent"), then checked against the
//! configuration and the clock.

use serde_json::{Map, Value};

use crate::config::{TokenUsePolicy, VerifierConfig};
use crate::rejection::{Reason, Rejection};

/// Cognito's two token kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    Id,
    Access,
}

impl TokenUse {
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
    pub sub: String,
    /// `cognito:username` (ID token) or `username` (access token).
    pub username: Option<String>,
    pub token_use: TokenUse,
    /// The app client: `aud` of an ID token, `client_id` of an access token.
    pub client_id: String,
    pub scopes: Vec<String>,
    pub groups: Vec<String>,
    pub email: Option<String>,
    pub issuer: String,
    pub expires_at: u64,
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

/// Reads and checks every claim. `issuer` has already been matched to a configured pool.
pub fn validate(
    claims: &Map<String, Value>,
    issuer: &str,
    config: &VerifierConfig,
    now: u64,
) -> Result<VerifiedClaims, Rejection> {
    let skew = config.clock_skew_seconds;

    let expires_at = numeric_date(claims, "exp")?.ok_or(invalid("exp is missing"))?;
    if now >= expires_at.saturating_add(skew) {
        return Err(Rejection::new(Reason::Expired, "token has expired"));
    }
    if let Some(not_before) = numeric_date(claims, "nbf")?
        && now.saturating_add(skew) < not_before
    {
        return Err(Rejection::new(
            Reason::NotYetValid,
            "token is not valid yet (nbf)",
        ));
    }
    numeric_date(claims, "iat")?; // type-checked only
    let auth_time = numeric_date(claims, "auth_time")?;

    let token_use = match string(claims, "token_use")? {
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

    let client_id = match token_use {
        TokenUse::Id => audience(claims, &config.client_ids)?,
        TokenUse::Access => {
            let client = string(claims, "client_id")?
                .ok_or(Rejection::new(Reason::WrongClient, "client_id is missing"))?;
            if !config.client_ids.iter().any(|c| c == client) {
                return Err(Rejection::new(
                    Reason::WrongClient,
                    "client_id is not a configured app client",
                ));
            }
            client.to_owned()
        }
    };

    let sub = match string(claims, "sub")? {
        Some(sub) if !sub.is_empty() => sub.to_owned(),
        _ => return Err(invalid("sub is missing or empty")),
    };
    let username = match token_use {
        TokenUse::Id => string(claims, "cognito:username")?,
        TokenUse::Access => string(claims, "username")?,
    }
    .map(str::to_owned);
    let email = string(claims, "email")?.map(str::to_owned);

    let scopes: Vec<String> = string(claims, "scope")?
        .map(|scope| {
            scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let groups = match claims.get("cognito:groups") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|g| g.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(invalid("cognito:groups has a member that is not a string"))?,
        Some(_) => return Err(invalid("cognito:groups is not an array")),
    };

    let verified = VerifiedClaims {
        sub,
        username,
        token_use,
        client_id,
        scopes,
        groups,
        email,
        issuer: issuer.to_owned(),
        expires_at,
        auth_time,
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

/// An ID token's `aud`: a string, or an array of strings, naming a configured client.
fn audience(claims: &Map<String, Value>, client_ids: &[String]) -> Result<String, Rejection> {
    let configured = |aud: &str| client_ids.iter().any(|c| c == aud);
    match claims.get("aud") {
        Some(Value::String(aud)) if configured(aud) => Ok(aud.clone()),
        Some(Value::String(_)) => Err(Rejection::new(
            Reason::WrongClient,
            "aud is not a configured app client",
        )),
        Some(Value::Array(items)) => {
            let auds = items
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<&str>>>()
                .ok_or(invalid("aud has a member that is not a string"))?;
            auds.into_iter()
                .find(|aud| configured(aud))
                .map(str::to_owned)
                .ok_or(Rejection::new(
                    Reason::WrongClient,
                    "aud names no configured app client",
                ))
        }
        Some(_) => Err(invalid("aud is not a string or an array")),
        None => Err(Rejection::new(Reason::WrongClient, "aud is missing")),
    }
}

/// A string claim: `Ok(None)` when absent, an error when present with another type.
fn string<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'a str>, Rejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Rejection::new(Reason::InvalidClaim, wrong_type(name))),
    }
}

/// A NumericDate claim (RFC 7519 §2): a non-negative JSON number, fractions truncated.
/// A string such as `"1700000000"` is the wrong type, not a date.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, Rejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(v) = n.as_u64() {
                return Ok(Some(v));
            }
            match n.as_f64() {
                Some(v) if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 => Ok(Some(v as u64)),
                _ => Err(Rejection::new(Reason::InvalidClaim, wrong_type(name))),
            }
        }
        Some(_) => Err(Rejection::new(Reason::InvalidClaim, wrong_type(name))),
    }
}

/// A fixed description per claim name, so rejections stay `&'static str`.
fn wrong_type(name: &'static str) -> &'static str {
    match name {
        "exp" => "exp is not a non-negative number",
        "nbf" => "nbf is not a non-negative number",
        "iat" => "iat is not a non-negative number",
        "auth_time" => "auth_time is not a non-negative number",
        "token_use" => "token_use is not a string",
        "client_id" => "client_id is not a string",
        "sub" => "sub is not a string",
        "cognito:username" => "cognito:username is not a string",
        "username" => "username is not a string",
        "email" => "email is not a string",
        "scope" => "scope is not a string",
        _ => "a claim has the wrong JSON type",
    }
}
