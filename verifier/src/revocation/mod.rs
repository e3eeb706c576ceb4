//! The opt-in revocation list: once a token is authenticated (before its requirements are
//! checked), two entries decide whether it was revoked since it was issued.
//!
//! - The user's entry (key `sub#<iss>#<sub>`): "every token of this user issued before
//!   `not_before`", written on `GlobalSignOut` / `AdminUserGlobalSignOut`. A token is revoked
//!   when its `iat` is before `not_before` (strictly: a writer that wants the sign-out second
//!   itself covered writes `not_before` = sign-out second + 1). A token without `iat` cannot
//!   show it came later, so it is revoked (fail closed). No clock is involved: `iat` (the
//!   issuer's clock) is compared with `not_before` (the writer's), so the authorizer's own
//!   skew neither widens nor narrows the window.
//! - The session's entry (key `jti#<iss>#<origin_jti>`): "every token of this session",
//!   written on `RevokeToken`. Its presence revokes every token carrying that `origin_jti`.
//!
//! An entry whose `expires_at` (the table's TTL attribute) is at or before now is ignored:
//! DynamoDB deletes expired items in the background, typically within days, and until then
//! reads still return them (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html>).
//!
//! Where the entries come from is a seam ([`RevocationLookup`], like the JWKS fetcher): this
//! crate knows no AWS type. Answers are cached for a bounded time ([`RevocationCheck`]), which
//! is the staleness an operator chooses. A lookup that fails is never taken for "not revoked"
//! unless the operator chose [`FailurePolicy::Open`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::claims::VerifiedClaims;
use crate::clock::Clock;
use crate::rejection::{Reason, Rejection};

/// At most this many answers are cached; when full, expired answers go first, then all.
pub const MAX_CACHED_ANSWERS: usize = 10_000;

/// The two list keys of one token: its user's and, when it has an `origin_jti`, its session's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RevocationKeys {
    /// `sub#<iss>#<sub>`.
    pub user: String,
    /// `jti#<iss>#<origin_jti>`, when the token has an `origin_jti`.
    pub session: Option<String>,
}

impl RevocationKeys {
    /// The keys of a verified token. The issuer comes first so that the same `sub` of two
    /// issuers are two users; `sub` and `origin_jti` come last, so whatever they hold cannot
    /// make one key look like another.
    pub fn of(claims: &VerifiedClaims) -> Self {
        Self::new(&claims.issuer, &claims.sub, claims.origin_jti.as_deref())
    }

    /// The keys of a token of `issuer`'s user `sub`, of session `origin_jti` when it has one.
    pub fn new(issuer: &str, sub: &str, origin_jti: Option<&str>) -> Self {
        RevocationKeys {
            user: Self::user_key(issuer, sub),
            session: origin_jti.map(|jti| Self::session_key(issuer, jti)),
        }
    }

    /// The user entry's key: `sub#<iss>#<sub>` (the one definition; writers use it too).
    pub fn user_key(issuer: &str, sub: &str) -> String {
        format!("sub#{issuer}#{sub}")
    }

    /// The session entry's key: `jti#<iss>#<origin_jti>`.
    pub fn session_key(issuer: &str, origin_jti: &str) -> String {
        format!("jti#{issuer}#{origin_jti}")
    }
}

/// One list entry as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationEntry {
    /// `not_before` (seconds since the epoch): user entries. `None` in a user entry is a
    /// broken write and revokes every token of the user (fail closed).
    pub not_before: Option<u64>,
    /// `expires_at` (seconds since the epoch), the TTL attribute; `None` never expires.
    pub expires_at: Option<u64>,
}

impl RevocationEntry {
    fn live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|expires_at| expires_at > now)
    }
}

/// What the list holds for one token's keys (`None`: no such entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationRecords {
    /// The entry under [`RevocationKeys::user`].
    pub user: Option<RevocationEntry>,
    /// The entry under [`RevocationKeys::session`].
    pub session: Option<RevocationEntry>,
}

impl RevocationRecords {
    /// Why a token issued at `issued_at` is revoked at `now`, or `None` when it is not.
    pub fn revocation(&self, issued_at: Option<u64>, now: u64) -> Option<Rejection> {
        let revoked = |detail| Some(Rejection::new(Reason::Revoked, detail));
        if self.session.is_some_and(|entry| entry.live(now)) {
            return revoked("the token's session (origin_jti) was revoked");
        }
        let user = self.user.filter(|entry| entry.live(now))?;
        match (user.not_before, issued_at) {
            (Some(not_before), Some(iat)) if iat >= not_before => None,
            (Some(_), Some(_)) => revoked("the user signed out after the token was issued"),
            (Some(_), None) => revoked("the user signed out and the token has no iat"),
            (None, _) => revoked("the user's revocation entry has no not_before"),
        }
    }
}

