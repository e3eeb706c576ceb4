#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod algorithm;
mod claims;
mod clock;
mod config;
mod https;
mod jwks;
mod rejection;
mod revocation;
pub mod strict_json;
mod token;
mod verifier;

pub use algorithm::{JwkAlgorithm, KeyShape};
pub use claims::rules::{CallerKind, ClaimFacts, ClaimRule, ClaimRules, ClaimValue, caller_kind};
pub use claims::{TokenUse, VerifiedClaims};
pub use clock::{Clock, SystemClock};
pub use config::{
    COGNITO_GROUPS, ClientCheck, ConfigError, DEFAULT_MAX_TOKEN_BYTES, ISSUERS, IssuerConfig,
    IssuerForm, IssuerPolicy, JwksLocation, MAX_AUTH_AGE_SECONDS, MAX_ISSUERS, PoolConfig,
    PoolIssuer, ScopesClaim, TokenUsePolicy, VerifierConfig, claim_rules_from_json,
    cognito_pool_of_issuer, non_blank, parse_endpoint, parse_issuers, parse_key_url, parse_pool_id,
    parse_required_claims,
};
pub use https::{MAX_CERT_FILE_BYTES, SSL_CERT_FILE, TlsRoots};
pub use jwks::{
    FetchFuture, HttpJwksFetcher, JwksError, JwksEvent, JwksFetchError, JwksFetcher, JwksObserver,
    JwksSeed, KeySet, KeyStore, LogJwksEvents, MAX_JWKS_BYTES, MAX_JWKS_SEED_BYTES, MAX_RSA_BITS,
    MIN_RSA_BITS, VerificationKey, parse_jwks, parse_jwks_seed,
};
pub use rejection::{Reason, Rejection};
pub use revocation::{
    FailurePolicy, LookupFuture, MAX_CACHED_ANSWERS, RevocationCheck, RevocationEntry,
    RevocationError, RevocationKeys, RevocationLookup, RevocationLookupError, RevocationRecords,
    Unrevoked,
};
pub use token::token_from_authorization;
pub use verifier::{PREFETCH_LIMIT, Verifier, VerifyError};

/// Reading a token's structure without verifying it: for fuzzers, benchmarks and diagnostics.
/// Nothing here checks a signature or a claim; never base a decision on what it returns.
pub mod dangerous {
    pub use crate::token::{JwtHeader, UnverifiedToken, parse as parse_unverified};
}
