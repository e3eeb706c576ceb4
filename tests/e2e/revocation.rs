//! Sign-out that signs out (issue 13), end to end through the local gateway against moto: its
//! Cognito (users of their own, so the other tests' tokens stay valid) and its DynamoDB (a
//! table of this test's own), both functions in-process with the revocation list on, as the
//! template wires them with `EnableRevocation=true`.
//!
//! - `POST /logout` (no body): the caller's ID and access tokens get 401 within the stated
//!   bound (the gateway's result TTL + `REVOCATION_CACHE_SECONDS`), Cognito refuses their
//!   refresh token, another user still gets 200;
//!   The same user's tokens of the pool's other issuer form (UPDATED; moto issues ORIGINAL
//!   ones, so they are moto's tokens signed again by moto's own key with the other `iss`, as a
//!   pool that switched forms has them) get 401 too;
//! - `scripts/revoke-user.sh` signs a second user out: their ID and access tokens get 401;
//! - `POST /logout {"refresh_token"}`: moto has no `RevokeToken` (it answers 500), so this path
//!   is covered by the list write alone: the answer is 502 naming the Cognito step, the list
//!   entry stands and that session's tokens get 401, while the same user's other session
//!   still gets 200;
//! - an expired entry no longer blocks; the table unreadable gives 500 under `closed` and 200
//!   under `open` (the log line of both is tests/decision_log.rs's, on the binary).

use std::process::Command;
use std::time::{Duration, Instant};

use local_gateway::Gateway;
use local_gateway::authorize::AuthorizerKind;
use local_gateway::config::in_process;
use revocation_table::{Credentials, JsonProtocol, JsonService, Signer};
use serde_json::{Value, json};

use crate::guide_flow::{config, lookup, start};
use crate::stack::{claims, env};

const REGION: &str = "ap-northeast-1";
const PASSWORD: &str = "Revocation-e2e-1";
/// The gateway's authorizer result TTL and the authorizer's answer cache, in seconds.
const GATEWAY_TTL: u64 = 1;
const REVOCATION_CACHE: u64 = 1;

/// moto's Cognito (unsigned: moto routes by `X-Amz-Target`) or DynamoDB (signed).
async fn call(target: &str, body: Value) -> (u16, Value) {
    let signed = target.starts_with("DynamoDB");
    let service = JsonService::new(
        reqwest::Client::new(),
        &env("E2E_COGNITO_ENDPOINT"),
        if signed {
            JsonProtocol::V1_0
        } else {
            JsonProtocol::V1_1
        },
        signed.then(|| Signer {
            credentials: Credentials {
                access_key_id: "testing".into(),
                secret_access_key: "testing".into(),
                session_token: None,
            },
            region: REGION.into(),
            service: "dynamodb",
        }),
        Duration::from_secs(30),
    )
    .unwrap()
    .with_region_in_user_agent(REGION);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let answer = service
        .call(target, body.to_string().into_bytes(), now)
        .await
        .expect("moto answers");
    (
        answer.status,
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
    )
}

/// A confirmed user of the guide's pool, signed in: (ID token, access token, refresh token).
async fn user(name: &str) -> (String, String, String) {
    let pool = env("E2E_USER_POOL_ID");
    let target = |op: &str| format!("AWSCognitoIdentityProviderService.{op}");
    let (status, answer) = call(
        &target("AdminCreateUser"),
        json!({"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS"}),
    )
    .await;
    assert_eq!(status, 200, "AdminCreateUser {name}: {answer}");
    let (status, answer) = call(
        &target("AdminSetUserPassword"),
        json!({"UserPoolId": pool, "Username": name, "Password": PASSWORD, "Permanent": true}),
    )
    .await;
    assert_eq!(status, 200, "AdminSetUserPassword {name}: {answer}");
    sign_in(name).await
}

async fn sign_in(name: &str) -> (String, String, String) {
    let (status, answer) = call(
        "AWSCognitoIdentityProviderService.InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": env("E2E_APP_CLIENT_ID"),
               "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}}),
    )
    .await;
    assert_eq!(status, 200, "InitiateAuth {name}: {}", answer["__type"]);
    let result = &answer["AuthenticationResult"];
    let text = |key: &str| result[key].as_str().expect(key).to_owned();
    (text("IdToken"), text("AccessToken"), text("RefreshToken"))
}

/// `token` with the pool's UPDATED issuer form, signed again with moto's own key
/// (scripts/moto_resign.py; the token goes through stdin, never argv).
fn updated_issuer_form(token: &str) -> String {
    use std::io::Write;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/moto_resign.py"))
        .arg("updated-issuer")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the project's .venv python runs scripts/moto_resign.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "moto_resign.py updated-issuer failed"
    );
    let resigned = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(
        claims(&resigned)["iss"]
            .as_str()
            .unwrap()
            .starts_with("https://issuer-cognito-idp."),
        "an UPDATED-form token"
    );
    resigned
}

