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

fn parse_entry(entry: &Map<String, Value>) -> Result<IssuerConfig, MemberError> {
    if let Some(unknown) = entry.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        // Member names are configuration, not secrets; a typo such as "audiences" must not
        // leave an entry without the check it meant.
        return Err((
            "",
            format!("unknown member {unknown:?} (known: {})", MEMBERS.join(", ")),
        ));
    }

    let name = required_str(entry, "name")?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err((
            "name",
            "must be 1 to 64 letters, digits, '-', '_' or '.'".into(),
        ));
    }

    let issuer = required_str(entry, "issuer")?;
    if issuer.is_empty()
        || issuer.len() > 1024
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err((
            "issuer",
            "must be the exact iss: 1 to 1024 characters, no whitespace".into(),
        ));
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
                return Err((
                    "issuer",
                    "without jwks_uri, the issuer must not have a query".into(),
                ));
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
            return Err((
                "token_use",
                format!("{other:?} is not one of id, access, any"),
            ));
        }
    };

    let audience = optional_strings(entry, "audience")?;
    let client_ids = optional_strings(entry, "client_id")?;
    let client = match (audience, client_ids) {
        (Some(audience), None) => ClientCheck::Audience(audience),
        (None, Some(client_ids)) if token_use.is_some() => ClientCheck::ClientId(client_ids),
        (None, Some(_)) => {
            return Err((
                "client_id",
                "needs token_use (id, access or any): the token_use claim says whether aud \
                 (ID tokens) or client_id (access tokens) names the client"
                    .into(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(("client_id", "give audience or client_id, not both".into()));
        }
        (None, None) => {
            return Err((
                "audience",
                "is required (or, to check access tokens by their client_id claim instead, \
                 client_id with token_use)"
                    .into(),
            ));
        }
    };

    let algorithms = match entry.get("algorithms") {
        None => return Err(("algorithms", "is required, e.g. [\"RS256\"]".into())),
        Some(_) => {
            let names = optional_strings(entry, "algorithms")?.unwrap_or_default();
            names
                .iter()
                .map(|name| {
                    JwkAlgorithm::from_name(name)
                        .ok_or_else(|| ("algorithms", format!("{name:?} is not a supported alg")))
                })
                .collect::<Result<Vec<_>, _>>()?
        }
    };

    let typ = match optional_str(entry, "typ")? {
        Some(typ) if !typ.is_empty() && typ.chars().all(|c| c.is_ascii_graphic()) => {
            Some(typ.to_owned())
        }
        Some(_) => return Err(("typ", "must be a media type such as at+jwt".into())),
        None => None,
    };

    let groups_claim = match optional_str(entry, "groups_claim")? {
        Some(claim) if !claim.is_empty() && claim.len() <= 256 => Some(claim.to_owned()),
        Some(_) => return Err(("groups_claim", "must be 1 to 256 characters".into())),
        None => None,
    };

    let scopes_claim = match optional_str(entry, "scopes_claim")? {
        None | Some("scope") => ScopesClaim::Scope,
        Some("scp") => ScopesClaim::Scp,
        Some(other) => {
            return Err((
                "scopes_claim",
                format!("{other:?} is not one of scope, scp"),
            ));
        }
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
            return Err((
                member,
                "must be a string or a non-empty array of strings".into(),
            ));
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        match value {
            Value::String(s) if s.is_empty() => {
                return Err((member, "has an empty string".into()));
            }
            Value::String(s) if out.contains(s) => {
                return Err((member, format!("lists {s:?} twice")));
            }
            Value::String(s) => out.push(s.clone()),
            _ => return Err((member, "must hold strings only".into())),
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OKTA: &str = r#"{"name":"okta","issuer":"https://example.okta.com/oauth2/default","audience":"api://default","algorithms":["RS256"],"groups_claim":"groups","scopes_claim":"scp","typ":"at+jwt"}"#;

    #[test]
    fn a_full_entry_is_read() {
        let issuers = parse_issuers(&format!("[{OKTA}]")).unwrap();
        assert_eq!(
            issuers,
            vec![IssuerConfig {
                name: "okta".into(),
                issuer: "https://example.okta.com/oauth2/default".into(),
                jwks: JwksLocation::Discovery,
                client: ClientCheck::Audience(vec!["api://default".into()]),
                token_use: None,
                typ: Some("at+jwt".into()),
                algorithms: vec![JwkAlgorithm::RS256],
                groups_claim: Some("groups".into()),
                scopes_claim: ScopesClaim::Scp,
            }]
        );
        let local = parse_issuers(
            r#"[{"name":"local","issuer":"http://localhost:9229/local_abc","jwks_uri":"http://localhost:9229/local_abc/.well-known/jwks.json","client_id":["c1","c2"],"token_use":"any","algorithms":["RS256","RS512"],"groups_claim":"cognito:groups"}]"#,
        )
        .unwrap();
        assert_eq!(
            local[0].jwks,
            JwksLocation::Url("http://localhost:9229/local_abc/.well-known/jwks.json".into())
        );
        assert_eq!(
            local[0].client,
            ClientCheck::ClientId(vec!["c1".into(), "c2".into()])
        );
        assert_eq!(local[0].token_use, Some(TokenUsePolicy::Any));
        assert_eq!(
            local[0].algorithms,
            vec![JwkAlgorithm::RS256, JwkAlgorithm::RS512]
        );
        assert_eq!(local[0].scopes_claim, ScopesClaim::Scope);
    }

    /// Each bad entry, and the `[index].member` its error must start with.
    #[test]
    fn every_mistake_names_the_entry_and_the_member() {
        let good = OKTA;
        let swap = |member: &str, value: &str| -> String {
            let mut entry: Map<String, Value> = serde_json::from_str(good).unwrap();
            if value.is_empty() {
                entry.remove(member);
            } else {
                entry.insert(member.into(), serde_json::from_str(value).unwrap());
            }
            format!("[{good},{}]", Value::Object(entry))
        };
        let cases: Vec<(String, &str)> = vec![
            (swap("name", ""), "[1].name: is required"),
            (
                swap("name", r#""okta""#),
                "[1].name: \"okta\" names two entries",
            ),
            (swap("name", r#""has space""#), "[1].name:"),
            (swap("name", "1"), "[1].name: must be a string"),
            (swap("issuer", ""), "[1].issuer: is required"),
            (swap("issuer", r#""""#), "[1].issuer:"),
            (
                swap("name", r#""okta2""#),
                "[1].issuer: \"https://example.okta.com/oauth2/default\" is listed twice",
            ),
            (
                swap("issuer", r#""http://example.com/x""#),
                "[1].issuer: without jwks_uri, the issuer is where keys are discovered: plain http",
            ),
            (
                swap("jwks_uri", r#""http://example.com/keys""#),
                "[1].jwks_uri: plain http is only allowed",
            ),
            (swap("jwks_uri", r#""https://u:p@x/keys""#), "[1].jwks_uri:"),
            (swap("jwks_uri", "[]"), "[1].jwks_uri: must be a string"),
            (swap("audience", ""), "[1].audience: is required"),
            (swap("audience", "[]"), "[1].audience: must be a string or"),
            (
                swap("audience", r#"["a","a"]"#),
                "[1].audience: lists \"a\" twice",
            ),
            (
                swap("audience", r#"["a",1]"#),
                "[1].audience: must hold strings",
            ),
            (
                swap("audience", r#""""#),
                "[1].audience: has an empty string",
            ),
            (
                swap("client_id", r#""c""#),
                "[1].client_id: give audience or",
            ),
            (swap("algorithms", ""), "[1].algorithms: is required"),
            (
                swap("algorithms", r#"["HS256"]"#),
                "[1].algorithms: \"HS256\"",
            ),
            (
                swap("algorithms", r#"["none"]"#),
                "[1].algorithms: \"none\"",
            ),
            (
                swap("algorithms", r#"["rs256"]"#),
                "[1].algorithms: \"rs256\"",
            ),
            (
                swap("algorithms", "[]"),
                "[1].algorithms: must be a string or",
            ),
            (swap("token_use", r#""both""#), "[1].token_use: \"both\""),
            (swap("typ", r#""""#), "[1].typ:"),
            (swap("typ", r#""at jwt""#), "[1].typ:"),
            (swap("groups_claim", r#""""#), "[1].groups_claim:"),
            (
                swap("groups_claim", "true"),
                "[1].groups_claim: must be a string",
            ),
            (
                swap("scopes_claim", r#""scopes""#),
                "[1].scopes_claim: \"scopes\"",
            ),
            (
                swap("audiences", r#""x""#),
                "[1]: unknown member \"audiences\"",
            ),
        ];
        for (json, expected) in cases {
            let error = parse_issuers(&json).expect_err(expected);
            assert!(
                error.starts_with(expected),
                "{error:?} does not start with {expected:?}"
            );
        }
    }

    #[test]
    fn client_id_needs_token_use_and_the_list_its_shape() {
        let entry = |extra: &str| {
            format!(
                r#"[{{"name":"l","issuer":"http://localhost:9229/p","jwks_uri":"http://localhost:9229/p/keys","algorithms":["RS256"]{extra}}}]"#
            )
        };
        assert!(parse_issuers(&entry(r#","client_id":"c","token_use":"access""#)).is_ok());
        let error = parse_issuers(&entry(r#","client_id":"c""#)).unwrap_err();
        assert!(
            error.starts_with("[0].client_id: needs token_use"),
            "{error}"
        );
        for (json, expected) in [
            ("{}".to_owned(), ": must be a JSON array"),
            (
                "[]".to_owned(),
                ": must be a JSON array of issuer objects, with at least",
            ),
            ("[1]".to_owned(), "[0]: must be an object"),
            ("[".to_owned(), ": must be a JSON array of issuer objects: "),
            (
                entry(r#","audience":"a","audience":"b""#),
                ": must be a JSON array of issuer objects: duplicate member name \"audience\"",
            ),
            (
                format!("[{}]", vec![OKTA; MAX_ISSUERS + 1].join(",")),
                ": at most 16 issuers",
            ),
        ] {
            let error = parse_issuers(&json).unwrap_err();
            assert!(error.starts_with(expected), "{error:?} vs {expected:?}");
        }
    }
}
