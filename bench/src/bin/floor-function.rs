//! The floor for the authorizer's CPU per invocation: a lambda_runtime function that does
//! nothing, with the authorizer's runtime settings (current-thread tokio runtime, the event
//! taken as raw JSON text) and no logging. Used by perf-cpu; never deployed.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

fn main() -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(lambda_runtime::run(service_fn(
            |_event: LambdaEvent<Box<RawValue>>| async { Ok::<_, Error>(serde_json::json!({})) },
        )))
}
