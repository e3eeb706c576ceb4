//! Machine callers with custom scopes through every authorizer kind: our Lambda authorizer
//! (REST TOKEN, REST REQUEST, HTTP API REQUEST) with the scope required by `REQUIRED_SCOPES`
//! or by a route rule, and API Gateway's built-ins as the local gateway emulates them with
//! `AuthorizationScopes` (REST `COGNITO_USER_POOLS`, HTTP API JWT): template.yaml's
//! `ResourceServerScopes` path (issue 21, item 1).
//!
//! The emulators have no token endpoint, so the tokens are minted here, shaped as Cognito's
//! client-credentials access tokens ([`testkit::cognito_machine_claims`]: no `username`,
//! `sub` = the app client) for the guide's pool in moto, and signed with a test key that a
//! loopback JWKS server serves as that pool's keys. The user's access token is shaped as the
//! guide's `USER_PASSWORD_AUTH` tokens are (scope `aws.cognito.signin.user.admin` only).

use std::time::Duration;

use local_gateway::Gateway;
use local_gateway::authorize::AuthorizerKind;
use local_gateway::builtin::{BuiltinAuthorizer, BuiltinConfig};
use local_gateway::config::in_process;
use serde_json::{Value, json};
use testkit::{JwksServer, TestKey, cognito_claims, cognito_machine_claims, mint};

use crate::guide_flow::{config, start};
use crate::stack::env;

/// The machine-to-machine app client (the template's `MachineClient`).
const MACHINE_CLIENT: &str = "5machine0client0e2e0000000";
/// A client-credentials client of the same pool that the stack does not trust.
const OTHER_MACHINE_CLIENT: &str = "5other0machine0client00000";
const READ: &str = "myapi/read";

/// Extra variables of one gateway's functions.
type Variables = &'static [(&'static str, &'static str)];
const WRITE: &str = "myapi/write";

fn signed(claims: &Value) -> String {
    let key = TestKey::shared(0);
    mint(key, &json!({"alg": "RS256", "kid": key.kid}), claims)
}

/// Everything the gateways share: the pool from moto, the user client and the machine
/// client trusted (the template adds MachineClient to APP_CLIENT_ID and the JWT audience),
/// keys from `jwks`, plus `extra` variables.
fn lookup(jwks: &str, extra: Variables) -> impl Fn(&str) -> Option<String> + Clone {
    let (pool, client) = (env("E2E_USER_POOL_ID"), env("E2E_APP_CLIENT_ID"));
    let jwks = jwks.to_owned();
    move |name: &str| match name {
        "USER_POOL_ID" => Some(pool.clone()),
        "APP_CLIENT_ID" => Some(format!("{client},{MACHINE_CLIENT}")),
        "COGNITO_ENDPOINT" => Some(jwks.clone()),
        "ISSUER_TYPE" => Some("ORIGINAL".to_owned()),
        _ => extra
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned()),
    }
}

async fn gateway(kind: AuthorizerKind, jwks: &str, extra: Variables) -> String {
    let lookup = lookup(jwks, extra);
    let functions = in_process(lookup.clone()).await.expect("functions");
    let mut gateway = Gateway::new(config(kind, 0), functions);
    if let Some(builtin) = kind.builtin() {
        let builtin_config = BuiltinConfig::from_lookup(builtin, vec![READ.to_owned()], &lookup)
            .expect("built-in configuration");
        let builtin = BuiltinAuthorizer::with_http(builtin_config).unwrap();
        builtin.prefetch_keys().await;
        gateway = gateway.with_builtin(builtin);
    }
    start(gateway).await.1
}

async fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("authorization", token)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
#[ignore = "needs the stack scripts/e2e.sh starts"]
async fn machine_callers_with_a_scope_pass_every_authorizer_kind() {
    let key = TestKey::shared(0);
    let jwks = JwksServer::start(TestKey::jwks(&[key]).to_string()).await;
    let jwks = jwks.base_url();
    let pool = env("E2E_USER_POOL_ID");
    let machine_read = signed(&cognito_machine_claims(&pool, MACHINE_CLIENT, READ));
    let machine_write = signed(&cognito_machine_claims(&pool, MACHINE_CLIENT, WRITE));
    let untrusted_machine = signed(&cognito_machine_claims(&pool, OTHER_MACHINE_CLIENT, READ));
    let user_access = signed(&cognito_claims(&pool, &env("E2E_APP_CLIENT_ID"), "access"));
    let user_id = signed(&cognito_claims(&pool, &env("E2E_APP_CLIENT_ID"), "id"));

    // Our authorizer: a scope required on every route (REQUIRED_SCOPES, TokenUse=access as a
    // scopes-only stack sets it) or on /me by a route rule; the built-ins: AuthorizationScopes.
    const GLOBAL: Variables = &[("REQUIRED_SCOPES", READ), ("TOKEN_USE", "access")];
    const ROUTE: Variables = &[(
        "ROUTE_RULES",
        r#"{"GET /me": {"scopes": ["myapi/read"]}, "GET /admin": {"groups": ["admin"]}}"#,
    )];
    let callers = [
        ("machine, myapi/read", &machine_read),
        ("machine, myapi/write only", &machine_write),
        ("machine client not trusted", &untrusted_machine),
        ("user AccessToken (signin scope only)", &user_access),
        ("user IdToken", &user_id),
    ];
    // Expected /me status per caller. A missing scope is 403 from our authorizer and the JWT
    // authorizer; the REST Cognito authorizer answers 401 ("Control access to REST APIs using
    // Amazon Cognito user pools as an authorizer": with method scopes it takes only access
    // tokens holding one, and checks no app client).
    let table: [(&str, AuthorizerKind, Variables, [u16; 5]); 8] = [
        (
            "TOKEN, REQUIRED_SCOPES",
            AuthorizerKind::Token,
            GLOBAL,
            [200, 403, 401, 403, 401],
        ),
        (
            "REST REQUEST, REQUIRED_SCOPES",
            AuthorizerKind::Request,
            GLOBAL,
            [200, 403, 401, 403, 401],
        ),
        (
            "HTTP REQUEST, REQUIRED_SCOPES",
            AuthorizerKind::Http,
            GLOBAL,
            [200, 403, 401, 403, 401],
        ),
        (
            "TOKEN, route rule",
            AuthorizerKind::Token,
            ROUTE,
            [200, 403, 401, 403, 403],
        ),
        (
            "REST REQUEST, route rule",
            AuthorizerKind::Request,
            ROUTE,
            [200, 403, 401, 403, 403],
        ),
        (
            "HTTP REQUEST, route rule",
            AuthorizerKind::Http,
            ROUTE,
            [200, 403, 401, 403, 403],
        ),
        (
            "REST Cognito, AuthorizationScopes",
            AuthorizerKind::Cognito,
            &[],
            [200, 401, 200, 401, 401],
        ),
        (
            "HTTP JWT, AuthorizationScopes",
            AuthorizerKind::Jwt,
            &[],
            [200, 403, 401, 403, 403],
        ),
    ];
    for (name, kind, extra, expected) in table {
        let base = gateway(kind, &jwks, extra).await;
        for ((caller, token), status) in callers.iter().zip(expected) {
            let (got, body) = get(&base, "/me", token).await;
            assert_eq!(got, status, "{name}, {caller}: {body}");
        }
        // /me names the machine caller alike behind every kind: its sub and username are the
        // app client, and caller says machine.
        let (_, me) = get(&base, "/me", &machine_read).await;
        assert_eq!(me["caller"], "machine", "{name}: {me}");
        assert_eq!(me["sub"], MACHINE_CLIENT, "{name}: {me}");
        assert_eq!(me["username"], MACHINE_CLIENT, "{name}: {me}");
        assert_eq!(me["client_id"], MACHINE_CLIENT, "{name}: {me}");
        assert_eq!(me["scopes"], json!([READ]), "{name}: {me}");
        assert_eq!(me["groups"], json!([]), "{name}: {me}");
        // A user behind the same kind is a user (where the user gets in at all).
        let (status, me) = get(&base, "/me", &user_id).await;
        if status == 200 {
            assert_eq!(me["caller"], "user", "{name}: {me}");
        }
    }
}
