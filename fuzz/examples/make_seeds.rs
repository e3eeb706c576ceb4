//! Writes the seed corpora in seeds/<target>/ (run it again after changing the fixed keys or
//! the claims and commit the result). Deterministic except the `raw-*` tokens signed with ECDSA or
//! RSA-PSS, whose signatures take a random nonce or salt: rewritten on each run, and valid
//! every time.
//!
//! cd fuzz && cargo run --example make_seeds

use std::fs;
use std::path::Path;

use cognito_fuzz as h;
use serde_json::{Value, json};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    token_seeds(&root.join("token"));
    event_seeds(&root.join("events"));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

/// Mode byte 0: an Authorization value as it is.
fn raw(dir: &Path, name: &str, authorization: &str) {
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(authorization.as_bytes());
    write(dir, name, &bytes);
}

/// Mode byte 1: header and payload JSON, signed by the target with the Cognito-shaped RSA key.
fn signed(dir: &Path, name: &str, header: &Value, claims: &Value) {
    signed_by(dir, name, 0, header, claims);
}

/// Mode byte `2 × index + 1`: header and payload JSON, signed by the target with
/// `h::keys()[index]`.
fn signed_by(dir: &Path, name: &str, index: u8, header: &Value, claims: &Value) {
    let mut bytes = vec![2 * index + 1];
    bytes.extend_from_slice(header.to_string().as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(claims.to_string().as_bytes());
    write(dir, name, &bytes);
}

fn edit(mut claims: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    f(claims.as_object_mut().unwrap());
    claims
}

fn token_seeds(dir: &Path) {
    let id = h::valid_id_token();
    let access = h::valid_access_token();
    raw(dir, "raw-valid-id", &format!("Bearer {id}"));
    raw(dir, "raw-valid-access", access);
    raw(dir, "raw-lowercase-bearer", &format!("bearer   {id} "));
    let (signing_input, signature) = id.rsplit_once('.').unwrap();
    let mut tampered = signing_input.to_owned();
    tampered.replace_range(tampered.len() - 2.., "AA");
    raw(
        dir,
        "raw-tampered",
        &format!("Bearer {tampered}.{signature}"),
    );
    raw(dir, "raw-two-segments", &format!("Bearer {signing_input}"));
    raw(dir, "raw-empty-bearer", "Bearer ");
    raw(dir, "raw-basic", "Basic dXNlcjpwYXNz");
    let none_header = testkit::b64url(r#"{"alg":"none","kid":"fuzz-key-1"}"#);
    let payload = signing_input.split_once('.').unwrap().1;
    raw(dir, "raw-alg-none", &format!("{none_header}.{payload}."));

    let header = h::header();
    signed(dir, "signed-id", &header, &h::claims("id"));
    signed(dir, "signed-access", &header, &h::claims("access"));
    signed(
        dir,
        "signed-expired",
        &header,
        &edit(h::claims("id"), |c| {
            c.insert("exp".into(), json!(h::NOW - 1));
        }),
    );
    signed(
        dir,
        "signed-nbf-future",
        &header,
        &edit(h::claims("id"), |c| {
            c.insert("nbf".into(), json!(h::NOW + 60));
        }),
    );
    signed(
        dir,
        "signed-wrong-aud",
        &header,
        &edit(h::claims("id"), |c| {
            c.insert("aud".into(), json!(["a", "b"]));
        }),
    );
    signed(
        dir,
        "signed-float-exp",
        &header,
        &edit(h::claims("access"), |c| {
            c.insert("exp".into(), json!(1.8e9));
        }),
    );
    signed(
        dir,
        "signed-unknown-kid",
        &json!({"kid": "other", "alg": "RS256"}),
        &h::claims("id"),
    );
    signed(
        dir,
        "signed-hs256",
        &json!({"kid": h::KID, "alg": "HS256"}),
        &h::claims("id"),
    );
    signed(
        dir,
        "signed-crit",
        &json!({"kid": h::KID, "alg": "RS256", "crit": ["b64"]}),
        &h::claims("id"),
    );
    // Every other fixed key, under each of its algorithms, valid; and each under an algorithm
    // of another family.
    for (index, key) in h::keys().iter().enumerate().skip(1) {
        let index = u8::try_from(index).unwrap();
        for alg in key.algorithms {
            let header = json!({"kid": key.kid(), "alg": alg});
            let name = format!("signed-{}-{}", key.kid(), alg.to_lowercase());
            signed_by(dir, &name, index, &header, &h::claims("id"));
            let raw_token = h::mint_raw(
                usize::from(index),
                header.to_string().as_bytes(),
                h::claims("access").to_string().as_bytes(),
            );
            raw(
                dir,
                &format!("raw-{name}-access"),
                &format!("Bearer {raw_token}"),
            );
        }
        let foreign = if key.algorithms.contains(&"RS256") {
            "ES256"
        } else {
            "RS256"
        };
        let header = json!({"kid": key.kid(), "alg": foreign});
        let name = format!("signed-{}-as-{}", key.kid(), foreign.to_lowercase());
        signed_by(dir, &name, index, &header, &h::claims("id"));
    }
    // The Cognito-shaped RSA key's kid, with an ECDSA signature.
    signed_by(
        dir,
        "signed-rsa-kid-es256",
        2,
        &json!({"kid": h::KID, "alg": "ES256"}),
        &h::claims("id"),
    );
    let mut dup = vec![1u8];
    dup.extend_from_slice(br#"{"kid":"fuzz-key-1","alg":"RS256"}"#);
    dup.push(0);
    dup.extend_from_slice(br#"{"token_use":"id","token_use":"access"}"#);
    write(dir, "signed-duplicate-claim", &dup);
}

fn event_seeds(dir: &Path) {
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut names: Vec<_> = fs::read_dir(&events)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().into_string().unwrap()))
        .filter(|n| n.ends_with(".json") && !n.ends_with(".local.json"))
        .collect();
    names.sort();
    for name in names {
        let text = fs::read_to_string(events.join(&name)).unwrap();
        write(dir, &name, text.as_bytes());
    }
    let access = fs::read_to_string(events.join("authorizer-rest-token.json"))
        .unwrap()
        .replace(h::ID_PLACEHOLDER, h::ACCESS_PLACEHOLDER);
    write(dir, "authorizer-rest-token-access.json", access.as_bytes());
    write(dir, "empty-object.json", b"{}");
    write(
        dir,
        "v2-no-route-arn.json",
        br#"{"version":"2.0","headers":{"authorization":"x"}}"#,
    );
    write(
        dir,
        "token-star-arn.json",
        br#"{"type":"TOKEN","authorizationToken":"Bearer REPLACE_WITH_ID_TOKEN","methodArn":"arn:aws:execute-api:us-east-1:123456789012:*/*/GET/admin"}"#,
    );
}
