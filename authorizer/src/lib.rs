//! A strict verifier for Amazon Cognito ID and access tokens, and the API Gateway Lambda
//! authorizer built on it.
//!
//! The verifier ([`Verifier`]) has no Lambda types in its API and can be used from any Rust
//! service: give it a [`VerifierConfig`], a [`KeyStore`] (the process-wide JWKS cache) and a
//! [`Clock`], then call [`Verifier::verify`] with the token a client sent.
//!
//! The [`apigw`] module turns API Gateway authorizer events (REST `TOKEN`, REST `REQUEST` and
//! HTTP API payload 2.0) into IAM policies or simple responses. Its API takes and returns plain
//! JSON values, so a local API Gateway stand-in or a fuzzer can drive it with the exact JSON API
//! Gateway sends.
//!
//! Everything fails closed: anything unexpected in a token, an event, a JWKS document or the
//! configuration is an error, never a silent default.

pub mod apigw;
pub mod claims;
pub mod clock;
pub mod config;
pub mod event;
pub mod identity_sources;
pub mod jwks;
pub mod key_store;
pub mod policy;
pub mod raw_claims;
pub mod rejection;
pub mod response;
pub mod route_rules;
mod strict_json;
pub mod token;
pub mod verifier;

pub use claims::{TokenUse, VerifiedClaims};
pub use clock::{Clock, SystemClock};
pub use config::{
    AuthorizerConfig, ConfigError, HttpApiResponse, IssuerForm, IssuerPolicy, TokenUsePolicy,
    VerifierConfig,
};
pub use jwks::{JwkAlgorithm, KeySet};
pub use key_store::{HttpJwksFetcher, JwksFetchError, JwksFetcher, KeyStore};
pub use rejection::{Reason, Rejection};
pub use verifier::{Verifier, VerifyError};
