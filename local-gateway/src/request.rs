//! The incoming HTTP request as the gateway sees it, and where it is deployed (for ARNs).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::civil_date::{MONTHS, civil_from_days};

/// The deployment the gateway pretends to be: used in method ARNs and request contexts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiContext {
    /// The Region.
    pub region: String,
    /// The 12-digit account ID.
    pub account: String,
    /// The API ID.
    pub api_id: String,
    /// The stage in method ARNs and event contexts.
    pub stage: String,
}

impl ApiContext {
    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path without leading />`,
    /// as API Gateway sends it in `methodArn` / `routeArn`.
    pub fn method_arn(&self, method: &str, path: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}/{}",
            self.region,
            self.account,
            self.api_id,
            self.stage,
            method,
            path.strip_prefix('/').unwrap_or(path)
        )
    }

    /// The API's own `execute-api` host name.
    pub fn domain_name(&self) -> String {
        format!("{}.execute-api.{}.amazonaws.com", self.api_id, self.region)
    }
}

/// One HTTP request, independent of the server library.
#[derive(Clone, Debug, Default)]
pub struct IncomingRequest {
    /// The HTTP method, uppercased.
    pub method: String,
    /// The path as sent, without the query string.
    pub path: String,
    /// The query string as sent, without `?`.
    pub raw_query: String,
    /// Header names lower-cased, in arrival order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The client's address.
    pub source_ip: String,
    /// A fresh request ID.
    pub request_id: String,
    /// When the request arrived, in ms since the epoch.
    pub time_epoch_ms: u64,
}

impl IncomingRequest {
    /// A request for `method` and `path_and_query`, without headers or body.
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let time_epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        IncomingRequest {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            raw_query: query.to_owned(),
            source_ip: "127.0.0.1".to_owned(),
            request_id: format!("local-{time_epoch_ms:x}-{:x}", next_counter()),
            time_epoch_ms,
            ..Default::default()
        }
    }

    /// The request with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Every value of header `name` (case-insensitive).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The query string decoded into `(name, value)` pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.raw_query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(name), percent_decode(value))
            })
            .collect()
    }

    /// `15/May/2020:06:01:09 +0000`, the form of `requestTime` and `time`.
    pub fn request_time(&self) -> String {
        format_clf(self.time_epoch_ms / 1000)
    }
}

fn next_counter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Decodes `%XX` and `+` (as API Gateway does for query parameters); invalid escapes are kept.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Common Log Format time in UTC.
fn format_clf(unix_seconds: u64) -> String {
    let (year, month, day) = civil_from_days(unix_seconds / 86_400);
    let secs = unix_seconds % 86_400;
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_arns_drop_the_leading_slash() {
        let ctx = ApiContext {
            region: "ap-northeast-1".into(),
            account: "123456789012".into(),
            api_id: "local".into(),
            stage: "prod".into(),
        };
        assert_eq!(
            ctx.method_arn("GET", "/admin/"),
            "arn:aws:execute-api:ap-northeast-1:123456789012:local/prod/GET/admin/"
        );
        assert_eq!(
            ctx.method_arn("GET", "/"),
            "arn:aws:execute-api:ap-northeast-1:123456789012:local/prod/GET/"
        );
    }

    #[test]
    fn splits_and_decodes_the_query() {
        let request = IncomingRequest::new(
            "get",
            "/me?a=1&b=x%20y+z&a=2&flag&bad=%zz&end=%4&u=%E2%9C%93&m=%\u{e9}x",
        );
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/me");
        let pairs = request.query_pairs();
        let expected = [
            ("a", "1"),
            ("b", "x y z"),
            ("a", "2"),
            ("flag", ""),
            ("bad", "%zz"),
            ("end", "%4"),
            ("u", "\u{2713}"),
            ("m", "%\u{e9}x"),
        ];
        assert_eq!(pairs.len(), expected.len());
        for ((name, value), (n, v)) in pairs.iter().zip(expected) {
            assert_eq!((name.as_str(), value.as_str()), (n, v));
        }
    }

    #[test]
    fn formats_times_like_api_gateway() {
        assert_eq!(format_clf(1_589_522_469), "15/May/2020:06:01:09 +0000");
        assert_eq!(format_clf(0), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(format_clf(951_782_400), "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn headers_are_case_insensitive_and_may_repeat() {
        let request = IncomingRequest::new("GET", "/")
            .with_header("Authorization", "a")
            .with_header("authorization", "b");
        assert_eq!(request.header_values("AUTHORIZATION"), ["a", "b"]);
        assert!(request.header_values("host").is_empty());
    }
}
