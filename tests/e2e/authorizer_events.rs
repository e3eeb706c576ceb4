//! Every `events/authorizer-*.json` answered as the README documents ("Answers") by the real
//! authorizer binary under `cargo lambda watch`, with real tokens from moto written in place
//! of the events' placeholder: an admin's and a non-admin's, IdTokens and AccessTokens, and
//! the placeholder itself and broken or missing tokens (`Unauthorized`).
//!
//! scripts/e2e.sh runs `cargo lambda watch` with the template's defaults for the authorizer
//! (`TOKEN_USE=any`, `HTTP_API_RESPONSE=simple`, `ROUTE_RULES={"GET /admin": {"groups":
//! ["admin"]}}`), pointed at moto's JWKS through `COGNITO_ENDPOINT`. The tokens go into the
//! events in memory only: nothing with a real token is written to disk.

use std::collections::BTreeSet;
use std::path::PathBuf;

use local_gateway::invoke::{Function, InvokeError};
use serde_json::Value;

use crate::stack::{claims, env, functions_under_cargo_lambda_watch};

/// What the committed events carry where a token goes (scripts/write-event-tokens.sh replaces it).
const PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";

/// The token written in place of the placeholder.
#[derive(Clone, Copy, Debug)]
enum Token {
    /// Left as it is: not a JWT.
    Placeholder,
    /// A token of the stack's users (the `E2E_*` variable holding it).
    Of(&'static str),
}

const ADMIN_ID: Token = Token::Of("E2E_ADMIN_ID_TOKEN");
const ADMIN_ACCESS: Token = Token::Of("E2E_ADMIN_ACCESS_TOKEN");
/// testuser@example.com, in no group.
const MEMBER_ID: Token = Token::Of("E2E_USER_ID_TOKEN");
const MEMBER_ACCESS: Token = Token::Of("E2E_USER_ACCESS_TOKEN");

/// The documented answer.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// REST: `principalId` = `sub`, one `Allow` on the whole stage, and one `Deny` on
    /// `GET /admin` (ROUTE_RULES) exactly when the caller is not in group admin; the caller
    /// in the context.
    Policy { denies_admin: bool },
    /// HTTP API simple response: `isAuthorized`, the caller in the context.
    Simple { authorized: bool },
    /// The invocation fails with the error message exactly `Unauthorized` (401).
    Unauthorized,
}

struct Case {
    event: &'static str,
    token: Token,
    answer: Answer,
}

const fn case(event: &'static str, token: Token, answer: Answer) -> Case {
    Case {
        event,
        token,
        answer,
    }
}

const ALLOW: Answer = Answer::Policy {
    denies_admin: false,
};
const ALLOW_BUT_ADMIN: Answer = Answer::Policy { denies_admin: true };
const AUTHORIZED: Answer = Answer::Simple { authorized: true };
const NOT_AUTHORIZED: Answer = Answer::Simple { authorized: false };
const UNAUTHORIZED: Answer = Answer::Unauthorized;
const AS_COMMITTED: Token = Token::Placeholder;

// A table: one line per invocation.
#[rustfmt::skip]
const CASES: &[Case] = &[
    case("authorizer-rest-token.json", ADMIN_ID, ALLOW),
    case("authorizer-rest-token-admin.json", ADMIN_ID, ALLOW),
    case("authorizer-rest-request.json", ADMIN_ID, ALLOW),
    case("authorizer-rest-token-admin.json", ADMIN_ACCESS, ALLOW),
    case("authorizer-rest-token.json", MEMBER_ID, ALLOW_BUT_ADMIN),
    case("authorizer-rest-token-admin.json", MEMBER_ID, ALLOW_BUT_ADMIN),
    case("authorizer-rest-request.json", MEMBER_ID, ALLOW_BUT_ADMIN),
    case("authorizer-rest-token.json", MEMBER_ACCESS, ALLOW_BUT_ADMIN),
    case("authorizer-http-v2.json", ADMIN_ID, AUTHORIZED),
    case("authorizer-http-v2-admin.json", ADMIN_ID, AUTHORIZED),
    case("authorizer-http-v2-admin.json", ADMIN_ACCESS, AUTHORIZED),
    case("authorizer-http-v2.json", MEMBER_ID, AUTHORIZED),
    case("authorizer-http-v2.json", MEMBER_ACCESS, AUTHORIZED),
    case("authorizer-http-v2-admin.json", MEMBER_ID, NOT_AUTHORIZED),
    case("authorizer-rest-token.json", AS_COMMITTED, UNAUTHORIZED),
    case("authorizer-http-v2.json", AS_COMMITTED, UNAUTHORIZED),
    case("authorizer-rest-token-invalid.json", AS_COMMITTED, UNAUTHORIZED),
    case("authorizer-rest-request-missing-token.json", AS_COMMITTED, UNAUTHORIZED),
    case("authorizer-http-v2-missing-token.json", AS_COMMITTED, UNAUTHORIZED),
];

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The committed authorizer events (not the git-ignored `*.local.json` copies with tokens).
fn authorizer_event_names() -> BTreeSet<String> {
    std::fs::read_dir(events_dir())
        .expect("events/ is readable")
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| {
            name.starts_with("authorizer-")
                && name.ends_with(".json")
                && !name.ends_with(".local.json")
        })
        .collect()
}

