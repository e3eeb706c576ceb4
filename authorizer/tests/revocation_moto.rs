//! The revocation list against a real DynamoDB API: moto's server (the repository's
//! `.venv/bin/moto_server`, started here on a free 127.0.0.1 port; a missing moto fails the
//! test), a table created through the DynamoDB API with the same SigV4 signer the authorizer
//! uses, entries written with `PutItem`, and the authorizer answering REST `TOKEN` events.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authorizer::revocation::RevocationSettings;
use authorizer::{Authorizer, AuthorizerError, HttpApiResponse, RouteRules};
use oidc_jwt_verifier::{Reason, revocation::FailurePolicy};
use revocation_table::{Credentials, Signer};
use serde_json::{Value, json};
use testkit::harness::*;
use testkit::{JwksServer, TestKey};

const TABLE: &str = "revocations";
const ARN: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";
const REGION: &str = "ap-northeast-1";

fn issuer() -> String {
    format!("https://cognito-idp.{REGION}.amazonaws.com/{POOL}")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// moto's server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signer() -> Signer {
    Signer {
        credentials: Credentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: Some("testing-session".to_owned()),
        },
        region: REGION.to_owned(),
        service: "dynamodb",
    }
}

impl Moto {
    async fn start() -> Moto {
        let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server");
        assert!(
            binary.exists(),
            "{} is missing: run `make .venv` (requirements-dev.txt) first",
            binary.display()
        );
        let port = free_port();
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            let url = format!("{}/moto-api/", moto.endpoint);
            if client.get(&url).send().await.is_ok() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not start on 127.0.0.1:{port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        moto.call(
            "CreateTable",
            json!({
                "TableName": TABLE,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .await;
        moto
    }

    /// One signed DynamoDB API call; panics unless it answers 200.
    async fn call(&self, operation: &str, body: Value) -> Value {
        let body = body.to_string().into_bytes();
        let target = format!("DynamoDB_20120810.{operation}");
        let host = self.endpoint.trim_start_matches("http://");
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
        ];
        let signed = signer().sign(host, &headers, &body, testkit::now());
        let mut request = reqwest::Client::new().post(format!("{}/", self.endpoint));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        for (name, value) in signed {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{operation}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn put(&self, item: Value) {
        self.call("PutItem", json!({"TableName": TABLE, "Item": item}))
            .await;
    }

    async fn sign_out(&self, sub: &str, not_before: u64, expires_at: u64) {
        self.put(json!({
            "pk": {"S": format!("sub#{}#{sub}", issuer())},
            "not_before": {"N": not_before.to_string()},
            "expires_at": {"N": expires_at.to_string()},
        }))
        .await;
    }

    async fn revoke_session(&self, origin_jti: &str, expires_at: u64) {
        self.put(json!({
            "pk": {"S": format!("jti#{}#{origin_jti}", issuer())},
            "expires_at": {"N": expires_at.to_string()},
        }))
        .await;
    }
}

fn settings(
    endpoint: &str,
    table: &str,
    cache_seconds: u64,
    failure: FailurePolicy,
) -> RevocationSettings {
    RevocationSettings {
        table: table.to_owned(),
        cache_for: Duration::from_secs(cache_seconds),
        failure,
        timeout: Duration::from_millis(2000),
        endpoint: endpoint.to_owned(),
        signer: signer(),
    }
}

async fn authorizer(settings: RevocationSettings) -> (Authorizer, JwksServer) {
    authorizer_with(settings, |_| {}).await
}

/// An authorizer reading the list with `settings`, its verifier configured by `adjust`.
async fn authorizer_with(
    settings: RevocationSettings,
    adjust: impl FnOnce(&mut oidc_jwt_verifier::VerifierConfig),
) -> (Authorizer, JwksServer) {
    let Harness {
        verifier, server, ..
    } = harness(&[TestKey::shared(0)], adjust).await;
    let mut authorizer = Authorizer::new(verifier, RouteRules::default(), HttpApiResponse::Simple);
    authorizer.revocation = Some(
        settings
            .build(
                testkit_client(),
                std::sync::Arc::new(oidc_jwt_verifier::SystemClock),
            )
            .unwrap(),
    );
    (authorizer, server)
}

/// A client like the production one (the JWKS fetcher's: no redirects).
fn testkit_client() -> reqwest::Client {
    oidc_jwt_verifier::jwks::HttpJwksFetcher::new(Duration::from_secs(2))
        .unwrap()
        .client()
}

/// An access token of `sub`, issued at `iat`, of session `origin_jti`.
fn token(sub: &str, iat: u64, origin_jti: &str) -> String {
    token_with(TestKey::shared(0), "access", |claims| {
        claims.insert("sub".into(), json!(sub));
        claims.insert("iat".into(), json!(iat));
        claims.insert("origin_jti".into(), json!(origin_jti));
    })
}

fn event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": ARN})
}

/// `allow`, `revoked`, or the error's reason code.
async fn answer(authorizer: &Authorizer, token: &str) -> String {
    match authorizer.handle(&event(token).to_string()).await {
        Ok(response) => {
            let json = response.to_json();
            let effect = &json["policyDocument"]["Statement"][0]["Effect"];
            assert_eq!(effect, "Allow", "{json}");
            "allow".to_owned()
        }
        Err(AuthorizerError::Unauthorized { rejection, .. }) => {
            assert_eq!(rejection.reason, Reason::Revoked);
            "revoked".to_owned()
        }
        Err(other) => other.names().1.to_owned(),
    }
}

#[tokio::test]
async fn the_list_in_dynamodb_revokes_users_and_sessions() {
    let moto = Moto::start().await;
    let (authorizer, _jwks) =
        authorizer(settings(&moto.endpoint, TABLE, 0, FailurePolicy::Closed)).await;
    let now = testkit::now();
    let later = now + 86_400;

    // Written first, then each case reads the table as it is.
    moto.sign_out("signed-out", now - 100, later).await;
    moto.revoke_session("revoked-session", later).await;
    moto.sign_out("expired-entry", now - 100, now - 1).await;
    moto.revoke_session("expired-session", now - 1).await;

    let cases = [
        ("no entry", token("someone", now - 500, "s1"), "allow"),
        (
            "issued before the sign-out",
            token("signed-out", now - 101, "s2"),
            "revoked",
        ),
        (
            "issued at the sign-out's not_before",
            token("signed-out", now - 100, "s3"),
            "allow",
        ),
        (
            "issued after the sign-out",
            token("signed-out", now - 50, "s4"),
            "allow",
        ),
        (
            "a revoked session",
            token("someone", now - 500, "revoked-session"),
            "revoked",
        ),
        (
            "another user's token still passes",
            token("other", now - 500, "s5"),
            "allow",
        ),
        (
            "an expired user entry no longer blocks",
            token("expired-entry", now - 500, "s6"),
            "allow",
        ),
        (
            "an expired session entry no longer blocks",
            token("someone", now - 500, "expired-session"),
            "allow",
        ),
    ];
    for (name, token, expected) in cases {
        assert_eq!(answer(&authorizer, &token).await, expected, "{name}");
    }
}

/// A revoked token is 401 even when it would be refused 403 for a missing scope: its
/// credentials are gone, which is the answer a client must act on (sign in again). A token of
/// a user not signed out keeps its 403, and so does one whose list cannot be read (a Deny
/// either way).
#[tokio::test]
async fn a_revoked_token_lacking_a_scope_is_401_not_403() {
    let moto = Moto::start().await;
    let now = testkit::now();
    moto.sign_out("gone", now - 100, now + 86_400).await;
    let scoped = |table: &str, endpoint: &str, failure| {
        authorizer_with(settings(endpoint, table, 0, failure), |config| {
            config.required_scopes = vec!["api/admin".to_owned()];
        })
    };
    let status = |result: Result<_, AuthorizerError>| match result {
        Ok(response) => {
            let json = authorizer::AuthorizerResponse::to_json(&response);
            json["policyDocument"]["Statement"][0]["Effect"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        }
        Err(AuthorizerError::Unauthorized { rejection, .. }) => rejection.reason.code().to_owned(),
        Err(other) => other.names().1.to_owned(),
    };
    let (authorizer, _jwks) = scoped(TABLE, &moto.endpoint, FailurePolicy::Closed).await;
    let revoked = token("gone", now - 500, "s1");
    let other = token("still-here", now - 500, "s2");
    assert_eq!(
        status(authorizer.handle(&event(&revoked).to_string()).await),
        "revoked"
    );
    assert_eq!(
        status(authorizer.handle(&event(&other).to_string()).await),
        "Deny"
    );
    let (unreadable, _jwks2) = scoped("missing-table", &moto.endpoint, FailurePolicy::Closed).await;
    assert_eq!(
        status(unreadable.handle(&event(&revoked).to_string()).await),
        "Deny"
    );
}

/// With a cache, a sign-out takes effect once the cached answer is older than the cache time
/// (and not before: the bound is the cache, not the table).
#[tokio::test]
async fn a_cached_answer_holds_until_the_cache_time() {
    let moto = Moto::start().await;
    let (cached, _jwks) =
        authorizer(settings(&moto.endpoint, TABLE, 3600, FailurePolicy::Closed)).await;
    let (uncached, _jwks2) =
        authorizer(settings(&moto.endpoint, TABLE, 0, FailurePolicy::Closed)).await;
    let now = testkit::now();
    let token = token("user", now - 500, "s1");
    assert_eq!(answer(&cached, &token).await, "allow");
    moto.sign_out("user", now - 100, now + 86_400).await;
    assert_eq!(
        answer(&uncached, &token).await,
        "revoked",
        "the table says revoked"
    );
    assert_eq!(
        answer(&cached, &token).await,
        "allow",
        "the cached answer stands"
    );
}

/// The table cannot be read (nothing listens; the table does not exist): closed refuses to
/// answer (500, not 401), open allows.
#[tokio::test]
async fn an_unreadable_table_is_a_500_when_closed_and_an_allow_when_open() {
    let moto = Moto::start().await;
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let now = testkit::now();
    let token = token("user", now - 500, "s1");
    let cases = [
        (
            "nothing listens, closed",
            nobody.clone(),
            TABLE,
            FailurePolicy::Closed,
            "revocation_unavailable",
        ),
        (
            "nothing listens, open",
            nobody.clone(),
            TABLE,
            FailurePolicy::Open,
            "allow",
        ),
        (
            "no such table, closed",
            moto.endpoint.clone(),
            "missing-table",
            FailurePolicy::Closed,
            "revocation_unavailable",
        ),
        (
            "no such table, open",
            moto.endpoint.clone(),
            "missing-table",
            FailurePolicy::Open,
            "allow",
        ),
    ];
    for (name, endpoint, table, policy, expected) in cases {
        let (authorizer, _jwks) = authorizer(settings(&endpoint, table, 60, policy)).await;
        assert_eq!(answer(&authorizer, &token).await, expected, "{name}");
        let error = authorizer.handle(&event(&token).to_string()).await.err();
        if expected != "allow" {
            assert_eq!(
                error.map(|e| e.to_string()).as_deref(),
                Some("Revocation list is unavailable"),
                "{name}: not Unauthorized, so API Gateway answers 500"
            );
        }
    }
}
