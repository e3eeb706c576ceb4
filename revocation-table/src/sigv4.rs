//! AWS Signature Version 4 for one kind of request: a `POST /` with no query string and a
//! JSON body (the DynamoDB JSON protocol). Just that, on the HMAC and SHA-256 of aws-lc-rs the
//! verifier already links, instead of the AWS SDK (see docs/revocation.md for why).
//!
//! The steps are those of "Create a signed AWS API request"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>): canonical
//! request, string to sign, signing key derived from the secret, date, Region and service,
//! then the `Authorization` header. The tests check it against AWS's published SigV4 test
//! suite (`post-vanilla`).

use std::fmt;
use std::fmt::Write as _;

use aws_lc_rs::{digest, hmac};

/// The credentials of the Lambda execution role, from the environment Lambda sets
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key ID (not secret: it appears in every request's `Authorization`).
    pub access_key_id: String,
    /// The secret access key: only ever an HMAC key, never logged.
    pub secret_access_key: String,
    /// The session token of temporary credentials (Lambda's always are).
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Signs requests for one service in one Region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// Whose requests these are.
    pub credentials: Credentials,
    /// The Region (`AWS_REGION`), part of the signing scope.
    pub region: String,
    /// The service's signing name (`dynamodb`).
    pub service: &'static str,
}

impl Signer {
    /// The headers to add to a `POST /` to `host` whose other signed headers are `headers`
    /// (lower-case names) and whose body is `body`, signed at `unix_seconds`:
    /// `x-amz-date`, `x-amz-security-token` when there is one, and `authorization`.
    pub fn sign(
        &self,
        host: &str,
        headers: &[(&'static str, &str)],
        body: &[u8],
        unix_seconds: u64,
    ) -> Vec<(&'static str, String)> {
        let amz_date = amz_date(unix_seconds);
        let mut added = vec![("x-amz-date", amz_date.clone())];
        if let Some(token) = &self.credentials.session_token {
            added.push(("x-amz-security-token", token.clone()));
        }
        let mut signed: Vec<(&str, &str)> = vec![("host", host)];
        signed.extend_from_slice(headers);
        signed.extend(added.iter().map(|(name, value)| (*name, value.as_str())));
        signed.sort_by_key(|(name, _)| *name);

        let mut canonical = String::from("POST\n/\n\n");
        for (name, value) in &signed {
            let _ = writeln!(canonical, "{name}:{}", value.trim());
        }
        let signed_names = signed.iter().map(|h| h.0).collect::<Vec<_>>().join(";");
        let _ = write!(canonical, "\n{signed_names}\n{}", hex(sha256(body)));

        let date = &amz_date[..8];
        let scope = format!("{date}/{}/{}/aws4_request", self.region, self.service);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(sha256(canonical.as_bytes()))
        );
        let key = self.signing_key(date);
        let signature = hex(hmac::sign(&key, string_to_sign.as_bytes()));
        added.push((
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_names}, Signature={signature}",
                self.credentials.access_key_id
            ),
        ));
        added
    }

    fn signing_key(&self, date: &str) -> hmac::Key {
        let secret = format!("AWS4{}", self.credentials.secret_access_key);
        let mut key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        for part in [date, &self.region, self.service, "aws4_request"] {
            let tag = hmac::sign(&key, part.as_bytes());
            key = hmac::Key::new(hmac::HMAC_SHA256, tag.as_ref());
        }
        key
    }
}

fn sha256(bytes: &[u8]) -> digest::Digest {
    digest::digest(&digest::SHA256, bytes)
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// `YYYYMMDDTHHMMSSZ` (ISO 8601 basic, UTC), from seconds since the epoch.
fn amz_date(unix_seconds: u64) -> String {
    let (year, month, day) = civil_from_days(unix_seconds / 86_400);
    let seconds = unix_seconds % 86_400;
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}Z")
}

