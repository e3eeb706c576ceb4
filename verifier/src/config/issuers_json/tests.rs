//! `ISSUERS` parsing: a full entry, every mistake named by entry and member, and the bounds
//! at their edges.

use super::*;
use serde_json::Map;

const OKTA: &str = r#"{"name":"okta","issuer":"https://example.okta.com/oauth2/default","audience":"api://default","algorithms":["RS256"],"groups_claim":"groups","scopes_claim":"scp","typ":"at+jwt"}"#;

#[test]
fn a_full_entry_is_read() {
    let issuers = parse_issuers(&format!("[{OKTA}]")).unwrap();
    assert_eq!(
        issuers,
        vec![IssuerConfig {
            name: "okta".into(),
            issuer: "https://example.okta.com/oauth2/default".into(),
            jwks: JwksLocation::Discovery,
            client: ClientCheck::Audience(vec!["api://default".into()]),
            token_use: None,
            typ: Some("at+jwt".into()),
            algorithms: vec![JwkAlgorithm::RS256],
            groups_claim: Some("groups".into()),
            scopes_claim: ScopesClaim::Scp,
        }]
    );
    let local = parse_issuers(
        r#"[{"name":"local","issuer":"http://localhost:9229/local_abc","jwks_uri":"http://localhost:9229/local_abc/.well-known/jwks.json","client_id":["c1","c2"],"token_use":"any","algorithms":["RS256","RS512"],"groups_claim":"cognito:groups"}]"#,
    )
    .unwrap();
    assert_eq!(
        local[0].jwks,
        JwksLocation::Url("http://localhost:9229/local_abc/.well-known/jwks.json".into())
    );
    assert_eq!(
        local[0].client,
        ClientCheck::ClientId(vec!["c1".into(), "c2".into()])
    );
    assert_eq!(local[0].token_use, Some(TokenUsePolicy::Any));
    assert_eq!(
        local[0].algorithms,
        vec![JwkAlgorithm::RS256, JwkAlgorithm::RS512]
    );
    assert_eq!(local[0].scopes_claim, ScopesClaim::Scope);
}

