//! ECDSA (P-256, P-384, P-521) and Ed25519 test keys, beside the RSA [`crate::TestKey`].
//!
//! They protect nothing. `generate` and `shared` make fresh random keys; `fixed` reads one
//! committed key per curve from `testkit/keys/` for inputs that must verify in every run (the
//! fuzzers' seeds). Ed25519 signatures are deterministic; ECDSA ones are not (aws-lc-rs draws a
//! random nonce), but any of them verifies with the committed key.

use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _,
};
use serde_json::{Value, json};

use crate::keys::{SigningKey, b64url};

/// An ECDSA key for one of ES256 (P-256), ES384 (P-384) or ES512 (P-521).
pub struct EcKey {
    /// The key ID its JWK and tokens carry.
    pub kid: String,
    /// `ES256`, `ES384` or `ES512`.
    pub alg: &'static str,
    /// Signs JOSE's `r || s`.
    fixed: EcdsaKeyPair,
    /// The same private key, signing DER (`SEQUENCE { r, s }`): what a JOSE signature must not be.
    der: EcdsaKeyPair,
}

struct Curve {
    alg: &'static str,
    crv: &'static str,
    fixed: &'static EcdsaSigningAlgorithm,
    der: &'static EcdsaSigningAlgorithm,
    verify: &'static signature::EcdsaVerificationAlgorithm,
    committed: &'static [u8],
}

const CURVES: [Curve; 3] = [
    Curve {
        alg: "ES256",
        crv: "P-256",
        fixed: &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        der: &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        verify: &signature::ECDSA_P256_SHA256_FIXED,
        committed: include_bytes!("../keys/fixed-ec-p256.pk8"),
    },
    Curve {
        alg: "ES384",
        crv: "P-384",
        fixed: &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        der: &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        verify: &signature::ECDSA_P384_SHA384_FIXED,
        committed: include_bytes!("../keys/fixed-ec-p384.pk8"),
    },
    Curve {
        alg: "ES512",
        crv: "P-521",
        fixed: &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        der: &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        verify: &signature::ECDSA_P521_SHA512_FIXED,
        committed: include_bytes!("../keys/fixed-ec-p521.pk8"),
    },
];

fn curve(alg: &str) -> &'static Curve {
    CURVES
        .iter()
        .find(|c| c.alg == alg)
        .unwrap_or_else(|| panic!("no ECDSA curve for {alg:?}: use ES256, ES384 or ES512"))
}

impl EcKey {
    /// A fresh key for `alg` (`ES256`, `ES384` or `ES512`).
    pub fn generate(kid: &str, alg: &str) -> EcKey {
        let c = curve(alg);
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(c.fixed, &SystemRandom::new())
            .expect("ECDSA key generation");
        EcKey::from_pkcs8(kid, c, pkcs8.as_ref())
    }

    /// The committed key for `alg` (`testkit/keys/fixed-ec-p*.pk8`), with the `kid` given.
    pub fn fixed(kid: &str, alg: &str) -> EcKey {
        let c = curve(alg);
        EcKey::from_pkcs8(kid, c, c.committed)
    }

    /// One process-wide key per algorithm, generated once, with `kid` `test-<alg>` in lower case.
    pub fn shared(alg: &str) -> &'static EcKey {
        static KEYS: [OnceLock<EcKey>; 3] = [const { OnceLock::new() }; 3];
        let index = CURVES.iter().position(|c| c.alg == curve(alg).alg).unwrap();
        KEYS[index].get_or_init(|| EcKey::generate(&format!("test-{}", alg.to_lowercase()), alg))
    }

    fn from_pkcs8(kid: &str, c: &'static Curve, pkcs8: &[u8]) -> EcKey {
        EcKey {
            kid: kid.to_owned(),
            alg: c.alg,
            fixed: EcdsaKeyPair::from_pkcs8(c.fixed, pkcs8).expect("ECDSA PKCS#8"),
            der: EcdsaKeyPair::from_pkcs8(c.der, pkcs8).expect("ECDSA PKCS#8"),
        }
    }

    /// The JWK `crv`: `P-256`, `P-384` or `P-521`.
    pub fn crv(&self) -> &'static str {
        curve(self.alg).crv
    }

    /// The public point's affine coordinates `x` and `y`, big-endian, full size.
    pub fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
        let point = self.fixed.public_key().as_ref();
        assert_eq!(point[0], 0x04, "uncompressed point");
        let size = (point.len() - 1) / 2;
        (point[1..=size].to_vec(), point[1 + size..].to_vec())
    }

    /// A DER-encoded ECDSA signature (`SEQUENCE { INTEGER r, INTEGER s }`) of `message`.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        self.der
            .sign(&SystemRandom::new(), message)
            .expect("ECDSA signing")
            .as_ref()
            .to_vec()
    }
}

