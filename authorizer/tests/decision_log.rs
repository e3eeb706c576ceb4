//! The binary's log under Lambda's JSON log format, run the way Lambda runs it: exactly one line
//! per invocation whatever the answer, a valid CloudWatch EMF metric in that line, nothing at
//! ERROR for an expected 401 or 403, one ERROR line for a 500, and never a token.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{
    FunctionProcess, JwksServer, Outcome, RuntimeApi, TestKey, cognito_claims,
    cognito_machine_claims, mint,
};

const POOL: &str = "ap-northeast-1_LogTest";
const CLIENT: &str = "logclient";
const WAIT: Duration = Duration::from_secs(20);
const ARN: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";

fn event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": ARN})
}

/// An HTTP API (payload 2.0) event for `route_key` (`GET /admin`), whose identity sources are
/// the default ones with route rules and simple responses: the header and the route key.
fn http_event(token: &str, route_key: &str) -> Value {
    let header = format!("Bearer {token}");
    let route = route_key.replacen(' ', "", 1);
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": format!("arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/$default/{route}"),
        "identitySource": [header, route_key], "routeKey": route_key,
        "headers": {"authorization": header},
    })
}

fn token(key: &TestKey, groups: &[&str]) -> String {
    let mut claims = cognito_claims(POOL, CLIENT, "id");
    claims["cognito:groups"] = json!(groups);
    mint(key, &json!({"kid": key.kid, "alg": "RS256"}), &claims)
}

fn env(endpoint: String) -> Vec<(&'static str, String)> {
    vec![
        ("USER_POOL_ID", POOL.to_owned()),
        ("APP_CLIENT_ID", CLIENT.to_owned()),
        ("COGNITO_ENDPOINT", endpoint),
        ("REQUIRED_GROUPS", "staff,admin".to_owned()),
        // Answered per route in HTTP API simple responses; in REST policies, a Deny inside
        // an Allow.
        (
            "ROUTE_RULES",
            r#"{"GET /admin": {"groups": ["admin"]}}"#.to_owned(),
        ),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
    ]
}

/// The authorizer under `runtime` with `env`, its output in Cargo's temporary directory.
fn spawn(
    runtime: &RuntimeApi,
    env: Vec<(&'static str, String)>,
    log_name: &str,
) -> FunctionProcess {
    let binary = testkit::function_binary("AUTHORIZER_BINARY", env!("CARGO_BIN_EXE_authorizer"));
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{log_name}.log"));
    runtime.spawn_function(&binary, env, &log)
}

/// Every line is one JSON object; returns them.
fn json_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"))
        })
        .collect()
}

fn decisions(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|line| line["message"] == "authorization decision")
        .collect()
}

