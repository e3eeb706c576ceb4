//! The authorizer event shapes, read for exactly what the decision needs: the kind of event,
//! the token (or the `Authorization` header values), and the method or route ARN.
//!
//! REST `REQUEST` and HTTP API events carry every request header. `Authorization` (matched
//! case-insensitively) is kept apart; the other single-value headers, the query string
//! parameters and the stage variables are kept as they came, because an HTTP API's identity
//! sources may name them (see the identity sources module). Fields of the wrong JSON type make the
//! event unsupported rather than being treated as absent.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::identity_sources::IdentitySource;

/// The kinds of event handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// REST API `TOKEN` authorizer: `authorizationToken`, `methodArn`.
    RestToken,
    /// REST API `REQUEST` authorizer (and HTTP API payload 1.0): headers, `methodArn`.
    RestRequest,
    /// HTTP API Lambda authorizer, payload format 2.0: headers, `routeArn`.
    HttpV2,
}

impl EventKind {
    /// The name used in logs: `rest_token`, `rest_request` or `http_v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RestToken => "rest_token",
            EventKind::RestRequest => "rest_request",
            EventKind::HttpV2 => "http_v2",
        }
    }
}

/// An authorizer event reduced to what the authorizer reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizerEvent {
    /// Which shape the event has.
    pub kind: EventKind,
    /// The raw `Authorization` value (or `authorizationToken`), `Bearer ` prefix and all.
    pub authorization: Option<String>,
    /// The event carried several `Authorization` values: ambiguous, so refused.
    pub several_authorization_values: bool,
    /// `methodArn` (REST) or `routeArn` (HTTP API).
    pub arn: Option<String>,
    /// HTTP API 2.0: the route API Gateway matched, e.g. `GET /admin` or `$default`.
    pub route_key: Option<String>,
    /// The `identitySource` values (payload 2.0: an array, in the configured order; 1.0: one
    /// comma-joined string). Empty when absent.
    pub identity_source: Vec<String>,
    /// `headers` other than `Authorization`: lowercased names, values as sent.
    pub other_headers: Vec<(String, String)>,
    /// `queryStringParameters`, as sent.
    pub query_string: BTreeMap<String, String>,
    /// `stageVariables`, as sent.
    pub stage_variables: BTreeMap<String, String>,
    /// `cookies` (payload 2.0 moves the `Cookie` header there), as sent.
    pub cookies: Vec<String>,
    /// An HTTP API event in payload format 1.0 (`version: "1.0"`): shaped like a REST
    /// `REQUEST` event, but cached by its identity sources like any HTTP API event.
    pub http_api_v1: bool,
}

impl AuthorizerEvent {
    /// Reads an event from its JSON text; `None` when it is not an authorizer event this
    /// function handles (or not one JSON value).
    pub fn read(text: &str) -> Option<Self> {
        // A JSON object only: serde's derived struct reader would also fill the fields from an
        // array, by position, and API Gateway never sends one.
        if !text
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('{')
        {
            return None;
        }
        let raw: RawEvent = serde_json::from_str(text).ok()?;
        let kind = if raw.version.as_deref() == Some("2.0") {
            raw.route_arn.is_some().then_some(EventKind::HttpV2)
        } else {
            match raw.kind.as_deref() {
                Some("TOKEN") => Some(EventKind::RestToken),
                Some("REQUEST") => Some(EventKind::RestRequest),
                _ => None,
            }
        }?;
        let (authorization, several, arn) = match kind {
            EventKind::RestToken => (raw.authorization_token, false, raw.method_arn),
            // REST sends the last value in `headers` and all of them in `multiValueHeaders`.
            EventKind::RestRequest => {
                let several = raw.headers.0.len() > 1 || raw.multi_value_headers.0.len() > 1;
                (raw.headers.0.into_iter().next(), several, raw.method_arn)
            }
            EventKind::HttpV2 => {
                let several = raw.headers.0.len() > 1;
                (raw.headers.0.into_iter().next(), several, raw.route_arn)
            }
        };
        Some(AuthorizerEvent {
            kind,
            authorization,
            several_authorization_values: several,
            arn,
            route_key: raw.route_key,
            identity_source: match raw.identity_source {
                Some(HeaderValue::One(value)) => vec![value],
                Some(HeaderValue::Many(values)) => values,
                None => Vec::new(),
            },
            other_headers: raw.headers.1,
            query_string: raw.query_string_parameters.unwrap_or_default(),
            stage_variables: raw.stage_variables.unwrap_or_default(),
            cookies: raw.cookies.unwrap_or_default(),
            http_api_v1: raw.version.as_deref() == Some("1.0"),
        })
    }

