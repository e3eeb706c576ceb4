//! The JWKS cache under rotation, floods, outages, slowness and hostile responses.

use std::time::{Duration, Instant};

use oidc_jwt_verifier::config::{IssuerPolicy, PoolConfig};
use oidc_jwt_verifier::{
    Reason, VerifiedClaims, VerifyError,
    config::JwkAlgorithm,
    jwks::{HttpJwksFetcher, JwksFetchError, JwksFetcher, KeyStore, MAX_JWKS_BYTES},
};
use serde_json::json;
use testkit::harness::*;
use testkit::issuers::*;
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
async fn rotation_within_the_cooldown_of_a_missed_kid_waits_for_it() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    let h = harness(&[old], |_| {}).await;
    assert!(h.verifier.verify(&id_token(old)).await.is_ok());
    // A kid the fresh JWKS does not have starts the cooldown...
    let unknown = testkit::mint(
        old,
        &json!({"alg": "RS256", "kid": "no-such-kid"}),
        &testkit::cognito_claims(POOL, CLIENT, "id"),
    );
    assert!(h.verifier.verify(&unknown).await.is_err());
    assert_eq!(h.server.hits(), 2);
    // ...so a key published inside it waits for it to run out.
    h.server.set_body(TestKey::jwks(&[new]).to_string());
    h.clock.advance(COOLDOWN - Duration::from_secs(1));
    let refused = h.verifier.verify(&id_token(new)).await.unwrap_err();
    assert!(
        matches!(refused, VerifyError::Rejected { rejection, .. } if rejection.reason == Reason::UnknownKid)
    );
    assert_eq!(h.server.hits(), 2, "no fetch inside the cooldown");
    h.clock.advance(Duration::from_secs(1));
    assert!(h.verifier.verify(&id_token(new)).await.is_ok());
    assert_eq!(h.server.hits(), 3);
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
    // One failed fetch per issuer form (the emulator serves both from one path).
    assert_eq!(h.server.hits(), 2);
    for _ in 0..5 {
        assert_eq!(
            h.verifier.verify(&id_token(key)).await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
    }
    assert_eq!(
        h.server.hits(),
        2,
        "the failed prefetch starts the cooldown"
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
    assert_eq!(h.server.hits(), 3);
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

// Only the trusted issuers' exact strings are known (the local gateway's built-in authorizers
// ask before they look a key up).
#[test]
fn the_store_knows_exactly_its_issuers() {
    let store = KeyStore::new(
        &[PoolConfig::with_issuer_policy(POOL, None, IssuerPolicy::Original).unwrap()],
        &[JwkAlgorithm::RS256],
        std::sync::Arc::new(TableFetcher::default()),
        ManualClock::new(),
        COOLDOWN,
    );
    assert!(store.knows_issuer(&original_issuer()));
    for other in [
        updated_issuer(),
        format!("{}/", original_issuer()),
        original_issuer().to_uppercase(),
        String::new(),
    ] {
        assert!(!store.knows_issuer(&other), "{other:?}");
    }
}

// The HTTP fetcher bounds what it buffers on its own, before the key set's parser sees the body:
// at exactly the limit a body is read, one byte more is refused, whether or not the server
// says how long the body is (an unframed body is counted chunk by chunk).
#[tokio::test]
async fn the_http_fetcher_reads_at_most_the_jwks_size_limit() {
    let server = testkit::JwksServer::start(Vec::new()).await;
    let fetcher = HttpJwksFetcher::new(Duration::from_secs(5)).unwrap();
    let url = format!("{}/jwks.json", server.base_url());
    for (name, len, framed, fits) in [
        (
            "at the limit, with Content-Length",
            MAX_JWKS_BYTES,
            true,
            true,
        ),
        ("at the limit, unframed", MAX_JWKS_BYTES, false, true),
        (
            "one byte over, with Content-Length",
            MAX_JWKS_BYTES + 1,
            true,
            false,
        ),
        ("one byte over, unframed", MAX_JWKS_BYTES + 1, false, false),
        ("far over, unframed", 4 * MAX_JWKS_BYTES, false, false),
    ] {
        let body = vec![b'x'; len];
        server.set_mode(if framed {
            Mode::Serve { status: 200, body }
        } else {
            Mode::ServeUnframed { body }
        });
        let fetched = fetcher.fetch(&url).await;
        if fits {
            assert_eq!(fetched.map(|body| body.len()), Ok(len), "{name}");
        } else {
            assert_eq!(fetched, Err(JwksFetchError::TooLarge), "{name}");
        }
    }
}

// A declared oversize body is refused on its headers alone: the fetcher does not wait for (or
// buffer) a body it would refuse anyway. This server declares one byte over the limit, then
// sends nothing and holds the connection open.
#[tokio::test]
async fn a_declared_oversize_body_is_refused_without_reading_it() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).await.unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            MAX_JWKS_BYTES + 1
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    });
    let timeout = Duration::from_secs(3);
    let started = Instant::now();
    let fetched = HttpJwksFetcher::new(timeout).unwrap().fetch(&url).await;
    assert_eq!(fetched, Err(JwksFetchError::TooLarge));
    assert!(
        started.elapsed() < timeout,
        "refused after {:?}, not at the headers",
        started.elapsed()
    );
    server.abort();
}

