//! Start-up time and memory of the authorizer binary under a Lambda Runtime API emulator.
//!
//! perf-startup --authorizer target/release/authorizer [--baseline target/release/api-handler]
//!              [--runs 20] [--invocations 10000]
//!
//! For each of `--runs` cold starts: spawn the binary with AWS_LAMBDA_RUNTIME_API pointing at
//! an emulator on 127.0.0.1 and COGNITO_ENDPOINT at a JWKS responder on 127.0.0.1, then time
//! - init: spawn → the runtime's first `GET /invocation/next` (the authorizer fetches the JWKS
//!   during init, so this includes that fetch; "JWKS request at" says when it arrived),
//! - first invocation: the first event handed out → its response posted back.
//!
//! Then one process serves `--invocations` events (valid, expired, tampered and unknown-kid
//! tokens in turn) and its peak RSS (VmHWM from /proc) is read before it is stopped.
//! `--baseline` runs the same cold starts for the api-handler (no JWKS) for comparison.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use perf_bench::{CLIENT, Kind, POOL, arg, out_dir, tokens};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Timeline {
    first_poll: Option<Instant>,
    jwks_requests: Vec<Instant>,
}

struct Outcome {
    request_id: String,
    error: bool,
    at: Instant,
}

/// A Runtime API emulator: hands out queued events on `GET .../next`, records answers.
struct Emulator {
    address: String,
    timeline: Arc<Mutex<Timeline>>,
    events: mpsc::UnboundedSender<(String, Vec<u8>)>,
    sent: mpsc::UnboundedReceiver<(String, Instant)>,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
}

impl Emulator {
    async fn start(timeline: Arc<Mutex<Timeline>>) -> Emulator {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (events, pending) = mpsc::unbounded_channel::<(String, Vec<u8>)>();
        let (sent_tx, sent) = mpsc::unbounded_channel();
        let (outcome_tx, outcomes) = mpsc::unbounded_channel();
        let pending = Arc::new(tokio::sync::Mutex::new(pending));
        let task_timeline = Arc::clone(&timeline);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(
                    stream,
                    Arc::clone(&pending),
                    Arc::clone(&task_timeline),
                    sent_tx.clone(),
                    outcome_tx.clone(),
                ));
            }
        });
        Emulator {
            address,
            timeline,
            events,
            sent,
            outcomes,
        }
    }

    fn queue(&self, request_id: String, event: &Value) {
        self.events
            .send((request_id, event.to_string().into_bytes()))
            .unwrap();
    }

    async fn next_outcome(&mut self) -> Outcome {
        timeout(ANSWER_TIMEOUT, self.outcomes.recv())
            .await
            .expect("no answer from the function within 20 s")
            .expect("emulator stopped")
    }
}

/// Events waiting to be handed out: (request id, JSON bytes).
type EventQueue = mpsc::UnboundedReceiver<(String, Vec<u8>)>;

async fn serve(
    stream: TcpStream,
    pending: Arc<tokio::sync::Mutex<EventQueue>>,
    timeline: Arc<Mutex<Timeline>>,
    sent: mpsc::UnboundedSender<(String, Instant)>,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    stream.set_nodelay(true).ok();
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    while let Some((method, path, _body)) = read_request(&mut reader).await {
        let at = Instant::now();
        let response = if method == "GET" && path.ends_with("/invocation/next") {
            timeline.lock().unwrap().first_poll.get_or_insert(at);
            let Some((request_id, event)) = pending.lock().await.recv().await else {
                return;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                + Duration::from_secs(30);
            let mut head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {request_id}\r\nLambda-Runtime-Deadline-Ms: {}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:ap-northeast-1:123456789012:function:authorizer\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                deadline.as_millis(),
                event.len()
            )
            .into_bytes();
            head.extend_from_slice(&event);
            let _ = sent.send((request_id, Instant::now()));
            head
        } else if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/")
            && method == "POST"
            && let Some((request_id, kind)) = rest.split_once('/')
        {
            let _ = outcomes.send(Outcome {
                request_id: request_id.to_owned(),
                error: kind == "error",
                at,
            });
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}".to_vec()
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
        };
        if writer.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// One HTTP/1.1 request (Content-Length or chunked body); `None` at end of stream.
async fn read_request<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await.ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some((method, path, body))
}

/// A JWKS endpoint on 127.0.0.1 that records when each request arrives.
async fn jwks_responder(timeline: Arc<Mutex<Timeline>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let body = perf_bench::jwks();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (timeline, body) = (Arc::clone(&timeline), body.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 2048];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                timeline.lock().unwrap().jwks_requests.push(Instant::now());
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{address}")
}

