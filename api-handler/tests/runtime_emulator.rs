//! The release-style binary, `api-handler`, run under testkit's Lambda Runtime API emulator
//! and fed every `events/api-*.json` request. Set `API_HANDLER_BINARY=target/release/api-handler`
//! to run the release build (the default is the binary Cargo built for this test).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{FunctionProcess, Outcome, Reply, RuntimeApi};

use common::{CORS_ORIGIN, check, expectations, load_event};

const INVOCATION_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts the api-handler under `runtime` with `env`; its output goes to
/// `api-handler-<name>.log` in Cargo's temporary directory for this test target.
fn start(runtime: &RuntimeApi, name: &str, env: &[(&str, &str)]) -> FunctionProcess {
    let binary = testkit::function_binary("API_HANDLER_BINARY", env!("CARGO_BIN_EXE_api-handler"));
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("api-handler-{name}.log"));
    runtime.spawn_function(&binary, env.iter().copied(), &log)
}

/// Hands `event` to the function as invocation `request_id` and returns its reply, failing
/// loudly if none comes.
async fn invoke(
    runtime: &mut RuntimeApi,
    function: &mut FunctionProcess,
    request_id: &str,
    event: &Value,
) -> Reply {
    match runtime.invoke(request_id, event, INVOCATION_TIMEOUT).await {
        Some(reply) => reply,
        None => panic!(
            "no answer to invocation {request_id} within {INVOCATION_TIMEOUT:?}; function: {}",
            function.describe()
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_answers_every_event_under_the_runtime_api() {
    let mut runtime = RuntimeApi::start().await;
    let mut function = start(&runtime, "events", &[("CORS_ALLOW_ORIGIN", CORS_ORIGIN)]);
    let expectations = expectations();
    for (index, expected) in expectations.iter().enumerate() {
        // `invoke` also checks that the answer is posted for this invocation's request id.
        let request_id = format!("request-{index}");
        let event = load_event(expected.file);
        match invoke(&mut runtime, &mut function, &request_id, &event)
            .await
            .outcome
        {
            Outcome::Response(body) => check(expected, &body),
            other => panic!("{}: {other:?}\n{}", expected.file, function.describe()),
        }
    }

    // Not an API Gateway event: reported through the error endpoint, and the function lives on.
    let not_apigw = json!({"Records": []});
    match invoke(&mut runtime, &mut function, "not-apigw", &not_apigw)
        .await
        .outcome
    {
        Outcome::Error(body) => {
            let message = body["errorMessage"].as_str().unwrap_or_default();
            assert!(message.starts_with("unrecognized event"), "{body}");
        }
        other => panic!("expected an error: {other:?}"),
    }
    // A malformed HTTP API event quoting a token: an error whose message and log redact it.
    let mut malformed = load_event("api-http-me.json");
    malformed["isBase64Encoded"] = json!("Bearer eyJhbGciOiJub25lIn0.secret.");
    match invoke(&mut runtime, &mut function, "malformed", &malformed)
        .await
        .outcome
    {
        Outcome::Error(body) => {
            let message = body["errorMessage"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("invalid HTTP API (payload 2.0) event"),
                "{body}"
            );
            assert!(!message.contains("eyJ"), "{body}");
        }
        other => panic!("expected an error: {other:?}"),
    }
    let health = load_event("api-http-health.json");
    assert!(matches!(
        invoke(&mut runtime, &mut function, "after-error", &health).await.outcome,
        Outcome::Response(body) if body["statusCode"] == 200
    ));

    let logs = function.stop();
    let request_lines = logs
        .lines()
        .filter(|line| line.contains(": request method="))
        .count();
    assert_eq!(
        request_lines,
        expectations.len() + 1,
        "one line per request:\n{logs}"
    );
    assert!(
        logs.contains(r#"request method=GET route=GET /me status=200 sub="2a6b8c0d-3e5f-4a7b-9c1d-e2f3a4b5c6d7""#),
        "{logs}"
    );
    assert!(logs.contains("route=GET /admin status=403"), "{logs}");
    for secret in ["Bearer", "eyJ", "alice@example.com", "authorization"] {
        assert!(!logs.contains(secret), "logs contain {secret:?}:\n{logs}");
    }
}

#[tokio::test]
async fn binary_refuses_to_start_with_a_bad_setting_and_names_it() {
    let runtime = RuntimeApi::start().await;
    let mut function = start(
        &runtime,
        "bad-config",
        &[("CORS_ALLOW_ORIGIN", "app.example.com")],
    );
    let status = function.wait_exit(Duration::from_secs(10)).await;
    let description = function.describe();
    let status =
        status.unwrap_or_else(|| panic!("still running with a bad setting: {description}"));
    assert!(!status.success(), "{description}");
    assert!(description.contains("CORS_ALLOW_ORIGIN"), "{description}");
}
