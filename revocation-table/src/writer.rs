//! Writes entries with `PutItem`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html>): one
//! signed call per entry, which replaces any item under the same key. A later sign-out of the
//! same user so moves `not_before` forward, which is what it means; an older `not_before`
//! never lands after a newer one from the same writer, because each call waits for its answer.
//!
//! Success is HTTP 200 and nothing else: the writer reports every other answer, so a caller
//! can say the entry was not written rather than assume it was.

use std::sync::Arc;

use cognito_verifier::Clock;
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
        json!({ "TableName": self.table, "Item": entry.item() })
            .to_string()
            .into_bytes()
    }

    /// Writes `entry`.
    pub async fn put(&self, entry: &Entry) -> Result<(), WriteError> {
        let answer = self
            .service
            .call(TARGET, self.request_body(entry), self.clock.unix_seconds())
            .await?;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(WriteError::Status {
                status: answer.status,
                error_type: answer.error_type(),
            })
        }
    }
}
