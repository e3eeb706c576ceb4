//! Start-up time and memory of the authorizer binary under a Lambda Runtime API emulator.
//!
//! perf-startup --authorizer target/release/authorizer [--baseline target/release/api-handler]
//!              [--runs 20] [--invocations 10000]
//!
//! For each of `--runs` cold starts: spawn the binary with AWS_LAMBDA_RUNTIME_API pointing at
//! testkit's Runtime API emulator on 127.0.0.1 and COGNITO_ENDPOINT at testkit's JWKS server
//! on 127.0.0.1, then time
//! - init: spawn → the runtime's first `GET /invocation/next` (the authorizer fetches the JWKS
//!   during init, so this includes that fetch; "JWKS request at" says when it arrived),
//! - first invocation: the first event handed out → its response posted back.
//!
//! Then one process serves `--invocations` events (valid, expired, tampered and unknown-kid
//! tokens in turn) and its peak RSS (VmHWM from /proc) is read before it is stopped.
//! `--baseline` runs the same cold starts for the api-handler (no JWKS) for comparison.
//! `PERF_AUTHORIZER_ENV="NAME=value;..."` adds settings to the authorizer's environment.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use perf_bench::{CLIENT, Kind, POOL, arg, out_dir, tokens};
use serde_json::{Value, json};
use testkit::{FunctionProcess, JwksServer, Outcome, Reply, RuntimeApi};

const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// The function's next answer, which must come within [`ANSWER_TIMEOUT`].
async fn next_reply(runtime: &mut RuntimeApi, function: &mut FunctionProcess) -> Reply {
    match runtime.next_reply(ANSWER_TIMEOUT).await {
        Some(reply) => reply,
        None => panic!(
            "no answer from the function within {ANSWER_TIMEOUT:?}: {}",
            function.describe()
        ),
    }
}

fn is_error(reply: &Reply) -> bool {
    !matches!(reply.outcome, Outcome::Response(_))
}

fn spawn(runtime: &RuntimeApi, binary: &Path, jwks: &JwksServer, log: &Path) -> FunctionProcess {
    let endpoint = jwks.base_url();
    let mut env = vec![
        ("USER_POOL_ID".to_owned(), POOL.to_owned()),
        ("APP_CLIENT_ID".to_owned(), CLIENT.to_owned()),
        ("COGNITO_ENDPOINT".to_owned(), endpoint),
    ];
    // PERF_AUTHORIZER_ENV="NAME=value;NAME=value": extra settings for the authorizer under
    // test (e.g. REVOCATION_TABLE and its AWS variables, to compare start-up with it on).
    if let Ok(extra) = std::env::var("PERF_AUTHORIZER_ENV") {
        for pair in extra.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').expect("PERF_AUTHORIZER_ENV: NAME=value");
            env.push((name.to_owned(), value.to_owned()));
        }
    }
    runtime.spawn_function(binary, env, log)
}

fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Cold {
    init: Duration,
    jwks_at: Option<Duration>,
    first_invocation: Duration,
    /// Spawn → the first answer posted: what the first caller of a cold function waits for.
    total: Duration,
    rss_after_first_kb: u64,
}

