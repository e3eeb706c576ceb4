use super::*;

fn keys() -> RevocationKeys {
    RevocationKeys {
        user: "sub#iss#u".to_owned(),
        session: Some("jti#iss#j".to_owned()),
    }
}

#[test]
fn answers_are_read_strictly() {
    let entry = |not_before, expires_at| {
        Some(RevocationEntry {
            not_before,
            expires_at,
        })
    };
    let cases: [(&str, &str, Result<RevocationRecords, RevocationLookupError>); 11] = [
        (
            "no items",
            r#"{"Responses":{"t":[]},"UnprocessedKeys":{}}"#,
            Ok(RevocationRecords::default()),
        ),
        (
            "both items",
            r#"{"Responses":{"t":[{"pk":{"S":"jti#iss#j"},"expires_at":{"N":"9"}},{"pk":{"S":"sub#iss#u"},"not_before":{"N":"5"},"expires_at":{"N":"10"}}]}}"#,
            Ok(RevocationRecords {
                user: entry(Some(5), Some(10)),
                session: entry(None, Some(9)),
            }),
        ),
        (
            "unprocessed keys",
            r#"{"Responses":{"t":[]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"sub#iss#u"}}]}}}"#,
            Err(RevocationLookupError::Unprocessed),
        ),
        (
            "not JSON",
            "<html>",
            Err(RevocationLookupError::Invalid("not JSON")),
        ),
        (
            "another table",
            r#"{"Responses":{"other":[]}}"#,
            Err(RevocationLookupError::Invalid("no Responses for the table")),
        ),
        (
            "a key not asked for",
            r#"{"Responses":{"t":[{"pk":{"S":"sub#iss#v"}}]}}"#,
            Err(RevocationLookupError::Invalid(
                "an item has a key that was not asked for",
            )),
        ),
        (
            "an item twice",
            r#"{"Responses":{"t":[{"pk":{"S":"sub#iss#u"}},{"pk":{"S":"sub#iss#u"}}]}}"#,
            Err(RevocationLookupError::Invalid("an item came twice")),
        ),
        (
            "a numeric pk",
            r#"{"Responses":{"t":[{"pk":{"N":"1"}}]}}"#,
            Err(RevocationLookupError::Invalid("an item has no string pk")),
        ),
        (
            "not_before as a string",
            r#"{"Responses":{"t":[{"pk":{"S":"sub#iss#u"},"not_before":{"S":"5"}}]}}"#,
            Err(RevocationLookupError::Invalid(
                "not_before or expires_at is not a whole number (N)",
            )),
        ),
        (
            "a fractional expires_at",
            r#"{"Responses":{"t":[{"pk":{"S":"sub#iss#u"},"expires_at":{"N":"5.5"}}]}}"#,
            Err(RevocationLookupError::Invalid(
                "not_before or expires_at is not a whole number (N)",
            )),
        ),
        (
            "UnprocessedKeys not an object",
            r#"{"Responses":{"t":[]},"UnprocessedKeys":[]}"#,
            Err(RevocationLookupError::Invalid(
                "UnprocessedKeys is not an object",
            )),
        ),
    ];
    for (name, answer, expected) in cases {
        assert_eq!(
            parse_answer(answer.as_bytes(), "t", &keys()),
            expected,
            "{name}"
        );
    }
}
