//! The function's log lines: one cheap line per event, honouring Lambda's advanced logging
//! controls, and for decisions and JWKS fetches also a CloudWatch metric (Embedded Metric
//! Format) in the same line.
//!
//! Why not `tracing-subscriber`'s formatter: with `AWS_LAMBDA_LOG_FORMAT=JSON` it writes the
//! request and trace IDs twice (`span` and `spans`), about 500 bytes a line, and formatting the
//! one decision line cost more CPU than verifying the signature. Here an event becomes one
//! flat JSON object (or one short text line) written with a single `write` call:
//!
//! ```text
//! {"timestamp":"2026-11-26T13:00:00.123Z","level":"INFO","requestId":"8f5…","traceId":"Root=1-…",
//!  "message":"authorization decision","event":"rest_token","decision":"allow",
//!  "reason":"valid_token","sub":"aaaa-…","latency_us":41,
//!  "_aws":{"Timestamp":1795…,"CloudWatchMetrics":[{"Namespace":"CognitoAuthorizer",
//!  "Dimensions":[["decision"],["reason"]],"Metrics":[{"Name":"Decisions","Unit":"Count"}]}]},
//!  "Decisions":1}
//! ```
//!
//! An event carrying a `metric` field (`Decisions`, `JwksFetches`, `JwksFetchFailures`) gets the
//! `_aws` block, per "Specification: Embedded metric format"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! every metric and dimension named in a directive is a member of the root object, dimension
//! values are strings, and the metric's value is a number. Dimensions have few values (the
//! decision, the reason code): never a `sub` or a path.
//!
//! lambda_runtime logs every error a handler returns at ERROR. The authorizer's `Unauthorized`
//! is its expected answer, and its own decision line already says what happened, so that
//! second line is dropped (panics are still logged).

use std::fmt::{self, Write as _};
use std::ops::Range;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use cognito_verifier::ConfigError;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::json_text::{push_decimal, push_serde_string};

const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";
const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
const RUST_LOG: &str = "RUST_LOG";
const METRICS: &str = "METRICS";
const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";

/// The namespace metrics go to unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "CognitoAuthorizer";

/// Every variable the log settings read.
pub const LOG_VARIABLES: [&str; 5] = [LOG_FORMAT, LOG_LEVEL, RUST_LOG, METRICS, METRICS_NAMESPACE];

/// How a line is written (`AWS_LAMBDA_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One short `LEVEL requestId message key=value …` line (Lambda's `Text`, the default).
    Text,
    /// One flat JSON object (Lambda's `JSON`), with the EMF block on metric events.
    Json,
}

/// What the log writes: format, level and metrics. Read from the environment Lambda sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT`: `Text` (default) or `JSON`.
    pub format: LogFormat,
    /// The most verbose level written: `AWS_LAMBDA_LOG_LEVEL`, else a plain level in
    /// `RUST_LOG`, else INFO. TRACE is compiled out, so it means DEBUG.
    pub max_level: Level,
    /// Where EMF metrics go (`METRICS_NAMESPACE`, default `CognitoAuthorizer`); `None` with
    /// `METRICS=off`. Metrics are only written in JSON format (EMF is JSON).
    pub metrics_namespace: Option<String>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            max_level: Level::INFO,
            metrics_namespace: Some(DEFAULT_METRICS_NAMESPACE.to_owned()),
        }
    }
}

impl LogSettings {
    /// Reads the settings through `lookup` (the environment in production). Unset or blank
    /// variables take their defaults; a bad value is an error naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let format = match get(LOG_FORMAT) {
            None => LogFormat::Text,
            Some(value) if value.eq_ignore_ascii_case("json") => LogFormat::Json,
            Some(value) if value.eq_ignore_ascii_case("text") => LogFormat::Text,
            Some(value) => {
                return Err(ConfigError::new(
                    LOG_FORMAT,
                    format!("{value:?} is not one of Text, JSON"),
                ));
            }
        };
        let max_level = match (get(LOG_LEVEL), get(RUST_LOG)) {
            (Some(value), _) => parse_level(&value).ok_or_else(|| {
                ConfigError::new(
                    LOG_LEVEL,
                    format!("{value:?} is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"),
                )
            })?,
            // RUST_LOG may hold per-module directives (`info,hyper=warn`): its default level,
            // the directive without a `=`, is used; per-module levels are not.
            (None, Some(value)) => value
                .split(',')
                .find(|directive| !directive.contains('='))
                .and_then(|level| parse_level(level.trim()))
                .unwrap_or(Level::INFO),
            (None, None) => Level::INFO,
        };
        let metrics_namespace = match get(METRICS).as_deref() {
            None | Some("on") => {
                let namespace =
                    get(METRICS_NAMESPACE).unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_owned());
                check_namespace(&namespace)
                    .map_err(|message| ConfigError::new(METRICS_NAMESPACE, message))?;
                Some(namespace)
            }
            Some("off") => None,
            Some(other) => {
                return Err(ConfigError::new(
                    METRICS,
                    format!("{other:?} is not one of on, off"),
                ));
            }
        };
        Ok(LogSettings {
            format,
            max_level,
            metrics_namespace,
        })
    }
}

