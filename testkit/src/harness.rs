//! A verifier wired to a loopback JWKS server and a manual clock, with Cognito-shaped tokens
//! for it: the set-up of the verifier's and the authorizer's integration tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::{JwksServer, TestKey, cognito_claims, mint};
use oidc_jwt_verifier::config::PoolConfig;
use oidc_jwt_verifier::{
    Clock, Verifier, VerifierConfig,
    jwks::{HttpJwksFetcher, KeyStore},
};
use serde_json::{Value, json};

/// The pool the harness trusts.
pub const POOL: &str = "ap-northeast-1_TestPool1";
/// A pool the harness does not trust.
pub const OTHER_POOL: &str = "ap-northeast-1_OtherPool";
/// The app client the harness trusts.
pub const CLIENT: &str = "190d8ar0cc5pc1isoec2s5ncvb";
/// An app client the harness does not trust.
pub const OTHER_CLIENT: &str = "otherclient0000000000000000";

/// A clock tests move by hand. Starts at the real time so minted tokens are fresh.
pub struct ManualClock {
    unix: AtomicU64,
    monotonic_ms: AtomicU64,
}

impl ManualClock {
    /// A clock at the real time now.
    pub fn new() -> Arc<Self> {
        Arc::new(ManualClock {
            unix: AtomicU64::new(crate::now()),
            monotonic_ms: AtomicU64::new(1_000_000),
        })
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.unix.fetch_add(by.as_secs(), Ordering::SeqCst);
        self.monotonic_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn unix_seconds(&self) -> u64 {
        self.unix.load(Ordering::SeqCst)
    }
    fn monotonic(&self) -> Duration {
        Duration::from_millis(self.monotonic_ms.load(Ordering::SeqCst))
    }
}

/// A verifier, its JWKS server and its clock.
pub struct Harness {
    /// The verifier under test.
    pub verifier: Verifier,
    /// The JWKS server it fetches from.
    pub server: JwksServer,
    /// Its clock.
    pub clock: Arc<ManualClock>,
}

/// The JWKS refresh cooldown the harness uses.
pub const COOLDOWN: Duration = Duration::from_secs(10);
/// The JWKS fetch timeout the harness uses.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// A verifier for [`POOL`] and [`CLIENT`] whose JWKS (serving `keys`) is on 127.0.0.1.
pub async fn harness(keys: &[&TestKey], adjust: impl FnOnce(&mut VerifierConfig)) -> Harness {
    let server = JwksServer::start(TestKey::jwks(keys).to_string()).await;
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
    adjust(&mut config);
    let clock = ManualClock::new();
    let store = KeyStore::for_issuers(
        &config.trusted_issuers(),
        Arc::new(HttpJwksFetcher::new(TIMEOUT).unwrap()),
        clock.clone(),
        COOLDOWN,
    );
    let verifier = Verifier::new(config, store, clock.clone());
    Harness {
        verifier,
        server,
        clock,
    }
}

/// An RS256 header naming `key`.
pub fn header(key: &TestKey) -> Value {
    json!({"kid": key.kid, "alg": "RS256"})
}

/// A valid token of `token_use` for [`POOL`]/[`CLIENT`], after `edit` changes its claims.
pub fn token_with(
    key: &TestKey,
    token_use: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let mut claims = cognito_claims(POOL, CLIENT, token_use);
    edit(claims.as_object_mut().unwrap());
    mint(key, &header(key), &claims)
}

/// A valid ID token for [`POOL`] and [`CLIENT`].
pub fn id_token(key: &TestKey) -> String {
    token_with(key, "id", |_| {})
}

/// A valid access token for [`POOL`] and [`CLIENT`].
pub fn access_token(key: &TestKey) -> String {
    token_with(key, "access", |_| {})
}
