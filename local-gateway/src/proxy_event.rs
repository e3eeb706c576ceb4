//! The Lambda proxy integration: the event API Gateway sends the api-handler (REST payload 1.0
//! or HTTP API payload 2.0) and the reading of its answer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::request::{ApiContext, IncomingRequest};
use crate::routes::Route;

/// REST API proxy event (payload 1.0). `authorizer` is `requestContext.authorizer`:
/// `principalId` plus the authorizer's context keys.
pub fn rest_event(
    request: &IncomingRequest,
    api: &ApiContext,
    route: &Route,
    authorizer: Option<Map<String, Value>>,
) -> Value {
    let resource = route.path;
    let path_parameters = match route.proxy_parameter(&request.path) {
        Some(proxy) => json!({ "proxy": proxy }),
        None => Value::Null,
    };
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, value) in &request.headers {
        single.insert(name.clone(), json!(value));
        push(&mut multi, name, value);
    }
    let (query, multi_query) = query_maps(request);
    let mut context = json!({
        "accountId": api.account,
        "apiId": api.api_id,
        "domainName": api.domain_name(),
        "domainPrefix": api.api_id,
        "httpMethod": request.method,
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header_values("user-agent").first(),
        },
        "path": format!("/{}{}", api.stage, request.path),
        "protocol": "HTTP/1.1",
        "requestId": request.request_id,
        "requestTime": request.request_time(),
        "requestTimeEpoch": request.time_epoch_ms,
        "resourceId": "local",
        "resourcePath": resource,
        "stage": api.stage,
    });
    if let Some(authorizer) = authorizer {
        context["authorizer"] = Value::Object(authorizer);
    }
    let (body, is_base64) = body(request);
    json!({
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// HTTP API proxy event (payload 2.0). `lambda_context` becomes
/// `requestContext.authorizer.lambda`.
pub fn http_event(
    request: &IncomingRequest,
    api: &ApiContext,
    route_key: &str,
    lambda_context: Option<Map<String, Value>>,
) -> Value {
    // A named stage is the first segment of the URL, and of rawPath; `$default` is not.
    let raw_path = if api.stage == "$default" {
        request.path.clone()
    } else {
        format!("/{}{}", api.stage, request.path)
    };
    // Payload 2.0 joins repeated headers and query parameters with commas; cookies are apart.
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &request.headers {
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        join(&mut headers, name, value);
    }
    let mut query = Map::new();
    for (name, value) in request.query_pairs() {
        join(&mut query, &name, &value);
    }
    let mut context = json!({
        "accountId": api.account,
        "apiId": api.api_id,
        "domainName": api.domain_name(),
        "domainPrefix": api.api_id,
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.header_values("user-agent").first().copied().unwrap_or_default(),
        },
        "requestId": request.request_id,
        "routeKey": route_key,
        "stage": api.stage,
        "time": request.request_time(),
        "timeEpoch": request.time_epoch_ms,
    });
    if let Some(lambda) = lambda_context {
        context["authorizer"] = json!({ "lambda": lambda });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if let (Some(body), is_base64) = body(request) {
        event["body"] = json!(body);
        event["isBase64Encoded"] = json!(is_base64);
    }
    event
}

fn push(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::Array(values)) => values.push(json!(value)),
        _ => {
            map.insert(name.to_owned(), json!([value]));
        }
    }
}

fn join(map: &mut Map<String, Value>, name: &str, value: &str) {
    let joined = match map.get(name).and_then(Value::as_str) {
        Some(previous) => format!("{previous},{value}"),
        None => value.to_owned(),
    };
    map.insert(name.to_owned(), json!(joined));
}

/// `queryStringParameters` (last value wins) and `multiValueQueryStringParameters`; both null
/// without a query, as API Gateway sends them.
fn query_maps(request: &IncomingRequest) -> (Value, Value) {
    let pairs = request.query_pairs();
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, value) in pairs {
        single.insert(name.clone(), json!(value));
        push(&mut multi, &name, &value);
    }
    (Value::Object(single), Value::Object(multi))
}

/// The body as text, or base64 when it is not UTF-8; `None` when empty.
fn body(request: &IncomingRequest) -> (Option<String>, bool) {
    if request.body.is_empty() {
        return (None, false);
    }
    match std::str::from_utf8(&request.body) {
        Ok(text) => (Some(text.to_owned()), false),
        Err(_) => (Some(STANDARD.encode(&request.body)), true),
    }
}

