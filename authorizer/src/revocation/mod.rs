//! The opt-in revocation list's AWS side: its settings from the environment, and the
//! DynamoDB reader behind the verifier's [`oidc_jwt_verifier::revocation::RevocationLookup`] seam.
//!
//! Unset `REVOCATION_TABLE` means no revocation check: nothing here is read or built, so
//! the authorizer starts and answers exactly as without this module. Set, every setting is
//! checked at init, credentials included, so a missing one stops the function with its name.

use std::sync::Arc;
use std::time::Duration;

use oidc_jwt_verifier::{
    Clock, ConfigError,
    config::env::{Get, number, one_of, refuse_set},
    revocation::{FailurePolicy, RevocationCheck, RevocationLookupError},
};
use revocation_table::{DYNAMODB, RevocationTable, Signer, check_table_name, endpoint, signer};

/// The table's name; setting it turns the check on.
pub const REVOCATION_TABLE: &str = "REVOCATION_TABLE";
/// How long an answer is reused (seconds; default 30, 0 = ask every time).
pub const REVOCATION_CACHE_SECONDS: &str = "REVOCATION_CACHE_SECONDS";
/// `closed` (default: 500 when the table cannot be read) or `open` (allow, log an error).
pub const REVOCATION_FAILURE: &str = "REVOCATION_FAILURE";
/// The bound on one lookup (milliseconds; default 1000).
pub const REVOCATION_TIMEOUT_MS: &str = "REVOCATION_TIMEOUT_MS";
/// What this module reads (`AWS_*` only when `REVOCATION_TABLE` is set).
pub const REVOCATION_VARIABLES: [&str; 10] = [
    REVOCATION_TABLE,
    REVOCATION_CACHE_SECONDS,
    REVOCATION_FAILURE,
    REVOCATION_TIMEOUT_MS,
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
];

/// The revocation check's settings.
#[derive(Clone, Debug)]
pub struct RevocationSettings {
    /// `REVOCATION_TABLE`.
    pub table: String,
    /// `REVOCATION_CACHE_SECONDS`.
    pub cache_for: Duration,
    /// `REVOCATION_FAILURE`.
    pub failure: FailurePolicy,
    /// `REVOCATION_TIMEOUT_MS`.
    pub timeout: Duration,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`, else the Region's endpoint.
    pub endpoint: String,
    /// The signer: the Lambda role's credentials and `AWS_REGION`.
    pub signer: Signer,
}

impl RevocationSettings {
    /// Reads the settings through `get` (blank values already count as unset): `None` when
    /// `REVOCATION_TABLE` is unset, an error naming the variable when anything is wrong.
    pub fn from_lookup(get: Get) -> Result<Option<Self>, ConfigError> {
        let Some(table) = get(REVOCATION_TABLE).map(|t| t.trim().to_owned()) else {
            let dependents = [
                REVOCATION_CACHE_SECONDS,
                REVOCATION_FAILURE,
                REVOCATION_TIMEOUT_MS,
            ];
            let why = "is set but REVOCATION_TABLE is not (revocation is off)";
            return refuse_set(get, &dependents, why).map(|()| None);
        };
        check_table_name(&table).map_err(|e| ConfigError::new(REVOCATION_TABLE, e))?;
        let cache_seconds = number(get, REVOCATION_CACHE_SECONDS, 30, 0..=3600)?;
        let timeout_ms = number(get, REVOCATION_TIMEOUT_MS, 1000, 1..=29_000)?;
        let failure = one_of(
            get,
            REVOCATION_FAILURE,
            FailurePolicy::Closed,
            &[
                ("closed", FailurePolicy::Closed),
                ("open", FailurePolicy::Open),
            ],
        )?;
        let signer = signer(get, DYNAMODB, "REVOCATION_TABLE is set")?;
        Ok(Some(RevocationSettings {
            table,
            cache_for: Duration::from_secs(cache_seconds),
            failure,
            timeout: Duration::from_millis(timeout_ms),
            endpoint: endpoint(get, DYNAMODB, &signer.region)?,
            signer,
        }))
    }

    /// The check, reading the table through `client` (shared with the JWKS fetcher: no second
    /// TLS set-up at start-up), signing and judging expiry with `clock`. Fails only when the
    /// endpoint cannot be used.
    pub fn build(
        self,
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Result<RevocationCheck, RevocationLookupError> {
        let table = RevocationTable::new(
            client,
            &self.endpoint,
            self.signer,
            self.timeout,
            self.table,
            Arc::clone(&clock),
        )
        .map_err(RevocationLookupError::Invalid)?;
        Ok(RevocationCheck::new(
            Arc::new(table),
            clock,
            self.cache_for,
            self.failure,
        ))
    }
}