/// Lambda's levels (`AWS_LAMBDA_LOG_LEVEL`), case-insensitively. FATAL is ERROR; TRACE is
/// DEBUG, the most verbose level compiled in (at TRACE lambda_runtime would log raw events).
fn parse_level(value: &str) -> Option<Level> {
    match value.to_ascii_uppercase().as_str() {
        "TRACE" | "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" | "FATAL" => Some(Level::ERROR),
        _ => None,
    }
}

/// CloudWatch namespaces: 1–255 characters of letters, digits and `.-_/#: `, not starting
/// with `AWS/` (reserved).
fn check_namespace(namespace: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c);
    if namespace.is_empty() || namespace.len() > 255 || !namespace.chars().all(allowed) {
        return Err(format!(
            "{namespace:?} is not a CloudWatch namespace (1-255 letters, digits and .-_/#: )"
        ));
    }
    if namespace.starts_with("AWS/") {
        return Err("namespaces starting with AWS/ are reserved for AWS".to_owned());
    }
    Ok(())
}

/// A field value of an event, kept with its JSON type; text as its byte range in
/// [`Fields::text`].
#[derive(Clone, Debug, PartialEq)]
enum FieldValue {
    Text(Range<usize>),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
}

/// An event's fields, in order: the message apart, `metric` apart. Every text (the message,
/// the metric, each text value) is written one after the other into `text` and named by its
/// byte range: one allocation per line rather than one per field (allocations were a good
/// part of a decision line's cost).
#[derive(Default)]
struct Fields {
    text: String,
    message: Range<usize>,
    metric: Option<Range<usize>>,
    values: Vec<(&'static str, FieldValue)>,
}

impl Fields {
    /// Room for a decision line's fields (up to eight) and their text, allocated once.
    fn for_one_line() -> Self {
        Fields {
            text: String::with_capacity(128),
            values: Vec::with_capacity(8),
            ..Fields::default()
        }
    }

    /// Appends the text `write` writes as the value of field `name`.
    fn push_text(&mut self, name: &'static str, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        let range = start..self.text.len();
        match name {
            "message" => self.message = range,
            "metric" => self.metric = Some(range),
            name => self.values.push((name, FieldValue::Text(range))),
        }
    }

    fn text(&self, range: &Range<usize>) -> &str {
        &self.text[range.clone()]
    }

    fn message(&self) -> &str {
        self.text(&self.message)
    }

