//! A minimal Lambda Runtime API on 127.0.0.1, to run a real function binary the way Lambda
//! does: the binary long-polls `GET /2018-06-01/runtime/invocation/next`, then posts to
//! `.../invocation/<id>/response` or `.../invocation/<id>/error` (or `/runtime/init/error`).

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};

/// What the function answered to one invocation (or to init).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    Error(Value),
    InitError(Value),
}

/// The emulator: queue events with [`RuntimeApi::invoke`]; the function picks them up.
pub struct RuntimeApi {
    /// `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    events: mpsc::UnboundedSender<Value>,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
}

struct Queue {
    events: Mutex<mpsc::UnboundedReceiver<Value>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap().to_string();
        let (events, pending) = mpsc::unbounded_channel();
        let (outcome_sender, outcomes) = mpsc::unbounded_channel();
        let queue = Arc::new(Queue {
            events: Mutex::new(pending),
            outcomes: outcome_sender,
        });
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&queue)));
            }
        });
        RuntimeApi {
            address,
            events,
            outcomes,
        }
    }

    /// Sends `event` and waits (up to `within`) for the answer.
    pub async fn invoke(&mut self, event: Value, within: Duration) -> Option<Outcome> {
        self.events.send(event).ok()?;
        self.next_outcome(within).await
    }

    /// The next answer the function posts, e.g. an init error.
    pub async fn next_outcome(&mut self, within: Duration) -> Option<Outcome> {
        tokio::time::timeout(within, self.outcomes.recv())
            .await
            .ok()
            .flatten()
    }

    /// Starts `binary` against this emulator with `env` (plus the variables Lambda sets).
    pub fn spawn_function(&self, binary: &str, env: &[(&str, String)]) -> FunctionProcess {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "test-function")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test-function")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        FunctionProcess(
            command
                .spawn()
                .unwrap_or_else(|e| panic!("start {binary}: {e}")),
        )
    }
}

/// A running function; killed on drop. [`FunctionProcess::finish`] returns its output, which
/// is piped: meant for runs of a few invocations, not thousands of log lines.
pub struct FunctionProcess(Child);

impl FunctionProcess {
    /// Stops the process (if still running) and returns stdout and stderr together.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let _ = self.0.kill();
        let status = self.0.wait().ok().and_then(|s| s.code());
        let mut output = String::new();
        if let Some(mut stdout) = self.0.stdout.take() {
            let _ = stdout.read_to_string(&mut output);
        }
        if let Some(mut stderr) = self.0.stderr.take() {
            let _ = stderr.read_to_string(&mut output);
        }
        (status, output)
    }

    /// Waits up to `within` for the process to exit by itself.
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(mut stream: TcpStream, queue: Arc<Queue>) {
    // One connection may carry several requests (keep-alive).
    loop {
        let Some((method, path, body)) = read_request(&mut stream).await else {
            return;
        };
        let reply = if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let event = queue.events.lock().await.recv().await;
            let Some(event) = event else { return };
            let body = event.to_string();
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-{deadline}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:test-function\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        } else {
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let outcome = if path.ends_with("/response") {
                Outcome::Response(value)
            } else if path.ends_with("/init/error") {
                Outcome::InitError(value)
            } else {
                Outcome::Error(value)
            };
            let _ = queue.outcomes.send(outcome);
            "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}".to_owned()
        };
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<(String, String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.lines();
    let mut request_line = lines.next()?.split_whitespace();
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let length: usize = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some((method, path, body))
}
