//! The release-style binary, `api-handler`, run under a tiny Lambda Runtime API emulator
//! and fed every `events/api-*.json` request.
//!
//! The emulator implements the three calls the runtime makes: `GET .../invocation/next`
//! (long-polls until the test queues an event), `POST .../invocation/{id}/response` and
//! `POST .../invocation/{id}/error`. It speaks just enough HTTP/1.1 over tokio's TCP.

mod common;

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio::time::timeout;

use common::{CORS_ORIGIN, check, expectations, load_event};

const INVOCATION_TIMEOUT: Duration = Duration::from_secs(20);

/// What the function posted back for an invocation.
#[derive(Debug)]
enum Outcome {
    Response { request_id: String, body: Value },
    Error { request_id: String, body: Value },
}

/// A parsed HTTP request from the runtime client.
struct HttpRequest {
    method: String,
    path: String,
    body: Vec<u8>,
}

struct Emulator {
    address: String,
    invocations: mpsc::UnboundedSender<(String, Value)>,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
}

impl Emulator {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap().to_string();
        let (invocations, pending) = mpsc::unbounded_channel::<(String, Value)>();
        let (outcome_sender, outcomes) = mpsc::unbounded_channel();
        let pending = Arc::new(Mutex::new(pending));
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_connection(
                    stream,
                    Arc::clone(&pending),
                    outcome_sender.clone(),
                ));
            }
        });
        Self {
            address,
            invocations,
            outcomes,
        }
    }

    /// Queues `event` and waits for the function's answer, failing loudly if it never comes.
    async fn invoke(&mut self, function: &mut Function, request_id: &str, event: Value) -> Outcome {
        self.invocations
            .send((request_id.to_owned(), event))
            .unwrap();
        match timeout(INVOCATION_TIMEOUT, self.outcomes.recv()).await {
            Ok(Some(outcome)) => outcome,
            _ => panic!(
                "no answer to invocation {request_id} within {INVOCATION_TIMEOUT:?}; function: {}",
                function.describe()
            ),
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    pending: Arc<Mutex<mpsc::UnboundedReceiver<(String, Value)>>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    while let Some(request) = read_request(&mut reader).await {
        let response = if request.method == "GET" && request.path.ends_with("/invocation/next") {
            // Long-poll like the real Runtime API: block until the test queues an event.
            let Some((request_id, event)) = pending.lock().await.recv().await else {
                return;
            };
            let deadline =
                SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(30);
            http_response(
                "200 OK",
                &[
                    ("Lambda-Runtime-Aws-Request-Id", request_id.as_str()),
                    (
                        "Lambda-Runtime-Deadline-Ms",
                        &deadline.as_millis().to_string(),
                    ),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:api-handler",
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-00000000-000000000000000000000000",
                    ),
                ],
                &event.to_string(),
            )
        } else if let Some((request_id, kind)) = invocation_result(&request) {
            let body = serde_json::from_slice(&request.body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&request.body).into_owned())
            });
            let outcome = match kind {
                "response" => Outcome::Response { request_id, body },
                _ => Outcome::Error { request_id, body },
            };
            let _ = outcomes.send(outcome);
            http_response("202 Accepted", &[], r#"{"status":"OK"}"#)
        } else {
            http_response("404 Not Found", &[], r#"{"errorMessage":"unknown path"}"#)
        };
        if writer.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// `POST /2018-06-01/runtime/invocation/{id}/response|error` → (id, "response"|"error").
fn invocation_result(request: &HttpRequest) -> Option<(String, &'static str)> {
    if request.method != "POST" {
        return None;
    }
    let rest = request
        .path
        .strip_prefix("/2018-06-01/runtime/invocation/")?;
    let (request_id, kind) = rest.split_once('/')?;
    let kind = match kind {
        "response" => "response",
        "error" => "error",
        _ => return None,
    };
    Some((request_id.to_owned(), kind))
}

/// Reads one request; `None` at end of stream. Supports Content-Length and chunked bodies.
async fn read_request<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<HttpRequest> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.ok()? == 0 {
        return None;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut content_length = 0usize;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => content_length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).await.ok()?;
            let size_text = size_line.trim().split(';').next()?;
            let size = usize::from_str_radix(size_text, 16).ok()?;
            let mut chunk = vec![0; size + 2]; // data + CRLF
            reader.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                // `chunk` held the CRLF ending the trailer section only if there were no trailers.
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(content_length, 0);
        reader.read_exact(&mut body).await.ok()?;
    }
    Some(HttpRequest { method, path, body })
}

fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut response = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    response
}

/// The `api-handler` process; killed when dropped so a failing test leaves nothing behind.
struct Function {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Function {
    fn start(runtime_api: &str, name: &str, env: &[(&str, &str)]) -> Self {
        // The binary cargo built for this test profile, or another build of it, e.g.
        // API_HANDLER_BINARY=target/release/api-handler (relative to the workspace root).
        let binary = match std::env::var_os("API_HANDLER_BINARY") {
            Some(path) => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(path),
            None => PathBuf::from(env!("CARGO_BIN_EXE_api-handler")),
        };
        let binary = binary.as_path();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let stdout = dir.join(format!("api-handler-{name}.stdout"));
        let stderr = dir.join(format!("api-handler-{name}.stderr"));
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "api-handler")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).unwrap())
            .stderr(File::create(&stderr).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    fn describe(&mut self) -> String {
        let status = self.child.try_wait().ok().flatten();
        format!(
            "exit status {status:?}\nstdout:\n{}\nstderr:\n{}",
            std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }

    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_answers_every_event_under_the_runtime_api() {
    let mut emulator = Emulator::start().await;
    let mut function = Function::start(
        &emulator.address,
        "events",
        &[("CORS_ALLOW_ORIGIN", CORS_ORIGIN)],
    );
    let expectations = expectations();
    for (index, expected) in expectations.iter().enumerate() {
        let request_id = format!("request-{index}");
        match emulator
            .invoke(&mut function, &request_id, load_event(expected.file))
            .await
        {
            Outcome::Response {
                request_id: id,
                body,
            } => {
                assert_eq!(id, request_id, "{}", expected.file);
                check(expected, &body);
            }
            other => panic!("{}: {other:?}\n{}", expected.file, function.describe()),
        }
    }

    // Not an API Gateway event: reported through the error endpoint, and the function lives on.
    match emulator
        .invoke(&mut function, "not-apigw", json!({"Records": []}))
        .await
    {
        Outcome::Error { request_id, body } => {
            assert_eq!(request_id, "not-apigw");
            let message = body["errorMessage"].as_str().unwrap_or_default();
            assert!(message.starts_with("unrecognized event"), "{body}");
        }
        other => panic!("expected an error: {other:?}"),
    }
    // A malformed HTTP API event quoting a token: an error whose message and log redact it.
    let mut malformed = load_event("api-http-me.json");
    malformed["isBase64Encoded"] = json!("Bearer eyJhbGciOiJub25lIn0.secret.");
    match emulator.invoke(&mut function, "malformed", malformed).await {
        Outcome::Error { body, .. } => {
            let message = body["errorMessage"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("invalid HTTP API (payload 2.0) event"),
                "{body}"
            );
            assert!(!message.contains("eyJ"), "{body}");
        }
        other => panic!("expected an error: {other:?}"),
    }
    let health = load_event("api-http-health.json");
    assert!(matches!(
        emulator.invoke(&mut function, "after-error", health).await,
        Outcome::Response { body, .. } if body["statusCode"] == 200
    ));

    let logs = function.stop();
    let request_lines = logs
        .lines()
        .filter(|line| line.contains(": request method="))
        .count();
    assert_eq!(
        request_lines,
        expectations.len() + 1,
        "one line per request:\n{logs}"
    );
    assert!(
        logs.contains(r#"request method=GET route=GET /me status=200 sub="2a6b8c0d-3e5f-4a7b-9c1d-e2f3a4b5c6d7""#),
        "{logs}"
    );
    assert!(logs.contains("route=GET /admin status=403"), "{logs}");
    for secret in ["Bearer", "eyJ", "alice@example.com", "authorization"] {
        assert!(!logs.contains(secret), "logs contain {secret:?}:\n{logs}");
    }
}

#[tokio::test]
async fn binary_refuses_to_start_with_a_bad_setting_and_names_it() {
    let emulator = Emulator::start().await;
    let mut function = Function::start(
        &emulator.address,
        "bad-config",
        &[("CORS_ALLOW_ORIGIN", "app.example.com")],
    );
    let mut status = None;
    for _ in 0..100 {
        status = function.child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let description = function.describe();
    let status =
        status.unwrap_or_else(|| panic!("still running with a bad setting: {description}"));
    assert!(!status.success(), "{description}");
    assert!(description.contains("CORS_ALLOW_ORIGIN"), "{description}");
}
