//! RSA test keys, the [`SigningKey`] trait every test key implements, and token minting.
//!
//! The keys protect nothing. [`TestKey::shared`] and [`TestKey::generate`] make fresh random
//! keys, so tokens from one run never verify in another; [`TestKey::fixed`] is one committed
//! key for inputs that must verify in every run, such as the fuzzers' seed corpus
//! (RSASSA-PKCS1-v1_5 signatures are deterministic: the same header and claims give the same
//! token). Elliptic-curve and Ed25519 keys are in `curve_keys.rs`, beside this module.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// base64url without padding, as JWTs use.
pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Current Unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An RSA-2048 signing key with a `kid`.
pub struct TestKey {
    /// The key ID its JWK and tokens carry.
    pub kid: String,
    pair: KeyPair,
}

impl TestKey {
    /// A fresh key (key generation takes tens of milliseconds; prefer [`TestKey::shared`]).
    pub fn generate(kid: &str) -> TestKey {
        TestKey {
            kid: kid.to_owned(),
            pair: KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
        }
    }

    /// The fixed RSA-2048 key committed in `testkit/keys/`, with the `kid` given.
    pub fn fixed(kid: &str) -> TestKey {
        static PKCS8: &[u8] = include_bytes!("../keys/fixed-rsa2048.pk8");
        TestKey {
            kid: kid.to_owned(),
            pair: KeyPair::from_pkcs8(PKCS8).expect("the committed PKCS#8 key"),
        }
    }

    /// One of a few process-wide keys (index 0..4), generated once.
    pub fn shared(index: usize) -> &'static TestKey {
        static KEYS: [OnceLock<TestKey>; 4] = [const { OnceLock::new() }; 4];
        KEYS[index].get_or_init(|| TestKey::generate(&format!("test-key-{index}")))
    }

    /// Raw modulus and exponent, big-endian.
    pub fn components(&self) -> (Vec<u8>, Vec<u8>) {
        let components: PublicKeyComponents<Vec<u8>> = self.pair.public_key().into();
        (components.n, components.e)
    }

    /// The public JWK, shaped like Cognito's (`alg`, `e`, `kid`, `kty`, `n`, `use`).
    pub fn jwk(&self) -> Value {
        let (n, e) = self.components();
        json!({"alg": "RS256", "e": b64url(e), "kid": self.kid, "kty": "RSA", "n": b64url(n), "use": "sig"})
    }

    /// A JWKS document holding `keys`.
    pub fn jwks(keys: &[&TestKey]) -> Value {
        json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
    }

    /// Signature of `message` per `alg`: RSASSA-PKCS1-v1_5 for RS256/384/512, RSASSA-PSS
    /// (salt as long as the hash, as RFC 7518 §3.5 asks) for PS256/384/512, and RS256 for any
    /// other name, so tests can lie about `alg`.
    pub fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        let encoding: &'static dyn signature::RsaEncoding = match alg {
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            "PS256" => &signature::RSA_PSS_SHA256,
            "PS384" => &signature::RSA_PSS_SHA384,
            "PS512" => &signature::RSA_PSS_SHA512,
            _ => &signature::RSA_PKCS1_SHA256,
        };
        self.sign_with(encoding, message)
    }

    /// A signature with any aws-lc-rs RSA encoding (e.g. PSS with another salt length).
    pub fn sign_with(
        &self,
        encoding: &'static dyn signature::RsaEncoding,
        message: &[u8],
    ) -> Vec<u8> {
        let mut out = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(encoding, &SystemRandom::new(), message, &mut out)
            .expect("RSA signing");
        out
    }

    /// Whether the last segment of `token` is a genuine RS256 signature by this key over
    /// everything before the last dot: checked with aws-lc directly, as an oracle independent
    /// of the verifier under test.
    pub fn signed(&self, token: &str) -> bool {
        signed_as(self, "RS256", token)
    }
}

impl SigningKey for TestKey {
    fn kid(&self) -> &str {
        &self.kid
    }
    fn jwk(&self) -> Value {
        TestKey::jwk(self)
    }
    fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        TestKey::sign(self, alg, message)
    }
    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        let parameters: &'static signature::RsaParameters = match alg {
            "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
            "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
            "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
            "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
            "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
            "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return false,
        };
        let (n, e) = self.components();
        signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(parameters, message, signature)
            .is_ok()
    }
}

/// What every test key can do: name itself, publish its JWK, sign, and check a signature
/// independently of the verifier under test (with aws-lc-rs directly, from the key's own
/// public half), as the oracle for property tests and fuzzers.
pub trait SigningKey: Sync {
    /// The key ID its JWK and tokens carry.
    fn kid(&self) -> &str;
    /// The public JWK.
    fn jwk(&self) -> Value;
    /// A JOSE signature of `message` for `alg`. A key signs with its own algorithm when `alg`
    /// is not one it can do, so tests can lie about `alg`.
    fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8>;
    /// Whether `signature` is a genuine JOSE `alg` signature of `message` by this key. `false`
    /// for an `alg` this key cannot make.
    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool;
}

