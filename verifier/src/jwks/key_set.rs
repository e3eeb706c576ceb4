//! The JSON Web Key Set document: parsed once into keys ready to verify signatures with, so no
//! modulus is decoded again per token. Keys that are malformed, too weak or not RSA signing keys
//! are skipped (and logged), so one bad entry cannot take the others down.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::algorithm::JwkAlgorithm;

/// Largest JWKS body accepted, in bytes. Cognito's is about 1 KiB.
pub const MAX_JWKS_BYTES: usize = 150 * 1024;

/// Weakest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Strongest RSA modulus accepted, in bits (the verification library's own upper bound).
pub const MAX_RSA_BITS: usize = 8192;

/// One key from the JWKS, parsed for each algorithm it may be used with.
pub struct VerificationKey {
    /// The JWK's own `alg`, when it names one: a token must then use exactly that algorithm.
    pub declared_alg: Option<JwkAlgorithm>,
    /// The RSA modulus size.
    pub modulus_bits: usize,
    parsed: Vec<(JwkAlgorithm, ParsedPublicKey)>,
}

impl VerificationKey {
    /// Checks `signature` over `message` with this key and `alg`. An algorithm the key was not
    /// parsed for (not allowed, or not the key's declared `alg`) never verifies.
    pub fn verify(&self, alg: JwkAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        self.parsed
            .iter()
            .find(|(a, _)| *a == alg)
            .is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok())
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("declared_alg", &self.declared_alg)
            .field("modulus_bits", &self.modulus_bits)
            .finish_non_exhaustive()
    }
}

/// A pool's usable keys by `kid`.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    keys: HashMap<String, Arc<VerificationKey>>,
}

impl KeySet {
    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Arc<VerificationKey>> {
        self.keys.get(kid)
    }

    /// How many usable keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key IDs, sorted, for logs and tests.
    pub fn kids(&self) -> Vec<&str> {
        let mut kids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        kids
    }
}

/// Why a JWKS document as a whole was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("JWKS is larger than {MAX_JWKS_BYTES} bytes")]
    /// The document is larger than [`MAX_JWKS_BYTES`].
    TooLarge,
    #[error("JWKS is not a JSON object with a \"keys\" array")]
    /// The document is not a JSON object with a `keys` array.
    NotAKeySet,
}

/// Parses a JWKS body. Keys usable with any of `allowed` are kept; every other entry is skipped
/// with a warning naming its position and `kid` (never key material).
pub fn parse_jwks(body: &[u8], allowed: &[JwkAlgorithm]) -> Result<KeySet, JwksError> {
    if body.len() > MAX_JWKS_BYTES {
        return Err(JwksError::TooLarge);
    }
    let document = crate::strict_json::parse_object(body).ok_or(JwksError::NotAKeySet)?;
    let Some(Value::Array(entries)) = document.get("keys") else {
        return Err(JwksError::NotAKeySet);
    };

    let mut keys: HashMap<String, Arc<VerificationKey>> = HashMap::new();
    let mut duplicated: Vec<String> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let kid = entry.get("kid").and_then(Value::as_str).unwrap_or("");
        match parse_key(entry, allowed) {
            Ok(key) => {
                if keys.insert(kid.to_owned(), Arc::new(key)).is_some() {
                    duplicated.push(kid.to_owned());
                }
            }
            Err(problem) => {
                tracing::warn!(index, kid = %kid.escape_debug(), problem, "skipping JWKS key");
            }
        }
    }
    // Two keys under one kid: a token naming it could mean either, so neither is trusted.
    for kid in duplicated {
        tracing::warn!(kid = %kid.escape_debug(), problem = "duplicate kid", "skipping JWKS key");
        keys.remove(&kid);
    }
    Ok(KeySet { keys })
}

fn parse_key(entry: &Value, allowed: &[JwkAlgorithm]) -> Result<VerificationKey, &'static str> {
    let Value::Object(jwk) = entry else {
        return Err("entry is not a JSON object");
    };
    match jwk.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= 256 => {}
        _ => return Err("kid is missing, empty, too long or not a string"),
    }
    if string_member(jwk, "kty")? != Some("RSA") {
        return Err("kty is not RSA");
    }
    if let Some(usage) = string_member(jwk, "use")?
        && usage != "sig"
    {
        return Err("use is not sig");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Err("key_ops does not include verify");
        }
    }
    let declared_alg = match string_member(jwk, "alg")? {
        None => None,
        Some(name) => {
            Some(JwkAlgorithm::from_name(name).ok_or("alg is not an RSA PKCS#1 algorithm")?)
        }
    };

    let n = decode_unsigned(string_member(jwk, "n")?.ok_or("n is missing")?)
        .ok_or("n is not base64url")?;
    let e = decode_unsigned(string_member(jwk, "e")?.ok_or("e is missing")?)
        .ok_or("e is not base64url")?;
    let modulus_bits = bit_length(&n);
    if modulus_bits < MIN_RSA_BITS {
        return Err("modulus is shorter than 2048 bits");
    }
    if modulus_bits > MAX_RSA_BITS {
        return Err("modulus is longer than 8192 bits");
    }
    // e = 1 makes "verification" the identity function; e must be odd and at least 3.
    if e.is_empty() || e.len() > 4 || e.last().is_some_and(|b| b % 2 == 0) || e == [1] {
        return Err("exponent is not an odd number from 3 to 2^32");
    }

    let usable: Vec<JwkAlgorithm> = allowed
        .iter()
        .copied()
        .filter(|alg| declared_alg.is_none_or(|declared| declared == *alg))
        .collect();
    if usable.is_empty() {
        return Err("alg is not allowed by configuration");
    }
    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed = usable
        .into_iter()
        .map(|alg| {
            components
                .to_parsed_public_key(alg.parameters())
                .map(|key| (alg, key))
                .map_err(|_| "RSA components were rejected by the crypto library")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerificationKey {
        declared_alg,
        modulus_bits,
        parsed,
    })
}

