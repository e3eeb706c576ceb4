//! The revocation list in DynamoDB as both of its sides see it: the authorizer reads it
//! ([`DynamoDbLookup`], behind the verifier's `RevocationLookup` seam) and the api-handler's
//! `/logout` writes it ([`TableWriter`], [`Entry`]). One crate, so that the keys, attributes and
//! expiry rule the writers write are the ones the reader reads.
//!
//! Calls are AWS JSON-protocol requests ([`JsonService`]) signed with our own SigV4
//! ([`Signer`], on aws-lc-rs) and sent with reqwest: no AWS SDK (docs/revocation.md gives the
//! measurements behind that choice). Region, credentials and endpoint overrides come from
//! Lambda's environment through a lookup ([`AwsEnvironment`]). No Lambda types.

#![deny(missing_docs)]

mod aws_env;
mod call;
mod reader;
mod schema;
mod sigv4;
mod writer;

pub use aws_env::{AwsEnvironment, AwsService, COGNITO_IDP, DYNAMODB, endpoint, region};
pub use call::{Answer, CallError, JsonProtocol, JsonService, MAX_ANSWER_BYTES};
pub use reader::{DynamoDbLookup, parse_answer};
pub use schema::{
    DEFAULT_TOKEN_LIFETIME_SECONDS, EXPIRES_AT, Entry, IN_FLIGHT_SECONDS, KEY,
    MAX_CLOCK_SKEW_SECONDS, NOT_BEFORE, check_table_name,
};
pub use sigv4::{Credentials, Signer, amz_date, civil_from_days};
pub use writer::{TableWriter, WriteError};
