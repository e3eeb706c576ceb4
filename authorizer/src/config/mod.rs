//! The Lambda authorizer's configuration, read once at start-up from environment variables and
//! validated completely: a bad value stops the function during init with an error naming the
//! variable, so no invocation ever runs with a half-understood configuration.

mod freshness;
mod seed;
mod trust;

use std::sync::Arc;
use std::time::Duration;

use oidc_jwt_verifier::{
    Clock, ConfigError, SSL_CERT_FILE, SystemClock, TlsRoots, Verifier, VerifierConfig,
    config::{
        ISSUERS,
        env::{self, non_blank, number, one_of, optional_list, parsed},
        parse_required_claims,
    },
    jwks::{HttpJwksFetcher, JwksFetchError, JwksSeed, KeyStore},
};

use freshness::{AUTHORIZER_CACHE_TTL_SECONDS, MAX_CACHE_TTL_SECONDS};

use crate::apigw::{
    Authorizer, HttpApiResponse, IdentitySources, RouteRules, answers_cached_per_route,
};
use crate::decision_log::DecisionLog;
use crate::revocation::{REVOCATION_VARIABLES, RevocationSettings};

/// Everything the Lambda authorizer needs.
#[derive(Clone, Debug)]
pub struct AuthorizerConfig {
    /// What the verifier checks.
    pub verifier: VerifierConfig,
    /// `ROUTE_RULES`; defaults to none.
    pub route_rules: RouteRules,
    /// `HTTP_API_RESPONSE`; defaults to simple responses.
    pub http_api_response: HttpApiResponse,
    /// The identity sources the HTTP API authorizer is deployed with (`IDENTITY_SOURCES`);
    /// every HTTP API event's `identitySource` must have exactly this shape. Defaults to the
    /// `Authorization` header, plus `$context.routeKey` with route rules and simple responses.
    pub identity_sources: IdentitySources,
    /// `JWKS_TIMEOUT_MS`; defaults to 2 s.
    pub jwks_timeout: Duration,
    /// `JWKS_REFRESH_COOLDOWN_SECONDS`; defaults to 10 s.
    pub jwks_refresh_cooldown: Duration,
    /// The revocation list (`REVOCATION_TABLE` and its settings); `None`: no revocation check.
    pub revocation: Option<RevocationSettings>,
    /// `JWKS_SEED` or `JWKS_SEED_FILE`: keys installed at init in place of the start-up fetch;
    /// empty by default.
    pub jwks_seed: JwksSeed,
    /// Whom the HTTPS clients trust: the compiled-in roots plus `SSL_CERT_FILE`'s.
    pub tls_roots: TlsRoots,
}

