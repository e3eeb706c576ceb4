//! A strict verifier for Amazon Cognito ID and access tokens, with no Lambda or API Gateway
//! types in its API: usable from any Rust service.
//!
//! Give a [`Verifier`] a [`VerifierConfig`] (the trusted pools and app clients), a [`KeyStore`]
//! (the process-wide JWKS cache) and a [`Clock`], then call [`Verifier::verify`] with the token
//! a client sent. Everything fails closed: anything unexpected in a token, a JWKS document or
//! the configuration is an error with a stable [`Reason`], never a silent default.
//!
//! ```no_run
//! use cognito_verifier::{Verifier, VerifierConfig, VerifyError};
//! use std::time::Duration;
//!
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let config = VerifierConfig::new(&["ap-northeast-1_abcdefgh"], &["1example23456789"])?;
//! let verifier = Verifier::with_http(config, Duration::from_secs(2), Duration::from_secs(10))?;
//! match verifier.verify(token).await {
//!     Ok(claims) => println!("caller {} in groups {:?}", claims.sub, claims.groups),
//!     Err(VerifyError::Rejected { rejection, .. }) => println!("401: {}", rejection.reason.code()),
//!     Err(VerifyError::Forbidden { rejection, .. }) => println!("403: {}", rejection.reason.code()),
//!     Err(VerifyError::KeysUnavailable) => println!("500: no signing keys"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Reading a token without verifying it is possible only through [`dangerous`].

#![warn(missing_docs)]

mod algorithm;
mod claims;
mod clock;
mod config;
mod jwks;
mod raw_claims;
mod rejection;
pub mod strict_json;
mod token;
mod verifier;

pub use algorithm::JwkAlgorithm;
pub use claims::{TokenUse, VerifiedClaims};
pub use clock::{Clock, SystemClock};
pub use config::{
    ConfigError, DEFAULT_MAX_TOKEN_BYTES, IssuerForm, IssuerPolicy, PoolConfig, PoolIssuer,
    TokenUsePolicy, VerifierConfig, parse_endpoint, parse_pool_id,
};
pub use jwks::{
    FetchFuture, HttpJwksFetcher, JwksError, JwksFetchError, JwksFetcher, KeySet, KeyStore,
    MAX_JWKS_BYTES, MAX_RSA_BITS, MIN_RSA_BITS, VerificationKey, parse_jwks,
};
pub use rejection::{Reason, Rejection};
pub use token::token_from_authorization;
pub use verifier::{PREFETCH_LIMIT, Verifier, VerifyError};

/// Reading a token's structure without verifying it: for fuzzers, benchmarks and diagnostics.
/// Nothing here checks a signature or a claim; never base a decision on what it returns.
pub mod dangerous {
    pub use crate::token::{JwtHeader, UnverifiedToken, parse as parse_unverified};
}
