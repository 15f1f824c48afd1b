//! The HTTP, TLS and error-mapping paths against a tiny loopback responder that sends
//! canned answers. These are NOT AWS or moto answers: the bodies are real-shaped STS/EC2
//! documents (the documented Query-protocol result and error shapes, with messages as
//! reported by users of the CLI and SDKs), used for what moto cannot produce:
//! `DecodeAuthorizationMessage` results, `ExpiredToken`, clock-skew errors and `Date`
//! headers from another clock, timeouts, oversized and non-AWS answers, and HTTPS.
//! The signature of the request actually sent is checked against botocore's signer.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authdoctor_online::{
    Client, Credentials, Endpoints, ErrorCategory, OnlineError, Phase,
    decode_authorization_message, get_caller_identity,
};
use support::{Captured, http_answer, responder};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6CanaryTokenValueXYZ==";

const CALLER_OK: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::111122223333:assumed-role/AppInstanceRole/i-0123456789abcdef0</Arn>
    <UserId>AROA123456789EXAMPLE:i-0123456789abcdef0</UserId>
    <Account>111122223333</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>0e2b1d3c-4a5f-4b6c-8d7e-9f0a1b2c3d4e</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

/// Now as an HTTP date, shifted by `offset_secs`.
fn http_date(offset_secs: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset_secs);
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&t)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn creds() -> Credentials {
    Credentials {
        access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: SECRET.into(),
        session_token: Some(TOKEN.into()),
    }
}

fn endpoints_at(url: &str) -> Endpoints {
    let env = BTreeMap::from([("AWS_ENDPOINT_URL".to_owned(), url.to_owned())]);
    Endpoints::resolve(&env, "us-east-1").unwrap_or_else(|e| panic!("{e}"))
}

fn client() -> Client {
    Client::new(Duration::from_secs(5)).loopback_only(true)
}

/// Neither the secret, the token nor a signature may show in an error's text.
fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains("CanaryTokenValue"), "token leaked: {text}");
    assert!(!text.contains("Signature="), "signature leaked: {text}");
}

fn shown<T: std::fmt::Debug>(r: &Result<T, OnlineError>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("{e} / {e:?}"),
    }
}

fn aws_error<T: std::fmt::Debug>(r: Result<T, OnlineError>) -> authdoctor_online::AwsError {
    match r {
        Err(OnlineError::Aws(e)) => *e,
        other => panic!("expected an AWS error document, got {other:?}"),
    }
}

async fn one_request(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Captured>) -> Captured {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the responder saw no request"))
}

