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
    assert_eq!(roots_from(Some("  ")).unwrap().extra.len(), 0);
    assert!(!webpki_roots::TLS_SERVER_ROOTS.is_empty());
}

#[test]
fn a_file_of_roots_adds_each_of_them() {
    let twice = format!("{TEST_ROOT}{TEST_ROOT}");
    let path = temp_file("two.pem", twice.as_bytes());
    let roots = roots_from(Some(&path)).unwrap();
    assert_eq!(roots.extra.len(), 2);
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
        (too_large, "bytes, over the"),
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
    assert_eq!(roots_from(Some(&path)).unwrap().extra.len(), 1);
}

/// Every client built here follows no redirect: a loopback server answering 302 with a
/// `Location` (to a path it would serve) gets exactly one request, and the 302 is the answer.
#[tokio::test]
async fn a_client_follows_no_redirect() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut requests = 0;
        while let Ok(Ok((mut stream, _))) =
            tokio::time::timeout(std::time::Duration::from_millis(500), listener.accept()).await
        {
            requests += 1;
            let mut buffer = [0u8; 2048];
            let _ = stream.read(&mut buffer).await;
            let answer = if buffer.starts_with(b"GET /elsewhere") {
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
            } else {
                "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            };
            let _ = stream.write_all(answer.as_bytes()).await;
        }
        requests
    });
    let client = TlsRoots::builtin().client_builder().build().unwrap();
    let response = client
        .get(format!("http://{addr}/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(server.await.unwrap(), 1);
}

/// A whole bundle the size of a system's (about 220 KB) is read, every certificate in it.
#[test]
fn a_bundle_the_size_of_a_system_one_is_read() {
    let bundle = TEST_ROOT.repeat(340);
    assert!(bundle.len() > 200 * 1024, "{}", bundle.len());
    let path = temp_file("bundle.pem", bundle.as_bytes());
    assert_eq!(roots_from(Some(&path)).unwrap().extra.len(), 340);
}
