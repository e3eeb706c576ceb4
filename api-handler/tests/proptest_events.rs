//! Property tests over the api-handler's event handler, the CI-sized counterpart of the
//! `events` fuzz target (fuzz/fuzz_targets/events.rs): arbitrary JSON, and the events/api-*.json
//! requests with one field replaced by arbitrary JSON. The handler must never panic, and every
//! answer it gives must carry a status code.

use std::path::Path;

use api_handler::{Api, Settings};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;

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

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![
            "2.0", "1.0", "GET", "OPTIONS", "/me", "/admin", "admin"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "version",
                "httpMethod",
                "path",
                "rawPath",
                "requestContext",
                "authorizer",
                "headers",
                "multiValueHeaders",
                "body",
                "isBase64Encoded",
                "claims",
                "lambda",
                "jwt",
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

fn api_events() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("api-") && !n.ends_with(".local.json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| serde_json::from_str(&std::fs::read_to_string(dir.join(n)).unwrap()).unwrap())
        .collect()
}

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

fn check(event: Value) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let apis = [
        Api::new(Settings::default()),
        Api::new(
            Settings::default()
                .with_cors_allow_origin("https://app.example.com")
                .unwrap(),
        ),
    ];
    runtime.block_on(async {
        for api in &apis {
            if let Ok(answer) = api.handle(event.clone()).await {
                let status = answer.get("statusCode").and_then(Value::as_u64);
                prop_assert!(
                    status.is_some_and(|s| (100..600).contains(&s)),
                    "no status code in {answer}"
                );
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn arbitrary_json_never_panics(event in json_value()) {
        check(event)?;
    }

    #[test]
    fn our_events_with_one_field_replaced_never_panic(
        which in any::<prop::sample::Index>(),
        choice in any::<usize>(),
        replacement in json_value(),
    ) {
        let events = api_events();
        let mut event = events[which.index(events.len())].clone();
        replace_somewhere(&mut event, choice, replacement);
        check(event)?;
    }
}
