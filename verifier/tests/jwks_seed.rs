//! A JWKS seed deployed with the function, against a loopback JWKS server that counts its
//! requests: the first token is verified with no request at all; the cache's rules still hold
//! (an unknown `kid` fetches exactly as without a seed, and a fetched set replaces the seed).

use std::sync::Arc;

use oidc_jwt_verifier::{
    Verifier, VerifierConfig,
    config::PoolConfig,
    jwks::{HttpJwksFetcher, JwksSeed, KeyStore, parse_jwks_seed},
};
use serde_json::json;
use testkit::harness::*;
use testkit::{JwksServer, TestKey};

/// A verifier for the harness pool whose JWKS (serving `served`) is on 127.0.0.1, seeded with
/// `seeded` (keyed by the pool's original issuer) before anything is fetched.
async fn seeded(served: &[&TestKey], seeded: &[&TestKey]) -> Harness {
    let server = JwksServer::start(TestKey::jwks(served).to_string()).await;
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
    let clock = ManualClock::new();
    let store = KeyStore::for_issuers(
        &config.trusted_issuers(),
        Arc::new(HttpJwksFetcher::new(TIMEOUT).unwrap()),
        clock.clone(),
        COOLDOWN,
    );
    let seed = seed_for(&config, seeded);
    // Both issuer forms of the pool, from one entry.
    assert_eq!(store.seed(&seed), 2);
    let verifier = Verifier::new(config, store, clock.clone());
    Harness {
        verifier,
        server,
        clock,
    }
}

fn seed_for(config: &VerifierConfig, keys: &[&TestKey]) -> JwksSeed {
    let issuer = config.pools[0].issuers[0].issuer.clone();
    let document = json!({ issuer: TestKey::jwks(keys) }).to_string();
    parse_jwks_seed(document.as_bytes(), &config.trusted_issuers()).unwrap()
}

#[tokio::test]
async fn a_seeded_key_verifies_the_first_token_without_any_request() {
    let key = TestKey::shared(0);
    let h = seeded(&[key], &[key]).await;
    // The start-up fetch skips a seeded issuer.
    h.verifier.prefetch_keys().await;
    assert!(h.verifier.verify(&id_token(key)).await.is_ok());
    assert!(h.verifier.verify(&access_token(key)).await.is_ok());
    assert_eq!(h.server.hits(), 0);
}

#[tokio::test]
async fn an_unknown_kid_fetches_once_as_without_a_seed() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    // Cognito has rotated since the seed was written.
    let h = seeded(&[old, new], &[old]).await;
    assert!(h.verifier.verify(&id_token(new)).await.is_ok());
    assert_eq!(h.server.hits(), 1);
    for _ in 0..5 {
        assert!(h.verifier.verify(&id_token(new)).await.is_ok());
        assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    }
    assert_eq!(h.server.hits(), 1, "known keys never refetch");
}

#[tokio::test]
async fn a_fetched_set_replaces_the_seed_whole() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    // The seed still holds a key the issuer has since withdrawn.
    let h = seeded(&[new], &[old]).await;
    assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    assert_eq!(h.server.hits(), 0);
    assert!(h.verifier.verify(&id_token(new)).await.is_ok());
    assert_eq!(h.server.hits(), 1);
    // The fetched set is fresher than the seed: the withdrawn key went with it (its kid is
    // now unknown: one refresh, as for any unknown kid, then the cooldown).
    assert!(h.verifier.verify(&id_token(old)).await.is_err());
    assert_eq!(h.server.hits(), 2);
    assert!(h.verifier.verify(&id_token(old)).await.is_err());
    assert_eq!(h.server.hits(), 2);
}

#[tokio::test]
async fn a_seed_never_replaces_fetched_keys() {
    let fetched = TestKey::shared(0);
    let stale = TestKey::shared(1);
    // A store whose issuers have all fetched takes no seed.
    let server = JwksServer::start(TestKey::jwks(&[fetched]).to_string()).await;
    let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
    let store = KeyStore::for_issuers(
        &config.trusted_issuers(),
        Arc::new(HttpJwksFetcher::new(TIMEOUT).unwrap()),
        ManualClock::new(),
        COOLDOWN,
    );
    store.prefetch(std::time::Duration::from_secs(5)).await;
    assert_eq!(server.hits(), 2, "both issuer forms fetched");
    assert_eq!(store.seed(&seed_for(&config, &[stale])), 0);
    let issuer = config.pools[0].issuers[0].issuer.clone();
    assert!(store.key(&issuer, &fetched.kid).await.is_ok());
    assert!(store.key(&issuer, &stale.kid).await.is_err());
}
