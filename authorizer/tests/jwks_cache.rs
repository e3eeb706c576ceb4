//! The JWKS cache under rotation, floods, outages, slowness and hostile responses.

mod common;

use std::time::{Duration, Instant};

use cognito_authorizer::{Reason, VerifyError};
use common::*;
use serde_json::json;
use testkit::{Mode, TestKey};

#[tokio::test]
async fn key_rotation_triggers_exactly_one_refetch() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    let h = harness(&[old], |_| {}).await;
    assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    assert_eq!(h.server.hits(), 1);

    // Cognito publishes the new key; the cooldown since the first fetch has passed.
    h.server.set_body(TestKey::jwks(&[old, new]).to_string());
    h.clock.advance(COOLDOWN);
    assert!(h.verifier.verify(&id_token(new)).await.is_ok());
    assert_eq!(h.server.hits(), 2);
    for _ in 0..20 {
        assert!(h.verifier.verify(&id_token(new)).await.is_ok());
        assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    }
    assert_eq!(h.server.hits(), 2, "known keys never refetch");
}

#[tokio::test]
async fn rotation_within_the_cooldown_waits_for_it() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    let h = harness(&[old], |_| {}).await;
    assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    h.server.set_body(TestKey::jwks(&[new]).to_string());
    let refused = h.verifier.verify(&id_token(new)).await.unwrap_err();
    assert!(
        matches!(refused, VerifyError::Rejected { rejection, .. } if rejection.reason == Reason::UnknownKid)
    );
    assert_eq!(h.server.hits(), 1, "no fetch inside the cooldown");
    h.clock.advance(COOLDOWN);
    assert!(h.verifier.verify(&id_token(new)).await.is_ok());
    assert_eq!(h.server.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_fetches_once_per_cooldown() {
    let key = TestKey::shared(0);
    let h = std::sync::Arc::new(harness(&[key], |_| {}).await);
    let claims = testkit::cognito_claims(POOL, CLIENT, "id");
    // Concurrent first requests share one fetch.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let h = h.clone();
        let token = testkit::mint(
            key,
            &json!({"alg": "RS256", "kid": format!("random-{i}")}),
            &claims,
        );
        tasks.push(tokio::spawn(async move { h.verifier.verify(&token).await }));
    }
    for task in tasks {
        let outcome = task.await.unwrap();
        assert!(
            matches!(outcome, Err(VerifyError::Rejected { rejection, .. }) if rejection.reason == Reason::UnknownKid)
        );
    }
    assert_eq!(h.server.hits(), 1);
    for round in 1..=3 {
        h.clock.advance(COOLDOWN);
        for i in 0..200 {
            let token = testkit::mint(
                key,
                &json!({"alg": "RS256", "kid": format!("r{round}-{i}")}),
                &claims,
            );
            assert!(h.verifier.verify(&token).await.is_err());
        }
        assert_eq!(h.server.hits(), 1 + round, "one fetch per cooldown");
    }
}

#[tokio::test]
async fn endpoint_down_after_warm_up_keeps_cached_keys_working() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    assert!(h.verifier.verify(&id_token(key)).await.is_ok());
    h.server.set_mode(Mode::Down);
    h.clock.advance(COOLDOWN);
    // An unknown kid forces a refresh, which fails...
    let unknown = testkit::mint(
        key,
        &json!({"alg": "RS256", "kid": "rotated"}),
        &testkit::cognito_claims(POOL, CLIENT, "id"),
    );
    assert_eq!(
        h.verifier.verify(&unknown).await.unwrap_err(),
        VerifyError::KeysUnavailable
    );
    assert_eq!(h.server.hits(), 2);
    // ...and the keys already known still verify.
    for _ in 0..10 {
        assert!(h.verifier.verify(&id_token(key)).await.is_ok());
        assert!(h.verifier.verify(&access_token(key)).await.is_ok());
    }
    for status in [404, 500, 503] {
        h.server.set_mode(Mode::Serve {
            status,
            body: TestKey::jwks(&[]).to_string().into_bytes(),
        });
        h.clock.advance(COOLDOWN);
        assert_eq!(
            h.verifier.verify(&unknown).await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
        assert!(
            h.verifier.verify(&id_token(key)).await.is_ok(),
            "HTTP {status}"
        );
    }
}

