//! A loopback HTTP server standing in for AWS JSON-protocol services (DynamoDB, Cognito user
//! pools): it records each request (its headers, lower-cased, and body) and answers by the
//! request's `X-Amz-Target` from a fixed table; a target listed several times gets those
//! answers in turn (the last one then repeats), a target not in the table gets 500 `{}`. For
//! tests of the calls' exact shape and of how callers read every kind of answer, where a real
//! emulator (moto) cannot be made to answer that way.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    /// Header names (lower-case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// The first value of header `name` (lower-case), or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// `X-Amz-Target`.
    pub fn target(&self) -> &str {
        self.header("x-amz-target")
    }

    /// Whether the request carries a SigV4 `Authorization`.
    pub fn signed(&self) -> bool {
        self.header("authorization")
            .starts_with("AWS4-HMAC-SHA256 ")
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The answer to one target: status and body.
pub type FakeAnswer = (&'static str, u16, Vec<u8>);

/// The server; it runs until the test's runtime ends.
pub struct FakeAws {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl FakeAws {
    /// Starts a server answering each target in `answers` with its status and body.
    pub async fn start(answers: Vec<FakeAnswer>) -> FakeAws {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let answers = Arc::new(answers);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let record = Arc::clone(&record);
                let answers = Arc::clone(&answers);
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let (status, body) = {
                        let mut seen = record.lock().unwrap();
                        let earlier = seen
                            .iter()
                            .filter(|r| r.target().eq_ignore_ascii_case(request.target()))
                            .count();
                        let listed: Vec<_> = answers
                            .iter()
                            .filter(|(target, _, _)| target.eq_ignore_ascii_case(request.target()))
                            .collect();
                        let answer = listed
                            .get(earlier)
                            .or(listed.last())
                            .map_or((500, b"{}".to_vec()), |(_, s, b)| (*s, b.clone()));
                        seen.push(request);
                        answer
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                });
            }
        });
        FakeAws { endpoint, seen }
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// The targets of every request so far.
    pub fn targets(&self) -> Vec<String> {
        self.seen().iter().map(|r| r.target().to_owned()).collect()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<SeenRequest> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buffer[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_string();
        let headers: Vec<(String, String)> = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if raw.len() >= end + 4 + length {
            return Some(SeenRequest {
                headers,
                body: raw[end + 4..end + 4 + length].to_vec(),
            });
        }
    }
}
