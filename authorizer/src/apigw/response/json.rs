//! The answer's JSON text, written by hand: the one place that defines its shape.
//!
//! Why not serde_json's writer: it escaped every string of the answer one byte at a time (the
//! issuer URL, the stage ARN, the identity), about 7 k instructions per request, more than the
//! decision line. Here text that needs no escape is copied whole (see `json_text`), spelled
//! exactly as serde_json would spell it: the bytes API Gateway gets are the bytes it got when
//! serde_json wrote them (property tests hold the writer to serde_json's output of the types
//! it replaced, and of [`IdentityContext`]'s derived `Serialize`).
//!
//! Members appear in the order serde_json wrote them; absent optional members are left out.

use crate::json_text::{push_serde_escaped, push_serde_string, push_u64};

use super::{AuthorizerResponse, IdentityContext, PolicyResponse, SimpleResponse};

/// Room for a typical answer (an Allow with a full identity is about 700 bytes), so that the
/// text is allocated once.
const TYPICAL_ANSWER_BYTES: usize = 1024;

/// The answer as JSON text, exactly as API Gateway reads it.
pub(super) fn answer(response: &AuthorizerResponse) -> String {
    let mut out = String::with_capacity(TYPICAL_ANSWER_BYTES);
    match response {
        AuthorizerResponse::Rest(policy) | AuthorizerResponse::HttpIam(policy) => {
            policy_response(&mut out, policy);
        }
        AuthorizerResponse::HttpSimple(simple) => simple_response(&mut out, simple),
    }
    out
}

/// `{"isAuthorized":…,"context":{…}}`, the context left out when there is none.
pub(super) fn simple_response(out: &mut String, simple: &SimpleResponse) {
    out.push_str(if simple.is_authorized {
        r#"{"isAuthorized":true"#
    } else {
        r#"{"isAuthorized":false"#
    });
    if let Some(context) = &simple.context {
        out.push_str(r#","context":"#);
        identity_context(out, context);
    }
    out.push('}');
}

/// `{"principalId":…,"policyDocument":{…},"context":{…}}`: Allow (or Deny) on the whole stage,
/// then one Deny statement listing each route the caller fails, when there is one.
pub(super) fn policy_response(out: &mut String, policy: &PolicyResponse) {
    out.push_str(r#"{"principalId":"#);
    push_serde_string(out, &policy.principal_id);
    out.push_str(r#","policyDocument":{"Version":"2012-10-17","Statement":["#);
    statement_head(
        out,
        if policy.allows_stage() {
            "Allow"
        } else {
            "Deny"
        },
    );
    joined(out, &policy.stage_prefix, "*/*");
    out.push_str("]}");
    if !policy.failed.is_empty() {
        out.push(',');
        statement_head(out, "Deny");
        for (index, suffix) in policy.denied().enumerate() {
            if index > 0 {
                out.push(',');
            }
            joined(out, &policy.stage_prefix, suffix);
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    if let Some(context) = &policy.context {
        out.push_str(r#","context":"#);
        identity_context(out, context);
    }
    out.push('}');
}

/// A statement up to its resource list's first element: `{"Action":[…],"Effect":…,"Resource":[`.
fn statement_head(out: &mut String, effect: &str) {
    out.push_str(r#"{"Action":["execute-api:Invoke"],"Effect":""#);
    out.push_str(effect);
    out.push_str(r#"","Resource":["#);
}

/// Two strings as one JSON string, without allocating the concatenation.
fn joined(out: &mut String, first: &str, second: &str) {
    out.push('"');
    push_serde_escaped(out, first);
    push_serde_escaped(out, second);
    out.push('"');
}

/// The identity context, member for member as [`IdentityContext`]'s derived `Serialize`
/// writes it.
pub(super) fn identity_context(out: &mut String, context: &IdentityContext) {
    let IdentityContext {
        sub,
        username,
        token_use,
        caller,
        client_id,
        scope,
        groups,
        email,
        email_verified,
        iss,
        issuer_name,
        exp,
        auth_time,
        origin_jti,
    } = context;
    out.push_str(r#"{"sub":"#);
    push_serde_string(out, sub);
    optional_string(out, r#","username":"#, username.as_deref());
    optional_string(out, r#","token_use":"#, token_use.as_deref());
    optional_string(out, r#","caller":"#, caller.as_deref());
    out.push_str(r#","client_id":"#);
    push_serde_string(out, client_id);
    optional_string(out, r#","scope":"#, scope.as_deref());
    out.push_str(r#","groups":"#);
    push_serde_string(out, groups);
    optional_string(out, r#","email":"#, email.as_deref());
    if let Some(verified) = email_verified {
        out.push_str(if *verified {
            r#","email_verified":true"#
        } else {
            r#","email_verified":false"#
        });
    }
    out.push_str(r#","iss":"#);
    push_serde_string(out, iss);
    out.push_str(r#","issuer_name":"#);
    push_serde_string(out, issuer_name);
    out.push_str(r#","exp":"#);
    push_u64(out, *exp);
    if let Some(auth_time) = auth_time {
        out.push_str(r#","auth_time":"#);
        push_u64(out, *auth_time);
    }
    optional_string(out, r#","origin_jti":"#, origin_jti.as_deref());
    out.push('}');
}

/// `,"name":"value"` when there is a value (`prefix` is `,"name":`).
fn optional_string(out: &mut String, prefix: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.push_str(prefix);
        push_serde_string(out, value);
    }
}

#[cfg(test)]
mod tests;
