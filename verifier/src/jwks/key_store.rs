//! The process-wide JWKS cache shared by every invocation of a warm function.
//!
//! Invariants:
//! - One cache entry per trusted issuer (a pool accepting both issuer forms has two), each with
//!   its own keys, algorithms, refresh lock and cooldown: every rule below holds per issuer. A
//!   token's `iss` only ever selects an entry by exact match; only the JWKS URLs from the
//!   configuration, or from the issuer's own discovery document, are ever fetched.
//! - An issuer without a configured `jwks_uri` has its discovery document read once, as part of
//!   its first fetch (same lock, same cooldown after a failure); the `jwks_uri` it names is then
//!   kept for the life of the process ([`super::discovery`]).
//! - Keys are fetched on first need, and best-effort at start-up ([`KeyStore::prefetch`], a
//!   *planned* fetch), or installed from a seed deployed with the function ([`KeyStore::seed`],
//!   only before any fetch, and then in place of the start-up fetch). After that they are
//!   refreshed only when a token names a `kid` the entry does not know, and a fetched set
//!   replaces a seeded one whole.
//! - The cooldown bounds fetches caused by unknown `kid`s (aws-jwt-verify's "penalty box"). It
//!   starts when a refresh triggered by an unknown `kid` finished without finding it, or when a
//!   fetch failed; while it runs, unknown `kid`s are answered from the keys already known without
//!   fetching. A successful planned fetch, or a refresh that found its `kid`, starts none: a key
//!   Cognito starts signing with right after a cold start is fetched on first sight. Under a
//!   flood of unknown `kid`s an entry is therefore fetched at most once per cooldown (plus once
//!   per key Cognito really publishes meanwhile: only a real key can be found).
//! - Refreshes of one entry run one at a time. A request that waited while a fetch which began
//!   after it missed its `kid` ran to the end takes that fetch's answer instead of fetching
//!   again, so concurrent refreshes share a single request; a fetch abandoned midway (the
//!   prefetch's time limit) is nobody's answer.
//! - A failed fetch, or one that yields no usable key, keeps the keys already known.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use futures_util::future::join_all;

use super::discovery;
use super::fetcher::{JwksFetchError, JwksFetcher};
use super::jwk::VerificationKey;
use super::key_set::{self, KeySet};
use super::observer::{JwksEvent, JwksObserver, LogJwksEvents};
use super::seed::JwksSeed;
use crate::algorithm::JwkAlgorithm;
use crate::clock::Clock;
use crate::config::{IssuerConfig, JwksLocation, PoolConfig};

/// What a key lookup can come to besides a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookupError {
    /// The issuer's keys are known and none has this `kid`.
    UnknownKid,
    /// The issuer's keys cannot be had right now (never fetched, or the last fetch failed and
    /// the `kid` is not among the keys kept): the token might be fine.
    Unavailable,
}

/// The cache entry of one issuer.
struct IssuerKeys {
    issuer: String,
    /// Set from the configuration, or once from the discovery document.
    jwks_url: OnceLock<String>,
    algorithms: Vec<JwkAlgorithm>,
    keys: RwLock<Arc<KeySet>>,
    refresh: tokio::sync::Mutex<RefreshState>,
    /// Fetches begun so far, bumped under `refresh` just before each request goes out. Read
    /// without the lock by a request about to wait for it, to tell afterwards (from
    /// [`RefreshState::last_finished_fetch`]) whether a fetch began after it missed its `kid`.
    fetches_started: AtomicU64,
}

#[derive(Default)]
struct RefreshState {
    /// Monotonic time the running cooldown started at: a refresh for an unknown `kid` that did
    /// not find it, or a failed fetch. `None` when no cooldown was started since the last
    /// refresh that found its `kid`.
    cooldown_from: Option<Duration>,
    last_failed: bool,
    /// The number (in `fetches_started`) of the last fetch that finished. A fetch abandoned
    /// midway (the prefetch's time limit) never sets it, so nobody takes it for an answer.
    last_finished_fetch: u64,
}