#[tokio::test]
async fn a_refresh_with_no_usable_key_keeps_the_known_keys() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    assert!(h.verifier.verify(&id_token(key)).await.is_ok());
    let mut broken = key.jwk();
    broken["n"] = json!("AQAB");
    for body in [json!({"keys": []}), json!({"keys": [broken]})] {
        h.server.set_body(body.to_string());
        h.clock.advance(COOLDOWN);
        let unknown = testkit::mint(
            key,
            &json!({"alg": "RS256", "kid": "new"}),
            &testkit::cognito_claims(POOL, CLIENT, "id"),
        );
        assert_eq!(
            h.verifier.verify(&unknown).await.unwrap_err(),
            VerifyError::KeysUnavailable,
            "{body}"
        );
        assert!(
            h.verifier.verify(&id_token(key)).await.is_ok(),
            "known key dropped after {body}"
        );
    }
}

#[tokio::test]
async fn endpoint_down_at_cold_start_is_an_error_then_recovers() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    h.server.set_mode(Mode::Down);
    h.verifier.prefetch_keys().await; // must not panic or hang
    for _ in 0..5 {
        assert_eq!(
            h.verifier.verify(&id_token(key)).await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
    }
    assert_eq!(
        h.server.hits(),
        1,
        "the failed prefetch counts toward the cooldown"
    );
    h.server.set_body(TestKey::jwks(&[key]).to_string());
    assert_eq!(
        h.verifier.verify(&id_token(key)).await.unwrap_err(),
        VerifyError::KeysUnavailable
    );
    h.clock.advance(COOLDOWN);
    assert!(
        h.verifier.verify(&id_token(key)).await.is_ok(),
        "recovered once the endpoint is back"
    );
    assert_eq!(h.server.hits(), 2);
}

#[tokio::test]
async fn a_slow_endpoint_is_abandoned_within_the_timeout() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    h.server.set_mode(Mode::Slow {
        delay: Duration::from_secs(5),
        body: TestKey::jwks(&[key]).to_string().into_bytes(),
    });
    let started = Instant::now();
    assert_eq!(
        h.verifier.verify(&id_token(key)).await.unwrap_err(),
        VerifyError::KeysUnavailable
    );
    let waited = started.elapsed();
    assert!(
        waited >= TIMEOUT - Duration::from_millis(50),
        "gave up too early: {waited:?}"
    );
    assert!(
        waited < TIMEOUT + Duration::from_millis(1500),
        "waited {waited:?} for a {TIMEOUT:?} timeout"
    );
}

#[tokio::test]
async fn oversize_and_garbage_responses_are_errors() {
    let key = TestKey::shared(0);
    let mut padded = TestKey::jwks(&[key]);
    padded["padding"] = json!("x".repeat(160 * 1024));
    let bodies: Vec<(&str, Mode)> = vec![
        (
            "oversize with length",
            Mode::Serve {
                status: 200,
                body: padded.to_string().into_bytes(),
            },
        ),
        (
            "oversize unframed",
            Mode::ServeUnframed {
                body: padded.to_string().into_bytes(),
            },
        ),
        (
            "not json",
            Mode::Serve {
                status: 200,
                body: b"<html>hello</html>".to_vec(),
            },
        ),
        (
            "json array",
            Mode::Serve {
                status: 200,
                body: b"[]".to_vec(),
            },
        ),
        (
            "keys not an array",
            Mode::Serve {
                status: 200,
                body: br#"{"keys": {}}"#.to_vec(),
            },
        ),
        (
            "no keys",
            Mode::Serve {
                status: 200,
                body: b"{}".to_vec(),
            },
        ),
        (
            "empty",
            Mode::Serve {
                status: 200,
                body: Vec::new(),
            },
        ),
        (
            "redirect",
            Mode::Serve {
                status: 302,
                body: Vec::new(),
            },
        ),
    ];
    for (name, mode) in bodies {
        let h = harness(&[key], |_| {}).await;
        h.server.set_mode(mode);
        assert_eq!(
            h.verifier.verify(&id_token(key)).await.unwrap_err(),
            VerifyError::KeysUnavailable,
            "{name}"
        );
        assert_eq!(h.server.hits(), 1, "{name}");
    }
    // A JWKS just under the limit is fine.
    let mut padded = TestKey::jwks(&[key]);
    padded["padding"] = json!("x".repeat(140 * 1024));
    let h = harness(&[key], |_| {}).await;
    h.server.set_mode(Mode::ServeUnframed {
        body: padded.to_string().into_bytes(),
    });
    assert!(h.verifier.verify(&id_token(key)).await.is_ok());
}
