//! Issue 21.5 through the authorizer: a method ARN whose path is not canonical (`GET//me`,
//! `GET/./me`) names no rule, so it is denied rather than allowed by default. Only that
//! spelling is denied: the answer is cached for the token and must stay right for the
//! caller's other requests.

mod common;
use common::{authorizer, statements};

use authorizer::HttpApiResponse;
use serde_json::{Value, json};
use testkit::TestKey;
use testkit::harness::*;

const REST_BASE: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod";
const HTTP_BASE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default";
const RULES: &str = r#"{"GET /me": {"groups": ["admin"]}}"#;

fn rest_event(token: &str, method_and_path: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": token,
           "methodArn": format!("{REST_BASE}/{method_and_path}")})
}

fn http_event(token: &str, method_and_path: &str) -> Value {
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": format!("{HTTP_BASE}/{method_and_path}"),
        "identitySource": [token], "routeKey": "$default", "rawPath": "/x", "rawQueryString": "",
        "headers": {"authorization": token},
        "requestContext": {"accountId": "123456789012", "apiId": "abcdef123", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "GET", "path": "/x", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
            "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0}
    })
}

/// (name, method and path after the stage, canonical): the spellings the REST policy and the
/// HTTP API answers are judged on.
const SPELLINGS: [(&str, &str, bool); 8] = [
    ("the route", "GET/me", true),
    ("the route with a trailing slash", "GET/me/", true),
    ("the root", "GET/", true),
    ("a leading empty segment", "GET//me", false),
    ("two trailing slashes", "GET/me//", false),
    ("a dot segment", "GET/./me", false),
    ("a dot-dot segment", "GET/x/../me", false),
    ("an empty segment inside", "GET/x//me", false),
];

/// REST (and HTTP API IAM) policies: the stage-wide Allow, the Deny of each failed rule, and a
/// Deny of exactly the non-canonical spelling, with or without route rules.
#[tokio::test]
async fn policies_deny_exactly_the_spelling_no_rule_could_name() {
    let token = id_token(TestKey::shared(0));
    for rules in ["", RULES] {
        for (base, http) in [(REST_BASE, None), (HTTP_BASE, Some(HttpApiResponse::Iam))] {
            let (authorizer, _server) =
                authorizer(rules, http.unwrap_or(HttpApiResponse::Simple)).await;
            for (name, method_and_path, canonical) in SPELLINGS {
                let event = match http {
                    None => rest_event(&token, method_and_path),
                    Some(_) => http_event(&token, method_and_path),
                };
                let answer = authorizer
                    .handle(&event.to_string())
                    .await
                    .unwrap()
                    .to_json();
                let mut denied = Vec::new();
                if !rules.is_empty() {
                    // The failed GET /me rule: GET and HEAD, with and without a trailing `/`.
                    for suffix in ["GET/me", "GET/me/", "HEAD/me", "HEAD/me/"] {
                        denied.push(format!("{base}/{suffix}"));
                    }
                }
                if !canonical {
                    denied.push(format!("{base}/{method_and_path}"));
                }
                let mut expected = vec![("Allow".to_owned(), vec![format!("{base}/*/*")])];
                if !denied.is_empty() {
                    expected.push(("Deny".to_owned(), denied));
                }
                assert_eq!(
                    statements(&answer),
                    expected,
                    "{name}, rules {rules:?}, {base}"
                );
                assert!(answer["context"]["sub"].is_string(), "{name}: {answer}");
            }
        }
    }
}

/// HTTP API simple responses carry no policy: a non-canonical path is `isAuthorized: false`
/// even without route rules (with rules, every `$default` request already is).
#[tokio::test]
async fn simple_responses_refuse_the_spelling_no_rule_could_name() {
    let token = id_token(TestKey::shared(0));
    let (authorizer, _server) = authorizer("", HttpApiResponse::Simple).await;
    for (name, method_and_path, canonical) in SPELLINGS {
        let answer = authorizer
            .handle(&http_event(&token, method_and_path).to_string())
            .await
            .unwrap()
            .to_json();
        assert_eq!(answer["isAuthorized"], json!(canonical), "{name}: {answer}");
    }
}
