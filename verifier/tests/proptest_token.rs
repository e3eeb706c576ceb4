//! Property tests over the token path, the CI-sized counterpart of the `token` fuzz target
//! (fuzz/fuzz_targets/token.rs): hostile `Authorization` values, structure checks,
//! one-character edits of a genuine token of every signature family, and signed tokens with
//! arbitrary claims.
//!
//! Case counts are kept small so the whole file runs in a few seconds; PROPTEST_CASES raises
//! them for a longer local run.

use oidc_jwt_verifier::config::JwkAlgorithm;
use oidc_jwt_verifier::{dangerous::parse_unverified as parse, token_from_authorization};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Value, json};
use testkit::harness::*;
use testkit::{EcKey, EdKey, SigningKey, TestKey, b64url, mint};
use tokio::runtime::Runtime;

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Strings that look like tokens often enough to get past the first checks.
fn token_like() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(
        "abcXYZ0189-_.=+/ \teyJ"
            .chars()
            .chain(['é', '\u{0}', '\u{feff}'])
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        any::<String>(),
        prop::collection::vec(alphabet, 0..120).prop_map(|c| c.into_iter().collect()),
        (any::<String>(), any::<String>(), any::<String>()).prop_map(|(h, p, s)| format!(
            "{}.{}.{}",
            b64url(h),
            b64url(p),
            b64url(s)
        )),
    ]
}

/// A claim value of any JSON shape, biased towards the ones the checks look at.
fn claim_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
        Just(json!(CLIENT)),
        Just(json!(OTHER_CLIENT)),
        Just(json!([CLIENT, OTHER_CLIENT])),
        Just(json!(format!(
            "https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
        ))),
        Just(json!("id")),
        Just(json!("access")),
        (0u64..4_000_000_000).prop_map(Value::from),
        prop::collection::vec(any::<String>(), 0..3).prop_map(|v| json!(v)),
    ]
}

const CLAIMS: [&str; 10] = [
    "iss",
    "aud",
    "client_id",
    "token_use",
    "exp",
    "nbf",
    "iat",
    "auth_time",
    "sub",
    "cognito:groups",
];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn authorization_extraction_is_total_and_returns_a_trimmed_substring(value in any::<String>()) {
        if let Some(token) = token_from_authorization(&value) {
            prop_assert!(!token.is_empty());
            prop_assert!(value.contains(token));
            prop_assert!(!token.starts_with([' ', '\t']) && !token.ends_with([' ', '\t']));
        }
    }

    #[test]
    fn structure_checks_never_panic_and_split_what_they_accept(token in token_like(), max in 0usize..200) {
        if let Ok(parsed) = parse(&token, max) {
            prop_assert!(token.len() <= max);
            prop_assert_eq!(token.split('.').count(), 3);
            prop_assert!(token.as_bytes().starts_with(parsed.signing_input));
            prop_assert!(!parsed.header.kid.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn hostile_strings_are_never_accepted(token in token_like()) {
        let runtime = runtime();
        runtime.block_on(async {
            let h = harness(&[TestKey::shared(0)], |_| {}).await;
            prop_assert!(h.verifier.verify(&token).await.is_err());
            Ok(())
        })?;
    }

    #[test]
    fn any_one_character_edit_of_a_genuine_token_is_refused(
        position in any::<prop::sample::Index>(),
        replacement in prop::sample::select(
            "ABCabcxyz0189-_.=+/ ".chars().collect::<Vec<_>>()
        ),
        delete in any::<bool>(),
    ) {
        let key = TestKey::shared(0);
        let genuine = id_token(key);
        let at = position.index(genuine.len());
        let mut edited = genuine.clone();
        if delete {
            edited.remove(at);
        } else {
            edited.replace_range(at..at + 1, &replacement.to_string());
        }
        prop_assume!(edited != genuine);
        let runtime = runtime();
        runtime.block_on(async {
            let h = harness(&[key], |_| {}).await;
            prop_assert!(h.verifier.verify(&genuine).await.is_ok());
            prop_assert!(h.verifier.verify(&edited).await.is_err(), "accepted {edited}");
            Ok(())
        })?;
    }

    /// The same for every signature family, each with every algorithm allowed: the RSA key
    /// (published without `alg`, so RS* and PS*), ECDSA P-256/P-384/P-521, Ed25519.
    #[test]
    fn any_one_character_edit_of_a_genuine_token_of_any_family_is_refused(
        alg in prop::sample::select(JwkAlgorithm::ALL.to_vec()),
        position in any::<prop::sample::Index>(),
        replacement in prop::sample::select(
            "ABCabcxyz0189-_.=+/ ".chars().collect::<Vec<_>>()
        ),
        delete in any::<bool>(),
    ) {
        let key: &dyn SigningKey = match alg {
            JwkAlgorithm::ES256 | JwkAlgorithm::ES384 | JwkAlgorithm::ES512 => {
                EcKey::shared(alg.name())
            }
            JwkAlgorithm::EdDSA => EdKey::shared(),
            _ => TestKey::shared(0),
        };
        let claims = testkit::cognito_claims(POOL, CLIENT, "id");
        let genuine = mint(key, &json!({"kid": key.kid(), "alg": alg.name()}), &claims);
        let at = position.index(genuine.len());
        let mut edited = genuine.clone();
        if delete {
            edited.remove(at);
        } else {
            edited.replace_range(at..at + 1, &replacement.to_string());
        }
        prop_assume!(edited != genuine);
        let mut rsa = TestKey::shared(0).jwk();
        rsa.as_object_mut().unwrap().remove("alg");
        let jwks = json!({"keys": [
            rsa,
            EcKey::shared("ES256").jwk(),
            EcKey::shared("ES384").jwk(),
            EcKey::shared("ES512").jwk(),
            EdKey::shared().jwk(),
        ]});
        let runtime = runtime();
        runtime.block_on(async {
            let h = harness(&[], |c| c.algorithms = JwkAlgorithm::ALL.to_vec()).await;
            h.server.set_body(jwks.to_string());
            prop_assert!(h.verifier.verify(&genuine).await.is_ok(), "{:?}", alg);
            prop_assert!(h.verifier.verify(&edited).await.is_err(), "{:?}: accepted {}", alg, edited);
            Ok(())
        })?;
    }

    #[test]
    fn signed_tokens_with_arbitrary_claims_are_accepted_only_when_every_rule_holds(
        edits in prop::collection::vec((prop::sample::select(CLAIMS.to_vec()), prop::option::of(claim_value())), 0..4),
        alg in prop::sample::select(vec!["RS256", "RS384", "RS512", "none", "HS256"]),
    ) {
        let key = TestKey::shared(0);
        let mut claims = testkit::cognito_claims(POOL, CLIENT, "id");
        let map = claims.as_object_mut().unwrap();
        for (name, value) in &edits {
            match value {
                Some(value) => map.insert((*name).to_owned(), value.clone()),
                None => map.remove(*name),
            };
        }
        let token = mint(key, &json!({"kid": key.kid, "alg": alg}), &claims);
        let runtime = runtime();
        runtime.block_on(async {
            let h = harness(&[key], |_| {}).await;
            if let Ok(verified) = h.verifier.verify(&token).await {
                let now = testkit::now();
                prop_assert_eq!(alg, "RS256");
                prop_assert_eq!(verified.issuer.as_str(), claims["iss"].as_str().unwrap());
                prop_assert!(verified.expires_at > now.saturating_sub(5));
                prop_assert_eq!(verified.client_id.as_str(), CLIENT);
                prop_assert!(claims["token_use"] == "id" || claims["token_use"] == "access");
            }
            Ok(())
        })?;
    }
}
