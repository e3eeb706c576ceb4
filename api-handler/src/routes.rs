//! The API's routes: the route table and one plain async handler per route.
//!
//! To add a route, write a handler here and add one line to [`route_table`]:
//!
//! ```ignore
//! Route::authenticated(Method::GET, "/orders/{id}", get_order),
//!
//! async fn get_order(identity: Identity, request: ApiRequest) -> ApiResponse {
//!     let id = &request.path_parameters["id"];
//!     ApiResponse::ok(&json!({ "id": id, "owner": identity.sub }))
//! }
//! ```
//!
//! The access rule in the table is enforced before the handler runs: handlers of
//! authenticated routes get an [`Identity`], never an anonymous caller.

use std::sync::Arc;

use aws_lambda_events::http::Method;
use serde_json::json;

use crate::identity::Identity;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::router::Route;
use crate::sign_out::SignOut;

/// Every route the API serves; `/logout` signs out through `sign_out`.
pub fn route_table(sign_out: Arc<SignOut>) -> Vec<Route> {
    vec![
        Route::public(Method::GET, "/health", health),
        Route::authenticated(Method::GET, "/hello", hello),
        Route::authenticated(Method::GET, "/me", me),
        Route::admin_only(Method::GET, "/admin", admin),
        // Signs the caller out (see [`crate::sign_out`]): their tokens are revoked in Cognito
        // and, with a revocation list, refused by the authorizer from now on.
        Route::authenticated(Method::POST, "/logout", move |identity, request| {
            let sign_out = Arc::clone(&sign_out);
            async move { sign_out.respond(&identity, &request).await }
        }),
    ]
}

/// Liveness check; the template exempts it from the authorizer.
pub async fn health(_caller: Option<Identity>, _request: ApiRequest) -> ApiResponse {
    ApiResponse::ok(&json!({ "status": "ok" }))
}

/// Greets the caller by username.
pub async fn hello(identity: Identity, _request: ApiRequest) -> ApiResponse {
    ApiResponse::ok(&json!({ "message": format!("Hello, {}!", identity.username) }))
}

/// The caller as the authorizer described them, issuer included: a user is (`iss`, `sub`).
pub async fn me(identity: Identity, _request: ApiRequest) -> ApiResponse {
    ApiResponse::ok(&identity)
}

/// Welcomes a member of the admin group (others never reach it: see the route table).
pub async fn admin(identity: Identity, _request: ApiRequest) -> ApiResponse {
    ApiResponse::ok(&json!({ "message": format!("Welcome, admin {}!", identity.username) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::http::StatusCode;
    use serde_json::Value;

    fn body(response: &ApiResponse) -> Value {
        serde_json::from_str(response.body.as_deref().unwrap()).unwrap()
    }

    fn alice() -> Identity {
        Identity {
            sub: "sub-1".into(),
            username: "alice".into(),
            email: None,
            email_verified: None,
            groups: vec!["users".into()],
            scopes: vec!["openid".into()],
            token_use: Some("access".into()),
            caller: Some("user".into()),
            client_id: Some("client".into()),
            iss: Some("http://localhost:9229/local_abc".into()),
            issuer_name: Some("local".into()),
            origin_jti: None,
        }
    }

    #[tokio::test]
    async fn handlers_run_without_lambda() {
        let request = crate::tests::request(Method::GET, "/");
        let cases = [
            (health(None, request.clone()).await, json!({"status": "ok"})),
            (
                hello(alice(), request.clone()).await,
                json!({"message": "Hello, alice!"}),
            ),
            (
                me(alice(), request.clone()).await,
                json!({
                    "sub": "sub-1", "username": "alice", "groups": ["users"],
                    "scopes": ["openid"], "token_use": "access", "caller": "user",
                    "client_id": "client",
                    "iss": "http://localhost:9229/local_abc", "issuer_name": "local"
                }),
            ),
            (
                admin(alice(), request).await,
                json!({"message": "Welcome, admin alice!"}),
            ),
        ];
        for (response, expected) in cases {
            assert_eq!(response.status, StatusCode::OK);
            assert_eq!(body(&response), expected);
        }
    }
}
