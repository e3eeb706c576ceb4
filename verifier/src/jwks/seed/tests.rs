//! The seed document: what it may hold, and every way it is refused as a whole.

use serde_json::{Value, json};

use super::*;
use crate::config::VerifierConfig;

const POOL: &str = "ap-northeast-1_SeedPool1";

fn trusted() -> Vec<IssuerConfig> {
    VerifierConfig::new(&[POOL], &["client"])
        .unwrap()
        .trusted_issuers()
}

fn original() -> String {
    format!("https://cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
}

fn updated() -> String {
    format!("https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}")
}

fn jwks(index: usize) -> Value {
    testkit::TestKey::jwks(&[testkit::TestKey::shared(index)])
}

fn parse(document: &Value) -> Result<JwksSeed, String> {
    parse_jwks_seed(document.to_string().as_bytes(), &trusted())
}

fn kids_of(seed: &JwksSeed) -> Vec<(String, Vec<String>)> {
    let mut sets: Vec<(String, Vec<String>)> = seed
        .sets()
        .map(|(issuer, keys)| {
            let kids = keys.kids().into_iter().map(str::to_owned).collect();
            (issuer.to_owned(), kids)
        })
        .collect();
    sets.sort();
    sets
}

#[test]
fn one_entry_seeds_both_forms_of_its_pool() {
    let kid = testkit::TestKey::shared(0).kid.clone();
    assert!(JwksSeed::default().is_empty());
    let seed = parse(&json!({ original(): jwks(0) })).unwrap();
    assert!(!seed.is_empty());
    assert_eq!(
        kids_of(&seed),
        vec![(original(), vec![kid.clone()]), (updated(), vec![kid])]
    );
}

#[test]
fn an_entry_per_form_keeps_each_its_own() {
    let seed = parse(&json!({ original(): jwks(0), updated(): jwks(1) })).unwrap();
    assert_eq!(
        kids_of(&seed),
        vec![
            (original(), vec![testkit::TestKey::shared(0).kid.clone()]),
            (updated(), vec![testkit::TestKey::shared(1).kid.clone()]),
        ]
    );
}

#[test]
fn an_issuer_not_trusted_is_refused() {
    let other = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Other";
    let error = parse(&json!({ original(): jwks(0), other: jwks(0) })).unwrap_err();
    assert!(error.contains("is not a trusted issuer"), "{error}");
    assert!(error.contains("ap-northeast-1_Other"), "{error}");
}

#[test]
fn malformed_documents_are_refused() {
    let cases: [(&[u8], &str); 7] = [
        (b"", "is not a JSON object"),
        (b"{", "is not a JSON object"),
        (b"[]", "is not a JSON object"),
        (b"{}", "names no issuer"),
        (
            br#"{"https://a.example": {"keys": []}, "https://a.example": {"keys": []}}"#,
            "is not a JSON object",
        ),
        (b"\"keys\"", "is not a JSON object"),
        (b"null", "is not a JSON object"),
    ];
    for (body, expected) in cases {
        let error = parse_jwks_seed(body, &trusted()).unwrap_err();
        assert!(error.contains(expected), "{body:?}: {error}");
    }
    for (value, expected) in [
        (json!({ original(): [] }), "is not a JWKS object"),
        (
            json!({ original(): {"keys": {}} }),
            "not a JSON object with a \"keys\" array",
        ),
        (json!({ original(): {"keys": []} }), "has no usable key"),
    ] {
        let error = parse(&value).unwrap_err();
        assert!(error.contains(expected), "{value}: {error}");
    }
}

#[test]
fn keys_go_through_the_checks_of_a_fetched_jwks() {
    // An RS256 key labelled for encryption, and one whose alg disagrees with its kty: both
    // skipped as a fetch would skip them, leaving nothing usable.
    let mut encryption = testkit::TestKey::shared(0).jwk();
    encryption["use"] = json!("enc");
    let mut mislabelled = testkit::TestKey::shared(1).jwk();
    mislabelled["alg"] = json!("ES256");
    let error = parse(&json!({ original(): {"keys": [encryption, mislabelled]} })).unwrap_err();
    assert!(error.contains("has no usable key"), "{error}");
    // A good key next to a bad one: the good one is kept, as in a fetch.
    let good = testkit::TestKey::shared(0).jwk();
    let seed = parse(&json!({ original(): {"keys": [good, mislabelled]} })).unwrap();
    assert_eq!(
        kids_of(&seed)[0].1,
        vec![testkit::TestKey::shared(0).kid.clone()]
    );
}

#[test]
fn a_seed_of_exactly_the_limit_is_read_one_byte_more_is_not() {
    let padded = |size: usize| {
        let mut document = json!({ original(): jwks(0) });
        document[original()]["pad"] = json!("");
        let base = document.to_string().len();
        document[original()]["pad"] = json!("x".repeat(size - base));
        let body = document.to_string();
        assert_eq!(body.len(), size);
        body
    };
    assert!(parse_jwks_seed(padded(MAX_JWKS_SEED_BYTES).as_bytes(), &trusted()).is_ok());
    let error =
        parse_jwks_seed(padded(MAX_JWKS_SEED_BYTES + 1).as_bytes(), &trusted()).unwrap_err();
    assert!(error.contains("bytes, over the"), "{error}");
}

#[test]
fn a_pool_s_entry_seeds_no_other_pool() {
    let other_pool = "ap-northeast-1_SeedPool2";
    let trusted = VerifierConfig::new(&[POOL, other_pool], &["client"])
        .unwrap()
        .trusted_issuers();
    assert_eq!(trusted.len(), 4);
    let document = json!({ original(): jwks(0) }).to_string();
    let seed = parse_jwks_seed(document.as_bytes(), &trusted).unwrap();
    let issuers: Vec<String> = kids_of(&seed)
        .into_iter()
        .map(|(issuer, _)| issuer)
        .collect();
    assert_eq!(issuers, vec![original(), updated()]);
}
