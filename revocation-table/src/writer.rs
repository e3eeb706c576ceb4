//! Writes entries with `PutItem`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html>): one
//! signed call per entry, conditional ([`Entry::write_condition`]): it replaces an item under
//! the same key only with a later cut-off or expiry, so a later sign-out moves `not_before`
//! forward and nothing ever moves it back, whichever writer's call lands last or whose clock
//! is behind. A refused condition (`ConditionalCheckFailedException`) means an entry at least
//! as strong already stands: that is success.
//!
//! Success is HTTP 200 (or that refusal) and nothing else: the writer reports every other
//! answer, so a caller can say the entry was not written rather than assume it was.

use std::sync::Arc;

use oidc_jwt_verifier::Clock;
use serde_json::json;

use crate::call::{CallError, JsonService};
use crate::schema::Entry;

const TARGET: &str = "DynamoDB_20120810.PutItem";

/// Why an entry was not written. Messages hold no key and no answer body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// No answer.
    #[error("revocation table write failed: {0}")]
    Call(#[from] CallError),
    /// DynamoDB refused (and, when it names one, its error type).
    #[error("revocation table answered HTTP {status} {error_type}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// DynamoDB's error type (e.g. `ResourceNotFoundException`), or empty.
        error_type: String,
    },
}

/// Writes one table's entries.
#[derive(Clone)]
pub struct TableWriter {
    service: JsonService,
    table: String,
    clock: Arc<dyn Clock>,
}

impl TableWriter {
    /// A writer of `table` through `service` (DynamoDB, signed), signing with `clock`'s time.
    pub fn new(service: JsonService, table: String, clock: Arc<dyn Clock>) -> Self {
        TableWriter {
            service,
            table,
            clock,
        }
    }

    /// The `PutItem` request body for `entry`.
    pub fn request_body(&self, entry: &Entry) -> Vec<u8> {
        let (condition, names, values) = entry.write_condition();
        json!({
            "TableName": self.table,
            "Item": entry.item(),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        })
        .to_string()
        .into_bytes()
    }

    /// Writes `entry`.
    pub async fn put(&self, entry: &Entry) -> Result<(), WriteError> {
        let answer = self
            .service
            .call(TARGET, self.request_body(entry), self.clock.unix_seconds())
            .await?;
        let error_type = answer.error_type();
        if answer.status == 200
            || (answer.status == 400 && error_type == "ConditionalCheckFailedException")
        {
            Ok(())
        } else {
            Err(WriteError::Status {
                status: answer.status,
                error_type,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::JsonProtocol;
    use std::time::Duration;

    fn writer_at(endpoint: &str) -> TableWriter {
        let service = JsonService::new(
            reqwest::Client::new(),
            endpoint,
            JsonProtocol::V1_0,
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        TableWriter::new(
            service,
            "revocations".to_owned(),
            testkit::harness::ManualClock::new(),
        )
    }

    #[tokio::test]
    async fn puts_the_entry_and_reports_every_refusal() {
        let entry = Entry::user_signed_out("https://iss", "u-1", 1_000, 3_600);
        let fake = testkit::FakeAws::start(vec![(TARGET, 200, b"{}".to_vec())]).await;
        assert_eq!(writer_at(&fake.endpoint).put(&entry).await, Ok(()));
        let seen = fake.seen();
        assert_eq!(seen[0].target(), TARGET);
        assert_eq!(
            seen[0].json(),
            json!({
                "TableName": "revocations", "Item": entry.item(),
                "ConditionExpression": "attribute_not_exists(#pk) OR #nb < :nb",
                "ExpressionAttributeNames": {"#pk": "pk", "#nb": "not_before"},
                "ExpressionAttributeValues": {":nb": {"N": "1001"}}
            })
        );
        let typed = |error: &str| {
            format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error}"}}"#).into_bytes()
        };
        let cases = [
            // A stronger entry already stands under the key: success.
            (
                "condition refused",
                400,
                "ConditionalCheckFailedException",
                Ok(()),
            ),
            (
                "no such table",
                400,
                "ResourceNotFoundException",
                Err(WriteError::Status {
                    status: 400,
                    error_type: "ResourceNotFoundException".to_owned(),
                }),
            ),
            (
                "the condition's type on a 500",
                500,
                "ConditionalCheckFailedException",
                Err(WriteError::Status {
                    status: 500,
                    error_type: "ConditionalCheckFailedException".to_owned(),
                }),
            ),
        ];
        for (case, status, error, expected) in cases {
            let fake = testkit::FakeAws::start(vec![(TARGET, status, typed(error))]).await;
            assert_eq!(
                writer_at(&fake.endpoint).put(&entry).await,
                expected,
                "{case}"
            );
        }
        let created = testkit::FakeAws::start(vec![(TARGET, 201, b"{}".to_vec())]).await;
        assert!(matches!(
            writer_at(&created.endpoint).put(&entry).await,
            Err(WriteError::Status { status: 201, .. })
        ));
        assert!(matches!(
            writer_at("http://127.0.0.1:9").put(&entry).await,
            Err(WriteError::Call(CallError::Transport(_)))
        ));
    }
}
