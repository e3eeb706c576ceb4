#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod claims;
pub mod config;
pub mod jwks;
pub mod revocation;
pub mod strict_json;

mod algorithm;
mod clock;
mod https;
mod rejection;
mod token;
mod verifier;

pub use claims::{TokenUse, VerifiedClaims};
pub use clock::{Clock, SystemClock};
pub use config::{ConfigError, VerifierConfig};
pub use https::{MAX_CERT_FILE_BYTES, SSL_CERT_FILE, TlsRoots};
pub use rejection::{Reason, Rejection};
pub use token::token_from_authorization;
pub use verifier::{PREFETCH_LIMIT, Verifier, VerifyError};

/// Reading a token's structure without verifying it: for fuzzers, benchmarks and diagnostics.
/// Nothing here checks a signature or a claim; never base a decision on what it returns.
pub mod dangerous {
    pub use crate::token::{JwtHeader, UnverifiedToken, parse as parse_unverified};
}
