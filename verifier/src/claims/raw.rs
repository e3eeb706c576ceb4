//! The token payload read straight into typed fields, borrowing from the decoded bytes.
//!
//! This is the hot path of every request, so it avoids building a JSON tree: claims the
//! verifier does not use are skipped unparsed. Strictness is kept: a claim the verifier uses
//! must have its exact JSON type (`null` included: present-but-null is an error, never
//! "absent"), a known claim may appear only once, and the payload must be a JSON object.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use crate::rejection::{Reason, Rejection, refuse};
use crate::strict_json::BorrowedStr;

/// The claims the verifier reads. Everything else in the payload is ignored.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RawClaims<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    pub iss: Option<BorrowedStr<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub sub: Option<BorrowedStr<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub token_use: Option<BorrowedStr<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub aud: Option<Audience<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub client_id: Option<BorrowedStr<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub username: Option<BorrowedStr<'a>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "present",
        rename = "cognito:username"
    )]
    pub cognito_username: Option<BorrowedStr<'a>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "present",
        rename = "cognito:groups"
    )]
    pub groups: Option<Vec<BorrowedStr<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub email: Option<BorrowedStr<'a>>,
    /// True only for the JSON boolean `true`. Passed on, never checked: a string `"true"`
    /// (which federated identity providers' attribute mappings can produce) or anything else
    /// counts as not verified rather than refusing the token.
    #[serde(default, deserialize_with = "only_true")]
    pub email_verified: bool,
    #[serde(default, borrow, deserialize_with = "present")]
    pub scope: Option<BorrowedStr<'a>>,
    #[serde(default, deserialize_with = "present")]
    pub exp: Option<NumericDate>,
    #[serde(default, deserialize_with = "present")]
    pub nbf: Option<NumericDate>,
    /// A mistyped `iat` makes the token invalid, like any claim the verifier knows. Its value
    /// is passed on (revocation compares it with a user's sign-out time), never checked here.
    #[serde(default, deserialize_with = "present")]
    pub iat: Option<NumericDate>,
    /// Cognito's session identifier, shared by the ID and access tokens of one refresh token
    /// (what `RevokeToken` revokes). Passed on for the revocation list.
    #[serde(default, borrow, deserialize_with = "present")]
    pub origin_jti: Option<BorrowedStr<'a>>,
    #[serde(default, deserialize_with = "present")]
    pub auth_time: Option<NumericDate>,
}

impl<'a> RawClaims<'a> {
    /// Parses a decoded payload. Bad JSON or a non-object is `Malformed`; a claim of the wrong
    /// type or a repeated claim is `InvalidClaim`.
    pub fn parse(payload: &'a [u8]) -> Result<Self, Rejection> {
        // Structs also deserialize from JSON arrays (positionally); a payload must be an object.
        if payload.trim_ascii_start().first() != Some(&b'{') {
            return refuse(Reason::Malformed, "payload is not a JSON object");
        }
        // Valid UTF-8 (every real token) is checked once here and then read as text, which
        // spares serde_json a UTF-8 check of every string it reads; anything else is read as
        // bytes, so that it is refused exactly as before (the first error found decides the
        // reason).
        let read = match std::str::from_utf8(payload) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(payload),
        };
        read.map_err(|error| match error.classify() {
            serde_json::error::Category::Data => Rejection::new(
                Reason::InvalidClaim,
                "a claim has the wrong JSON type or appears twice",
            ),
            _ => Rejection::new(Reason::Malformed, "payload is not valid JSON"),
        })
    }
}

/// A claim that, when present, must deserialize as `T` (so `null` is a type error). Strings
/// ([`BorrowedStr`]) borrow from the payload unless they contain escapes.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Any JSON value; `true` only for the boolean `true`.
fn only_true<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct TrueVisitor;
    impl<'de> Visitor<'de> for TrueVisitor {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok(false)
        }
    }
    deserializer.deserialize_any(TrueVisitor)
}

/// `aud`: a string, or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Audience<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Audience::One(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audience::One(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(item) = seq.next_element::<BorrowedStr<'de>>()? {
                    all.push(item.0);
                }
                Ok(Audience::Many(all))
            }
        }
        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// A NumericDate (RFC 7519 §2): a non-negative JSON number of seconds; fractions truncated.
