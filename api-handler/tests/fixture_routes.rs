//! Each route with each payload version, starting from the aws_lambda_events fixtures
//! (tests/fixtures/, see its README) adapted to our routes in code.

use api_handler::{Api, Settings};
use serde_json::{Value, json};

const REST: &str = include_str!("fixtures/example-apigw-request.json");
const HTTP_LAMBDA: &str = include_str!("fixtures/example-apigw-v2-request-lambda-authorizer.json");
const HTTP_JWT: &str = include_str!("fixtures/example-apigw-v2-request-jwt-authorizer.json");
const HTTP_NO_AUTHORIZER: &str =
    include_str!("fixtures/example-apigw-v2-request-no-authorizer.json");

#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Member,
    Admin,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    /// REST proxy fixture, our Lambda authorizer's flat context next to principalId.
    RestLambda,
    /// REST proxy fixture with a Cognito user pool authorizer's `claims`.
    RestCognito,
    /// HTTP API fixture, `authorizer.lambda`.
    HttpLambda,
    /// HTTP API fixture, `authorizer.jwt` (built-in JWT authorizer).
    HttpJwt,
}

/// The fixture for `source`, sent to `method path` on behalf of `caller`.
fn event(source: Source, caller: Caller, method: &str, path: &str) -> Value {
    let names: &[&str] = match caller {
        Caller::Admin => &["admin", "users"],
        _ => &["users"],
    };
    // Each authorizer's own format: ours a JSON array as text, the REST Cognito authorizer
    // comma-joined, the HTTP API JWT authorizer `[a b]`.
    let groups = serde_json::to_string(names).unwrap();
    let cognito_groups = names.join(",");
    let mut event: Value = match (source, caller) {
        (Source::RestLambda | Source::RestCognito, _) => serde_json::from_str(REST),
        (_, Caller::Anonymous) => serde_json::from_str(HTTP_NO_AUTHORIZER),
        (Source::HttpLambda, _) => serde_json::from_str(HTTP_LAMBDA),
        (Source::HttpJwt, _) => serde_json::from_str(HTTP_JWT),
    }
    .unwrap();
    match source {
        Source::RestLambda | Source::RestCognito => {
            // The fixture is a POST to /{proxy+} with a body; keep its proxy resource.
            event["httpMethod"] = json!(method);
            event["path"] = json!(path);
            event["pathParameters"] = json!({ "proxy": path.trim_start_matches('/') });
            event["requestContext"]["httpMethod"] = json!(method);
            event["requestContext"]["path"] = json!(format!("/testStage{path}"));
            event["requestContext"]["authorizer"] = match (source, caller) {
                (_, Caller::Anonymous) => Value::Null,
                (Source::RestLambda, _) => json!({
                    "principalId": "sub-1", "username": "alice", "groups": groups,
                    "scope": "api/read", "token_use": "access", "client_id": 1, "caller": "user"
                }),
                _ => json!({ "claims": {
                    "sub": "sub-1", "cognito:username": "alice", "cognito:groups": cognito_groups,
                    "scope": "api/read", "token_use": "access", "client_id": "1"
                }}),
            };
        }
        Source::HttpLambda | Source::HttpJwt => {
            event["rawPath"] = json!(path);
            event["requestContext"]["http"]["method"] = json!(method);
            event["requestContext"]["http"]["path"] = json!(path);
            match (source, caller) {
                (_, Caller::Anonymous) => {}
                (Source::HttpLambda, _) => {
                    event["requestContext"]["authorizer"]["lambda"] = json!({
                        "sub": "sub-1", "username": "alice", "groups": groups,
                        "scope": "api/read", "token_use": "access", "client_id": 1, "caller": "user"
                    });
                }
                _ => {
                    let jwt_groups = format!("[{}]", names.join(" "));
                    event["requestContext"]["authorizer"]["jwt"] = json!({
                        "claims": {
                            "sub": "sub-1", "username": "alice", "cognito:groups": jwt_groups,
                            "token_use": "access", "client_id": "1"
                        },
                        "scopes": ["api/read"]
                    });
                }
            }
        }
    }
    event
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().expect("a body")).unwrap()
}

