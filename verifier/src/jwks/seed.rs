//! A JWKS deployed with the function (the authorizer's `JWKS_SEED`), so a cold start verifies
//! its first token without fetching anything.
//!
//! The document is a JSON object from a trusted issuer to that issuer's JWKS, exactly as its
//! `jwks_uri` serves it: `{"https://cognito-idp.…/ap-northeast-1_abc": {"keys": [...]}}`.
//!
//! Invariants:
//! - The seed is judged as a fetched JWKS is: the same parser, the same per-key checks
//!   (kty/alg/crv agreement, key sizes, `use`, duplicates) against the issuer's own algorithms.
//! - It is all or nothing: a document that is too large, not such an object, names an issuer
//!   that is not trusted, or gives an issuer no usable key is refused as a whole, so a mistake
//!   stops init rather than quietly leaving an issuer to be fetched.
//! - A Cognito pool's two issuer forms share one key set (one pool, one JWKS): an entry for
//!   either form seeds every accepted form of that pool that has no entry of its own.
//! - Seeded keys are what a start-up fetch would have installed, nothing more: the cache
//!   ([`super::KeyStore::seed`]) installs them only before any fetch, an unknown `kid` still
//!   fetches, and a fetched set replaces them whole.

use serde_json::Value;

use super::key_set::{KeySet, MAX_JWKS_BYTES, parse_jwks};
use crate::config::{IssuerConfig, cognito_pool_of_issuer};

/// Largest seed document accepted, in bytes: the largest JWKS a fetch accepts. (An environment
/// variable is further bounded by Lambda's 4 KB for all of a function's variables.)
pub const MAX_JWKS_SEED_BYTES: usize = MAX_JWKS_BYTES;

/// The seeded key sets, by issuer, checked against the trusted issuers.
#[derive(Clone, Debug, Default)]
pub struct JwksSeed {
    sets: Vec<(String, KeySet)>,
}

impl JwksSeed {
    /// Each seeded issuer with its keys.
    pub fn sets(&self) -> impl Iterator<Item = (&str, &KeySet)> {
        self.sets
            .iter()
            .map(|(issuer, keys)| (issuer.as_str(), keys))
    }

    /// Whether nothing is seeded.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// Reads a seed document for `trusted` issuers. The error says what is wrong (and which
/// issuer), never key material; the caller names the setting.
pub fn parse_jwks_seed(body: &[u8], trusted: &[IssuerConfig]) -> Result<JwksSeed, String> {
    if body.len() > MAX_JWKS_SEED_BYTES {
        return Err(format!(
            "is {} bytes, over the {MAX_JWKS_SEED_BYTES} a seed may hold",
            body.len()
        ));
    }
    let document = crate::strict_json::parse_object(body).ok_or(
        "is not a JSON object from issuer to JWKS (e.g. {\"https://cognito-idp...\": {\"keys\": [...]}})",
    )?;
    if document.is_empty() {
        return Err("names no issuer".to_owned());
    }
    let mut sets: Vec<(String, KeySet)> = Vec::new();
    for (issuer, jwks) in &document {
        let Some(config) = trusted.iter().find(|t| &t.issuer == issuer) else {
            return Err(format!(
                "[{issuer:?}] is not a trusted issuer (a seed is only for the issuers configured)"
            ));
        };
        let Value::Object(_) = jwks else {
            return Err(format!("[{issuer:?}] is not a JWKS object"));
        };
        // Re-encoded from the tree read strictly above: the parser a fetch goes through.
        let bytes = serde_json::to_vec(jwks).map_err(|e| format!("[{issuer:?}]: {e}"))?;
        let keys =
            parse_jwks(&bytes, &config.algorithms).map_err(|e| format!("[{issuer:?}]: {e}"))?;
        if keys.is_empty() {
            return Err(format!(
                "[{issuer:?}] has no usable key (the warnings above say why each was skipped)"
            ));
        }
        sets.push((issuer.clone(), keys));
    }
    // The other accepted form of a seeded Cognito pool: same pool, same keys.
    for config in trusted {
        let pool = cognito_pool_of_issuer(&config.issuer);
        if pool.is_some()
            && !sets.iter().any(|(issuer, _)| issuer == &config.issuer)
            && let Some((_, keys)) = sets
                .iter()
                .find(|(issuer, _)| cognito_pool_of_issuer(issuer) == pool)
        {
            sets.push((config.issuer.clone(), keys.clone()));
        }
    }
    Ok(JwksSeed { sets })
}

#[cfg(test)]
mod tests;
