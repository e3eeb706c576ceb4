//! Taking a token apart before anything is trusted: where it comes from in an `Authorization`
//! value, its size, its three base64url segments, and its header and payload as JSON objects.
//! Nothing here checks a signature; the verifier does that, with keys from the JWKS only.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::rejection::{Reason, Rejection};

/// The header fields the verifier uses. Everything else in the header, notably `jwk`, `jku`,
/// `x5u` and `x5c`, is ignored: keys come only from the configured pools' JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    /// The header `alg`, as written.
    pub alg: String,
    /// The header `kid`, as written.
    pub kid: String,
    /// The header `typ`, when present (a string: any other type makes the token malformed).
    /// Checked only against an issuer's `typ` expectation, after the signature verified.
    pub typ: Option<String>,
}

/// A structurally valid but not yet verified token.
#[derive(Debug)]
pub struct UnverifiedToken<'a> {
    /// The header fields the verifier reads.
    pub header: JwtHeader,
    /// The decoded payload; [`crate::raw_claims::RawClaims::parse`] reads it.
    pub payload: Vec<u8>,
    /// `base64url(header) "." base64url(payload)`, the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
}

/// Longest `kid` accepted. Cognito's are 44 characters; the bound keeps hostile headers from
/// making us hash or compare megabytes.
const MAX_KID_LEN: usize = 256;

/// Extracts the token from an `Authorization` value: either the raw JWT or `Bearer <jwt>`, the
/// scheme in any letter case, surrounding spaces tolerated. Returns `None` when nothing is left.
pub fn token_from_authorization(value: &str) -> Option<&str> {
    let value = value.trim_matches([' ', '\t']);
    if value.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => {
            value[7..].trim_start_matches([' ', '\t'])
        }
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// Splits and decodes a compact JWS and reads its header. The size bound is checked before any
/// decoding. The payload is decoded but left for [`crate::raw_claims`] to read.
pub fn parse(token: &str, max_bytes: usize) -> Result<UnverifiedToken<'_>, Rejection> {
    if token.len() > max_bytes {
        return Err(Rejection::new(
            Reason::TokenTooLarge,
            "token exceeds the size limit",
        ));
    }
    let malformed = |detail| Rejection::new(Reason::Malformed, detail);

    let mut segments = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed("token does not have exactly three segments"));
    };
    if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() {
        return Err(malformed("token has an empty segment"));
    }

    let header_json = decode_segment(header_b64).ok_or(malformed("header is not base64url"))?;
    let header = crate::strict_json::parse_object(&header_json)
        .ok_or(malformed("header is not a JSON object"))?;
    let payload = decode_segment(payload_b64).ok_or(malformed("payload is not base64url"))?;
    let signature = decode_segment(signature_b64).ok_or(malformed("signature is not base64url"))?;

    let header = read_header(&header)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(UnverifiedToken {
        header,
        payload,
        signing_input,
        signature,
    })
}

fn read_header(header: &Map<String, Value>) -> Result<JwtHeader, Rejection> {
    // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must reject
    // the token. We understand none (and `b64: false` can only appear alongside `crit`).
    if header.contains_key("crit") {
        return Err(Rejection::new(
            Reason::CriticalHeader,
            "header has a crit parameter",
        ));
    }
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        Some(_) => {
            return Err(Rejection::new(
                Reason::Malformed,
                "header alg is not a string",
            ));
        }
        None => return Err(Rejection::new(Reason::Malformed, "header has no alg")),
    };
    let kid = match header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_LEN => kid.clone(),
        Some(Value::String(_)) => {
            return Err(Rejection::new(
                Reason::MissingKid,
                "header kid is empty or too long",
            ));
        }
        Some(_) => {
            return Err(Rejection::new(
                Reason::MissingKid,
                "header kid is not a string",
            ));
        }
        None => return Err(Rejection::new(Reason::MissingKid, "header has no kid")),
    };
    let typ = match header.get("typ") {
        None => None,
        Some(Value::String(typ)) => Some(typ.clone()),
        Some(_) => {
            return Err(Rejection::new(
                Reason::Malformed,
                "header typ is not a string",
            ));
        }
    };
    Ok(JwtHeader { alg, kid, typ })
}

