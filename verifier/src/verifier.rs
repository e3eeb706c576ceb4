//! The verification pipeline, in two steps a caller takes in order.
//!
//! Authentication ([`Verifier::verify`], 401): structure, algorithm allowlist, issuer → one of
//! the trusted issuers (chosen from the unverified payload's `iss`, by exact match, only to
//! pick among the configured entries), that issuer's own algorithm allowlist, key from that
//! issuer's JWKS, signature, then claims by that issuer's rules. Each step fails closed; a
//! failure means the credential is not acceptable.
//!
//! Authorization ([`Verifier::authorize`], 403): the required scopes, groups and claim rules,
//! on the claims authentication returned. A failure means this caller may not. Between the two,
//! a caller can do what needs an authentic token but must come before a 403, such as the
//! revocation check (a revoked token is 401 whatever else it lacks).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::algorithm::JwkAlgorithm;
use crate::claims::raw::RawClaims;
use crate::claims::{self, TokenParts, VerifiedClaims};
use crate::clock::{Clock, SystemClock};
use crate::config::{IssuerConfig, IssuerForm, VerifierConfig};
use crate::jwks::{HttpJwksFetcher, JwksFetchError, KeyLookupError, KeyStore};
use crate::rejection::{Reason, Rejection};
use crate::token;

/// How long start-up waits for the JWKS before leaving the fetch to the first request. Lambda
/// gives the whole init phase 10 s.
pub const PREFETCH_LIMIT: Duration = Duration::from_secs(3);

/// Why [`Verifier::verify`] did not return claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The token is not acceptable. Answer 401.
    #[error("{rejection}")]
    Rejected {
        /// Why, as a stable reason code and a fixed description.
        rejection: Rejection,
        /// The token's `sub` when its signature verified and a claim check failed afterwards
        /// (safe to log: it comes from an authentic token). `None` otherwise.
        sub: Option<String>,
    },
    /// The signing keys cannot be had right now; the token may well be fine. Answer 5xx.
    #[error("signing keys are unavailable")]
    KeysUnavailable,
}

impl From<Rejection> for VerifyError {
    fn from(rejection: Rejection) -> Self {
        VerifyError::Rejected {
            rejection,
            sub: None,
        }
    }
}

/// Verifies tokens against the trusted issuers: the configured pools and generic issuers.
pub struct Verifier {
    config: VerifierConfig,
    /// [`VerifierConfig::trusted_issuers`] by exact `iss`.
    trusted: HashMap<String, IssuerConfig>,
    /// Every algorithm some issuer allows: the first filter, before the payload is read.
    any_algorithm: Vec<JwkAlgorithm>,
    /// The claims rules compare ([`VerifierConfig::required_claims`]'s and
    /// [`VerifierConfig::kept_claims`]), each once: read only when this is not empty.
    rule_claims: Vec<String>,
    keys: KeyStore,
    clock: Arc<dyn Clock>,
}

impl Verifier {
    /// A verifier with the given key store and clock (tests swap both). The key store should
    /// be built for the same issuers ([`KeyStore::for_issuers`] with
    /// [`VerifierConfig::trusted_issuers`]); an issuer it lacks has no keys.
    pub fn new(config: VerifierConfig, keys: KeyStore, clock: Arc<dyn Clock>) -> Self {
        let mut trusted = HashMap::new();
        let mut any_algorithm = Vec::new();
        for entry in config.trusted_issuers() {
            for alg in &entry.algorithms {
                if !any_algorithm.contains(alg) {
                    any_algorithm.push(*alg);
                }
            }
            // The first of an `iss` listed twice, as in the key store.
            trusted.entry(entry.issuer.clone()).or_insert(entry);
        }
        let mut rule_claims: Vec<String> = Vec::new();
        let named = config.required_claims.claim_names();
        for name in named.chain(config.kept_claims.iter().map(String::as_str)) {
            if !rule_claims.iter().any(|kept| kept == name) {
                rule_claims.push(name.to_owned());
            }
        }
        Verifier {
            config,
            trusted,
            any_algorithm,
            rule_claims,
            keys,
            clock,
        }
    }

