//! Property: whatever text surrounds them, planted secrets never reach any rendering,
//! and the engine never panics.

use authdoctor_kb::Shell;
use proptest::prelude::*;

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEPr//////////wEaDCanaryCanaryCanary0123456789abcdef==";
const KEY_ID: &str = "ASIAY34FZKBOKMUTVV7A";

fn errors() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "An error occurred (ExpiredToken) when calling the ListBuckets operation: The provided token has expired.",
        "User: arn:aws:iam::111122223333:user/dev is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/x",
        "An error occurred (SignatureDoesNotMatch) when calling the GetObject operation: The request signature we calculated does not match the signature you provided.",
        "",
    ])
}

fn secrets() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        format!("aws_secret_access_key = {SECRET_KEY}"),
        format!("AWS_SECRET_ACCESS_KEY={SECRET_KEY}"),
        format!("\"SecretAccessKey\" : \"{SECRET_KEY}\","),
        format!("\"Token\" : \"{SESSION_TOKEN}\""),
        format!("aws_session_token={SESSION_TOKEN}"),
        format!("key {KEY_ID} secret {SECRET_KEY}"),
        format!("<SessionToken>{SESSION_TOKEN}</SessionToken>"),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn planted_secrets_never_render(
        before in "[ -~\n\t]{0,80}",
        secret in secrets(),
        error in errors(),
        after in "[ -~\n\t\u{1b}]{0,80}",
    ) {
        let text = format!("{before}\n{secret}\n{error}\n{after}");
        let report = authdoctor_explain::explain_text(&text);
        let options = authdoctor_report::Options { shell: Shell::Powershell, ..Default::default() };
        let outputs = [
            authdoctor_report::human(&report.explained, &options),
            authdoctor_report::json_findings(report.findings()),
            authdoctor_report::markdown(&report.explained, &options),
        ];
        for output in outputs {
            prop_assert!(!output.contains("bPxRfiCYEXAMPLEKEY"), "{}", output);
            prop_assert!(!output.contains("CanaryCanary"), "{}", output);
            prop_assert!(!output.contains(KEY_ID), "{}", output);
            prop_assert!(!output.contains('\u{1b}'), "{}", output);
        }
    }
}
