//! Claims whose names come from the configuration rather than from this crate: an issuer's
//! groups claim (`groups`, `roles`, a namespaced URL claim …), `scp`, and the claims that
//! claim rules compare ([`crate::claims::ClaimRules`]). Read in a second pass over the payload, only
//! when some such claim is named, so the Cognito path without claim rules
//! ([`crate::claims::raw`], with `cognito:groups` and `scope` as fixed fields) stays one pass.
//!
//! The same strictness as every claim: exact JSON types (`null` is a type error, not absence),
//! and a claim named twice is refused.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::rules::ClaimValue;
use crate::rejection::{Reason, Rejection};

/// The values of the named claims, when present.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NamedClaims {
    /// The groups claim: an array of strings.
    pub groups: Option<Vec<String>>,
    /// `scp`: a space-separated string or an array of strings, as a list.
    pub scp: Option<Vec<String>>,
    /// The claims rules compare, those present, in payload order: any JSON type is read
    /// (a rule, not the parser, decides what a value is worth).
    pub kept: Vec<(String, ClaimValue)>,
}

/// Reads `groups_claim` (when named), `scp` (when `read_scp`) and each of `kept` from
/// `payload`, already known to be a JSON object.
pub fn read(
    payload: &[u8],
    groups_claim: Option<&str>,
    read_scp: bool,
    kept: &[String],
) -> Result<NamedClaims, Rejection> {
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let seed = Seed {
        groups_claim,
        read_scp,
        kept,
    };
    seed.deserialize(&mut deserializer).map_err(|_| {
        Rejection::new(
            Reason::InvalidClaim,
            "the groups, scp or a rule's claim has the wrong JSON type or appears twice",
        )
    })
}

