//! Both Cognito issuer forms, and generic issuers ([`generic_harness`]), through the fetcher seam: the verifier is built for the real AWS
//! JWKS URLs (no `COGNITO_ENDPOINT`), and a table fetcher answers each URL with its own key set,
//! counting requests per URL. A URL outside the table is answered 404 and recorded, so a test
//! sees any fetch it did not expect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{TestKey, cognito_claims, mint};
use oidc_jwt_verifier::config::{IssuerConfig, IssuerPolicy, PoolConfig};
use oidc_jwt_verifier::jwks::FetchFuture;
use oidc_jwt_verifier::{
    Verifier, VerifierConfig,
    jwks::{JwksFetchError, JwksFetcher, KeyStore},
};
use serde_json::{Value, json};

use crate::harness::{CLIENT, COOLDOWN, ManualClock, POOL, header};

/// `https://cognito-idp.ap-northeast-1.amazonaws.com/<POOL>`.
pub fn original_issuer() -> String {
    format!("https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
}

/// `https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/<POOL>`.
pub fn updated_issuer() -> String {
    format!("https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
}

/// The JWKS URL AWS serves for `issuer`.
pub fn jwks_url(issuer: &str) -> String {
    format!("{issuer}/.well-known/jwks.json")
}

/// A token of `token_use` for [`POOL`]/[`CLIENT`] carrying `iss` = `issuer`, signed by `key`
/// under `kid`.
pub fn token_of(issuer: &str, key: &TestKey, kid: &str, token_use: &str) -> String {
    let mut claims = cognito_claims(POOL, CLIENT, token_use);
    claims["iss"] = json!(issuer);
    mint(key, &json!({"alg": "RS256", "kid": kid}), &claims)
}

/// A valid ID token of `issuer`, signed by `key` under its own `kid`.
pub fn id_token_of(issuer: &str, key: &TestKey) -> String {
    let mut claims = cognito_claims(POOL, CLIENT, "id");
    claims["iss"] = json!(issuer);
    mint(key, &header(key), &claims)
}

/// The fetcher seam: one answer per URL, requests counted.
#[derive(Default)]
pub struct TableFetcher {
    answers: Mutex<HashMap<String, Result<Vec<u8>, JwksFetchError>>>,
    requests: Mutex<Vec<String>>,
    delay: Mutex<Duration>,
}

impl TableFetcher {
    /// Answers `url` with a JWKS of `keys` from now on.
    pub fn serve(&self, url: &str, keys: &[&TestKey]) {
        self.serve_json(url, &TestKey::jwks(keys));
    }

    /// Answers `url` with `jwks` from now on.
    pub fn serve_json(&self, url: &str, jwks: &Value) {
        self.answers
            .lock()
            .unwrap()
            .insert(url.to_owned(), Ok(jwks.to_string().into_bytes()));
    }

    /// Answers `url` with a failure from now on.
    pub fn fail(&self, url: &str) {
        self.answers
            .lock()
            .unwrap()
            .insert(url.to_owned(), Err(JwksFetchError::Status(503)));
    }

    /// Every fetch takes this long (real time) before answering; the answer is chosen when the
    /// fetch starts.
    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    /// How many times `url` was fetched.
    pub fn fetches(&self, url: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|u| *u == url)
            .count()
    }

    /// Every URL fetched, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl JwksFetcher for TableFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        self.requests.lock().unwrap().push(url.to_owned());
        let answer = self
            .answers
            .lock()
            .unwrap()
            .get(url)
            .cloned()
            .unwrap_or(Err(JwksFetchError::Status(404)));
        let delay = *self.delay.lock().unwrap();
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            answer
        })
    }
}

/// A verifier whose JWKS fetches go to a table by URL.
pub struct IssuerHarness {
    /// The verifier under test.
    pub verifier: Verifier,
    /// The table the fetches are answered from.
    pub fetcher: Arc<TableFetcher>,
    /// Its clock.
    pub clock: Arc<ManualClock>,
}

/// A verifier for [`POOL`] (issuer forms per `policy`) and [`CLIENT`] whose JWKS requests go to
/// a [`TableFetcher`] that serves nothing yet.
pub fn issuer_harness(policy: IssuerPolicy) -> IssuerHarness {
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::with_issuer_policy(POOL, None, policy).unwrap()];
    generic_harness_for(config)
}

/// A verifier trusting [`POOL`] (both forms) and [`CLIENT`] and also `issuers`, whose JWKS and
/// discovery requests go to a [`TableFetcher`] that serves nothing yet.
pub fn generic_harness(issuers: Vec<IssuerConfig>) -> IssuerHarness {
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.issuers = issuers;
    config.validate().unwrap();
    generic_harness_for(config)
}

fn generic_harness_for(config: VerifierConfig) -> IssuerHarness {
    let fetcher = Arc::new(TableFetcher::default());
    let clock = ManualClock::new();
    let store = KeyStore::for_issuers(
        &config.trusted_issuers(),
        fetcher.clone(),
        clock.clone(),
        COOLDOWN,
    );
    IssuerHarness {
        verifier: Verifier::new(config, store, clock.clone()),
        fetcher,
        clock,
    }
}
