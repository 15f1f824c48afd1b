//! `authdoctor simulate` and `authdoctor decode` end to end: the example cases, the JSON
//! contract, exit codes, bad input (exit 2 with file:line:column, never a panic).

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn authdoctor() -> Command {
    let mut c = Command::cargo_bin("authdoctor").expect("binary");
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("NO_COLOR", "1");
    c
}

/// A policy saved by Windows PowerShell 5.1 (`Out-File`, `>`) is UTF-16 with a
/// byte-order mark: read as its text. Bytes that are no text stay a one-line error.
#[test]
fn policy_files_in_utf16_are_read_and_non_text_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let utf16: Vec<u8> = std::iter::once(0xFEFF_u16)
        .chain(policy.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let path = dir.path().join("identity.json");
    std::fs::write(&path, utf16).expect("write");
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--identity"])
        .arg(&path)
        .args([
            "--action",
            "s3:GetObject",
            "--principal",
            "arn:aws:iam::111122223333:user/reader",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["decision"], "Allow");
    assert_eq!(v["deciding"][0]["statement"], "Read");

    let binary = dir.path().join("binary.json");
    std::fs::write(&binary, b"{\"Version\": \"\xff\"}").expect("write");
    let out = authdoctor()
        .args(["simulate", "--identity"])
        .arg(&binary)
        .args(["--action", "s3:GetObject"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not text"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn examples_give_their_expected_decision_and_scenario() {
    for name in [
        "launch-requires-imdsv2",
        "role-delivery-imdsv1-denied",
        "fleet-delete-missing-terminate",
        "spot-request-tags-denied",
        "dlm-role-insufficient",
    ] {
        let path = root().join(format!("examples/{name}.json"));
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let out = authdoctor()
            .args(["--format", "json", "simulate", "--case"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["decision"], case["expected"], "{name}");
        assert_eq!(v["findings"][0]["scenario"], name, "{name}: {v}");
        assert_eq!(
            v["proposal"]["verified"], true,
            "{name}: the minimal change must flip the decision"
        );
        assert!(v["trace"].as_array().is_some_and(|t| !t.is_empty()));
    }
}

/// simulate's documents are in the envelope every command's are in, written by
/// `authdoctor_report`: the pretty document of a case is the report's document of its
/// fields, and each `--cases` line opens as the report's line documents do.
#[test]
fn simulate_documents_are_written_in_the_report_envelope() {
    let path = root().join("examples/role-delivery-imdsv1-denied.json");
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--case"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut fields: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        fields.remove("version"),
        Some(Value::from(authdoctor_report::VERSION)),
        "{text}"
    );
    let expected = authdoctor_report::document_of_input(&fields, authdoctor_report::Layout::Pretty);
    assert_eq!(text.trim_end(), expected.as_str());

    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.jsonl");
    let mut lines = String::new();
    for name in ["launch-requires-imdsv2", "role-delivery-imdsv1-denied"] {
        let case: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("examples/{name}.json"))).unwrap(),
        )
        .unwrap();
        lines.push_str(&format!("{case}\n"));
    }
    std::fs::write(&cases, lines).unwrap();
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--cases"])
        .arg(&cases)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // `{"version":1}` without its closing brace: how the report's documents open.
    let empty = authdoctor_report::document_line(&serde_json::Map::new());
    let opening = format!("{},", empty.trim_end_matches('}'));
    assert_eq!(text.lines().count(), 2, "{text}");
    for line in text.lines() {
        assert!(line.starts_with(&opening), "{opening} … {line}");
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["version"], authdoctor_report::VERSION);
    }
}

#[test]
fn role_delivery_json_names_the_deciding_scp_statement() {
    let path = root().join("examples/role-delivery-imdsv1-denied.json");
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--case"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["layers"]["scp"], "ExplicitDeny");
    assert_eq!(v["layers"]["identity"], "Allow");
    assert_eq!(v["layers"]["resource"], "NotApplicable");
    assert_eq!(v["deciding"][0]["policy"], "RequireImdsV2Creds");
    assert_eq!(v["deciding"][0]["statement"], "DenyImdsV1RoleCredentials");
    let t = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["statement"] == "DenyImdsV1RoleCredentials")
        .unwrap();
    assert_eq!(t["conditions"][0]["operator"], "NumericLessThan");
    assert_eq!(t["conditions"][0]["request_values"][0], "1.0");
    assert_eq!(t["conditions"][0]["matches"], true);
    // Every statement of every policy is in the trace (AppRead, two FullAWSAccess, the Deny).
    assert_eq!(v["trace"].as_array().map(Vec::len), Some(4));
}

