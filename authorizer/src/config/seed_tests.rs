//! `JWKS_SEED` and `JWKS_SEED_FILE` (and `SSL_CERT_FILE`): a usable seed is read for the
//! trusted issuers; anything else stops init naming the variable.

use serde_json::json;

use super::tests::with;

const ISSUER: &str = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh";

fn seed_json() -> String {
    json!({ ISSUER: testkit::TestKey::jwks(&[testkit::TestKey::shared(0)]) }).to_string()
}

/// Settings added to the base configuration.
type Vars<'a> = Vec<(&'a str, &'a str)>;

fn temp_file(name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("authorizer-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

fn seeded_issuers(c: &super::AuthorizerConfig) -> Vec<String> {
    let mut issuers: Vec<String> = c.jwks_seed.sets().map(|(i, _)| i.to_owned()).collect();
    issuers.sort();
    issuers
}

#[test]
fn no_seed_by_default() {
    let c = with(&[("JWKS_SEED", " "), ("JWKS_SEED_FILE", "")]).unwrap();
    assert!(c.jwks_seed.is_empty());
}

#[test]
fn an_inline_seed_or_a_file_seeds_the_pool() {
    let both_forms = vec![
        ISSUER.to_owned(),
        "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_abcdefgh".into(),
    ];
    let inline = with(&[("JWKS_SEED", &seed_json())]).unwrap();
    assert_eq!(seeded_issuers(&inline), both_forms);
    let path = temp_file("seed.json", seed_json().as_bytes());
    let file = with(&[("JWKS_SEED_FILE", &path)]).unwrap();
    assert_eq!(seeded_issuers(&file), both_forms);
}

#[test]
fn an_unusable_seed_stops_init_naming_the_variable() {
    let other = json!({
        "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Other":
            testkit::TestKey::jwks(&[testkit::TestKey::shared(0)])
    })
    .to_string();
    let too_large = format!(
        "{{\"pad\":\"{}\"}}",
        "x".repeat(oidc_jwt_verifier::jwks::MAX_JWKS_SEED_BYTES)
    );
    let large_file = temp_file("large.json", too_large.as_bytes());
    let seed = seed_json();
    // (settings, the variable the error names, what its message says)
    let cases: Vec<(Vars, &str, &str)> = vec![
        (
            vec![("JWKS_SEED", "{\"keys\":")],
            "JWKS_SEED",
            "is not a JSON object",
        ),
        (
            vec![("JWKS_SEED", &other)],
            "JWKS_SEED",
            "is not a trusted issuer",
        ),
        (
            vec![("JWKS_SEED", &too_large)],
            "JWKS_SEED",
            "bytes, over the",
        ),
        (
            vec![("JWKS_SEED_FILE", &large_file)],
            "JWKS_SEED_FILE",
            "bytes, over the",
        ),
        (
            vec![("JWKS_SEED_FILE", "/nonexistent/seed.json")],
            "JWKS_SEED_FILE",
            "cannot read",
        ),
        (
            vec![("JWKS_SEED", &seed), ("JWKS_SEED_FILE", "/x.json")],
            "JWKS_SEED_FILE",
            "set one of them",
        ),
        (
            vec![("SSL_CERT_FILE", "/nonexistent/roots.pem")],
            "SSL_CERT_FILE",
            "cannot read",
        ),
    ];
    for (vars, variable, expected) in cases {
        let error = with(&vars).unwrap_err();
        assert_eq!(error.variable, variable, "{vars:?}");
        assert!(error.message.contains(expected), "{vars:?}: {error}");
    }
}

/// The seed is judged against the issuers of this configuration, not any pool: an `ISSUERS`
/// entry can be seeded too, with its own algorithms.
#[test]
fn an_issuers_entry_can_be_seeded() {
    let issuers = r#"[{"name": "example", "issuer": "https://auth.example.com/", "audience": ["api"], "algorithms": ["RS256"], "jwks_uri": "https://auth.example.com/keys"}]"#;
    let seed = json!({
        "https://auth.example.com/": testkit::TestKey::jwks(&[testkit::TestKey::shared(1)])
    })
    .to_string();
    let c = with(&[("ISSUERS", issuers), ("JWKS_SEED", &seed)]).unwrap();
    assert_eq!(
        seeded_issuers(&c),
        vec!["https://auth.example.com/".to_owned()]
    );
}
