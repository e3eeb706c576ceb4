//! Shared set-up for the fuzz targets: a verifier and an authorizer wired to a fixed, in-memory
//! JWKS (no network, no wall clock), so that any crash reproduces from its input alone.
//!
//! The signing key is a fixed RSA-2048 test key committed in `keys/` (it protects nothing):
//! RSASSA-PKCS1-v1_5 signatures are deterministic, so tokens signed with it can sit in the seed
//! corpus and still verify in a later run, and the fuzzer starts from inputs that reach the
//! claim checks and the policy code instead of stopping at the signature.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lc_rs::rsa::{KeyPair, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use authorizer::Authorizer;
use cognito_verifier::FetchFuture;
use authorizer::{AuthorizerConfig};
use cognito_verifier::{Clock, JwksFetcher, KeyStore, Verifier};
use serde_json::{Value, json};

pub const POOL: &str = "ap-northeast-1_FuzzPool1";
pub const CLIENT: &str = "fuzzclient0000000000000000";
pub const ISSUER: &str =
    "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_FuzzPool1";
pub const KID: &str = "fuzz-key-1";
/// The fuzzing clock's wall time (2027-01-15). Seed tokens are minted relative to it.
pub const NOW: u64 = 1_800_000_000;
/// Placeholders in event inputs, replaced by [`valid_id_token`] / [`valid_access_token`]
/// (the first is the one the committed events/*.json use).
pub const ID_PLACEHOLDER: &str = "REPLACE_WITH_ID_TOKEN";
pub const ACCESS_PLACEHOLDER: &str = "REPLACE_WITH_ACCESS_TOKEN";

static PKCS8: &[u8] = include_bytes!("../keys/fuzz-rsa2048.pk8");

pub fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| KeyPair::from_pkcs8(PKCS8).expect("fixed fuzz key"))
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The JWKS holding the fixed key.
pub fn jwks() -> Value {
    let components: PublicKeyComponents<Vec<u8>> = key().public_key().into();
    json!({"keys": [{"alg": "RS256", "e": b64(&components.e), "kid": KID, "kty": "RSA",
        "n": b64(&components.n), "use": "sig"}]})
}

/// `signing_input "." base64url(RS256 signature)` with the fixed key.
pub fn sign(signing_input: &str) -> String {
    let mut signature = vec![0; key().public_modulus_len()];
    key()
        .sign(
            &signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .expect("RSA signing");
    format!("{signing_input}.{}", b64(signature))
}

/// A token whose header and payload are exactly these bytes, signed with the fixed key.
pub fn mint_raw(header: &[u8], payload: &[u8]) -> String {
    sign(&format!("{}.{}", b64(header), b64(payload)))
}

/// Claims as Cognito issues them, valid at [`NOW`], in the `admin` group.
pub fn claims(token_use: &str) -> Value {
    let mut claims = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "iss": ISSUER, "token_use": token_use,
        "auth_time": NOW - 10, "iat": NOW - 10, "exp": NOW + 3600,
        "jti": "11111111-2222-3333-4444-555555555555", "cognito:groups": ["users", "admin"],
    });
    let map = claims.as_object_mut().unwrap();
    if token_use == "id" {
        map.insert("aud".into(), json!(CLIENT));
        map.insert("cognito:username".into(), json!("fuzzuser"));
        map.insert("email".into(), json!("fuzzuser@example.com"));
    } else {
        map.insert("client_id".into(), json!(CLIENT));
        map.insert("username".into(), json!("fuzzuser"));
        map.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    }
    claims
}

pub fn header() -> Value {
    json!({"kid": KID, "alg": "RS256"})
}

pub fn valid_id_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        mint_raw(
            header().to_string().as_bytes(),
            claims("id").to_string().as_bytes(),
        )
    })
}

pub fn valid_access_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        mint_raw(
            header().to_string().as_bytes(),
            claims("access").to_string().as_bytes(),
        )
    })
}

/// Independent oracle: whether `token`'s last segment is a valid RS256 signature by the fixed
/// key over everything before the last dot. The verifier may only accept tokens where it is.
pub fn signature_is_genuine(token: &str) -> bool {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let components: PublicKeyComponents<Vec<u8>> = key().public_key().into();
    signature::RsaPublicKeyComponents {
        n: &components.n,
        e: &components.e,
    }
    .verify(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        signing_input.as_bytes(),
        &signature,
    )
    .is_ok()
}

/// Serves the fixed JWKS from memory.
struct FixedJwks(Vec<u8>);

impl JwksFetcher for FixedJwks {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        let body = self.0.clone();
        Box::pin(async move { Ok(body) })
    }
}

/// A clock stopped at [`NOW`].
struct FixedClock;

impl Clock for FixedClock {
    fn unix_seconds(&self) -> u64 {
        NOW
    }
    fn monotonic(&self) -> Duration {
        Duration::from_secs(1_000)
    }
}

/// The authorizer configuration the targets use: the template's route rule for `/admin`.
pub fn config(http_api_response: &str) -> AuthorizerConfig {
    AuthorizerConfig::from_lookup(|name| {
        match name {
            "USER_POOL_ID" => Some(POOL),
            "APP_CLIENT_ID" => Some(CLIENT),
            "COGNITO_ENDPOINT" => Some("http://127.0.0.1:9"),
            "ROUTE_RULES" => Some(r#"{"GET /admin": {"groups": ["admin"]}}"#),
            "HTTP_API_RESPONSE" => Some(http_api_response),
            _ => None,
        }
        .map(str::to_owned)
    })
    .expect("fuzz configuration")
}

/// A verifier over the fixed JWKS with the fixed clock.
pub fn verifier(config: &AuthorizerConfig) -> Verifier {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock);
    let store = KeyStore::new(
        &config.verifier.pools,
        &config.verifier.algorithms,
        Arc::new(FixedJwks(jwks().to_string().into_bytes())),
        Arc::clone(&clock),
        config.jwks_refresh_cooldown,
    );
    Verifier::new(config.verifier.clone(), store, clock)
}

/// An authorizer over the fixed JWKS; `http_api_response` is `simple` or `iam`.
pub fn authorizer(http_api_response: &str) -> Authorizer {
    let config = config(http_api_response);
    let verifier = verifier(&config);
    Authorizer::new(verifier, config.route_rules, config.http_api_response)
}

/// A single-threaded runtime to drive the async API from a synchronous fuzz target.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}
