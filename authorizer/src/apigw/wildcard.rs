//! IAM's resource wildcard matching, as API Gateway applies it to a policy's resources.

/// IAM's resource wildcard match: `*` matches any run of characters (including `/`), `?` any
/// single character; everything else literally, case-sensitively. Linear in practice: the
/// classic greedy algorithm with one backtrack point.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    let (mut pi, mut vi) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == v[vi]) && p[pi] != b'*' {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            backtrack = Some((pi, vi));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            vi = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        let cases = [
            ("*", "", true),
            ("*", "anything/at/all", true),
            ("a*", "a", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("*/*", "GET/", true),
            ("*/*", "GET", false),
            ("GET/items/*", "GET/items/1/2", true),
            ("GET/items/*", "GET/items", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("GET/admin", "GET/Admin", false),
            (
                "*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                wildcard_match(pattern, value),
                expected,
                "{pattern} vs {value}"
            );
        }
    }
}
