//! The JSON form of claim rules, for `REQUIRED_CLAIMS` and for a `ROUTE_RULES` entry's
//! `required_claims`:
//!
//! ```json
//! {"claims": {"email_verified": true, "custom:tenant": ["acme", "globex"]},
//!  "max_auth_age_seconds": 900,
//!  "token_kind": "user"}
//! ```
//!
//! Every mistake is an error naming the place (`[custom:tenant]: …`): a rule that silently
//! matched nothing, or everything, would leave a route wrongly guarded. Floats are refused in
//! rules (numbers compare as integers only; see [`crate::claims::ClaimRules`]).

use serde_json::Value;

use crate::claims::rules::{CallerKind, ClaimRule, ClaimRules, ClaimValue};

/// The longest `max_auth_age_seconds`: one year.
pub const MAX_AUTH_AGE_SECONDS: u64 = 365 * 24 * 3600;

const SHAPE: &str = "must be a JSON object with any of \"claims\" (an object of claim name: \
                     value or [values]), \"max_auth_age_seconds\" (a whole number) and \
                     \"token_kind\" (\"user\" or \"machine\")";

/// Parses `REQUIRED_CLAIMS`'s text (duplicate keys refused, at every level).
pub fn parse_required_claims(json: &str) -> Result<ClaimRules, String> {
    match crate::strict_json::parse_value(json.as_bytes()) {
        Ok(value) => claim_rules_from_json(&value),
        Err(error) => Err(format!("{SHAPE}: {error}")),
    }
}

/// Reads claim rules from an already parsed JSON value. Messages start with the place at
/// fault: `[claim name]`, `.max_auth_age_seconds`, `.token_kind`, or `: ` for the whole.
pub fn claim_rules_from_json(value: &Value) -> Result<ClaimRules, String> {
    let Value::Object(document) = value else {
        return Err(format!(": {SHAPE}"));
    };
    if document.is_empty() {
        return Err(format!(": names no rule; {SHAPE}"));
    }
    let mut rules = Vec::new();
    for (key, value) in document {
        match key.as_str() {
            "claims" => rules.extend(claim_equalities(value)?),
            "max_auth_age_seconds" => {
                let seconds = value
                    .as_u64()
                    .filter(|s| (1..=MAX_AUTH_AGE_SECONDS).contains(s))
                    .ok_or_else(|| {
                        format!(
                            ".max_auth_age_seconds: must be a whole number of seconds in \
                             1..={MAX_AUTH_AGE_SECONDS}"
                        )
                    })?;
                rules.push(ClaimRule::MaxAuthAge { seconds });
            }
            "token_kind" => {
                // The configuration spells a kind as `CallerKind::as_str` does.
                let Some(kind) = [CallerKind::User, CallerKind::Machine]
                    .into_iter()
                    .find(|kind| value.as_str() == Some(kind.as_str()))
                else {
                    return Err(".token_kind: must be \"user\" or \"machine\"".to_owned());
                };
                rules.push(ClaimRule::Caller(kind));
            }
            other => return Err(format!(": unknown key {other:?}; {SHAPE}")),
        }
    }
    Ok(ClaimRules::new(rules))
}

fn claim_equalities(value: &Value) -> Result<Vec<ClaimRule>, String> {
    let Some(claims) = value.as_object().filter(|claims| !claims.is_empty()) else {
        return Err(".claims: must be a non-empty object of claim name: value or [values]".into());
    };
    let mut rules = Vec::with_capacity(claims.len());
    for (claim, expected) in claims {
        if claim.is_empty() {
            return Err("[\"\"]: a claim name must not be empty".to_owned());
        }
        if claim == "auth_time" {
            return Err(format!(
                "[{claim}]: compare auth_time with \"max_auth_age_seconds\", not by value"
            ));
        }
        let listed = match expected {
            Value::Array(any_of) if any_of.is_empty() => {
                return Err(format!("[{claim}]: the list of accepted values is empty"));
            }
            Value::Array(any_of) => any_of.as_slice(),
            one => std::slice::from_ref(one),
        };
        let values = listed
            .iter()
            .map(|value| rule_value(claim, value))
            .collect::<Result<Vec<_>, _>>()?;
        // Accepted values are strings, booleans and integers, equal as JSON when equal here.
        if let Some(twice) = (1..values.len()).find(|&i| values[..i].contains(&values[i])) {
            return Err(format!("[{claim}]: lists {} twice", listed[twice]));
        }
        rules.push(ClaimRule::OneOf {
            claim: claim.clone(),
            values,
        });
    }
    Ok(rules)
}

