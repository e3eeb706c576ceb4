//! `SSL_CERT_FILE`: unset means the compiled-in roots alone; a file is read whole and every
//! certificate in it must be a usable root, or init stops naming the variable.

use super::*;

/// A self-signed CA certificate (P-256, `CA:TRUE`), as a corporate root would be.
const TEST_ROOT: &str = include_str!("test-root.pem");

fn roots_from(path: Option<&str>) -> Result<TlsRoots, ConfigError> {
    let path = path.map(str::to_owned);
    TlsRoots::from_lookup(|name| (name == SSL_CERT_FILE).then(|| path.clone()).flatten())
}

fn temp_file(name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("verifier-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn unset_or_blank_means_the_compiled_in_roots_alone() {
    assert_eq!(roots_from(None).unwrap(), TlsRoots::builtin());
    assert_eq!(roots_from(Some("  ")).unwrap().extra_count(), 0);
    assert!(!webpki_roots::TLS_SERVER_ROOTS.is_empty());
}

#[test]
fn a_file_of_roots_adds_each_of_them() {
    let twice = format!("{TEST_ROOT}{TEST_ROOT}");
    let path = temp_file("two.pem", twice.as_bytes());
    let roots = roots_from(Some(&path)).unwrap();
    assert_eq!(roots.extra_count(), 2);
    assert_ne!(roots, TlsRoots::builtin());
    // The builder takes them (a client is built; nothing is fetched).
    roots.client_builder().build().unwrap();
}

#[test]
fn an_unusable_file_stops_init_naming_the_variable() {
    let missing = std::env::temp_dir().join("verifier-https-no-such-file.pem");
    let not_pem = temp_file("not.pem", b"hello");
    let not_a_cert = temp_file(
        "garbage.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let too_large = temp_file("large.pem", &vec![b'x'; MAX_CERT_FILE_BYTES as usize + 1]);
    for (path, expected) in [
        (missing.to_string_lossy().into_owned(), "cannot read"),
        (not_pem, "holds no certificate"),
        (not_a_cert, "is not a usable root"),
        (too_large, "is larger than"),
    ] {
        let error = roots_from(Some(&path)).unwrap_err();
        assert_eq!(error.variable, SSL_CERT_FILE, "{path}");
        assert!(
            error.message.contains(expected),
            "{path}: {}",
            error.message
        );
    }
}

#[test]
fn a_file_at_the_size_limit_is_read() {
    let mut body = TEST_ROOT.as_bytes().to_vec();
    body.resize(MAX_CERT_FILE_BYTES as usize, b'\n');
    let path = temp_file("at-limit.pem", &body);
    assert_eq!(roots_from(Some(&path)).unwrap().extra_count(), 1);
}
