//! The process-wide JWKS cache shared by every invocation of a warm function.
//!
//! Keys are fetched on first need (and best-effort at start-up), kept parsed, and refreshed
//! only when a token names a `kid` the cache does not know, at most once per cooldown per pool.
//! Concurrent refreshes of one pool share a single request. A failed refresh keeps the keys
//! already known. Only URLs from the configuration are ever fetched.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::clock::Clock;
use crate::config::PoolConfig;
use crate::jwks::{self, JwkAlgorithm, KeySet, MAX_JWKS_BYTES, VerificationKey};

/// Why fetching a JWKS failed. Messages name the URL's kind of failure, never a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksFetchError {
    #[error("JWKS request timed out")]
    Timeout,
    #[error("JWKS request failed: {0}")]
    Transport(String),
    #[error("JWKS endpoint answered HTTP {0}")]
    Status(u16),
    #[error("JWKS response is larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    #[error("JWKS response is not a key set: {0}")]
    Invalid(#[from] jwks::JwksError),
    #[error("JWKS has no usable key")]
    NoUsableKey,
}

/// Boxed future returned by [`JwksFetcher::fetch`].
pub type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, JwksFetchError>> + Send + 'a>>;

/// The HTTP seam: fetches a JWKS body. Implementations must enforce the body size limit and
/// answer non-200 statuses with [`JwksFetchError::Status`].
pub trait JwksFetcher: Send + Sync + 'static {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

/// Fetches with reqwest over rustls. No redirects are followed: the configured URL is the only
/// place keys come from.
#[derive(Clone, Debug)]
pub struct HttpJwksFetcher {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpJwksFetcher {
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cognito-authorizer/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpJwksFetcher { client, timeout })
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

/// What a key lookup can come to besides a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookupError {
    /// The pool's keys are known and none has this `kid`.
    UnknownKid,
    /// The pool's keys cannot be had right now (never fetched, or the last fetch failed and the
    /// `kid` is not among the keys kept): the token might be fine.
    Unavailable,
}

struct PoolKeys {
    jwks_url: String,
    keys: RwLock<Arc<KeySet>>,
    refresh: tokio::sync::Mutex<RefreshState>,
}

#[derive(Default)]
struct RefreshState {
    /// Monotonic time of the last fetch attempt, successful or not.
    last_attempt: Option<Duration>,
    last_failed: bool,
}

/// The JWKS cache for the configured pools, keyed by issuer.
pub struct KeyStore {
    pools: HashMap<String, PoolKeys>,
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    cooldown: Duration,
    algorithms: Vec<JwkAlgorithm>,
}

impl KeyStore {
    pub fn new(
        pools: &[PoolConfig],
        algorithms: &[JwkAlgorithm],
        fetcher: Arc<dyn JwksFetcher>,
        clock: Arc<dyn Clock>,
        cooldown: Duration,
    ) -> Self {
        let pools = pools
            .iter()
            .map(|pool| {
                let keys = PoolKeys {
                    jwks_url: pool.jwks_url.clone(),
                    keys: RwLock::new(Arc::new(KeySet::default())),
                    refresh: tokio::sync::Mutex::new(RefreshState::default()),
                };
                (pool.issuer.clone(), keys)
            })
            .collect();
        KeyStore {
            pools,
            fetcher,
            clock,
            cooldown,
            algorithms: algorithms.to_vec(),
        }
    }

    /// Whether `issuer` is one of the configured pools.
    pub fn knows_issuer(&self, issuer: &str) -> bool {
        self.pools.contains_key(issuer)
    }

    /// Fetches every pool's keys once, concurrently, giving up after `within`; failures are
    /// logged and left for the first request to retry after the cooldown. Used during init so
    /// the first request is fast, bounded so a JWKS that cannot be reached (a VPC without a
    /// route out) cannot run the init phase past Lambda's limit.
    pub async fn prefetch(&self, within: Duration) {
        let fetches = self.pools.values().map(|pool| self.refresh(pool, None));
        if tokio::time::timeout(within, join_all(fetches))
            .await
            .is_err()
        {
            tracing::warn!(
                ?within,
                "JWKS prefetch did not finish during init; the first request will fetch"
            );
        }
    }

    /// The key for `kid` in the pool that issued `issuer`, refreshing the pool's JWKS when the
    /// `kid` is unknown and the cooldown allows.
    pub async fn key(
        &self,
        issuer: &str,
        kid: &str,
    ) -> Result<Arc<VerificationKey>, KeyLookupError> {
        let pool = self.pools.get(issuer).ok_or(KeyLookupError::UnknownKid)?;
        if let Some(key) = current(pool).get(kid) {
            return Ok(Arc::clone(key));
        }
        self.refresh(pool, Some(kid)).await
    }

    /// Refreshes `pool` unless the cooldown forbids it, then looks `kid` up. With `kid` = `None`
    /// (prefetch) the lookup result is meaningless.
    async fn refresh(
        &self,
        pool: &PoolKeys,
        kid: Option<&str>,
    ) -> Result<Arc<VerificationKey>, KeyLookupError> {
        // One refresh at a time per pool: later callers wait here, then find the keys the
        // first one fetched (or the cooldown closed) and do not fetch again.
        let mut state = pool.refresh.lock().await;
        let lookup = |state: &RefreshState| -> Result<Arc<VerificationKey>, KeyLookupError> {
            let keys = current(pool);
            match kid.and_then(|kid| keys.get(kid)) {
                Some(key) => Ok(Arc::clone(key)),
                None if keys.is_empty() || state.last_failed => Err(KeyLookupError::Unavailable),
                None => Err(KeyLookupError::UnknownKid),
            }
        };
        if let Ok(key) = lookup(&state) {
            return Ok(key);
        }
        let now = self.clock.monotonic();
        if let Some(last) = state.last_attempt
            && now.saturating_sub(last) < self.cooldown
        {
            return lookup(&state);
        }
        state.last_attempt = Some(now);
        match self.fetch(pool).await {
            Ok(keys) => {
                tracing::info!(jwks_url = %pool.jwks_url, kids = ?keys.kids(), "JWKS fetched");
                *pool
                    .keys
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(keys);
                state.last_failed = false;
            }
            Err(error) => {
                tracing::warn!(jwks_url = %pool.jwks_url, %error, "JWKS fetch failed; keeping the keys already known");
                state.last_failed = true;
            }
        }
        lookup(&state)
    }

    async fn fetch(&self, pool: &PoolKeys) -> Result<KeySet, JwksFetchError> {
        let body = self.fetcher.fetch(&pool.jwks_url).await?;
        let keys = jwks::parse_jwks(&body, &self.algorithms)?;
        // A set with no usable key would replace the keys we have with nothing: whatever
        // broke the endpoint's answer, keep verifying with the keys already known.
        if keys.is_empty() {
            return Err(JwksFetchError::NoUsableKey);
        }
        Ok(keys)
    }
}

fn current(pool: &PoolKeys) -> Arc<KeySet> {
    // A poisoned lock only means a writer panicked mid-assignment of an Arc, which cannot leave
    // it half-written; keep serving.
    Arc::clone(
        &pool
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Runs futures concurrently on the current task (no extra dependency for the handful of pools).
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut set: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in set.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