fn rule_value(claim: &str, value: &Value) -> Result<ClaimValue, String> {
    match ClaimValue::from_json(value) {
        ClaimValue::Other if value.is_number() => Err(format!(
            "[{claim}]: {value} is not a whole number; numbers compare as integers only \
             (a token's 1.0 never equals 1), so rules name integers"
        )),
        ClaimValue::Other => Err(format!(
            "[{claim}]: {value} must be a string, a boolean or a whole number (or an array of \
             them, any of which is accepted)"
        )),
        accepted => Ok(accepted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_rule_kind() {
        let rules = parse_required_claims(
            r#"{"claims": {"email_verified": true, "custom:tenant": ["acme", "globex"], "custom:level": -3},
                "max_auth_age_seconds": 900, "token_kind": "machine"}"#,
        )
        .unwrap();
        // Claims in name order (the JSON object's order is not kept), then the other kinds.
        assert_eq!(
            rules.rules(),
            [
                ClaimRule::OneOf {
                    claim: "custom:level".into(),
                    values: vec![ClaimValue::Integer(-3)]
                },
                ClaimRule::OneOf {
                    claim: "custom:tenant".into(),
                    values: vec![
                        ClaimValue::String("acme".into()),
                        ClaimValue::String("globex".into())
                    ]
                },
                ClaimRule::OneOf {
                    claim: "email_verified".into(),
                    values: vec![ClaimValue::Bool(true)]
                },
                ClaimRule::MaxAuthAge { seconds: 900 },
                ClaimRule::Caller(CallerKind::Machine),
            ]
        );
        assert_eq!(
            rules.claim_names().collect::<Vec<_>>(),
            ["custom:level", "custom:tenant", "email_verified"]
        );
        let user = parse_required_claims(r#"{"token_kind": "user"}"#).unwrap();
        assert_eq!(user.rules(), [ClaimRule::Caller(CallerKind::User)]);
    }

    /// Each mistake, and the place its message names.
    #[test]
    fn every_mistake_is_refused_and_placed() {
        let cases = [
            ("not an object", "[]", ": must be"),
            ("empty", "{}", ": names no rule"),
            (
                "unknown key",
                r#"{"claim": {"a": 1}}"#,
                ": unknown key \"claim\"",
            ),
            (
                "duplicate key",
                r#"{"token_kind": "user", "token_kind": "user"}"#,
                "duplicate member name",
            ),
            (
                "duplicate claim",
                r#"{"claims": {"a": 1, "a": 2}}"#,
                "duplicate member name \"a\"",
            ),
            (
                "empty claims",
                r#"{"claims": {}}"#,
                ".claims: must be a non-empty object",
            ),
            (
                "claims not an object",
                r#"{"claims": ["a"]}"#,
                ".claims: must be",
            ),
            (
                "empty claim name",
                r#"{"claims": {"": "x"}}"#,
                "[\"\"]: a claim name",
            ),
            (
                "float",
                r#"{"claims": {"custom:tenant": 1.0}}"#,
                "[custom:tenant]: 1.0 is not a whole number",
            ),
            (
                "exponent",
                r#"{"claims": {"n": 1e3}}"#,
                "[n]: 1000.0 is not a whole number",
            ),
            (
                "float in a list",
                r#"{"claims": {"n": [1, 2.5]}}"#,
                "[n]: 2.5 is not",
            ),
            (
                "null",
                r#"{"claims": {"custom:tenant": null}}"#,
                "[custom:tenant]: null must be",
            ),
            (
                "object",
                r#"{"claims": {"a": {"b": 1}}}"#,
                "[a]: {\"b\":1} must be",
            ),
            (
                "nested list",
                r#"{"claims": {"a": [["b"]]}}"#,
                "[a]: [\"b\"] must be",
            ),
            (
                "empty list",
                r#"{"claims": {"custom:tenant": []}}"#,
                "[custom:tenant]: the list of accepted values is empty",
            ),
            (
                "repeated value",
                r#"{"claims": {"custom:tenant": ["a", "a"]}}"#,
                "[custom:tenant]: lists \"a\" twice",
            ),
            (
                "auth_time by value",
                r#"{"claims": {"auth_time": 1}}"#,
                "[auth_time]: compare auth_time",
            ),
            (
                "age zero",
                r#"{"max_auth_age_seconds": 0}"#,
                ".max_auth_age_seconds: must be",
            ),
            (
                "age negative",
                r#"{"max_auth_age_seconds": -1}"#,
                ".max_auth_age_seconds",
            ),
            (
                "age float",
                r#"{"max_auth_age_seconds": 300.0}"#,
                ".max_auth_age_seconds",
            ),
            (
                "age string",
                r#"{"max_auth_age_seconds": "300"}"#,
                ".max_auth_age_seconds",
            ),
            (
                "age over a year",
                r#"{"max_auth_age_seconds": 31536001}"#,
                ".max_auth_age_seconds",
            ),
            (
                "token kind",
                r#"{"token_kind": "service"}"#,
                ".token_kind: must be",
            ),
            (
                "token kind case",
                r#"{"token_kind": "User"}"#,
                ".token_kind",
            ),
            ("bad JSON", r#"{"claims": "#, "must be a JSON object"),
        ];
        for (name, json, expected) in cases {
            let error = parse_required_claims(json).unwrap_err();
            assert!(error.contains(expected), "{name}: {error}");
        }
        // The longest age and mixed types in one list are accepted.
        assert!(parse_required_claims(r#"{"max_auth_age_seconds": 31536000}"#).is_ok());
        assert!(parse_required_claims(r#"{"claims": {"a": [1, "1", true]}}"#).is_ok());
    }
}
