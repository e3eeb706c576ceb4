//! API Gateway's built-in authorizers (REST `COGNITO_USER_POOLS`, HTTP API JWT) through the
//! gateway over HTTP, against tokens minted with test keys and a loopback JWKS server. Each
//! table names the rule a row stands for, and its source as local-gateway/src/builtin/
//! (cognito_rest.rs, jwt_http.rs) cites it.

use std::sync::Arc;
use std::time::Duration;

use local_gateway::authorize::AuthorizerKind;
use local_gateway::builtin::{BuiltinAuthorizer, BuiltinConfig};
use local_gateway::config::{API_ID, in_process};
use local_gateway::request::ApiContext;
use local_gateway::routes::RouteLayout;
use local_gateway::{Gateway, GatewayConfig, server};
use serde_json::{Value, json};
use testkit::{JwksServer, TestKey, cognito_claims, mint, now};

const POOL: &str = "ap-northeast-1_TestPool1";
const OTHER_POOL: &str = "ap-northeast-1_OtherPool";
const CLIENT: &str = "190d8ar0cc5pc1isoec2s5ncvb";
const OTHER_CLIENT: &str = "otherclient0000000000000000";
const SIGNIN_SCOPE: &str = "aws.cognito.signin.user.admin";

fn key() -> &'static TestKey {
    TestKey::shared(0)
}

fn claims(token_use: &str) -> Value {
    let mut claims = cognito_claims(POOL, CLIENT, token_use);
    claims["cognito:groups"] = json!(["users", "staff"]);
    claims
}

fn sign(claims: &Value) -> String {
    mint(key(), &json!({"kid": key().kid, "alg": "RS256"}), claims)
}

fn with(token_use: &str, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut claims = claims(token_use);
    change(claims.as_object_mut().unwrap());
    sign(&claims)
}

struct Stack {
    gateway: Arc<Gateway>,
    base: String,
    _jwks: JwksServer,
}

async fn stack(kind: AuthorizerKind, scopes: &[&str]) -> Stack {
    let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
    let endpoint = jwks.base_url();
    let lookup = move |name: &str| match name {
        "USER_POOL_ID" => Some(POOL.to_owned()),
        "APP_CLIENT_ID" => Some(CLIENT.to_owned()),
        "COGNITO_ENDPOINT" => Some(endpoint.clone()),
        // testkit mints the ORIGINAL issuer form.
        "ISSUER_TYPE" => Some("ORIGINAL".to_owned()),
        _ => None,
    };
    let functions = in_process(lookup.clone())
        .await
        .expect("in-process functions");
    let builtin_kind = kind.builtin().expect("a built-in kind");
    let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
    let builtin = BuiltinAuthorizer::with_http(
        BuiltinConfig::from_lookup(builtin_kind, scopes, lookup).unwrap(),
    )
    .unwrap();
    let config = GatewayConfig {
        kind,
        routes: RouteLayout::Template,
        cors_origin: None,
        ttl: Duration::from_secs(300),
        api: ApiContext {
            region: "ap-northeast-1".into(),
            account: "123456789012".into(),
            api_id: API_ID.into(),
            stage: if kind.is_http_api() {
                "$default"
            } else {
                "prod"
            }
            .into(),
        },
    };
    let gateway = Arc::new(Gateway::new(config, functions).with_builtin(builtin));
    let addr = server::spawn(Arc::clone(&gateway)).await.unwrap();
    Stack {
        gateway,
        base: format!("http://{addr}"),
        _jwks: jwks,
    }
}

/// GET `path` with this exact `Authorization` value, if any: (status, JSON body).
async fn get(base: &str, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("gateway reachable");
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// GET `path` with this `Authorization` value: (status, the response's header names and
/// values, the body as text).
async fn get_with_headers(
    base: &str,
    path: &str,
    authorization: &str,
) -> (u16, Vec<(String, String)>, String) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("authorization", authorization)
        .send()
        .await
        .expect("gateway reachable");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "content-length" | "date"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    (status, headers, response.text().await.unwrap())
}

fn unauthorized() -> Value {
    json!({"message": "Unauthorized"})
}

