//! `max_auth_age_seconds` through the gateway's authorizer result cache: the authorizer learns
//! the TTL (`AUTHORIZER_CACHE_TTL_SECONDS`, here from `--ttl` as the binary wires it) and lets a
//! token through only if it stays within the bound for the whole TTL, so a cached answer can
//! no longer let it in after the bound. Real time passes here: the in-process authorizer uses
//! the system clock and the gateway's cache `Instant`s.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use local_gateway::authorize::AuthorizerKind;
use local_gateway::cli::Options;
use local_gateway::config::{gateway_config, in_process, with_cache_ttl};
use local_gateway::{Gateway, server};
use serde_json::json;
use testkit::{JwksServer, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_TestPool1";
const CLIENT: &str = "190d8ar0cc5pc1isoec2s5ncvb";
/// The cache TTL and the bound: a token is let in only while `auth_time` is at most
/// `BOUND - TTL` = 2 s old, so that it is at most `BOUND` s old when the cached answer expires.
const TTL: u64 = 2;
const BOUND: u64 = 4;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An ID token signed in `age` seconds ago.
fn signed_in(age: u64) -> String {
    let key = TestKey::shared(0);
    let mut claims = cognito_claims(POOL, CLIENT, "id");
    claims["auth_time"] = json!(now() - age);
    mint(key, &json!({"kid": key.kid, "alg": "RS256"}), &claims)
}

struct Stack {
    gateway: Arc<Gateway>,
    base: String,
    _jwks: JwksServer,
}

/// A gateway caching for [`TTL`] in front of the in-process functions, with `variable` (the
/// authorizer's `REQUIRED_CLAIMS` or `ROUTE_RULES`) set to `rules`.
async fn stack(kind: AuthorizerKind, variable: &'static str, rules: String) -> Stack {
    let jwks = JwksServer::start(TestKey::jwks(&[TestKey::shared(0)]).to_string()).await;
    let endpoint = jwks.base_url();
    let lookup = move |name: &str| match name {
        "USER_POOL_ID" => Some(POOL.to_owned()),
        "APP_CLIENT_ID" => Some(CLIENT.to_owned()),
        "COGNITO_ENDPOINT" => Some(endpoint.clone()),
        name if name == variable => Some(rules.clone()),
        _ => None,
    };
    let options = Options {
        authorizer: kind,
        ttl: Duration::from_secs(TTL),
        stage: if kind == AuthorizerKind::Http {
            "$default"
        } else {
            "prod"
        }
        .into(),
        ..Options::default()
    };
    let config = gateway_config(&options, &lookup);
    let functions = in_process(with_cache_ttl(&options, lookup).unwrap())
        .await
        .expect("in-process functions");
    let gateway = Arc::new(Gateway::new(config, functions));
    let addr = server::spawn(Arc::clone(&gateway)).await.unwrap();
    Stack {
        gateway,
        base: format!("http://{addr}"),
        _jwks: jwks,
    }
}

async fn status(base: &str, path: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("gateway reachable")
        .status()
        .as_u16()
}

fn global_rule() -> String {
    format!(r#"{{"max_auth_age_seconds": {BOUND}}}"#)
}

fn route_rule() -> String {
    format!(r#"{{"GET /me": {{"required_claims": {{"max_auth_age_seconds": {BOUND}}}}}}}"#)
}

/// A token within the bound now but not for the whole TTL (3 s old, bound 4 s, TTL 2 s) is
/// refused, in every answer shape and for global and route rules alike: before, the first
/// answer was an Allow that API Gateway reused until the token was 5 s old.
#[tokio::test]
async fn a_token_that_would_go_stale_in_the_cache_is_refused() {
    let cases = [
        (
            "REST TOKEN, route rule",
            AuthorizerKind::Token,
            "ROUTE_RULES",
            route_rule(),
        ),
        (
            "REST REQUEST, route rule",
            AuthorizerKind::Request,
            "ROUTE_RULES",
            route_rule(),
        ),
        (
            "HTTP simple, route rule",
            AuthorizerKind::Http,
            "ROUTE_RULES",
            route_rule(),
        ),
        (
            "REST TOKEN, global rule",
            AuthorizerKind::Token,
            "REQUIRED_CLAIMS",
            global_rule(),
        ),
        (
            "HTTP simple, global rule",
            AuthorizerKind::Http,
            "REQUIRED_CLAIMS",
            global_rule(),
        ),
    ];
    for (name, kind, variable, rules) in cases {
        let s = stack(kind, variable, rules).await;
        let (fresh, stale) = (signed_in(0), signed_in(BOUND - 1));
        assert_eq!(status(&s.base, "/me", &fresh).await, 200, "{name}: fresh");
        assert_eq!(status(&s.base, "/me", &stale).await, 403, "{name}: stale");
        // The route rule guards /me only; the global rule every route.
        let hello = if variable == "ROUTE_RULES" { 200 } else { 403 };
        assert_eq!(
            status(&s.base, "/hello", &stale).await,
            hello,
            "{name}: /hello"
        );
    }
}

/// A token let in is let in from the cache for the TTL, never past the bound: once the cache
/// has expired the authorizer judges it again, and by then it is too old.
#[tokio::test]
async fn a_cached_allow_expires_before_the_bound() {
    let s = stack(AuthorizerKind::Token, "ROUTE_RULES", route_rule()).await;
    let token = signed_in(0);
    assert_eq!(status(&s.base, "/me", &token).await, 200);
    assert_eq!(status(&s.base, "/me", &token).await, 200);
    assert_eq!(
        s.gateway.authorizer_invocations(),
        1,
        "the second answer came from the cache"
    );
    // Past the TTL, the token is over BOUND - TTL seconds old: no longer let in.
    tokio::time::sleep(Duration::from_millis((TTL + 1) * 1000 + 100)).await;
    assert_eq!(status(&s.base, "/me", &token).await, 403);
    assert_eq!(s.gateway.authorizer_invocations(), 2, "asked again");
}
