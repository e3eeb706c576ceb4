//! The one place this project's HTTP clients are built, and whom their TLS trusts.
//!
//! Invariant: every client verifies every server certificate against a root store, with the
//! host name checked (rustls' WebPKI verifier); nothing here can turn verification off. The
//! roots are Mozilla's, compiled into the binary (`webpki-roots`, already in parsed form), plus
//! the certificates of `SSL_CERT_FILE` when it is set: a user behind their own CA adds it there.
//!
//! Why not the system store (reqwest's default with its `rustls` feature): reqwest builds a
//! `rustls-platform-verifier` verifier when the client is built, which reads and parses every
//! PEM certificate of the system bundle then (about 17.7 M instructions, at init, before any
//! request, in every client). The compiled-in roots cost nothing to load; docs/security.md
//! compares the trust models.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::ConfigError;
use crate::config::env::{non_blank, read_file};

/// The variable naming a PEM file of extra root certificates (OpenSSL's name for it).
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// Largest `SSL_CERT_FILE` read, in bytes: a full system bundle is about 220 KB.
pub const MAX_CERT_FILE_BYTES: u64 = 1024 * 1024;

/// The root certificates HTTPS servers are verified against: the compiled-in Mozilla roots,
/// plus any from `SSL_CERT_FILE`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsRoots {
    extra: Vec<CertificateDer<'static>>,
}

impl TlsRoots {
    /// The compiled-in Mozilla roots only.
    pub fn builtin() -> Self {
        TlsRoots::default()
    }

    /// The compiled-in roots plus the certificates of the file `SSL_CERT_FILE` names, read
    /// through `lookup` (unset or blank: none). A file that cannot be read, is too large, holds
    /// no certificate or one that is not a usable root is an error naming `SSL_CERT_FILE`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let Some(path) = lookup(SSL_CERT_FILE).and_then(non_blank) else {
            return Ok(TlsRoots::default());
        };
        let problem = |message: String| ConfigError::new(SSL_CERT_FILE, message);
        let pem = read_file(SSL_CERT_FILE, &path, MAX_CERT_FILE_BYTES)?;
        let extra = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| problem(format!("{path:?} is not PEM: {e}")))?;
        if extra.is_empty() {
            return Err(problem(format!("{path:?} holds no certificate")));
        }
        let mut check = RootCertStore::empty();
        for (index, cert) in extra.iter().enumerate() {
            check.add(cert.clone()).map_err(|e| {
                problem(format!(
                    "certificate {index} of {path:?} is not a usable root: {e}"
                ))
            })?;
        }
        Ok(TlsRoots { extra })
    }

    /// A client builder that trusts these roots and follows no redirect (the configured URL is
    /// the only place an answer may come from). Callers add their timeouts.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // Checked in from_lookup: none fails here.
        let _ = roots.add_parsable_certificates(self.extra.iter().cloned());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|builder| {
                let mut tls = builder.with_root_certificates(roots).with_no_client_auth();
                // reqwest sets ALPN only for the TLS it builds itself; without HTTP/2 it offers
                // HTTP/1.1 alone.
                tls.alpn_protocols = vec![b"http/1.1".to_vec()];
                tls
            });
        let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        match tls {
            Ok(tls) => builder.tls_backend_preconfigured(tls),
            // aws-lc-rs supports the default versions; were it not so, reqwest's own TLS (the
            // system store) is still strict.
            Err(_) => builder,
        }
    }
}

#[cfg(test)]
mod tests;
