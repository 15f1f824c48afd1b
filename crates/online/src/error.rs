//! What can go wrong with an online call, in a shape callers can diagnose.
//!
//! Two families: the request never got an AWS answer (endpoint, connect, TLS, timeout,
//! an answer too large or not AWS-shaped), or AWS answered with an error document
//! ([`AwsError`]: code, message, HTTP status, request id). Every answer also carries the
//! server's `Date` header when there was one, because a skewed local clock is one of the
//! things `check --online` must spot.
//!
//! Texts stored here that came from the network have already passed through
//! [`authdoctor_redact::clean`], so `Display` never echoes a secret or a control sequence;
//! the signature and the credentials are never stored at all.

use std::fmt;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Clock differences at or beyond this are what SigV4 rejects (5 minutes in most services,
/// 15 in some: the smaller bound is the one that matters for a diagnosis).
pub const SIGV4_SKEW_TOLERANCE: SignedDuration = SignedDuration::from_secs(5 * 60);

/// The phase of an exchange that ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Name resolution and the TCP connect.
    Connect,
    /// The TLS handshake.
    Tls,
    /// Sending the request and waiting for the status line and headers.
    Response,
    /// Reading the response body.
    Body,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Connect => "connect",
            Phase::Tls => "TLS handshake",
            Phase::Response => "waiting for the response",
            Phase::Body => "reading the response body",
        })
    }
}

/// Why an online call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnlineError {
    /// An endpoint URL (from `AWS_ENDPOINT_URL*` or built from the region) is unusable.
    #[error("invalid endpoint {source_name}: {reason}")]
    InvalidEndpoint {
        /// Where the URL came from: the variable name, or `region`.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument of the call is unusable (instance id, encoded message).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The client only talks to loopback addresses (test guard) and this endpoint is not one.
    #[error(
        "refusing to contact {host}: only loopback endpoints are allowed (AUTHDOCTOR_TEST_GUARD)"
    )]
    NotLoopback {
        /// The endpoint host as configured.
        host: String,
    },
    /// The signer refused the request (malformed credentials or URL).
    #[error("could not sign the request: {0}")]
    Signing(String),
    /// The deadline passed.
    #[error("no answer from {endpoint} within {} ms ({phase})", .after.as_millis())]
    Timeout {
        /// The endpoint URL.
        endpoint: String,
        /// What was being waited for.
        phase: Phase,
        /// The whole call's time budget.
        after: Duration,
    },
    /// Name resolution or the TCP connect failed.
    #[error("could not connect to {endpoint}: {reason}")]
    Connect {
        /// The endpoint URL.
        endpoint: String,
        /// The system's reason (refused, unreachable, unknown host).
        reason: String,
    },
    /// The TLS setup or handshake failed (untrusted certificate, no roots, bad CA bundle).
    #[error("TLS with {host} failed: {reason}")]
    Tls {
        /// The endpoint host.
        host: String,
        /// Why.
        reason: String,
    },
    /// The HTTP exchange broke (connection reset, malformed HTTP).
    #[error("HTTP exchange with {endpoint} failed: {reason}")]
    Http {
        /// The endpoint URL.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The response body was larger than the cap.
    #[error("the answer from {endpoint} exceeds {limit} bytes")]
    BodyTooLarge {
        /// The endpoint URL.
        endpoint: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// AWS answered with an error document.
    #[error("{0}")]
    Aws(Box<AwsError>),
    /// An answer that is neither the expected result nor an AWS error document
    /// (a proxy's HTML page, a redirect, an emulator's crash page, a truncated document).
    #[error("unexpected answer from {endpoint} (HTTP {status}): {detail}")]
    UnexpectedResponse {
        /// The endpoint URL.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong, with the start of the body (cleaned).
        detail: String,
        /// The server's `Date` header, if any.
        server_date: Option<Timestamp>,
    },
}

impl OnlineError {
    /// The AWS error document, when AWS answered with one.
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            OnlineError::Aws(e) => Some(e),
            _ => None,
        }
    }

    /// The server's `Date` header, when an answer arrived.
    pub fn server_date(&self) -> Option<Timestamp> {
        match self {
            OnlineError::Aws(e) => e.server_date,
            OnlineError::UnexpectedResponse { server_date, .. } => *server_date,
            _ => None,
        }
    }

    /// True when no answer arrived in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, OnlineError::Timeout { .. })
    }
}

/// An AWS error document (`<ErrorResponse><Error><Code>…` for STS, `<Response><Errors>…`
/// for EC2), with what the HTTP layer knew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// HTTP status, e.g. 403.
    pub status: u16,
    /// The error code, e.g. `ExpiredToken`.
    pub code: String,
    /// The error message (cleaned).
    pub message: String,
    /// `Sender` or `Receiver` when the document says so.
    pub error_type: Option<String>,
    /// The request id from the document or the `x-amzn-RequestId` header.
    pub request_id: Option<String>,
    /// The server's `Date` header.
    pub server_date: Option<Timestamp>,
    /// Server time minus local time when the answer arrived (positive: the local clock
    /// is behind). Whole seconds only: the `Date` header has no finer resolution.
    pub skew: Option<SignedDuration>,
}