/// Rows shared by both built-ins: (case, path, Authorization value, status, body or Null for
/// "any").
fn common_rows() -> Vec<(&'static str, &'static str, Option<String>, u16, Value)> {
    let id = sign(&claims("id"));
    let mut tampered = claims("id");
    let signature = id.rsplit('.').next().unwrap().to_owned();
    tampered["cognito:groups"] = json!(["admin"]);
    let forged = format!(
        "{}.{signature}",
        sign(&tampered).rsplit_once('.').unwrap().0
    );
    let mut other_kid = claims("id");
    other_kid["x"] = json!(1);
    let other_kid = mint(
        key(),
        &json!({"kid": "not-in-jwks", "alg": "RS256"}),
        &other_kid,
    );
    let hs256 = mint(
        key(),
        &json!({"kid": key().kid, "alg": "HS256"}),
        &claims("id"),
    );
    vec![
        (
            "/health is public",
            "/health",
            None,
            200,
            json!({"status": "ok"}),
        ),
        ("no Authorization header", "/me", None, 401, unauthorized()),
        (
            "blank Authorization header",
            "/me",
            Some(" ".into()),
            401,
            unauthorized(),
        ),
        (
            "not a JWT",
            "/me",
            Some("not-a-jwt".into()),
            401,
            unauthorized(),
        ),
        (
            "claims changed, signature kept",
            "/me",
            Some(forged),
            401,
            unauthorized(),
        ),
        (
            "kid not in the JWKS",
            "/me",
            Some(other_kid),
            401,
            unauthorized(),
        ),
        ("alg HS256", "/me", Some(hs256), 401, unauthorized()),
        (
            "iss of another pool",
            "/me",
            Some(sign(&cognito_claims(OTHER_POOL, CLIENT, "id"))),
            401,
            unauthorized(),
        ),
    ]
}

async fn run(s: &Stack, rows: Vec<(&'static str, &'static str, Option<String>, u16, Value)>) {
    for (case, path, authorization, status, body) in rows {
        let (got_status, got_body) = get(&s.base, path, authorization.as_deref()).await;
        assert_eq!(got_status, status, "{case}: {got_body}");
        if !body.is_null() {
            assert_eq!(got_body, body, "{case}");
        }
    }
    assert_eq!(
        s.gateway.authorizer_invocations(),
        0,
        "a built-in runs no authorizer function"
    );
}

#[tokio::test]
async fn rest_cognito_authorizer_without_scopes() {
    let s = stack(AuthorizerKind::Cognito, &[]).await;
    run(&s, common_rows()).await;
    let id = sign(&claims("id"));
    let admin = with("id", |c| {
        c.insert("cognito:groups".into(), json!(["staff", "admin"]));
    });
    let expired = with("id", |c| {
        c.insert("exp".into(), json!(now() - 1));
    });
    let other_client = sign(&cognito_claims(POOL, OTHER_CLIENT, "id"));
    run(
        &s,
        vec![
            // [REST] no method scopes: the token is taken as an ID token, the bare header value.
            ("ID token, bare", "/me", Some(id.clone()), 200, Value::Null),
            (
                "ID token after Bearer (undocumented: refused)",
                "/me",
                Some(format!("Bearer {id}")),
                401,
                unauthorized(),
            ),
            // [KC401] an access token on a method without scopes.
            (
                "access token",
                "/me",
                Some(sign(&claims("access"))),
                401,
                unauthorized(),
            ),
            // No aud check: any app client of the pool.
            (
                "ID token of another app client",
                "/me",
                Some(other_client),
                200,
                Value::Null,
            ),
            (
                "expired ID token",
                "/me",
                Some(expired),
                401,
                json!({"message": "The incoming token has expired"}),
            ),
            // Undocumented for REST: refused as the JWT authorizer documents it.
            (
                "iat in the future",
                "/me",
                Some(with("id", |c| {
                    c.insert("iat".into(), json!(now() + 600));
                })),
                401,
                unauthorized(),
            ),
            (
                "nbf in the future",
                "/me",
                Some(with("id", |c| {
                    c.insert("nbf".into(), json!(now() + 600));
                })),
                401,
                unauthorized(),
            ),
            // Groups are the api-handler's business behind a built-in: its own 403.
            (
                "non-admin on /admin",
                "/admin",
                Some(id.clone()),
                403,
                json!({"message": "Forbidden"}),
            ),
            (
                "admin on /admin (groups \"staff,admin\")",
                "/admin",
                Some(admin),
                200,
                Value::Null,
            ),
        ],
    )
    .await;
    // What the backend was handed, as the api-handler read it back.
    let (_, me) = get(&s.base, "/me", Some(&id)).await;
    assert_eq!(
        (
            &me["token_use"],
            &me["client_id"],
            &me["groups"],
            &me["email_verified"]
        ),
        (
            &json!("id"),
            &json!(CLIENT),
            &json!(["users", "staff"]),
            &json!(true)
        ),
        "{me}"
    );
}

