//! API Gateway's two built-in Cognito authorizers, emulated: the REST API's
//! `COGNITO_USER_POOLS` authorizer and the HTTP API's JWT authorizer (template.yaml's
//! `AuthorizerKind=cognito`). No Lambda runs for them, in AWS or here.
//!
//! Invariant: a request reaches the backend only after the token's signature verified with a
//! key of a configured pool's JWKS (the verifier library's key store and key, the same code
//! our authorizer uses) and every check the AWS documentation lists for that authorizer
//! passed. Everything else follows API Gateway's documented behaviour, *not* ours: the
//! built-ins check less than our authorizer, and the point of emulating them is to show
//! exactly what. Each rule cites its source; where AWS documents nothing, the rule says so
//! and picks the conservative reading (refuse), so that what passes here passes in AWS.
//!
//! Sources (AWS documentation):
//! - [REST] "Control access to REST APIs using Amazon Cognito user pools as an authorizer"
//!   (apigateway-integrate-with-cognito.html) and "Integrate a REST API with an Amazon
//!   Cognito user pool" (apigateway-enable-cognito-user-pool.html): with no OAuth scopes on
//!   the method the token is treated as an ID token; with scopes, as an access token whose
//!   scopes are matched against the method's.
//! - [SCOPES] AWS::ApiGateway::Method `AuthorizationScopes`: "The method invocation is
//!   authorized if any method scope matches a claimed scope in the access token."
//! - [KC401] Knowledge center "api-gateway-cognito-401-unauthorized": 401 for an expired
//!   token, an issuer other than the configured pool, an access token on a method without
//!   scopes and an ID token on a method with scopes.
//! - [JWT] "Control access to HTTP APIs with JWT authorizers in API Gateway"
//!   (http-api-jwt-authorizer.html), its validation workflow: token alone or after `Bearer `;
//!   RSA algorithms only, key by `kid` from the issuer's `jwks_uri`; `iss` equal to the
//!   configured issuer; `aud`, or `client_id` only when there is no `aud`, one of the
//!   configured audiences; `exp` after, `nbf` and `iat` before the current time; `scope`/`scp`
//!   with at least one of the route's scopes. It also notes that nothing tells access tokens
//!   from ID tokens: `token_use` is not checked.
//! - [PAYLOAD] "Create AWS Lambda proxy integrations for HTTP APIs" (payload 2.0):
//!   `requestContext.authorizer.jwt.claims` and `.scopes`.
//!
//! Not documented, taken from what deployed APIs are reported to do (a real deploy is the
//! only way to be sure): REST hands the backend `requestContext.authorizer.claims` with every
//! value a string, lists joined with `,` and `exp`/`iat` as dates like
//! `Tue Apr 04 18:39:39 UTC 2023` (re:Post question "AWS Cognito Group", a real event), and
//! answers an expired token with `The incoming token has expired`; the HTTP API renders lists
//! as `[a b]` (aws-solutions-library-samples guidance-for-claude-code-with-amazon-bedrock
//! PR 803) and a scope miss as 403 `Forbidden`.
//! Not documented and not emulated: whether the REST authorizer accepts a `Bearer ` prefix
//! (here: no, send the bare token), what either answers when the JWKS cannot be fetched
//! (here: 401), the HTTP API's `WWW-Authenticate` header text (here: none), and whether the
//! REST authorizer's result cache applies (here: every request is verified).

use std::sync::Arc;
use std::time::Duration;

use cognito_verifier::dangerous::parse_unverified;
use cognito_verifier::{
    Clock, HttpJwksFetcher, IssuerForm, IssuerPolicy, JwkAlgorithm, JwksFetcher, KeyStore,
    PoolConfig, SystemClock, strict_json,
};
use serde_json::{Map, Value, json};

/// Which built-in authorizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinKind {
    /// REST API `COGNITO_USER_POOLS` authorizer on the `Authorization` header.
    RestCognito,
    /// HTTP API JWT authorizer: one issuer, a list of audiences.
    HttpJwt,
}

/// What the built-in authorizer is configured with (template.yaml's values).
#[derive(Clone, Debug)]
pub struct BuiltinConfig {
    /// Which authorizer.
    pub kind: BuiltinKind,
    /// REST: every pool of `providerARNs`, each accepting both issuer forms (the authorizer
    /// names a pool, not an issuer). HTTP API: one pool, one issuer (`issuer`).
    pub pools: Vec<PoolConfig>,
    /// HTTP API: the `audience` list. REST has none: any app client of the pool passes.
    pub audience: Vec<String>,
    /// The protected routes' authorization scopes (REST `AuthorizationScopes`, HTTP API
    /// `authorizationScopes`); empty: none.
    pub scopes: Vec<String>,
}

