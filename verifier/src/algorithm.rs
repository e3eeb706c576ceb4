//! The signature algorithms a token may name: a leaf that the configuration and the key set
//! both use, and the one place `alg` names are parsed ([`JwkAlgorithm::from_name`]).
//!
//! Each algorithm is tied to exactly one key shape: the JWK `kty` (and `crv` for elliptic
//! curves and Edwards keys) it may be used with, the aws-lc-rs verification algorithm, and the
//! exact signature length where JOSE fixes one. A key is only ever parsed for the algorithms
//! its shape allows, so an RSA key can never check an ES256 signature, nor a P-384 key a
//! P-256 one. Names follow RFC 7518 §3.1 (JWA) and RFC 8037 §3.1 (`EdDSA`, Ed25519 only here).

use aws_lc_rs::signature::{self, RsaParameters, VerificationAlgorithm};

/// The signature algorithms this verifier can check. Cognito signs with RS256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwkAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what Cognito signs with).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, a salt as long as the hash (RFC 7518 §3.5).
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384, 48-byte salt.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512, 64-byte salt.
    PS512,
    /// ECDSA on P-256 with SHA-256, signature `r || s` of 2 × 32 bytes.
    ES256,
    /// ECDSA on P-384 with SHA-384, signature `r || s` of 2 × 48 bytes.
    ES384,
    /// ECDSA on P-521 with SHA-512, signature `r || s` of 2 × 66 bytes.
    ES512,
    /// EdDSA with Ed25519 (RFC 8037), 64-byte signature. Ed448 is not supported.
    EdDSA,
}