#[test]
fn secrets_in_policies_or_context_are_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let case = serde_json::json!({
        "name": "leaky",
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/token": secret}}}]}],
        "request": {"principal": "arn:aws:iam::111122223333:user/u", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
            "context": {"aws:PrincipalTag/token": format!("aws_secret_access_key={secret}"), "note": "\u{1b}[31mred"}}
    });
    let p = dir.path().join("leaky.json");
    std::fs::write(&p, case.to_string()).unwrap();
    for format in ["json", "human"] {
        let out = authdoctor()
            .args(["--format", format, "simulate", "--case"])
            .arg(&p)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains(secret), "{format}: {stdout}");
        assert!(!stdout.contains('\u{1b}'), "{format}: raw escape in output");
    }
}

#[test]
fn human_output_underlines_the_failing_condition() {
    let path = root().join("examples/launch-requires-imdsv2.json");
    let out = authdoctor()
        .args(["simulate", "--case"])
        .arg(&path)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("launch-requires-imdsv2.json:11:41"), "{s}");
    assert!(s.contains("^^^^"), "{s}");
    assert!(s.contains("`ec2:MetadataHttpTokens` = `required`"), "{s}");
}

#[test]
fn flags_and_allow_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.json");
    std::fs::write(&p, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}}"#).unwrap();
    let ok = authdoctor()
        .args(["simulate", "--identity"])
        .arg(&p)
        .args([
            "--action",
            "sqs:SendMessage",
            "--principal",
            "arn:aws:iam::111122223333:user/u",
            "--context",
            "aws:TagKeys=a,b",
        ])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let denied = authdoctor()
        .args(["simulate", "--identity"])
        .arg(&p)
        .args([
            "--action",
            "sqs:SendMessage",
            "--principal",
            "arn:aws:iam::111122223333:user/u",
            "--context",
            "aws:TagKeys=a,c",
        ])
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn cases_file_prints_one_line_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.jsonl");
    let mut text = String::new();
    for name in ["launch-requires-imdsv2", "role-delivery-imdsv1-denied"] {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("examples/{name}.json"))).unwrap(),
        )
        .unwrap();
        text.push_str(&format!("{v}\n"));
    }
    std::fs::write(&p, text).unwrap();
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--cases"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["decision"], "ExplicitDeny");
}

#[test]
fn bad_policies_exit_2_with_position_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "invalid-json",
            "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",, }\n  ]\n}".into(),
            ":3:",
        ),
        (
            "wrong-type",
            r#"{"Statement":[{"Effect":"Allow","Action":42,"Resource":"*"}]}"#.into(),
            ":1:",
        ),
        (
            "unknown-element",
            r#"{"Statement":[{"Effect":"Allow","Actions":"s3:*","Resource":"*"}]}"#.into(),
            "unknown statement element",
        ),
        (
            "huge",
            format!("{{\"Statement\":[],\"Id\":\"{}\"}}", "x".repeat(1 << 20)),
            "limit",
        ),
        (
            "deep",
            format!("{}{}", "[".repeat(200_000), "]".repeat(200_000)),
            "nested deeper",
        ),
    ];
    for (name, text, needle) in cases {
        let p = dir.path().join(format!("{name}.json"));
        std::fs::write(&p, text).unwrap();
        let out = authdoctor()
            .args(["simulate", "--identity"])
            .arg(&p)
            .args([
                "--action",
                "s3:GetObject",
                "--principal",
                "arn:aws:iam::111122223333:user/u",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(err.contains(needle), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: one line: {err}");
        assert!(!err.contains("panicked"), "{name}");
    }
}

#[test]
fn decode_explains_an_explicit_deny_and_infers_the_operator() {
    let inner = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"RequireMicroInstanceType","effect":"DENY","principals":{"items":[{"value":"AIDAEXAMPLEUSERID0001"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"arn:aws:ec2:*:*:instance/*"}]},"conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3a.micro"}]}}]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0001","name":"example.user","arn":"arn:aws:iam::111122223333:user/example.user"},"action":"RunInstances","resource":"arn:aws:ec2:eu-north-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3.medium"}]}},{"key":"ec2:MetadataHttpTokens","values":{"items":[{"value":"required"}]}}]}}}"#;
    let cli = serde_json::json!({"DecodedMessage": inner}).to_string();
    let out = authdoctor()
        .args(["--format", "json", "decode", "-"])
        .write_stdin(cli)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["explicit_deny"], true);
    assert_eq!(v["action"], "ec2:RunInstances");
    let c = &v["matched_statements"][0]["conditions"][0];
    assert_eq!(c["operator"], "StringNotEquals");
    assert_eq!(c["inferred"], true);
    assert_eq!(v["context"]["ec2:InstanceType"][0], "t3.medium");
}

