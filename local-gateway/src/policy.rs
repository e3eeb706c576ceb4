//! Evaluating an authorizer's IAM policy against a request's method ARN, as API Gateway does:
//! an explicit Deny wins; otherwise any Allow whose Resource matches allows; otherwise the
//! request is implicitly denied. Resources use IAM's `*`/`?` wildcards (case-sensitive);
//! actions are matched case-insensitively, as IAM does.

use authorizer::wildcard_match;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// What a policy says about one request.
pub enum Decision {
    /// An Allow matched and no Deny did.
    Allow,
    /// An explicit Deny matched.
    ExplicitDeny,
    /// No Allow matched.
    ImplicitDeny,
}

/// Why a policy document could not be evaluated (API Gateway answers 500).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed policy document: {0}")]
pub struct MalformedPolicy(pub &'static str);

/// Evaluates `document` (the `policyDocument` of an authorizer answer) for `method_arn`.
pub fn evaluate(document: &Value, method_arn: &str) -> Result<Decision, MalformedPolicy> {
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.as_slice(),
        Some(statement @ Value::Object(_)) => std::slice::from_ref(statement),
        _ => return Err(MalformedPolicy("no Statement")),
    };
    let mut allowed = false;
    for statement in statements {
        let effect = statement.get("Effect").and_then(Value::as_str);
        let actions = strings(statement.get("Action")).ok_or(MalformedPolicy("no Action"))?;
        let resources = strings(statement.get("Resource")).ok_or(MalformedPolicy("no Resource"))?;
        let applies = actions.iter().any(|a| action_matches(a))
            && resources.iter().any(|r| wildcard_match(r, method_arn));
        match effect {
            Some("Deny") if applies => return Ok(Decision::ExplicitDeny),
            Some("Allow") => allowed |= applies,
            Some("Deny") => {}
            _ => return Err(MalformedPolicy("Effect is neither Allow nor Deny")),
        }
    }
    Ok(if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    })
}

/// A string or an array of strings (IAM accepts both).
fn strings(value: Option<&Value>) -> Option<Vec<&str>> {
    match value? {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

fn action_matches(pattern: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), "execute-api:invoke")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const STAGE: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:local/prod";

    fn arn(suffix: &str) -> String {
        format!("{STAGE}/{suffix}")
    }

    /// The shape our authorizer answers with: Allow the stage, Deny /admin.
    fn stage_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [arn("*/*")]},
            {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": [arn("GET/admin"), arn("GET/admin/")]},
        ]})
    }

    #[test]
    fn explicit_deny_wins_over_allow() {
        let policy = stage_policy();
        assert_eq!(evaluate(&policy, &arn("GET/me")), Ok(Decision::Allow));
        assert_eq!(
            evaluate(&policy, &arn("GET/admin")),
            Ok(Decision::ExplicitDeny)
        );
        assert_eq!(
            evaluate(&policy, &arn("GET/admin/")),
            Ok(Decision::ExplicitDeny)
        );
        // Only the listed resources are denied: a longer path is not covered.
        assert_eq!(evaluate(&policy, &arn("GET/admin/x")), Ok(Decision::Allow));
    }

    #[test]
    fn no_matching_allow_is_an_implicit_deny() {
        // A policy for one method ARN only (what a naive authorizer returns): cached, it
        // denies every other route.
        let narrow = json!({"Statement": {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn("GET/hello")}});
        assert_eq!(evaluate(&narrow, &arn("GET/hello")), Ok(Decision::Allow));
        assert_eq!(
            evaluate(&narrow, &arn("GET/me")),
            Ok(Decision::ImplicitDeny)
        );
        // Another stage, another API.
        let other = json!({"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
            "Resource": "arn:aws:execute-api:ap-northeast-1:123456789012:local/dev/*/*"}]});
        assert_eq!(evaluate(&other, &arn("GET/me")), Ok(Decision::ImplicitDeny));
        assert_eq!(
            evaluate(&json!({"Statement": []}), &arn("GET/me")),
            Ok(Decision::ImplicitDeny)
        );
    }

    #[test]
    fn wildcards_and_actions_follow_iam() {
        let policy = |action: &str, resource: &str| json!({"Statement": [{"Action": action, "Effect": "Allow", "Resource": resource}]});
        let me = arn("GET/me");
        assert_eq!(
            evaluate(&policy("execute-api:*", "*"), &me),
            Ok(Decision::Allow)
        );
        assert_eq!(
            evaluate(&policy("Execute-API:invoke", &arn("GET/?e")), &me),
            Ok(Decision::Allow)
        );
        assert_eq!(
            evaluate(&policy("execute-api:ManageConnections", "*"), &me),
            Ok(Decision::ImplicitDeny)
        );
        assert_eq!(
            evaluate(&policy("execute-api:Invoke", &arn("GET/ME")), &me),
            Ok(Decision::ImplicitDeny)
        );
        assert_eq!(
            evaluate(&policy("execute-api:Invoke", &arn("POST/*")), &me),
            Ok(Decision::ImplicitDeny)
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        for document in [
            json!({}),
            json!({"Statement": "Allow"}),
            json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke"}]}),
            json!({"Statement": [{"Effect": "Maybe", "Action": "execute-api:Invoke", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [1]}]}),
        ] {
            assert!(evaluate(&document, &arn("GET/me")).is_err(), "{document}");
        }
    }
}