async fn refresh_works(refresh_token: &str) -> bool {
    let (status, _) = call(
        "AWSCognitoIdentityProviderService.InitiateAuth",
        json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env("E2E_APP_CLIENT_ID"),
               "AuthParameters": {"REFRESH_TOKEN": refresh_token}}),
    )
    .await;
    status == 200
}

async fn create_table(name: &str) {
    let (status, answer) = call(
        "DynamoDB_20120810.CreateTable",
        json!({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}),
    )
    .await;
    assert_eq!(status, 200, "CreateTable: {answer}");
}

/// A REST API gateway (our TOKEN authorizer) with both functions in-process and the list on.
async fn gateway(table: &str, failure: &str) -> String {
    gateway_of(AuthorizerKind::Token, table, failure).await
}

/// A gateway of `kind` (our Lambda authorizer, REST or HTTP API) with the list on.
async fn gateway_of(kind: AuthorizerKind, table: &str, failure: &str) -> String {
    let moto = env("E2E_COGNITO_ENDPOINT");
    let base = lookup(moto.clone());
    let table = table.to_owned();
    let failure = failure.to_owned();
    let lookup = move |name: &str| match name {
        "REVOCATION_TABLE" => Some(table.clone()),
        "REVOCATION_CACHE_SECONDS" => Some(REVOCATION_CACHE.to_string()),
        "REVOCATION_FAILURE" => Some(failure.clone()),
        "AWS_REGION" => Some(REGION.into()),
        "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("testing".into()),
        "AWS_ENDPOINT_URL" => Some(moto.clone()),
        _ => base(name),
    };
    let functions = in_process(lookup).await.expect("functions");
    let (_gateway, base) = start(Gateway::new(config(kind, GATEWAY_TTL), functions)).await;
    base
}

