//! `POST /logout`'s settings, read at init like every other variable (blank = unset; anything
//! else must be valid, or the cold start stops naming the variable).
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `AWS_REGION` | set by Lambda | Cognito's Region; without it (only outside Lambda) `/logout` answers 503. |
//! | `REVOCATION_TABLE` | unset | The revocation list `/logout` writes before it signs out in Cognito; unset, it only signs out in Cognito. |
//! | `TOKEN_LIFETIME_SECONDS` | 86400 (300..=86400) | The longest ID/access token lifetime of the app clients: how long an entry must last. Only with `REVOCATION_TABLE`. |
//! | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | set by Lambda | Sign the table write; required with `REVOCATION_TABLE`. |
//! | `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL` | AWS's | Endpoint overrides (tests, emulators): `https`, or `http` on loopback. |
//!
//! Cognito's `GlobalSignOut` and `RevokeToken` are authorized by the token in the request, not
//! by IAM ([GlobalSignOut](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html),
//! [RevokeToken](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html)):
//! the function needs credentials only for the table.

use oidc_jwt_verifier::{
    ConfigError, TlsRoots,
    config::env::{Get, number, refuse_set},
};
use revocation_table::{
    COGNITO_IDP, DEFAULT_TOKEN_LIFETIME_SECONDS, DYNAMODB, Signer, check_table_name, endpoint,
    region, signer,
};

/// `REVOCATION_TABLE`.
pub const REVOCATION_TABLE: &str = "REVOCATION_TABLE";
/// `TOKEN_LIFETIME_SECONDS`.
pub const TOKEN_LIFETIME_SECONDS: &str = "TOKEN_LIFETIME_SECONDS";
/// Every variable these settings read.
pub const SIGN_OUT_VARIABLES: [&str; 10] = [
    "AWS_REGION",
    REVOCATION_TABLE,
    TOKEN_LIFETIME_SECONDS,
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
    oidc_jwt_verifier::SSL_CERT_FILE,
];

/// Where `/logout` writes the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSettings {
    /// `REVOCATION_TABLE`.
    pub name: String,
    /// DynamoDB's endpoint.
    pub endpoint: String,
    /// Signs the writes with the function's role.
    pub signer: Signer,
    /// `TOKEN_LIFETIME_SECONDS`.
    pub token_lifetime_seconds: u64,
}

/// `/logout`'s settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOutSettings {
    /// `AWS_REGION`: Cognito's Region.
    pub region: String,
    /// Cognito user pools' endpoint in the function's Region.
    pub cognito_endpoint: String,
    /// The revocation list, when there is one.
    pub table: Option<TableSettings>,
    /// Whom the HTTPS calls trust: the compiled-in roots and `SSL_CERT_FILE`'s.
    pub tls_roots: TlsRoots,
}

