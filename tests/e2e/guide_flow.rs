//! The guide's flow end to end against moto (a local Cognito) with the tokens the guide's CLI
//! steps produced: real RS256 tokens, the authorizer, the policy, the API, through the local
//! gateway — with both functions in-process, as the `local-gateway` binary, and as the real
//! bootstrap binaries under `cargo lambda watch`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use local_gateway::authorize::AuthorizerKind;
use local_gateway::config::{API_ID, in_process};
use local_gateway::request::ApiContext;
use local_gateway::{Gateway, GatewayConfig, server};
use serde_json::{Value, json};
use testkit::{JwksServer, Mode};

use crate::stack::{claims, env, functions_under_cargo_lambda_watch, tampered, workspace_binary};

/// The authorizer's environment: the pool and client from the guide, keys from `jwks_base`.
pub(crate) fn lookup(jwks_base: String) -> impl Fn(&str) -> Option<String> + Clone {
    let (pool, client) = (env("E2E_USER_POOL_ID"), env("E2E_APP_CLIENT_ID"));
    move |name: &str| match name {
        "USER_POOL_ID" => Some(pool.clone()),
        "APP_CLIENT_ID" => Some(client.clone()),
        "COGNITO_ENDPOINT" => Some(jwks_base.clone()),
        _ => None,
    }
}

pub(crate) fn config(kind: AuthorizerKind, ttl: u64) -> GatewayConfig {
    let region = env("E2E_USER_POOL_ID")
        .split('_')
        .next()
        .unwrap()
        .to_owned();
    GatewayConfig {
        kind,
        routes: local_gateway::routes::RouteLayout::Template,
        cors_origin: None,
        ttl: Duration::from_secs(ttl),
        api: ApiContext {
            region,
            account: "123456789012".into(),
            api_id: API_ID.into(),
            stage: if kind.is_http_api() {
                "$default"
            } else {
                "prod"
            }
            .into(),
        },
    }
}

/// A gateway with both functions in-process, the authorizer fetching keys from moto.
pub(crate) async fn gateway(kind: AuthorizerKind, ttl: u64) -> (Arc<Gateway>, String) {
    let functions = in_process(lookup(env("E2E_COGNITO_ENDPOINT")))
        .await
        .expect("functions");
    start(Gateway::new(config(kind, ttl), functions)).await
}

pub(crate) async fn start(gateway: Gateway) -> (Arc<Gateway>, String) {
    let gateway = Arc::new(gateway);
    let addr = server::spawn(Arc::clone(&gateway)).await.unwrap();
    (gateway, format!("http://{addr}"))
}

