//! Every signature family end to end (RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA, EdDSA): tokens
//! signed by keys we make verify, and the known attacks on each family are refused with the
//! reason and detail that name the rule. Keys come from testkit; the JWKS is served on
//! 127.0.0.1 by the harness's server.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, RsaPssSaltLength};
use oidc_jwt_verifier::{Reason, VerifyError, config::JwkAlgorithm};
use serde_json::{Value, json};
use testkit::harness::*;
use testkit::{
    EcKey, EdKey, SigningKey, TestKey, b64url, cognito_claims, jwks_of, mint, mint_unsigned,
};

/// A harness allowing `algorithms`, whose JWKS serves exactly `jwks`.
async fn serving(jwks: Value, algorithms: &[JwkAlgorithm]) -> Harness {
    let h = harness(&[], |c| c.algorithms = algorithms.to_vec()).await;
    h.server.set_body(jwks.to_string());
    h
}

/// The JWK of `key` with its `alg` removed (usable with every allowed algorithm of its shape).
fn without_alg(key: &dyn SigningKey) -> Value {
    let mut jwk = key.jwk();
    jwk.as_object_mut().unwrap().remove("alg");
    jwk
}

/// The JWK of `key` under another `kid`, edited.
fn jwk_as(key: &dyn SigningKey, kid: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut jwk = key.jwk();
    jwk["kid"] = json!(kid);
    edit(&mut jwk);
    jwk
}

fn claims() -> Value {
    cognito_claims(POOL, CLIENT, "id")
}

/// A token with this header and claims whose signature segment is exactly `signature`.
fn with_signature(header: &Value, signature: &[u8]) -> String {
    format!("{}.{}", mint_unsigned(header, &claims()), b64url(signature))
}

/// The signing input of a token with this header and the standard claims.
fn signing_input(header: &Value) -> String {
    mint_unsigned(header, &claims())
}

