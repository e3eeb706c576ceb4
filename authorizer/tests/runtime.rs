//! The `authorizer` binary itself, run the way Lambda runs it: under a Lambda Runtime API on
//! 127.0.0.1, fed the AWS sample TOKEN event with a freshly minted token, then the same event
//! with the token tampered with. Set `AUTHORIZER_BINARY=target/release/authorizer` to run the
//! release build (the default is the binary Cargo built for this test).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{FunctionProcess, JwksServer, Outcome, RuntimeApi, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_RuntimeTest";
const CLIENT: &str = "runtimeclient";
const WAIT: Duration = Duration::from_secs(20);

fn sample_event(token: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-apigw-custom-auth-request.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["authorizationToken"] = json!(format!("Bearer {token}"));
    event
}

/// Hands `event` to the function as invocation `request_id`: what it answered, if it did
/// within [`WAIT`].
async fn invoke(runtime: &mut RuntimeApi, request_id: &str, event: &Value) -> Option<Outcome> {
    let reply = runtime.invoke(request_id, event, WAIT).await;
    reply.map(|reply| reply.outcome)
}

/// Starts the authorizer under `runtime` with `env`; its output goes to `<log_name>.log` in
/// Cargo's temporary directory for this test target.
fn spawn(runtime: &RuntimeApi, env: &[(&str, &str)], log_name: &str) -> FunctionProcess {
    let binary = testkit::function_binary("AUTHORIZER_BINARY", env!("CARGO_BIN_EXE_authorizer"));
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{log_name}.log"));
    runtime.spawn_function(&binary, env.iter().copied(), &log)
}

/// The authorizer configured for [`POOL`] and [`CLIENT`] with keys from `jwks`.
fn spawn_for_pool(
    runtime: &RuntimeApi,
    jwks: &JwksServer,
    extra: &[(&str, &str)],
    log_name: &str,
) -> FunctionProcess {
    let endpoint = jwks.base_url();
    let mut env = vec![
        ("USER_POOL_ID", POOL),
        ("APP_CLIENT_ID", CLIENT),
        ("COGNITO_ENDPOINT", endpoint.as_str()),
    ];
    env.extend_from_slice(extra);
    spawn(runtime, &env, log_name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_allows_a_fresh_token_and_refuses_a_tampered_one() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let function = spawn_for_pool(
        &runtime,
        &jwks,
        &[("ROUTE_RULES", r#"{"GET /admin": {"groups": ["admin"]}}"#)],
        "allow-and-refuse",
    );

    let token = mint(
        key,
        &json!({"kid": key.kid, "alg": "RS256"}),
        &cognito_claims(POOL, CLIENT, "id"),
    );
    let allowed = invoke(&mut runtime, "allowed", &sample_event(&token)).await;
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
    let refused = invoke(&mut runtime, "tampered", &sample_event(&tampered)).await;
    let Some(Outcome::Error(error)) = refused else {
        panic!("no error: {refused:?}")
    };
    assert_eq!(error["errorMessage"], "Unauthorized");

    let garbage = invoke(&mut runtime, "garbage", &json!({"hello": "world"})).await;
    let Some(Outcome::Error(error)) = garbage else {
        panic!("no error: {garbage:?}")
    };
    assert_ne!(error["errorMessage"], "Unauthorized");

    let logs = function.stop();
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
    for (index, level) in [
        ("RUST_LOG", "trace"),
        ("RUST_LOG", "trace,lambda_runtime=trace"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut runtime = RuntimeApi::start().await;
        let function = spawn_for_pool(&runtime, &jwks, &[level], &format!("trace-{index}"));
        let answer = invoke(&mut runtime, "traced", &sample_event(&token)).await;
        assert!(matches!(answer, Some(Outcome::Response(_))), "{answer:?}");
        let logs = function.stop();
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
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("APP_CLIENT_ID", "c")], "USER_POOL_ID"),
        (
            &[("USER_POOL_ID", "tokyo"), ("APP_CLIENT_ID", "c")],
            "USER_POOL_ID",
        ),
        (
            &[
                ("USER_POOL_ID", POOL),
                ("APP_CLIENT_ID", "c"),
                ("ROUTE_RULES", "{"),
            ],
            "ROUTE_RULES",
        ),
        // The log and metric settings stop init too (read before anything else).
        (
            &[
                ("USER_POOL_ID", POOL),
                ("APP_CLIENT_ID", "c"),
                ("AWS_LAMBDA_LOG_LEVEL", "loud"),
            ],
            "AWS_LAMBDA_LOG_LEVEL",
        ),
        (
            &[
                ("USER_POOL_ID", POOL),
                ("APP_CLIENT_ID", "c"),
                ("AWS_LAMBDA_LOG_FORMAT", "yaml"),
            ],
            "AWS_LAMBDA_LOG_FORMAT",
        ),
        (
            &[
                ("USER_POOL_ID", POOL),
                ("APP_CLIENT_ID", "c"),
                ("METRICS", "yes"),
            ],
            "METRICS",
        ),
    ];
    for (index, (env, variable)) in cases.into_iter().enumerate() {
        let mut function = spawn(&runtime, env, &format!("bad-config-{index}"));
        let answer = runtime.next_reply(WAIT).await.map(|reply| reply.outcome);
        let Some(Outcome::InitError(error)) = answer else {
            panic!("no init error: {answer:?}\n{}", function.describe())
        };
        let message = error["errorMessage"].as_str().unwrap();
        assert!(message.contains(variable), "{message}");
        assert_eq!(error["errorType"], "Runtime.InitError");
        let status = function.wait_exit(WAIT).await;
        assert!(
            status.is_some_and(|status| !status.success()),
            "exit status {status:?}"
        );
        let logs = function.stop();
        assert!(!logs.contains("panicked"), "{logs}");
        // Said in the log too, through the subscriber installed before the settings were read.
        assert!(
            logs.contains("start-up failed") && logs.contains(variable),
            "{logs}"
        );
    }
}
