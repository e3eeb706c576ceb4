//! The per-request overhead target, measured so that a busy machine cannot fake it: batches of
//! raw RSA verifications (the floor) and of whole TOKEN events are timed back to back, round
//! after round, and the ratio is taken per round; the median ratio is reported. Load from
//! other processes hits both sides of each round alike.
//!
//! `cargo bench -p authorizer --bench overhead` (prints figures; target: event ≤ 1.3 × raw).

mod common;

use std::hint::black_box;
use std::time::Instant;

const ROUNDS: usize = 61;
const BATCH: usize = 300;

fn main() {
    // `cargo bench` passes `--bench` and maybe a filter: this target always reports the same
    // figures, so arguments are ignored.
    let f = common::Fixture::new();
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
    println!("rounds: {ROUNDS} x {BATCH} calls each, interleaved");
    println!(
        "raw RSA-2048 verify (aws-lc-rs):   median {:.2} µs",
        percentile(&mut raw_us, 50)
    );
    println!(
        "verify token (warm cache):         median {:.2} µs",
        percentile(&mut verify_us, 50)
    );
    println!(
        "TOKEN event JSON -> policy JSON:   median {:.2} µs",
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
    let event_median = percentile(&mut event_ratio, 50);
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
