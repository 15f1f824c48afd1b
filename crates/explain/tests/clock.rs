//! The client's clock, read from a request's signing time and its answer's `Date`,
//! separates EC2's two readings of `RequestExpired` — and only those: an error that
//! names the token (`ExpiredToken`) was judged on the token, whatever the clock says.

use authdoctor_explain::explain_text;

/// A raw request/answer dump as an SDK's debug log prints it: signed at `signed`
/// (`20261204T162410Z`), answered at `answered` (an HTTP date), with this error.
fn exchange(host: &str, signed: &str, answered: &str, code: &str, message: &str) -> String {
    format!(
        "DEBUG Request\n\
         POST / HTTP/1.1\n\
         Host: {host}\n\
         Authorization: AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261204/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=f916dc055d17fade1ffb4118ba69bb3ac2c6c49ad9fe0b950f619c71ec155b72\n\
         X-Amz-Date: {signed}\n\
         \n\
         DEBUG Response\n\
         HTTP/1.1 400 Bad Request\n\
         Date: {answered}\n\
         \n\
         <Error><Code>{code}</Code><Message>{message}</Message></Error>\n\
         operation error: api error {code}: {message}\n"
    )
}

fn top(log: &str) -> (String, Vec<String>) {
    let report = explain_text(log);
    let finding = report.findings().next().expect("a finding");
    let candidates = finding
        .candidates
        .iter()
        .map(|c| c.scenario.clone())
        .collect();
    (finding.scenario.clone(), candidates)
}

#[test]
fn expired_token_with_a_skewed_clock_is_still_an_expired_token() {
    let log = exchange(
        "sts.us-east-1.amazonaws.com",
        "20261204T162410Z",
        "Fri, 04 Dec 2026 19:24:10 GMT",
        "ExpiredToken",
        "The security token included in the request is expired",
    );
    let (scenario, candidates) = top(&log);
    assert_eq!(scenario, "expired-token", "{log}");
    assert!(
        candidates.iter().any(|c| c == "clock-skew"),
        "{candidates:?}"
    );
}

#[test]
fn request_expired_reads_by_the_clock() {
    let skewed = exchange(
        "ec2.us-east-1.amazonaws.com",
        "20261204T162410Z",
        "Fri, 04 Dec 2026 19:24:10 GMT",
        "RequestExpired",
        "Request has expired.",
    );
    assert_eq!(top(&skewed).0, "clock-skew", "{skewed}");
    let in_step = exchange(
        "ec2.us-east-1.amazonaws.com",
        "20261204T162410Z",
        "Fri, 04 Dec 2026 16:24:11 GMT",
        "RequestExpired",
        "Request has expired.",
    );
    assert_eq!(top(&in_step).0, "expired-token", "{in_step}");
}