#[tokio::test]
async fn rest_cognito_authorizer_with_method_scopes() {
    let s = stack(AuthorizerKind::Cognito, &["other/scope", SIGNIN_SCOPE]).await;
    let access = sign(&claims("access"));
    let unscoped = with("access", |c| {
        c.insert("scope".into(), json!("openid profile"));
    });
    run(
        &s,
        vec![
            // [REST], [SCOPES]: any one of the method's scopes in the access token.
            (
                "access token with a method scope",
                "/me",
                Some(access.clone()),
                200,
                Value::Null,
            ),
            (
                "access token without one",
                "/me",
                Some(unscoped),
                401,
                unauthorized(),
            ),
            // [KC401] an ID token on a method with scopes.
            (
                "ID token",
                "/me",
                Some(sign(&claims("id"))),
                401,
                unauthorized(),
            ),
        ],
    )
    .await;
    let (_, me) = get(&s.base, "/me", Some(&access)).await;
    assert_eq!(me["scopes"], json!([SIGNIN_SCOPE]), "{me}");
}

#[tokio::test]
async fn http_api_jwt_authorizer_without_scopes() {
    let s = stack(AuthorizerKind::Jwt, &[]).await;
    run(&s, common_rows()).await;
    let id = sign(&claims("id"));
    let access = sign(&claims("access"));
    let admin = with("access", |c| {
        c.insert("cognito:groups".into(), json!(["staff", "admin"]));
    });
    let future = now() + 600;
    run(
        &s,
        vec![
            // [JWT] step 1: the token alone or after "Bearer ".
            (
                "ID token after Bearer",
                "/me",
                Some(format!("Bearer {id}")),
                200,
                Value::Null,
            ),
            ("ID token, bare", "/me", Some(id.clone()), 200, Value::Null),
            // No token_use check: either kind whose aud/client_id is the audience.
            (
                "access token",
                "/me",
                Some(format!("Bearer {access}")),
                200,
                Value::Null,
            ),
            (
                "token without token_use",
                "/me",
                Some(with("id", |c| {
                    c.remove("token_use");
                })),
                200,
                Value::Null,
            ),
            // aud, or client_id only without aud.
            (
                "ID token of another app client",
                "/me",
                Some(sign(&cognito_claims(POOL, OTHER_CLIENT, "id"))),
                401,
                unauthorized(),
            ),
            (
                "access token of another app client",
                "/me",
                Some(sign(&cognito_claims(POOL, OTHER_CLIENT, "access"))),
                401,
                unauthorized(),
            ),
            (
                "aud another client, client_id ours",
                "/me",
                Some(with("id", |c| {
                    c.insert("aud".into(), json!(OTHER_CLIENT));
                    c.insert("client_id".into(), json!(CLIENT));
                })),
                401,
                unauthorized(),
            ),
            (
                "expired",
                "/me",
                Some(with("id", |c| {
                    c.insert("exp".into(), json!(now() - 1));
                })),
                401,
                unauthorized(),
            ),
            (
                "nbf in the future",
                "/me",
                Some(with("id", |c| {
                    c.insert("nbf".into(), json!(future));
                })),
                401,
                unauthorized(),
            ),
            (
                "iat in the future",
                "/me",
                Some(with("id", |c| {
                    c.insert("iat".into(), json!(future));
                })),
                401,
                unauthorized(),
            ),
            (
                "non-admin on /admin",
                "/admin",
                Some(id.clone()),
                403,
                json!({"message": "Forbidden"}),
            ),
            (
                "admin on /admin (groups \"[staff admin]\")",
                "/admin",
                Some(admin),
                200,
                Value::Null,
            ),
        ],
    )
    .await;
    let (_, me) = get(&s.base, "/me", Some(&access)).await;
    assert_eq!(
        (
            &me["token_use"],
            &me["client_id"],
            &me["groups"],
            &me["scopes"]
        ),
        (
            &json!("access"),
            &json!(CLIENT),
            &json!(["users", "staff"]),
            &json!([SIGNIN_SCOPE])
        ),
        "{me}"
    );
}