// Key rotation right after a cold start: the cooldown starts only from a refresh for an unknown
// kid that did not find it, or from a failed fetch, never from the planned fetch at init.

#[tokio::test]
async fn a_key_published_one_second_after_init_verifies_at_once() {
    let old = TestKey::shared(0);
    let new = TestKey::shared(1);
    let h = issuer_harness(IssuerPolicy::Any);
    for issuer in [original_issuer(), updated_issuer()] {
        h.fetcher.serve(&jwks_url(&issuer), &[old]);
    }
    h.verifier.prefetch_keys().await;
    for issuer in [original_issuer(), updated_issuer()] {
        assert_eq!(h.fetcher.fetches(&jwks_url(&issuer)), 1, "{issuer}");
    }

    // One second later Cognito publishes a key and signs with it.
    h.clock.advance(Duration::from_secs(1));
    for issuer in [original_issuer(), updated_issuer()] {
        h.fetcher.serve(&jwks_url(&issuer), &[old, new]);
        let verified = h.verifier.verify(&id_token_of(&issuer, new)).await;
        assert_eq!(verified.unwrap().issuer, issuer);
        assert_eq!(h.fetcher.fetches(&jwks_url(&issuer)), 2, "{issuer}");
        assert!(h.verifier.verify(&id_token_of(&issuer, old)).await.is_ok());
    }
    // A refresh that found its kid starts no cooldown: a second rotation a second later is
    // fetched too.
    let newest = TestKey::shared(2);
    h.clock.advance(Duration::from_secs(1));
    h.fetcher
        .serve(&jwks_url(&original_issuer()), &[old, new, newest]);
    assert!(
        h.verifier
            .verify(&id_token_of(&original_issuer(), newest))
            .await
            .is_ok()
    );
    assert_eq!(h.fetcher.fetches(&jwks_url(&original_issuer())), 3);
    assert_eq!(h.fetcher.fetches(&jwks_url(&updated_issuer())), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_right_after_init_fetches_once_per_cooldown_per_issuer_form() {
    let key = TestKey::shared(0);
    let new = TestKey::shared(1);
    let h = std::sync::Arc::new(issuer_harness(IssuerPolicy::Any));
    let issuers = [original_issuer(), updated_issuer()];
    for issuer in &issuers {
        h.fetcher.serve(&jwks_url(issuer), &[key]);
    }
    h.verifier.prefetch_keys().await;
    // Requests take a while, so the flood's first refreshes overlap.
    h.fetcher.set_delay(Duration::from_millis(50));

    let flood = |round: &str| {
        let mut tasks = Vec::new();
        for issuer in &issuers {
            for i in 0..40 {
                let h = h.clone();
                let token = token_of(issuer, key, &format!("{round}-{i}"), "id");
                tasks.push(tokio::spawn(async move { h.verifier.verify(&token).await }));
            }
        }
        tasks
    };
    let expect_unknown_kids = |outcomes: Vec<Result<VerifiedClaims, VerifyError>>| {
        for outcome in outcomes {
            assert!(
                matches!(&outcome, Err(VerifyError::Rejected { rejection, .. }) if rejection.reason == Reason::UnknownKid),
                "{outcome:?}"
            );
        }
    };
    let mut outcomes = Vec::new();
    for task in flood("init") {
        outcomes.push(task.await.unwrap());
    }
    expect_unknown_kids(outcomes);
    for issuer in &issuers {
        assert_eq!(
            h.fetcher.fetches(&jwks_url(issuer)),
            2,
            "the prefetch, then one refresh for the flood: {issuer}"
        );
    }

    // Inside the cooldown the flood fetches nothing, and neither does a genuine new key.
    h.clock.advance(COOLDOWN - Duration::from_secs(1));
    for issuer in &issuers {
        h.fetcher.serve(&jwks_url(issuer), &[key, new]);
    }
    let mut outcomes = Vec::new();
    for task in flood("inside") {
        outcomes.push(task.await.unwrap());
    }
    expect_unknown_kids(outcomes);
    for issuer in &issuers {
        assert!(h.verifier.verify(&id_token_of(issuer, new)).await.is_err());
        assert_eq!(h.fetcher.fetches(&jwks_url(issuer)), 2, "{issuer}");
    }

    // Once it has run out, one refresh per issuer again: the new key is found, then the flood
    // starts the next cooldown with at most one more fetch.
    h.clock.advance(Duration::from_secs(1));
    for issuer in &issuers {
        assert!(h.verifier.verify(&id_token_of(issuer, new)).await.is_ok());
        assert_eq!(h.fetcher.fetches(&jwks_url(issuer)), 3, "{issuer}");
    }
    let mut outcomes = Vec::new();
    for task in flood("after") {
        outcomes.push(task.await.unwrap());
    }
    expect_unknown_kids(outcomes);
    for issuer in &issuers {
        assert_eq!(h.fetcher.fetches(&jwks_url(issuer)), 4, "{issuer}");
    }
    assert_eq!(h.fetcher.requests().len(), 8, "no other URL was fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_waited_through_a_newer_fetch_takes_its_answer() {
    let k0 = TestKey::shared(0);
    let k1 = TestKey::shared(1);
    let k2 = TestKey::shared(2);
    let h = std::sync::Arc::new(issuer_harness(IssuerPolicy::Original));
    let url = jwks_url(&original_issuer());
    h.fetcher.serve(&url, &[k0]);
    h.verifier.prefetch_keys().await;
    h.fetcher.set_delay(Duration::from_millis(400));
    h.fetcher.serve(&url, &[k0, k1]);

    let spawn = |token: String| {
        let h = h.clone();
        tokio::spawn(async move { h.verifier.verify(&token).await })
    };
    // A's refresh for k1 is in flight when B (k2) and then C (a kid nobody has) queue behind it.
    let a = spawn(id_token_of(&original_issuer(), k1));
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.fetcher.serve(&url, &[k0, k1, k2]);
    let b = spawn(id_token_of(&original_issuer(), k2));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let c = spawn(token_of(&original_issuer(), k0, "nobody-has-this", "id"));

    assert!(a.await.unwrap().is_ok());
    // A found its kid and started no cooldown, so B fetched for k2 and found it.
    assert!(b.await.unwrap().is_ok());
    // C missed its kid before B's fetch began: B's answer is as fresh as C's own would be.
    let refused = c.await.unwrap().unwrap_err();
    assert!(
        matches!(&refused, VerifyError::Rejected { rejection, .. } if rejection.reason == Reason::UnknownKid),
        "{refused:?}"
    );
    assert_eq!(h.fetcher.fetches(&url), 3, "prefetch, A's and B's fetches");
    // C's miss started the cooldown.
    h.fetcher.set_delay(Duration::ZERO);
    let d = token_of(&original_issuer(), k0, "nor-this", "id");
    assert!(h.verifier.verify(&d).await.is_err());
    assert_eq!(h.fetcher.fetches(&url), 3);
}

#[tokio::test]
async fn a_failed_fetch_starts_the_cooldown_per_issuer_form() {
    let key = TestKey::shared(0);
    let h = issuer_harness(IssuerPolicy::Any);
    let (original, updated) = (original_issuer(), updated_issuer());
    h.fetcher.fail(&jwks_url(&original));
    h.fetcher.serve(&jwks_url(&updated), &[key]);
    h.verifier.prefetch_keys().await;
    h.clock.advance(Duration::from_secs(1));
    h.fetcher.serve(&jwks_url(&original), &[key]);
    // The original form's failed prefetch holds its refreshes for the cooldown...
    assert_eq!(
        h.verifier
            .verify(&id_token_of(&original, key))
            .await
            .unwrap_err(),
        VerifyError::KeysUnavailable
    );
    assert_eq!(h.fetcher.fetches(&jwks_url(&original)), 1);
    // ...and leaves the updated form's entry alone.
    assert!(h.verifier.verify(&id_token_of(&updated, key)).await.is_ok());
    assert_eq!(h.fetcher.fetches(&jwks_url(&updated)), 1);
    h.clock.advance(COOLDOWN);
    assert!(
        h.verifier
            .verify(&id_token_of(&original, key))
            .await
            .is_ok()
    );
    assert_eq!(h.fetcher.fetches(&jwks_url(&original)), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefetch_abandoned_at_its_time_limit_is_nobodys_answer() {
    let k0 = TestKey::shared(0);
    let k1 = TestKey::shared(1);
    let issuer = original_issuer();
    let url = jwks_url(&issuer);
    let fetcher = std::sync::Arc::new(TableFetcher::default());
    fetcher.serve(&url, &[k0]);
    fetcher.set_delay(Duration::from_millis(400));
    let store = std::sync::Arc::new(KeyStore::new(
        &[PoolConfig::with_issuer_policy(POOL, None, IssuerPolicy::Original).unwrap()],
        &[JwkAlgorithm::RS256],
        fetcher.clone(),
        ManualClock::new(),
        COOLDOWN,
    ));
    // H fetches for k0 (0-400 ms); a prefetch queues behind it, gets the lock at 400 ms and is
    // abandoned mid-fetch at 700 ms; R misses k1 at 200 ms and queues behind the prefetch.
    let h = {
        let (store, issuer) = (store.clone(), issuer.clone());
        tokio::spawn(async move { store.key(&issuer, &k0.kid).await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let prefetch = {
        let store = store.clone();
        tokio::spawn(async move { store.prefetch(Duration::from_millis(600)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = {
        let (store, issuer) = (store.clone(), issuer.clone());
        tokio::spawn(async move { store.key(&issuer, &k1.kid).await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    fetcher.serve(&url, &[k0, k1]);
    assert_eq!(h.await.unwrap(), Ok(()));
    prefetch.await.unwrap();
    // R does not take the abandoned fetch for an answer: it fetches and finds k1.
    assert_eq!(r.await.unwrap(), Ok(()));
    assert_eq!(fetcher.fetches(&url), 3);
}

/// What a recording observer saw: (kind, issuer, url, kids or error).
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<(&'static str, String, String, String)>>);

impl oidc_jwt_verifier::jwks::JwksObserver for Recorder {
    fn observe(&self, event: &oidc_jwt_verifier::jwks::JwksEvent<'_>) {
        let entry = match event {
            oidc_jwt_verifier::jwks::JwksEvent::Fetched {
                issuer,
                jwks_url,
                keys,
            } => ("fetched", issuer, jwks_url, keys.kids().join(",")),
            oidc_jwt_verifier::jwks::JwksEvent::FetchFailed {
                issuer,
                jwks_url,
                error,
            } => ("failed", issuer, jwks_url, error.to_string()),
        };
        self.0.lock().unwrap().push((
            entry.0,
            (*entry.1).to_owned(),
            (*entry.2).to_owned(),
            entry.3,
        ));
    }
}

#[tokio::test]
async fn the_observer_hears_each_fetch_and_each_failure_once() {
    let key = TestKey::shared(0);
    let issuer = original_issuer();
    let url = jwks_url(&issuer);
    let fetcher = std::sync::Arc::new(TableFetcher::default());
    let clock = ManualClock::new();
    let mut config = oidc_jwt_verifier::VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
    config.pools =
        vec![PoolConfig::with_issuer_policy(POOL, None, IssuerPolicy::Original).unwrap()];
    let recorder = std::sync::Arc::new(Recorder::default());
    let store = KeyStore::for_issuers(
        &config.trusted_issuers(),
        fetcher.clone(),
        clock.clone(),
        COOLDOWN,
    )
    .with_observer(recorder.clone());
    let verifier = oidc_jwt_verifier::Verifier::new(config, store, clock.clone());

    fetcher.fail(&url);
    verifier.prefetch_keys().await;
    fetcher.serve(&url, &[key]);
    clock.advance(COOLDOWN);
    assert!(verifier.verify(&id_token_of(&issuer, key)).await.is_ok());
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        (seen[0].0, seen[0].1.as_str(), seen[0].2.as_str()),
        ("failed", issuer.as_str(), url.as_str())
    );
    assert!(!seen[0].3.is_empty(), "the failure says why");
    assert_eq!(
        (
            seen[1].0,
            seen[1].1.as_str(),
            seen[1].2.as_str(),
            seen[1].3.as_str()
        ),
        ("fetched", issuer.as_str(), url.as_str(), key.kid.as_str())
    );
}
