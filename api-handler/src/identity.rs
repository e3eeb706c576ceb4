//! Who the caller is, taken only from what the authorizer put in `requestContext.authorizer`.
//!
//! Request headers, query strings and bodies are never consulted: anything there is written
//! by the caller, while the authorizer context is written by API Gateway after the token was
//! verified. A request without authorizer context is anonymous, whatever its headers say.
//!
//! Each source is read in its own format, exactly; none is read loosely, because a loose
//! reader turns a group named `ops,admin` or `[admin]` into membership of `admin`:
//! - our Lambda authorizer: `groups` is a JSON array as text (`["admin","ops,eu"]`);
//! - API Gateway's REST Cognito authorizer (`claims`): `cognito:groups` joined with `,`;
//! - API Gateway's HTTP API JWT authorizer (`jwt.claims`): `cognito:groups` as `[a b]`.
//!
//! The two built-in formats are API Gateway's own and are ambiguous for group names that
//! contain their separator; use our authorizer where such names exist (see the README).

use aws_lambda_events::apigw::ApiGatewayRequestAuthorizer;
use oidc_jwt_verifier::claims::caller_kind;
use serde::Serialize;
use serde_json::Value;

/// An authenticated caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The token's `sub` (or the authorizer's `principalId`).
    pub sub: String,
    /// `username` or `cognito:username`; the `sub` when neither is known.
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The email address, when the authorizer passed one.
    pub email: Option<String>,
    /// Whether the authorizer said the email is verified. Users can change their own email;
    /// do not trust one that is not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Group names, exactly as the authorizer's format holds them.
    pub groups: Vec<String>,
    /// Scopes, in order.
    pub scopes: Vec<String>,
    /// `id` or `access`, when known.
    pub token_use: Option<String>,
    /// `user`, or `machine` for an app acting for itself (a client-credentials access token:
    /// no username, `sub` = `client_id`), when the token's shape says which. Our authorizer
    /// passes it as `caller`; for the built-ins' claims it is read with the verifier's own
    /// rule ([`oidc_jwt_verifier::claims::caller_kind`]), so every kind names the same caller alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// The app client: `client_id`, or an ID token's `aud`.
    pub client_id: Option<String>,
    /// The token's issuer (`iss`), when the authorizer passed it. A user is (`iss`, `sub`):
    /// two issuers can issue one `sub`, so a backend keys its users by both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The issuer's short name from the authorizer's configuration (`issuer_name`): a pool's
    /// ID or an `ISSUERS` entry's `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// Cognito's `origin_jti`: the session (refresh token) the token came from, when the
    /// authorizer passed it. `POST /logout` lists it when it revokes that session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_jti: Option<String>,
}

/// An authorizer context that names a caller but cannot be read exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ContextError(&'static str);

/// The group-list format of a context source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GroupFormat {
    /// Our authorizer: a JSON array of strings, as text.
    JsonText,
    /// REST Cognito authorizer claims: names joined with `,`.
    Commas,
    /// HTTP API JWT authorizer claims: `[a b]`.
    Brackets,
}

