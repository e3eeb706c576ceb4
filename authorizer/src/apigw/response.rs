//! What the authorizer answers API Gateway: the identity context, the cache-safe IAM policy
//! response, and the HTTP API simple response.
//!
//! Every answer is a typed value serialized by serde: its JSON is exactly what
//! `aws_lambda_events`' `ApiGatewayCustomAuthorizerResponse` and
//! `ApiGatewayV2CustomAuthorizerSimpleResponse` read (tests hold it to that), with absent
//! members left out rather than sent as `null`.

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerPolicy;
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use oidc_jwt_verifier::VerifiedClaims;

use super::arn::MethodArn;
use super::route_rules::{RouteRule, RouteRules};

/// The identity passed on to the API as authorizer context. Flat values only, as API Gateway
/// requires; absent values are left out rather than sent as null.
///
/// `groups` is a JSON array encoded as a string (`["admin","ops,eu"]`): Cognito group names may
/// contain `,`, `[`, `]` and `"`, so any joined form would let a group named `ops,admin` pass
/// for `admin`. A backend reads it with a JSON parser and nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityContext {
    /// The token's `sub`.
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `cognito:username` (ID token) or `username` (access token), when present.
    pub username: Option<String>,
    /// `id` or `access`: for Cognito pools, and issuers with a `token_use` expectation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_use: Option<String>,
    /// `user` or `machine` (a client-credentials token: no username, `sub` = `client_id`),
    /// as the verifier tells them apart ([`oidc_jwt_verifier::claims::caller_kind`]); absent when the
    /// token's shape says neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// The client the token was accepted for: `aud` of an ID token (or of any token of an
    /// issuer checked by `audience`), `client_id` of a Cognito-style access token.
    pub client_id: String,
    /// Space-separated, as in the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A JSON array of strings, as text; `[]` when the caller is in no group.
    pub groups: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `email`, when the token has one.
    pub email: Option<String>,
    /// Sent with `email`: whether the token says the address is verified. Users can change
    /// their own email, so a backend must not trust one that is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The token's exact issuer. A user is (`iss`, `sub`): two issuers can issue one `sub`.
    pub iss: String,
    /// The trusted issuer's short name: a pool's ID, or an `ISSUERS` entry's `name`.
    pub issuer_name: String,
    /// `exp`, seconds since the epoch.
    pub exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `auth_time`, when present.
    pub auth_time: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Cognito's `origin_jti`, when present: the session (refresh token) the token belongs
    /// to, which the api-handler's `POST /logout` lists when it revokes that session.
    pub origin_jti: Option<String>,
}

impl From<VerifiedClaims> for IdentityContext {
    fn from(claims: VerifiedClaims) -> Self {
        IdentityContext {
            scope: (!claims.scopes.is_empty()).then(|| claims.scopes.join(" ")),
            // Serializing strings cannot fail.
            groups: serde_json::to_string(&claims.groups).unwrap_or_else(|_| "[]".to_owned()),
            email_verified: claims.email.is_some().then_some(claims.email_verified),
            token_use: claims.token_use.map(|kind| kind.as_str().to_owned()),
            caller: claims.caller.map(|kind| kind.as_str().to_owned()),
            sub: claims.sub,
            username: claims.username,
            client_id: claims.client_id,
            email: claims.email,
            iss: claims.issuer,
            issuer_name: claims.issuer_name,
            exp: claims.expires_at,
            auth_time: claims.auth_time,
            origin_jti: claims.origin_jti,
        }
    }
}

/// What the authorizer answers, in the shape the event asked for; serialized as the inner
/// answer alone.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum AuthorizerResponse {
    /// REST API `TOKEN` and `REQUEST` authorizers, and HTTP API payload 2.0 with
    /// `HTTP_API_RESPONSE=iam`.
    Policy(PolicyResponse),
    /// HTTP API payload 2.0 simple response (the default).
    HttpSimple(SimpleResponse),
}

/// An HTTP API simple response: `{"isAuthorized": bool, "context": {...}}`, the shape of
/// `aws_lambda_events`' `ApiGatewayV2CustomAuthorizerSimpleResponse` (a test holds it to
/// that). The context is left out when the caller is refused for lacking a required scope or
/// group.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimpleResponse {
    /// Whether API Gateway lets the request through (`false` is a 403).
    pub is_authorized: bool,
    /// The caller, passed on to the integration as `requestContext.authorizer.lambda`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<IdentityContext>,
}

impl AuthorizerResponse {
    /// The answer as JSON, exactly as API Gateway reads it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// `{"principalId", "policyDocument", "context"}`: Allow on the whole stage, Deny on each
/// route whose rule the caller fails; or, for a caller who lacks a required scope or group,
/// Deny on the whole stage and no context. Either is right for every route of the stage, so
/// API Gateway may cache it by token. The policy document and statements are
/// `aws_lambda_events`' own, in our own envelope because its
/// `ApiGatewayCustomAuthorizerResponse` always writes `context` (`null` for a whole-stage
/// Deny) and `usageIdentifierKey`, which the answer leaves out.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyResponse {
    /// The token's `sub`.
    pub principal_id: String,
    /// Version `2012-10-17`: the whole-stage statement, then the Deny of failed routes if any.
    pub policy_document: ApiGatewayCustomAuthorizerPolicy,
    /// `None` for a whole-stage Deny.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<IdentityContext>,
}

impl PolicyResponse {
    /// Allow on the stage of `arn`, Deny on each of `rules` that `claims` fails, and on `arn`
    /// itself when its path is not canonical ([`MethodArn::path_is_canonical`]): rules name
    /// canonical paths, so `GET//me` falls under none of them although a greedy resource may
    /// route it to `/me`; it is denied instead of allowed by default. Only that spelling is
    /// denied, not the stage: API Gateway caches the answer for the token and applies it to
    /// the caller's other requests.
    pub fn new(arn: &MethodArn, rules: &RouteRules, claims: VerifiedClaims) -> Self {
        let mut denied: Vec<String> = rules
            .failed_by(&claims)
            .flat_map(RouteRule::resource_suffixes)
            .map(|suffix| arn.in_stage(suffix))
            .collect();
        if !arn.path_is_canonical() {
            denied.push(arn.in_stage(arn.method_and_path()));
        }
        let mut statements = vec![statement(IamPolicyEffect::Allow, vec![arn.in_stage("*/*")])];
        if !denied.is_empty() {
            statements.push(statement(IamPolicyEffect::Deny, denied));
        }
        PolicyResponse {
            principal_id: claims.sub.clone(),
            policy_document: document(statements),
            context: Some(IdentityContext::from(claims)),
        }
    }

    /// Deny on the whole stage for `sub`, who lacks a required scope or group.
    pub fn deny_stage(arn: &MethodArn, sub: &str) -> Self {
        let deny = statement(IamPolicyEffect::Deny, vec![arn.in_stage("*/*")]);
        PolicyResponse {
            principal_id: sub.to_owned(),
            policy_document: document(vec![deny]),
            context: None,
        }
    }
}

fn document(statements: Vec<IamPolicyStatement>) -> ApiGatewayCustomAuthorizerPolicy {
    let mut document = ApiGatewayCustomAuthorizerPolicy::default();
    document.version = Some("2012-10-17".to_owned());
    document.statement = statements;
    document
}

/// An `execute-api:Invoke` statement.
fn statement(effect: IamPolicyEffect, resource: Vec<String>) -> IamPolicyStatement {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_owned()];
    statement.effect = effect;
    statement.resource = resource;
    statement
}

#[cfg(test)]
mod tests;
