//! Cognito's two sign-out operations, called the way the user pools API documents them: a
//! JSON 1.1 `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, not
//! signed, because the token in the body is the authorization
//! ([GlobalSignOut](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html):
//! "Authorize this action with a signed-in user's access token. It must include the scope
//! `aws.cognito.signin.user.admin`"; [RevokeToken](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html):
//! the refresh token and its app client's ID).
//!
//! The tokens travel only in the request body; a refusal is reported by Cognito's error type
//! alone ([`revocation_table::Answer::error_type`]), never with its message or the body.

use revocation_table::JsonService;
use serde_json::Value;

/// Calls `operation` (`GlobalSignOut` or `RevokeToken`) with `body` through `cognito` (JSON
/// 1.1, no signer). The error says which operation failed and how, without the body.
pub(super) async fn call(
    cognito: &JsonService,
    operation: &str,
    body: &Value,
) -> Result<(), String> {
    let target = format!("AWSCognitoIdentityProviderService.{operation}");
    // Unsigned: the signing time is not used.
    let answer = cognito
        .call(&target, body.to_string().into_bytes(), 0)
        .await
        .map_err(|error| format!("Cognito {operation} failed: {error}"))?;
    if answer.status == 200 {
        Ok(())
    } else {
        Err(format!(
            "Cognito refused {operation}: HTTP {} {}",
            answer.status,
            answer.error_type()
        ))
    }
}
