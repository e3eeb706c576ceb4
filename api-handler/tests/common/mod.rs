//! The `events/api-*.json` requests and what the API must answer to each, shared by the
//! in-process tests and the tests of the binary under the Runtime API emulator.
#![allow(dead_code)] // each test crate uses a different part of this module

use std::path::PathBuf;

use serde_json::{Value, json};

/// The issuer the events' tokens name.
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE";
pub const ALICE_SUB: &str = "7f3e9c2a-1b4d-4e5f-8a6b-0c1d2e3f4a5b";
pub const BOB_SUB: &str = "2a6b8c0d-3e5f-4a7b-9c1d-e2f3a4b5c6d7";
pub const CLIENT_ID: &str = "1example23456789abcdefghij";
/// The origin the tests configure in `CORS_ALLOW_ORIGIN`.
pub const CORS_ORIGIN: &str = "https://app.example.com";

/// The expected answer to one event file, with `CORS_ALLOW_ORIGIN` set to [`CORS_ORIGIN`]
/// and `ADMIN_GROUP` unset.
#[derive(Debug)]
pub struct Expected {
    pub file: &'static str,
    pub status: u16,
    /// The exact JSON body; `None` for no body.
    pub body: Option<Value>,
    /// Headers that must be present with these values (names in lowercase).
    pub headers: Vec<(&'static str, &'static str)>,
}

fn expect(file: &'static str, status: u16, body: Option<Value>) -> Expected {
    Expected {
        file,
        status,
        body,
        headers: Vec::new(),
    }
}

fn message(text: &str) -> Option<Value> {
    Some(json!({ "message": text }))
}

pub fn expectations() -> Vec<Expected> {
    let health = Some(json!({"status": "ok"}));
    let hello_bob = Some(json!({"message": "Hello, bob!"}));
    let welcome_alice = Some(json!({"message": "Welcome, admin alice!"}));
    let unauthorized = message("Unauthorized");
    let allow = vec![("allow", "GET,OPTIONS")];
    let preflight = vec![
        ("access-control-allow-methods", "GET,OPTIONS"),
        ("access-control-allow-headers", "authorization,content-type"),
    ];
    let bob_access_token = Some(json!({
        "sub": BOB_SUB, "username": "bob", "groups": ["users"],
        "scopes": ["openid", "profile", "api/read"], "token_use": "access", "client_id": CLIENT_ID,
        "iss": ISSUER, "issuer_name": "us-east-1_EXAMPLE"
    }));
    vec![
        expect("api-rest-health.json", 200, health.clone()),
        expect("api-rest-hello.json", 200, hello_bob.clone()),
        expect(
            "api-rest-me.json",
            200,
            Some(json!({
                "sub": ALICE_SUB, "username": "alice", "email": "alice@example.com",
                "email_verified": true, "groups": ["admin", "users"], "scopes": [], "token_use": "id", "client_id": CLIENT_ID,
                "iss": ISSUER, "issuer_name": "us-east-1_EXAMPLE"
            })),
        ),
        expect("api-rest-me-anonymous.json", 401, unauthorized.clone()),
        expect(
            "api-rest-me-partial-context.json",
            401,
            unauthorized.clone(),
        ),
        expect(
            "api-rest-me-cognito.json",
            200,
            Some(json!({
                "sub": BOB_SUB, "username": "bob", "email": "bob@example.com",
                "email_verified": true, "groups": ["admin", "users"], "scopes": [], "token_use": "id", "client_id": CLIENT_ID,
                "iss": ISSUER, "caller": "user"
            })),
        ),
        expect("api-rest-admin.json", 200, welcome_alice.clone()),
        expect("api-rest-admin-nonadmin.json", 403, message("Forbidden")),
        expect("api-rest-spoofed-headers.json", 401, unauthorized.clone()),
        expect("api-rest-not-found.json", 404, message("Not Found")),
        Expected {
            headers: allow.clone(),
            ..expect(
                "api-rest-method-not-allowed.json",
                405,
                message("Method Not Allowed"),
            )
        },
        Expected {
            headers: preflight.clone(),
            ..expect("api-rest-preflight.json", 204, None)
        },
        expect("api-http-health.json", 200, health),
        expect("api-http-hello.json", 200, hello_bob),
        expect("api-http-me.json", 200, bob_access_token),
        expect("api-http-me-anonymous.json", 401, unauthorized.clone()),
        expect(
            "api-http-me-jwt.json",
            200,
            Some(json!({
                "sub": ALICE_SUB, "username": "alice", "groups": ["admin", "users"],
                "scopes": ["openid", "api/read"], "token_use": "access", "client_id": CLIENT_ID,
                "iss": ISSUER, "caller": "user"
            })),
        ),
        expect("api-http-admin.json", 200, welcome_alice),
        expect("api-http-admin-nonadmin.json", 403, message("Forbidden")),
        expect("api-http-spoofed-headers.json", 401, unauthorized),
        expect("api-http-not-found.json", 404, message("Not Found")),
        Expected {
            headers: allow,
            ..expect(
                "api-http-method-not-allowed.json",
                405,
                message("Method Not Allowed"),
            )
        },
        Expected {
            headers: preflight,
            ..expect("api-http-preflight.json", 204, None)
        },
    ]
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The names of all `events/api-*.json` files, sorted.
pub fn event_files() -> Vec<String> {
    let dir = events_dir();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("api-") && name.ends_with(".json"))
        .collect();
    files.sort();
    files
}

pub fn load_event(file: &str) -> Value {
    let path = events_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// Checks a serialized API Gateway response against `expected` (CORS on).
pub fn check(expected: &Expected, response: &Value) {
    let file = expected.file;
    assert_eq!(
        response["statusCode"], expected.status,
        "{file}: {response}"
    );
    // The response format must match the request's payload version.
    if file.starts_with("api-http-") {
        assert!(
            response["cookies"].is_array(),
            "{file}: not a 2.0 response: {response}"
        );
    } else {
        assert!(
            response.get("cookies").is_none(),
            "{file}: not a 1.0 response: {response}"
        );
    }
    let headers = &response["headers"];
    assert_eq!(
        headers["access-control-allow-origin"], CORS_ORIGIN,
        "{file}: {response}"
    );
    for (name, value) in &expected.headers {
        assert_eq!(headers[*name], *value, "{file}: header {name}: {response}");
    }
    match &expected.body {
        Some(body) => {
            assert_eq!(
                headers["content-type"], "application/json",
                "{file}: {response}"
            );
            let text = response["body"]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: no body"));
            let actual: Value = serde_json::from_str(text).unwrap();
            assert_eq!(&actual, body, "{file}");
        }
        None => assert!(
            response.get("body").is_none(),
            "{file}: unexpected body: {response}"
        ),
    }
}