impl Identity {
    /// Whether the caller is in `group` (exact, case-sensitive).
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
    /// `Ok(None)` (anonymous) when no source has a non-empty `sub` or `principalId`; an error
    /// when a source names a caller but its groups are not in that source's format.
    pub fn from_authorizer(
        authorizer: &ApiGatewayRequestAuthorizer,
    ) -> Result<Option<Self>, ContextError> {
        let fields = &authorizer.fields;
        if let Some(identity) =
            Self::from_claims(|key| fields.get(key), None, GroupFormat::JsonText)?
        {
            return Ok(Some(identity));
        }
        // A REST-shaped event keeps every authorizer key in `fields`, so nested sources show up
        // there: `claims` (REST Cognito authorizer) and, for HTTP APIs sending payload 1.0,
        // `lambda` and `jwt`.
        let object = |key: &str| fields.get(key).and_then(Value::as_object);
        for (key, format) in [
            ("lambda", GroupFormat::JsonText),
            ("claims", GroupFormat::Commas),
        ] {
            if let Some(context) = object(key)
                && let Some(identity) = Self::from_claims(|key| context.get(key), None, format)?
            {
                return Ok(Some(identity));
            }
        }
        if let Some(jwt) = object("jwt")
            && let Some(claims) = jwt.get("claims").and_then(Value::as_object)
        {
            let scopes: Option<Vec<String>> = jwt
                .get("scopes")
                .and_then(Value::as_array)
                .map(|scopes| scopes.iter().filter_map(scalar_text).collect());
            let scopes = scopes.as_deref();
            if let Some(identity) =
                Self::from_claims(|key| claims.get(key), scopes, GroupFormat::Brackets)?
            {
                return Ok(Some(identity));
            }
        }
        let Some(jwt) = authorizer.jwt.as_ref() else {
            return Ok(None);
        };
        // Its claims, all strings here, as JSON values like every other source's (a map of
        // strings always serializes).
        let claims = serde_json::to_value(&jwt.claims).unwrap_or_default();
        let scopes = jwt.scopes.as_deref();
        Self::from_claims(|key| claims.get(key), scopes, GroupFormat::Brackets)
    }

