//! What the verifier checks, independent of Lambda: the trusted issuers (Cognito pools in their
//! short form, and any other issuer in the generic form), the app clients, token use,
//! algorithms, clock skew, required scopes or groups, and claim rules. Values are validated when the
//! configuration is built, with an error naming the setting at fault.
//!
//! Cognito pools and generic issuers end up in one list ([`VerifierConfig::trusted_issuers`]):
//! each accepted issuer form of a pool becomes an [`IssuerConfig`] with the Cognito rules, so
//! the verifier has a single path from a token's `iss` to its entry.

mod claim_rules_json;
mod cognito;
#[doc(hidden)]
pub mod env;
mod issuer;
mod issuers_json;
mod url;

pub use claim_rules_json::{MAX_AUTH_AGE_SECONDS, claim_rules_from_json, parse_required_claims};
pub use cognito::{IssuerForm, IssuerPolicy, PoolConfig, PoolIssuer, parse_pool_id};
pub use issuer::{COGNITO_GROUPS, ClientCheck, IssuerConfig, JwksLocation, ScopesClaim};
pub use issuers_json::{MAX_ISSUERS, parse_issuers};
pub use url::parse_key_url;

// Shared with this workspace's other crates (the revocation list's endpoints, the sign-out's
// pool; `env` above holds every variable's readers), so that each rule is written once; not
// part of the verifier's API, hence hidden from its documentation.
#[doc(hidden)]
pub use cognito::cognito_pool_of_issuer;
#[doc(hidden)]
pub use url::parse_endpoint;

pub use crate::algorithm::{JwkAlgorithm, KeyShape};
use crate::claims::rules::ClaimRules;

/// Upper bound on a token's length, checked before anything is decoded. Cognito tokens are
/// 1–4 KiB; 8 KiB leaves room for many groups and custom attributes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A configuration problem, naming the environment variable at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {variable}{}{message}", separator(.message))]
pub struct ConfigError {
    /// The setting at fault, e.g. `USER_POOL_ID`.
    pub variable: &'static str,
    /// What is wrong with it. Never a secret: settings hold none.
    pub message: String,
}

impl ConfigError {
    /// A problem with `variable`, described by `message`.
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            variable,
            message: message.into(),
        }
    }
}

/// `ISSUERS: bad` but `ISSUERS[1].jwks_uri: bad` and `REQUIRED_CLAIMS.token_kind: bad`: a
/// message that starts with an entry's index or a member's name continues the variable's name.
fn separator(message: &str) -> &'static str {
    if message.starts_with(['[', ':', '.']) {
        ""
    } else {
        ": "
    }
}

/// Which kinds of Cognito token are accepted (`TOKEN_USE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUsePolicy {
    /// ID tokens only.
    Id,
    /// Access tokens only.
    Access,
    /// Either kind.
    Any,
}

/// What the verifier checks; independent of Lambda.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// The trusted Cognito pools (short form); a token's `iss` must be one of their issuers or
    /// one of [`VerifierConfig::issuers`].
    pub pools: Vec<PoolConfig>,
    /// The pools' app clients: an ID token's `aud`, or an access token's `client_id`, must be
    /// one of these.
    pub client_ids: Vec<String>,
    /// Which kinds of token the pools' issuers accept; defaults to either.
    pub token_use: TokenUsePolicy,
    /// Header `alg` values accepted for the pools' tokens (RS256 by default). Each generic
    /// issuer has its own list.
    pub algorithms: Vec<JwkAlgorithm>,
    /// Issuers in the generic form (`ISSUERS`), beside the pools.
    pub issuers: Vec<IssuerConfig>,
    /// Leeway for `exp` and `nbf`, in seconds; defaults to 0.
    pub clock_skew_seconds: u64,
    /// Any one of these in the token's scopes (`scope`, or an issuer's `scopes_claim`) is
    /// enough; empty means no scope is required.
    pub required_scopes: Vec<String>,
    /// Any one of these in the token's groups (`cognito:groups`, or an issuer's
    /// `groups_claim`) is enough; empty means no group is required.
    pub required_groups: Vec<String>,
    /// Rules every token must satisfy (`REQUIRED_CLAIMS`); failing one is a 403.
    pub required_claims: ClaimRules,
    /// Claims whose values [`crate::VerifiedClaims`] keeps for rules checked after
    /// verification (per-route rules); the names `required_claims` compare are kept without
    /// being listed. Empty on the Cognito hot path: no claim beyond the fixed ones is read.
    pub kept_claims: Vec<String>,
    /// Longest token accepted, checked before anything is decoded; defaults to
    /// [`DEFAULT_MAX_TOKEN_BYTES`].
    pub max_token_bytes: usize,
}

