//! Test helpers shared by the workspace's tests, benchmarks and fuzz targets: test keys of
//! every supported JOSE family (RSA, ECDSA P-256/384/521, Ed25519) and their JWKs, Cognito-shaped tokens signed with them, and a tiny JWKS server on
//! 127.0.0.1 whose answers a test can change (status, body, delay, outage) and whose hits it
//! can count, a Lambda Runtime API emulator to run the real function binaries under (for their
//! tests and the start-up benchmark), a stand-in for AWS JSON-protocol services ([`FakeAws`]),
//! and a verifier harness ([`harness`], [`issuers`]) wired
//! to them. Never used by the deployed functions.

#![warn(missing_docs)]

mod curve_keys;
mod fake_aws;
pub mod harness;
pub mod issuers;
mod jwks_server;
mod keys;
mod runtime_api;

pub use curve_keys::{EcKey, EdKey};
pub use fake_aws::{FakeAnswer, FakeAws, SeenRequest};
pub use jwks_server::{JwksServer, Mode};
pub use keys::{
    SigningKey, TestKey, b64url, cognito_claims, cognito_claims_at, cognito_machine_claims,
    jwks_of, mint, mint_raw, mint_raw_as, mint_unsigned, now, signed_as,
};
pub use runtime_api::{
    FunctionProcess, Outcome, Reply, RuntimeApi, die_with_parent, function_binary,
};
