//! The names the outside world reads: the Lambda error type and message of every error (API
//! Gateway maps the message `Unauthorized` to 401 and any other to 500), and the event kind
//! read from each event shape.

use super::*;
use serde_json::{Value, json};

/// Every variant, with the `errorType` and `errorMessage` Lambda reports and the reason code
/// the decision log carries. Only a bad token may read `Unauthorized`: any other failure must
/// be a 500, which API Gateway does not cache and the caller cannot fix by retrying.
#[test]
fn every_error_has_its_lambda_error_type_message_and_reason() {
    let unauthorized = AuthorizerError::Unauthorized {
        rejection: Rejection::new(Reason::Expired, "expired"),
        sub: Some("sub-1".to_owned()),
    };
    let cases = [
        (unauthorized, "Unauthorized", "Unauthorized", "expired"),
        (
            AuthorizerError::KeysUnavailable,
            "KeysUnavailable",
            "Signing keys are unavailable",
            "jwks_unavailable",
        ),
        (
            AuthorizerError::RevocationUnavailable(
                oidc_jwt_verifier::revocation::RevocationLookupError::Timeout,
            ),
            "RevocationUnavailable",
            "Revocation list is unavailable",
            "revocation_unavailable",
        ),
        (
            AuthorizerError::UnsupportedEvent,
            "UnsupportedEvent",
            "Unsupported authorizer event",
            "unsupported_event",
        ),
        (
            AuthorizerError::InvalidMethodArn,
            "InvalidMethodArn",
            "Invalid method ARN in authorizer event",
            "invalid_method_arn",
        ),
        (
            AuthorizerError::IdentitySourceMismatch,
            "IdentitySourceMismatch",
            "Authorizer misconfigured: the event's identitySource does not match \
             IDENTITY_SOURCES; deploy the authorizer with exactly those identity sources",
            "identity_source_mismatch",
        ),
    ];
    for (error, error_type, message, reason) in cases {
        let reason_code = error.names().1;
        let diagnostic = Diagnostic::from(error);
        assert_eq!(
            (
                diagnostic.error_type.as_str(),
                diagnostic.error_message.as_str(),
                reason_code
            ),
            (error_type, message, reason),
            "{diagnostic:?}"
        );
    }
}

/// Each authorizer event shape is told from the event itself; anything else is no event.
#[test]
fn each_event_shape_is_read_and_nothing_else() {
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/me";
    let cases = [
        (
            "REST TOKEN",
            json!({"type": "TOKEN", "authorizationToken": "x", "methodArn": arn}),
            Some(EventKind::RestToken),
        ),
        (
            "REST REQUEST",
            json!({"type": "REQUEST", "methodArn": arn, "headers": {}}),
            Some(EventKind::RestRequest),
        ),
        (
            "HTTP API payload 1.0",
            json!({"version": "1.0", "type": "REQUEST", "methodArn": arn}),
            Some(EventKind::RestRequest),
        ),
        (
            "HTTP API payload 2.0",
            json!({"version": "2.0", "type": "REQUEST", "routeArn": arn, "routeKey": "GET /me"}),
            Some(EventKind::HttpV2),
        ),
        (
            "2.0 without routeArn",
            json!({"version": "2.0", "type": "REQUEST"}),
            None,
        ),
        (
            "unknown type",
            json!({"type": "WEBSOCKET", "methodArn": arn}),
            None,
        ),
        ("no type", json!({"methodArn": arn}), None),
        ("a string", json!("TOKEN"), None),
        ("null", Value::Null, None),
        // serde's derived reader fills a struct from an array by position: not an event.
        (
            "a REST TOKEN event as an array",
            json!(["x", "TOKEN", null, null, arn]),
            None,
        ),
        ("an array naming TOKEN", json!(["TOKEN"]), None),
    ];
    for (case, event, expected) in cases {
        let kind = AuthorizerEvent::read(&event.to_string()).map(|event| event.kind);
        assert_eq!(kind, expected, "{case}");
    }
}
