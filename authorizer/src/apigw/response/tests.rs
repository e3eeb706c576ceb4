//! The answer's serialization against a reference written member by member with serde's
//! map serializer (the bytes API Gateway has always got), for many answers: strings that need
//! escapes, non-ASCII text, absent members, several denied routes.

use proptest::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};

use super::{
    AuthorizerResponse, IdentityContext, PolicyResponse, SimpleResponse, document, statement,
};
use crate::apigw::{MethodArn, RouteRules};

/// serde_json's text of the answer as API Gateway has always got it.
fn serde_reference(response: &AuthorizerResponse) -> String {
    match response {
        AuthorizerResponse::Policy(policy) => {
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
        let document = &self.0.policy_document;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Version", document.version.as_deref().unwrap())?;
        map.serialize_entry("Statement", &Statements(&document.statement))?;
        map.end()
    }
}

struct Statements<'a>(&'a [IamPolicyStatement]);

impl Serialize for Statements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for statement in self.0 {
            seq.serialize_element(&StatementJson(statement))?;
        }
        seq.end()
    }
}

struct StatementJson<'a>(&'a IamPolicyStatement);

impl Serialize for StatementJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let effect = match self.0.effect {
            IamPolicyEffect::Allow => "Allow",
            _ => "Deny",
        };
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("Action", &["execute-api:Invoke"])?;
        map.serialize_entry("Effect", effect)?;
        map.serialize_entry("Resource", &self.0.resource)?;
        map.end()
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

/// A policy as the authorizer builds it: the whole stage's statement, then maybe a Deny list.
fn policy() -> impl Strategy<Value = PolicyResponse> {
    (
        text(),
        proptest::option::of(context()),
        text(),
        proptest::collection::vec(text(), 0..4),
    )
        .prop_map(|(principal_id, context, whole_stage, denied)| {
            let effect = if context.is_some() {
                IamPolicyEffect::Allow
            } else {
                IamPolicyEffect::Deny
            };
            let mut statements = vec![statement(effect, vec![whole_stage])];
            if !denied.is_empty() {
                statements.push(statement(IamPolicyEffect::Deny, denied));
            }
            PolicyResponse {
                principal_id,
                policy_document: document(statements),
                context,
            }
        })
}

fn response() -> impl Strategy<Value = AuthorizerResponse> {
    prop_oneof![
        policy().prop_map(AuthorizerResponse::Policy),
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
        let text = serde_json::to_string(&response).unwrap();
        prop_assert_eq!(&text, &serde_reference(&response));
        // The inner response alike; and the same JSON through serde_json's value serializer.
        let inner = match &response {
            AuthorizerResponse::Policy(policy) => {
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
    let arn = MethodArn::parse(
        "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/admin",
    )
    .unwrap();
    let rules =
        RouteRules::parse(r#"{"GET /admin": {"groups": ["x"]}, "ANY /ops/*": {"groups": ["x"]}}"#)
            .unwrap();
    let deny_stage = PolicyResponse::deny_stage(&arn, &context.sub);
    let mut allow = deny_stage.clone();
    allow.context = Some(context);
    allow.policy_document.statement[0].effect = IamPolicyEffect::Allow;
    let resources = rules
        .rules()
        .iter()
        .flat_map(|rule| rule.resource_suffixes());
    let resources = resources.map(|suffix| arn.in_stage(suffix)).collect();
    let mut deny_routes = allow.clone();
    (deny_routes.policy_document.statement).push(statement(IamPolicyEffect::Deny, resources));
    for response in [
        AuthorizerResponse::Policy(deny_routes),
        AuthorizerResponse::Policy(allow.clone()),
        AuthorizerResponse::Policy(deny_stage),
        AuthorizerResponse::HttpSimple(SimpleResponse {
            is_authorized: true,
            context: allow.context.clone(),
        }),
        AuthorizerResponse::HttpSimple(SimpleResponse {
            is_authorized: false,
            context: None,
        }),
    ] {
        let text = serde_json::to_string(&response).unwrap();
        assert_eq!(text, serde_reference(&response));
    }
}
