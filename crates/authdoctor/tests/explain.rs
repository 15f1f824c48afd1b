//! `authdoctor explain`, `scenarios`, `guide` and `run` through the real binary: exit
//! codes, output formats, input handling and the secret/escape guarantees.

use assert_cmd::Command;
use predicates::prelude::*;

const EXPIRED: &str = "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6CanaryTokenValueXYZ==";
const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJlQ2FuYXJ5";
const SIGNATURE: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Pasted text may start with a dash (a traceback's rule, a list): `--text` takes it as
/// the text, not as a flag.
#[test]
fn text_that_starts_with_a_dash_is_text() {
    let pasted = format!("-----------------\n{EXPIRED}");
    let output = authdoctor()
        .args(["explain", "--format", "json", "--text", &pasted])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(json_of(&output)["findings"][0]["scenario"], "expired-token");
}

/// What Windows PowerShell 5.1 saves with `aws … 2>&1 > err.txt`: UTF-16LE with a
/// byte-order mark, CRLF line ends. The finding and its evidence read as the text.
#[test]
fn a_file_saved_by_windows_powershell_is_read_as_its_text() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("err.txt");
    let text = format!("aws : \r\n{EXPIRED}\r\n");
    let utf16: Vec<u8> = std::iter::once(0xFEFF_u16)
        .chain(text.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&path, utf16).unwrap_or_else(|e| panic!("{e}"));
    let output = authdoctor()
        .args(["explain", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0));
    let report = json_of(&output);
    assert_eq!(report["findings"][0]["scenario"], "expired-token");
    assert_eq!(report["findings"][0]["evidence"][0]["line"], 2);
}

