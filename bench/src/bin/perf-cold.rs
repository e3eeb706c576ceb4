//! A cold start as its first caller feels it: the floor (`floor-function`, a do-nothing
//! lambda_runtime function), the authorizer without a seed (it fetches the JWKS at init), the
//! same authorizer with the JWKS seeded (`JWKS_SEED`), and optionally another build of it
//! (`--before`, e.g. the base commit's), all against a loopback JWKS server that answers after
//! `--delay-ms` (80 ms by default: a TLS round trip to Cognito from a Lambda).
//!
//! perf-cold --authorizer target/release/authorizer --floor target/release/floor-function
//!           [--before PATH] [--runs 15] [--delay-ms 80] [--callgrind]
//!
//! Per variant, `--runs` cold starts, taking turns (load on the machine hits all alike). Each:
//! the event (a REST TOKEN event with a valid token) is queued, the binary spawned under
//! testkit's Lambda Runtime API emulator, and timed
//! - wall: spawn → its first answer posted (what the first caller waits for, past Lambda's own
//!   start-up),
//! - CPU: user + system time of the process when that answer is in (init and one invocation),
//! - JWKS requests that reached the server before the first answer.
//!
//! `--callgrind` also counts each variant's instructions from exec to its first poll of the
//! Runtime API (init, the JWKS fetch of an unseeded authorizer from an undelayed server
//! included): the binary runs under `valgrind --tool=callgrind`, no event is queued, and once
//! it polls it is sent SIGTERM, on which callgrind writes its totals. User space only.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use perf_bench::{CLIENT, Kind, POOL, arg, out_dir, required_path, tokens};
use serde_json::{Value, json};
use testkit::{JwksServer, Mode, Outcome, RuntimeApi};

const WAIT: Duration = Duration::from_secs(60);

struct Variant {
    name: &'static str,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

fn event(token: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello",
    })
}

/// The authorizer's settings for the pool, keys at `jwks`, and `extra`.
fn authorizer_env(jwks: &JwksServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("USER_POOL_ID".to_owned(), POOL.to_owned()),
        ("APP_CLIENT_ID".to_owned(), CLIENT.to_owned()),
        ("COGNITO_ENDPOINT".to_owned(), jwks.base_url()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

struct Cold {
    wall: Duration,
    cpu: Duration,
    jwks_before_answer: usize,
}

async fn cold_start(variant: &Variant, jwks: &JwksServer, event: &Value) -> Cold {
    let mut runtime = RuntimeApi::start().await;
    let before = jwks.arrivals().len();
    runtime.queue("cold-0", event);
    let log = out_dir().join(format!("perf-cold-{}.log", variant.name));
    let spawned = Instant::now();
    let mut function = runtime.spawn_function(&variant.binary, variant.env.clone(), &log);
    let Some(reply) = runtime.next_reply(WAIT).await else {
        panic!("{}: no answer: {}", variant.name, function.describe())
    };
    assert!(
        matches!(reply.outcome, Outcome::Response(_)),
        "{}: first answer {:?}; log: {}",
        variant.name,
        reply.outcome,
        log.display()
    );
    let jwks_before_answer = jwks.arrivals()[before..]
        .iter()
        .filter(|at| **at < reply.received_at)
        .count();
    let cpu = function
        .stop_with_cpu_time()
        .expect("the process's CPU time");
    Cold {
        wall: reply.received_at.duration_since(spawned),
        cpu,
        jwks_before_answer,
    }
}

/// Instructions from exec to the first poll of the Runtime API, under callgrind.
async fn init_instructions(variant: &Variant) -> u64 {
    let out = out_dir();
    let profile = out.join(format!("callgrind.perf-cold-{}.out", variant.name));
    let _ = std::fs::remove_file(&profile);
    let wrapper = out.join(format!("perf-cold-{}-under-callgrind.sh", variant.name));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={} {}\n",
            profile.display(),
            variant.binary.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    let runtime = RuntimeApi::start().await;
    let log = out.join(format!("perf-cold-{}-callgrind.log", variant.name));
    let mut function = runtime.spawn_function(&wrapper, variant.env.clone(), &log);
    let deadline = Instant::now() + WAIT;
    while runtime.first_poll().is_none() {
        assert!(Instant::now() < deadline, "{}: never polled", variant.name);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::process::Command::new("kill")
        .args(["-TERM", &function.id().to_string()])
        .status()
        .unwrap();
    function.wait_exit(WAIT).await;
    let text = std::fs::read_to_string(&profile)
        .unwrap_or_else(|e| panic!("{}: {e}: {}", profile.display(), function.describe()));
    text.lines()
        .find_map(|line| line.strip_prefix("summary: "))
        .or_else(|| text.lines().find_map(|line| line.strip_prefix("totals: ")))
        .and_then(|n| n.trim().parse().ok())
        .expect("callgrind's summary line")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let authorizer = required_path("--authorizer");
    let floor = required_path("--floor");
    let before: String = arg("--before", String::new());
    let runs: usize = arg("--runs", 15);
    let delay = Duration::from_millis(arg("--delay-ms", 80));
    let callgrind = std::env::args().any(|a| a == "--callgrind");

    let jwks_body = perf_bench::jwks();
    let seed =
        format!("{{\"https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}\":{jwks_body}}}");
    let jwks = JwksServer::start(jwks_body.clone()).await;
    let mut variants = vec![Variant {
        name: "floor",
        binary: floor,
        env: Vec::new(),
    }];
    if !before.is_empty() {
        variants.push(Variant {
            name: "before",
            binary: PathBuf::from(before),
            env: authorizer_env(&jwks, &[]),
        });
    }
    variants.push(Variant {
        name: "unseeded",
        binary: authorizer.clone(),
        env: authorizer_env(&jwks, &[]),
    });
    variants.push(Variant {
        name: "seeded",
        binary: authorizer,
        env: authorizer_env(&jwks, &[("JWKS_SEED", &seed)]),
    });
    println!("seed: {} bytes (JWKS_SEED)", seed.len());

    if callgrind {
        // Undelayed: the instructions of the fetch, not of waiting for it.
        for variant in &variants {
            let count = init_instructions(variant).await;
            println!(
                "{:9} init instructions (exec → first poll, callgrind): {:>12}",
                variant.name, count
            );
        }
    }

    jwks.set_mode(Mode::Slow {
        delay,
        body: jwks_body.into_bytes(),
    });
    let token = tokens(Kind::Valid, 1).remove(0);
    let event = event(&token);
    let mut results: Vec<Vec<Cold>> = variants.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (variant, results) in variants.iter().zip(results.iter_mut()) {
            results.push(cold_start(variant, &jwks, &event).await);
        }
    }
    println!(
        "{runs} cold starts each, JWKS server answering after {} ms; medians (min):",
        delay.as_millis()
    );
    for (variant, results) in variants.iter().zip(results) {
        let min = |pick: fn(&Cold) -> Duration| results.iter().map(pick).min().unwrap();
        let walls: Vec<Duration> = results.iter().map(|c| c.wall).collect();
        let cpus: Vec<Duration> = results.iter().map(|c| c.cpu).collect();
        let fetches = results.iter().map(|c| c.jwks_before_answer).max().unwrap();
        println!(
            "{:9} wall spawn → first answer {:7.2} ms ({:7.2})   CPU {:6.2} ms ({:6.2})   JWKS requests before the answer: at most {fetches}",
            variant.name,
            ms(median(walls)),
            ms(min(|c| c.wall)),
            ms(median(cpus)),
            ms(min(|c| c.cpu)),
        );
    }
}
