//! A JWKS endpoint on 127.0.0.1 for tests: plain HTTP/1.1, one request per connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the server answers.
#[derive(Clone, Debug)]
pub enum Mode {
    /// `status` with `body` (and a correct Content-Length).
    Serve {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: Vec<u8>,
    },
    /// The body without Content-Length, streamed until the connection closes.
    ServeUnframed {
        /// The body.
        body: Vec<u8>,
    },
    /// Waits `delay`, then serves `body` with 200.
    Slow {
        /// How long to wait before answering.
        delay: Duration,
        /// The body.
        body: Vec<u8>,
    },
    /// Closes the connection without answering (an outage as reqwest sees it).
    Down,
}

struct Shared {
    mode: Mutex<Mode>,
    hits: AtomicUsize,
    paths: Mutex<Vec<String>>,
    arrivals: Mutex<Vec<Instant>>,
}

/// A running JWKS server. Dropping it does not stop the task; it ends with the test runtime.
#[derive(Clone)]
pub struct JwksServer {
    /// Where it listens (127.0.0.1).
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl JwksServer {
    /// Starts serving `body` with 200 on a free loopback port. Must be called inside a Tokio
    /// runtime.
    pub async fn start(body: impl Into<Vec<u8>>) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Serve {
                status: 200,
                body: body.into(),
            }),
            hits: AtomicUsize::new(0),
            paths: Mutex::new(Vec::new()),
            arrivals: Mutex::new(Vec::new()),
        });
        let task_shared = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&task_shared);
                tokio::spawn(async move { serve(stream, &shared).await });
            }
        });
        JwksServer { addr, shared }
    }

    /// `http://127.0.0.1:<port>`: use as `COGNITO_ENDPOINT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes how the next requests are answered.
    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Serves `body` with 200 from now on.
    pub fn set_body(&self, body: impl Into<Vec<u8>>) {
        self.set_mode(Mode::Serve {
            status: 200,
            body: body.into(),
        });
    }

    /// The request paths received so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }

    /// When each request so far arrived (its head read), in order: for start-up timings.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// Requests received so far (every request, whatever was answered).
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: tokio::net::TcpStream, shared: &Shared) {
    // Read the request head (bounded); the path is recorded, not routed on.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let path = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    shared.arrivals.lock().unwrap().push(Instant::now());
    shared.paths.lock().unwrap().push(path);
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let mode = shared.mode.lock().unwrap().clone();
    let response = match mode {
        Mode::Down => return,
        Mode::Serve { status, body } => framed(status, &body),
        Mode::Slow { delay, body } => {
            tokio::time::sleep(delay).await;
            framed(200, &body)
        }
        Mode::ServeUnframed { body } => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                    .to_vec();
            out.extend_from_slice(&body);
            out
        }
    };
    let _ = stream.write_all(&response).await;
    let _ = stream.shutdown().await;
}

fn framed(status: u16, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}
