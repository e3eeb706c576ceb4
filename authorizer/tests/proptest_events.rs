//! Property tests over the authorizer's event handler, the CI-sized counterpart of the
//! `events` fuzz target (fuzz/fuzz_targets/events.rs): arbitrary JSON, and the events/*.json
//! requests with one field replaced by arbitrary JSON, through `handle` (given the text Lambda
//! delivers). It may neither panic nor allow an event that does not carry a genuine token.

use std::path::Path;

use authorizer::HttpApiResponse;
use authorizer::RouteRules;
use authorizer::{Authorizer, AuthorizerResponse};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;
use testkit::TestKey;
use testkit::harness::*;

const PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![
            "TOKEN",
            "REQUEST",
            "2.0",
            "Bearer x.y.z",
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/hello",
            "arn:aws:execute-api:us-east-1:123456789012:*/*/*",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "type",
                "version",
                "methodArn",
                "routeArn",
                "authorizationToken",
                "headers",
                "multiValueHeaders",
                "Authorization",
                "authorization",
                "identitySource",
            ])
            .prop_map(str::to_owned),
            any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn authorizer_events() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("authorizer-") && !n.ends_with(".local.json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| std::fs::read_to_string(dir.join(n)).unwrap())
        .collect()
}

/// Replaces the value at a path chosen by `choice` (objects and arrays walked at random).
fn replace_somewhere(event: &mut Value, mut choice: usize, replacement: Value) {
    let mut slot = event;
    loop {
        let children = match &*slot {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        if children == 0 || choice.is_multiple_of(3) {
            *slot = replacement;
            return;
        }
        let index = (choice / 3) % children;
        choice /= 7;
        slot = match slot {
            Value::Object(map) => map.values_mut().nth(index).unwrap(),
            Value::Array(items) => &mut items[index],
            _ => unreachable!(),
        };
    }
}

fn allowed(response: &AuthorizerResponse) -> bool {
    match response {
        AuthorizerResponse::HttpSimple(simple) => simple.is_authorized,
        _ => response.to_json().to_string().contains("\"Allow\""),
    }
}

fn check(event: Value, genuine: &str) -> Result<(), TestCaseError> {
    let carries_token = event.to_string().contains(genuine);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for http in [HttpApiResponse::Simple, HttpApiResponse::Iam] {
            let h = harness(&[TestKey::shared(0)], |_| {}).await;
            let rules = RouteRules::parse(r#"{"GET /admin": {"groups": ["admin"]}}"#).unwrap();
            let authorizer = Authorizer::new(h.verifier, rules, http);
            // The text as Lambda delivers it (one reader: no second path to compare).
            let text = event.to_string();
            let from_text = authorizer.handle(&text).await.is_ok_and(|r| allowed(&r));
            prop_assert!(
                !from_text || carries_token,
                "allowed without a genuine token: {text}"
            );
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn arbitrary_json_is_never_allowed(event in json_value()) {
        check(event, &id_token(TestKey::shared(0)))?;
    }

    #[test]
    fn our_events_with_one_field_replaced_never_panic_or_allow_wrongly(
        which in any::<prop::sample::Index>(),
        choice in any::<usize>(),
        replacement in json_value(),
        with_token in any::<bool>(),
    ) {
        let events = authorizer_events();
        let genuine = id_token(TestKey::shared(0));
        let token = if with_token { genuine.as_str() } else { "eyJhbGciOiJub25lIn0.e30." };
        let text = events[which.index(events.len())].replace(PLACEHOLDER, token);
        let mut event: Value = serde_json::from_str(&text).unwrap();
        replace_somewhere(&mut event, choice, replacement);
        check(event, &genuine)?;
    }
}
