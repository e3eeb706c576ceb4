//! What scripts/e2e.sh started, as it passes it on: `E2E_*` variables naming moto's endpoint,
//! the guide's pool and client, the tokens of its users, and `cargo lambda watch`'s address.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use local_gateway::invoke::{Functions, LambdaClient};
use serde_json::{Value, json};

/// The value of an `E2E_*` variable; a missing or empty one fails the test, naming it.
pub fn env(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!("{name} is not set: run the end-to-end tests through scripts/e2e.sh")
        })
}

/// A JWT's payload, decoded without verification (the tests compare claims they know).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON claims")
}

/// The token with `cognito:groups` rewritten to admin, the signature kept.
pub fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = claims(token);
    claims["cognito:groups"] = json!(["admin"]);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    parts.join(".")
}

/// The functions under `cargo lambda watch` (E2E_LAMBDA_ENDPOINT), through the Lambda Invoke
/// API. The first invocation of each may wait for its build and start.
pub fn functions_under_cargo_lambda_watch() -> Functions {
    let client = LambdaClient::new(
        &env("E2E_LAMBDA_ENDPOINT"),
        "authorizer",
        "api-handler",
        Duration::from_secs(120),
    )
    .expect("an HTTP client");
    Functions::Lambda(client)
}

/// A binary of the workspace's debug build (`target/debug/NAME`), which scripts/e2e.sh builds
/// before the tests run: Cargo builds only this package's own binaries for its tests.
pub fn workspace_binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary's path");
    // target/debug/deps/e2e-<hash> -> target/debug/NAME
    let path = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run the end-to-end tests through scripts/e2e.sh, which builds it",
        path.display()
    );
    path
}