/// A numeric string such as `"1700000000"` is the wrong type, not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumericDate(pub u64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                Ok(NumericDate(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                u64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("negative date"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 {
                    Ok(NumericDate(v as u64))
                } else {
                    Err(E::custom("date out of range"))
                }
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text and bytes are read alike: invalid UTF-8 is refused as before, with the reason of
    /// the first error in the payload, whichever way it is read.
    #[test]
    fn payloads_are_judged_alike_whether_read_as_text_or_bytes() {
        let malformed = Rejection::new(Reason::Malformed, "payload is not valid JSON");
        let invalid = Rejection::new(
            Reason::InvalidClaim,
            "a claim has the wrong JSON type or appears twice",
        );
        /// The case, the payload, and its `sub` or why it is refused.
        type Case<'a> = (&'a str, &'a [u8], Result<Option<&'a str>, Rejection>);
        let cases: [Case; 7] = [
            (
                "valid",
                br#"{"sub":"s\u00e9","x":"\u65e5"}"#,
                Ok(Some("s\u{e9}")),
            ),
            (
                "UTF-8 text",
                "{\"sub\":\"日本\"}".as_bytes(),
                Ok(Some("日本")),
            ),
            (
                "invalid UTF-8 in a used claim",
                b"{\"sub\":\"\xff\"}",
                Err(malformed),
            ),
            // serde_json skips an unused string unchecked: taken, as before.
            (
                "invalid UTF-8 in an unused claim",
                b"{\"x\":\"\xfe\",\"sub\":\"s\"}",
                Ok(Some("s")),
            ),
            (
                "invalid UTF-8 outside strings",
                b"{\"sub\":\"s\"\xff}",
                Err(malformed),
            ),
            (
                "a type error before invalid UTF-8",
                b"{\"exp\":\"x\",\"y\":\"\xff\"}",
                Err(invalid),
            ),
            (
                "a repeated claim",
                br#"{"sub":"a","sub":"b"}"#,
                Err(invalid),
            ),
        ];
        for (name, payload, expected) in cases {
            let parsed =
                RawClaims::parse(payload).map(|claims| claims.sub.map(|sub| sub.0.into_owned()));
            assert_eq!(parsed, expected.map(|sub| sub.map(str::to_owned)), "{name}");
        }
    }

    /// A NumericDate from a JSON float: non-negative and below 2^64, fractions truncated; the
    /// edges on both sides.
    #[test]
    fn numeric_dates_from_floats_stop_at_their_range() {
        for (json, expected) in [
            ("0.0", Some(0)),
            ("1.9", Some(1)),
            ("1700000000.5", Some(1_700_000_000)),
            ("-0.5", None),
            ("-1.5", None),
            // 2^64 as a float (u64::MAX rounds up to it) is out of range; 1.8e19 is in.
            ("18446744073709551615.0", None),
            ("1.8446744073709552e19", None),
            ("1.8e19", Some(18_000_000_000_000_000_000)),
        ] {
            let payload = format!(r#"{{"exp":{json}}}"#);
            let parsed = RawClaims::parse(payload.as_bytes()).map(|claims| claims.exp);
            match expected {
                Some(seconds) => assert_eq!(parsed, Ok(Some(NumericDate(seconds))), "{json}"),
                None => assert!(parsed.is_err(), "{json}"),
            }
        }
    }

    #[test]
    fn email_is_verified_only_by_the_boolean_true() {
        for (payload, verified) in [
            (&br#"{"email_verified":true}"#[..], true),
            (br#"{"email_verified":false}"#, false),
            (br#"{"email_verified":"true"}"#, false),
            (br#"{"email_verified":1}"#, false),
            (br#"{"email_verified":-1}"#, false),
            (br#"{"email_verified":1.5}"#, false),
            (br#"{"email_verified":null}"#, false),
            (br#"{"email_verified":[true]}"#, false),
            (br#"{"email_verified":{"v":true}}"#, false),
            (br#"{}"#, false),
        ] {
            let claims = RawClaims::parse(payload).unwrap();
            assert_eq!(
                claims.email_verified,
                verified,
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        assert!(RawClaims::parse(br#"{"email_verified":true,"email_verified":true}"#).is_err());
    }

    #[test]
    fn reads_known_claims_and_skips_the_rest() {
        let payload = br#"{"iss":"i","sub":"s","aud":"c","exp":10,"nbf":1.5,"cognito:groups":["a","b\u0041"],"jti":{"deep":[1,2,{"x":null}]},"email_verified":true}"#;
        let claims = RawClaims::parse(payload).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("i"));
        assert_eq!(claims.aud, Some(Audience::One("c".into())));
        assert_eq!(claims.exp, Some(NumericDate(10)));
        assert_eq!(claims.nbf, Some(NumericDate(1)));
        assert!(claims.email_verified);
        let groups = claims.groups.unwrap();
        assert_eq!(groups.iter().map(|g| &**g).collect::<Vec<_>>(), ["a", "bA"]);
        assert!(
            matches!(claims.sub, Some(BorrowedStr(Cow::Borrowed("s")))),
            "plain strings borrow"
        );
        let many = RawClaims::parse(br#"{"aud":["x","y"]}"#).unwrap();
        assert_eq!(many.aud, Some(Audience::Many(vec!["x".into(), "y".into()])));
    }

    #[test]
    fn wrong_types_nulls_and_repeats_are_invalid_claims() {
        let cases: [&[u8]; 12] = [
            br#"{"exp":"10"}"#,
            br#"{"exp":null}"#,
            br#"{"exp":-1}"#,
            br#"{"exp":true}"#,
            br#"{"iss":null}"#,
            br#"{"iss":1}"#,
            br#"{"aud":[1]}"#,
            br#"{"aud":{"a":1}}"#,
            br#"{"cognito:groups":"admin"}"#,
            br#"{"cognito:groups":["a",null]}"#,
            br#"{"scope":["a"]}"#,
            br#"{"sub":"a","sub":"b"}"#,
        ];
        for payload in cases {
            let error = RawClaims::parse(payload).unwrap_err();
            assert_eq!(
                error.reason,
                Reason::InvalidClaim,
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }

    #[test]
    fn non_objects_and_bad_json_are_malformed() {
        let cases: [&[u8]; 6] = [b"[]", br#"["i","s"]"#, b"\"x\"", b"", b"{", br#"{"a":1}x"#];
        for payload in cases {
            let error = RawClaims::parse(payload).unwrap_err();
            assert_eq!(
                error.reason,
                Reason::Malformed,
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}
