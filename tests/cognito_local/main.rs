//! A local emulator as an issuer: the authorizer binary, configured only with `ISSUERS`,
//! verifies tokens that a real cognito-local (npm, pinned in tools/cognito-local) issues with
//! `iss` = `http://127.0.0.1:<port>/<pool id>`, a URL no AWS-form check would accept.
//!
//! cognito-local facts this relies on (its source, jagregory/cognito-local 5.x,
//! src/services/tokenGenerator.ts and src/server/server.ts): tokens are RS256 under the `kid`
//! `CognitoLocal`; `iss` is `http://<HOST>:<PORT>/<pool id>`; the JWKS is served at
//! `/<pool id>/.well-known/jwks.json`; ID tokens carry `aud` = the app client, access tokens
//! `client_id`, both `token_use` and `cognito:groups`; its discovery document names
//! `http://localhost:9229/<pool id>` as the issuer whatever HOST and PORT are.
//!
//! `#[ignore]`d: `make test-emulator` (scripts/e2e-cognito-local.sh, part of `make test`)
//! installs cognito-local, builds the authorizer binary and runs this test with `--ignored`,
//! failing unless it ran. Once started, nothing is skipped: an emulator that cannot start, or
//! any step that fails, fails the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use testkit::{FunctionProcess, Outcome, RuntimeApi, die_with_parent};

const WAIT: Duration = Duration::from_secs(30);
const CLIENT_NAME: &str = "e2e-client";
/// cognito-local's pools default to email usernames (`UsernameAttributes: ["email"]`).
const USERNAME: &str = "alice@example.com";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// cognito-local running on 127.0.0.1, in a directory of its own (it keeps its database in
/// `.cognito/` under its working directory); killed on drop.
struct Emulator {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    async fn start() -> Emulator {
        let start =
            workspace().join("tools/cognito-local/node_modules/cognito-local/lib/bin/start.js");
        assert!(
            start.is_file(),
            "{} is missing: run `make cognito-local` (make test-emulator installs it)",
            start.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("cognito-local-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the emulator's directory");
        let log = dir.join("cognito-local.log");
        let output = std::fs::File::create(&log).expect("the emulator's log");
        let mut command = Command::new("node");
        command
            .arg(&start)
            .current_dir(&dir)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("log handle"))
            .stderr(output);
        let child = die_with_parent(&mut command)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node (cognito-local): {e}"));
        let mut emulator = Emulator {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = emulator.child.try_wait().expect("the emulator's status") {
                panic!("cognito-local exited ({status}):\n{}", emulator.log_text());
            }
            let health = client.get(format!("{}/health", emulator.url)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return emulator;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "cognito-local did not answer /health within {WAIT:?}:\n{}",
                emulator.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One Cognito API call (the AWS JSON protocol, as awscli sends it); the answer's JSON.
    async fn call(&self, operation: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}/", self.url))
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{operation}"),
            )
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        let status = response.status();
        let text = response.text().await.expect("an answer body");
        // The answers hold no password (only the tokens of AuthenticationResult, which are
        // not printed either).
        assert!(
            status.is_success(),
            "{operation} answered {status}: {}",
            if operation == "InitiateAuth" {
                "(not shown)"
            } else {
                &text
            }
        );
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{operation}: not JSON"))
    }
}

/// A pool, an app client, `alice` in group `admin` with a permanent password; her tokens.
struct Issued {
    pool_id: String,
    client_id: String,
    id_token: String,
    access_token: String,
}

async fn issue_tokens(emulator: &Emulator) -> Issued {
    let pool = emulator
        .call("CreateUserPool", json!({"PoolName": "e2e-pool"}))
        .await;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .expect("a pool ID")
        .to_owned();
    let client = emulator
        .call(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool_id, "ClientName": CLIENT_NAME}),
        )
        .await;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("a client ID")
        .to_owned();
    emulator
        .call(
            "AdminCreateUser",
            json!({"UserPoolId": pool_id, "Username": USERNAME, "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": "alice@example.com"},
                                      {"Name": "email_verified", "Value": "true"}]}),
        )
        .await;
    // A password made here, held in memory, sent in a request body: never in argv or a log.
    let password = format!("Pw1!{}", std::process::id() ^ 0x5a5a_5a5a);
    emulator
        .call(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool_id, "Username": USERNAME, "Password": password, "Permanent": true}),
        )
        .await;
    emulator
        .call(
            "CreateGroup",
            json!({"UserPoolId": pool_id, "GroupName": "admin"}),
        )
        .await;
    emulator
        .call(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool_id, "Username": USERNAME, "GroupName": "admin"}),
        )
        .await;
    let auth = emulator
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                   "AuthParameters": {"USERNAME": USERNAME, "PASSWORD": password}}),
        )
        .await;
    let result = &auth["AuthenticationResult"];
    Issued {
        pool_id,
        client_id,
        id_token: result["IdToken"].as_str().expect("an IdToken").to_owned(),
        access_token: result["AccessToken"]
            .as_str()
            .expect("an AccessToken")
            .to_owned(),
    }
}

fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// The token with `cognito:groups` rewritten, its signature kept.
fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = segment(token, 1);
    claims["cognito:groups"] = json!(["admin", "root"]);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    parts.join(".")
}

fn token_event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"),
           "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/me"})
}

fn spawn_authorizer(runtime: &RuntimeApi, issuers: &str, name: &str) -> FunctionProcess {
    let binary = workspace().join("target/debug/authorizer");
    assert!(
        binary.is_file(),
        "{} is missing: scripts/e2e-cognito-local.sh builds it",
        binary.display()
    );
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.log"));
    runtime.spawn_function(&binary, [("ISSUERS", issuers)], &log)
}

async fn invoke(runtime: &mut RuntimeApi, id: &str, token: &str) -> Outcome {
    let reply = runtime.invoke(id, &token_event(token), WAIT).await;
    reply
        .unwrap_or_else(|| panic!("{id}: the authorizer did not answer"))
        .outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cognito-local: run through `make test-emulator`"]
async fn the_authorizer_verifies_tokens_of_a_real_cognito_local() {
    let emulator = Emulator::start().await;
    let issued = issue_tokens(&emulator).await;
    let issuer = format!("{}/{}", emulator.url, issued.pool_id);

    // What cognito-local really issued: a non-AWS `iss`, its fixed kid, RS256.
    let id_claims = segment(&issued.id_token, 1);
    assert_eq!(id_claims["iss"], issuer);
    assert_eq!(id_claims["aud"], issued.client_id);
    assert_eq!(
        segment(&issued.access_token, 1)["client_id"],
        issued.client_id
    );
    assert_eq!(
        segment(&issued.id_token, 0),
        json!({"alg": "RS256", "typ": "JWT", "kid": "CognitoLocal"})
    );

    // The cognito-local settings of docs/configuration.md, with this run's port and pool.
    let issuers = json!([{
        "name": "cognito-local",
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "client_id": issued.client_id,
        "token_use": "any",
        "algorithms": ["RS256"],
        "groups_claim": "cognito:groups",
    }])
    .to_string();
    let mut runtime = RuntimeApi::start().await;
    let function = spawn_authorizer(&runtime, &issuers, "cognito-local-authorizer");

    for (id, token, token_use) in [
        ("id-token", &issued.id_token, "id"),
        ("access-token", &issued.access_token, "access"),
    ] {
        let Outcome::Response(answer) = invoke(&mut runtime, id, token).await else {
            panic!("{id}: no policy; authorizer log:\n{}", function.log())
        };
        let statement = &answer["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Allow", "{id}: {answer}");
        assert_eq!(answer["principalId"], id_claims["sub"], "{id}");
        let context = &answer["context"];
        assert_eq!(context["iss"], issuer, "{id}");
        assert_eq!(context["issuer_name"], "cognito-local", "{id}");
        assert_eq!(context["token_use"], token_use, "{id}");
        assert_eq!(context["client_id"], issued.client_id, "{id}");
        assert_eq!(context["groups"], r#"["admin"]"#, "{id}");
    }
    let forged = invoke(&mut runtime, "tampered", &tampered(&issued.id_token)).await;
    assert_eq!(
        forged,
        Outcome::Error(json!({"errorType": "Unauthorized", "errorMessage": "Unauthorized"})),
    );
    drop(function);

    // Without jwks_uri the issuer's discovery document is read; cognito-local's names
    // `http://localhost:9229/<pool>`, not this issuer, so it is refused and no key is had:
    // 500, never an Allow.
    let discovering = json!([{
        "name": "cognito-local",
        "issuer": issuer,
        "client_id": issued.client_id,
        "token_use": "any",
        "algorithms": ["RS256"],
    }])
    .to_string();
    let function = spawn_authorizer(&runtime, &discovering, "cognito-local-discovery");
    let refused = invoke(&mut runtime, "discovery", &issued.id_token).await;
    let Outcome::Error(error) = &refused else {
        panic!("expected an error, got {refused:?}")
    };
    assert_eq!(error["errorType"], "KeysUnavailable", "{error}");
    assert!(
        function.log().contains("names another issuer"),
        "the refusal is logged:\n{}",
        function.log()
    );
}
