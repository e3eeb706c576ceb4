//! The HTTP/1.1 server on 127.0.0.1 (hyper), with one log line per request.

use std::convert::Infallible;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::gateway::{Gateway, GatewayResponse};
use crate::request::IncomingRequest;

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Binds 127.0.0.1:`port` (0 picks a free port). Loopback only: this is a development tool
/// that runs without authentication in front of the API.
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await
}

/// Binds, prints `local-gateway listening on http://127.0.0.1:<port>` on stdout (scripts wait
/// for that line) and serves until the process ends.
pub async fn serve(gateway: Arc<Gateway>, port: u16) -> std::io::Result<()> {
    let listener = bind(port).await?;
    let addr = listener.local_addr()?;
    println!("local-gateway listening on http://{addr}");
    std::io::stdout().flush()?;
    run(listener, gateway).await;
    Ok(())
}

/// Serves on a free port in the background; for tests.
pub async fn spawn(gateway: Arc<Gateway>) -> std::io::Result<SocketAddr> {
    let listener = bind(0).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(run(listener, gateway));
    Ok(addr)
}

/// Serves `gateway` on `listener` until the process ends.
pub async fn run(listener: TcpListener, gateway: Arc<Gateway>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // E.g. out of file descriptors: keep serving the connections we have.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let gateway = Arc::clone(&gateway);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let gateway = Arc::clone(&gateway);
                async move { Ok::<_, Infallible>(handle(&gateway, request, peer).await) }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

async fn handle(
    gateway: &Gateway,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut incoming = IncomingRequest::new(parts.method.as_str(), path_and_query);
    incoming.source_ip = peer.ip().to_string();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            incoming
                .headers
                .push((name.as_str().to_owned(), value.to_owned()));
        }
    }
    let response = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => {
            incoming.body = collected.to_bytes().to_vec();
            gateway.handle(incoming.clone()).await
        }
        Err(_) => GatewayResponse {
            status: 413,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"message":"Request Entity Too Large"}"#.to_vec(),
            auth: crate::gateway::AuthTrace::NotNeeded,
        },
    };
    // The one line per request. The path only: no query string, headers or tokens.
    tracing::info!(
        method = %incoming.method,
        path = %incoming.path,
        status = response.status,
        authorizer = response.auth.as_str(),
        latency_ms = started.elapsed().as_millis() as u64,
        "gateway request"
    );
    to_http(response)
}

fn to_http(response: GatewayResponse) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| {
            // A header the function sent that HTTP cannot carry: API Gateway answers 502 too.
            let mut fallback = Response::new(Full::new(Bytes::from_static(
                br#"{"message":"Internal server error"}"#,
            )));
            *fallback.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            fallback
        })
}
