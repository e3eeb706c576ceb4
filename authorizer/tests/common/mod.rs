//! What several integration tests build: an authorizer over the harness's verifier, and a
//! policy's statements read back as (effect, resources).

// Each test crate includes this module and uses part of it.
#![allow(dead_code)]

use authorizer::{Authorizer, HttpApiResponse, RouteRules};
use serde_json::{Value, json};
use testkit::harness::{Harness, harness};
use testkit::{JwksServer, TestKey};

/// An authorizer with `rules` (`ROUTE_RULES` JSON; empty: none) over the harness's verifier.
pub async fn authorizer(rules: &str, http: HttpApiResponse) -> (Authorizer, JwksServer) {
    let Harness {
        verifier, server, ..
    } = harness(&[TestKey::shared(0)], |_| {}).await;
    let rules = if rules.is_empty() {
        RouteRules::default()
    } else {
        RouteRules::parse(rules).unwrap()
    };
    (Authorizer::new(verifier, rules, http), server)
}

/// A policy's statements as (effect, resources); every statement's action is
/// `execute-api:Invoke`.
pub fn statements(response: &Value) -> Vec<(String, Vec<String>)> {
    response["policyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["Action"], json!(["execute-api:Invoke"]));
            let resources = s["Resource"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            (s["Effect"].as_str().unwrap().to_owned(), resources)
        })
        .collect()
}
