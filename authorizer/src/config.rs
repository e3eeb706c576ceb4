//! Configuration, read once at start-up from environment variables and validated completely:
//! a bad value stops the function during init with an error naming the variable, so no
//! invocation ever runs with a half-understood configuration.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use crate::identity_sources::IdentitySources;
use crate::jwks::JwkAlgorithm;
use crate::route_rules::RouteRules;

/// Upper bound on a token's length, checked before anything is decoded. Cognito tokens are
/// 1–4 KiB; 8 KiB leaves room for many groups and custom attributes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A configuration problem, naming the environment variable at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            variable,
            message: message.into(),
        }
    }
}

/// Which kinds of Cognito token are accepted (`TOKEN_USE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUsePolicy {
    Id,
    Access,
    Any,
}

/// What an HTTP API (payload 2.0) authorizer answers with (`HTTP_API_RESPONSE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpApiResponse {
    /// `{"isAuthorized": bool, "context": {...}}`; needs `$context.routeKey` among the identity
    /// sources when route rules are used (API Gateway caches the answer for every route).
    Simple,
    /// The same IAM policy a REST API gets: safe to cache per token across routes.
    Iam,
}

/// The two forms of a user pool's issuer URL, chosen per pool by Cognito's issuer configuration
/// (`IssuerConfiguration.Type` in CreateUserPool/UpdateUserPool, `AWS::Cognito::UserPool
/// IssuerConfiguration` in CloudFormation). From AWS's documentation:
/// - "IssuerConfigurationType", Amazon Cognito API Reference,
///   <https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html>:
///   `ORIGINAL` issuers are `https://cognito-idp.[region].amazonaws.com/[userPoolId]`; `UPDATED`
///   issuers, "recommended for all user pools, including for multi-Region replication", are
///   `https://issuer-cognito-idp.[region].amazonaws.com/[userPoolId]` "where region is the primary
///   AWS Region of your user pool", and "host the same JWKS content in multiple regions".
/// - "Multi-Region replication for user pools", Amazon Cognito Developer Guide,
///   <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-multi-region.html>:
///   replicas are "separate user pools with a shared user pool ID", and replication needs the
///   updated (multi-Region) issuer so tokens verify the same way in every Region.
///
/// A pool ID's prefix is the Region the pool was created in, which stays its primary Region, so
/// both forms are derived from the configured pool ID alone, never from a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssuerForm {
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    Original,
    /// `https://issuer-cognito-idp.<primary region>.amazonaws.com/<pool id>`.
    Updated,
}

impl IssuerForm {
    pub const ALL: [IssuerForm; 2] = [IssuerForm::Original, IssuerForm::Updated];

    /// The issuer's AWS origin for a pool in `region`. The only two hosts this crate ever builds.
    fn aws_base(self, region: &str) -> String {
        match self {
            IssuerForm::Original => format!("https://cognito-idp.{region}.amazonaws.com"),
            IssuerForm::Updated => format!("https://issuer-cognito-idp.{region}.amazonaws.com"),
        }
    }
}

/// Which issuer forms are accepted (`USER_POOL_ISSUER`): a pool that has moved to `UPDATED` can
/// stop accepting (and fetching keys for) its `ORIGINAL` issuer, and the other way round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IssuerPolicy {
    Original,
    Updated,
    /// Both forms: a pool can switch its issuer configuration without a window where either
    /// form's tokens fail.
    #[default]
    Any,
}

impl IssuerPolicy {
    pub fn accepts(self, form: IssuerForm) -> bool {
        match self {
            IssuerPolicy::Original => form == IssuerForm::Original,
            IssuerPolicy::Updated => form == IssuerForm::Updated,
            IssuerPolicy::Any => true,
        }
    }
}

/// One accepted issuer of a pool: the exact `iss` and where that issuer's keys are fetched.
/// The key cache keeps one entry per issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolIssuer {
    pub form: IssuerForm,
    /// The exact `iss` accepted, always the AWS form whatever endpoint the keys come from.
    pub issuer: String,
    /// Where this issuer's JWKS is fetched from: `<issuer>/.well-known/jwks.json`, or
    /// `<COGNITO_ENDPOINT>/<pool id>/.well-known/jwks.json` for an emulator.
    pub jwks_url: String,
}