/// Each bad entry, and the `[index].member` its error must start with.
#[test]
fn every_mistake_names_the_entry_and_the_member() {
    let good = OKTA;
    let swap = |member: &str, value: &str| -> String {
        let mut entry: Map<String, Value> = serde_json::from_str(good).unwrap();
        if value.is_empty() {
            entry.remove(member);
        } else {
            entry.insert(member.into(), serde_json::from_str(value).unwrap());
        }
        format!("[{good},{}]", Value::Object(entry))
    };
    let cases: Vec<(String, &str)> = vec![
        (swap("name", ""), "[1]: missing field `name`"),
        (
            swap("name", r#""okta""#),
            "[1].name: \"okta\" names two entries",
        ),
        (swap("name", r#""has space""#), "[1].name:"),
        (swap("name", "null"), "[1].name: invalid type: null"),
        (
            swap("name", "1"),
            "[1].name: invalid type: integer `1`, expected a string",
        ),
        (swap("issuer", ""), "[1]: missing field `issuer`"),
        (swap("issuer", r#""""#), "[1].issuer:"),
        (
            swap("name", r#""okta2""#),
            "[1].issuer: \"https://example.okta.com/oauth2/default\" is listed twice",
        ),
        (
            swap("issuer", r#""http://example.com/x""#),
            "[1].issuer: without jwks_uri, the issuer is where keys are discovered: plain http",
        ),
        (
            swap("jwks_uri", r#""http://example.com/keys""#),
            "[1].jwks_uri: plain http is only allowed",
        ),
        (swap("jwks_uri", r#""https://u:p@x/keys""#), "[1].jwks_uri:"),
        (
            swap("jwks_uri", "[]"),
            "[1].jwks_uri: invalid type: sequence, expected a string",
        ),
        (swap("jwks_uri", "null"), "[1].jwks_uri: must not be null"),
        (swap("audience", "null"), "[1].audience: must not be null"),
        (swap("audience", ""), "[1].audience: is required"),
        (swap("audience", "[]"), "[1].audience: must be a string or"),
        (
            swap("audience", r#"["a","a"]"#),
            "[1].audience: lists \"a\" twice",
        ),
        (
            swap("audience", r#"["a",1]"#),
            "[1].audience: must be a string or a non-empty array of strings",
        ),
        (
            swap("audience", r#""""#),
            "[1].audience: has an empty string",
        ),
        (
            swap("client_id", r#""c""#),
            "[1].client_id: give audience or",
        ),
        (swap("algorithms", ""), "[1].algorithms: is required"),
        (
            swap("algorithms", r#"["HS256"]"#),
            "[1].algorithms: \"HS256\"",
        ),
        (
            swap("algorithms", r#"["none"]"#),
            "[1].algorithms: \"none\"",
        ),
        (
            swap("algorithms", r#"["rs256"]"#),
            "[1].algorithms: \"rs256\"",
        ),
        (
            swap("algorithms", "[]"),
            "[1].algorithms: must be a string or",
        ),
        (swap("token_use", r#""both""#), "[1].token_use: \"both\""),
        (swap("typ", r#""""#), "[1].typ:"),
        (swap("typ", r#""at jwt""#), "[1].typ:"),
        (swap("groups_claim", r#""""#), "[1].groups_claim:"),
        (
            swap("groups_claim", "true"),
            "[1].groups_claim: invalid type: boolean `true`, expected a string",
        ),
        (
            swap("scopes_claim", r#""scopes""#),
            "[1].scopes_claim: \"scopes\"",
        ),
        (
            swap("audiences", r#""x""#),
            "[1].audiences: unknown field `audiences`, expected one of `name`",
        ),
    ];
    for (json, expected) in cases {
        let error = parse_issuers(&json).expect_err(expected);
        assert!(
            error.starts_with(expected),
            "{error:?} does not start with {expected:?}"
        );
    }
}

#[test]
fn client_id_needs_token_use_and_the_list_its_shape() {
    let entry = |extra: &str| {
        format!(
            r#"[{{"name":"l","issuer":"http://localhost:9229/p","jwks_uri":"http://localhost:9229/p/keys","algorithms":["RS256"]{extra}}}]"#
        )
    };
    assert!(parse_issuers(&entry(r#","client_id":"c","token_use":"access""#)).is_ok());
    let error = parse_issuers(&entry(r#","client_id":"c""#)).unwrap_err();
    assert!(
        error.starts_with("[0].client_id: needs token_use"),
        "{error}"
    );
    for (json, expected) in [
        ("{}".to_owned(), ": must be a JSON array"),
        (
            "[]".to_owned(),
            ": must be a JSON array of issuer objects, with at least",
        ),
        ("[1]".to_owned(), "[0]: must be an object"),
        ("[".to_owned(), ": must be a JSON array of issuer objects: "),
        (
            entry(r#","audience":"a","audience":"b""#),
            ": must be a JSON array of issuer objects: duplicate member name \"audience\"",
        ),
        (
            format!("[{}]", vec![OKTA; MAX_ISSUERS + 1].join(",")),
            ": at most 16 issuers",
        ),
    ] {
        let error = parse_issuers(&json).unwrap_err();
        assert!(error.starts_with(expected), "{error:?} vs {expected:?}");
    }
}

/// The bounds at their edges: at most 16 entries; a name of 1 to 64 of its characters; an
/// issuer of 1 to 1024 characters without whitespace or control characters; a groups claim
/// name of 1 to 256 characters.
#[test]
fn the_bounds_hold_at_their_edges() {
    let entry = |name: &str, issuer: &str| {
        format!(
            r#"{{"name":{},"issuer":{},"jwks_uri":"https://example.com/keys","audience":"a","algorithms":["RS256"]}}"#,
            Value::from(name),
            Value::from(issuer)
        )
    };
    let list = |count: usize| {
        let entries: Vec<String> = (0..count)
            .map(|i| entry(&format!("n{i}"), &format!("https://example.com/{i}")))
            .collect();
        format!("[{}]", entries.join(","))
    };
    assert_eq!(parse_issuers(&list(MAX_ISSUERS)).map(|i| i.len()), Ok(16));
    assert_eq!(
        parse_issuers(&list(MAX_ISSUERS + 1)).unwrap_err(),
        ": at most 16 issuers"
    );
    let with_groups_claim = |claim: &str| {
        let entry = entry("n", "https://example.com/");
        format!(
            r#"{},"groups_claim":{}}}"#,
            entry.trim_end_matches('}'),
            Value::from(claim)
        )
    };
    let longest_issuer = format!("https://example.com/{}", "a".repeat(1024 - 20));
    assert_eq!(longest_issuer.len(), 1024);
    let cases = [
        (
            "a one-character name",
            entry("a", "https://example.com/"),
            None,
        ),
        (
            "a 64-character name",
            entry(&"n".repeat(64), "https://example.com/"),
            None,
        ),
        (
            "a name with '-', '_' and '.'",
            entry("a-b_c.d", "https://example.com/"),
            None,
        ),
        (
            "an empty name",
            entry("", "https://example.com/"),
            Some("[0].name"),
        ),
        (
            "a 65-character name",
            entry(&"n".repeat(65), "https://example.com/"),
            Some("[0].name"),
        ),
        (
            "a name with a space",
            entry("a b", "https://example.com/"),
            Some("[0].name"),
        ),
        (
            "a name with '/'",
            entry("a/b", "https://example.com/"),
            Some("[0].name"),
        ),
        ("a 1024-character issuer", entry("n", &longest_issuer), None),
        (
            "a 1025-character issuer",
            entry("n", &format!("{longest_issuer}a")),
            Some("[0].issuer"),
        ),
        ("an empty issuer", entry("n", ""), Some("[0].issuer")),
        (
            "a 256-character groups claim",
            with_groups_claim(&"g".repeat(256)),
            None,
        ),
        (
            "a 257-character groups claim",
            with_groups_claim(&"g".repeat(257)),
            Some("[0].groups_claim"),
        ),
        (
            "an empty groups claim",
            with_groups_claim(""),
            Some("[0].groups_claim"),
        ),
        (
            "an issuer with a space",
            entry("n", "https://example.com/a b"),
            Some("[0].issuer"),
        ),
        (
            "an issuer with a tab",
            entry("n", "https://example.com/a\tb"),
            Some("[0].issuer"),
        ),
        (
            "an issuer with a control character",
            entry("n", "https://example.com/a\u{1}"),
            Some("[0].issuer"),
        ),
    ];
    for (case, entry, refused_at) in cases {
        let parsed = parse_issuers(&format!("[{entry}]"));
        match refused_at {
            None => assert!(parsed.is_ok(), "{case}: {parsed:?}"),
            Some(prefix) => {
                let error = parsed.unwrap_err();
                assert!(error.starts_with(prefix), "{case}: {error}");
            }
        }
    }
}
