//! Canaries through the real binary: secrets of every shape, in every encoding, planted
//! in the input of every command that echoes user text (`explain`, `run`, `simulate`
//! with a case file, flags and `--cases`, `decode`), in every format; none of their
//! secret part may appear on standard output or standard error. Also one regression
//! test per leak of issue 8 (item 1).
//!
//! Bounded: one deterministic run of every shape × encoding, and a few random cases,
//! each running every command once per format (the in-process property test of
//! `authdoctor-redact` runs many more cases).

#[path = "../../redact/tests/support/canary.rs"]
mod canary;

use std::path::Path;

use assert_cmd::Command;
use canary::{Canary, ENCODINGS, Rng, SHAPES, leak, leaks, plant};
use proptest::prelude::*;
use serde_json::json;

fn authdoctor() -> Command {
    let mut c = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    c
}

const FORMATS: &[&str] = &["human", "json", "markdown"];

/// Error lines of distinct errors, so each canary's block is its own finding (and is
/// shown) rather than a repeat folded into the first.
fn error_line(n: usize) -> String {
    const OPERATIONS: &[&str] = &[
        "GetObject",
        "PutObject",
        "ListBuckets",
        "GetCallerIdentity",
        "DescribeInstances",
        "RunInstances",
        "DeleteObject",
        "CreateBucket",
        "GetRole",
        "ListUsers",
        "DescribeVolumes",
        "AssumeRole",
        "GetParameter",
        "PutItem",
        "Invoke",
        "SendMessage",
    ];
    let operation = OPERATIONS[n % OPERATIONS.len()];
    match (n / OPERATIONS.len()) % 4 {
        0 => format!(
            "An error occurred (ExpiredToken) when calling the {operation} operation: The security token included in the request is expired"
        ),
        1 => format!(
            "An error occurred (InvalidClientTokenId) when calling the {operation} operation: The security token included in the request is invalid."
        ),
        2 => format!(
            "An error occurred (SignatureDoesNotMatch) when calling the {operation} operation: The request signature we calculated does not match the signature you provided."
        ),
        _ => format!(
            "An error occurred (RequestExpired) when calling the {operation} operation: Request has expired."
        ),
    }
}

/// A log with every canary after an error message, blocks apart.
fn log(canaries: &[Canary]) -> String {
    let mut text = String::new();
    for (n, c) in canaries.iter().enumerate() {
        text.push_str(&format!("{} {}\n", error_line(n), c.text));
        text.push_str("...\n...\n...\n...\n...\n");
    }
    text
}

/// A case file whose policy conditions and request context carry every canary: the
/// Allow's condition fails, so the human view underlines it (the policy's own text,
/// JSON-escaped) and the JSON trace states every value.
fn case(canaries: &[Canary]) -> serde_json::Value {
    let values: Vec<&str> = canaries.iter().map(|c| c.text.as_str()).collect();
    let mut context = serde_json::Map::new();
    context.insert("aws:userid".into(), json!("AIDAEXAMPLE"));
    for (n, c) in canaries.iter().enumerate() {
        context.insert(format!("custom:key{n}"), json!(c.text));
    }
    json!({
        "name": "canaries",
        "identityPolicies": [{"name": "Canaries", "policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowWhenTagged", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringEquals": {"aws:userid": values, "custom:key0": values}}}
        ]}}],
        "request": {"principal": "arn:aws:iam::111122223333:user/dev", "action": "s3:GetObject",
                    "resource": "arn:aws:s3:::bucket/key", "context": context}
    })
}