/// A JWKS document holding keys of any type.
pub fn jwks_of(keys: &[&dyn SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
}

/// Whether the last segment of `token` is a genuine `alg` signature by `key` over everything
/// before the last dot (see [`SigningKey::verifies`]).
pub fn signed_as(key: &(impl SigningKey + ?Sized), alg: &str, token: &str) -> bool {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    key.verifies(alg, signing_input.as_bytes(), &signature)
}

/// A signed compact JWS: `header` and `claims` serialized as given, signed with `key` using the
/// header's `alg` (the key's own algorithm when it names one the key cannot do, so tests can
/// lie about `alg`).
pub fn mint(key: &(impl SigningKey + ?Sized), header: &Value, claims: &Value) -> String {
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("RS256");
    signed(key, alg, mint_unsigned(header, claims))
}

/// A compact JWS whose header and payload are exactly these bytes (JSON or not), signed RS256
/// with `key`: for fuzzing, where the bytes come from the fuzzer.
pub fn mint_raw(key: &TestKey, header: &[u8], payload: &[u8]) -> String {
    mint_raw_as(key, "RS256", header, payload)
}

/// [`mint_raw`] with any key and `alg`.
pub fn mint_raw_as(
    key: &(impl SigningKey + ?Sized),
    alg: &str,
    header: &[u8],
    payload: &[u8],
) -> String {
    signed(key, alg, format!("{}.{}", b64url(header), b64url(payload)))
}

fn signed(key: &(impl SigningKey + ?Sized), alg: &str, signing_input: String) -> String {
    let signature = key.sign(alg, signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(signature))
}

/// `base64url(header).base64url(claims)`, the signing input, for tests that sign by hand.
pub fn mint_unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64url(header.to_string()),
        b64url(claims.to_string())
    )
}

/// Claims as Cognito issues them for `pool_id` (`ap-northeast-1_abc`) and `client_id`, valid
/// for an hour. `token_use` is `"id"` or `"access"`.
pub fn cognito_claims(pool_id: &str, client_id: &str, token_use: &str) -> Value {
    cognito_claims_at(pool_id, client_id, token_use, now())
}

/// [`cognito_claims`] as issued at Unix time `now` (10 s after sign-in, valid for an hour):
/// for a clock that does not move, as in fuzzing.
pub fn cognito_claims_at(pool_id: &str, client_id: &str, token_use: &str, now: u64) -> Value {
    let region = pool_id.split('_').next().unwrap_or_default();
    let mut claims = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        "token_use": token_use,
        "auth_time": now - 10,
        "iat": now - 10,
        "exp": now + 3600,
        "jti": "11111111-2222-3333-4444-555555555555",
        "origin_jti": "66666666-7777-8888-9999-000000000000",
        "event_id": "abcdefab-1234-5678-9abc-def012345678",
        "cognito:groups": ["users"],
    });
    let map = claims.as_object_mut().unwrap();
    if token_use == "id" {
        map.insert("aud".into(), json!(client_id));
        map.insert("cognito:username".into(), json!("testuser"));
        map.insert("email".into(), json!("testuser@example.com"));
        map.insert("email_verified".into(), json!(true));
    } else {
        map.insert("client_id".into(), json!(client_id));
        map.insert("username".into(), json!("testuser"));
        map.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    }
    claims
}

/// Claims as Cognito issues them in a client-credentials access token (the token endpoint's
/// `grant_type=client_credentials`, "The token issuer endpoint", Cognito developer guide) for
/// `client_id` of `pool_id`, holding `scope` (space-separated custom scopes), valid for an
/// hour. The claims are those "Understanding the access token" lists for access tokens
/// (`sub`, `iss`, `version`, `client_id`, `token_use`, `scope`, `auth_time`, `exp`, `iat`,
/// `jti`) minus what only a user's session has: no `username`, no `cognito:groups`, no
/// `origin_jti` or `event_id`; and `sub` is the app client's ID, the shape the verifier tells
/// machine callers by ([`oidc_jwt_verifier::claims::caller_kind`]).
pub fn cognito_machine_claims(pool_id: &str, client_id: &str, scope: &str) -> Value {
    let region = pool_id.split('_').next().unwrap_or_default();
    let now = now();
    json!({
        "sub": client_id,
        "iss": format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        "version": 2,
        "client_id": client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": "77777777-8888-9999-aaaa-bbbbbbbbbbbb",
    })
}
