//! Claim rules through the authorizer, in every answer shape: a global `REQUIRED_CLAIMS` rule
//! the caller fails is a 403 on the whole stage (REST policy, HTTP IAM policy, HTTP simple
//! `isAuthorized: false`); a route's `required_claims` the caller fails is a Deny on that route
//! only, inside the stage-wide Allow (or `isAuthorized: false` on that route's key). Never 401.

mod common;
use common::statements;

use std::sync::Arc;
use std::time::Duration;

use authorizer::{Authorizer, HttpApiResponse, RouteRules};
use oidc_jwt_verifier::{Clock, config::parse_required_claims};
use serde_json::{Value, json};
use testkit::harness::*;
use testkit::{JwksServer, TestKey};

const REST_ARN: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";
const REST_BASE: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod";
const HTTP_BASE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default";

/// An authorizer with these global rules and route rules; its verifier keeps what the route
/// rules compare, as the configuration arranges.
async fn authorizer(
    global: &str,
    routes: &str,
    http: HttpApiResponse,
) -> (Authorizer, JwksServer, Arc<ManualClock>) {
    let routes = if routes.is_empty() {
        RouteRules::default()
    } else {
        RouteRules::parse(routes).unwrap()
    };
    let kept = routes.claim_names();
    let Harness {
        verifier,
        server,
        clock,
    } = harness(&[TestKey::shared(0)], |config| {
        if !global.is_empty() {
            config.required_claims = parse_required_claims(global).unwrap();
        }
        config.kept_claims = kept;
    })
    .await;
    (Authorizer::new(verifier, routes, http), server, clock)
}

fn rest_event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": token, "methodArn": REST_ARN})
}

fn http_event(token: &str, route: &str, route_key: &str, with_route_key: bool) -> Value {
    let sources: Vec<&str> = if with_route_key {
        vec![token, route_key]
    } else {
        vec![token]
    };
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": format!("{HTTP_BASE}/{route}"),
        "identitySource": sources, "routeKey": route_key, "rawPath": "/x", "rawQueryString": "",
        "headers": {"authorization": token},
        "requestContext": {"accountId": "123456789012", "apiId": "abcdef123", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "GET", "path": "/x", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
            "requestId": "r", "routeKey": route_key, "stage": "$default", "time": "t", "timeEpoch": 0}
    })
}

fn stage_deny(base: &str) -> Vec<(String, Vec<String>)> {
    vec![("Deny".to_owned(), vec![format!("{base}/*/*")])]
}

