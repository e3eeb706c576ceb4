//! Who the caller is, taken only from what the authorizer put in `requestContext.authorizer`.
//!
//! Request headers, query strings and bodies are never consulted: anything there is written
//! by the caller, while the authorizer context is written by API Gateway after the token was
//! verified. A request without authorizer context is anonymous, whatever its headers say.

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayRequestAuthorizer;
use serde::Serialize;
use serde_json::Value;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub sub: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    pub token_use: Option<String>,
    pub client_id: Option<String>,
}

impl Identity {
    /// A caller with only a `sub`, as the least an authorizer can tell us.
    pub fn new(sub: impl Into<String>) -> Self {
        let sub = sub.into();
        Self {
            username: sub.clone(),
            sub,
            email: None,
            groups: Vec::new(),
            scopes: Vec::new(),
            token_use: None,
            client_id: None,
        }
    }

    pub fn is_in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|member_of| member_of == group)
    }

    /// Reads the caller from an authorizer context of either payload version.
    ///
    /// Sources, first match wins:
    /// 1. our Lambda authorizer's flat keys (REST: the authorizer object itself, next to
    ///    `principalId`; HTTP API: `authorizer.lambda`);
    /// 2. REST Cognito user pool authorizer: `authorizer.claims`;
    /// 3. HTTP API JWT authorizer: `authorizer.jwt.claims` (+ `jwt.scopes`).
    ///
    /// HTTP APIs sending payload 1.0 nest `lambda` / `jwt` the same way; both are read too.
    ///
    /// `None` (anonymous) when no source has a non-empty `sub` or `principalId`.
    pub fn from_authorizer(authorizer: &ApiGatewayRequestAuthorizer) -> Option<Self> {
        if let Some(identity) = Self::from_claims(&authorizer.fields, None) {
            return Some(identity);
        }
        // A REST-shaped event keeps every authorizer key in `fields`, so nested sources show up
        // there: `claims` (REST Cognito authorizer) and, for HTTP APIs sending payload 1.0,
        // `lambda` and `jwt`.
        for key in ["lambda", "claims"] {
            if let Some(identity) = nested_object(&authorizer.fields, key)
                .and_then(|context| Self::from_claims(&context, None))
            {
                return Some(identity);
            }
        }
        if let Some(Value::Object(jwt)) = authorizer.fields.get("jwt") {
            let scopes: Option<Vec<String>> = jwt
                .get("scopes")
                .and_then(Value::as_array)
                .map(|scopes| scopes.iter().filter_map(scalar_text).collect());
            if let Some(identity) = jwt
                .get("claims")
                .and_then(Value::as_object)
                .map(|claims| claims.clone().into_iter().collect::<HashMap<_, _>>())
                .and_then(|claims| Self::from_claims(&claims, scopes.as_deref()))
            {
                return Some(identity);
            }
        }
        let jwt = authorizer.jwt.as_ref()?;
        let claims: HashMap<String, Value> = jwt
            .claims
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        Self::from_claims(&claims, jwt.scopes.as_deref())
    }

    /// Builds an identity from one flat map of claims or context keys.
    fn from_claims(claims: &HashMap<String, Value>, scopes: Option<&[String]>) -> Option<Self> {
        let text = |key: &str| claims.get(key).and_then(scalar_text);
        let sub = text("sub").or_else(|| text("principalId"))?;
        let username = text("username")
            .or_else(|| text("cognito:username"))
            .unwrap_or_else(|| sub.clone());
        let groups = claims
            .get("groups")
            .or_else(|| claims.get("cognito:groups"))
            .map(split_groups)
            .unwrap_or_default();
        let scopes = match scopes {
            Some(scopes) if !scopes.is_empty() => scopes.to_vec(),
            _ => text("scope")
                .map(|scope| scope.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        Some(Self {
            sub,
            username,
            email: text("email"),
            groups,
            scopes,
            token_use: text("token_use"),
            // ID tokens carry the app client in `aud`; access tokens in `client_id`.
            client_id: text("client_id").or_else(|| text("aud")),
        })
    }
}

/// The object under `key`, as a map of claims.
fn nested_object(fields: &HashMap<String, Value>, key: &str) -> Option<HashMap<String, Value>> {
    match fields.get(key) {
        Some(Value::Object(object)) => Some(object.clone().into_iter().collect()),
        _ => None,
    }
}

/// The text of a context value. API Gateway may deliver strings, numbers or booleans;
/// empty strings count as absent so that a blank `sub` cannot authenticate anyone.
fn scalar_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Group lists arrive as `"admin,users"` (our authorizer, REST Cognito authorizer),
/// `"[admin users]"` (HTTP API JWT authorizer), or a JSON array. Cognito group names
/// contain no whitespace, so commas and whitespace both separate names.
fn split_groups(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
        Value::String(text) => {
            let text = text.trim();
            let inner = text
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .unwrap_or(text);
            inner
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(|name| name.trim_matches('"'))
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn authorizer(value: Value) -> ApiGatewayRequestAuthorizer {
        serde_json::from_value(value).unwrap()
    }

    /// REST authorizer objects are flat; the typed struct keeps them in `fields`.
    fn rest_authorizer(value: Value) -> ApiGatewayRequestAuthorizer {
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.fields = serde_json::from_value(value).unwrap();
        authorizer
    }

    #[test]
    fn reads_our_lambda_authorizer_context_with_strings_or_numbers() {
        let identity = Identity::from_authorizer(&rest_authorizer(json!({
            "principalId": "11111111-2222",
            "sub": "11111111-2222",
            "username": "alice",
            "token_use": "access",
            "client_id": "app-client",
            "scope": "openid  profile api/read",
            "groups": "admin, users",
            "email": "alice@example.com",
            "exp": 1700000000,
            "auth_time": "1699990000"
        })))
        .unwrap();
        assert_eq!(
            identity,
            Identity {
                sub: "11111111-2222".into(),
                username: "alice".into(),
                email: Some("alice@example.com".into()),
                groups: vec!["admin".into(), "users".into()],
                scopes: vec!["openid".into(), "profile".into(), "api/read".into()],
                token_use: Some("access".into()),
                client_id: Some("app-client".into()),
            }
        );
    }

    #[test]
    fn principal_id_alone_is_enough_and_numbers_are_text() {
        let identity = Identity::from_authorizer(&rest_authorizer(json!({
            "principalId": 42, "clientId": 1
        })))
        .unwrap();
        assert_eq!(identity, Identity::new("42"));
    }

    #[test]
    fn no_sub_means_anonymous() {
        let cases = [
            json!({}),
            json!({"username": "alice", "groups": "admin"}),
            json!({"principalId": "", "sub": "   "}),
            json!({"sub": null}),
            json!({"sub": ["a"]}),
            json!({"claims": {"cognito:username": "alice"}}),
        ];
        for case in cases {
            assert_eq!(
                Identity::from_authorizer(&rest_authorizer(case.clone())),
                None,
                "{case}"
            );
        }
    }

    #[test]
    fn reads_http_api_lambda_context() {
        let identity = Identity::from_authorizer(&authorizer(json!({
            "lambda": {"sub": "abc", "username": "bob", "groups": "users", "token_use": "id"}
        })))
        .unwrap();
        assert_eq!(identity.username, "bob");
        assert_eq!(identity.groups, vec!["users"]);
        assert_eq!(identity.token_use.as_deref(), Some("id"));
    }

    #[test]
    fn reads_http_api_jwt_claims_and_scopes() {
        let identity = Identity::from_authorizer(&authorizer(json!({
            "jwt": {
                "claims": {
                    "sub": "abc",
                    "cognito:username": "carol",
                    "cognito:groups": "[admin users]",
                    "aud": "id-token-client",
                    "token_use": "id"
                },
                "scopes": ["api/read", "api/write"]
            }
        })))
        .unwrap();
        assert_eq!(identity.username, "carol");
        assert_eq!(identity.groups, vec!["admin", "users"]);
        assert_eq!(identity.scopes, vec!["api/read", "api/write"]);
        assert_eq!(identity.client_id.as_deref(), Some("id-token-client"));
    }

    #[test]
    fn reads_rest_cognito_authorizer_claims() {
        let identity = Identity::from_authorizer(&rest_authorizer(json!({
            "claims": {
                "sub": "abc",
                "cognito:username": "dave",
                "cognito:groups": "admin,users",
                "scope": "aws.cognito.signin.user.admin",
                "client_id": "app-client"
            }
        })))
        .unwrap();
        assert_eq!(identity.username, "dave");
        assert_eq!(identity.groups, vec!["admin", "users"]);
        assert_eq!(identity.scopes, vec!["aws.cognito.signin.user.admin"]);
    }

    #[test]
    fn reads_http_api_payload_1_0_lambda_and_jwt_contexts() {
        let lambda = Identity::from_authorizer(&rest_authorizer(json!({
            "lambda": {"sub": "abc", "username": "erin"}
        })))
        .unwrap();
        assert_eq!(lambda.username, "erin");
        let jwt = Identity::from_authorizer(&rest_authorizer(json!({
            "jwt": {"claims": {"sub": "abc", "cognito:groups": "[admin]"}, "scopes": ["a", "b"]}
        })))
        .unwrap();
        assert_eq!(jwt.groups, vec!["admin"]);
        assert_eq!(jwt.scopes, vec!["a", "b"]);
    }

    #[test]
    fn group_formats() {
        let cases = [
            (json!("admin,users"), vec!["admin", "users"]),
            (json!("[admin users]"), vec!["admin", "users"]),
            (json!("[\"admin\",\"users\"]"), vec!["admin", "users"]),
            (json!(["admin", "users"]), vec!["admin", "users"]),
            (json!("admin"), vec!["admin"]),
            (json!("[]"), vec![]),
            (json!(""), vec![]),
            (json!(7), vec![]),
        ];
        for (value, expected) in cases {
            assert_eq!(split_groups(&value), expected, "{value}");
        }
    }

    #[test]
    fn group_membership_is_exact() {
        let mut identity = Identity::new("abc");
        identity.groups = vec!["administrators".into(), "users".into()];
        assert!(!identity.is_in_group("admin"));
        assert!(identity.is_in_group("users"));
    }
}
