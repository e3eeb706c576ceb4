//! One call of an AWS JSON-protocol API (DynamoDB's JSON 1.0, Cognito user pools' JSON 1.1): a
//! `POST /` with an `X-Amz-Target` header and a JSON body, SigV4-signed or, for Cognito's
//! token-authorized operations, not signed at all. Shared by the table's reader and writer and
//! by the api-handler's Cognito calls, so that each bounds its answer, its time and its error
//! text the same way.
//!
//! Invariant: nothing a service sends back reaches an error message except the status and an
//! error type that is a plain identifier ([`Answer::error_type`]); bodies are read to at most
//! [`MAX_ANSWER_BYTES`].

use std::time::Duration;

use crate::sigv4::Signer;

/// An answer for the small items and calls here is well under this; a larger one is refused.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The JSON protocol version a service speaks (its `Content-Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonProtocol {
    /// `application/x-amz-json-1.0` (DynamoDB).
    V1_0,
    /// `application/x-amz-json-1.1` (Cognito user pools).
    V1_1,
}

/// Why a call got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No complete answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// The connection or TLS failed (reqwest's message, without the URL).
    #[error("{0}")]
    Transport(String),
    /// The answer was larger than [`MAX_ANSWER_BYTES`].
    #[error("answer is too large")]
    TooLarge,
}

/// A service's answer: its status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, at most [`MAX_ANSWER_BYTES`].
    pub body: Vec<u8>,
}

impl Answer {
    /// The error type the service names in `__type` (`com.amazonaws.dynamodb.v20120810#X` or
    /// `X` → `X`), only when it is a plain identifier of at most 64 characters: callers may log
    /// it, so no free text from the answer gets through. Empty otherwise.
    pub fn error_type(&self) -> String {
        let parsed: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        let name = parsed["__type"].as_str().unwrap_or("").rsplit('#').next();
        name.filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("")
            .to_owned()
    }
}

/// One service endpoint, called with JSON.
#[derive(Clone, Debug)]
pub struct JsonService {
    client: reqwest::Client,
    /// The endpoint URL with one trailing slash: the operation path `/`.
    url: String,
    /// The `Host` header reqwest sends for the URL (signed).
    host: String,
    /// The protocol's `Content-Type`.
    content_type: &'static str,
    /// `None` for operations the service authorizes by a token in the body.
    signer: Option<Signer>,
    timeout: Duration,
    user_agent: String,
}

/// The `User-Agent` of every call: this project and its version.
const USER_AGENT: &str = concat!("cognito-apigw-authorizer/", env!("CARGO_PKG_VERSION"));

impl JsonService {
    /// A service at `endpoint` (already validated: `https`, or `http` on loopback), called
    /// through `client` (which must follow no redirect), each call bounded by `timeout`.
    pub fn new(
        client: reqwest::Client,
        endpoint: &str,
        protocol: JsonProtocol,
        signer: Option<Signer>,
        timeout: Duration,
    ) -> Result<Self, &'static str> {
        let url = reqwest::Url::parse(endpoint).map_err(|_| "endpoint is not a URL")?;
        let host = url.host_str().ok_or("endpoint has no host")?;
        Ok(JsonService {
            client,
            url: format!("{}/", endpoint.trim_end_matches('/')),
            host: url
                .port()
                .map_or(host.to_owned(), |port| format!("{host}:{port}")),
            content_type: match protocol {
                JsonProtocol::V1_0 => "application/x-amz-json-1.0",
                JsonProtocol::V1_1 => "application/x-amz-json-1.1",
            },
            signer,
            timeout,
            user_agent: USER_AGENT.to_owned(),
        })
    }

    /// Names `region` in the `User-Agent` (`… region/<region>`), as the AWS SDKs' user agents
    /// may. For unsigned calls (Cognito's token-authorized operations) to an endpoint whose
    /// host names no Region (an emulator on loopback), that is where moto reads the Region
    /// from; AWS takes it from the endpoint's host and ignores the `User-Agent`.
    pub fn with_region_in_user_agent(mut self, region: &str) -> Self {
        self.user_agent = format!("{USER_AGENT} region/{region}");
        self
    }

    /// Calls `target` (e.g. `DynamoDB_20120810.PutItem`) with `body`, signing at `now`
    /// (seconds since the epoch) when the service has a signer. Any status is an [`Answer`];
    /// only a call that got no whole answer in time is an error.
    pub async fn call(&self, target: &str, body: Vec<u8>, now: u64) -> Result<Answer, CallError> {
        let headers = [
            ("content-type", self.content_type),
            ("x-amz-target", target),
        ];
        let mut request = self
            .client
            .post(&self.url)
            .timeout(self.timeout)
            .header("user-agent", &self.user_agent);
        if let Some(signer) = &self.signer {
            for (name, value) in signer.sign(&self.host, &headers, &body, now) {
                request = request.header(name, value);
            }
        }
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let answer = async {
            let mut response = request.body(body).send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(CallError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.timeout, answer)
            .await
            .unwrap_or(Err(CallError::Timeout))
    }
}

