//! The workspace's shared readers ([`oidc_jwt_verifier::config::env`]), under the path the
//! decision log reads `METRICS` through.

pub(crate) use oidc_jwt_verifier::config::env::one_of;
