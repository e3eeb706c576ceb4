//! The rules of [`super::parse_key`], one table per key type, each case at the edge of its rule.

use super::*;
use serde_json::json;
use testkit::{EcKey, EdKey, SigningKey, TestKey};

/// The algorithms a key was parsed for, in [`JwkAlgorithm::ALL`] order.
fn algorithms(key: &VerificationKey) -> Vec<JwkAlgorithm> {
    key.parsed.iter().map(|(alg, _)| *alg).collect()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `key`'s JWK with `edit` applied.
fn edited(key: &dyn SigningKey, edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut jwk = key.jwk();
    edit(jwk.as_object_mut().unwrap());
    jwk
}

/// The shared RSA test key's JWK, with `edit` applied.
fn jwk(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    edited(TestKey::shared(0), edit)
}

fn es256(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    edited(EcKey::shared("ES256"), edit)
}

fn ed25519(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
    edited(EdKey::shared(), edit)
}

fn set(name: &str, value: Value) -> impl FnOnce(&mut Map<String, Value>) {
    let name = name.to_owned();
    move |k| drop(k.insert(name, value))
}

fn remove(name: &str) -> impl FnOnce(&mut Map<String, Value>) {
    let name = name.to_owned();
    move |k| drop(k.remove(&name))
}

/// Every rule shared by all key types, at its edges: each case names the rule it breaks.
#[test]
fn each_common_rule_refuses_at_its_edge() {
    let refused: Vec<(&str, Value, &str)> = vec![
        ("not an object", json!("key"), "entry is not a JSON object"),
        ("no kid", jwk(remove("kid")), "kid is missing"),
        ("empty kid", jwk(set("kid", json!(""))), "kid is missing"),
        (
            "kid of 257",
            jwk(set("kid", json!("k".repeat(257)))),
            "kid is missing",
        ),
        ("kid a number", jwk(set("kid", json!(7))), "kid is missing"),
        ("no kty", jwk(remove("kty")), "kty is not RSA, EC or OKP"),
        (
            "kty oct",
            jwk(set("kty", json!("oct"))),
            "kty is not RSA, EC or OKP",
        ),
        (
            "kty lower case",
            jwk(set("kty", json!("rsa"))),
            "kty is not RSA, EC or OKP",
        ),
        ("kty a number", jwk(set("kty", json!(1))), "wrong JSON type"),
        (
            "encryption key",
            jwk(set("use", json!("enc"))),
            "use is not sig",
        ),
        (
            "EC encryption key",
            es256(set("use", json!("enc"))),
            "use is not sig",
        ),
        ("use a number", jwk(set("use", json!(1))), "wrong JSON type"),
        (
            "key_ops without verify",
            jwk(set("key_ops", json!(["sign"]))),
            "key_ops",
        ),
        ("key_ops empty", jwk(set("key_ops", json!([]))), "key_ops"),
        (
            "key_ops a string",
            jwk(set("key_ops", json!("verify"))),
            "key_ops",
        ),
        (
            "Ed25519 key_ops",
            ed25519(set("key_ops", json!(["sign"]))),
            "key_ops",
        ),
        (
            "HMAC alg",
            jwk(set("alg", json!("HS256"))),
            "alg is not a supported",
        ),
        (
            "alg none",
            es256(set("alg", json!("none"))),
            "alg is not a supported",
        ),
        (
            "alg a number",
            jwk(set("alg", json!(256))),
            "wrong JSON type",
        ),
        (
            "RSA private key",
            jwk(set("d", json!("AQAB"))),
            "private key",
        ),
        (
            "EC private key",
            es256(set("d", json!("AQAB"))),
            "private key",
        ),
        (
            "OKP private key",
            ed25519(set("d", json!("AQAB"))),
            "private key",
        ),
    ];
    for (case, entry, says) in refused {
        let problem = parse_key(&entry, &JwkAlgorithm::ALL)
            .err()
            .unwrap_or_else(|| panic!("{case}: accepted"));
        assert!(problem.contains(says), "{case}: {problem}");
    }
    let accepted: Vec<(&str, Value)> = vec![
        (
            "key_ops with verify",
            jwk(set("key_ops", json!(["sign", "verify"]))),
        ),
        ("kid of 256", jwk(set("kid", json!("k".repeat(256))))),
        ("no use", jwk(remove("use"))),
        (
            "EC key_ops with verify",
            es256(set("key_ops", json!(["verify"]))),
        ),
        ("OKP without use", ed25519(remove("use"))),
    ];
    for (case, entry) in accepted {
        assert!(parse_key(&entry, &JwkAlgorithm::ALL).is_ok(), "{case}");
    }
}

/// RSA keys: modulus and exponent bounds, as before other key types existed.
#[test]
fn each_rsa_rule_refuses_at_its_edge() {
    let n = |bits: usize| {
        // A modulus of exactly `bits` bits: top bit set, odd.
        let mut bytes = vec![0xff_u8; bits.div_ceil(8)];
        let spare = bytes.len() * 8 - bits;
        bytes[0] >>= spare;
        Value::String(b64(&bytes))
    };
    let refused: Vec<(&str, Value, &str)> = vec![
        ("no n", jwk(remove("n")), "n is missing"),
        (
            "n not base64url",
            jwk(set("n", json!("a+b/"))),
            "n is not base64url",
        ),
        ("no e", jwk(remove("e")), "e is missing"),
        (
            "2047-bit modulus",
            jwk(set("n", n(2047))),
            "shorter than 2048 or longer than 8192 bits",
        ),
        (
            "8193-bit modulus",
            jwk(set("n", n(8193))),
            "shorter than 2048 or longer than 8192 bits",
        ),
        ("e = 1", jwk(set("e", json!(b64(&[1])))), "exponent"),
        ("even e", jwk(set("e", json!(b64(&[1, 0, 0])))), "exponent"),
        ("empty e", jwk(set("e", json!(b64(&[0])))), "exponent"),
        (
            "e of 5 bytes",
            jwk(set("e", json!(b64(&[1, 0, 0, 0, 1])))),
            "exponent",
        ),
        (
            "crv on an RSA key",
            jwk(set("crv", json!("P-256"))),
            "an RSA key has a crv",
        ),
        (
            "RSA key declared ES256",
            jwk(set("alg", json!("ES256"))),
            "alg does not fit",
        ),
        (
            "RSA key declared EdDSA",
            jwk(set("alg", json!("EdDSA"))),
            "alg does not fit",
        ),
    ];
    for (case, entry, says) in refused {
        let problem = parse_key(&entry, &JwkAlgorithm::ALL)
            .err()
            .unwrap_or_else(|| panic!("{case}: accepted"));
        assert!(problem.contains(says), "{case}: {problem}");
    }
    // The bounds themselves are inside: 2048 and 8192 bits pass the size rule (the crypto
    // library may still refuse a made-up modulus, for its own reason).
    for bits in [2048, 8192] {
        let result = parse_key(&jwk(set("n", n(bits))), &[JwkAlgorithm::RS256]);
        assert!(
            !matches!(result, Err(problem) if problem.contains("2048 bits") || problem.contains("8192 bits")),
            "{bits} bits"
        );
    }
    for (case, entry) in [
        ("e = 3", jwk(set("e", json!(b64(&[3]))))),
        ("e of 4 bytes", jwk(set("e", json!(b64(&[1, 0, 0, 1]))))),
        ("declared PS256", jwk(set("alg", json!("PS256")))),
    ] {
        assert!(parse_key(&entry, &JwkAlgorithm::ALL).is_ok(), "{case}");
    }
}

/// EC keys: the curve, exact coordinate sizes, the point on the curve, `alg` and `crv`
/// agreeing.
#[test]
fn each_ec_rule_refuses_at_its_edge() {
    let (x, y) = EcKey::shared("ES256").coordinates();
    let mut off_curve = y.clone();
    off_curve[31] ^= 1;
    let (x384, y384) = EcKey::shared("ES384").coordinates();
    let mut x33 = vec![0];
    x33.extend_from_slice(&x);
    let refused: Vec<(&str, Value, &str)> = vec![
        ("no crv", es256(remove("crv")), "crv is not P-256"),
        (
            "crv secp256k1",
            es256(set("crv", json!("secp256k1"))),
            "crv is not P-256",
        ),
        (
            "crv Ed25519",
            es256(set("crv", json!("Ed25519"))),
            "crv is not P-256",
        ),
        (
            "crv lower case",
            es256(set("crv", json!("p-256"))),
            "crv is not P-256",
        ),
        (
            "crv a number",
            es256(set("crv", json!(256))),
            "wrong JSON type",
        ),
        ("no x", es256(remove("x")), "x or y is missing"),
        ("no y", es256(remove("y")), "x or y is missing"),
        (
            "x not base64url",
            es256(set("x", json!("a+b/"))),
            "not base64url",
        ),
        (
            "x of 31 bytes",
            es256(set("x", json!(b64(&x[1..])))),
            "coordinate size",
        ),
        (
            "x of 33 bytes",
            es256(set("x", json!(b64(&x33)))),
            "coordinate size",
        ),
        (
            "y of 31 bytes",
            es256(set("y", json!(b64(&y[1..])))),
            "coordinate size",
        ),
        (
            "point off the curve",
            es256(set("y", json!(b64(&off_curve)))),
            "not a point",
        ),
        (
            "x = y = 0",
            es256(|k| {
                k.insert("x".into(), json!(b64(&[0; 32])));
                k.insert("y".into(), json!(b64(&[0; 32])));
            }),
            "not a point",
        ),
        // A P-384 point labelled P-256: wrong sizes for the curve.
        (
            "P-384 point as P-256",
            es256(|k| {
                k.insert("x".into(), json!(b64(&x384)));
                k.insert("y".into(), json!(b64(&y384)));
            }),
            "coordinate size",
        ),
        // A P-256 point labelled P-384 (alg and crv agreeing): wrong sizes too.
        (
            "P-256 point as P-384",
            es256(|k| {
                k.insert("crv".into(), json!("P-384"));
                k.insert("alg".into(), json!("ES384"));
            }),
            "coordinate size",
        ),
        (
            "crv P-256 with alg ES384",
            es256(set("alg", json!("ES384"))),
            "alg does not fit",
        ),
        (
            "crv P-256 with alg RS256",
            es256(set("alg", json!("RS256"))),
            "alg does not fit",
        ),
        (
            "crv P-256 with alg EdDSA",
            es256(set("alg", json!("EdDSA"))),
            "alg does not fit",
        ),
    ];
    for (case, entry, says) in refused {
        let problem = parse_key(&entry, &JwkAlgorithm::ALL)
            .err()
            .unwrap_or_else(|| panic!("{case}: accepted"));
        assert!(problem.contains(says), "{case}: {problem}");
    }
    // JOSE fixes the signature length: `r || s`, each the curve's size (RFC 7518 §3.4).
    for (alg, signature_len) in [("ES256", 64), ("ES384", 96), ("ES512", 132)] {
        let key = parse_key(&EcKey::shared(alg).jwk(), &JwkAlgorithm::ALL).unwrap();
        assert_eq!(
            algorithms(&key),
            vec![JwkAlgorithm::from_name(alg).unwrap()],
            "{alg}"
        );
        assert_eq!(key.signature_len, signature_len, "{alg}");
    }
}

/// OKP keys: Ed25519 only, a 32-byte `x`, no `y`, no point of small order.
#[test]
fn each_okp_rule_refuses_at_its_edge() {
    let x = EdKey::shared().public_key();
    let small = |hex_le: &str| {
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex_le[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        ed25519(set("x", json!(b64(&bytes))))
    };
    let refused: Vec<(&str, Value, &str)> = vec![
        ("no crv", ed25519(remove("crv")), "crv is not Ed25519"),
        (
            "crv Ed448",
            ed25519(set("crv", json!("Ed448"))),
            "crv is not Ed25519",
        ),
        (
            "crv X25519",
            ed25519(set("crv", json!("X25519"))),
            "crv is not Ed25519",
        ),
        (
            "crv P-256",
            ed25519(set("crv", json!("P-256"))),
            "crv is not Ed25519",
        ),
        ("no x", ed25519(remove("x")), "x or y is missing"),
        (
            "x of 31 bytes",
            ed25519(set("x", json!(b64(&x[1..])))),
            "coordinate size",
        ),
        (
            "x of 57 bytes (Ed448)",
            ed25519(set("x", json!(b64(&[7; 57])))),
            "coordinate size",
        ),
        (
            "a y",
            ed25519(set("y", json!(b64(&x)))),
            "an OKP key has a y",
        ),
        (
            "alg ES256",
            ed25519(set("alg", json!("ES256"))),
            "alg does not fit",
        ),
        (
            "alg RS256",
            ed25519(set("alg", json!("RS256"))),
            "alg does not fit",
        ),
        (
            "identity (order 1)",
            small("0100000000000000000000000000000000000000000000000000000000000000"),
            "small order",
        ),
        (
            "identity, x sign bit set",
            small("0100000000000000000000000000000000000000000000000000000000000080"),
            "small order",
        ),
        (
            "order 2 (y = p - 1)",
            small("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            "small order",
        ),
        (
            "order 4 (y = 0)",
            small("0000000000000000000000000000000000000000000000000000000000000000"),
            "small order",
        ),
        (
            "order 4, non-canonical y = p",
            small("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            "small order",
        ),
        (
            "order 1, non-canonical y = p + 1",
            small("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            "small order",
        ),
        (
            "order 8",
            small("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
            "small order",
        ),
        (
            "order 8, negated",
            small("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            "small order",
        ),
        (
            "order 8, negated, sign bit",
            small("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
            "small order",
        ),
    ];
    for (case, entry, says) in refused {
        let problem = parse_key(&entry, &JwkAlgorithm::ALL)
            .err()
            .unwrap_or_else(|| panic!("{case}: accepted"));
        assert!(problem.contains(says), "{case}: {problem}");
    }
    let key = parse_key(&EdKey::shared().jwk(), &JwkAlgorithm::ALL).unwrap();
    assert_eq!(algorithms(&key), vec![JwkAlgorithm::EdDSA]);
    assert_eq!(key.signature_len, 64, "Ed25519 signatures are 64 bytes");
    assert!(parse_key(&ed25519(remove("alg")), &JwkAlgorithm::ALL).is_ok());
}

/// The algorithms a key was parsed for, or why it was refused.
type Parsed = Result<Vec<JwkAlgorithm>, &'static str>;

/// A key is parsed for exactly the allowed algorithms its shape (and declared alg) fits.
#[test]
fn a_key_is_parsed_for_the_allowed_algorithms_of_its_shape_only() {
    use JwkAlgorithm::*;
    let rsa_no_alg = jwk(remove("alg"));
    let ec_no_alg = es256(remove("alg"));
    let cases: Vec<(&str, &Value, Vec<JwkAlgorithm>, Parsed)> = vec![
        (
            "RSA without alg, all allowed",
            &rsa_no_alg,
            JwkAlgorithm::ALL.to_vec(),
            Ok(vec![RS256, RS384, RS512, PS256, PS384, PS512]),
        ),
        (
            "RSA without alg, RS256 and ES256",
            &rsa_no_alg,
            vec![ES256, RS256],
            Ok(vec![RS256]),
        ),
        (
            "RSA without alg, EC only allowed",
            &rsa_no_alg,
            vec![ES256, ES384, ES512, EdDSA],
            Err("no algorithm allowed"),
        ),
        (
            "EC without alg, all allowed",
            &ec_no_alg,
            JwkAlgorithm::ALL.to_vec(),
            Ok(vec![ES256]),
        ),
        (
            "EC P-256 without alg, ES384 allowed",
            &ec_no_alg,
            vec![ES384],
            Err("no algorithm allowed"),
        ),
        (
            "EC P-256 without alg, RS256 allowed",
            &ec_no_alg,
            vec![RS256],
            Err("no algorithm allowed"),
        ),
    ];
    for (case, entry, allowed, expected) in cases {
        let got = parse_key(entry, &allowed).map(|key| algorithms(&key));
        match (got, expected) {
            (Ok(got), Ok(expected)) => assert_eq!(got, expected, "{case}"),
            (Err(problem), Err(says)) => assert!(problem.contains(says), "{case}: {problem}"),
            (got, expected) => panic!("{case}: got {got:?}, expected {expected:?}"),
        }
    }
    // The JWK's own alg narrows further.
    let rs512 = jwk(set("alg", json!("RS512")));
    assert!(parse_key(&rs512, &[RS256]).is_err());
    assert_eq!(
        algorithms(&parse_key(&rs512, &JwkAlgorithm::ALL).unwrap()),
        vec![RS512]
    );
}

/// A key's `Debug` (what a log line or a panic would show) says what the key is, never its
/// key material.
#[test]
fn a_key_debugs_as_its_algorithm_and_shape_only() {
    let rsa = TestKey::shared(0).jwk();
    let ec = EcKey::shared("ES384").jwk();
    let ed = EdKey::shared().jwk();
    let cases = [
        (
            &rsa,
            "VerificationKey { declared_alg: Some(RS256), shape: Rsa, modulus_bits: 2048, .. }",
            &rsa["n"],
        ),
        (
            &ec,
            "VerificationKey { declared_alg: Some(ES384), shape: Ec(\"P-384\"), .. }",
            &ec["x"],
        ),
        (
            &ed,
            "VerificationKey { declared_alg: Some(EdDSA), shape: Okp(\"Ed25519\"), .. }",
            &ed["x"],
        ),
    ];
    for (jwk, expected, material) in cases {
        let shown = format!("{:?}", parse_key(jwk, &JwkAlgorithm::ALL).unwrap());
        assert_eq!(shown, expected);
        assert!(!shown.contains(&material.as_str().unwrap()[..16]));
    }
}
