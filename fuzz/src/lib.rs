//! Shared set-up for the fuzz targets: a verifier and an authorizer wired to a fixed, in-memory
//! JWKS (no network, no wall clock), so that any crash reproduces from its input alone.
//!
//! The signing key is testkit's fixed RSA-2048 test key ([`TestKey::fixed`], committed in
//! `testkit/keys/`; it protects nothing): RSASSA-PKCS1-v1_5 signatures are deterministic, so
//! tokens signed with it can sit in the seed corpus and still verify in a later run, and the
//! fuzzer starts from inputs that reach the claim checks and the policy code instead of
//! stopping at the signature. Tokens and claims are testkit's, at the fuzzing clock's time.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authorizer::{Authorizer, AuthorizerConfig};
use cognito_verifier::{Clock, FetchFuture, JwksFetcher, KeyStore, Verifier};
use serde_json::{Value, json};
use testkit::TestKey;

pub const POOL: &str = "ap-northeast-1_FuzzPool1";
pub const CLIENT: &str = "fuzzclient0000000000000000";
pub const ISSUER: &str =
    "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_FuzzPool1";
pub const KID: &str = "fuzz-key-1";
/// The fuzzing clock's wall time (2027-01-15). Seed tokens are minted relative to it.
pub const NOW: u64 = 1_800_000_000;
/// Placeholders in event inputs, replaced by [`valid_id_token`] / [`valid_access_token`]
/// (the first is the one the committed events/*.json use).
pub const ID_PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";
pub const ACCESS_PLACEHOLDER: &str = "REPLACE_WITH_ACCESS_TOKEN";

/// testkit's fixed key, under [`KID`].
pub fn key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::fixed(KID))
}

/// The JWKS holding the fixed key.
pub fn jwks() -> Value {
    TestKey::jwks(&[key()])
}

/// A token whose header and payload are exactly these bytes, signed RS256 with the fixed key.
pub fn mint_raw(header: &[u8], payload: &[u8]) -> String {
    testkit::mint_raw(key(), header, payload)
}

/// Claims as Cognito issues them, valid at [`NOW`], in the `users` and `admin` groups.
pub fn claims(token_use: &str) -> Value {
    let mut claims = testkit::cognito_claims_at(POOL, CLIENT, token_use, NOW);
    claims["cognito:groups"] = json!(["users", "admin"]);
    claims
}

pub fn header() -> Value {
    json!({"kid": KID, "alg": "RS256"})
}

/// A genuine token for the fuzzing pool, client and clock.
fn valid_token(token_use: &str) -> String {
    testkit::mint(key(), &header(), &claims(token_use))
}

pub fn valid_id_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| valid_token("id"))
}

pub fn valid_access_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| valid_token("access"))
}

/// Independent oracle: whether `token`'s last segment is a valid RS256 signature by the fixed
/// key over everything before the last dot. The verifier may only accept tokens where it is.
pub fn signature_is_genuine(token: &str) -> bool {
    key().signed(token)
}

/// Serves the fixed JWKS from memory.
struct FixedJwks(Vec<u8>);

impl JwksFetcher for FixedJwks {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        let body = self.0.clone();
        Box::pin(async move { Ok(body) })
    }
}

/// A clock stopped at [`NOW`].
struct FixedClock;

impl Clock for FixedClock {
    fn unix_seconds(&self) -> u64 {
        NOW
    }
    fn monotonic(&self) -> Duration {
        Duration::from_secs(1_000)
    }
}

/// The authorizer configuration the targets use: the template's route rule for `/admin`.
pub fn config(http_api_response: &str) -> AuthorizerConfig {
    AuthorizerConfig::from_lookup(|name| {
        match name {
            "USER_POOL_ID" => Some(POOL),
            "APP_CLIENT_ID" => Some(CLIENT),
            "COGNITO_ENDPOINT" => Some("http://127.0.0.1:9"),
            "ROUTE_RULES" => Some(r#"{"GET /admin": {"groups": ["admin"]}}"#),
            "HTTP_API_RESPONSE" => Some(http_api_response),
            _ => None,
        }
        .map(str::to_owned)
    })
    .expect("fuzz configuration")
}

/// A verifier over the fixed JWKS with the fixed clock.
pub fn verifier(config: &AuthorizerConfig) -> Verifier {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock);
    let store = KeyStore::new(
        &config.verifier.pools,
        &config.verifier.algorithms,
        Arc::new(FixedJwks(jwks().to_string().into_bytes())),
        Arc::clone(&clock),
        config.jwks_refresh_cooldown,
    );
    Verifier::new(config.verifier.clone(), store, clock)
}

/// An authorizer over the fixed JWKS; `http_api_response` is `simple` or `iam`.
pub fn authorizer(http_api_response: &str) -> Authorizer {
    let config = config(http_api_response);
    let verifier = verifier(&config);
    Authorizer::new(verifier, config.route_rules, config.http_api_response)
}

/// A single-threaded runtime to drive the async API from a synchronous fuzz target.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds only lead the fuzzer past the signature if these tokens verify: a change to
    /// the key, the claims or the configuration that broke that would otherwise go unnoticed.
    #[test]
    fn the_seed_tokens_verify_and_a_tampered_one_does_not() {
        let verifier = verifier(&config("simple"));
        let runtime = runtime();
        for token in [valid_id_token(), valid_access_token()] {
            assert!(signature_is_genuine(token));
            let claims = runtime.block_on(verifier.verify(token)).expect("verifies");
            assert_eq!(claims.issuer, ISSUER);
            assert_eq!(claims.client_id, CLIENT);
        }
        let (head, signature) = valid_id_token().rsplit_once('.').unwrap();
        let (kept, last) = head.split_at(head.len() - 1);
        let other = if last == "A" { "B" } else { "A" };
        let tampered = format!("{kept}{other}.{signature}");
        assert!(!signature_is_genuine(&tampered));
        assert!(runtime.block_on(verifier.verify(&tampered)).is_err());
    }
}