/// What an [`AwsError`] means for a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCategory {
    /// Temporary credentials past their expiry (`ExpiredToken`, or `RequestExpired`
    /// without clock skew).
    ExpiredToken,
    /// The access key id (or session token) is unknown to AWS: `InvalidClientTokenId`,
    /// `UnrecognizedClientException`, EC2's `AuthFailure`, `InvalidAccessKeyId`.
    InvalidClientToken,
    /// The secret key does not match the key id (or the request was altered in transit).
    SignatureMismatch,
    /// The local clock is off: `RequestTimeTooSkewed`, `SignatureExpired`, a
    /// `SignatureDoesNotMatch` whose message is about expiry, or a `Date` header more than
    /// five minutes away.
    ClockSkew,
    /// The identity is not allowed to make this call (`AccessDenied`, EC2's
    /// `UnauthorizedOperation`).
    AccessDenied,
    /// Throttled (`Throttling`, `RequestLimitExceeded`).
    Throttled,
    /// Anything else.
    Other,
}

impl AwsError {
    /// Classifies the error. Clock skew wins over the code when the server's clock is more
    /// than [`SIGV4_SKEW_TOLERANCE`] away from ours, because every signing error is a
    /// consequence of it then.
    pub fn category(&self) -> ErrorCategory {
        let skewed = self.skew.is_some_and(|s| s.abs() >= SIGV4_SKEW_TOLERANCE);
        let message = self.message.to_ascii_lowercase();
        let expiry_wording =
            message.contains("signature expired") || message.contains("signature not yet current");
        match self.code.as_str() {
            "RequestTimeTooSkewed" | "SignatureExpired" => ErrorCategory::ClockSkew,
            "SignatureDoesNotMatch" | "InvalidSignatureException" if expiry_wording || skewed => {
                ErrorCategory::ClockSkew
            }
            "SignatureDoesNotMatch" | "InvalidSignatureException" => {
                ErrorCategory::SignatureMismatch
            }
            // EC2 says RequestExpired both for a skewed clock and for an expired session
            // token; the Date header tells them apart.
            "RequestExpired" if skewed => ErrorCategory::ClockSkew,
            "RequestExpired" | "ExpiredToken" | "ExpiredTokenException" => {
                ErrorCategory::ExpiredToken
            }
            "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "AuthFailure"
            | "InvalidAccessKeyId"
            | "InvalidToken" => ErrorCategory::InvalidClientToken,
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
                ErrorCategory::AccessDenied
            }
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
                ErrorCategory::Throttled
            }
            // Anything else signing-related from a host whose clock is far off.
            _ if skewed => ErrorCategory::ClockSkew,
            _ => ErrorCategory::Other,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AWS answered HTTP {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str, skew_secs: Option<i64>) -> AwsError {
        AwsError {
            status: 403,
            code: code.into(),
            message: message.into(),
            error_type: None,
            request_id: None,
            server_date: None,
            skew: skew_secs.map(SignedDuration::from_secs),
        }
    }

    #[test]
    fn categories_by_code() {
        use ErrorCategory::*;
        let cases = [
            ("ExpiredToken", "", None, ExpiredToken),
            ("InvalidClientTokenId", "", Some(2), InvalidClientToken),
            ("AuthFailure", "", None, InvalidClientToken),
            (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
                Some(0),
                SignatureMismatch,
            ),
            (
                "SignatureDoesNotMatch",
                "Signature expired: 20261123T080000Z is now earlier than 20261123T081500Z (20261123T083000Z - 15 min.)",
                None,
                ClockSkew,
            ),
            (
                "InvalidSignatureException",
                "Signature not yet current: 20190305T002809Z is still later than 20190304T214315Z (20190304T212815Z + 15 min.)",
                None,
                ClockSkew,
            ),
            ("RequestTimeTooSkewed", "", None, ClockSkew),
            (
                "RequestExpired",
                "Request has expired.",
                Some(-3600),
                ClockSkew,
            ),
            (
                "RequestExpired",
                "Request has expired.",
                Some(1),
                ExpiredToken,
            ),
            (
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
                None,
                AccessDenied,
            ),
            ("AccessDenied", "", None, AccessDenied),
            ("RequestLimitExceeded", "", None, Throttled),
            ("InvalidInstanceID.NotFound", "", None, Other),
            // A skewed Date turns an opaque signature failure into a clock diagnosis.
            (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
                Some(900),
                ClockSkew,
            ),
            ("IncompleteSignature", "", Some(-400), ClockSkew),
        ];
        for (code, message, skew, want) in cases {
            assert_eq!(
                err(code, message, skew).category(),
                want,
                "{code} / {message} / {skew:?}"
            );
        }
    }

    #[test]
    fn display_has_code_status_and_request_id() {
        let mut e = err(
            "ExpiredToken",
            "The security token included in the request is expired",
            None,
        );
        e.request_id = Some("c6104cbe-af31-11e0-8154-cbc7ccf896c7".into());
        assert_eq!(
            e.to_string(),
            "AWS answered HTTP 403 ExpiredToken: The security token included in the request is expired (request id c6104cbe-af31-11e0-8154-cbc7ccf896c7)"
        );
    }
}