    /// What `source` says about this request: the value API Gateway would put in
    /// `identitySource` for it. `None` when the request has no such value, or has it twice
    /// (ambiguous, so it can match nothing).
    pub fn identity_source_value(&self, source: &IdentitySource) -> Option<&str> {
        match source {
            IdentitySource::Header(name) if name == "authorization" => {
                if self.several_authorization_values {
                    None
                } else {
                    self.authorization.as_deref()
                }
            }
            IdentitySource::Header(name) => {
                let mut values = self
                    .other_headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name));
                let (_, first) = values.next()?;
                values.next().is_none().then_some(first.as_str())
            }
            IdentitySource::QueryString(name) => self.query_string.get(name).map(String::as_str),
            IdentitySource::StageVariable(name) => {
                self.stage_variables.get(name).map(String::as_str)
            }
            IdentitySource::RouteKey => self.route_key.as_deref(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: Option<String>,
    version: Option<String>,
    authorization_token: Option<String>,
    method_arn: Option<String>,
    route_arn: Option<String>,
    route_key: Option<String>,
    /// An array of values (payload 2.0), a comma-joined string (1.0), or null.
    identity_source: Option<HeaderValue>,
    headers: AuthorizationValues,
    multi_value_headers: AuthorizationValues,
    query_string_parameters: Option<BTreeMap<String, String>>,
    stage_variables: Option<BTreeMap<String, String>>,
    cookies: Option<Vec<String>>,
}

/// The values of the `Authorization` header found in a header map, whichever its letter case,
/// and the other headers' single values (lowercased names). Accepts `{"name": "value"}` and
/// `{"name": ["value", ...]}` maps, and `null`.
#[derive(Default)]
struct AuthorizationValues(Vec<String>, Vec<(String, String)>);

impl<'de> Deserialize<'de> for AuthorizationValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AuthorizationValues::default())
    }
}

impl<'de> Visitor<'de> for AuthorizationValues {
    type Value = AuthorizationValues;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of header names to values, or null")
    }

    /// `null` (serde_json reads it so for `deserialize_any`).
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let AuthorizationValues(mut values, mut others) = self;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let authorization = name.eq_ignore_ascii_case("authorization");
            match (authorization, map.next_value::<Option<HeaderValue>>()?) {
                (true, Some(HeaderValue::One(value))) => values.push(value),
                (true, Some(HeaderValue::Many(many))) => values.extend(many),
                (false, Some(HeaderValue::One(value))) => {
                    others.push((name.to_ascii_lowercase(), value));
                }
                // Multi-value maps (REST) are not identity sources of an HTTP API.
                _ => {}
            }
        }
        Ok(AuthorizationValues(values, others))
    }
}

/// A header value: a string (`headers`) or an array of strings (`multiValueHeaders`).
enum HeaderValue {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = HeaderValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderValue, A::Error> {
                let mut all = Vec::new();
                while let Some(value) = seq.next_element::<String>()? {
                    all.push(value);
                }
                Ok(HeaderValue::Many(all))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(event: serde_json::Value) -> Option<AuthorizerEvent> {
        AuthorizerEvent::read(&event.to_string())
    }

    #[test]
    fn event_kinds_have_their_log_names() {
        assert_eq!(
            [
                EventKind::RestToken,
                EventKind::RestRequest,
                EventKind::HttpV2
            ]
            .map(EventKind::as_str),
            ["rest_token", "rest_request", "http_v2"]
        );
    }

