//! Why a token was refused. Every refusal carries a stable reason code for logs and metrics,
//! and a short fixed description: never any part of the token itself.

use std::fmt;

/// A stable, machine-readable reason code. The string forms (see [`Reason::code`]) appear in
/// the authorizer's decision logs, so they are part of the public interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No token was found where the event shape says it must be.
    MissingToken,
    /// The token is longer than the configured bound; nothing of it was decoded.
    TokenTooLarge,
    /// Not three base64url segments, bad base64url, or a header or payload that is not a JSON
    /// object.
    Malformed,
    /// The header's `alg` is not in the allowlist (this includes `none` in any letter case and
    /// every HMAC algorithm), or disagrees with the key's `alg`.
    UnsupportedAlgorithm,
    /// The header has no usable `kid`.
    MissingKid,
    /// The header carries a `crit` parameter; no extension is understood, so the token is refused.
    CriticalHeader,
    /// The `iss` claim names no trusted issuer (no configured user pool or `ISSUERS` entry).
    UnknownIssuer,
    /// The pool's JWKS has no key with the token's `kid`.
    UnknownKid,
    /// The signature does not verify with the pool's key.
    BadSignature,
    /// A required claim is absent or a claim has the wrong JSON type or an invalid value.
    InvalidClaim,
    /// `exp` is not in the future.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `token_use` is not allowed by the configuration.
    WrongTokenUse,
    /// `aud` (ID token) or `client_id` (access token) names no configured app client.
    WrongClient,
    /// None of the required scopes is in the token's `scope`.
    MissingScope,
    /// None of the required groups is in the token's `cognito:groups`.
    MissingGroup,
    /// A claim rule (`REQUIRED_CLAIMS`, or a route's `required_claims`) names a claim the token
    /// lacks or holds with another value or JSON type.
    ClaimMismatch,
    /// A claim rule requires a recent sign-in and `auth_time` is older, or absent.
    StaleAuthTime,
    /// A claim rule accepts user tokens only (or machine tokens only) and this is not one.
    TokenKind,
    /// The token is valid but revoked: its user signed out everywhere after it was issued, or
    /// its session (`origin_jti`) was revoked (the opt-in revocation list).
    Revoked,
}

impl Reason {
    /// The reason code written to logs, e.g. `expired` or `bad_signature`.
    pub const fn code(self) -> &'static str {
        match self {
            Reason::MissingToken => "missing_token",
            Reason::TokenTooLarge => "token_too_large",
            Reason::Malformed => "malformed",
            Reason::UnsupportedAlgorithm => "unsupported_alg",
            Reason::MissingKid => "missing_kid",
            Reason::CriticalHeader => "critical_header",
            Reason::UnknownIssuer => "unknown_issuer",
            Reason::UnknownKid => "unknown_kid",
            Reason::BadSignature => "bad_signature",
            Reason::InvalidClaim => "invalid_claim",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::WrongTokenUse => "wrong_token_use",
            Reason::WrongClient => "wrong_client",
            Reason::MissingScope => "missing_scope",
            Reason::MissingGroup => "missing_group",
            Reason::ClaimMismatch => "claim_mismatch",
            Reason::StaleAuthTime => "stale_auth_time",
            Reason::TokenKind => "token_kind",
            Reason::Revoked => "revoked",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused token: the reason code and a fixed description of what was wrong.
///
/// `detail` is always a static string written in this crate, so logging a `Rejection` can never
/// leak token contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("token rejected ({reason}): {detail}")]
pub struct Rejection {
    /// The stable reason code.
    pub reason: Reason,
    /// A fixed description for logs; never any part of the token.
    pub detail: &'static str,
}

impl Rejection {
    /// A rejection for `reason`, described by `detail`.
    pub const fn new(reason: Reason, detail: &'static str) -> Self {
        Rejection { reason, detail }
    }
}

/// A refused token as an `Err`: [`Rejection::new`] for `reason`, described by `detail`.
pub(crate) fn refuse<T>(reason: Reason, detail: &'static str) -> Result<T, Rejection> {
    Err(Rejection::new(reason, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes are a public interface (decision logs, the `Reason` metric dimension, alarms
    /// and Logs Insights queries filter on them): each is fixed here, and no two are alike.
    #[test]
    fn every_reason_has_its_stable_code() {
        let table = [
            (Reason::MissingToken, "missing_token"),
            (Reason::TokenTooLarge, "token_too_large"),
            (Reason::Malformed, "malformed"),
            (Reason::UnsupportedAlgorithm, "unsupported_alg"),
            (Reason::MissingKid, "missing_kid"),
            (Reason::CriticalHeader, "critical_header"),
            (Reason::UnknownIssuer, "unknown_issuer"),
            (Reason::UnknownKid, "unknown_kid"),
            (Reason::BadSignature, "bad_signature"),
            (Reason::InvalidClaim, "invalid_claim"),
            (Reason::Expired, "expired"),
            (Reason::NotYetValid, "not_yet_valid"),
            (Reason::WrongTokenUse, "wrong_token_use"),
            (Reason::WrongClient, "wrong_client"),
            (Reason::MissingScope, "missing_scope"),
            (Reason::MissingGroup, "missing_group"),
            (Reason::ClaimMismatch, "claim_mismatch"),
            (Reason::StaleAuthTime, "stale_auth_time"),
            (Reason::TokenKind, "token_kind"),
            (Reason::Revoked, "revoked"),
        ];
        let mut seen = std::collections::HashSet::new();
        for (reason, code) in table {
            assert_eq!(reason.code(), code, "{reason:?}");
            assert_eq!(reason.to_string(), code, "{reason:?} displays as its code");
            assert!(seen.insert(code), "{code} used twice");
        }
        let rejection = Rejection::new(Reason::Expired, "exp is in the past");
        assert_eq!(
            rejection.to_string(),
            "token rejected (expired): exp is in the past"
        );
    }
}
