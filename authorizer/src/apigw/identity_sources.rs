//! `IDENTITY_SOURCES`: the identity sources an HTTP API authorizer is deployed with, and the
//! check that an event's `identitySource` has exactly that shape.
//!
//! API Gateway caches an HTTP API authorizer's answer under the values of its identity
//! sources, and reuses it for every request with the same values. The answer is only safe to
//! reuse if those values determine it: the token, and with simple responses and route rules,
//! the route. An event carries the values but not their names, so a check on values alone
//! (`is "GET /hello" among them?`) is fooled by a header a client sets to that text. Instead
//! the configuration names the sources, in order, and every value of the event must equal
//! what its source says about this request: position 0 is the `Authorization` header's value,
//! position 1 the `routeKey`, and so on.
//!
//! Values are all an event carries, so a deployment whose sources differ from the
//! configuration can still send a matching event when a client-chosen value equals the
//! expected one: a header `X-Tenant: GET /hello` where the route key was expected. The
//! authorizer therefore also refuses a route-key value that any header, query parameter or
//! cookie of the request holds. The template derives `IDENTITY_SOURCES` and the API's identity
//! sources from one definition, and CI checks they agree: the runtime checks are the second
//! line, not the first.
//!
//! HTTP API payload 1.0 events carry the values as one comma-joined string and are checked
//! the same way. REST `REQUEST` events carry no `identitySource`; for them the cache-safe
//! policy, which depends on the token alone, keeps caching safe only if the authorizer's
//! identity sources include the `Authorization` header (see the README).
//!
//! Reference: "Working with AWS Lambda authorizers for HTTP APIs", identity sources and
//! caching (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>).

use super::arn::is_token;

/// One identity source, as written in API Gateway's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentitySource {
    /// `$request.header.NAME` (matched without regard to letter case, as HTTP header names).
    Header(String),
    /// `$request.querystring.NAME`.
    QueryString(String),
    /// `$context.routeKey`.
    RouteKey,
    /// `$stageVariables.NAME`.
    StageVariable(String),
}

impl IdentitySource {
    /// Parses one source. Only the forms whose value the event lets us check are accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let named = |prefix: &str| {
            text.strip_prefix(prefix)
                .filter(|name| is_token(name, &['-', '_', '.']))
                .map(str::to_owned)
        };
        if text == "$context.routeKey" {
            Ok(IdentitySource::RouteKey)
        } else if let Some(name) = named("$request.header.") {
            Ok(IdentitySource::Header(name.to_ascii_lowercase()))
        } else if let Some(name) = named("$request.querystring.") {
            Ok(IdentitySource::QueryString(name))
        } else if let Some(name) = named("$stageVariables.") {
            Ok(IdentitySource::StageVariable(name))
        } else {
            Err(format!(
                "{text:?} is not one of $request.header.NAME, $request.querystring.NAME, \
                 $context.routeKey, $stageVariables.NAME"
            ))
        }
    }
}

/// The configured identity sources, in API Gateway's order. Always includes the
/// `Authorization` header, and never names a source twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentitySources(Vec<IdentitySource>);

