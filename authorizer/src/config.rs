//! The Lambda authorizer's configuration, read once at start-up from environment variables and
//! validated completely: a bad value stops the function during init with an error naming the
//! variable, so no invocation ever runs with a half-understood configuration.

use std::collections::HashSet;
use std::time::Duration;

use cognito_verifier::{
    ConfigError, DEFAULT_MAX_TOKEN_BYTES, IssuerPolicy, JwkAlgorithm, JwksFetchError, PoolConfig,
    TokenUsePolicy, Verifier, VerifierConfig, parse_endpoint,
};

use crate::apigw::{
    Authorizer, HttpApiResponse, IdentitySources, RouteRules, answers_cached_per_route,
};

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
    /// Builds the production authorizer: HTTPS JWKS fetcher, system clock. Fails only when
    /// the TLS stack cannot be set up.
    pub fn build(self) -> Result<Authorizer, JwksFetchError> {
        let verifier =
            Verifier::with_http(self.verifier, self.jwks_timeout, self.jwks_refresh_cooldown)?;
        Ok(
            Authorizer::new(verifier, self.route_rules, self.http_api_response)
                .with_identity_sources(self.identity_sources),
        )
    }

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
                            format!(
                                "{name:?} is not one of {}",
                                JwkAlgorithm::ALL.map(JwkAlgorithm::name).join(", ")
                            ),
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

        let route_key_needed = answers_cached_per_route(http_api_response, &route_rules);
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
    use cognito_verifier::{IssuerForm, PoolIssuer};
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
            ("ALLOWED_ALGORITHMS", "es256", "ALLOWED_ALGORITHMS"),
            ("ALLOWED_ALGORITHMS", "Ed25519", "ALLOWED_ALGORITHMS"),
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
    fn an_unknown_algorithm_is_answered_with_every_supported_name() {
        let err = with(&[("ALLOWED_ALGORITHMS", "RS256, HS256")]).unwrap_err();
        assert_eq!(err.variable, "ALLOWED_ALGORITHMS");
        assert!(
            err.to_string().ends_with(
                "\"HS256\" is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA"
            ),
            "{err}"
        );
    }

    #[test]
    fn valid_optional_values_are_read() {
        let c = with(&[
            ("TOKEN_USE", "access"),
            ("ALLOWED_ALGORITHMS", "RS256, PS512, ES384, EdDSA"),
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
            vec![
                JwkAlgorithm::RS256,
                JwkAlgorithm::PS512,
                JwkAlgorithm::ES384,
                JwkAlgorithm::EdDSA
            ]
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
        use crate::apigw::IdentitySources;
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
}