/// What the api-handler answered, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Reads a proxy integration answer. API Gateway answers 502 when this fails.
pub fn parse_response(answer: &Value, http_api: bool) -> Result<ProxyResponse, &'static str> {
    let Some(object) = answer.as_object() else {
        return Err("the answer is not a JSON object");
    };
    // Payload 2.0 lets a function return any JSON without statusCode: it becomes the body.
    if http_api && !object.contains_key("statusCode") {
        return Ok(ProxyResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: answer.to_string().into_bytes(),
        });
    }
    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .filter(|s| (100..=599).contains(s))
        .ok_or("no valid statusCode")? as u16;
    let mut headers = Vec::new();
    if let Some(map) = object.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            headers.push((
                name.to_ascii_lowercase(),
                scalar(value).ok_or("a header is not a scalar")?,
            ));
        }
    }
    if let Some(map) = object.get("multiValueHeaders").and_then(Value::as_object) {
        for (name, values) in map {
            let name = name.to_ascii_lowercase();
            // multiValueHeaders replace headers of the same name.
            headers.retain(|(n, _)| *n != name);
            for value in values
                .as_array()
                .ok_or("multiValueHeaders must hold arrays")?
            {
                headers.push((
                    name.clone(),
                    scalar(value).ok_or("a header is not a scalar")?,
                ));
            }
        }
    }
    if let Some(cookies) = object.get("cookies").and_then(Value::as_array) {
        for cookie in cookies {
            headers.push((
                "set-cookie".into(),
                scalar(cookie).ok_or("a cookie is not a string")?,
            ));
        }
    }
    let text = match object.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(_) => return Err("body is not a string"),
    };
    let body = if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        STANDARD
            .decode(text)
            .map_err(|_| "body is not valid base64")?
    } else {
        text.into_bytes()
    };
    Ok(ProxyResponse {
        status,
        headers,
        body,
    })
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> ApiContext {
        ApiContext {
            region: "ap-northeast-1".into(),
            account: "123456789012".into(),
            api_id: "local".into(),
            stage: "prod".into(),
        }
    }

    fn request() -> IncomingRequest {
        IncomingRequest::new("GET", "/me?x=1&x=2")
            .with_header("Authorization", "Bearer t")
            .with_header("Accept", "a")
            .with_header("accept", "b")
            .with_header("cookie", "c1=1; c2=2")
    }

    #[test]
    fn rest_events_carry_the_authorizer_and_both_header_forms() {
        let mut authorizer = Map::new();
        authorizer.insert("principalId".into(), json!("sub-1"));
        authorizer.insert("groups".into(), json!(r#"["admin"]"#));
        let me = crate::routes::find("GET", "/me").unwrap();
        let event = rest_event(&request(), &api(), &me, Some(authorizer));
        assert_eq!(event["httpMethod"], "GET");
        assert_eq!(event["resource"], "/me");
        assert_eq!(event["headers"]["accept"], "b");
        assert_eq!(event["multiValueHeaders"]["accept"], json!(["a", "b"]));
        assert_eq!(event["queryStringParameters"], json!({"x": "2"}));
        assert_eq!(
            event["multiValueQueryStringParameters"],
            json!({"x": ["1", "2"]})
        );
        assert_eq!(event["requestContext"]["path"], "/prod/me");
        assert_eq!(
            event["requestContext"]["authorizer"],
            json!({"principalId": "sub-1", "groups": r#"["admin"]"#})
        );
        assert_eq!(event["pathParameters"], Value::Null);
        assert_eq!(event["body"], Value::Null);
        let greedy = rest_event(
            &IncomingRequest::new("GET", "/prod/me"),
            &api(),
            &crate::routes::GREEDY_RESOURCE,
            None,
        );
        assert_eq!(greedy["resource"], "/{proxy+}");
        assert_eq!(greedy["path"], "/prod/me");
        assert_eq!(greedy["pathParameters"], json!({"proxy": "prod/me"}));
        let anonymous = rest_event(
            &IncomingRequest::new("GET", "/health"),
            &api(),
            &crate::routes::find("GET", "/health").unwrap(),
            None,
        );
        assert!(anonymous["requestContext"].get("authorizer").is_none());
        assert_eq!(anonymous["queryStringParameters"], Value::Null);
    }

    #[test]
    fn http_events_join_headers_and_split_cookies() {
        let mut lambda = Map::new();
        lambda.insert("sub".into(), json!("sub-1"));
        let mut request = request();
        request.body = vec![0xff, 0x00];
        let event = http_event(&request, &api(), "GET /me", Some(lambda));
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "GET /me");
        assert_eq!(event["rawQueryString"], "x=1&x=2");
        assert_eq!(event["headers"]["accept"], "a,b");
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["cookies"], json!(["c1=1", "c2=2"]));
        assert_eq!(event["queryStringParameters"], json!({"x": "1,2"}));
        assert_eq!(
            event["requestContext"]["authorizer"]["lambda"]["sub"],
            "sub-1"
        );
        assert_eq!(event["body"], "/wA=");
        assert_eq!(event["isBase64Encoded"], true);
    }

    #[test]
    fn reads_proxy_answers() {
        let rest = json!({"statusCode": 200, "headers": {"Content-Type": "application/json", "X-N": 1},
            "multiValueHeaders": {"Vary": ["a", "b"]}, "body": "{}", "isBase64Encoded": false});
        let parsed = parse_response(&rest, false).unwrap();
        assert_eq!(parsed.status, 200);
        assert_eq!(parsed.body, b"{}");
        assert!(
            parsed
                .headers
                .contains(&("content-type".into(), "application/json".into()))
        );
        assert!(parsed.headers.contains(&("x-n".into(), "1".into())));
        assert_eq!(
            parsed.headers.iter().filter(|(n, _)| n == "vary").count(),
            2
        );

        let http =
            json!({"statusCode": 201, "cookies": ["a=1"], "body": "aGk=", "isBase64Encoded": true});
        let parsed = parse_response(&http, true).unwrap();
        assert_eq!((parsed.status, parsed.body.as_slice()), (201, &b"hi"[..]));
        assert!(
            parsed
                .headers
                .contains(&("set-cookie".into(), "a=1".into()))
        );

        let bare = parse_response(&json!({"ok": true}), true).unwrap();
        assert_eq!(
            (bare.status, bare.body.as_slice()),
            (200, &br#"{"ok":true}"#[..])
        );
    }

    #[test]
    fn refuses_malformed_answers() {
        for (answer, http_api) in [
            (json!("text"), false),
            (json!({"body": "x"}), false),
            (json!({"statusCode": 42}), false),
            (json!({"statusCode": "200"}), true),
            (json!({"statusCode": 200, "body": {}}), false),
            (json!({"statusCode": 200, "headers": {"a": {}}}), false),
            (
                json!({"statusCode": 200, "body": "%%", "isBase64Encoded": true}),
                false,
            ),
        ] {
            assert!(parse_response(&answer, http_api).is_err(), "{answer}");
        }
    }
}