impl BuiltinConfig {
    /// From the functions' variables, as the template derives the built-ins from the same
    /// parameters: `USER_POOL_ID` (REST: every pool; HTTP API: the first), `APP_CLIENT_ID`
    /// (the JWT audience), `COGNITO_ENDPOINT` (keys from an emulator), `ISSUER_TYPE` (HTTP API
    /// only: `UPDATED`, the default, or `ORIGINAL`: the one issuer form it trusts, as the
    /// template's `IssuerType` parameter picks it).
    pub fn from_lookup(
        kind: BuiltinKind,
        scopes: Vec<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let read = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let pool_ids = read("USER_POOL_ID").ok_or("USER_POOL_ID is required")?;
        let endpoint = read("COGNITO_ENDPOINT");
        let policy = match kind {
            BuiltinKind::RestCognito => IssuerPolicy::Any,
            BuiltinKind::HttpJwt => match read("ISSUER_TYPE").as_deref() {
                None | Some("UPDATED") => IssuerPolicy::Updated,
                Some("ORIGINAL") => IssuerPolicy::Original,
                Some(other) => {
                    return Err(format!(
                        "ISSUER_TYPE: {other:?} is not UPDATED or ORIGINAL (the JWT authorizer's one issuer form)"
                    ));
                }
            },
        };
        let mut pools = Vec::new();
        for id in pool_ids.split(',').map(str::trim) {
            let endpoint = endpoint.as_deref();
            pools.push(
                PoolConfig::with_issuer_policy(id, endpoint, policy)
                    .map_err(|e| format!("USER_POOL_ID: {e}"))?,
            );
            if kind == BuiltinKind::HttpJwt {
                break; // A JWT authorizer has exactly one issuer.
            }
        }
        let audience: Vec<String> = read("APP_CLIENT_ID")
            .map(|ids| ids.split(',').map(|id| id.trim().to_owned()).collect())
            .unwrap_or_default();
        if kind == BuiltinKind::HttpJwt && audience.iter().all(String::is_empty) {
            return Err("APP_CLIENT_ID is required: it is the JWT authorizer's audience".into());
        }
        Ok(BuiltinConfig {
            kind,
            pools,
            audience: match kind {
                BuiltinKind::RestCognito => Vec::new(),
                BuiltinKind::HttpJwt => audience,
            },
            scopes,
        })
    }
}

/// What the built-in authorizer decided.
#[derive(Clone, Debug, PartialEq)]
pub enum BuiltinVerdict {
    /// Proceed; `authorizer` is the proxy event's `requestContext.authorizer`.
    Allow {
        /// REST `{"claims": {...}}`; HTTP API `{"jwt": {"claims": {...}, "scopes": ...}}`.
        authorizer: Value,
    },
    /// 401 with this message; `reason` is for the gateway's log only.
    Unauthorized {
        /// The body's `message`.
        message: &'static str,
        /// Which check failed.
        reason: &'static str,
    },
    /// 403 (HTTP API: a valid token without any of the route's scopes).
    Forbidden,
}

fn unauthorized(reason: &'static str) -> BuiltinVerdict {
    BuiltinVerdict::Unauthorized {
        message: "Unauthorized",
        reason,
    }
}

/// Longest `Authorization` value looked at (API Gateway's header limits are about 10 KiB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// [JWT]: "Currently, only RSA-based algorithms are supported." Cognito signs with RS256.
const RSA_ALGORITHMS: [JwkAlgorithm; 3] = [
    JwkAlgorithm::RS256,
    JwkAlgorithm::RS384,
    JwkAlgorithm::RS512,
];

/// One built-in authorizer with its JWKS cache.
pub struct BuiltinAuthorizer {
    config: BuiltinConfig,
    keys: KeyStore,
    clock: Arc<dyn Clock>,
}

impl BuiltinAuthorizer {
    /// The authorizer fetching keys through `fetcher`, reading time from `clock`.
    pub fn new(
        config: BuiltinConfig,
        fetcher: Arc<dyn JwksFetcher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let keys = KeyStore::new(
            &config.pools,
            &RSA_ALGORITHMS,
            fetcher,
            Arc::clone(&clock),
            Duration::from_secs(10),
        );
        BuiltinAuthorizer {
            config,
            keys,
            clock,
        }
    }

