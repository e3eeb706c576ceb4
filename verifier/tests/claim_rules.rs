//! `REQUIRED_CLAIMS` through the whole verifier: each rule kind with passing and failing
//! tokens, types strict, the `auth_time` boundary on the manual clock, machine against user
//! tokens. Failing a rule is refused by `authorize` (403) with the rule's own reason, never by
//! `verify` (401).

use std::time::Duration;

use oidc_jwt_verifier::{
    Clock, Reason,
    claims::{CallerKind, ClaimValue},
    config::parse_required_claims,
};
use serde_json::{Map, Value, json};
use testkit::TestKey;
use testkit::harness::*;

/// How a token fared: `None` accepted, `Some(reason)` forbidden. Authentication must accept
/// it either way: a rule failure is never a 401.
async fn outcome(h: &Harness, token: &str) -> Option<Reason> {
    match h.verifier.verify(token).await {
        Ok(claims) => h.verifier.authorize(&claims).err().map(|r| r.reason),
        other => panic!("a rule failure must be a 403 of an authentic token, got {other:?}"),
    }
}

async fn with_rules(json: &str) -> Harness {
    let rules = parse_required_claims(json).unwrap();
    harness(&[TestKey::shared(0)], |config| {
        config.required_claims = rules
    })
    .await
}

type Edit = fn(&mut Map<String, Value>);

