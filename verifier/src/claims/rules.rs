//! Declarative claim rules (`REQUIRED_CLAIMS`, globally or per route): what aws-jwt-verify's
//! `customJwtCheck` is mostly used for, as data instead of code.
//!
//! - a claim equal to one of a few values (`email_verified: true`, `custom:tenant` ∈ {…});
//! - `auth_time` no older than N seconds (re-authentication for sensitive routes);
//! - machine tokens only, or user tokens only.
//!
//! Invariants: types are strict, as everywhere in this crate. A string `"true"` is not `true`,
//! `1` is not `"1"`, and numbers compare only as integers: a rule may name integers only (a
//! float in a rule is refused at init), and a token's `1.0`, `1e0` or `1.5` matches no rule
//! value, so equality never depends on floating-point rounding. A claim that is absent, `null`,
//! an array or an object matches nothing. Failing a rule is a permission problem (403), never a
//! credential problem (401): the token is authentic and valid, it just does not qualify. The
//! values compared are those [`crate::VerifiedClaims`] kept from the verified payload; the token
//! itself is not kept. This module imports no other claim module: the verified claims hand it
//! a [`ClaimFacts`] view ([`crate::VerifiedClaims::meets`]).

use crate::rejection::{Reason, Rejection};

/// What rules judge, borrowed from a verified token's claims.
#[derive(Clone, Copy, Debug)]
pub struct ClaimFacts<'a> {
    /// The values of the claims rules name, those the token has.
    pub rule_claims: &'a [(String, ClaimValue)],
    /// `auth_time`, when present.
    pub auth_time: Option<u64>,
    /// The caller's kind, when the token's shape says.
    pub caller: Option<CallerKind>,
    /// When the token was verified, by the verifier's clock.
    pub verified_at: u64,
}

/// A claim's value as rules compare it: a string, a boolean or an integer; anything else (a
/// float, `null`, an array, an object) is [`ClaimValue::Other`] and equals no rule value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimValue {
    /// A JSON string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number written without fraction or exponent (any `i64` or `u64`).
    Integer(i128),
    /// Any other JSON value. Never in a rule.
    Other,
}

impl ClaimValue {
    /// The value of a JSON value, by its exact JSON type.
    pub fn from_json(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::String(text) => ClaimValue::String(text.clone()),
            Value::Bool(flag) => ClaimValue::Bool(*flag),
            Value::Number(number) => number
                .as_u64()
                .map(i128::from)
                .or_else(|| number.as_i64().map(i128::from))
                .map_or(ClaimValue::Other, ClaimValue::Integer),
            Value::Null | Value::Array(_) | Value::Object(_) => ClaimValue::Other,
        }
    }
}

/// Who a token stands for, as far as the token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallerKind {
    /// A person: an ID token, or a token with a username (`username`, or `cognito:username` in
    /// an ID token).
    User,
    /// An app acting for itself: a token that is not an ID token, has no username, and whose
    /// `sub` equals its `client_id` claim. That is the shape of Cognito's client-credentials
    /// access tokens, and RFC 9068 §2.2 says such a token's `sub` should identify the client.
    Machine,
}

impl CallerKind {
    /// `user` or `machine`, as the configuration spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::User => "user",
            CallerKind::Machine => "machine",
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimRule {
    /// The claim must be present and equal (same JSON type, same value) to one of `values`.
    OneOf {
        /// The claim's exact name, e.g. `custom:tenant`.
        claim: String,
        /// The accepted values: never empty, never [`ClaimValue::Other`].
        values: Vec<ClaimValue>,
    },
    /// `auth_time` must be present and at most `seconds` before the time of verification (the
    /// verifier's clock). The clock skew is not added: the operator chose N.
    MaxAuthAge {
        /// The longest time since sign-in, in seconds.
        seconds: u64,
    },
    /// The caller must be of this kind; a token that is neither clearly a user's nor clearly a
    /// machine's fails both.
    Caller(CallerKind),
}

impl ClaimRule {
    /// Whether `claims` satisfy this rule; the refusal names the rule kind.
    pub fn check(&self, claims: ClaimFacts<'_>) -> Result<(), Rejection> {
        match self {
            ClaimRule::OneOf { claim, values } => {
                match claims.rule_claims.iter().find(|(name, _)| name == claim) {
                    Some((_, value)) if values.contains(value) => Ok(()),
                    _ => Err(Rejection::new(
                        Reason::ClaimMismatch,
                        "a required claim is absent or has none of the required values",
                    )),
                }
            }
            ClaimRule::MaxAuthAge { seconds } => match claims.auth_time {
                Some(auth_time) if claims.verified_at.saturating_sub(auth_time) <= *seconds => {
                    Ok(())
                }
                Some(_) => Err(Rejection::new(
                    Reason::StaleAuthTime,
                    "auth_time is older than the rule allows: sign in again",
                )),
                None => Err(Rejection::new(
                    Reason::StaleAuthTime,
                    "auth_time is missing and a rule requires a recent sign-in",
                )),
            },
            ClaimRule::Caller(kind) if claims.caller == Some(*kind) => Ok(()),
            ClaimRule::Caller(CallerKind::User) => Err(Rejection::new(
                Reason::TokenKind,
                "the rule accepts user tokens only",
            )),
            ClaimRule::Caller(CallerKind::Machine) => Err(Rejection::new(
                Reason::TokenKind,
                "the rule accepts machine (client-credentials) tokens only",
            )),
        }
    }
}

/// A set of rules, all of which must hold. Empty means no requirement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimRules {
    rules: Vec<ClaimRule>,
}