#[test]
fn recognised_error_exits_0_with_contract_json() {
    let output = authdoctor()
        .args(["explain", "--format", "json", "--text", EXPIRED])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0));
    let doc = json_of(&output);
    assert_eq!(doc["version"], 1);
    let finding = &doc["findings"][0];
    assert_eq!(finding["scenario"], "expired-token");
    assert!(
        finding["confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.5 && c <= 1.0)
    );
    let evidence = &finding["evidence"][0];
    for key in ["line", "column", "length", "text", "signal"] {
        assert!(!evidence[key].is_null(), "evidence lacks {key}: {evidence}");
    }
    assert_eq!(finding["facts"]["error_code"], "ExpiredToken");
    assert!(
        finding["root_cause"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let shells: Vec<&str> = finding["fix"]["commands"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["shell"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        shells.contains(&"bash") && shells.contains(&"powershell"),
        "{shells:?}"
    );
    assert!(finding["related_checks"].is_array());
}

#[test]
fn text_without_auth_error_exits_1_with_no_findings() {
    let output = authdoctor()
        .args([
            "explain",
            "--format",
            "json",
            "--text",
            "compiling 42 crates\nall tests passed",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_of(&output)["findings"], serde_json::json!([]));
}

/// A credential call that never reached AWS is no refusal: exit 1 with no finding, and
/// the human view says which request failed and how, with a command to test the path.
#[test]
fn a_request_aws_never_answered_is_told_as_a_network_failure() {
    let text = "Error: validating provider credentials: retrieving caller identity from STS: operation error STS: GetCallerIdentity, exceeded maximum number of attempts, 25, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://sts.us-east-1.amazonaws.com/\": read tcp 10.0.0.1:40716->52.94.1.2:443: read: connection reset by peer";
    let json = authdoctor()
        .args(["explain", "--format", "json", "--text", text])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json.status.code(), Some(1));
    let doc = json_of(&json);
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(
        doc["observations"][0],
        serde_json::json!({"line": 1, "kind": "api-unanswered", "host": "sts.us-east-1.amazonaws.com", "outcome": "reset"})
    );
    authdoctor()
        .args(["explain", "--text", text])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("No AWS authorization or credential error found")
                .and(predicate::str::contains("Requests that never reached AWS"))
                .and(predicate::str::contains(
                    "request to sts.us-east-1.amazonaws.com → reset",
                ))
                .and(predicate::str::contains(
                    "https://sts.us-east-1.amazonaws.com/",
                )),
        );
}

#[test]
fn reads_stdin_and_files() {
    authdoctor()
        .arg("explain")
        .write_stdin(format!("log start\n{EXPIRED}\nlog end\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[expired-token]"))
        .stdout(predicate::str::contains("--> <stdin>:2:20"))
        .stdout(
            predicate::str::is_match(r"(?m)^2 \| .*\(ExpiredToken\)")
                .unwrap_or_else(|e| panic!("{e}")),
        );

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("app.log");
    std::fs::write(&path, format!("{EXPIRED}\n")).unwrap_or_else(|e| panic!("{e}"));
    authdoctor()
        .arg("explain")
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("app.log:1:"));
}

#[test]
fn unreadable_input_is_a_one_line_error_with_exit_2() {
    let output = authdoctor()
        .args(["explain", "/nonexistent/authdoctor/input.log"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot open"), "{stderr}");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    authdoctor()
        .arg("explain")
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("is a directory"));

    authdoctor()
        .args(["explain", "--format", "yaml", "--text", "x"])
        .assert()
        .code(2);
}

#[test]
fn secrets_never_appear_in_any_format() {
    let input = format!(
        "aws_secret_access_key = {SECRET}\nAWS_SESSION_TOKEN={SESSION_TOKEN}\ntoken {SESSION_TOKEN}\n\
         web identity {JWT}\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, Signature={SIGNATURE}\n\
         {EXPIRED}\nSignatureDoesNotMatch: bare {SECRET} key\n"
    );
    for format in ["human", "json", "markdown"] {
        let output = authdoctor()
            .args(["explain", "--format", format])
            .write_stdin(input.clone())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        for secret in [
            SECRET,
            "bPxRfiCY",
            "CanaryTokenValue",
            "c2lnbmF0dXJlQ2FuYXJ5",
            "eyJhdWQi",
            SIGNATURE,
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(
                !stdout.contains(secret),
                "{format} output leaks `{secret}`:\n{stdout}"
            );
        }
        assert_eq!(output.status.code(), Some(0), "{format}: {stdout}");
    }
}

#[test]
fn terminal_control_sequences_are_neutralised() {
    let input = format!("\u{1b}[2J\u{1b}]0;owned\u{7}{EXPIRED}\u{1b}[31m red\u{1b}[0m\n");
    for format in ["human", "json", "markdown"] {
        let output = authdoctor()
            .args(["explain", "--color", "never", "--format", format])
            .write_stdin(input.clone())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !output.stdout.contains(&0x1b),
            "{format} output carries an escape byte"
        );
        assert!(
            !output.stdout.contains(&0x07),
            "{format} output carries a bell"
        );
        assert_eq!(output.status.code(), Some(0));
    }
}

#[test]
fn hostile_inputs_end_cleanly_with_bounded_memory() {
    // Binary input and a 10 MB single line: no panic, a normal exit code.
    let binary: Vec<u8> = (0..=255u8).cycle().take(2_000_000).collect();
    authdoctor()
        .arg("explain")
        .write_stdin(binary)
        .assert()
        .code(predicate::in_iter([0, 1]));

    let mut long_line = "x".repeat(10 * 1024 * 1024);
    long_line
        .push_str(" An error occurred (ExpiredToken) when calling the ListBuckets operation\n");
    let output = authdoctor()
        .args(["explain", "--format", "json"])
        .write_stdin(long_line)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0));
    let doc = json_of(&output);
    let evidence = &doc["findings"][0]["evidence"][0];
    assert_eq!(evidence["line"], 1);
    assert!(
        evidence["column"]
            .as_u64()
            .is_some_and(|c| c > 10 * 1024 * 1024),
        "{evidence}"
    );
}

#[test]
fn memory_stays_bounded_on_a_large_stream() {
    // 64 MiB without a newline under a 256 MiB address-space limit: the reader must stream.
    let script = "ulimit -v 262144 && head -c 67108864 /dev/zero | \"$0\" explain --format json";
    let bin = assert_cmd::cargo::cargo_bin("authdoctor");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn several_distinct_errors_get_one_finding_each_and_repeats_fold() {
    let log = format!(
        "{EXPIRED}\n{EXPIRED}\n\nretrying\nretrying\nretrying\nretrying\n\
         An error occurred (SignatureDoesNotMatch) when calling the ListBuckets operation: The request signature we calculated does not match the signature you provided.\n"
    );
    let output = authdoctor()
        .args(["explain", "--format", "json"])
        .write_stdin(log)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = json_of(&output);
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    let scenarios: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["scenario"].as_str())
        .collect();
    assert!(scenarios.contains(&"expired-token"), "{scenarios:?}");
    assert!(scenarios.contains(&"signature-mismatch"), "{scenarios:?}");
    let expired = findings.iter().find(|f| f["scenario"] == "expired-token");
    assert_eq!(
        expired.map(|f| f["occurrences"].clone()),
        Some(serde_json::json!(2))
    );
}

