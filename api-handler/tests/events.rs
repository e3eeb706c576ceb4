//! Every `events/api-*.json` request answered in-process through `Api::handle`.

mod common;

use api_handler::{Api, Settings};
use common::{CORS_ORIGIN, check, event_files, expectations, load_event};

fn api_with_cors() -> Api {
    Api::new(
        Settings::default()
            .with_cors_allow_origin(CORS_ORIGIN)
            .unwrap(),
    )
}

#[tokio::test]
async fn every_event_gets_its_expected_answer() {
    let api = api_with_cors();
    for expected in expectations() {
        let response = api.handle(load_event(expected.file)).await.unwrap();
        check(&expected, &response);
    }
}

#[test]
fn every_event_file_has_an_expectation_and_vice_versa() {
    let mut expected: Vec<String> = expectations().iter().map(|e| e.file.to_owned()).collect();
    expected.sort();
    assert_eq!(event_files(), expected);
}

#[tokio::test]
async fn without_cors_there_are_no_cors_headers_and_no_preflight() {
    let api = Api::new(Settings::default());
    for file in event_files() {
        let response = api.handle(load_event(&file)).await.unwrap();
        let headers = response["headers"].as_object().unwrap();
        assert!(
            !headers
                .keys()
                .any(|name| name.starts_with("access-control-")),
            "{file}: {response}"
        );
    }
    for file in ["api-rest-preflight.json", "api-http-preflight.json"] {
        let response = api.handle(load_event(file)).await.unwrap();
        assert_eq!(response["statusCode"], 405, "{file}");
        assert_eq!(response["headers"]["allow"], "GET", "{file}");
    }
}

#[tokio::test]
async fn admin_group_can_be_renamed() {
    // alice is in admin,users; bob only in users.
    let cases = [
        ("users", "api-rest-admin.json", 200),
        ("users", "api-rest-admin-nonadmin.json", 200),
        ("users", "api-http-admin-nonadmin.json", 200),
        ("ops", "api-rest-admin.json", 403),
        ("ops", "api-http-admin.json", 403),
    ];
    for (group, file, status) in cases {
        let api = Api::new(Settings::default().with_admin_group(group).unwrap());
        let response = api.handle(load_event(file)).await.unwrap();
        assert_eq!(response["statusCode"], status, "ADMIN_GROUP={group} {file}");
    }
}

#[tokio::test]
async fn events_that_are_not_api_gateway_proxy_events_are_errors() {
    let api = api_with_cors();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let not_proxy_events = [
        serde_json::json!({}),
        serde_json::json!({"Records": [{"eventSource": "aws:sqs"}]}),
        serde_json::json!(null),
        // An authorizer's own event is not a request to serve.
        serde_json::json!({"type": "TOKEN", "authorizationToken": "x", "methodArn": "arn"}),
    ];
    for event in not_proxy_events {
        let error = api.handle(event.clone()).await.unwrap_err();
        assert!(
            error.to_string().starts_with("unrecognized event"),
            "{event}: {error}"
        );
    }
    assert!(std::path::Path::new(fixtures).is_dir());
}
