//! The JSON form of the trusted issuers (the authorizer's `ISSUERS`), read strictly: a JSON
//! array of one or more objects, every member known and of its exact type, no member twice
//! (`strict_json`), no two entries with the same `issuer` or `name`. An error names the entry
//! and the member, e.g. `[1].jwks_uri: plain http is only allowed for a loopback host`, so
//! that the authorizer reports `ISSUERS[1].jwks_uri: …`.
//!
//! ```json
//! [{"name": "okta", "issuer": "https://example.okta.com/oauth2/default",
//!   "audience": "api://default", "algorithms": ["RS256"],
//!   "groups_claim": "groups", "scopes_claim": "scp", "typ": "at+jwt"}]
//! ```

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::TokenUsePolicy;
use super::issuer::{ClientCheck, IssuerConfig, JwksLocation, ScopesClaim};
use super::url::parse_key_url;
use crate::algorithm::JwkAlgorithm;

/// More entries than this is a configuration mistake: each is a JWKS fetch at start-up.
pub const MAX_ISSUERS: usize = 16;

const MEMBERS: [&str; 10] = [
    "name",
    "issuer",
    "jwks_uri",
    "audience",
    "client_id",
    "algorithms",
    "token_use",
    "typ",
    "groups_claim",
    "scopes_claim",
];

/// Parses the JSON list of issuers. Errors start with the entry (`[0]`) and the member.
pub fn parse_issuers(json: &str) -> Result<Vec<IssuerConfig>, String> {
    const SHAPE: &str = "must be a JSON array of issuer objects";
    let entries = match crate::strict_json::parse_value(json.as_bytes()) {
        Ok(Value::Array(entries)) => entries,
        Ok(_) => return Err(format!(": {SHAPE}")),
        // Names the duplicate member or the syntax error.
        Err(error) => return Err(format!(": {SHAPE}: {error}")),
    };
    if entries.is_empty() {
        return Err(format!(": {SHAPE}, with at least one entry"));
    }
    if entries.len() > MAX_ISSUERS {
        return Err(format!(": at most {MAX_ISSUERS} issuers"));
    }
    let mut issuers: Vec<IssuerConfig> = Vec::with_capacity(entries.len());
    let mut names = HashSet::new();
    let mut iss_values = HashSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let at = |member: &str, message: String| match member {
            "" => format!("[{index}]: {message}"),
            member => format!("[{index}].{member}: {message}"),
        };
        let Value::Object(entry) = entry else {
            return Err(format!("[{index}]: must be an object"));
        };
        let parsed = parse_entry(entry).map_err(|(member, message)| at(member, message))?;
        if !names.insert(parsed.name.clone()) {
            return Err(at("name", format!("{:?} names two entries", parsed.name)));
        }
        if !iss_values.insert(parsed.issuer.clone()) {
            return Err(at("issuer", format!("{:?} is listed twice", parsed.issuer)));
        }
        issuers.push(parsed);
    }
    Ok(issuers)
}

