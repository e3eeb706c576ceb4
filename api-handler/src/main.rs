//! Lambda entry point: everything else lives in the library, so that it can be tested and
//! called in-process without the Lambda runtime.

use api_handler::Api;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

// Lambda sends one invocation at a time to an instance: a single-threaded runtime suffices.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Configured as the authorizer's (lambda-log); this function's returned errors are real
    // failures, which lambda_runtime logs at ERROR.
    let log_settings = lambda_log::LogSettings::from_env();
    lambda_log::init(
        log_settings.clone().unwrap_or_default(),
        lambda_log::ReturnedErrors::Logged,
    );
    log_settings?;
    // Configuration errors stop the cold start with a message naming the variable.
    let api = Api::from_env()?;
    let api = &api;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Only the (redacted) message goes to the runtime, which logs errors with `Debug`:
        // the `Debug` of a serde error would quote event values.
        api.handle(event.payload)
            .await
            .map_err(|error| Error::from(error.to_string()))
    }))
    .await
}
