//! The answer's serialization against a reference written member by member with serde's
//! map serializer (the bytes API Gateway has always got), for many answers: strings that need
//! escapes, non-ASCII text, absent members, several denied routes.

use std::fmt;
use std::sync::Arc;

use proptest::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{AuthorizerResponse, IdentityContext, PolicyResponse, SimpleResponse};
use crate::apigw::route_rules::{RouteRule, RouteRules};

/// serde_json's text of the answer as API Gateway has always got it.
fn serde_reference(response: &AuthorizerResponse) -> String {
    match response {
        AuthorizerResponse::Rest(policy) | AuthorizerResponse::HttpIam(policy) => {
            serde_json::to_string(&ReferencePolicy(policy)).unwrap()
        }
        AuthorizerResponse::HttpSimple(simple) => {
            serde_json::to_string(&ReferenceSimple(simple)).unwrap()
        }
    }
}

/// `#[derive(Serialize)] #[serde(rename_all = "camelCase")]` of the simple response, as it was.
struct ReferenceSimple<'a>(&'a SimpleResponse);

impl Serialize for ReferenceSimple<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("isAuthorized", &self.0.is_authorized)?;
        if let Some(context) = &self.0.context {
            map.serialize_entry("context", context)?;
        }
        map.end()
    }
}

/// The policy's `Serialize` impls as they were.
struct ReferencePolicy<'a>(&'a PolicyResponse);

impl Serialize for ReferencePolicy<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("principalId", &self.0.principal_id)?;
        map.serialize_entry("policyDocument", &Document(self.0))?;
        if let Some(context) = &self.0.context {
            map.serialize_entry("context", context)?;
        }
        map.end()
    }
}

struct Document<'a>(&'a PolicyResponse);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Version", "2012-10-17")?;
        map.serialize_entry("Statement", &Statements(self.0))?;
        map.end()
    }
}

struct Statements<'a>(&'a PolicyResponse);

impl Serialize for Statements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let response = self.0;
        let mut seq = serializer.serialize_seq(None)?;
        seq.serialize_element(&StatementJson {
            effect: if response.allows_stage() {
                "Allow"
            } else {
                "Deny"
            },
            resources: Resources::WholeStage(&response.stage_prefix),
        })?;
        if !response.failed.is_empty() {
            seq.serialize_element(&StatementJson {
                effect: "Deny",
                resources: Resources::Denied(response),
            })?;
        }
        seq.end()
    }
}

struct StatementJson<'a> {
    effect: &'static str,
    resources: Resources<'a>,
}

impl Serialize for StatementJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("Action", &["execute-api:Invoke"])?;
        map.serialize_entry("Effect", self.effect)?;
        map.serialize_entry("Resource", &self.resources)?;
        map.end()
    }
}

enum Resources<'a> {
    WholeStage(&'a str),
    Denied(&'a PolicyResponse),
}

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        match self {
            Resources::WholeStage(prefix) => seq.serialize_element(&Joined(prefix, "*/*"))?,
            Resources::Denied(response) => {
                for suffix in response.denied() {
                    seq.serialize_element(&Joined(&response.stage_prefix, suffix))?;
                }
            }
        }
        seq.end()
    }
}

struct Joined<'a>(&'a str, &'a str);

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        f.write_str(self.1)
    }
}

/// Any text, or text made mostly of what JSON escapes (quotes, backslashes, control
/// characters) mixed with non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9:/._\"\\\\\u{0}-\u{1f}\u{7f}é日\u{1F600}-]{0,24}",
    ]
}

