//! The `authorizer` binary with a JWKS seed (`JWKS_SEED`), run the way Lambda runs it: its
//! first answer needs no request to the JWKS endpoint (even a slow one), a token under a key
//! the seed lacks is answered after one fetch, and a seed that cannot be used stops init
//! naming the variable.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{
    FunctionProcess, JwksServer, Mode, Outcome, RuntimeApi, TestKey, cognito_claims, mint,
};

const POOL: &str = "ap-northeast-1_SeedTest1";
const CLIENT: &str = "seedclient";
const WAIT: Duration = Duration::from_secs(20);

fn event(token: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/me",
    })
}

fn token(key: &TestKey) -> String {
    mint(
        key,
        &json!({"kid": key.kid, "alg": "RS256"}),
        &cognito_claims(POOL, CLIENT, "id"),
    )
}

fn seed(keys: &[&TestKey]) -> String {
    let issuer = format!("https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}");
    json!({ issuer: TestKey::jwks(keys) }).to_string()
}

fn spawn(
    runtime: &RuntimeApi,
    jwks: &JwksServer,
    extra: &[(&str, &str)],
    log_name: &str,
) -> FunctionProcess {
    let binary = testkit::function_binary("AUTHORIZER_BINARY", env!("CARGO_BIN_EXE_authorizer"));
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{log_name}.log"));
    let endpoint = jwks.base_url();
    let mut env = vec![
        ("USER_POOL_ID", POOL),
        ("APP_CLIENT_ID", CLIENT),
        ("COGNITO_ENDPOINT", endpoint.as_str()),
    ];
    env.extend_from_slice(extra);
    runtime.spawn_function(&binary, env, &log)
}

async fn allowed(runtime: &mut RuntimeApi, id: &str, key: &TestKey) -> bool {
    let reply = runtime.invoke(id, &event(&token(key)), WAIT).await;
    matches!(
        reply.map(|reply| reply.outcome),
        Some(Outcome::Response(response)) if response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_cold_start_answers_before_any_request_to_a_slow_jwks() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    // As far away as Cognito over TLS from a Lambda.
    jwks.set_mode(Mode::Slow {
        delay: Duration::from_millis(80),
        body: TestKey::jwks(&[key]).to_string().into_bytes(),
    });
    let mut runtime = RuntimeApi::start().await;
    let seed = seed(&[key]);
    let function = spawn(&runtime, &jwks, &[("JWKS_SEED", &seed)], "seeded");
    assert!(
        allowed(&mut runtime, "first", key).await,
        "{}",
        function.log()
    );
    assert_eq!(
        jwks.hits(),
        0,
        "no request before (or for) the first answer"
    );
    function.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_seed_lacks_is_fetched_once() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    // Cognito rotated after the seed was written.
    let jwks = JwksServer::start(TestKey::jwks(&[old, new]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let seed = seed(&[old]);
    let function = spawn(&runtime, &jwks, &[("JWKS_SEED", &seed)], "rotated");
    assert!(
        allowed(&mut runtime, "old", old).await,
        "{}",
        function.log()
    );
    assert_eq!(jwks.hits(), 0);
    assert!(
        allowed(&mut runtime, "new", new).await,
        "{}",
        function.log()
    );
    assert_eq!(jwks.hits(), 1, "one fetch for the unknown kid");
    assert!(allowed(&mut runtime, "new-again", new).await);
    assert!(allowed(&mut runtime, "old-again", old).await);
    assert_eq!(jwks.hits(), 1);
    function.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_seed_is_an_init_error_naming_the_variable() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let mut runtime = RuntimeApi::start().await;
    let other_pool = json!({
        "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Other": TestKey::jwks(&[key])
    })
    .to_string();
    for (index, value) in ["{\"keys\": [", other_pool.as_str()]
        .into_iter()
        .enumerate()
    {
        let mut function = spawn(
            &runtime,
            &jwks,
            &[("JWKS_SEED", value)],
            &format!("bad-seed-{index}"),
        );
        let answer = runtime.next_reply(WAIT).await.map(|reply| reply.outcome);
        let Some(Outcome::InitError(error)) = answer else {
            panic!("no init error: {answer:?}\n{}", function.describe())
        };
        let message = error["errorMessage"].as_str().unwrap();
        assert!(message.contains("JWKS_SEED"), "{message}");
        let status = function.wait_exit(WAIT).await;
        assert!(status.is_some_and(|status| !status.success()));
        function.stop();
    }
    assert_eq!(jwks.hits(), 0);
}