    fn metric(&self) -> Option<&str> {
        self.metric.as_ref().map(|range| self.text(range))
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push_text(field.name(), |text| text.push_str(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.values.push((field.name(), FieldValue::Signed(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.values
            .push((field.name(), FieldValue::Unsigned(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.values.push((field.name(), FieldValue::Float(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.values.push((field.name(), FieldValue::Bool(value)));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push_text(field.name(), |text| {
            let _ = write!(text, "{value:?}");
        });
    }
}

/// A line outside any invocation (start-up, JWKS at init).
const NO_INVOCATION: Invocation = Invocation {
    request_id: None,
    trace_id: None,
};

/// The invocation a line belongs to: lambda_runtime's `Lambda runtime invoke` span carries
/// `requestId` and `xrayTraceId`.
#[derive(Default)]
struct Invocation {
    request_id: Option<String>,
    trace_id: Option<String>,
}

impl Visit for Invocation {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "requestId" => self.request_id = Some(value.to_owned()),
            "xrayTraceId" => self.trace_id = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "requestId" => self.request_id = Some(format!("{value:?}")),
            "xrayTraceId" => self.trace_id = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

/// The `tracing` layer writing [`LogSettings`]-shaped lines to `writer` (stdout in Lambda).
pub struct LambdaLogLayer<W> {
    settings: LogSettings,
    writer: Mutex<W>,
}

impl<W: std::io::Write> LambdaLogLayer<W> {
    /// A layer writing to `writer` as `settings` say.
    pub fn new(settings: LogSettings, writer: W) -> Self {
        LambdaLogLayer {
            settings,
            writer: Mutex::new(writer),
        }
    }

    fn write_line(&self, line: &str) {
        if let Ok(mut writer) = self.writer.lock() {
            // One write per line, so lines from concurrent tasks never interleave. A failed
            // write (stdout closed) has nowhere to be reported.
            let _ = writer.write_all(line.as_bytes());
        }
    }
}

/// The span lambda_runtime opens per invocation, with `requestId` and `xrayTraceId`: the only
/// span this layer needs.
const INVOCATION_SPAN: &str = "Lambda runtime invoke";

impl<W> LambdaLogLayer<W> {
    /// Whether a callsite is written (events) or tracked (spans): events at or above the
    /// configured level, except lambda_runtime's duplicate of a handler error; and the
    /// invocation span alone.
    fn wants(&self, metadata: &Metadata<'_>) -> bool {
        if metadata.is_span() {
            metadata.name() == INVOCATION_SPAN
        } else {
            *metadata.level() <= self.settings.max_level && !is_runtime_handler_error(metadata)
        }
    }
}

/// lambda_runtime's log of an error the handler returned (not of a panic, which carries an
/// `error` field): the decision line already reports it.
fn is_runtime_handler_error(metadata: &Metadata<'_>) -> bool {
    metadata
        .target()
        .starts_with("lambda_runtime::layers::panic")
        && *metadata.level() == Level::ERROR
        && metadata.fields().field("error").is_none()
}

impl<S, W> Layer<S> for LambdaLogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: std::io::Write + Send + 'static,
{
    // Interest is decided once per callsite and cached by tracing: a disabled event or span
    // costs next to nothing per invocation (the floor measurement in docs/operations.md).
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.wants(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.wants(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // lambda_runtime's invocation span is at INFO: it must pass even at WARN, so that a WARN
        // or ERROR line still names its request.
        Some(LevelFilter::from_level(
            self.settings.max_level.max(Level::INFO),
        ))
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut invocation = Invocation::default();
        attrs.record(&mut invocation);
        if (invocation.request_id.is_some() || invocation.trace_id.is_some())
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(invocation);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        // `enabled` already said so; checked again because a layer may be asked about events
        // another layer of the same subscriber enabled.
        if !self.wants(metadata) {
            return;
        }
        let mut fields = Fields::for_one_line();
        event.record(&mut fields);
        // The invocation span's IDs are read in place, not copied, on every line.
        let span = ctx.event_scope(event).and_then(|scope| {
            scope
                .from_root()
                .find(|span| span.extensions().get::<Invocation>().is_some())
        });
        let extensions = span.as_ref().map(|span| span.extensions());
        let invocation = extensions
            .as_ref()
            .and_then(|extensions| extensions.get::<Invocation>())
            .unwrap_or(&NO_INVOCATION);
        let line = format_line(
            &self.settings,
            *metadata.level(),
            invocation,
            &fields,
            SystemTime::now(),
        );
        self.write_line(&line);
    }
}

/// One line for an event, ending in `\n`.
fn format_line(
    settings: &LogSettings,
    level: Level,
    invocation: &Invocation,
    fields: &Fields,
    now: SystemTime,
) -> String {
    let mut line = String::with_capacity(512);
    let message = fields.message();
    match settings.format {
        LogFormat::Text => {
            line.push_str(level.as_str());
            if let Some(request_id) = &invocation.request_id {
                line.push(' ');
                line.push_str(request_id);
            }
            line.push(' ');
            // One line whatever the text: control characters (a line break) are escaped.
            if message.contains(char::is_control) {
                let _ = write!(line, "{}", message.escape_debug());
            } else {
                line.push_str(message);
            }
            for (name, value) in &fields.values {
                line.push(' ');
                line.push_str(name);
                line.push('=');
                match value {
                    FieldValue::Text(range) => {
                        let text = fields.text(range);
                        if text.is_empty()
                            || text.contains(|c: char| c.is_control() || " \"=".contains(c))
                        {
                            let _ = write!(line, "{text:?}");
                        } else {
                            line.push_str(text);
                        }
                    }
                    FieldValue::Signed(n) => push_signed(&mut line, *n),
                    FieldValue::Unsigned(n) => push_decimal(&mut line, *n, 1),
                    FieldValue::Float(n) => {
                        let _ = write!(line, "{n}");
                    }
                    FieldValue::Bool(b) => line.push_str(if *b { "true" } else { "false" }),
                }
            }
        }
        LogFormat::Json => {
            let millis = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            line.push_str("{\"timestamp\":\"");
            write_rfc3339_millis(&mut line, millis);
            line.push_str("\",\"level\":");
            json_string(&mut line, level.as_str());
            if let Some(request_id) = &invocation.request_id {
                line.push_str(",\"requestId\":");
                json_string(&mut line, request_id);
            }
            if let Some(trace_id) = &invocation.trace_id {
                line.push_str(",\"traceId\":");
                json_string(&mut line, trace_id);
            }
            line.push_str(",\"message\":");
            json_string(&mut line, message);
            for (name, value) in &fields.values {
                line.push(',');
                json_string(&mut line, name);
                line.push(':');
                match value {
                    FieldValue::Text(range) => json_string(&mut line, fields.text(range)),
                    FieldValue::Signed(n) => push_signed(&mut line, *n),
                    FieldValue::Unsigned(n) => push_decimal(&mut line, *n, 1),
                    FieldValue::Float(n) if n.is_finite() => {
                        let _ = write!(line, "{n}");
                    }
                    FieldValue::Float(_) => line.push_str("null"),
                    FieldValue::Bool(b) => line.push_str(if *b { "true" } else { "false" }),
                }
            }
            if let (Some(namespace), Some(metric)) = (&settings.metrics_namespace, fields.metric())
            {
                write_emf(&mut line, namespace, metric, fields, millis);
            }
            line.push('}');
        }
    }
    line.push('\n');
    line
}

/// The dimension sets of each metric; every dimension must be a string field of the event.
fn dimensions_of(metric: &str) -> &'static [&'static str] {
    match metric {
        "Decisions" => &["decision", "reason"],
        _ => &[],
    }
}

/// `,"_aws":{…},"<metric>":1`: one metric directive counting this event.
fn write_emf(line: &mut String, namespace: &str, metric: &str, fields: &Fields, millis: u64) {
    let mut dimensions = dimensions_of(metric).iter().filter(|name| {
        fields
            .values
            .iter()
            .any(|(field, value)| field == *name && matches!(value, FieldValue::Text(_)))
    });
    line.push_str(",\"_aws\":{\"Timestamp\":");
    push_decimal(line, millis, 1);
    line.push_str(",\"CloudWatchMetrics\":[{\"Namespace\":");
    json_string(line, namespace);
    line.push_str(",\"Dimensions\":[");
    match dimensions.next() {
        // One empty dimension set: the metric without dimensions.
        None => line.push_str("[]"),
        Some(first) => {
            line.push('[');
            json_string(line, first);
            line.push(']');
            for dimension in dimensions {
                line.push_str(",[");
                json_string(line, dimension);
                line.push(']');
            }
        }
    }
    line.push_str("],\"Metrics\":[{\"Name\":");
    json_string(line, metric);
    line.push_str(",\"Unit\":\"Count\"}]}]},");
    json_string(line, metric);
    line.push_str(":1");
}

/// `text` as a JSON string, spelled as serde_json spells it (one escaper for the answer and
/// the log line: json_text.rs, runs that need no escape copied whole).
fn json_string(line: &mut String, text: &str) {
    push_serde_string(line, text);
}

/// `2026-11-26T13:00:00.123Z` for milliseconds since the epoch (civil-from-days, proleptic
/// Gregorian calendar).
fn write_rfc3339_millis(line: &mut String, millis: u64) {
    let seconds = millis / 1000;
    let days = (seconds / 86_400) as i64;
    let second_of_day = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // One fixed-width text written at once: seven numbers through the formatter were a fifth
    // of a decision line's cost.
    let mut text = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut text[5..7], month.unsigned_abs());
    put_digits(&mut text[8..10], day.unsigned_abs());
    put_digits(&mut text[11..13], second_of_day / 3600);
    put_digits(&mut text[14..16], second_of_day / 60 % 60);
    put_digits(&mut text[17..19], second_of_day % 60);
    put_digits(&mut text[20..23], millis % 1000);
    // From the epoch on, `year` is at least 1970; past 9999 it takes more than four digits.
    let year = year.unsigned_abs();
    let date_from = if year > 9999 {
        push_decimal(line, year, 4);
        4
    } else {
        put_digits(&mut text[..4], year);
        0
    };
    // ASCII: always UTF-8.
    line.push_str(std::str::from_utf8(&text[date_from..]).unwrap_or_default());
}

/// The last `digits.len()` decimal digits of `n`, zero-padded.
fn put_digits(digits: &mut [u8], mut n: u64) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `n` in decimal, as `write!(line, "{n}")` writes it.
fn push_signed(line: &mut String, n: i64) {
    if n < 0 {
        line.push('-');
    }
    push_decimal(line, n.unsigned_abs(), 1);
}

/// Formats one decision line as the function writes it (for the benchmark of its cost).
#[doc(hidden)]
pub fn format_decision_line_for_bench(settings: &LogSettings) -> String {
    let mut fields = Fields::for_one_line();
    fields.push_text("message", |text| text.push_str("authorization decision"));
    fields.push_text("metric", |text| text.push_str("Decisions"));
    for (name, value) in [
        ("event", "rest_token"),
        ("decision", "allow"),
        ("reason", "valid_token"),
        ("sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
    ] {
        fields.push_text(name, |text| text.push_str(value));
    }
    fields.values.push(("latency_us", FieldValue::Unsigned(41)));
    let invocation = Invocation {
        request_id: Some("8f5f3c3e-4d5e-4a8b-9c1d-2e3f4a5b6c7d".to_owned()),
        trace_id: Some("Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e".to_owned()),
    };
    format_line(
        settings,
        Level::INFO,
        &invocation,
        &fields,
        SystemTime::now(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_text::has_byte_to_escape;
    use serde_json::Value;
    use std::sync::Arc;
    use tracing_subscriber::layer::SubscriberExt;

    fn settings(format: LogFormat) -> LogSettings {
        LogSettings {
            format,
            ..LogSettings::default()
        }
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect()
        }
    }

    /// Runs `emit` under a subscriber with the layer, returning the lines written.
    fn capture(settings: LogSettings, emit: impl FnOnce()) -> Vec<String> {
        let out = Captured::default();
        let subscriber =
            tracing_subscriber::registry().with(LambdaLogLayer::new(settings, out.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        out.lines()
    }

    fn decision() {
        let span = tracing::info_span!(
            "Lambda runtime invoke",
            requestId = "req-1",
            xrayTraceId = "Root=1-abc"
        );
        let _guard = span.enter();
        tracing::info!(
            event = "rest_token",
            decision = "allow",
            reason = "valid_token",
            sub = %"sub-1",
            latency_us = 41_u64,
            metric = "Decisions",
            "authorization decision"
        );
    }

    /// Checks `line` against the EMF specification's rules for the members it uses.
    fn assert_valid_emf(line: &Value) {
        let aws = line["_aws"].as_object().expect("_aws is an object");
        assert!(aws["Timestamp"].is_u64(), "Timestamp is a number of ms");
        let directives = aws["CloudWatchMetrics"].as_array().expect("an array");
        assert!(!directives.is_empty());
        for directive in directives {
            let namespace = directive["Namespace"].as_str().expect("Namespace");
            assert!(!namespace.is_empty() && namespace.len() <= 255);
            for set in directive["Dimensions"].as_array().expect("Dimensions") {
                let set = set.as_array().expect("a dimension set is an array");
                assert!(set.len() <= 30);
                for dimension in set {
                    let name = dimension.as_str().expect("dimension names are strings");
                    assert!(
                        line[name].is_string(),
                        "dimension {name} is a root string member"
                    );
                }
            }
            for metric in directive["Metrics"].as_array().expect("Metrics") {
                let name = metric["Name"].as_str().expect("Name");
                assert!(
                    line[name].is_number(),
                    "metric {name} is a root number member"
                );
                assert_eq!(metric["Unit"], "Count");
            }
        }
    }

    #[test]
    fn a_decision_is_one_flat_json_line_that_is_also_a_valid_emf_metric() {
        let lines = capture(settings(LogFormat::Json), decision);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["requestId"], "req-1");
        assert_eq!(line["traceId"], "Root=1-abc");
        assert_eq!(line["message"], "authorization decision");
        assert_eq!(line["decision"], "allow");
        assert_eq!(line["reason"], "valid_token");
        assert_eq!(line["sub"], "sub-1");
        assert_eq!(line["latency_us"], 41);
        assert_eq!(line["Decisions"], 1);
        assert!(line.get("metric").is_none());
        assert!(line.get("span").is_none() && line.get("spans").is_none());
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], DEFAULT_METRICS_NAMESPACE);
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["decision"], ["reason"]])
        );
        assert_valid_emf(&line);
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(
            timestamp.len() == 24 && timestamp.ends_with('Z'),
            "{timestamp}"
        );
        assert!(lines[0].len() < 600, "{} bytes", lines[0].len());
    }

    #[test]
    fn metrics_off_or_text_format_write_no_emf() {
        let off = LogSettings {
            metrics_namespace: None,
            ..settings(LogFormat::Json)
        };
        let line: Value = serde_json::from_str(&capture(off, decision)[0]).unwrap();
        assert!(line.get("_aws").is_none() && line.get("Decisions").is_none());
        let text = capture(settings(LogFormat::Text), decision);
        assert_eq!(
            text,
            [
                "INFO req-1 authorization decision event=rest_token decision=allow reason=valid_token sub=sub-1 latency_us=41"
            ]
        );
    }

    #[test]
    fn a_metric_without_dimensions_gets_one_empty_dimension_set() {
        let lines = capture(settings(LogFormat::Json), || {
            tracing::info!(issuer = "https://x", metric = "JwksFetches", "JWKS fetched");
        });
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([[]])
        );
        assert_eq!(line["JwksFetches"], 1);
        assert_valid_emf(&line);
    }

    #[test]
    fn levels_filter_and_the_runtimes_duplicate_error_is_dropped() {
        let warn = LogSettings {
            max_level: Level::WARN,
            ..settings(LogFormat::Json)
        };
        let lines = capture(warn, || {
            decision();
            tracing::warn!("kept");
            tracing::error!(
                decision = "error",
                reason = "jwks_unavailable",
                "authorization decision"
            );
            // What lambda_runtime logs for an error the handler returns, and for a panic.
            tracing::error!(target: "lambda_runtime::layers::panic", "{:?}", "Unauthorized");
            tracing::error!(target: "lambda_runtime::layers::panic", error = "boom", "user handler panicked");
        });
        let messages: Vec<String> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["message"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            messages,
            ["kept", "authorization decision", "user handler panicked"]
        );
    }

    #[test]
    fn text_lines_stay_one_line_whatever_the_values() {
        let lines = capture(settings(LogFormat::Text), || {
            tracing::info!(sub = "a\nb", detail = "x\ry", "two\nlines");
        });
        assert_eq!(lines, [r#"INFO two\nlines sub="a\nb" detail="x\ry""#]);
    }

    #[test]
    fn hostile_field_values_stay_inside_their_json_string() {
        let lines = capture(settings(LogFormat::Json), || {
            tracing::info!(sub = "a\"b\\c\nd\u{1}", "x");
        });
        assert_eq!(lines.len(), 1);
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["sub"], "a\"b\\c\nd\u{1}");
    }

    #[test]
    fn numbers_are_written_as_the_formatter_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            41,
            999,
            1000,
            86_399,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            for width in [1, 2, 3, 4, 20] {
                let mut line = String::new();
                push_decimal(&mut line, n, width);
                assert_eq!(line, format!("{n:0width$}"), "{n} width {width}");
            }
        }
        for n in [0, 7, -7, 1_234_567, -1_234_567, i64::MAX, i64::MIN] {
            let mut line = String::new();
            push_signed(&mut line, n);
            assert_eq!(line, n.to_string(), "{n}");
        }
    }

    #[test]
    fn every_field_type_keeps_its_value_in_both_formats() {
        let emit = || {
            tracing::warn!(
                text = "a b",
                debug = ?"q",
                display = %"d",
                signed = -5_i64,
                unsigned = 7_u64,
                float = 1.5_f64,
                flag = true,
                "m"
            );
        };
        let json: Value =
            serde_json::from_str(&capture(settings(LogFormat::Json), emit)[0]).unwrap();
        assert_eq!(
            [
                &json["message"],
                &json["text"],
                &json["debug"],
                &json["display"],
                &json["signed"],
                &json["unsigned"],
                &json["float"],
                &json["flag"]
            ],
            [
                &Value::from("m"),
                &Value::from("a b"),
                &Value::from("\"q\""),
                &Value::from("d"),
                &Value::from(-5),
                &Value::from(7),
                &Value::from(1.5),
                &Value::from(true)
            ]
        );
        assert_eq!(
            capture(settings(LogFormat::Text), emit),
            [
                "WARN m text=\"a b\" debug=\"\\\"q\\\"\" display=d signed=-5 unsigned=7 float=1.5 flag=true"
            ]
        );
    }

    #[test]
    fn the_word_wise_escape_test_agrees_with_the_byte_wise_one_at_every_position() {
        let byte_wise = |bytes: &[u8]| bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        // Every byte value, at every position of words and remainders of several lengths,
        // among neighbours that need no escape (and among ones that do, for the borrows).
        for len in 1..=17 {
            for position in 0..len {
                for byte in 0..=255u8 {
                    for filler in [b'a', 0x7f, 0xff, b'!', b'#', 0x21, b'\\' + 1, b'"' - 1] {
                        let mut bytes = vec![filler; len];
                        bytes[position] = byte;
                        assert_eq!(has_byte_to_escape(&bytes), byte_wise(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        for (millis, expected) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_795_672_800_123, "2026-11-26T06:00:00.123Z"),
            (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
        ] {
            let mut line = String::new();
            write_rfc3339_millis(&mut line, millis);
            assert_eq!(line, expected, "{millis}");
        }
    }

    #[test]
    fn settings_follow_lambdas_advanced_logging_controls() {
        let read = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            LogSettings::from_lookup(|name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
        };
        assert_eq!(read(&[]).unwrap(), LogSettings::default());
        let json = read(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "warn"),
            ("METRICS_NAMESPACE", "Team/Auth"),
        ])
        .unwrap();
        assert_eq!(
            (
                json.format,
                json.max_level,
                json.metrics_namespace.as_deref()
            ),
            (LogFormat::Json, Level::WARN, Some("Team/Auth"))
        );
        assert_eq!(
            read(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")])
                .unwrap()
                .max_level,
            Level::ERROR
        );
        assert_eq!(
            read(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")])
                .unwrap()
                .max_level,
            Level::DEBUG
        );
        assert_eq!(
            read(&[("RUST_LOG", "debug")]).unwrap().max_level,
            Level::DEBUG
        );
        assert_eq!(
            read(&[("RUST_LOG", "info,hyper=warn")]).unwrap().max_level,
            Level::INFO
        );
        assert_eq!(
            read(&[("RUST_LOG", "trace,lambda_runtime=trace")])
                .unwrap()
                .max_level,
            Level::DEBUG
        );
        assert_eq!(
            read(&[("RUST_LOG", "hyper=warn")]).unwrap().max_level,
            Level::INFO
        );
        assert_eq!(read(&[("METRICS", "off")]).unwrap().metrics_namespace, None);
        for (vars, variable) in [
            (
                &[("AWS_LAMBDA_LOG_FORMAT", "yaml")][..],
                "AWS_LAMBDA_LOG_FORMAT",
            ),
            (&[("AWS_LAMBDA_LOG_LEVEL", "loud")], "AWS_LAMBDA_LOG_LEVEL"),
            (&[("METRICS", "yes")], "METRICS"),
            (&[("METRICS_NAMESPACE", "AWS/Lambda")], "METRICS_NAMESPACE"),
            (&[("METRICS_NAMESPACE", "a\"b")], "METRICS_NAMESPACE"),
        ] {
            assert_eq!(read(vars).unwrap_err().variable, variable, "{vars:?}");
        }
    }
}