    /// Builds an identity from one flat map of claims or context keys.
    fn from_claims<'a>(
        claim: impl Fn(&str) -> Option<&'a Value>,
        scopes: Option<&[String]>,
        format: GroupFormat,
    ) -> Result<Option<Self>, ContextError> {
        let text = |key: &str| claim(key).and_then(scalar_text);
        let Some(sub) = text("sub").or_else(|| text("principalId")) else {
            return Ok(None);
        };
        let username_claim = text("username").or_else(|| text("cognito:username"));
        let caller = match format {
            // Our authorizer decided it with the verifier; its two spellings only.
            GroupFormat::JsonText => {
                text("caller").filter(|kind| kind == "user" || kind == "machine")
            }
            // The built-ins pass the token's claims: `client_id` is the claim itself.
            GroupFormat::Commas | GroupFormat::Brackets => caller_kind(
                text("token_use").as_deref() == Some("id"),
                username_claim.is_some(),
                text("client_id").as_deref(),
                &sub,
            )
            .map(|kind| kind.as_str().to_owned()),
        };
        let username = username_claim.unwrap_or_else(|| sub.clone());
        // Our context says `groups`; the built-in authorizers pass the claim's own name.
        let groups_key = match format {
            GroupFormat::JsonText => "groups",
            GroupFormat::Commas | GroupFormat::Brackets => "cognito:groups",
        };
        let groups = match claim(groups_key) {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => read_groups(value, format)?,
        };
        let scopes = match scopes {
            Some(scopes) if !scopes.is_empty() => scopes.to_vec(),
            _ => text("scope")
                .map(|scope| scope.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        let email = text("email");
        // `true` or `"true"`: the text of a boolean is its JSON spelling.
        let email_verified = email
            .as_ref()
            .map(|_| text("email_verified").as_deref() == Some("true"));
        Ok(Some(Self {
            sub,
            username,
            email,
            email_verified,
            groups,
            scopes,
            token_use: text("token_use"),
            caller,
            // ID tokens carry the app client in `aud`; access tokens in `client_id`.
            client_id: text("client_id").or_else(|| text("aud")),
            iss: text("iss"),
            issuer_name: text("issuer_name"),
            origin_jti: text("origin_jti"),
        }))
    }
}

/// The text of a context value, exactly as the authorizer wrote it. API Gateway may deliver
/// strings, numbers or booleans. Nothing is trimmed: the `sub` and `iss` read here key the
/// revocation list's entries, so `" abc"` must stay another user than `"abc"`, as it is to
/// the authorizer. A blank string (empty or white space only) counts as absent, so that a
/// blank `sub` cannot authenticate anyone.
fn scalar_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Reads a group list in exactly the format of its source. A JSON array of strings is
/// unambiguous whatever the source; a string must be in the source's own format.
fn read_groups(value: &Value, format: GroupFormat) -> Result<Vec<String>, ContextError> {
    const NOT_STRINGS: ContextError =
        ContextError("a group list holds something other than strings");
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or(NOT_STRINGS))
            .collect(),
        Value::String(text) => match format {
            GroupFormat::JsonText => serde_json::from_str::<Vec<String>>(text).map_err(|_| {
                ContextError("the authorizer's groups are not a JSON array of strings")
            }),
            GroupFormat::Commas if text.is_empty() => Ok(Vec::new()),
            GroupFormat::Commas => Ok(text.split(',').map(str::to_owned).collect()),
            GroupFormat::Brackets => {
                let inner = text
                    .strip_prefix('[')
                    .and_then(|rest| rest.strip_suffix(']'))
                    .ok_or(ContextError(
                        "the JWT authorizer's groups are not in [a b] form",
                    ))?;
                Ok(if inner.is_empty() {
                    Vec::new()
                } else {
                    inner.split(' ').map(str::to_owned).collect()
                })
            }
        },
        _ => Err(NOT_STRINGS),
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
            "caller": "user",
            "client_id": "app-client",
            "scope": "openid  profile api/read",
            "groups": r#"["admin","users"]"#,
            "email": "alice@example.com",
            "email_verified": "true",
            "exp": 1700000000,
            "auth_time": "1699990000",
            "iss": "https://example.okta.com/oauth2/default",
            "issuer_name": "okta"
        })))
        .unwrap()
        .unwrap();
        assert_eq!(
            identity,
            Identity {
                sub: "11111111-2222".into(),
                username: "alice".into(),
                email: Some("alice@example.com".into()),
                email_verified: Some(true),
                groups: vec!["admin".into(), "users".into()],
                scopes: vec!["openid".into(), "profile".into(), "api/read".into()],
                token_use: Some("access".into()),
                caller: Some("user".into()),
                client_id: Some("app-client".into()),
                iss: Some("https://example.okta.com/oauth2/default".into()),
                issuer_name: Some("okta".into()),
                origin_jti: None,
            }
        );
    }

    #[test]
    fn principal_id_alone_is_enough_and_numbers_are_text() {
        let identity = Identity::from_authorizer(&rest_authorizer(json!({
            "principalId": 42, "clientId": 1
        })))
        .unwrap()
        .unwrap();
        assert_eq!(
            identity,
            Identity {
                sub: "42".into(),
                username: "42".into(),
                ..Identity::default()
            }
        );
    }

    #[test]
    fn context_values_are_read_exactly_as_written() {
        let identity = Identity::from_authorizer(&rest_authorizer(json!({
            "principalId": " sub-1 ",
            "sub": " sub-1 ",
            "username": "alice ",
            "iss": "https://issuer.example ",
            "origin_jti": " session",
            "client_id": "client\t",
        })))
        .unwrap()
        .unwrap();
        assert_eq!(
            (
                identity.sub.as_str(),
                identity.username.as_str(),
                identity.iss.as_deref(),
                identity.origin_jti.as_deref(),
                identity.client_id.as_deref()
            ),
            (
                " sub-1 ",
                "alice ",
                Some("https://issuer.example "),
                Some(" session"),
                Some("client\t")
            )
        );
    }

    #[test]
    fn no_sub_means_anonymous() {
        let cases = [
            json!({}),
            json!({"username": "alice", "groups": "admin"}),
            json!({"principalId": "", "sub": "   "}),
            json!({"principalId": "\t", "sub": " \n "}),
            json!({"sub": null}),
            json!({"sub": ["a"]}),
            json!({"claims": {"cognito:username": "alice"}}),
        ];
        for case in cases {
            assert_eq!(
                Identity::from_authorizer(&rest_authorizer(case.clone())),
                Ok(None),
                "{case}"
            );
        }
    }

    #[test]
    fn reads_http_api_lambda_context() {
        let identity = Identity::from_authorizer(&authorizer(json!({
            "lambda": {"sub": "abc", "username": "bob", "groups": "[\"users\"]", "token_use": "id"}
        })))
        .unwrap()
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
        .unwrap()
        .unwrap();
        assert_eq!(identity.username, "carol");
        assert_eq!(identity.groups, vec!["admin", "users"]);
        assert_eq!(identity.scopes, vec!["api/read", "api/write"]);
        assert_eq!(identity.client_id.as_deref(), Some("id-token-client"));
    }

    /// The JWT authorizer's `scopes` list when it holds any; otherwise the token's own `scope`
    /// claim (an empty list says nothing about the token).
    #[test]
    fn jwt_scopes_are_read_from_the_list_or_else_from_the_scope_claim() {
        let cases: &[(&str, Value, &[&str])] = &[
            (
                "list wins",
                json!({"scopes": ["a"], "claims": {"sub": "s", "scope": "b"}}),
                &["a"],
            ),
            (
                "empty list",
                json!({"scopes": [], "claims": {"sub": "s", "scope": "b c"}}),
                &["b", "c"],
            ),
            (
                "no list",
                json!({"claims": {"sub": "s", "scope": "b"}}),
                &["b"],
            ),
            (
                "null list",
                json!({"scopes": null, "claims": {"sub": "s", "scope": "b"}}),
                &["b"],
            ),
            (
                "neither",
                json!({"scopes": [], "claims": {"sub": "s"}}),
                &[],
            ),
        ];
        for (case, jwt, expected) in cases {
            let identity = Identity::from_authorizer(&authorizer(json!({"jwt": jwt})))
                .unwrap()
                .unwrap();
            assert_eq!(identity.scopes, *expected, "{case}");
        }
    }

    /// A Cognito client-credentials access token (no username, `sub` = `client_id`) is a
    /// machine caller through every source; a user's access token is a user; our authorizer's
    /// `caller` is taken as written, and only its two spellings.
    #[test]
    fn machine_callers_are_named_alike_by_every_source() {
        let machine = json!({"sub": "m-client", "client_id": "m-client", "token_use": "access",
            "scope": "myapi/read"});
        let user = json!({"sub": "u-1", "client_id": "m-client", "token_use": "access",
            "username": "alice"});
        let cases: [(&str, ApiGatewayRequestAuthorizer, Option<&str>); 9] = [
            (
                "REST Cognito, machine",
                rest_authorizer(json!({"claims": machine})),
                Some("machine"),
            ),
            (
                "REST Cognito, user",
                rest_authorizer(json!({"claims": user})),
                Some("user"),
            ),
            (
                "HTTP JWT, machine",
                authorizer(json!({"jwt": {"claims": machine}})),
                Some("machine"),
            ),
            (
                "HTTP JWT, user",
                authorizer(json!({"jwt": {"claims": user}})),
                Some("user"),
            ),
            (
                "HTTP JWT, ID token with sub = aud",
                authorizer(json!({"jwt": {"claims": {"sub": "c", "aud": "c", "token_use": "id"}}})),
                Some("user"),
            ),
            (
                "no username, sub is not the client",
                authorizer(json!({"jwt": {"claims": {"sub": "s", "client_id": "c"}}})),
                None,
            ),
            (
                "our authorizer, machine",
                rest_authorizer(json!({"sub": "u-1", "caller": "machine"})),
                Some("machine"),
            ),
            (
                // Our context is not re-derived: the authorizer judged the token itself.
                "our authorizer, sub = client_id but no caller",
                rest_authorizer(json!({"sub": "c", "client_id": "c", "token_use": "access"})),
                None,
            ),
            (
                "our authorizer, unknown spelling",
                rest_authorizer(json!({"sub": "u-1", "caller": "Machine"})),
                None,
            ),
        ];
        for (case, authorizer, expected) in cases {
            let identity = Identity::from_authorizer(&authorizer).unwrap().unwrap();
            assert_eq!(identity.caller.as_deref(), expected, "{case}");
        }
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
        .unwrap()
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
        .unwrap()
        .unwrap();
        assert_eq!(lambda.username, "erin");
        let jwt = Identity::from_authorizer(&rest_authorizer(json!({
            "jwt": {"claims": {"sub": "abc", "cognito:groups": "[admin]"}, "scopes": ["a", "b"]}
        })))
        .unwrap()
        .unwrap();
        assert_eq!(jwt.groups, vec!["admin"]);
        assert_eq!(jwt.scopes, vec!["a", "b"]);
    }

    /// Each source in its own format, exactly: the review's group names that a loose reader
    /// took for `admin` stay what they are.
    #[test]
    fn group_formats_are_read_exactly_per_source() {
        use GroupFormat::*;
        let ok: &[(GroupFormat, Value, &[&str])] = &[
            (JsonText, json!(r#"["admin","users"]"#), &["admin", "users"]),
            (JsonText, json!(r#"["ops,admin"]"#), &["ops,admin"]),
            (JsonText, json!(r#"["[admin]"]"#), &["[admin]"]),
            (JsonText, json!(r#"["\"admin\""]"#), &["\"admin\""]),
            (JsonText, json!(r#"["x admin"]"#), &["x admin"]),
            (JsonText, json!("[]"), &[]),
            (JsonText, json!(["admin", "users"]), &["admin", "users"]),
            (Commas, json!("admin,users"), &["admin", "users"]),
            (Commas, json!("admin, users"), &["admin", " users"]),
            (Commas, json!("[admin]"), &["[admin]"]),
            (Commas, json!(""), &[]),
            (Brackets, json!("[admin users]"), &["admin", "users"]),
            (Brackets, json!("[\"admin\"]"), &["\"admin\""]),
            (Brackets, json!("[]"), &[]),
        ];
        for (format, value, expected) in ok {
            assert_eq!(
                read_groups(value, *format).unwrap(),
                expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{format:?} {value}"
            );
        }
        let bad: &[(GroupFormat, Value)] = &[
            (JsonText, json!("admin")),
            (JsonText, json!("admin,users")),
            (JsonText, json!("[admin users]")),
            (JsonText, json!(r#"["admin",1]"#)),
            (JsonText, json!(r#"{"admin":true}"#)),
            (JsonText, json!(7)),
            (Brackets, json!("admin users")),
            (Commas, json!(["admin", 1])),
        ];
        for (format, value) in bad {
            assert!(read_groups(value, *format).is_err(), "{format:?} {value}");
        }
    }

    /// The error says which source's format was broken: it is what the 500's log line says.
    #[test]
    fn a_context_that_names_a_caller_in_the_wrong_format_is_an_error_not_a_guess() {
        const JSON_TEXT: &str = "the authorizer's groups are not a JSON array of strings";
        for (context, message) in [
            (json!({"principalId": "abc", "groups": "admin"}), JSON_TEXT),
            (
                json!({"principalId": "abc", "groups": "ops,admin"}),
                JSON_TEXT,
            ),
            (
                json!({"lambda": {"sub": "abc", "groups": "[admin]"}}),
                JSON_TEXT,
            ),
            (
                json!({"jwt": {"claims": {"sub": "abc", "cognito:groups": "admin"}}}),
                "the JWT authorizer's groups are not in [a b] form",
            ),
            (
                json!({"principalId": "abc", "groups": 7}),
                "a group list holds something other than strings",
            ),
        ] {
            let error = Identity::from_authorizer(&rest_authorizer(context.clone())).unwrap_err();
            assert_eq!(error.to_string(), message, "{context}");
        }
        // Our context ignores `cognito:groups`; the built-ins ignore `groups`.
        let ours = Identity::from_authorizer(&rest_authorizer(
            json!({"principalId": "abc", "cognito:groups": "admin"}),
        ))
        .unwrap()
        .unwrap();
        assert!(ours.groups.is_empty());
        let claims = Identity::from_authorizer(&rest_authorizer(
            json!({"claims": {"sub": "abc", "groups": "admin"}}),
        ))
        .unwrap()
        .unwrap();
        assert!(claims.groups.is_empty());
    }

    #[test]
    fn group_membership_is_exact() {
        let identity = Identity {
            groups: vec!["administrators".into(), "users".into()],
            ..Identity::default()
        };
        assert!(!identity.is_in_group("admin"));
        assert!(identity.is_in_group("users"));
    }
}