/// One Cognito user pool the verifier trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// e.g. `ap-northeast-1_abcdefgh`.
    pub pool_id: String,
    /// The part of the pool ID before `_`: the pool's primary Region.
    pub region: String,
    /// The issuers accepted for this pool (one or both forms, in [`IssuerForm::ALL`] order).
    pub issuers: Vec<PoolIssuer>,
}

impl PoolConfig {
    /// Builds the pool from its ID, accepting both issuer forms; `endpoint` replaces the AWS
    /// hosts for fetching the JWKS only (a local Cognito emulator).
    pub fn new(pool_id: &str, endpoint: Option<&str>) -> Result<Self, String> {
        Self::with_issuer_policy(pool_id, endpoint, IssuerPolicy::Any)
    }

    /// Builds the pool from its ID, accepting the issuer forms `policy` allows.
    pub fn with_issuer_policy(
        pool_id: &str,
        endpoint: Option<&str>,
        policy: IssuerPolicy,
    ) -> Result<Self, String> {
        let region = parse_pool_id(pool_id)?;
        let issuers = IssuerForm::ALL
            .into_iter()
            .filter(|form| policy.accepts(*form))
            .map(|form| {
                let issuer = format!("{}/{pool_id}", form.aws_base(region));
                // An emulator serves one JWKS per pool, at the path it has always used.
                let jwks_base =
                    endpoint.map_or_else(|| issuer.clone(), |e| format!("{e}/{pool_id}"));
                PoolIssuer {
                    form,
                    issuer,
                    jwks_url: format!("{jwks_base}/.well-known/jwks.json"),
                }
            })
            .collect();
        Ok(PoolConfig {
            pool_id: pool_id.to_owned(),
            region: region.to_owned(),
            issuers,
        })
    }

    /// The `iss` this pool's tokens carry in `form`, whether or not that form is accepted.
    pub fn issuer_in_form(&self, form: IssuerForm) -> String {
        format!("{}/{}", form.aws_base(&self.region), self.pool_id)
    }
}

/// What the verifier checks; independent of Lambda.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    pub pools: Vec<PoolConfig>,
    /// An ID token's `aud`, or an access token's `client_id`, must be one of these.
    pub client_ids: Vec<String>,
    pub token_use: TokenUsePolicy,
    /// Header `alg` values accepted (RS256 by default).
    pub algorithms: Vec<JwkAlgorithm>,
    pub clock_skew_seconds: u64,
    /// Any one of these in `scope` is enough; empty means no scope is required.
    pub required_scopes: Vec<String>,
    /// Any one of these in `cognito:groups` is enough; empty means no group is required.
    pub required_groups: Vec<String>,
    pub max_token_bytes: usize,
}

impl VerifierConfig {
    /// A configuration with the defaults: both issuer forms of each pool, any token use, RS256
    /// only, no clock skew, no scope or group requirements, keys fetched from AWS.
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
            token_use: TokenUsePolicy::Any,
            algorithms: vec![JwkAlgorithm::RS256],
            clock_skew_seconds: 0,
            required_scopes: Vec::new(),
            required_groups: Vec::new(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        })
    }
}

