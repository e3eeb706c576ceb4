//! Issuers beyond Cognito pools (`ISSUERS`): each token is checked by the rules of the entry its
//! exact `iss` selects (algorithms, audience or Cognito-style client, `typ`, claim names), with
//! keys only from that entry's configured or discovered JWKS.

use oidc_jwt_verifier::{
    Reason, TokenUse, VerifyError,
    config::{
        ClientCheck, IssuerConfig, JwkAlgorithm, JwksLocation, ScopesClaim, TokenUsePolicy,
        parse_issuers,
    },
};
use serde_json::{Value, json};
use testkit::harness::{CLIENT, COOLDOWN, POOL};
use testkit::issuers::{IssuerHarness, generic_harness, jwks_url, original_issuer};
use testkit::{TestKey, mint, now};

const OKTA: &str = "https://example.okta.com/oauth2/default";
const OKTA_DISCOVERY: &str =
    "https://example.okta.com/oauth2/default/.well-known/openid-configuration";
const OKTA_JWKS: &str = "https://example.okta.com/oauth2/default/v1/keys";
const LOCAL: &str = "http://localhost:9229/local_5N2vYmk0";
const LOCAL_JWKS: &str = "http://localhost:9229/local_5N2vYmk0/.well-known/jwks.json";

fn okta() -> IssuerConfig {
    IssuerConfig {
        name: "okta".into(),
        issuer: OKTA.into(),
        jwks: JwksLocation::Discovery,
        client: ClientCheck::Audience(vec!["api://default".into(), "api://other".into()]),
        token_use: None,
        typ: Some("at+jwt".into()),
        algorithms: vec![JwkAlgorithm::RS256],
        groups_claim: Some("groups".into()),
        scopes_claim: ScopesClaim::Scp,
    }
}

/// cognito-local's shape: `iss` is the emulator's URL, tokens are Cognito's.
fn local() -> IssuerConfig {
    parse_issuers(&format!(
        r#"[{{"name":"local","issuer":"{LOCAL}","jwks_uri":"{LOCAL_JWKS}","client_id":"{CLIENT}","token_use":"any","algorithms":["RS256"],"groups_claim":"cognito:groups"}}]"#
    ))
    .unwrap()
    .remove(0)
}

fn okta_claims() -> Value {
    json!({"iss": OKTA, "sub": "00u1", "aud": "api://default", "exp": now() + 600, "iat": now(),
           "scp": ["items/read", "openid"], "groups": ["admin", "staff"], "cid": "0oa1"})
}

