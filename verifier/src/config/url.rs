//! The URLs keys may come from: an emulator endpoint, a configured `jwks_uri`, a discovered
//! `jwks_uri`, an issuer to discover from. All must be `https`, or plain `http` for a loopback
//! host only (plain HTTP lets anyone on the path swap the keys); none may carry credentials.

use std::net::IpAddr;

/// Validates an emulator endpoint (`COGNITO_ENDPOINT`) and returns it without a trailing
/// slash: `https`, or plain `http` for a loopback host only; no credentials, query or fragment.
pub fn parse_endpoint(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = checked_url(trimmed)?;
    if url.query().is_some() {
        return Err("must not have a query or fragment".to_owned());
    }
    Ok(trimmed.to_owned())
}

/// Validates a URL keys or a discovery document are fetched from (`jwks_uri`, configured or
/// discovered, or an issuer to discover from) and returns it exactly as written: `https`, or
/// plain `http` for a loopback host only (`localhost` included); no credentials or fragment.
/// A query is kept: some providers' `jwks_uri` has one.
pub fn parse_key_url(raw: &str) -> Result<String, String> {
    if raw != raw.trim() {
        return Err("has surrounding whitespace".to_owned());
    }
    checked_url(raw)?;
    Ok(raw.to_owned())
}

fn checked_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".to_owned());
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment".to_owned());
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
    Ok(url)
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
    fn key_urls_are_https_or_loopback_http_without_credentials() {
        for good in [
            "https://tenant.example.com/.well-known/jwks.json",
            "https://example.okta.com/oauth2/v1/keys?client_id=abc",
            "http://localhost:9229/local_abc/.well-known/jwks.json",
            "http://127.0.0.1:9229/x",
            "http://127.0.0.2/x",
            "http://[::1]:9229/x",
        ] {
            assert_eq!(parse_key_url(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "http://tenant.example.com/keys",
            "http://localhost.example.com/keys",
            "http://10.0.0.1/keys",
            "ftp://127.0.0.1/keys",
            "file:///etc/keys.json",
            "https://u:p@example.com/keys",
            "https://u@example.com/keys",
            "https://:p@example.com/keys",
            "https://example.com/keys#frag",
            " https://example.com/keys",
            "keys.json",
            "",
        ] {
            assert!(parse_key_url(bad).is_err(), "{bad:?}");
        }
    }
}
