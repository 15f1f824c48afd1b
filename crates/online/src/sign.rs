//! SigV4 signing of a form-encoded Query-API POST with the SDK's own signer (`aws-sigv4`),
//! and the form encoding of the body.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::{Credentials, OnlineError};

/// The body's content type, signed and sent.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Headers to add to the request: `x-amz-date`, `authorization` and, for temporary
/// credentials, `x-amz-security-token`. The caller sends `host` and `content-type`
/// exactly as passed here, since both are signed.
pub(crate) fn sign_post(
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, OnlineError> {
    sign_post_with(
        credentials,
        region,
        service,
        time,
        url,
        headers,
        body,
        SigningSettings::default(),
    )
}

#[allow(clippy::too_many_arguments)] // private; one call site plus the signing-suite test
pub(crate) fn sign_post_with(
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    settings: SigningSettings,
) -> Result<Vec<(&'static str, String)>, OnlineError> {
    // Errors from the signer name the URL or a header, never the secret; still, keep
    // only their text after cleaning.
    let err = |e: &dyn std::fmt::Display| {
        OnlineError::Signing(authdoctor_redact::clean(&e.to_string()).into_owned())
    };
    let identity: Identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "authdoctor",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| err(&e))?
        .into();
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| err(&e))?;
    let (instructions, _signature) = sign(request, &params).map_err(|e| err(&e))?.into_parts();
    let (added, _params) = instructions.into_parts();
    Ok(added
        .into_iter()
        .map(|h| (h.name(), h.value().to_owned()))
        .collect())
}

/// `application/x-www-form-urlencoded` with RFC 3986 percent-encoding (unreserved
/// characters kept, everything else `%XX`, spaces as `%20`), which every AWS Query
/// endpoint accepts.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

fn encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sigv4::http_request::PayloadChecksumKind;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_encode(&[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]),
            "Action=GetCallerIdentity&Version=2011-06-15"
        );
        assert_eq!(
            form_encode(&[("EncodedMessage", "a+b/c=d e~_.-é")]),
            "EncodedMessage=a%2Bb%2Fc%3Dd%20e~_.-%C3%A9"
        );
    }

    /// The `post-x-www-form-urlencoded` case of the AWS signing test suite that ships in
    /// the aws-sigv4 crate (`aws-signing-test-suite/v4/post-x-www-form-urlencoded`):
    /// same credentials, time, headers and body must give the published signature.
    #[test]
    fn signing_suite_post_x_www_form_urlencoded() {
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        // 2015-08-30T12:36:00Z
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let headers = sign_post_with(
            &creds,
            "us-east-1",
            "service",
            time,
            "https://example.amazonaws.com/",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("host", "example.amazonaws.com"),
                ("content-length", "13"),
            ],
            b"Param1=value1",
            settings,
        )
        .expect("sign");
        let auth = headers
            .iter()
            .find(|(n, _)| *n == "authorization")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            auth,
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, \
                 Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"
            )
        );
    }
}