fn assert_valid_emf(line: &Value) {
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert!(line["_aws"]["Timestamp"].is_u64(), "{line}");
    assert_eq!(directive["Namespace"], "CognitoAuthorizer", "{line}");
    for set in directive["Dimensions"].as_array().unwrap() {
        for name in set.as_array().unwrap() {
            assert!(line[name.as_str().unwrap()].is_string(), "{line}");
        }
    }
    let metric = directive["Metrics"][0]["Name"].as_str().unwrap();
    assert_eq!(line[metric], 1, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_json_line_per_decision_with_an_emf_metric_and_no_token() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let function = spawn(&runtime, env(jwks.base_url()), "decision-log-json");

    let staff = token(key, &["staff"]);
    let outsider = token(key, &["guests"]);
    let tampered = format!("{staff}x");
    // Authentic but expired: a 401 whose line names the caller.
    let expired = {
        let mut claims = cognito_claims(POOL, CLIENT, "id");
        let iat = claims["iat"].as_u64().unwrap();
        claims["iat"] = json!(iat - 7200);
        claims["exp"] = json!(iat - 3600);
        mint(key, &json!({"kid": key.kid, "alg": "RS256"}), &claims)
    };
    // (event, logged event kind, decision, reason)
    let cases = [
        (event(&staff), "rest_token", "allow", "valid_token"),
        (event(&outsider), "rest_token", "deny", "missing_group"),
        (event(&tampered), "rest_token", "unauthorized", "malformed"),
        (event(&expired), "rest_token", "unauthorized", "expired"),
        (
            http_event(&staff, "GET /hello"),
            "http_v2",
            "allow",
            "valid_token",
        ),
        // A 403 from a route rule on this route, not a failed token.
        (
            http_event(&staff, "GET /admin"),
            "http_v2",
            "deny",
            "route_rule",
        ),
    ];
    for (index, (event, _, _, _)) in cases.iter().enumerate() {
        let reply = runtime.invoke(&format!("req-{index}"), event, WAIT).await;
        assert!(reply.is_some(), "no answer");
    }
    let logs = function.log();
    let lines = json_lines(&logs);
    let decided = decisions(&lines);
    assert_eq!(
        decided.len(),
        cases.len(),
        "one line per invocation:\n{logs}"
    );
    for (line, (_, kind, decision, reason)) in decided.iter().zip(&cases) {
        assert_eq!(
            (
                line["event"].as_str(),
                line["decision"].as_str(),
                line["reason"].as_str()
            ),
            (Some(*kind), Some(*decision), Some(*reason)),
            "{line}"
        );
        assert_eq!(line["level"], "INFO", "{line}");
        assert!(
            line["requestId"].is_string() && line["latency_us"].is_u64(),
            "{line}"
        );
        // An answer that checked a signature took some microseconds; the line says how many.
        if *decision != "unauthorized" {
            assert!(line["latency_us"].as_u64() > Some(0), "{line}");
        }
        assert_valid_emf(line);
    }
    // A 401 says why in words; it names the caller only when the token was authentic.
    let sub = cognito_claims(POOL, CLIENT, "id")["sub"].clone();
    let (tampered_line, expired_line) = (decided[2], decided[3]);
    for line in [tampered_line, expired_line] {
        assert!(
            line["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{line}"
        );
    }
    assert!(tampered_line.get("sub").is_none(), "{tampered_line}");
    assert_eq!(expired_line["sub"], sub, "{expired_line}");
    assert!(
        lines.iter().all(|line| line["level"] != "ERROR"),
        "an expected 401 or 403 is logged at ERROR:\n{logs}"
    );
    let fetched: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "JWKS fetched")
        .collect();
    assert_eq!(
        fetched.len(),
        2,
        "one fetch per issuer form at init:\n{logs}"
    );
    for line in fetched {
        assert_valid_emf(line);
    }
    for token in [&staff, &outsider, &tampered, &expired] {
        let signature = token.rsplit_once('.').unwrap().1;
        assert!(!logs.contains(signature), "a token reached the logs");
    }
}

/// A Cognito client-credentials token (no username, `sub` = its app client) is named a
/// machine caller on the decision line and in the context the API receives; a user's token a
/// user. A scope required by a route rule is what the machine earns its way in with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_callers_are_named_on_the_decision_line_and_in_the_context() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let mut env = env(jwks.base_url());
    env.retain(|(name, _)| !matches!(*name, "REQUIRED_GROUPS" | "ROUTE_RULES"));
    env.push((
        "ROUTE_RULES",
        r#"{"GET /hello": {"scopes": ["myapi/read"]}}"#.to_owned(),
    ));
    let function = spawn(&runtime, env, "decision-log-machine");
    let header = json!({"kid": key.kid, "alg": "RS256"});
    let machine = mint(
        key,
        &header,
        &cognito_machine_claims(POOL, CLIENT, "myapi/read"),
    );
    let user = mint(key, &header, &cognito_claims(POOL, CLIENT, "access"));
    // (token, caller, decision). The user's token lacks /hello's scope: a REST policy is an
    // Allow that denies that route inside it, so its line says allow too.
    let cases = [(&machine, "machine", "allow"), (&user, "user", "allow")];
    for (index, (token, caller, _)) in cases.iter().enumerate() {
        let reply = runtime
            .invoke(&format!("req-m{index}"), &event(token), WAIT)
            .await;
        let Some(Outcome::Response(answer)) = reply.map(|reply| reply.outcome) else {
            panic!("no answer for the {caller}");
        };
        assert_eq!(answer["context"]["caller"], *caller, "{answer}");
    }
    let logs = function.log();
    let lines = json_lines(&logs);
    let decided = decisions(&lines);
    assert_eq!(decided.len(), cases.len(), "{logs}");
    for (line, (_, caller, decision)) in decided.iter().zip(&cases) {
        assert_eq!(line["caller"], *caller, "{line}");
        assert_eq!(line["decision"], *decision, "{line}");
    }
    assert_eq!(
        decided[0]["sub"], CLIENT,
        "a machine's sub is its app client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_one_error_line() {
    let key = TestKey::shared(0);
    // Nothing listens there: no key can be had, at init or later.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut runtime = RuntimeApi::start().await;
    // At ERROR only the 500 is written, and it still names its request: lambda_runtime's
    // invocation span (INFO) must stay enabled whatever the level.
    let mut env = env(endpoint);
    env.retain(|(name, _)| *name != "AWS_LAMBDA_LOG_LEVEL");
    env.push(("AWS_LAMBDA_LOG_LEVEL", "ERROR".to_owned()));
    let function = spawn(&runtime, env, "decision-log-500");
    let reply = runtime
        .invoke("req-500", &event(&token(key, &["staff"])), WAIT)
        .await;
    let outcome = reply.map(|reply| reply.outcome);
    assert!(matches!(outcome, Some(Outcome::Error(_))), "{outcome:?}");
    let logs = function.log();
    let lines = json_lines(&logs);
    let errors: Vec<&Value> = lines.iter().filter(|l| l["level"] == "ERROR").collect();
    assert_eq!(errors.len(), 1, "exactly one ERROR line:\n{logs}");
    assert_eq!(errors[0]["decision"], "error");
    assert_eq!(
        errors[0]["requestId"], "req-500",
        "the line names its request"
    );
    assert_eq!(errors[0]["reason"], "jwks_unavailable");
    assert_valid_emf(errors[0]);
    // At ERROR the JWKS fetch failures (WARN) are not written: the one line is the 500.
    assert_eq!(lines.len(), 1, "{logs}");
}

/// With `REVOCATION_TABLE` set and the table unreachable: `closed` answers 500 in one ERROR
/// decision line naming `revocation_unavailable`; `open` allows, and its one decision line is
/// at ERROR too (`revocation_unchecked`), so an operator sees every unchecked Allow. Neither
/// writes the token or the secret key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_revocation_list_is_one_error_line_closed_or_open() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let table_endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let staff = token(key, &["staff"]);
    for (policy, answered, reason) in [
        ("closed", "error", "revocation_unavailable"),
        ("open", "allow", "revocation_unchecked"),
    ] {
        let mut runtime = RuntimeApi::start().await;
        let mut env = env(jwks.base_url());
        env.extend([
            ("REVOCATION_TABLE", "revocations".to_owned()),
            ("REVOCATION_FAILURE", policy.to_owned()),
            ("AWS_REGION", "ap-northeast-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_owned()),
            (
                "AWS_SECRET_ACCESS_KEY",
                "secret-key-never-logged".to_owned(),
            ),
            ("AWS_ENDPOINT_URL_DYNAMODB", table_endpoint.clone()),
        ]);
        let function = spawn(&runtime, env, &format!("decision-log-revocation-{policy}"));
        let reply = runtime
            .invoke(&format!("req-{policy}"), &event(&staff), WAIT)
            .await;
        let outcome = reply.map(|reply| reply.outcome);
        match answered {
            "error" => assert!(
                matches!(outcome, Some(Outcome::Error(_))),
                "{policy}: {outcome:?}"
            ),
            _ => assert!(
                matches!(&outcome, Some(Outcome::Response(r)) if r["policyDocument"]["Statement"][0]["Effect"] == "Allow"),
                "{policy}: {outcome:?}"
            ),
        }
        let logs = function.log();
        let lines = json_lines(&logs);
        let decided = decisions(&lines);
        assert_eq!(decided.len(), 1, "{policy}: one decision line:\n{logs}");
        let line = decided[0];
        assert_eq!(
            (
                line["level"].as_str(),
                line["decision"].as_str(),
                line["reason"].as_str()
            ),
            (Some("ERROR"), Some(answered), Some(reason)),
            "{policy}: {line}"
        );
        assert!(
            line["error"].is_string(),
            "{policy}: names the failure: {line}"
        );
        assert_valid_emf(line);
        let signature = staff.rsplit_once('.').unwrap().1;
        assert!(
            !logs.contains(signature),
            "{policy}: a token reached the logs"
        );
        assert!(
            !logs.contains("secret-key-never-logged"),
            "{policy}: the secret key reached the logs"
        );
    }
}