#[tokio::test]
async fn decode_authorization_message_request_and_answer() {
    // Local responder with an STS-shaped answer (moto does not implement this call).
    let body = r#"<DecodeAuthorizationMessageResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <DecodeAuthorizationMessageResult>
    <DecodedMessage>{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"DenyImdsV1","effect":"DENY"}]},"context":{"action":"s3:GetObject","resource":"arn:aws:s3:::app-config-bucket/config.json","conditions":{"items":[{"key":"ec2:RoleDelivery","values":{"items":[{"value":"1.0"}]}}]}}}</DecodedMessage>
  </DecodeAuthorizationMessageResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</DecodeAuthorizationMessageResponse>"#;
    let (port, mut rx) = responder(Some(http_answer("200 OK", &http_date(0), "", body))).await;
    let encoded = "AbC+dEf/0123=_-x";
    let decoded = decode_authorization_message(
        &client(),
        &creds(),
        "eu-west-1",
        &endpoints_at(&format!("http://127.0.0.1:{port}")),
        encoded,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(decoded.starts_with(r#"{"allowed":false,"explicitDeny":true,"matchedStatements""#));
    assert!(decoded.contains(r#""key":"ec2:RoleDelivery""#));

    let req = one_request(&mut rx).await;
    assert_eq!(req.request_line, "POST / HTTP/1.1");
    assert_eq!(
        req.body,
        "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=AbC%2BdEf%2F0123%3D_-x"
    );
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    assert_eq!(
        req.header("host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(req.header("x-amz-security-token"), Some(TOKEN));
    let auth = req.header("authorization").unwrap_or_default();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/"),
        "{auth}"
    );
    assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
        "{auth}"
    );
}

#[tokio::test]
async fn oversized_encoded_message_is_refused_before_sending() {
    let (port, mut rx) = responder(Some(http_answer("200 OK", &http_date(0), "", ""))).await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    for bad in ["", "   ", &"A".repeat(10_241)] {
        let r = decode_authorization_message(&client(), &creds(), "us-east-1", &ep, bad).await;
        assert!(
            matches!(r, Err(OnlineError::InvalidInput(_))),
            "{}",
            shown(&r)
        );
    }
    assert!(rx.try_recv().is_err(), "nothing may be sent");
}

/// The `Authorization` header our client sent is the one botocore's SigV4 signer computes
/// for the same request (method, URL, signed headers, body, time, credentials).
#[tokio::test]
async fn request_signature_matches_botocore() {
    let (port, mut rx) = responder(Some(http_answer("200 OK", &http_date(0), "", CALLER_OK))).await;
    let url = format!("http://127.0.0.1:{port}");
    get_caller_identity(&client(), &creds(), "us-east-1", &endpoints_at(&url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let req = one_request(&mut rx).await;
    let sent = req.header("authorization").unwrap_or_default().to_owned();
    let input = serde_json::json!({
        "url": format!("{url}/"),
        "body": req.body,
        "headers": {
            "host": req.header("host"),
            "content-type": req.header("content-type"),
            "x-amz-date": req.header("x-amz-date"),
            "x-amz-security-token": req.header("x-amz-security-token"),
        },
        "access_key_id": "ASIAIOSFODNN7EXAMPLE",
        "secret_access_key": SECRET,
        "session_token": TOKEN,
        "region": "us-east-1",
        "service": "sts",
    });
    let script = r#"
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
i = json.load(sys.stdin)
req = AWSRequest(method="POST", url=i["url"], data=i["body"].encode(), headers=i["headers"])
req.context["timestamp"] = i["headers"]["x-amz-date"]
auth = SigV4Auth(Credentials(i["access_key_id"], i["secret_access_key"], i["session_token"]), i["service"], i["region"])
canonical = auth.canonical_request(req)
signature = auth.signature(auth.string_to_sign(req, canonical), req)
signed = auth.signed_headers(auth.headers_to_sign(req))
print("AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s" % (auth.scope(req), signed, signature))
"#;
    let mut child = support::python_command()
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
        stdin
            .write_all(input.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "botocore signer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(expected.contains("Signature="), "{expected}");
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn expired_token_document_keeps_code_request_id_and_date() {
    let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>ExpiredToken</Code>
    <Message>The security token included in the request is expired</Message>
  </Error>
  <RequestId>4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c</RequestId>
</ErrorResponse>"#;
    let (port, _rx) = responder(Some(http_answer(
        "403 Forbidden",
        &http_date(0),
        "x-amzn-RequestId: 4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c\r\n",
        body,
    )))
    .await;
    let r = get_caller_identity(
        &client(),
        &creds(),
        "us-east-1",
        &endpoints_at(&format!("http://127.0.0.1:{port}")),
    )
    .await;
    assert_no_secret(&shown(&r));
    let e = aws_error(r);
    assert_eq!((e.status, e.code.as_str()), (403, "ExpiredToken"));
    assert_eq!(e.category(), ErrorCategory::ExpiredToken);
    assert_eq!(
        e.request_id.as_deref(),
        Some("4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c")
    );
    assert!(e.server_date.is_some());
    assert!(
        e.skew.is_some_and(|s| s.as_secs().abs() <= 30),
        "{:?}",
        e.skew
    );
}

#[tokio::test]
async fn clock_skew_is_read_from_the_date_header() {
    // The server's clock is an hour ahead of ours: STS's "Signature expired" wording.
    let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>Signature expired: 20261123T080000Z is now earlier than 20261123T084500Z (20261123T090000Z - 15 min.)</Message>
  </Error>
  <RequestId>a1b2c3d4-0000-4000-8000-000000000001</RequestId>
</ErrorResponse>"#;
    let (port, _rx) = responder(Some(http_answer(
        "403 Forbidden",
        &http_date(3600),
        "",
        body,
    )))
    .await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let e = aws_error(get_caller_identity(&client(), &creds(), "us-east-1", &ep).await);
    assert_eq!(e.category(), ErrorCategory::ClockSkew);
    let skew = e.skew.expect("skew").as_secs();
    assert!((3590..=3610).contains(&skew), "skew {skew}");

    // EC2's RequestExpired is a clock problem when the Date is far off…
    let ec2_body = "<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has expired.</Message></Error></Errors><RequestID>0b5f2f2e-7d8c-4e6a-9f1b-2c3d4e5f6a7b</RequestID></Response>";
    let (port, _rx) = responder(Some(http_answer(
        "400 Bad Request",
        &http_date(-900),
        "",
        ec2_body,
    )))
    .await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = authdoctor_online::describe_instance_metadata_options(
        &client(),
        &creds(),
        "us-east-1",
        &ep,
        "i-0123456789abcdef0",
    )
    .await;
    assert_eq!(aws_error(r).category(), ErrorCategory::ClockSkew);
    // …and an expired token when the clocks agree.
    let (port, _rx) = responder(Some(http_answer(
        "400 Bad Request",
        &http_date(0),
        "",
        ec2_body,
    )))
    .await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = authdoctor_online::describe_instance_metadata_options(
        &client(),
        &creds(),
        "us-east-1",
        &ep,
        "i-0123456789abcdef0",
    )
    .await;
    assert_eq!(aws_error(r).category(), ErrorCategory::ExpiredToken);

    // A successful answer still reports the skew, so a drifting clock can be warned about
    // before SigV4 starts refusing it.
    let (port, _rx) = responder(Some(http_answer("200 OK", &http_date(-240), "", CALLER_OK))).await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let me = get_caller_identity(&client(), &creds(), "us-east-1", &ep)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(me.account, "111122223333");
    assert_eq!(me.user_id, "AROA123456789EXAMPLE:i-0123456789abcdef0");
    let skew = me.skew.expect("skew").as_secs();
    assert!((-250..=-230).contains(&skew), "skew {skew}");
}

#[tokio::test]
async fn silent_server_ends_in_a_timeout_within_the_deadline() {
    let (port, _rx) = responder(None).await;
    let client = Client::new(Duration::from_millis(300)).loopback_only(true);
    let start = Instant::now();
    let r = get_caller_identity(
        &client,
        &creds(),
        "us-east-1",
        &endpoints_at(&format!("http://127.0.0.1:{port}")),
    )
    .await;
    let elapsed = start.elapsed();
    match &r {
        Err(OnlineError::Timeout { phase, after, .. }) => {
            assert_eq!(*phase, Phase::Response);
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Bounded, not a speed measurement: the call must not outlive its deadline by much.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(r.as_ref().is_err_and(OnlineError::is_timeout));
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let port = support::free_port();
    let r = get_caller_identity(
        &client(),
        &creds(),
        "us-east-1",
        &endpoints_at(&format!("http://127.0.0.1:{port}")),
    )
    .await;
    assert!(
        matches!(r, Err(OnlineError::Connect { .. })),
        "{}",
        shown(&r)
    );
}

#[tokio::test]
async fn oversized_answers_are_capped() {
    // Declared too large.
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n<x>";
    let (port, _rx) = responder(Some(head.as_bytes().to_vec())).await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = get_caller_identity(&client(), &creds(), "us-east-1", &ep).await;
    assert!(
        matches!(
            r,
            Err(OnlineError::BodyTooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{}",
        shown(&r)
    );

    // Chunked, no length: cut off while reading.
    let mut answer =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    let chunk = vec![b'a'; 65_536];
    for _ in 0..20 {
        answer.extend_from_slice(b"10000\r\n");
        answer.extend_from_slice(&chunk);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let (port, _rx) = responder(Some(answer)).await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = get_caller_identity(&client(), &creds(), "us-east-1", &ep).await;
    assert!(
        matches!(r, Err(OnlineError::BodyTooLarge { .. })),
        "{}",
        shown(&r)
    );
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let (port, mut rx) = responder(Some(http_answer(
        "302 Found",
        &http_date(0),
        "Location: http://127.0.0.1:9/elsewhere\r\n",
        "",
    )))
    .await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = get_caller_identity(&client(), &creds(), "us-east-1", &ep).await;
    assert!(
        matches!(r, Err(OnlineError::UnexpectedResponse { status: 302, .. })),
        "{}",
        shown(&r)
    );
    one_request(&mut rx).await;
    assert!(rx.try_recv().is_err(), "exactly one request");
}

#[tokio::test]
async fn proxy_page_is_an_unexpected_answer_with_a_clean_excerpt() {
    let body = "<html><body><h1>502 Bad Gateway</h1>\u{1b}]0;pwned\u{7}\u{1b}[31mproxy says no, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</body></html>";
    let (port, _rx) = responder(Some(http_answer(
        "502 Bad Gateway",
        &http_date(0),
        "",
        body,
    )))
    .await;
    let ep = endpoints_at(&format!("http://127.0.0.1:{port}"));
    let r = get_caller_identity(&client(), &creds(), "us-east-1", &ep).await;
    let text = shown(&r);
    assert_no_secret(&text);
    match r {
        Err(OnlineError::UnexpectedResponse {
            status,
            detail,
            server_date,
            ..
        }) => {
            assert_eq!(status, 502);
            assert!(detail.contains("502 Bad Gateway"), "{detail}");
            assert!(
                !detail.contains('\u{1b}') && !detail.contains('\u{7}'),
                "{detail:?}"
            );
            assert!(server_date.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn test_guard_refuses_real_endpoints_before_any_traffic() {
    let env = BTreeMap::from([("AUTHDOCTOR_TEST_GUARD".to_owned(), "1".to_owned())]);
    let client = Client::from_env(Duration::from_secs(1), &env);
    let endpoints =
        Endpoints::resolve(&BTreeMap::new(), "us-east-1").unwrap_or_else(|e| panic!("{e}"));
    let r = get_caller_identity(&client, &creds(), "us-east-1", &endpoints).await;
    match r {
        Err(OnlineError::NotLoopback { host }) => assert_eq!(host, "sts.us-east-1.amazonaws.com"),
        other => panic!("{other:?}"),
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// A TLS responder with the throwaway certificate for 127.0.0.1 (tests/fixtures/tls).
async fn tls_responder(answer: Vec<u8>) -> u16 {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::AsyncWriteExt;
    let cert =
        CertificateDer::from_pem_file(fixture("server.pem")).unwrap_or_else(|e| panic!("{e}"));
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap_or_else(|e| panic!("{e}"));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap_or_else(|e| panic!("{e}"))
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap_or_else(|e| panic!("{e}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if support::read_request(&mut tls).await.is_some() {
                    let _ = tls.write_all(&answer).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn https_trusts_aws_ca_bundle_and_refuses_unknown_issuers() {
    let port = tls_responder(http_answer("200 OK", &http_date(0), "", CALLER_OK)).await;
    let ep = endpoints_at(&format!("https://127.0.0.1:{port}"));

    // AWS_CA_BUNDLE names the test CA: the call succeeds over TLS.
    let env = BTreeMap::from([
        (
            "AWS_CA_BUNDLE".to_owned(),
            fixture("ca.pem").display().to_string(),
        ),
        ("AUTHDOCTOR_TEST_GUARD".to_owned(), "1".to_owned()),
    ]);
    let me = get_caller_identity(
        &Client::from_env(Duration::from_secs(5), &env),
        &creds(),
        "us-east-1",
        &ep,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(me.account, "111122223333");

    // System roots only: the test CA is unknown, the handshake is refused.
    let r = get_caller_identity(&client(), &creds(), "us-east-1", &ep).await;
    assert!(matches!(r, Err(OnlineError::Tls { .. })), "{}", shown(&r));

    // A bundle that is not PEM says so, naming the variable.
    let r = get_caller_identity(
        &client().with_ca_bundle(Some(fixture("README.md"))),
        &creds(),
        "us-east-1",
        &ep,
    )
    .await;
    match r {
        Err(OnlineError::Tls { reason, .. }) => {
            assert!(reason.contains("AWS_CA_BUNDLE"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
