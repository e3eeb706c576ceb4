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

fn table_at(endpoint: &str, name: &str) -> RevocationTable {
    let signer = crate::sigv4::tests::dynamodb_signer();
    RevocationTable::new(
        reqwest::Client::new(),
        endpoint,
        signer,
        std::time::Duration::from_secs(5),
        name.to_owned(),
        testkit::harness::ManualClock::new(),
    )
    .unwrap()
}

fn lookup_at(endpoint: &str) -> RevocationTable {
    table_at(endpoint, "t")
}

fn writer_at(endpoint: &str) -> RevocationTable {
    table_at(endpoint, "revocations")
}

#[test]
fn the_request_asks_for_both_keys_consistently_and_only_the_three_attributes() {
    let lookup = lookup_at("http://127.0.0.1:9");
    let body = lookup.batch_get_request(&keys());
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
    let body = lookup.batch_get_request(&user_only);
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
        assert!(fake.seen()[0].signed(), "{case}");
    }
    match lookup_at("http://127.0.0.1:9").lookup(&keys()).await {
        Err(RevocationLookupError::Transport(_)) => {}
        other => panic!("nothing listening: {other:?}"),
    }
}

#[tokio::test]
async fn puts_the_entry_and_reports_every_refusal() {
    let entry = Entry::user_signed_out("https://iss", "u-1", 1_000, 3_600);
    let fake = testkit::FakeAws::start(vec![(PUT_ITEM, 200, b"{}".to_vec())]).await;
    assert_eq!(writer_at(&fake.endpoint).put(&entry).await, Ok(()));
    let seen = fake.seen();
    assert_eq!(seen[0].target(), PUT_ITEM);
    assert_eq!(
        seen[0].json(),
        json!({
            "TableName": "revocations",
            "Item": {"pk": {"S": "sub#https://iss#u-1"}, "not_before": {"N": "1001"}, "expires_at": {"N": "4961"}},
            "ConditionExpression": "attribute_not_exists(#pk) OR #nb < :nb",
            "ExpressionAttributeNames": {"#pk": "pk", "#nb": "not_before"},
            "ExpressionAttributeValues": {":nb": {"N": "1001"}}
        })
    );
    let typed = |error: &str| {
        format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error}"}}"#).into_bytes()
    };
    let cases = [
        // A stronger entry already stands under the key: success.
        (
            "condition refused",
            400,
            "ConditionalCheckFailedException",
            Ok(()),
        ),
        (
            "no such table",
            400,
            "ResourceNotFoundException",
            Err("revocation table answered HTTP 400 ResourceNotFoundException"),
        ),
        (
            "the condition's type on a 500",
            500,
            "ConditionalCheckFailedException",
            Err("revocation table answered HTTP 500 ConditionalCheckFailedException"),
        ),
    ];
    for (case, status, error, expected) in cases {
        let fake = testkit::FakeAws::start(vec![(PUT_ITEM, status, typed(error))]).await;
        let got = writer_at(&fake.endpoint).put(&entry).await;
        assert_eq!(
            got.map_err(|e| e.to_string()),
            expected.map_err(str::to_owned),
            "{case}"
        );
    }
    let created = testkit::FakeAws::start(vec![(PUT_ITEM, 201, b"{}".to_vec())]).await;
    let created = writer_at(&created.endpoint).put(&entry).await.unwrap_err();
    assert_eq!(created.to_string(), "revocation table answered HTTP 201 ");
    // Nothing listening: a transport error (not a timeout), without the URL.
    let closed = writer_at("http://127.0.0.1:9")
        .put(&entry)
        .await
        .unwrap_err();
    let closed = closed.to_string();
    assert!(
        closed.starts_with("revocation table write failed: "),
        "{closed}"
    );
    assert!(
        !closed.contains("timed out") && !closed.contains("127.0.0.1:9"),
        "{closed}"
    );
}