/// Why [`AuthorizerConfig::build`] failed: an HTTP client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The JWKS fetcher's.
    #[error("{0}")]
    Jwks(#[from] JwksFetchError),
    /// The revocation table reader's.
    #[error("{0}")]
    Revocation(#[from] oidc_jwt_verifier::revocation::RevocationLookupError),
}

const USER_POOL_ID: &str = "USER_POOL_ID";
const USER_POOL_ISSUER: &str = "USER_POOL_ISSUER";
const APP_CLIENT_ID: &str = "APP_CLIENT_ID";
const TOKEN_USE: &str = "TOKEN_USE";
const COGNITO_ENDPOINT: &str = "COGNITO_ENDPOINT";
const ALLOWED_ALGORITHMS: &str = "ALLOWED_ALGORITHMS";
const CLOCK_SKEW_SECONDS: &str = "CLOCK_SKEW_SECONDS";
const REQUIRED_SCOPES: &str = "REQUIRED_SCOPES";
const REQUIRED_GROUPS: &str = "REQUIRED_GROUPS";
const REQUIRED_CLAIMS: &str = "REQUIRED_CLAIMS";
const ROUTE_RULES: &str = "ROUTE_RULES";
const JWKS_TIMEOUT_MS: &str = "JWKS_TIMEOUT_MS";
const JWKS_REFRESH_COOLDOWN_SECONDS: &str = "JWKS_REFRESH_COOLDOWN_SECONDS";
const HTTP_API_RESPONSE: &str = "HTTP_API_RESPONSE";
const IDENTITY_SOURCES: &str = "IDENTITY_SOURCES";

/// A long stage prefix of a method ARN, for sizing the policy at init: the longest partition
/// and region, a 10-character API ID and a 32-character stage.
const NOMINAL_STAGE_PREFIX: &str = "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdefghij/stage-name-of-32-characters-ab/";

/// Room for the Deny list in an 8 KB answer (API Gateway's documented Lambda authorizer
/// result size, <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-execution-service-websocket-limits-table.html>;
/// REST and HTTP APIs document no smaller one), leaving 2 KB for the principal, the Allow
/// statement and the identity context.
const MAX_DENY_BYTES: usize = 6 * 1024;

/// Every variable this crate reads, for documentation and for the non-UTF-8 check.
pub const VARIABLES: [&str; 20] = [
    ISSUERS,
    USER_POOL_ID,
    USER_POOL_ISSUER,
    APP_CLIENT_ID,
    TOKEN_USE,
    COGNITO_ENDPOINT,
    ALLOWED_ALGORITHMS,
    CLOCK_SKEW_SECONDS,
    REQUIRED_SCOPES,
    REQUIRED_GROUPS,
    REQUIRED_CLAIMS,
    ROUTE_RULES,
    JWKS_TIMEOUT_MS,
    JWKS_REFRESH_COOLDOWN_SECONDS,
    HTTP_API_RESPONSE,
    IDENTITY_SOURCES,
    seed::JWKS_SEED,
    seed::JWKS_SEED_FILE,
    SSL_CERT_FILE,
    AUTHORIZER_CACHE_TTL_SECONDS,
];

impl AuthorizerConfig {
    /// Builds the production authorizer: HTTPS JWKS fetcher, system clock, the seeded keys,
    /// and the revocation table reader when one is configured; the decision lines and JWKS
    /// fetches go to `log`. Fails only when the TLS stack cannot be set up.
    pub fn build(self, log: Option<DecisionLog>) -> Result<Authorizer, BuildError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let fetcher = Arc::new(HttpJwksFetcher::with_roots(
            self.jwks_timeout,
            &self.tls_roots,
        )?);
        // One HTTP client for the JWKS and the revocation table: one TLS configuration and one
        // connection pool built at init, not two.
        let client = fetcher.client();
        let keys = KeyStore::for_issuers(
            &self.verifier.trusted_issuers(),
            fetcher,
            Arc::clone(&clock),
            self.jwks_refresh_cooldown,
        );
        let keys = match &log {
            Some(log) => keys.with_observer(Arc::new(log.clone())),
            None => keys,
        };
        keys.seed(&self.jwks_seed);
        let verifier = Verifier::new(self.verifier, keys, Arc::clone(&clock));
        let revocation = self
            .revocation
            .map(|settings| settings.build(client, clock));
        Ok(Authorizer {
            verifier,
            route_rules: self.route_rules,
            http_api_response: self.http_api_response,
            identity_sources: self.identity_sources,
            revocation: revocation.transpose()?,
            decision_log: log,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let variables = VARIABLES.into_iter().chain(REVOCATION_VARIABLES);
        Self::from_lookup(env::utf8(|name| std::env::var_os(name), variables)?)
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    /// Optional variables that are unset or blank take their defaults; required ones must be
    /// present and non-blank.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).and_then(non_blank);

        let trust = trust::read(&get)?;

        let clock_skew_seconds = number(&get, CLOCK_SKEW_SECONDS, 0, 0..=300)?;

        let required_scopes = optional_list(&get, REQUIRED_SCOPES)?;
        let required_groups = optional_list(&get, REQUIRED_GROUPS)?;
        let required_claims =
            parsed(&get, REQUIRED_CLAIMS, parse_required_claims)?.unwrap_or_default();
        let route_rules = parsed(&get, ROUTE_RULES, RouteRules::parse)?.unwrap_or_default();

        // Freshness rules judged for the whole time API Gateway may reuse an answer (see the
        // freshness module). The TTL is required only where such a rule exists, so that a
        // deployment that forgot it stops here instead of doubling the bound, while local use
        // without freshness rules needs no setting.
        let freshness_rules = freshness::has_freshness_rule(&required_claims)
            || route_rules
                .rules()
                .iter()
                .any(|rule| freshness::has_freshness_rule(&rule.required_claims));
        // Unset: no cache to hold the rules for (0), unless a freshness rule needs the TTL.
        let ttl = match get(AUTHORIZER_CACHE_TTL_SECONDS) {
            None if freshness_rules => {
                return Err(ConfigError::new(
                    AUTHORIZER_CACHE_TTL_SECONDS,
                    "is required when REQUIRED_CLAIMS or ROUTE_RULES has max_auth_age_seconds: \
                     set it to API Gateway's authorizer result TTL (the template's \
                     AuthorizerCacheTtl; 0 when nothing caches the answers, as with cargo \
                     lambda invoke)",
                ));
            }
            _ => number(
                &get,
                AUTHORIZER_CACHE_TTL_SECONDS,
                0,
                0..=MAX_CACHE_TTL_SECONDS,
            )?,
        };
        let required_claims = freshness::held(REQUIRED_CLAIMS, "", &required_claims, ttl)?;
        let route_rules = freshness::route_rules(ROUTE_RULES, &route_rules, ttl)?;

        let deny_bytes = route_rules.worst_case_deny_bytes(NOMINAL_STAGE_PREFIX.len());
        if deny_bytes > MAX_DENY_BYTES {
            return Err(ConfigError::new(
                ROUTE_RULES,
                format!(
                    "a caller who fails every rule would get a Deny list of about {deny_bytes} \
                     bytes, over the {MAX_DENY_BYTES} this authorizer allows (API Gateway \
                     documents 8 KB for an authorizer's result): each ANY rule adds 14 \
                     resources, GET 4, other methods 2; use fewer or narrower rules"
                ),
            ));
        }

        let jwks_timeout_ms = number(&get, JWKS_TIMEOUT_MS, 2000, 1..=29_000)?;
        let cooldown_seconds = number(&get, JWKS_REFRESH_COOLDOWN_SECONDS, 10, 1..=86_400)?;

        let http_api_response = one_of(
            &get,
            HTTP_API_RESPONSE,
            HttpApiResponse::Simple,
            &[
                ("simple", HttpApiResponse::Simple),
                ("iam", HttpApiResponse::Iam),
            ],
        )?;

        let route_key_needed = answers_cached_per_route(http_api_response, &route_rules);
        let identity_sources = parsed(&get, IDENTITY_SOURCES, IdentitySources::parse)?
            .unwrap_or_else(|| IdentitySources::authorization(route_key_needed));
        if route_key_needed && !identity_sources.includes_route_key() {
            return Err(ConfigError::new(
                IDENTITY_SOURCES,
                "must include $context.routeKey when ROUTE_RULES are set and \
                 HTTP_API_RESPONSE is simple: API Gateway would reuse one route's answer on \
                 every route (or set HTTP_API_RESPONSE=iam)",
            ));
        }

        let revocation = RevocationSettings::from_lookup(&get)?;

        let verifier = VerifierConfig {
            clock_skew_seconds,
            required_scopes,
            required_groups,
            required_claims,
            // Route rules are checked after verification, on the values kept for them.
            kept_claims: route_rules.claim_names(),
            ..trust
        };
        // What no single variable shows: a pool and an ISSUERS entry claiming one `iss`.
        verifier.validate()?;
        let jwks_seed = seed::read(&get, &verifier.trusted_issuers())?;
        let tls_roots = TlsRoots::from_lookup(get)?;

        Ok(AuthorizerConfig {
            verifier,
            route_rules,
            http_api_response,
            identity_sources,
            jwks_timeout: Duration::from_millis(jwks_timeout_ms),
            jwks_refresh_cooldown: Duration::from_secs(cooldown_seconds),
            revocation,
            jwks_seed,
            tls_roots,
        })
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod claim_rules_tests;

#[cfg(test)]
mod revocation_tests;

#[cfg(test)]
mod seed_tests;
