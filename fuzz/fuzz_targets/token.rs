//! The token path: raw bytes → token extraction → structure checks → verification against the
//! fixed JWKS.
//!
//! The first byte picks how the rest is read:
//! - even: the rest is an `Authorization` value, taken as it is (lossy UTF-8);
//! - odd: the rest is `header bytes 0x00 payload bytes`, encoded and signed with the fixed key,
//!   so arbitrary header and claim JSON reaches the checks that run after the signature.
//!
//! Oracles besides "no panic, no hang": a token is only ever accepted when its signature is
//! genuine (checked independently of the verifier), its header says RS256 and its claims are
//! for the configured pool and client and in date at the fixed clock.
#![no_main]

use std::sync::OnceLock;

use cognito_verifier::Verifier;
use cognito_verifier::{dangerous::parse_unverified as parse, token_from_authorization};
use cognito_fuzz as h;
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
        h::mint_raw(header, payload)
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
            h::signature_is_genuine(token),
            "accepted a forged signature"
        );
        assert_eq!(parsed.header.alg, "RS256");
        assert_eq!(parsed.header.kid, h::KID);
        assert_eq!(claims.issuer, h::ISSUER);
        assert_eq!(claims.client_id, h::CLIENT);
        assert!(claims.expires_at > h::NOW, "accepted an expired token");
    }
}