async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .timeout(Duration::from_secs(60));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The demo's table as assertions, for any base URL (in-process, binary or cargo lambda).
async fn guide_flow(base: &str) {
    let (user_id, user_access) = (env("E2E_USER_ID_TOKEN"), env("E2E_USER_ACCESS_TOKEN"));
    let admin_id = env("E2E_ADMIN_ID_TOKEN");
    let sub = claims(&user_id)["sub"].as_str().unwrap().to_owned();

    assert_eq!(
        get(base, "/health", None).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        get(base, "/me", None).await,
        (401, json!({"message": "Unauthorized"}))
    );

    let (status, me) = get(base, "/me", Some(&user_id)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["sub"].as_str(), me["token_use"].as_str()),
        (Some(sub.as_str()), Some("id"))
    );
    assert_eq!(me["username"], "testuser@example.com");
    assert_eq!(me["client_id"], env("E2E_APP_CLIENT_ID"));
    // A user is (iss, sub): /me shows the issuer and the pool it is configured as.
    assert_eq!(me["iss"], claims(&user_id)["iss"]);
    assert_eq!(me["issuer_name"], env("E2E_USER_POOL_ID"));

    let (status, me) = get(base, "/me", Some(&user_access)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["sub"].as_str(), me["token_use"].as_str()),
        (Some(sub.as_str()), Some("access"))
    );
    assert_eq!(me["scopes"], json!(["aws.cognito.signin.user.admin"]));

    assert_eq!(
        get(base, "/me", Some(&tampered(&user_id))).await,
        (401, json!({"message": "Unauthorized"}))
    );
    let denied =
        json!({"message": "User is not authorized to access this resource with an explicit deny"});
    assert_eq!(get(base, "/admin", Some(&user_id)).await, (403, denied));
    let (status, admin) = get(base, "/admin", Some(&admin_id)).await;
    assert_eq!(status, 200, "{admin}");
    assert_eq!(
        get(base, "/admin", Some(&env("E2E_ADMIN_ACCESS_TOKEN")))
            .await
            .0,
        200
    );
    assert_eq!(get(base, "/hello", Some(&user_access)).await.0, 200);
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn guide_flow_through_the_gateway() {
    let (gateway, base) = gateway(AuthorizerKind::Token, 0).await;
    guide_flow(&base).await;
    assert_eq!(
        gateway.authorizer_invocations(),
        7,
        "TTL 0: one invocation per request with a token"
    );
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn tokens_from_refresh_token_auth_are_accepted() {
    let (_gateway, base) = gateway(AuthorizerKind::Token, 300).await;
    let (original, refreshed) = (env("E2E_USER_ID_TOKEN"), env("E2E_REFRESHED_ID_TOKEN"));
    let refreshed_access = env("E2E_REFRESHED_ACCESS_TOKEN");
    // New tokens for the same user, not the old ones handed back.
    assert_ne!(original, refreshed);
    assert_ne!(claims(&original)["jti"], claims(&refreshed)["jti"]);
    assert_eq!(claims(&original)["sub"], claims(&refreshed)["sub"]);
    for token in [&refreshed, &refreshed_access] {
        let (status, me) = get(&base, "/me", Some(token)).await;
        assert_eq!(
            (status, &me["sub"]),
            (200, &claims(&original)["sub"]),
            "{me}"
        );
    }
    assert_eq!(get(&base, "/admin", Some(&refreshed)).await.0, 403);
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn a_token_from_a_second_pool_is_rejected() {
    let (gateway, base) = gateway(AuthorizerKind::Token, 300).await;
    let other = env("E2E_OTHER_POOL_ID_TOKEN");
    // Signed by moto with the same key as our pool's tokens: only iss/aud tell them apart.
    assert_ne!(
        claims(&other)["iss"],
        claims(&env("E2E_USER_ID_TOKEN"))["iss"]
    );
    for token in [other, env("E2E_OTHER_POOL_ACCESS_TOKEN")] {
        assert_eq!(
            get(&base, "/me", Some(&token)).await,
            (401, json!({"message": "Unauthorized"}))
        );
    }
    assert_eq!(gateway.authorizer_invocations(), 2);
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn authorizer_answers_are_cached_per_token_for_the_ttl() {
    let (gateway, base) = gateway(AuthorizerKind::Token, 300).await;
    let user = env("E2E_USER_ID_TOKEN");
    assert_eq!(get(&base, "/hello", Some(&user)).await.0, 200);
    assert_eq!(gateway.authorizer_invocations(), 1);
    // Same token within the TTL: no invocation. The Allow cached for /hello covers /me...
    assert_eq!(get(&base, "/hello", Some(&user)).await.0, 200);
    assert_eq!(get(&base, "/me", Some(&user)).await.0, 200);
    // ...and the cached Deny still covers /admin.
    assert_eq!(get(&base, "/admin", Some(&user)).await.0, 403);
    assert_eq!(gateway.authorizer_invocations(), 1);
    // Another token is another entry.
    assert_eq!(
        get(&base, "/admin", Some(&env("E2E_ADMIN_ID_TOKEN")))
            .await
            .0,
        200
    );
    assert_eq!(gateway.authorizer_invocations(), 2);
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn requests_keep_working_when_the_jwks_endpoint_goes_away() {
    // moto's JWKS, served from an endpoint this test can take down (moto itself serves the
    // other tests).
    let url = format!(
        "{}/{}/.well-known/jwks.json",
        env("E2E_COGNITO_ENDPOINT"),
        env("E2E_USER_POOL_ID")
    );
    let jwks = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(jwks.contains("RS256"), "{jwks}");
    let endpoint = JwksServer::start(jwks).await;
    let functions = in_process(lookup(endpoint.base_url())).await.unwrap();
    let (gateway, base) = start(Gateway::new(config(AuthorizerKind::Token, 0), functions)).await;
    assert_eq!(
        get(&base, "/me", Some(&env("E2E_USER_ID_TOKEN"))).await.0,
        200
    );
    assert!(endpoint.hits() >= 1, "the keys came from the endpoint");

    endpoint.set_mode(Mode::Down);
    for (path, token, status) in [
        ("/me", "E2E_USER_ACCESS_TOKEN", 200),
        ("/admin", "E2E_ADMIN_ID_TOKEN", 200),
        ("/admin", "E2E_USER_ID_TOKEN", 403),
        ("/me", "E2E_REFRESHED_ID_TOKEN", 200),
    ] {
        assert_eq!(
            get(&base, path, Some(&env(token))).await.0,
            status,
            "{path} {token}"
        );
    }
    assert_eq!(
        gateway.authorizer_invocations(),
        5,
        "TTL 0: each request verified again"
    );
    assert_eq!(
        get(&base, "/me", Some(&tampered(&env("E2E_USER_ID_TOKEN"))))
            .await
            .0,
        401
    );
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn rest_request_and_http_api_authorizers() {
    let (user, admin) = (env("E2E_USER_ID_TOKEN"), env("E2E_ADMIN_ACCESS_TOKEN"));
    for kind in [AuthorizerKind::Request, AuthorizerKind::Http] {
        let (gateway, base) = gateway(kind, 300).await;
        assert_eq!(get(&base, "/me", None).await.0, 401, "{kind:?}");
        assert_eq!(get(&base, "/me", Some(&user)).await.0, 200, "{kind:?}");
        assert_eq!(get(&base, "/admin", Some(&user)).await.0, 403, "{kind:?}");
        assert_eq!(get(&base, "/admin", Some(&admin)).await.0, 200, "{kind:?}");
        assert_eq!(
            get(&base, "/me", Some(&tampered(&user))).await.0,
            401,
            "{kind:?}"
        );
        // REST caches per token (the policy covers /admin too); the HTTP API per token and
        // route (its simple answer is only valid for its route).
        let expected = if kind == AuthorizerKind::Http { 4 } else { 3 };
        assert_eq!(gateway.authorizer_invocations(), expected, "{kind:?}");
    }
}

/// Kills the child on drop, so a failing assertion does not leave the gateway running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn the_local_gateway_binary_serves_the_flow() {
    let mut child = Command::new(workspace_binary("local-gateway"))
        .args(["--port", "0"])
        .env("USER_POOL_ID", env("E2E_USER_POOL_ID"))
        .env("APP_CLIENT_ID", env("E2E_APP_CLIENT_ID"))
        .env("COGNITO_ENDPOINT", env("E2E_COGNITO_ENDPOINT"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start local-gateway");
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    // Logs go to stdout too: read up to the listening line, then keep draining the pipe so
    // the gateway never blocks on a full one.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("local-gateway listening on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let base = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
        .await
        .unwrap()
        .expect("the listening line within 30 s");
    guide_flow(&base).await;
    drop(child);
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn through_cargo_lambda_watch() {
    // The real bootstrap binaries (target/debug/authorizer and api-handler) under
    // `cargo lambda watch`, configured by e2e.sh with the same pool and moto endpoint.
    let (gateway, base) = start(Gateway::new(
        config(AuthorizerKind::Token, 0),
        functions_under_cargo_lambda_watch(),
    ))
    .await;
    guide_flow(&base).await;
    assert_eq!(gateway.authorizer_invocations(), 7);
    assert!(gateway.api_invocations() >= 6);
}