#[tokio::test]
async fn http_api_jwt_authorizer_with_route_scopes() {
    let s = stack(AuthorizerKind::Jwt, &[SIGNIN_SCOPE]).await;
    let forbidden = json!({"message": "Forbidden"});
    run(
        &s,
        vec![
            (
                "access token with the scope",
                "/me",
                Some(sign(&claims("access"))),
                200,
                Value::Null,
            ),
            // A valid token without any of the route's scopes: 403, not 401.
            (
                "ID token (no scope claim)",
                "/me",
                Some(sign(&claims("id"))),
                403,
                forbidden.clone(),
            ),
            (
                "scp instead of scope",
                "/me",
                Some(with("access", |c| {
                    c.remove("scope");
                    c.insert("scp".into(), json!([SIGNIN_SCOPE]));
                })),
                200,
                Value::Null,
            ),
            (
                "another scope",
                "/me",
                Some(with("access", |c| {
                    c.insert("scope".into(), json!("openid"));
                })),
                403,
                forbidden,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_jwt_authorizer_trusts_one_issuer_form() {
    // ISSUER_TYPE unset: ORIGINAL (the form AWS documents for the JWT authorizer, and the
    // template's IssuerType=auto behind the built-ins), so a token with the UPDATED iss is
    // another issuer.
    let jwks = JwksServer::start(TestKey::jwks(&[key()]).to_string()).await;
    let endpoint = jwks.base_url();
    let config = BuiltinConfig::from_lookup(
        local_gateway::builtin::BuiltinKind::HttpJwt,
        Vec::new(),
        |name: &str| match name {
            "USER_POOL_ID" => Some(POOL.to_owned()),
            "APP_CLIENT_ID" => Some(CLIENT.to_owned()),
            "COGNITO_ENDPOINT" => Some(endpoint.clone()),
            _ => None,
        },
    )
    .unwrap();
    let builtin = BuiltinAuthorizer::with_http(config).unwrap();
    let original = sign(&claims("id"));
    assert!(matches!(
        builtin.authorize(&original).await,
        local_gateway::builtin::BuiltinVerdict::Allow { .. }
    ));
    let updated = with("id", |c| {
        c.insert(
            "iss".into(),
            json!(format!(
                "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{POOL}"
            )),
        );
    });
    assert!(matches!(
        builtin.authorize(&updated).await,
        local_gateway::builtin::BuiltinVerdict::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn each_kind_answers_401_with_its_own_headers() {
    // [JWT401] (jwt_http.rs): the HTTP API's answer carries www-authenticate, with the
    // documented error_description for an audience mismatch only, and no other header; REST
    // keeps its gateway response (x-amzn-errortype, JSON) and sends no challenge.
    let body = r#"{"message":"Unauthorized"}"#;
    let bare = r#"Bearer scope="" error="invalid_token""#;
    let audience = r#"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#;
    let jwt_only = |challenge: &str| vec![("www-authenticate".to_owned(), challenge.to_owned())];
    let rest_headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "x-amzn-errortype".to_owned(),
            "UnauthorizedException".to_owned(),
        ),
    ];
    let jwt = stack(AuthorizerKind::Jwt, &[]).await;
    let rest = stack(AuthorizerKind::Cognito, &[]).await;
    let other_client = sign(&cognito_claims(POOL, OTHER_CLIENT, "id"));
    let other_pool = sign(&cognito_claims(OTHER_POOL, CLIENT, "id"));
    let expired = with("id", |c| {
        c.insert("exp".into(), json!(now() - 1));
    });
    for (case, s, authorization, headers) in [
        (
            "HTTP API, another app client",
            &jwt,
            other_client,
            jwt_only(audience),
        ),
        (
            "HTTP API, another pool's iss",
            &jwt,
            other_pool.clone(),
            jwt_only(bare),
        ),
        ("HTTP API, expired", &jwt, expired, jwt_only(bare)),
        (
            "HTTP API, not a JWT",
            &jwt,
            "not-a-jwt".into(),
            jwt_only(bare),
        ),
        (
            "REST, another pool's iss",
            &rest,
            other_pool,
            rest_headers.clone(),
        ),
        (
            "REST, access token",
            &rest,
            sign(&claims("access")),
            rest_headers,
        ),
    ] {
        let (status, got, text) = get_with_headers(&s.base, "/me", &authorization).await;
        assert_eq!((status, text.as_str()), (401, body), "{case}");
        assert_eq!(got, headers, "{case}");
    }
}