/// A decoded authorization message whose context and matched statement carry every
/// canary.
fn decoded(canaries: &[Canary]) -> String {
    let values: Vec<serde_json::Value> =
        canaries.iter().map(|c| json!({"value": c.text})).collect();
    let conditions: Vec<serde_json::Value> = canaries
        .iter()
        .enumerate()
        .map(|(n, c)| json!({"key": format!("custom:key{n}"), "values": {"items": [{"value": c.text}]}}))
        .collect();
    let message = json!({
        "allowed": false, "explicitDeny": true,
        "matchedStatements": {"items": [{"statementId": "DenyCanaries", "effect": "DENY",
            "principals": {"items": [{"value": "AIDAEXAMPLE"}]}, "principalGroups": {"items": []},
            "actions": {"items": [{"value": "s3:GetObject"}]}, "resources": {"items": [{"value": "*"}]},
            "conditions": {"items": [{"key": "custom:key0", "values": {"items": values}}]}}]},
        "failures": {"items": []},
        "context": {"principal": {"id": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/dev"},
            "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
            "conditions": {"items": conditions}}
    });
    json!({"DecodedMessage": message.to_string()}).to_string()
}

/// Every command × format on the canaries; (what ran, what it printed) for each.
fn outputs(canaries: &[Canary], dir: &Path) -> Vec<(String, String)> {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    };
    let log = write("app.log", &log(canaries));
    let case_value = case(canaries);
    let case = write(
        "case.json",
        &serde_json::to_string_pretty(&case_value).unwrap_or_default(),
    );
    let cases = write("cases.jsonl", &format!("{case_value}\n{case_value}\n"));
    let decoded = write("decoded.json", &decoded(canaries));
    let policy = write(
        "policy.json",
        &serde_json::to_string_pretty(&case_value["identityPolicies"][0]["policy"])
            .unwrap_or_default(),
    );
    let mut runs: Vec<(String, Command)> = Vec::new();
    for &format in FORMATS {
        let mut add = |what: &str, args: Vec<String>| {
            let mut c = authdoctor();
            c.arg("--format").arg(format).args(&args);
            runs.push((format!("{what} --format {format}"), c));
        };
        let path = |p: &Path| p.display().to_string();
        add("explain", vec!["explain".into(), path(&log)]);
        add(
            "run",
            vec![
                "run".into(),
                "--".into(),
                "sh".into(),
                "-c".into(),
                format!("cat '{}' >&2; exit 3", path(&log)),
            ],
        );
        add(
            "simulate --case",
            vec!["simulate".into(), "--case".into(), path(&case)],
        );
        add(
            "simulate --cases",
            vec!["simulate".into(), "--cases".into(), path(&cases)],
        );
        let mut flags = vec![
            "simulate".into(),
            "--identity".into(),
            path(&policy),
            "--action".into(),
            "s3:GetObject".into(),
            "--principal".into(),
            "arn:aws:iam::111122223333:user/dev".into(),
        ];
        for (n, c) in canaries.iter().enumerate() {
            flags.push("--context".into());
            flags.push(format!("custom:key{n}={}", c.text));
        }
        add("simulate --context", flags);
        add("decode", vec!["decode".into(), path(&decoded)]);
    }
    runs.into_iter()
        .map(|(what, mut c)| {
            let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if what.starts_with("run") {
                // `run` passes the command's own standard error through untouched, as
                // without the wrapper; what authdoctor adds starts at its banner.
                stderr = stderr
                    .split_once("── authdoctor:")
                    .map(|(_, diagnosis)| diagnosis.to_owned())
                    .unwrap_or_default();
                assert!(!stderr.is_empty(), "{what}: no diagnosis");
            }
            assert!(
                out.status.code().is_some_and(|c| c != 2),
                "{what}: exit {:?}: {stderr}",
                out.status.code()
            );
            (what, format!("{stdout}\n{stderr}"))
        })
        .collect()
}

fn assert_no_leak(canaries: &[Canary]) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let secrets: Vec<&str> = canaries.iter().map(|c| c.secret.as_str()).collect();
    for (what, output) in outputs(canaries, dir.path()) {
        if let Some((n, piece)) = leaks(&secrets, &output) {
            let c = &canaries[n];
            panic!(
                "{what}: `{piece}` of a {:?} planted {:?} leaked:\n{}\n--- output:\n{output}",
                c.shape, c.encoding, c.text
            );
        }
    }
}

#[test]
fn every_shape_in_every_encoding_through_every_command_and_format() {
    let mut rng = Rng::new(2026);
    let canaries: Vec<Canary> = SHAPES
        .iter()
        .flat_map(|&shape| ENCODINGS.iter().map(move |&encoding| (shape, encoding)))
        .map(|(shape, encoding)| plant(shape, encoding, &mut rng))
        .collect();
    assert_no_leak(&canaries);
}

