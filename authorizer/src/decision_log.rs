//! The authorizer's own lines: one per invocation with the decision, and one per JWKS fetch or
//! failed fetch; each, in JSON format with metrics on, also a CloudWatch metric in Embedded
//! Metric Format.
//!
//! Each line is one typed value (`Line`) serialized by serde_json and written with a single
//! `write`, so it is valid JSON whatever its values and never interleaves with another line.
//! Ordinary log lines go through tracing-subscriber's formatter instead (the `lambda-log`
//! crate); these bypass it because their shape (the `_aws` block, the metric as a root
//! member) is a contract with CloudWatch, not a formatting choice.
//!
//! EMF, per "Specification: Embedded metric format"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! the root object's `_aws` member holds `Timestamp` (milliseconds since the epoch) and
//! `CloudWatchMetrics`, a list of directives each naming a `Namespace`, `Dimensions` (a list
//! of dimension sets, each a list of member names) and `Metrics` (`Name`, `Unit`); every
//! dimension named is a root member whose value is a string, and every metric a root member
//! whose value is a number. Dimensions have few values (the decision, the reason code): never
//! a `sub` or a path.
//!
//! Levels: a line is written when its level is at or above `AWS_LAMBDA_LOG_LEVEL`'s. Allow,
//! 401 and 403 decisions and successful fetches are INFO; failed fetches WARN; 500s and an
//! Allow without the revocation check (`REVOCATION_FAILURE=open`) ERROR. Metrics are written
//! only in JSON format (EMF is JSON) with `METRICS` on.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub use lambda_log::{LogFormat, LogSettings};
use oidc_jwt_verifier::{
    ConfigError,
    config::env::{non_blank, one_of},
    jwks::{JwksEvent, JwksObserver},
};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use tracing::Level;

const METRICS: &str = "METRICS";
const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";

/// The namespace metrics go to unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "CognitoAuthorizer";

/// Where EMF metrics go (`METRICS_NAMESPACE`, default `CognitoAuthorizer`); `None` with
/// `METRICS=off`.
pub fn metrics_namespace_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    let get = |name: &str| lookup(name).and_then(non_blank);
    if !one_of(&get, METRICS, true, &[("on", true), ("off", false)])? {
        return Ok(None);
    }
    let namespace = get(METRICS_NAMESPACE);
    let namespace = namespace
        .as_deref()
        .map_or(DEFAULT_METRICS_NAMESPACE, str::trim);
    check_namespace(namespace).map_err(|message| ConfigError::new(METRICS_NAMESPACE, message))?;
    Ok(Some(namespace.to_owned()))
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

/// The invocation a line belongs to, from lambda_runtime's context.
#[derive(Clone, Copy, Debug, Default)]
pub struct Invocation<'a> {
    /// Lambda's request ID.
    pub request_id: Option<&'a str>,
    /// The X-Ray trace header, when tracing is on.
    pub trace_id: Option<&'a str>,
}

/// What a decision line says beyond the common members.
#[derive(Debug, Default, Serialize)]
pub struct Decision<'a> {
    /// The event kind (`rest_token`, `rest_request`, `http_v2`; `unknown` when unreadable).
    pub event: &'static str,
    /// `allow`, `deny`, `unauthorized` or `error` (an EMF dimension).
    pub decision: &'static str,
    /// The reason code (an EMF dimension).
    pub reason: &'static str,
    /// The rejection's fixed description, for a 401.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'static str>,
    /// What failed (the revocation list's error), never a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The token's `sub`, when the token is authentic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<Cow<'a, str>>,
    /// `user` or `machine`, when the authentic token's shape says which.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<&'static str>,
    /// Microseconds from the event's arrival to the decision.
    pub latency_us: u64,
}

/// What a JWKS line says beyond the common members.
#[derive(Debug, Serialize)]
struct JwksFields<'a> {
    issuer: &'a str,
    jwks_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kids: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One line: the members every line has, the line's own (`fields`, flattened into the root),
/// and, when it is a metric, the EMF block and the metric's count.
#[derive(Serialize)]
struct Line<'a, F: Serialize> {
    timestamp: String,
    level: &'static str,
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(rename = "traceId", skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
    message: &'static str,
    #[serde(flatten)]
    fields: F,
    #[serde(rename = "_aws", skip_serializing_if = "Option::is_none")]
    aws: Option<Emf<'a>>,
    #[serde(flatten)]
    count: Option<Count>,
}

