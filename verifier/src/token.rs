//! Taking a token apart before anything is trusted: where it comes from in an `Authorization`
//! value, its size, its three base64url segments, and its header and payload as JSON objects.
//! Nothing here checks a signature; the verifier does that, with keys from the JWKS only.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::rejection::{Reason, Rejection, refuse};
use crate::strict_json::pick_members;

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
    /// The decoded payload; `claims::raw::RawClaims::parse` reads it.
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
/// decoding. The payload is decoded but left for `claims::raw` to read.
pub fn parse(token: &str, max_bytes: usize) -> Result<UnverifiedToken<'_>, Rejection> {
    if token.len() > max_bytes {
        return refuse(Reason::TokenTooLarge, "token exceeds the size limit");
    }
    let malformed = |detail| Rejection::new(Reason::Malformed, detail);

    // Exactly two dots, found with memchr (docs/dependencies.md has why not `str::split`).
    let bytes = token.as_bytes();
    let dots = memchr::memchr(b'.', bytes).and_then(|first| {
        let second = first + 1 + memchr::memchr(b'.', &bytes[first + 1..])?;
        memchr::memchr(b'.', &bytes[second + 1..])
            .is_none()
            .then_some((first, second))
    });
    let Some((first, second)) = dots else {
        return Err(malformed("token does not have exactly three segments"));
    };
    let (header_b64, payload_b64, signature_b64) = (
        &token[..first],
        &token[first + 1..second],
        &token[second + 1..],
    );
    if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() {
        return Err(malformed("token has an empty segment"));
    }

    let header_json = decode_segment(header_b64).ok_or(malformed("header is not base64url"))?;
    // Read as strictly as any document (no member name twice, at any depth), keeping only
    // the members the verifier reads.
    let header = pick_members(&header_json, ["alg", "kid", "typ", "crit"])
        .map_err(|_| malformed("header is not a JSON object"))?;
    let payload = decode_segment(payload_b64).ok_or(malformed("payload is not base64url"))?;
    let signature = decode_segment(signature_b64).ok_or(malformed("signature is not base64url"))?;

    let header = read_header(header)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(UnverifiedToken {
        header,
        payload,
        signing_input,
        signature,
    })
}

fn read_header([alg, kid, typ, crit]: [Option<Value>; 4]) -> Result<JwtHeader, Rejection> {
    use Reason::{CriticalHeader, Malformed, MissingKid};
    // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must reject
    // the token, whatever `crit` holds. We understand none (and `b64: false` can only appear
    // alongside `crit`).
    if crit.is_some() {
        return refuse(CriticalHeader, "header has a crit parameter");
    }
    let alg = match alg {
        Some(Value::String(alg)) => alg,
        Some(_) => return refuse(Malformed, "header alg is not a string"),
        None => return refuse(Malformed, "header has no alg"),
    };
    let kid = match kid {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_LEN => kid,
        Some(Value::String(_)) => return refuse(MissingKid, "header kid is empty or too long"),
        Some(_) => return refuse(MissingKid, "header kid is not a string"),
        None => return refuse(MissingKid, "header has no kid"),
    };
    let typ = match typ {
        None => None,
        Some(Value::String(typ)) => Some(typ),
        Some(_) => return refuse(Malformed, "header typ is not a string"),
    };
    Ok(JwtHeader { alg, kid, typ })
}

