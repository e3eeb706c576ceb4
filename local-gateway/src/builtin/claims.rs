//! Reading verified claims and rendering them the way each built-in hands them to the backend.
//!
//! Invariant: every claim reaches the backend as a string (both built-ins pass strings, not
//! JSON values); only the list and date formats differ by kind. The formats are not
//! documented by AWS: they are taken from what deployed APIs are reported to hand their
//! backends (see [`ListStyle`] and [`rendered_claims`]), so that the api-handler is tested
//! against the shape it will meet, not against a tidier one.

use serde_json::{Map, Value};

use crate::civil_date::{MONTHS, civil_from_days};

/// The space-separated `scope` (Cognito), or `scp` (the HTTP API's JWT authorizer reads
/// either: "`scope` or `scp`", "Control access to HTTP APIs with JWT authorizers").
pub(crate) fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(scope)) => scope.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(scopes)) => scopes
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the token holds at least one of `wanted` (both built-ins: "any").
pub(crate) fn has_any_scope(claims: &Map<String, Value>, wanted: &[String]) -> bool {
    let held = token_scopes(claims);
    wanted.iter().any(|s| held.contains(s))
}

/// A whole-seconds claim (`exp`, `nbf`, `iat`); anything else (a string, a fraction, a
/// negative number) reads as absent, which every caller refuses.
pub(crate) fn numeric(claims: &Map<String, Value>, name: &str) -> Option<u64> {
    claims.get(name).and_then(Value::as_u64)
}

/// How a built-in renders a list claim into its string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListStyle {
    /// REST: `admin,staff` (re:Post question "AWS Cognito Group", a real event).
    Commas,
    /// HTTP API: `[admin staff]` (aws-solutions-library-samples
    /// guidance-for-claude-code-with-amazon-bedrock PR 803).
    Brackets,
}

/// Every claim as the string the built-in hands the backend. REST also renders `exp` and
/// `iat` as dates like `Tue Apr 04 18:39:39 UTC 2023` (the same re:Post event).
pub(crate) fn rendered_claims(claims: &Map<String, Value>, style: ListStyle) -> Map<String, Value> {
    claims
        .iter()
        .map(|(name, value)| {
            let text = match (style, name.as_str(), value.as_u64()) {
                (ListStyle::Commas, "exp" | "iat", Some(seconds)) => java_date_utc(seconds),
                _ => render(value, style),
            };
            (name.clone(), Value::String(text))
        })
        .collect()
}

fn render(value: &Value, style: ListStyle) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|item| render(item, style)).collect();
            match style {
                ListStyle::Commas => items.join(","),
                ListStyle::Brackets => format!("[{}]", items.join(" ")),
            }
        }
        // Numbers, booleans, null and objects: their JSON text (Cognito's tokens hold no
        // objects; what API Gateway does with one is undocumented).
        other => other.to_string(),
    }
}

/// Unix seconds as Java's `Date.toString()` in UTC: `Tue Apr 04 18:39:39 UTC 2023`.
pub(crate) fn java_date_utc(seconds: u64) -> String {
    // 1970-01-01 was a Thursday.
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        year
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_render_like_java() {
        // 1680633579 is the exp of the re:Post sample event, "Tue Apr 04 18:39:39 UTC 2023".
        for (seconds, text) in [
            (0, "Thu Jan 01 00:00:00 UTC 1970"),
            (1_680_633_579, "Tue Apr 04 18:39:39 UTC 2023"),
            (951_782_400, "Tue Feb 29 00:00:00 UTC 2000"),
            (4_102_444_799, "Thu Dec 31 23:59:59 UTC 2099"),
        ] {
            assert_eq!(java_date_utc(seconds), text, "{seconds}");
        }
    }

    #[test]
    fn claims_render_in_each_style() {
        let claims = json!({"cognito:groups": ["admin", "staff"], "email_verified": true,
            "auth_time": 1_680_629_979u64, "exp": 1_680_633_579u64, "iat": 1_680_629_979u64,
            "sub": "s", "empty": []});
        let claims = claims.as_object().unwrap();
        let rest = rendered_claims(claims, ListStyle::Commas);
        let http = rendered_claims(claims, ListStyle::Brackets);
        for (name, rest_text, http_text) in [
            ("cognito:groups", "admin,staff", "[admin staff]"),
            ("email_verified", "true", "true"),
            ("auth_time", "1680629979", "1680629979"),
            ("exp", "Tue Apr 04 18:39:39 UTC 2023", "1680633579"),
            ("iat", "Tue Apr 04 17:39:39 UTC 2023", "1680629979"),
            ("sub", "s", "s"),
            ("empty", "", "[]"),
        ] {
            assert_eq!(rest[name], rest_text, "REST {name}");
            assert_eq!(http[name], http_text, "HTTP API {name}");
        }
    }
}