    #[test]
    fn stage_variables_are_identity_source_values_by_exact_name() {
        let event = read(
            json!({"version": "2.0", "routeArn": "r", "headers": {"authorization": "t"},
            "stageVariables": {"v": "1", "w": "2"}}),
        )
        .unwrap();
        let value = |source: &str| {
            event
                .identity_source_value(&IdentitySource::parse(source).unwrap())
                .map(str::to_owned)
        };
        assert_eq!(value("$stageVariables.v").as_deref(), Some("1"));
        assert_eq!(value("$stageVariables.w").as_deref(), Some("2"));
        assert_eq!(value("$stageVariables.V"), None);
        assert_eq!(value("$stageVariables.x"), None);
    }

    #[test]
    fn detects_each_shape() {
        let token =
            read(json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": "a"})).unwrap();
        assert_eq!(
            (
                token.kind,
                token.authorization.as_deref(),
                token.arn.as_deref()
            ),
            (EventKind::RestToken, Some("t"), Some("a"))
        );

        let request = read(json!({"type": "REQUEST", "methodArn": "a", "headers": {"Host": "x", "AUTHORIZATION": "t"}, "multiValueHeaders": {"authorization": ["t"]}})).unwrap();
        assert_eq!(
            (
                request.kind,
                request.authorization.as_deref(),
                request.several_authorization_values
            ),
            (EventKind::RestRequest, Some("t"), false)
        );

        let v2 = read(json!({"version": "2.0", "type": "REQUEST", "routeArn": "r", "routeKey": "GET /x", "identitySource": ["t", "GET /x"], "headers": {"authorization": "t", "X-Tenant": "a"}, "queryStringParameters": {"q": "1"}, "stageVariables": null})).unwrap();
        assert_eq!(v2.identity_source, ["t", "GET /x"]);
        let value = |source: &str| {
            v2.identity_source_value(&IdentitySource::parse(source).unwrap())
                .map(str::to_owned)
        };
        assert_eq!(value("$request.header.Authorization").as_deref(), Some("t"));
        assert_eq!(value("$request.header.x-TENANT").as_deref(), Some("a"));
        assert_eq!(value("$request.querystring.q").as_deref(), Some("1"));
        assert_eq!(value("$request.querystring.Q"), None);
        assert_eq!(value("$stageVariables.q"), None);
        assert_eq!(value("$context.routeKey").as_deref(), Some("GET /x"));
        assert_eq!(v2.route_key.as_deref(), Some("GET /x"));
        assert_eq!(
            (v2.kind, v2.authorization.as_deref(), v2.arn.as_deref()),
            (EventKind::HttpV2, Some("t"), Some("r"))
        );

        let v1 = read(json!({"version": "1.0", "type": "REQUEST", "methodArn": "a", "headers": null, "multiValueHeaders": null})).unwrap();
        assert_eq!((v1.kind, v1.authorization), (EventKind::RestRequest, None));
    }

    #[test]
    fn several_authorization_values_are_flagged() {
        let cases = [
            json!({"type": "REQUEST", "methodArn": "a", "headers": {"Authorization": "t", "authorization": "u"}}),
            json!({"type": "REQUEST", "methodArn": "a", "headers": {"Authorization": "t"}, "multiValueHeaders": {"Authorization": ["t", "u"]}}),
            json!({"version": "2.0", "routeArn": "r", "headers": {"Authorization": "t", "AUTHORIZATION": "u"}}),
        ];
        for event in cases {
            assert!(
                read(event.clone()).unwrap().several_authorization_values,
                "{event}"
            );
        }
    }

    #[test]
    fn unsupported_or_mistyped_events() {
        let cases = [
            json!(null),
            json!([]),
            json!({}),
            json!({"type": "COOKIE"}),
            json!({"version": "2.0"}),
            json!({"type": "TOKEN", "authorizationToken": 5, "methodArn": "a"}),
            json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": ["a"]}),
            json!({"type": "REQUEST", "methodArn": "a", "headers": {"Authorization": 1}}),
            json!({"type": "REQUEST", "methodArn": "a", "headers": ["Authorization"]}),
            json!({"type": "REQUEST", "methodArn": "a", "multiValueHeaders": {"Authorization": [1]}}),
        ];
        for event in cases {
            assert_eq!(read(event.clone()), None, "{event}");
        }
    }
}
