//! The table's items, as the reader expects them and the writers write them (the table is
//! described in docs/revocation.md; the rules that judge an entry are the verifier's).
//!
//! Keys come from [`RevocationKeys`]: one definition of `sub#<iss>#<sub>` and
//! `jti#<iss>#<origin_jti>` for the reader and every writer.
//!
//! An entry must outlive every token it covers, in the authorizer's eyes: a token issued at
//! the sign-out second lives `token_lifetime` seconds, and the authorizer still accepts it for
//! up to its clock skew after `exp` (`CLOCK_SKEW_SECONDS`, at most
//! [`MAX_CLOCK_SKEW_SECONDS`]). So `expires_at` is the sign-out second + the lifetime + that
//! skew, + [`IN_FLIGHT_SECONDS`] for tokens minted while the sign-out is in flight, + 1 for a
//! user entry's `not_before` second. DynamoDB's TTL then deletes the item
//! ([Time to Live](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html)).

use oidc_jwt_verifier::revocation::RevocationKeys;
use serde_json::{Value, json};

/// The partition key attribute (a string).
pub const KEY: &str = "pk";
/// A user entry's cut-off (a number: seconds since the epoch); tokens with `iat` before it
/// are revoked.
pub const NOT_BEFORE: &str = "not_before";
/// The table's TTL attribute (a number: seconds since the epoch).
pub const EXPIRES_AT: &str = "expires_at";
/// The authorizer's largest allowed `CLOCK_SKEW_SECONDS`.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;
/// Added to every entry's life: a token minted while a sign-out is in flight (between the
/// entry's write and Cognito's answer, a few seconds at most) and a writer's clock running
/// behind are covered too.
pub const IN_FLIGHT_SECONDS: u64 = 60;
/// The longest ID or access token lifetime Cognito allows: one day
/// (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-with-identity-providers.html>).
pub const DEFAULT_TOKEN_LIFETIME_SECONDS: u64 = 86_400;

/// Checks a table name against DynamoDB's rule: 3 to 255 of `a-z A-Z 0-9 _ - .`
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html>).
pub fn check_table_name(name: &str) -> Result<(), &'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !(3..=255).contains(&name.len()) || !name.chars().all(allowed) {
        return Err("is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, _ - .)");
    }
    Ok(())
}

/// One entry, ready to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The partition key.
    pub key: String,
    /// `not_before` (user entries only).
    pub not_before: Option<u64>,
    /// `expires_at`, the TTL.
    pub expires_at: u64,
}

impl Entry {
    /// "Every token of this user issued up to `signed_out_at`": `not_before` is the next
    /// second, so a token issued in the sign-out second itself is covered.
    pub fn user_signed_out(
        issuer: &str,
        sub: &str,
        signed_out_at: u64,
        token_lifetime: u64,
    ) -> Entry {
        let not_before = signed_out_at.saturating_add(1);
        Entry {
            key: RevocationKeys::user_key(issuer, sub),
            not_before: Some(not_before),
            expires_at: not_before
                .saturating_add(token_lifetime)
                .saturating_add(MAX_CLOCK_SKEW_SECONDS + IN_FLIGHT_SECONDS),
        }
    }

    /// "Every token of this session" (its `origin_jti`), revoked at `revoked_at`.
    pub fn session_revoked(
        issuer: &str,
        origin_jti: &str,
        revoked_at: u64,
        token_lifetime: u64,
    ) -> Entry {
        Entry {
            key: RevocationKeys::session_key(issuer, origin_jti),
            not_before: None,
            expires_at: revoked_at
                .saturating_add(token_lifetime)
                .saturating_add(MAX_CLOCK_SKEW_SECONDS + IN_FLIGHT_SECONDS),
        }
    }

    /// The `PutItem` request writing this entry (in DynamoDB's attribute-value JSON) into
    /// `table`, on a condition: it may replace what is stored under the key, but never with an
    /// earlier cut-off (user entries) or an earlier expiry (session entries), so two writers
    /// whose calls cross, or whose clocks differ, cannot un-revoke a token.
    pub fn put_request(&self, table: &str) -> Value {
        let mut item = json!({
            KEY: { "S": self.key },
            EXPIRES_AT: { "N": self.expires_at.to_string() },
        });
        let (condition, names, values) = match self.not_before {
            Some(not_before) => {
                item[NOT_BEFORE] = json!({ "N": not_before.to_string() });
                (
                    "attribute_not_exists(#pk) OR #nb < :nb",
                    json!({"#pk": KEY, "#nb": NOT_BEFORE}),
                    json!({":nb": {"N": not_before.to_string()}}),
                )
            }
            None => (
                "attribute_not_exists(#pk) OR #exp < :exp",
                json!({"#pk": KEY, "#exp": EXPIRES_AT}),
                json!({":exp": {"N": self.expires_at.to_string()}}),
            ),
        };
        json!({
            "TableName": table,
            "Item": item,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_entries_cover_the_sign_out_second_and_outlive_its_tokens() {
        let entry = Entry::user_signed_out("https://iss", "u-1", 1_000, 3_600);
        assert_eq!(entry.key, "sub#https://iss#u-1");
        assert_eq!(entry.not_before, Some(1_001));
        assert_eq!(entry.expires_at, 1_001 + 3_600 + 300 + 60);
        assert_eq!(
            entry.put_request("t"),
            json!({
                "TableName": "t",
                "Item": {"pk": {"S": "sub#https://iss#u-1"}, "not_before": {"N": "1001"}, "expires_at": {"N": "4961"}},
                "ConditionExpression": "attribute_not_exists(#pk) OR #nb < :nb",
                "ExpressionAttributeNames": {"#pk": "pk", "#nb": "not_before"},
                "ExpressionAttributeValues": {":nb": {"N": "1001"}}
            })
        );
    }

    #[test]
    fn session_entries_have_no_cut_off() {
        let entry = Entry::session_revoked("https://iss", "j-1", 1_000, 3_600);
        assert_eq!(entry.key, "jti#https://iss#j-1");
        assert_eq!(entry.not_before, None);
        assert_eq!(
            entry.put_request("t"),
            json!({
                "TableName": "t",
                "Item": {"pk": {"S": "jti#https://iss#j-1"}, "expires_at": {"N": "4960"}},
                "ConditionExpression": "attribute_not_exists(#pk) OR #exp < :exp",
                "ExpressionAttributeNames": {"#pk": "pk", "#exp": "expires_at"},
                "ExpressionAttributeValues": {":exp": {"N": "4960"}}
            })
        );
    }

    #[test]
    fn table_names_follow_dynamodbs_rule() {
        let cases = [
            ("ab", false),
            ("abc", true),
            ("a.b-c_D9", true),
            ("has space", false),
            ("emoji🙂", false),
            (&"a".repeat(255), true),
            (&"a".repeat(256), false),
        ];
        for (name, valid) in cases {
            assert_eq!(check_table_name(name).is_ok(), valid, "{name:?}");
        }
    }

    #[test]
    fn times_saturate_instead_of_wrapping() {
        let entry = Entry::user_signed_out("i", "s", u64::MAX, 10);
        assert_eq!(
            (entry.not_before, entry.expires_at),
            (Some(u64::MAX), u64::MAX)
        );
    }
}
