//! The revocation list in DynamoDB: both of a token's keys in one `BatchGetItem`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html>),
//! a strongly consistent read so that an entry written before the request is seen, signed
//! with SigV4 and sent with reqwest (no AWS SDK). Anything but a complete, well-formed answer
//! is an error, never "not revoked": `UnprocessedKeys` (which `BatchGetItem` returns when it is
//! throttled) included. The schema is in docs/revocation.md.

use std::sync::Arc;

use oidc_jwt_verifier::{
    Clock,
    revocation::{
        LookupFuture, RevocationEntry, RevocationKeys, RevocationLookup, RevocationLookupError,
        RevocationRecords,
    },
};
use serde_json::{Value, json};

use crate::call::{CallError, JsonService};
use crate::schema::{EXPIRES_AT, KEY, NOT_BEFORE};

const TARGET: &str = "DynamoDB_20120810.BatchGetItem";

/// Reads the revocation table.
pub struct DynamoDbLookup {
    service: JsonService,
    table: String,
    clock: Arc<dyn Clock>,
}

impl DynamoDbLookup {
    /// A lookup of `table` through `service` (DynamoDB, signed), signing with `clock`'s time.
    pub fn new(service: JsonService, table: String, clock: Arc<dyn Clock>) -> Self {
        DynamoDbLookup {
            service,
            table,
            clock,
        }
    }

    /// The `BatchGetItem` request body for `keys`.
    pub fn request_body(&self, keys: &RevocationKeys) -> Vec<u8> {
        let mut wanted = vec![json!({ KEY: { "S": keys.user } })];
        if let Some(session) = &keys.session {
            wanted.push(json!({ KEY: { "S": session } }));
        }
        json!({
            "RequestItems": {
                self.table.as_str(): {
                    "Keys": wanted,
                    "ConsistentRead": true,
                    "ProjectionExpression": "#pk, #nb, #exp",
                    "ExpressionAttributeNames": {
                        "#pk": KEY, "#nb": NOT_BEFORE, "#exp": EXPIRES_AT
                    }
                }
            }
        })
        .to_string()
        .into_bytes()
    }
}

impl RevocationLookup for DynamoDbLookup {
    fn lookup<'a>(&'a self, keys: &'a RevocationKeys) -> LookupFuture<'a> {
        Box::pin(async move {
            let answer = self
                .service
                .call(TARGET, self.request_body(keys), self.clock.unix_seconds())
                .await
                .map_err(|error| match error {
                    CallError::Timeout => RevocationLookupError::Timeout,
                    CallError::Transport(message) => RevocationLookupError::Transport(message),
                    CallError::TooLarge => RevocationLookupError::Invalid("answer is too large"),
                })?;
            if answer.status != 200 {
                return Err(RevocationLookupError::Status {
                    status: answer.status,
                    error_type: answer.error_type(),
                });
            }
            parse_answer(&answer.body, &self.table, keys)
        })
    }
}

/// Reads a `BatchGetItem` answer: every item must be one of `keys`, at most once.
pub fn parse_answer(
    answer: &[u8],
    table: &str,
    keys: &RevocationKeys,
) -> Result<RevocationRecords, RevocationLookupError> {
    let invalid = RevocationLookupError::Invalid;
    let answer: Value = serde_json::from_slice(answer).map_err(|_| invalid("not JSON"))?;
    let unprocessed = answer
        .get("UnprocessedKeys")
        .map(|u| {
            u.as_object()
                .ok_or(invalid("UnprocessedKeys is not an object"))
        })
        .transpose()?;
    if unprocessed.is_some_and(|u| !u.is_empty()) {
        return Err(RevocationLookupError::Unprocessed);
    }
    let items = answer
        .get("Responses")
        .and_then(|r| r.get(table))
        .and_then(Value::as_array)
        .ok_or(invalid("no Responses for the table"))?;
    let mut records = RevocationRecords::default();
    for item in items {
        let key = item
            .get(KEY)
            .and_then(|k| k.get("S"))
            .and_then(Value::as_str)
            .ok_or(invalid("an item has no string pk"))?;
        let entry = RevocationEntry {
            not_before: number(item, NOT_BEFORE)?,
            expires_at: number(item, EXPIRES_AT)?,
        };
        let slot = if key == keys.user {
            &mut records.user
        } else if keys.session.as_deref() == Some(key) {
            &mut records.session
        } else {
            return Err(invalid("an item has a key that was not asked for"));
        };
        if slot.replace(entry).is_some() {
            return Err(invalid("an item came twice"));
        }
    }
    Ok(records)
}

/// A number attribute holding a whole number of seconds, or `None` when absent.
fn number(item: &Value, name: &str) -> Result<Option<u64>, RevocationLookupError> {
    let Some(attribute) = item.get(name) else {
        return Ok(None);
    };
    attribute
        .get("N")
        .and_then(Value::as_str)
        .and_then(|n| n.parse::<u64>().ok())
        .map(Some)
        .ok_or(RevocationLookupError::Invalid(
            "not_before or expires_at is not a whole number (N)",
        ))
}

#[cfg(test)]
mod tests;