/// Everything the Lambda authorizer needs.
#[derive(Clone, Debug)]
pub struct AuthorizerConfig {
    pub verifier: VerifierConfig,
    pub route_rules: RouteRules,
    pub http_api_response: HttpApiResponse,
    /// The identity sources the HTTP API authorizer is deployed with (`IDENTITY_SOURCES`);
    /// every HTTP API event's `identitySource` must have exactly this shape. Defaults to the
    /// `Authorization` header, plus `$context.routeKey` with route rules and simple responses.
    pub identity_sources: IdentitySources,
    pub jwks_timeout: Duration,
    pub jwks_refresh_cooldown: Duration,
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
pub const VARIABLES: [&str; 14] = [
    USER_POOL_ID,
    USER_POOL_ISSUER,
    APP_CLIENT_ID,
    TOKEN_USE,
    COGNITO_ENDPOINT,
    ALLOWED_ALGORITHMS,
    CLOCK_SKEW_SECONDS,
    REQUIRED_SCOPES,
    REQUIRED_GROUPS,
    ROUTE_RULES,
    JWKS_TIMEOUT_MS,
    JWKS_REFRESH_COOLDOWN_SECONDS,
    HTTP_API_RESPONSE,
    IDENTITY_SOURCES,
];

impl AuthorizerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        for variable in VARIABLES {
            if let Err(std::env::VarError::NotUnicode(_)) = std::env::var(variable) {
                return Err(ConfigError::new(variable, "is not valid UTF-8"));
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    /// Optional variables that are unset or blank take their defaults; required ones must be
    /// present and non-blank.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let endpoint = get(COGNITO_ENDPOINT)
            .map(|raw| parse_endpoint(&raw).map_err(|e| ConfigError::new(COGNITO_ENDPOINT, e)))
            .transpose()?;

        let issuer_policy = match get(USER_POOL_ISSUER).as_deref().map(str::trim) {
            None | Some("any") => IssuerPolicy::Any,
            Some("original") => IssuerPolicy::Original,
            Some("updated") => IssuerPolicy::Updated,
            Some(other) => {
                return Err(ConfigError::new(
                    USER_POOL_ISSUER,
                    format!("{other:?} is not one of original, updated, any"),
                ));
            }
        };

        let pool_ids = required_list(USER_POOL_ID, get(USER_POOL_ID))?;
        let pools = pool_ids
            .iter()
            .map(|id| {
                PoolConfig::with_issuer_policy(id, endpoint.as_deref(), issuer_policy)
                    .map_err(|e| ConfigError::new(USER_POOL_ID, format!("{id:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;

        let client_ids = required_list(APP_CLIENT_ID, get(APP_CLIENT_ID))?;
        for id in &client_ids {
            if !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(ConfigError::new(
                    APP_CLIENT_ID,
                    format!("{id:?} is not an app client ID (letters, digits, '-' and '_' only)"),
                ));
            }
        }

        let token_use = match get(TOKEN_USE).as_deref().map(str::trim) {
            None | Some("any") => TokenUsePolicy::Any,
            Some("id") => TokenUsePolicy::Id,
            Some("access") => TokenUsePolicy::Access,
            Some(other) => {
                return Err(ConfigError::new(
                    TOKEN_USE,
                    format!("{other:?} is not one of id, access, any"),
                ));
            }
        };

        let algorithms = match get(ALLOWED_ALGORITHMS) {
            None => vec![JwkAlgorithm::RS256],
            Some(raw) => list(ALLOWED_ALGORITHMS, &raw)?
                .iter()
                .map(|name| {
                    JwkAlgorithm::from_name(name).ok_or_else(|| {
                        ConfigError::new(
                            ALLOWED_ALGORITHMS,
                            format!("{name:?} is not one of RS256, RS384, RS512"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };

        let clock_skew_seconds = number(CLOCK_SKEW_SECONDS, get(CLOCK_SKEW_SECONDS), 0, 0..=300)?;

        let required_scopes = optional_list(REQUIRED_SCOPES, get(REQUIRED_SCOPES))?;
        let required_groups = optional_list(REQUIRED_GROUPS, get(REQUIRED_GROUPS))?;

        let route_rules = match get(ROUTE_RULES) {
            None => RouteRules::default(),
            Some(raw) => RouteRules::parse(&raw).map_err(|e| ConfigError::new(ROUTE_RULES, e))?,
        };

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

        let jwks_timeout_ms = number(JWKS_TIMEOUT_MS, get(JWKS_TIMEOUT_MS), 2000, 1..=29_000)?;
        let cooldown_seconds = number(
            JWKS_REFRESH_COOLDOWN_SECONDS,
            get(JWKS_REFRESH_COOLDOWN_SECONDS),
            10,
            1..=86_400,
        )?;

        let http_api_response = match get(HTTP_API_RESPONSE).as_deref().map(str::trim) {
            None | Some("simple") => HttpApiResponse::Simple,
            Some("iam") => HttpApiResponse::Iam,
            Some(other) => {
                return Err(ConfigError::new(
                    HTTP_API_RESPONSE,
                    format!("{other:?} is not one of simple, iam"),
                ));
            }
        };

        let route_key_needed =
            http_api_response == HttpApiResponse::Simple && !route_rules.is_empty();
        let identity_sources = match get(IDENTITY_SOURCES) {
            None => IdentitySources::authorization(route_key_needed),
            Some(raw) => {
                IdentitySources::parse(&raw).map_err(|e| ConfigError::new(IDENTITY_SOURCES, e))?
            }
        };
        if route_key_needed && !identity_sources.includes_route_key() {
            return Err(ConfigError::new(
                IDENTITY_SOURCES,
                "must include $context.routeKey when ROUTE_RULES are set and \
                 HTTP_API_RESPONSE is simple: API Gateway would reuse one route's answer on \
                 every route (or set HTTP_API_RESPONSE=iam)",
            ));
        }

        Ok(AuthorizerConfig {
            verifier: VerifierConfig {
                pools,
                client_ids,
                token_use,
                algorithms,
                clock_skew_seconds,
                required_scopes,
                required_groups,
                max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            },
            route_rules,
            http_api_response,
            identity_sources,
            jwks_timeout: Duration::from_millis(jwks_timeout_ms),
            jwks_refresh_cooldown: Duration::from_secs(cooldown_seconds),
        })
    }
}

/// Checks `<region>_<id>` and returns the region. The region looks like `ap-northeast-1` or
/// `us-gov-west-1`; the ID part is alphanumeric, 9 characters at AWS but longer in emulators.
fn parse_pool_id(pool_id: &str) -> Result<&str, String> {
    let (region, id) = pool_id
        .split_once('_')
        .ok_or_else(|| "expected <region>_<id>, e.g. ap-northeast-1_abcdefgh".to_owned())?;
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !region_ok {
        return Err(format!("{region:?} is not an AWS region name"));
    }
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("the part after '_' must be 1 to 64 letters or digits".to_owned());
    }
    Ok(region)
}

/// Validates `COGNITO_ENDPOINT` and returns it without a trailing slash.
fn parse_endpoint(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".to_owned());
    }
    match url.scheme() {
        "https" => {}
        // Plain HTTP lets anyone on the path swap the keys, so it is only for a local emulator.
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err("plain http is only allowed for a loopback host (a local emulator)".into());
        }
        other => return Err(format!("scheme {other:?} is not http or https")),
    }
    Ok(trimmed.to_owned())
}

fn is_loopback_host(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// A comma-separated list: entries are trimmed; empty entries and duplicates are errors, since
/// they usually mean a typo that would otherwise be silently ignored.
fn list(variable: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim) {
        if entry.is_empty() {
            return Err(ConfigError::new(
                variable,
                "has an empty entry (check the commas)",
            ));
        }
        if entry.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                variable,
                format!("entry {entry:?} contains whitespace"),
            ));
        }
        if !seen.insert(entry) {
            return Err(ConfigError::new(variable, format!("lists {entry:?} twice")));
        }
        out.push(entry.to_owned());
    }
    Ok(out)
}

fn required_list(variable: &'static str, raw: Option<String>) -> Result<Vec<String>, ConfigError> {
    let raw = raw.ok_or_else(|| ConfigError::new(variable, "is required but not set"))?;
    list(variable, &raw)
}

fn optional_list(variable: &'static str, raw: Option<String>) -> Result<Vec<String>, ConfigError> {
    raw.map_or_else(|| Ok(Vec::new()), |raw| list(variable, &raw))
}

fn number(
    variable: &'static str,
    raw: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    let value: u64 = raw.trim().parse().map_err(|_| {
        ConfigError::new(variable, format!("{:?} is not a whole number", raw.trim()))
    })?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            variable,
            format!("{value} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<AuthorizerConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        AuthorizerConfig::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: [(&str, &str); 2] = [
        ("USER_POOL_ID", "ap-northeast-1_abcdefgh"),
        ("APP_CLIENT_ID", "190d8ar0cc5pc1isoec2s5ncvb"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Result<AuthorizerConfig, ConfigError> {
        let mut vars = BASE.to_vec();
        vars.extend_from_slice(extra);
        config(&vars)
    }

    #[test]
    fn defaults_and_derived_urls() {
        let c = with(&[]).unwrap();
        let pool = &c.verifier.pools[0];
        assert_eq!(pool.region, "ap-northeast-1");
        // Both issuer forms by default, each with the JWKS at its own host.
        assert_eq!(
            pool.issuers,
            vec![
                PoolIssuer {
                    form: IssuerForm::Original,
                    issuer: "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh".into(),
                    jwks_url: "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh/.well-known/jwks.json".into(),
                },
                PoolIssuer {
                    form: IssuerForm::Updated,
                    issuer: "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh".into(),
                    jwks_url: "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh/.well-known/jwks.json".into(),
                },
            ]
        );
        assert_eq!(c.verifier.token_use, TokenUsePolicy::Any);
        assert_eq!(c.verifier.algorithms, vec![JwkAlgorithm::RS256]);
        assert_eq!(c.verifier.clock_skew_seconds, 0);
        assert_eq!(c.jwks_timeout, Duration::from_millis(2000));
        assert_eq!(c.jwks_refresh_cooldown, Duration::from_secs(10));
        assert_eq!(c.http_api_response, HttpApiResponse::Simple);
        assert!(c.route_rules.is_empty());
    }

    #[test]
    fn endpoint_replaces_jwks_host_but_not_issuer() {
        let c = with(&[
            (
                "USER_POOL_ID",
                "us-east-1_0123456789abcdef0123456789abcdef, eu-west-1_XyZ",
            ),
            ("COGNITO_ENDPOINT", "http://127.0.0.1:5000/"),
        ])
        .unwrap();
        assert_eq!(c.verifier.pools.len(), 2);
        let pool = &c.verifier.pools[1];
        let issuers: Vec<(&str, &str)> = pool
            .issuers
            .iter()
            .map(|i| (i.issuer.as_str(), i.jwks_url.as_str()))
            .collect();
        // Both forms keep their AWS `iss`; the emulator serves one JWKS path for both.
        assert_eq!(
            issuers,
            vec![
                (
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_XyZ",
                    "http://127.0.0.1:5000/eu-west-1_XyZ/.well-known/jwks.json"
                ),
                (
                    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_XyZ",
                    "http://127.0.0.1:5000/eu-west-1_XyZ/.well-known/jwks.json"
                ),
            ]
        );
    }

    #[test]
    fn user_pool_issuer_pins_one_form() {
        let forms = |c: &AuthorizerConfig| -> Vec<Vec<IssuerForm>> {
            c.verifier
                .pools
                .iter()
                .map(|p| p.issuers.iter().map(|i| i.form).collect())
                .collect()
        };
        let two_pools = ("USER_POOL_ID", "ap-northeast-1_abc,us-east-1_def");
        let cases = [
            ("original", vec![IssuerForm::Original]),
            (" updated ", vec![IssuerForm::Updated]),
            ("any", vec![IssuerForm::Original, IssuerForm::Updated]),
            ("", vec![IssuerForm::Original, IssuerForm::Updated]),
        ];
        for (value, expected) in cases {
            let c = with(&[two_pools, ("USER_POOL_ISSUER", value)]).unwrap();
            assert_eq!(forms(&c), vec![expected.clone(), expected], "{value:?}");
        }
        let updated = with(&[
            ("USER_POOL_ISSUER", "updated"),
            ("COGNITO_ENDPOINT", "http://localhost:9229"),
        ])
        .unwrap();
        assert_eq!(
            updated.verifier.pools[0].issuers,
            vec![PoolIssuer {
                form: IssuerForm::Updated,
                issuer: "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh".into(),
                jwks_url: "http://localhost:9229/ap-northeast-1_abcdefgh/.well-known/jwks.json".into(),
            }]
        );
        // The excluded form is still known, to explain a rejection.
        assert_eq!(
            updated.verifier.pools[0].issuer_in_form(IssuerForm::Original),
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh"
        );
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("APP_CLIENT_ID", "abc")], "USER_POOL_ID"),
            (&[("USER_POOL_ID", "ap-northeast-1_x")], "APP_CLIENT_ID"),
            (
                &[("USER_POOL_ID", "  "), ("APP_CLIENT_ID", "abc")],
                "USER_POOL_ID",
            ),
            (
                &[("USER_POOL_ID", "abcdefgh"), ("APP_CLIENT_ID", "abc")],
                "USER_POOL_ID",
            ),
            (
                &[("USER_POOL_ID", "Tokyo_abc"), ("APP_CLIENT_ID", "abc")],
                "USER_POOL_ID",
            ),
            (
                &[("USER_POOL_ID", "us-east-1_a/b"), ("APP_CLIENT_ID", "abc")],
                "USER_POOL_ID",
            ),
            (
                &[("USER_POOL_ID", "us-east-1_a,"), ("APP_CLIENT_ID", "abc")],
                "USER_POOL_ID",
            ),
            (
                &[
                    ("USER_POOL_ID", "us-east-1_a,us-east-1_a"),
                    ("APP_CLIENT_ID", "abc"),
                ],
                "USER_POOL_ID",
            ),
            (
                &[("USER_POOL_ID", "us-east-1_a"), ("APP_CLIENT_ID", "a b")],
                "APP_CLIENT_ID",
            ),
            (
                &[("USER_POOL_ID", "us-east-1_a"), ("APP_CLIENT_ID", "a;b")],
                "APP_CLIENT_ID",
            ),
        ];
        for (vars, expected) in cases {
            let err = config(vars).unwrap_err();
            assert_eq!(err.variable, *expected, "{vars:?}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        let single: &[(&'static str, &'static str, &str)] = &[
            ("TOKEN_USE", "both", "TOKEN_USE"),
            ("USER_POOL_ISSUER", "both", "USER_POOL_ISSUER"),
            ("USER_POOL_ISSUER", "UPDATED", "USER_POOL_ISSUER"),
            ("USER_POOL_ISSUER", "issuer-cognito-idp", "USER_POOL_ISSUER"),
            ("USER_POOL_ISSUER", "original,updated", "USER_POOL_ISSUER"),
            ("COGNITO_ENDPOINT", "ftp://127.0.0.1", "COGNITO_ENDPOINT"),
            (
                "COGNITO_ENDPOINT",
                "http://cognito.example.com",
                "COGNITO_ENDPOINT",
            ),
            (
                "COGNITO_ENDPOINT",
                "https://u:p@example.com",
                "COGNITO_ENDPOINT",
            ),
            (
                "COGNITO_ENDPOINT",
                "https://example.com/?x=1",
                "COGNITO_ENDPOINT",
            ),
            ("COGNITO_ENDPOINT", "not a url", "COGNITO_ENDPOINT"),
            ("ALLOWED_ALGORITHMS", "HS256", "ALLOWED_ALGORITHMS"),
            ("ALLOWED_ALGORITHMS", "none", "ALLOWED_ALGORITHMS"),
            ("CLOCK_SKEW_SECONDS", "301", "CLOCK_SKEW_SECONDS"),
            ("CLOCK_SKEW_SECONDS", "-1", "CLOCK_SKEW_SECONDS"),
            ("CLOCK_SKEW_SECONDS", "1.5", "CLOCK_SKEW_SECONDS"),
            ("REQUIRED_SCOPES", "a,,b", "REQUIRED_SCOPES"),
            ("REQUIRED_GROUPS", "admin,admin", "REQUIRED_GROUPS"),
            ("ROUTE_RULES", "{not json", "ROUTE_RULES"),
            ("JWKS_TIMEOUT_MS", "0", "JWKS_TIMEOUT_MS"),
            ("JWKS_TIMEOUT_MS", "soon", "JWKS_TIMEOUT_MS"),
            (
                "JWKS_REFRESH_COOLDOWN_SECONDS",
                "0",
                "JWKS_REFRESH_COOLDOWN_SECONDS",
            ),
            ("HTTP_API_RESPONSE", "policy", "HTTP_API_RESPONSE"),
        ];
        for (name, value, expected) in single {
            let err = with(&[(name, value)]).unwrap_err();
            assert_eq!(err.variable, *expected, "{name}={value}");
        }
    }

    #[test]
    fn valid_optional_values_are_read() {
        let c = with(&[
            ("TOKEN_USE", "access"),
            ("ALLOWED_ALGORITHMS", "RS256, RS512"),
            ("CLOCK_SKEW_SECONDS", "300"),
            ("REQUIRED_SCOPES", "items/read, items/write"),
            ("REQUIRED_GROUPS", "admin"),
            ("JWKS_TIMEOUT_MS", "500"),
            ("JWKS_REFRESH_COOLDOWN_SECONDS", "60"),
            ("HTTP_API_RESPONSE", "iam"),
            ("COGNITO_ENDPOINT", "https://cognito.example.com/base"),
            ("ROUTE_RULES", r#"{"GET /admin": {"groups": ["admin"]}}"#),
        ])
        .unwrap();
        assert_eq!(c.verifier.token_use, TokenUsePolicy::Access);
        assert_eq!(
            c.verifier.algorithms,
            vec![JwkAlgorithm::RS256, JwkAlgorithm::RS512]
        );
        assert_eq!(c.verifier.clock_skew_seconds, 300);
        assert_eq!(
            c.verifier.required_scopes,
            vec!["items/read", "items/write"]
        );
        assert_eq!(c.verifier.required_groups, vec!["admin"]);
        assert_eq!(c.jwks_timeout, Duration::from_millis(500));
        assert_eq!(c.jwks_refresh_cooldown, Duration::from_secs(60));
        assert_eq!(c.http_api_response, HttpApiResponse::Iam);
        assert!(
            c.verifier.pools[0]
                .issuers
                .iter()
                .all(|i| i.jwks_url.starts_with("https://cognito.example.com/base/"))
        );
        assert!(!c.route_rules.is_empty());
    }

    #[test]
    fn identity_sources_default_to_what_the_decision_depends_on() {
        use crate::identity_sources::IdentitySources;
        let rules = ("ROUTE_RULES", r#"{"GET /admin": {"groups": ["admin"]}}"#);
        let cases: &[(&[(&str, &str)], IdentitySources)] = &[
            (&[], IdentitySources::authorization(false)),
            (&[rules], IdentitySources::authorization(true)),
            (
                &[rules, ("HTTP_API_RESPONSE", "iam")],
                IdentitySources::authorization(false),
            ),
            (
                &[
                    rules,
                    (
                        "IDENTITY_SOURCES",
                        "$request.header.Authorization,$context.routeKey,$request.header.X-Tenant",
                    ),
                ],
                IdentitySources::parse(
                    "$request.header.Authorization,$context.routeKey,$request.header.x-tenant",
                )
                .unwrap(),
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(&with(vars).unwrap().identity_sources, expected, "{vars:?}");
        }
        for vars in [
            &[rules, ("IDENTITY_SOURCES", "$request.header.Authorization")][..],
            &[("IDENTITY_SOURCES", "$context.routeKey")],
            &[(
                "IDENTITY_SOURCES",
                "$request.header.X-Tenant,$context.routeKey",
            )],
        ] {
            let error = with(vars).unwrap_err();
            assert_eq!(error.variable, "IDENTITY_SOURCES", "{vars:?}");
        }
    }

    #[test]
    fn route_rules_whose_deny_list_could_not_fit_an_answer_are_refused() {
        let any_rules = |count: usize| {
            let rules: Vec<String> = (0..count)
                .map(|i| format!(r#""ANY /section-{i:02}": {{"groups": ["g"]}}"#))
                .collect();
            format!("{{{}}}", rules.join(","))
        };
        // 14 resources of about 115 bytes each per ANY rule: three fit, four do not.
        assert!(with(&[("ROUTE_RULES", any_rules(3).leak())]).is_ok());
        let error = with(&[("ROUTE_RULES", any_rules(4).leak())]).unwrap_err();
        assert_eq!(error.variable, "ROUTE_RULES");
        assert!(error.message.contains("Deny list"), "{error}");
    }

    #[test]
    fn duplicate_json_members_name_the_variable() {
        let error = with(&[(
            "ROUTE_RULES",
            r#"{"GET /admin":{"groups":["admin"],"groups":["staff"]}}"#,
        )])
        .unwrap_err();
        assert_eq!(error.variable, "ROUTE_RULES");
        assert!(
            error.message.contains("duplicate member name \"groups\""),
            "{error}"
        );
    }

    #[test]
    fn blank_optional_values_take_defaults() {
        let c = with(&[
            ("TOKEN_USE", ""),
            ("ROUTE_RULES", " "),
            ("REQUIRED_SCOPES", ""),
        ])
        .unwrap();
        assert_eq!(c.verifier.token_use, TokenUsePolicy::Any);
        assert!(c.route_rules.is_empty());
        assert!(c.verifier.required_scopes.is_empty());
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
}
