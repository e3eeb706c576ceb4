//! Shared pieces of the measuring tools: tokens of each kind, the local gateway as a child
//! process, a bounded load loop, and latency statistics.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{TestKey, b64url, cognito_claims, die_with_parent, mint};

pub const POOL: &str = "ap-northeast-1_PerfPool1";
pub const CLIENT: &str = "perfclient0000000000000000";

/// `--name value` from the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} needs a valid value")),
        None => default,
    }
}

pub fn required_path(name: &str) -> PathBuf {
    let path: String = arg(name, String::new());
    assert!(!path.is_empty(), "{name} PATH is required");
    let path = PathBuf::from(path);
    assert!(path.exists(), "{} does not exist", path.display());
    path
}

/// The kinds of token the tools send, with the answer each must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Valid,
    Expired,
    Tampered,
    UnknownKid,
    /// A never-seen `kid` per request (unsigned: the kid lookup comes before the signature).
    RandomKid,
    /// No token at all, on the public /health route.
    Health,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Expired => "expired",
            Kind::Tampered => "tampered",
            Kind::UnknownKid => "unknown-kid",
            Kind::RandomKid => "random-kid",
            Kind::Health => "health",
        }
    }
}

/// The JWKS the tools serve: key 0 only. Key 1 signs the unknown-kid tokens.
pub fn jwks() -> String {
    TestKey::jwks(&[TestKey::shared(0)]).to_string()
}

fn claims(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = cognito_claims(POOL, CLIENT, "id");
    edit(claims.as_object_mut().unwrap());
    claims
}

fn header(key: &TestKey) -> Value {
    json!({"kid": key.kid, "alg": "RS256"})
}

/// `count` distinct tokens of `kind` (distinct `jti`s, so a cache keyed by token sees each
/// as new).
pub fn tokens(kind: Kind, count: usize) -> Vec<String> {
    let (k0, k1) = (TestKey::shared(0), TestKey::shared(1));
    (0..count)
        .map(|i| {
            let jti = json!(format!("perf-{}-{i}", kind.name()));
            match kind {
                Kind::Valid => mint(
                    k0,
                    &header(k0),
                    &claims(|c| {
                        c.insert("jti".into(), jti);
                    }),
                ),
                Kind::Expired => {
                    let now = testkit::now();
                    mint(
                        k0,
                        &header(k0),
                        &claims(|c| {
                            c.insert("jti".into(), jti);
                            c.insert("iat".into(), json!(now - 7200));
                            c.insert("auth_time".into(), json!(now - 7200));
                            c.insert("exp".into(), json!(now - 3600));
                        }),
                    )
                }
                Kind::Tampered => {
                    // A genuine token whose payload was edited after signing (groups added).
                    let genuine = mint(
                        k0,
                        &header(k0),
                        &claims(|c| {
                            c.insert("jti".into(), jti.clone());
                        }),
                    );
                    let signature = genuine.rsplit_once('.').unwrap().1.to_owned();
                    let edited = claims(|c| {
                        c.insert("jti".into(), jti);
                        c.insert("cognito:groups".into(), json!(["users", "admin"]));
                    });
                    format!(
                        "{}.{}.{signature}",
                        b64url(header(k0).to_string()),
                        b64url(edited.to_string())
                    )
                }
                Kind::UnknownKid => mint(
                    k1,
                    &header(k1),
                    &claims(|c| {
                        c.insert("jti".into(), jti);
                    }),
                ),
                Kind::RandomKid => random_kid_token(i),
                Kind::Health => String::new(),
            }
        })
        .collect()
}

/// A token for the configured pool whose `kid` no JWKS holds, with a junk signature.
pub fn random_kid_token(i: usize) -> String {
    let header = json!({"kid": format!("flood-{i:08}-{}", i.wrapping_mul(2654435761) % 1_000_003), "alg": "RS256"});
    format!(
        "{}.{}.{}",
        b64url(header.to_string()),
        b64url(claims(|_| {}).to_string()),
        b64url(vec![0x5a; 256])
    )
}

/// A free port on 127.0.0.1 (free when this returns; the gateway binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The local gateway as a child process, killed on drop.
pub struct Gateway {
    child: Child,
    pub base_url: String,
    log: PathBuf,
}

