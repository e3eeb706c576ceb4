//! IAM policies for API Gateway: method ARNs, IAM's wildcard matching, and the route decision
//! for HTTP API simple responses.
//!
//! API Gateway caches a TOKEN authorizer's policy by token and applies it to every route the
//! caller calls next. So the policy ([`crate::response::PolicyResponse`]) never allows just the
//! one method ARN of this request: it allows the whole stage ([`MethodArn::stage_prefix`] +
//! `*/*`) and denies each route whose rule the caller fails.

use crate::claims::VerifiedClaims;
use crate::route_rules::{METHODS, RouteRules};

/// Effect of a policy statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One `execute-api:Invoke` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub effect: Effect,
    pub resources: Vec<String>,
}

/// `arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>`, as API
/// Gateway sends it in `methodArn` (REST) or `routeArn` (HTTP API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodArn {
    text: String,
    /// Length of `arn:...:<api id>/<stage>/`, the part every resource of the stage shares.
    stage_prefix_len: usize,
}

impl MethodArn {
    /// Parses and checks a method ARN. Wildcards are refused everywhere except as the whole
    /// stage (API Gateway's console test sends `*` there): a hostile `*` in the API ID or
    /// account must not turn into a policy for other APIs.
    pub fn parse(arn: &str) -> Option<Self> {
        let mut fields = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("execute-api"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        )
        else {
            return None;
        };
        let mut parts = resource.splitn(3, '/');
        let (Some(api_id), Some(stage), Some(method_and_path)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let method = method_and_path.split('/').next().unwrap_or_default();
        let valid = partition.starts_with("aws")
            && is_token(partition, &['-'])
            && is_token(region, &['-'])
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && is_token(api_id, &[])
            && (stage == "*" || is_token(stage, &['-', '_', '$']))
            && (is_token(method, &['$']) || method == "*")
            && !method_and_path.contains(['?', '*'])
            && method_and_path.len() <= 4096
            && !method_and_path.contains(char::is_whitespace);
        valid.then(|| MethodArn {
            text: arn.to_owned(),
            stage_prefix_len: arn.len() - method_and_path.len(),
        })
    }

    fn resource_part(&self, index: usize) -> &str {
        let resource = self.text.splitn(6, ':').nth(5).unwrap_or_default();
        resource.split('/').nth(index).unwrap_or_default()
    }

    pub fn region(&self) -> &str {
        self.text.split(':').nth(3).unwrap_or_default()
    }

    pub fn account(&self) -> &str {
        self.text.split(':').nth(4).unwrap_or_default()
    }

    pub fn api_id(&self) -> &str {
        self.resource_part(0)
    }

    pub fn stage(&self) -> &str {
        self.resource_part(1)
    }

    /// `arn:...:<api id>/<stage>/`, the part every resource of the stage shares.
    pub fn stage_prefix(&self) -> &str {
        &self.text[..self.stage_prefix_len]
    }

    /// Everything after the stage: `GET/items/42`.
    pub fn method_and_path(&self) -> &str {
        &self.text[self.stage_prefix_len..]
    }

    /// The ARN of `suffix` (`METHOD/path`) in this ARN's stage.
    pub fn in_stage(&self, suffix: &str) -> String {
        let prefix = &self.text[..self.stage_prefix_len];
        let mut arn = String::with_capacity(prefix.len() + suffix.len());
        arn.push_str(prefix);
        arn.push_str(suffix);
        arn
    }

    /// Every method and path of this stage.
    pub fn whole_stage(&self) -> String {
        self.in_stage("*/*")
    }
}

fn is_token(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// Whether an HTTP API simple response may say `isAuthorized: true` for this request, which
/// API Gateway then caches for this token and route key.
///
/// With route rules, the answer is cached per `routeKey`, so the route key must name exactly
/// one method and one literal path: `$default`, `ANY /x`, `GET /items/{id}` and
/// `GET /{proxy+}` each stand for many requests, and an answer for one of them (`/hello`)
/// would be reused for another (`/admin`). Such routes are refused outright, whatever the
/// request. The request itself must be unambiguous too — a concrete method and a plain path
/// that is the route key's own path — and neither may fall under a rule the caller fails.
pub fn simple_request_allowed(
    arn: &MethodArn,
    route_key: Option<&str>,
    rules: &RouteRules,
    claims: &VerifiedClaims,
) -> bool {
    if rules.is_empty() {
        return true;
    }
    let Some(route) = route_key.and_then(literal_route) else {
        return false;
    };
    let request = arn.method_and_path();
    if is_ambiguous(request) || !same_route(&route, request) {
        return false;
    }
    let mut failed = rules.failed_by(claims);
    !failed.any(|rule| rule.covers(request) || rule.covers(&route))
}

/// `GET /me` → `GET/me` when the route key names one method and a literal path; `None` for
/// `$default`, `ANY`, templated (`{id}`) and greedy (`{proxy+}`) routes.
fn literal_route(route_key: &str) -> Option<String> {
    let (method, path) = route_key.split_once(' ')?;
    let route = format!("{method}{path}");
    (path.starts_with('/') && !is_ambiguous(&route)).then_some(route)
}

/// Whether the request (`GET/me` or `GET/me/`) is the literal route (`GET/me`).
fn same_route(route: &str, request: &str) -> bool {
    request == route || request.strip_suffix('/') == Some(route)
}

/// A `METHOD/path` whose rule coverage cannot be decided literally.
fn is_ambiguous(method_and_path: &str) -> bool {
    let (method, path) = method_and_path
        .split_once('/')
        .unwrap_or((method_and_path, ""));
    !METHODS.contains(&method)
        || path.contains(['{', '}', '%', ';', '\\'])
        || path.starts_with('/')
        || path.contains("//")
        || path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

/// IAM's resource wildcard match: `*` matches any run of characters (including `/`), `?` any
/// single character; everything else literally, case-sensitively. Linear in practice: the
/// classic greedy algorithm with one backtrack point.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    let (mut pi, mut vi) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == v[vi]) && p[pi] != b'*' {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            backtrack = Some((pi, vi));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            vi = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/items/42";

    #[test]
    fn parses_method_arns() {
        let arn = MethodArn::parse(ARN).unwrap();
        assert_eq!(arn.region(), "ap-northeast-1");
        assert_eq!(arn.account(), "123456789012");
        assert_eq!(arn.api_id(), "abcdef1234");
        assert_eq!(arn.stage(), "prod");
        assert_eq!(arn.method_and_path(), "GET/items/42");
        assert_eq!(
            arn.whole_stage(),
            "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/*/*"
        );
        let console =
            MethodArn::parse("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/")
                .unwrap();
        assert_eq!(
            console.whole_stage(),
            "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*"
        );
        let http = MethodArn::parse(
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/me",
        )
        .unwrap();
        assert_eq!(http.stage(), "$default");
        assert!(
            MethodArn::parse("arn:aws-cn:execute-api:cn-north-1:123456789012:a1/s/GET/").is_some()
        );
    }

    #[test]
    fn refuses_malformed_or_wildcarded_arns() {
        let bad = [
            "",
            "arn",
            "arn:aws:execute-api:us-east-1:123456789012",
            "arn:aws:execute-api:us-east-1:123456789012:api",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage",
            "arn:aws:lambda:us-east-1:123456789012:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:*:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:12345:api/stage/GET/",
            "arn:aws:execute-api:*:123456789012:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:*/stage/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:api/st*/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a*",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a?b",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a b",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage//x",
            "arn:gcp:execute-api:us-east-1:123456789012:api/stage/GET/",
        ];
        for arn in bad {
            assert!(MethodArn::parse(arn).is_none(), "{arn}");
        }
    }

    #[test]
    fn ambiguous_requests() {
        for ambiguous in [
            "$default",
            "ANY/x",
            "GET/{proxy+}",
            "GET/a%2Fb",
            "GET//admin",
            "GET/admin;x",
            "GET/./admin",
            "GET/x/../admin",
            "get/admin",
        ] {
            assert!(is_ambiguous(ambiguous), "{ambiguous}");
        }
        for plain in [
            "GET/",
            "GET/admin",
            "HEAD/admin/",
            "DELETE/items/42",
            "OPTIONS/a.b/c",
        ] {
            assert!(!is_ambiguous(plain), "{plain}");
        }
    }

    #[test]
    fn only_literal_route_keys_can_be_judged() {
        for (key, literal) in [
            ("GET /me", Some("GET/me")),
            ("DELETE /items/42", Some("DELETE/items/42")),
            ("GET /", Some("GET/")),
            ("$default", None),
            ("ANY /admin", None),
            ("GET /{proxy+}", None),
            ("ANY /{proxy+}", None),
            ("GET /items/{id}", None),
            ("GET admin", None),
            ("get /admin", None),
            ("GET /a%2Fb", None),
            ("GET //admin", None),
        ] {
            assert_eq!(literal_route(key).as_deref(), literal, "{key}");
        }
        for (route, request, same) in [
            ("GET/me", "GET/me", true),
            ("GET/me", "GET/me/", true),
            ("GET/me", "GET/Admin", false),
            ("GET/me", "POST/me", false),
            ("GET/me", "GET/me//", false),
            ("GET/", "GET/", true),
        ] {
            assert_eq!(same_route(route, request), same, "{route} vs {request}");
        }
    }

    #[test]
    fn wildcards_match_like_iam() {
        let cases = [
            ("*", "", true),
            ("*", "anything/at/all", true),
            ("a*", "a", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("*/*", "GET/", true),
            ("*/*", "GET", false),
            ("GET/items/*", "GET/items/1/2", true),
            ("GET/items/*", "GET/items", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("GET/admin", "GET/Admin", false),
            (
                "*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                wildcard_match(pattern, value),
                expected,
                "{pattern} vs {value}"
            );
        }
    }
}
