//! Cognito user pools in their short form (`USER_POOL_ID` + `APP_CLIENT_ID`): the pool ID, the
//! two AWS issuer forms derived from it alone (never from a token), and where each form's JWKS
//! is. [`super::VerifierConfig::trusted_issuers`] turns each accepted form into an entry of the
//! same list as the generic issuers.

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

/// The pool ID of `iss` when it is a Cognito user pool's issuer in either form, exactly as this
/// crate builds them from a pool ID (the host in the pool's own Region); `None` for any other
/// issuer. For code that must tell a Cognito token from another issuer's by its `iss` alone
/// (the api-handler's `/logout`, which sends only Cognito tokens to Cognito).
pub fn cognito_pool_of_issuer(iss: &str) -> Option<&str> {
    let (base, pool_id) = iss.rsplit_once('/')?;
    let region = parse_pool_id(pool_id).ok()?;
    IssuerForm::ALL
        .into_iter()
        .any(|form| form.aws_base(region) == base)
        .then_some(pool_id)
}

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
