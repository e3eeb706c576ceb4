use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing::Level;
use tracing_subscriber::layer::SubscriberExt;

use super::*;

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

impl<'w> fmt::MakeWriter<'w> for Captured {
    type Writer = Captured;
    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

fn capture(settings: LogSettings, errors: ReturnedErrors, emit: impl FnOnce()) -> Vec<String> {
    let out = Captured::default();
    let subscriber = tracing_subscriber::registry().with(layer(settings, errors, out.clone()));
    tracing::subscriber::with_default(subscriber, emit);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_owned).collect()
}

fn json(max_level: Level) -> LogSettings {
    LogSettings {
        format: LogFormat::Json,
        max_level,
    }
}

fn in_invocation(emit: impl FnOnce()) {
    let span = tracing::info_span!(
        "Lambda runtime invoke",
        requestId = "req-1",
        xrayTraceId = "Root=1-abc"
    );
    let _guard = span.enter();
    emit();
}

#[test]
fn json_lines_carry_a_timestamp_a_level_the_fields_and_the_request() {
    let lines = capture(json(Level::INFO), ReturnedErrors::Logged, || {
        in_invocation(|| tracing::info!(issuer = "https://x", count = 2_u64, "JWKS fetched"));
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["message"], "JWKS fetched");
    assert_eq!(line["issuer"], "https://x");
    assert_eq!(line["count"], 2);
    assert_eq!(line["span"]["requestId"], "req-1");
    assert!(line.get("spans").is_none(), "{line}");
    let timestamp = line["timestamp"].as_str().unwrap();
    assert!(is_rfc3339_utc(timestamp), "{timestamp}");
}

/// `2026-11-26T13:00:00.123456Z`: what Lambda's log-level filtering accepts.
fn is_rfc3339_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && text.ends_with('Z')
        && text[..4].bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn the_timestamp_helper_writes_rfc3339_utc() {
    assert!(is_rfc3339_utc(&timestamp()), "{}", timestamp());
}

#[test]
fn levels_filter_and_the_runtimes_line_for_a_returned_error_can_be_dropped() {
    let emit = || {
        in_invocation(|| {
            tracing::info!("dropped at WARN");
            tracing::warn!("kept");
            // What lambda_runtime logs for an error the handler returns, and for a panic.
            tracing::error!(target: "lambda_runtime::layers::panic", "{:?}", "Unauthorized");
            tracing::error!(target: "lambda_runtime::layers::panic", error = "boom", "user handler panicked");
        });
    };
    let messages = |errors| {
        capture(json(Level::WARN), errors, emit)
            .iter()
            .map(|line| {
                let line: Value = serde_json::from_str(line).unwrap();
                // Named by the invocation span, which stays enabled at WARN.
                assert_eq!(line["span"]["requestId"], "req-1", "{line}");
                line["message"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        messages(ReturnedErrors::ReportedByTheFunction),
        ["kept", "user handler panicked"]
    );
    assert_eq!(
        messages(ReturnedErrors::Logged),
        ["kept", "\"Unauthorized\"", "user handler panicked"]
    );
}

#[test]
fn text_lines_name_the_level_and_the_request() {
    let lines = capture(LogSettings::default(), ReturnedErrors::Logged, || {
        in_invocation(|| tracing::warn!(sub = "a b", "m"));
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("WARN") && lines[0].contains("req-1") && lines[0].contains("sub=\"a b\""),
        "{lines:?}"
    );
}

#[test]
fn hostile_field_values_stay_inside_their_json_string() {
    let lines = capture(json(Level::INFO), ReturnedErrors::Logged, || {
        tracing::info!(sub = "a\"b\\c\nd\u{1}", "x");
    });
    assert_eq!(lines.len(), 1);
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["sub"], "a\"b\\c\nd\u{1}");
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
    assert_eq!(
        read(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "warn")
        ])
        .unwrap(),
        json(Level::WARN)
    );
    assert_eq!(
        read(&[("AWS_LAMBDA_LOG_FORMAT", " text ")]).unwrap().format,
        LogFormat::Text
    );
    for (vars, level) in [
        (&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")][..], Level::ERROR),
        (&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")], Level::DEBUG),
        (&[("AWS_LAMBDA_LOG_LEVEL", "Info")], Level::INFO),
        (
            &[("AWS_LAMBDA_LOG_LEVEL", "ERROR"), ("RUST_LOG", "debug")],
            Level::ERROR,
        ),
        (&[("RUST_LOG", "debug")], Level::DEBUG),
        (&[("RUST_LOG", "info,hyper=warn")], Level::INFO),
        (&[("RUST_LOG", "trace,lambda_runtime=trace")], Level::DEBUG),
        (&[("RUST_LOG", "hyper=warn")], Level::INFO),
        (&[("RUST_LOG", "warn")], Level::WARN),
    ] {
        assert_eq!(read(vars).unwrap().max_level, level, "{vars:?}");
    }
    for (vars, variable) in [
        (
            &[("AWS_LAMBDA_LOG_FORMAT", "yaml")][..],
            "AWS_LAMBDA_LOG_FORMAT",
        ),
        (&[("AWS_LAMBDA_LOG_LEVEL", "loud")], "AWS_LAMBDA_LOG_LEVEL"),
    ] {
        assert_eq!(read(vars).unwrap_err().variable, variable, "{vars:?}");
    }
}
