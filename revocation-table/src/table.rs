//! The revocation table as both of its sides use it: the authorizer reads it (the
//! [`RevocationLookup`] seam) and `/logout` writes it ([`RevocationTable::put`]), each call a
//! DynamoDB JSON request signed with SigV4 and sent with reqwest (no AWS SDK). The schema is in
//! docs/revocation.md.
//!
//! Reading: both of a token's keys in one `BatchGetItem`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html>),
//! a strongly consistent read so that an entry written before the request is seen. Anything
//! but a complete, well-formed answer is an error, never "not revoked": `UnprocessedKeys`
//! (which `BatchGetItem` returns when it is throttled) included.
//!
//! Writing: one conditional `PutItem` per entry
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html>,
//! [`Entry::put_request`]): it replaces an item under the same key only with a later cut-off or
//! expiry, so a later sign-out moves `not_before` forward and nothing ever moves it back,
//! whichever writer's call lands last or whose clock is behind. A refused condition
//! (`ConditionalCheckFailedException`) means an entry at least as strong already stands: that
//! is success. Success is HTTP 200 (or that refusal) and nothing else: every other answer is
//! reported, so a caller can say the entry was not written rather than assume it was.

use std::sync::Arc;
use std::time::Duration;

use oidc_jwt_verifier::{
    Clock,
    revocation::{
        LookupFuture, RevocationEntry, RevocationKeys, RevocationLookup, RevocationLookupError,
        RevocationRecords,
    },
};
use serde_json::{Value, json};

use crate::call::{Answer, CallError, JsonProtocol, JsonService};
use crate::schema::{EXPIRES_AT, Entry, KEY, NOT_BEFORE};
use crate::sigv4::Signer;

const BATCH_GET_ITEM: &str = "DynamoDB_20120810.BatchGetItem";
const PUT_ITEM: &str = "DynamoDB_20120810.PutItem";

/// Why an entry was not written: no answer (`revocation table write failed: <why>`) or a
/// refusal (`revocation table answered HTTP <status> <DynamoDB's error type, or empty>`).
/// Callers report it; messages hold no key and no answer body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("revocation table {0}")]
pub struct WriteError(String);

/// One revocation table in DynamoDB.
#[derive(Clone)]
pub struct RevocationTable {
    service: JsonService,
    name: String,
    clock: Arc<dyn Clock>,
}

impl RevocationTable {
    /// The table `name` at DynamoDB's `endpoint` (already validated: `https`, or `http` on
    /// loopback), called through `client` (which must follow no redirect), each call signed by
    /// `signer` at `clock`'s time and bounded by `timeout`.
    pub fn new(
        client: reqwest::Client,
        endpoint: &str,
        signer: Signer,
        timeout: Duration,
        name: String,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, &'static str> {
        let service =
            JsonService::new(client, endpoint, JsonProtocol::V1_0, Some(signer), timeout)?;
        Ok(RevocationTable {
            service,
            name,
            clock,
        })
    }

    /// Calls `target` with `body`, signed now.
    async fn call(&self, target: &str, body: &Value) -> Result<Answer, CallError> {
        let body = body.to_string().into_bytes();
        self.service
            .call(target, body, self.clock.unix_seconds())
            .await
    }

    /// The `BatchGetItem` request for `keys`.
    fn batch_get_request(&self, keys: &RevocationKeys) -> Value {
        let mut wanted = vec![json!({ KEY: { "S": keys.user } })];
        if let Some(session) = &keys.session {
            wanted.push(json!({ KEY: { "S": session } }));
        }
        json!({
            "RequestItems": {
                self.name.as_str(): {
                    "Keys": wanted,
                    "ConsistentRead": true,
                    "ProjectionExpression": "#pk, #nb, #exp",
                    "ExpressionAttributeNames": {
                        "#pk": KEY, "#nb": NOT_BEFORE, "#exp": EXPIRES_AT
                    }
                }
            }
        })
    }

    /// Writes `entry`.
    pub async fn put(&self, entry: &Entry) -> Result<(), WriteError> {
        let answer = self
            .call(PUT_ITEM, &entry.put_request(&self.name))
            .await
            .map_err(|error| WriteError(format!("write failed: {error}")))?;
        let (status, error_type) = (answer.status, answer.error_type());
        // A stronger entry already stands under the key: written, as far as callers care.
        let stronger_stands = status == 400 && error_type == "ConditionalCheckFailedException";
        if status == 200 || stronger_stands {
            return Ok(());
        }
        Err(WriteError(format!("answered HTTP {status} {error_type}")))
    }
}

impl RevocationLookup for RevocationTable {
    fn lookup<'a>(&'a self, keys: &'a RevocationKeys) -> LookupFuture<'a> {
        Box::pin(async move {
            let answer = self
                .call(BATCH_GET_ITEM, &self.batch_get_request(keys))
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
            parse_answer(&answer.body, &self.name, keys)
        })
    }
}

/// Reads a `BatchGetItem` answer: every item must be one of `keys`, at most once.
fn parse_answer(
    answer: &[u8],
    table: &str,
    keys: &RevocationKeys,
) -> Result<RevocationRecords, RevocationLookupError> {
    let invalid = RevocationLookupError::Invalid;
    let answer: Value = serde_json::from_slice(answer).map_err(|_| invalid("not JSON"))?;
    match answer.get("UnprocessedKeys").map(Value::as_object) {
        Some(None) => return Err(invalid("UnprocessedKeys is not an object")),
        Some(Some(unprocessed)) if !unprocessed.is_empty() => {
            return Err(RevocationLookupError::Unprocessed);
        }
        _ => {}
    }
    let items = answer["Responses"][table]
        .as_array()
        .ok_or(invalid("no Responses for the table"))?;
    let mut records = RevocationRecords::default();
    for item in items {
        let key = item[KEY]["S"]
            .as_str()
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
    let not_whole =
        RevocationLookupError::Invalid("not_before or expires_at is not a whole number (N)");
    let whole = |attribute: &Value| -> Option<u64> { attribute["N"].as_str()?.parse().ok() };
    item.get(name)
        .map(|attribute| whole(attribute).ok_or(not_whole))
        .transpose()
}

#[cfg(test)]
mod tests;
