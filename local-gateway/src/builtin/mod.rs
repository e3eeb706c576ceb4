//! API Gateway's two built-in Cognito authorizers, emulated: the REST API's
//! `COGNITO_USER_POOLS` authorizer ([`cognito_rest`]) and the HTTP API's JWT authorizer
//! ([`jwt_http`]), template.yaml's `AuthorizerKind=cognito`. No Lambda runs for them, in AWS
//! or here.
//!
//! Invariant: a request reaches the backend only after the token's signature verified with a
//! key of a configured pool's JWKS (the verifier library's key store and key, the same code
//! our authorizer uses) and every check the AWS documentation lists for that authorizer
//! passed. This module holds what both share, so that neither can skip it: configuration,
//! the token's structure, algorithm, issuer, key and signature ([`BuiltinAuthorizer`]), and
//! the claims' rendering ([`claims`]). The per-kind modules only see claims whose signature
//! verified.
//!
//! Everything after the signature follows API Gateway's documented behaviour, *not* ours: the
//! built-ins check less than our authorizer, and the point of emulating them is to show
//! exactly what. Each rule cites its source in the module that applies it; where AWS
//! documents nothing, the rule says so and picks the conservative reading (refuse), so that
//! what passes here passes in AWS.
//!
//! Not documented and not emulated, for both: what either answers when the JWKS cannot be
//! fetched (here: 401), and whether a result cache applies (here: every request is verified).

pub(crate) mod claims;
pub(crate) mod cognito_rest;
pub(crate) mod jwt_http;

use std::sync::Arc;
use std::time::Duration;

use oidc_jwt_verifier::dangerous::parse_unverified;
use oidc_jwt_verifier::{
    Clock, SystemClock,
    config::{IssuerPolicy, JwkAlgorithm, PoolConfig},
    jwks::{HttpJwksFetcher, JwksFetcher, KeyStore},
    strict_json,
};
use serde_json::{Map, Value};

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
    /// only: `ORIGINAL`, the default and the form AWS documents, or `UPDATED`: the one issuer
    /// form it trusts, as the template's `IssuerType` parameter picks it).
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
                None | Some("ORIGINAL") => IssuerPolicy::Original,
                Some("UPDATED") => IssuerPolicy::Updated,
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
        /// The HTTP API's `www-authenticate` header (REST: none); see [`jwt_http`].
        www_authenticate: Option<&'static str>,
    },
    /// 403 (HTTP API: a valid token without any of the route's scopes).
    Forbidden,
}

/// A 401 with API Gateway's generic message and no `www-authenticate` header (REST).
pub(crate) fn unauthorized(reason: &'static str) -> BuiltinVerdict {
    BuiltinVerdict::Unauthorized {
        message: "Unauthorized",
        reason,
        www_authenticate: None,
    }
}

/// Longest `Authorization` value looked at (API Gateway's header limits are about 10 KiB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// [`jwt_http`]'s source: "Currently, only RSA-based algorithms are supported." Cognito signs
/// with RS256; the REST authorizer documents no algorithm and only ever sees Cognito's.
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
            BuiltinKind::RestCognito => cognito_rest::token(authorization),
            BuiltinKind::HttpJwt => jwt_http::token(authorization),
        };
        let claims = match self.verified_claims(token).await {
            Ok(claims) => claims,
            Err(reason) => {
                return match self.config.kind {
                    BuiltinKind::RestCognito => unauthorized(reason),
                    BuiltinKind::HttpJwt => jwt_http::invalid_token(reason),
                };
            }
        };
        let now = self.clock.unix_seconds();
        match self.config.kind {
            BuiltinKind::RestCognito => cognito_rest::checks(&self.config, &claims, now),
            BuiltinKind::HttpJwt => jwt_http::checks(&self.config, &claims, now),
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
        // The key refuses an alg other than its JWK's own, or one its kty does not fit.
        key.check(alg, token.signing_input, &token.signature)
            .map_err(|_| "signature does not verify")?;
        Ok(unverified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_jwt_verifier::config::IssuerForm;

    /// The issuer form a pool's JWT authorizer trusts.
    fn jwt_issuer(config: &BuiltinConfig) -> Option<String> {
        let pool = config.pools.first()?;
        let form = pool.issuers.first().map_or(IssuerForm::Updated, |i| i.form);
        Some(pool.issuer_in_form(form))
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
            "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_A",
            "unset: the ORIGINAL form"
        );
        assert_eq!(jwt.audience, ["c1", "c2"]);
        let updated = vars(&[
            ("USER_POOL_ID", "ap-northeast-1_A"),
            ("APP_CLIENT_ID", "c1"),
            ("ISSUER_TYPE", "UPDATED"),
        ]);
        let jwt = BuiltinConfig::from_lookup(BuiltinKind::HttpJwt, vec![], updated).unwrap();
        assert_eq!(
            jwt_issuer(&jwt).unwrap(),
            "https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_A"
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
