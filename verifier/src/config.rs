//! What the verifier checks, independent of Lambda: the trusted pools and their issuers, the
//! app clients, token use, algorithms, clock skew and required scopes or groups. Values are
//! validated when the configuration is built, with an error naming the setting at fault.

use std::net::IpAddr;

use crate::algorithm::JwkAlgorithm;

/// Upper bound on a token's length, checked before anything is decoded. Cognito tokens are
/// 1–4 KiB; 8 KiB leaves room for many groups and custom attributes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A configuration problem, naming the environment variable at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    /// The setting at fault, e.g. `USER_POOL_ID`.
    pub variable: &'static str,
    /// What is wrong with it. Never a secret: settings hold none.
    pub message: String,
}

impl ConfigError {
    /// A problem with `variable`, described by `message`.
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            variable,
            message: message.into(),
        }
    }
}

/// Which kinds of Cognito token are accepted (`TOKEN_USE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUsePolicy {
    /// ID tokens only.
    Id,
    /// Access tokens only.
    Access,
    /// Either kind.
    Any,
}

/// The two forms of a user pool's issuer URL, chosen per pool by Cognito's issuer configuration
/// (`IssuerConfiguration.Type` in CreateUserPool/UpdateUserPool, `AWS::Cognito::UserPool
/// IssuerConfiguration` in CloudFormation). From AWS's documentation:
/// - "IssuerConfigurationType", Amazon Cognito API Reference,
///   <https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html>:
///   `ORIGINAL` issuers are `https://cognito-idp.[region].amazonaws.com/[userPoolId]`; `UPDATED`
///   issuers, "recommended for all user pools, including for multi-Region replication", are
///   `https://issuer-cognito-idp.[region].amazonaws.com/[userPoolId]` "where region is the primary
///   AWS Region of your user pool", and "host the same JWKS content in multiple regions".
/// - "Multi-Region replication for user pools", Amazon Cognito Developer Guide,
///   <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-multi-region.html>:
///   replicas are "separate user pools with a shared user pool ID", and replication needs the
///   updated (multi-Region) issuer so tokens verify the same way in every Region.
///
/// A pool ID's prefix is the Region the pool was created in, which stays its primary Region, so
/// both forms are derived from the configured pool ID alone, never from a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssuerForm {
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    Original,
    /// `https://issuer-cognito-idp.<primary region>.amazonaws.com/<pool id>`.
    Updated,
}

impl IssuerForm {
    /// Both forms, in the order the key cache keeps them.
    pub const ALL: [IssuerForm; 2] = [IssuerForm::Original, IssuerForm::Updated];

    /// The issuer's AWS origin for a pool in `region`. The only two hosts this crate ever builds.
    fn aws_base(self, region: &str) -> String {
        match self {
            IssuerForm::Original => format!("https://cognito-idp.{region}.amazonaws.com"),
            IssuerForm::Updated => format!("https://issuer-cognito-idp.{region}.amazonaws.com"),
        }
    }
}

/// Which issuer forms are accepted (`USER_POOL_ISSUER`): a pool that has moved to `UPDATED` can
/// stop accepting (and fetching keys for) its `ORIGINAL` issuer, and the other way round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IssuerPolicy {
    /// Only the `ORIGINAL` issuer.
    Original,
    /// Only the `UPDATED` (multi-Region) issuer.
    Updated,
    /// Both forms: a pool can switch its issuer configuration without a window where either
    /// form's tokens fail.
    #[default]
    Any,
}

impl IssuerPolicy {
    /// Whether tokens whose `iss` has `form` are accepted.
    pub fn accepts(self, form: IssuerForm) -> bool {
        match self {
            IssuerPolicy::Original => form == IssuerForm::Original,
            IssuerPolicy::Updated => form == IssuerForm::Updated,
            IssuerPolicy::Any => true,
        }
    }
}