const SOURCES: [Source; 4] = [
    Source::RestLambda,
    Source::RestCognito,
    Source::HttpLambda,
    Source::HttpJwt,
];

#[tokio::test]
async fn each_route_with_each_payload_and_authorizer() {
    let api = Api::new(Settings::default());
    let cases: &[(&str, &str, Caller, u16)] = &[
        ("GET", "/health", Caller::Anonymous, 200),
        ("GET", "/health", Caller::Member, 200),
        ("GET", "/hello", Caller::Member, 200),
        ("GET", "/hello", Caller::Anonymous, 401),
        ("GET", "/me", Caller::Member, 200),
        ("GET", "/me", Caller::Anonymous, 401),
        ("GET", "/admin", Caller::Admin, 200),
        ("GET", "/admin", Caller::Member, 403),
        ("GET", "/admin", Caller::Anonymous, 401),
        ("GET", "/hello/world", Caller::Member, 404),
        ("POST", "/hello", Caller::Member, 405),
        ("PUT", "/health", Caller::Anonymous, 405),
    ];
    for source in SOURCES {
        for &(method, path, caller, status) in cases {
            let what = format!("{source:?} {caller:?} {method} {path}");
            let response = api
                .handle(event(source, caller, method, path))
                .await
                .unwrap();
            assert_eq!(response["statusCode"], status, "{what}: {response}");
            assert_eq!(
                response["headers"]["content-type"], "application/json",
                "{what}"
            );
            let is_http = matches!(source, Source::HttpLambda | Source::HttpJwt);
            assert_eq!(
                response["cookies"].is_array(),
                is_http,
                "{what}: response format"
            );
            if status == 405 {
                assert_eq!(response["headers"]["allow"], "GET", "{what}");
            }
            if status >= 400 {
                assert!(body(&response)["message"].is_string(), "{what}");
            }
        }
    }
}

