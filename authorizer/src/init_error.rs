//! Reports a start-up failure through the Lambda Runtime API's init error endpoint, so the
//! console and logs show the configuration message instead of a bare "Runtime exited".
//! lambda_runtime reports init errors only for its SnapStart hooks, hence this small client.

use std::time::Duration;

/// Posts `message` to `/runtime/init/error`. Best-effort: outside Lambda (no
/// `AWS_LAMBDA_RUNTIME_API`) or if the post fails, the caller's exit still reports the error.
pub async fn report(message: &str) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let body = serde_json::json!({ "errorType": "Runtime.InitError", "errorMessage": message });
    // The project's one client set-up (the Runtime API is plain HTTP: no root is used).
    let builder = oidc_jwt_verifier::TlsRoots::builtin().client_builder();
    let Ok(client) = builder.timeout(Duration::from_secs(2)).build() else {
        return;
    };
    let result = client
        .post(format!("http://{api}/2018-06-01/runtime/init/error"))
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not report the init error to the Runtime API");
    }
}
