//! Every verification rule with passing and failing cases, including the attack families an
//! authorizer must resist. Tokens are minted with test RSA keys; the JWKS is served on
//! 127.0.0.1.

use aws_lc_rs::hmac;
use oidc_jwt_verifier::{Clock, config::IssuerPolicy};
use oidc_jwt_verifier::{
    Reason, TokenUse, VerifyError,
    config::{JwkAlgorithm, TokenUsePolicy},
};
use serde_json::{Value, json};
use testkit::harness::*;
use testkit::issuers::*;
use testkit::{JwksServer, TestKey, b64url, cognito_claims, mint, mint_unsigned};

/// Why `token` was refused, by either step.
async fn reason(h: &Harness, token: &str) -> Reason {
    match h.verifier.verify(token).await {
        Err(VerifyError::Rejected { rejection, .. }) => rejection.reason,
        // Only a missing required scope or group is refused by authorization (403), and only
        // for a token authentication accepted.
        Ok(claims) => {
            let rejection = h.verifier.authorize(&claims).expect_err("a refusal");
            assert!(
                matches!(
                    rejection.reason,
                    Reason::MissingScope | Reason::MissingGroup
                ),
                "{rejection:?}"
            );
            rejection.reason
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Whether `token` passes both steps.
async fn passes(h: &Harness, token: &str) -> bool {
    match h.verifier.verify(token).await {
        Ok(claims) => h.verifier.authorize(&claims).is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn valid_id_and_access_tokens_pass() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;

    let id = h.verifier.verify(&id_token(key)).await.unwrap();
    assert_eq!(id.token_use, Some(TokenUse::Id));
    assert_eq!(id.client_id, CLIENT);
    assert_eq!(id.sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(id.username.as_deref(), Some("testuser"));
    assert_eq!(id.email.as_deref(), Some("testuser@example.com"));
    assert_eq!(id.groups, vec!["users"]);
    assert!(id.scopes.is_empty());
    assert_eq!(
        id.issuer,
        format!("https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
    );

    let access = h.verifier.verify(&access_token(key)).await.unwrap();
    assert_eq!(access.token_use, Some(TokenUse::Access));
    assert_eq!(access.client_id, CLIENT);
    assert_eq!(access.scopes, vec!["aws.cognito.signin.user.admin"]);
    assert_eq!(h.server.hits(), 1, "keys are fetched once and cached");
}

#[tokio::test]
async fn alg_none_in_any_letter_case_is_refused() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let claims = cognito_claims(POOL, CLIENT, "id");
    for alg in ["none", "None", "NONE", "nOnE"] {
        let unsigned = mint_unsigned(&json!({"alg": alg, "kid": key.kid}), &claims);
        // The classic form, with an empty signature, and one with a signature attached.
        assert_eq!(
            reason(&h, &format!("{unsigned}.")).await,
            Reason::Malformed,
            "{alg}"
        );
        let signed = format!("{unsigned}.{}", b64url(b"anything"));
        assert_eq!(
            reason(&h, &signed).await,
            Reason::UnsupportedAlgorithm,
            "{alg}"
        );
    }
    for alg in ["rs256", "Rs256", "RS256 ", "ES256", "PS256", "EdDSA", ""] {
        let t = mint(key, &json!({"alg": alg, "kid": key.kid}), &claims);
        assert_eq!(
            reason(&h, &t).await,
            Reason::UnsupportedAlgorithm,
            "{alg:?}"
        );
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let claims = cognito_claims(POOL, CLIENT, "id");
    let (n, _) = key.components();
    let jwk_text = key.jwk().to_string();
    for (alg, algorithm) in [
        ("HS256", hmac::HMAC_SHA256),
        ("HS384", hmac::HMAC_SHA384),
        ("HS512", hmac::HMAC_SHA512),
    ] {
        // Whatever encoding of the public key an attacker picks as the HMAC secret.
        for secret in [n.as_slice(), jwk_text.as_bytes()] {
            let input = mint_unsigned(&json!({"alg": alg, "kid": key.kid}), &claims);
            let tag = hmac::sign(&hmac::Key::new(algorithm, secret), input.as_bytes());
            let token = format!("{input}.{}", b64url(tag.as_ref()));
            assert_eq!(
                reason(&h, &token).await,
                Reason::UnsupportedAlgorithm,
                "{alg}"
            );
        }
    }
}

#[tokio::test]
async fn keys_and_urls_in_the_header_are_never_used() {
    let trusted = TestKey::shared(0);
    let attacker = TestKey::shared(1);
    let h = harness(&[trusted], |_| {}).await;
    let attacker_jwks = JwksServer::start(TestKey::jwks(&[attacker]).to_string()).await;
    let jku = format!("{}/jwks.json", attacker_jwks.base_url());
    let claims = cognito_claims(POOL, CLIENT, "id");

    let embedded = [
        json!({"alg": "RS256", "kid": attacker.kid, "jwk": attacker.jwk()}),
        json!({"alg": "RS256", "kid": attacker.kid, "jku": jku}),
        json!({"alg": "RS256", "kid": attacker.kid, "x5u": jku}),
        json!({"alg": "RS256", "kid": attacker.kid, "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}),
    ];
    for header in &embedded {
        assert_eq!(
            reason(&h, &mint(attacker, header, &claims)).await,
            Reason::UnknownKid,
            "{header}"
        );
    }
    // The trusted kid with the attacker's key attached and used to sign.
    let confused = json!({"alg": "RS256", "kid": trusted.kid, "jwk": attacker.jwk(), "jku": jku});
    assert_eq!(
        reason(&h, &mint(attacker, &confused, &claims)).await,
        Reason::BadSignature
    );
    assert_eq!(attacker_jwks.hits(), 0, "a URL from a token was fetched");
    assert_only_the_configured_jwks_was_fetched(&h);
}

#[tokio::test]
async fn kid_must_be_a_known_string() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let claims = cognito_claims(POOL, CLIENT, "id");
    let cases = [
        (json!({"alg": "RS256"}), Reason::MissingKid),
        (json!({"alg": "RS256", "kid": ""}), Reason::MissingKid),
        (json!({"alg": "RS256", "kid": 42}), Reason::MissingKid),
        (
            json!({"alg": "RS256", "kid": {"id": key.kid}}),
            Reason::MissingKid,
        ),
        (
            json!({"alg": "RS256", "kid": [key.kid]}),
            Reason::MissingKid,
        ),
        (
            json!({"alg": "RS256", "kid": "../../../../etc/passwd"}),
            Reason::UnknownKid,
        ),
        (
            json!({"alg": "RS256", "kid": "/.well-known/jwks.json?x=1"}),
            Reason::UnknownKid,
        ),
        (
            json!({"alg": "RS256", "kid": "no-such-kid"}),
            Reason::UnknownKid,
        ),
    ];
    for (header, expected) in cases {
        assert_eq!(
            reason(&h, &mint(key, &header, &claims)).await,
            expected,
            "{header}"
        );
    }
    assert_only_the_configured_jwks_was_fetched(&h);
}

#[tokio::test]
async fn issuer_selects_only_configured_pools() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let cases: Vec<(Value, Reason)> = vec![
        (
            json!(format!(
                "https://cognito-idp.ap-northeast-1.amazonaws.com/{OTHER_POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "http://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}/"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(h.server.base_url() + "/" + POOL),
            Reason::UnknownIssuer,
        ),
        // The updated form: only the pool's own primary Region, exactly.
        (
            json!(format!(
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{OTHER_POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "http://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}/"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://ISSUER-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (
            json!(format!(
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com.evil.example/{POOL}"
            )),
            Reason::UnknownIssuer,
        ),
        (json!(42), Reason::InvalidClaim),
        (
            json!([format!(
                "https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
            )]),
            Reason::InvalidClaim,
        ),
    ];
    for (iss, expected) in cases {
        let t = token_with(key, "id", |c| {
            c.insert("iss".into(), iss.clone());
        });
        assert_eq!(reason(&h, &t).await, expected, "{iss}");
    }
    let t = token_with(key, "id", |c| {
        c.remove("iss");
    });
    assert_eq!(reason(&h, &t).await, Reason::UnknownIssuer);
    // A genuine token of another pool, signed by that pool's own key.
    let other_pool_token = mint(key, &header(key), &cognito_claims(OTHER_POOL, CLIENT, "id"));
    assert_eq!(reason(&h, &other_pool_token).await, Reason::UnknownIssuer);
    assert_only_the_configured_jwks_was_fetched(&h);
}

#[tokio::test]
async fn each_issuer_form_verifies_with_the_keys_at_its_own_host() {
    let original_key = TestKey::shared(0);
    let updated_key = TestKey::shared(1);
    let h = issuer_harness(IssuerPolicy::Any);
    let (original, updated) = (original_issuer(), updated_issuer());
    h.fetcher.serve(&jwks_url(&original), &[original_key]);
    h.fetcher.serve(&jwks_url(&updated), &[updated_key]);
    for (issuer, key) in [(&original, original_key), (&updated, updated_key)] {
        for token_use in ["id", "access"] {
            let verified = h
                .verifier
                .verify(&token_of(issuer, key, &key.kid, token_use))
                .await
                .unwrap();
            assert_eq!(&verified.issuer, issuer);
            assert_eq!(verified.token_use.map(TokenUse::as_str), Some(token_use));
        }
    }
    // One cache entry per issuer, each fetched once from AWS's URL for that issuer, and
    // nothing else fetched.
    assert_eq!(
        h.fetcher.requests(),
        vec![
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_TestPool1/.well-known/jwks.json",
            "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_TestPool1/.well-known/jwks.json",
        ]
    );
}

#[tokio::test]
async fn a_token_of_one_form_signed_with_the_other_forms_keys_is_refused() {
    let original_key = TestKey::shared(0);
    let updated_key = TestKey::shared(1);
    let h = issuer_harness(IssuerPolicy::Any);
    let (original, updated) = (original_issuer(), updated_issuer());
    h.fetcher.serve(&jwks_url(&original), &[original_key]);
    h.fetcher.serve(&jwks_url(&updated), &[updated_key]);
    assert!(
        h.verifier
            .verify(&id_token_of(&original, original_key))
            .await
            .is_ok()
    );
    assert!(
        h.verifier
            .verify(&id_token_of(&updated, updated_key))
            .await
            .is_ok()
    );
    let refused = |t: String| {
        let h = &h;
        async move {
            match h.verifier.verify(&t).await {
                Err(VerifyError::Rejected { rejection, .. }) => rejection.reason,
                other => panic!("expected a rejection, got {other:?}"),
            }
        }
    };
    // Each form's kid is unknown to the other form's key set.
    assert_eq!(
        refused(id_token_of(&updated, original_key)).await,
        Reason::UnknownKid
    );
    assert_eq!(
        refused(id_token_of(&original, updated_key)).await,
        Reason::UnknownKid
    );

    // The same kid in both sets with different keys: the signature only verifies with the
    // key of the token's own issuer form.
    h.clock.advance(COOLDOWN);
    let mut impostor = updated_key.jwk();
    impostor["kid"] = json!(original_key.kid);
    h.fetcher
        .serve_json(&jwks_url(&updated), &json!({"keys": [impostor]}));
    assert_eq!(
        refused(id_token_of(&updated, original_key)).await,
        Reason::BadSignature
    );
    assert!(
        h.verifier
            .verify(&id_token_of(&original, original_key))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn user_pool_issuer_pins_one_form_and_never_fetches_the_other() {
    let key = TestKey::shared(0);
    for (policy, accepted, excluded) in [
        (IssuerPolicy::Original, original_issuer(), updated_issuer()),
        (IssuerPolicy::Updated, updated_issuer(), original_issuer()),
    ] {
        let h = issuer_harness(policy);
        // Both hosts would answer with the right keys.
        h.fetcher.serve(&jwks_url(&accepted), &[key]);
        h.fetcher.serve(&jwks_url(&excluded), &[key]);
        h.verifier.prefetch_keys().await;
        assert!(
            h.verifier
                .verify(&id_token_of(&accepted, key))
                .await
                .is_ok()
        );
        for round in 0..3 {
            h.clock.advance(COOLDOWN);
            for token in [
                id_token_of(&excluded, key),
                token_of(&excluded, key, &format!("unknown-{round}"), "access"),
            ] {
                match h.verifier.verify(&token).await {
                    Err(VerifyError::Rejected { rejection, .. }) => {
                        assert_eq!(rejection.reason, Reason::UnknownIssuer, "{policy:?}");
                        assert!(
                            rejection.detail.contains("USER_POOL_ISSUER"),
                            "{}",
                            rejection.detail
                        );
                    }
                    other => panic!("{policy:?}: expected a rejection, got {other:?}"),
                }
            }
        }
        // Any other issuer is simply untrusted: the hint about USER_POOL_ISSUER is only for
        // the pool's own excluded form.
        let foreign = id_token_of(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
            key,
        );
        match h.verifier.verify(&foreign).await {
            Err(VerifyError::Rejected { rejection, .. }) => {
                assert_eq!(rejection.reason, Reason::UnknownIssuer, "{policy:?}");
                assert_eq!(
                    rejection.detail, "iss is not a trusted issuer",
                    "{policy:?}"
                );
            }
            other => panic!("{policy:?}: expected a rejection, got {other:?}"),
        }
        assert_eq!(
            h.fetcher.requests(),
            vec![jwks_url(&accepted)],
            "{policy:?}: only the accepted form's JWKS, once, at init"
        );
    }
}

#[tokio::test]
async fn with_an_emulator_endpoint_each_form_keeps_its_own_cache_entry() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let updated = format!("https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}");
    let updated_token = token_with(key, "id", |c| {
        c.insert("iss".into(), json!(updated));
    });
    for _ in 0..3 {
        assert!(h.verifier.verify(&id_token(key)).await.is_ok());
        assert_eq!(
            h.verifier.verify(&updated_token).await.unwrap().issuer,
            updated
        );
    }
    assert_eq!(
        h.server.hits(),
        2,
        "one fetch per issuer entry, then cached"
    );
    assert_only_the_configured_jwks_was_fetched(&h);
}

#[tokio::test]
async fn client_must_be_configured() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |c| c.client_ids.push("second-client".into())).await;
    let other_id = token_with(key, "id", |c| {
        c.insert("aud".into(), json!(OTHER_CLIENT));
    });
    assert_eq!(reason(&h, &other_id).await, Reason::WrongClient);
    let other_access = token_with(key, "access", |c| {
        c.insert("client_id".into(), json!(OTHER_CLIENT));
    });
    assert_eq!(reason(&h, &other_access).await, Reason::WrongClient);
    let no_aud = token_with(key, "id", |c| {
        c.remove("aud");
    });
    assert_eq!(reason(&h, &no_aud).await, Reason::WrongClient);
    let no_client = token_with(key, "access", |c| {
        c.remove("client_id");
    });
    assert_eq!(reason(&h, &no_client).await, Reason::WrongClient);
    // An access token's aud is not its client: only client_id counts.
    let access_with_aud = token_with(key, "access", |c| {
        c.insert("aud".into(), json!(CLIENT));
        c.insert("client_id".into(), json!(OTHER_CLIENT));
    });
    assert_eq!(reason(&h, &access_with_aud).await, Reason::WrongClient);

    // Second configured client, and aud as an array naming it.
    let second = token_with(key, "id", |c| {
        c.insert("aud".into(), json!(["unknown", "second-client"]));
    });
    assert_eq!(
        h.verifier.verify(&second).await.unwrap().client_id,
        "second-client"
    );
}

#[tokio::test]
async fn token_use_is_required_and_enforced() {
    let key = TestKey::shared(0);
    let id_only = harness(&[key], |c| c.token_use = TokenUsePolicy::Id).await;
    assert!(id_only.verifier.verify(&id_token(key)).await.is_ok());
    assert_eq!(
        reason(&id_only, &access_token(key)).await,
        Reason::WrongTokenUse
    );

    let access_only = harness(&[key], |c| c.token_use = TokenUsePolicy::Access).await;
    assert!(
        access_only
            .verifier
            .verify(&access_token(key))
            .await
            .is_ok()
    );
    assert_eq!(
        reason(&access_only, &id_token(key)).await,
        Reason::WrongTokenUse
    );

    let any = harness(&[key], |_| {}).await;
    for value in [json!("refresh"), json!("ID"), json!("")] {
        let t = token_with(key, "id", |c| {
            c.insert("token_use".into(), value.clone());
        });
        assert_eq!(reason(&any, &t).await, Reason::WrongTokenUse, "{value}");
    }
    let missing = token_with(key, "id", |c| {
        c.remove("token_use");
    });
    assert_eq!(reason(&any, &missing).await, Reason::WrongTokenUse);
}

#[tokio::test]
async fn expiry_and_not_before_with_skew() {
    let key = TestKey::shared(0);
    let strict = harness(&[key], |_| {}).await;
    // The verifier's own clock, not the real time: a second boundary crossed between the
    // harness's start and this line would make the `exp == now` case pass (a flake seen on a
    // loaded machine).
    let now = strict.clock.unix_seconds();
    let at = |exp: u64, nbf: Option<u64>| {
        token_with(key, "id", |c| {
            c.insert("exp".into(), json!(exp));
            if let Some(nbf) = nbf {
                c.insert("nbf".into(), json!(nbf));
            }
        })
    };
    assert_eq!(reason(&strict, &at(now - 1, None)).await, Reason::Expired);
    assert_eq!(
        reason(&strict, &at(now, None)).await,
        Reason::Expired,
        "exp must be in the future"
    );
    assert!(
        strict
            .verifier
            .verify(&at(now + 60, Some(now - 60)))
            .await
            .is_ok()
    );
    // `nbf` is the first second the token is valid (RFC 7519 §4.1.5: not accepted *before* it).
    assert!(
        strict
            .verifier
            .verify(&at(now + 60, Some(now)))
            .await
            .is_ok(),
        "nbf == now is valid"
    );
    assert_eq!(
        reason(&strict, &at(now + 60, Some(now + 1))).await,
        Reason::NotYetValid
    );
    assert_eq!(
        reason(&strict, &at(now + 600, Some(now + 30))).await,
        Reason::NotYetValid
    );
    let missing_exp = token_with(key, "id", |c| {
        c.remove("exp");
    });
    assert_eq!(reason(&strict, &missing_exp).await, Reason::InvalidClaim);

    let lenient = harness(&[key], |c| c.clock_skew_seconds = 60).await;
    assert!(lenient.verifier.verify(&at(now - 30, None)).await.is_ok());
    assert_eq!(reason(&lenient, &at(now - 61, None)).await, Reason::Expired);
    assert!(
        lenient
            .verifier
            .verify(&at(now + 600, Some(now + 30)))
            .await
            .is_ok()
    );
    assert_eq!(
        reason(&lenient, &at(now + 600, Some(now + 120))).await,
        Reason::NotYetValid
    );

    // The clock moving past exp turns a valid token into an expired one.
    let t = at(now + 100, None);
    assert!(strict.verifier.verify(&t).await.is_ok());
    strict.clock.advance(std::time::Duration::from_secs(101));
    assert_eq!(reason(&strict, &t).await, Reason::Expired);
}

#[tokio::test]
async fn claims_of_the_wrong_json_type_are_rejected_not_ignored() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let now = testkit::now();
    let cases: Vec<(&str, &str, Value)> = vec![
        ("id", "exp", json!((now + 3600).to_string())),
        ("id", "exp", Value::Null),
        ("id", "exp", json!(true)),
        ("id", "exp", json!(-5)),
        ("id", "nbf", json!("0")),
        ("id", "nbf", Value::Null),
        ("id", "iat", json!("yesterday")),
        ("id", "auth_time", json!([1])),
        ("id", "sub", json!(12345)),
        ("id", "sub", json!("")),
        ("id", "aud", json!(7)),
        ("id", "aud", json!([7])),
        ("id", "email", json!(["a@example.com"])),
        ("id", "cognito:username", json!({"name": "x"})),
        ("id", "cognito:groups", json!("admin")),
        ("id", "cognito:groups", json!(["admin", 1])),
        ("access", "scope", json!(["openid"])),
        ("access", "username", json!(1)),
        ("access", "client_id", json!([CLIENT])),
        ("id", "token_use", json!(1)),
    ];
    for (token_use, claim, value) in cases {
        let t = token_with(key, token_use, |c| {
            c.insert(claim.into(), value.clone());
        });
        assert_eq!(
            reason(&h, &t).await,
            Reason::InvalidClaim,
            "{claim} = {value}"
        );
    }
    // Fractional NumericDates are numbers and accepted.
    let fractional = token_with(key, "id", |c| {
        c.insert("exp".into(), json!(now as f64 + 3600.5));
    });
    assert!(h.verifier.verify(&fractional).await.is_ok());
}

#[tokio::test]
async fn tampering_and_structure() {
    let key = TestKey::shared(0);
    let h = harness(&[key], |_| {}).await;
    let good = id_token(key);
    let (signing_input, signature) = good.rsplit_once('.').unwrap();
    let (header_b64, _) = signing_input.split_once('.').unwrap();

    let mut claims = cognito_claims(POOL, CLIENT, "id");
    claims["cognito:groups"] = json!(["admin"]);
    let tampered = format!("{header_b64}.{}.{signature}", b64url(claims.to_string()));
    assert_eq!(reason(&h, &tampered).await, Reason::BadSignature);

    let truncated = &good[..good.len() - 10];
    assert_eq!(reason(&h, truncated).await, Reason::BadSignature);
    let extended = format!("{good}AAAA");
    assert_eq!(reason(&h, &extended).await, Reason::BadSignature);
    let signature_of_other_key = mint(
        TestKey::shared(1),
        &header(key),
        &cognito_claims(POOL, CLIENT, "id"),
    );
    assert_eq!(
        reason(&h, &signature_of_other_key).await,
        Reason::BadSignature
    );

    assert_eq!(reason(&h, signing_input).await, Reason::Malformed);
    assert_eq!(
        reason(&h, &format!("{good}.{signature}")).await,
        Reason::Malformed
    );
    assert_eq!(
        reason(&h, &format!("{signing_input}.")).await,
        Reason::Malformed
    );
    assert_eq!(reason(&h, "").await, Reason::Malformed);
    assert_eq!(reason(&h, "not a jwt").await, Reason::Malformed);
    assert_eq!(reason(&h, &format!("{good}=")).await, Reason::Malformed);

    let huge = token_with(key, "id", |c| {
        c.insert("padding".into(), json!("x".repeat(9000)));
    });
    assert_eq!(reason(&h, &huge).await, Reason::TokenTooLarge);
    assert_eq!(
        h.server.hits(),
        1,
        "only the signature checks needed the keys"
    );
}

#[tokio::test]
async fn jwk_alg_must_match_the_header() {
    let key = TestKey::shared(0);
    // RS384 allowed, but the JWK says RS256: a token claiming RS384 for that key is refused.
    let h = harness(&[key], |c| {
        c.algorithms = vec![JwkAlgorithm::RS256, JwkAlgorithm::RS384]
    })
    .await;
    let claims = cognito_claims(POOL, CLIENT, "id");
    let rs384 = mint(key, &json!({"alg": "RS384", "kid": key.kid}), &claims);
    assert_eq!(reason(&h, &rs384).await, Reason::UnsupportedAlgorithm);
    assert!(h.verifier.verify(&id_token(key)).await.is_ok());

    // A JWK without alg may be used with any allowed algorithm.
    h.clock.advance(COOLDOWN);
    let rotated = json!({"alg": "RS384", "kid": "fresh"});
    let mut jwk = key.jwk();
    jwk["kid"] = json!("fresh");
    jwk.as_object_mut().unwrap().remove("alg");
    h.server.set_body(json!({"keys": [jwk]}).to_string());
    assert!(
        h.verifier
            .verify(&mint(key, &rotated, &claims))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn required_scopes_and_groups_are_any_of() {
    let key = TestKey::shared(0);
    let scoped = harness(&[key], |c| {
        c.required_scopes = vec!["items/read".into(), "items/write".into()];
    })
    .await;
    let with_scope = |scope: &str| {
        token_with(key, "access", |c| {
            c.insert("scope".into(), json!(scope));
        })
    };
    assert!(passes(&scoped, &with_scope("openid items/write")).await);
    assert_eq!(
        reason(&scoped, &with_scope("openid items/delete")).await,
        Reason::MissingScope
    );
    assert_eq!(
        reason(&scoped, &with_scope("items/read-only")).await,
        Reason::MissingScope
    );
    assert_eq!(
        reason(&scoped, &id_token(key)).await,
        Reason::MissingScope,
        "ID tokens carry no scope"
    );
    // A permission problem (403), not a bad credential (401): authentication accepts it.
    let authentic = scoped.verifier.verify(&with_scope("openid")).await.unwrap();
    assert_eq!(authentic.sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(
        scoped.verifier.authorize(&authentic).unwrap_err().reason,
        Reason::MissingScope
    );
    // An invalid token that also lacks the scope is still just invalid.
    let expired_without_scope = token_with(key, "access", |c| {
        c.insert("scope".into(), json!("openid"));
        c.insert("exp".into(), json!(testkit::now() - 10));
    });
    assert!(matches!(
        scoped.verifier.verify(&expired_without_scope).await,
        Err(VerifyError::Rejected { .. })
    ));

    let grouped = harness(&[key], |c| {
        c.required_groups = vec!["admin".into(), "ops".into()]
    })
    .await;
    let in_groups = |groups: Value| {
        token_with(key, "id", |c| {
            c.insert("cognito:groups".into(), groups);
        })
    };
    assert!(passes(&grouped, &in_groups(json!(["users", "ops"]))).await);
    assert_eq!(
        reason(&grouped, &in_groups(json!(["users"]))).await,
        Reason::MissingGroup
    );
    assert_eq!(
        reason(&grouped, &in_groups(json!([]))).await,
        Reason::MissingGroup
    );
    let no_groups = token_with(key, "id", |c| {
        c.remove("cognito:groups");
    });
    assert_eq!(reason(&grouped, &no_groups).await, Reason::MissingGroup);
}

#[tokio::test]
async fn weak_and_malformed_jwks_entries_are_skipped_not_fatal() {
    let good = TestKey::shared(0);
    let weak_n = b64url([0xC5u8; 128]); // a 1024-bit modulus
    let mut wrong_use = TestKey::shared(1).jwk();
    wrong_use["use"] = json!("enc");
    let jwks = json!({"keys": [
        {"kty": "RSA", "kid": "weak", "alg": "RS256", "use": "sig", "n": weak_n, "e": "AQAB"},
        wrong_use,
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "RSA", "kid": "no-n", "e": "AQAB"},
        {"kty": "RSA", "kid": "bad-b64", "n": "!!!", "e": "AQAB"},
        {"kty": "RSA", "kid": "even-e", "n": good.jwk()["n"], "e": "AAI"},
        {"kty": "RSA", "kid": "e-is-one", "n": good.jwk()["n"], "e": "AQ"},
        {"kty": "RSA", "kid": 7, "n": good.jwk()["n"], "e": "AQAB"},
        "not an object",
        good.jwk(),
    ]});
    let h = harness(&[], |_| {}).await;
    h.server.set_body(jwks.to_string());
    assert!(h.verifier.verify(&id_token(good)).await.is_ok());
    let claims = cognito_claims(POOL, CLIENT, "id");
    for kid in [
        "weak",
        TestKey::shared(1).kid.as_str(),
        "ec",
        "no-n",
        "bad-b64",
        "even-e",
        "e-is-one",
    ] {
        let t = mint(good, &json!({"alg": "RS256", "kid": kid}), &claims);
        assert_eq!(reason(&h, &t).await, Reason::UnknownKid, "{kid}");
    }
}

/// Every request the JWKS server saw was for the configured pool's JWKS path: nothing derived
/// from a token's header reached the URL.
fn assert_only_the_configured_jwks_was_fetched(h: &Harness) {
    let expected = format!("/{POOL}/.well-known/jwks.json");
    let paths = h.server.paths();
    assert!(paths.iter().all(|p| *p == expected), "{paths:?}");
}
