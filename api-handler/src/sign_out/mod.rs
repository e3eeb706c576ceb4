//! `POST /logout`: sign-out that signs out. The caller's tokens are revoked in Cognito and,
//! when the deployment has a revocation list (`REVOCATION_TABLE`), listed there, so that the
//! authorizer refuses them within its stated staleness instead of until they expire.
//!
//! Two forms, chosen by the body:
//! - no body (or `{}`): every token of the user. The user entry (`sub#<iss>#<sub>`, tokens
//!   issued up to now) is written, then Cognito's `GlobalSignOut` runs with the access token
//!   the request was authorized with. An ID token cannot authorize `GlobalSignOut`: 400.
//! - `{"refresh_token": "…"}`: this session only. The session entry
//!   (`jti#<iss>#<origin_jti>` of the calling token) is written, then `RevokeToken` runs for
//!   that refresh token and the calling token's app client. The refresh token must be the
//!   calling token's session's: Cognito's refresh tokens are opaque, so that cannot be
//!   checked here, and a refresh token of another session would be revoked in Cognito while
//!   the list names the caller's session.
//!
//! Both issuer forms: entries are keyed by the token's exact `iss`, and a pool that switched
//! between its ORIGINAL and UPDATED issuer has live tokens of both, so every entry is written
//! once per form of the caller's pool (the forms come from the pool ID, as the verifier builds
//! them). A token of either form is refused after the sign-out.
//!
//! Who may be signed out where: only a token of a Cognito user pool in this function's Region
//! (either issuer form) is sent to Cognito, never a token of another issuer; `GlobalSignOut`
//! needs an access token with `aws.cognito.signin.user.admin` (its API reference), so one
//! without is refused (400) before anything is written.
//!
//! Order, and why: the list entry first. If it cannot be written, Cognito is not called and
//! the caller is told to retry (503), their token still valid to do so. If Cognito then refuses
//! (token revocation off for the client, …), the entry stands, so the API already refuses the
//! tokens, and the answer (502) says which step failed. After `GlobalSignOut` succeeds the user
//! entry is written once more with the cut-off at that moment: a token refreshed while the
//! sign-out was in flight (its `iat` after the first cut-off) is covered too; writes are
//! conditional, so the cut-off only ever moves forward. The token is read from
//! `Authorization` only here, after the authorizer let the request through, and goes nowhere
//! but Cognito's request body; no log line or answer holds it.

mod cognito;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::http::StatusCode;
use aws_lambda_events::http::header::AUTHORIZATION;
use oidc_jwt_verifier::{
    Clock, SystemClock,
    config::{IssuerForm, PoolConfig, cognito_pool_of_issuer, parse_pool_id},
    token_from_authorization,
};
use revocation_table::{Entry, JsonProtocol, JsonService, RevocationTable, WriteError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity::Identity;
use crate::request::ApiRequest;
use crate::response::ApiResponse;

pub use settings::{
    REVOCATION_TABLE, SIGN_OUT_VARIABLES, SignOutSettings, TOKEN_LIFETIME_SECONDS, TableSettings,
};

/// The bound on each call.
/// Up to three calls run in one request (the entry, Cognito, the entry's final cut-off), so
/// the template gives the function 10 s.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// `/logout`'s service, built once at init.
pub enum SignOut {
    /// No Region (outside Lambda): `/logout` answers 503.
    NotConfigured,
    /// Configured, but the HTTP client could not be built: 500, and `Api::from_env` fails.
    Unavailable(String),
    /// Ready to sign callers out.
    Ready(Box<Ready>),
}

/// A configured sign-out: Cognito, and the list when there is one.
pub struct Ready {
    /// `AWS_REGION`: Cognito's, and the Region a token's pool must be in.
    region: String,
    /// Cognito user pools' API, unsigned (see [`cognito`]).
    cognito: JsonService,
    table: Option<(RevocationTable, u64)>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SignOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignOut::NotConfigured => f.write_str("SignOut::NotConfigured"),
            SignOut::Unavailable(why) => write!(f, "SignOut::Unavailable({why})"),
            SignOut::Ready(ready) => {
                write!(f, "SignOut::Ready {{ table: {} }}", ready.table.is_some())
            }
        }
    }
}

/// The body `/logout` accepts: nothing, `{}`, or a refresh token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    refresh_token: Option<String>,
}

impl SignOut {
    /// The service for `settings` (`None`: not configured), with its own HTTP client (the
    /// project's one set-up, [`oidc_jwt_verifier::TlsRoots`]: no redirect), and the system clock.
    pub fn new(settings: Option<&SignOutSettings>) -> SignOut {
        let Some(settings) = settings else {
            return SignOut::NotConfigured;
        };
        match settings.tls_roots.client_builder().build() {
            Ok(client) => Self::with_client(settings, client, Arc::new(SystemClock)),
            Err(error) => SignOut::Unavailable(format!("cannot build the HTTP client: {error}")),
        }
    }

