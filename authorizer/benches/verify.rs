//! Criterion figures for what a warm authorizer costs per request, beside the floor it cannot
//! go under: one raw RSA-2048 PKCS#1 v1.5 SHA-256 verification with the same crypto library
//! (aws-lc-rs), over the same bytes, in the same run. Also a few steps of the path, and
//! jsonwebtoken 11 on the same token for comparison.
//!
//! `cargo bench -p authorizer --bench verify`. On a busy machine prefer `--bench overhead`.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use testkit::TestKey;

fn bench(c: &mut Criterion) {
    let f = common::Fixture::signed_with(oidc_jwt_verifier::config::JwkAlgorithm::RS256);
    let mut group = c.benchmark_group("authorizer");
    group.bench_function("raw_rsa2048_verify", |b| {
        b.iter(|| f.raw_verify(black_box(&f.signing_input), black_box(&f.signature)))
    });
    group.bench_function("verify_token_warm", |b| {
        b.iter(|| f.verify(black_box(&f.token)))
    });
    group.bench_function("token_event_json_to_policy_json", |b| {
        b.iter(|| f.handle_event(black_box(&f.event)))
    });
    group.bench_function("step_token_parse", |b| {
        b.iter(|| {
            oidc_jwt_verifier::dangerous::parse_unverified(black_box(&f.token), 8192).unwrap()
        })
    });
    // The one decision line a warm invocation writes, JSON with the EMF block, serialized and
    // written to a sink (the write to stdout is a syscall apart).
    let json = authorizer::decision_log::DecisionLog::new(
        lambda_log::LogSettings {
            format: lambda_log::LogFormat::Json,
            ..Default::default()
        },
        Some("CognitoAuthorizer".to_owned()),
        std::io::sink(),
    );
    let invocation = authorizer::decision_log::Invocation {
        request_id: Some("8f5f3c3e-4d5e-4a8b-9c1d-2e3f4a5b6c7d"),
        trace_id: Some("Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e"),
    };
    group.bench_function("decision_line_json_emf", |b| {
        b.iter(|| {
            json.decision(
                black_box(invocation),
                authorizer::decision_log::Decision {
                    event: "rest_token",
                    decision: "allow",
                    reason: "valid_token",
                    sub: Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into()),
                    latency_us: 41,
                    ..Default::default()
                },
            )
        })
    });
    group.bench_function("step_event_json_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&f.event)).unwrap())
    });

    // For comparison only: the same token through jsonwebtoken 11 (aws_lc_rs backend), which
    // rebuilds the RSA public key from n and e on every verification.
    let jwk = TestKey::shared(0).jwk();
    let decoding_key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[common::CLIENT]);
    group.bench_function("jsonwebtoken_decode_for_comparison", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(
                black_box(&f.token),
                &decoding_key,
                &validation,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