fn transport(error: reqwest::Error) -> CallError {
    if error.is_timeout() {
        CallError::Timeout
    } else {
        CallError::Transport(error.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_kept_only_as_plain_identifiers() {
        let cases = [
            (
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"}"#,
                "ResourceNotFoundException",
            ),
            (
                r#"{"__type":"NotAuthorizedException","message":"Access Token has been revoked"}"#,
                "NotAuthorizedException",
            ),
            (r#"{"__type":"Throttling Exception <b>"}"#, ""),
            (&format!(r#"{{"__type":"{}"}}"#, "A".repeat(65)), ""),
            (
                &format!(r#"{{"__type":"{}"}}"#, "A".repeat(64)),
                &"A".repeat(64),
            ),
            ("not json", ""),
            (r#"{"message":"no type"}"#, ""),
        ];
        for (body, expected) in cases {
            let answer = Answer {
                status: 400,
                body: body.as_bytes().to_vec(),
            };
            assert_eq!(answer.error_type(), expected, "{body}");
        }
    }

    fn unsigned(endpoint: &str, protocol: JsonProtocol) -> JsonService {
        JsonService::new(
            reqwest::Client::new(),
            endpoint,
            protocol,
            None,
            Duration::from_secs(5),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn calls_carry_the_protocol_the_target_and_the_agent() {
        let fake = testkit::FakeAws::start(vec![("Svc.Op", 201, b"{\"a\":1}".to_vec())]).await;
        let answer = unsigned(&fake.endpoint, JsonProtocol::V1_0)
            .call("Svc.Op", b"{}".to_vec(), 0)
            .await
            .unwrap();
        assert_eq!(
            answer,
            Answer {
                status: 201,
                body: b"{\"a\":1}".to_vec()
            }
        );
        let signer = crate::sigv4::tests::dynamodb_signer();
        let signed = JsonService::new(
            reqwest::Client::new(),
            &fake.endpoint,
            JsonProtocol::V1_1,
            Some(signer),
            Duration::from_secs(5),
        )
        .unwrap()
        .with_region_in_user_agent("eu-west-1");
        signed
            .call("Svc.Op", b"{\"x\":2}".to_vec(), 1_440_938_160)
            .await
            .unwrap();
        let seen = fake.seen();
        assert_eq!(seen.len(), 2);
        let agent = concat!("cognito-apigw-authorizer/", env!("CARGO_PKG_VERSION"));
        assert_eq!(
            (
                seen[0].header("content-type"),
                seen[0].target(),
                seen[0].header("user-agent"),
                seen[0].signed()
            ),
            ("application/x-amz-json-1.0", "Svc.Op", agent, false)
        );
        assert_eq!(seen[0].body, b"{}");
        assert_eq!(
            (
                seen[1].header("content-type"),
                seen[1].header("user-agent"),
                seen[1].signed()
            ),
            (
                "application/x-amz-json-1.1",
                format!("{agent} region/eu-west-1").as_str(),
                true
            )
        );
        assert_eq!(seen[1].header("x-amz-date"), "20150830T123600Z");
        assert_eq!(seen[1].body, b"{\"x\":2}");
    }

    #[tokio::test]
    async fn answers_are_read_to_the_bound_and_no_further() {
        let fake = testkit::FakeAws::start(vec![
            ("Full", 200, vec![b'x'; MAX_ANSWER_BYTES]),
            ("Over", 200, vec![b'x'; MAX_ANSWER_BYTES + 1]),
        ])
        .await;
        assert_eq!(MAX_ANSWER_BYTES, 65_536);
        let service = unsigned(&fake.endpoint, JsonProtocol::V1_0);
        let full = service.call("Full", Vec::new(), 0).await.unwrap();
        assert_eq!(full.body.len(), MAX_ANSWER_BYTES);
        assert_eq!(
            service.call("Over", Vec::new(), 0).await,
            Err(CallError::TooLarge)
        );
    }

    #[tokio::test]
    async fn no_answer_is_an_error_naming_why() {
        // A listener that accepts and never answers: the timeout.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = silent.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = silent.accept().await {
                held.push(stream);
            }
        });
        let slow = JsonService::new(
            reqwest::Client::new(),
            &format!("http://{address}"),
            JsonProtocol::V1_0,
            None,
            Duration::from_millis(200),
        )
        .unwrap();
        assert_eq!(slow.call("X", Vec::new(), 0).await, Err(CallError::Timeout));
        // Nothing listening: a transport error, without the URL.
        let closed = unsigned("http://127.0.0.1:9", JsonProtocol::V1_0);
        match closed.call("X", Vec::new(), 0).await {
            Err(CallError::Transport(message)) => {
                assert!(!message.contains("127.0.0.1:9"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn endpoints_need_a_host() {
        let client = reqwest::Client::new();
        let service = |url| {
            JsonService::new(
                client.clone(),
                url,
                JsonProtocol::V1_0,
                None,
                Duration::from_secs(1),
            )
        };
        assert_eq!(service("not a url").unwrap_err(), "endpoint is not a URL");
        let with_port = service("http://127.0.0.1:8000/").unwrap();
        assert_eq!(
            (with_port.url.as_str(), with_port.host.as_str()),
            ("http://127.0.0.1:8000/", "127.0.0.1:8000")
        );
        let without = service("https://dynamodb.ap-northeast-1.amazonaws.com").unwrap();
        assert_eq!(without.host, "dynamodb.ap-northeast-1.amazonaws.com");
    }
}
