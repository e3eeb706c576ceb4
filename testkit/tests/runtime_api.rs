//! The Runtime API emulator at the HTTP level, with request framings the Rust runtime client
//! happens not to use today (chunked bodies, several requests on one connection), written by
//! hand so that the framing is exactly the one under test.

use std::time::Duration;

use serde_json::json;
use testkit::{Outcome, RuntimeApi};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// Sends `request` and reads until `until` has arrived (bounded by [`WAIT`]).
async fn exchange(stream: &mut TcpStream, request: &str, until: &str) -> String {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(WAIT, async {
        while !String::from_utf8_lossy(&received).contains(until) {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "connection closed; got {received:?}");
            received.extend_from_slice(&buffer[..n]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {until:?} within {WAIT:?}"));
    String::from_utf8(received).unwrap()
}

#[tokio::test]
async fn a_chunked_answer_is_read_and_matched_to_the_event_handed_out() {
    let mut runtime = RuntimeApi::start().await;
    assert_eq!(runtime.first_poll(), None);
    runtime.queue("req-7", &json!({"n": 7}));

    let mut poller = TcpStream::connect(&runtime.address).await.unwrap();
    let event = exchange(
        &mut poller,
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n",
        r#"{"n":7}"#,
    )
    .await;
    assert!(event.starts_with("HTTP/1.1 200"), "{event}");
    let head = event.to_ascii_lowercase();
    assert!(
        head.contains("lambda-runtime-aws-request-id: req-7\r\n"),
        "{event}"
    );
    assert!(head.contains("lambda-runtime-deadline-ms: "), "{event}");
    assert!(runtime.first_poll().is_some());

    // The answer in two chunks, with a chunk extension and a trailer, as HTTP/1.1 allows.
    let accepted = exchange(
        &mut poller,
        "POST /2018-06-01/runtime/invocation/req-7/response HTTP/1.1\r\nHost: x\r\n\
         Transfer-Encoding: chunked\r\n\r\n\
         6;note=first\r\n{\"ok\":\r\n5\r\ntrue}\r\n0\r\nX-Trailer: 1\r\n\r\n",
        r#"{"status":"OK"}"#,
    )
    .await;
    assert!(accepted.starts_with("HTTP/1.1 202"), "{accepted}");
    let reply = runtime.next_reply(WAIT).await.expect("a reply");
    assert_eq!(reply.request_id.as_deref(), Some("req-7"));
    assert_eq!(reply.outcome, Outcome::Response(json!({"ok": true})));
    assert!(reply.latency().is_some(), "handed out, then answered");
}

#[tokio::test]
async fn one_connection_carries_an_init_error_an_unknown_path_and_a_text_error() {
    let mut runtime = RuntimeApi::start().await;
    let mut connection = TcpStream::connect(&runtime.address).await.unwrap();
    let body = r#"{"errorMessage":"USER_POOL_ID is not set","errorType":"Runtime.InitError"}"#;
    let accepted = exchange(
        &mut connection,
        &format!(
            "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        r#"{"status":"OK"}"#,
    )
    .await;
    assert!(accepted.starts_with("HTTP/1.1 202"), "{accepted}");
    let reply = runtime.next_reply(WAIT).await.expect("a reply");
    assert_eq!(reply.request_id, None);
    assert_eq!(reply.latency(), None);
    let Outcome::InitError(error) = reply.outcome else {
        panic!("{:?}", reply.outcome)
    };
    assert_eq!(error["errorType"], "Runtime.InitError");

    let unknown = exchange(
        &mut connection,
        "POST /2018-06-01/runtime/invocation/x/elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "unknown path",
    )
    .await;
    assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");

    // Not JSON: kept as text, for the test to show.
    exchange(
        &mut connection,
        "POST /2018-06-01/runtime/invocation/never-handed-out/error HTTP/1.1\r\nHost: x\r\n\
         Transfer-Encoding: chunked\r\n\r\n4\r\noops\r\n0\r\n\r\n",
        r#"{"status":"OK"}"#,
    )
    .await;
    let reply = runtime.next_reply(WAIT).await.expect("a reply");
    assert_eq!(reply.request_id.as_deref(), Some("never-handed-out"));
    assert_eq!(reply.outcome, Outcome::Error(json!("oops")));
    assert_eq!(reply.latency(), None);
    assert!(
        runtime
            .next_reply(Duration::from_millis(50))
            .await
            .is_none()
    );
}
