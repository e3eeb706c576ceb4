//! The protected API behind the Cognito JWT authorizer.
//!
//! One Lambda function serves both API Gateway flavours: REST API proxy events (payload 1.0)
//! and HTTP API events (payload 2.0). The payload version is detected from the event and the
//! answer is written in the matching response format.
//!
//! The crate is also a library so that a local API Gateway emulator can call [`Api::handle`]
//! in-process with exactly the JSON API Gateway would send.
//!
//! Adding a route: write a handler in [`routes`] and add one line to [`routes::route_table`].

#![warn(missing_docs)]

mod api;
pub mod config;
mod cors;
pub mod identity;
pub mod payload;
pub mod request;
pub mod response;
pub mod router;
pub mod routes;
pub mod sign_out;

pub use api::Api;
pub use config::Settings;
pub use router::{Access, Route};

#[cfg(test)]
mod tests;
