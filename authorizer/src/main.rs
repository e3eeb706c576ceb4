//! The Lambda entry point: read the configuration, build the authorizer once (fetching the
//! JWKS best-effort so the first request is fast), then serve events.

use std::sync::Arc;

use authorizer::lambda_log::{LambdaLogLayer, LogSettings};
use authorizer::{AuthorizerConfig, AuthorizerError};
use cognito_verifier::ConfigError;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use tracing_subscriber::layer::SubscriberExt;

mod init_error;

fn main() -> Result<(), Error> {
    // One line per event, as Lambda's advanced logging controls ask (lambda_log.rs). TRACE is
    // compiled out (the workspace enables tracing's `max_level_debug`): at TRACE,
    // lambda_runtime would log every raw event, the caller's token with it.
    let log_settings = LogSettings::from_lookup(|name| std::env::var(name).ok());
    let layer = LambdaLogLayer::new(log_settings.clone().unwrap_or_default(), std::io::stdout());
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    // One invocation at a time: a current-thread runtime starts faster and stays smaller.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve(log_settings.map(|_| ())))
}

async fn serve(log_settings: Result<(), ConfigError>) -> Result<(), Error> {
    let authorizer = match log_settings
        .and_then(|()| AuthorizerConfig::from_env())
        .map_err(|e| e.to_string())
        .and_then(|config| {
            config
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        }) {
        Ok(authorizer) => Arc::new(authorizer),
        Err(message) => {
            tracing::error!(error = %message, "start-up failed");
            init_error::report(&message).await;
            return Err(message.into());
        }
    };
    authorizer.verifier().prefetch_keys().await;

    // The event arrives as raw JSON text: the authorizer reads the few fields it needs straight
    // from it (no JSON tree), and a malformed event is its own documented error.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let authorizer = Arc::clone(&authorizer);
        async move {
            authorizer
                .handle_json(event.payload.get())
                .await
                .map_err(InvocationError)
        }
    }))
    .await
}

/// Maps the authorizer's errors onto Lambda's error format: the message is what API Gateway
/// matches (`Unauthorized` → 401, anything else → 500).
#[derive(Debug)]
struct InvocationError(AuthorizerError);

impl From<InvocationError> for Diagnostic {
    fn from(error: InvocationError) -> Self {
        Diagnostic {
            error_type: error.0.error_type().to_owned(),
            error_message: error.0.to_string(),
        }
    }
}
