//! One JSON Web Key, parsed once into keys ready to verify signatures with. The invariant: a
//! key is parsed only for the allowed algorithms its shape fits (`kty`, `crv`, and the JWK's
//! own `alg` when it names one), so at verification time an algorithm the key was not parsed
//! for simply has no key: an RSA key never checks an ES256 signature, a P-384 key never a
//! P-256 one, an Ed25519 key never an ECDSA one.
//!
//! Rules for every key: a `kid` of 1–256 characters, `use` = `sig` and `key_ops` ∋ `verify`
//! where present, no private member `d` (a published private key lets anyone sign), an `alg`
//! that names a supported algorithm of this key's shape. Per shape:
//! - `RSA`: modulus 2048–8192 bits, odd exponent of at least 3 and at most 4 bytes, no `crv`;
//! - `EC`: `crv` P-256, P-384 or P-521; `x` and `y` exactly the curve's coordinate size
//!   (RFC 7518 §6.2.1.2); the point must be on the curve (aws-lc-rs checks while parsing);
//! - `OKP`: `crv` Ed25519; `x` exactly 32 bytes, no `y`; none of the small-order points
//!   (whose "signatures" can be forged without the private key).
//!
//! JWK members: RFC 7517 §4 and RFC 7518 §6; OKP: RFC 8037 §2.

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::algorithm::{JwkAlgorithm, KeyShape, Verification};
use crate::rejection::Reason::{BadSignature, UnsupportedAlgorithm};
use crate::rejection::{Rejection, refuse};

/// Weakest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Strongest RSA modulus accepted, in bits (the verification library's own upper bound).
pub const MAX_RSA_BITS: usize = 8192;

/// One key from the JWKS, parsed for each algorithm it may be used with.
pub struct VerificationKey {
    /// The JWK's own `alg`, when it names one: a token must then use exactly that algorithm.
    pub declared_alg: Option<JwkAlgorithm>,
    /// The key's `kty` and `crv`.
    pub shape: KeyShape,
    /// The RSA modulus size; `None` for other key types.
    pub modulus_bits: Option<usize>,
    /// The one signature length this key's signatures can have (the modulus length for RSA).
    signature_len: usize,
    parsed: Vec<(JwkAlgorithm, ParsedPublicKey)>,
}

impl VerificationKey {
    /// Checks `signature` over `message` with this key and `alg`. An `alg` other than the
    /// key's declared one, or one the key was not parsed for (wrong key type or curve, or not
    /// allowed), is an algorithm refusal; a signature of the wrong length is refused before the
    /// crypto library sees it.
    pub fn check(
        &self,
        alg: JwkAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Rejection> {
        if self.declared_alg.is_some_and(|declared| declared != alg) {
            return refuse(UnsupportedAlgorithm, "alg differs from the key's alg");
        }
        let Some((_, key)) = self.parsed.iter().find(|(a, _)| *a == alg) else {
            return refuse(
                UnsupportedAlgorithm,
                "alg does not fit the key's kty or crv",
            );
        };
        if signature.len() != self.signature_len {
            return refuse(
                BadSignature,
                "signature length is wrong for the alg and key",
            );
        }
        key.verify_sig(message, signature)
            .map_err(|_| Rejection::new(BadSignature, "signature does not verify"))
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("VerificationKey");
        out.field("declared_alg", &self.declared_alg)
            .field("shape", &self.shape);
        if let Some(bits) = self.modulus_bits {
            out.field("modulus_bits", &bits);
        }
        out.finish_non_exhaustive()
    }
}

/// Parses one JWKS entry for the algorithms in `allowed` it fits. The error says which rule
/// the entry breaks (never any key material).
pub(super) fn parse_key(
    entry: &Value,
    allowed: &[JwkAlgorithm],
) -> Result<VerificationKey, &'static str> {
    let Value::Object(jwk) = entry else {
        return Err("entry is not a JSON object");
    };
    let text = |name| string_member(jwk, name);
    match jwk.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= 256 => {}
        _ => return Err("kid is missing, empty, too long or not a string"),
    }
    if text("use")?.is_some_and(|usage| usage != "sig") {
        return Err("use is not sig");
    }
    // Any other operations, of any type, may be listed beside `verify`.
    let verifies = |ops: &Value| {
        ops.as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify"))
    };
    if jwk.get("key_ops").is_some_and(|ops| !verifies(ops)) {
        return Err("key_ops does not include verify");
    }
    if jwk.contains_key("d") {
        return Err("the JWK holds a private key (d)");
    }
    let declared_alg = text("alg")?
        .map(|name| {
            JwkAlgorithm::from_name(name).ok_or("alg is not a supported signature algorithm")
        })
        .transpose()?;

    // The key's shape and, for a point, the size of a coordinate.
    let (shape, size) = match (text("kty")?, text("crv")?) {
        (Some("RSA"), None) => (KeyShape::Rsa, 0),
        (Some("RSA"), Some(_)) => return Err("an RSA key has a crv"),
        (Some("EC"), Some("P-256")) => (KeyShape::Ec("P-256"), 32),
        (Some("EC"), Some("P-384")) => (KeyShape::Ec("P-384"), 48),
        (Some("EC"), Some("P-521")) => (KeyShape::Ec("P-521"), 66),
        (Some("EC"), _) => return Err("crv is not P-256, P-384 or P-521"),
        (Some("OKP"), Some("Ed25519")) => (KeyShape::Okp("Ed25519"), 32),
        (Some("OKP"), _) => return Err("crv is not Ed25519"),
        _ => return Err("kty is not RSA, EC or OKP"),
    };
    if declared_alg.is_some_and(|declared| declared.key_shape() != shape) {
        return Err("alg does not fit the key's kty or crv");
    }
    let public = match shape {
        KeyShape::Rsa => rsa_public(jwk)?,
        KeyShape::Ec(_) => {
            let (x, y) = (coordinate(jwk, "x", size)?, coordinate(jwk, "y", size)?);
            Public::Point([&[0x04][..], &x, &y].concat())
        }
        KeyShape::Okp(_) => {
            if jwk.contains_key("y") {
                return Err("an OKP key has a y");
            }
            let x = coordinate(jwk, "x", size)?;
            if is_small_order_ed25519(&x) {
                return Err("the Ed25519 key is a point of small order");
            }
            Public::Point(x)
        }
    };
    let parsed = JwkAlgorithm::ALL
        .into_iter()
        .filter(|alg| allowed.contains(alg) && alg.key_shape() == shape)
        .filter(|alg| declared_alg.is_none_or(|declared| declared == *alg))
        .map(|alg| public.parse_for(alg).map(|key| (alg, key)))
        .collect::<Result<Vec<_>, _>>()?;
    if parsed.is_empty() {
        return Err("no algorithm allowed by configuration fits this key");
    }
    // JOSE fixes the signature's length: the modulus's for RSA, two coordinates for a point
    // (ECDSA's `r || s`, Ed25519's `R || S`).
    let (signature_len, modulus_bits) = match &public {
        Public::Rsa { n, bits, .. } => (n.len(), Some(*bits)),
        Public::Point(_) => (2 * size, None),
    };
    Ok(VerificationKey {
        declared_alg,
        shape,
        modulus_bits,
        signature_len,
        parsed,
    })
}