impl SignOutSettings {
    /// Reads the settings through `get` (blank values already count as unset): `None` when
    /// `AWS_REGION` is unset and there is no table (outside Lambda).
    pub fn from_lookup(get: Get) -> Result<Option<Self>, ConfigError> {
        let tls_roots = TlsRoots::from_lookup(get)?;
        let Some(table) = get(REVOCATION_TABLE).map(|t| t.trim().to_owned()) else {
            let why = "is set but REVOCATION_TABLE is not (nothing is written)";
            refuse_set(get, &[TOKEN_LIFETIME_SECONDS], why)?;
            if get("AWS_REGION").is_none() {
                return Ok(None);
            }
            // Without a table only the Region is needed: Cognito's calls are unsigned.
            let region = region(get, "")?;
            return Ok(Some(SignOutSettings {
                cognito_endpoint: endpoint(get, COGNITO_IDP, &region)?,
                region,
                table: None,
                tls_roots,
            }));
        };
        check_table_name(&table).map_err(|e| ConfigError::new(REVOCATION_TABLE, e))?;
        let token_lifetime_seconds = number(
            get,
            TOKEN_LIFETIME_SECONDS,
            DEFAULT_TOKEN_LIFETIME_SECONDS,
            300..=DEFAULT_TOKEN_LIFETIME_SECONDS,
        )?;
        let signer = signer(get, DYNAMODB, "REVOCATION_TABLE is set")?;
        Ok(Some(SignOutSettings {
            region: signer.region.clone(),
            cognito_endpoint: endpoint(get, COGNITO_IDP, &signer.region)?,
            table: Some(TableSettings {
                name: table,
                endpoint: endpoint(get, DYNAMODB, &signer.region)?,
                signer,
                token_lifetime_seconds,
            }),
            tls_roots,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&'static str, &str)]) -> Result<Option<SignOutSettings>, ConfigError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        SignOutSettings::from_lookup(&get)
    }

    const LAMBDA: [(&str, &str); 3] = [
        ("AWS_REGION", "ap-northeast-1"),
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn without_a_region_or_table_there_is_no_sign_out() {
        assert_eq!(read(&[]), Ok(None));
    }

    #[test]
    fn a_region_alone_signs_out_in_cognito_only() {
        let settings = read(&[("AWS_REGION", "eu-west-1")]).unwrap().unwrap();
        assert_eq!(
            settings.cognito_endpoint,
            "https://cognito-idp.eu-west-1.amazonaws.com"
        );
        assert_eq!(settings.table, None);
        assert_eq!(settings.tls_roots, TlsRoots::builtin());
    }

    /// The sign-out client trusts what the authorizer's does: `SSL_CERT_FILE` is read by the
    /// one reader of it, and a file that cannot be used stops init naming it.
    #[test]
    fn an_unusable_ssl_cert_file_stops_init_naming_it() {
        let error = read(&[
            ("AWS_REGION", "eu-west-1"),
            ("SSL_CERT_FILE", "/nonexistent/roots.pem"),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "SSL_CERT_FILE");
        assert!(error.message.contains("cannot read"), "{}", error.message);
    }

    #[test]
    fn a_table_is_written_with_the_roles_credentials() {
        let mut pairs = LAMBDA.to_vec();
        pairs.extend([
            (REVOCATION_TABLE, " revocations "),
            (TOKEN_LIFETIME_SECONDS, "3600"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ]);
        let settings = read(&pairs).unwrap().unwrap();
        assert_eq!(settings.cognito_endpoint, "http://127.0.0.1:5000");
        let table = settings.table.unwrap();
        assert_eq!(
            (
                table.name.as_str(),
                table.endpoint.as_str(),
                table.token_lifetime_seconds
            ),
            ("revocations", "http://127.0.0.1:5000", 3600)
        );
        assert_eq!(
            (
                table.signer.service,
                table.signer.credentials.access_key_id.as_str()
            ),
            ("dynamodb", "AKID")
        );
        let mut default_lifetime = LAMBDA.to_vec();
        default_lifetime.push((REVOCATION_TABLE, "revocations"));
        assert_eq!(
            read(&default_lifetime)
                .unwrap()
                .unwrap()
                .table
                .unwrap()
                .token_lifetime_seconds,
            86_400
        );
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let with_table = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = LAMBDA.to_vec();
            pairs.push((REVOCATION_TABLE, "revocations"));
            pairs.extend_from_slice(extra);
            pairs
        };
        type Case = (
            &'static str,
            Vec<(&'static str, &'static str)>,
            &'static str,
        );
        let cases: [Case; 8] = [
            (
                "lifetime without a table",
                vec![("AWS_REGION", "x-1"), (TOKEN_LIFETIME_SECONDS, "600")],
                TOKEN_LIFETIME_SECONDS,
            ),
            (
                "bad table name",
                vec![("AWS_REGION", "x-1"), (REVOCATION_TABLE, "a b")],
                REVOCATION_TABLE,
            ),
            (
                "lifetime too short",
                with_table(&[(TOKEN_LIFETIME_SECONDS, "299")]),
                TOKEN_LIFETIME_SECONDS,
            ),
            (
                "lifetime too long",
                with_table(&[(TOKEN_LIFETIME_SECONDS, "86401")]),
                TOKEN_LIFETIME_SECONDS,
            ),
            (
                "lifetime not a number",
                with_table(&[(TOKEN_LIFETIME_SECONDS, "1d")]),
                TOKEN_LIFETIME_SECONDS,
            ),
            (
                "table without credentials",
                vec![("AWS_REGION", "x-1"), (REVOCATION_TABLE, "revocations")],
                "AWS_ACCESS_KEY_ID",
            ),
            (
                "bad Region without a table",
                vec![("AWS_REGION", "Tokyo")],
                "AWS_REGION",
            ),
            (
                "plain http Cognito off loopback",
                vec![
                    ("AWS_REGION", "x-1"),
                    (
                        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                        "http://example.com",
                    ),
                ],
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            ),
        ];
        for (case, pairs, variable) in cases {
            assert_eq!(read(&pairs).unwrap_err().variable, variable, "{case}");
        }
    }
}
