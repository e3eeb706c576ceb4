//! Strict base64url decoding of a token's segments (RFC 7515 §2: the URL-safe alphabet of
//! RFC 4648 §5, no padding), accepting exactly what the `base64` crate's `URL_SAFE_NO_PAD`
//! engine accepts and decoding it to the same bytes (a property test holds it to that):
//!
//! - only `A–Z a–z 0–9 - _`: no padding, no whitespace, no `+` or `/`;
//! - a length that is not 1 more than a multiple of 4 (such a last character would carry
//!   fewer than 8 bits);
//! - canonical: the unused low bits of the last character are zero, so each byte string has
//!   exactly one encoding.
//!
//! Why not the crate: this runs on every request over the whole token (about 1,300
//! characters), and the crate's general engine cost about 6 instructions a character. Here
//! each group of 4 characters is 4 lookups in tables that hold each character's 6 bits
//! already shifted into place (or a flag for a byte outside the alphabet), OR-ed together
//! into the 3 bytes they stand for, with one test for a bad character per group.

/// Set in every table entry of a byte outside the alphabet; no valid group reaches it (a
/// group's bits are 0..24).
const INVALID: u32 = 1 << 31;

/// The alphabet, in the order of the values its characters stand for (RFC 4648 §5).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 6-bit value of each byte of the alphabet, shifted left by `shift`; [`INVALID`] for
/// every other byte.
const fn table(shift: u32) -> [u32; 256] {
    let mut table = [INVALID; 256];
    let mut value = 0;
    while value < ALPHABET.len() {
        table[ALPHABET[value] as usize] = (value as u32) << shift;
        value += 1;
    }
    table
}

/// The character at position `i` of a group of 4 holds bits `18 - 6i .. 24 - 6i` of the
/// group's 24.
static TABLES: [[u32; 256]; 4] = [table(18), table(12), table(6), table(0)];

/// The 24 bits 4 characters stand for, with [`INVALID`] set if one is outside the alphabet.
fn group_bits(group: &[u8; 4]) -> u32 {
    TABLES[0][usize::from(group[0])]
        | TABLES[1][usize::from(group[1])]
        | TABLES[2][usize::from(group[2])]
        | TABLES[3][usize::from(group[3])]
}

/// Decodes a strict base64url string (see the module doc), or `None`.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let (groups, last) = text.as_chunks::<4>();
    // The bytes the last, partial group stands for, and the bits of its 24 that must be zero
    // (those of characters it lacks, and the unused low bits of its last character).
    let (last_len, unused_bits) = match last.len() {
        0 => (0, 0),
        2 => (1, 0xFFFF),
        3 => (2, 0xFF),
        _ => return None,
    };
    let mut out = vec![0; groups.len() * 3 + last_len];
    let (whole, partial) = out.split_at_mut(groups.len() * 3);
    // Checked once at the end: a bad character is rare, and the loops stay branch-free.
    let mut bad = 0;
    // Two groups (8 characters, 6 bytes) per step, then the odd one: half the loop overhead.
    let (pairs, odd) = groups.as_chunks::<2>();
    let (by_pairs, odd_bytes) = whole.split_at_mut(pairs.len() * 6);
    for ([first, second], bytes) in pairs.iter().zip(by_pairs.as_chunks_mut::<6>().0) {
        let (first, second) = (group_bits(first), group_bits(second));
        bad |= first | second;
        let bits = u64::from(first) << 24 | u64::from(second);
        bytes.copy_from_slice(&bits.to_be_bytes()[2..]);
    }
    for (group, bytes) in odd.iter().zip(odd_bytes.as_chunks_mut::<3>().0) {
        let bits = group_bits(group);
        bad |= bits;
        bytes.copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    if !last.is_empty() {
        let bits = last
            .iter()
            .zip(&TABLES)
            .fold(0, |bits, (&byte, table)| bits | table[usize::from(byte)]);
        if bits & unused_bits != 0 {
            return None;
        }
        bad |= bits;
        partial.copy_from_slice(&bits.to_be_bytes()[1..=last_len]);
    }
    (bad & INVALID == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    /// What the verifier decoded with before: the reference.
    fn reference(text: &[u8]) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }

    #[test]
    fn table_of_cases() {
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
            assert_eq!(decode(text.as_bytes()).as_deref(), expected, "{text:?}");
            assert_eq!(
                reference(text.as_bytes()).as_deref(),
                expected,
                "reference: {text:?}"
            );
        }
    }

    /// Two bad characters must not cancel out: the flag is OR-ed, never toggled, in a group,
    /// across the two groups of a step, and in the last partial group.
    #[test]
    fn two_bad_characters_anywhere_are_still_bad() {
        for length in [4, 8, 12, 7, 10, 11] {
            for i in 0..length {
                for j in (i + 1)..length {
                    let mut text = vec![b'A'; length];
                    text[i] = b'!';
                    text[j] = b'!';
                    assert_eq!(decode(&text), None, "length {length}, bad at {i} and {j}");
                }
            }
        }
    }

    #[test]
    fn every_byte_in_every_position() {
        // Lengths with a pair of groups, an odd group and each partial last group.
        for position in 0..16 {
            for byte in 0..=255u8 {
                for len in [position + 1, 8, 10, 11, 12, 14, 15, 16] {
                    if position >= len {
                        continue;
                    }
                    let mut text = b"QUJDREVGR0hJSktM".to_vec();
                    text.truncate(len);
                    text[position] = byte;
                    assert_eq!(
                        decode(&text),
                        reference(&text),
                        "byte {byte:#04x} at {position} of {len}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn decodes_what_the_encoder_wrote(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let text = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(decode(text.as_bytes()), Some(bytes));
        }

        #[test]
        fn agrees_on_near_alphabet_strings(text in "[A-Za-z0-9_=+/. \n-]{0,40}") {
            prop_assert_eq!(decode(text.as_bytes()), reference(text.as_bytes()));
        }

        #[test]
        fn agrees_on_any_bytes(text in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(decode(&text), reference(&text));
        }

        #[test]
        fn agrees_on_one_changed_character(
            bytes in proptest::collection::vec(any::<u8>(), 1..200),
            at in any::<prop::sample::Index>(),
            with in any::<u8>(),
        ) {
            let mut text = URL_SAFE_NO_PAD.encode(&bytes).into_bytes();
            let at = at.index(text.len());
            text[at] = with;
            prop_assert_eq!(decode(&text), reference(&text));
        }
    }
}