/// Equality and any-of, by exact JSON type: a string "true" is not true, "1" and 1.0 are not
/// 1, an absent or null claim matches nothing.
#[tokio::test]
async fn equality_rules_compare_exact_types() {
    let key = TestKey::shared(0);
    let h = with_rules(
        r#"{"claims": {"email_verified": true, "custom:tenant": ["acme", "globex"], "custom:level": 3}}"#,
    )
    .await;
    let good: Edit = |c| {
        c.insert("custom:tenant".into(), json!("globex"));
        c.insert("custom:level".into(), json!(3));
    };
    let cases: [(&str, Edit, Option<Reason>); 11] = [
        ("all hold", |_| {}, None),
        (
            "string \"true\" is not true",
            |c| {
                c.insert("email_verified".into(), json!("true"));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "false",
            |c| {
                c.insert("email_verified".into(), json!(false));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "tenant outside the list",
            |c| {
                c.insert("custom:tenant".into(), json!("initech"));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "tenant in another case",
            |c| {
                c.insert("custom:tenant".into(), json!("ACME"));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "tenant as a list",
            |c| {
                c.insert("custom:tenant".into(), json!(["acme"]));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "tenant absent",
            |c| {
                c.remove("custom:tenant");
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "tenant null",
            |c| {
                c.insert("custom:tenant".into(), json!(null));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "level \"3\" is not 3",
            |c| {
                c.insert("custom:level".into(), json!("3"));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "level 3.0 is not 3",
            |c| {
                c.insert("custom:level".into(), json!(3.0));
            },
            Some(Reason::ClaimMismatch),
        ),
        (
            "level 4",
            |c| {
                c.insert("custom:level".into(), json!(4));
            },
            Some(Reason::ClaimMismatch),
        ),
    ];
    for (name, edit, expected) in cases {
        let token = token_with(key, "id", |c| {
            good(c);
            edit(c);
        });
        assert_eq!(outcome(&h, &token).await, expected, "{name}");
    }
    // The kept values are exactly the named claims, in payload order.
    let token = token_with(key, "id", good);
    let claims = h.verifier.verify(&token).await.unwrap();
    assert_eq!(
        claims.rule_claims,
        vec![
            ("custom:level".to_owned(), ClaimValue::Integer(3)),
            (
                "custom:tenant".to_owned(),
                ClaimValue::String("globex".into())
            ),
            ("email_verified".to_owned(), ClaimValue::Bool(true)),
        ]
    );
}

/// `auth_time` at most N seconds before the verifier's clock: N passes, N + 1 fails, a missing
/// `auth_time` fails; the clock moves, the token does not.
#[tokio::test]
async fn auth_time_boundary_follows_the_clock() {
    let key = TestKey::shared(0);
    let h = with_rules(r#"{"max_auth_age_seconds": 300}"#).await;
    let signed_in = h.clock.unix_seconds();
    let token = token_with(key, "access", |c| {
        c.insert("auth_time".into(), json!(signed_in));
    });
    assert_eq!(outcome(&h, &token).await, None, "just signed in");
    h.clock.advance(Duration::from_secs(300));
    assert_eq!(outcome(&h, &token).await, None, "exactly 300 s");
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(
        outcome(&h, &token).await,
        Some(Reason::StaleAuthTime),
        "301 s"
    );

    let without = token_with(key, "access", |c| {
        c.remove("auth_time");
    });
    assert_eq!(
        outcome(&h, &without).await,
        Some(Reason::StaleAuthTime),
        "no auth_time"
    );
    let future = token_with(key, "access", |c| {
        c.insert("auth_time".into(), json!(signed_in + 3600));
    });
    assert_eq!(
        outcome(&h, &future).await,
        None,
        "a future auth_time is recent"
    );
}

/// Cognito client-credentials access tokens have no `username` and `sub` = `client_id`.
#[tokio::test]
async fn machine_and_user_tokens_are_told_apart() {
    let key = TestKey::shared(0);
    let plain = harness(&[key], |_| {}).await;
    let user_only = with_rules(r#"{"token_kind": "user"}"#).await;
    let machine_only = with_rules(r#"{"token_kind": "machine"}"#).await;
    let machine: Edit = |c| {
        c.remove("username");
        c.insert("sub".into(), json!(CLIENT));
    };
    let cases: [(&str, &str, Edit, Option<CallerKind>); 5] = [
        ("ID token", "id", |_| {}, Some(CallerKind::User)),
        (
            "user access token",
            "access",
            |_| {},
            Some(CallerKind::User),
        ),
        (
            "client credentials",
            "access",
            machine,
            Some(CallerKind::Machine),
        ),
        (
            "no username, sub is not the client",
            "access",
            |c| {
                c.remove("username");
            },
            None,
        ),
        (
            "username and sub = client_id",
            "access",
            |c| {
                c.insert("sub".into(), json!(CLIENT));
            },
            Some(CallerKind::User),
        ),
    ];
    for (name, token_use, edit, kind) in cases {
        let token = token_with(key, token_use, edit);
        let claims = plain.verifier.verify(&token).await.unwrap();
        assert_eq!(claims.caller, kind, "{name}");
        for (h, wanted) in [
            (&user_only, CallerKind::User),
            (&machine_only, CallerKind::Machine),
        ] {
            let passes = kind == Some(wanted);
            let authentic = h.verifier.verify(&token).await.unwrap();
            assert_eq!(authentic.sub, claims.sub, "{name}");
            match h.verifier.authorize(&authentic) {
                Ok(()) => assert!(passes, "{name}: {} only let it through", wanted.as_str()),
                Err(rejection) => {
                    assert!(!passes, "{name}: {} only refused it", wanted.as_str());
                    assert_eq!(rejection.reason, Reason::TokenKind, "{name}");
                }
            }
        }
    }
}

/// Without rules no claim is kept: the Cognito path reads nothing more.
#[tokio::test]
async fn without_rules_nothing_is_kept_and_every_rule_is_checked() {
    let key = TestKey::shared(0);
    let plain = harness(&[key], |_| {}).await;
    let claims = plain.verifier.verify(&id_token(key)).await.unwrap();
    assert!(claims.rule_claims.is_empty());
    assert_eq!(claims.verified_at, plain.clock.unix_seconds());

    // Several rules: the first that fails is reported, and all must hold.
    let h = with_rules(r#"{"claims": {"custom:tenant": "acme"}, "token_kind": "machine"}"#).await;
    let tenant_user = token_with(key, "id", |c| {
        c.insert("custom:tenant".into(), json!("acme"));
    });
    assert_eq!(outcome(&h, &tenant_user).await, Some(Reason::TokenKind));
    assert_eq!(
        outcome(&h, &id_token(key)).await,
        Some(Reason::ClaimMismatch)
    );
}