    /// The service for `settings` through `client`, timed by `clock` (tests).
    pub fn with_client(
        settings: &SignOutSettings,
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> SignOut {
        let cognito = JsonService::new(
            client.clone(),
            &settings.cognito_endpoint,
            JsonProtocol::V1_1,
            None,
            CALL_TIMEOUT,
        )
        .map(|service| service.with_region_in_user_agent(&settings.region));
        let table = settings.table.as_ref().map(|table| {
            RevocationTable::new(
                client.clone(),
                &table.endpoint,
                table.signer.clone(),
                CALL_TIMEOUT,
                table.name.clone(),
                Arc::clone(&clock),
            )
            .map(|writer| (writer, table.token_lifetime_seconds))
        });
        match (cognito, table.transpose()) {
            (Ok(cognito), Ok(table)) => SignOut::Ready(Box::new(Ready {
                region: settings.region.clone(),
                cognito,
                table,
                clock,
            })),
            (Err(why), _) | (_, Err(why)) => SignOut::Unavailable(why.to_owned()),
        }
    }

    /// Answers `POST /logout` for `identity` (already authenticated by the authorizer).
    pub async fn respond(&self, identity: &Identity, request: &ApiRequest) -> ApiResponse {
        let ready = match self {
            SignOut::Ready(ready) => ready,
            SignOut::NotConfigured => {
                return ApiResponse::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "sign-out is not configured here (AWS_REGION is not set)",
                );
            }
            SignOut::Unavailable(_) => {
                return ApiResponse::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "sign-out is unavailable",
                );
            }
        };
        match plan(identity, request, ready.table.is_some(), &ready.region) {
            Ok(plan) => ready.sign_out(identity, plan).await,
            Err(message) => ApiResponse::error(StatusCode::BAD_REQUEST, message),
        }
    }
}

/// What one request asks for, checked before anything is changed.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// `GlobalSignOut` with this access token.
    User { access_token: String },
    /// `RevokeToken` of this refresh token.
    Session {
        refresh_token: String,
        client_id: String,
    },
}

/// Reads the request: every reason to refuse it is found here, before any write.
fn plan(
    identity: &Identity,
    request: &ApiRequest,
    listing: bool,
    region: &str,
) -> Result<Plan, &'static str> {
    if request.is_base64_encoded {
        return Err("send the body as JSON (Content-Type: application/json)");
    }
    let body = request.body.as_deref().map(str::trim).unwrap_or("");
    let refresh_token = if body.is_empty() {
        None
    } else {
        serde_json::from_str::<LogoutBody>(body)
            .map_err(|_| r#"the body must be empty, {} or {"refresh_token": "…"}"#)?
            .refresh_token
    };
    // A client-credentials token names an app client, not a user: there is no session to end
    // and GlobalSignOut would refuse it after the entry was written.
    if identity.caller.as_deref() == Some("machine") {
        return Err(
            "a machine caller (client credentials) has no user session to sign out: its tokens end when they expire",
        );
    }
    let iss = identity
        .iss
        .as_deref()
        .ok_or("the authorizer did not pass the token's issuer (iss)")?;
    // The token goes to Cognito in this function's Region only: never to AWS for a token of
    // another issuer (an ISSUERS entry) or of a pool in another Region, which would fail after
    // the list entry was written. Either issuer form of a pool in `region` qualifies.
    if cognito_pool_of_issuer(iss).is_none_or(|pool| parse_pool_id(pool) != Ok(region)) {
        return Err(
            "this token's issuer is not a Cognito user pool in this API's Region: sign out at its issuer",
        );
    }
    match refresh_token {
        Some(refresh_token) => {
            let refresh_token = refresh_token.trim().to_owned();
            if refresh_token.is_empty() {
                return Err("refresh_token is empty");
            }
            if !compact_token(&refresh_token) {
                return Err("refresh_token is not a token (base64url and dots, at most 16 KiB)");
            }
            if listing && identity.origin_jti.is_none() {
                return Err(
                    "this token has no origin_jti, so its session cannot be listed: sign out without a body (all sessions)",
                );
            }
            let client_id = identity
                .client_id
                .clone()
                .ok_or("the authorizer did not pass the token's app client (client_id)")?;
            Ok(Plan::Session {
                refresh_token,
                client_id,
            })
        }
        None => {
            if identity.token_use.as_deref() != Some("access") {
                return Err(
                    "signing out of every session needs the access token in Authorization (an ID token cannot call GlobalSignOut); or send {\"refresh_token\": \"…\"} to end this session",
                );
            }
            // GlobalSignOut accepts only an access token with this scope (its API reference):
            // refused here, before anything is written, rather than by Cognito after.
            if !identity.scopes.iter().any(|s| s == ADMIN_SCOPE) {
                return Err(
                    "this access token lacks the scope aws.cognito.signin.user.admin, which GlobalSignOut needs: send {\"refresh_token\": \"…\"} to end this session instead",
                );
            }
            let access_token = bearer_token(request)
                .ok_or("the Authorization header must hold exactly one token")?;
            Ok(Plan::User { access_token })
        }
    }
}

