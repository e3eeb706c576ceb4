use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::*;

/// How many answers `check` holds in its cache.
fn cached_answers(check: &RevocationCheck) -> usize {
    check.cache.lock().unwrap().len()
}

const ISS: &str = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_TestPool1";
const T: u64 = 1_800_000_000;

struct TestClock {
    unix: AtomicU64,
    monotonic_ms: AtomicU64,
}

impl TestClock {
    fn at(unix: u64) -> Arc<Self> {
        Arc::new(TestClock {
            unix: AtomicU64::new(unix),
            monotonic_ms: AtomicU64::new(5_000),
        })
    }
    fn advance(&self, by: Duration) {
        self.unix.fetch_add(by.as_secs(), Ordering::SeqCst);
        self.monotonic_ms
            .fetch_add(u64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn unix_seconds(&self) -> u64 {
        self.unix.load(Ordering::SeqCst)
    }
    fn monotonic(&self) -> Duration {
        Duration::from_millis(self.monotonic_ms.load(Ordering::SeqCst))
    }
}

/// A store whose answer a test sets, counting the lookups.
struct TestStore {
    answer: Mutex<Result<RevocationRecords, RevocationLookupError>>,
    lookups: AtomicUsize,
    asked: Mutex<Vec<RevocationKeys>>,
}

impl TestStore {
    fn new() -> Arc<Self> {
        Arc::new(TestStore {
            answer: Mutex::new(Ok(RevocationRecords::default())),
            lookups: AtomicUsize::new(0),
            asked: Mutex::new(Vec::new()),
        })
    }
    fn answer(&self, answer: Result<RevocationRecords, RevocationLookupError>) {
        *self.answer.lock().unwrap() = answer;
    }
    fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }
}

impl RevocationLookup for TestStore {
    fn lookup<'a>(&'a self, keys: &'a RevocationKeys) -> LookupFuture<'a> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.asked.lock().unwrap().push(keys.clone());
        let answer = self.answer.lock().unwrap().clone();
        Box::pin(async move { answer })
    }
}

fn claims(sub: &str, iat: Option<u64>, origin_jti: Option<&str>) -> VerifiedClaims {
    VerifiedClaims {
        sub: sub.to_owned(),
        username: None,
        token_use: None,
        client_id: "client".to_owned(),
        scopes: Vec::new(),
        groups: Vec::new(),
        email: None,
        email_verified: false,
        issuer: ISS.to_owned(),
        issuer_name: "pool".to_owned(),
        expires_at: T + 3600,
        auth_time: None,
        issued_at: iat,
        origin_jti: origin_jti.map(str::to_owned),
        caller: None,
        verified_at: T,
        rule_claims: Vec::new(),
    }
}

fn user(not_before: Option<u64>, expires_at: Option<u64>) -> RevocationRecords {
    RevocationRecords {
        user: Some(RevocationEntry {
            not_before,
            expires_at,
        }),
        session: None,
    }
}

fn session(expires_at: Option<u64>) -> RevocationRecords {
    RevocationRecords {
        user: None,
        session: Some(RevocationEntry {
            not_before: None,
            expires_at,
        }),
    }
}

fn check(
    store: &Arc<TestStore>,
    clock: &Arc<TestClock>,
    cache_for: u64,
    failure: FailurePolicy,
) -> RevocationCheck {
    RevocationCheck::new(
        store.clone(),
        clock.clone(),
        Duration::from_secs(cache_for),
        failure,
    )
}

#[test]
fn keys_put_the_issuer_first_and_the_token_values_last() {
    let keys = RevocationKeys::of(&claims("user-1", Some(T), Some("jti-1")));
    assert_eq!(keys.user, format!("sub#{ISS}#user-1"));
    assert_eq!(keys.session.as_deref(), Some(&*format!("jti#{ISS}#jti-1")));
    let keys = RevocationKeys::of(&claims("user-1", Some(T), None));
    assert_eq!(keys.session, None, "no origin_jti, no session key");
}

/// The not-before comparison at its edges, and entry expiry at its edge.
#[test]
fn the_not_before_comparison_and_expiry_at_their_edges() {
    let now = T + 100;
    let cases: [(&str, RevocationRecords, Option<u64>, Option<&str>); 14] = [
        ("no entries", RevocationRecords::default(), Some(T), None),
        (
            "issued a second before T",
            user(Some(T), None),
            Some(T - 1),
            Some("revoked"),
        ),
        (
            "issued at T (not before T: accepted)",
            user(Some(T), None),
            Some(T),
            None,
        ),
        ("issued after T", user(Some(T), None), Some(T + 1), None),
        (
            "no iat under a user entry",
            user(Some(T), None),
            None,
            Some("revoked"),
        ),
        ("no iat, no entry", RevocationRecords::default(), None, None),
        (
            "user entry without not_before",
            user(None, None),
            Some(T + 50),
            Some("revoked"),
        ),
        (
            "user entry expired a second ago",
            user(Some(T), Some(now - 1)),
            Some(T - 1),
            None,
        ),
        (
            "user entry expiring now counts as expired",
            user(Some(T), Some(now)),
            Some(T - 1),
            None,
        ),
        (
            "user entry expiring in a second",
            user(Some(T), Some(now + 1)),
            Some(T - 1),
            Some("revoked"),
        ),
        (
            "session entry",
            session(None),
            Some(T + 50),
            Some("revoked"),
        ),
        (
            "session entry expiring in a second",
            session(Some(now + 1)),
            Some(T + 50),
            Some("revoked"),
        ),
        (
            "session entry expiring now",
            session(Some(now)),
            Some(T + 50),
            None,
        ),
        (
            "session revoked though the user entry accepts",
            RevocationRecords {
                user: user(Some(T), None).user,
                session: session(None).session,
            },
            Some(T + 50),
            Some("revoked"),
        ),
    ];
    for (name, records, iat, expected) in cases {
        let got = records.revocation(iat, now).map(|r| r.reason.code());
        assert_eq!(got, expected, "{name}");
    }
}