type MemberError = (&'static str, String);

/// `member` of the entry (`""`: the entry itself) is wrong, as `message` says.
fn bad<T>(member: &'static str, message: impl Into<String>) -> Result<T, MemberError> {
    Err((member, message.into()))
}

fn parse_entry(entry: &Map<String, Value>) -> Result<IssuerConfig, MemberError> {
    if let Some(unknown) = entry.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        // Member names are configuration, not secrets; a typo such as "audiences" must not
        // leave an entry without the check it meant.
        return bad(
            "",
            format!("unknown member {unknown:?} (known: {})", MEMBERS.join(", ")),
        );
    }

    let name = required_str(entry, "name")?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("name", "must be 1 to 64 letters, digits, '-', '_' or '.'");
    }

    let issuer = required_str(entry, "issuer")?;
    if issuer.is_empty()
        || issuer.len() > 1024
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return bad(
            "issuer",
            "must be the exact iss: 1 to 1024 characters, no whitespace",
        );
    }

    let jwks = match optional_str(entry, "jwks_uri")? {
        Some(uri) => JwksLocation::Url(parse_key_url(uri).map_err(|e| ("jwks_uri", e))?),
        None => {
            // The discovery document is fetched from the issuer itself, so the issuer must be
            // a URL keys may come from.
            parse_key_url(issuer).map_err(|e| {
                (
                    "issuer",
                    format!("without jwks_uri, the issuer is where keys are discovered: {e}"),
                )
            })?;
            if issuer.contains('?') {
                return bad(
                    "issuer",
                    "without jwks_uri, the issuer must not have a query",
                );
            }
            JwksLocation::Discovery
        }
    };

    let token_use = match optional_str(entry, "token_use")? {
        None => None,
        Some("id") => Some(TokenUsePolicy::Id),
        Some("access") => Some(TokenUsePolicy::Access),
        Some("any") => Some(TokenUsePolicy::Any),
        Some(other) => {
            return bad(
                "token_use",
                format!("{other:?} is not one of id, access, any"),
            );
        }
    };

    let audience = optional_strings(entry, "audience")?;
    let client_ids = optional_strings(entry, "client_id")?;
    let client = match (audience, client_ids) {
        (Some(audience), None) => ClientCheck::Audience(audience),
        (None, Some(client_ids)) if token_use.is_some() => ClientCheck::ClientId(client_ids),
        (None, Some(_)) => {
            return bad(
                "client_id",
                "needs token_use (id, access or any): the token_use claim says whether aud \
                 (ID tokens) or client_id (access tokens) names the client",
            );
        }
        (Some(_), Some(_)) => {
            return bad("client_id", "give audience or client_id, not both");
        }
        (None, None) => {
            return bad(
                "audience",
                "is required (or, to check access tokens by their client_id claim instead, \
                 client_id with token_use)",
            );
        }
    };

    let Some(names) = optional_strings(entry, "algorithms")? else {
        return bad("algorithms", "is required, e.g. [\"RS256\"]");
    };
    let algorithms = names
        .iter()
        .map(|name| {
            JwkAlgorithm::from_name(name)
                .ok_or_else(|| ("algorithms", format!("{name:?} is not a supported alg")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let typ = match optional_str(entry, "typ")? {
        Some(typ) if !typ.is_empty() && typ.chars().all(|c| c.is_ascii_graphic()) => {
            Some(typ.to_owned())
        }
        Some(_) => return bad("typ", "must be a media type such as at+jwt"),
        None => None,
    };

    let groups_claim = match optional_str(entry, "groups_claim")? {
        Some(claim) if !claim.is_empty() && claim.len() <= 256 => Some(claim.to_owned()),
        Some(_) => return bad("groups_claim", "must be 1 to 256 characters"),
        None => None,
    };

    // Spelled as `ScopesClaim::name` spells them.
    let scopes_claim = match optional_str(entry, "scopes_claim")? {
        None => ScopesClaim::Scope,
        Some(named) => [ScopesClaim::Scope, ScopesClaim::Scp]
            .into_iter()
            .find(|claim| claim.name() == named)
            .ok_or_else(|| {
                (
                    "scopes_claim",
                    format!("{named:?} is not one of scope, scp"),
                )
            })?,
    };

    Ok(IssuerConfig {
        name: name.to_owned(),
        issuer: issuer.to_owned(),
        jwks,
        client,
        token_use,
        typ,
        algorithms,
        groups_claim,
        scopes_claim,
    })
}

fn required_str<'a>(
    entry: &'a Map<String, Value>,
    member: &'static str,
) -> Result<&'a str, MemberError> {
    optional_str(entry, member)?.ok_or((member, "is required".into()))
}

fn optional_str<'a>(
    entry: &'a Map<String, Value>,
    member: &'static str,
) -> Result<Option<&'a str>, MemberError> {
    match entry.get(member) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err((member, "must be a string".into())),
    }
}

/// A string or a non-empty array of strings; no empty string, no duplicate.
fn optional_strings(
    entry: &Map<String, Value>,
    member: &'static str,
) -> Result<Option<Vec<String>>, MemberError> {
    let values: Vec<&Value> = match entry.get(member) {
        None => return Ok(None),
        Some(Value::Array(values)) if !values.is_empty() => values.iter().collect(),
        Some(single @ Value::String(_)) => vec![single],
        Some(_) => {
            return bad(member, "must be a string or a non-empty array of strings");
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::String(s) if s.is_empty() => {
                return bad(member, "has an empty string");
            }
            Value::String(s) if out.contains(s) => {
                return bad(member, format!("lists {s:?} twice"));
            }
            Value::String(s) => out.push(s.clone()),
            _ => return bad(member, "must hold strings only"),
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests;