fn okta_token(key: &TestKey, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let mut header = json!({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"});
    let mut claims = okta_claims();
    edit(&mut header, &mut claims);
    mint(key, &header, &claims)
}

fn serve_okta(h: &IssuerHarness, key: &TestKey) {
    h.fetcher.serve_json(
        OKTA_DISCOVERY,
        &json!({"issuer": OKTA, "jwks_uri": OKTA_JWKS, "authorization_endpoint": "https://x"}),
    );
    h.fetcher.serve(OKTA_JWKS, &[key]);
}

fn rejected(result: Result<oidc_jwt_verifier::VerifiedClaims, VerifyError>) -> Reason {
    match result {
        Err(VerifyError::Rejected { rejection, .. }) => rejection.reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn an_oidc_issuer_is_discovered_once_and_its_claims_read_by_its_names() {
    let key = TestKey::shared(0);
    let h = generic_harness(vec![okta()]);
    serve_okta(&h, key);
    let claims = h
        .verifier
        .verify(&okta_token(key, |_, _| {}))
        .await
        .unwrap();
    assert_eq!(claims.issuer, OKTA);
    assert_eq!(claims.issuer_name, "okta");
    assert_eq!(claims.sub, "00u1");
    assert_eq!(claims.client_id, "api://default");
    assert_eq!(claims.token_use, None);
    assert_eq!(claims.scopes, vec!["items/read", "openid"]);
    assert_eq!(claims.groups, vec!["admin", "staff"]);
    // An array `aud` holding a configured audience; `typ` in its long form.
    let second = okta_token(key, |header, claims| {
        header["typ"] = json!("application/at+jwt");
        claims["aud"] = json!(["https://unrelated", "api://other"]);
    });
    assert_eq!(
        h.verifier.verify(&second).await.unwrap().client_id,
        "api://other"
    );
    assert_eq!(
        h.fetcher.requests(),
        vec![OKTA_DISCOVERY, OKTA_JWKS],
        "discovery once, then the JWKS once"
    );
}

/// Each claim name alone is enough for its claim to be read: a groups claim without `scp`, and
/// `scp` without a groups claim of its own (the second pass over the payload is made when any
/// one of them is named).
#[tokio::test]
async fn a_groups_claim_or_scp_alone_is_read() {
    let key = TestKey::shared(0);
    let roles_only = IssuerConfig {
        groups_claim: Some("roles".into()),
        scopes_claim: ScopesClaim::Scope,
        ..okta()
    };
    let scp_only = IssuerConfig {
        groups_claim: None,
        ..okta()
    };
    for (name, config, groups, scopes) in [
        (
            "roles, no scp",
            roles_only,
            vec!["reader"],
            vec!["items/write"],
        ),
        (
            "scp, no groups claim",
            scp_only,
            vec![],
            vec!["items/read", "openid"],
        ),
    ] {
        let h = generic_harness(vec![config]);
        serve_okta(&h, key);
        let token = okta_token(key, |_, claims| {
            claims["roles"] = json!(["reader"]);
            claims["scope"] = json!("items/write");
        });
        let claims = h.verifier.verify(&token).await.unwrap();
        assert_eq!(claims.groups, groups, "{name}");
        assert_eq!(claims.scopes, scopes, "{name}");
    }
}

#[tokio::test]
async fn each_entry_checks_its_own_audience_typ_and_claim_types() {
    let key = TestKey::shared(0);
    let h = generic_harness(vec![okta()]);
    serve_okta(&h, key);
    type Edit = fn(&mut Value, &mut Value);
    let cases: [(&str, Edit, Reason); 9] = [
        (
            "aud of another API",
            |_, c| c["aud"] = json!("api://x"),
            Reason::WrongClient,
        ),
        (
            "aud array without ours",
            |_, c| c["aud"] = json!(["a", "b"]),
            Reason::WrongClient,
        ),
        (
            "no aud",
            |_, c| {
                c.as_object_mut().unwrap().remove("aud");
            },
            Reason::WrongClient,
        ),
        (
            "no typ",
            |h, _| {
                h.as_object_mut().unwrap().remove("typ");
            },
            Reason::WrongTokenUse,
        ),
        (
            "typ JWT (an ID token)",
            |h, _| h["typ"] = json!("JWT"),
            Reason::WrongTokenUse,
        ),
        (
            "groups as a string",
            |_, c| c["groups"] = json!("admin"),
            Reason::InvalidClaim,
        ),
        (
            "scp as a number",
            |_, c| c["scp"] = json!(1),
            Reason::InvalidClaim,
        ),
        (
            "expired",
            |_, c| c["exp"] = json!(now() - 1),
            Reason::Expired,
        ),
        (
            "empty sub",
            |_, c| c["sub"] = json!(""),
            Reason::InvalidClaim,
        ),
    ];
    for (case, edit, reason) in cases {
        let token = okta_token(key, edit);
        assert_eq!(rejected(h.verifier.verify(&token).await), reason, "{case}");
    }
}

#[tokio::test]
async fn an_algorithm_another_issuer_allows_is_refused_before_any_fetch() {
    let key = TestKey::shared(0);
    let mut strict = okta();
    strict.algorithms = vec![JwkAlgorithm::RS512];
    let h = generic_harness(vec![strict]);
    serve_okta(&h, key);
    // The pool allows RS256, so RS256 passes the first filter; this issuer does not.
    let token = okta_token(key, |_, _| {});
    assert_eq!(
        rejected(h.verifier.verify(&token).await),
        Reason::UnsupportedAlgorithm
    );
    assert!(
        h.fetcher.requests().is_empty(),
        "{:?}",
        h.fetcher.requests()
    );
}

#[tokio::test]
async fn a_discovery_document_for_another_issuer_or_with_an_unsafe_jwks_uri_yields_no_keys() {
    let key = TestKey::shared(0);
    for (case, document) in [
        (
            "another issuer",
            json!({"issuer": "https://example.okta.com", "jwks_uri": OKTA_JWKS}),
        ),
        (
            "http jwks_uri",
            json!({"issuer": OKTA, "jwks_uri": "http://example.okta.com/keys"}),
        ),
        ("no jwks_uri", json!({"issuer": OKTA})),
    ] {
        let h = generic_harness(vec![okta()]);
        h.fetcher.serve_json(OKTA_DISCOVERY, &document);
        h.fetcher.serve(OKTA_JWKS, &[key]);
        h.fetcher.serve("http://example.okta.com/keys", &[key]);
        let result = h.verifier.verify(&okta_token(key, |_, _| {})).await;
        assert_eq!(result, Err(VerifyError::KeysUnavailable), "{case}");
        // The failure starts the issuer's cooldown: the next token does not fetch again.
        let _ = h.verifier.verify(&okta_token(key, |_, _| {})).await;
        assert_eq!(h.fetcher.requests(), vec![OKTA_DISCOVERY], "{case}");
        // After the cooldown, discovery is tried again (it never succeeded).
        h.clock.advance(COOLDOWN);
        let _ = h.verifier.verify(&okta_token(key, |_, _| {})).await;
        assert_eq!(h.fetcher.requests(), vec![OKTA_DISCOVERY; 2], "{case}");
    }
}

#[tokio::test]
async fn keys_belong_to_their_issuer_and_one_sub_can_come_from_two_issuers() {
    let pool_key = TestKey::shared(0);
    let okta_key = TestKey::shared(1);
    let h = generic_harness(vec![okta(), local()]);
    serve_okta(&h, okta_key);
    h.fetcher.serve(&jwks_url(&original_issuer()), &[pool_key]);
    h.fetcher.serve(LOCAL_JWKS, &[pool_key]);

    // The pool's key under the Okta issuer: the Okta JWKS has no such kid.
    let forged = okta_token(pool_key, |_, _| {});
    assert_eq!(
        rejected(h.verifier.verify(&forged).await),
        Reason::UnknownKid
    );
    // The Okta key, named with the pool key's kid: that kid's key is the pool's, not Okta's.
    let renamed = okta_token(okta_key, |header, _| header["kid"] = json!(pool_key.kid));
    assert_eq!(
        rejected(h.verifier.verify(&renamed).await),
        Reason::UnknownKid
    );

    let mut pool_claims = testkit::cognito_claims(POOL, CLIENT, "id");
    pool_claims["sub"] = json!("same-sub");
    let mut local_claims = pool_claims.clone();
    local_claims["iss"] = json!(LOCAL);
    let header = json!({"alg": "RS256", "kid": pool_key.kid});
    let from_pool = h
        .verifier
        .verify(&mint(pool_key, &header, &pool_claims))
        .await
        .unwrap();
    let from_local = h
        .verifier
        .verify(&mint(pool_key, &header, &local_claims))
        .await
        .unwrap();
    assert_eq!(from_pool.sub, from_local.sub);
    assert_eq!(
        (from_pool.issuer.as_str(), from_pool.issuer_name.as_str()),
        (original_issuer().as_str(), POOL)
    );
    assert_eq!(
        (from_local.issuer.as_str(), from_local.issuer_name.as_str()),
        (LOCAL, "local")
    );
}

#[tokio::test]
async fn a_cognito_style_entry_reads_aud_of_id_tokens_and_client_id_of_access_tokens() {
    let key = TestKey::shared(0);
    let mut access_only = local();
    access_only.token_use = Some(TokenUsePolicy::Access);
    for (entry, token_use, expected) in [
        (local(), "id", Ok(TokenUse::Id)),
        (local(), "access", Ok(TokenUse::Access)),
        (access_only.clone(), "access", Ok(TokenUse::Access)),
        (access_only, "id", Err(Reason::WrongTokenUse)),
    ] {
        let h = generic_harness(vec![entry]);
        h.fetcher.serve(LOCAL_JWKS, &[key]);
        let mut claims = testkit::cognito_claims(POOL, CLIENT, token_use);
        claims["iss"] = json!(LOCAL);
        let header = json!({"alg": "RS256", "kid": key.kid});
        let result = h.verifier.verify(&mint(key, &header, &claims)).await;
        match expected {
            Ok(kind) => {
                let verified = result.unwrap();
                assert_eq!(verified.token_use, Some(kind));
                assert_eq!(verified.client_id, CLIENT);
                assert_eq!(verified.groups, vec!["users"], "cognito:groups, as named");
            }
            Err(reason) => assert_eq!(rejected(result), reason, "{token_use}"),
        }
        // The other client, in the claim the token kind names.
        let member = if token_use == "id" {
            "aud"
        } else {
            "client_id"
        };
        claims[member] = json!("someoneelse");
        let other = h.verifier.verify(&mint(key, &header, &claims)).await;
        assert!(
            matches!(other, Err(VerifyError::Rejected { .. })),
            "{token_use}"
        );
    }
}

#[tokio::test]
async fn an_untrusted_iss_fetches_nothing() {
    let key = TestKey::shared(0);
    let h = generic_harness(vec![okta()]);
    serve_okta(&h, key);
    for iss in [
        "https://example.okta.com/oauth2/default/",
        "https://example.okta.com/oauth2/Default",
        "http://localhost:9229/local_5N2vYmk0",
        "https://evil.example.com",
    ] {
        let token = okta_token(key, |_, claims| claims["iss"] = json!(iss));
        assert_eq!(
            rejected(h.verifier.verify(&token).await),
            Reason::UnknownIssuer,
            "{iss}"
        );
    }
    assert!(h.fetcher.requests().is_empty());
}
