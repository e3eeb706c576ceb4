//! The authorizer side of API Gateway: the identity source, the authorizer event, the result
//! cache, and what an answer means for the request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::builtin::BuiltinKind;
use crate::invoke::InvokeError;
use crate::policy::{self, Decision};
use crate::proxy_event;
use crate::request::{ApiContext, IncomingRequest};
use crate::routes::Route;

/// Which authorizer API Gateway is configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizerKind {
    /// REST API `TOKEN` authorizer on `Authorization` (the template's).
    Token,
    /// REST API `REQUEST` authorizer, identity source `Authorization`.
    Request,
    /// HTTP API `REQUEST` authorizer, payload 2.0, identity sources `Authorization` and
    /// `$context.routeKey` (the template's HTTP API).
    Http,
    /// REST API built-in `COGNITO_USER_POOLS` authorizer (`AuthorizerKind=cognito`): no
    /// Lambda, see [`crate::builtin`].
    Cognito,
    /// HTTP API built-in JWT authorizer (`AuthorizerKind=cognito`): no Lambda, see
    /// [`crate::builtin`].
    Jwt,
}

impl AuthorizerKind {
    /// Whether the API is an HTTP API (payload 2.0, its own error bodies).
    pub fn is_http_api(self) -> bool {
        matches!(self, AuthorizerKind::Http | AuthorizerKind::Jwt)
    }

    /// The built-in authorizer this kind is, if it is one.
    pub fn builtin(self) -> Option<BuiltinKind> {
        match self {
            AuthorizerKind::Cognito => Some(BuiltinKind::RestCognito),
            AuthorizerKind::Jwt => Some(BuiltinKind::HttpJwt),
            AuthorizerKind::Token | AuthorizerKind::Request | AuthorizerKind::Http => None,
        }
    }
}

/// The identity source value: the cache key, and `None` when a source is missing (API
/// Gateway then answers 401 without invoking the authorizer). Several `Authorization` headers
/// are joined as API Gateway joins them, and the authorizer refuses them.
pub fn identity_source(
    kind: AuthorizerKind,
    request: &IncomingRequest,
    route_key: &str,
) -> Option<String> {
    let values = request.header_values("authorization");
    if values.is_empty() || values.iter().all(|v| v.trim().is_empty()) {
        return None;
    }
    let authorization = values.join(",");
    Some(match kind {
        AuthorizerKind::Token
        | AuthorizerKind::Request
        | AuthorizerKind::Cognito
        | AuthorizerKind::Jwt => authorization,
        AuthorizerKind::Http => format!("{authorization}\n{route_key}"),
    })
}

/// The event API Gateway sends the authorizer.
pub fn authorizer_event(
    kind: AuthorizerKind,
    request: &IncomingRequest,
    api: &ApiContext,
    route: &Route,
    method_arn: &str,
) -> Value {
    match kind {
        AuthorizerKind::Token => json!({
            "type": "TOKEN",
            "authorizationToken": request.header_values("authorization").join(","),
            "methodArn": method_arn,
        }),
        AuthorizerKind::Request => {
            // A REQUEST authorizer gets the proxy event's request fields, without the body.
            let mut event = proxy_event::rest_event(request, api, route, None);
            let map = event.as_object_mut().expect("an object");
            map.remove("body");
            map.remove("isBase64Encoded");
            map.insert("type".into(), json!("REQUEST"));
            map.insert("methodArn".into(), json!(method_arn));
            event
        }
        AuthorizerKind::Http => {
            let route_key = route.key();
            let mut event = proxy_event::http_event(request, api, &route_key, None);
            let map = event.as_object_mut().expect("an object");
            map.remove("body");
            map.remove("isBase64Encoded");
            map.insert("type".into(), json!("REQUEST"));
            map.insert("routeArn".into(), json!(method_arn));
            let authorization = request.header_values("authorization").join(",");
            map.insert("identitySource".into(), json!([authorization, route_key]));
            event
        }
        // The built-ins run no function: API Gateway verifies the token itself.
        AuthorizerKind::Cognito | AuthorizerKind::Jwt => Value::Null,
    }
}

/// What the authorizer's answer means for this request.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Proceed; REST `requestContext.authorizer` is `principalId` plus `context`, HTTP API
    /// `requestContext.authorizer.lambda` is `context`.
    Allow {
        /// REST: the answer's `principalId`; HTTP API simple responses have none.
        principal_id: Option<String>,
        /// The authorizer's context, handed to the integration.
        context: Map<String, Value>,
    },
    /// 403; `explicit` when a Deny statement matched (REST says so in its message).
    Deny {
        /// A Deny statement matched (not merely no Allow).
        explicit: bool,
    },
    /// 401.
    Unauthorized,
    /// 500, with the reason for the log.
    Error(String),
}