/// The `_aws` member: one directive for one metric.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Emf<'a> {
    timestamp: u64,
    cloud_watch_metrics: [Directive<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Directive<'a> {
    namespace: &'a str,
    /// Each dimension alone (`[["decision"],["reason"]]`); one empty set for a metric without
    /// dimensions (`[[]]`).
    dimensions: Dimensions,
    metrics: [MetricDefinition; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetricDefinition {
    name: &'static str,
    unit: &'static str,
}

/// EMF dimension sets: lists of root member names.
type Dimensions = &'static [&'static [&'static str]];

/// `"<metric>": 1` at the root.
struct Count(&'static str);

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &1)?;
        map.end()
    }
}

/// Writes the authorizer's lines to a writer (stdout in Lambda), as the settings say.
#[derive(Clone)]
pub struct DecisionLog {
    settings: LogSettings,
    /// `Some` in JSON format with metrics on.
    metrics_namespace: Option<Arc<str>>,
    writer: Arc<Mutex<dyn Write + Send>>,
}

impl DecisionLog {
    /// Lines as `settings` say, metrics to `metrics_namespace` (`None`: no metrics), written
    /// to `writer`.
    pub fn new(
        settings: LogSettings,
        metrics_namespace: Option<String>,
        writer: impl Write + Send + 'static,
    ) -> Self {
        DecisionLog {
            settings,
            metrics_namespace: metrics_namespace
                .filter(|_| settings.format == LogFormat::Json)
                .map(Arc::from),
            writer: Arc::new(Mutex::new(writer)),
        }
    }

    /// The one line of an invocation: at ERROR for a 500 (`error`) and for an answer given with
    /// an `error` (an Allow without the revocation check), at INFO otherwise.
    pub fn decision(&self, invocation: Invocation<'_>, decision: Decision<'_>) {
        let failed = decision.decision == "error" || decision.error.is_some();
        let level = if failed { Level::ERROR } else { Level::INFO };
        self.write(
            level,
            invocation,
            "authorization decision",
            decision,
            ("Decisions", &[&["decision"], &["reason"]]),
        );
    }

    fn write<F: Serialize>(
        &self,
        level: Level,
        invocation: Invocation<'_>,
        message: &'static str,
        fields: F,
        (metric, dimensions): (&'static str, Dimensions),
    ) {
        if level > self.settings.max_level {
            return;
        }
        let aws = self.metrics_namespace.as_deref().map(|namespace| Emf {
            timestamp: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64),
            cloud_watch_metrics: [Directive {
                namespace,
                dimensions,
                metrics: [MetricDefinition {
                    name: metric,
                    unit: "Count",
                }],
            }],
        });
        let line = Line {
            timestamp: lambda_log::timestamp(),
            level: level.as_str(),
            request_id: invocation.request_id,
            trace_id: invocation.trace_id,
            message,
            fields,
            count: aws.as_ref().map(|_| Count(metric)),
            aws,
        };
        let mut bytes = Vec::with_capacity(512);
        // Strings and numbers only: serializing cannot fail.
        if serde_json::to_writer(&mut bytes, &line).is_ok() {
            bytes.push(b'\n');
            if let Ok(mut writer) = self.writer.lock() {
                // One write per line. A failed write (stdout closed) has nowhere to go.
                let _ = writer.write_all(&bytes);
            }
        }
    }
}

/// The key store's fetches as lines with the `JwksFetches` and `JwksFetchFailures` metrics
/// (no dimensions).
impl JwksObserver for DecisionLog {
    fn observe(&self, event: &JwksEvent<'_>) {
        let (JwksEvent::Fetched {
            issuer, jwks_url, ..
        }
        | JwksEvent::FetchFailed {
            issuer, jwks_url, ..
        }) = *event;
        let (level, message, metric, kids, error) = match event {
            JwksEvent::Fetched { keys, .. } => {
                let kids = Some(keys.kids());
                (Level::INFO, "JWKS fetched", "JwksFetches", kids, None)
            }
            JwksEvent::FetchFailed { error, .. } => (
                Level::WARN,
                "JWKS fetch failed; keeping the keys already known",
                "JwksFetchFailures",
                None,
                Some(error.to_string()),
            ),
        };
        let fields = JwksFields {
            issuer,
            jwks_url,
            kids,
            error,
        };
        let invocation = Invocation::default();
        self.write(level, invocation, message, fields, (metric, &[&[]]));
    }
}

#[cfg(test)]
mod tests;
