use super::*;
use aws_lambda_events::http::{HeaderValue, Method};
use testkit::FakeAws;

fn caller(token_use: &str) -> Identity {
    let mut identity = crate::tests::identity("sub-1");
    identity.token_use = Some(token_use.to_owned());
    identity.client_id = Some("client-1".to_owned());
    identity.iss = Some(
        "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz".to_owned(),
    );
    identity.origin_jti = Some("session-1".to_owned());
    identity.scopes = vec!["aws.cognito.signin.user.admin".to_owned()];
    identity
}

/// `plan` in this tests' Region.
fn plan_here(
    identity: &Identity,
    request: &ApiRequest,
    listing: bool,
) -> Result<Plan, &'static str> {
    plan(identity, request, listing, "ap-northeast-1")
}

fn request(authorization: Option<&str>, body: Option<&str>) -> ApiRequest {
    let mut request = crate::tests::request(Method::POST, "/logout");
    if let Some(value) = authorization {
        request
            .headers
            .insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    request.body = body.map(str::to_owned);
    request
}

#[test]
fn requests_are_read_before_anything_changes() {
    let user = |token: &str| {
        Ok(Plan::User {
            access_token: token.to_owned(),
        })
    };
    let session = Ok(Plan::Session {
        refresh_token: "r-1".to_owned(),
        client_id: "client-1".to_owned(),
    });
    let no_iss = {
        let mut identity = caller("access");
        identity.iss = None;
        identity
    };
    let no_jti = {
        let mut identity = caller("access");
        identity.origin_jti = None;
        identity
    };
    let no_client = {
        let mut identity = caller("access");
        identity.client_id = None;
        identity
    };
    type Case = (
        &'static str,
        Identity,
        ApiRequest,
        bool,
        Result<Plan, &'static str>,
    );
    let cases: [Case; 17] = [
        (
            "no body, Bearer",
            caller("access"),
            request(Some("Bearer a.b.c"), None),
            true,
            user("a.b.c"),
        ),
        (
            "no body, lower-case bearer",
            caller("access"),
            request(Some("bearer a.b.c"), None),
            true,
            user("a.b.c"),
        ),
        (
            "no body, bare token",
            caller("access"),
            request(Some("a.b.c"), None),
            true,
            user("a.b.c"),
        ),
        (
            "blank body",
            caller("access"),
            request(Some("Bearer t"), Some("  ")),
            true,
            user("t"),
        ),
        (
            "empty object",
            caller("access"),
            request(Some("Bearer t"), Some("{}")),
            true,
            user("t"),
        ),
        (
            "refresh token",
            caller("access"),
            request(Some("Bearer t"), Some(r#"{"refresh_token":" r-1 "}"#)),
            true,
            session,
        ),
        (
            "refresh token, ID token caller",
            caller("id"),
            request(Some("Bearer t"), Some(r#"{"refresh_token":"r-1"}"#)),
            true,
            Ok(Plan::Session {
                refresh_token: "r-1".into(),
                client_id: "client-1".into(),
            }),
        ),
        (
            "ID token, no body",
            caller("id"),
            request(Some("Bearer t"), None),
            true,
            Err(
                "signing out of every session needs the access token in Authorization (an ID token cannot call GlobalSignOut); or send {\"refresh_token\": \"…\"} to end this session",
            ),
        ),
        (
            "unknown token use",
            {
                let mut i = caller("access");
                i.token_use = None;
                i
            },
            request(Some("Bearer t"), None),
            false,
            Err(
                "signing out of every session needs the access token in Authorization (an ID token cannot call GlobalSignOut); or send {\"refresh_token\": \"…\"} to end this session",
            ),
        ),
        (
            "no Authorization",
            caller("access"),
            request(None, None),
            true,
            Err("the Authorization header must hold exactly one token"),
        ),
        (
            "Bearer and nothing",
            caller("access"),
            request(Some("Bearer  "), None),
            true,
            Err("the Authorization header must hold exactly one token"),
        ),
        (
            "unknown member",
            caller("access"),
            request(Some("Bearer t"), Some(r#"{"refresh":"r"}"#)),
            true,
            Err(r#"the body must be empty, {} or {"refresh_token": "…"}"#),
        ),
        (
            "not JSON",
            caller("access"),
            request(Some("Bearer t"), Some("refresh_token=r")),
            true,
            Err(r#"the body must be empty, {} or {"refresh_token": "…"}"#),
        ),
        (
            "empty refresh token",
            caller("access"),
            request(Some("Bearer t"), Some(r#"{"refresh_token":""}"#)),
            true,
            Err("refresh_token is empty"),
        ),
        (
            "no iss with a list",
            no_iss.clone(),
            request(Some("Bearer t"), None),
            true,
            Err("the authorizer did not pass the token's issuer (iss)"),
        ),
        (
            "no origin_jti with a list",
            no_jti.clone(),
            request(Some("Bearer t"), Some(r#"{"refresh_token":"r"}"#)),
            true,
            Err(
                "this token has no origin_jti, so its session cannot be listed: sign out without a body (all sessions)",
            ),
        ),
        (
            "no client",
            no_client,
            request(Some("Bearer t"), Some(r#"{"refresh_token":"r"}"#)),
            false,
            Err("the authorizer did not pass the token's app client (client_id)"),
        ),
    ];
    for (case, identity, request, listing, expected) in cases {
        assert_eq!(plan_here(&identity, &request, listing), expected, "{case}");
    }
    // Without a list, origin_jti is not needed; the issuer always is (it picks Cognito).
    assert_eq!(
        plan_here(&no_iss, &request(Some("Bearer t"), None), false),
        Err("the authorizer did not pass the token's issuer (iss)")
    );
    assert!(
        plan_here(
            &no_jti,
            &request(Some("Bearer t"), Some(r#"{"refresh_token":"r"}"#)),
            false
        )
        .is_ok()
    );
    let no_token = Err("the Authorization header must hold exactly one token");
    let mut two_headers = request(Some("Bearer a.b.c"), None);
    two_headers
        .headers
        .append(AUTHORIZATION, HeaderValue::from_static("Bearer d.e.f"));
    let odd_tokens = [
        request(Some("Bearer a.b.c,Bearer d.e.f"), None),
        request(Some("Bearer a.b c"), None),
        request(Some("Bearer a.b.c\""), None),
        request(Some(&format!("Bearer {}", "a".repeat(16 * 1024 + 1))), None),
        two_headers,
    ];
    for odd in &odd_tokens {
        assert_eq!(
            plan_here(&caller("access"), odd, true),
            no_token,
            "{:?}",
            odd.headers
        );
    }
    // Only the word Bearer is a scheme: another six letters and a space are not stripped (the
    // space then makes it no token), and a bare six-letter token is kept whole.
    assert_eq!(
        plan_here(
            &caller("access"),
            &request(Some("Tokens a.b.c"), None),
            true
        ),
        no_token
    );
    assert_eq!(
        plan_here(&caller("access"), &request(Some("abcdef"), None), true),
        user("abcdef")
    );
    let longest = "a".repeat(16 * 1024);
    assert_eq!(
        plan_here(
            &caller("access"),
            &request(Some(&format!("Bearer {longest}")), None),
            true
        ),
        user(&longest)
    );
    for body in [r#"{"refresh_token":"a b"}"#, r#"{"refresh_token":"a,b"}"#] {
        assert_eq!(
            plan_here(
                &caller("access"),
                &request(Some("Bearer t"), Some(body)),
                true
            ),
            Err("refresh_token is not a token (base64url and dots, at most 16 KiB)"),
            "{body}"
        );
    }
    let mut encoded = request(Some("Bearer t"), Some("e30="));
    encoded.is_base64_encoded = true;
    assert_eq!(
        plan_here(&caller("access"), &encoded, true),
        Err("send the body as JSON (Content-Type: application/json)")
    );
}

#[test]
fn a_machine_caller_is_refused_before_anything_is_written() {
    let machine_refusal = Err(
        "a machine caller (client credentials) has no user session to sign out: its tokens end when they expire",
    );
    for body in [None, Some(r#"{"refresh_token":"refresh-1"}"#)] {
        let mut machine = caller("access");
        machine.caller = Some("machine".to_owned());
        machine.origin_jti = None;
        assert_eq!(
            plan_here(&machine, &request(Some("Bearer m.m.m"), body), true),
            machine_refusal,
            "{body:?}"
        );
        let mut user = caller("access");
        user.caller = Some("user".to_owned());
        assert!(
            plan_here(&user, &request(Some("Bearer u.u.u"), body), true).is_ok(),
            "{body:?}"
        );
    }
}

#[test]
fn only_this_regions_cognito_pools_and_admin_scoped_access_tokens_are_signed_out() {
    let with = |iss: &str, scopes: &[&str]| {
        let mut identity = caller("access");
        identity.iss = Some(iss.to_owned());
        identity.scopes = scopes.iter().map(|s| s.to_string()).collect();
        identity
    };
    let admin = ["openid", "aws.cognito.signin.user.admin"];
    let not_here: Result<(), &str> = Err(
        "this token's issuer is not a Cognito user pool in this API's Region: sign out at its issuer",
    );
    let cases = [
        (
            "original form",
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz",
            &admin[..],
            Ok(()),
        ),
        (
            "updated form",
            "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz",
            &admin[..],
            Ok(()),
        ),
        (
            "another Region's pool",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz",
            &admin[..],
            not_here,
        ),
        (
            "a pool ID of another Region",
            "https://cognito-idp.ap-northeast-1.amazonaws.com/us-east-1_AbC123xyz",
            &admin[..],
            not_here,
        ),
        (
            "no pool ID",
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_",
            &admin[..],
            not_here,
        ),
        (
            "a path after the pool",
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC/x",
            &admin[..],
            not_here,
        ),
        (
            "plain http",
            "http://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz",
            &admin[..],
            not_here,
        ),
        (
            "another issuer",
            "https://example.okta.com/oauth2/default",
            &admin[..],
            not_here,
        ),
        (
            "an emulator",
            "http://localhost:9229/local_5a3tB",
            &admin[..],
            not_here,
        ),
        (
            "no admin scope",
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz",
            &["openid", "api/read"][..],
            Err(
                "this access token lacks the scope aws.cognito.signin.user.admin, which GlobalSignOut needs: send {\"refresh_token\": \"…\"} to end this session instead",
            ),
        ),
    ];
    for (case, iss, scopes, expected) in cases {
        let got = plan_here(&with(iss, scopes), &request(Some("Bearer t"), None), true);
        assert_eq!(got.map(|_| ()), expected, "{case}");
    }
    // A session needs no admin scope (RevokeToken is authorized by the refresh token).
    let session = plan_here(
        &with(
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz",
            &["openid"],
        ),
        &request(Some("Bearer t"), Some(r#"{"refresh_token":"r"}"#)),
        true,
    );
    assert!(session.is_ok(), "{session:?}");
}

#[tokio::test]
async fn unconfigured_and_unavailable_services_answer_without_calling_anything() {
    let cases = [
        (SignOut::NotConfigured, StatusCode::SERVICE_UNAVAILABLE),
        (
            SignOut::Unavailable("no TLS".into()),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    ];
    for (service, status) in cases {
        let response = service
            .respond(&caller("access"), &request(Some("Bearer t"), None))
            .await;
        assert_eq!(response.status, status, "{service:?}");
    }
    // Debug names the state and never more (no client, no credentials).
    assert_eq!(
        format!("{:?}", SignOut::NotConfigured),
        "SignOut::NotConfigured"
    );
    assert_eq!(
        format!("{:?}", SignOut::Unavailable("no TLS".into())),
        "SignOut::Unavailable(no TLS)"
    );
}

const PUT: &str = "DynamoDB_20120810.PutItem";
const GLOBAL: &str = "AWSCognitoIdentityProviderService.GlobalSignOut";
const REVOKE: &str = "AWSCognitoIdentityProviderService.RevokeToken";

fn service(fake: &FakeAws, with_table: bool, clock: Arc<testkit::harness::ManualClock>) -> SignOut {
    let settings = SignOutSettings {
        region: "ap-northeast-1".to_owned(),
        cognito_endpoint: fake.endpoint.clone(),
        table: with_table.then(|| TableSettings {
            name: "revocations".to_owned(),
            endpoint: fake.endpoint.clone(),
            signer: revocation_table::Signer {
                credentials: revocation_table::Credentials {
                    access_key_id: "AKID".to_owned(),
                    secret_access_key: "secret".to_owned(),
                    session_token: None,
                },
                region: "ap-northeast-1".to_owned(),
                service: "dynamodb",
            },
            token_lifetime_seconds: 3_600,
        }),
        tls_roots: oidc_jwt_verifier::TlsRoots::builtin(),
    };
    SignOut::with_client(&settings, reqwest::Client::new(), clock)
}

fn json_body(response: &ApiResponse) -> serde_json::Value {
    serde_json::from_str(response.body.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn a_user_sign_out_lists_the_user_then_calls_global_sign_out() {
    let fake = FakeAws::start(vec![(PUT, 200, "{}".into()), (GLOBAL, 200, "{}".into())]).await;
    let clock = testkit::harness::ManualClock::new();
    let now = clock.unix_seconds();
    let response = service(&fake, true, clock)
        .respond(
            &caller("access"),
            &request(Some("Bearer access.token.sig"), None),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let original = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz";
    let updated =
        "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz";
    assert_eq!(
        json_body(&response),
        json!({
            "sign_out": "user", "operation": "GlobalSignOut", "cognito": "done",
            "revocation_list": "written", "list_entries": 2, "tokens_issued_before": now + 1,
            "list_entry_expires_at": now + 1 + 3_600 + 360
        })
    );
    let seen = fake.seen();
    // The entries (one per issuer form of the pool), Cognito, then the entries again with the
    // cut-off at Cognito's answer.
    assert_eq!(fake.targets(), [PUT, PUT, GLOBAL, PUT, PUT], "{seen:?}");
    for (at, iss) in [(0, original), (1, updated)] {
        assert_eq!((seen[at].target(), seen[at].signed()), (PUT, true));
        assert_eq!(
            seen[at].json(),
            json!({"TableName": "revocations", "Item": {
                "pk": {"S": format!("sub#{iss}#sub-1")},
                "not_before": {"N": (now + 1).to_string()},
                "expires_at": {"N": (now + 1 + 3_600 + 360).to_string()}
            },
            "ConditionExpression": "attribute_not_exists(#pk) OR #nb < :nb",
            "ExpressionAttributeNames": {"#pk": "pk", "#nb": "not_before"},
            "ExpressionAttributeValues": {":nb": {"N": (now + 1).to_string()}}}),
            "{iss}"
        );
        assert_eq!(
            seen[at + 3].json()["Item"],
            seen[at].json()["Item"],
            "the clock did not move"
        );
    }
    let seen = [&seen[0], &seen[2]];
    assert_eq!((seen[1].target(), seen[1].signed()), (GLOBAL, false));
    assert_eq!(seen[1].json(), json!({"AccessToken": "access.token.sig"}));
    // Unsigned, so the Region travels in the User-Agent for emulators (moto reads it there).
    assert!(
        seen[1]
            .header("user-agent")
            .ends_with(" region/ap-northeast-1"),
        "{}",
        seen[1].header("user-agent")
    );
    assert!(
        seen[0]
            .header("user-agent")
            .starts_with("cognito-apigw-authorizer/"),
        "{}",
        seen[0].header("user-agent")
    );
}

#[tokio::test]
async fn a_session_sign_out_lists_the_session_then_calls_revoke_token() {
    let fake = FakeAws::start(vec![(PUT, 200, "{}".into()), (REVOKE, 200, "{}".into())]).await;
    let clock = testkit::harness::ManualClock::new();
    let now = clock.unix_seconds();
    let response = service(&fake, true, clock)
        .respond(
            &caller("id"),
            &request(
                Some("Bearer id.token.sig"),
                Some(r#"{"refresh_token":"refresh-1"}"#),
            ),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(json_body(&response)["sign_out"], "session");
    let seen = fake.seen();
    assert_eq!(fake.targets(), [PUT, PUT, REVOKE], "{seen:?}");
    for (at, host) in [(0, "cognito-idp"), (1, "issuer-cognito-idp")] {
        assert_eq!(
            seen[at].json()["Item"],
            json!({
                "pk": {"S": format!("jti#https://{host}.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz#session-1")},
                "expires_at": {"N": (now + 3_600 + 360).to_string()}
            })
        );
    }
    let seen = [&seen[0], &seen[2]];
    assert!(!seen[1].signed());
    assert_eq!(
        seen[1].json(),
        json!({"Token": "refresh-1", "ClientId": "client-1"})
    );
}

#[tokio::test]
async fn a_failed_list_write_changes_nothing_in_cognito() {
    let fake = FakeAws::start(vec![
        (
            PUT,
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}"#.into(),
        ),
        (GLOBAL, 200, "{}".into()),
    ])
    .await;
    let response = service(&fake, true, testkit::harness::ManualClock::new())
        .respond(&caller("access"), &request(Some("Bearer t.t.t"), None))
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response
            .body
            .as_deref()
            .unwrap()
            .contains("nothing was signed out")
    );
    assert_eq!(fake.targets(), [PUT]);
}

#[tokio::test]
async fn a_failed_second_form_write_changes_nothing_in_cognito() {
    let fake = FakeAws::start(vec![
        (PUT, 200, "{}".into()),
        (PUT, 500, "{}".into()),
        (GLOBAL, 200, "{}".into()),
    ])
    .await;
    let response = service(&fake, true, testkit::harness::ManualClock::new())
        .respond(&caller("access"), &request(Some("Bearer t.t.t"), None))
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(fake.targets(), [PUT, PUT]);
}

#[test]
fn both_issuer_forms_of_a_pool_are_listed_whichever_form_signs_out() {
    let original = "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz";
    let updated =
        "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz";
    for iss in [original, updated] {
        assert_eq!(issuers_to_list(iss), [original, updated], "{iss}");
    }
    let other = "https://example.okta.com/oauth2/default";
    assert_eq!(issuers_to_list(other), [other]);
}

#[tokio::test]
async fn a_cognito_refusal_is_reported_by_type_with_the_list_entry_standing() {
    let fake = FakeAws::start(vec![
        (PUT, 200, "{}".into()),
        (GLOBAL, 400, r#"{"__type":"NotAuthorizedException","message":"Access Token has been revoked: secret.token.here"}"#.into()),
    ])
    .await;
    let response = service(&fake, true, testkit::harness::ManualClock::new())
        .respond(
            &caller("access"),
            &request(Some("Bearer secret.token.here"), None),
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY);
    let body = json_body(&response);
    assert_eq!(body["revocation_list"], "written");
    assert_eq!(body["cognito"], "failed");
    assert_eq!(
        body["error"],
        "Cognito refused GlobalSignOut: HTTP 400 NotAuthorizedException"
    );
    assert!(!response.body.unwrap().contains("secret.token.here"));
}

#[tokio::test]
async fn a_final_cut_off_that_cannot_be_written_is_a_500_saying_what_stands() {
    let fake = FakeAws::start(vec![
        (PUT, 200, "{}".into()),
        (PUT, 200, "{}".into()),
        (PUT, 200, "{}".into()),
        (PUT, 500, "{}".into()),
        (GLOBAL, 200, "{}".into()),
    ])
    .await;
    let response = service(&fake, true, testkit::harness::ManualClock::new())
        .respond(&caller("access"), &request(Some("Bearer t.t.t"), None))
        .await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = json_body(&response);
    assert_eq!(
        (body["cognito"].as_str(), body["revocation_list"].as_str()),
        (Some("done"), Some("written"))
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("signed out in Cognito, but the list's final cut-off was not written"),
        "{body}"
    );
    assert_eq!(fake.targets(), [PUT, PUT, GLOBAL, PUT, PUT]);
}

#[tokio::test]
async fn without_a_list_only_cognito_is_called() {
    let fake = FakeAws::start(vec![(GLOBAL, 200, "{}".into())]).await;
    let clock = testkit::harness::ManualClock::new();
    assert_eq!(
        format!("{:?}", service(&fake, false, clock.clone())),
        "SignOut::Ready { table: false }"
    );
    assert_eq!(
        format!("{:?}", service(&fake, true, clock)),
        "SignOut::Ready { table: true }"
    );
    let mut no_origin_jti = caller("access");
    no_origin_jti.origin_jti = None;
    let response = service(&fake, false, testkit::harness::ManualClock::new())
        .respond(&no_origin_jti, &request(Some("Bearer t.t.t"), None))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let body = json_body(&response);
    assert_eq!(
        body["revocation_list"],
        "not configured: tokens stay valid at this API until they expire"
    );
    assert_eq!(body.get("tokens_issued_before"), None);
    assert_eq!(fake.targets(), [GLOBAL]);
}

#[tokio::test]
async fn an_unreachable_cognito_is_a_502_naming_the_step() {
    let fake = FakeAws::start(vec![(PUT, 200, "{}".into())]).await;
    let settings = SignOutSettings {
        region: "ap-northeast-1".to_owned(),
        // Nothing listens on port 9 of loopback.
        cognito_endpoint: "http://127.0.0.1:9".to_owned(),
        table: None,
        tls_roots: oidc_jwt_verifier::TlsRoots::builtin(),
    };
    let response = SignOut::with_client(
        &settings,
        reqwest::Client::new(),
        testkit::harness::ManualClock::new(),
    )
    .respond(&caller("access"), &request(Some("Bearer t.t.t"), None))
    .await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY);
    let body = json_body(&response);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Cognito GlobalSignOut failed: "),
        "{body}"
    );
    assert!(fake.seen().is_empty());
}
