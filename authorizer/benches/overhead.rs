//! The per-request overhead target, measured so that a busy machine cannot fake it: batches of
//! raw signature verifications (the floor) and of whole TOKEN events are timed back to back,
//! round after round, and the ratio is taken per round; the median ratio is reported. Load
//! from other processes hits both sides of each round alike. Each signature family has its own
//! floor: RS256 (Cognito's: RSA-2048 PKCS#1 v1.5), ES256 (ECDSA P-256) and EdDSA (Ed25519).
//!
//! `cargo bench -p authorizer --bench overhead [RS256|ES256|EdDSA]...` (prints figures for the
//! algorithms named, all three by default; target for each: event ≤ 1.3 × its raw verify).

mod common;

use std::hint::black_box;
use std::time::Instant;

use oidc_jwt_verifier::config::JwkAlgorithm;

const ROUNDS: usize = 61;
const BATCH: usize = 300;
const TARGET: f64 = 1.30;

fn main() {
    // `cargo bench` passes `--bench`; other arguments name the algorithms to measure.
    let named: Vec<JwkAlgorithm> = std::env::args()
        .skip(1)
        .filter_map(|arg| JwkAlgorithm::from_name(&arg))
        .collect();
    let algorithms = if named.is_empty() {
        vec![
            JwkAlgorithm::RS256,
            JwkAlgorithm::ES256,
            JwkAlgorithm::EdDSA,
        ]
    } else {
        named
    };
    println!("rounds: {ROUNDS} x {BATCH} calls each, interleaved, per algorithm");
    let mut missed = Vec::new();
    for alg in algorithms {
        if !measure(alg) {
            missed.push(alg.name());
        }
    }
    if !missed.is_empty() {
        println!("MISSED for: {}", missed.join(", "));
    }
}

/// Measures one algorithm's fixture and prints its figures; whether the target was met.
fn measure(alg: JwkAlgorithm) -> bool {
    let f = common::Fixture::signed_with(alg);
    let (mut raw_us, mut verify_us, mut event_us) = (Vec::new(), Vec::new(), Vec::new());
    let (mut verify_ratio, mut event_ratio) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let r = per_call(|| f.raw_verify(black_box(&f.signing_input), black_box(&f.signature)));
        let v = per_call(|| drop(black_box(f.verify(black_box(&f.token)))));
        let h = per_call(|| drop(black_box(f.handle_event(black_box(&f.event)))));
        raw_us.push(r);
        verify_us.push(v);
        event_us.push(h);
        verify_ratio.push(v / r);
        event_ratio.push(h / r);
    }
    let floor = match alg {
        JwkAlgorithm::RS256 => "raw RSA-2048 verify (aws-lc-rs)",
        JwkAlgorithm::ES256 => "raw ECDSA P-256 verify (aws-lc-rs)",
        _ => "raw Ed25519 verify (aws-lc-rs)",
    };
    println!("== {}", alg.name());
    println!("{floor:<38} median {:.2} µs", percentile(&mut raw_us, 50));
    println!(
        "{:<38} median {:.2} µs",
        "verify token (warm cache):",
        percentile(&mut verify_us, 50)
    );
    println!(
        "{:<38} median {:.2} µs",
        "TOKEN event JSON -> policy JSON:",
        percentile(&mut event_us, 50)
    );
    for (name, ratios) in [
        ("verify / raw", &mut verify_ratio),
        ("event / raw ", &mut event_ratio),
    ] {
        let (p10, p50, p90) = (
            percentile(ratios, 10),
            percentile(ratios, 50),
            percentile(ratios, 90),
        );
        println!("{name}:  median {p50:.3}  (p10 {p10:.3}, p90 {p90:.3})");
    }
    let met = percentile(&mut event_ratio, 50) <= TARGET;
    println!(
        "target event / raw <= {TARGET:.2}: {}",
        if met { "met" } else { "MISSED" }
    );
    met
}

/// Mean microseconds per call over a batch.
fn per_call(mut call: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..BATCH {
        call();
    }
    started.elapsed().as_secs_f64() * 1e6 / BATCH as f64
}

fn percentile(values: &mut [f64], p: usize) -> f64 {
    values.sort_by(f64::total_cmp);
    values[(values.len() - 1) * p / 100]
}
