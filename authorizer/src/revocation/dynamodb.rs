//! The revocation list in DynamoDB: both of a token's keys in one `BatchGetItem`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html>),
//! a strongly consistent read so that an entry written before the request is seen, signed
//! with SigV4 and sent with reqwest (no AWS SDK). Anything but a complete, well-formed answer
//! is an error, never "not revoked": `UnprocessedKeys` (which `BatchGetItem` returns when it is
//! throttled) included. The schema is in docs/revocation.md.

use std::sync::Arc;
use std::time::Duration;

use cognito_verifier::{
    Clock, LookupFuture, RevocationEntry, RevocationKeys, RevocationLookup, RevocationLookupError,
    RevocationRecords,
};
use serde_json::{Value, json};

use super::sigv4::Signer;

/// An answer for two small items is well under this; a larger one is refused unread.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The partition key attribute.
pub const KEY_ATTRIBUTE: &str = "pk";
const TARGET: &str = "DynamoDB_20120810.BatchGetItem";
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Reads the revocation table.
pub struct DynamoDbLookup {
    client: reqwest::Client,
    /// The endpoint URL, without a trailing slash.
    endpoint: String,
    /// The `Host` header reqwest sends for `endpoint` (signed).
    host: String,
    table: String,
    signer: Signer,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl DynamoDbLookup {
    /// A lookup of `table` at `endpoint` (validated: `https`, or `http` on loopback) through
    /// `client` (which must follow no redirect), each request bounded by `timeout`.
    pub fn new(
        client: reqwest::Client,
        endpoint: &str,
        table: String,
        signer: Signer,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, RevocationLookupError> {
        let url = reqwest::Url::parse(endpoint)
            .map_err(|_| RevocationLookupError::Invalid("endpoint is not a URL"))?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(RevocationLookupError::Invalid("endpoint has no host")),
        };
        Ok(DynamoDbLookup {
            client,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            host,
            table,
            signer,
            timeout,
            clock,
        })
    }

    /// The `BatchGetItem` request body for `keys`.
    pub fn request_body(&self, keys: &RevocationKeys) -> Vec<u8> {
        let mut wanted = vec![json!({ KEY_ATTRIBUTE: { "S": keys.user } })];
        if let Some(session) = &keys.session {
            wanted.push(json!({ KEY_ATTRIBUTE: { "S": session } }));
        }
        json!({
            "RequestItems": {
                self.table.as_str(): {
                    "Keys": wanted,
                    "ConsistentRead": true,
                    "ProjectionExpression": "#pk, #nb, #exp",
                    "ExpressionAttributeNames": {
                        "#pk": KEY_ATTRIBUTE, "#nb": "not_before", "#exp": "expires_at"
                    }
                }
            }
        })
        .to_string()
        .into_bytes()
    }

    async fn send(
        &self,
        keys: &RevocationKeys,
    ) -> Result<RevocationRecords, RevocationLookupError> {
        let body = self.request_body(keys);
        let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", TARGET)];
        let signed = self
            .signer
            .sign(&self.host, &headers, &body, self.clock.unix_seconds());
        let mut request = self
            .client
            .post(format!("{}/", self.endpoint))
            .timeout(self.timeout);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        for (name, value) in signed {
            request = request.header(name, value);
        }
        let mut response = request.body(body).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(RevocationLookupError::Invalid("answer is too large"));
            }
            answer.extend_from_slice(&chunk);
        }
        if status != 200 {
            return Err(RevocationLookupError::Status {
                status,
                error_type: error_type(&answer),
            });
        }
        parse_answer(&answer, &self.table, keys)
    }
}

impl RevocationLookup for DynamoDbLookup {
    fn lookup<'a>(&'a self, keys: &'a RevocationKeys) -> LookupFuture<'a> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.send(keys))
                .await
                .unwrap_or(Err(RevocationLookupError::Timeout))
        })
    }
}

fn transport(error: reqwest::Error) -> RevocationLookupError {
    if error.is_timeout() {
        RevocationLookupError::Timeout
    } else {
        RevocationLookupError::Transport(error.without_url().to_string())
    }
}

/// The error type DynamoDB names in `__type` (`com.amazonaws.dynamodb.v20120810#X` → `X`),
/// only when it is a plain identifier: the log gets no free text from the answer.
fn error_type(answer: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(answer).ok();
    let name = parsed
        .as_ref()
        .and_then(|v| v.get("__type"))
        .and_then(Value::as_str)
        .and_then(|t| t.rsplit('#').next())
        .unwrap_or("");
    if name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        name.to_owned()
    } else {
        String::new()
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
            .get(KEY_ATTRIBUTE)
            .and_then(|k| k.get("S"))
            .and_then(Value::as_str)
            .ok_or(invalid("an item has no string pk"))?;
        let entry = RevocationEntry {
            not_before: number(item, "not_before")?,
            expires_at: number(item, "expires_at")?,
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