    /// The authorizer fetching keys over HTTP(S) with the system clock.
    pub fn with_http(config: BuiltinConfig) -> Result<Self, String> {
        let fetcher = HttpJwksFetcher::new(Duration::from_secs(5))
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self::new(config, Arc::new(fetcher), Arc::new(SystemClock)))
    }

    /// Fetches the keys now (best effort), as a warm gateway would have them.
    pub async fn prefetch_keys(&self) {
        self.keys.prefetch(Duration::from_secs(3)).await;
    }

    /// Which authorizer this is.
    pub fn kind(&self) -> BuiltinKind {
        self.config.kind
    }

    /// Decides on one request's `Authorization` value (present and not blank: API Gateway
    /// answers 401 before any check otherwise, which the gateway does).
    pub async fn authorize(&self, authorization: &str) -> BuiltinVerdict {
        let token = match self.config.kind {
            // REST: the header is the token. A `Bearer ` prefix is undocumented: refused.
            BuiltinKind::RestCognito => authorization,
            // [JWT] step 1: "can include only the token, or the token prefixed with Bearer".
            BuiltinKind::HttpJwt => authorization
                .strip_prefix("Bearer ")
                .unwrap_or(authorization),
        };
        let claims = match self.verified_claims(token).await {
            Ok(claims) => claims,
            Err(reason) => return unauthorized(reason),
        };
        let now = self.clock.unix_seconds();
        match self.config.kind {
            BuiltinKind::RestCognito => self.rest_checks(&claims, now),
            BuiltinKind::HttpJwt => self.jwt_checks(&claims, now),
        }
    }

    /// Structure, algorithm, issuer, key and signature; the payload as a JSON object only
    /// once its signature verified.
    async fn verified_claims(&self, token: &str) -> Result<Map<String, Value>, &'static str> {
        let token = parse_unverified(token, MAX_TOKEN_BYTES).map_err(|_| "not a JWT")?;
        let alg = JwkAlgorithm::from_name(&token.header.alg)
            .filter(|alg| RSA_ALGORITHMS.contains(alg))
            .ok_or("alg is not an RSA algorithm")?;
        // The issuer picks the keys, and only configured issuers have any: a token cannot
        // choose its keys. (The claims are read before the signature only for `iss`.)
        let unverified = strict_json::parse_object(&token.payload).ok_or("payload is not JSON")?;
        let issuer = unverified
            .get("iss")
            .and_then(Value::as_str)
            .filter(|iss| self.keys.knows_issuer(iss))
            .ok_or("iss is not the configured pool's issuer")?;
        let key = self
            .keys
            .key(issuer, &token.header.kid)
            .await
            .map_err(|_| "no key for kid in the pool's JWKS (or the JWKS is unavailable)")?;
        if key.declared_alg.is_some_and(|declared| declared != alg)
            || !key.verify(alg, token.signing_input, &token.signature)
        {
            return Err("signature does not verify");
        }
        Ok(unverified)
    }

    /// [REST], [KC401], [SCOPES]. No `aud` check: a token from any app client of the pool
    /// passes. The token's kind decides by the method's scopes alone.
    fn rest_checks(&self, claims: &Map<String, Value>, now: u64) -> BuiltinVerdict {
        match numeric(claims, "exp") {
            Some(exp) if now < exp => {}
            Some(_) => {
                return BuiltinVerdict::Unauthorized {
                    message: "The incoming token has expired",
                    reason: "exp has passed",
                };
            }
            None => return unauthorized("exp is missing"),
        }
        let token_use = claims.get("token_use").and_then(Value::as_str);
        if self.config.scopes.is_empty() {
            // No scopes: "treats the supplied token as an identity token". How API Gateway
            // tells the kinds apart is undocumented; Cognito says which in token_use.
            if token_use != Some("id") {
                return unauthorized("no method scopes: only an ID token is accepted");
            }
        } else {
            if token_use != Some("access") {
                return unauthorized("method scopes: only an access token is accepted");
            }
            if !self.has_a_route_scope(claims) {
                return unauthorized("the access token has none of the method's scopes");
            }
        }
        BuiltinVerdict::Allow {
            authorizer: json!({ "claims": rendered_claims(claims, ListStyle::Commas) }),
        }
    }

    /// [JWT] step 4, in its order; then the scopes ([PAYLOAD] for what the backend gets).
    fn jwt_checks(&self, claims: &Map<String, Value>, now: u64) -> BuiltinVerdict {
        let audience_ok = match claims.get("aud") {
            // "API Gateway validates client_id only if aud is not present."
            Some(Value::String(aud)) => self.config.audience.contains(aud),
            Some(Value::Array(auds)) => auds
                .iter()
                .filter_map(Value::as_str)
                .any(|aud| self.config.audience.iter().any(|a| a == aud)),
            Some(_) => false,
            None => claims
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(|id| self.config.audience.iter().any(|a| a == id)),
        };
        if !audience_ok {
            return unauthorized("neither aud nor client_id is a configured audience");
        }
        match numeric(claims, "exp") {
            Some(exp) if now < exp => {}
            _ => return unauthorized("exp is missing or has passed"),
        }
        // nbf and iat "must be before the current time"; both checked when present.
        for name in ["nbf", "iat"] {
            if claims.contains_key(name) && numeric(claims, name).is_none_or(|t| t > now) {
                return unauthorized("nbf or iat is in the future");
            }
        }
        if !self.config.scopes.is_empty() && !self.has_a_route_scope(claims) {
            return BuiltinVerdict::Forbidden;
        }
        let scopes = token_scopes(claims);
        BuiltinVerdict::Allow {
            authorizer: json!({ "jwt": {
                "claims": rendered_claims(claims, ListStyle::Brackets),
                "scopes": if scopes.is_empty() { Value::Null } else { json!(scopes) },
            }}),
        }
    }

    fn has_a_route_scope(&self, claims: &Map<String, Value>) -> bool {
        let held = token_scopes(claims);
        self.config.scopes.iter().any(|s| held.contains(s))
    }
}

