//! A local stand-in for API Gateway in front of the authorizer and the api-handler, for
//! development and end-to-end tests (never deployed).
//!
//! It does what API Gateway does with the template's configuration: builds the authorizer
//! event (REST `TOKEN`, REST `REQUEST` or HTTP API 2.0), caches the answer per identity source
//! for the TTL, evaluates the IAM policy against the request's method ARN with IAM's wildcard
//! rules, builds the proxy event with `requestContext.authorizer` and returns the
//! api-handler's answer. With API Gateway's built-in Cognito authorizers (REST
//! `COGNITO_USER_POOLS`, HTTP API JWT) no authorizer function runs: [`builtin`] verifies the
//! token as they do and hands the backend their claims. The functions run in-process (fed JSON, answering JSON) or behind
//! the Lambda Invoke API (e.g. `cargo lambda watch`).

#![warn(missing_docs)]

pub mod authorize;
pub mod builtin;
mod civil_date;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod invoke;
pub mod policy;
pub mod proxy_event;
pub mod request;
pub mod routes;
pub mod server;

pub use gateway::{AuthTrace, Gateway, GatewayConfig, GatewayResponse};
pub use request::IncomingRequest;