/// Reads an authorizer invocation's outcome for the request's `method_arn`.
pub fn verdict(
    kind: AuthorizerKind,
    outcome: &Result<Value, InvokeError>,
    method_arn: &str,
) -> Verdict {
    let answer = match outcome {
        Ok(answer) => answer,
        Err(InvokeError::Function { error_message, .. }) if error_message == "Unauthorized" => {
            return Verdict::Unauthorized;
        }
        Err(error) => return Verdict::Error(error.to_string()),
    };
    let context = match answer.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) if map.values().all(is_flat) => map.clone(),
        Some(_) => {
            return Verdict::Error("context values must be strings, numbers or booleans".into());
        }
    };
    let simple = answer
        .get("isAuthorized")
        .filter(|_| kind == AuthorizerKind::Http);
    if let Some(authorized) = simple {
        return match authorized.as_bool() {
            Some(true) => Verdict::Allow {
                principal_id: None,
                context,
            },
            Some(false) => Verdict::Deny { explicit: false },
            None => Verdict::Error("isAuthorized is not a boolean".into()),
        };
    }
    let principal_id = match answer.get("principalId") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ if kind == AuthorizerKind::Http => String::new(),
        _ => return Verdict::Error("no principalId".into()),
    };
    let Some(document) = answer.get("policyDocument") else {
        return Verdict::Error("no policyDocument".into());
    };
    match policy::evaluate(document, method_arn) {
        Ok(Decision::Allow) => Verdict::Allow {
            principal_id: Some(principal_id).filter(|id| !id.is_empty()),
            context,
        },
        Ok(Decision::ExplicitDeny) => Verdict::Deny { explicit: true },
        Ok(Decision::ImplicitDeny) => Verdict::Deny { explicit: false },
        Err(error) => Verdict::Error(error.to_string()),
    }
}

fn is_flat(value: &Value) -> bool {
    matches!(
        value,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

/// Upper bound on cached answers, so a flood of distinct tokens cannot grow memory forever.
const MAX_ENTRIES: usize = 10_000;

/// API Gateway's authorizer result cache: successful answers (the policy, not the decision,
/// so a cached policy is evaluated against each later request's method ARN) keyed by the
/// identity source, for `ttl`. Errors and `Unauthorized` are not cached.
pub struct AuthCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Value)>>,
}

impl AuthCache {
    /// A cache keeping answers for `ttl` (zero: nothing is kept).
    pub fn new(ttl: Duration) -> Self {
        AuthCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The answer cached under `key`, if still fresh.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.get_at(key, Instant::now())
    }

    /// Keeps `answer` under `key` for the TTL.
    pub fn insert(&self, key: String, answer: Value) {
        self.insert_at(key, answer, Instant::now());
    }