/// The space-separated `scope` (Cognito), or `scp` ([JWT] reads either).
fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
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

fn numeric(claims: &Map<String, Value>, name: &str) -> Option<u64> {
    claims.get(name).and_then(Value::as_u64)
}

/// How a built-in renders a list claim into its string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListStyle {
    /// REST: `admin,staff`.
    Commas,
    /// HTTP API: `[admin staff]`.
    Brackets,
}

/// Every claim as the string the built-in hands the backend. REST also renders `exp` and
/// `iat` as dates (reported, see the module docs).
pub fn rendered_claims(claims: &Map<String, Value>, style: ListStyle) -> Map<String, Value> {
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
pub fn java_date_utc(seconds: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (a Thursday).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
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

/// The issuer form a pool's JWT authorizer trusts (for messages and docs).
pub fn jwt_issuer(config: &BuiltinConfig) -> Option<String> {
    let pool = config.pools.first()?;
    let form = pool.issuers.first().map_or(IssuerForm::Updated, |i| i.form);
    Some(pool.issuer_in_form(form))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn configuration_follows_the_template() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = vars(&[
            ("USER_POOL_ID", "ap-northeast-1_A,ap-northeast-1_B"),
            ("APP_CLIENT_ID", "c1,c2"),
        ]);
        let rest = BuiltinConfig::from_lookup(BuiltinKind::RestCognito, vec![], both).unwrap();
        assert_eq!(rest.pools.len(), 2);
        assert_eq!(rest.pools[0].issuers.len(), 2, "both issuer forms");
        assert!(rest.audience.is_empty(), "REST checks no audience");
        let jwt = BuiltinConfig::from_lookup(BuiltinKind::HttpJwt, vec![], both).unwrap();
        assert_eq!(jwt.pools.len(), 1, "one issuer");
        assert_eq!(
            jwt_issuer(&jwt).unwrap(),
            "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_A"
        );
        assert_eq!(jwt.audience, ["c1", "c2"]);
        let original = vars(&[
            ("USER_POOL_ID", "ap-northeast-1_A"),
            ("APP_CLIENT_ID", "c1"),
            ("ISSUER_TYPE", "ORIGINAL"),
        ]);
        let jwt = BuiltinConfig::from_lookup(BuiltinKind::HttpJwt, vec![], original).unwrap();
        assert_eq!(
            jwt_issuer(&jwt).unwrap(),
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_A"
        );
        for (kind, bad) in [
            (BuiltinKind::RestCognito, vars(&[])),
            (
                BuiltinKind::HttpJwt,
                vars(&[("USER_POOL_ID", "ap-northeast-1_A")]),
            ),
            (
                BuiltinKind::HttpJwt,
                vars(&[
                    ("USER_POOL_ID", "ap-northeast-1_A"),
                    ("APP_CLIENT_ID", "c"),
                    ("ISSUER_TYPE", "any"),
                ]),
            ),
            (
                BuiltinKind::RestCognito,
                vars(&[("USER_POOL_ID", "nopool")]),
            ),
        ] {
            assert!(
                BuiltinConfig::from_lookup(kind, vec![], bad).is_err(),
                "{kind:?}"
            );
        }
    }
}