/// Strict base64url: the URL-safe alphabet, no padding, no whitespace, no stray trailing bits.
fn decode_segment(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// Parses a JSON object, refusing duplicate top-level member names: with duplicates, two
/// parsers could read two different tokens out of the same bytes.
#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn token(header: &str, payload: &str, sig: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), sig)
    }

    const HEADER: &str = r#"{"alg":"RS256","kid":"k1"}"#;
    const PAYLOAD: &str = r#"{"sub":"s"}"#;

    #[test]
    fn authorization_values() {
        let cases = [
            ("abc.def.ghi", Some("abc.def.ghi")),
            ("Bearer abc.def.ghi", Some("abc.def.ghi")),
            ("bearer abc.def.ghi", Some("abc.def.ghi")),
            ("BEARER   abc.def.ghi  ", Some("abc.def.ghi")),
            ("  \tabc.def.ghi ", Some("abc.def.ghi")),
            ("Bearer ", None),
            ("Bearer", None),
            ("bearer\t", None),
            ("", None),
            ("   ", None),
            ("Basic dXNlcjpwYXNz", Some("Basic dXNlcjpwYXNz")),
            ("ベアラー abc", Some("ベアラー abc")),
        ];
        for (input, expected) in cases {
            assert_eq!(token_from_authorization(input), expected, "{input:?}");
        }
    }

    #[test]
    fn well_formed_token_is_split() {
        let t = token(HEADER, PAYLOAD, "c2ln");
        let parsed = parse(&t, 8192).unwrap();
        assert_eq!(
            parsed.header,
            JwtHeader {
                alg: "RS256".into(),
                kid: "k1".into(),
                typ: None,
            }
        );
        assert_eq!(parsed.payload, PAYLOAD.as_bytes());
        assert_eq!(parsed.signature, b"sig");
        assert_eq!(
            parsed.signing_input,
            t.rsplit_once('.').unwrap().0.as_bytes()
        );
    }

    #[test]
    fn structural_failures() {
        let good_h = b64(HEADER);
        let good_p = b64(PAYLOAD);
        let cases: Vec<(String, Reason)> = vec![
            ("a".repeat(8193), Reason::TokenTooLarge),
            (format!("{good_h}.{good_p}"), Reason::Malformed),
            (format!("{good_h}.{good_p}.c2ln.c2ln"), Reason::Malformed),
            (format!("{good_h}.{good_p}."), Reason::Malformed),
            (format!(".{good_p}.c2ln"), Reason::Malformed),
            (format!("{good_h}=.{good_p}.c2ln"), Reason::Malformed),
            (format!("{good_h}.{good_p}.c2ln="), Reason::Malformed),
            (format!("{good_h}.{good_p}.c2l+"), Reason::Malformed),
            (format!("{good_h}.{good_p}.c2l/"), Reason::Malformed),
            (format!("{good_h}.{good_p} .c2ln"), Reason::Malformed),
            // "c2m" decodes to "si" only if stray trailing bits were ignored: not canonical.
            (format!("{good_h}.{good_p}.c2m"), Reason::Malformed),
            (token("[1,2]", PAYLOAD, "c2ln"), Reason::Malformed),
            (
                token(r#"{"alg":"RS256","alg":"none","kid":"k"}"#, PAYLOAD, "c2ln"),
                Reason::Malformed,
            ),
            (token(r#"{"kid":"k1"}"#, PAYLOAD, "c2ln"), Reason::Malformed),
            (
                token(r#"{"alg":256,"kid":"k1"}"#, PAYLOAD, "c2ln"),
                Reason::Malformed,
            ),
            (
                token(r#"{"alg":"RS256"}"#, PAYLOAD, "c2ln"),
                Reason::MissingKid,
            ),
            (
                token(r#"{"alg":"RS256","kid":""}"#, PAYLOAD, "c2ln"),
                Reason::MissingKid,
            ),
            (
                token(r#"{"alg":"RS256","kid":7}"#, PAYLOAD, "c2ln"),
                Reason::MissingKid,
            ),
            (
                token(r#"{"alg":"RS256","kid":null}"#, PAYLOAD, "c2ln"),
                Reason::MissingKid,
            ),
            (
                token(r#"{"alg":"RS256","kid":["k1"]}"#, PAYLOAD, "c2ln"),
                Reason::MissingKid,
            ),
            (
                token(
                    &format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(300)),
                    PAYLOAD,
                    "c2ln",
                ),
                Reason::MissingKid,
            ),
            (
                token(
                    r#"{"alg":"RS256","kid":"k1","crit":["exp"]}"#,
                    PAYLOAD,
                    "c2ln",
                ),
                Reason::CriticalHeader,
            ),
        ];
        for (input, reason) in cases {
            let err = parse(&input, 8192).unwrap_err();
            assert_eq!(err.reason, reason, "{input:.80}");
        }
        // Each segment alone may not be empty: refused as such, before anything is decoded.
        for (name, input) in [
            ("empty header", format!(".{good_p}.c2ln")),
            ("empty payload", format!("{good_h}..c2ln")),
            ("empty signature", format!("{good_h}.{good_p}.")),
            ("all empty", "..".to_owned()),
        ] {
            assert_eq!(
                parse(&input, 8192).unwrap_err(),
                Rejection::new(Reason::Malformed, "token has an empty segment"),
                "{name}"
            );
        }
    }

    #[test]
    fn size_bound_is_inclusive() {
        let t = token(HEADER, PAYLOAD, "c2ln");
        assert!(parse(&t, t.len()).is_ok());
        assert_eq!(
            parse(&t, t.len() - 1).unwrap_err().reason,
            Reason::TokenTooLarge
        );
    }

    #[test]
    fn typ_is_kept_when_it_is_a_string() {
        let with_typ = token(
            r#"{"alg":"RS256","kid":"k1","typ":"at+jwt"}"#,
            PAYLOAD,
            "c2ln",
        );
        assert_eq!(
            parse(&with_typ, 8192).unwrap().header.typ.as_deref(),
            Some("at+jwt")
        );
        for typ in ["1", "null", "[\"JWT\"]"] {
            let header = format!(r#"{{"alg":"RS256","kid":"k1","typ":{typ}}}"#);
            let error = parse(&token(&header, PAYLOAD, "c2ln"), 8192).unwrap_err();
            assert_eq!(error.reason, Reason::Malformed, "{typ}");
        }
    }

    #[test]
    fn key_material_in_header_is_ignored() {
        let header = r#"{"alg":"RS256","kid":"k1","jku":"http://127.0.0.1:1/jwks","x5u":"http://127.0.0.1:1/x","jwk":{"kty":"RSA"},"x5c":["MIIB"]}"#;
        let t = token(header, PAYLOAD, "c2ln");
        let parsed = parse(&t, 8192).unwrap();
        assert_eq!(
            parsed.header,
            JwtHeader {
                alg: "RS256".into(),
                kid: "k1".into(),
                typ: None,
            }
        );
    }
}
