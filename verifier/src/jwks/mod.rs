//! The JSON Web Key Set: the document parsed into ready-to-use keys ([`KeySet`]), and the
//! process-wide cache that fetches it per issuer ([`KeyStore`]) through a [`JwksFetcher`].

mod key_set;
mod key_store;

pub use key_set::{
    JwksError, KeySet, MAX_JWKS_BYTES, MAX_RSA_BITS, MIN_RSA_BITS, VerificationKey, parse_jwks,
};
pub use key_store::{
    FetchFuture, HttpJwksFetcher, JwksFetchError, JwksFetcher, KeyLookupError, KeyStore,
};
