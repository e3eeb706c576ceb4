//! The environment read into a configuration: defaults, derived URLs, and an error naming the
//! variable for every bad value.

use super::*;
use oidc_jwt_verifier::config::{
    ClientCheck, IssuerForm, JwkAlgorithm, JwksLocation, PoolIssuer, ScopesClaim, TokenUsePolicy,
};
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

/// The configuration of a pool and client (`BASE`) and `extra` (a later value wins); the other
/// configuration test modules use it too.
pub(super) fn with(extra: &[(&str, &str)]) -> Result<AuthorizerConfig, ConfigError> {
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
            issuer:
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh"
                    .into(),
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

/// The limit itself is allowed: a Deny list of exactly `MAX_DENY_BYTES` fits, one byte more
/// does not.
#[test]
fn a_deny_list_of_exactly_the_limit_is_allowed_and_one_byte_more_is_not() {
    let prefix = NOMINAL_STAGE_PREFIX.len();
    let base = (0..3)
        .map(|i| format!(r#""ANY /section-{i:02}": {{"groups": ["g"]}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let base_bytes = RouteRules::parse(&format!("{{{base}}}"))
        .unwrap()
        .worst_case_deny_bytes(prefix);
    // A POST rule on `/<name>*` covers one resource, `"<prefix>POST/<name>*",`: it tops the
    // three ANY rules up to `deny_bytes`.
    let rules = |deny_bytes: usize| {
        let name = "a".repeat(deny_bytes - base_bytes - prefix - "POST/*".len() - 3);
        format!(r#"{{{base},"POST /{name}*": {{"groups": ["g"]}}}}"#)
    };
    for (deny_bytes, allowed) in [
        (MAX_DENY_BYTES - 1, true),
        (MAX_DENY_BYTES, true),
        (MAX_DENY_BYTES + 1, false),
    ] {
        let raw = rules(deny_bytes);
        let parsed = RouteRules::parse(&raw).unwrap();
        // The test's own arithmetic, checked.
        assert_eq!(parsed.worst_case_deny_bytes(prefix), deny_bytes);
        let result = with(&[("ROUTE_RULES", raw.leak())]);
        assert_eq!(result.is_ok(), allowed, "{deny_bytes} bytes: {result:?}");
    }
}

/// Cognito app client IDs are letters and digits, and other issuers' client IDs may hold `-`
/// or `_`; nothing else is taken, so a pasted URL or a stray character stops at init.
#[test]
fn app_client_ids_are_letters_digits_dashes_and_underscores() {
    for good in [
        "190d8ar0cc5pc1isoec2s5ncvb",
        "ABC123",
        "my-client",
        "my_client",
        "-_",
    ] {
        let c = with_client_id(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
        assert_eq!(c.verifier.client_ids, vec![good.to_owned()]);
    }
    for bad in [
        "my.client",
        "my+client",
        "my/client",
        "client=",
        "clïent",
        "\u{ff43}lient",
    ] {
        let error = with_client_id(bad).unwrap_err();
        assert_eq!(error.variable, "APP_CLIENT_ID", "{bad:?}");
        assert!(
            error.message.contains("not an app client ID"),
            "{bad:?}: {error}"
        );
    }
}

fn with_client_id(id: &'static str) -> Result<AuthorizerConfig, ConfigError> {
    config(&[("USER_POOL_ID", BASE[0].1), ("APP_CLIENT_ID", id)])
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

const OKTA: &str = r#"[{"name":"okta","issuer":"https://example.okta.com/oauth2/default","audience":"api://default","algorithms":["RS256"],"groups_claim":"groups","scopes_claim":"scp","typ":"at+jwt"}]"#;

#[test]
fn issuers_alone_are_enough_and_join_the_pools() {
    let alone = config(&[("ISSUERS", OKTA)]).unwrap();
    assert!(alone.verifier.pools.is_empty());
    let trusted = alone.verifier.trusted_issuers();
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].name, "okta");
    assert_eq!(trusted[0].jwks, JwksLocation::Discovery);
    assert_eq!(trusted[0].scopes_claim, ScopesClaim::Scp);

    // With a pool: its two forms first (named by the pool ID, Cognito rules), then the entry.
    let both = with(&[("ISSUERS", OKTA)]).unwrap();
    let trusted = both.verifier.trusted_issuers();
    let names: Vec<(&str, &str)> = trusted
        .iter()
        .map(|t| (t.name.as_str(), t.issuer.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            (
                "ap-northeast-1_abcdefgh",
                "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh"
            ),
            (
                "ap-northeast-1_abcdefgh",
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh"
            ),
            ("okta", "https://example.okta.com/oauth2/default"),
        ]
    );
    assert_eq!(
        trusted[0].client,
        ClientCheck::ClientId(vec!["190d8ar0cc5pc1isoec2s5ncvb".into()])
    );
    assert_eq!(trusted[0].token_use, Some(TokenUsePolicy::Any));
    assert_eq!(trusted[0].groups_claim.as_deref(), Some("cognito:groups"));
}

/// Each mistake, and the exact start of the message (after `invalid configuration: `).
#[test]
fn issuers_errors_name_the_variable_and_the_entry() {
    let local = |issuer: &str| {
        format!(
            r#"[{{"name":"local","issuer":"{issuer}","client_id":"c","token_use":"any","algorithms":["RS256"]}}]"#
        )
    };
    let pool_issuer = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh";
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![],
            "USER_POOL_ID: is required but not set (or set ISSUERS",
        ),
        (
            vec![("ISSUERS", local("http://example.com/p"))],
            "ISSUERS[0].issuer: without jwks_uri, the issuer is where keys are discovered: plain http",
        ),
        (
            vec![("ISSUERS", OKTA.replace("\"RS256\"", "\"HS256\""))],
            "ISSUERS[0].algorithms: \"HS256\" is not a supported alg",
        ),
        (
            vec![("ISSUERS", "{}".into())],
            "ISSUERS: must be a JSON array",
        ),
        (
            vec![("ISSUERS", OKTA.into()), ("APP_CLIENT_ID", "abc".into())],
            "APP_CLIENT_ID: applies to USER_POOL_ID pools only",
        ),
        (
            vec![("ISSUERS", OKTA.into()), ("TOKEN_USE", "id".into())],
            "TOKEN_USE: applies to USER_POOL_ID pools only",
        ),
        (
            vec![
                ("ISSUERS", local(pool_issuer)),
                ("USER_POOL_ID", "ap-northeast-1_abcdefgh".into()),
                ("APP_CLIENT_ID", "abc".into()),
            ],
            "ISSUERS[0].issuer: \"https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh\" is already trusted",
        ),
        (
            vec![
                (
                    "ISSUERS",
                    OKTA.replace("\"okta\"", "\"ap-northeast-1_abcdefgh\""),
                ),
                ("USER_POOL_ID", "ap-northeast-1_abcdefgh".into()),
                ("APP_CLIENT_ID", "abc".into()),
            ],
            "ISSUERS[0].name: \"ap-northeast-1_abcdefgh\" is also a pool",
        ),
    ];
    for (vars, expected) in cases {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let error = config(&vars).unwrap_err().to_string();
        let message = error.strip_prefix("invalid configuration: ").unwrap();
        assert!(message.starts_with(expected), "{message:?} vs {expected:?}");
    }
}

/// The configuration reference's `ISSUERS` examples (both languages) are valid settings as
/// written.
#[test]
fn the_documented_issuers_examples_are_accepted() {
    for (file, text) in [
        (
            "docs/configuration.md",
            include_str!("../../../docs/configuration.md"),
        ),
        (
            "docs/configuration.ja.md",
            include_str!("../../../docs/configuration.ja.md"),
        ),
    ] {
        let examples: Vec<&str> = text
            .split("```json\n")
            .skip(1)
            .filter_map(|block| block.split("\n```").next())
            .filter(|block| block.starts_with("[{\"name\""))
            .collect();
        assert_eq!(
            examples.len(),
            2,
            "{file}: the Auth0 and cognito-local examples"
        );
        for example in examples {
            let parsed = config(&[("ISSUERS", example)]);
            assert!(parsed.is_ok(), "{file}: {example}: {:?}", parsed.err());
        }
    }
}