/// One token segment decoded as strict base64url (RFC 7515 §2: RFC 4648 §5's URL-safe alphabet,
/// no padding), or `None`. base64's `URL_SAFE_NO_PAD` refuses `=`, whitespace, `+`, `/` and
/// stray trailing bits, so each byte string has exactly one encoding and a token cannot be
/// altered without changing the bytes its signature covers.
fn decode_segment(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
    fn segments_are_strict_base64url() {
        let cases: [(&str, Option<&[u8]>); 22] = [
            ("", Some(b"")),
            ("c2ln", Some(b"sig")),
            ("c2k", Some(b"si")),
            ("cw", Some(b"s")),
            ("-_-_", Some(&[0xFB, 0xFF, 0xBF])),
            ("AAAA", Some(&[0, 0, 0])),
            ("____", Some(&[0xFF, 0xFF, 0xFF])),
            // Stray trailing bits: "c2m" and "cx" would decode only if they were ignored.
            ("c2m", None),
            ("cx", None),
            ("c2ln-", None),
            ("c", None),
            ("c2ln=", None),
            ("c2k=", None),
            ("cw==", None),
            ("c2l+", None),
            ("c2l/", None),
            ("c2 n", None),
            ("c2ln\n", None),
            ("c2l.", None),
            ("c2lé", None),
            ("\0\0\0\0", None),
            ("c2lnc2l\u{7f}", None),
        ];
        for (text, expected) in cases {
            assert_eq!(decode_segment(text).as_deref(), expected, "{text:?}");
        }
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
    fn header_is_read_strictly_whatever_its_spelling() {
        let not_an_object = Rejection::new(Reason::Malformed, "header is not a JSON object");
        let cases = [
            (
                "a nested duplicate",
                r#"{"alg":"RS256","kid":"k1","jwk":{"n":"a","n":"b"}}"#,
                Err(not_an_object),
            ),
            (
                "a duplicate deep in an array",
                r#"{"alg":"RS256","kid":"k1","x":[{"a":1,"a":1}]}"#,
                Err(not_an_object),
            ),
            (
                "a duplicate spelled with an escape",
                r#"{"alg":"RS256","\u0061lg":"none","kid":"k1"}"#,
                Err(not_an_object),
            ),
            (
                "a duplicate unknown member",
                r#"{"alg":"RS256","kid":"k1","x":1,"x":1}"#,
                Err(not_an_object),
            ),
            ("null", "null", Err(not_an_object)),
            ("a string", r#""{}""#, Err(not_an_object)),
            (
                "trailing bytes",
                r#"{"alg":"RS256","kid":"k1"}x"#,
                Err(not_an_object),
            ),
            (
                "two objects",
                r#"{"alg":"RS256","kid":"k1"}{}"#,
                Err(not_an_object),
            ),
            (
                "crit spelled with an escape",
                r#"{"alg":"RS256","kid":"k1","\u0063rit":[]}"#,
                Err(Rejection::new(
                    Reason::CriticalHeader,
                    "header has a crit parameter",
                )),
            ),
            (
                "crit null",
                r#"{"alg":"RS256","kid":"k1","crit":null}"#,
                Err(Rejection::new(
                    Reason::CriticalHeader,
                    "header has a crit parameter",
                )),
            ),
            (
                "alg null",
                r#"{"alg":null,"kid":"k1"}"#,
                Err(Rejection::new(
                    Reason::Malformed,
                    "header alg is not a string",
                )),
            ),
            (
                "no alg",
                r#"{"kid":"k1"}"#,
                Err(Rejection::new(Reason::Malformed, "header has no alg")),
            ),
            (
                "kid empty",
                r#"{"alg":"RS256","kid":""}"#,
                Err(Rejection::new(
                    Reason::MissingKid,
                    "header kid is empty or too long",
                )),
            ),
            (
                "kid a number",
                r#"{"alg":"RS256","kid":1}"#,
                Err(Rejection::new(
                    Reason::MissingKid,
                    "header kid is not a string",
                )),
            ),
            (
                "no kid",
                r#"{"alg":"RS256"}"#,
                Err(Rejection::new(Reason::MissingKid, "header has no kid")),
            ),
            (
                "typ an object",
                r#"{"alg":"RS256","kid":"k1","typ":{}}"#,
                Err(Rejection::new(
                    Reason::Malformed,
                    "header typ is not a string",
                )),
            ),
            (
                "escaped names and values, whitespace, other members",
                " {\"\\u0061lg\" : \"RS\\u0032\u{35}6\", \"kid\":\"k\\\"1\", \"jwk\":{\"n\":[1,{}]}, \"typ\":\"JWT\"} ",
                Ok(JwtHeader {
                    alg: "RS256".into(),
                    kid: "k\"1".into(),
                    typ: Some("JWT".into()),
                }),
            ),
        ];
        for (name, header, expected) in cases {
            let parsed = parse(&token(header, PAYLOAD, "c2ln"), 8192).map(|token| token.header);
            assert_eq!(parsed, expected, "{name}: {header}");
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

    proptest::proptest! {
        /// The segments are what `split('.')` gives, and a token is refused for its shape
        /// exactly when that does not give three.
        #[test]
        fn segments_are_what_split_gives(
            header in "[a-c.]{0,6}",
            payload in "[a-c.]{0,6}",
            signature in "[a-c.]{0,6}",
        ) {
            let token = format!("{header}.{payload}.{signature}");
            let three = token.split('.').count() == 3;
            let shape_refused = matches!(
                parse(&token, 8192),
                Err(Rejection { detail: "token does not have exactly three segments", .. })
            );
            proptest::prop_assert_eq!(shape_refused, !three, "{}", token);
        }

        /// Where there are three, each is decoded from where `split` puts it.
        #[test]
        fn each_segment_is_decoded_from_its_place(
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..40),
            signature in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..40),
        ) {
            let (header_b64, payload_b64) = (b64(HEADER), URL_SAFE_NO_PAD.encode(&payload));
            let token = format!("{header_b64}.{payload_b64}.{}", URL_SAFE_NO_PAD.encode(&signature));
            let parsed = parse(&token, 8192).unwrap();
            proptest::prop_assert_eq!(parsed.payload, payload);
            proptest::prop_assert_eq!(parsed.signature, signature);
            let signing_input = format!("{header_b64}.{payload_b64}");
            proptest::prop_assert_eq!(parsed.signing_input, signing_input.as_bytes());
        }
    }
}
