//! The set-up both benchmarks share: a warm authorizer (JWKS fetched from a loopback server),
//! an allowed TOKEN event, and the raw-verification baseline over the same token's bytes, for
//! one signature algorithm: RS256 (Cognito's), ES256 or EdDSA, each against its own floor.

use std::sync::Arc;
use std::time::Duration;

use authorizer::Authorizer;
use authorizer::HttpApiResponse;
use authorizer::RouteRules;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use oidc_jwt_verifier::config::{JwkAlgorithm, PoolConfig};
use oidc_jwt_verifier::{
    SystemClock, Verifier, VerifierConfig,
    jwks::{HttpJwksFetcher, KeyStore},
};
use serde_json::json;
use testkit::{EcKey, EdKey, JwksServer, SigningKey, TestKey, cognito_claims, jwks_of, mint};

const POOL: &str = "ap-northeast-1_BenchPool";
pub const CLIENT: &str = "benchclient";

pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub authorizer: Authorizer,
    pub token: String,
    /// The TOKEN event as API Gateway sends it, as bytes.
    pub event: Vec<u8>,
    /// The baseline: the pool key parsed once, as the verifier holds it.
    pub raw_key: ParsedPublicKey,
    pub signing_input: Vec<u8>,
    pub signature: Vec<u8>,
    _server: JwksServer,
}

impl Fixture {
    /// A fixture whose pool key, token and allowlist are for `alg` (RS256, ES256 or EdDSA).
    pub fn signed_with(alg: JwkAlgorithm) -> Fixture {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let key: &dyn SigningKey = match alg {
            JwkAlgorithm::RS256 => TestKey::shared(0),
            JwkAlgorithm::ES256 => EcKey::shared("ES256"),
            JwkAlgorithm::EdDSA => EdKey::shared(),
            other => panic!("no benchmark fixture for {other:?}"),
        };
        let server = runtime.block_on(JwksServer::start(jwks_of(&[key]).to_string()));
        let mut config = VerifierConfig::new(&[POOL], &[CLIENT]).unwrap();
        config.pools = vec![PoolConfig::new(POOL, Some(&server.base_url())).unwrap()];
        config.algorithms = vec![alg];
        let fetcher = Arc::new(HttpJwksFetcher::new(Duration::from_secs(2)).unwrap());
        let store = KeyStore::new(
            &config.pools,
            &config.algorithms,
            fetcher,
            Arc::new(SystemClock),
            Duration::from_secs(10),
        );
        let verifier = Verifier::new(config, store, Arc::new(SystemClock));
        let rules = RouteRules::parse(r#"{"GET /admin": {"groups": ["admin"]}}"#).unwrap();
        let authorizer = Authorizer::new(verifier, rules, HttpApiResponse::Simple);

        let token = mint(
            key,
            &json!({"kid": key.kid(), "alg": alg.name()}),
            &cognito_claims(POOL, CLIENT, "id"),
        );
        let event = json!({
            "type": "TOKEN",
            "authorizationToken": format!("Bearer {token}"),
            "methodArn": "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/hello",
        })
        .to_string()
        .into_bytes();

        let (signing_input, signature_b64) = token.rsplit_once('.').unwrap();
        let signature = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(signature_b64)
                .unwrap()
        };
        let raw_key = raw_key(alg);
        let fixture = Fixture {
            signing_input: signing_input.as_bytes().to_vec(),
            runtime,
            authorizer,
            token,
            event,
            raw_key,
            signature,
            _server: server,
        };
        // Warm the cache inside the runtime (the first call fetches the JWKS), and check the
        // event is allowed (a refused one would be cheaper to answer).
        fixture
            .runtime
            .block_on(fixture.authorizer.verifier.verify(&fixture.token))
            .unwrap();
        let answer: serde_json::Value =
            serde_json::from_slice(&fixture.handle_event(&fixture.event)).unwrap();
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
        fixture
    }

    /// The floor: one verification of the token's signature with the key parsed once (for
    /// RS256, RSA-2048 PKCS#1 v1.5 SHA-256).
    pub fn raw_verify(&self, signing_input: &[u8], signature: &[u8]) {
        self.raw_key.verify_sig(signing_input, signature).unwrap();
    }

    /// Token verification with a warm cache.
    pub fn verify(&self, token: &str) -> oidc_jwt_verifier::VerifiedClaims {
        ready(&self.runtime, self.authorizer.verifier.verify(token)).unwrap()
    }

    /// A whole TOKEN event: JSON bytes in, policy JSON bytes out, as the Lambda sees it
    /// (lambda_runtime hands the body over as raw JSON text).
    pub fn handle_event(&self, event: &[u8]) -> Vec<u8> {
        let raw: Box<serde_json::value::RawValue> = serde_json::from_slice(event).unwrap();
        let response = ready(&self.runtime, self.authorizer.handle(raw.get())).unwrap();
        serde_json::to_vec(&response).unwrap()
    }
}

/// The fixture key's public half, parsed once for `alg` as the verifier holds it.
fn raw_key(alg: JwkAlgorithm) -> ParsedPublicKey {
    match alg {
        JwkAlgorithm::RS256 => {
            let (n, e) = TestKey::shared(0).components();
            RsaPublicKeyComponents { n: &n, e: &e }
                .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
                .unwrap()
        }
        JwkAlgorithm::ES256 => {
            let (x, y) = EcKey::shared("ES256").coordinates();
            let point = [&[0x04][..], &x, &y].concat();
            ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).unwrap()
        }
        JwkAlgorithm::EdDSA => {
            ParsedPublicKey::new(&signature::ED25519, EdKey::shared().public_key()).unwrap()
        }
        other => panic!("no benchmark fixture for {other:?}"),
    }
}

/// Polls a future that completes without waiting (a warm cache does no I/O) once, so the
/// figures measure our code rather than executor bookkeeping; falls back to the runtime.
fn ready<F: std::future::Future>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => runtime.block_on(future),
    }
}