/// One accepted issuer of a pool: the exact `iss` and where that issuer's keys are fetched.
/// The key cache keeps one entry per issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolIssuer {
    /// Which of the two forms this is.
    pub form: IssuerForm,
    /// The exact `iss` accepted, always the AWS form whatever endpoint the keys come from.
    pub issuer: String,
    /// Where this issuer's JWKS is fetched from: `<issuer>/.well-known/jwks.json`, or
    /// `<COGNITO_ENDPOINT>/<pool id>/.well-known/jwks.json` for an emulator.
    pub jwks_url: String,
}

/// One Cognito user pool the verifier trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// e.g. `ap-northeast-1_abcdefgh`.
    pub pool_id: String,
    /// The part of the pool ID before `_`: the pool's primary Region.
    pub region: String,
    /// The issuers accepted for this pool (one or both forms, in [`IssuerForm::ALL`] order).
    pub issuers: Vec<PoolIssuer>,
}

impl PoolConfig {
    /// Builds the pool from its ID, accepting both issuer forms; `endpoint` replaces the AWS
    /// hosts for fetching the JWKS only (a local Cognito emulator).
    pub fn new(pool_id: &str, endpoint: Option<&str>) -> Result<Self, String> {
        Self::with_issuer_policy(pool_id, endpoint, IssuerPolicy::Any)
    }

    /// Builds the pool from its ID, accepting the issuer forms `policy` allows.
    pub fn with_issuer_policy(
        pool_id: &str,
        endpoint: Option<&str>,
        policy: IssuerPolicy,
    ) -> Result<Self, String> {
        let region = parse_pool_id(pool_id)?;
        let issuers = IssuerForm::ALL
            .into_iter()
            .filter(|form| policy.accepts(*form))
            .map(|form| {
                let issuer = format!("{}/{pool_id}", form.aws_base(region));
                // An emulator serves one JWKS per pool, at the path it has always used.
                let jwks_base =
                    endpoint.map_or_else(|| issuer.clone(), |e| format!("{e}/{pool_id}"));
                PoolIssuer {
                    form,
                    issuer,
                    jwks_url: format!("{jwks_base}/.well-known/jwks.json"),
                }
            })
            .collect();
        Ok(PoolConfig {
            pool_id: pool_id.to_owned(),
            region: region.to_owned(),
            issuers,
        })
    }

    /// The `iss` this pool's tokens carry in `form`, whether or not that form is accepted.
    pub fn issuer_in_form(&self, form: IssuerForm) -> String {
        format!("{}/{}", form.aws_base(&self.region), self.pool_id)
    }
}

/// What the verifier checks; independent of Lambda.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// The trusted pools; a token's `iss` must be one of their issuers.
    pub pools: Vec<PoolConfig>,
    /// An ID token's `aud`, or an access token's `client_id`, must be one of these.
    pub client_ids: Vec<String>,
    /// Which kinds of token are accepted; defaults to either.
    pub token_use: TokenUsePolicy,
    /// Header `alg` values accepted (RS256 by default).
    pub algorithms: Vec<JwkAlgorithm>,
    /// Leeway for `exp` and `nbf`, in seconds; defaults to 0.
    pub clock_skew_seconds: u64,
    /// Any one of these in `scope` is enough; empty means no scope is required.
    pub required_scopes: Vec<String>,
    /// Any one of these in `cognito:groups` is enough; empty means no group is required.
    pub required_groups: Vec<String>,
    /// Longest token accepted, checked before anything is decoded; defaults to
    /// [`DEFAULT_MAX_TOKEN_BYTES`].
    pub max_token_bytes: usize,
}

