//! Responses as handlers build them, before they are written in a payload's format.

use aws_lambda_events::http::header::CONTENT_TYPE;
use aws_lambda_events::http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::json;

/// A response: status, headers and an optional (JSON) body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, JSON text for every response this API builds.
    pub body: Option<String>,
}

impl ApiResponse {
    /// `status` with `body` serialized as JSON and `content-type: application/json`.
    pub fn json(status: StatusCode, body: &impl Serialize) -> Self {
        // Serializing our own plain data types cannot fail; if a handler ever returns a type
        // that can (a map with non-string keys), answer 500 rather than panic.
        let Ok(body) = serde_json::to_string(body) else {
            return Self::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not serialize the response",
            );
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Self {
            status,
            headers,
            body: Some(body),
        }
    }

    /// 200 with a JSON body.
    pub fn ok(body: &impl Serialize) -> Self {
        Self::json(StatusCode::OK, body)
    }

    /// Every error is JSON `{"message": "..."}`.
    pub fn error(status: StatusCode, message: &str) -> Self {
        // A JSON object of one string always serializes: no loop through `json`'s 500.
        Self::json(status, &json!({ "message": message }))
    }

    /// 401 for a protected route reached without identity (e.g. the route was left out of the
    /// authorizer, or the function is invoked directly).
    pub fn unauthorized() -> Self {
        Self::error(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    /// A response without body (CORS preflights).
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            headers: HeaderMap::new(),
            body: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_json_messages() {
        let response = ApiResponse::error(StatusCode::NOT_FOUND, "no \"route\"");
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        let body: serde_json::Value =
            serde_json::from_str(response.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, json!({"message": "no \"route\""}));
    }

    #[test]
    fn unserializable_body_is_a_500_not_a_panic() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "tuple keys are not JSON");
        let response = ApiResponse::ok(&map);
        assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
