//! The JWKS deployed with the function (`JWKS_SEED`, inline JSON, or `JWKS_SEED_FILE`, a file
//! in the package), read and judged at init against the trusted issuers: a seed that cannot be
//! used stops init with an error naming the variable, never a fetch at the first token.

use oidc_jwt_verifier::{
    ConfigError,
    config::{IssuerConfig, env::read_file},
    jwks::{JwksSeed, MAX_JWKS_SEED_BYTES, parse_jwks_seed},
};

/// Inline seed: a JSON object from trusted issuer to its JWKS (docs/cold-start.md).
pub(super) const JWKS_SEED: &str = "JWKS_SEED";
/// A file holding the same document, for sets too large for Lambda's 4 KB of variables.
pub(super) const JWKS_SEED_FILE: &str = "JWKS_SEED_FILE";

/// Reads the seed through `get` (non-blank values only) for `trusted` issuers; none when
/// neither variable is set.
pub(super) fn read(
    get: &impl Fn(&str) -> Option<String>,
    trusted: &[IssuerConfig],
) -> Result<JwksSeed, ConfigError> {
    let (variable, body) = match (get(JWKS_SEED), get(JWKS_SEED_FILE)) {
        (None, None) => return Ok(JwksSeed::default()),
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                JWKS_SEED_FILE,
                "is set together with JWKS_SEED: set one of them",
            ));
        }
        (Some(inline), None) => (JWKS_SEED, inline.into_bytes()),
        (None, Some(path)) => {
            let max = MAX_JWKS_SEED_BYTES as u64;
            (JWKS_SEED_FILE, read_file(JWKS_SEED_FILE, path.trim(), max)?)
        }
    };
    parse_jwks_seed(&body, trusted).map_err(|message| ConfigError::new(variable, message))
}