/// Why the list could not be read. Messages never hold a response body or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationLookupError {
    /// No complete answer within the timeout.
    #[error("revocation lookup timed out")]
    Timeout,
    /// The connection or TLS failed.
    #[error("revocation lookup failed: {0}")]
    Transport(String),
    /// The store answered with an error status (and, when it names one, its error type).
    #[error("revocation store answered HTTP {status} {error_type}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The store's error type (e.g. `ResourceNotFoundException`), or empty.
        error_type: String,
    },
    /// The answer is not what the store's API documents.
    #[error("revocation store answer is invalid: {0}")]
    Invalid(&'static str),
    /// The store did not process every key (throttling): the answer is incomplete.
    #[error("revocation store left keys unprocessed")]
    Unprocessed,
}

/// Boxed future returned by [`RevocationLookup::lookup`].
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<RevocationRecords, RevocationLookupError>> + Send + 'a>>;

/// The storage seam: reads both keys' entries, in one round trip.
pub trait RevocationLookup: Send + Sync + 'static {
    /// The entries stored under `keys`.
    fn lookup<'a>(&'a self, keys: &'a RevocationKeys) -> LookupFuture<'a>;
}

/// What to do when the list cannot be read (`REVOCATION_FAILURE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Refuse to answer (a 500: the token may be fine, so not a 401).
    #[default]
    Closed,
    /// Allow the token; the caller must log the failure loudly.
    Open,
}

/// A token the list does not revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrevoked {
    /// The list was read (or its answer is cached) and revokes nothing.
    Checked,
    /// The list could not be read and the policy is [`FailurePolicy::Open`]: allowed unchecked.
    FailedOpen(RevocationLookupError),
}

/// Why [`RevocationCheck::check`] refuses a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// The token is revoked: 401.
    #[error("{0}")]
    Revoked(Rejection),
    /// The list cannot be read and the policy is [`FailurePolicy::Closed`]: 500.
    #[error("{0}")]
    Unavailable(RevocationLookupError),
}

struct CachedAnswer {
    records: RevocationRecords,
    fetched_at: Duration,
}

/// The revocation check: a lookup, an in-process cache of its answers and the failure policy.
/// Cached answers are judged again against the clock at each use, so an entry's expiry takes
/// effect even while its answer is cached; failures are never cached.
pub struct RevocationCheck {
    lookup: Arc<dyn RevocationLookup>,
    clock: Arc<dyn Clock>,
    cache_for: Duration,
    failure: FailurePolicy,
    cache: Mutex<HashMap<RevocationKeys, CachedAnswer>>,
}

impl RevocationCheck {
    /// A check that keeps answers for `cache_for` (zero: every token asks the store).
    pub fn new(
        lookup: Arc<dyn RevocationLookup>,
        clock: Arc<dyn Clock>,
        cache_for: Duration,
        failure: FailurePolicy,
    ) -> Self {
        RevocationCheck {
            lookup,
            clock,
            cache_for,
            failure,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the token `claims` come from ([`crate::Verifier::verify`]'s) was revoked.
    /// Checked before its requirements: a revoked token is 401 whatever else it lacks.
    pub async fn check(&self, claims: &VerifiedClaims) -> Result<Unrevoked, RevocationError> {
        let keys = RevocationKeys::of(claims);
        let records = match self.cached(&keys) {
            Some(records) => records,
            None => match self.lookup.lookup(&keys).await {
                Ok(records) => {
                    self.remember(keys, records);
                    records
                }
                Err(error) => {
                    return match self.failure {
                        FailurePolicy::Closed => Err(RevocationError::Unavailable(error)),
                        FailurePolicy::Open => Ok(Unrevoked::FailedOpen(error)),
                    };
                }
            },
        };
        match records.revocation(claims.issued_at, self.clock.unix_seconds()) {
            Some(rejection) => Err(RevocationError::Revoked(rejection)),
            None => Ok(Unrevoked::Checked),
        }
    }

    fn fresh(&self, answer: &CachedAnswer, now: Duration) -> bool {
        now.saturating_sub(answer.fetched_at) < self.cache_for
    }

    fn cached(&self, keys: &RevocationKeys) -> Option<RevocationRecords> {
        let now = self.clock.monotonic();
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(keys)
            .filter(|answer| self.fresh(answer, now))
            .map(|answer| answer.records)
    }

    fn remember(&self, keys: RevocationKeys, records: RevocationRecords) {
        if self.cache_for.is_zero() {
            return;
        }
        let now = self.clock.monotonic();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED_ANSWERS {
            cache.retain(|_, answer| self.fresh(answer, now));
            if cache.len() >= MAX_CACHED_ANSWERS {
                cache.clear();
            }
        }
        cache.insert(
            keys,
            CachedAnswer {
                records,
                fetched_at: now,
            },
        );
    }
}

#[cfg(test)]
mod tests;
