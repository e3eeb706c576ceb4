//! `max_auth_age_seconds` under API Gateway's authorizer result cache.
//!
//! Invariant: a token passes a freshness rule only if it stays fresh for as long as API Gateway
//! may reuse the answer. API Gateway keeps an authorizer's answer for
//! `AUTHORIZER_CACHE_TTL_SECONDS` (the template's `AuthorizerCacheTtl`) and applies it to later
//! requests without asking again, so an Allow given at the instant `t` still lets the token in
//! at `t + TTL`. The rule "`auth_time` at most N seconds old" must hold then too:
//!
//! ```text
//! (t + TTL) - auth_time <= N   <=>   t - auth_time <= N - TTL
//! ```
//!
//! So each bound N is judged as N - TTL at verification time, which the verifier then checks as
//! it checks any bound (to the second, by its clock). A bound shorter than the TTL could never
//! be met by a cached answer and is refused at init, naming both settings. The TTL is needed
//! only where such a rule exists: without one, nothing here reads it.

use oidc_jwt_verifier::{
    ConfigError,
    claims::{ClaimRule, ClaimRules},
};

use crate::apigw::{RouteRule, RouteRules};

/// The variable that tells the authorizer API Gateway's result cache TTL.
pub(super) const AUTHORIZER_CACHE_TTL_SECONDS: &str = "AUTHORIZER_CACHE_TTL_SECONDS";

/// API Gateway's longest authorizer result TTL: "The maximum value is 3600, or 1 hour"
/// (`authorizerResultTtlInSeconds`, API Gateway API reference, Authorizer,
/// <https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html>).
pub(super) const MAX_CACHE_TTL_SECONDS: u64 = 3600;

/// Whether any of `rules` is a freshness rule.
pub(super) fn has_freshness_rule(rules: &ClaimRules) -> bool {
    rules
        .rules()
        .iter()
        .any(|rule| matches!(rule, ClaimRule::MaxAuthAge { .. }))
}

/// `rules` with each bound N judged as N - `ttl` (see the module docs); `Err(N)` for the first
/// bound shorter than `ttl`.
pub(super) fn held_for_ttl(rules: &ClaimRules, ttl: u64) -> Result<ClaimRules, u64> {
    rules
        .rules()
        .iter()
        .map(|rule| match rule {
            ClaimRule::MaxAuthAge { seconds } => seconds
                .checked_sub(ttl)
                .map(|seconds| ClaimRule::MaxAuthAge { seconds })
                .ok_or(*seconds),
            other => Ok(other.clone()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(ClaimRules::new)
}

/// `rules`, read from `variable` (at `place` in it), held for `ttl`; an error naming the rule's
/// setting and the TTL's for a bound that cannot hold under the cache.
pub(super) fn held(
    variable: &'static str,
    place: &str,
    rules: &ClaimRules,
    ttl: u64,
) -> Result<ClaimRules, ConfigError> {
    held_for_ttl(rules, ttl).map_err(|bound| {
        ConfigError::new(
            variable,
            format!(
                "{place}max_auth_age_seconds {bound} is shorter than \
                 {AUTHORIZER_CACHE_TTL_SECONDS} {ttl} (AuthorizerCacheTtl): API Gateway reuses \
                 an Allow for the TTL, so the token would be let in after the bound; raise the \
                 bound to at least the TTL or lower the TTL"
            ),
        )
    })
}

/// Every route rule's `required_claims` (read from `variable`) held for `ttl`.
pub(super) fn route_rules(
    variable: &'static str,
    rules: &RouteRules,
    ttl: u64,
) -> Result<RouteRules, ConfigError> {
    rules
        .rules()
        .iter()
        .map(|rule| {
            let method = if rule.method == "*" {
                "ANY"
            } else {
                &rule.method
            };
            let place = format!("\"{method} {}\": ", rule.path);
            let held = held(variable, &place, &rule.required_claims, ttl)?;
            Ok(RouteRule::clone(rule).with_required_claims(held))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|rules| RouteRules { rules })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_jwt_verifier::claims::CallerKind;

    fn bound(seconds: u64) -> ClaimRules {
        ClaimRules::new(vec![
            ClaimRule::Caller(CallerKind::User),
            ClaimRule::MaxAuthAge { seconds },
        ])
    }

    /// The bound judged at verification time, at the edges of the arithmetic.
    #[test]
    fn each_bound_shrinks_by_the_ttl_and_never_below_zero() {
        let cases = [
            ("no cache keeps the bound", 300, 0, Ok(300)),
            ("bound one over the TTL", 301, 300, Ok(1)),
            ("bound equal to the TTL", 300, 300, Ok(0)),
            ("bound one under the TTL", 299, 300, Err(299)),
            ("one-second bound, no cache", 1, 0, Ok(1)),
            ("one-second bound, one-second TTL", 1, 1, Ok(0)),
            (
                "longest bound, longest TTL",
                31_536_000,
                3600,
                Ok(31_532_400),
            ),
        ];
        for (name, seconds, ttl, expected) in cases {
            let held = held_for_ttl(&bound(seconds), ttl);
            let expected = expected.map(|seconds| {
                vec![
                    ClaimRule::Caller(CallerKind::User),
                    ClaimRule::MaxAuthAge { seconds },
                ]
            });
            assert_eq!(held.map(|rules| rules.rules().to_vec()), expected, "{name}");
        }
    }

    #[test]
    fn only_freshness_rules_need_the_ttl() {
        assert!(has_freshness_rule(&bound(5)));
        let other = ClaimRules::new(vec![ClaimRule::Caller(CallerKind::Machine)]);
        assert!(!has_freshness_rule(&other));
        assert!(!has_freshness_rule(&ClaimRules::default()));
        assert_eq!(held_for_ttl(&other, 3600), Ok(other.clone()));
    }

    #[test]
    fn a_refusal_names_the_route_the_bound_and_the_ttl() {
        let rules = RouteRules::parse(
            r#"{"ANY /pay": {"required_claims": {"max_auth_age_seconds": 60}}, "GET /a": {"groups": ["x"]}}"#,
        )
        .unwrap();
        let error = route_rules("ROUTE_RULES", &rules, 61).unwrap_err();
        assert_eq!(error.variable, "ROUTE_RULES");
        assert_eq!(
            error.message,
            "\"ANY /pay\": max_auth_age_seconds 60 is shorter than \
             AUTHORIZER_CACHE_TTL_SECONDS 61 (AuthorizerCacheTtl): API Gateway reuses an Allow \
             for the TTL, so the token would be let in after the bound; raise the bound to at \
             least the TTL or lower the TTL"
        );
        let held = route_rules("ROUTE_RULES", &rules, 60).unwrap();
        let pay = held.rules().iter().find(|r| r.path == "/pay").unwrap();
        assert_eq!(
            pay.required_claims.rules(),
            [ClaimRule::MaxAuthAge { seconds: 0 }]
        );
        // The other rule, and what every rule covers, are unchanged.
        let a = held.rules().iter().find(|r| r.path == "/a").unwrap();
        assert_eq!(a.groups, vec!["x"]);
        assert_eq!(held.rules().len(), 2);
        for (before, after) in rules.rules().iter().zip(held.rules()) {
            assert_eq!(before.resource_suffixes(), after.resource_suffixes());
        }
    }
}