/// A key's public material, checked against its shape's rules but not yet handed to the
/// crypto library.
enum Public {
    /// The modulus (no leading zero byte), its size in bits, and the exponent.
    Rsa { n: Vec<u8>, bits: usize, e: Vec<u8> },
    /// An uncompressed SEC 1 point (`04 || x || y`) or a raw Ed25519 key.
    Point(Vec<u8>),
}

impl Public {
    fn parse_for(&self, alg: JwkAlgorithm) -> Result<ParsedPublicKey, &'static str> {
        match (self, alg.verification()) {
            (Public::Rsa { n, e, .. }, Verification::Rsa(parameters)) => {
                RsaPublicKeyComponents { n, e }
                    .to_parsed_public_key(parameters)
                    .map_err(|_| "RSA components were rejected by the crypto library")
            }
            // aws-lc-rs decodes the point and checks that it is on the algorithm's curve.
            (Public::Point(point), Verification::Point(verification)) => {
                ParsedPublicKey::new(verification, point)
                    .map_err(|_| "the public key is not a point of its curve")
            }
            _ => Err("alg does not fit the key's kty or crv"),
        }
    }
}

fn rsa_public(jwk: &Map<String, Value>) -> Result<Public, &'static str> {
    let n = decode_unsigned(string_member(jwk, "n")?.ok_or("n is missing")?)
        .ok_or("n is not base64url")?;
    let e = decode_unsigned(string_member(jwk, "e")?.ok_or("e is missing")?)
        .ok_or("e is not base64url")?;
    // `n` has no leading zero byte: its length and its top byte give its bit length.
    let bits = n
        .first()
        .map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err("modulus is shorter than 2048 or longer than 8192 bits");
    }
    // e = 1 makes "verification" the identity function; e must be odd and at least 3.
    if e.is_empty() || e.len() > 4 || e.last().is_some_and(|b| b % 2 == 0) || e == [1] {
        return Err("exponent is not an odd number from 3 to 2^32");
    }
    Ok(Public::Rsa { n, bits, e })
}

/// A fixed-size octet string member: base64url of exactly `size` bytes, no more, no fewer
/// (leading zeros included, as RFC 7518 §6.2.1.2 and RFC 8037 §2 require).
fn coordinate(jwk: &Map<String, Value>, name: &str, size: usize) -> Result<Vec<u8>, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(string_member(jwk, name)?.ok_or("x or y is missing")?)
        .map_err(|_| "x or y is not base64url")?;
    if bytes.len() != size {
        return Err("x or y is not the curve's coordinate size");
    }
    Ok(bytes)
}

/// Whether an encoded Ed25519 point has order 1, 2, 4 or 8. With such a public key, a
/// signature with a small-order `R` and `S` = 0 verifies for one message in eight, so a JWKS
/// publishing one would let anyone forge tokens. The points' `y` are 0, 1, p − 1 and the two
/// order-8 values, plus the non-canonical encodings p and p + 1; the sign bit of `x` (the top
/// bit) does not matter. (The list is libsodium's `ge25519_has_small_order`.)
fn is_small_order_ed25519(encoded: &[u8]) -> bool {
    // The `y` encodings (little-endian, sign bit clear), in hex.
    const SMALL_ORDER_YS: [&str; 7] = [
        "0000000000000000000000000000000000000000000000000000000000000000", // 0
        "0100000000000000000000000000000000000000000000000000000000000000", // 1
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8, negated
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p − 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p ≡ 0, non-canonical
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 ≡ 1, non-canonical
    ];
    let mut y = encoded.to_vec();
    y[31] &= 0x7f;
    let y: String = y.iter().map(|byte| format!("{byte:02x}")).collect();
    SMALL_ORDER_YS.contains(&y.as_str())
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

#[cfg(test)]
mod tests;
