//! `REQUIRED_CLAIMS` and `ROUTE_RULES`' `required_claims` read from the environment: errors
//! name the variable and the place, and the verifier is told which claims to keep.

use super::AuthorizerConfig;
use super::tests::with;
use oidc_jwt_verifier::claims::{CallerKind, ClaimRule, ClaimValue};

#[test]
fn errors_name_the_variable_and_the_rule() {
    let cases = [
        (
            "float value",
            "REQUIRED_CLAIMS",
            r#"{"claims": {"custom:tenant": 1.5}}"#,
            "invalid configuration: REQUIRED_CLAIMS[custom:tenant]: 1.5 is not a whole number",
        ),
        (
            "bad token kind",
            "REQUIRED_CLAIMS",
            r#"{"token_kind": "robot"}"#,
            "invalid configuration: REQUIRED_CLAIMS.token_kind: must be",
        ),
        (
            "not an object",
            "REQUIRED_CLAIMS",
            "true",
            "invalid configuration: REQUIRED_CLAIMS: must be a JSON object",
        ),
        (
            "unknown key",
            "REQUIRED_CLAIMS",
            r#"{"max_age": 5}"#,
            "invalid configuration: REQUIRED_CLAIMS: unknown key \"max_age\"",
        ),
        (
            "route rule's claim",
            "ROUTE_RULES",
            r#"{"GET /a": {"required_claims": {"claims": {"custom:tenant": null}}}}"#,
            "invalid configuration: ROUTE_RULES: \"GET /a\": required_claims[custom:tenant]: null must be",
        ),
        (
            "route rule's age",
            "ROUTE_RULES",
            r#"{"GET /a": {"required_claims": {"max_auth_age_seconds": 0}}}"#,
            "invalid configuration: ROUTE_RULES: \"GET /a\": required_claims.max_auth_age_seconds: must be",
        ),
        (
            "route rule's empty rules",
            "ROUTE_RULES",
            r#"{"GET /a": {"required_claims": {}}}"#,
            "invalid configuration: ROUTE_RULES: \"GET /a\": required_claims: names no rule",
        ),
    ];
    for (name, variable, value, expected) in cases {
        let error = with(&[(variable, value)]).unwrap_err();
        assert_eq!(error.variable, variable, "{name}");
        assert!(error.to_string().starts_with(expected), "{name}: {error}");
    }
}

#[test]
fn global_and_route_rules_are_read_and_their_claims_kept() {
    let c = with(&[
        (
            "REQUIRED_CLAIMS",
            r#"{"claims": {"email_verified": true}, "token_kind": "user"}"#,
        ),
        (
            "ROUTE_RULES",
            r#"{"POST /pay": {"required_claims": {"claims": {"custom:tenant": ["a", "b"], "email_verified": true}, "max_auth_age_seconds": 300}},
                "GET /admin": {"groups": ["admin"]}}"#,
        ),
        ("AUTHORIZER_CACHE_TTL_SECONDS", "0"),
    ])
    .unwrap();
    assert_eq!(
        c.verifier.required_claims.rules(),
        [
            ClaimRule::OneOf {
                claim: "email_verified".into(),
                values: vec![ClaimValue::Bool(true)]
            },
            ClaimRule::Caller(CallerKind::User),
        ]
    );
    // Each claim a route rule compares, once; the global rules' own are kept by the verifier.
    assert_eq!(c.verifier.kept_claims, ["custom:tenant", "email_verified"]);
    let pay = c
        .route_rules
        .rules()
        .iter()
        .find(|r| r.path == "/pay")
        .unwrap();
    assert!(pay.groups.is_empty() && pay.scopes.is_empty());
    assert_eq!(pay.required_claims.rules().len(), 3);

    let plain = with(&[]).unwrap();
    assert!(plain.verifier.required_claims.is_empty());
    assert!(
        plain.verifier.kept_claims.is_empty(),
        "nothing more is read"
    );
}

