//! The revocation list in DynamoDB as both of its sides see it: the authorizer reads it
//! ([`RevocationTable`], behind the verifier's `RevocationLookup` seam) and the api-handler's
//! `/logout` writes it ([`RevocationTable::put`], [`Entry`]). One crate, so that the keys,
//! attributes and expiry rule the writers write are the ones the reader reads.
//!
//! Calls are AWS JSON-protocol requests ([`JsonService`]) signed with our own SigV4
//! ([`Signer`], on aws-lc-rs) and sent with reqwest: no AWS SDK (docs/revocation.md gives the
//! measurements behind that choice). Region, credentials and endpoint overrides come from
//! Lambda's environment through a lookup ([`signer`], [`endpoint`]). No Lambda types.

#![deny(missing_docs)]

mod aws_env;
mod call;
mod schema;
mod sigv4;
mod table;

pub use aws_env::{AwsService, COGNITO_IDP, DYNAMODB, endpoint, region, signer};
pub use call::{Answer, CallError, JsonProtocol, JsonService, MAX_ANSWER_BYTES};
pub use schema::{DEFAULT_TOKEN_LIFETIME_SECONDS, Entry, check_table_name};
pub use sigv4::{Credentials, Signer, civil_from_days};
pub use table::{RevocationTable, WriteError};
