//! Cognito's two sign-out operations, called the way the user pools API documents them: a
//! JSON 1.1 `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, not
//! signed, because the token in the body is the authorization
//! ([GlobalSignOut](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html):
//! "Authorize this action with a signed-in user's access token. It must include the scope
//! `aws.cognito.signin.user.admin`"; [RevokeToken](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html):
//! the refresh token and its app client's ID).
//!
//! The tokens travel only in the request body; a refusal is reported by Cognito's error type
//! alone ([`Answer::error_type`]), never with its message or the body.

use revocation_table::{Answer, CallError, JsonService};
use serde_json::json;

/// Which Cognito operation ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Every token of the user (their access token authorizes it).
    GlobalSignOut,
    /// One refresh token and the tokens issued from it.
    RevokeToken,
}

impl Operation {
    /// The operation's name, as in the API reference.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GlobalSignOut => "GlobalSignOut",
            Operation::RevokeToken => "RevokeToken",
        }
    }
}

/// Why Cognito did not sign out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CognitoError {
    /// No answer.
    #[error("Cognito {operation} failed: {error}")]
    Call {
        /// The operation's name.
        operation: &'static str,
        /// What went wrong on the way.
        error: CallError,
    },
    /// Cognito answered with an error (its type, e.g. `NotAuthorizedException`).
    #[error("Cognito refused {operation}: HTTP {status} {error_type}")]
    Refused {
        /// The operation's name.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// Cognito's error type, or empty.
        error_type: String,
    },
}

/// Cognito user pools' API, unsigned.
#[derive(Clone, Debug)]
pub struct Cognito {
    service: JsonService,
}

impl Cognito {
    /// Cognito through `service` (JSON 1.1, no signer).
    pub fn new(service: JsonService) -> Self {
        Cognito { service }
    }

    /// `GlobalSignOut` authorized by `access_token`.
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), CognitoError> {
        let body = json!({ "AccessToken": access_token });
        self.call(Operation::GlobalSignOut, body).await
    }

    /// `RevokeToken` of `refresh_token`, issued to `client_id`.
    pub async fn revoke_token(
        &self,
        refresh_token: &str,
        client_id: &str,
    ) -> Result<(), CognitoError> {
        let body = json!({ "Token": refresh_token, "ClientId": client_id });
        self.call(Operation::RevokeToken, body).await
    }

    async fn call(
        &self,
        operation: Operation,
        body: serde_json::Value,
    ) -> Result<(), CognitoError> {
        let target = format!("AWSCognitoIdentityProviderService.{}", operation.name());
        // Unsigned: the signing time is not used.
        let answer: Answer = self
            .service
            .call(&target, body.to_string().into_bytes(), 0)
            .await
            .map_err(|error| CognitoError::Call {
                operation: operation.name(),
                error,
            })?;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(CognitoError::Refused {
                operation: operation.name(),
                status: answer.status,
                error_type: answer.error_type(),
            })
        }
    }
}