struct Seed<'n> {
    groups_claim: Option<&'n str>,
    read_scp: bool,
    kept: &'n [String],
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = NamedClaims;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<NamedClaims, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = NamedClaims;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NamedClaims, A::Error> {
        let mut found = NamedClaims::default();
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            let is_groups = self.groups_claim == Some(name.as_ref());
            // The groups claim wins when an issuer names `scp` as its groups claim too.
            let is_scp = !is_groups && self.read_scp && name == "scp";
            let is_kept = self.kept.iter().any(|kept| *kept == name);
            // A kept claim that is also the groups or `scp` sets both at its first appearance.
            if (is_kept && found.kept.iter().any(|(seen, _)| *seen == name))
                || (is_groups && found.groups.is_some())
                || (is_scp && found.scp.is_some())
            {
                return Err(de::Error::custom("a named claim twice"));
            }
            if is_kept {
                // A rule may name the groups claim or `scp` too: read them from the same value.
                let value = map.next_value::<Value>()?;
                if is_groups {
                    found.groups = Some(Vec::deserialize(&value).map_err(de::Error::custom)?);
                } else if is_scp {
                    let scp = StringOrList::deserialize(&value).map_err(de::Error::custom)?;
                    found.scp = Some(scp.into_scopes());
                }
                found
                    .kept
                    .push((name.to_string(), ClaimValue::from_json(&value)));
            } else if is_groups {
                found.groups = Some(map.next_value::<Vec<String>>()?);
            } else if is_scp {
                found.scp = Some(map.next_value::<StringOrList>()?.into_scopes());
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    /// `scp` as Entra sends it (one space-separated string) or as Okta does (an array).
    fn into_scopes(self) -> Vec<String> {
        match self {
            StringOrList::One(text) => split_scopes(&text),
            StringOrList::Many(list) => list,
        }
    }
}

/// A space-separated list of scopes (`scope`, or `scp` as a string), empty items dropped.
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_claims_are_read_with_their_exact_types() {
        let payload = br#"{"sub":"s","https://example.com/roles":["admin","ops"],"scp":"a  b","x":{"y":[1]}}"#;
        let claims = read(payload, Some("https://example.com/roles"), true, &[]).unwrap();
        assert_eq!(claims.groups.unwrap(), vec!["admin", "ops"]);
        assert_eq!(claims.scp.unwrap(), vec!["a", "b"]);
        let okta = read(
            br#"{"scp":["items/read","openid"],"groups":[]}"#,
            Some("groups"),
            true,
            &[],
        )
        .unwrap();
        assert_eq!(okta.scp.unwrap(), vec!["items/read", "openid"]);
        assert_eq!(okta.groups.unwrap(), Vec::<String>::new());
        // Not asked for: not read, whatever its type.
        let unasked = read(br#"{"scp":1,"groups":"x"}"#, None, false, &[]).unwrap();
        assert_eq!(unasked, NamedClaims::default());
        assert_eq!(
            read(b"{}", Some("roles"), true, &[]).unwrap(),
            NamedClaims::default()
        );
    }

    /// A rule's claims are kept with their exact JSON types, whatever the type; only a repeat
    /// refuses the token. A rule naming the groups claim or `scp` does not hide them.
    #[test]
    fn rule_claims_are_kept_by_type_and_repeats_refused() {
        let kept = [
            "custom:tenant".to_owned(),
            "n".to_owned(),
            "roles".to_owned(),
        ];
        let payload = br#"{"custom:tenant":"acme","n":1.0,"roles":["admin"],"other":"x"}"#;
        let claims = read(payload, Some("roles"), false, &kept).unwrap();
        assert_eq!(
            claims.kept,
            vec![
                (
                    "custom:tenant".to_owned(),
                    ClaimValue::String("acme".into())
                ),
                ("n".to_owned(), ClaimValue::Other),
                ("roles".to_owned(), ClaimValue::Other),
            ]
        );
        assert_eq!(claims.groups.unwrap(), vec!["admin"]);
        let scp = read(br#"{"scp":"a b"}"#, None, true, &["scp".to_owned()]).unwrap();
        assert_eq!(scp.scp.unwrap(), vec!["a", "b"]);
        // A kept claim that is neither the groups claim nor `scp` is only kept, even when
        // `scp` is read too.
        let both = read(
            br#"{"custom:tenant":"acme","scp":"a b"}"#,
            None,
            true,
            &["custom:tenant".to_owned()],
        )
        .unwrap();
        assert_eq!(both.scp.unwrap(), vec!["a", "b"]);
        assert_eq!(
            both.kept,
            vec![(
                "custom:tenant".to_owned(),
                ClaimValue::String("acme".into())
            )]
        );
        let null = read(br#"{"n":null}"#, None, false, &kept).unwrap();
        assert_eq!(null.kept, vec![("n".to_owned(), ClaimValue::Other)]);
        for (name, payload) in [
            ("repeated rule claim", &br#"{"n":1,"n":1}"#[..]),
            ("groups claim of the wrong type", br#"{"roles":"admin"}"#),
        ] {
            let error = read(payload, Some("roles"), false, &kept).unwrap_err();
            assert_eq!(error.reason, Reason::InvalidClaim, "{name}");
        }
    }

    /// An issuer that names `scp` as its groups claim and reads its scopes from `scp` too:
    /// the claim is its groups, and no scope is read from it.
    #[test]
    fn a_groups_claim_named_scp_is_the_groups_only() {
        let claims = read(br#"{"scp":["admin"]}"#, Some("scp"), true, &[]).unwrap();
        assert_eq!(claims.groups.unwrap(), vec!["admin"]);
        assert_eq!(claims.scp, None);
        let kept = read(
            br#"{"scp":["admin"]}"#,
            Some("scp"),
            true,
            &["scp".to_owned()],
        )
        .unwrap();
        assert_eq!(kept.groups.unwrap(), vec!["admin"]);
        assert_eq!(kept.scp, None);
        assert_eq!(kept.kept, vec![("scp".to_owned(), ClaimValue::Other)]);
    }

    #[test]
    fn wrong_types_and_repeats_are_invalid_claims() {
        let cases: [&[u8]; 9] = [
            br#"{"roles":"admin"}"#,
            br#"{"roles":null}"#,
            br#"{"roles":["a",1]}"#,
            br#"{"roles":{"a":1}}"#,
            br#"{"roles":[],"roles":[]}"#,
            br#"{"scp":null}"#,
            br#"{"scp":1}"#,
            br#"{"scp":["a",null]}"#,
            br#"{"scp":"a","scp":"b"}"#,
        ];
        for payload in cases {
            let error = read(payload, Some("roles"), true, &[]).unwrap_err();
            assert_eq!(
                error.reason,
                Reason::InvalidClaim,
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}