#[tokio::test]
async fn identity_reaches_the_handlers_from_each_authorizer() {
    let api = Api::new(Settings::default());
    for source in SOURCES {
        let me = api
            .handle(event(source, Caller::Admin, "GET", "/me"))
            .await
            .unwrap();
        assert_eq!(
            body(&me),
            json!({
                "sub": "sub-1", "username": "alice", "groups": ["admin", "users"],
                "scopes": ["api/read"], "token_use": "access", "client_id": "1",
                "caller": "user"
            }),
            "{source:?}"
        );
        let hello = api
            .handle(event(source, Caller::Member, "GET", "/hello"))
            .await
            .unwrap();
        assert_eq!(
            body(&hello),
            json!({"message": "Hello, alice!"}),
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn unmodified_fixtures_are_answered_not_rejected() {
    // The REST fixture is POST /hello/world with principalId "admin" and a numeric clientId;
    // the HTTP API fixtures are GET /my/path. None is our route: 404, never an error.
    let api = Api::new(Settings::default());
    for fixture in [REST, HTTP_LAMBDA, HTTP_JWT, HTTP_NO_AUTHORIZER] {
        let response = api
            .handle(serde_json::from_str(fixture).unwrap())
            .await
            .unwrap();
        assert_eq!(response["statusCode"], 404, "{response}");
    }
}

#[tokio::test]
async fn fixture_lambda_context_with_only_an_unrelated_key_is_anonymous() {
    // The HTTP API fixture's authorizer.lambda is {"key": "value"}: no sub, so no identity.
    let api = Api::new(Settings::default());
    let mut event: Value = serde_json::from_str(HTTP_LAMBDA).unwrap();
    event["rawPath"] = json!("/me");
    let response = api.handle(event).await.unwrap();
    assert_eq!(response["statusCode"], 401, "{response}");
}

/// The review's bypasses (issue "route-rule bypasses"): a REST API whose resource is
/// `/{proxy+}` on stage `prod`. The authorizer judges the method ARN's literal path
/// (`GET/prod/me`, `GET/me//`); the handler must route by the same path, so a spelling that
/// is not literally `/me` or `/admin` is never served as one, and a group name that merely
/// contains `admin` is not `admin`.
#[tokio::test]
async fn path_spellings_and_group_names_cannot_reach_a_protected_route() {
    let api = Api::new(Settings::default());
    let proxy_event = |proxy: &str, groups: &[&str]| {
        let mut event = event(Source::RestLambda, Caller::Member, "GET", "/x");
        event["path"] = json!(format!("/{proxy}"));
        event["pathParameters"] = json!({ "proxy": proxy });
        event["requestContext"]["path"] = json!(format!("/prod/{proxy}"));
        event["requestContext"]["stage"] = json!("prod");
        event["requestContext"]["authorizer"]["groups"] =
            json!(serde_json::to_string(groups).unwrap());
        event
    };
    // (proxy parameter, groups, status)
    let cases: &[(&str, &[&str], u16)] = &[
        ("me", &["staff"], 200),
        ("prod/me", &["staff"], 404),
        ("/me", &["staff"], 404),
        ("me/", &["staff"], 404),
        ("me//", &["staff"], 404),
        ("./me", &["staff"], 404),
        ("x/../me", &["staff"], 404),
        ("admin", &["admin"], 200),
        ("admin", &["ops,admin"], 403),
        ("admin", &["[admin]"], 403),
        ("admin", &["\"admin\""], 403),
        ("admin", &["x admin"], 403),
        ("admin", &["Admin"], 403),
        ("prod/admin", &["ops,admin"], 404),
    ];
    for (proxy, groups, status) in cases {
        let response = api.handle(proxy_event(proxy, groups)).await.unwrap();
        assert_eq!(
            response["statusCode"], *status,
            "{proxy} {groups:?}: {response}"
        );
    }

    // Issue 21.5: a `path` that does not spell the route the `proxy` parameter names reaches
    // no route (the authorizer judged the method ARN's path, `GET//me`, which no rule names).
    // (name, path, proxy parameter, status)
    let disagreeing = [
        ("the same route", "/me", "me", 200),
        ("a base path before it", "/v1/me", "me", 200),
        ("an empty segment", "//me", "me", 404),
        ("a dot segment", "/./me", "me", 404),
        ("a dot-dot segment", "/x/../me", "me", 404),
        ("a trailing slash", "/me/", "me", 404),
        ("another route", "/hello", "me", 404),
    ];
    for (name, path, proxy, status) in disagreeing {
        let mut event = proxy_event(proxy, &["staff"]);
        event["path"] = json!(path);
        let response = api.handle(event).await.unwrap();
        assert_eq!(response["statusCode"], status, "{name}: {response}");
    }

    // HTTP API `$default` route on a named stage: the stage is stripped from rawPath once,
    // where API Gateway put it (the API's own execute-api host), and nothing else is
    // rewritten. On a custom domain the API mapping picks the stage and the path has none.
    let http_event = |domain: &str, raw_path: &str| {
        let mut event = event(Source::HttpLambda, Caller::Member, "GET", raw_path);
        event["routeKey"] = json!("$default");
        event["requestContext"]["routeKey"] = json!("$default");
        event["requestContext"]["stage"] = json!("prod");
        event["requestContext"]["apiId"] = json!("abc123");
        event["requestContext"]["domainName"] = json!(domain);
        event
    };
    let execute_api = "abc123.execute-api.ap-northeast-1.amazonaws.com";
    for (domain, raw_path, status) in [
        (execute_api, "/prod/me", 200),
        (execute_api, "/prod/prod/me", 404),
        (execute_api, "/prod//me", 404),
        (execute_api, "/prod/me/", 404),
        (execute_api, "/me", 404),
        ("api.example.com", "/me", 200),
        ("api.example.com", "/prod/me", 404),
    ] {
        let response = api.handle(http_event(domain, raw_path)).await.unwrap();
        assert_eq!(
            response["statusCode"], status,
            "{domain}{raw_path}: {response}"
        );
    }
}

/// `/me` shows group names exactly as Cognito holds them, separators and all.
#[tokio::test]
async fn me_shows_group_names_exactly() {
    let api = Api::new(Settings::default());
    let names = ["ops,eu", "[beta]", "say \"hi\"", "admin"];
    let mut event = event(Source::HttpLambda, Caller::Member, "GET", "/me");
    event["requestContext"]["authorizer"]["lambda"]["groups"] =
        json!(serde_json::to_string(&names).unwrap());
    let response = api.handle(event).await.unwrap();
    assert_eq!(body(&response)["groups"], json!(names));
}
