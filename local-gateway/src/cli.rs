//! Command-line options. Parsed with `std::env::args` only: a handful of flags do not justify
//! a parser crate in a development tool.

use std::time::Duration;

use crate::authorize::AuthorizerKind;
use crate::routes::{RouteLayout, routes};

/// The `--help` text, with the routes of the api-handler's table.
pub fn usage() -> String {
    let list = |protected: bool| {
        routes()
            .filter(|route| route.protected == protected)
            .map(|route| route.key())
            .collect::<Vec<_>>()
            .join(", ")
    };
    USAGE
        .replace("{public}", &list(false))
        .replace("{protected}", &list(true))
}

const USAGE: &str = "\
Usage: local-gateway [options]

A local stand-in for API Gateway in front of the authorizer and the api-handler, serving the
api-handler's routes as template.yaml does:
  public:                 {public}
  behind the authorizer:  {protected}
Listens on 127.0.0.1 only.

Options:
  --port PORT                 port on 127.0.0.1 (default 3000; 0 picks a free one)
  --authorizer KIND           token (REST TOKEN authorizer, the default), request (REST
                              REQUEST authorizer) or http (HTTP API, payload 2.0): our
                              Lambda authorizer; cognito (REST COGNITO_USER_POOLS) or jwt
                              (HTTP API JWT authorizer): API Gateway's built-ins, no Lambda
  --scopes A,B                the protected routes' authorization scopes, for cognito and
                              jwt (default none: cognito then takes ID tokens only)
  --routes LAYOUT             template (the template's routes, the default) or greedy (every
                              path behind the authorizer through one REST ANY /{proxy+}
                              resource or the HTTP API $default route)
  --ttl SECONDS               authorizer result cache TTL (default 300, as the template;
                              0 disables caching); the in-process authorizer is told it as
                              AUTHORIZER_CACHE_TTL_SECONDS, for max_auth_age_seconds rules
  --stage NAME                stage in method ARNs (default prod; $default for --authorizer http)
  --lambda-endpoint URL       invoke the functions through the Lambda Invoke API at URL
                              (e.g. http://127.0.0.1:9000 for `cargo lambda watch`) instead of
                              in-process
  --authorizer-function NAME  function name at --lambda-endpoint (default authorizer)
  --api-function NAME         function name at --lambda-endpoint (default api-handler)
  --lambda-timeout SECONDS    Invoke API timeout (default 60)
  -h, --help                  this help

In-process, the functions read their usual environment variables (USER_POOL_ID,
APP_CLIENT_ID, COGNITO_ENDPOINT, ROUTE_RULES, ADMIN_GROUP, ...); ROUTE_RULES, TOKEN_USE and
HTTP_API_RESPONSE default to the template's values. The built-ins read USER_POOL_ID (jwt:
the first pool), APP_CLIENT_ID (jwt: the audience), COGNITO_ENDPOINT and, for jwt,
ISSUER_TYPE (ORIGINAL, the default, or UPDATED: the one issuer form it trusts).
";

/// What to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the gateway with these options.
    Run(Options),
    /// Print [`usage`].
    Help,
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// The gateway's options (see [`usage`]).
pub struct Options {
    /// `--port`: on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// `--authorizer`: which authorizer API Gateway is configured with.
    pub authorizer: AuthorizerKind,
    /// `--scopes`: the protected routes' authorization scopes (built-in authorizers only).
    pub scopes: Vec<String>,
    /// `--routes`: the template's routes or one catch-all.
    pub routes: RouteLayout,
    /// `--ttl`: the authorizer result cache TTL.
    pub ttl: Duration,
    /// The stage in method ARNs and event contexts.
    pub stage: String,
    /// `--lambda-endpoint`: the Lambda Invoke API to call instead of running in-process.
    pub lambda_endpoint: Option<String>,
    /// The authorizer's function name at the endpoint.
    pub authorizer_function: String,
    /// The api-handler's function name at the endpoint.
    pub api_function: String,
    /// The Invoke API timeout.
    pub lambda_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 3000,
            authorizer: AuthorizerKind::Token,
            scopes: Vec::new(),
            routes: RouteLayout::Template,
            ttl: Duration::from_secs(300),
            stage: "prod".to_owned(),
            lambda_endpoint: None,
            authorizer_function: "authorizer".to_owned(),
            api_function: "api-handler".to_owned(),
            lambda_timeout: Duration::from_secs(60),
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut stage = None;
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(Command::Help);
        }
        let mut value = || {
            args.next()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => options.port = number(&flag, &value()?)?,
            "--authorizer" => {
                options.authorizer = match value()?.as_str() {
                    "token" => AuthorizerKind::Token,
                    "request" => AuthorizerKind::Request,
                    "http" => AuthorizerKind::Http,
                    "cognito" => AuthorizerKind::Cognito,
                    "jwt" => AuthorizerKind::Jwt,
                    other => {
                        return Err(format!(
                            "--authorizer: {other:?} is not one of token, request, http, cognito, jwt"
                        ));
                    }
                }
            }
            "--routes" => {
                options.routes = match value()?.as_str() {
                    "template" => RouteLayout::Template,
                    "greedy" => RouteLayout::Greedy,
                    other => {
                        return Err(format!(
                            "--routes: {other:?} is not one of template, greedy"
                        ));
                    }
                }
            }
            "--scopes" => {
                let scopes: Vec<String> = value()?.split(',').map(str::to_owned).collect();
                if scopes
                    .iter()
                    .any(|s| s.is_empty() || s.contains(char::is_whitespace))
                {
                    return Err(
                        "--scopes: comma-separated scopes, none empty or with spaces".into(),
                    );
                }
                options.scopes = scopes;
            }
            "--ttl" => {
                let seconds: u64 = number(&flag, &value()?)?;
                // API Gateway's own limit.
                if seconds > 3600 {
                    return Err("--ttl: at most 3600 seconds".to_owned());
                }
                options.ttl = Duration::from_secs(seconds);
            }
            "--stage" => stage = Some(value()?),
            "--lambda-endpoint" => {
                let url = value()?;
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(format!("--lambda-endpoint: {url:?} is not an http(s) URL"));
                }
                options.lambda_endpoint = Some(url.trim_end_matches('/').to_owned());
            }
            "--authorizer-function" => options.authorizer_function = value()?,
            "--api-function" => options.api_function = value()?,
            "--lambda-timeout" => {
                options.lambda_timeout = Duration::from_secs(number(&flag, &value()?)?)
            }
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
    }
    if !options.scopes.is_empty() && options.authorizer.builtin().is_none() {
        return Err(
            "--scopes: only for --authorizer cognito or jwt (ours reads ROUTE_RULES)".into(),
        );
    }
    options.stage = stage.unwrap_or_else(|| {
        if options.authorizer.is_http_api() {
            "$default".to_owned()
        } else {
            "prod".to_owned()
        }
    });
    Ok(Command::Run(options))
}