    fn get_at(&self, key: &str, now: Instant) -> Option<Value> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(stored, _)| now.duration_since(*stored) < self.ttl)
            .map(|(_, answer)| answer.clone())
    }

    fn insert_at(&self, key: String, answer: Value, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (stored, _)| now.duration_since(*stored) < self.ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (now, answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:local/prod/GET/me";

    fn api() -> ApiContext {
        ApiContext {
            region: "ap-northeast-1".into(),
            account: "123456789012".into(),
            api_id: "local".into(),
            stage: "prod".into(),
        }
    }

    fn allow_all() -> Value {
        json!({"principalId": "sub-1", "context": {"sub": "sub-1", "exp": 1, "ok": true},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": ["execute-api:Invoke"],
            "Effect": "Allow", "Resource": ["arn:aws:execute-api:ap-northeast-1:123456789012:local/prod/*/*"]}]}})
    }

    #[test]
    fn identity_source_needs_the_authorization_header() {
        let bare = IncomingRequest::new("GET", "/me");
        assert_eq!(
            identity_source(AuthorizerKind::Token, &bare, "GET /me"),
            None
        );
        let blank = IncomingRequest::new("GET", "/me").with_header("authorization", " ");
        assert_eq!(
            identity_source(AuthorizerKind::Request, &blank, "GET /me"),
            None
        );
        let with = IncomingRequest::new("GET", "/me").with_header("Authorization", "Bearer t");
        assert_eq!(
            identity_source(AuthorizerKind::Token, &with, "GET /me").unwrap(),
            "Bearer t"
        );
        // The HTTP API caches per route too (identity source $context.routeKey).
        assert_ne!(
            identity_source(AuthorizerKind::Http, &with, "GET /me"),
            identity_source(AuthorizerKind::Http, &with, "GET /admin")
        );
    }

    #[test]
    fn builds_each_authorizer_event() {
        let request = IncomingRequest::new("GET", "/me").with_header("Authorization", "Bearer t");
        let token = authorizer_event(
            AuthorizerKind::Token,
            &request,
            &api(),
            &crate::routes::find("GET", "/me").unwrap(),
            ARN,
        );
        assert_eq!(
            token,
            json!({"type": "TOKEN", "authorizationToken": "Bearer t", "methodArn": ARN})
        );
        let rest = authorizer_event(
            AuthorizerKind::Request,
            &request,
            &api(),
            &crate::routes::find("GET", "/me").unwrap(),
            ARN,
        );
        assert_eq!(
            (rest["type"].as_str(), rest["methodArn"].as_str()),
            (Some("REQUEST"), Some(ARN))
        );
        assert_eq!(rest["headers"]["authorization"], "Bearer t");
        assert!(rest.get("body").is_none());
        let http = authorizer_event(
            AuthorizerKind::Http,
            &request,
            &api(),
            &crate::routes::find("GET", "/me").unwrap(),
            ARN,
        );
        assert_eq!(http["version"], "2.0");
        assert_eq!(http["routeArn"], ARN);
        assert_eq!(http["identitySource"], json!(["Bearer t", "GET /me"]));
        // The authorizer itself recognises all three.
        assert_eq!(
            [&token, &rest, &http].map(|event| authorizer::AuthorizerEvent::read(
                &event.to_string()
            )
            .map(|event| event.kind)),
            [
                Some(authorizer::EventKind::RestToken),
                Some(authorizer::EventKind::RestRequest),
                Some(authorizer::EventKind::HttpV2)
            ]
        );
    }

    #[test]
    fn reads_answers_like_api_gateway() {
        let kind = AuthorizerKind::Token;
        let Verdict::Allow {
            principal_id,
            context,
        } = verdict(kind, &Ok(allow_all()), ARN)
        else {
            panic!("expected Allow");
        };
        assert_eq!(principal_id.as_deref(), Some("sub-1"));
        assert_eq!(context["exp"], 1);
        let other_stage = ARN.replace("/prod/", "/dev/");
        assert_eq!(
            verdict(kind, &Ok(allow_all()), &other_stage),
            Verdict::Deny { explicit: false }
        );
        let unauthorized = InvokeError::Function {
            error_type: "Unauthorized".into(),
            error_message: "Unauthorized".into(),
        };
        assert_eq!(
            verdict(kind, &Err(unauthorized), ARN),
            Verdict::Unauthorized
        );
        let other = InvokeError::Function {
            error_type: "KeysUnavailable".into(),
            error_message: "Signing keys are unavailable".into(),
        };
        assert!(matches!(verdict(kind, &Err(other), ARN), Verdict::Error(_)));
        let mut nested = allow_all();
        nested["context"]["groups"] = json!(["admin"]);
        assert!(matches!(verdict(kind, &Ok(nested), ARN), Verdict::Error(_)));
        let mut anonymous = allow_all();
        anonymous.as_object_mut().unwrap().remove("principalId");
        assert!(matches!(
            verdict(kind, &Ok(anonymous), ARN),
            Verdict::Error(_)
        ));

        let http = AuthorizerKind::Http;
        let simple = json!({"isAuthorized": true, "context": {"sub": "s"}});
        assert!(matches!(
            verdict(http, &Ok(simple), ARN),
            Verdict::Allow {
                principal_id: None,
                ..
            }
        ));
        assert_eq!(
            verdict(http, &Ok(json!({"isAuthorized": false})), ARN),
            Verdict::Deny { explicit: false }
        );
        assert!(matches!(
            verdict(http, &Ok(json!({"isAuthorized": "yes"})), ARN),
            Verdict::Error(_)
        ));
        assert!(matches!(
            verdict(http, &Ok(allow_all()), ARN),
            Verdict::Allow { .. }
        ));
    }

    #[test]
    fn cache_keeps_answers_for_the_ttl_only() {
        let cache = AuthCache::new(Duration::from_secs(300));
        let start = Instant::now();
        cache.insert_at("k".into(), json!(1), start);
        assert_eq!(
            cache.get_at("k", start + Duration::from_secs(299)),
            Some(json!(1))
        );
        assert_eq!(cache.get_at("k", start + Duration::from_secs(300)), None);
        assert_eq!(cache.get_at("other", start), None);

        let off = AuthCache::new(Duration::ZERO);
        off.insert_at("k".into(), json!(1), start);
        assert_eq!(off.get_at("k", start), None);
    }

    #[test]
    fn cache_is_bounded() {
        let cache = AuthCache::new(Duration::from_secs(300));
        let start = Instant::now();
        for i in 0..=MAX_ENTRIES {
            cache.insert_at(format!("k{i}"), json!(i), start);
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
        assert_eq!(
            cache.get_at(&format!("k{MAX_ENTRIES}"), start),
            Some(json!(MAX_ENTRIES))
        );
    }
}