fn event_text(name: &str) -> String {
    std::fs::read_to_string(events_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_authorizer_event_has_a_documented_answer_here() {
    let names = authorizer_event_names();
    assert!(names.len() >= 8, "events/authorizer-*.json: {names:?}");
    let covered: BTreeSet<String> = CASES.iter().map(|c| c.event.to_owned()).collect();
    assert_eq!(
        names, covered,
        "every events/authorizer-*.json needs a case in CASES, and every case an event"
    );
    // An event with the placeholder is tried with real tokens, not only as it is.
    for name in &names {
        if event_text(name).contains(PLACEHOLDER) {
            assert!(
                CASES
                    .iter()
                    .any(|c| c.event == name && matches!(c.token, Token::Of(_))),
                "{name} holds {PLACEHOLDER} but no case writes a token into it"
            );
        }
    }
}

#[test]
fn authorizer_events_are_json_without_a_real_token() {
    for name in authorizer_event_names() {
        let text = event_text(&name);
        let event: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        assert!(event.is_object(), "{name} is not a JSON object");
        // Every JWT starts with the base64url of `{"`: a committed event must not hold one.
        assert!(!text.contains("eyJ"), "{name} holds what looks like a JWT");
    }
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn authorizer_events_answered_as_documented_under_cargo_lambda_watch() {
    let functions = functions_under_cargo_lambda_watch();
    let mut failures = Vec::new();
    for case in CASES {
        let text = event_text(case.event);
        let (text, token) = match case.token {
            Token::Placeholder => (text, None),
            Token::Of(variable) => {
                let token = env(variable);
                (text.replace(PLACEHOLDER, &token), Some(token))
            }
        };
        let event: Value = serde_json::from_str(&text).expect("the event is JSON");
        let answer = functions.invoke(Function::Authorizer, &event).await;
        let what = format!("{} with {:?}", case.event, case.token);
        let checked = match (case.answer, &answer, token.as_deref()) {
            (Answer::Unauthorized, Err(InvokeError::Function { error_message, .. }), _) => expect(
                error_message == "Unauthorized",
                "the error message is not `Unauthorized`",
            ),
            (Answer::Policy { denies_admin }, Ok(answer), Some(token)) => {
                check_policy(answer, &event, token, denies_admin)
            }
            (Answer::Simple { authorized }, Ok(answer), Some(token)) => {
                check_simple(answer, token, authorized)
            }
            _ => Err("not the documented kind of answer".to_owned()),
        };
        match checked {
            Ok(()) => println!("ok   {what}: {:?}", case.answer),
            Err(why) => failures.push(format!(
                "{what}: expected {:?}, {why}; got {}",
                case.answer,
                describe(&answer)
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} events answered otherwise:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

fn expect(condition: bool, otherwise: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(otherwise.to_owned())
    }
}

/// The answer for a failure message: the JSON (policies and contexts hold no token) or the
/// error.
fn describe(answer: &Result<Value, InvokeError>) -> String {
    match answer {
        Ok(value) => value.to_string(),
        Err(error) => error.to_string(),
    }
}

/// The caller's identity as the context must carry it.
fn check_context(answer: &Value, token: &str) -> Result<(), String> {
    let claims = claims(token);
    let context = &answer["context"];
    expect(
        context["sub"] == claims["sub"],
        "the context's sub is not the token's",
    )?;
    expect(
        context["token_use"] == claims["token_use"],
        "the context's token_use is not the token's",
    )
}

fn check_policy(
    answer: &Value,
    event: &Value,
    token: &str,
    denies_admin: bool,
) -> Result<(), String> {
    expect(
        answer["principalId"] == claims(token)["sub"],
        "principalId is not the token's sub",
    )?;
    check_context(answer, token)?;
    // arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>
    let method_arn = event["methodArn"].as_str().expect("a methodArn");
    let stage_arn = method_arn
        .splitn(3, '/')
        .take(2)
        .collect::<Vec<_>>()
        .join("/");
    let statements = answer["policyDocument"]["Statement"]
        .as_array()
        .ok_or("no policyDocument.Statement list")?;
    let with_effect = |effect: &str| -> Vec<&Value> {
        statements
            .iter()
            .filter(|s| s["Effect"] == effect)
            .collect()
    };
    expect(
        statements
            .iter()
            .all(|s| strings(&s["Action"]) == ["execute-api:Invoke"]),
        "a statement is not about execute-api:Invoke",
    )?;
    let allows = with_effect("Allow");
    expect(
        allows.len() == 1 && strings(&allows[0]["Resource"]) == [format!("{stage_arn}/*/*")],
        "not one Allow on the whole stage",
    )?;
    let denies = with_effect("Deny");
    expect(
        allows.len() + denies.len() == statements.len(),
        "a statement is neither Allow nor Deny",
    )?;
    if denies_admin {
        let denied = denies
            .first()
            .map(|s| strings(&s["Resource"]))
            .unwrap_or_default();
        expect(
            denies.len() == 1
                && denied.contains(&format!("{stage_arn}/GET/admin"))
                && denied.iter().all(|r| {
                    r.strip_prefix(&format!("{stage_arn}/"))
                        .is_some_and(|route| {
                            route.ends_with("/admin") || route.ends_with("/admin/")
                        })
                }),
            "not one Deny on GET /admin alone",
        )
    } else {
        expect(denies.is_empty(), "a Deny where none is documented")
    }
}

/// An IAM policy element that is one string or a list of them (`Action`, `Resource`).
fn strings(element: &Value) -> Vec<String> {
    match element {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_simple(answer: &Value, token: &str, authorized: bool) -> Result<(), String> {
    expect(
        answer["isAuthorized"] == authorized,
        "isAuthorized is not the documented one",
    )?;
    check_context(answer, token)
}
