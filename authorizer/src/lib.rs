//! The API Gateway Lambda authorizer for Amazon Cognito tokens, on the [`oidc_jwt_verifier`]
//! crate.
//!
//! [`Authorizer`] answers REST `TOKEN`, REST `REQUEST` and HTTP API payload 2.0 authorizer
//! events, given as JSON, with cache-safe IAM policies or simple responses; [`AuthorizerConfig`]
//! reads its configuration from the environment. The verifier underneath never sees a Lambda
//! or API Gateway type: this crate imports it, never the other way round.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let authorizer = authorizer::AuthorizerConfig::from_env()?.build(None)?;
//! authorizer.verifier.prefetch_keys().await;
//! let event = r#"{"type":"TOKEN","authorizationToken":"Bearer eyJ...","methodArn":"arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/me"}"#;
//! match authorizer.handle(event).await {
//!     Ok(answer) => println!("{}", answer.to_json()),
//!     Err(error) => println!("{error}"), // `Unauthorized` → 401, anything else → 500
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod apigw;
mod config;
pub mod decision_log;
pub mod revocation;

pub use apigw::{
    Authorizer, AuthorizerError, AuthorizerEvent, AuthorizerResponse, EventKind, HttpApiResponse,
    IdentityContext, IdentitySource, IdentitySources, MethodArn, PolicyResponse, RouteRule,
    RouteRules, SimpleResponse, wildcard_match,
};
pub use config::{AuthorizerConfig, BuildError, VARIABLES};
