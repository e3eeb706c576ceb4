//! A Lambda Runtime API on 127.0.0.1, to run a real function binary the way Lambda does, for
//! the functions' tests and the start-up benchmark alike.
//!
//! The calls and headers are those of "Using the Lambda runtime API for custom runtimes"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>): the runtime long-polls
//! `GET /2018-06-01/runtime/invocation/next` and gets the event with the
//! `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn` and `-Trace-Id`
//! headers; it posts the answer to `.../invocation/{id}/response` or `.../invocation/{id}/error`,
//! or a failed start to `/runtime/init/error`, and gets 202 Accepted.
//!
//! HTTP is hyper's, so request bodies arrive in any framing HTTP/1.1 allows (Content-Length or
//! chunked) and connections are kept alive as the runtime client expects.
//!
//! For measurements, the emulator notes when the first `next` request arrives
//! ([`RuntimeApi::first_poll`]) and, on every [`Reply`], when its event was handed out and when
//! the reply arrived; [`FunctionProcess::stop_with_cpu_time`] reads the CPU time the kernel
//! charged the function.

use std::collections::HashMap;
use std::convert::Infallible;
use std::ffi::OsStr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const INVOCATION_PATH: &str = "/2018-06-01/runtime/invocation/";
const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:test-function";
/// Bounds what one post may hold, so a runaway function fails its test instead of filling
/// memory. Far above any answer these functions give.
const MAX_POST_BYTES: usize = 8 * 1024 * 1024;

/// What the function posted: its answer to an invocation, or why it could not start. The body
/// is the posted JSON (a string holding the text when it is not JSON).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function's response.
    Response(Value),
    /// The function's invocation error.
    Error(Value),
    /// The function's init error.
    InitError(Value),
}

/// One post from the function, with the invocation it answers and when it arrived.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The request id in the path; `None` for an init error.
    pub request_id: Option<String>,
    /// What the function posted.
    pub outcome: Outcome,
    /// When the emulator handed the event out (`None` for an init error, or an id it never
    /// handed out).
    pub handed_out_at: Option<Instant>,
    /// When the whole post had arrived.
    pub received_at: Instant,
}

impl Reply {
    /// Event handed out → answer received: the invocation as the Runtime API sees it.
    pub fn latency(&self) -> Option<Duration> {
        self.handed_out_at
            .map(|at| self.received_at.duration_since(at))
    }
}

/// An event waiting to be handed out.
struct Event {
    request_id: String,
    body: Bytes,
}

/// What the HTTP side shares with the test's side.
struct Shared {
    pending: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    replies: mpsc::UnboundedSender<Reply>,
    first_poll: OnceLock<Instant>,
    handed_out: Mutex<HashMap<String, Instant>>,
}

