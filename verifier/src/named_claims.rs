//! Claims whose names come from an issuer's configuration rather than from this crate: the
//! groups claim (`groups`, `roles`, a namespaced URL claim …) and `scp`. Read in a second pass
//! over the payload, only for issuers that name such a claim, so the Cognito path
//! ([`crate::raw_claims`], with `cognito:groups` and `scope` as fixed fields) stays one pass.
//!
//! The same strictness as every claim: exact JSON types (`null` is a type error, not absence),
//! and a claim named twice is refused.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::rejection::{Reason, Rejection};

/// The values of the named claims, when present.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NamedClaims {
    /// The groups claim: an array of strings.
    pub groups: Option<Vec<String>>,
    /// `scp`: a space-separated string or an array of strings, as a list.
    pub scp: Option<Vec<String>>,
}

/// Reads `groups_claim` (when named) and `scp` (when `read_scp`) from `payload`, already known
/// to be a JSON object.
pub fn read(
    payload: &[u8],
    groups_claim: Option<&str>,
    read_scp: bool,
) -> Result<NamedClaims, Rejection> {
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let seed = Seed {
        groups_claim,
        read_scp,
    };
    seed.deserialize(&mut deserializer).map_err(|_| {
        Rejection::new(
            Reason::InvalidClaim,
            "the groups or scp claim has the wrong JSON type or appears twice",
        )
    })
}

struct Seed<'n> {
    groups_claim: Option<&'n str>,
    read_scp: bool,
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
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.groups_claim == Some(name.as_ref()) {
                if found.groups.is_some() {
                    return Err(de::Error::custom("groups claim twice"));
                }
                found.groups = Some(map.next_value::<Vec<String>>()?);
            } else if self.read_scp && name == "scp" {
                if found.scp.is_some() {
                    return Err(de::Error::custom("scp twice"));
                }
                found.scp = Some(match map.next_value::<StringOrList>()? {
                    StringOrList::One(text) => text
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    StringOrList::Many(list) => list,
                });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_claims_are_read_with_their_exact_types() {
        let payload = br#"{"sub":"s","https://example.com/roles":["admin","ops"],"scp":"a  b","x":{"y":[1]}}"#;
        let claims = read(payload, Some("https://example.com/roles"), true).unwrap();
        assert_eq!(claims.groups.unwrap(), vec!["admin", "ops"]);
        assert_eq!(claims.scp.unwrap(), vec!["a", "b"]);
        let okta = read(
            br#"{"scp":["items/read","openid"],"groups":[]}"#,
            Some("groups"),
            true,
        )
        .unwrap();
        assert_eq!(okta.scp.unwrap(), vec!["items/read", "openid"]);
        assert_eq!(okta.groups.unwrap(), Vec::<String>::new());
        // Not asked for: not read, whatever its type.
        let unasked = read(br#"{"scp":1,"groups":"x"}"#, None, false).unwrap();
        assert_eq!(unasked, NamedClaims::default());
        assert_eq!(
            read(b"{}", Some("roles"), true).unwrap(),
            NamedClaims::default()
        );
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
            let error = read(payload, Some("roles"), true).unwrap_err();
            assert_eq!(
                error.reason,
                Reason::InvalidClaim,
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}