impl RefreshState {
    fn cooling_down(&self, now: Duration, cooldown: Duration) -> bool {
        self.cooldown_from
            .is_some_and(|from| now.saturating_sub(from) < cooldown)
    }
}

/// The JWKS cache for the trusted issuers, one entry per issuer.
pub struct KeyStore {
    issuers: HashMap<String, IssuerKeys>,
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    cooldown: Duration,
    observer: Arc<dyn JwksObserver>,
}

impl KeyStore {
    /// A key store for `pools`' issuers, keeping keys for `algorithms`, fetching through `fetcher`;
    /// after a refresh that still misses a `kid` (or a failed fetch) an issuer waits
    /// `refresh_cooldown` before the next.
    pub fn new(
        pools: &[PoolConfig],
        algorithms: &[JwkAlgorithm],
        fetcher: Arc<dyn JwksFetcher>,
        clock: Arc<dyn Clock>,
        cooldown: Duration,
    ) -> Self {
        let entries = pools.iter().flat_map(|pool| &pool.issuers).map(|accepted| {
            IssuerKeys::new(
                &accepted.issuer,
                &JwksLocation::Url(accepted.jwks_url.clone()),
                algorithms,
            )
        });
        Self::from_entries(entries, fetcher, clock, cooldown)
    }

    /// A key store for `issuers` (see [`crate::VerifierConfig::trusted_issuers`]), each keeping
    /// keys for its own algorithms. The first entry of an `iss` listed twice wins (the
    /// configuration's validation refuses that).
    pub fn for_issuers(
        issuers: &[IssuerConfig],
        fetcher: Arc<dyn JwksFetcher>,
        clock: Arc<dyn Clock>,
        cooldown: Duration,
    ) -> Self {
        let entries = issuers
            .iter()
            .map(|trusted| IssuerKeys::new(&trusted.issuer, &trusted.jwks, &trusted.algorithms));
        Self::from_entries(entries, fetcher, clock, cooldown)
    }

    fn from_entries(
        entries: impl Iterator<Item = IssuerKeys>,
        fetcher: Arc<dyn JwksFetcher>,
        clock: Arc<dyn Clock>,
        cooldown: Duration,
    ) -> Self {
        let mut issuers = HashMap::new();
        for entry in entries {
            issuers.entry(entry.issuer.clone()).or_insert(entry);
        }
        KeyStore {
            issuers,
            fetcher,
            clock,
            cooldown,
            observer: Arc::new(LogJwksEvents),
        }
    }