/// A member that must be a string when present. A present member of another type is an error,
/// never treated as absent.
fn string_member<'a>(
    jwk: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, &'static str> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err("a member has the wrong JSON type"),
    }
}

/// Decodes a base64url big-endian unsigned integer, dropping leading zero bytes.
fn decode_unsigned(b64: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    Some(bytes[first..].to_vec())
}

fn bit_length(big_endian: &[u8]) -> usize {
    match big_endian.first() {
        None => 0,
        Some(top) => big_endian.len() * 8 - top.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The shared test key's JWK, with `edit` applied.
    fn jwk(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut jwk = testkit::TestKey::shared(0).jwk();
        edit(jwk.as_object_mut().unwrap());
        jwk
    }

    /// Every rule of a usable key, at its edges: each case names the rule it breaks.
    #[test]
    fn each_key_rule_refuses_at_its_edge() {
        let n = |bits: usize| {
            // A modulus of exactly `bits` bits: top bit set, odd.
            let mut bytes = vec![0xff_u8; bits.div_ceil(8)];
            let spare = bytes.len() * 8 - bits;
            bytes[0] >>= spare;
            Value::String(b64(&bytes))
        };
        let refused: Vec<(&str, Value, &str)> = vec![
            ("not an object", json!("key"), "entry is not a JSON object"),
            ("no kid", jwk(|k| drop(k.remove("kid"))), "kid is missing"),
            (
                "empty kid",
                jwk(|k| drop(k.insert("kid".into(), json!("")))),
                "kid is missing",
            ),
            (
                "kid of 257",
                jwk(|k| drop(k.insert("kid".into(), json!("k".repeat(257))))),
                "kid is missing",
            ),
            (
                "kid a number",
                jwk(|k| drop(k.insert("kid".into(), json!(7)))),
                "kid is missing",
            ),
            (
                "EC key",
                jwk(|k| drop(k.insert("kty".into(), json!("EC")))),
                "kty is not RSA",
            ),
            (
                "encryption key",
                jwk(|k| drop(k.insert("use".into(), json!("enc")))),
                "use is not sig",
            ),
            (
                "use a number",
                jwk(|k| drop(k.insert("use".into(), json!(1)))),
                "wrong JSON type",
            ),
            (
                "key_ops without verify",
                jwk(|k| drop(k.insert("key_ops".into(), json!(["sign"])))),
                "key_ops",
            ),
            (
                "key_ops empty",
                jwk(|k| drop(k.insert("key_ops".into(), json!([])))),
                "key_ops",
            ),
            (
                "key_ops a string",
                jwk(|k| drop(k.insert("key_ops".into(), json!("verify")))),
                "key_ops",
            ),
            (
                "HMAC alg",
                jwk(|k| drop(k.insert("alg".into(), json!("HS256")))),
                "alg is not",
            ),
            ("no n", jwk(|k| drop(k.remove("n"))), "n is missing"),
            (
                "n not base64url",
                jwk(|k| drop(k.insert("n".into(), json!("a+b/")))),
                "n is not base64url",
            ),
            ("no e", jwk(|k| drop(k.remove("e"))), "e is missing"),
            (
                "2047-bit modulus",
                jwk(|k| drop(k.insert("n".into(), n(2047)))),
                "shorter than 2048",
            ),
            (
                "8193-bit modulus",
                jwk(|k| drop(k.insert("n".into(), n(8193)))),
                "longer than 8192",
            ),
            (
                "e = 1",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[1]))))),
                "exponent",
            ),
            (
                "even e",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[1, 0, 0]))))),
                "exponent",
            ),
            (
                "empty e",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[0]))))),
                "exponent",
            ),
            (
                "e of 5 bytes",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[1, 0, 0, 0, 1]))))),
                "exponent",
            ),
        ];
        // The bounds themselves are inside: 2048 and 8192 bits pass the size rule (the crypto
        // library may still refuse a made-up modulus, for its own reason).
        for bits in [2048, 8192] {
            let result = parse_key(
                &jwk(|k| drop(k.insert("n".into(), n(bits)))),
                &[JwkAlgorithm::RS256],
            );
            assert!(
                !matches!(result, Err(problem) if problem.contains("2048 bits") || problem.contains("8192 bits")),
                "{bits} bits"
            );
        }
        for (case, entry, says) in refused {
            let problem = parse_key(&entry, &[JwkAlgorithm::RS256]).unwrap_err();
            assert!(problem.contains(says), "{case}: {problem}");
        }
        // The edges that stay usable: key_ops with verify among others, e = 3 and a 4-byte e,
        // a kid of 256 characters, no `use`, no `alg` (usable with every allowed algorithm).
        let accepted: Vec<(&str, Value)> = vec![
            (
                "key_ops with verify",
                jwk(|k| drop(k.insert("key_ops".into(), json!(["sign", "verify"])))),
            ),
            (
                "kid of 256",
                jwk(|k| drop(k.insert("kid".into(), json!("k".repeat(256))))),
            ),
            ("no use", jwk(|k| drop(k.remove("use")))),
            (
                "e = 3",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[3]))))),
            ),
            (
                "e of 4 bytes",
                jwk(|k| drop(k.insert("e".into(), json!(b64(&[1, 0, 0, 1]))))),
            ),
        ];
        for (case, entry) in accepted {
            assert!(parse_key(&entry, &[JwkAlgorithm::RS256]).is_ok(), "{case}");
        }
        let no_alg = parse_key(
            &jwk(|k| drop(k.remove("alg"))),
            &[JwkAlgorithm::RS256, JwkAlgorithm::RS512],
        )
        .unwrap();
        assert_eq!(no_alg.declared_alg, None);
        assert_eq!(
            no_alg.parsed.len(),
            2,
            "one parsed key per allowed algorithm"
        );
        // An algorithm the configuration does not allow leaves the key unusable.
        let rs512 = jwk(|k| drop(k.insert("alg".into(), json!("RS512"))));
        assert!(parse_key(&rs512, &[JwkAlgorithm::RS256]).is_err());
    }

    #[test]
    fn a_document_of_exactly_the_limit_is_read_one_byte_more_is_not() {
        let padded = |size: usize| {
            let empty = r#"{"keys":[],"pad":""}"#;
            let mut body = String::from(r#"{"keys":[],"pad":""#);
            body.push_str(&"x".repeat(size - empty.len()));
            body.push_str(r#""}"#);
            assert_eq!(body.len(), size);
            body
        };
        let at_limit = parse_jwks(padded(MAX_JWKS_BYTES).as_bytes(), &[JwkAlgorithm::RS256]);
        assert!(at_limit.is_ok_and(|keys| keys.is_empty()));
        assert_eq!(
            parse_jwks(
                padded(MAX_JWKS_BYTES + 1).as_bytes(),
                &[JwkAlgorithm::RS256]
            )
            .unwrap_err(),
            JwksError::TooLarge
        );
    }

    #[test]
    fn a_set_counts_and_names_its_usable_keys() {
        let second = jwk(|k| drop(k.insert("kid".into(), json!("b-key"))));
        let broken = jwk(|k| drop(k.insert("kty".into(), json!("EC"))));
        let body = json!({ "keys": [jwk(|_| {}), second, broken] }).to_string();
        let keys = parse_jwks(body.as_bytes(), &[JwkAlgorithm::RS256]).unwrap();
        let first_kid = &testkit::TestKey::shared(0).kid;
        let mut expected = vec!["b-key", first_kid.as_str()];
        expected.sort_unstable();
        assert_eq!(keys.kids(), expected);
        assert_eq!((keys.len(), keys.is_empty()), (2, false));
        let empty = parse_jwks(br#"{"keys":[]}"#, &[JwkAlgorithm::RS256]).unwrap();
        assert_eq!(
            (empty.len(), empty.is_empty(), empty.kids().len()),
            (0, true, 0)
        );
    }

    /// A key's `Debug` (what a log line or a panic would show) says what the key is, never its
    /// modulus.
    #[test]
    fn a_key_debugs_as_its_algorithm_and_size_only() {
        let jwk = testkit::TestKey::shared(0).jwk();
        let keys = parse_jwks(
            serde_json::json!({ "keys": [jwk] }).to_string().as_bytes(),
            &[JwkAlgorithm::RS256],
        )
        .unwrap();
        let key = keys.get(jwk["kid"].as_str().unwrap()).unwrap();
        let shown = format!("{key:?}");
        assert_eq!(
            shown,
            "VerificationKey { declared_alg: Some(RS256), modulus_bits: 2048, .. }"
        );
        assert!(!shown.contains(&jwk["n"].as_str().unwrap()[..16]));
    }
}