/// A global rule failed: the whole stage is denied, without context, in each shape; a caller
/// who meets it is allowed.
#[tokio::test]
async fn a_failed_global_rule_denies_the_stage_in_every_shape() {
    let key = TestKey::shared(0);
    let rules = [
        (
            "claim_mismatch",
            r#"{"claims": {"custom:tenant": ["acme", "globex"]}}"#,
        ),
        ("token_kind", r#"{"token_kind": "machine"}"#),
        ("stale_auth_time", r#"{"max_auth_age_seconds": 60}"#),
    ];
    for (reason, global) in rules {
        for http in [HttpApiResponse::Iam, HttpApiResponse::Simple] {
            let (authorizer, _server, clock) = authorizer(global, "", http).await;
            clock.advance(Duration::from_secs(61));
            let failing = id_token(key);
            let rest = authorizer
                .handle(&rest_event(&failing).to_string())
                .await
                .unwrap()
                .to_json();
            assert_eq!(statements(&rest), stage_deny(REST_BASE), "{reason} REST");
            assert!(rest.get("context").is_none(), "{reason}: {rest}");
            let v2 = http_event(&failing, "GET/hello", "GET /hello", false);
            let answer = authorizer.handle(&v2.to_string()).await.unwrap().to_json();
            match http {
                HttpApiResponse::Iam => {
                    assert_eq!(statements(&answer), stage_deny(HTTP_BASE), "{reason} IAM");
                }
                HttpApiResponse::Simple => {
                    assert_eq!(answer, json!({"isAuthorized": false}), "{reason} simple");
                }
            }
        }
    }

    // Meeting the rule: allowed on the whole stage.
    let (authorizer, _server, clock) = authorizer(
        r#"{"claims": {"custom:tenant": ["acme", "globex"]}, "max_auth_age_seconds": 60}"#,
        "",
        HttpApiResponse::Simple,
    )
    .await;
    let now = clock.unix_seconds();
    let meeting = token_with(key, "id", |c| {
        c.insert("custom:tenant".into(), json!("acme"));
        c.insert("auth_time".into(), json!(now));
    });
    let rest = authorizer
        .handle(&rest_event(&meeting).to_string())
        .await
        .unwrap()
        .to_json();
    assert_eq!(
        statements(&rest),
        vec![("Allow".to_owned(), vec![format!("{REST_BASE}/*/*")])]
    );
    let v2 = http_event(&meeting, "GET/hello", "GET /hello", false);
    assert_eq!(
        authorizer.handle(&v2.to_string()).await.unwrap().to_json()["isAuthorized"],
        true
    );
}

/// A route's rules failed: that route is denied inside the stage-wide Allow (REST, HTTP IAM),
/// or refused on that route key only (HTTP simple); other routes stay open.
#[tokio::test]
async fn a_failed_route_rule_denies_that_route_only() {
    let key = TestKey::shared(0);
    let routes = r#"{"POST /pay": {"required_claims": {"claims": {"custom:tenant": "acme"}, "max_auth_age_seconds": 300}}}"#;
    let pay_deny = |base: &str| {
        vec![
            ("Allow".to_owned(), vec![format!("{base}/*/*")]),
            (
                "Deny".to_owned(),
                vec![format!("{base}/POST/pay"), format!("{base}/POST/pay/")],
            ),
        ]
    };
    let allow_all = |base: &str| vec![("Allow".to_owned(), vec![format!("{base}/*/*")])];
    // (case, tenant, seconds since sign-in, meets the rule)
    let cases = [
        ("fresh, right tenant", json!("acme"), 0, true),
        ("exactly 300 s", json!("acme"), 300, true),
        ("301 s: stale", json!("acme"), 301, false),
        ("wrong tenant", json!("globex"), 0, false),
        ("tenant of the wrong type", json!(["acme"]), 0, false),
    ];
    for (name, tenant, age, meets) in cases {
        let (iam, _iam_server, iam_clock) = authorizer("", routes, HttpApiResponse::Iam).await;
        let (simple, _server, simple_clock) = authorizer("", routes, HttpApiResponse::Simple).await;
        // Each authorizer's own clock: signed in at its `now`, judged `age` seconds later.
        let token_at = |clock: &ManualClock| {
            let signed_in = clock.unix_seconds();
            clock.advance(Duration::from_secs(age));
            token_with(key, "access", |c| {
                c.insert("custom:tenant".into(), tenant.clone());
                c.insert("auth_time".into(), json!(signed_in));
            })
        };
        let token = token_at(&iam_clock);

        let rest = iam
            .handle(&rest_event(&token).to_string())
            .await
            .unwrap()
            .to_json();
        let expected = if meets {
            allow_all(REST_BASE)
        } else {
            pay_deny(REST_BASE)
        };
        assert_eq!(statements(&rest), expected, "{name}: REST");
        assert!(
            rest["context"].is_object(),
            "{name}: the caller is still passed on"
        );

        let v2 = http_event(&token, "POST/pay", "POST /pay", false);
        let answer = iam.handle(&v2.to_string()).await.unwrap().to_json();
        let expected = if meets {
            allow_all(HTTP_BASE)
        } else {
            pay_deny(HTTP_BASE)
        };
        assert_eq!(statements(&answer), expected, "{name}: HTTP IAM");

        let token = token_at(&simple_clock);
        let pay = http_event(&token, "POST/pay", "POST /pay", true);
        let answer = simple.handle(&pay.to_string()).await.unwrap().to_json();
        assert_eq!(answer["isAuthorized"], meets, "{name}: simple, POST /pay");
        let hello = http_event(&token, "GET/hello", "GET /hello", true);
        let answer = simple.handle(&hello.to_string()).await.unwrap().to_json();
        assert_eq!(answer["isAuthorized"], true, "{name}: simple, GET /hello");
    }
}
