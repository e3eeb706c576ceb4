//! One request through API Gateway: route, authorizer (cached), policy, proxy integration.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::authorize::{self, AuthCache, AuthorizerKind, Verdict};
use crate::builtin::{BuiltinAuthorizer, BuiltinVerdict};
use crate::invoke::{Function, Functions};
use crate::proxy_event;
use crate::request::{ApiContext, IncomingRequest};
use crate::routes::{self, RouteLayout};

/// How the gateway is set up (the template's values by default).
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Which authorizer API Gateway is configured with.
    pub kind: AuthorizerKind,
    /// The template's routes, or one catch-all (`/{proxy+}`, `$default`).
    pub routes: RouteLayout,
    /// The template's `CorsAllowOrigin`: preflights answered by the gateway itself, and the
    /// origin on the gateway's own answers (401, 403, 5xx), as the template's `Cors`,
    /// `GatewayResponses` (REST) and `CorsConfiguration` (HTTP API) set them up.
    pub cors_origin: Option<String>,
    /// Authorizer result cache TTL; zero disables the cache.
    pub ttl: Duration,
    /// Region, account, API ID and stage, for ARNs and contexts.
    pub api: ApiContext,
}

/// Whether the authorizer's answer was needed, and where it came from (for the log line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthTrace {
    /// Public route, unknown route, or no identity source (401 before any invocation).
    NotNeeded,
    /// Answered from the authorizer result cache.
    Cached,
    /// The authorizer was invoked.
    Invoked,
}

impl AuthTrace {
    /// The name in the gateway's log line.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthTrace::NotNeeded => "-",
            AuthTrace::Cached => "cached",
            AuthTrace::Invoked => "invoked",
        }
    }
}

/// The HTTP answer.
#[derive(Clone, Debug)]
pub struct GatewayResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Whether and how the authorizer was consulted.
    pub auth: AuthTrace,
}

impl GatewayResponse {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The local API Gateway. Shared by all connections.
pub struct Gateway {
    config: GatewayConfig,
    functions: Functions,
    builtin: Option<BuiltinAuthorizer>,
    cache: AuthCache,
    authorizer_invocations: AtomicU64,
    api_invocations: AtomicU64,
}

impl Gateway {
    /// A gateway set up by `config` in front of `functions`.
    pub fn new(config: GatewayConfig, functions: Functions) -> Self {
        Gateway {
            cache: AuthCache::new(config.ttl),
            config,
            functions,
            builtin: None,
            authorizer_invocations: AtomicU64::new(0),
            api_invocations: AtomicU64::new(0),
        }
    }

    /// The same gateway with API Gateway's built-in authorizer `builtin`, for
    /// [`crate::authorize::AuthorizerKind::Cognito`] and
    /// [`crate::authorize::AuthorizerKind::Jwt`] (without one, those kinds answer 500).
    pub fn with_builtin(mut self, builtin: BuiltinAuthorizer) -> Self {
        self.builtin = Some(builtin);
        self
    }

    /// How the gateway is set up.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// How many times the authorizer function has been invoked (tests check the cache with it).
    pub fn authorizer_invocations(&self) -> u64 {
        self.authorizer_invocations.load(Ordering::SeqCst)
    }

    /// How many times the api-handler has been invoked.
    pub fn api_invocations(&self) -> u64 {
        self.api_invocations.load(Ordering::SeqCst)
    }

    fn http_api(&self) -> bool {
        self.config.kind.is_http_api()
    }

    /// Answers one request as API Gateway would.
    pub async fn handle(&self, request: IncomingRequest) -> GatewayResponse {
        let Answer {
            mut response,
            from_backend,
        } = self.route(request).await;
        if let Some(origin) = &self.config.cors_origin {
            // REST: the gateway responses carry the origin, the integration's answer is the
            // backend's own. HTTP API: API Gateway sets the CORS headers on every answer.
            if self.http_api() || !from_backend {
                response
                    .headers
                    .retain(|(name, _)| name != "access-control-allow-origin");
                response
                    .headers
                    .push(("access-control-allow-origin".into(), origin.clone()));
            }
        }
        response
    }

    /// A CORS preflight, answered without the authorizer or the backend: REST through the
    /// template's `OPTIONS` mock integration on each path (200), HTTP API by its
    /// `CorsConfiguration` (204).
    fn preflight(&self, request: &IncomingRequest) -> Option<GatewayResponse> {
        self.config.cors_origin.as_ref()?;
        if request.method != "OPTIONS" {
            return None;
        }
        let known_path = self.http_api()
            || ["GET", "POST"].iter().any(|method| {
                routes::route_for(self.config.routes, false, method, &request.path).is_some()
            });
        known_path.then(|| GatewayResponse {
            status: if self.http_api() { 204 } else { 200 },
            headers: vec![
                // The template's AllowMethods, on both APIs.
                (
                    "access-control-allow-methods".into(),
                    "GET,POST,OPTIONS".into(),
                ),
                (
                    "access-control-allow-headers".into(),
                    "authorization,content-type".into(),
                ),
                ("access-control-max-age".into(), "600".into()),
            ],
            body: Vec::new(),
            auth: AuthTrace::NotNeeded,
        })
    }

