//! The gateway over HTTP with both functions in-process, against tokens minted with test keys
//! and a loopback JWKS server (no Cognito needed: these run in every `cargo test`). The same
//! flow against moto's real tokens is in the workspace's tests/e2e/guide_flow.rs.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use local_gateway::authorize::AuthorizerKind;
use local_gateway::config::{API_ID, in_process};
use local_gateway::invoke::{Function, Functions, InvokeError, LambdaClient};
use local_gateway::request::ApiContext;
use local_gateway::routes::RouteLayout;
use local_gateway::{Gateway, GatewayConfig, server};
use serde_json::{Value, json};
use testkit::{JwksServer, Mode, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_TestPool1";
const CLIENT: &str = "190d8ar0cc5pc1isoec2s5ncvb";

struct Stack {
    gateway: Arc<Gateway>,
    base: String,
    jwks: JwksServer,
}

fn key() -> &'static TestKey {
    TestKey::shared(0)
}

fn token(token_use: &str, groups: &[&str]) -> String {
    let mut claims = cognito_claims(POOL, CLIENT, token_use);
    claims["cognito:groups"] = json!(groups);
    mint(key(), &json!({"kid": key().kid, "alg": "RS256"}), &claims)
}

fn lookup(jwks: &JwksServer) -> impl Fn(&str) -> Option<String> + Clone + use<> {
    let endpoint = jwks.base_url();
    move |name: &str| match name {
        "USER_POOL_ID" => Some(POOL.to_owned()),
        "APP_CLIENT_ID" => Some(CLIENT.to_owned()),
        "COGNITO_ENDPOINT" => Some(endpoint.clone()),
        _ => None,
    }
}

fn config(kind: AuthorizerKind, ttl: u64) -> GatewayConfig {
    GatewayConfig {
        kind,
        routes: RouteLayout::Template,
        cors_origin: None,
        ttl: Duration::from_secs(ttl),
        api: ApiContext {
            region: "ap-northeast-1".into(),
            account: "123456789012".into(),
            api_id: API_ID.into(),
            stage: if kind == AuthorizerKind::Http {
                "$default"
            } else {
                "prod"
            }
            .into(),
        },
    }
}

async fn stack_with(
    kind: AuthorizerKind,
    ttl: u64,
    wrap: impl FnOnce(Functions) -> Functions,
) -> Stack {
    let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
    let functions = wrap(
        in_process(lookup(&jwks))
            .await
            .expect("in-process functions"),
    );
    let gateway = Arc::new(Gateway::new(config(kind, ttl), functions));
    let addr = server::spawn(Arc::clone(&gateway)).await.unwrap();
    Stack {
        gateway,
        base: format!("http://{addr}"),
        jwks,
    }
}

async fn stack(kind: AuthorizerKind, ttl: u64) -> Stack {
    stack_with(kind, ttl, |f| f).await
}

