//! `REQUIRED_CLAIMS` and `ROUTE_RULES`' `required_claims` read from the environment: errors
//! name the variable and the place, and the verifier is told which claims to keep.

use super::tests::with;
use cognito_verifier::{CallerKind, ClaimRule, ClaimValue};

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
