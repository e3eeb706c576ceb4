//! The authorizer's answers to real API Gateway event shapes: the fixtures shipped in the
//! aws_lambda_events crate's source (tests/fixtures/, MIT licence) and our own events/, each
//! with a freshly minted token in place of the sample one.

mod common;
use common::{authorizer, statements};

use std::path::Path;

use authorizer::HttpApiResponse;
use authorizer::IdentitySources;
use authorizer::RouteRules;
use authorizer::{Authorizer, AuthorizerError};
use authorizer::{AuthorizerResponse, IdentityContext};
use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::iam::IamPolicyEffect;
use serde_json::{Value, json};
use testkit::TestKey;
use testkit::harness::*;

const PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";

/// An authorizer whose JWKS (serving the shared test key) is on 127.0.0.1; the server is
/// returned so tests can take it down.
fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn our_event(name: &str, token: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text.replace(PLACEHOLDER, token)).unwrap()
}

#[tokio::test]
async fn aws_token_fixture_gets_a_stage_wide_allow() {
    let (authorizer, _h) = authorizer("", HttpApiResponse::Simple).await;
    let mut event = fixture("example-apigw-custom-auth-request.json");
    ApiGatewayCustomAuthorizerRequest::deserialize_check(&event);
    event["authorizationToken"] = json!(format!("Bearer {}", id_token(TestKey::shared(0))));
    let response = authorizer
        .handle(&event.to_string())
        .await
        .unwrap()
        .to_json();
    assert_eq!(
        response["principalId"],
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    );
    assert_eq!(response["policyDocument"]["Version"], "2012-10-17");
    assert_eq!(
        statements(&response),
        vec![(
            "Allow".to_owned(),
            vec!["arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*".to_owned()]
        )]
    );
    let context = &response["context"];
    assert_eq!(context["sub"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(context["username"], "testuser");
    assert_eq!(context["token_use"], "id");
    assert_eq!(context["client_id"], CLIENT);
    // The issuer and its configured name: a backend keys users by (iss, sub).
    assert_eq!(
        context["iss"],
        format!("https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
    );
    assert_eq!(context["issuer_name"], POOL);
    assert_eq!(context["groups"], r#"["users"]"#);
    assert_eq!(context["email"], "testuser@example.com");
    assert_eq!(context["email_verified"], true);
    assert!(context["exp"].is_u64() && context["auth_time"].is_u64());
    assert!(context.get("scope").is_none(), "ID tokens have no scope");
    for (key, value) in context.as_object().unwrap() {
        assert!(
            value.is_string() || value.is_number() || value.is_boolean(),
            "context.{key} is not flat"
        );
    }
}

#[tokio::test]
async fn aws_request_fixture_reads_the_authorization_header_case_insensitively() {
    let (authorizer, _h) = authorizer("", HttpApiResponse::Simple).await;
    let token = access_token(TestKey::shared(0));
    for (name, value) in [
        ("Authorization", format!("Bearer {token}")),
        ("authorization", token.clone()),
        ("AUTHORIZATION", format!("  bearer   {token} ")),
    ] {
        let mut event = fixture("example-apigw-custom-auth-request-type-request.json");
        event["headers"][name] = json!(value);
        let typed: ApiGatewayCustomAuthorizerRequestTypeRequest =
            serde_json::from_value(event.clone()).unwrap();
        assert_eq!(
            typed.method_arn.as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request")
        );
        let response = authorizer
            .handle(&event.to_string())
            .await
            .unwrap()
            .to_json();
        assert_eq!(
            statements(&response),
            vec![(
                "Allow".to_owned(),
                vec!["arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/*/*".to_owned()]
            )],
            "{name}"
        );
        assert_eq!(response["context"]["token_use"], "access");
        assert_eq!(
            response["context"]["scope"],
            "aws.cognito.signin.user.admin"
        );
    }
    // No header at all: Unauthorized, and no key fetch needed to say so.
    let event = fixture("example-apigw-custom-auth-request-type-request.json");
    assert!(matches!(
        authorizer.handle(&event.to_string()).await,
        Err(AuthorizerError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn aws_http_v2_fixture_simple_and_iam_responses() {
    let token = id_token(TestKey::shared(0));
    let mut event = fixture("example-apigw-v2-custom-authorizer-v2-request.json");
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    let _: ApiGatewayV2CustomAuthorizerV2Request = serde_json::from_value(event.clone()).unwrap();

    // AWS's sample names two identity sources whose values are no header of the request:
    // not the shape this authorizer is deployed with (the Authorization header), so no answer.
    let (simple, _h) = authorizer("", HttpApiResponse::Simple).await;
    assert_eq!(
        simple.handle(&event.to_string()).await.unwrap_err(),
        AuthorizerError::IdentitySourceMismatch
    );
    event["identitySource"] = json!([format!("Bearer {token}")]);
    let response = simple.handle(&event.to_string()).await.unwrap().to_json();
    assert_eq!(response["isAuthorized"], true);
    assert_eq!(
        response["context"]["sub"],
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    );
    assert!(response.get("policyDocument").is_none());

    let (iam, _h) = authorizer("", HttpApiResponse::Iam).await;
    let response = iam.handle(&event.to_string()).await.unwrap().to_json();
    assert_eq!(
        response["principalId"],
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    );
    assert_eq!(
        statements(&response),
        vec![(
            "Allow".to_owned(),
            vec!["arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*/*".to_owned()]
        )]
    );
    assert!(response.get("usageIdentifierKey").is_none());
}

#[tokio::test]
async fn route_rules_become_denies_in_a_cacheable_policy() {
    let rules =
        r#"{"GET /admin": {"groups": ["admin"]}, "DELETE /items/*": {"scopes": ["items/write"]}}"#;
    let (authorizer, _h) = authorizer(rules, HttpApiResponse::Simple).await;
    let key = TestKey::shared(0);
    let arn = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";
    let event =
        |token: &str| json!({"type": "TOKEN", "authorizationToken": token, "methodArn": arn});

    let user = authorizer
        .handle(&event(&id_token(key)).to_string())
        .await
        .unwrap()
        .to_json();
    let base = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod";
    assert_eq!(
        statements(&user),
        vec![
            ("Allow".to_owned(), vec![format!("{base}/*/*")]),
            (
                "Deny".to_owned(),
                vec![
                    format!("{base}/DELETE/items/*"),
                    format!("{base}/GET/admin"),
                    format!("{base}/GET/admin/"),
                    format!("{base}/HEAD/admin"),
                    format!("{base}/HEAD/admin/"),
                ]
            ),
        ]
    );

    // The JSON is exactly what aws_lambda_events' response type reads, and holds the typed
    // policy document.
    let typed: ApiGatewayCustomAuthorizerResponse<IdentityContext> =
        serde_json::from_value(user.clone()).unwrap();
    assert_eq!(
        typed.principal_id.as_deref(),
        Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    );
    assert_eq!(typed.policy_document.version.as_deref(), Some("2012-10-17"));
    assert_eq!(typed.context.groups, r#"["users"]"#);
    let AuthorizerResponse::Policy(policy) = authorizer
        .handle(&event(&id_token(key)).to_string())
        .await
        .unwrap()
    else {
        panic!("a TOKEN event gets a REST policy")
    };
    assert_eq!(policy.policy_document, typed.policy_document);
    for statement in &typed.policy_document.statement {
        assert_eq!(statement.action, vec!["execute-api:Invoke"]);
    }

    let admin_token = token_with(key, "access", |c| {
        c.insert("cognito:groups".into(), json!(["admin"]));
        c.insert("scope".into(), json!("items/write openid"));
    });
    let admin = authorizer
        .handle(&event(&admin_token).to_string())
        .await
        .unwrap()
        .to_json();
    assert_eq!(
        statements(&admin),
        vec![("Allow".to_owned(), vec![format!("{base}/*/*")])]
    );
}

#[tokio::test]
async fn simple_responses_apply_route_rules_to_the_route_called() {
    let rules = r#"{"GET /admin": {"groups": ["admin"]}}"#;
    let (no_rules, _h0) = authorizer("", HttpApiResponse::Simple).await;
    let (mut unkeyed, _h1) = authorizer(rules, HttpApiResponse::Simple).await;
    let (authorizer, _h) = authorizer(rules, HttpApiResponse::Simple).await;
    let key = TestKey::shared(0);
    let admin = token_with(key, "id", |c| {
        c.insert("cognito:groups".into(), json!(["admin"]));
    });
    let user = id_token(key);
    // (token, routeArn tail, routeKey, allowed)
    let cases = [
        (&user, "GET/hello", "GET /hello", true),
        (&user, "GET/admin", "GET /admin", false),
        (&user, "GET/admin/", "GET /admin", false),
        (&user, "HEAD/admin", "HEAD /admin", false),
        (&admin, "GET/admin", "GET /admin", true),
        // The matched route decides even when the ARN's path looks harmless.
        (&user, "GET/hello", "GET /admin", false),
        // Requests whose coverage cannot be decided literally are refused when rules exist.
        (&user, "$default", "$default", false),
        (&user, "ANY/{proxy+}", "ANY /{proxy+}", false),
        (&user, "GET//admin", "$default", false),
        (&user, "GET/%61dmin", "$default", false),
        (&user, "GET/ADMIN", "GET /ADMIN", true),
        // Routes that stand for many requests are refused, whatever the request and caller:
        // the answer is cached per route key and reused for every request the route matches.
        // AWS's documented 2.0 event has routeKey $default and the request path in routeArn.
        (&user, "GET/Admin", "$default", false),
        (&user, "GET/hello", "$default", false),
        (&admin, "GET/admin", "$default", false),
        (&user, "GET/hello", "ANY /{proxy+}", false),
        (&user, "GET/hello", "GET /{proxy+}", false),
        (&user, "GET/items/1", "GET /items/{id}", false),
        (&user, "GET/hello", "ANY /hello", false),
        (&admin, "GET/admin", "ANY /admin", false),
        // The request must be the route key's own route.
        (&user, "GET/admin", "GET /hello", false),
        (&user, "POST/hello", "GET /hello", false),
    ];
    for (token, route, route_key, allowed) in cases {
        let event = http_v2_event(token, route, route_key, &[token.as_str(), route_key]);
        let response = authorizer
            .handle(&event.to_string())
            .await
            .unwrap()
            .to_json();
        assert_eq!(response["isAuthorized"], allowed, "{route} ({route_key})");
    }

    // Without $context.routeKey among the identity sources, API Gateway would reuse the answer
    // for every route: refused as a configuration error (500), whatever the token.
    let event = http_v2_event(&admin, "GET/hello", "GET /hello", &[admin.as_str()]);
    let error = authorizer.handle(&event.to_string()).await.unwrap_err();
    assert_eq!(error, AuthorizerError::IdentitySourceMismatch);
    assert_ne!(error.to_string(), "Unauthorized");
    // The same when a library caller drops the route key from the identity sources itself:
    // the rule holds whatever built the authorizer.
    unkeyed.identity_sources = IdentitySources::parse("$request.header.Authorization").unwrap();
    assert_eq!(
        unkeyed.handle(&event.to_string()).await.unwrap_err(),
        AuthorizerError::IdentitySourceMismatch
    );

    // Without route rules there is nothing route-specific to cache: the token alone is the
    // configured identity source.
    let response = no_rules.handle(&event.to_string()).await.unwrap().to_json();
    assert_eq!(response["isAuthorized"], true);
}

/// The identity-source guard is structural: every value of `identitySource` must be what its
/// configured source says about this request, so values that merely look right never pass.
#[tokio::test]
async fn identity_sources_must_have_the_configured_shape() {
    let rules = r#"{"GET /admin": {"groups": ["admin"]}}"#;
    let (plain, _h) = authorizer(rules, HttpApiResponse::Simple).await;
    let (mut tenant, _h2) = authorizer(rules, HttpApiResponse::Simple).await;
    tenant.identity_sources = IdentitySources::parse(
        "$request.header.Authorization,$request.header.X-Tenant,$context.routeKey",
    )
    .unwrap();
    let token = id_token(TestKey::shared(0));
    let event = |sources: &[&str], tenant_header: Option<&str>| {
        let mut event = http_v2_event(&token, "GET/hello", "GET /hello", sources);
        if let Some(value) = tenant_header {
            event["headers"]["x-tenant"] = json!(value);
        }
        event
    };
    let t = token.as_str();
    // (authorizer, identitySource values, X-Tenant header, answered)
    let cases: &[(&Authorizer, &[&str], Option<&str>, bool)] = &[
        (&plain, &[t, "GET /hello"], None, true),
        // A client header that says the route could be standing in for the route key in a
        // deployment that differs from the configuration (review R2): refused.
        (&plain, &[t, "GET /hello"], Some("GET /hello"), false),
        (&plain, &["GET /hello", t], None, false),
        (&plain, &[t], Some("GET /hello"), false),
        (
            &plain,
            &[t, "GET /hello", "GET /hello"],
            Some("GET /hello"),
            false,
        ),
        // Deployed as [X-Tenant, routeKey]: the token is not part of the cache key.
        (
            &plain,
            &["GET /hello", "GET /hello"],
            Some("GET /hello"),
            false,
        ),
        (&plain, &["acme", "GET /hello"], Some("acme"), false),
        (&plain, &[t, "GET /admin"], None, false),
        (&tenant, &[t, "acme", "GET /hello"], Some("acme"), true),
        (&tenant, &[t, "acme", "GET /hello"], Some("other"), false),
        (&tenant, &[t, "acme", "GET /hello"], None, false),
        (&tenant, &[t, "GET /hello"], Some("GET /hello"), false),
        (&tenant, &[t, "GET /hello", "acme"], Some("acme"), false),
    ];
    for (index, (authorizer, sources, header, answered)) in cases.iter().enumerate() {
        let outcome = authorizer
            .handle(&event(sources, *header).to_string())
            .await;
        if *answered {
            assert_eq!(
                outcome.unwrap().to_json()["isAuthorized"],
                true,
                "case {index}"
            );
        } else {
            assert_eq!(
                outcome.unwrap_err(),
                AuthorizerError::IdentitySourceMismatch,
                "case {index}"
            );
        }
    }
}

/// Review R2: a deployment whose second identity source is a client header instead of the
/// route key sends the very event a correct one would, when the client sets that header to
/// the route key's text. Such an event is refused (500, not cached), whether the text arrives
/// in a header, a query parameter or a cookie.
#[tokio::test]
async fn a_route_key_the_client_could_have_sent_is_refused() {
    let rules = r#"{"GET /admin": {"groups": ["admin"]}}"#;
    let (authorizer, _h) = authorizer(rules, HttpApiResponse::Simple).await;
    let token = id_token(TestKey::shared(0));
    let sources = [token.as_str(), "GET /hello"];
    let plain = http_v2_event(&token, "GET/hello", "GET /hello", &sources);
    assert_eq!(
        authorizer
            .handle(&plain.to_string())
            .await
            .unwrap()
            .to_json()["isAuthorized"],
        true
    );
    let mut header = plain.clone();
    header["headers"]["x-tenant"] = json!("GET /hello");
    let mut query = plain.clone();
    query["queryStringParameters"] = json!({"t": "GET /hello"});
    // A query value may spell the route key's space as `+`.
    let mut plus_query = plain.clone();
    plus_query["queryStringParameters"] = json!({"t": "GET+/hello"});
    let mut cookie = plain.clone();
    cookie["cookies"] = json!(["t=GET /hello"]);
    // A repeated header arrives comma-joined; a value holding the route key is refused too.
    let mut repeated = plain.clone();
    repeated["headers"]["x-tenant"] = json!("GET /hello,acme");
    for (case, event) in [
        ("header", header),
        ("query", query),
        ("query with + for the space", plus_query),
        ("cookie", cookie),
        ("repeated header", repeated),
    ] {
        assert_eq!(
            authorizer.handle(&event.to_string()).await.unwrap_err(),
            AuthorizerError::IdentitySourceMismatch,
            "{case}"
        );
    }
    // Harmless other values still pass.
    let mut other = plain.clone();
    other["headers"]["x-tenant"] = json!("acme");
    other["cookies"] = json!(["session=abc"]);
    assert_eq!(
        authorizer
            .handle(&other.to_string())
            .await
            .unwrap()
            .to_json()["isAuthorized"],
        true
    );
}

/// Review R3: HTTP API payload 1.0 events carry `identitySource` as one comma-joined string,
/// and are cached by it like 2.0 events: they are checked the same way.
#[tokio::test]
async fn http_api_payload_1_0_identity_sources_are_checked_too() {
    let (authorizer, _h) = authorizer("", HttpApiResponse::Iam).await;
    let token = format!("Bearer {}", id_token(TestKey::shared(0)));
    let event = |identity_source: &str| {
        json!({
            "version": "1.0", "type": "REQUEST",
            "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/me",
            "identitySource": identity_source,
            "headers": {"Authorization": token, "X-Tenant": "tenant-a"},
        })
    };
    let allowed = authorizer
        .handle(&event(&token).to_string())
        .await
        .unwrap()
        .to_json();
    assert_eq!(statements(&allowed)[0].0, "Allow");
    for wrong in ["tenant-a", "", "tenant-a,Bearer x"] {
        assert_eq!(
            authorizer
                .handle(&event(wrong).to_string())
                .await
                .unwrap_err(),
            AuthorizerError::IdentitySourceMismatch,
            "{wrong}"
        );
    }
    let mut no_source = event(&token);
    no_source.as_object_mut().unwrap().remove("identitySource");
    assert_eq!(
        authorizer.handle(&no_source.to_string()).await.unwrap_err(),
        AuthorizerError::IdentitySourceMismatch
    );
    // REST REQUEST events (no `version`) carry no identitySource and are not checked.
    let mut rest = event(&token);
    let rest_map = rest.as_object_mut().unwrap();
    rest_map.remove("version");
    rest_map.remove("identitySource");
    assert_eq!(
        statements(
            &authorizer
                .handle(&rest.to_string())
                .await
                .unwrap()
                .to_json()
        )[0]
        .0,
        "Allow"
    );
}

/// A valid token that lacks `REQUIRED_SCOPES` or `REQUIRED_GROUPS` is a permission problem:
/// 403 on every route (a whole-stage Deny, or `isAuthorized: false`), not 401.
#[tokio::test]
async fn missing_required_scope_or_group_is_forbidden_not_unauthorized() {
    let key = TestKey::shared(0);
    let arn = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";
    let stage = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/*/*";
    for (requirement, reason) in [("scope", "missing_scope"), ("group", "missing_group")] {
        let lacking = access_token(key);
        let holding = token_with(key, "access", |c| {
            c.insert("scope".into(), json!("items/read"));
            c.insert("cognito:groups".into(), json!(["admin"]));
        });
        for http in [HttpApiResponse::Simple, HttpApiResponse::Iam] {
            let Harness {
                verifier,
                server: _server,
                ..
            } = harness(&[key], |config| match requirement {
                "scope" => config.required_scopes = vec!["items/read".into()],
                _ => config.required_groups = vec!["admin".into()],
            })
            .await;
            let authorizer = Authorizer::new(verifier, RouteRules::default(), http);
            let rest = json!({"type": "TOKEN", "authorizationToken": lacking, "methodArn": arn});
            let denied = authorizer
                .handle(&rest.to_string())
                .await
                .unwrap()
                .to_json();
            assert_eq!(
                statements(&denied),
                vec![("Deny".to_owned(), vec![stage.to_owned()])],
                "{reason}"
            );
            assert_eq!(
                denied["principalId"],
                "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
            );
            assert!(denied.get("context").is_none(), "{denied}");
            let typed: ApiGatewayCustomAuthorizerResponse<Option<Value>> =
                serde_json::from_value(denied).unwrap();
            assert_eq!(
                typed.policy_document.statement[0].effect,
                IamPolicyEffect::Deny
            );

            let v2 = http_v2_event(&lacking, "GET/hello", "GET /hello", &[lacking.as_str()]);
            let answer = authorizer.handle(&v2.to_string()).await.unwrap().to_json();
            match http {
                HttpApiResponse::Simple => {
                    assert_eq!(answer, json!({"isAuthorized": false}), "{reason}");
                }
                HttpApiResponse::Iam => assert_eq!(
                    statements(&answer),
                    vec![(
                        "Deny".to_owned(),
                        vec![
                            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/*/*"
                                .to_owned()
                        ]
                    )]
                ),
            }

            let rest = json!({"type": "TOKEN", "authorizationToken": holding, "methodArn": arn});
            let allowed = authorizer
                .handle(&rest.to_string())
                .await
                .unwrap()
                .to_json();
            assert_eq!(
                statements(&allowed),
                vec![("Allow".to_owned(), vec![stage.to_owned()])]
            );
        }
    }
}

fn http_v2_event(token: &str, route: &str, route_key: &str, identity_source: &[&str]) -> Value {
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": format!("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/{route}"),
        "identitySource": identity_source, "routeKey": route_key, "rawPath": "/x", "rawQueryString": "",
        "headers": {"authorization": token},
        "requestContext": {"accountId": "123456789012", "apiId": "abcdef123", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "GET", "path": "/x", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
            "requestId": "r", "routeKey": route_key, "stage": "$default", "time": "t", "timeEpoch": 0}
    })
}

