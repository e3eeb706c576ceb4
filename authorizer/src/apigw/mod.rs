//! The API Gateway side: one handler for REST `TOKEN`, REST `REQUEST` and HTTP API payload 2.0
//! authorizer events, detected from the event itself.
//!
//! Answers follow API Gateway's contract: an invalid token fails the invocation with exactly
//! `Unauthorized` (401); a valid one gets a cache-safe policy (or an HTTP API simple response),
//! which denies the whole stage (403) when the token lacks a required scope or group or fails a
//! `REQUIRED_CLAIMS` rule, and denies each route whose `ROUTE_RULES` entry it fails; a token on
//! the revocation list (when one is configured) is `Unauthorized` too; missing keys, an
//! unreadable revocation list (unless `REVOCATION_FAILURE=open`), a malformed event or a
//! deployment that does not match the configuration fail with another message (500), never an
//! Allow.

use std::borrow::Cow;
use std::time::Instant;

use lambda_runtime::Diagnostic;

use crate::decision_log::{Decision, DecisionLog, Invocation};

use oidc_jwt_verifier::{
    Reason, Rejection, Verifier, VerifyError,
    claims::CallerKind,
    revocation::{RevocationCheck, RevocationError, RevocationLookupError, Unrevoked},
    token_from_authorization,
};

mod arn;
mod event;
mod identity_sources;
mod policy;
mod response;
mod route_rules;
mod wildcard;

pub use arn::MethodArn;
pub use event::{AuthorizerEvent, EventKind};
pub use identity_sources::{IdentitySource, IdentitySources};
pub use response::{AuthorizerResponse, IdentityContext, PolicyResponse, SimpleResponse};
pub use route_rules::{RouteRule, RouteRules};
pub use wildcard::wildcard_match;

/// Whether HTTP API answers depend on the route, so that API Gateway must cache them per route
/// (`$context.routeKey` among the identity sources): simple responses with route rules.
pub fn answers_cached_per_route(http_api_response: HttpApiResponse, rules: &RouteRules) -> bool {
    http_api_response == HttpApiResponse::Simple && !rules.is_empty()
}

/// What an HTTP API (payload 2.0) authorizer answers with (`HTTP_API_RESPONSE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpApiResponse {
    /// `{"isAuthorized": bool, "context": {...}}`; needs `$context.routeKey` among the identity
    /// sources when route rules are used (API Gateway caches the answer for every route).
    #[default]
    Simple,
    /// The same IAM policy a REST API gets: safe to cache per token across routes.
    Iam,
}

/// Why an invocation failed. The `Display` form is the Lambda error message API Gateway reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizerError {
    /// The token is missing or invalid: API Gateway answers 401.
    #[error("Unauthorized")]
    Unauthorized {
        /// Why, as a stable reason code and a fixed description.
        rejection: Rejection,
        /// The `sub` of an authentic token that failed a claim check, for the log line.
        sub: Option<String>,
    },
    /// No signing key can be had: API Gateway answers 500 (the caller's token may be fine).
    #[error("Signing keys are unavailable")]
    KeysUnavailable,
    /// The revocation list cannot be read and `REVOCATION_FAILURE` is `closed`: API Gateway
    /// answers 500 (the caller's token may be fine).
    #[error("Revocation list is unavailable")]
    RevocationUnavailable(
        /// Why it could not be read (for the log; never a response body).
        RevocationLookupError,
    ),
    /// The event is not an authorizer event this function understands.
    #[error("Unsupported authorizer event")]
    UnsupportedEvent,
    /// The event's `methodArn`/`routeArn` cannot be parsed into a stage to authorize.
    #[error("Invalid method ARN in authorizer event")]
    InvalidMethodArn,
    /// An HTTP API event whose `identitySource` does not have the shape `IDENTITY_SOURCES`
    /// names: API Gateway would cache the answer under a key that does not determine it
    /// (another caller's token, or another route), so no answer is given.
    #[error(
        "Authorizer misconfigured: the event's identitySource does not match IDENTITY_SOURCES; deploy the authorizer with exactly those identity sources"
    )]
    IdentitySourceMismatch,
}