    /// A verifier fetching keys over HTTPS with the system clock.
    pub fn with_http(
        config: VerifierConfig,
        jwks_timeout: Duration,
        refresh_cooldown: Duration,
    ) -> Result<Self, JwksFetchError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let fetcher = Arc::new(HttpJwksFetcher::new(jwks_timeout)?);
        let keys = KeyStore::for_issuers(
            &config.trusted_issuers(),
            fetcher,
            Arc::clone(&clock),
            refresh_cooldown,
        );
        Ok(Verifier::new(config, keys, clock))
    }

    /// The configuration this verifier checks against.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Fetches every trusted issuer's JWKS now (discovering it first where needed) (best-effort, at most [`PREFETCH_LIMIT`]), so the first
    /// token does not wait for it.
    pub async fn prefetch_keys(&self) {
        self.keys.prefetch(PREFETCH_LIMIT).await;
    }

    /// Proves `token` (the bare JWT, without `Bearer `) authentic and current. This does not
    /// check `REQUIRED_SCOPES`, `REQUIRED_GROUPS` or `REQUIRED_CLAIMS`: pass the claims to
    /// [`Verifier::authorize`] before granting anything.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, VerifyError> {
        let token = token::parse(token, self.config.max_token_bytes)?;

        // The allowlist is checked before any key is looked up: `none`, `None`, `HS256` and
        // friends never reach the crypto code.
        let alg = JwkAlgorithm::from_name(&token.header.alg)
            .filter(|alg| self.any_algorithm.contains(alg))
            .ok_or(Rejection::new(
                Reason::UnsupportedAlgorithm,
                "alg is not allowed",
            ))?;

        // The issuer picks the entry (rules and key cache) by exact match with an issuer from
        // the configuration, and only those have keys: a token cannot point us at keys of its
        // choosing, and a token of one issuer is checked only against that issuer's JWKS.
        let claims = RawClaims::parse(&token.payload)?;
        let issuer = claims
            .iss
            .as_deref()
            .ok_or(Rejection::new(Reason::UnknownIssuer, "iss is missing"))?;
        let Some(trusted) = self.trusted.get(issuer) else {
            return Err(
                Rejection::new(Reason::UnknownIssuer, self.unknown_issuer_detail(issuer)).into(),
            );
        };
        // Each issuer's allowlist is exact: an algorithm another issuer allows is refused here,
        // still before any key is looked up.
        if !trusted.algorithms.contains(&alg) {
            return Err(Rejection::new(
                Reason::UnsupportedAlgorithm,
                "alg is not allowed for this issuer",
            )
            .into());
        }

        let key = self
            .keys
            .key(issuer, &token.header.kid)
            .await
            .map_err(|error| match error {
                KeyLookupError::UnknownKid => {
                    Rejection::new(Reason::UnknownKid, "kid is not in the issuer's JWKS").into()
                }
                KeyLookupError::Unavailable => VerifyError::KeysUnavailable,
            })?;
        // The key's own alg, kty and crv must fit the token's alg, and the signature must have
        // the one length that alg and key give, before the crypto library checks it.
        key.check(alg, token.signing_input, &token.signature)?;

        let parts = TokenParts {
            payload: &token.payload,
            typ: token.header.typ.as_deref(),
            rule_claims: &self.rule_claims,
        };
        let now = self.clock.unix_seconds();
        claims::validate(&claims, parts, trusted, &self.config, now).map_err(|rejection| {
            VerifyError::Rejected {
                rejection,
                sub: claims.sub.as_deref().map(str::to_owned),
            }
        })
    }

    /// Whether the holder of `claims` (from [`Verifier::verify`]) has what every caller
    /// must: one of `REQUIRED_SCOPES`, one of `REQUIRED_GROUPS`, every `REQUIRED_CLAIMS` rule.
    /// A refusal is a permission problem, not a credential problem: answer 403 with its reason
    /// (`missing_scope`, `missing_group`, `claim_mismatch`, `stale_auth_time` or `token_kind`).
    pub fn authorize(&self, claims: &VerifiedClaims) -> Result<(), Rejection> {
        claims::check_requirements(claims, &self.config)
    }

    /// Tells an operator pinning `USER_POOL_ISSUER` apart from a token of a foreign pool.
    fn unknown_issuer_detail(&self, issuer: &str) -> &'static str {
        let excluded_form_of_a_pool = self.config.pools.iter().any(|pool| {
            IssuerForm::ALL
                .into_iter()
                .any(|form| pool.issuer_in_form(form) == issuer)
        });
        if excluded_form_of_a_pool {
            "iss is the issuer form of a configured pool that USER_POOL_ISSUER excludes"
        } else {
            "iss is not a trusted issuer"
        }
    }
}
