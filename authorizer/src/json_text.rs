//! Writing JSON strings by hand, fast where it matters: text that needs no escape (nearly all
//! of it: names, IDs, ARNs, URLs) is found eight bytes at a time and copied whole.
//!
//! Two spellings of the same JSON, because two writers must stay byte-for-byte what they were:
//! [`push_serde_string`] escapes exactly as serde_json's writer does (the authorizer's answer
//! used to be written by serde_json, and API Gateway gets the same bytes); the log line's own
//! writer (in `lambda_log`) keeps its spelling. Both escape only ASCII bytes, so every run of
//! bytes copied whole ends on a character boundary.

/// Whether any byte of `bytes` must be escaped in a JSON string: a control character, `"` or
/// `\`. Eight bytes at a time (the word-wise zero-byte test serde_json's reader uses): a
/// byte-by-byte scan was most of the cost of writing a line's strings.
pub(crate) fn has_byte_to_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH_BITS: u64 = ONES << 7;
    /// Whether some byte of `word` is 0 (exact: a borrow only ever follows a zero byte).
    fn has_zero_byte(word: u64) -> bool {
        word.wrapping_sub(ONES) & !word & HIGH_BITS != 0
    }
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        // A byte below 0x20 (the same borrow argument, against 0x20 instead of 1).
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS != 0;
        if control
            || has_zero_byte(word ^ (ONES * u64::from(b'"')))
            || has_zero_byte(word ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

/// `text` as a JSON string, spelled as serde_json spells it: `\"`, `\\`, `\b`, `\f`, `\n`,
/// `\r`, `\t`, and `\u00xx` (lower-case hex) for the other control characters; everything
/// else (DEL, non-ASCII) as is.
pub(crate) fn push_serde_string(out: &mut String, text: &str) {
    out.push('"');
    push_serde_escaped(out, text);
    out.push('"');
}

/// The inside of [`push_serde_string`]: `text` escaped, without the quotes (serde_json writes
/// a string given in pieces, such as `collect_str`'s, piece by piece this way).
pub(crate) fn push_serde_escaped(out: &mut String, text: &str) {
    if !has_byte_to_escape(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    let mut run_start = 0;
    for (index, &byte) in text.as_bytes().iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[run_start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        run_start = index + 1;
    }
    out.push_str(&text[run_start..]);
}

/// `n` in decimal, as serde_json writes an unsigned integer.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    push_decimal(out, n, 1);
}

/// `n` in decimal, zero-padded to at least `width` digits (at most 20): what
/// `write!(out, "{n:0width$}")` writes, without the formatting machinery, which was a fifth
/// of a decision line's cost (its timestamp alone is seven numbers).
pub(crate) fn push_decimal(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = start.min(digits.len().saturating_sub(width));
    // ASCII digits: always UTF-8.
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn serde_spelling(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    #[test]
    fn strings_are_spelled_as_serde_json_spells_them() {
        let mut every_ascii = String::new();
        for byte in 0..0x80u8 {
            every_ascii.push(char::from(byte));
        }
        for text in [
            "",
            "plain",
            "\"",
            "\\",
            "a\"b\\c\nd\re\tf\u{8}g\u{c}",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "日本語のテキスト",
            "mixed é\n日\u{1}本 \u{1F600} end",
            "\u{2028}\u{2029}",
            "trailing\\",
            "\nleading",
            "exactly8",
            "exactly8\"",
            every_ascii.as_str(),
        ] {
            let mut out = String::new();
            push_serde_string(&mut out, text);
            assert_eq!(out, serde_spelling(text), "{text:?}");
        }
    }

    #[test]
    fn every_byte_to_escape_is_found_in_every_position() {
        for len in 1..=17 {
            for at in 0..len {
                for byte in 0..0x80u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    let expected = byte < 0x20 || byte == b'"' || byte == b'\\';
                    assert_eq!(
                        has_byte_to_escape(&text),
                        expected,
                        "{byte:#04x} at {at} of {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            1_795_000_000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = String::new();
            push_u64(&mut out, n);
            assert_eq!(out, serde_json::to_string(&n).unwrap(), "{n}");
        }
    }

    proptest! {
        #[test]
        fn any_string_is_spelled_as_serde_json_spells_it(text in any::<String>()) {
            let mut out = String::new();
            push_serde_string(&mut out, &text);
            prop_assert_eq!(out, serde_spelling(&text));
        }

        #[test]
        fn json_heavy_strings_are_spelled_as_serde_json_spells_them(
            text in "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é日\u{1F600}]{0,40}",
        ) {
            let mut out = String::new();
            push_serde_string(&mut out, &text);
            prop_assert_eq!(out, serde_spelling(&text));
        }

        #[test]
        fn any_number_is_written_as_serde_json_writes_it(n in any::<u64>()) {
            let mut out = String::new();
            push_u64(&mut out, n);
            prop_assert_eq!(out, serde_json::to_string(&n).unwrap());
        }
    }
}