impl SigningKey for EcKey {
    fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"alg", "crv", "kid", "kty": "EC", "use": "sig", "x", "y"}`.
    fn jwk(&self) -> Value {
        let (x, y) = self.coordinates();
        json!({"alg": self.alg, "crv": self.crv(), "kid": self.kid, "kty": "EC", "use": "sig", "x": b64url(x), "y": b64url(y)})
    }

    /// JOSE `r || s` with this key's curve and hash, whatever `alg` says.
    fn sign(&self, _alg: &str, message: &[u8]) -> Vec<u8> {
        self.fixed
            .sign(&SystemRandom::new(), message)
            .expect("ECDSA signing")
            .as_ref()
            .to_vec()
    }

    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        let c = curve(self.alg);
        alg == c.alg
            && signature::UnparsedPublicKey::new(c.verify, self.fixed.public_key().as_ref())
                .verify(message, signature)
                .is_ok()
    }
}

/// An Ed25519 key for `EdDSA`.
pub struct EdKey {
    /// The key ID its JWK and tokens carry.
    pub kid: String,
    pair: Ed25519KeyPair,
}

impl EdKey {
    /// A fresh key.
    pub fn generate(kid: &str) -> EdKey {
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("Ed25519 key generation");
        EdKey {
            kid: kid.to_owned(),
            pair: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 PKCS#8"),
        }
    }

    /// The committed key (`testkit/keys/fixed-ed25519.pk8`, PKCS#8 v1 as openssl writes it),
    /// with the `kid` given.
    pub fn fixed(kid: &str) -> EdKey {
        static PKCS8: &[u8] = include_bytes!("../keys/fixed-ed25519.pk8");
        EdKey {
            kid: kid.to_owned(),
            pair: Ed25519KeyPair::from_pkcs8_maybe_unchecked(PKCS8)
                .expect("the committed Ed25519 key"),
        }
    }

    /// One process-wide key, generated once, with `kid` `test-eddsa`.
    pub fn shared() -> &'static EdKey {
        static KEY: OnceLock<EdKey> = OnceLock::new();
        KEY.get_or_init(|| EdKey::generate("test-eddsa"))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

impl SigningKey for EdKey {
    fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"alg": "EdDSA", "crv": "Ed25519", "kid", "kty": "OKP", "use": "sig", "x"}`.
    fn jwk(&self) -> Value {
        json!({"alg": "EdDSA", "crv": "Ed25519", "kid": self.kid, "kty": "OKP", "use": "sig", "x": b64url(self.public_key())})
    }

    /// An Ed25519 signature, whatever `alg` says.
    fn sign(&self, _alg: &str, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }

    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        alg == "EdDSA"
            && signature::UnparsedPublicKey::new(&signature::ED25519, self.public_key())
                .verify(message, signature)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed keys load, sign, and their signatures check with their own JWK's alg only.
    #[test]
    fn committed_keys_sign_and_verify_under_their_own_alg_only() {
        let keys: Vec<(Box<dyn SigningKey>, &str, usize)> = vec![
            (Box::new(EcKey::fixed("p256", "ES256")), "ES256", 64),
            (Box::new(EcKey::fixed("p384", "ES384")), "ES384", 96),
            (Box::new(EcKey::fixed("p521", "ES512")), "ES512", 132),
            (Box::new(EdKey::fixed("ed")), "EdDSA", 64),
        ];
        for (key, alg, len) in keys {
            let signature = key.sign(alg, b"message");
            assert_eq!(signature.len(), len, "{alg}");
            assert!(key.verifies(alg, b"message", &signature), "{alg}");
            assert!(!key.verifies(alg, b"massage", &signature), "{alg}");
            assert!(!key.verifies("RS256", b"message", &signature), "{alg}");
            assert_eq!(key.jwk()["alg"], alg);
        }
    }
}