/// A refusal: reason and fixed detail.
type Refusal = (Reason, &'static str);

/// Why `token` was refused.
async fn refusal(h: &Harness, token: &str) -> Refusal {
    match h.verifier.verify(token).await {
        Err(VerifyError::Rejected { rejection, .. }) => (rejection.reason, rejection.detail),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

const NOT_VERIFIED: Refusal = (Reason::BadSignature, "signature does not verify");
const WRONG_LENGTH: Refusal = (
    Reason::BadSignature,
    "signature length is wrong for the alg and key",
);
const ALG_DIFFERS: Refusal = (
    Reason::UnsupportedAlgorithm,
    "alg differs from the key's alg",
);
const ALG_DOES_NOT_FIT: Refusal = (
    Reason::UnsupportedAlgorithm,
    "alg does not fit the key's kty or crv",
);
const NOT_ALLOWED: Refusal = (Reason::UnsupportedAlgorithm, "alg is not allowed");

/// Every algorithm with a key that can make it: the RSA key is published without `alg`, so one
/// key serves RS* and PS*.
fn signers() -> Vec<(JwkAlgorithm, &'static dyn SigningKey)> {
    let rsa: &'static dyn SigningKey = TestKey::shared(0);
    JwkAlgorithm::ALL
        .into_iter()
        .map(|alg| {
            let key: &'static dyn SigningKey = match alg.name() {
                "ES256" | "ES384" | "ES512" => EcKey::shared(alg.name()),
                "EdDSA" => EdKey::shared(),
                _ => rsa,
            };
            (alg, key)
        })
        .collect()
}

fn all_keys_jwks() -> Value {
    json!({"keys": [
        without_alg(TestKey::shared(0)),
        EcKey::shared("ES256").jwk(),
        EcKey::shared("ES384").jwk(),
        EcKey::shared("ES512").jwk(),
        EdKey::shared().jwk(),
    ]})
}

#[tokio::test]
async fn each_algorithm_verifies_tokens_signed_by_its_own_key() {
    let h = serving(all_keys_jwks(), &JwkAlgorithm::ALL).await;
    for (alg, key) in signers() {
        let token = mint(
            key,
            &json!({"alg": alg.name(), "kid": key.kid()}),
            &claims(),
        );
        match h.verifier.verify(&token).await {
            Ok(verified) => assert_eq!(verified.client_id, CLIENT, "{alg:?}"),
            Err(error) => panic!("{alg:?}: {error:?}"),
        }
        // The same header and signature over other claims: no longer verifies.
        let signature = token.rsplit_once('.').unwrap().1;
        let mut other = claims();
        other["sub"] = json!("someone-else");
        let header = json!({"alg": alg.name(), "kid": key.kid()});
        let tampered = format!("{}.{signature}", mint_unsigned(&header, &other));
        assert_eq!(refusal(&h, &tampered).await, NOT_VERIFIED, "{alg:?}");
    }
    assert_eq!(h.server.hits(), 1, "one JWKS fetch serves every family");
}

/// The allowlist is exact: each algorithm's own genuine token is refused when every algorithm
/// but it is allowed, before any key is looked up.
#[tokio::test]
async fn each_algorithm_is_refused_when_the_allowlist_leaves_it_out() {
    for (alg, key) in signers() {
        let others: Vec<JwkAlgorithm> = JwkAlgorithm::ALL
            .into_iter()
            .filter(|other| *other != alg)
            .collect();
        let h = serving(all_keys_jwks(), &others).await;
        let token = mint(
            key,
            &json!({"alg": alg.name(), "kid": key.kid()}),
            &claims(),
        );
        assert_eq!(refusal(&h, &token).await, NOT_ALLOWED, "{alg:?}");
        assert_eq!(h.server.hits(), 0, "{alg:?}: keys were looked up");
    }
}

/// Cognito signs RS256 only, so that is all the default configuration accepts.
#[tokio::test]
async fn the_default_allowlist_is_rs256_only() {
    let h = harness(&[], |_| {}).await;
    assert_eq!(h.verifier.config().algorithms, vec![JwkAlgorithm::RS256]);
    h.server.set_body(all_keys_jwks().to_string());
    for (alg, key) in signers()
        .into_iter()
        .filter(|(alg, _)| *alg != JwkAlgorithm::RS256)
    {
        let token = mint(
            key,
            &json!({"alg": alg.name(), "kid": key.kid()}),
            &claims(),
        );
        assert_eq!(refusal(&h, &token).await, NOT_ALLOWED, "{alg:?}");
    }
}

/// `none` and HMAC are never algorithms, whatever is allowed, and are refused before any key is
/// looked up, including HMAC keyed with an EC or Ed25519 public key.
#[tokio::test]
async fn none_and_hmac_are_refused_before_any_key_lookup() {
    let h = serving(all_keys_jwks(), &JwkAlgorithm::ALL).await;
    let ec = EcKey::shared("ES256");
    let ed = EdKey::shared();
    let secrets: Vec<Vec<u8>> = vec![
        ec.coordinates().0,
        ec.jwk().to_string().into_bytes(),
        ed.public_key(),
        ed.jwk().to_string().into_bytes(),
    ];
    for (alg, algorithm) in [
        ("HS256", hmac::HMAC_SHA256),
        ("HS384", hmac::HMAC_SHA384),
        ("HS512", hmac::HMAC_SHA512),
    ] {
        for (kid, secret) in [
            ec.kid.as_str(),
            ec.kid.as_str(),
            ed.kid.as_str(),
            ed.kid.as_str(),
        ]
        .into_iter()
        .zip(&secrets)
        {
            let input = signing_input(&json!({"alg": alg, "kid": kid}));
            let tag = hmac::sign(&hmac::Key::new(algorithm, secret), input.as_bytes());
            let token = format!("{input}.{}", b64url(tag.as_ref()));
            assert_eq!(
                refusal(&h, &token).await.0,
                Reason::UnsupportedAlgorithm,
                "{alg}"
            );
        }
    }
    for alg in ["none", "None", "NONE"] {
        let token = with_signature(&json!({"alg": alg, "kid": ec.kid}), b"x");
        assert_eq!(
            refusal(&h, &token).await.0,
            Reason::UnsupportedAlgorithm,
            "{alg}"
        );
    }
    assert_eq!(h.server.hits(), 0, "a key was looked up");
}

/// A key of one type or curve never checks another family's signature: the token's alg, the
/// JWK's kty and crv, and the JWK's alg must agree.
#[tokio::test]
async fn keys_are_never_used_across_types_or_curves() {
    let rsa = TestKey::shared(0);
    let p256 = EcKey::shared("ES256");
    let p384 = EcKey::shared("ES384");
    let ed = EdKey::shared();
    // Each key twice: with its own alg (as published by most issuers) and without one.
    let jwks = json!({"keys": [
        rsa.jwk(),
        jwk_as(rsa, "rsa-no-alg", |k| drop(k.as_object_mut().unwrap().remove("alg"))),
        p256.jwk(),
        jwk_as(p256, "p256-no-alg", |k| drop(k.as_object_mut().unwrap().remove("alg"))),
        p384.jwk(),
        ed.jwk(),
        jwk_as(ed, "ed-no-alg", |k| drop(k.as_object_mut().unwrap().remove("alg"))),
        jwk_as(p256, "p256-enc", |k| k["use"] = json!("enc")),
    ]});
    let h = serving(jwks, &JwkAlgorithm::ALL).await;
    // (case, header alg, kid, the key that really signs, expected refusal)
    let cases: Vec<(&str, &str, &str, &dyn SigningKey, Refusal)> = vec![
        (
            "RSA key (alg RS256) used with ES256",
            "ES256",
            &rsa.kid,
            p256,
            ALG_DIFFERS,
        ),
        (
            "RSA key (no alg) used with ES256",
            "ES256",
            "rsa-no-alg",
            p256,
            ALG_DOES_NOT_FIT,
        ),
        (
            "RSA key (no alg) used with EdDSA",
            "EdDSA",
            "rsa-no-alg",
            ed,
            ALG_DOES_NOT_FIT,
        ),
        (
            "EC key (alg ES256) under RS256",
            "RS256",
            &p256.kid,
            rsa,
            ALG_DIFFERS,
        ),
        (
            "EC key (no alg) under RS256",
            "RS256",
            "p256-no-alg",
            rsa,
            ALG_DOES_NOT_FIT,
        ),
        (
            "EC key (no alg) under PS256",
            "PS256",
            "p256-no-alg",
            rsa,
            ALG_DOES_NOT_FIT,
        ),
        (
            "EC key (no alg) under EdDSA",
            "EdDSA",
            "p256-no-alg",
            ed,
            ALG_DOES_NOT_FIT,
        ),
        (
            "P-256 key (no alg) under ES384",
            "ES384",
            "p256-no-alg",
            p384,
            ALG_DOES_NOT_FIT,
        ),
        (
            "P-256 key (no alg) under ES512",
            "ES512",
            "p256-no-alg",
            p256,
            ALG_DOES_NOT_FIT,
        ),
        (
            "P-384 key under ES256",
            "ES256",
            &p384.kid,
            p256,
            ALG_DIFFERS,
        ),
        (
            "Ed25519 key (alg EdDSA) under ES256",
            "ES256",
            &ed.kid,
            p256,
            ALG_DIFFERS,
        ),
        (
            "Ed25519 key (no alg) under ES256",
            "ES256",
            "ed-no-alg",
            p256,
            ALG_DOES_NOT_FIT,
        ),
        (
            "Ed25519 key (no alg) under RS256",
            "RS256",
            "ed-no-alg",
            rsa,
            ALG_DOES_NOT_FIT,
        ),
        // An encryption key is not a signing key: it is skipped, so its kid is unknown.
        (
            "EC key with use enc",
            "ES256",
            "p256-enc",
            p256,
            (Reason::UnknownKid, "kid is not in the issuer's JWKS"),
        ),
    ];
    for (case, alg, kid, signer, expected) in cases {
        let token = mint(signer, &json!({"alg": alg, "kid": kid}), &claims());
        assert_eq!(refusal(&h, &token).await, expected, "{case}");
    }
}

/// The curve order n of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `a − b` for big-endian numbers of one length, `a ≥ b`.
fn minus(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

/// ECDSA: the psychic signature (CVE-2022-21449), zero halves, out-of-range halves, DER instead
/// of JOSE's raw `r || s`, padded or cut signatures, and a signature for another curve.
#[tokio::test]
async fn ecdsa_forgeries_and_encodings_are_refused() {
    let keys = [
        EcKey::shared("ES256"),
        EcKey::shared("ES384"),
        EcKey::shared("ES512"),
    ];
    let jwks = jwks_of(&keys.map(|k| k as &dyn SigningKey));
    let h = serving(jwks, &JwkAlgorithm::ALL).await;
    for key in keys {
        let header = json!({"alg": key.alg, "kid": key.kid});
        let input = signing_input(&header);
        let genuine = key.sign(key.alg, input.as_bytes());
        let half = genuine.len() / 2;
        let (r, s) = genuine.split_at(half);
        let zeros = vec![0; half];
        let mut padded = vec![0];
        padded.extend_from_slice(&genuine);
        let mut padded_halves = vec![0];
        padded_halves.extend_from_slice(r);
        padded_halves.push(0);
        padded_halves.extend_from_slice(s);
        let other_curve = keys.iter().find(|other| other.alg != key.alg).unwrap();
        let cases: Vec<(&str, Vec<u8>, Refusal)> = vec![
            (
                "psychic r = s = 0",
                [zeros.clone(), zeros.clone()].concat(),
                NOT_VERIFIED,
            ),
            ("r = 0", [zeros.clone(), s.to_vec()].concat(), NOT_VERIFIED),
            ("s = 0", [r.to_vec(), zeros.clone()].concat(), NOT_VERIFIED),
            (
                "r and s all ones (above n)",
                vec![0xff; genuine.len()],
                NOT_VERIFIED,
            ),
            (
                "r and s swapped",
                [s.to_vec(), r.to_vec()].concat(),
                NOT_VERIFIED,
            ),
            (
                "DER instead of r || s",
                key.sign_der(input.as_bytes()),
                WRONG_LENGTH,
            ),
            ("a leading zero byte", padded, WRONG_LENGTH),
            ("each half zero-padded", padded_halves, WRONG_LENGTH),
            (
                "one byte cut",
                genuine[..genuine.len() - 1].to_vec(),
                WRONG_LENGTH,
            ),
            ("r only", r.to_vec(), WRONG_LENGTH),
            ("one byte", vec![0], WRONG_LENGTH),
            // Another curve's genuine signature over the same bytes: its length gives it away.
            (
                "a signature for another curve",
                other_curve.sign("", input.as_bytes()),
                WRONG_LENGTH,
            ),
        ];
        for (case, signature, expected) in cases {
            let token = format!("{input}.{}", b64url(&signature));
            assert_eq!(refusal(&h, &token).await, expected, "{}: {case}", key.alg);
        }
        let token = format!("{input}.{}", b64url(&genuine));
        assert!(h.verifier.verify(&token).await.is_ok(), "{}", key.alg);
    }

    // r = n and s = n: out of range, each as long as a genuine half.
    let p256 = keys[0];
    let input = signing_input(&json!({"alg": "ES256", "kid": p256.kid}));
    let order_twice = [P256_ORDER, P256_ORDER].concat();
    assert_eq!(
        refusal(&h, &format!("{input}.{}", b64url(&order_twice))).await,
        NOT_VERIFIED
    );
}

/// What JOSE allows and we therefore accept: ECDSA signatures are malleable. For a genuine
/// (r, s), (r, n − s) verifies too, and JWA (RFC 7518 §3.4) does not ask for "low s", so
/// issuers that do not normalize s (most) send either. Refusing high s would refuse about half
/// of such issuers' genuine tokens; instead the documentation says a token's bytes are not a
/// unique identifier. This test pins the behaviour, so a library change to it is noticed.
#[tokio::test]
async fn a_high_s_ecdsa_signature_is_accepted_as_jose_allows() {
    let key = EcKey::shared("ES256");
    let h = serving(jwks_of(&[key]), &[JwkAlgorithm::ES256]).await;
    let input = signing_input(&json!({"alg": "ES256", "kid": key.kid}));
    let genuine = key.sign("ES256", input.as_bytes());
    let (r, s) = genuine.split_at(32);
    let flipped = [r.to_vec(), minus(&P256_ORDER, s)].concat();
    assert_ne!(flipped, genuine);
    for signature in [genuine, flipped] {
        let token = format!("{input}.{}", b64url(&signature));
        assert!(h.verifier.verify(&token).await.is_ok());
    }
}

/// RSA: PKCS#1 v1.5 and PSS are different algorithms over one key type; PSS needs the salt
/// length RFC 7518 §3.5 fixes; the signature is exactly the modulus length.
#[tokio::test]
async fn rsa_padding_modes_and_lengths_are_exact() {
    let key = TestKey::shared(0);
    let h = serving(json!({"keys": [without_alg(key)]}), &JwkAlgorithm::ALL).await;
    const PSS_NO_SALT: signature::RsaSignatureEncoding =
        signature::RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(0));
    const PSS_MAX_SALT: signature::RsaSignatureEncoding =
        signature::RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
    let sign = |alg: &str, signed_as: &str| {
        let input = signing_input(&json!({"alg": alg, "kid": key.kid}));
        let signature = key.sign(signed_as, input.as_bytes());
        (input, signature)
    };
    let mut cases: Vec<(&str, String, Vec<u8>, Refusal)> = Vec::new();
    for (alg, other) in [
        ("PS256", "RS256"),
        ("RS256", "PS256"),
        ("PS384", "PS256"),
        ("RS512", "RS256"),
    ] {
        let (input, signature) = sign(alg, other);
        cases.push((
            "signed with another padding or hash",
            input,
            signature,
            NOT_VERIFIED,
        ));
    }
    for (salt, encoding) in [
        ("PSS with no salt", &PSS_NO_SALT),
        ("PSS with the longest salt", &PSS_MAX_SALT),
    ] {
        let input = signing_input(&json!({"alg": "PS256", "kid": key.kid}));
        let signature = key.sign_with(encoding, input.as_bytes());
        cases.push((salt, input, signature, NOT_VERIFIED));
    }
    for alg in ["RS256", "PS256"] {
        let (input, signature) = sign(alg, alg);
        let mut padded = vec![0];
        padded.extend_from_slice(&signature);
        cases.push(("a leading zero byte", input.clone(), padded, WRONG_LENGTH));
        cases.push((
            "one byte cut",
            input.clone(),
            signature[1..].to_vec(),
            WRONG_LENGTH,
        ));
        cases.push((
            "an ES256-sized signature",
            input.clone(),
            vec![1; 64],
            WRONG_LENGTH,
        ));
        cases.push(("all zeros", input, vec![0; signature.len()], NOT_VERIFIED));
    }
    for (case, input, signature, expected) in cases {
        let token = format!("{input}.{}", b64url(&signature));
        assert_eq!(refusal(&h, &token).await, expected, "{case}");
    }
}

/// Ed25519 (RFC 8032): 64-byte signatures only; S must be reduced (S + L, the same point
/// equation, is refused); another key's signature fails.
#[tokio::test]
async fn eddsa_signatures_are_exact() {
    let key = EdKey::shared();
    let stranger = EdKey::generate(&key.kid);
    let h = serving(jwks_of(&[key]), &[JwkAlgorithm::EdDSA]).await;
    let input = signing_input(&json!({"alg": "EdDSA", "kid": key.kid}));
    let genuine = key.sign("EdDSA", input.as_bytes());
    // L, the order of the base point, little-endian. S + L < 2^253 always fits in 32 bytes.
    let order: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut unreduced = genuine.clone();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = unreduced[32 + i] as u16 + order[i] as u16 + carry;
        unreduced[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    let mut padded = vec![0];
    padded.extend_from_slice(&genuine);
    let cases: Vec<(&str, Vec<u8>, Refusal)> = vec![
        (
            "another key's signature",
            stranger.sign("EdDSA", input.as_bytes()),
            NOT_VERIFIED,
        ),
        ("S + L (not reduced)", unreduced, NOT_VERIFIED),
        ("all zeros", vec![0; 64], NOT_VERIFIED),
        ("one byte cut", genuine[..63].to_vec(), WRONG_LENGTH),
        ("a leading zero byte", padded, WRONG_LENGTH),
        ("an ES384-sized signature", vec![1; 96], WRONG_LENGTH),
    ];
    for (case, signature, expected) in cases {
        let token = format!("{input}.{}", b64url(&signature));
        assert_eq!(refusal(&h, &token).await, expected, "{case}");
    }
    let token = format!("{input}.{}", b64url(&genuine));
    assert!(h.verifier.verify(&token).await.is_ok());
}
