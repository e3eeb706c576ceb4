//! Invoking the two functions, in-process or through the Lambda Invoke API.
//!
//! Either way a function gets the event as JSON bytes and answers JSON bytes, as it does on
//! Lambda: the in-process path serializes and parses both ways instead of passing structs, so
//! the gateway exercises exactly the JSON contract API Gateway relies on.

use std::sync::Arc;
use std::time::Duration;

use api_handler::Api;
use authorizer::Authorizer;
use serde_json::Value;

/// Which of the two functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// The authorizer function.
    Authorizer,
    /// The api-handler function.
    Api,
}

/// Why an invocation gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function failed: Lambda's `{"errorType", "errorMessage"}`. API Gateway reads the
    /// message (an authorizer's `Unauthorized` means 401).
    #[error("function error {error_type}: {error_message}")]
    Function {
        /// The function's `errorType`.
        error_type: String,
        /// The function's `errorMessage` (`Unauthorized` is a 401).
        error_message: String,
    },
    /// The function could not be reached or answered something that is not JSON.
    #[error("invoke failed: {0}")]
    Transport(String),
}

/// Where the functions run.
#[derive(Clone)]
pub enum Functions {
    /// Both functions as libraries in this process.
    InProcess {
        /// The authorizer.
        authorizer: Arc<Authorizer>,
        /// The api-handler.
        api: Arc<Api>,
    },
    /// Both functions behind a Lambda Invoke API (e.g. `cargo lambda watch`).
    Lambda(LambdaClient),
}

impl Functions {
    /// Invokes `function` with `event`: its answer, or the error it failed with.
    pub async fn invoke(&self, function: Function, event: &Value) -> Result<Value, InvokeError> {
        match self {
            Functions::InProcess { authorizer, api } => {
                let event = round_trip(event)?;
                let answer = match function {
                    Function::Authorizer => authorizer
                        .handle(&event.to_string())
                        .await
                        .map(|response| response.to_json())
                        .map_err(|error| InvokeError::Function {
                            error_type: error.names().0.to_owned(),
                            error_message: error.to_string(),
                        })?,
                    Function::Api => {
                        api.handle(event)
                            .await
                            .map_err(|error| InvokeError::Function {
                                error_type: "ApiError".to_owned(),
                                error_message: error.to_string(),
                            })?
                    }
                };
                round_trip(&answer)
            }
            Functions::Lambda(client) => client.invoke(function, event).await,
        }
    }
}

/// JSON to bytes and back, as across the Lambda boundary.
fn round_trip(value: &Value) -> Result<Value, InvokeError> {
    let bytes = serde_json::to_vec(value).map_err(|e| InvokeError::Transport(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| InvokeError::Transport(e.to_string()))
}

/// A client of the Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`), as
/// served by `cargo lambda watch` or any Lambda emulator on loopback. Requests are unsigned:
/// emulators do not check SigV4.
#[derive(Clone)]
pub struct LambdaClient {
    http: reqwest::Client,
    endpoint: String,
    authorizer_function: String,
    api_function: String,
}

impl LambdaClient {
    /// A client of the Invoke API at `endpoint` for the two named functions.
    pub fn new(
        endpoint: &str,
        authorizer_function: &str,
        api_function: &str,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        Ok(LambdaClient {
            http: reqwest::Client::builder().timeout(timeout).build()?,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            authorizer_function: authorizer_function.to_owned(),
            api_function: api_function.to_owned(),
        })
    }

    /// The Invoke API URL of `function`.
    pub fn url(&self, function: Function) -> String {
        let name = match function {
            Function::Authorizer => &self.authorizer_function,
            Function::Api => &self.api_function,
        };
        format!("{}/2015-03-31/functions/{name}/invocations", self.endpoint)
    }

    async fn invoke(&self, function: Function, event: &Value) -> Result<Value, InvokeError> {
        let transport = |e: reqwest::Error| InvokeError::Transport(e.without_url().to_string());
        let body = serde_json::to_vec(event).map_err(|e| InvokeError::Transport(e.to_string()))?;
        let response = self
            .http
            .post(self.url(function))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let bytes = response.bytes().await.map_err(transport)?;
        let answer: Value = serde_json::from_slice(&bytes).map_err(|_| {
            InvokeError::Transport(format!("HTTP {status}: the answer is not JSON"))
        })?;
        if function_error || !status.is_success() {
            return Err(function_error_from(status, &answer));
        }
        Ok(answer)
    }
}

/// Reads Lambda's error document: AWS answers 200 with `X-Amz-Function-Error`, `cargo lambda
/// watch` answers 500 with the same body. A non-2xx without one (e.g. the function does not
/// exist) is a transport error.
fn function_error_from(status: reqwest::StatusCode, answer: &Value) -> InvokeError {
    let text = |key: &str| answer.get(key).and_then(Value::as_str).map(str::to_owned);
    match (text("errorType"), text("errorMessage")) {
        (error_type, Some(error_message)) => InvokeError::Function {
            error_type: error_type.unwrap_or_default(),
            error_message,
        },
        _ => InvokeError::Transport(format!("HTTP {status} without a Lambda error document")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_lambda_error_documents() {
        let error = function_error_from(
            reqwest::StatusCode::OK,
            &json!({"errorType": "Unauthorized", "errorMessage": "Unauthorized"}),
        );
        assert_eq!(
            error,
            InvokeError::Function {
                error_type: "Unauthorized".into(),
                error_message: "Unauthorized".into()
            }
        );
        assert!(matches!(
            function_error_from(
                reqwest::StatusCode::NOT_FOUND,
                &json!({"message": "no such function"})
            ),
            InvokeError::Transport(_)
        ));
    }

    #[test]
    fn invoke_urls_name_the_function() {
        let client = LambdaClient::new(
            "http://127.0.0.1:9000/",
            "auth",
            "api",
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            client.url(Function::Authorizer),
            "http://127.0.0.1:9000/2015-03-31/functions/auth/invocations"
        );
        assert_eq!(
            client.url(Function::Api),
            "http://127.0.0.1:9000/2015-03-31/functions/api/invocations"
        );
    }
}
