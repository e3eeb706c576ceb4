//! The Lambda entry point: read the configuration, build the authorizer once (fetching the
//! JWKS best-effort so the first request is fast), then serve events.

use authorizer::AuthorizerConfig;
use authorizer::decision_log::{DecisionLog, Invocation, metrics_namespace_from_lookup};
use lambda_log::{LogSettings, ReturnedErrors};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use oidc_jwt_verifier::ConfigError;
use serde_json::value::RawValue;
use std::io::stdout;

mod init_error;

fn main() -> Result<(), Error> {
    // Configured as the api-handler's (lambda-log). lambda_runtime's ERROR line for a returned
    // error is dropped: the decision line reports every answer, and a 401 is no error.
    let log_settings = LogSettings::from_env();
    lambda_log::init(
        log_settings.clone().unwrap_or_default(),
        ReturnedErrors::ReportedByTheFunction,
    );
    // One invocation at a time: a current-thread runtime starts faster and stays smaller.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve(log_settings))
}

async fn serve(log_settings: Result<LogSettings, ConfigError>) -> Result<(), Error> {
    let built = log_settings
        .map_err(|e| e.to_string())
        .and_then(|settings| {
            let namespace = metrics_namespace_from_lookup(|name| std::env::var(name).ok());
            let log = DecisionLog::new(settings, namespace.map_err(|e| e.to_string())?, stdout());
            let config = AuthorizerConfig::from_env().map_err(|e| e.to_string())?;
            let built = config.build(Some(log));
            built.map_err(|e| format!("cannot build the HTTP client: {e}"))
        });
    let authorizer = match built {
        // Lives as long as the process: every invocation borrows it.
        Ok(authorizer) => &*Box::leak(Box::new(authorizer)),
        Err(message) => {
            tracing::error!(error = %message, "start-up failed");
            init_error::report(&message).await;
            return Err(message.into());
        }
    };
    authorizer.verifier.prefetch_keys().await;

    // The event arrives as raw JSON text: the authorizer reads the few fields it needs straight
    // from it (no JSON tree), and a malformed event is its own documented error.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            let invocation = Invocation {
                request_id: Some(&event.context.request_id),
                trace_id: event.context.xray_trace_id.as_deref(),
            };
            authorizer
                .handle_invocation(event.payload.get(), invocation)
                .await
        },
    ))
    .await
}
