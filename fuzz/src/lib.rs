//! Shared set-up for the fuzz targets: a verifier and an authorizer wired to a fixed, in-memory
//! JWKS (no network, no wall clock), so that any crash reproduces from its input alone.
//!
//! The signing keys are testkit's committed test keys (`testkit/keys/`; they protect nothing),
//! one per signature family: the RSA-2048 key as Cognito publishes it (`alg` RS256), the same
//! key without `alg` (so RS* and PS* reach it), ECDSA P-256, P-384 and P-521, and Ed25519.
//! Every algorithm is allowed. A token signed with a committed key can sit in the seed corpus
//! and still verify in a later run, so the fuzzer starts from inputs that reach the claim checks
//! and the policy code instead of stopping at the signature. Tokens and claims are testkit's,
//! at the fuzzing clock's time.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authorizer::{Authorizer, AuthorizerConfig};
use oidc_jwt_verifier::{Clock, Verifier, jwks::{FetchFuture, JwksFetcher, KeyStore}};
use serde_json::{Value, json};
use testkit::{EcKey, EdKey, SigningKey, TestKey};

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

/// testkit's fixed RSA key, under [`KID`].
pub fn key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::fixed(KID))
}

/// One key of the fixed JWKS: the algorithms its JWK lets it be used with, and whether that
/// JWK leaves `alg` out.
pub struct FuzzKey {
    pub key: Box<dyn SigningKey + Send>,
    pub algorithms: &'static [&'static str],
    without_alg: bool,
}

impl FuzzKey {
    pub fn kid(&self) -> &str {
        self.key.kid()
    }

    fn jwk(&self) -> Value {
        let mut jwk = self.key.jwk();
        if self.without_alg {
            jwk.as_object_mut().unwrap().remove("alg");
        }
        jwk
    }
}

/// Every key of the fixed JWKS. Index 0 is [`key`] under [`KID`], as Cognito publishes it.
pub fn keys() -> &'static [FuzzKey] {
    static KEYS: OnceLock<Vec<FuzzKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let rsa = |kid| Box::new(TestKey::fixed(kid)) as Box<dyn SigningKey + Send>;
        let ec = |kid, alg| Box::new(EcKey::fixed(kid, alg)) as Box<dyn SigningKey + Send>;
        let key = |key, algorithms, without_alg| FuzzKey {
            key,
            algorithms,
            without_alg,
        };
        vec![
            key(rsa(KID), &["RS256"], false),
            key(
                rsa("fuzz-rsa-any"),
                &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
                true,
            ),
            key(ec("fuzz-es256", "ES256"), &["ES256"], false),
            key(ec("fuzz-es384", "ES384"), &["ES384"], false),
            key(ec("fuzz-es512", "ES512"), &["ES512"], true),
            key(Box::new(EdKey::fixed("fuzz-eddsa")), &["EdDSA"], false),
        ]
    })
}

/// The JWKS holding every fixed key.
pub fn jwks() -> Value {
    json!({ "keys": keys().iter().map(FuzzKey::jwk).collect::<Vec<_>>() })
}

/// A token whose header and payload are exactly these bytes, signed with `keys()[index]` (taken
/// modulo the number of keys) under the header's `alg` when it is one of that key's
/// algorithms, else under the key's first.
pub fn mint_raw(index: usize, header: &[u8], payload: &[u8]) -> String {
    let key = &keys()[index % keys().len()];
    let named = serde_json::from_slice::<Value>(header)
        .ok()
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_owned));
    let alg = named
        .as_deref()
        .filter(|alg| key.algorithms.contains(alg))
        .unwrap_or(key.algorithms[0]);
    testkit::mint_raw_as(&*key.key, alg, header, payload)
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

/// Independent oracle: whether `token`'s last segment is a genuine `alg` signature, over
/// everything before the last dot, by the fixed key published under `kid`, and `alg` is one
/// that key's JWK allows. The verifier may only accept tokens where it is.
pub fn signature_is_genuine(token: &str, alg: &str, kid: &str) -> bool {
    keys()
        .iter()
        .find(|key| key.kid() == kid)
        .is_some_and(|key| {
            key.algorithms.contains(&alg) && testkit::signed_as(&*key.key, alg, token)
        })
}

/// Every algorithm name, for `ALLOWED_ALGORITHMS`.
const ALL_ALGORITHMS: &str = "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA";

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
            "ALLOWED_ALGORITHMS" => Some(ALL_ALGORITHMS),
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
            assert!(signature_is_genuine(token, "RS256", KID));
            let claims = runtime.block_on(verifier.verify(token)).expect("verifies");
            assert_eq!(claims.issuer, ISSUER);
            assert_eq!(claims.client_id, CLIENT);
        }
        let (head, signature) = valid_id_token().rsplit_once('.').unwrap();
        let (kept, last) = head.split_at(head.len() - 1);
        let other = if last == "A" { "B" } else { "A" };
        let tampered = format!("{kept}{other}.{signature}");
        assert!(!signature_is_genuine(&tampered, "RS256", KID));
        assert!(runtime.block_on(verifier.verify(&tampered)).is_err());
    }

    /// Every fixed key signs tokens that verify under each of its algorithms (so the token
    /// target's signed inputs reach the claim checks for every family), and the oracle agrees;
    /// an algorithm the key's JWK does not allow is refused by both.
    #[test]
    fn each_fixed_key_signs_verifiable_tokens_for_each_of_its_algorithms() {
        let verifier = verifier(&config("simple"));
        let runtime = runtime();
        let payload = claims("id").to_string();
        for (index, key) in keys().iter().enumerate() {
            for alg in key.algorithms {
                let header = json!({"alg": alg, "kid": key.kid()}).to_string();
                let token = mint_raw(index, header.as_bytes(), payload.as_bytes());
                assert!(
                    signature_is_genuine(&token, alg, key.kid()),
                    "{alg} {}",
                    key.kid()
                );
                let verified = runtime.block_on(verifier.verify(&token));
                assert!(verified.is_ok(), "{alg} {}: {verified:?}", key.kid());
            }
            let foreign = if key.algorithms.contains(&"EdDSA") {
                "ES256"
            } else {
                "EdDSA"
            };
            let header = json!({"alg": foreign, "kid": key.kid()}).to_string();
            let token = mint_raw(index, header.as_bytes(), payload.as_bytes());
            assert!(
                !signature_is_genuine(&token, foreign, key.kid()),
                "{foreign} {}",
                key.kid()
            );
            assert!(
                runtime.block_on(verifier.verify(&token)).is_err(),
                "{foreign} {}",
                key.kid()
            );
        }
    }
}