/// One cold start: spawn, wait for the first poll, serve `event`, time its answer.
async fn cold_start(
    binary: &Path,
    jwks: &JwksServer,
    event: &Value,
    expect_error: bool,
    log: &Path,
) -> (Cold, FunctionProcess, RuntimeApi) {
    let mut runtime = RuntimeApi::start().await;
    let jwks_before = jwks.arrivals().len();
    runtime.queue("cold-0", event);
    let spawned = Instant::now();
    let mut function = spawn(&runtime, binary, jwks, log);
    let reply = next_reply(&mut runtime, &mut function).await;
    assert_eq!(reply.request_id.as_deref(), Some("cold-0"));
    assert_eq!(
        is_error(&reply),
        expect_error,
        "unexpected first answer; log: {}",
        log.display()
    );
    let first_poll = runtime.first_poll().expect("polled before answering");
    let jwks_at = jwks
        .arrivals()
        .get(jwks_before)
        .map(|t| t.duration_since(spawned));
    let rss_after_first_kb = proc_status_kb(function.id(), "VmHWM:").unwrap_or(0);
    (
        Cold {
            init: first_poll.duration_since(spawned),
            jwks_at,
            first_invocation: reply.latency().expect("an event handed out"),
            total: reply.received_at.duration_since(spawned),
            rss_after_first_kb,
        },
        function,
        runtime,
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn stats(mut values: Vec<Duration>) -> String {
    values.sort_unstable();
    let pick =
        |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    format!(
        "median {:6.2} ms  p90 {:6.2} ms  min {:6.2} ms  max {:6.2} ms",
        ms(pick(0.5)),
        ms(pick(0.9)),
        ms(values[0]),
        ms(*values.last().unwrap())
    )
}

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn token_event(token: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": format!("Bearer {token}"),
        "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello",
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let authorizer: String = arg("--authorizer", String::new());
    assert!(!authorizer.is_empty(), "--authorizer PATH is required");
    let authorizer = PathBuf::from(authorizer);
    let baseline: String = arg("--baseline", String::new());
    let runs: usize = arg("--runs", 20);
    let invocations: usize = arg("--invocations", 10_000);
    let out = out_dir();

    let jwks = JwksServer::start(perf_bench::jwks()).await;

    let valid = tokens(Kind::Valid, 1).remove(0);
    let size = std::fs::metadata(&authorizer).map(|m| m.len()).unwrap_or(0);
    println!(
        "perf-startup: {} ({:.2} MiB), {runs} cold starts, then {invocations} invocations in one process",
        authorizer.display(),
        size as f64 / 1048576.0
    );

    if !baseline.is_empty() {
        let baseline = PathBuf::from(baseline);
        let health: Value = serde_json::from_str(
            &std::fs::read_to_string(events_dir().join("api-rest-health.json")).unwrap(),
        )
        .unwrap();
        let (mut init, mut first, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let (cold, process, _runtime) = cold_start(
                &baseline,
                &jwks,
                &health,
                false,
                &out.join("startup-baseline.log"),
            )
            .await;
            init.push(cold.init);
            first.push(cold.first_invocation);
            cpu.extend(process.stop_with_cpu_time());
        }
        println!("baseline {} (no JWKS):", baseline.display());
        println!("  init             {}", stats(init));
        println!("  CPU time         {}", stats(cpu));
        println!("  first invocation {}", stats(first));
    }

    let (mut init, mut first, mut jwks_at, mut rss, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut cpu = Vec::new();
    for _ in 0..runs {
        let (cold, process, _runtime) = cold_start(
            &authorizer,
            &jwks,
            &token_event(&valid),
            false,
            &out.join("startup-authorizer.log"),
        )
        .await;
        init.push(cold.init);
        first.push(cold.first_invocation);
        total.push(cold.total);
        cpu.extend(process.stop_with_cpu_time());
        if let Some(at) = cold.jwks_at {
            jwks_at.push(at);
        }
        rss.push(cold.rss_after_first_kb);
    }
    println!("authorizer:");
    println!(
        "  init             {}   (spawn → first poll of the Runtime API, JWKS fetch included)",
        stats(init.clone())
    );
    if !jwks_at.is_empty() {
        println!(
            "  JWKS request at  {}   (spawn → the JWKS request reaches the loopback server)",
            stats(jwks_at)
        );
    }
    println!(
        "  first invocation {}   (event handed out → response posted)",
        stats(first.clone())
    );
    println!(
        "  spawn → answer   {}   (what the first caller of a cold function waits for)",
        stats(total)
    );
    println!(
        "  CPU time         {}   (user + system, start → first answer; steadier than wall time)",
        stats(cpu)
    );
    rss.sort_unstable();
    println!(
        "  peak RSS after the first invocation: median {:.1} MB",
        rss[rss.len() / 2] as f64 / 1024.0
    );

    // The long run: one process, `invocations` events, four kinds of token in turn.
    let kinds = [Kind::Valid, Kind::Expired, Kind::Tampered, Kind::UnknownKid];
    let events: Vec<(Kind, Value)> = kinds
        .iter()
        .flat_map(|kind| {
            tokens(*kind, 4)
                .into_iter()
                .map(move |t| (*kind, token_event(&t)))
        })
        .collect();
    let (_, mut process, mut runtime) = cold_start(
        &authorizer,
        &jwks,
        &token_event(&valid),
        false,
        &out.join("startup-soak.log"),
    )
    .await;
    let pid = process.id();
    let started = Instant::now();
    let mut unexpected = 0;
    // Keep a few events queued so the function never waits on the emulator.
    let window = 4;
    let pick = |i: usize| &events[(i % kinds.len()) * 4 + (i / kinds.len()) % 4];
    for i in 0..window.min(invocations) {
        runtime.queue(&format!("inv-{i}"), &pick(i).1);
    }
    let mut latencies = Vec::with_capacity(invocations);
    for i in 0..invocations {
        let reply = next_reply(&mut runtime, &mut process).await;
        latencies.extend(reply.latency());
        let index: usize = reply
            .request_id
            .as_deref()
            .and_then(|id| id.strip_prefix("inv-")?.parse().ok())
            .unwrap_or_else(|| panic!("an answer to no invocation of ours: {reply:?}"));
        if is_error(&reply) != (pick(index).0 != Kind::Valid) {
            unexpected += 1;
        }
        let next = i + window;
        if next < invocations {
            runtime.queue(&format!("inv-{next}"), &pick(next).1);
        }
    }
    let elapsed = started.elapsed();
    let hwm = proc_status_kb(pid, "VmHWM:").unwrap_or(0);
    let rss_now = proc_status_kb(pid, "VmRSS:").unwrap_or(0);
    drop(process);
    println!(
        "  {invocations} invocations in {:.2} s ({:.0}/s), per invocation {}",
        elapsed.as_secs_f64(),
        invocations as f64 / elapsed.as_secs_f64(),
        stats(latencies)
    );
    println!(
        "  peak RSS (VmHWM) after {invocations} invocations: {:.1} MB (VmRSS now {:.1} MB)",
        hwm as f64 / 1024.0,
        rss_now as f64 / 1024.0
    );
    println!("  unexpected answers: {unexpected}");
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[(v.len().div_ceil(2)).clamp(1, v.len()) - 1]
    };
    println!(
        "targets: init ≤ 15 ms: {:.2} ms {}; first invocation ≤ 30 ms: {:.2} ms {}; peak RSS ≤ 20 MB: {:.1} MB {}",
        ms(median(init.clone())),
        if median(init) <= Duration::from_millis(15) {
            "met"
        } else {
            "MISSED"
        },
        ms(median(first.clone())),
        if median(first) <= Duration::from_millis(30) {
            "met"
        } else {
            "MISSED"
        },
        hwm as f64 / 1024.0,
        if hwm <= 20 * 1024 { "met" } else { "MISSED" },
    );
    if unexpected > 0 {
        std::process::exit(1);
    }
}