/// The JWK shape an algorithm's key must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyShape {
    /// `kty` = `RSA`.
    Rsa,
    /// `kty` = `EC` with this `crv` (`P-256`, `P-384` or `P-521`).
    Ec(&'static str),
    /// `kty` = `OKP` with this `crv` (`Ed25519`).
    Okp(&'static str),
}

impl JwkAlgorithm {
    /// Every algorithm, in the order of the JWA registry.
    pub const ALL: [JwkAlgorithm; 10] = [
        JwkAlgorithm::RS256,
        JwkAlgorithm::RS384,
        JwkAlgorithm::RS512,
        JwkAlgorithm::PS256,
        JwkAlgorithm::PS384,
        JwkAlgorithm::PS512,
        JwkAlgorithm::ES256,
        JwkAlgorithm::ES384,
        JwkAlgorithm::ES512,
        JwkAlgorithm::EdDSA,
    ];

    /// Parses an `alg` name. Exact match only: `rs256`, `none` and every `HS*` are not
    /// algorithms here, so they can never reach a key.
    pub fn from_name(name: &str) -> Option<Self> {
        JwkAlgorithm::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The JOSE name, e.g. `RS256`.
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// The key this algorithm verifies with.
    pub fn key_shape(self) -> KeyShape {
        self.entry().1
    }

    /// How aws-lc-rs checks this algorithm's signatures.
    pub(crate) fn verification(self) -> Verification {
        self.entry().2
    }
}

/// How aws-lc-rs verifies an algorithm's signatures: with a key built from an RSA key's `n` and
/// `e`, or from an encoded point (an EC key's `04 || x || y`, an Ed25519 key's `x`).
#[derive(Clone, Copy)]
pub(crate) enum Verification {
    Rsa(&'static RsaParameters),
    Point(&'static dyn VerificationAlgorithm),
}

impl JwkAlgorithm {
    /// Its name, its key shape and its verification: one arm per algorithm, so the compiler
    /// holds every algorithm to exactly one of each.
    fn entry(self) -> (&'static str, KeyShape, Verification) {
        use KeyShape::{Ec, Okp, Rsa};
        use Verification::Point;
        use signature::*;
        match self {
            Self::RS256 => ("RS256", Rsa, Verification::Rsa(&RSA_PKCS1_2048_8192_SHA256)),
            Self::RS384 => ("RS384", Rsa, Verification::Rsa(&RSA_PKCS1_2048_8192_SHA384)),
            Self::RS512 => ("RS512", Rsa, Verification::Rsa(&RSA_PKCS1_2048_8192_SHA512)),
            Self::PS256 => ("PS256", Rsa, Verification::Rsa(&RSA_PSS_2048_8192_SHA256)),
            Self::PS384 => ("PS384", Rsa, Verification::Rsa(&RSA_PSS_2048_8192_SHA384)),
            Self::PS512 => ("PS512", Rsa, Verification::Rsa(&RSA_PSS_2048_8192_SHA512)),
            Self::ES256 => ("ES256", Ec("P-256"), Point(&ECDSA_P256_SHA256_FIXED)),
            Self::ES384 => ("ES384", Ec("P-384"), Point(&ECDSA_P384_SHA384_FIXED)),
            Self::ES512 => ("ES512", Ec("P-521"), Point(&ECDSA_P521_SHA512_FIXED)),
            Self::EdDSA => ("EdDSA", Okp("Ed25519"), Point(&ED25519)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        let names = [
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
            "EdDSA",
        ];
        for (alg, name) in JwkAlgorithm::ALL.into_iter().zip(names) {
            assert_eq!(alg.name(), name, "{alg:?}");
            assert_eq!(JwkAlgorithm::from_name(alg.name()), Some(alg), "{alg:?}");
        }
        for name in [
            "none", "None", "HS256", "HS384", "HS512", "rs256", "es256", "eddsa", "EDDSA",
            "Ed25519", "Ed448", "ES256K", "RS1", "PS256 ", " ES256", "",
        ] {
            assert_eq!(JwkAlgorithm::from_name(name), None, "{name:?}");
        }
    }

    /// The JWK `kty` of a key shape.
    fn kty(shape: KeyShape) -> &'static str {
        match shape {
            KeyShape::Rsa => "RSA",
            KeyShape::Ec(_) => "EC",
            KeyShape::Okp(_) => "OKP",
        }
    }

    /// The JWK `crv` of a key shape, for the key types that have one.
    fn crv(shape: KeyShape) -> Option<&'static str> {
        match shape {
            KeyShape::Rsa => None,
            KeyShape::Ec(crv) | KeyShape::Okp(crv) => Some(crv),
        }
    }

    /// Each family's key shape and verification data, as a table: a changed row is a change to
    /// what a key may be used for. (The fixed signature lengths of the EC and OKP algorithms
    /// are checked on parsed keys, in `jwks::jwk`'s tests.)
    #[test]
    fn each_algorithm_names_its_key_shape_and_lengths() {
        let rows = [
            (JwkAlgorithm::RS256, "RSA", None),
            (JwkAlgorithm::RS384, "RSA", None),
            (JwkAlgorithm::RS512, "RSA", None),
            (JwkAlgorithm::PS256, "RSA", None),
            (JwkAlgorithm::PS384, "RSA", None),
            (JwkAlgorithm::PS512, "RSA", None),
            (JwkAlgorithm::ES256, "EC", Some("P-256")),
            (JwkAlgorithm::ES384, "EC", Some("P-384")),
            (JwkAlgorithm::ES512, "EC", Some("P-521")),
            (JwkAlgorithm::EdDSA, "OKP", Some("Ed25519")),
        ];
        assert_eq!(rows.len(), JwkAlgorithm::ALL.len());
        for (alg, kty_name, crv_name) in rows {
            let shape = alg.key_shape();
            assert_eq!((kty(shape), crv(shape)), (kty_name, crv_name), "{alg:?}");
            // Exactly one of the two verification tables covers each algorithm.
            // One verification each (the enum has one or the other), RSA's for RSA keys only.
            let rsa = matches!(alg.verification(), Verification::Rsa(_));
            assert_eq!(rsa, kty_name == "RSA", "{alg:?}");
        }
    }
}
