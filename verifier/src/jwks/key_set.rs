//! The JSON Web Key Set document: parsed once into keys ready to verify signatures with, so no
//! key is decoded again per token. Keys that are malformed, too weak, not signing keys or fit
//! no allowed algorithm are skipped (and logged; the rules per key are in [`super::jwk`]), so
//! one bad entry cannot take the others down.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::jwk::{VerificationKey, parse_key};
use crate::algorithm::JwkAlgorithm;

/// Largest JWKS body accepted, in bytes. Cognito's is about 1 KiB.
pub const MAX_JWKS_BYTES: usize = 150 * 1024;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    /// The shared test key's JWK, with `edit` applied.
    fn jwk(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut jwk = testkit::TestKey::shared(0).jwk();
        edit(jwk.as_object_mut().unwrap());
        jwk
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
        assert_eq!((keys.keys.len(), keys.is_empty()), (2, false));
        let empty = parse_jwks(br#"{"keys":[]}"#, &[JwkAlgorithm::RS256]).unwrap();
        assert_eq!(
            (empty.keys.len(), empty.is_empty(), empty.kids().len()),
            (0, true, 0)
        );
    }
}