impl ClaimRules {
    /// These rules.
    pub fn new(rules: Vec<ClaimRule>) -> Self {
        ClaimRules { rules }
    }

    /// The rules.
    pub fn rules(&self) -> &[ClaimRule] {
        &self.rules
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The names of the claims whose values the rules compare, which the verifier must keep.
    pub fn claim_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().filter_map(|rule| match rule {
            ClaimRule::OneOf { claim, .. } => Some(claim.as_str()),
            ClaimRule::MaxAuthAge { .. } | ClaimRule::Caller(_) => None,
        })
    }

    /// The first rule `claims` fail, as a refusal; `Ok` when every rule holds.
    pub fn check(&self, claims: ClaimFacts<'_>) -> Result<(), Rejection> {
        self.rules.iter().try_for_each(|rule| rule.check(claims))
    }
}

/// Whether a token is a user's or a machine's, from what it carries; `None` when it is
/// neither clearly (an issuer whose user access tokens carry no `username`). The one
/// definition: the verifier's `token_kind` rules, our authorizer's `caller` context and the
/// api-handler's reading of the built-in authorizers' claims all use it, so that one token is
/// never a machine to one of them and a user to another.
pub fn caller_kind(
    id_token: bool,
    has_username: bool,
    client_id_claim: Option<&str>,
    sub: &str,
) -> Option<CallerKind> {
    if id_token || has_username {
        Some(CallerKind::User)
    } else if client_id_claim == Some(sub) {
        Some(CallerKind::Machine)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_is_empty_only_without_rules() {
        assert!(ClaimRules::default().is_empty());
        assert!(ClaimRules::new(Vec::new()).is_empty());
        let one = ClaimRules::new(vec![ClaimRule::Caller(CallerKind::User)]);
        assert!(!one.is_empty());
        assert_eq!(one.rules(), [ClaimRule::Caller(CallerKind::User)]);
    }

    #[test]
    fn caller_kinds_follow_the_token_shape() {
        let cases = [
            (
                "ID token",
                true,
                true,
                Some("c"),
                "u",
                Some(CallerKind::User),
            ),
            (
                "ID token without username",
                true,
                false,
                None,
                "u",
                Some(CallerKind::User),
            ),
            (
                "user access token",
                false,
                true,
                Some("c"),
                "u",
                Some(CallerKind::User),
            ),
            (
                "client credentials",
                false,
                false,
                Some("c"),
                "c",
                Some(CallerKind::Machine),
            ),
            (
                "username wins over sub = client_id",
                false,
                true,
                Some("c"),
                "c",
                Some(CallerKind::User),
            ),
            (
                "no username, sub is not the client",
                false,
                false,
                Some("c"),
                "u",
                None,
            ),
            ("no username, no client_id", false, false, None, "u", None),
        ];
        for (name, id, username, client_id, sub, expected) in cases {
            assert_eq!(
                caller_kind(id, username, client_id, sub),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn json_values_keep_their_exact_types() {
        use serde_json::json;
        let cases = [
            ("string", json!("true"), ClaimValue::String("true".into())),
            ("boolean", json!(true), ClaimValue::Bool(true)),
            ("integer", json!(1), ClaimValue::Integer(1)),
            ("negative", json!(-7), ClaimValue::Integer(-7)),
            (
                "u64 max",
                json!(u64::MAX),
                ClaimValue::Integer(u64::MAX.into()),
            ),
            ("float", json!(1.0), ClaimValue::Other),
            ("null", json!(null), ClaimValue::Other),
            ("array", json!(["a"]), ClaimValue::Other),
            ("object", json!({"a": 1}), ClaimValue::Other),
        ];
        for (name, json, expected) in cases {
            assert_eq!(ClaimValue::from_json(&json), expected, "{name}");
        }
    }
}