#[tokio::test]
async fn invalid_tokens_and_events_never_yield_an_allow() {
    let (authorizer, _h) = authorizer("", HttpApiResponse::Simple).await;
    let key = TestKey::shared(0);
    let arn = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";
    let good = id_token(key);
    let expired = token_with(key, "id", |c| {
        c.insert("exp".into(), json!(testkit::now() - 10));
    });
    let unauthorized = [
        json!({"type": "TOKEN", "authorizationToken": "", "methodArn": arn}),
        json!({"type": "TOKEN", "authorizationToken": "Bearer", "methodArn": arn}),
        json!({"type": "TOKEN", "methodArn": arn}),
        json!({"type": "TOKEN", "authorizationToken": format!("Basic {good}"), "methodArn": arn}),
        json!({"type": "TOKEN", "authorizationToken": expired, "methodArn": arn}),
        json!({"type": "TOKEN", "authorizationToken": format!("{good}x"), "methodArn": arn}),
    ];
    for event in unauthorized {
        let error = authorizer.handle(&event.to_string()).await.unwrap_err();
        assert!(
            matches!(error, AuthorizerError::Unauthorized { .. }),
            "{event}"
        );
        assert_eq!(error.to_string(), "Unauthorized");
    }

    let broken_arns = [
        json!({"type": "TOKEN", "authorizationToken": good, "methodArn": "arn:aws:execute-api:us-east-1:*:*/*/*/*"}),
        json!({"type": "TOKEN", "authorizationToken": good, "methodArn": "garbage"}),
        json!({"type": "TOKEN", "authorizationToken": good}),
        json!({"type": "TOKEN", "authorizationToken": good, "methodArn": 42}),
    ];
    for event in broken_arns {
        let error = authorizer.handle(&event.to_string()).await.unwrap_err();
        assert_ne!(error.to_string(), "Unauthorized", "{event}");
        assert!(
            matches!(
                error,
                AuthorizerError::InvalidMethodArn | AuthorizerError::UnsupportedEvent
            ),
            "{event}"
        );
    }

    for event in [
        json!({}),
        json!([]),
        json!(null),
        json!({"type": "COOKIE"}),
        json!({"version": "2.0"}),
        json!({"type": "TOKEN", "authorizationToken": 5, "methodArn": arn}),
    ] {
        assert_eq!(
            authorizer.handle(&event.to_string()).await.unwrap_err(),
            AuthorizerError::UnsupportedEvent,
            "{event}"
        );
    }

    // Two Authorization headers are ambiguous.
    let mut event = fixture("example-apigw-custom-auth-request-type-request.json");
    event["multiValueHeaders"] = json!({"Authorization": [good.clone(), good.clone()]});
    event["headers"]["Authorization"] = json!(good);
    assert!(matches!(
        authorizer.handle(&event.to_string()).await,
        Err(AuthorizerError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn keys_unavailable_is_not_unauthorized() {
    let (authorizer, server) = authorizer("", HttpApiResponse::Simple).await;
    server.set_mode(testkit::Mode::Down);
    let event = json!({"type": "TOKEN", "authorizationToken": id_token(TestKey::shared(0)),
        "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello"});
    let error = authorizer.handle(&event.to_string()).await.unwrap_err();
    assert_eq!(error, AuthorizerError::KeysUnavailable);
    assert_ne!(error.to_string(), "Unauthorized");
}

#[tokio::test]
async fn our_events_directory_is_answered_as_documented() {
    let rules = r#"{"GET /admin": {"groups": ["admin"]}}"#;
    let (rest, _h1) = authorizer(rules, HttpApiResponse::Simple).await;
    let token = id_token(TestKey::shared(0));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("authorizer-") || name.ends_with(".local.json") {
            continue;
        }
        let event = our_event(&name, &token);
        // Each file is a valid instance of its aws_lambda_events type.
        match event.get("version").and_then(Value::as_str) {
            Some("2.0") => drop(
                serde_json::from_value::<ApiGatewayV2CustomAuthorizerV2Request>(event.clone())
                    .unwrap(),
            ),
            _ if event["type"] == "TOKEN" => drop(
                serde_json::from_value::<ApiGatewayCustomAuthorizerRequest>(event.clone()).unwrap(),
            ),
            _ => drop(
                serde_json::from_value::<ApiGatewayCustomAuthorizerRequestTypeRequest>(
                    event.clone(),
                )
                .unwrap(),
            ),
        }
        let outcome = rest.handle(&event.to_string()).await;
        if name.contains("missing-token") || name.contains("invalid") {
            assert!(
                matches!(outcome, Err(AuthorizerError::Unauthorized { .. })),
                "{name}: {outcome:?}"
            );
        } else if name.contains("admin") && name.contains("v2") {
            assert_eq!(
                outcome.unwrap().to_json()["isAuthorized"],
                false,
                "{name}: not an admin"
            );
        } else {
            let response = outcome
                .unwrap_or_else(|e| panic!("{name}: {e:?}"))
                .to_json();
            let allowed = response["isAuthorized"] == true
                || statements(&response)
                    .iter()
                    .any(|(effect, _)| effect == "Allow");
            assert!(allowed, "{name}: {response}");
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected authorizer events in {}",
        dir.display()
    );
}

trait DeserializeCheck {
    fn deserialize_check(event: &Value);
}

impl DeserializeCheck for ApiGatewayCustomAuthorizerRequest {
    fn deserialize_check(event: &Value) {
        let typed: ApiGatewayCustomAuthorizerRequest =
            serde_json::from_value(event.clone()).unwrap();
        assert_eq!(typed.type_.as_deref(), Some("TOKEN"));
    }
}

#[tokio::test]
async fn raw_json_events_are_read_like_parsed_ones() {
    let (authorizer, _h) = authorizer("", HttpApiResponse::Simple).await;
    let mut event = fixture("example-apigw-custom-auth-request.json");
    event["authorizationToken"] = json!(format!("Bearer {}", id_token(TestKey::shared(0))));
    let text = event.to_string();
    let answer = authorizer.handle(&text).await.unwrap().to_json();
    assert_eq!(statements(&answer)[0].0, "Allow");
    assert_eq!(
        answer["principalId"],
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    );

    for broken in [
        "",
        "{",
        "null",
        "[]",
        "not json",
        &format!("{text} {{}}"),
        &format!("{text}x"),
    ] {
        assert_eq!(
            authorizer.handle(broken).await.unwrap_err(),
            AuthorizerError::UnsupportedEvent,
            "{broken:.40}"
        );
    }
}
