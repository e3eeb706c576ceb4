//! Wiring the gateway from options and environment variables, with template.yaml's values
//! where the environment is silent.

use std::ffi::OsString;
use std::sync::Arc;

use api_handler::{Api, Settings};
use authorizer::AuthorizerConfig;
use authorizer::decision_log::{DecisionLog, LogSettings};

use crate::builtin::{BuiltinAuthorizer, BuiltinConfig};
use crate::cli::Options;
use crate::gateway::GatewayConfig;
use crate::invoke::{Functions, LambdaClient};
use crate::request::ApiContext;

/// The template's environment for the authorizer function, used when a variable is unset.
pub const TEMPLATE_DEFAULTS: [(&str, &str); 4] = [
    ("ROUTE_RULES", r#"{"GET /admin": {"groups": ["admin"]}}"#),
    ("TOKEN_USE", "any"),
    ("HTTP_API_RESPONSE", "simple"),
    // The HTTP API's identity sources in the template, which this gateway sends too.
    (
        "IDENTITY_SOURCES",
        "$request.header.Authorization,$context.routeKey",
    ),
];

/// Account and API ID in method ARNs: fixed placeholders, as nothing is deployed.
pub const ACCOUNT: &str = "123456789012";
/// The API ID in method ARNs.
pub const API_ID: &str = "local";

/// `lookup`, falling back to [`TEMPLATE_DEFAULTS`].
pub fn with_template_defaults(
    lookup: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name).filter(|v| !v.trim().is_empty()).or_else(|| {
            TEMPLATE_DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }
}

/// Both functions in this process, configured through `lookup` as they would be through
/// their environment on Lambda. Fetches the JWKS once (best effort) like the authorizer's
/// cold start.
pub async fn in_process(
    lookup: impl Fn(&str) -> Option<String> + Clone,
) -> Result<Functions, String> {
    let config = AuthorizerConfig::from_lookup(with_template_defaults(lookup.clone()))
        .map_err(|e| e.to_string())?;
    // The decision lines on stdout, in text format (no metrics), as a developer reads them.
    let log = DecisionLog::new(LogSettings::default(), None, std::io::stdout());
    let authorizer = config
        .build(Some(log))
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    authorizer.verifier.prefetch_keys().await;
    let settings = Settings::from_lookup(|name| lookup(name).map(OsString::from))
        .map_err(|e| e.to_string())?;
    Ok(Functions::InProcess {
        authorizer: Arc::new(authorizer),
        api: Arc::new(Api::new(settings)),
    })
}

/// The functions as the options say: in-process, or behind `--lambda-endpoint`.
pub async fn functions(
    options: &Options,
    lookup: impl Fn(&str) -> Option<String> + Clone,
) -> Result<Functions, String> {
    match &options.lambda_endpoint {
        None => in_process(with_cache_ttl(options, lookup)?).await,
        Some(endpoint) => LambdaClient::new(
            endpoint,
            &options.authorizer_function,
            &options.api_function,
            options.lambda_timeout,
        )
        .map(Functions::Lambda)
        .map_err(|e| format!("cannot build the HTTP client: {e}")),
    }
}

/// The variable that tells the authorizer the result cache TTL (see the authorizer's
/// freshness rules).
pub const AUTHORIZER_CACHE_TTL_SECONDS: &str = "AUTHORIZER_CACHE_TTL_SECONDS";

/// `lookup` with `AUTHORIZER_CACHE_TTL_SECONDS` set to `--ttl`: this gateway is the cache, so
/// the in-process authorizer learns its TTL from it, as the template wires `AuthorizerCacheTtl`.
/// A different value in the environment is refused rather than silently replaced.
pub fn with_cache_ttl(
    options: &Options,
    lookup: impl Fn(&str) -> Option<String> + Clone,
) -> Result<impl Fn(&str) -> Option<String> + Clone, String> {
    let ttl = options.ttl.as_secs().to_string();
    if let Some(set) = lookup(AUTHORIZER_CACHE_TTL_SECONDS).filter(|v| !v.trim().is_empty())
        && set.trim() != ttl
    {
        return Err(format!(
            "{AUTHORIZER_CACHE_TTL_SECONDS}={set:?} disagrees with --ttl {ttl}: the authorizer \
             must judge freshness rules for the cache this gateway keeps (unset it, or give \
             --ttl {set})"
        ));
    }
    Ok(move |name: &str| {
        if name == AUTHORIZER_CACHE_TTL_SECONDS {
            Some(ttl.clone())
        } else {
            lookup(name)
        }
    })
}

/// API Gateway's built-in authorizer, when `--authorizer` names one (cognito, jwt), with its
/// keys fetched once (best effort) as a warm gateway would have them.
pub async fn builtin_authorizer(
    options: &Options,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<BuiltinAuthorizer>, String> {
    let Some(kind) = options.authorizer.builtin() else {
        return Ok(None);
    };
    let config = BuiltinConfig::from_lookup(kind, options.scopes.clone(), lookup)?;
    let authorizer = BuiltinAuthorizer::with_http(config)?;
    authorizer.prefetch_keys().await;
    Ok(Some(authorizer))
}

/// The gateway's own settings. The region of the ARNs is the user pool's (any would do: the
/// authorizer's policy is built from the ARN it is sent).
pub fn gateway_config(options: &Options, lookup: impl Fn(&str) -> Option<String>) -> GatewayConfig {
    let region = lookup("USER_POOL_ID")
        .and_then(|id| id.split_once('_').map(|(region, _)| region.to_owned()))
        .or_else(|| lookup("AWS_REGION"))
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or_else(|| "us-east-1".to_owned());
    GatewayConfig {
        kind: options.authorizer,
        routes: options.routes,
        // The same variable configures the api-handler's own CORS headers, as in the template.
        cors_origin: lookup("CORS_ALLOW_ORIGIN").filter(|origin| !origin.trim().is_empty()),
        ttl: options.ttl,
        api: ApiContext {
            region,
            account: ACCOUNT.to_owned(),
            api_id: API_ID.to_owned(),
            stage: options.stage.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_defaults_fill_unset_variables_only() {
        let lookup = with_template_defaults(|name| match name {
            "TOKEN_USE" => Some("id".to_owned()),
            "HTTP_API_RESPONSE" => Some(" ".to_owned()),
            _ => None,
        });
        assert_eq!(lookup("TOKEN_USE").as_deref(), Some("id"));
        assert_eq!(lookup("HTTP_API_RESPONSE").as_deref(), Some("simple"));
        assert_eq!(
            lookup("ROUTE_RULES").as_deref(),
            Some(TEMPLATE_DEFAULTS[0].1)
        );
        assert_eq!(lookup("USER_POOL_ID"), None);
    }

    #[test]
    fn the_in_process_authorizer_learns_the_gateway_ttl() {
        let options = Options {
            ttl: std::time::Duration::from_secs(30),
            ..Options::default()
        };
        let unset = with_cache_ttl(&options, |_| None).unwrap();
        assert_eq!(unset(AUTHORIZER_CACHE_TTL_SECONDS).as_deref(), Some("30"));
        assert_eq!(unset("TOKEN_USE"), None);
        let same = with_cache_ttl(&options, |_| Some(" 30".to_owned())).unwrap();
        assert_eq!(same(AUTHORIZER_CACHE_TTL_SECONDS).as_deref(), Some("30"));
        let Err(error) = with_cache_ttl(&options, |_| Some("300".to_owned())) else {
            panic!("a TTL other than --ttl is refused");
        };
        assert!(
            error.starts_with("AUTHORIZER_CACHE_TTL_SECONDS=\"300\" disagrees with --ttl 30"),
            "{error}"
        );
    }

    #[test]
    fn arn_region_comes_from_the_pool() {
        let options = Options::default();
        let config = gateway_config(&options, |name| {
            (name == "USER_POOL_ID").then(|| "eu-west-1_abc".to_owned())
        });
        assert_eq!(config.api.region, "eu-west-1");
        assert_eq!(config.api.stage, "prod");
        assert_eq!(gateway_config(&options, |_| None).api.region, "us-east-1");
    }
}
