//! Both functions' ordinary log lines, configured one way: tracing-subscriber's formatter,
//! honouring Lambda's advanced logging controls (`AWS_LAMBDA_LOG_FORMAT`,
//! `AWS_LAMBDA_LOG_LEVEL`).
//!
//! Invariants, and why this is not lambda_runtime's `init_default_subscriber`:
//! - Every JSON line has a `timestamp` (RFC 3339) and a `level`. Lambda's log-level filtering
//!   reads both, and "if you don't supply a valid timestamp, Lambda will assign the log the
//!   level INFO" ("Log-level filtering", Lambda developer guide,
//!   <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html>);
//!   lambda_runtime's default subscriber writes no time.
//! - Lambda's levels are all understood: `FATAL` is ERROR, and `TRACE` is DEBUG, the most
//!   verbose level compiled in (the workspace builds `tracing` with `max_level_debug`: at TRACE
//!   lambda_runtime would log raw events, tokens included). A value Lambda does not know stops
//!   init, naming the variable.
//! - A line is one `write` (tracing-subscriber formats the whole line first), so lines never
//!   interleave.
//! - Optionally, lambda_runtime's ERROR line for an error the handler *returned* is dropped,
//!   for a function whose own line already reports it (the authorizer's decision line, where
//!   `Unauthorized` is an expected answer). A panic is still logged.

use oidc_jwt_verifier::{
    ConfigError,
    config::env::{non_blank, one_of, pick},
};
use tracing::{Level, Metadata};
use tracing_subscriber::filter::{FilterFn, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, fmt};

const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";
const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";

/// Lambda's levels: `FATAL` is ERROR, and `TRACE` is DEBUG, the most verbose compiled in.
const LEVELS: [(&str, Level); 6] = [
    ("TRACE", Level::DEBUG),
    ("DEBUG", Level::DEBUG),
    ("INFO", Level::INFO),
    ("WARN", Level::WARN),
    ("ERROR", Level::ERROR),
    ("FATAL", Level::ERROR),
];

/// How a line is written (`AWS_LAMBDA_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// tracing-subscriber's text lines (Lambda's `Text`, the default).
    Text,
    /// One JSON object per line (Lambda's `JSON`), the event's fields at the top level.
    Json,
}

/// Format and level, read from the environment Lambda sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT`: `Text` (default) or `JSON`.
    pub format: LogFormat,
    /// The most verbose level written: `AWS_LAMBDA_LOG_LEVEL`, else a plain level in
    /// `RUST_LOG`, else INFO.
    pub max_level: Level,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            max_level: Level::INFO,
        }
    }
}

impl LogSettings {
    /// Reads the settings through `lookup` (the environment in production). Unset or blank
    /// variables take their defaults; a bad value is an error naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // Lambda's names, in any case.
        let get = |name: &str| non_blank(lookup(name)?.to_ascii_uppercase());
        let formats = [("TEXT", LogFormat::Text), ("JSON", LogFormat::Json)];
        let format = one_of(&get, LOG_FORMAT, LogFormat::Text, &formats)?;
        // RUST_LOG may hold per-module directives (`info,hyper=warn`): its default level,
        // the directive without a `=`, is used; per-module levels are not.
        let rust_log = get("RUST_LOG").and_then(|value| {
            let directive = value
                .split(',')
                .find(|directive| !directive.contains('='))?;
            pick(LOG_LEVEL, directive, &LEVELS).ok()
        });
        let max_level = one_of(&get, LOG_LEVEL, rust_log.unwrap_or(Level::INFO), &LEVELS)?;
        Ok(LogSettings { format, max_level })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// What becomes of lambda_runtime's ERROR line for an error the handler returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnedErrors {
    /// Logged: the function writes nothing else about it.
    Logged,
    /// Dropped: the function's own line reports every answer, errors included.
    ReportedByTheFunction,
}

/// The span lambda_runtime opens per invocation, carrying `requestId` and `xrayTraceId`.
const INVOCATION_SPAN: &str = "Lambda runtime invoke";

/// Whether a callsite is written (events) or tracked (spans). The invocation span (INFO) is
/// kept whatever the level, so that a WARN or ERROR line still names its request.
fn enabled(settings: &LogSettings, errors: ReturnedErrors, metadata: &Metadata<'_>) -> bool {
    if metadata.is_span() {
        return metadata.name() == INVOCATION_SPAN;
    }
    *metadata.level() <= settings.max_level
        && !(errors == ReturnedErrors::ReportedByTheFunction && is_returned_error(metadata))
}

/// lambda_runtime's log of an error the handler returned (`error!("{error:?}")` in its panic
/// layer), as opposed to its log of a panic, which carries an `error` field.
fn is_returned_error(metadata: &Metadata<'_>) -> bool {
    metadata
        .target()
        .starts_with("lambda_runtime::layers::panic")
        && *metadata.level() == Level::ERROR
        && metadata.fields().field("error").is_none()
}

/// tracing-subscriber's formatter for `settings`, writing through `writer`: events up to the
/// level, the invocation span, and lambda_runtime's line for a returned error as `errors` says.
pub fn layer<S, W>(
    settings: LogSettings,
    errors: ReturnedErrors,
    writer: W,
) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = FilterFn::new(move |metadata| enabled(&settings, errors, metadata))
        .with_max_level_hint(LevelFilter::from_level(settings.max_level.max(Level::INFO)));
    let base = fmt::layer().with_target(false).with_writer(writer);
    match settings.format {
        LogFormat::Text => base.with_filter(filter).boxed(),
        LogFormat::Json => base
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .with_filter(filter)
            .boxed(),
    }
}

/// Installs [`layer`] on stdout as the process's subscriber.
pub fn init(settings: LogSettings, errors: ReturnedErrors) {
    let subscriber = tracing_subscriber::registry().with(layer(settings, errors, std::io::stdout));
    // Fails only when a subscriber is already set (a test harness): that one stays.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The time now as tracing-subscriber writes it (RFC 3339, UTC, microseconds), for lines a
/// function writes itself.
pub fn timestamp() -> String {
    use fmt::time::FormatTime;
    let mut text = String::with_capacity(32);
    let _ = fmt::time::SystemTime.format_time(&mut fmt::format::Writer::new(&mut text));
    text
}

#[cfg(test)]
mod tests;