    async fn route(&self, request: IncomingRequest) -> Answer {
        if let Some(preflight) = self.preflight(&request) {
            return preflight.into();
        }
        let Some(route) = routes::route_for(
            self.config.routes,
            self.http_api(),
            &request.method,
            &request.path,
        ) else {
            return self.no_route().into();
        };
        let route = &route;
        let method_arn = self.config.api.method_arn(&request.method, &request.path);
        let mut auth = AuthTrace::NotNeeded;
        let mut identity = None;
        if route.protected && self.config.kind.builtin().is_some() {
            return match self.builtin_authorize(&request).await {
                Ok(authorizer) => {
                    self.integrate(&request, route, Some(Caller::Builtin(authorizer)), auth)
                        .await
                }
                Err(answer) => answer.into(),
            };
        }
        if route.protected {
            let Some(key) = authorize::identity_source(self.config.kind, &request, &route.key())
            else {
                return self.unauthorized(auth).into();
            };
            let outcome = match self.cache.get(&key) {
                Some(answer) => {
                    auth = AuthTrace::Cached;
                    Ok(answer)
                }
                None => {
                    auth = AuthTrace::Invoked;
                    let event = authorize::authorizer_event(
                        self.config.kind,
                        &request,
                        &self.config.api,
                        route,
                        &method_arn,
                    );
                    self.authorizer_invocations.fetch_add(1, Ordering::SeqCst);
                    self.functions.invoke(Function::Authorizer, &event).await
                }
            };
            let verdict = authorize::verdict(self.config.kind, &outcome, &method_arn);
            // Policies are cached (Allow or Deny: each later request is evaluated against
            // them); failed invocations and malformed answers are not.
            if let (AuthTrace::Invoked, Ok(answer), Verdict::Allow { .. } | Verdict::Deny { .. }) =
                (auth, &outcome, &verdict)
            {
                self.cache.insert(key, answer.clone());
            }
            match verdict {
                Verdict::Allow {
                    principal_id,
                    context,
                } => {
                    identity = Some(Caller::Lambda {
                        principal_id,
                        context,
                    })
                }
                Verdict::Deny { explicit } => return self.forbidden(explicit, auth).into(),
                Verdict::Unauthorized => return self.unauthorized(auth).into(),
                Verdict::Error(reason) => {
                    tracing::warn!(reason = %reason, "authorizer failed");
                    return self.authorizer_error(auth).into();
                }
            }
        }
        self.integrate(&request, route, identity, auth).await
    }

    /// API Gateway's built-in authorizer on a protected route: the proxy event's
    /// `requestContext.authorizer`, or the gateway's answer. No result cache: every request
    /// is verified (see [`crate::builtin`]).
    async fn builtin_authorize(&self, request: &IncomingRequest) -> Result<Value, GatewayResponse> {
        let auth = AuthTrace::NotNeeded;
        let Some(builtin) = &self.builtin else {
            tracing::warn!("no built-in authorizer configured for this kind");
            return Err(self.authorizer_error(auth));
        };
        // The identity source: a missing or blank header is refused before any check.
        let values = request.header_values("authorization");
        if values.iter().all(|v| v.trim().is_empty()) {
            return Err(self.unauthorized(auth));
        }
        match builtin.authorize(&values.join(",")).await {
            BuiltinVerdict::Allow { authorizer } => Ok(authorizer),
            BuiltinVerdict::Unauthorized {
                message,
                reason,
                www_authenticate,
            } => {
                tracing::info!(reason, "built-in authorizer refused the token");
                let body = json!({ "message": message });
                Err(match www_authenticate {
                    None => error(401, body, Some("UnauthorizedException"), auth),
                    // The HTTP API's JWT authorizer: its documented answer carries this header
                    // and none of REST's (see crate::builtin::jwt_http).
                    Some(challenge) => GatewayResponse {
                        status: 401,
                        headers: vec![("www-authenticate".to_owned(), challenge.to_owned())],
                        body: body.to_string().into_bytes(),
                        auth,
                    },
                })
            }
            BuiltinVerdict::Forbidden => {
                tracing::info!("built-in authorizer: none of the route's scopes");
                Err(error(403, json!({"message": "Forbidden"}), None, auth))
            }
        }
    }

