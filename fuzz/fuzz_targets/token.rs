//! The token path: raw bytes → token extraction → structure checks → verification against the
//! fixed JWKS.
//!
//! The first byte picks how the rest is read:
//! - even: the rest is an `Authorization` value, taken as it is (lossy UTF-8);
//! - odd: the rest is `header bytes 0x00 payload bytes`, encoded and signed with one of the
//!   fixed keys (`mode / 2`, modulo their number: RSA as Cognito publishes it, RSA without
//!   `alg`, ECDSA P-256, P-384, P-521, Ed25519) under the header's `alg` when that key can make
//!   it, so arbitrary header and claim JSON reaches the checks that run after the signature, for
//!   every signature family.
//!
//! Oracles besides "no panic, no hang": a token is only ever accepted when its signature is
//! a genuine signature of its header's `alg` by the key its `kid` names, that `alg` is one the
//! key's JWK allows (checked independently of the verifier), and its claims are for the
//! configured pool and client and in date at the fixed clock.
#![no_main]

use std::sync::OnceLock;

use cognito_fuzz as h;
use oidc_jwt_verifier::Verifier;
use oidc_jwt_verifier::{dangerous::parse_unverified as parse, token_from_authorization};
use libfuzzer_sys::fuzz_target;

struct State {
    runtime: tokio::runtime::Runtime,
    verifier: Verifier,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let config = h::config("simple");
        State {
            runtime: h::runtime(),
            verifier: h::verifier(&config),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let authorization = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let split = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        let (header, payload) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());
        h::mint_raw(usize::from(mode / 2), header, payload)
    };
    check(&authorization);
});

fn check(authorization: &str) {
    let state = state();
    let Some(token) = token_from_authorization(authorization) else {
        return;
    };
    let max = state.verifier.config().max_token_bytes;
    let structure = parse(token, max);
    let verdict = state.runtime.block_on(state.verifier.verify(token));
    if let Ok(claims) = verdict {
        let parsed = structure.expect("accepted a token that fails the structure checks");
        assert!(
            h::signature_is_genuine(token, &parsed.header.alg, &parsed.header.kid),
            "accepted a forged signature, or an alg its key does not allow"
        );
        assert_eq!(claims.issuer, h::ISSUER);
        assert_eq!(claims.client_id, h::CLIENT);
        assert!(claims.expires_at > h::NOW, "accepted an expired token");
    }
}
