//! Errors that make an invocation fail (as opposed to HTTP error responses, which are answers).

use crate::payload::PayloadVersion;

/// Why an event could not be answered at all.
///
/// Every HTTP-level problem (unknown route, missing identity, ...) is a normal response;
/// these errors are only for events API Gateway would never send us.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The event is neither a REST API proxy event (1.0) nor an HTTP API event (2.0).
    #[error("unrecognized event: {0}")]
    UnrecognizedEvent(&'static str),
    /// The event looked like the given payload version but did not match its schema.
    #[error("invalid {version} event: {}", redacted(.source))]
    InvalidEvent {
        version: PayloadVersion,
        #[source]
        source: serde_json::Error,
    },
    /// The response could not be serialized (should not happen with our response types).
    #[error("could not serialize the {version} response: {source}")]
    ResponseSerialization {
        version: PayloadVersion,
        #[source]
        source: serde_json::Error,
    },
}

/// The serde message without the quoted values it may contain (`invalid type: string "..."`),
/// because error messages are logged and event values may be headers or tokens.
fn redacted(error: &serde_json::Error) -> String {
    error
        .to_string()
        .split('"')
        .enumerate()
        .map(|(index, part)| if index % 2 == 1 { "…" } else { part })
        .collect::<Vec<_>>()
        .join("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_event_message_hides_values() {
        let source = serde_json::from_str::<u8>("\"Bearer secret-token\"").unwrap_err();
        let error = ApiError::InvalidEvent {
            version: PayloadVersion::Rest,
            source,
        };
        let message = error.to_string();
        assert!(!message.contains("secret-token"), "{message}");
        assert!(
            message.starts_with("invalid REST API (payload 1.0) event: invalid type: string \"…\""),
            "{message}"
        );
    }
}