impl AuthorizerError {
    /// The Lambda error type and the reason code the decision line carries.
    pub fn names(&self) -> (&'static str, &'static str) {
        match self {
            Self::Unauthorized { rejection, .. } => ("Unauthorized", rejection.reason.code()),
            Self::KeysUnavailable => ("KeysUnavailable", "jwks_unavailable"),
            Self::RevocationUnavailable(_) => ("RevocationUnavailable", "revocation_unavailable"),
            Self::UnsupportedEvent => ("UnsupportedEvent", "unsupported_event"),
            Self::InvalidMethodArn => ("InvalidMethodArn", "invalid_method_arn"),
            Self::IdentitySourceMismatch => ("IdentitySourceMismatch", "identity_source_mismatch"),
        }
    }

    /// What the decision line says of a failed invocation.
    fn decision(&self) -> Decision<'_> {
        match self {
            Self::Unauthorized { rejection, sub } => Decision {
                decision: "unauthorized",
                reason: rejection.reason.code(),
                detail: Some(rejection.detail),
                sub: sub.as_deref().map(Cow::Borrowed),
                ..Decision::default()
            },
            error => Decision {
                decision: "error",
                reason: error.names().1,
                error: match error {
                    Self::RevocationUnavailable(cause) => Some(cause.to_string()),
                    _ => None,
                },
                ..Decision::default()
            },
        }
    }
}

