//! The JSON Web Key Set: the document parsed into ready-to-use keys ([`KeySet`]), and the
//! process-wide cache that fetches it per issuer ([`KeyStore`]) through a [`JwksFetcher`], and
//! OpenID Connect discovery of an issuer's `jwks_uri`, and the seed deployed with the function.

mod discovery;
mod fetcher;
mod jwk;
mod key_set;
mod key_store;
mod observer;
mod seed;

pub use fetcher::{FetchFuture, HttpJwksFetcher, JwksFetchError, JwksFetcher};
pub use jwk::{MAX_RSA_BITS, MIN_RSA_BITS, VerificationKey};
pub use key_set::{JwksError, KeySet, MAX_JWKS_BYTES, parse_jwks};
pub use key_store::{KeyLookupError, KeyStore};
pub use observer::{JwksEvent, JwksObserver, LogJwksEvents};
pub use seed::{JwksSeed, MAX_JWKS_SEED_BYTES, parse_jwks_seed};
