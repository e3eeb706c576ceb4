//! Abuse soak through the local gateway (authorizer cache off, so every request reaches the
//! authorizer): floods of never-seen `kid`s, with the JWKS endpoint up, closing connections,
//! hanging, and down from cold start.
//!
//! perf-soak --gateway target/release/local-gateway [--requests 10000] [--concurrency 32]
//!           [--cooldown 2] [--timeout-ms 500] [--rate 1000]
//!
//! Requests are paced at `--rate` per second (10 s a phase by default) so that each phase spans
//! several cooldown windows.
//!
//! Checks, per phase: JWKS requests ≤ 1 per cooldown window (+1 for the window the phase
//! starts in), no request slower than the JWKS timeout plus a margin for queueing, and nothing
//! allowed that should not be (only valid tokens ever get 200; unknown kids 401, or 500 while
//! the keys cannot be fetched). Exits non-zero when a check fails.

use std::time::{Duration, Instant};

use perf_bench::{
    Gateway, Kind, Request, arg, drive, out_dir, random_kid_token, required_path, status_table,
    summary, tokens,
};
use testkit::{JwksServer, Mode};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let gateway_bin = required_path("--gateway");
    let requests: usize = arg("--requests", 10_000);
    let concurrency: usize = arg("--concurrency", 32);
    let cooldown: u64 = arg("--cooldown", 2);
    let timeout_ms: u64 = arg("--timeout-ms", 500);
    let margin_ms: u64 = arg("--margin-ms", 250);
    let rate: f64 = arg("--rate", 1000.0);
    let jwks = JwksServer::start(perf_bench::jwks()).await;
    let env = [
        ("JWKS_TIMEOUT_MS", timeout_ms.to_string()),
        ("JWKS_REFRESH_COOLDOWN_SECONDS", cooldown.to_string()),
    ];
    let valid = tokens(Kind::Valid, 10);
    // One request in ten carries a valid token, the rest a kid no JWKS has ever held.
    let flood = |offset: usize| -> Vec<Request> {
        (0..requests)
            .map(|i| {
                if i % 10 == 0 {
                    Request {
                        kind: Kind::Valid,
                        path: "/hello",
                        authorization: format!("Bearer {}", valid[i / 10 % valid.len()]),
                    }
                } else {
                    Request {
                        kind: Kind::RandomKid,
                        path: "/hello",
                        authorization: format!("Bearer {}", random_kid_token(offset + i)),
                    }
                }
            })
            .collect()
    };

    println!(
        "perf-soak: {requests} requests per phase (90% never-seen kids, 10% valid), concurrency {concurrency}, paced at {rate} req/s, JWKS_REFRESH_COOLDOWN_SECONDS={cooldown}, JWKS_TIMEOUT_MS={timeout_ms}, gateway cache off"
    );
    let mut failed = false;
    let log = out_dir().join("soak-gateway-warm.log");
    let mut gateway = Gateway::start(&gateway_bin, &jwks.base_url(), 0, &env, log).await;
    let phases: [(&str, Mode, &[u16], &[u16]); 3] = [
        (
            "JWKS up",
            Mode::Serve {
                status: 200,
                body: perf_bench::jwks().into_bytes(),
            },
            &[200],
            &[401],
        ),
        (
            "JWKS down (connection closed)",
            Mode::Down,
            &[200],
            &[401, 500],
        ),
        (
            "JWKS hanging (answers after 30 s)",
            Mode::Slow {
                delay: Duration::from_secs(30),
                body: perf_bench::jwks().into_bytes(),
            },
            &[200],
            &[401, 500],
        ),
    ];
    for (index, (name, mode, valid_ok, flood_ok)) in phases.into_iter().enumerate() {
        jwks.set_mode(mode);
        failed |= phase(
            name,
            &gateway,
            &jwks,
            flood(index * requests),
            concurrency,
            cooldown,
            rate,
            timeout_ms + margin_ms,
            valid_ok,
            flood_ok,
        )
        .await;
    }
    gateway.stop();

    // Cold start while the JWKS is down: no keys at all, so even valid tokens get 500, never 200.
    jwks.set_mode(Mode::Down);
    let log = out_dir().join("soak-gateway-cold.log");
    let gateway = Gateway::start(&gateway_bin, &jwks.base_url(), 0, &env, log).await;
    failed |= phase(
        "cold start, JWKS down",
        &gateway,
        &jwks,
        flood(3 * requests),
        concurrency,
        cooldown,
        rate,
        timeout_ms + margin_ms,
        &[500],
        &[500],
    )
    .await;
    drop(gateway);

    if failed {
        std::process::exit(1);
    }
    println!("all soak checks passed");
}

#[allow(clippy::too_many_arguments)]
async fn phase(
    name: &str,
    gateway: &Gateway,
    jwks: &JwksServer,
    requests: Vec<Request>,
    concurrency: usize,
    cooldown: u64,
    rate: f64,
    latency_bound_ms: u64,
    valid_ok: &[u16],
    flood_ok: &[u16],
) -> bool {
    let count = requests.len();
    let hits_before = jwks.hits();
    let started = Instant::now();
    let (samples, elapsed) = drive(
        &gateway.base_url,
        requests,
        concurrency,
        Duration::from_secs(10),
        Duration::from_secs(300),
        Some(rate),
    )
    .await;
    let wall = started.elapsed();
    let fetches = jwks.hits() - hits_before;
    let allowed_fetches = wall.as_secs() / cooldown + 1;
    let (rps, p50, p99, max) = summary(&samples, elapsed);
    let table = status_table(&samples);
    let statuses: Vec<String> = table
        .iter()
        .map(|(k, s, n)| format!("{} {s}×{n}", k.name()))
        .collect();
    println!("== {name}");
    println!(
        "   {} requests in {:.2} s ({rps:.0} req/s), p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (bound {latency_bound_ms} ms)",
        samples.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "   JWKS requests: {fetches} (bound: one per {cooldown} s window = {allowed_fetches})"
    );
    println!("   statuses: {}", statuses.join(", "));
    for kind in [Kind::Valid, Kind::RandomKid] {
        let mut latencies: Vec<Duration> = samples
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.latency)
            .collect();
        if !latencies.is_empty() {
            println!(
                "   {} tokens: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                kind.name(),
                perf_bench::quantile_ms(&mut latencies, 0.5),
                perf_bench::quantile_ms(&mut latencies, 0.99),
                latencies.last().unwrap().as_secs_f64() * 1e3
            );
        }
    }
    let mut failed = false;
    if samples.len() != count {
        println!("!! only {} of {count} requests were sent", samples.len());
        failed = true;
    }
    if fetches as u64 > allowed_fetches {
        println!("!! too many JWKS requests");
        failed = true;
    }
    if max > latency_bound_ms as f64 {
        println!("!! a request waited longer than the JWKS timeout plus margin");
        failed = true;
    }
    for (kind, status, n) in table {
        let ok = match kind {
            Kind::Valid => valid_ok,
            _ => flood_ok,
        };
        if !ok.contains(&status) {
            println!(
                "!! {n} {} requests answered {status}, expected one of {ok:?}",
                kind.name()
            );
            failed = true;
        }
    }
    failed
}
