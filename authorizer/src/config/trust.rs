//! Whom the authorizer trusts: Cognito pools in their short form (`USER_POOL_ID`,
//! `APP_CLIENT_ID`, `USER_POOL_ISSUER`, `TOKEN_USE`, `ALLOWED_ALGORITHMS`, `COGNITO_ENDPOINT`)
//! and any other issuer in the generic form (`ISSUERS`, JSON). At least one of the two must be
//! set. The pools' settings apply to the pools only, so setting one of them without
//! `USER_POOL_ID` is refused rather than silently ignored.

use oidc_jwt_verifier::{
    ConfigError, VerifierConfig,
    config::{
        ISSUERS, IssuerPolicy, JwkAlgorithm, PoolConfig, TokenUsePolicy,
        env::{list, one_of, parsed, pick, refuse_set, required_list},
        parse_endpoint, parse_issuers,
    },
};

use super::{
    ALLOWED_ALGORITHMS, APP_CLIENT_ID, COGNITO_ENDPOINT, TOKEN_USE, USER_POOL_ID, USER_POOL_ISSUER,
};

/// Reads the trust settings through `get` (non-blank values only): a configuration trusting
/// those pools and issuers, every other setting at its default.
pub(super) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<VerifierConfig, ConfigError> {
    let issuers = parsed(get, ISSUERS, parse_issuers)?.unwrap_or_default();

    if get(USER_POOL_ID).is_none() {
        if issuers.is_empty() {
            return Err(ConfigError::new(
                USER_POOL_ID,
                "is required but not set (or set ISSUERS for issuers other than Cognito pools)",
            ));
        }
        let pool_only = [
            APP_CLIENT_ID,
            USER_POOL_ISSUER,
            TOKEN_USE,
            ALLOWED_ALGORITHMS,
            COGNITO_ENDPOINT,
        ];
        refuse_set(
            get,
            &pool_only,
            "applies to USER_POOL_ID pools only, and USER_POOL_ID is not set: an ISSUERS \
             entry carries its own audience or client_id, token_use and algorithms",
        )?;
        return Ok(VerifierConfig {
            issuers,
            ..VerifierConfig::default()
        });
    }

    let endpoint = parsed(get, COGNITO_ENDPOINT, parse_endpoint)?;

    let issuer_policy = one_of(
        get,
        USER_POOL_ISSUER,
        IssuerPolicy::Any,
        &[
            ("original", IssuerPolicy::Original),
            ("updated", IssuerPolicy::Updated),
            ("any", IssuerPolicy::Any),
        ],
    )?;

    let pool_ids = required_list(get, USER_POOL_ID)?;
    let pools = pool_ids
        .iter()
        .map(|id| {
            PoolConfig::with_issuer_policy(id, endpoint.as_deref(), issuer_policy)
                .map_err(|e| ConfigError::new(USER_POOL_ID, format!("{id:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let client_ids = required_list(get, APP_CLIENT_ID)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if let Some(id) = client_ids.iter().find(|id| !id.chars().all(allowed)) {
        return Err(ConfigError::new(
            APP_CLIENT_ID,
            format!("{id:?} is not an app client ID (letters, digits, '-' and '_' only)"),
        ));
    }

    let token_use = one_of(
        get,
        TOKEN_USE,
        TokenUsePolicy::Any,
        &[
            ("id", TokenUsePolicy::Id),
            ("access", TokenUsePolicy::Access),
            ("any", TokenUsePolicy::Any),
        ],
    )?;

    let names = JwkAlgorithm::ALL.map(|algorithm| (algorithm.name(), algorithm));
    let algorithms = match get(ALLOWED_ALGORITHMS) {
        None => vec![JwkAlgorithm::RS256],
        Some(raw) => list(ALLOWED_ALGORITHMS, &raw)?
            .iter()
            .map(|name| pick(ALLOWED_ALGORITHMS, name, &names))
            .collect::<Result<Vec<_>, _>>()?,
    };

    Ok(VerifierConfig {
        pools,
        client_ids,
        token_use,
        algorithms,
        issuers,
        ..VerifierConfig::default()
    })
}
