//! The signature algorithms a token may name: a leaf that the configuration and the key set
//! both use.

use aws_lc_rs::signature;

/// The signature algorithms this verifier can check. Cognito signs with RS256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwkAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what Cognito signs with).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
}

impl JwkAlgorithm {
    /// Parses an `alg` name. Exact match only: `rs256` or `none` are not algorithms here.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(JwkAlgorithm::RS256),
            "RS384" => Some(JwkAlgorithm::RS384),
            "RS512" => Some(JwkAlgorithm::RS512),
            _ => None,
        }
    }

    /// The JOSE name, e.g. `RS256`.
    pub fn name(self) -> &'static str {
        match self {
            JwkAlgorithm::RS256 => "RS256",
            JwkAlgorithm::RS384 => "RS384",
            JwkAlgorithm::RS512 => "RS512",
        }
    }

    /// aws-lc-rs's verification parameters for this algorithm.
    pub(crate) fn parameters(self) -> &'static signature::RsaParameters {
        match self {
            JwkAlgorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            JwkAlgorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            JwkAlgorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }
}
