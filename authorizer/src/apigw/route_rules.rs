//! `ROUTE_RULES`: per-route group, scope and claim requirements, e.g.
//! `{"GET /admin": {"groups": ["admin"]}, "DELETE /items/*": {"scopes": ["items/write"]}}`, or
//! `{"POST /payments": {"required_claims": {"max_auth_age_seconds": 300}}}` (the form of
//! `REQUIRED_CLAIMS`, parsed by the verifier's configuration).
//!
//! A caller who fails a rule gets a `Deny` for that route inside an otherwise stage-wide
//! `Allow`, so the policy API Gateway caches for the token is right for every route.

use serde_json::Value;

use oidc_jwt_verifier::{VerifiedClaims, claims::ClaimRules, config::claim_rules_from_json};

use super::wildcard::wildcard_match;

/// Methods a rule may name. `ANY` and `*` mean every method.
pub(crate) const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// One route's requirement. Groups any-of, scopes any-of, every claim rule; all that are given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRule {
    /// An HTTP method, or `*` for all.
    pub method: String,
    /// The path as written, starting with `/`; `*` matches any run of characters, `/` included,
    /// as in IAM resources.
    pub path: String,
    /// Any one of these groups satisfies the rule; empty means no group is required.
    pub groups: Vec<String>,
    /// Any one of these scopes satisfies the rule; empty means no scope is required.
    pub scopes: Vec<String>,
    /// Claim rules that must all hold; empty means none.
    pub required_claims: ClaimRules,
    /// `METHOD/path` resource patterns, computed once: see [`RouteRule::resource_suffixes`].
    suffixes: Vec<String>,
}

impl RouteRule {
    /// A rule for `method` (an HTTP method or `*`) and `path` (starting with `/`).
    pub fn new(method: &str, path: &str, groups: Vec<String>, scopes: Vec<String>) -> Self {
        // Both spellings of the path (API Gateway delivers `/admin` and `/admin/`), and
        // methods spelled out: `*` in an IAM resource would also match across `/` (`GET/x/admin`
        // for `*/admin`), and HEAD reaches most frameworks' GET handlers.
        let trimmed = path.trim_start_matches('/');
        let bare = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let mut paths = vec![bare.to_owned()];
        if !bare.is_empty() && !bare.ends_with('*') {
            paths.push(format!("{bare}/"));
        }
        let methods: Vec<&str> = match method {
            "*" => METHODS.to_vec(),
            "GET" => vec!["GET", "HEAD"],
            other => vec![other],
        };
        let suffixes = methods
            .iter()
            .flat_map(|m| paths.iter().map(move |p| format!("{m}/{p}")))
            .collect();
        RouteRule {
            method: method.to_owned(),
            path: path.to_owned(),
            groups,
            scopes,
            required_claims: ClaimRules::default(),
            suffixes,
        }
    }

    /// This rule, also requiring `rules` to hold.
    pub fn with_required_claims(mut self, rules: ClaimRules) -> Self {
        self.required_claims = rules;
        self
    }

    /// Whether the caller satisfies this rule. Claim rules judge `auth_time` against the
    /// instant the token was verified ([`VerifiedClaims::verified_at`], the verifier's clock).
    pub fn allows(&self, claims: &VerifiedClaims) -> bool {
        claims.in_any_group(&self.groups)
            && claims.has_any_scope(&self.scopes)
            && claims.meets(&self.required_claims).is_ok()
    }

    /// The `METHOD/path` resource suffixes this rule covers in a method ARN: each method (GET
    /// also covers HEAD, ANY every method), the path with and without a trailing slash.
    pub fn resource_suffixes(&self) -> &[String] {
        &self.suffixes
    }

    /// Whether this rule covers a request for `method_and_path` (`GET/admin`, the part of a
    /// method ARN after the stage).
    pub fn covers(&self, method_and_path: &str) -> bool {
        self.resource_suffixes()
            .iter()
            .any(|pattern| wildcard_match(pattern, method_and_path))
    }
}

/// All configured rules, sorted by route (their order does not matter: every failed rule
/// becomes a Deny, and a Deny wins over any Allow).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteRules {
    pub(crate) rules: Vec<RouteRule>,
}

impl RouteRules {
    /// Whether there are no rules (every valid token may call every route).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules.
    pub fn rules(&self) -> &[RouteRule] {
        &self.rules
    }

    /// The bytes the Deny statement's resources take, as JSON, for a caller who fails every
    /// rule, with resource ARNs `stage_prefix_len` bytes before `METHOD/path`.
    pub fn worst_case_deny_bytes(&self, stage_prefix_len: usize) -> usize {
        self.rules
            .iter()
            .flat_map(|rule| rule.resource_suffixes())
            // `"<prefix><suffix>",`
            .map(|suffix| stage_prefix_len + suffix.len() + 3)
            .sum()
    }

