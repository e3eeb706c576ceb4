//! The HTTP seam: where JWKS and discovery documents come from. The production fetcher sends
//! one GET, follows no redirect, and bounds both the time and the size of the answer.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::key_set::{self, MAX_JWKS_BYTES};
use crate::https::TlsRoots;

/// Why fetching a JWKS failed. Messages name the URL's kind of failure, never a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksFetchError {
    #[error("JWKS request timed out")]
    /// No complete answer within the timeout.
    Timeout,
    #[error("JWKS request failed: {0}")]
    /// The connection or TLS failed (the message names how, never the body).
    Transport(String),
    #[error("JWKS endpoint answered HTTP {0}")]
    /// An HTTP status other than 200 (redirects included: none is followed).
    Status(u16),
    #[error("JWKS response is larger than {MAX_JWKS_BYTES} bytes")]
    /// The body is larger than [`MAX_JWKS_BYTES`].
    TooLarge,
    #[error("JWKS response is not a key set: {0}")]
    /// The body is not a key set.
    Invalid(#[from] key_set::JwksError),
    #[error("JWKS has no usable key")]
    /// The key set has no key this verifier can use.
    NoUsableKey,
    #[error("OpenID Connect discovery failed: {0}")]
    /// The issuer's OpenID Connect discovery document cannot be used (wrong issuer, no or
    /// unsafe `jwks_uri`, not a JSON object).
    Discovery(&'static str),
}

/// Boxed future returned by [`JwksFetcher::fetch`].
pub type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, JwksFetchError>> + Send + 'a>>;

/// The HTTP seam: fetches a JWKS body. Implementations must enforce the body size limit and
/// answer non-200 statuses with [`JwksFetchError::Status`].
pub trait JwksFetcher: Send + Sync + 'static {
    /// Fetches the JWKS document at `url`.
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

/// Fetches with reqwest over rustls ([`TlsRoots`]). No redirects are followed: the configured URL is the only
/// place keys come from.
#[derive(Clone, Debug)]
pub struct HttpJwksFetcher {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpJwksFetcher {
    /// A fetcher whose every request (connection and body) ends within `timeout`, trusting
    /// the compiled-in roots ([`TlsRoots::builtin`]). Fails only when the TLS stack cannot be
    /// set up.
    pub fn new(timeout: Duration) -> Result<Self, JwksFetchError> {
        Self::with_roots(timeout, &TlsRoots::builtin())
    }

    /// A fetcher like [`HttpJwksFetcher::new`] trusting `roots` (e.g. with `SSL_CERT_FILE`'s).
    pub fn with_roots(timeout: Duration, roots: &TlsRoots) -> Result<Self, JwksFetchError> {
        let client = roots
            .client_builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("oidc-jwt-verifier/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(transport_error)?;
        Ok(HttpJwksFetcher { client, timeout })
    }

    /// The HTTP client underneath (a cheap handle to the same connection pool and TLS set-up),
    /// for other requests of this process: building a second client costs milliseconds of
    /// start-up. It follows no redirect; its timeouts are this fetcher's unless a request sets
    /// its own.
    pub fn client(&self) -> reqwest::Client {
        self.client.clone()
    }

    async fn fetch_body(&self, url: &str) -> Result<Vec<u8>, JwksFetchError> {
        let mut response = self.client.get(url).send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(JwksFetchError::Status(status));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(JwksFetchError::TooLarge);
        }
        // Read chunk by chunk so a lying or absent Content-Length cannot make us buffer more
        // than the limit.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksFetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn transport_error(error: reqwest::Error) -> JwksFetchError {
    if error.is_timeout() {
        JwksFetchError::Timeout
    } else {
        // Without the URL: it is configuration, already known, and keeps the log line short.
        JwksFetchError::Transport(error.without_url().to_string())
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            // reqwest's own timeout covers the request; this one also bounds a body that
            // trickles in slowly.
            tokio::time::timeout(self.timeout, self.fetch_body(url))
                .await
                .unwrap_or(Err(JwksFetchError::Timeout))
        })
    }
}
