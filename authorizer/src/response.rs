//! What the authorizer answers API Gateway: the identity context, the cache-safe IAM policy
//! response, and the HTTP API simple response.
//!
//! The policy is serialized straight from the stage prefix of the request's ARN and the failed
//! rules' resource patterns, without building an intermediate document: this runs on every
//! request. Its JSON is exactly what `aws_lambda_events`' `ApiGatewayCustomAuthorizerResponse`
//! reads (a test holds it to that).

use std::fmt;
use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerSimpleResponse;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::claims::VerifiedClaims;
use crate::policy::{Effect, MethodArn, Statement};
use crate::route_rules::RouteRules;

/// The identity passed on to the API as authorizer context. Flat values only, as API Gateway
/// requires; absent values are left out rather than sent as null.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityContext {
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub token_use: String,
    pub client_id: String,
    /// Space-separated, as in the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Comma-separated; empty when the caller is in no group.
    pub groups: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub iss: String,
    pub exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
}

impl From<VerifiedClaims> for IdentityContext {
    fn from(claims: VerifiedClaims) -> Self {
        IdentityContext {
            scope: (!claims.scopes.is_empty()).then(|| claims.scopes.join(" ")),
            groups: claims.groups.join(","),
            token_use: claims.token_use.as_str().to_owned(),
            sub: claims.sub,
            username: claims.username,
            client_id: claims.client_id,
            email: claims.email,
            iss: claims.issuer,
            exp: claims.expires_at,
            auth_time: claims.auth_time,
        }
    }
}

/// What the authorizer answers, in the shape the event asked for.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum AuthorizerResponse {
    /// REST API `TOKEN` and `REQUEST` authorizers.
    Rest(PolicyResponse),
    /// HTTP API payload 2.0 with `HTTP_API_RESPONSE=iam`.
    HttpIam(PolicyResponse),
    /// HTTP API payload 2.0 simple response (the default).
    HttpSimple(ApiGatewayV2CustomAuthorizerSimpleResponse<IdentityContext>),
}

impl AuthorizerResponse {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// `{"principalId", "policyDocument", "context"}`: Allow on the whole stage, Deny on each
/// route whose rule the caller fails.
#[derive(Clone, Debug)]
pub struct PolicyResponse {
    pub principal_id: String,
    pub context: IdentityContext,
    stage_prefix: String,
    rules: Arc<RouteRules>,
    /// Indices into `rules` of the rules the caller fails.
    failed: Vec<usize>,
}

impl PolicyResponse {
    pub fn new(arn: &MethodArn, rules: Arc<RouteRules>, claims: VerifiedClaims) -> Self {
        let failed = rules
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, rule)| !rule.allows(&claims))
            .map(|(index, _)| index)
            .collect();
        PolicyResponse {
            principal_id: claims.sub.clone(),
            context: IdentityContext::from(claims),
            stage_prefix: arn.stage_prefix().to_owned(),
            rules,
            failed,
        }
    }

    /// The policy's statements, as plain data.
    pub fn statements(&self) -> Vec<Statement> {
        let mut statements = vec![Statement {
            effect: Effect::Allow,
            resources: vec![format!("{}*/*", self.stage_prefix)],
        }];
        if !self.failed.is_empty() {
            let resources = self
                .denied()
                .map(|suffix| format!("{}{suffix}", self.stage_prefix))
                .collect();
            statements.push(Statement {
                effect: Effect::Deny,
                resources,
            });
        }
        statements
    }

    fn denied(&self) -> impl Iterator<Item = &str> {
        self.failed
            .iter()
            .flat_map(|index| self.rules.rules()[*index].resource_suffixes())
            .map(String::as_str)
    }
}

impl Serialize for PolicyResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("principalId", &self.principal_id)?;
        map.serialize_entry("policyDocument", &Document(self))?;
        map.serialize_entry("context", &self.context)?;
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
        let deny = !response.failed.is_empty();
        let mut seq = serializer.serialize_seq(Some(1 + usize::from(deny)))?;
        seq.serialize_element(&StatementJson {
            effect: "Allow",
            resources: Resources::WholeStage(&response.stage_prefix),
        })?;
        if deny {
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

/// Two strings serialized as one, without allocating the concatenation.
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