    /// The claims the rules compare: the verifier must keep their values (it keeps each once,
    /// however often it is named here).
    pub fn claim_names(&self) -> Vec<String> {
        let names = self
            .rules
            .iter()
            .flat_map(|rule| rule.required_claims.claim_names());
        names.map(str::to_owned).collect()
    }

    /// The rules this caller does not satisfy.
    pub fn failed_by<'a>(
        &'a self,
        claims: &'a VerifiedClaims,
    ) -> impl Iterator<Item = &'a RouteRule> {
        self.rules.iter().filter(move |rule| !rule.allows(claims))
    }

    /// Parses the JSON form. Every mistake is an error: a rule that silently matched nothing
    /// would leave a route unguarded.
    pub fn parse(json: &str) -> Result<Self, String> {
        const SHAPE: &str = "must be a JSON object of \"METHOD /path\": {\"groups\": [...], \
                             \"scopes\": [...], \"required_claims\": {...}}";
        let document = match oidc_jwt_verifier::strict_json::parse_value(json.as_bytes()) {
            Ok(Value::Object(document)) => document,
            Ok(_) => return Err(SHAPE.to_owned()),
            // Names the duplicate (`duplicate member name "groups"`) or the syntax error.
            Err(error) => return Err(format!("{SHAPE}: {error}")),
        };
        let mut rules = Vec::with_capacity(document.len());
        for (route, requirement) in &document {
            let rule = parse_rule(route, requirement).map_err(|e| format!("{route:?}: {e}"))?;
            rules.push(rule);
        }
        Ok(RouteRules { rules })
    }
}

/// One `"METHOD /path": {requirement}` entry; the error does not name the route.
fn parse_rule(route: &str, requirement: &Value) -> Result<RouteRule, String> {
    let (method, path) = parse_route(route)?;
    let Value::Object(requirement) = requirement else {
        return Err("the requirement must be an object".to_owned());
    };
    let mut groups = Vec::new();
    let mut scopes = Vec::new();
    let mut required_claims = ClaimRules::default();
    for (key, value) in requirement {
        let target = match key.as_str() {
            "groups" => &mut groups,
            "scopes" => &mut scopes,
            "required_claims" => {
                required_claims =
                    claim_rules_from_json(value).map_err(|e| format!("required_claims{e}"))?;
                continue;
            }
            other => {
                return Err(format!(
                    "unknown key {other:?} (use \"groups\", \"scopes\" and \"required_claims\")"
                ));
            }
        };
        *target = string_list(value)
            .ok_or_else(|| format!("{key:?} must be an array of non-empty strings"))?;
    }
    if groups.is_empty() && scopes.is_empty() && required_claims.is_empty() {
        return Err("a rule needs at least one group, scope or required claim".to_owned());
    }
    Ok(RouteRule::new(method, path, groups, scopes).with_required_claims(required_claims))
}

