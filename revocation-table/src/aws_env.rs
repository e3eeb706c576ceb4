//! What Lambda's environment says about AWS: the Region, the execution role's credentials and
//! a service's endpoint, read through a lookup (so tests set no process variables) and checked
//! at init, each error naming its variable.
//!
//! Lambda sets `AWS_REGION` and the role's temporary credentials in every function's
//! environment ([Lambda's reserved variables](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)).
//! Endpoint overrides follow the AWS SDKs' rule: `AWS_ENDPOINT_URL_<SERVICE>`, else
//! `AWS_ENDPOINT_URL`, else the Region's public endpoint
//! ([service-specific endpoints](https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html),
//! [identifiers](https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html)).
//! An override must be `https`, or `http` on loopback (the verifier's endpoint rule).

use oidc_jwt_verifier::ConfigError;
use oidc_jwt_verifier::config::{env::Get, parse_endpoint};

use crate::sigv4::{Credentials, Signer};

/// An AWS service as this crate calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AwsService {
    /// The SigV4 signing name and the endpoint's first label (`dynamodb`, `cognito-idp`).
    pub name: &'static str,
    /// The service-specific endpoint override variable.
    pub endpoint_variable: &'static str,
}

/// Amazon DynamoDB.
pub const DYNAMODB: AwsService = AwsService {
    name: "dynamodb",
    endpoint_variable: "AWS_ENDPOINT_URL_DYNAMODB",
};

/// Amazon Cognito user pools (the "Cognito Identity Provider" API).
pub const COGNITO_IDP: AwsService = AwsService {
    name: "cognito-idp",
    endpoint_variable: "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
};

/// A signer for `service` with the function's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` optional) in its Region ([`region`]), read
/// through `get` (blank values already count as unset). `needed_when` finishes "is required
/// when …" in the error of a missing variable, e.g. `REVOCATION_TABLE is set`.
pub fn signer(get: Get, service: AwsService, needed_when: &str) -> Result<Signer, ConfigError> {
    let region = region(get, needed_when)?;
    Ok(Signer {
        credentials: Credentials {
            access_key_id: required(get, "AWS_ACCESS_KEY_ID", needed_when)?,
            secret_access_key: required(get, "AWS_SECRET_ACCESS_KEY", needed_when)?,
            session_token: get("AWS_SESSION_TOKEN").map(|t| t.trim().to_owned()),
        },
        region,
        service: service.name,
    })
}

/// `AWS_REGION`, checked: lower-case letters, digits and `-`. `needed_when` finishes
/// "is required when …" when it is unset.
pub fn region(get: Get, needed_when: &str) -> Result<String, ConfigError> {
    let region = required(get, "AWS_REGION", needed_when)?;
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if region.is_empty() || !region.chars().all(allowed) {
        return Err(ConfigError::new("AWS_REGION", "is not a Region name"));
    }
    Ok(region)
}

/// `name`'s value, trimmed, or an error saying it "is required when `needed_when`".
fn required(get: Get, name: &'static str, needed_when: &str) -> Result<String, ConfigError> {
    let missing = || ConfigError::new(name, format!("is required when {needed_when} but not set"));
    get(name).map(|v| v.trim().to_owned()).ok_or_else(missing)
}

