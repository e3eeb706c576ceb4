//! CORS, on only when `CORS_ALLOW_ORIGIN` is set.

use aws_lambda_events::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, VARY,
};
use aws_lambda_events::http::{HeaderValue, Method};

use crate::response::ApiResponse;

/// Request headers a browser may send cross-origin: the bearer token and JSON bodies.
const ALLOWED_HEADERS: &str = "authorization,content-type";
/// How long browsers may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

/// Adds the headers every response carries when CORS is on for `allow_origin`.
pub(crate) fn decorate(allow_origin: &HeaderValue, response: &mut ApiResponse) {
    response
        .headers
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.clone());
    // A specific origin makes the response origin-dependent for shared caches.
    if allow_origin != "*" {
        response
            .headers
            .append(VARY, HeaderValue::from_static("Origin"));
    }
}

/// The answer to an `OPTIONS` preflight for a path that serves `methods`.
/// Preflights carry no token, so this never looks at the caller.
pub(crate) fn preflight(methods: &[Method]) -> ApiResponse {
    let mut response = ApiResponse::no_content();
    if let Ok(methods) = HeaderValue::from_str(&method_list(methods)) {
        response
            .headers
            .insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    response.headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    response.headers.insert(
        ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
    );
    response
}

/// `GET,OPTIONS`: the format of both `Allow` and `Access-Control-Allow-Methods`.
pub(crate) fn method_list(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::http::StatusCode;

    #[test]
    fn specific_origin_varies_on_origin() {
        let mut response = ApiResponse::error(StatusCode::UNAUTHORIZED, "x");
        decorate(
            &HeaderValue::from_static("https://app.example.com"),
            &mut response,
        );
        assert_eq!(
            response.headers[ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.com"
        );
        assert_eq!(response.headers[VARY], "Origin");
    }

    #[test]
    fn wildcard_origin_does_not_vary() {
        let mut response = ApiResponse::no_content();
        decorate(&HeaderValue::from_static("*"), &mut response);
        assert_eq!(response.headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(response.headers.get(VARY).is_none());
    }

    #[test]
    fn preflight_lists_methods_and_headers() {
        let response = preflight(&[Method::GET, Method::OPTIONS]);
        assert_eq!(response.status, StatusCode::NO_CONTENT);
        assert_eq!(response.body, None);
        assert_eq!(
            response.headers[ACCESS_CONTROL_ALLOW_METHODS],
            "GET,OPTIONS"
        );
        assert_eq!(
            response.headers[ACCESS_CONTROL_ALLOW_HEADERS],
            "authorization,content-type"
        );
    }
}
