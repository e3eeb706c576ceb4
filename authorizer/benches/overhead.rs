//! The per-request overhead target, measured so that a busy machine cannot fake it: batches of
//! raw RSA verifications (the floor) and of whole TOKEN events are timed back to back, round
//! after round, and the ratio is taken per round; the median ratio is reported. Load from
//! other processes hits both sides of each round alike.
//!
//! `cargo bench -p authorizer --bench overhead` (prints figures; target: event ≤ 1.3 × raw).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{self, RsaPublicKeyComponents};
use cognito_authorizer::apigw::Authorizer;
use cognito_authorizer::config::PoolConfig;
use cognito_authorizer::route_rules::RouteRules;
use cognito_authorizer::{
    HttpApiResponse, HttpJwksFetcher, KeyStore, SystemClock, Verifier, VerifierConfig,
};
use serde_json::json;
use testkit::{JwksServer, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_BenchPool";
const CLIENT: &str = "benchclient";
const ROUNDS: usize = 61;
const BATCH: usize = 300;

fn main() {
    // `cargo bench` passes `--bench`; any other argument (a filter from `cargo bench foo`)
    // is ignored: this target always reports the same three figures.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = TestKey::shared(0);
    let server = runtime.block_on(JwksServer::start(TestKey::jwks(&[key]).to_string()));
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
    let fetcher = Arc::new(HttpJwksFetcher::new(Duration::from_secs(2)).unwrap());
    let store = KeyStore::new(
        &config.pools,
        &config.algorithms,
        fetcher,
        Arc::new(SystemClock),
        Duration::from_secs(10),
    );
    let verifier = Verifier::new(config, store, Arc::new(SystemClock));
    let rules = RouteRules::parse(r#"{"GET /admin": {"groups": ["admin"]}}"#).unwrap();
    let authorizer = Authorizer::new(verifier, rules, HttpApiResponse::Simple);

    let token = mint(
        key,
        &json!({"kid": key.kid, "alg": "RS256"}),
        &cognito_claims(POOL, CLIENT, "id"),
    );
    let event = json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello",
    })
    .to_string()
    .into_bytes();
    let handle_event = || {
        let event: serde_json::Value = serde_json::from_slice(black_box(&event)).unwrap();
        let response = ready(&runtime, authorizer.handle(&event)).unwrap();
        serde_json::to_vec(&response).unwrap()
    };
    // Warm the cache inside the runtime (the first call fetches the JWKS), and check the event
    // is allowed (a refused one would be cheaper).
    runtime
        .block_on(authorizer.verifier().verify(&token))
        .unwrap();
    let warm: serde_json::Value = serde_json::from_slice(&handle_event()).unwrap();
    assert_eq!(warm["policyDocument"]["Statement"][0]["Effect"], "Allow");

    let (signing_input, signature_b64) = token.rsplit_once('.').unwrap();
    let signature_bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature_b64)
            .unwrap()
    };
    let (n, e) = key.components();
    let raw_key = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
        .unwrap();
    let raw = || {
        raw_key
            .verify_sig(
                black_box(signing_input.as_bytes()),
                black_box(&signature_bytes),
            )
            .unwrap()
    };
    let verify = || {
        black_box(ready(&runtime, authorizer.verifier().verify(black_box(&token))).unwrap());
    };

    let (mut raw_us, mut verify_us, mut event_us) = (Vec::new(), Vec::new(), Vec::new());
    let (mut verify_ratio, mut event_ratio) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let r = per_call(BATCH, raw);
        let v = per_call(BATCH, verify);
        let h = per_call(BATCH, || {
            black_box(handle_event());
        });
        raw_us.push(r);
        verify_us.push(v);
        event_us.push(h);
        verify_ratio.push(v / r);
        event_ratio.push(h / r);
    }
    println!("rounds: {ROUNDS} x {BATCH} calls each, interleaved");
    println!(
        "raw RSA-2048 verify (aws-lc-rs):   median {:.2} µs",
        median(&mut raw_us)
    );
    println!(
        "verify token (warm cache):         median {:.2} µs",
        median(&mut verify_us)
    );
    println!(
        "TOKEN event JSON -> policy JSON:   median {:.2} µs",
        median(&mut event_us)
    );
    println!(
        "verify / raw:  median {:.3}  (p10 {:.3}, p90 {:.3})",
        median(&mut verify_ratio),
        pct(&verify_ratio, 10),
        pct(&verify_ratio, 90)
    );
    let event_median = median(&mut event_ratio);
    println!(
        "event / raw:   median {:.3}  (p10 {:.3}, p90 {:.3})",
        event_median,
        pct(&event_ratio, 10),
        pct(&event_ratio, 90)
    );
    println!(
        "target event / raw <= 1.30: {}",
        if event_median <= 1.30 {
            "met"
        } else {
            "MISSED"
        }
    );
}

/// Mean microseconds per call over a batch.
fn per_call(batch: usize, mut call: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..batch {
        call();
    }
    started.elapsed().as_secs_f64() * 1e6 / batch as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The `p`th percentile of already sorted values.
fn pct(sorted: &[f64], p: usize) -> f64 {
    let mut v = sorted.to_vec();
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) * p / 100]
}

/// Polls a future that completes without waiting (a warm cache does no I/O) once, so the
/// figures measure our code rather than executor bookkeeping; falls back to the runtime.
fn ready<F: std::future::Future>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => runtime.block_on(future),
    }
}
