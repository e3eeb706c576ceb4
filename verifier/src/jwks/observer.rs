//! What the key store did, as typed events handed to a [`JwksObserver`]: the seam through
//! which a deployment counts fetches and failures (the authorizer turns them into CloudWatch
//! metrics) without reading log lines. The verifier logs nothing about fetches itself; its
//! default observer, [`LogJwksEvents`], writes the events as ordinary log lines.

use super::fetcher::JwksFetchError;
use super::key_set::KeySet;

/// One thing the key store did.
#[derive(Debug)]
pub enum JwksEvent<'a> {
    /// An issuer's JWKS was fetched and now serves its tokens.
    Fetched {
        /// The issuer whose keys these are.
        issuer: &'a str,
        /// Where they came from.
        jwks_url: &'a str,
        /// The keys now in use.
        keys: &'a KeySet,
    },
    /// A fetch failed (or yielded no usable key); the keys already known are kept.
    FetchFailed {
        /// The issuer whose keys could not be had.
        issuer: &'a str,
        /// Where they were asked for (`(to be discovered)` when discovery failed).
        jwks_url: &'a str,
        /// Why.
        error: &'a JwksFetchError,
    },
}

/// Receives the key store's [`JwksEvent`]s, synchronously, as they happen (rarely: a fetch is
/// once per cold start and per key rotation).
pub trait JwksObserver: Send + Sync + 'static {
    /// Called once per event.
    fn observe(&self, event: &JwksEvent<'_>);
}

/// The default observer: each event as a log line (a failure at WARN).
#[derive(Clone, Copy, Debug, Default)]
pub struct LogJwksEvents;

impl JwksObserver for LogJwksEvents {
    fn observe(&self, event: &JwksEvent<'_>) {
        match event {
            JwksEvent::Fetched {
                issuer,
                jwks_url,
                keys,
            } => {
                tracing::info!(issuer, jwks_url, kids = ?keys.kids(), "JWKS fetched");
            }
            JwksEvent::FetchFailed {
                issuer,
                jwks_url,
                error,
            } => {
                tracing::warn!(issuer, jwks_url, %error, "JWKS fetch failed; keeping the keys already known");
            }
        }
    }
}
