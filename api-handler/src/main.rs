//! Lambda entry point: everything else lives in the library, so that it can be tested and
//! called in-process without the Lambda runtime.

use api_handler::Api;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

// Lambda sends one invocation at a time to an instance: a single-threaded runtime suffices.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
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