/// `(year, month 1..=12, day 1..=31)`: the proleptic Gregorian date of a day count since
/// 1970-01-01 (Howard Hinnant's `civil_from_days`, for days on or after the epoch). The
/// workspace's one civil-date conversion: the local gateway's log and Java date formats use it
/// too.
pub fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A DynamoDB signer in eu-west-1 with made-up credentials, for the calls' tests.
    pub(crate) fn dynamodb_signer() -> Signer {
        Signer {
            credentials: Credentials {
                access_key_id: "AKID".into(),
                secret_access_key: "secret".into(),
                session_token: None,
            },
            region: "eu-west-1".into(),
            service: "dynamodb",
        }
    }

    fn example_signer(session_token: Option<&str>) -> Signer {
        Signer {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
                session_token: session_token.map(str::to_owned),
            },
            region: "us-east-1".to_owned(),
            service: "service",
        }
    }

    /// AWS's SigV4 test suite, `post-vanilla`: `POST /`, host `example.amazonaws.com`, no
    /// body, at 20150830T123600Z.
    #[test]
    fn signs_the_aws_test_suite_post_vanilla_request() {
        let headers = example_signer(None).sign("example.amazonaws.com", &[], b"", 1_440_938_160);
        assert_eq!(
            headers,
            vec![
                ("x-amz-date", "20150830T123600Z".to_owned()),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b".to_owned()
                ),
            ]
        );
    }

    /// Every input is signed: changing any one changes the signature.
    #[test]
    fn each_input_changes_the_signature() {
        let signature =
            |signer: &Signer,
             host: &str,
             headers: &[(&'static str, &str)],
             body: &[u8],
             at: u64| { signer.sign(host, headers, body, at).pop().unwrap().1 };
        let base = example_signer(None);
        let reference = signature(&base, "h", &[("x-amz-target", "A")], b"{}", 1_440_938_160);
        let mut other_region = base.clone();
        other_region.region = "ap-northeast-1".to_owned();
        let cases: [(&str, String); 6] = [
            (
                "host",
                signature(&base, "h2", &[("x-amz-target", "A")], b"{}", 1_440_938_160),
            ),
            (
                "header",
                signature(&base, "h", &[("x-amz-target", "B")], b"{}", 1_440_938_160),
            ),
            (
                "body",
                signature(&base, "h", &[("x-amz-target", "A")], b"{ }", 1_440_938_160),
            ),
            (
                "time",
                signature(&base, "h", &[("x-amz-target", "A")], b"{}", 1_440_938_161),
            ),
            (
                "region",
                signature(
                    &other_region,
                    "h",
                    &[("x-amz-target", "A")],
                    b"{}",
                    1_440_938_160,
                ),
            ),
            (
                "session token",
                signature(
                    &example_signer(Some("t")),
                    "h",
                    &[("x-amz-target", "A")],
                    b"{}",
                    1_440_938_160,
                ),
            ),
        ];
        for (name, changed) in cases {
            assert_ne!(changed, reference, "{name}");
        }
    }

    #[test]
    fn a_session_token_is_sent_and_signed() {
        let headers = example_signer(Some("session")).sign("h", &[], b"", 0);
        assert_eq!(headers[1], ("x-amz-security-token", "session".to_owned()));
        assert!(
            headers[2]
                .1
                .contains("SignedHeaders=host;x-amz-date;x-amz-security-token,")
        );
    }

    #[test]
    fn dates_are_iso_8601_basic_utc() {
        let cases = [
            (0, "19700101T000000Z"),
            (1_440_938_160, "20150830T123600Z"),
            (951_782_400, "20000229T000000Z"),
            (1_709_251_199, "20240229T235959Z"),
            (4_102_444_800, "21000101T000000Z"),
        ];
        for (unix, expected) in cases {
            assert_eq!(amz_date(unix), expected, "{unix}");
        }
    }

    #[test]
    fn every_day_from_1970_to_2503_gets_its_calendar_date() {
        // The reference: count the days one by one through the Gregorian calendar.
        let leap =
            |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let (mut year, mut month, mut day) = (1970u64, 1u64, 1u64);
        for days in 0..194_924u64 {
            let expected = format!("{year:04}{month:02}{day:02}T000000Z");
            assert_eq!(amz_date(days * 86_400), expected, "day {days}");
            let length = match month {
                2 if leap(year) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            day += 1;
            if day > length {
                day = 1;
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
        assert_eq!(year, 2503);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", example_signer(Some("session-secret")));
        assert!(!shown.contains("EXAMPLEKEY"), "{shown}");
        assert!(!shown.contains("session-secret"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
    }
}
