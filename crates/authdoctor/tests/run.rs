//! `authdoctor run`: the evidence in a command's standard error survives however much
//! output follows it (issue 8 item 8).

use assert_cmd::Command;

const EXPIRED: &str = "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired";

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("PATH", "/usr/bin:/bin")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

/// A shell command that prints the auth error on stderr, then `megabytes` MB of unrelated
/// log lines, and exits 1.
fn error_then_noise(megabytes: usize) -> String {
    // 64-byte lines (newline included); 16,384 of them make a megabyte.
    format!(
        "echo '{EXPIRED}' >&2; yes 'INFO worker 7 processed batch, nothing to report here..........' \
         | head -n {} >&2; exit 1",
        megabytes * 16_384
    )
}

#[test]
fn an_auth_error_followed_by_megabytes_of_output_is_still_diagnosed() {
    let output = authdoctor()
        .args(["run", "--", "sh", "-c"])
        .arg(error_then_noise(12))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The command's own output is passed through whole.
    assert!(stderr.len() >= 12 * 1024 * 1024, "{} bytes", stderr.len());
    assert!(stderr.starts_with(EXPIRED), "{}", &stderr[..200]);
    assert!(
        tail(&stderr).contains("error[expired-token]"),
        "no diagnosis after 12 MB of output:\n{}",
        tail(&stderr)
    );
}

#[test]
fn json_diagnosis_after_megabytes_of_output_names_the_error() {
    let output = authdoctor()
        .args(["run", "--format", "json", "--", "sh", "-c"])
        .arg(error_then_noise(9))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let header = stderr
        .rfind("── authdoctor:")
        .unwrap_or_else(|| panic!("no diagnosis header: {}", tail(&stderr)));
    let json = stderr[header..]
        .split_once('\n')
        .map_or("", |(_, rest)| rest);
    let doc: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(doc["findings"][0]["scenario"], "expired-token", "{doc}");
}

#[test]
fn more_distinct_errors_than_are_reported_are_counted_in_a_notice() {
    // 300 different access-denied errors: more than the diagnosis keeps.
    let script = "i=0; while [ $i -lt 300 ]; do \
        echo \"An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/u$i is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bucket$i/key because no identity-based policy allows the s3:GetObject action\" >&2; \
        echo >&2; echo >&2; echo >&2; echo >&2; echo >&2; i=$((i+1)); done; exit 1";
    let output = authdoctor()
        .args(["run", "--", "sh", "-c", script])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        tail(&stderr).contains("more distinct errors were not shown"),
        "no notice of the errors left out:\n{}",
        tail(&stderr)
    );
}

/// The last 20,000 bytes (or so: cut on a character boundary).
fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(20_000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