    /// The Lambda proxy integration.
    async fn integrate(
        &self,
        request: &IncomingRequest,
        route: &routes::Route,
        caller: Option<Caller>,
        auth: AuthTrace,
    ) -> Answer {
        let mut event = match (self.http_api(), &caller) {
            (true, Some(Caller::Lambda { context, .. })) => proxy_event::http_event(
                request,
                &self.config.api,
                &route.key(),
                Some(context.clone()),
            ),
            (true, _) => proxy_event::http_event(request, &self.config.api, &route.key(), None),
            (
                false,
                Some(Caller::Lambda {
                    principal_id,
                    context,
                }),
            ) => {
                let mut authorizer = context.clone();
                authorizer.insert("principalId".into(), json!(principal_id));
                authorizer.insert("integrationLatency".into(), json!(0));
                proxy_event::rest_event(request, &self.config.api, route, Some(authorizer))
            }
            (false, _) => proxy_event::rest_event(request, &self.config.api, route, None),
        };
        if let Some(Caller::Builtin(authorizer)) = caller {
            event["requestContext"]["authorizer"] = authorizer;
        }
        self.api_invocations.fetch_add(1, Ordering::SeqCst);
        let answer = self.functions.invoke(Function::Api, &event).await;
        let parsed = match &answer {
            Ok(answer) => {
                proxy_event::parse_response(answer, self.http_api()).map_err(str::to_owned)
            }
            Err(error) => Err(error.to_string()),
        };
        match parsed {
            Ok(response) => Answer {
                response: GatewayResponse {
                    status: response.status,
                    headers: response.headers,
                    body: response.body,
                    auth,
                },
                from_backend: true,
            },
            Err(reason) => {
                tracing::warn!(reason = %reason, "integration failed");
                let message = if self.http_api() {
                    "Internal Server Error"
                } else {
                    "Internal server error"
                };
                error(502, json!({ "message": message }), None, auth).into()
            }
        }
    }

    fn no_route(&self) -> GatewayResponse {
        let auth = AuthTrace::NotNeeded;
        if self.http_api() {
            error(404, json!({"message": "Not Found"}), None, auth)
        } else {
            // A REST API answers unknown resources and methods this way.
            error(
                403,
                json!({"message": "Missing Authentication Token"}),
                Some("MissingAuthenticationTokenException"),
                auth,
            )
        }
    }

    fn unauthorized(&self, auth: AuthTrace) -> GatewayResponse {
        error(
            401,
            json!({"message": "Unauthorized"}),
            Some("UnauthorizedException"),
            auth,
        )
    }

    /// The 403 answer. REST bodies follow the template's `ACCESS_DENIED` gateway response, whose template
    /// is `{"message":$context.error.messageString}`, with API Gateway's messages for an
    /// explicit Deny and for a policy that allows nothing for the request (knowledge center,
    /// "api-gateway-403-error-lambda-authorizer"); HTTP API simple responses answer `Forbidden`.
    fn forbidden(&self, explicit: bool, auth: AuthTrace) -> GatewayResponse {
        if self.http_api() {
            return error(403, json!({"message": "Forbidden"}), None, auth);
        }
        let message = if explicit {
            "User is not authorized to access this resource with an explicit deny"
        } else {
            "User is not authorized to access this resource"
        };
        error(
            403,
            json!({ "message": message }),
            Some("AccessDeniedException"),
            auth,
        )
    }

    fn authorizer_error(&self, auth: AuthTrace) -> GatewayResponse {
        if self.http_api() {
            error(500, json!({"message": "Internal Server Error"}), None, auth)
        } else {
            // What a REST API sends when its authorizer fails: a null message.
            error(
                500,
                json!({"message": null}),
                Some("AuthorizerConfigurationException"),
                auth,
            )
        }
    }
}

/// Who the authorizer let through, as the integration's event carries it.
enum Caller {
    /// Our Lambda authorizer: REST `principalId` plus its context; HTTP API `lambda`.
    Lambda {
        principal_id: Option<String>,
        context: Map<String, Value>,
    },
    /// A built-in authorizer: the whole `requestContext.authorizer` object.
    Builtin(Value),
}

/// A response, and whether it is the backend's own answer (a proxy integration's) rather than
/// one API Gateway made: REST adds CORS headers only to its own.
struct Answer {
    response: GatewayResponse,
    from_backend: bool,
}

impl From<GatewayResponse> for Answer {
    fn from(response: GatewayResponse) -> Self {
        Answer {
            response,
            from_backend: false,
        }
    }
}

fn error(status: u16, body: Value, error_type: Option<&str>, auth: AuthTrace) -> GatewayResponse {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(error_type) = error_type {
        headers.push(("x-amzn-errortype".to_owned(), error_type.to_owned()));
    }
    GatewayResponse {
        status,
        headers,
        body: body.to_string().into_bytes(),
        auth,
    }
}
