//! Bounded load through the local gateway, authorizer cache on and off.
//!
//! perf-load --gateway target/release/local-gateway [--requests 20000] [--concurrency 16]
//!           [--distinct 25] [--ttl-on 300]
//!
//! Serves a JWKS on 127.0.0.1, starts the gateway three times (a /health baseline without the
//! authorizer, then GET /hello with the cache on, then off), sends a bounded mix of valid,
//! expired, tampered and unknown-kid tokens in equal parts, and checks every answer: 200 for
//! valid tokens, 401 for the others. Exits non-zero on any unexpected status.

use std::time::Duration;

use perf_bench::{
    Gateway, Kind, Request, arg, drive, out_dir, required_path, status_table, summary, tokens,
};
use testkit::JwksServer;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let gateway_bin = required_path("--gateway");
    let requests: usize = arg("--requests", 20_000);
    let concurrency: usize = arg("--concurrency", 16);
    let distinct: usize = arg("--distinct", 25);
    let ttl_on: u64 = arg("--ttl-on", 300);
    let jwks = JwksServer::start(perf_bench::jwks()).await;

    let kinds = [Kind::Valid, Kind::Expired, Kind::Tampered, Kind::UnknownKid];
    let pools: Vec<Vec<String>> = kinds.iter().map(|k| tokens(*k, distinct)).collect();
    let mix: Vec<Request> = (0..requests)
        .map(|i| {
            let kind = i % kinds.len();
            let token = &pools[kind][(i / kinds.len()) % distinct];
            Request {
                kind: kinds[kind],
                path: "/hello",
                authorization: format!("Bearer {token}"),
            }
        })
        .collect();
    let health: Vec<Request> = (0..requests)
        .map(|_| Request {
            kind: Kind::Health,
            path: "/health",
            authorization: String::new(),
        })
        .collect();

    println!(
        "perf-load: {requests} requests per run, concurrency {concurrency}, {distinct} distinct tokens per kind, kinds valid/expired/tampered/unknown-kid in equal parts"
    );
    println!(
        "{:<46} {:>9} {:>9} {:>9} {:>9}  statuses",
        "run", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut failed = false;
    let runs: [(&str, u64, &Vec<Request>); 3] = [
        ("baseline GET /health (no authorizer)", ttl_on, &health),
        ("GET /hello, authorizer cache on", ttl_on, &mix),
        ("GET /hello, authorizer cache off", 0, &mix),
    ];
    for (index, (name, ttl, run)) in runs.into_iter().enumerate() {
        let hits_before = jwks.hits();
        let log = out_dir().join(format!("load-gateway-{index}.log"));
        let mut gateway = Gateway::start(&gateway_bin, &jwks.base_url(), ttl, &[], log).await;
        let (samples, elapsed) = drive(
            &gateway.base_url,
            run.clone(),
            concurrency,
            Duration::from_secs(10),
            Duration::from_secs(300),
            None,
        )
        .await;
        gateway.stop();
        let (rps, p50, p99, max) = summary(&samples, elapsed);
        let table = status_table(&samples);
        let statuses: Vec<String> = table
            .iter()
            .map(|(k, s, n)| format!("{} {s}×{n}", k.name()))
            .collect();
        let name = if ttl == 0 || index == 0 {
            name.to_owned()
        } else {
            format!("{name} (ttl {ttl}s)")
        };
        println!(
            "{name:<46} {rps:>9.0} {p50:>9.2} {p99:>9.2} {max:>9.2}  {}",
            statuses.join(", ")
        );
        println!(
            "{:<46} JWKS fetches during the run: {}",
            "",
            jwks.hits() - hits_before
        );
        if samples.len() != run.len() {
            println!(
                "!! only {} of {} requests were sent before the deadline",
                samples.len(),
                run.len()
            );
            failed = true;
        }
        for (kind, status, count) in table {
            let expected = match kind {
                Kind::Valid | Kind::Health => 200,
                _ => 401,
            };
            if status != expected {
                println!(
                    "!! {count} {} requests answered {status}, expected {expected}",
                    kind.name()
                );
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
    println!("every answer had the expected status");
}