#[test]
fn decode_passrole_implicit_deny() {
    let msg = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0004","name":"scalr","arn":"arn:aws:iam::111122223333:user/scalr"},"action":"iam:PassRole","resource":"arn:aws:iam::111122223333:role/app-ec2-role","conditions":{"items":[]}}}"#;
    let out = authdoctor()
        .args(["--format", "json", "decode", "--text", msg])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["scenario"], "passrole-denied");
    assert_eq!(out.status.code(), Some(1));
    let bad = authdoctor()
        .args(["decode", "--text", "{not json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `decode --online` against a fake STS on loopback: the encoded message is sent to
/// `DecodeAuthorizationMessage`, the answer is explained; the (fake) secret never shows.
#[test]
fn decode_online_through_a_loopback_sts() {
    use std::io::{BufRead, BufReader, Read, Write as _};
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0usize;
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let inner = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/dev"},"action":"ec2:TerminateInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0","conditions":{"items":[]}}}"#;
        let xml = format!(
            "<DecodeAuthorizationMessageResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><DecodeAuthorizationMessageResult><DecodedMessage>{}</DecodedMessage></DecodeAuthorizationMessageResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000001</RequestId></ResponseMetadata></DecodeAuthorizationMessageResponse>",
            inner.replace('"', "&quot;")
        );
        let mut s = stream;
        write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}", xml.len()).unwrap();
        (head, String::from_utf8_lossy(&body).into_owned())
    });
    let home = tempfile::tempdir().unwrap();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let out = authdoctor()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials"),
        )
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}"))
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .args([
            "--format",
            "json",
            "decode",
            "--online",
            "--timeout",
            "5s",
            "--text",
            "Encoded authorization failure message: AbCdEf0123-_xyz",
        ])
        .output()
        .unwrap();
    let (head, body) = server.join().unwrap();
    assert!(body.contains("Action=DecodeAuthorizationMessage"), "{body}");
    assert!(body.contains("EncodedMessage=AbCdEf0123-_xyz"), "{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: aws4-hmac-sha256"),
        "{head}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["action"], "ec2:TerminateInstances");
    assert_eq!(v["explicit_deny"], false);
    assert!(!stdout.contains(secret));
}

/// `--cases` is evaluated in batches by several workers: a bad line far into a long
/// file still fails the whole run with its own line number before anything is printed,
/// and results come out in file order, blank lines skipped.
#[test]
fn cases_file_bad_line_late_fails_before_printing_and_order_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/launch-requires-imdsv2.json")).unwrap(),
    )
    .unwrap();
    let mut good = String::new();
    for n in 0..400 {
        let mut case = example.clone();
        case["name"] = Value::from(format!("case-{n}"));
        good.push_str(&format!("{case}\n"));
        if n % 50 == 0 {
            good.push_str("\n   \n");
        }
    }
    let path = dir.path().join("good.jsonl");
    std::fs::write(&path, &good).unwrap();
    for format in ["json", "human"] {
        let out = authdoctor()
            .args(["--format", format, "simulate", "--cases"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let names: Vec<String> = stdout
            .lines()
            .map(|l| match format {
                "json" => serde_json::from_str::<Value>(l).unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                _ => l.split(':').next().unwrap().to_owned(),
            })
            .collect();
        let expected: Vec<String> = (0..400).map(|n| format!("case-{n}")).collect();
        assert_eq!(names, expected, "{format}");
    }
    // Line 349 of the file (blank lines counted) is not a case.
    let mut lines: Vec<&str> = good.lines().collect();
    lines[348] = r#"{"name": "bad", "request": {"action": 3}}"#;
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    for format in ["json", "human"] {
        let out = authdoctor()
            .args(["--format", format, "simulate", "--cases"])
            .arg(&bad)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(out.stdout.is_empty(), "{format}: printed before failing");
        assert!(err.contains("bad.jsonl:349:"), "{format}: {err}");
        assert_eq!(err.lines().count(), 1, "{format}: {err}");
    }
}

/// Results longer than `simulate` holds in memory (32 MiB) make it read the file again;
/// a pipe can be read only once, so its cases are kept aside first: every case of a
/// long piped input is printed, in order, and a bad last line still fails the run
/// before anything is printed.
#[test]
fn cases_from_a_pipe_with_long_results_are_all_printed() {
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/launch-requires-imdsv2.json")).unwrap(),
    )
    .unwrap();
    // About 6.7 KB of JSON each: 42 MB of results in all.
    let count = 6_000;
    let mut cases = String::new();
    for n in 0..count {
        let mut case = example.clone();
        case["name"] = Value::from(format!("case-{n}"));
        cases.push_str(&format!("{case}\n"));
    }
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--cases", "/dev/stdin"])
        .write_stdin(cases.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.len() > 32 * 1024 * 1024, "{}", out.stdout.len());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = stdout
        .lines()
        .map(|l| {
            let start = l.find(r#""name":""#).unwrap() + 8;
            &l[start..start + l[start..].find('"').unwrap()]
        })
        .collect();
    assert_eq!(names.len(), count, "cases printed");
    assert!(
        names
            .iter()
            .enumerate()
            .all(|(n, name)| *name == format!("case-{n}")),
        "out of order"
    );

    cases.push_str(r#"{"name": "bad", "request": {"action": 3}}"#);
    let out = authdoctor()
        .args(["--format", "json", "simulate", "--cases", "/dev/stdin"])
        .write_stdin(cases)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "printed before failing");
    assert!(err.contains(&format!("/dev/stdin:{}:", count + 1)), "{err}");
}
