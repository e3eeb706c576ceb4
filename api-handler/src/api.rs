//! The API: built once from configuration, then answers raw API Gateway events.

use std::sync::Arc;

use aws_lambda_events::http::header::ALLOW;
use aws_lambda_events::http::{HeaderValue, Method, StatusCode};
use serde_json::Value;

use crate::config::{ConfigError, Settings};
use crate::cors;
use crate::identity::Identity;
use crate::payload;
use crate::payload::ApiError;
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::router::{self, Access, Route, RouteMatch};
use crate::routes;
use crate::sign_out::SignOut;

/// Route label logged for requests that matched no route.
const UNMATCHED_ROUTE: &str = "-";

/// The API behind the authorizer. Build it once (cold start) and share it across invocations.
#[derive(Debug)]
pub struct Api {
    settings: Settings,
    routes: Vec<Route>,
}

impl Api {
    /// Reads the settings from the environment (see [`Settings::from_lookup`]); the error names
    /// the offending variable. Fails too when `/logout` is configured but cannot work.
    pub fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sign_out = SignOut::new(settings.sign_out.as_ref());
        if let SignOut::Unavailable(why) = &sign_out {
            return Err(ConfigError::new("AWS_REGION", format!("sign-out: {why}")));
        }
        let routes = routes::route_table(Arc::new(sign_out));
        Ok(Self { settings, routes })
    }

    /// The API with our route table and explicit settings.
    pub fn new(settings: Settings) -> Self {
        let sign_out = SignOut::new(settings.sign_out.as_ref());
        let routes = routes::route_table(Arc::new(sign_out));
        Self { settings, routes }
    }

    /// Answers one API Gateway event (REST 1.0 or HTTP API 2.0) with the matching response
    /// JSON. Errors only for events that are not API Gateway proxy events at all.
    pub async fn handle(&self, event: Value) -> Result<Value, ApiError> {
        let (version, caller, request) = payload::decode(event)?;
        let method = request.method.clone();
        let (mut response, route, sub) = match caller {
            Ok(caller) => {
                let sub = caller.as_ref().map(|caller| caller.sub.clone());
                let (response, route) = self.route(caller, request).await;
                (response, route, sub)
            }
            Err(error) => {
                // A deployment problem (an authorizer of another version or kind in front of
                // this API), not the caller's: no guess at who they are.
                tracing::error!(reason = %error, "authorizer context cannot be read");
                let response =
                    ApiResponse::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
                (response, UNMATCHED_ROUTE.to_owned(), None)
            }
        };
        // Every answer carries the CORS headers when CORS is on.
        if let Some(allow_origin) = &self.settings.cors_allow_origin {
            cors::decorate(allow_origin, &mut response);
        }
        // The one log line per request: no tokens, headers or bodies.
        tracing::info!(
            method = %method,
            route = %route,
            status = response.status.as_u16(),
            sub = sub.as_deref().unwrap_or("-"),
            "request"
        );
        payload::encode(version, response)
    }

    /// The response and the route label to log.
    async fn route(
        &self,
        caller: Option<Identity>,
        mut request: ApiRequest,
    ) -> (ApiResponse, String) {
        match router::find(&self.routes, &request.method, &request.route) {
            RouteMatch::Found {
                route,
                path_parameters,
            } => {
                for (name, value) in path_parameters {
                    request.path_parameters.entry(name).or_insert(value);
                }
                let label = format!("{} {}", route.method, route.template);
                // An anonymous caller of a protected route is answered 401 by the route itself
                // (see [`Route::authenticated`]), before its handler could run.
                let forbidden = route.access == Access::AdminGroup
                    && caller
                        .as_ref()
                        .is_some_and(|identity| !identity.is_in_group(&self.settings.admin_group));
                let response = if forbidden {
                    ApiResponse::error(StatusCode::FORBIDDEN, "Forbidden")
                } else {
                    (route.handler)(caller, request).await
                };
                (response, label)
            }
            RouteMatch::MethodNotAllowed { template, allowed } => (
                self.other_method(&request.method, allowed),
                template.to_owned(),
            ),
            RouteMatch::NotFound => (
                ApiResponse::error(StatusCode::NOT_FOUND, "Not Found"),
                UNMATCHED_ROUTE.to_owned(),
            ),
        }
    }

    /// A known path with another method: a CORS preflight (204) or 405 with `Allow`.
    fn other_method(&self, method: &Method, mut allowed: Vec<Method>) -> ApiResponse {
        let cors = self.settings.cors_allow_origin.is_some();
        if cors {
            allowed.push(Method::OPTIONS);
        }
        if cors && method == Method::OPTIONS {
            return cors::preflight(&allowed);
        }
        let mut response = ApiResponse::error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        if let Ok(allow) = HeaderValue::from_str(&cors::method_list(&allowed)) {
            response.headers.insert(ALLOW, allow);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API keeps the settings it was given, not the defaults.
    #[test]
    fn settings_are_the_ones_the_api_was_built_with() {
        let settings = Settings::default()
            .with_admin_group("operators")
            .unwrap()
            .with_cors_allow_origin("https://app.example.com")
            .unwrap();
        assert_ne!(settings, Settings::default());
        assert_eq!(Api::new(settings.clone()).settings, settings);
    }
}
