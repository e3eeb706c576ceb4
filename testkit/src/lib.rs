//! Test helpers shared by the workspace's tests, benchmarks and fuzz targets: RSA test keys
//! and their JWKs, Cognito-shaped tokens signed with them, and a tiny JWKS server on
//! 127.0.0.1 whose answers a test can change (status, body, delay, outage) and whose hits it
//! can count, a Lambda Runtime API emulator to run the real function binaries under (for their
//! tests and the start-up benchmark), and a verifier harness ([`harness`], [`issuers`]) wired
//! to them. Never used by the deployed functions.

#![warn(missing_docs)]

pub mod harness;
pub mod issuers;
mod jwks_server;
mod keys;
mod runtime_api;

pub use jwks_server::{JwksServer, Mode};
pub use keys::{
    TestKey, b64url, cognito_claims, cognito_claims_at, mint, mint_raw, mint_unsigned, now,
};
pub use runtime_api::{
    FunctionProcess, Outcome, Reply, RuntimeApi, die_with_parent, function_binary,
};