    /// Reports every fetch and failed fetch to `observer` (instead of logging them).
    pub fn with_observer(mut self, observer: Arc<dyn JwksObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Whether `issuer` is exactly one of the trusted issuers.
    pub fn knows_issuer(&self, issuer: &str) -> bool {
        self.issuers.contains_key(issuer)
    }

    /// Installs `seed`'s key sets, as a start-up fetch would have, in the entries no fetch has
    /// begun for (a fetched set is fresher than anything deployed); returns how many entries it
    /// seeded. Seeded entries start no cooldown, so an unknown `kid` fetches at once.
    pub fn seed(&self, seed: &JwksSeed) -> usize {
        let mut seeded = 0;
        for (issuer, keys) in seed.sets() {
            let Some(entry) = self.issuers.get(issuer) else {
                continue;
            };
            // Holding the refresh lock, no fetch can begin meanwhile; one in flight holds it.
            let Ok(_state) = entry.refresh.try_lock() else {
                continue;
            };
            if entry.fetches_started.load(Ordering::Acquire) != 0 {
                continue;
            }
            tracing::info!(issuer = %entry.issuer, kids = ?keys.kids(), "JWKS seeded");
            install(entry, keys.clone());
            seeded += 1;
        }
        seeded
    }

    /// Fetches the keys of every trusted issuer that has none yet (not seeded) once (and its
    /// discovery document, if needed), concurrently, giving up after `within`. Failures are
    /// reported (see [`KeyStore::with_observer`]) and start the cooldown; a success starts
    /// none, so a token signed
    /// with a key published just after this fetch still gets its refresh. Used during init so
    /// the first request is fast, bounded so a JWKS that cannot be reached (a VPC without a
    /// route out) cannot run the init phase past Lambda's limit.
    pub async fn prefetch(&self, within: Duration) {
        let fetches = self
            .issuers
            .values()
            .filter(|entry| current(entry).is_empty())
            .map(|entry| self.planned_fetch(entry));
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

    /// The key for `kid` of the issuer `issuer`, refreshing that issuer's JWKS when the `kid`
    /// is unknown and no cooldown is running.
    pub async fn key(
        &self,
        issuer: &str,
        kid: &str,
    ) -> Result<Arc<VerificationKey>, KeyLookupError> {
        let entry = self.issuers.get(issuer).ok_or(KeyLookupError::UnknownKid)?;
        if let Some(key) = current(entry).get(kid) {
            return Ok(Arc::clone(key));
        }
        self.refresh_for_kid(entry, kid).await
    }

    /// A fetch no token asked for, so no flood can drive it: it runs whatever the cooldown, and
    /// only a failure starts one.
    async fn planned_fetch(&self, entry: &IssuerKeys) {
        let mut state = entry.refresh.lock().await;
        self.fetch_and_store(entry, &mut state).await;
    }

    /// Looks `kid` up again under the entry's refresh lock and fetches the JWKS if it is still
    /// missing, no fetch that began after the caller missed it has finished meanwhile, and no
    /// cooldown is running.
    async fn refresh_for_kid(
        &self,
        entry: &IssuerKeys,
        kid: &str,
    ) -> Result<Arc<VerificationKey>, KeyLookupError> {
        let fetches_seen = entry.fetches_started.load(Ordering::Acquire);
        // One refresh at a time per issuer: later callers wait here, then find the keys the
        // first one fetched (or the cooldown it started) and do not fetch again.
        let mut state = entry.refresh.lock().await;
        if let Some(key) = current(entry).get(kid) {
            return Ok(Arc::clone(key));
        }
        if state.last_finished_fetch > fetches_seen {
            // A fetch began after this caller missed its kid and has finished (it held the
            // lock): its answer is as fresh as a new one. It did not have the kid, so it counts
            // as this caller's refresh that did not find it.
            let now = self.clock.monotonic();
            if !state.cooling_down(now, self.cooldown) {
                state.cooldown_from = Some(now);
            }
            return Err(missing(entry, &state));
        }
        if state.cooling_down(self.clock.monotonic(), self.cooldown) {
            return Err(missing(entry, &state));
        }
        self.fetch_and_store(entry, &mut state).await;
        match current(entry).get(kid) {
            Some(key) => {
                state.cooldown_from = None;
                Ok(Arc::clone(key))
            }
            None => {
                // The penalty box: whoever sent this kid waits out the cooldown, and so does
                // every other unknown kid for this issuer.
                state.cooldown_from = Some(self.clock.monotonic());
                Err(missing(entry, &state))
            }
        }
    }

    /// Fetches `entry`'s JWKS and installs it; a failure keeps the keys and starts the cooldown.
    /// Called with the entry's refresh lock held (`state`).
    async fn fetch_and_store(&self, entry: &IssuerKeys, state: &mut RefreshState) {
        let number = entry.fetches_started.fetch_add(1, Ordering::AcqRel) + 1;
        let outcome = self.fetch(entry).await;
        state.last_finished_fetch = number;
        match outcome {
            Ok(keys) => {
                self.observer.observe(&JwksEvent::Fetched {
                    issuer: &entry.issuer,
                    jwks_url: entry.url_for_logs(),
                    keys: &keys,
                });
                install(entry, keys);
                state.last_failed = false;
            }
            Err(error) => {
                self.observer.observe(&JwksEvent::FetchFailed {
                    issuer: &entry.issuer,
                    jwks_url: entry.url_for_logs(),
                    error: &error,
                });
                state.last_failed = true;
                // Read after the attempt: a slow failure still leaves a full cooldown.
                state.cooldown_from = Some(self.clock.monotonic());
            }
        }
    }

    async fn fetch(&self, entry: &IssuerKeys) -> Result<KeySet, JwksFetchError> {
        let url = match entry.jwks_url.get() {
            Some(url) => url,
            None => {
                let document = discovery::discovery_url(&entry.issuer);
                let body = self.fetcher.fetch(&document).await?;
                let uri = discovery::jwks_uri(&body, &entry.issuer)?;
                tracing::info!(issuer = %entry.issuer, jwks_url = %uri, "jwks_uri discovered");
                // Only ever set here, under the entry's refresh lock: no other writer.
                entry.jwks_url.get_or_init(|| uri)
            }
        };
        let body = self.fetcher.fetch(url).await?;
        let keys = key_set::parse_jwks(&body, &entry.algorithms)?;
        // A set with no usable key would replace the keys we have with nothing: whatever
        // broke the endpoint's answer, keep verifying with the keys already known.
        if keys.is_empty() {
            return Err(JwksFetchError::NoUsableKey);
        }
        Ok(keys)
    }
}

impl IssuerKeys {
    fn new(issuer: &str, jwks: &JwksLocation, algorithms: &[JwkAlgorithm]) -> Self {
        let jwks_url = OnceLock::new();
        if let JwksLocation::Url(url) = jwks {
            let _ = jwks_url.set(url.clone());
        }
        IssuerKeys {
            issuer: issuer.to_owned(),
            jwks_url,
            algorithms: algorithms.to_vec(),
            keys: RwLock::new(Arc::new(KeySet::default())),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            fetches_started: AtomicU64::new(0),
        }
    }

    fn url_for_logs(&self) -> &str {
        self.jwks_url
            .get()
            .map_or("(to be discovered)", String::as_str)
    }
}

/// Why a `kid` the entry does not have was not found: the keys are known and lack it, or they
/// cannot be had right now.
fn missing(entry: &IssuerKeys, state: &RefreshState) -> KeyLookupError {
    if state.last_failed || current(entry).is_empty() {
        KeyLookupError::Unavailable
    } else {
        KeyLookupError::UnknownKid
    }
}

/// The issuer's keys now. (A poisoned lock only means a writer panicked mid-assignment of an
/// Arc, which cannot leave it half-written: keep serving, here and in [`install`].)
fn current(entry: &IssuerKeys) -> Arc<KeySet> {
    Arc::clone(&entry.keys.read().unwrap_or_else(PoisonError::into_inner))
}

/// Replaces the issuer's keys whole.
fn install(entry: &IssuerKeys, keys: KeySet) {
    *entry.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fetch log lines name the JWKS URL, or say it is yet to be discovered.
    #[test]
    fn an_entry_names_its_jwks_url_for_the_logs() {
        let known = JwksLocation::Url("https://issuer.example.com/jwks.json".into());
        let entry = IssuerKeys::new("https://issuer.example.com", &known, &[JwkAlgorithm::RS256]);
        assert_eq!(entry.url_for_logs(), "https://issuer.example.com/jwks.json");
        let pending = IssuerKeys::new(
            "https://issuer.example.com",
            &JwksLocation::Discovery,
            &[JwkAlgorithm::RS256],
        );
        assert_eq!(pending.url_for_logs(), "(to be discovered)");
        let _ = pending
            .jwks_url
            .set("https://issuer.example.com/keys".into());
        assert_eq!(pending.url_for_logs(), "https://issuer.example.com/keys");
    }
}