/// GET `path` with `Authorization: Bearer <token>` when given: (status, JSON body).
async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn rest_token_flow_like_api_gateway() {
    let s = stack(AuthorizerKind::Token, 0).await;
    let (user, admin) = (token("id", &["users"]), token("access", &["admin"]));

    assert_eq!(
        get(&s.base, "/health", None).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        get(&s.base, "/me", None).await,
        (401, json!({"message": "Unauthorized"}))
    );
    assert_eq!(
        s.gateway.authorizer_invocations(),
        0,
        "no token: the authorizer is not invoked"
    );

    let (status, me) = get(&s.base, "/me", Some(&user)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sub"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(me["token_use"], "id");
    assert_eq!(me["groups"], json!(["users"]));
    let (status, me) = get(&s.base, "/me", Some(&admin)).await;
    assert_eq!((status, &me["token_use"]), (200, &json!("access")));

    let mut tampered = user.clone();
    tampered.insert(tampered.len() - 2, 'A');
    assert_eq!(
        get(&s.base, "/me", Some(&tampered)).await,
        (401, json!({"message": "Unauthorized"}))
    );

    let denied =
        json!({"message": "User is not authorized to access this resource with an explicit deny"});
    assert_eq!(
        get(&s.base, "/admin", Some(&user)).await,
        (403, denied.clone())
    );
    assert_eq!(get(&s.base, "/admin/", Some(&user)).await, (403, denied));
    assert_eq!(get(&s.base, "/admin", Some(&admin)).await.0, 200);

    let missing = json!({"message": "Missing Authentication Token"});
    assert_eq!(get(&s.base, "/nope", Some(&user)).await, (403, missing));
    // TTL 0: every protected request above invoked the authorizer.
    assert_eq!(s.gateway.authorizer_invocations(), 6);
}

#[tokio::test]
async fn cached_policies_apply_to_other_routes_until_the_ttl() {
    let s = stack(AuthorizerKind::Token, 300).await;
    let user = token("id", &["users"]);
    assert_eq!(get(&s.base, "/hello", Some(&user)).await.0, 200);
    assert_eq!(s.gateway.authorizer_invocations(), 1);
    // The Allow cached while calling /hello covers the whole stage...
    assert_eq!(get(&s.base, "/me", Some(&user)).await.0, 200);
    // ...but still carries the Deny for /admin.
    assert_eq!(get(&s.base, "/admin", Some(&user)).await.0, 403);
    assert_eq!(
        s.gateway.authorizer_invocations(),
        1,
        "served from the cache"
    );
    // Another token is another cache entry.
    assert_eq!(
        get(&s.base, "/me", Some(&token("access", &[]))).await.0,
        200
    );
    assert_eq!(s.gateway.authorizer_invocations(), 2);
    // Rejections are not cached.
    for _ in 0..2 {
        assert_eq!(get(&s.base, "/me", Some("not-a-jwt")).await.0, 401);
    }
    assert_eq!(s.gateway.authorizer_invocations(), 4);
}

#[tokio::test]
async fn keys_cached_at_warm_up_outlive_the_jwks_endpoint() {
    let s = stack(AuthorizerKind::Token, 0).await;
    assert_eq!(get(&s.base, "/me", Some(&token("id", &[]))).await.0, 200);
    let hits = s.jwks.hits();
    assert!(hits >= 1);
    s.jwks.set_mode(Mode::Down);
    for token_use in ["id", "access", "id"] {
        assert_eq!(
            get(&s.base, "/me", Some(&token(token_use, &[]))).await.0,
            200
        );
    }
    assert_eq!(s.jwks.hits(), hits, "no JWKS fetch needed for a known kid");
}

#[tokio::test]
async fn jwks_unreachable_from_the_start_is_a_500_not_a_401() {
    let jwks = JwksServer::start("{}").await;
    jwks.set_mode(Mode::Down);
    let functions = in_process(lookup(&jwks)).await.unwrap();
    let gateway = Arc::new(Gateway::new(config(AuthorizerKind::Token, 300), functions));
    let base = format!("http://{}", server::spawn(gateway).await.unwrap());
    assert_eq!(
        get(&base, "/me", Some(&token("id", &[]))).await,
        (500, json!({"message": null}))
    );
}

#[tokio::test]
async fn rest_request_authorizer() {
    let s = stack(AuthorizerKind::Request, 300).await;
    let user = token("id", &["users"]);
    assert_eq!(get(&s.base, "/me", None).await.0, 401);
    assert_eq!(get(&s.base, "/me", Some(&user)).await.0, 200);
    assert_eq!(get(&s.base, "/admin", Some(&user)).await.0, 403);
    assert_eq!(
        get(&s.base, "/admin", Some(&token("id", &["admin"])))
            .await
            .0,
        200
    );
    assert_eq!(s.gateway.authorizer_invocations(), 2);
}

#[tokio::test]
async fn http_api_simple_responses_are_cached_per_route() {
    let s = stack(AuthorizerKind::Http, 300).await;
    let user = token("access", &["users"]);
    assert_eq!(
        get(&s.base, "/me", None).await,
        (401, json!({"message": "Unauthorized"}))
    );
    let (status, me) = get(&s.base, "/me", Some(&user)).await;
    assert_eq!((status, &me["token_use"]), (200, &json!("access")));
    assert_eq!(
        get(&s.base, "/admin", Some(&user)).await,
        (403, json!({"message": "Forbidden"}))
    );
    assert_eq!(get(&s.base, "/me", Some(&user)).await.0, 200);
    // One invocation per (token, route): the simple answer is only valid for its route.
    assert_eq!(s.gateway.authorizer_invocations(), 2);
    assert_eq!(
        get(&s.base, "/nope", Some(&user)).await,
        (404, json!({"message": "Not Found"}))
    );
}

/// A minimal Lambda Invoke API in front of in-process functions, speaking Lambda's error
/// format (200 + `X-Amz-Function-Error`), so the gateway's Invoke API client is exercised.
async fn fake_lambda(functions: Functions) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let functions = Arc::new(functions);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let functions = Arc::clone(&functions);
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let functions = Arc::clone(&functions);
                    async move {
                        let function = match request.uri().path() {
                            "/2015-03-31/functions/authorizer/invocations" => {
                                Some(Function::Authorizer)
                            }
                            "/2015-03-31/functions/api-handler/invocations" => Some(Function::Api),
                            _ => None,
                        };
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let event: Value = serde_json::from_slice(&body).unwrap();
                        let mut response = hyper::Response::builder();
                        let answer = match function {
                            None => {
                                response = response.status(404);
                                json!({"message": "Function not found"})
                            }
                            Some(function) => match functions.invoke(function, &event).await {
                                Ok(answer) => answer,
                                Err(InvokeError::Function {
                                    error_type,
                                    error_message,
                                }) => {
                                    response = response.header("x-amz-function-error", "Unhandled");
                                    json!({"errorType": error_type, "errorMessage": error_message})
                                }
                                Err(InvokeError::Transport(message)) => panic!("{message}"),
                            },
                        };
                        Ok::<_, Infallible>(
                            response
                                .body(Full::new(Bytes::from(answer.to_string())))
                                .unwrap(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn functions_behind_the_lambda_invoke_api() {
    let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
    let endpoint = fake_lambda(in_process(lookup(&jwks)).await.unwrap()).await;
    let client = LambdaClient::new(
        &endpoint,
        "authorizer",
        "api-handler",
        Duration::from_secs(5),
    )
    .unwrap();
    let gateway = Arc::new(Gateway::new(
        config(AuthorizerKind::Token, 0),
        Functions::Lambda(client),
    ));
    let base = format!(
        "http://{}",
        server::spawn(Arc::clone(&gateway)).await.unwrap()
    );
    let user = token("id", &["users"]);
    assert_eq!(get(&base, "/me", Some(&user)).await.0, 200);
    assert_eq!(get(&base, "/me", Some("garbage")).await.0, 401);
    assert_eq!(get(&base, "/admin", Some(&user)).await.0, 403);
    assert_eq!(
        get(&base, "/admin", Some(&token("id", &["admin"]))).await.0,
        200
    );
    assert_eq!(get(&base, "/health", None).await.0, 200);
    assert_eq!(gateway.authorizer_invocations(), 4);

    // A function name the endpoint does not know: the gateway answers 500 (authorizer) or
    // 502 (integration), as API Gateway does.
    let wrong = LambdaClient::new(&endpoint, "nope", "nope", Duration::from_secs(5)).unwrap();
    let gateway = Arc::new(Gateway::new(
        config(AuthorizerKind::Token, 0),
        Functions::Lambda(wrong),
    ));
    let base = format!("http://{}", server::spawn(gateway).await.unwrap());
    assert_eq!(get(&base, "/me", Some(&user)).await.0, 500);
    assert_eq!(
        get(&base, "/health", None).await,
        (502, json!({"message": "Internal server error"}))
    );
}

/// The review's reproductions, end to end: every path behind one catch-all (a REST
/// `ANY /{proxy+}` resource on stage `prod`, or the HTTP API `$default` route), with
/// `GET /admin` for `admin` and `GET /me` for the `profile/read` scope. A caller in group
/// `staff` without the scope, or in a group whose name merely contains `admin`, never gets
/// a 200 from a protected handler, whatever the spelling of the path.
#[tokio::test]
async fn greedy_routes_cannot_be_spelled_around_the_rules() {
    const RULES: &str =
        r#"{"GET /admin":{"groups":["admin"]},"GET /me":{"scopes":["profile/read"]}}"#;
    let staff = token("access", &["staff"]);
    let mut scoped_claims = cognito_claims(POOL, CLIENT, "access");
    scoped_claims["cognito:groups"] = json!(["staff"]);
    scoped_claims["scope"] = json!("profile/read");
    let scoped = mint(
        key(),
        &json!({"kid": key().kid, "alg": "RS256"}),
        &scoped_claims,
    );
    let admin = token("access", &["admin"]);

    for (kind, response) in [
        (AuthorizerKind::Token, "simple"),
        (AuthorizerKind::Http, "iam"),
        (AuthorizerKind::Http, "simple"),
    ] {
        let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
        let base_lookup = lookup(&jwks);
        let functions = in_process(move |name: &str| match name {
            "ROUTE_RULES" => Some(RULES.to_owned()),
            "HTTP_API_RESPONSE" => Some(response.to_owned()),
            other => base_lookup(other),
        })
        .await
        .expect("in-process functions");
        let mut config = config(kind, 0);
        config.routes = RouteLayout::Greedy;
        let gateway = Arc::new(Gateway::new(config, functions));
        let base = format!("http://{}", server::spawn(gateway).await.unwrap());

        let what = format!("{kind:?} {response}");
        let simple_with_rules = kind == AuthorizerKind::Http && response == "simple";
        // (path, token, status): what a greedy REST API or an HTTP API with IAM policies
        // answers. Simple responses with rules refuse every `$default` request (403): the
        // answer would be cached for the route key, which stands for every path.
        let cases: &[(&str, &str, u16)] = &[
            ("/me", &scoped, 200),
            ("/admin", &admin, 200),
            ("/me", &staff, 403),
            ("/admin", &staff, 403),
            ("/prod/me", &staff, 404),
            // Spellings no rule could name: the authorizer denies them (issue 21.5).
            ("/prod//me", &staff, 403),
            ("/me//", &staff, 403),
            ("/prod//me", &scoped, 403),
            ("/me//", &scoped, 403),
            ("/me/", &staff, 403),
            ("/prod/prod/admin", &staff, 404),
            ("/admin/", &staff, 403),
            ("/Admin", &staff, 404),
        ];
        for (path, token, status) in cases {
            let expected = if simple_with_rules { 403 } else { *status };
            let (got, body) = get(&base, path, Some(token)).await;
            assert_eq!(got, expected, "{what} {path}: {body}");
        }
        drop(jwks);
    }

    // A group named like a list that contains `admin` is not `admin`, here or downstream.
    for groups in [
        &["ops,admin"][..],
        &["[admin]"],
        &["\"admin\""],
        &["x admin"],
    ] {
        let s = stack(AuthorizerKind::Token, 0).await;
        let tricky = token("access", groups);
        assert_eq!(
            get(&s.base, "/admin", Some(&tricky)).await.0,
            403,
            "{groups:?}"
        );
        let (status, me) = get(&s.base, "/me", Some(&tricky)).await;
        assert_eq!((status, &me["groups"]), (200, &json!(groups)), "{groups:?}");
    }
}

/// CORS as the template sets it up with `CorsAllowOrigin`: a browser on another origin gets a
/// preflight without any authorizer, then can read the 401, the 403 and the 200 (each answer
/// names its origin in `Access-Control-Allow-Origin`).
#[tokio::test]
async fn cors_answers_are_readable_from_the_allowed_origin() {
    const ORIGIN: &str = "https://app.example.com";
    for kind in [AuthorizerKind::Token, AuthorizerKind::Http] {
        let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
        let base_lookup = lookup(&jwks);
        let functions = in_process(move |name: &str| match name {
            "CORS_ALLOW_ORIGIN" => Some(ORIGIN.to_owned()),
            other => base_lookup(other),
        })
        .await
        .expect("in-process functions");
        let mut config = config(kind, 0);
        config.cors_origin = Some(ORIGIN.to_owned());
        let gateway = Arc::new(Gateway::new(config, functions));
        let base = format!("http://{}", server::spawn(gateway.clone()).await.unwrap());
        let client = reqwest::Client::new();
        let send = |method: reqwest::Method, path: &str, token: Option<&str>| {
            let mut request = client
                .request(method, format!("{base}{path}"))
                .header("origin", ORIGIN);
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            request.send()
        };

        let preflight = send(reqwest::Method::OPTIONS, "/me", None).await.unwrap();
        let expected = if kind == AuthorizerKind::Http {
            204
        } else {
            200
        };
        assert_eq!(preflight.status().as_u16(), expected, "{kind:?}");
        let headers = preflight.headers();
        assert_eq!(headers["access-control-allow-origin"], ORIGIN, "{kind:?}");
        assert!(
            headers["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        assert_eq!(
            gateway.authorizer_invocations(),
            0,
            "preflights skip the authorizer"
        );

        let user = token("access", &["users"]);
        for (path, token, status) in [
            ("/me", None, 401),
            ("/admin", Some(user.as_str()), 403),
            ("/me", Some(user.as_str()), 200),
        ] {
            let response = send(reqwest::Method::GET, path, token).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{kind:?} {path}");
            assert_eq!(
                response.headers()["access-control-allow-origin"],
                ORIGIN,
                "{kind:?} {path}: a browser could not read this answer"
            );
        }
        drop(jwks);
    }
}
