//! The JSON Web Key Set: the document parsed into ready-to-use keys ([`KeySet`]), and the
//! process-wide cache that fetches it per issuer ([`KeyStore`]) through a [`JwksFetcher`].

mod jwk;
mod key_set;
mod key_store;

pub use jwk::{MAX_RSA_BITS, MIN_RSA_BITS, VerificationKey};
pub use key_set::{JwksError, KeySet, MAX_JWKS_BYTES, parse_jwks};
pub use key_store::{
    FetchFuture, HttpJwksFetcher, JwksFetchError, JwksFetcher, KeyLookupError, KeyStore,
};