fn context() -> impl Strategy<Value = IdentityContext> {
    (
        (
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            text(),
            proptest::option::of(text()),
            text(),
            proptest::option::of(text()),
        ),
        (
            proptest::option::of(any::<bool>()),
            text(),
            text(),
            any::<u64>(),
            proptest::option::of(any::<u64>()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
    )
        .prop_map(
            |(
                (sub, username, token_use, client_id, scope, groups, email),
                (email_verified, iss, issuer_name, exp, auth_time, origin_jti, caller),
            )| IdentityContext {
                sub,
                username,
                token_use,
                caller,
                client_id,
                scope,
                groups,
                email,
                email_verified,
                iss,
                issuer_name,
                exp,
                auth_time,
                origin_jti,
            },
        )
}

fn policy() -> impl Strategy<Value = PolicyResponse> {
    let rule = (
        prop::sample::select(vec!["GET", "POST", "*", "DELETE"]),
        text(),
        any::<bool>(),
    );
    (
        text(),
        proptest::option::of(context()),
        text(),
        proptest::collection::vec(rule, 0..4),
    )
        .prop_map(|(principal_id, context, stage_prefix, rules)| {
            let failed = rules
                .iter()
                .enumerate()
                .filter(|(_, (_, _, fails))| *fails)
                .map(|(index, _)| index)
                .collect();
            let rules = rules
                .into_iter()
                .map(|(method, path, _)| {
                    RouteRule::new(method, &format!("/{path}"), vec![], vec![])
                })
                .collect();
            PolicyResponse {
                principal_id,
                context,
                stage_prefix,
                rules: Arc::new(RouteRules::new(rules)),
                failed,
            }
        })
}

fn response() -> impl Strategy<Value = AuthorizerResponse> {
    prop_oneof![
        policy().prop_map(AuthorizerResponse::Rest),
        policy().prop_map(AuthorizerResponse::HttpIam),
        (any::<bool>(), proptest::option::of(context())).prop_map(|(is_authorized, context)| {
            AuthorizerResponse::HttpSimple(SimpleResponse {
                is_authorized,
                context,
            })
        }),
    ]
}

proptest! {
    #[test]
    fn answers_are_the_bytes_serde_json_wrote(response in response()) {
        let text = response.to_json_text();
        prop_assert_eq!(&text, &serde_reference(&response));
        // And what lambda_runtime sends: serde_json's writer given the answer (the inner
        // response alike); and the same JSON through serde_json's value serializer.
        prop_assert_eq!(serde_json::to_string(&response).unwrap(), text.as_str());
        let inner = match &response {
            AuthorizerResponse::Rest(policy) | AuthorizerResponse::HttpIam(policy) => {
                serde_json::to_string(policy)
            }
            AuthorizerResponse::HttpSimple(simple) => serde_json::to_string(simple),
        };
        prop_assert_eq!(inner.unwrap(), text.as_str());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(response.to_json(), value);
    }
}

#[test]
fn a_typical_allow_is_the_bytes_serde_json_wrote() {
    let context = IdentityContext {
        sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into(),
        username: Some("alice".into()),
        token_use: Some("access".into()),
        caller: Some("user".into()),
        client_id: "client".into(),
        scope: Some("read write".into()),
        groups: r#"["admin","ops,eu"]"#.into(),
        email: None,
        email_verified: None,
        iss: "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_pool".into(),
        issuer_name: "ap-northeast-1_pool".into(),
        exp: 1_795_000_000,
        auth_time: Some(1_794_990_000),
        origin_jti: Some("o".into()),
    };
    let policy = PolicyResponse {
        principal_id: context.sub.clone(),
        context: Some(context),
        stage_prefix: "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/".into(),
        rules: Arc::new(RouteRules::new(vec![
            RouteRule::new("GET", "/admin", vec![], vec![]),
            RouteRule::new("*", "/ops/*", vec![], vec![]),
        ])),
        failed: vec![0, 1],
    };
    for response in [
        AuthorizerResponse::Rest(policy.clone()),
        AuthorizerResponse::HttpIam(PolicyResponse {
            failed: vec![],
            ..policy.clone()
        }),
        AuthorizerResponse::HttpIam(PolicyResponse {
            context: None,
            failed: vec![],
            ..policy.clone()
        }),
        AuthorizerResponse::HttpSimple(SimpleResponse {
            is_authorized: true,
            context: policy.context.clone(),
        }),
        AuthorizerResponse::HttpSimple(SimpleResponse {
            is_authorized: false,
            context: None,
        }),
    ] {
        assert_eq!(response.to_json_text(), serde_reference(&response));
    }
}
