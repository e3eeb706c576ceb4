//! A loopback HTTP server standing in for AWS JSON-protocol services (DynamoDB, Cognito user
//! pools): it records each request (its headers, lower-cased, and body) and answers by the
//! request's `X-Amz-Target` from a fixed table; a target listed several times gets those
//! answers in turn (the last one then repeats), a target not in the table gets 500 `{}`. For
//! tests of the calls' exact shape and of how callers read every kind of answer, where a real
//! emulator (moto) cannot be made to answer that way.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

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
            while let Ok((stream, _)) = listener.accept().await {
                let (record, answers) = (Arc::clone(&record), Arc::clone(&answers));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let (record, answers) = (Arc::clone(&record), Arc::clone(&answers));
                        async move { Ok::<_, Infallible>(answer(&record, &answers, request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
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

/// Records `request` and answers it from `answers` (see the module doc).
async fn answer(
    record: &Mutex<Vec<SeenRequest>>,
    answers: &[FakeAnswer],
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let request = SeenRequest {
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: body
            .collect()
            .await
            .map(|body| body.to_bytes().to_vec())
            .unwrap_or_default(),
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
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body)))
        .expect("a status from the test's table")
}
