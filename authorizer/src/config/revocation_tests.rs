//! `REVOCATION_TABLE` and its settings read from the environment: unset is off (and its other
//! settings alone are a mistake), set needs the Lambda environment's Region and credentials,
//! and each bad value names its variable.

use super::tests::with;
use super::*;

const AWS: [(&str, &str); 4] = [
    ("REVOCATION_TABLE", "revocations"),
    ("AWS_REGION", "ap-northeast-1"),
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
];

/// A case's variables.
type Variables<'a> = Vec<(&'a str, &'a str)>;

fn aws_with(extra: &[(&str, &str)]) -> Result<AuthorizerConfig, ConfigError> {
    let mut all = AWS.to_vec();
    all.extend_from_slice(extra);
    with(&all)
}

#[test]
fn unset_is_off_even_with_aws_credentials_around() {
    let config = with(&AWS[1..]).unwrap();
    assert!(config.revocation.is_none());
}

#[test]
fn defaults_and_overrides() {
    let settings = aws_with(&[]).unwrap().revocation.unwrap();
    assert_eq!(settings.table, "revocations");
    assert_eq!(settings.cache_for, Duration::from_secs(30));
    assert_eq!(
        settings.failure,
        oidc_jwt_verifier::revocation::FailurePolicy::Closed
    );
    assert_eq!(settings.timeout, Duration::from_millis(1000));
    assert_eq!(
        settings.endpoint,
        "https://dynamodb.ap-northeast-1.amazonaws.com"
    );
    assert_eq!(settings.signer.region, "ap-northeast-1");
    assert_eq!(settings.signer.credentials.session_token, None);

    let settings = aws_with(&[
        ("REVOCATION_CACHE_SECONDS", "0"),
        ("REVOCATION_FAILURE", "open"),
        ("REVOCATION_TIMEOUT_MS", "250"),
        ("AWS_SESSION_TOKEN", "token"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:5001/"),
    ])
    .unwrap()
    .revocation
    .unwrap();
    assert_eq!(settings.cache_for, Duration::ZERO);
    assert_eq!(
        settings.failure,
        oidc_jwt_verifier::revocation::FailurePolicy::Open
    );
    assert_eq!(settings.timeout, Duration::from_millis(250));
    assert_eq!(
        settings.signer.credentials.session_token.as_deref(),
        Some("token")
    );
    assert_eq!(
        settings.endpoint, "http://127.0.0.1:5001",
        "the DynamoDB override wins"
    );

    let settings = aws_with(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")])
        .unwrap()
        .revocation
        .unwrap();
    assert_eq!(settings.endpoint, "http://127.0.0.1:5000");
}

#[test]
fn bad_settings_stop_init_naming_the_variable() {
    let cases: [(&str, Variables, &str); 10] = [
        (
            "failure without a table",
            vec![("REVOCATION_FAILURE", "open")],
            "REVOCATION_FAILURE",
        ),
        (
            "cache without a table",
            vec![("REVOCATION_CACHE_SECONDS", "5")],
            "REVOCATION_CACHE_SECONDS",
        ),
        (
            "bad table name",
            [&AWS[..], &[("REVOCATION_TABLE", "a b")]].concat(),
            "REVOCATION_TABLE",
        ),
        (
            "bad policy",
            [&AWS[..], &[("REVOCATION_FAILURE", "maybe")]].concat(),
            "REVOCATION_FAILURE",
        ),
        (
            "cache too long",
            [&AWS[..], &[("REVOCATION_CACHE_SECONDS", "3601")]].concat(),
            "REVOCATION_CACHE_SECONDS",
        ),
        (
            "zero timeout",
            [&AWS[..], &[("REVOCATION_TIMEOUT_MS", "0")]].concat(),
            "REVOCATION_TIMEOUT_MS",
        ),
        ("no region", vec![AWS[0], AWS[2], AWS[3]], "AWS_REGION"),
        (
            "no access key",
            vec![AWS[0], AWS[1], AWS[3]],
            "AWS_ACCESS_KEY_ID",
        ),
        (
            "no secret",
            vec![AWS[0], AWS[1], AWS[2]],
            "AWS_SECRET_ACCESS_KEY",
        ),
        (
            "plain http off loopback",
            [
                &AWS[..],
                &[("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb.example.com")],
            ]
            .concat(),
            "AWS_ENDPOINT_URL_DYNAMODB",
        ),
    ];
    for (name, vars, variable) in cases {
        let error = with(&vars)
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert!(
            error.to_string().contains(variable),
            "{name}: {error} does not name {variable}"
        );
    }
}

#[test]
fn the_configuration_never_prints_the_secret() {
    let config = aws_with(&[("AWS_SESSION_TOKEN", "session-secret")]).unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("\"secret\""), "{shown}");
    assert!(!shown.contains("session-secret"), "{shown}");
}