/// `service`'s endpoint in `region`: its override variable, else `AWS_ENDPOINT_URL`, else
/// `https://<service>.<region>.amazonaws.com`. An invalid override is an error naming it.
pub fn endpoint(get: Get, service: AwsService, region: &str) -> Result<String, ConfigError> {
    let (variable, endpoint) = [service.endpoint_variable, "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|variable| get(variable).map(|url| (variable, url)))
        .unwrap_or_else(|| {
            let url = format!("https://{}.{region}.amazonaws.com", service.name);
            ("AWS_REGION", url)
        });
    let endpoint = parse_endpoint(&endpoint).map_err(|e| ConfigError::new(variable, e))?;
    // Requests are signed for the path `/` (call.rs, sigv4.rs): an endpoint with a path of its
    // own would fail every signature, so it is refused here, by name, not found out per call.
    if reqwest::Url::parse(&endpoint).is_ok_and(|url| url.path() != "/") {
        return Err(ConfigError::new(variable, "must not have a path"));
    }
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_REGION", "ap-northeast-1"),
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "session"),
    ];

    #[test]
    fn reads_lambdas_variables() {
        let signer = signer(&lookup(&LAMBDA), COGNITO_IDP, "X is set").unwrap();
        assert_eq!(signer.credentials.access_key_id, "AKID");
        assert_eq!(signer.credentials.secret_access_key, "secret");
        assert_eq!(signer.credentials.session_token.as_deref(), Some("session"));
        assert_eq!(
            (signer.region.as_str(), signer.service),
            ("ap-northeast-1", "cognito-idp")
        );
    }

    #[test]
    fn each_missing_or_bad_variable_is_named() {
        let cases: [(&str, Option<&str>, &str, &str); 5] = [
            (
                "no Region",
                None,
                "AWS_REGION",
                "is required when X is set but not set",
            ),
            (
                "Region with capitals",
                Some("AP-1"),
                "AWS_REGION",
                "is not a Region name",
            ),
            (
                "Region with a dot",
                Some("ap.x"),
                "AWS_REGION",
                "is not a Region name",
            ),
            (
                "no key ID",
                Some(""),
                "AWS_ACCESS_KEY_ID",
                "is required when X is set but not set",
            ),
            (
                "no secret",
                Some("-"),
                "AWS_SECRET_ACCESS_KEY",
                "is required when X is set but not set",
            ),
        ];
        for (case, value, variable, message) in cases {
            let mut pairs: Vec<(&str, &str)> = LAMBDA.to_vec();
            match (case, value) {
                ("no Region", _) => pairs.retain(|(k, _)| *k != "AWS_REGION"),
                ("no key ID", _) => pairs.retain(|(k, _)| *k != "AWS_ACCESS_KEY_ID"),
                ("no secret", _) => pairs.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY"),
                (_, Some(region)) => pairs[0] = ("AWS_REGION", region),
                _ => unreachable!(),
            }
            let error = signer(&lookup(&pairs), DYNAMODB, "X is set").unwrap_err();
            assert_eq!(
                (error.variable, error.message.as_str()),
                (variable, message),
                "{case}"
            );
        }
    }

    #[test]
    fn endpoints_follow_the_sdks_override_order() {
        type Case<'a> = (
            &'a str,
            &'a [(&'a str, &'a str)],
            AwsService,
            Result<&'a str, &'a str>,
        );
        let cases: [Case; 7] = [
            (
                "Region's endpoint",
                &[],
                DYNAMODB,
                Ok("https://dynamodb.ap-northeast-1.amazonaws.com"),
            ),
            (
                "Cognito's endpoint",
                &[],
                COGNITO_IDP,
                Ok("https://cognito-idp.ap-northeast-1.amazonaws.com"),
            ),
            (
                "global override",
                &[("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/")],
                COGNITO_IDP,
                Ok("http://127.0.0.1:5000"),
            ),
            (
                "service override wins",
                &[
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"),
                ],
                DYNAMODB,
                Ok("http://127.0.0.1:2"),
            ),
            (
                "other service's override ignored",
                &[("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2")],
                COGNITO_IDP,
                Ok("https://cognito-idp.ap-northeast-1.amazonaws.com"),
            ),
            (
                "plain http off loopback",
                &[(
                    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                    "http://example.com",
                )],
                COGNITO_IDP,
                Err("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"),
            ),
            (
                "a path",
                &[("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2/prefix")],
                DYNAMODB,
                Err("AWS_ENDPOINT_URL_DYNAMODB"),
            ),
        ];
        for (case, pairs, service, expected) in cases {
            let got = endpoint(&lookup(pairs), service, "ap-northeast-1");
            match expected {
                Ok(url) => assert_eq!(got.as_deref(), Ok(url), "{case}"),
                Err(variable) => assert_eq!(got.unwrap_err().variable, variable, "{case}"),
            }
        }
    }
}