/// The emulator: queue events ([`RuntimeApi::queue`], [`RuntimeApi::invoke`]); the function
/// picks them up in order and its replies come back through [`RuntimeApi::next_reply`].
pub struct RuntimeApi {
    /// `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    events: mpsc::UnboundedSender<Event>,
    replies: mpsc::UnboundedReceiver<Reply>,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Binds a free loopback port and serves in the background. Must be called inside a Tokio
    /// runtime; the server ends with it.
    pub async fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap().to_string();
        let (events, pending) = mpsc::unbounded_channel();
        let (reply_sender, replies) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            pending: tokio::sync::Mutex::new(pending),
            replies: reply_sender,
            first_poll: OnceLock::new(),
            handed_out: Mutex::new(HashMap::new()),
        });
        tokio::spawn(accept(listener, Arc::clone(&shared)));
        RuntimeApi {
            address,
            events,
            replies,
            shared,
        }
    }

    /// Queues `event` under `request_id` without waiting: the next `next` poll gets it.
    pub fn queue(&self, request_id: &str, event: &Value) {
        self.events
            .send(Event {
                request_id: request_id.to_owned(),
                body: Bytes::from(event.to_string()),
            })
            .expect("the emulator's server task is running");
    }

    /// Queues `event` and waits (up to `within`) for the function's reply: `None` when none
    /// came in time. A reply to another invocation is a protocol error of the function and
    /// panics; an init error is returned as it is.
    pub async fn invoke(
        &mut self,
        request_id: &str,
        event: &Value,
        within: Duration,
    ) -> Option<Reply> {
        self.queue(request_id, event);
        let reply = self.next_reply(within).await?;
        if let Some(answered) = &reply.request_id {
            assert_eq!(
                answered, request_id,
                "the function answered another invocation than the one it was given"
            );
        }
        Some(reply)
    }

    /// The next post from the function (e.g. an init error), waiting up to `within`.
    pub async fn next_reply(&mut self, within: Duration) -> Option<Reply> {
        tokio::time::timeout(within, self.replies.recv())
            .await
            .ok()
            .flatten()
    }

    /// When the function first asked for an event: the end of its init.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// Starts `binary` against this emulator with `env` and the variables Lambda sets (the
    /// function name is the binary's file name), and nothing else from this process's
    /// environment. Its stdout and stderr both go to the file `log`, created afresh.
    pub fn spawn_function<K, V>(
        &self,
        binary: &Path,
        env: impl IntoIterator<Item = (K, V)>,
        log: &Path,
    ) -> FunctionProcess
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let name = binary
            .file_name()
            .map_or("function".into(), |n| n.to_string_lossy());
        let output = std::fs::File::create(log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let mut command = Command::new(binary);
        // The runtime variables the functions read ("Defined runtime environment variables",
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", name.as_ref())
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .envs(env)
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("duplicate the log file handle"))
            .stderr(output);
        let child = die_with_parent(&mut command)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        FunctionProcess {
            child: Some(child),
            log: log.to_owned(),
        }
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((stream, _)) = listener.accept().await {
        // The runtime sends small requests and waits for each answer: without NODELAY, Nagle
        // and delayed ACKs would add tens of milliseconds to the timings.
        stream.set_nodelay(true).ok();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(answer(&shared, request).await) }
            });
            // A connection the function drops (e.g. when it is killed) is no error of the test.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    if parts.method == Method::GET && path == NEXT_PATH {
        shared.first_poll.get_or_init(|| arrived);
        return next_event(shared).await;
    }
    let posted = match (parts.method == Method::POST, path) {
        (true, INIT_ERROR_PATH) => Some((None, "init/error")),
        (true, _) => path
            .strip_prefix(INVOCATION_PATH)
            .and_then(|rest| rest.split_once('/'))
            .filter(|(id, kind)| !id.is_empty() && matches!(*kind, "response" | "error"))
            .map(|(id, kind)| (Some(id.to_owned()), kind)),
        (false, _) => None,
    };
    let Some((request_id, kind)) = posted else {
        return json(StatusCode::NOT_FOUND, r#"{"errorMessage":"unknown path"}"#);
    };
    let Ok(collected) = Limited::new(body, MAX_POST_BYTES).collect().await else {
        return json(
            StatusCode::PAYLOAD_TOO_LARGE,
            r#"{"errorMessage":"unreadable or too large"}"#,
        );
    };
    let received_at = Instant::now();
    let bytes = collected.to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    let outcome = match kind {
        "response" => Outcome::Response(value),
        "error" => Outcome::Error(value),
        _ => Outcome::InitError(value),
    };
    let handed_out_at = request_id
        .as_ref()
        .and_then(|id| shared.handed_out.lock().unwrap().remove(id));
    let _ = shared.replies.send(Reply {
        request_id,
        outcome,
        handed_out_at,
        received_at,
    });
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

/// Long-polls like the real Runtime API: waits until the test queues an event.
async fn next_event(shared: &Shared) -> Response<Full<Bytes>> {
    let Some(event) = shared.pending.lock().await.recv().await else {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"errorMessage":"the emulator was dropped"}"#,
        );
    };
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(30);
    let response = Response::builder()
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &event.request_id)
        .header(
            "lambda-runtime-deadline-ms",
            deadline.as_millis().to_string(),
        )
        .header("lambda-runtime-invoked-function-arn", FUNCTION_ARN)
        .header(
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000",
        )
        .body(Full::new(event.body))
        .expect("a request id that is a valid header value");
    shared
        .handed_out
        .lock()
        .unwrap()
        .insert(event.request_id, Instant::now());
    response
}

fn json(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Makes `command`'s process die with this thread (PR_SET_PDEATHSIG), however it ends (even
/// SIGKILL), so that neither a test nor a measuring run leaves a function or gateway behind.
/// The signal comes when the *thread* that spawned the process ends: spawn from a thread that
/// outlives the child (a test's own thread or `main`, not a short-lived blocking-pool thread).
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// The function binary a test runs: the path in `$variable` if set (relative paths are taken
/// from the workspace root, e.g. `target/release/authorizer` to test a release build), else
/// `built`, the binary Cargo built for the test (`env!("CARGO_BIN_EXE_<name>")`).
pub fn function_binary(variable: &str, built: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(path) => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path),
        None => PathBuf::from(built),
    }
}

/// A running function; killed (and reaped) on drop.
pub struct FunctionProcess {
    child: Option<Child>,
    log: PathBuf,
}

impl FunctionProcess {
    /// The process id (0 once stopped).
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its output so far (stdout and stderr, as written).
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    /// Its exit status, and its output so far: for a failing test's message.
    pub fn describe(&mut self) -> String {
        let status = self
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        format!(
            "exit status {status:?}; output ({}):\n{}",
            self.log.display(),
            self.log()
        )
    }

    /// Waits up to `within` for the process to exit by itself.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.as_mut()?.try_wait().ok().flatten() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the process (if still running) and returns its output.
    pub fn stop(mut self) -> String {
        self.kill();
        self.log()
    }

    /// Kills and reaps the process, returning the CPU time (user + system) it used in all,
    /// from the kernel's accounting: microsecond resolution, and unlike wall-clock timings it
    /// does not grow when other work on the machine delays the process. `None` if the process
    /// was already reaped.
    pub fn stop_with_cpu_time(mut self) -> Option<Duration> {
        let child = self.child.take()?;
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: plain syscalls on our own child, which `Child` has not reaped (try_wait
        // would have made wait4 fail, returning None); `usage` is written by wait4.
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

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