impl IdentitySources {
    /// Parses a comma-separated list such as `$request.header.Authorization,$context.routeKey`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut sources: Vec<IdentitySource> = Vec::new();
        for item in text.split(',').map(str::trim) {
            let source = IdentitySource::parse(item)?;
            if sources.contains(&source) {
                return Err(format!("{item:?} is named twice"));
            }
            sources.push(source);
        }
        if !sources.contains(&IdentitySource::Header("authorization".to_owned())) {
            return Err(
                "must include $request.header.Authorization: without the token among the \
                 identity sources, API Gateway would hand one caller's cached answer to another"
                    .to_owned(),
            );
        }
        Ok(IdentitySources(sources))
    }

    /// `$request.header.Authorization`, plus `$context.routeKey` when `with_route_key`.
    pub fn authorization(with_route_key: bool) -> Self {
        let mut sources = vec![IdentitySource::Header("authorization".to_owned())];
        if with_route_key {
            sources.push(IdentitySource::RouteKey);
        }
        IdentitySources(sources)
    }

    /// Whether `$context.routeKey` is one of them (answers are then cached per route).
    pub fn includes_route_key(&self) -> bool {
        self.0.contains(&IdentitySource::RouteKey)
    }

    /// Whether `values` (an event's `identitySource`) is exactly what these sources say about
    /// the request: one value per source, in order, each equal to `lookup(source)`. `joined`:
    /// the values are payload 1.0's comma-joined string split at `,`, where a value that itself
    /// holds a `,` would make the joined form ambiguous, so it never matches.
    pub fn match_values<'a, 'v>(
        &self,
        values: impl Iterator<Item = &'v str> + Clone,
        joined: bool,
        lookup: impl Fn(&IdentitySource) -> Option<&'a str>,
    ) -> bool {
        values.clone().count() == self.0.len()
            && self.0.iter().zip(values).all(|(source, value)| {
                lookup(source).is_some_and(|expected| {
                    expected == value && !(joined && expected.contains(','))
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_template_sources_and_refuses_every_mistake() {
        let sources =
            IdentitySources::parse("$request.header.Authorization, $context.routeKey").unwrap();
        // Header names lowercased, the order kept.
        assert_eq!(
            sources.0,
            [
                IdentitySource::Header("authorization".into()),
                IdentitySource::RouteKey
            ]
        );
        assert!(sources.includes_route_key());
        let parsed = IdentitySources::parse(
            "$stageVariables.v,$request.querystring.q,$request.header.AUTHORIZATION",
        )
        .unwrap();
        assert_eq!(parsed.0.len(), 3);
        assert!(!parsed.includes_route_key());

        for (bad, says) in [
            ("", "is not one of"),
            (
                "$context.routeKey",
                "must include $request.header.Authorization",
            ),
            ("$request.header.X-Tenant", "must include"),
            (
                "$request.header.Authorization,$request.header.authorization",
                "named twice",
            ),
            (
                "$request.header.Authorization,$context.stage",
                "is not one of",
            ),
            ("$request.header.", "is not one of"),
            ("$request.header.a b", "is not one of"),
            (
                "$request.header.Authorization,,$context.routeKey",
                "is not one of",
            ),
            ("request.header.Authorization", "is not one of"),
        ] {
            let error = IdentitySources::parse(bad).unwrap_err();
            assert!(error.contains(says), "{bad:?}: {error}");
        }
    }

    #[test]
    fn joined_values_match_only_exactly() {
        let sources =
            IdentitySources::parse("$request.header.Authorization,$request.header.X-T").unwrap();
        let request = |source: &IdentitySource| match source {
            IdentitySource::Header(name) if name == "authorization" => Some("Bearer t"),
            IdentitySource::Header(name) if name == "x-t" => Some("a"),
            _ => None,
        };
        assert!(sources.match_values("Bearer t,a".split(','), true, request));
        for wrong in ["Bearer t", "a,Bearer t", "Bearer t,a,", "Bearer t, a", ""] {
            assert!(
                !sources.match_values(wrong.split(','), true, request),
                "{wrong:?}"
            );
        }
        // A value holding the separator makes the joined form ambiguous.
        let comma = |source: &IdentitySource| match source {
            IdentitySource::Header(name) if name == "authorization" => Some("Bearer t"),
            _ => Some("a,b"),
        };
        assert!(!sources.match_values("Bearer t,a,b".split(','), true, comma));
    }

    /// Every way the values of an event could line up with the configured sources by
    /// accident: only the exact shape passes.
    #[test]
    fn an_event_matches_only_value_for_value() {
        let sources = IdentitySources::authorization(true);
        let request = |source: &IdentitySource| match source {
            IdentitySource::Header(name) if name == "authorization" => Some("Bearer t"),
            IdentitySource::Header(name) if name == "x-tenant" => Some("GET /hello"),
            IdentitySource::RouteKey => Some("GET /hello"),
            _ => None,
        };
        let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(
            sources.match_values(
                values(&["Bearer t", "GET /hello"])
                    .iter()
                    .map(String::as_str),
                false,
                request
            )
        );
        for (case, event) in [
            ("swapped", values(&["GET /hello", "Bearer t"])),
            ("token only", values(&["Bearer t"])),
            ("route only", values(&["GET /hello"])),
            (
                "extra header that says the route",
                values(&["Bearer t", "GET /hello", "GET /hello"]),
            ),
            (
                "header instead of token",
                values(&["GET /hello", "GET /hello"]),
            ),
            ("other route", values(&["Bearer t", "GET /admin"])),
            ("other token", values(&["Bearer u", "GET /hello"])),
            ("none", values(&[])),
        ] {
            assert!(
                !sources.match_values(event.iter().map(String::as_str), false, request),
                "{case}"
            );
        }
        // A source the request does not have never matches, not even an empty value.
        let tenant =
            IdentitySources::parse("$request.header.Authorization,$request.querystring.t").unwrap();
        assert!(!tenant.match_values(
            values(&["Bearer t", ""]).iter().map(String::as_str),
            false,
            request
        ));
    }
}