fn number<T: std::str::FromStr>(flag: &str, raw: &str) -> Result<T, String> {
    raw.parse()
        .map_err(|_| format!("{flag}: {raw:?} is not a valid number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help lists the api-handler's routes, POST /logout among them, each once.
    #[test]
    fn the_usage_lists_every_route_of_the_table() {
        let text = usage();
        assert!(
            text.contains("  public:                 GET /health\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  behind the authorizer:  GET /hello, GET /me, GET /admin, POST /logout\n"
            ),
            "{text}"
        );
        for route in routes() {
            assert_eq!(
                text.matches(&format!("{} ", route.key())).count()
                    + text.matches(&format!("{},", route.key())).count()
                    + text.matches(&format!("{}\n", route.key())).count(),
                1,
                "{}",
                route.key()
            );
        }
        assert!(!text.contains("{public}") && !text.contains("{protected}"));
    }

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(|s| (*s).to_owned()))? {
            Command::Run(options) => Ok(options),
            Command::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn defaults_follow_the_template() {
        let options = run(&[]).unwrap();
        assert_eq!(options, Options::default());
        assert_eq!(options.ttl, Duration::from_secs(300));
        assert_eq!(options.port, 3000);
        assert_eq!(options.stage, "prod");
    }

    #[test]
    fn reads_every_option() {
        let options = run(&[
            "--port",
            "0",
            "--authorizer",
            "http",
            "--ttl",
            "0",
            "--lambda-endpoint",
            "http://127.0.0.1:9000/",
            "--authorizer-function",
            "a",
            "--api-function",
            "b",
            "--lambda-timeout",
            "5",
            "--routes",
            "greedy",
        ])
        .unwrap();
        assert_eq!(options.routes, RouteLayout::Greedy);
        assert_eq!(options.port, 0);
        assert_eq!(options.authorizer, AuthorizerKind::Http);
        assert_eq!(options.stage, "$default");
        assert_eq!(options.ttl, Duration::ZERO);
        assert_eq!(
            options.lambda_endpoint.as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            (
                options.authorizer_function.as_str(),
                options.api_function.as_str()
            ),
            ("a", "b")
        );
        assert_eq!(options.lambda_timeout, Duration::from_secs(5));
        let jwt = run(&["--authorizer", "jwt", "--scopes", "a/b,c"]).unwrap();
        assert_eq!(
            (jwt.authorizer, jwt.stage.as_str(), jwt.scopes),
            (
                AuthorizerKind::Jwt,
                "$default",
                vec!["a/b".to_owned(), "c".to_owned()]
            )
        );
        let cognito = run(&["--authorizer", "cognito"]).unwrap();
        assert_eq!(
            (cognito.authorizer, cognito.stage.as_str()),
            (AuthorizerKind::Cognito, "prod")
        );
        assert_eq!(
            run(&["--authorizer", "request", "--stage", "dev"])
                .unwrap()
                .stage,
            "dev"
        );
    }

    #[test]
    fn refuses_bad_input() {
        for args in [
            &["--port"][..],
            &["--port", "70000"],
            &["--ttl", "3601"],
            &["--ttl", "-1"],
            &["--authorizer", "lambda"],
            &["--scopes", "a"],
            &["--authorizer", "jwt", "--scopes", "a,,b"],
            &["--authorizer", "jwt", "--scopes", "a b"],
            &["--routes", "proxy"],
            &["--lambda-endpoint", "127.0.0.1:9000"],
            &["--nope"],
        ] {
            assert!(run(args).is_err(), "{args:?}");
        }
        assert_eq!(parse(["--help".to_owned()]), Ok(Command::Help));
    }
}