/// `max_auth_age_seconds` under the result cache: each bound is judged as bound - TTL, a bound
/// shorter than the TTL stops init naming both settings, and a freshness rule without a TTL
/// stops init naming the TTL's variable.
#[test]
fn freshness_bounds_are_held_for_the_cache_ttl() {
    const TTL: &str = "AUTHORIZER_CACHE_TTL_SECONDS";
    let global = |seconds: u64| format!(r#"{{"max_auth_age_seconds": {seconds}}}"#);
    let route = |seconds: u64| {
        format!(r#"{{"POST /pay": {{"required_claims": {{"max_auth_age_seconds": {seconds}}}}}}}"#)
    };
    let route_bound =
        |c: &AuthorizerConfig| c.route_rules.rules()[0].required_claims.rules().to_vec();

    // Accepted, with the bound judged at verification time.
    let cases = [
        (
            "global, bound above the TTL",
            "REQUIRED_CLAIMS",
            global(900),
            "300",
            600,
        ),
        (
            "global, bound equal to the TTL",
            "REQUIRED_CLAIMS",
            global(300),
            "300",
            0,
        ),
        ("global, no cache", "REQUIRED_CLAIMS", global(5), "0", 5),
        (
            "route, bound above the TTL",
            "ROUTE_RULES",
            route(31),
            "30",
            1,
        ),
        (
            "route, bound equal to the TTL",
            "ROUTE_RULES",
            route(30),
            "30",
            0,
        ),
        ("route, no cache", "ROUTE_RULES", route(5), " 0 ", 5),
    ];
    for (name, variable, rules, ttl, held) in cases {
        let c = with(&[(variable, &rules), (TTL, ttl)]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let judged = if variable == "REQUIRED_CLAIMS" {
            c.verifier.required_claims.rules().to_vec()
        } else {
            route_bound(&c)
        };
        assert_eq!(judged, [ClaimRule::MaxAuthAge { seconds: held }], "{name}");
    }

    // Refused at init.
    let refusals = [
        (
            "global, bound under the TTL",
            "REQUIRED_CLAIMS",
            global(299),
            Some("300"),
            "REQUIRED_CLAIMS",
            "invalid configuration: REQUIRED_CLAIMS: max_auth_age_seconds 299 is shorter than AUTHORIZER_CACHE_TTL_SECONDS 300 (AuthorizerCacheTtl)",
        ),
        (
            "route, bound under the TTL",
            "ROUTE_RULES",
            route(5),
            Some("30"),
            "ROUTE_RULES",
            "invalid configuration: ROUTE_RULES: \"POST /pay\": max_auth_age_seconds 5 is shorter than AUTHORIZER_CACHE_TTL_SECONDS 30 (AuthorizerCacheTtl)",
        ),
        (
            "global, no TTL",
            "REQUIRED_CLAIMS",
            global(900),
            None,
            TTL,
            "invalid configuration: AUTHORIZER_CACHE_TTL_SECONDS: is required when REQUIRED_CLAIMS or ROUTE_RULES has max_auth_age_seconds",
        ),
        (
            "route, blank TTL",
            "ROUTE_RULES",
            route(900),
            Some(" "),
            TTL,
            "invalid configuration: AUTHORIZER_CACHE_TTL_SECONDS: is required",
        ),
        (
            "TTL over API Gateway's longest",
            "ROUTE_RULES",
            route(9000),
            Some("3601"),
            TTL,
            "invalid configuration: AUTHORIZER_CACHE_TTL_SECONDS: 3601 is outside 0..=3600",
        ),
        (
            "TTL not a number",
            "ROUTE_RULES",
            route(900),
            Some("5m"),
            TTL,
            "invalid configuration: AUTHORIZER_CACHE_TTL_SECONDS: \"5m\" is not a whole number",
        ),
    ];
    for (name, variable, rules, ttl, named, expected) in refusals {
        let mut vars = vec![(variable, rules.as_str())];
        vars.extend(ttl.map(|ttl| (TTL, ttl)));
        let error = with(&vars).unwrap_err();
        assert_eq!(error.variable, named, "{name}");
        assert!(error.to_string().starts_with(expected), "{name}: {error}");
    }

    // Without a freshness rule the TTL is not needed, and when given it is still checked.
    assert!(with(&[("ROUTE_RULES", r#"{"GET /a": {"groups": ["x"]}}"#)]).is_ok());
    assert!(with(&[(TTL, "3600")]).is_ok());
    assert_eq!(with(&[(TTL, "-1")]).unwrap_err().variable, TTL);
}
