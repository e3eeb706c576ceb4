//! Instructions per warm invocation above the floor, under callgrind (user space only), as
//! docs/operations.md measures them: each function serves 300 + 300 events in one run and
//! 300 + 1,300 in another; the difference of the two runs' totals over 1,000 is its cost per
//! invocation, start-up and warm-up cancelled out.
//!
//! perf-callgrind --authorizer target/release/authorizer --floor target/release/floor-function
//!
//! The authorizer runs at INFO with JSON logs and EMF on (the template's setting), each event a
//! REST TOKEN event with a valid token (an Allow). Needs `valgrind` on the PATH.

use std::path::{Path, PathBuf};
use std::time::Duration;

use perf_bench::{CLIENT, Kind, POOL, out_dir, required_path, tokens};
use serde_json::{Value, json};
use testkit::{JwksServer, Outcome, RuntimeApi, TestKey};

const ARN: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello";

/// Total instructions of `binary` serving `events` events under callgrind.
async fn instructions(
    name: &str,
    binary: &Path,
    env: &[(&'static str, String)],
    event: &Value,
    events: usize,
) -> u64 {
    let out = out_dir().join(format!("callgrind-{name}-{events}.out"));
    let _ = std::fs::remove_file(&out);
    // spawn_function runs a binary without arguments: a wrapper runs it under callgrind.
    let wrapper = out_dir().join(format!("callgrind-{name}.sh"));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={} {}\n",
            out.display(),
            binary.display()
        ),
    )
    .expect("write the wrapper");
    std::process::Command::new("chmod")
        .args(["+x", &wrapper.display().to_string()])
        .status()
        .expect("chmod");
    let mut runtime = RuntimeApi::start().await;
    let log = out_dir().join(format!("callgrind-{name}-{events}.log"));
    let function = runtime.spawn_function(&wrapper, env.iter().cloned(), &log);
    for i in 0..events {
        let reply = runtime
            .invoke(&format!("{name}-{i}"), event, Duration::from_secs(120))
            .await
            .unwrap_or_else(|| panic!("{name}: no answer: {}", function.log()));
        assert!(matches!(reply.outcome, Outcome::Response(_)), "{name}: {:?}", reply.outcome);
    }
    // SIGTERM: valgrind writes the profile when its client dies of a signal.
    std::process::Command::new("kill")
        .args(["-TERM", &function.id().to_string()])
        .status()
        .expect("kill");
    for _ in 0..600 {
        if let Some(total) = summary(&out) {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name}: no callgrind summary in {}", out.display());
}

/// The `summary:` (or `totals:`) line of a finished callgrind profile.
fn summary(path: &PathBuf) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("summary:").or(line.strip_prefix("totals:")))
        .and_then(|n| n.trim().parse().ok())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let authorizer = required_path("--authorizer");
    let floor = required_path("--floor");
    let jwks = JwksServer::start(TestKey::jwks(&[TestKey::shared(0)]).to_string()).await;
    let token = tokens(Kind::Valid, 1).remove(0);
    let event =
        json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": ARN});
    let ours = [
        ("USER_POOL_ID", POOL.to_owned()),
        ("APP_CLIENT_ID", CLIENT.to_owned()),
        ("COGNITO_ENDPOINT", jwks.base_url()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
    ];
    let mut per_invocation = Vec::new();
    for (name, binary, env) in [
        ("floor", &floor, &[][..]),
        ("info-json-emf", &authorizer, &ours[..]),
    ] {
        let short = instructions(name, binary, env, &event, 600).await;
        let long = instructions(name, binary, env, &event, 1600).await;
        let each = (long - short) as f64 / 1000.0;
        println!("{name}: {short} / {long} instructions; {:.1} k per invocation", each / 1e3);
        per_invocation.push(each);
    }
    println!(
        "above the floor: {:.1} k instructions per invocation",
        (per_invocation[1] - per_invocation[0]) / 1e3
    );
}
