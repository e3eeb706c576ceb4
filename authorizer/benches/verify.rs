//! What a warm authorizer costs per request, beside the floor it cannot go under: one raw
//! RSA-2048 PKCS#1 v1.5 SHA-256 verification with the same crypto library (aws-lc-rs), over the
//! same bytes, measured in the same run.
//!
//! `cargo bench -p authorizer --bench verify`; `scripts/bench-report.sh` prints the ratios.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::{self, RsaPublicKeyComponents};
use cognito_authorizer::apigw::Authorizer;
use cognito_authorizer::config::PoolConfig;
use cognito_authorizer::route_rules::RouteRules;
use cognito_authorizer::{
    HttpApiResponse, HttpJwksFetcher, KeyStore, SystemClock, Verifier, VerifierConfig,
};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use testkit::{JwksServer, TestKey, cognito_claims, mint};

const POOL: &str = "ap-northeast-1_BenchPool";
const CLIENT: &str = "benchclient";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = TestKey::shared(0);
    let server = runtime.block_on(JwksServer::start(TestKey::jwks(&[key]).to_string()));

    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
    let verifier = || {
        let fetcher = Arc::new(HttpJwksFetcher::new(Duration::from_secs(2)).unwrap());
        let store = KeyStore::new(
            &config.pools,
            &config.algorithms,
            fetcher,
            Arc::new(SystemClock),
            Duration::from_secs(10),
        );
        Verifier::new(config.clone(), store, Arc::new(SystemClock))
    };
    let rules = RouteRules::parse(r#"{"GET /admin": {"groups": ["admin"]}}"#).unwrap();
    let authorizer = Authorizer::new(verifier(), rules, HttpApiResponse::Simple);
    let verifier = verifier();

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
    // Warm both caches, and prove the event is allowed (a rejected one would be cheaper).
    runtime.block_on(verifier.verify(&token)).unwrap();
    let warm = runtime
        .block_on(authorizer.handle(&serde_json::from_slice(&event).unwrap()))
        .unwrap();
    assert_eq!(
        warm.to_json()["policyDocument"]["Statement"][0]["Effect"],
        "Allow"
    );
    assert_eq!(server.hits(), 2);

    let (signing_input, signature_b64) = token.rsplit_once('.').unwrap();
    let signature_bytes = base64_decode(signature_b64);
    let (n, e) = key.components();
    let raw_key = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
        .unwrap();

    let mut group = c.benchmark_group("authorizer");
    group.bench_function("raw_rsa2048_verify", |b| {
        b.iter(|| {
            raw_key
                .verify_sig(
                    black_box(signing_input.as_bytes()),
                    black_box(&signature_bytes),
                )
                .unwrap()
        })
    });
    group.bench_function("verify_token_warm", |b| {
        b.iter(|| ready(&runtime, verifier.verify(black_box(&token))).unwrap())
    });
    group.bench_function("token_event_json_to_policy_json", |b| {
        b.iter(|| {
            let event: serde_json::Value = serde_json::from_slice(black_box(&event)).unwrap();
            let response = ready(&runtime, authorizer.handle(&event)).unwrap();
            serde_json::to_vec(&response).unwrap()
        })
    });

    group.bench_function("step_token_parse", |b| {
        b.iter(|| cognito_authorizer::token::parse(black_box(&token), 8192).unwrap())
    });
    group.bench_function("step_event_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&event)).unwrap())
    });
    let response = ready(
        &runtime,
        authorizer.handle(&serde_json::from_slice(&event).unwrap()),
    )
    .unwrap();
    group.bench_function("step_response_serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&response)).unwrap())
    });

    // For comparison only: the same token through jsonwebtoken 11 (aws_lc_rs backend), which
    // rebuilds the RSA key from n and e on every verification.
    let decoding_key = jsonwebtoken::DecodingKey::from_rsa_components(
        key.jwk()["n"].as_str().unwrap(),
        key.jwk()["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[CLIENT]);
    group.bench_function("jsonwebtoken_decode_for_comparison", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &decoding_key, &validation)
                .unwrap()
        })
    });
    group.finish();
}

/// Runs a future that is expected to complete without waiting (a warm cache never awaits I/O)
/// by polling it once, so the figures measure our code rather than the executor's
/// bookkeeping; falls back to the runtime if it does wait.
fn ready<F: std::future::Future>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => runtime.block_on(future),
    }
}

fn base64_decode(b64: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