#[test]
fn scenarios_lists_and_shows() {
    authdoctor()
        .arg("scenarios")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("expired-token"))
        .stdout(predicate::str::contains("imds-hop-limit"));
    authdoctor()
        .args(["scenarios", "expired-token"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Example log"))
        .stdout(predicate::str::contains("PS>"))
        .stdout(predicate::str::contains("https://docs.aws.amazon.com/"));
    let output = authdoctor()
        .args(["scenarios", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = json_of(&output);
    assert_eq!(doc["version"], 1);
    let first = &doc["scenarios"][0];
    for key in ["id", "title", "symptom", "root_cause", "fix", "examples"] {
        assert!(!first[key].is_null(), "catalogue entry lacks {key}");
    }
    authdoctor()
        .args(["scenarios", "no-such-scenario"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
}

#[test]
fn guide_is_scriptable_with_piped_answers() {
    let list = authdoctor()
        .arg("guide")
        .write_stdin("q\n")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let listing = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(listing.contains("What specific error symptom are you experiencing?"));
    let number = listing
        .lines()
        .find(|l| l.contains("(expired-token)"))
        .and_then(|l| l.trim().split('.').next())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("expired-token is not offered:\n{listing}"));

    authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\nn\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Example log"))
        .stdout(predicate::str::contains("Fix"));

    authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\ny\n{EXPIRED}\n.\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[expired-token]"));

    authdoctor()
        .arg("guide")
        .write_stdin("999\n")
        .assert()
        .code(2);
}

#[test]
fn run_keeps_the_exit_code_and_explains_failures() {
    authdoctor()
        .args(["run", "--", "sh", "-c"])
        .arg(format!("echo payload; echo '{EXPIRED}' >&2; exit 3"))
        .env("PATH", "/usr/bin:/bin")
        .assert()
        .code(3)
        .stdout("payload\n")
        .stderr(predicate::str::contains("error[expired-token]"));
    authdoctor()
        .args(["run", "--", "sh", "-c", "echo fine"])
        .env("PATH", "/usr/bin:/bin")
        .assert()
        .code(0)
        .stdout("fine\n")
        .stderr(predicate::str::is_empty());
    authdoctor()
        .args(["run", "--", "/nonexistent/program"])
        .assert()
        .code(2);
}

#[test]
fn colour_is_kept_when_asked_and_absent_otherwise() {
    let coloured = authdoctor()
        .args(["explain", "--color", "always", "--text", EXPIRED])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        coloured.stdout.contains(&0x1b),
        "--color always produced no colour"
    );
    let plain = authdoctor()
        .args(["explain", "--color", "never", "--text", EXPIRED])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!plain.stdout.contains(&0x1b));
    // NO_COLOR is set by the harness and stdout is not a terminal: auto means no colour.
    let auto = authdoctor()
        .args(["explain", "--text", EXPIRED])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!auto.stdout.contains(&0x1b));
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    for args in [
        &["explain", "--bogus"][..],
        &["explain", "--format", "yaml", "--text", "x"],
        &["nosuchcommand"],
    ] {
        let output = authdoctor()
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn decoded_and_encoded_messages_are_handed_to_decode() {
    let decoded = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AROA123456789EXAMPLE:dev","arn":"arn:aws:sts::111122223333:assumed-role/Deployer/dev"},"action":"iam:PassRole","resource":"arn:aws:iam::111122223333:role/AppInstanceRole","conditions":{"items":[]}}}"#;
    let output = authdoctor()
        .args(["explain", "--format", "json", "--text", decoded])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0));
    let doc = json_of(&output);
    let finding = &doc["findings"][0];
    assert_eq!(finding["facts"]["action"], "iam:PassRole", "{finding}");
    assert!(
        finding["notes"].to_string().contains("authdoctor decode"),
        "{finding}"
    );

    let encoded = "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: QXdPNaIegKKNwIX54FPmRmeyDRnNY5FRj5xftd0oRvzujmvMcr3GISKoV5XXyCBUB9f";
    let output = authdoctor()
        .args(["explain", "--format", "json", "--text", encoded])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = json_of(&output);
    assert!(
        doc["findings"][0]["notes"]
            .to_string()
            .contains("authdoctor decode --online"),
        "{doc}"
    );
}