/// Lambda's error format: the message is what API Gateway matches (`Unauthorized` → 401,
/// anything else → 500).
impl From<AuthorizerError> for Diagnostic {
    fn from(error: AuthorizerError) -> Self {
        Diagnostic {
            error_type: error.names().0.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The Lambda authorizer: built once per process, shared by every invocation.
pub struct Authorizer {
    /// Verifies tokens and checks the caller's requirements (prefetch its keys at start-up).
    pub verifier: Verifier,
    /// `ROUTE_RULES`.
    pub route_rules: RouteRules,
    /// `HTTP_API_RESPONSE`.
    pub http_api_response: HttpApiResponse,
    /// The identity sources HTTP API events must carry (`IDENTITY_SOURCES`).
    pub identity_sources: IdentitySources,
    /// When set, every valid token is checked against the revocation list
    /// (`REVOCATION_TABLE`).
    pub revocation: Option<RevocationCheck>,
    /// One decision line per invocation goes here (none without one).
    pub decision_log: Option<DecisionLog>,
}

impl Authorizer {
    /// An authorizer whose HTTP API events must carry the identity sources the configuration
    /// would default to (`Authorization`, plus `$context.routeKey` with route rules and simple
    /// responses); set [`Authorizer::identity_sources`] for others.
    pub fn new(
        verifier: Verifier,
        route_rules: RouteRules,
        http_api_response: HttpApiResponse,
    ) -> Self {
        let route_key = answers_cached_per_route(http_api_response, &route_rules);
        Authorizer {
            verifier,
            route_rules,
            http_api_response,
            identity_sources: IdentitySources::authorization(route_key),
            revocation: None,
            decision_log: None,
        }
    }

    /// Handles one authorizer event given as JSON text (what Lambda delivers), reading only the
    /// fields the decision needs, logging one line with the decision.
    pub async fn handle(&self, event: &str) -> Result<AuthorizerResponse, AuthorizerError> {
        self.handle_invocation(event, Invocation::default()).await
    }

    /// [`Authorizer::handle`] for one Lambda invocation, whose request and trace IDs the
    /// decision line carries.
    pub async fn handle_invocation(
        &self,
        event: &str,
        invocation: Invocation<'_>,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        let started = Instant::now();
        let event = AuthorizerEvent::read(event);
        let outcome = match &event {
            Some(event) => self.decide(event).await,
            None => Err(AuthorizerError::UnsupportedEvent),
        };
        let kind = event.map_or("unknown", |event| event.kind.as_str());
        match outcome {
            Ok((response, decision)) => {
                self.log(kind, started, invocation, decision);
                Ok(response)
            }
            Err(error) => {
                self.log(kind, started, invocation, error.decision());
                Err(error)
            }
        }
    }

    /// Writes the decision line of an invocation: the event kind, the outcome, a reason code,
    /// the `sub` when the token is authentic (with `caller`, `user` or `machine`, when its
    /// shape says which), and the time taken. Allow, 401 and 403 at INFO; a 500, and an Allow
    /// without the revocation check (the only other line with an `error`), at ERROR. Never the
    /// token, its signature or a header.
    fn log(
        &self,
        event: &'static str,
        started: Instant,
        invocation: Invocation<'_>,
        decision: Decision<'_>,
    ) {
        let Some(log) = &self.decision_log else {
            return;
        };
        let decision = Decision {
            event,
            latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            ..decision
        };
        log.decision(invocation, decision);
    }

    /// Whether API Gateway caches this answer under exactly the configured identity sources
    /// (HTTP API events; REST events carry no `identitySource`). Value for value, each equal to
    /// what its source says about this request; and a `$context.routeKey` value that a header,
    /// query parameter or cookie of the request also holds (even within a longer value) is
    /// refused, since a deployment using that input instead of the route key could send the
    /// very same event.
    fn identity_source_matches(&self, event: &AuthorizerEvent) -> bool {
        let sources = &self.identity_sources;
        let lookup = |source: &IdentitySource| event.identity_source_value(source);
        let shape_matches = match (event.kind, event.http_api_v1) {
            (EventKind::HttpV2, _) => {
                // Per-route simple answers cached without the route key would let one route's
                // Allow answer every route: refused whatever built this authorizer.
                let per_route = answers_cached_per_route(self.http_api_response, &self.route_rules);
                let values = event.identity_source.iter().map(String::as_str);
                (!per_route || sources.includes_route_key())
                    && sources.match_values(values, false, lookup)
            }
            (EventKind::RestRequest, true) => match event.identity_source.as_slice() {
                [joined] => sources.match_values(joined.split(','), true, lookup),
                _ => false,
            },
            (EventKind::RestToken | EventKind::RestRequest, _) => return true,
        };
        // Containment, not equality: a repeated header or parameter arrives comma-joined, and
        // API Gateway does not document how it spells such a value as an identity source.
        let route_key_spoofable = sources.includes_route_key()
            && event.route_key.as_deref().is_some_and(|route_key| {
                // A query value may spell the route key's space as `+`.
                let holds = |value: &String| {
                    value.contains(route_key) || value.replace('+', " ").contains(route_key)
                };
                event.other_headers.iter().any(|(_, value)| holds(value))
                    || event.query_string.iter().any(|(_, value)| holds(value))
                    || event.cookies.iter().any(holds)
            });
        shape_matches && !route_key_spoofable
    }

    async fn decide(
        &self,
        event: &AuthorizerEvent,
    ) -> Result<(AuthorizerResponse, Decision<'static>), AuthorizerError> {
        // The ARN is checked before the token so a malformed event never yields an Allow,
        // whatever the token.
        let arn = event
            .arn
            .as_deref()
            .and_then(MethodArn::parse)
            .ok_or(AuthorizerError::InvalidMethodArn)?;
        if event.several_authorization_values {
            return Err(unauthorized(
                Reason::Malformed,
                "several Authorization values",
            ));
        }
        let token = event
            .authorization
            .as_deref()
            .and_then(token_from_authorization)
            .ok_or_else(|| unauthorized(Reason::MissingToken, "no token in the event"))?;
        // Before the token is judged: an answer API Gateway would cache under a key that does
        // not determine it must not be given at all (a 500 is not cached).
        if !self.identity_source_matches(event) {
            return Err(AuthorizerError::IdentitySourceMismatch);
        }

        let simple =
            event.kind == EventKind::HttpV2 && self.http_api_response == HttpApiResponse::Simple;
        let claims = match self.verifier.verify(token).await {
            Ok(claims) => claims,
            Err(VerifyError::Rejected { rejection, sub }) => {
                return Err(AuthorizerError::Unauthorized { rejection, sub });
            }
            Err(VerifyError::KeysUnavailable) => return Err(AuthorizerError::KeysUnavailable),
        };
        // `allow` (a REST or IAM policy may still deny some routes: see its statements) or
        // `deny` (403 on this request).
        let granted = |decision, reason, unchecked: Option<&RevocationLookupError>| Decision {
            decision,
            // Loud on purpose: a token was let through without the revocation check.
            reason: unchecked.map_or(reason, |_| "revocation_unchecked"),
            error: unchecked.map(ToString::to_string),
            sub: Some(Cow::Owned(claims.sub.clone())),
            caller: claims.caller.map(CallerKind::as_str),
            ..Decision::default()
        };
        // Only an authentic token is looked up: a forged one costs no table read.
        let revocation = match &self.revocation {
            Some(revocation) => revocation.check(&claims).await,
            None => Ok(Unrevoked::Checked),
        };
        let unchecked = match revocation {
            // A revoked token is 401 whatever else it lacks.
            Err(RevocationError::Revoked(rejection)) => {
                return Err(AuthorizerError::Unauthorized {
                    rejection,
                    sub: Some(claims.sub),
                });
            }
            Ok(Unrevoked::Checked) => Ok(None),
            // REVOCATION_FAILURE=open: allowed, and the decision line says so at ERROR.
            Ok(Unrevoked::FailedOpen(error)) => Ok(Some(error)),
            Err(RevocationError::Unavailable(error)) => Err(error),
        };
        // Lacking a required scope or group, or failing a REQUIRED_CLAIMS rule: 403 on every
        // route, so the answer is as cacheable as an Allow. A list that cannot be read changes
        // nothing here: the answer is a Deny either way.
        if let Err(rejection) = self.verifier.authorize(&claims) {
            let response = if simple {
                AuthorizerResponse::HttpSimple(SimpleResponse {
                    is_authorized: false,
                    context: None,
                })
            } else {
                AuthorizerResponse::Policy(PolicyResponse::deny_stage(&arn, &claims.sub))
            };
            return Ok((response, granted("deny", rejection.reason.code(), None)));
        }
        let unchecked = unchecked.map_err(AuthorizerError::RevocationUnavailable)?;
        if !simple {
            let granted = granted("allow", "valid_token", unchecked.as_ref());
            let policy = PolicyResponse::new(&arn, &self.route_rules, claims);
            return Ok((AuthorizerResponse::Policy(policy), granted));
        }
        // A path no rule could name (`GET//me`) is refused rather than allowed by default.
        let route_key = event.route_key.as_deref();
        let is_authorized = arn.path_is_canonical()
            && policy::simple_request_allowed(&arn, route_key, &self.route_rules, &claims);
        let granted = if is_authorized {
            granted("allow", "valid_token", unchecked.as_ref())
        } else {
            granted("deny", "route_rule", None)
        };
        let response = AuthorizerResponse::HttpSimple(SimpleResponse {
            is_authorized,
            context: Some(IdentityContext::from(claims)),
        });
        Ok((response, granted))
    }
}

fn unauthorized(reason: Reason, detail: &'static str) -> AuthorizerError {
    AuthorizerError::Unauthorized {
        rejection: Rejection::new(reason, detail),
        sub: None,
    }
}

#[cfg(test)]
mod tests;
