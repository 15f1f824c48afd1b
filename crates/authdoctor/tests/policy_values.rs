//! Values the policy engine cannot read are errors, never silently ignored (issue 8
//! item 9): out-of-range or malformed condition values in policies, non-string context
//! values in case files, non-boolean `allowed`/`explicitDeny` in decoded messages. Each is
//! exit 2 with one line on stderr.

use std::path::Path;

use assert_cmd::Command;
use serde_json::json;

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

/// Runs authdoctor and returns (exit code, stdout, stderr).
fn run(args: &[&str], files: &[&Path]) -> (Option<i32>, String, String) {
    let output = authdoctor()
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_line_error(code: Option<i32>, stderr: &str, needles: &[&str]) {
    assert_eq!(code, Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
}

const ALLOW_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// A Deny on `ec2:RoleDelivery` below `value` (written as given: quoted or a bare number).
fn deny_below(value: &str) -> String {
    format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Sid\": \"DenyOld\", \"Effect\": \"Deny\",\n  \"Action\": \"*\", \"Resource\": \"*\",\n  \"Condition\": {{\"NumericLessThan\": {{\"ec2:RoleDelivery\": {value}}}}}}}]}}"
    )
}

fn simulate_deny(dir: &Path, deny: &str) -> (Option<i32>, String, String) {
    let allow = dir.join("allow.json");
    let deny_path = dir.join("deny.json");
    std::fs::write(&allow, ALLOW_ALL).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&deny_path, deny).unwrap_or_else(|e| panic!("{e}"));
    let output = authdoctor()
        .args(["simulate", "--identity"])
        .arg(&allow)
        .arg("--identity")
        .arg(&deny_path)
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bucket/key",
            "--principal",
            "arn:aws:iam::111122223333:user/dev",
            "--context",
            "ec2:RoleDelivery=1.0",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_deny_with_an_unreadable_numeric_value_is_an_error_not_an_allow() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The control: a readable value denies.
    let (code, stdout, _) = simulate_deny(dir.path(), &deny_below("\"2.0\""));
    assert_eq!(code, Some(1), "{stdout}");
    for value in ["1e400", "\"1e400\"", "\"-1e999\"", "\"two\"", "\"\""] {
        let (code, stdout, stderr) = simulate_deny(dir.path(), &deny_below(value));
        assert!(
            stdout.is_empty(),
            "{value}: the Deny was ignored:\n{stdout}"
        );
        // Line 3 holds the condition; the column points at the value.
        assert_one_line_error(code, &stderr, &["deny.json:3:", "NumericLessThan"]);
    }
}

#[test]
fn unreadable_date_ip_and_bool_values_are_errors_too() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (operator, key, value) in [
        ("DateGreaterThan", "aws:CurrentTime", "\"next tuesday\""),
        ("IpAddress", "aws:SourceIp", "\"10.0.0.0/33\""),
        ("Bool", "aws:SecureTransport", "\"yes\""),
    ] {
        let policy = format!(
            "{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\",\n \"Condition\": {{\"{operator}\": {{\"{key}\": {value}}}}}}}]}}"
        );
        let (code, stdout, stderr) = simulate_deny(dir.path(), &policy);
        assert!(stdout.is_empty(), "{operator}: {stdout}");
        assert_one_line_error(code, &stderr, &["deny.json:2:", operator]);
    }
}

#[test]
fn context_values_must_be_strings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for value in [json!(1.0), json!(true), json!(["a", 2]), json!(null)] {
        let case = json!({
            "identityPolicies": [serde_json::from_str::<serde_json::Value>(ALLOW_ALL).unwrap_or_default()],
            "request": {
                "principal": "arn:aws:iam::111122223333:user/dev",
                "action": "s3:GetObject",
                "resource": "arn:aws:s3:::bucket/key",
                "context": {"ec2:RoleDelivery": value}
            }
        });
        let path = dir.path().join("case.json");
        std::fs::write(&path, case.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let (code, stdout, stderr) = run(&["simulate", "--case"], &[&path]);
        assert!(stdout.is_empty(), "{value}: {stdout}");
        assert_one_line_error(
            code,
            &stderr,
            &["case.json:1:", "ec2:RoleDelivery", "string"],
        );
    }
}

#[test]
fn decode_rejects_allowed_and_explicit_deny_that_are_not_booleans() {
    let message = |allowed: &str, explicit: &str| {
        format!(
            r#"{{"allowed":{allowed},"explicitDeny":{explicit},"matchedStatements":{{"items":[]}},"failures":{{"items":[]}},"context":{{"principal":{{"id":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/dev"}},"action":"ec2:TerminateInstances","resource":"*","conditions":{{"items":[]}}}}}}"#
        )
    };
    let (code, stdout, stderr) = run(&["decode", "--text", &message("false", "false")], &[]);
    assert_eq!(code, Some(1), "the control is a readable deny: {stderr}");
    assert!(stdout.contains("TerminateInstances"), "{stdout}");
    for (allowed, explicit, field) in [
        ("\"no\"", "false", "allowed"),
        ("false", "\"yes\"", "explicitDeny"),
        ("0", "false", "allowed"),
        ("false", "null", "explicitDeny"),
    ] {
        let (code, stdout, stderr) = run(&["decode", "--text", &message(allowed, explicit)], &[]);
        assert!(stdout.is_empty(), "{allowed}/{explicit}: {stdout}");
        assert_one_line_error(code, &stderr, &[field, "true or false"]);
    }
}

#[test]
fn decode_rejects_numbers_where_the_message_has_strings() {
    let message = |action: &str, value: &str| {
        format!(
            r#"{{"allowed":false,"explicitDeny":false,"matchedStatements":{{"items":[]}},"failures":{{"items":[]}},"context":{{"principal":{{"id":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/dev"}},"action":{action},"resource":"*","conditions":{{"items":[{{"key":"ec2:RoleDelivery","values":{{"items":[{{"value":{value}}}]}}}}]}}}}}}"#
        )
    };
    let (code, stdout, stderr) = run(
        &[
            "decode",
            "--text",
            &message("\"ec2:RunInstances\"", "\"1.0\""),
        ],
        &[],
    );
    assert_eq!(code, Some(1), "the control: {stderr}");
    assert!(stdout.contains("1.0"), "{stdout}");
    for (action, value, field) in [
        ("\"ec2:RunInstances\"", "1.0", "ec2:RoleDelivery"),
        ("7", "\"1.0\"", "context.action"),
    ] {
        let (code, stdout, stderr) = run(&["decode", "--text", &message(action, value)], &[]);
        assert!(stdout.is_empty(), "{action}/{value}: {stdout}");
        assert_one_line_error(code, &stderr, &[field, "must be", "string"]);
    }
}
