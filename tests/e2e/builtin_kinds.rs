//! The guide's flow against moto through each `AuthorizerKind`: our Lambda authorizer (REST
//! TOKEN, HTTP API REQUEST) and API Gateway's built-ins as the local gateway emulates them
//! (REST `COGNITO_USER_POOLS`, HTTP API JWT). The same callers, one table: where the kinds
//! differ is what docs/authorizer-kinds.md describes, and the api-handler behind each gives the
//! same answers for the same user.

use std::time::Duration;

use local_gateway::Gateway;
use local_gateway::authorize::AuthorizerKind;
use local_gateway::builtin::{BuiltinAuthorizer, BuiltinConfig};
use local_gateway::config::in_process;
use serde_json::{Value, json};

use crate::guide_flow::{config, gateway, lookup, start};
use crate::stack::{claims, env, tampered};

/// A gateway with API Gateway's built-in authorizer of `kind`, keys from moto. moto issues
/// tokens with the ORIGINAL issuer form, which the JWT authorizer must then name.
async fn builtin_gateway(kind: AuthorizerKind) -> String {
    let moto = env("E2E_COGNITO_ENDPOINT");
    let base = lookup(moto);
    let lookup = move |name: &str| match name {
        "ISSUER_TYPE" => Some("ORIGINAL".to_owned()),
        _ => base(name),
    };
    let builtin_config = BuiltinConfig::from_lookup(kind.builtin().unwrap(), Vec::new(), &lookup)
        .expect("built-in configuration");
    let builtin = BuiltinAuthorizer::with_http(builtin_config).unwrap();
    builtin.prefetch_keys().await;
    let functions = in_process(lookup).await.expect("functions");
    let (gateway, base) =
        start(Gateway::new(config(kind, 0), functions).with_builtin(builtin)).await;
    assert_eq!(gateway.authorizer_invocations(), 0);
    base
}

/// GET with the bare token as the `Authorization` value (what all four kinds accept).
async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .timeout(Duration::from_secs(60));
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    let response = request.send().await.expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn each_authorizer_kind_answers_the_guide_flow() {
    let user_id = env("E2E_USER_ID_TOKEN");
    let callers = [
        ("no token", "/me", None),
        ("IdToken", "/me", Some(user_id.clone())),
        ("AccessToken", "/me", Some(env("E2E_USER_ACCESS_TOKEN"))),
        ("tampered IdToken", "/me", Some(tampered(&user_id))),
        ("expired IdToken", "/me", Some(env("E2E_EXPIRED_ID_TOKEN"))),
        (
            "IdToken of another app client",
            "/me",
            Some(env("E2E_OTHER_CLIENT_ID_TOKEN")),
        ),
        (
            "AccessToken of another app client",
            "/me",
            Some(env("E2E_OTHER_CLIENT_ACCESS_TOKEN")),
        ),
        (
            "IdToken of another pool",
            "/me",
            Some(env("E2E_OTHER_POOL_ID_TOKEN")),
        ),
        ("non-admin on /admin", "/admin", Some(user_id.clone())),
        ("admin on /admin", "/admin", Some(env("E2E_ADMIN_ID_TOKEN"))),
    ];
    // Expected status per caller, in order, per kind. The differences are the built-ins'
    // documented rules: the REST Cognito authorizer takes only ID tokens without method scopes
    // and checks no app client; the JWT authorizer checks the audience but not token_use.
    let table: [(AuthorizerKind, [u16; 10]); 4] = [
        (
            AuthorizerKind::Token,
            [401, 200, 200, 401, 401, 401, 401, 401, 403, 200],
        ),
        (
            AuthorizerKind::Http,
            [401, 200, 200, 401, 401, 401, 401, 401, 403, 200],
        ),
        (
            AuthorizerKind::Cognito,
            [401, 200, 401, 401, 401, 200, 401, 401, 403, 200],
        ),
        (
            AuthorizerKind::Jwt,
            [401, 200, 200, 401, 401, 401, 401, 401, 403, 200],
        ),
    ];
    let mut me_per_kind = Vec::new();
    for (kind, expected) in table {
        let base = if kind.builtin().is_some() {
            builtin_gateway(kind).await
        } else {
            gateway(kind, 0).await.1
        };
        for ((caller, path, token), status) in callers.iter().zip(expected) {
            let (got, body) = get(&base, path, token.as_deref()).await;
            assert_eq!(got, status, "{kind:?}, {caller}: {body}");
        }
        let (_, me) = get(&base, "/me", Some(&user_id)).await;
        me_per_kind.push((kind, me));
    }
    // The api-handler behind each kind: the same answer for the same user. Only our Lambda
    // authorizer names the issuer's configured name (`issuer_name`); the built-ins have no
    // such setting, so the field is absent there and everything else is equal.
    let (_, reference) = &me_per_kind[0];
    assert_eq!(reference["sub"], claims(&user_id)["sub"]);
    assert_eq!(reference["token_use"], json!("id"));
    let without_issuer_name = |me: &Value| {
        let mut me = me.clone();
        me.as_object_mut()
            .map(|fields| fields.remove("issuer_name"));
        me
    };
    for (kind, me) in &me_per_kind {
        assert_eq!(
            me.get("issuer_name").is_some(),
            kind.builtin().is_none(),
            "{kind:?}: issuer_name only from the Lambda authorizer: {me}"
        );
        assert_eq!(
            without_issuer_name(me),
            without_issuer_name(reference),
            "{kind:?}"
        );
    }
}