/// The authorizer's clock is not part of the comparison: an authorizer clock far ahead of or
/// behind the issuer's changes no verdict (only entry expiry reads it).
#[test]
fn the_authorizers_clock_skew_does_not_move_the_not_before_edge() {
    for now in [T - 300, T, T + 300] {
        let records = user(Some(T), None);
        assert_eq!(
            records.revocation(Some(T), now),
            None,
            "now = T{:+}",
            now as i64 - T as i64
        );
        assert!(
            records.revocation(Some(T - 1), now).is_some(),
            "now = T{:+}",
            now as i64 - T as i64
        );
    }
}

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn answers_are_cached_for_the_configured_time_and_no_longer() {
    run(async {
        let store = TestStore::new();
        let clock = TestClock::at(T + 10);
        let check = check(&store, &clock, 30, FailurePolicy::Closed);
        let token = claims("user-1", Some(T), Some("jti-1"));

        assert_eq!(check.check(&token).await, Ok(Unrevoked::Checked));
        assert_eq!(store.lookups(), 1);
        assert_eq!(
            store.asked.lock().unwrap()[0],
            RevocationKeys::of(&token),
            "both keys, in one lookup"
        );

        // Signed out now; the cached answer still says "not revoked" until it is 30 s old.
        store.answer(Ok(user(Some(T + 5), None)));
        clock.advance(Duration::from_millis(29_999));
        assert_eq!(check.check(&token).await, Ok(Unrevoked::Checked));
        assert_eq!(store.lookups(), 1, "a cache hit asks nobody");

        clock.advance(Duration::from_millis(1));
        assert!(matches!(
            check.check(&token).await,
            Err(RevocationError::Revoked(r)) if r.reason == Reason::Revoked
        ));
        assert_eq!(store.lookups(), 2, "30 s later the store is asked again");

        // Another user's token is its own cache entry (the store holds no entry for it).
        store.answer(Ok(RevocationRecords::default()));
        assert_eq!(
            check.check(&claims("user-2", Some(T), None)).await,
            Ok(Unrevoked::Checked)
        );
        assert_eq!(store.lookups(), 3);
        assert_eq!(cached_answers(&check), 2);
    });
}

#[test]
fn a_cached_entry_stops_counting_when_it_expires() {
    run(async {
        let store = TestStore::new();
        let clock = TestClock::at(T + 10);
        let check = check(&store, &clock, 600, FailurePolicy::Closed);
        store.answer(Ok(session(Some(T + 20))));
        let token = claims("user-1", Some(T), Some("jti-1"));
        assert!(matches!(
            check.check(&token).await,
            Err(RevocationError::Revoked(_))
        ));
        clock.advance(Duration::from_secs(10));
        assert_eq!(check.check(&token).await, Ok(Unrevoked::Checked));
        assert_eq!(store.lookups(), 1, "judged again from the cache");
    });
}

#[test]
fn a_zero_cache_time_asks_every_time() {
    run(async {
        let store = TestStore::new();
        let clock = TestClock::at(T);
        let check = check(&store, &clock, 0, FailurePolicy::Closed);
        let token = claims("user-1", Some(T), None);
        for _ in 0..3 {
            assert_eq!(check.check(&token).await, Ok(Unrevoked::Checked));
        }
        assert_eq!(store.lookups(), 3);
        assert_eq!(cached_answers(&check), 0);
    });
}

/// Closed refuses to answer, open allows and says so; neither caches the failure.
#[test]
fn a_failed_lookup_follows_the_policy_and_is_not_cached() {
    run(async {
        for (policy, expected) in [
            (
                FailurePolicy::Closed,
                Err(RevocationError::Unavailable(RevocationLookupError::Timeout)),
            ),
            (
                FailurePolicy::Open,
                Ok(Unrevoked::FailedOpen(RevocationLookupError::Timeout)),
            ),
        ] {
            let store = TestStore::new();
            let clock = TestClock::at(T);
            let check = check(&store, &clock, 60, policy);
            let token = claims("user-1", Some(T - 10), None);
            store.answer(Err(RevocationLookupError::Timeout));
            assert_eq!(check.check(&token).await, expected, "{policy:?}");
            // The store is back, and the user had signed out: the next token is judged.
            store.answer(Ok(user(Some(T), None)));
            assert!(
                matches!(check.check(&token).await, Err(RevocationError::Revoked(_))),
                "{policy:?}: a failure is not cached"
            );
            assert_eq!(store.lookups(), 2, "{policy:?}");
        }
    });
}

#[test]
fn a_full_cache_drops_stale_answers_first_then_everything() {
    run(async {
        let store = TestStore::new();
        let clock = TestClock::at(T);
        let check = check(&store, &clock, 60, FailurePolicy::Closed);
        for n in 0..MAX_CACHED_ANSWERS {
            check.remember(
                RevocationKeys {
                    user: format!("u{n}"),
                    session: None,
                },
                RevocationRecords::default(),
            );
        }
        assert_eq!(cached_answers(&check), MAX_CACHED_ANSWERS);
        check
            .check(&claims("one-more", Some(T), None))
            .await
            .unwrap();
        assert_eq!(
            cached_answers(&check),
            1,
            "all fresh: cleared, then the new answer"
        );

        clock.advance(Duration::from_secs(61));
        check
            .check(&claims("another", Some(T), None))
            .await
            .unwrap();
        assert_eq!(
            cached_answers(&check),
            2,
            "below the bound: nothing dropped"
        );
    });
}