impl VerifierConfig {
    /// A configuration with the defaults: both issuer forms of each pool, any token use, RS256
    /// only, no clock skew, no scope or group requirements, keys fetched from AWS.
    pub fn new(pool_ids: &[&str], client_ids: &[&str]) -> Result<Self, ConfigError> {
        let pools = pool_ids
            .iter()
            .map(|id| PoolConfig::new(id, None).map_err(|e| ConfigError::new(USER_POOL_ID, e)))
            .collect::<Result<Vec<_>, _>>()?;
        if pools.is_empty() {
            return Err(ConfigError::new(
                USER_POOL_ID,
                "at least one pool ID is required",
            ));
        }
        if client_ids.is_empty() {
            return Err(ConfigError::new(
                APP_CLIENT_ID,
                "at least one app client ID is required",
            ));
        }
        Ok(VerifierConfig {
            pools,
            client_ids: client_ids.iter().map(|s| (*s).to_owned()).collect(),
            token_use: TokenUsePolicy::Any,
            algorithms: vec![JwkAlgorithm::RS256],
            clock_skew_seconds: 0,
            required_scopes: Vec::new(),
            required_groups: Vec::new(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        })
    }
}

/// The setting naming the pools, for errors.
const USER_POOL_ID: &str = "USER_POOL_ID";
/// The setting naming the app clients, for errors.
const APP_CLIENT_ID: &str = "APP_CLIENT_ID";

/// Checks `<region>_<id>` and returns the region. The region looks like `ap-northeast-1` or
/// `us-gov-west-1`; the ID part is alphanumeric, 9 characters at AWS but longer in emulators.
pub fn parse_pool_id(pool_id: &str) -> Result<&str, String> {
    let (region, id) = pool_id
        .split_once('_')
        .ok_or_else(|| "expected <region>_<id>, e.g. ap-northeast-1_abcdefgh".to_owned())?;
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !region_ok {
        return Err(format!("{region:?} is not an AWS region name"));
    }
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("the part after '_' must be 1 to 64 letters or digits".to_owned());
    }
    Ok(region)
}

/// Validates an emulator endpoint (`COGNITO_ENDPOINT`) and returns it without a trailing
/// slash: `https`, or plain `http` for a loopback host only; no credentials, query or fragment.
pub fn parse_endpoint(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".to_owned());
    }
    match url.scheme() {
        "https" => {}
        // Plain HTTP lets anyone on the path swap the keys, so it is only for a local emulator.
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err("plain http is only allowed for a loopback host (a local emulator)".into());
        }
        other => return Err(format!("scheme {other:?} is not http or https")),
    }
    Ok(trimmed.to_owned())
}

fn is_loopback_host(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_constructor_validates_too() {
        assert!(VerifierConfig::new(&["us-east-1_abc"], &["client"]).is_ok());
        assert_eq!(
            VerifierConfig::new(&[], &["client"]).unwrap_err().variable,
            "USER_POOL_ID"
        );
        assert_eq!(
            VerifierConfig::new(&["bad"], &["client"])
                .unwrap_err()
                .variable,
            "USER_POOL_ID"
        );
        assert_eq!(
            VerifierConfig::new(&["us-east-1_abc"], &[])
                .unwrap_err()
                .variable,
            "APP_CLIENT_ID"
        );
    }

    #[test]
    fn pool_ids_and_endpoints_are_checked() {
        assert_eq!(parse_pool_id("ap-northeast-1_abc123"), Ok("ap-northeast-1"));
        assert_eq!(parse_pool_id("us-gov-west-1_A"), Ok("us-gov-west-1"));
        // The ID part is bounded: 64 characters at most (AWS's are 9; emulators' longer).
        let longest = format!("eu-west-1_{}", "a".repeat(64));
        assert_eq!(parse_pool_id(&longest), Ok("eu-west-1"));
        let too_long = format!("eu-west-1_{}", "a".repeat(65));
        assert!(parse_pool_id(&too_long).is_err(), "65-character ID");
        for bad in [
            "tokyo",
            "ap-northeast-1",
            "ap-northeast_abc",
            "AP-NORTHEAST-1_abc",
            "ap-northeast-1_",
            "ap-northeast-1_a-b",
            "a-b-c_abc",
        ] {
            assert!(parse_pool_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_endpoint("http://127.0.0.1:9229/").as_deref(),
            Ok("http://127.0.0.1:9229")
        );
        assert!(parse_endpoint("http://localhost:9229").is_ok());
        assert!(parse_endpoint("http://[::1]:9229").is_ok());
        for bad in [
            "http://cognito.example.com",
            "ftp://127.0.0.1",
            "https://u:p@example.com",
            "https://example.com/?x=1",
            "not a url",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }
}