async fn send(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .timeout(Duration::from_secs(60));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn me(base: &str, token: &str) -> u16 {
    send(base, "GET", "/me", token, None).await.0
}

/// Polls `GET /me` with `token` until it gets 401; the time that took, which must be within
/// the stated bound.
async fn refused_within_bound(base: &str, token: &str, who: &str) -> Duration {
    let bound = Duration::from_secs(GATEWAY_TTL + REVOCATION_CACHE);
    let started = Instant::now();
    loop {
        let status = me(base, token).await;
        if status == 401 {
            return started.elapsed();
        }
        assert_eq!(status, 200, "{who}: neither still allowed nor refused");
        assert!(
            started.elapsed() <= bound + Duration::from_millis(900),
            "{who}: still 200 {:?} after sign-out, over the bound of {bound:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn sign_out_takes_effect_within_the_stated_bound() {
    let table = "revocation-e2e";
    create_table(table).await;
    let base = gateway(table, "closed").await;
    let (alice_id, alice_access, alice_refresh) = user("logout-alice").await;
    let (bob_id, bob_access, _) = user("revoked-bob").await;
    let (carol_id, _, _) = user("bystander-carol").await;
    let alice_id_updated = updated_issuer_form(&alice_id);
    let alice_access_updated = updated_issuer_form(&alice_access);

    for (who, token) in [
        ("alice ID", &alice_id),
        ("alice access", &alice_access),
        ("alice ID, UPDATED issuer", &alice_id_updated),
        ("alice access, UPDATED issuer", &alice_access_updated),
        ("bob ID", &bob_id),
        ("bob access", &bob_access),
        ("carol", &carol_id),
    ] {
        assert_eq!(me(&base, token).await, 200, "{who} before any sign-out");
    }

    // 1. Alice signs herself out.
    let (status, report) = send(&base, "POST", "/logout", &alice_access, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["sign_out"].as_str(),
            report["cognito"].as_str(),
            report["revocation_list"].as_str()
        ),
        (Some("user"), Some("done"), Some("written")),
        "{report}"
    );
    assert!(
        !report.to_string().contains(&alice_access),
        "the answer holds no token"
    );
    let took = refused_within_bound(&base, &alice_access, "alice's access token").await;
    eprintln!(
        "alice's access token refused {took:?} after /logout (bound {}s)",
        GATEWAY_TTL + REVOCATION_CACHE
    );
    refused_within_bound(&base, &alice_id, "alice's ID token").await;
    // Signed out with an ORIGINAL-form token, her UPDATED-form tokens are refused too.
    refused_within_bound(&base, &alice_id_updated, "alice's UPDATED-form ID token").await;
    refused_within_bound(
        &base,
        &alice_access_updated,
        "alice's UPDATED-form access token",
    )
    .await;
    assert!(
        !refresh_works(&alice_refresh).await,
        "Cognito still refreshes alice's session"
    );
    assert_eq!(
        me(&base, &carol_id).await,
        200,
        "carol after alice's sign-out"
    );

    // 2. An administrator signs bob out with the script.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/revoke-user.sh");
    let issuer = claims(&bob_id)["iss"].as_str().unwrap().to_owned();
    let output = Command::new("bash")
        .arg(&script)
        .args([
            "--user-pool-id",
            &env("E2E_USER_POOL_ID"),
            "--username",
            "revoked-bob",
            "--table",
            table,
            "--issuer",
            &issuer,
        ])
        .env("AWS_ENDPOINT_URL", env("E2E_COGNITO_ENDPOINT"))
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("bash runs scripts/revoke-user.sh");
    let printed = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "revoke-user.sh failed:\n{printed}");
    assert!(
        !printed.contains(&bob_id) && !printed.contains(&bob_access),
        "revoke-user.sh printed a token"
    );
    refused_within_bound(&base, &bob_id, "bob's ID token").await;
    refused_within_bound(&base, &bob_access, "bob's access token").await;
    assert_eq!(
        me(&base, &carol_id).await,
        200,
        "carol after bob's sign-out"
    );

    // 3. One session: dave signs in twice and ends the first session only.
    let (dave_id, dave_access, dave_refresh) = user("session-dave").await;
    let (dave2_id, _, _) = sign_in("session-dave").await;
    assert_ne!(
        claims(&dave_id)["origin_jti"],
        claims(&dave2_id)["origin_jti"],
        "two sessions"
    );
    let (status, report) = send(
        &base,
        "POST",
        "/logout",
        &dave_access,
        Some(json!({"refresh_token": dave_refresh})),
    )
    .await;
    // moto has no RevokeToken: Cognito's step fails, the list entry stands.
    assert_eq!(status, 502, "{report}");
    assert_eq!(
        (
            report["sign_out"].as_str(),
            report["revocation_list"].as_str(),
            report["cognito"].as_str()
        ),
        (Some("session"), Some("written"), Some("failed")),
        "{report}"
    );
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .starts_with("Cognito refused RevokeToken: HTTP 500"),
        "{report}"
    );
    assert!(
        !report.to_string().contains(&dave_refresh),
        "the answer holds no token"
    );
    refused_within_bound(&base, &dave_id, "dave's first session (ID token)").await;
    refused_within_bound(&base, &dave_access, "dave's first session (access token)").await;
    assert_eq!(me(&base, &dave2_id).await, 200, "dave's second session");
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn expired_entries_do_not_block_and_an_unreadable_list_follows_the_policy() {
    let table = "revocation-e2e-expiry";
    create_table(table).await;
    let base = gateway(table, "closed").await;
    let (erin_id, _, _) = user("expired-entry-erin").await;
    let (frank_id, _, _) = user("live-entry-frank").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Both entries would revoke every token ever issued (not_before an hour ahead); erin's
    // expired a second ago, frank's is live.
    for (token, expires_at) in [(&erin_id, now - 1), (&frank_id, now + 3600)] {
        let c = claims(token);
        let key = format!(
            "sub#{}#{}",
            c["iss"].as_str().unwrap(),
            c["sub"].as_str().unwrap()
        );
        let (status, answer) = call(
            "DynamoDB_20120810.PutItem",
            json!({"TableName": table, "Item": {"pk": {"S": key},
                   "not_before": {"N": (now + 3600).to_string()}, "expires_at": {"N": expires_at.to_string()}}}),
        )
        .await;
        assert_eq!(status, 200, "PutItem: {answer}");
    }
    assert_eq!(
        me(&base, &erin_id).await,
        200,
        "an expired entry blocks nothing"
    );
    assert_eq!(
        me(&base, &frank_id).await,
        401,
        "a live entry with the same cut-off blocks"
    );

    // No such table: the lookup fails.
    let closed = gateway("no-such-revocation-table", "closed").await;
    assert_eq!(
        me(&closed, &erin_id).await,
        500,
        "closed: the list cannot be read"
    );
    let open = gateway("no-such-revocation-table", "open").await;
    assert_eq!(
        me(&open, &erin_id).await,
        200,
        "open: allowed (and logged at ERROR)"
    );
}

/// The HTTP API (our REQUEST authorizer, simple responses): the identity `/logout` reads
/// comes through `requestContext.authorizer.lambda` there, and sign-out works the same.
#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn sign_out_through_the_http_api() {
    let table = "revocation-e2e-http";
    create_table(table).await;
    let base = gateway_of(AuthorizerKind::Http, table, "closed").await;
    let (id, access, refresh) = user("http-logout-gina").await;
    let (other, _, _) = user("http-bystander-hank").await;
    assert_eq!(me(&base, &access).await, 200, "before");
    let (status, report) = send(&base, "POST", "/logout", &access, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["sign_out"].as_str(),
            report["cognito"].as_str(),
            report["revocation_list"].as_str()
        ),
        (Some("user"), Some("done"), Some("written")),
        "{report}"
    );
    refused_within_bound(&base, &access, "gina's access token (HTTP API)").await;
    refused_within_bound(&base, &id, "gina's ID token (HTTP API)").await;
    assert!(
        !refresh_works(&refresh).await,
        "Cognito still refreshes gina's session"
    );
    assert_eq!(me(&base, &other).await, 200, "another user on the HTTP API");
}