/// Every setting at its default (any token use, RS256 only, no clock skew, no scope, group or
/// claim requirements), trusting no issuer yet: [`VerifierConfig::validate`] refuses it until
/// a pool or an issuer is added.
impl Default for VerifierConfig {
    fn default() -> Self {
        VerifierConfig {
            pools: Vec::new(),
            client_ids: Vec::new(),
            token_use: TokenUsePolicy::Any,
            algorithms: vec![JwkAlgorithm::RS256],
            issuers: Vec::new(),
            clock_skew_seconds: 0,
            required_scopes: Vec::new(),
            required_groups: Vec::new(),
            required_claims: ClaimRules::default(),
            kept_claims: Vec::new(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

impl VerifierConfig {
    /// A configuration with the defaults: both issuer forms of each pool, any token use, RS256
    /// only, no clock skew, no scope, group or claim requirements, keys fetched from AWS.
    pub fn new(pool_ids: &[&str], client_ids: &[&str]) -> Result<Self, ConfigError> {
        let pools = pool_ids
            .iter()
            .map(|id| PoolConfig::new(id, None).map_err(|e| ConfigError::new(USER_POOL_ID, e)))
            .collect::<Result<Vec<_>, _>>()?;
        if pools.is_empty() {
            return Err(ConfigError::new(
                USER_POOL_ID,
                "at least one pool ID is required",
            ));
        }
        if client_ids.is_empty() {
            return Err(ConfigError::new(
                APP_CLIENT_ID,
                "at least one app client ID is required",
            ));
        }
        Ok(VerifierConfig {
            pools,
            client_ids: client_ids.iter().map(|s| (*s).to_owned()).collect(),
            ..VerifierConfig::default()
        })
    }

    /// Every trusted issuer, one entry per exact `iss`: each accepted form of each pool (named
    /// by its pool ID, with the Cognito rules: `token_use`, `aud` or `client_id` against
    /// [`VerifierConfig::client_ids`], `cognito:groups`, `scope`), then [`VerifierConfig::issuers`].
    pub fn trusted_issuers(&self) -> Vec<IssuerConfig> {
        let pools = self.pools.iter().flat_map(|pool| {
            pool.issuers.iter().map(|accepted| IssuerConfig {
                name: pool.pool_id.clone(),
                issuer: accepted.issuer.clone(),
                jwks: JwksLocation::Url(accepted.jwks_url.clone()),
                client: ClientCheck::ClientId(self.client_ids.clone()),
                token_use: Some(self.token_use),
                typ: None,
                algorithms: self.algorithms.clone(),
                groups_claim: Some(COGNITO_GROUPS.to_owned()),
                scopes_claim: ScopesClaim::Scope,
            })
        });
        pools.chain(self.issuers.iter().cloned()).collect()
    }

    /// Checks what no single setting can: that some issuer is trusted, and that no `iss` (or
    /// issuer name) is claimed twice, by two pools' forms or by a pool and an `ISSUERS` entry.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let trusted = self.trusted_issuers();
        if trusted.is_empty() {
            return Err(ConfigError::new(
                USER_POOL_ID,
                "no issuer is trusted: set USER_POOL_ID (and APP_CLIENT_ID), or ISSUERS",
            ));
        }
        for (index, entry) in self.issuers.iter().enumerate() {
            if self.pools.iter().any(|pool| pool.pool_id == entry.name) {
                return Err(ConfigError::new(
                    ISSUERS,
                    format!(
                        "[{index}].name: {:?} is also a pool in USER_POOL_ID",
                        entry.name
                    ),
                ));
            }
        }
        for (i, entry) in trusted.iter().enumerate() {
            if trusted[..i].iter().any(|t| t.issuer == entry.issuer) {
                let index = self.issuers.iter().position(|i| i.issuer == entry.issuer);
                return Err(match index {
                    Some(index) => ConfigError::new(
                        ISSUERS,
                        format!(
                            "[{index}].issuer: {:?} is already trusted (a USER_POOL_ID pool's issuer)",
                            entry.issuer
                        ),
                    ),
                    None => ConfigError::new(USER_POOL_ID, "lists one pool twice"),
                });
            }
        }
        Ok(())
    }
}

/// The setting naming the generic issuers, for errors.
pub const ISSUERS: &str = "ISSUERS";
/// The setting naming the pools, for errors.
const USER_POOL_ID: &str = "USER_POOL_ID";
/// The setting naming the app clients, for errors.
const APP_CLIENT_ID: &str = "APP_CLIENT_ID";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_about_an_entry_or_member_continues_the_variables_name() {
        for (message, shown) in [
            (
                "[1].jwks_uri: not https",
                "invalid configuration: ISSUERS[1].jwks_uri: not https",
            ),
            (
                ".token_kind: must be user",
                "invalid configuration: ISSUERS.token_kind: must be user",
            ),
            (
                ": at most 16 issuers",
                "invalid configuration: ISSUERS: at most 16 issuers",
            ),
            ("not JSON", "invalid configuration: ISSUERS: not JSON"),
        ] {
            assert_eq!(ConfigError::new("ISSUERS", message).to_string(), shown);
        }
    }

    /// What no single setting can tell: some issuer is trusted, and no `iss` or name twice.
    #[test]
    fn the_whole_configuration_is_checked() {
        let pool = "us-east-1_abc";
        let entry = |name: &str, issuer: &str| {
            parse_issuers(&format!(
                r#"[{{"name":"{name}","issuer":"{issuer}","jwks_uri":"https://example.com/keys","audience":"a","algorithms":["RS256"]}}]"#
            ))
            .unwrap()
        };
        let with_issuers = |issuers| {
            let mut config = VerifierConfig::new(&[pool], &["client"]).unwrap();
            config.issuers = issuers;
            config
        };
        assert_eq!(
            with_issuers(entry("okta", "https://example.com")).validate(),
            Ok(())
        );
        let pool_issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
        for (case, config, variable, message) in [
            (
                "an entry named like a pool",
                with_issuers(entry(pool, "https://example.com")),
                ISSUERS,
                format!("[0].name: {pool:?} is also a pool in USER_POOL_ID"),
            ),
            (
                "an entry with a pool's issuer",
                with_issuers(entry("okta", &pool_issuer)),
                ISSUERS,
                format!(
                    "[0].issuer: {pool_issuer:?} is already trusted (a USER_POOL_ID pool's issuer)"
                ),
            ),
        ] {
            assert_eq!(
                config.validate(),
                Err(ConfigError::new(variable, message)),
                "{case}"
            );
        }
        let mut twice = VerifierConfig::new(&[pool], &["client"]).unwrap();
        twice.pools.push(twice.pools[0].clone());
        assert_eq!(
            twice.validate(),
            Err(ConfigError::new(USER_POOL_ID, "lists one pool twice"))
        );
        let mut none = VerifierConfig::new(&[pool], &["client"]).unwrap();
        none.pools.clear();
        assert_eq!(none.validate().unwrap_err().variable, USER_POOL_ID);
        // The defaults trust no one until a pool or an issuer is added.
        let defaults = VerifierConfig::default();
        assert_eq!(defaults.validate().unwrap_err().variable, USER_POOL_ID);
        assert_eq!(
            (defaults.algorithms, defaults.max_token_bytes),
            (vec![JwkAlgorithm::RS256], DEFAULT_MAX_TOKEN_BYTES)
        );
    }

    #[test]
    fn library_constructor_validates_too() {
        assert!(VerifierConfig::new(&["us-east-1_abc"], &["client"]).is_ok());
        assert_eq!(
            VerifierConfig::new(&[], &["client"]).unwrap_err().variable,
            "USER_POOL_ID"
        );
        assert_eq!(
            VerifierConfig::new(&["bad"], &["client"])
                .unwrap_err()
                .variable,
            "USER_POOL_ID"
        );
        assert_eq!(
            VerifierConfig::new(&["us-east-1_abc"], &[])
                .unwrap_err()
                .variable,
            "APP_CLIENT_ID"
        );
    }

    #[test]
    fn cognito_issuers_are_recognised_by_their_exact_form() {
        let cases = [
            (
                "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123",
                Some("ap-northeast-1_AbC123"),
            ),
            (
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123",
                Some("ap-northeast-1_AbC123"),
            ),
            // The host's Region must be the pool's.
            (
                "https://cognito-idp.us-east-1.amazonaws.com/ap-northeast-1_AbC123",
                None,
            ),
            (
                "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_",
                None,
            ),
            (
                "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC/x",
                None,
            ),
            (
                "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123/",
                None,
            ),
            (
                "http://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123",
                None,
            ),
            (
                "https://cognito-idp.ap-northeast-1.amazonaws.com.evil/ap-northeast-1_AbC123",
                None,
            ),
            ("https://example.okta.com/oauth2/default", None),
            ("http://localhost:9229/local_5a3tB", None),
            ("ap-northeast-1_AbC123", None),
        ];
        for (iss, expected) in cases {
            assert_eq!(cognito_pool_of_issuer(iss), expected, "{iss}");
        }
    }

    #[test]
    fn pool_ids_and_endpoints_are_checked() {
        assert_eq!(parse_pool_id("ap-northeast-1_abc123"), Ok("ap-northeast-1"));
        assert_eq!(parse_pool_id("us-gov-west-1_A"), Ok("us-gov-west-1"));
        // The ID part is bounded: 64 characters at most (AWS's are 9; emulators' longer).
        let longest = format!("eu-west-1_{}", "a".repeat(64));
        assert_eq!(parse_pool_id(&longest), Ok("eu-west-1"));
        let too_long = format!("eu-west-1_{}", "a".repeat(65));
        assert!(parse_pool_id(&too_long).is_err(), "65-character ID");
        for bad in [
            "tokyo",
            "ap-northeast-1",
            "ap-northeast_abc",
            "AP-NORTHEAST-1_abc",
            "ap-northeast-1_",
            "ap-northeast-1_a-b",
            "a-b-c_abc",
        ] {
            assert!(parse_pool_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_endpoint("http://127.0.0.1:9229/").as_deref(),
            Ok("http://127.0.0.1:9229")
        );
        assert!(parse_endpoint("http://localhost:9229").is_ok());
        assert!(parse_endpoint("http://[::1]:9229").is_ok());
        for bad in [
            "http://cognito.example.com",
            "ftp://127.0.0.1",
            "https://u:p@example.com",
            "https://example.com/?x=1",
            "not a url",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }
}