impl Gateway {
    /// Starts `binary` on a free port with the functions configured for [`POOL`]/[`CLIENT`] and
    /// the JWKS at `jwks_base_url`, then waits (at most 30 s) until /health answers.
    pub async fn start(
        binary: &Path,
        jwks_base_url: &str,
        ttl_seconds: u64,
        extra_env: &[(&str, String)],
        log: PathBuf,
    ) -> Gateway {
        let port = free_port();
        let mut command = Command::new(binary);
        command
            .args([
                "--port",
                &port.to_string(),
                "--ttl",
                &ttl_seconds.to_string(),
            ])
            .env("USER_POOL_ID", POOL)
            .env("APP_CLIENT_ID", CLIENT)
            .env("COGNITO_ENDPOINT", jwks_base_url)
            .env("RUST_LOG", "warn")
            .env("AWS_LAMBDA_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                std::fs::File::options().append(true).open(&log).unwrap(),
            ));
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let child = die_with_parent(&mut command)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut gateway = Gateway {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(response) = client
                .get(format!("{}/health", gateway.base_url))
                .send()
                .await
                && response.status().as_u16() == 200
            {
                return gateway;
            }
            if let Ok(Some(status)) = gateway.child.try_wait() {
                panic!(
                    "the gateway exited ({status}); log: {}",
                    gateway.log.display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the gateway did not answer /health within 30 s; log: {}",
                gateway.log.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One request to send: the path, the Authorization value (none when empty), its kind.
#[derive(Clone)]
pub struct Request {
    pub kind: Kind,
    pub path: &'static str,
    pub authorization: String,
}

/// One answer.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub kind: Kind,
    /// HTTP status, or 0 for a transport error or timeout.
    pub status: u16,
    pub latency: Duration,
}

/// Sends `requests` (each once, in order) over `concurrency` keep-alive connections, stopping
/// early at `deadline`. Each request is bounded by `per_request_timeout`. With `rate` (requests
/// per second), request `i` is not sent before `i / rate` seconds: an open-loop pace, so a run
/// lasts long enough to span several JWKS cooldown windows.
pub async fn drive(
    base_url: &str,
    requests: Vec<Request>,
    concurrency: usize,
    per_request_timeout: Duration,
    deadline: Duration,
    rate: Option<f64>,
) -> (Vec<Sample>, Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(per_request_timeout)
        .build()
        .unwrap();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, requests, next) = (client.clone(), Arc::clone(&requests), Arc::clone(&next));
        let base_url = base_url.to_owned();
        workers.spawn(async move {
            let mut samples = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(index) else {
                    break;
                };
                if started.elapsed() > deadline {
                    break;
                }
                if let Some(rate) = rate {
                    let due = started + Duration::from_secs_f64(index as f64 / rate);
                    tokio::time::sleep_until(due.into()).await;
                }
                let mut builder = client.get(format!("{base_url}{}", request.path));
                if !request.authorization.is_empty() {
                    builder = builder.header("authorization", &request.authorization);
                }
                let sent = Instant::now();
                let status = match builder.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) => status,
                            Err(_) => 0,
                        }
                    }
                    Err(_) => 0,
                };
                samples.push(Sample {
                    kind: request.kind,
                    status,
                    latency: sent.elapsed(),
                });
            }
            samples
        });
    }
    let mut samples = Vec::new();
    while let Some(done) = workers.join_next().await {
        samples.extend(done.unwrap());
    }
    (samples, started.elapsed())
}

/// The `q`-quantile (0..=1) of `latencies` by nearest rank, in milliseconds.
pub fn quantile_ms(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    latencies.sort_unstable();
    let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
    latencies[rank - 1].as_secs_f64() * 1e3
}

/// A summary line of `samples`: count, requests/s, p50, p99, max.
pub fn summary(samples: &[Sample], elapsed: Duration) -> (f64, f64, f64, f64) {
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    let rps = samples.len() as f64 / elapsed.as_secs_f64();
    let p50 = quantile_ms(&mut latencies, 0.50);
    let p99 = quantile_ms(&mut latencies, 0.99);
    let max = latencies.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    (rps, p50, p99, max)
}

/// Counts of (kind, status) pairs, sorted, e.g. `valid 200 × 5000`.
pub fn status_table(samples: &[Sample]) -> Vec<(Kind, u16, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for sample in samples {
        *counts.entry((sample.kind, sample.status)).or_insert(0usize) += 1;
    }
    counts.into_iter().map(|((k, s), n)| (k, s, n)).collect()
}

/// Where the tools write logs: `target/perf/` under the workspace.
pub fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/perf");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
