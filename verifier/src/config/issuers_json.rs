//! The JSON form of the trusted issuers (the authorizer's `ISSUERS`), read strictly: a JSON
//! array of one or more objects, every member known, of its exact type and not `null`, no
//! member twice (`strict_json`), no two entries with the same `issuer` or `name`. Each entry is
//! read by serde into a typed struct, then checked; an error names the entry and the member,
//! e.g. `[1].jwks_uri: plain http is only allowed for a loopback host`, so that the authorizer
//! reports `ISSUERS[1].jwks_uri: …` (a missing `name` or `issuer`: `[1]: missing field …`).
//!
//! ```json
//! [{"name": "okta", "issuer": "https://example.okta.com/oauth2/default",
//!   "audience": "api://default", "algorithms": ["RS256"],
//!   "groups_claim": "groups", "scopes_claim": "scp", "typ": "at+jwt"}]
//! ```

use serde::Deserialize;
use serde_json::Value;

use super::TokenUsePolicy;
use super::issuer::{ClientCheck, IssuerConfig, JwksLocation, ScopesClaim};
use super::url::parse_key_url;
use crate::algorithm::JwkAlgorithm;

/// More entries than this is a configuration mistake: each is a JWKS fetch at start-up.
pub const MAX_ISSUERS: usize = 16;

/// One entry as written. serde reads a `null` member as a missing `Option`, so [`parse_entry`]
/// refuses `null` members itself: none of them may be `null`. A missing `name` or `issuer` is
/// serde's `missing field` error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    issuer: String,
    jwks_uri: Option<String>,
    audience: Option<List>,
    client_id: Option<List>,
    algorithms: Option<List>,
    token_use: Option<String>,
    typ: Option<String>,
    groups_claim: Option<String>,
    scopes_claim: Option<String>,
}

/// `audience`, `client_id`, `algorithms`: a string or a non-empty array of strings, with no
/// empty string and no string twice.
#[derive(Deserialize)]
#[serde(try_from = "Strings")]
struct List(Vec<String>);

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "must be a string or a non-empty array of strings"
)]
enum Strings {
    One(String),
    Many(Vec<String>),
}

impl TryFrom<Strings> for List {
    type Error = String;

    fn try_from(strings: Strings) -> Result<List, String> {
        let list = match strings {
            Strings::One(one) => vec![one],
            Strings::Many(many) => many,
        };
        if list.is_empty() {
            return Err("must be a string or a non-empty array of strings".to_owned());
        }
        if list.iter().any(String::is_empty) {
            return Err("has an empty string".to_owned());
        }
        match (1..list.len()).find(|&i| list[..i].contains(&list[i])) {
            Some(twice) => Err(format!("lists {:?} twice", list[twice])),
            None => Ok(List(list)),
        }
    }
}

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
    for (index, entry) in entries.iter().enumerate() {
        let parsed = parse_entry(entry, &issuers)
            .map_err(|(place, message)| format!("[{index}]{place}: {message}"))?;
        issuers.push(parsed);
    }
    Ok(issuers)
}

/// The place at fault (`.member`, or nothing for the entry itself), and what is wrong with it.
type MemberError = (String, String);

fn bad<T>(member: &str, message: impl Into<String>) -> Result<T, MemberError> {
    Err((format!(".{member}"), message.into()))
}

/// Reads one entry; `seen` are the entries before it, whose `name` and `issuer` it must not
/// repeat.
fn parse_entry(entry: &Value, seen: &[IssuerConfig]) -> Result<IssuerConfig, MemberError> {
    let Value::Object(map) = entry else {
        return Err((String::new(), "must be an object".to_owned()));
    };
    // Unknown members and wrong types, named by serde (member names are configuration, not
    // secrets; a typo such as "audiences" must not leave an entry without the check it meant).
    let entry: Entry = serde_path_to_error::deserialize(map).map_err(|e| {
        let place = e.path().iter().map(|member| format!(".{member}")).collect();
        (place, e.inner().to_string())
    })?;
    if let Some((member, _)) = map.iter().find(|(_, value)| value.is_null()) {
        return bad(member, "must not be null (leave the member out instead)");
    }

    let (name, issuer) = (entry.name, entry.issuer);
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("name", "must be 1 to 64 letters, digits, '-', '_' or '.'");
    }

    if issuer.is_empty()
        || issuer.len() > 1024
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return bad(
            "issuer",
            "must be the exact iss: 1 to 1024 characters, no whitespace",
        );
    }

    let jwks = match entry.jwks_uri {
        Some(uri) => JwksLocation::Url(parse_key_url(&uri).map_err(|e| (".jwks_uri".into(), e))?),
        None => {
            // The discovery document is fetched from the issuer itself, so the issuer must be
            // a URL keys may come from.
            if let Err(e) = parse_key_url(&issuer) {
                return bad(
                    "issuer",
                    format!("without jwks_uri, the issuer is where keys are discovered: {e}"),
                );
            }
            if issuer.contains('?') {
                return bad(
                    "issuer",
                    "without jwks_uri, the issuer must not have a query",
                );
            }
            JwksLocation::Discovery
        }
    };

    let token_use = match entry.token_use.as_deref() {
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

    let client = match (entry.audience, entry.client_id) {
        (Some(List(audience)), None) => ClientCheck::Audience(audience),
        (None, Some(List(client_ids))) if token_use.is_some() => ClientCheck::ClientId(client_ids),
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

    let Some(List(names)) = entry.algorithms else {
        return bad("algorithms", "is required, e.g. [\"RS256\"]");
    };
    let mut algorithms = Vec::with_capacity(names.len());
    for name in names {
        match JwkAlgorithm::from_name(&name) {
            Some(alg) => algorithms.push(alg),
            None => return bad("algorithms", format!("{name:?} is not a supported alg")),
        }
    }

    if let Some(typ) = &entry.typ
        && (typ.is_empty() || !typ.chars().all(|c| c.is_ascii_graphic()))
    {
        return bad("typ", "must be a media type such as at+jwt");
    }
    if let Some(claim) = &entry.groups_claim
        && (claim.is_empty() || claim.len() > 256)
    {
        return bad("groups_claim", "must be 1 to 256 characters");
    }
    // Spelled as `ScopesClaim::name` spells them.
    let scopes_claim = match entry.scopes_claim {
        None => ScopesClaim::Scope,
        Some(named) => match [ScopesClaim::Scope, ScopesClaim::Scp]
            .into_iter()
            .find(|claim| claim.name() == named)
        {
            Some(claim) => claim,
            None => {
                return bad(
                    "scopes_claim",
                    format!("{named:?} is not one of scope, scp"),
                );
            }
        },
    };

    if seen.iter().any(|other| other.name == name) {
        return bad("name", format!("{name:?} names two entries"));
    }
    if seen.iter().any(|other| other.issuer == issuer) {
        return bad("issuer", format!("{issuer:?} is listed twice"));
    }
    Ok(IssuerConfig {
        name,
        issuer,
        jwks,
        client,
        token_use,
        typ: entry.typ,
        algorithms,
        groups_claim: entry.groups_claim,
        scopes_claim,
    })
}

#[cfg(test)]
mod tests;
