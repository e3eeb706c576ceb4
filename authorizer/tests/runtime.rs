//! The `authorizer` binary itself, run the way Lambda runs it: under a Lambda Runtime API on
//! 127.0.0.1, fed the AWS sample TOKEN event with a freshly minted token, then the same event
//! with the token tampered with. Set `AUTHORIZER_BINARY=target/release/authorizer` to run the
//! release build (the default is the binary Cargo built for this test).

use std::time::Duration;

use serde_json::{Value, json};
use testkit::{JwksServer, Outcome, RuntimeApi, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_RuntimeTest";
const CLIENT: &str = "runtimeclient";
const WAIT: Duration = Duration::from_secs(20);

/// `AUTHORIZER_BINARY` (relative paths are taken from the workspace root), else Cargo's build.
fn binary() -> String {
    match std::env::var("AUTHORIZER_BINARY") {
        Ok(path) => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path)
            .display()
            .to_string(),
        Err(_) => env!("CARGO_BIN_EXE_authorizer").to_owned(),
    }
}

fn sample_event(token: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-apigw-custom-auth-request.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["authorizationToken"] = json!(format!("Bearer {token}"));
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_allows_a_fresh_token_and_refuses_a_tampered_one() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let function = runtime.spawn_function(
        &binary(),
        &[
            ("USER_POOL_ID", POOL.to_owned()),
            ("APP_CLIENT_ID", CLIENT.to_owned()),
            ("COGNITO_ENDPOINT", jwks.base_url()),
            (
                "ROUTE_RULES",
                r#"{"GET /admin": {"groups": ["admin"]}}"#.to_owned(),
            ),
        ],
    );

    let token = mint(
        key,
        &json!({"kid": key.kid, "alg": "RS256"}),
        &cognito_claims(POOL, CLIENT, "id"),
    );
    let allowed = runtime.invoke(sample_event(&token), WAIT).await;
    let Some(Outcome::Response(response)) = allowed else {
        panic!("no policy: {allowed:?}")
    };
    assert_eq!(
        response["principalId"],
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    );
    let statements = response["policyDocument"]["Statement"].as_array().unwrap();
    assert_eq!(statements[0]["Effect"], "Allow");
    assert_eq!(
        statements[0]["Resource"],
        json!(["arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*"])
    );
    assert_eq!(statements[1]["Effect"], "Deny");
    assert_eq!(response["context"]["username"], "testuser");
    // One fetch per issuer form (ORIGINAL and UPDATED), both from the emulator's one path.
    assert_eq!(jwks.hits(), 2, "keys fetched once per issuer, during init");

    let (head, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = head.split_once('.').unwrap();
    let mut claims = cognito_claims(POOL, CLIENT, "id");
    claims["cognito:groups"] = json!(["admin"]);
    let tampered = format!(
        "{header}.{}.{signature}",
        testkit::b64url(claims.to_string())
    );
    let refused = runtime.invoke(sample_event(&tampered), WAIT).await;
    let Some(Outcome::Error(error)) = refused else {
        panic!("no error: {refused:?}")
    };
    assert_eq!(error["errorMessage"], "Unauthorized");

    let garbage = runtime.invoke(json!({"hello": "world"}), WAIT).await;
    let Some(Outcome::Error(error)) = garbage else {
        panic!("no error: {garbage:?}")
    };
    assert_ne!(error["errorMessage"], "Unauthorized");

    let (_, logs) = function.finish();
    assert!(
        logs.contains("bad_signature"),
        "decision logs carry reason codes:\n{logs}"
    );
    assert!(logs.contains("valid_token"), "{logs}");
    assert!(
        !logs.contains(signature) && !logs.contains(header),
        "a token reached the logs:\n{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_never_shows_the_token() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let token = mint(
        key,
        &json!({"kid": key.kid, "alg": "RS256"}),
        &cognito_claims(POOL, CLIENT, "id"),
    );
    let signature = token.rsplit_once('.').unwrap().1.to_owned();
    for level in [
        ("RUST_LOG", "trace"),
        ("RUST_LOG", "trace,lambda_runtime=trace"),
    ] {
        let mut runtime = RuntimeApi::start().await;
        let function = runtime.spawn_function(
            &binary(),
            &[
                ("USER_POOL_ID", POOL.to_owned()),
                ("APP_CLIENT_ID", CLIENT.to_owned()),
                ("COGNITO_ENDPOINT", jwks.base_url()),
                (level.0, level.1.to_owned()),
            ],
        );
        let outcome = runtime.invoke(sample_event(&token), WAIT).await;
        assert!(matches!(outcome, Some(Outcome::Response(_))), "{outcome:?}");
        let (_, logs) = function.finish();
        assert!(
            logs.contains("DEBUG"),
            "{level:?} did not raise the level:\n{logs}"
        );
        assert!(logs.contains("valid_token"), "{logs}");
        assert!(
            !logs.contains(&signature),
            "{level:?}: the token reached the logs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_is_an_init_error_naming_the_variable() {
    let mut runtime = RuntimeApi::start().await;
    let cases = [
        (vec![("APP_CLIENT_ID", "c".to_owned())], "USER_POOL_ID"),
        (
            vec![
                ("USER_POOL_ID", "tokyo".to_owned()),
                ("APP_CLIENT_ID", "c".to_owned()),
            ],
            "USER_POOL_ID",
        ),
        (
            vec![
                ("USER_POOL_ID", POOL.to_owned()),
                ("APP_CLIENT_ID", "c".to_owned()),
                ("ROUTE_RULES", "{".to_owned()),
            ],
            "ROUTE_RULES",
        ),
    ];
    for (env, variable) in cases {
        let mut function = runtime.spawn_function(&binary(), &env);
        let outcome = runtime.next_outcome(WAIT).await;
        let Some(Outcome::InitError(error)) = outcome else {
            panic!("no init error: {outcome:?}")
        };
        let message = error["errorMessage"].as_str().unwrap();
        assert!(message.contains(variable), "{message}");
        assert_eq!(error["errorType"], "Runtime.InitError");
        let status = function.wait_exit(WAIT);
        assert!(
            matches!(status, Some(code) if code != 0),
            "exit status {status:?}"
        );
        let (_, logs) = function.finish();
        assert!(!logs.contains("panicked"), "{logs}");
    }
}
