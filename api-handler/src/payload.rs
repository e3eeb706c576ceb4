//! API Gateway payloads: detecting the version, reading requests, writing responses.

use std::fmt;

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest,
    ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body;
use serde_json::Value;

use crate::identity::{ContextError, Identity};
use crate::request::{ApiRequest, http_route, rest_route};
use crate::response::ApiResponse;

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
        /// The payload version the event claimed.
        version: PayloadVersion,
        #[source]
        /// What did not match (its message is redacted when shown).
        source: serde_json::Error,
    },
    /// The response could not be serialized (should not happen with our response types).
    #[error("could not serialize the {version} response: {source}")]
    ResponseSerialization {
        /// The payload version being written.
        version: PayloadVersion,
        #[source]
        /// The serializer's error.
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

/// The two event formats API Gateway uses to invoke a Lambda proxy integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadVersion {
    /// REST API proxy integration (also HTTP APIs configured for payload 1.0).
    Rest,
    /// HTTP API, payload format 2.0.
    Http,
}

impl fmt::Display for PayloadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rest => "REST API (payload 1.0)",
            Self::Http => "HTTP API (payload 2.0)",
        })
    }
}

impl PayloadVersion {
    /// Detects the payload version from the event's shape, without trusting it further.
    pub fn detect(event: &Value) -> Result<Self, ApiError> {
        let event = event.as_object().ok_or(ApiError::UnrecognizedEvent(
            "the event is not a JSON object",
        ))?;
        let context = event
            .get("requestContext")
            .and_then(Value::as_object)
            .ok_or(ApiError::UnrecognizedEvent(
                "no requestContext object: not an API Gateway proxy event",
            ))?;
        if event.get("version").and_then(Value::as_str) == Some("2.0")
            || context.get("http").is_some_and(Value::is_object)
        {
            return Ok(Self::Http);
        }
        if event.get("httpMethod").is_some_and(Value::is_string) {
            return Ok(Self::Rest);
        }
        Err(ApiError::UnrecognizedEvent(
            "neither a REST API proxy event (httpMethod) nor an HTTP API event (version 2.0, requestContext.http)",
        ))
    }
}

/// Who the authorizer context says the caller is: nobody, someone, or a context that cannot
/// be read (answered 500: guessing could make a caller someone they are not).
pub(crate) type Caller = Result<Option<Identity>, ContextError>;

/// Reads an event into its payload version, the caller and the payload-independent request.
pub(crate) fn decode(event: Value) -> Result<(PayloadVersion, Caller, ApiRequest), ApiError> {
    let version = PayloadVersion::detect(&event)?;
    let invalid = |source| ApiError::InvalidEvent { version, source };
    let (caller, request) = match version {
        PayloadVersion::Rest => decode_rest(serde_json::from_value(event).map_err(invalid)?),
        PayloadVersion::Http => decode_http(serde_json::from_value(event).map_err(invalid)?),
    };
    Ok((version, caller, request))
}

fn decode_rest(event: ApiGatewayProxyRequest) -> (Caller, ApiRequest) {
    let context = &event.request_context;
    let caller = Identity::from_authorizer(&context.authorizer);
    let request = ApiRequest {
        method: event.http_method.clone(),
        route: rest_route(
            event.resource.as_deref(),
            event.path_parameters.get("proxy").map(String::as_str),
            event.path.as_deref(),
        ),
        // The multi-value maps are supersets of the single-value ones when present.
        headers: if event.multi_value_headers.is_empty() {
            event.headers
        } else {
            event.multi_value_headers
        },
        path_parameters: event.path_parameters,
        body: event.body,
        is_base64_encoded: event.is_base64_encoded,
    };
    (caller, request)
}

fn decode_http(event: ApiGatewayV2httpRequest) -> (Caller, ApiRequest) {
    let context = &event.request_context;
    let caller = context
        .authorizer
        .as_ref()
        .map_or(Ok(None), Identity::from_authorizer);
    let request = ApiRequest {
        // HTTP API puts the method in requestContext.http; the top-level field is for authorizers.
        method: context.http.method.clone(),
        route: http_route(
            event.route_key.as_deref(),
            event.raw_path.as_deref(),
            context,
        ),
        headers: event.headers,
        path_parameters: event.path_parameters,
        body: event.body,
        is_base64_encoded: event.is_base64_encoded,
    };
    (caller, request)
}

/// Writes `response` in the format of the payload version the request came in.
pub(crate) fn encode(version: PayloadVersion, response: ApiResponse) -> Result<Value, ApiError> {
    let status_code = i64::from(response.status.as_u16());
    let body = response.body.map(Body::Text);
    let encoded = match version {
        PayloadVersion::Rest => {
            let mut out = ApiGatewayProxyResponse::default();
            out.status_code = status_code;
            out.headers = response.headers;
            out.body = body;
            serde_json::to_value(out)
        }
        PayloadVersion::Http => {
            let mut out = ApiGatewayV2httpResponse::default();
            out.status_code = status_code;
            out.headers = response.headers;
            out.body = body;
            serde_json::to_value(out)
        }
    };
    encoded.map_err(|source| ApiError::ResponseSerialization { version, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_versions() {
        let cases = [
            (
                json!({"version": "2.0", "requestContext": {}}),
                Some(PayloadVersion::Http),
            ),
            (
                json!({"requestContext": {"http": {"method": "GET"}}}),
                Some(PayloadVersion::Http),
            ),
            (
                json!({"version": "1.0", "httpMethod": "GET", "requestContext": {}}),
                Some(PayloadVersion::Rest),
            ),
            (
                json!({"httpMethod": "GET", "requestContext": {}}),
                Some(PayloadVersion::Rest),
            ),
            (json!({"httpMethod": "GET"}), None),
            (json!({"Records": []}), None),
            (json!({"requestContext": {"routeKey": "$connect"}}), None),
            (json!([1, 2]), None),
            (json!("GET /me"), None),
        ];
        for (event, expected) in cases {
            assert_eq!(PayloadVersion::detect(&event).ok(), expected, "{event}");
        }
    }

    #[test]
    fn malformed_event_of_a_known_version_is_an_error() {
        let event = json!({"version": "2.0", "requestContext": {"http": {"method": 7}}});
        let error = decode(event).unwrap_err();
        assert!(
            matches!(
                error,
                ApiError::InvalidEvent {
                    version: PayloadVersion::Http,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn encodes_each_format() {
        let response = ApiResponse::error(aws_lambda_events::http::StatusCode::FORBIDDEN, "no");
        let rest = encode(PayloadVersion::Rest, response.clone()).unwrap();
        assert_eq!(rest["statusCode"], 403);
        assert_eq!(rest["headers"]["content-type"], "application/json");
        assert_eq!(rest["body"], r#"{"message":"no"}"#);
        assert_eq!(rest.get("cookies"), None);
        let http = encode(PayloadVersion::Http, response).unwrap();
        assert_eq!(http["statusCode"], 403);
        assert_eq!(http["cookies"], json!([]));
        assert_eq!(http["isBase64Encoded"], false);
    }

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