struct Process(Option<Child>);

impl Process {
    fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// Kills and reaps the process, returning the CPU time (user + system) it used in all,
    /// from the kernel's accounting (microsecond resolution, unlike wall-clock timings it does
    /// not grow when other work on the machine delays the process).
    fn stop_with_cpu_time(&mut self) -> Option<Duration> {
        let child = self.0.take()?;
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: plain syscalls on our own, not yet reaped child; `usage` is written by wait4.
        let usage = unsafe {
            libc::kill(pid, libc::SIGKILL);
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::wait4(pid, &mut status, 0, &mut usage) != pid {
                return None;
            }
            usage
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Some(time(usage.ru_utime) + time(usage.ru_stime))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(binary: &Path, runtime_api: &str, jwks: &str, log: &Path) -> Process {
    let log = std::fs::File::create(log).unwrap();
    let mut command = Command::new(binary);
    let child = perf_bench::die_with_parent(&mut command)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "authorizer")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "perf")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "perf")
        .env("USER_POOL_ID", POOL)
        .env("APP_CLIENT_ID", CLIENT)
        .env("COGNITO_ENDPOINT", jwks)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    Process(Some(child))
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
    jwks: &str,
    event: &Value,
    expect_error: bool,
    log: &Path,
) -> (Cold, Process, Emulator) {
    let timeline = Arc::new(Mutex::new(Timeline::default()));
    let jwks_timeline = jwks_timeline(jwks);
    let mut emulator = Emulator::start(Arc::clone(&timeline)).await;
    let jwks_before = jwks_timeline.lock().unwrap().jwks_requests.len();
    emulator.queue("cold-0".into(), event);
    let spawned = Instant::now();
    let process = spawn(binary, &emulator.address, jwks, log);
    let (_, sent_at) = timeout(ANSWER_TIMEOUT, emulator.sent.recv())
        .await
        .expect("no first poll within 20 s")
        .unwrap();
    let outcome = emulator.next_outcome().await;
    assert_eq!(outcome.request_id, "cold-0");
    assert_eq!(
        outcome.error,
        expect_error,
        "unexpected first answer; log: {}",
        log.display()
    );
    let first_poll = emulator.timeline.lock().unwrap().first_poll.unwrap();
    let jwks_at = jwks_timeline
        .lock()
        .unwrap()
        .jwks_requests
        .get(jwks_before)
        .map(|t| t.duration_since(spawned));
    let rss_after_first_kb = proc_status_kb(process.id(), "VmHWM:").unwrap_or(0);
    (
        Cold {
            init: first_poll.duration_since(spawned),
            jwks_at,
            first_invocation: outcome.at.duration_since(sent_at),
            total: outcome.at.duration_since(spawned),
            rss_after_first_kb,
        },
        process,
        emulator,
    )
}

static JWKS_TIMELINES: Mutex<Option<HashMap<String, Arc<Mutex<Timeline>>>>> = Mutex::new(None);

fn jwks_timeline(url: &str) -> Arc<Mutex<Timeline>> {
    let mut map = JWKS_TIMELINES.lock().unwrap();
    Arc::clone(
        map.get_or_insert_with(HashMap::new)
            .entry(url.to_owned())
            .or_default(),
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

    let jwks_timeline_handle = Arc::new(Mutex::new(Timeline::default()));
    let jwks = jwks_responder(Arc::clone(&jwks_timeline_handle)).await;
    JWKS_TIMELINES
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .insert(jwks.clone(), jwks_timeline_handle);

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
            let (cold, mut process, _emulator) = cold_start(
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
        let (cold, mut process, _emulator) = cold_start(
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
    let (_, process, mut emulator) = cold_start(
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
        emulator.queue(format!("inv-{i}"), &pick(i).1);
    }
    let mut latencies = Vec::with_capacity(invocations);
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    for i in 0..invocations {
        let outcome = emulator.next_outcome().await;
        while let Ok((id, at)) = emulator.sent.try_recv() {
            sent_at.insert(id, at);
        }
        if let Some(at) = sent_at.remove(&outcome.request_id) {
            latencies.push(outcome.at.duration_since(at));
        }
        let index: usize = outcome
            .request_id
            .trim_start_matches("inv-")
            .parse()
            .unwrap();
        if outcome.error != (pick(index).0 != Kind::Valid) {
            unexpected += 1;
        }
        let next = i + window;
        if next < invocations {
            emulator.queue(format!("inv-{next}"), &pick(next).1);
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
