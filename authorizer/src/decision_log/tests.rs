use std::sync::{Arc, Mutex};

use oidc_jwt_verifier::jwks::{JwksEvent, JwksObserver, KeySet};
use serde_json::{Value, json};

use super::*;

/// A writer the test can read back, counting its writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<(Vec<u8>, usize)>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut captured = self.0.lock().unwrap();
        captured.0.extend_from_slice(buf);
        captured.1 += 1;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let captured = self.0.lock().unwrap();
        String::from_utf8(captured.0.clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
    fn writes(&self) -> usize {
        self.0.lock().unwrap().1
    }
}

fn settings(format: LogFormat, max_level: Level) -> LogSettings {
    LogSettings { format, max_level }
}

fn new_log(settings: LogSettings, namespace: Option<&str>) -> (DecisionLog, Captured) {
    let out = Captured::default();
    (
        DecisionLog::new(settings, namespace.map(str::to_owned), out.clone()),
        out,
    )
}

const INVOCATION: Invocation<'static> = Invocation {
    request_id: Some("req-1"),
    trace_id: Some("Root=1-abc"),
};

fn allow(sub: &str) -> Decision<'_> {
    Decision {
        event: "rest_token",
        decision: "allow",
        reason: "valid_token",
        sub: Some(sub.into()),
        latency_us: 41,
        ..Decision::default()
    }
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
                assert!(line[name].is_string(), "dimension {name} is a root string");
            }
        }
        for metric in directive["Metrics"].as_array().expect("Metrics") {
            let name = metric["Name"].as_str().expect("Name");
            assert!(line[name].is_number(), "metric {name} is a root number");
            assert_eq!(metric["Unit"], "Count");
        }
    }
}

#[test]
fn a_decision_is_one_flat_json_line_written_at_once_and_a_valid_emf_metric() {
    let (log, out) = new_log(
        settings(LogFormat::Json, Level::INFO),
        Some(DEFAULT_METRICS_NAMESPACE),
    );
    log.decision(INVOCATION, allow("sub-1"));
    let lines = out.lines();
    assert_eq!((lines.len(), out.writes()), (1, 1), "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["requestId"], "req-1");
    assert_eq!(line["traceId"], "Root=1-abc");
    assert_eq!(line["message"], "authorization decision");
    assert_eq!(line["event"], "rest_token");
    assert_eq!(line["decision"], "allow");
    assert_eq!(line["reason"], "valid_token");
    assert_eq!(line["sub"], "sub-1");
    assert_eq!(line["latency_us"], 41);
    assert_eq!(line["Decisions"], 1);
    assert!(line.get("detail").is_none() && line.get("error").is_none());
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], DEFAULT_METRICS_NAMESPACE);
    assert_eq!(directive["Dimensions"], json!([["decision"], ["reason"]]));
    assert_valid_emf(&line);
    let timestamp = line["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() >= 20 && timestamp.as_bytes()[10] == b'T' && timestamp.ends_with('Z'),
        "{timestamp}"
    );
    assert!(lines[0].len() < 600, "{} bytes", lines[0].len());
}

#[test]
fn metrics_off_or_text_format_write_no_emf() {
    let (off, out) = new_log(settings(LogFormat::Json, Level::INFO), None);
    off.decision(INVOCATION, allow("sub-1"));
    let (text, text_out) = new_log(
        settings(LogFormat::Text, Level::INFO),
        Some(DEFAULT_METRICS_NAMESPACE),
    );
    text.decision(INVOCATION, allow("sub-1"));
    for lines in [out.lines(), text_out.lines()] {
        assert_eq!(lines.len(), 1);
        let line: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["decision"], "allow");
        assert!(line.get("_aws").is_none() && line.get("Decisions").is_none());
    }
}

#[test]
fn jwks_metrics_have_one_empty_dimension_set_and_failures_show_at_warn() {
    let (log, out) = new_log(settings(LogFormat::Json, Level::WARN), Some("Team/Auth"));
    let keys = KeySet::default();
    log.observe(&JwksEvent::Fetched {
        issuer: "https://x",
        jwks_url: "https://x/jwks",
        keys: &keys,
    });
    log.observe(&JwksEvent::FetchFailed {
        issuer: "https://x",
        jwks_url: "https://x/jwks",
        error: &oidc_jwt_verifier::jwks::JwksFetchError::Timeout,
    });
    let lines = out.lines();
    // The fetch (INFO) is below WARN; the failure is not.
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["issuer"], "https://x");
    assert!(line["error"].is_string());
    assert_eq!(line["JwksFetchFailures"], 1);
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Dimensions"], json!([[]]));
    assert_eq!(directive["Namespace"], "Team/Auth");
    assert_valid_emf(&line);

    let (log, out) = new_log(settings(LogFormat::Json, Level::INFO), Some("N"));
    log.observe(&JwksEvent::Fetched {
        issuer: "https://x",
        jwks_url: "https://x/jwks",
        keys: &keys,
    });
    let line: Value = serde_json::from_str(&out.lines()[0]).unwrap();
    assert_eq!(
        (line["message"].as_str(), line["JwksFetches"].as_u64()),
        (Some("JWKS fetched"), Some(1))
    );
    assert_eq!(line["kids"], json!([]));
    assert_valid_emf(&line);
}

#[test]
fn the_level_setting_keeps_error_decisions_and_drops_info_ones_at_warn() {
    let (log, out) = new_log(settings(LogFormat::Json, Level::WARN), Some("N"));
    log.decision(INVOCATION, allow("sub-1"));
    let error = Decision {
        decision: "error",
        reason: "jwks_unavailable",
        ..Decision::default()
    };
    log.decision(INVOCATION, error);
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(
        (line["level"].as_str(), line["reason"].as_str()),
        (Some("ERROR"), Some("jwks_unavailable"))
    );
    assert_valid_emf(&line);
}

#[test]
fn hostile_values_stay_inside_their_json_string() {
    let (log, out) = new_log(settings(LogFormat::Json, Level::INFO), None);
    log.decision(Invocation::default(), allow("a\"b\\c\nd\u{1}"));
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["sub"], "a\"b\\c\nd\u{1}");
    assert!(line.get("requestId").is_none() && line.get("traceId").is_none());
}

#[test]
fn metric_settings_default_to_on_and_name_the_variable_at_fault() {
    let read = |vars: &[(&str, &str)]| {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        metrics_namespace_from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    };
    assert_eq!(
        read(&[]).unwrap().as_deref(),
        Some(DEFAULT_METRICS_NAMESPACE)
    );
    assert_eq!(
        read(&[("METRICS", "on"), ("METRICS_NAMESPACE", " Team/Auth ")])
            .unwrap()
            .as_deref(),
        Some("Team/Auth")
    );
    assert_eq!(read(&[("METRICS", "off")]).unwrap(), None);
    for (vars, variable) in [
        (&[("METRICS", "yes")][..], "METRICS"),
        (&[("METRICS_NAMESPACE", "AWS/Lambda")], "METRICS_NAMESPACE"),
        (&[("METRICS_NAMESPACE", "a\"b")], "METRICS_NAMESPACE"),
        (
            &[("METRICS_NAMESPACE", &"n".repeat(256))],
            "METRICS_NAMESPACE",
        ),
    ] {
        assert_eq!(read(vars).unwrap_err().variable, variable, "{vars:?}");
    }
    assert!(read(&[("METRICS_NAMESPACE", &"n".repeat(255))]).is_ok());
}
