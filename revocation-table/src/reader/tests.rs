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

fn lookup_at(endpoint: &str) -> DynamoDbLookup {
    let service = JsonService::new(
        reqwest::Client::new(),
        endpoint,
        crate::call::JsonProtocol::V1_0,
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    DynamoDbLookup::new(
        service,
        "t".to_owned(),
        testkit::harness::ManualClock::new(),
    )
}

#[test]
fn the_request_asks_for_both_keys_consistently_and_only_the_three_attributes() {
    let lookup = lookup_at("http://127.0.0.1:9");
    let body: Value = serde_json::from_slice(&lookup.request_body(&keys())).unwrap();
    let projection = json!({
        "ConsistentRead": true,
        "ProjectionExpression": "#pk, #nb, #exp",
        "ExpressionAttributeNames": {"#pk": "pk", "#nb": "not_before", "#exp": "expires_at"}
    });
    let mut both = projection.clone();
    both["Keys"] = json!([{"pk": {"S": "sub#iss#u"}}, {"pk": {"S": "jti#iss#j"}}]);
    assert_eq!(body, json!({"RequestItems": {"t": both}}));
    let user_only = RevocationKeys {
        user: "sub#iss#u".to_owned(),
        session: None,
    };
    let body: Value = serde_json::from_slice(&lookup.request_body(&user_only)).unwrap();
    assert_eq!(
        body["RequestItems"]["t"]["Keys"],
        json!([{"pk": {"S": "sub#iss#u"}}])
    );
}

#[tokio::test]
async fn lookups_read_a_200_and_report_anything_else() {
    const TARGET: &str = "DynamoDB_20120810.BatchGetItem";
    let answers = [
        (
            "a 200 with the user's entry",
            200,
            br#"{"Responses":{"t":[{"pk":{"S":"sub#iss#u"},"not_before":{"N":"5"},"expires_at":{"N":"10"}}]}}"#.to_vec(),
            Ok(RevocationRecords {
                user: Some(RevocationEntry { not_before: Some(5), expires_at: Some(10) }),
                session: None,
            }),
        ),
        (
            "a 400 naming its type",
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}"#.to_vec(),
            Err(RevocationLookupError::Status { status: 400, error_type: "ResourceNotFoundException".to_owned() }),
        ),
        (
            "a 200 too large to read",
            200,
            vec![b' '; crate::call::MAX_ANSWER_BYTES + 1],
            Err(RevocationLookupError::Invalid("answer is too large")),
        ),
    ];
    for (case, status, body, expected) in answers {
        let fake = testkit::FakeAws::start(vec![(TARGET, status, body)]).await;
        let got = lookup_at(&fake.endpoint).lookup(&keys()).await;
        assert_eq!(got, expected, "{case}");
        assert_eq!(fake.targets(), [TARGET], "{case}");
    }
    match lookup_at("http://127.0.0.1:9").lookup(&keys()).await {
        Err(RevocationLookupError::Transport(_)) => {}
        other => panic!("nothing listening: {other:?}"),
    }
}