proptest! {
    // Each case runs every command in every format (18 processes): few cases.
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn random_canaries_through_every_command_and_format(
        seed in any::<u64>(),
        planted in prop::collection::vec(
            (prop::sample::select(SHAPES.to_vec()), prop::sample::select(ENCODINGS.to_vec())),
            1..6,
        ),
    ) {
        let mut rng = Rng::new(seed);
        let canaries: Vec<Canary> = planted
            .into_iter()
            .map(|(shape, encoding)| plant(shape, encoding, &mut rng))
            .collect();
        assert_no_leak(&canaries);
    }
}

// ---------------------------------------------------------------------------------------
// Regression tests: each leak of issue 8, item 1, as the probe found it.

const KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const IMDS_TOKEN: &str = "AQAEAHmSp-xF0DbjhAHRNnM1gsdxFDPP3eVXR7f8xTHbQ0-tpA8ZLw==";

fn run_ok(args: &[&str], stdin: Option<&str>) -> String {
    let mut c = authdoctor();
    c.args(args);
    if let Some(input) = stdin {
        c.write_stdin(input.to_owned());
    }
    let out = c.output().unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(
        out.status.code(),
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn explain_masks_a_key_after_an_unknown_name_in_markdown_and_human() {
    let text = format!(
        "An error occurred (RequestExpired) when calling the DescribeInstances operation: Request has expired. SECRET={KEY}"
    );
    for format in FORMATS {
        let out = run_ok(&["--format", format, "explain", "--text", &text], None);
        assert!(out.contains("RequestExpired"), "{out}");
        assert_eq!(leak(KEY, &out), None, "{format}: {out}");
    }
}

#[test]
fn explain_masks_a_key_after_a_slash() {
    let text = format!(
        "An error occurred (ExpiredToken) when calling the GetObject operation: The security token included in the request is expired; key file /home/dev/{KEY}"
    );
    for format in FORMATS {
        let out = run_ok(&["--format", format, "explain", "--text", &text], None);
        assert_eq!(leak(KEY, &out), None, "{format}: {out}");
    }
}

#[test]
fn explain_masks_json_with_escaped_slashes_whole() {
    let token = format!("IQoJb3JpZ2luX2VjEJr//////////wEaCXVz{}", "Ab1/".repeat(70));
    for escaped in ["\\/", "\\u002f"] {
        let text = format!(
            "An error occurred (ExpiredToken) when calling the GetObject operation: The security token included in the request is expired {{\"SecretAccessKey\":\"{}\",\"SessionToken\":\"{}\"}}",
            KEY.replace('/', escaped),
            token.replace('/', escaped)
        );
        for format in FORMATS {
            let out = run_ok(&["--format", format, "explain", "--text", &text], None);
            assert_eq!(leak(KEY, &out), None, "{format}: {out}");
            assert_eq!(leak(&token, &out), None, "{format}: {out}");
            assert!(
                !out.contains("Ab1"),
                "{format}: the rest of the token leaked: {out}"
            );
        }
    }
}

#[test]
fn explain_masks_a_url_encoded_key() {
    let text = format!(
        "An error occurred (SignatureDoesNotMatch) when calling the PutObject operation: The request signature we calculated does not match the signature you provided. body: aws_secret_access_key%3D{}",
        KEY.replace('/', "%2F")
    );
    for format in FORMATS {
        let out = run_ok(&["--format", format, "explain", "--text", &text], None);
        assert_eq!(leak(KEY, &out), None, "{format}: {out}");
    }
}

#[test]
fn explain_and_run_mask_a_bare_imds_token() {
    let text = format!(
        "An error occurred (ExpiredToken) when calling the GetObject operation: The security token included in the request is expired (IMDS token {IMDS_TOKEN})"
    );
    for format in FORMATS {
        let out = run_ok(&["--format", format, "explain", "--text", &text], None);
        assert!(
            out.contains("ExpiredToken"),
            "{format}: not explained: {out}"
        );
        assert_eq!(leak(IMDS_TOKEN, &out), None, "{format}: {out}");
        let script = format!("printf '%s\\n' '{text}' >&2; exit 1");
        let out = run_ok(
            &["--format", format, "run", "--", "sh", "-c", &script],
            None,
        );
        let diagnosis = out
            .split_once("── authdoctor:")
            .map(|(_, d)| d)
            .unwrap_or("");
        assert!(!diagnosis.is_empty(), "{format}: no diagnosis: {out}");
        assert_eq!(leak(IMDS_TOKEN, diagnosis), None, "{format}: {diagnosis}");
    }
}

#[test]
fn simulate_masks_an_imds_token_in_policy_values_and_context() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let policy = dir.path().join("policy.json");
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"StringEquals": {"aws:userid": IMDS_TOKEN}}}]});
    std::fs::write(
        &policy,
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for format in FORMATS {
        let out = run_ok(
            &[
                "--format",
                format,
                "simulate",
                "--identity",
                &policy.display().to_string(),
                "--action",
                "s3:GetObject",
                "--principal",
                "arn:aws:iam::111122223333:user/dev",
                "--context",
                "aws:userid=AIDAEXAMPLE",
                "--context",
                &format!("custom:token={IMDS_TOKEN}"),
            ],
            None,
        );
        assert_eq!(leak(IMDS_TOKEN, &out), None, "{format}: {out}");
    }
}