/// The scope an access token needs to authorize `GlobalSignOut`.
const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The token in `Authorization`: `Bearer <token>` (any case) or the bare token, as the
/// authorizer accepts it. Exactly one such header, holding one compact JWT's characters
/// (base64url and dots): a second header (REST's multi-value headers) or a comma-joined pair
/// (HTTP API joins duplicates with commas) could name a token other than the one the
/// authorizer verified, so neither is read.
fn bearer_token(request: &ApiRequest) -> Option<String> {
    let mut values = request.headers.get_all(AUTHORIZATION).iter();
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() {
        return None;
    }
    // The authorizer's own reader: `Bearer` alone is no token, not a token named "Bearer".
    let token = token_from_authorization(value)?;
    compact_token(token).then(|| token.to_owned())
}

/// Whether `token` looks like a compact JWS or JWE: 1 to 16 KiB of base64url and dots. Only
/// such text is sent on to Cognito.
fn compact_token(token: &str) -> bool {
    (1..=16 * 1024).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The issuers a caller's entries are written under: both forms of a Cognito pool's issuer
/// (a pool that switched forms has live tokens of each), or `iss` alone for any other issuer.
fn issuers_to_list(iss: &str) -> Vec<String> {
    match cognito_pool_of_issuer(iss).and_then(|pool| PoolConfig::new(pool, None).ok()) {
        Some(pool) => IssuerForm::ALL
            .into_iter()
            .map(|form| pool.issuer_in_form(form))
            .collect(),
        None => vec![iss.to_owned()],
    }
}

impl Ready {
    async fn sign_out(&self, identity: &Identity, plan: Plan) -> ApiResponse {
        let (kind, operation, body) = match &plan {
            Plan::User { access_token } => (
                "user",
                "GlobalSignOut",
                json!({ "AccessToken": access_token }),
            ),
            Plan::Session {
                refresh_token,
                client_id,
            } => (
                "session",
                "RevokeToken",
                json!({ "Token": refresh_token, "ClientId": client_id }),
            ),
        };
        let mut report = json!({ "sign_out": kind, "operation": operation });
        if let Err(error) = self.list(identity, &plan, &mut report).await {
            tracing::error!(sub = %identity.sub, kind, %error, "sign-out: revocation list write failed; Cognito not called");
            return ApiResponse::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the revocation list may not have been written and nothing was signed out in Cognito: try again",
            );
        }
        if let Err(error) = cognito::call(&self.cognito, operation, &body).await {
            tracing::error!(sub = %identity.sub, kind, %error, listed = self.table.is_some(), "sign-out: Cognito refused");
            report["cognito"] = json!("failed");
            report["error"] = json!(error);
            return ApiResponse::json(StatusCode::BAD_GATEWAY, &report);
        }
        report["cognito"] = json!("done");
        // A token refreshed while GlobalSignOut was in flight has an `iat` at or after the
        // first cut-off: the cut-off moves to now, when Cognito has answered.
        if let Plan::User { .. } = plan
            && let Err(error) = self.list(identity, &plan, &mut report).await
        {
            tracing::error!(sub = %identity.sub, kind, %error, "sign-out: the list's final cut-off was not written");
            report["error"] = json!(
                "signed out in Cognito, but the list's final cut-off was not written: a token refreshed during the sign-out may stay valid at this API"
            );
            return ApiResponse::json(StatusCode::INTERNAL_SERVER_ERROR, &report);
        }
        tracing::info!(sub = %identity.sub, kind, cognito = operation, listed = self.table.is_some(), "sign-out");
        ApiResponse::ok(&report)
    }

    /// Writes the plan's entries cut off now, one per issuer form of the caller's pool, and
    /// notes them in `report` once all are written. Without a list, writes nothing and notes
    /// that.
    async fn list(
        &self,
        identity: &Identity,
        plan: &Plan,
        report: &mut Value,
    ) -> Result<(), WriteError> {
        let Some((writer, lifetime)) = &self.table else {
            report["revocation_list"] =
                json!("not configured: tokens stay valid at this API until they expire");
            return Ok(());
        };
        let now = self.clock.unix_seconds();
        // `plan` checked that these are present when there is a list.
        let iss = identity.iss.as_deref().unwrap_or_default();
        let entries: Vec<Entry> = issuers_to_list(iss)
            .iter()
            .map(|iss| match plan {
                Plan::User { .. } => Entry::user_signed_out(iss, &identity.sub, now, *lifetime),
                Plan::Session { .. } => Entry::session_revoked(
                    iss,
                    identity.origin_jti.as_deref().unwrap_or_default(),
                    now,
                    *lifetime,
                ),
            })
            .collect();
        for entry in &entries {
            writer.put(entry).await?;
        }
        report["revocation_list"] = json!("written");
        report["list_entries"] = json!(entries.len());
        if let Some(entry) = entries.first() {
            report["list_entry_expires_at"] = json!(entry.expires_at);
            if let Some(not_before) = entry.not_before {
                report["tokens_issued_before"] = json!(not_before);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
