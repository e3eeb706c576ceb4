//! Event handling: arbitrary bytes → the authorizer's handler (`handle` on the text, as Lambda
//! delivers it, and on the parsed JSON written out again; simple and IAM HTTP API answers) and
//! the api-handler's handler (with and without CORS).
//!
//! The placeholders `REPLACE_WITH_ID_TOKEN` and `REPLACE_WITH_ACCESS_TOKEN` in the input are
//! replaced by tokens signed with the fixed key before parsing, so the committed events/*.json
//! work as seeds and the fuzzer explores the allow paths as well as the refusals.
//!
//! Oracles besides "no panic, no hang": an Allow only ever comes for an event that carries a
//! genuine token; the text path never allows what the parsed-JSON path does not; an
//! api-handler answer always has a status code.
#![no_main]

use std::sync::OnceLock;

use api_handler::{Api, Settings};
use authorizer::{Authorizer, AuthorizerResponse};
use cognito_fuzz as h;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct State {
    runtime: tokio::runtime::Runtime,
    authorizers: [Authorizer; 2],
    apis: [Api; 2],
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| State {
        runtime: h::runtime(),
        authorizers: [h::authorizer("simple"), h::authorizer("iam")],
        apis: [
            Api::new(Settings::default()),
            Api::new(
                Settings::default()
                    .with_cors_allow_origin("https://app.example.com")
                    .expect("CORS origin"),
            ),
        ],
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data)
        .replace(h::ID_PLACEHOLDER, h::valid_id_token())
        .replace(h::ACCESS_PLACEHOLDER, h::valid_access_token());
    let carries_genuine_token =
        text.contains(h::valid_id_token()) || text.contains(h::valid_access_token());
    let event = serde_json::from_str::<Value>(&text).ok();
    let state = state();
    state.runtime.block_on(async {
        for authorizer in &state.authorizers {
            // The text path is what Lambda runs (the raw payload), so any text goes to it.
            let from_text = authorizer.handle(&text).await;
            let allowed_from_text = from_text.as_ref().is_ok_and(allowed);
            assert!(
                !allowed_from_text || carries_genuine_token,
                "allowed an event without a genuine token (text path)"
            );
            let Some(event) = &event else {
                // serde_json's `Value` refuses some grammatical JSON (a lone surrogate escape
                // such as "\udade"), which the text path may skip inside fields it ignores.
                // What it must never do is answer text that is not JSON at all.
                if from_text.is_ok() {
                    assert!(
                        serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
                        "answered text that is not JSON"
                    );
                }
                continue;
            };
            let from_value = authorizer.handle(&event.to_string()).await;
            let allowed_from_value = from_value.as_ref().is_ok_and(allowed);
            assert!(
                !allowed_from_value || carries_genuine_token,
                "allowed an event without a genuine token (value path)"
            );
            // The text reader may refuse more (duplicate fields), never allow more.
            assert!(
                !allowed_from_text || allowed_from_value,
                "the text path allowed what the value path did not"
            );
        }
        if let Some(event) = &event {
            for api in &state.apis {
                if let Ok(answer) = api.handle(event.clone()).await {
                    assert!(
                        answer.get("statusCode").and_then(Value::as_u64).is_some(),
                        "api-handler answered without a status code: {answer}"
                    );
                }
            }
        }
    });
});

fn allowed(response: &AuthorizerResponse) -> bool {
    match response {
        AuthorizerResponse::HttpSimple(simple) => simple.is_authorized,
        _ => response.to_json().to_string().contains("\"Allow\""),
    }
}