#[test]
fn decode_masks_a_context_value_shaped_like_a_key() {
    let message = json!({
        "allowed": false, "explicitDeny": false, "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {"principal": {"id": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/dev"},
            "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
            "conditions": {"items": [{"key": "custom:Key", "values": {"items": [{"value": KEY}]}}]}}
    });
    let input = json!({"DecodedMessage": message.to_string()}).to_string();
    for format in FORMATS {
        let out = run_ok(&["--format", format, "decode", "-"], Some(&input));
        assert!(out.contains("custom:Key"), "{format}: {out}");
        assert_eq!(leak(KEY, &out), None, "{format}: {out}");
    }
}

/// `simulate --cases` cleans each string of each result on its own (issue 9 §4): a
/// secret key, a session token and an IMDS token planted in the case name, a policy's
/// condition value, the statement's Sid and a context value are masked in JSON and human
/// output, on every line of a file long enough to be split between workers, and the
/// masked values are still shown (masked) where they belong.
#[test]
fn simulate_cases_masks_secrets_in_names_policy_values_and_context() {
    let token = format!("IQoJb3JpZ2luX2VjEJr//////////wEaCXVz{}", "Ab1/".repeat(70));
    let secrets = [KEY, IMDS_TOKEN, token.as_str()];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut lines = String::new();
    for n in 0..300 {
        let secret = secrets[n % secrets.len()];
        let case = json!({
            "name": format!("case {n} {secret}"),
            "identityPolicies": [{"name": "Tagged", "policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": format!("Allow {secret}"), "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEquals": {"custom:key": format!("{secret} {n}")}}}
            ]}}],
            "request": {"principal": "arn:aws:iam::111122223333:user/dev", "action": "s3:GetObject",
                        "resource": "arn:aws:s3:::bucket/key",
                        "context": {"custom:key": format!("other {secret}")}}
        });
        lines.push_str(&format!("{case}\n"));
    }
    let path = dir.path().join("cases.jsonl");
    std::fs::write(&path, lines).unwrap_or_else(|e| panic!("{e}"));
    for format in ["json", "human"] {
        let out = authdoctor()
            .args(["--format", format, "simulate", "--cases"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(1), "{format}: every case is denied");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), 300, "{format}");
        for secret in secrets {
            assert_eq!(leak(secret, &stdout), None, "{format}: {stdout}");
        }
        assert!(!stdout.contains("Ab1/Ab1"), "{format}: part of the token");
        for (n, line) in stdout.lines().enumerate() {
            assert!(
                line.contains(&format!("case {n} ")) && line.contains("[redacted"),
                "{format}: line {n} is not its case's, or shows no masked name: {line}"
            );
            if format == "json" {
                let doc: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                let condition = &doc["trace"][0]["conditions"][0];
                for values in ["policy_values", "request_values"] {
                    let shown = condition[values][0].as_str().unwrap_or_default();
                    assert!(shown.contains("[redacted"), "{values}: {line}");
                }
                let statement = doc["trace"][0]["statement"].as_str().unwrap_or_default();
                assert!(statement.starts_with("Allow"), "{line}");
            }
        }
    }
}