fn parse_route(route: &str) -> Result<(&str, &str), String> {
    let (method, path) = route.split_once(' ').ok_or("expected \"METHOD /path\"")?;
    let method = match method {
        "ANY" | "*" => "*",
        m if METHODS.contains(&m) => m,
        m => return Err(format!("{m:?} is not an HTTP method (or ANY)")),
    };
    let problem = if !path.starts_with('/') {
        "the path must start with '/'"
    } else if path.contains(char::is_whitespace) || path.contains('?') {
        "the path must not contain whitespace or '?'"
    } else if path.contains(['{', '}']) {
        // Method ARNs carry the real path (/items/42), never the template (/items/{id}).
        "use '*' instead of path parameters like {id}"
    } else {
        return Ok((method, path));
    };
    Err(problem.to_owned())
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let rules = RouteRules::parse(
            r#"{"GET /admin": {"groups": ["admin"]}, "DELETE /items/*": {"scopes": ["items/write"]}, "ANY /ops": {"groups": ["ops"], "scopes": ["ops/all"]}}"#,
        )
        .unwrap();
        let find = |path: &str| rules.rules().iter().find(|r| r.path == path).unwrap();
        assert_eq!(rules.rules().len(), 3);
        assert_eq!(find("/admin").method, "GET");
        assert_eq!(find("/admin").groups, vec!["admin"]);
        assert!(find("/admin").scopes.is_empty());
        assert_eq!(find("/items/*").method, "DELETE");
        assert_eq!(find("/items/*").scopes, vec!["items/write"]);
        assert_eq!(find("/ops").method, "*");
        assert_eq!(
            (find("/ops").groups.len(), find("/ops").scopes.len()),
            (1, 1)
        );
    }

    #[test]
    fn rejects_every_mistake() {
        let bad = [
            "[]",
            "{\"GET /a\": {\"groups\": [\"x\"]}, \"GET /a\": {\"groups\": [\"y\"]}}",
            r#"{"GET": {"groups": ["a"]}}"#,
            r#"{"FETCH /a": {"groups": ["a"]}}"#,
            r#"{"get /a": {"groups": ["a"]}}"#,
            r#"{"GET a": {"groups": ["a"]}}"#,
            r#"{"GET /items/{id}": {"groups": ["a"]}}"#,
            r#"{"GET /a?x=1": {"groups": ["a"]}}"#,
            r#"{"GET /a": ["admin"]}"#,
            r#"{"GET /a": {}}"#,
            r#"{"GET /a": {"groups": []}}"#,
            r#"{"GET /a": {"groups": "admin"}}"#,
            r#"{"GET /a": {"groups": [""]}}"#,
            r#"{"GET /a": {"groups": [1]}}"#,
            r#"{"GET /a": {"group": ["admin"]}}"#,
        ];
        for json in bad {
            assert!(RouteRules::parse(json).is_err(), "{json}");
        }
    }

    #[test]
    fn duplicates_are_refused_at_every_level_and_named() {
        let cases = [
            (
                r#"{"GET /admin":{"groups":["admin"],"groups":["staff"]}}"#,
                "groups",
            ),
            (r#"{"GET /a":{"scopes":["x"],"scopes":["y"]}}"#, "scopes"),
            (
                r#"{"GET /a":{"groups":["x"]},"GET /a":{"groups":["x"]}}"#,
                "GET /a",
            ),
        ];
        for (json, named) in cases {
            let error = RouteRules::parse(json).unwrap_err();
            assert!(
                error.contains("duplicate member name") && error.contains(named),
                "{json}: {error}"
            );
        }
    }

    #[test]
    fn worst_case_deny_size_counts_every_resource() {
        let rules =
            RouteRules::parse(r#"{"GET /a": {"groups": ["x"]}, "ANY /bb": {"groups": ["x"]}}"#)
                .unwrap();
        // GET /a: GET/a GET/a/ HEAD/a HEAD/a/ = 5+6+6+7; ANY /bb: 7 methods x (m/bb, m/bb/).
        let any: usize = METHODS.iter().map(|m| 2 * (m.len() + 3) + 1).sum();
        let suffix_bytes = 5 + 6 + 6 + 7 + any;
        let resources = 4 + 14;
        assert_eq!(rules.worst_case_deny_bytes(0), suffix_bytes + 3 * resources);
        assert_eq!(
            rules.worst_case_deny_bytes(100),
            suffix_bytes + 103 * resources
        );
        assert_eq!(RouteRules::default().worst_case_deny_bytes(100), 0);
    }

    #[test]
    fn any_method_does_not_spill_across_slashes_and_slashes_go_both_ways() {
        let rules = RouteRules::parse(r#"{"ANY /admin/": {"groups": ["admin"]}}"#).unwrap();
        let rule = &rules.rules()[0];
        for covered in ["GET/admin", "POST/admin/", "OPTIONS/admin", "DELETE/admin"] {
            assert!(rule.covers(covered), "{covered}");
        }
        for not_covered in ["GET/x/admin", "GET/admin/x", "GET/administrator"] {
            assert!(!rule.covers(not_covered), "{not_covered}");
        }
    }

    #[test]
    fn coverage_follows_iam_wildcards() {
        let rules = RouteRules::parse(
            r#"{"GET /admin": {"groups": ["admin"]}, "DELETE /items/*": {"scopes": ["w"]}, "* /ops/*/logs": {"groups": ["ops"]}, "GET /": {"groups": ["root"]}}"#,
        )
        .unwrap();
        let find = |path: &str| rules.rules().iter().find(|r| r.path == path).unwrap();
        let (admin, items, ops, root) = (
            find("/admin"),
            find("/items/*"),
            find("/ops/*/logs"),
            find("/"),
        );
        let cases: &[(&RouteRule, &str, bool)] = &[
            (admin, "GET/admin", true),
            (admin, "GET/admin/", true),
            (admin, "POST/admin", false),
            (admin, "GET/admin/users", false),
            (admin, "GET/administrator", false),
            (items, "DELETE/items/1", true),
            (items, "DELETE/items/1/parts/2", true),
            (items, "DELETE/items", false),
            (items, "GET/items/1", false),
            (ops, "PUT/ops/a/b/logs", true),
            (ops, "GET/ops/x/logs", true),
            (ops, "GET/ops/x/log", false),
            (root, "GET/", true),
            (root, "GET/x", false),
            (admin, "HEAD/admin", true),
            (admin, "HEAD/admin/", true),
            (ops, "DELETE/ops/a/logs", true),
            (ops, "TRACE/ops/a/logs", false),
        ];
        for (rule, request, expected) in cases {
            assert_eq!(
                rule.covers(request),
                *expected,
                "{} {} vs {request}",
                rule.method,
                rule.path
            );
        }
    }
}
