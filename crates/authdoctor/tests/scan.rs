//! `authdoctor scan` through the real binary: the JSON document of the contract, exit
//! codes, the other formats, standard input, the SQL hand-off, and that no secret or
//! full access key id from a log reaches any output format.

use std::io::Write;
use std::path::PathBuf;

use assert_cmd::Command;

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

/// `shared/data/cloudtrail`: under `AUTHDOCTOR_SHARED_DIR` when set, else beside the
/// repository or the worktree's parent. `None` (the test returns) only when
/// `AUTHDOCTOR_SKIP_SHARED` is set, as `.ci/run` does when `../shared` is absent.
fn data_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut tried: Vec<PathBuf> = Vec::new();
    if let Some(shared) = std::env::var_os("AUTHDOCTOR_SHARED_DIR") {
        tried.push(PathBuf::from(shared).join("data/cloudtrail"));
    }
    for up in ["../../../shared", "../../../../shared"] {
        tried.push(manifest.join(up).join("data/cloudtrail"));
    }
    if let Some(dir) = tried.iter().find(|d| d.is_dir()) {
        return Some(dir.clone());
    }
    if std::env::var_os("AUTHDOCTOR_SKIP_SHARED").is_some() {
        eprintln!("note: skipped: the CloudTrail data sets (shared/data/cloudtrail) are absent");
        return None;
    }
    panic!(
        "shared/data/cloudtrail is expected beside the repository (looked in {tried:?}): point \
         AUTHDOCTOR_SHARED_DIR at the project's shared/ folder, or set AUTHDOCTOR_SKIP_SHARED=1"
    )
}

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const KEY_ID: &str = "ASIAQWERTYUIOPASDFGH";

/// A v1 instance-role call whose message and user agent carry a secret and a key id.
fn leaky_record() -> String {
    format!(
        r#"{{"Records":[{{"eventTime":"2026-11-20T03:12:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.20.3.14","userAgent":"curl/7.61 aws_secret_access_key={SECRET}","errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::111122223333:assumed-role/legacy-batch/i-0a1b2c3d4e5f67890 is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::batch-input/x.csv\" with an explicit deny in a service control policy (key {KEY_ID})","eventID":"e1","recipientAccountId":"111122223333","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/legacy-batch/i-0a1b2c3d4e5f67890","accountId":"111122223333","accessKeyId":"{KEY_ID}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/legacy-batch"}},"ec2RoleDelivery":"1.0"}}}}}}]}}"#
    )
}

#[test]
fn real_data_json_is_the_contract_document_and_exits_1() {
    let Some(data) = data_dir() else { return };
    let output = authdoctor()
        .args(["scan", "--format", "json"])
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    for key in ["files", "records", "bytes"] {
        assert!(doc[key].is_u64(), "{key}");
    }
    assert_eq!(doc["files"], 90);
    assert_eq!(doc["records"], 3210);
    assert!(doc["skipped_files"].is_array());
    let failure = &doc["failures"][0];
    for key in [
        "scenario",
        "error_code",
        "event_source",
        "event_name",
        "principal",
        "first_seen",
        "last_seen",
        "example_event_id",
    ] {
        assert!(failure[key].is_string(), "failures[].{key}");
    }
    assert!(failure["count"].is_u64());
    assert!(failure["source_ips"].is_array() && failure["user_agents"].is_array());
    let imds = &doc["imdsv1_credentials"][0];
    for key in [
        "instance_id",
        "role",
        "access_key_id",
        "first_seen",
        "last_seen",
    ] {
        assert!(imds[key].is_string(), "imdsv1_credentials[].{key}");
    }
    assert!(
        imds["count"].is_u64()
            && imds["event_sources"].is_array()
            && imds["user_agents"].is_array()
    );
    assert!(imds["access_key_id"].as_str().unwrap().contains('…'));
    let finding = &doc["findings"][0];
    for key in [
        "scenario",
        "title",
        "confidence",
        "evidence",
        "facts",
        "root_cause",
        "fix",
        "related_checks",
    ] {
        assert!(
            !finding[key].is_null(),
            "findings[].{key} (explain's shape)"
        );
    }
}

#[test]
fn clean_logs_exit_0_and_unreadable_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("ok.json");
    std::fs::write(
        &clean,
        r#"[{"eventTime":"2026-11-01T00:00:00Z","eventName":"ListBuckets"}]"#,
    )
    .unwrap();
    let output = authdoctor().args(["scan"]).arg(&clean).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("No authorization or credential failures")
    );

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "<html>").unwrap();
    let output = authdoctor()
        .args(["scan", "--format", "json"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "nothing on stdout for exit 2");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // One readable file is enough: the garbage one is listed and the scan exits 0.
    let output = authdoctor()
        .args(["scan", "--format", "json"])
        .arg(&garbage)
        .arg(&clean)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["skipped_files"].as_array().unwrap().len(), 1);

    for bad in [
        vec!["--since", "yesterday"],
        vec!["--threads", "0"],
        vec!["--since", "2099-01-01T00:00:00Z", "--until", "1h"],
    ] {
        let output = authdoctor()
            .arg("scan")
            .args(&bad)
            .arg(&clean)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
    }
    let output = authdoctor()
        .args(["explain", "--format", "csv", "--text", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "csv is a scan format only");
}

#[test]
fn secrets_and_key_ids_never_reach_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leaky.json");
    std::fs::write(&path, leaky_record()).unwrap();
    for format in ["human", "json", "markdown", "csv"] {
        let output = authdoctor()
            .args(["scan", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            !text.contains(SECRET),
            "{format} leaked the secret:\n{text}"
        );
        assert!(
            !text.contains(KEY_ID),
            "{format} printed a full key id:\n{text}"
        );
        assert!(
            text.contains("ASIA…DFGH"),
            "{format}: the masked key is shown"
        );
    }
    let json = authdoctor()
        .args(["scan", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        doc["failures"][0]["scenario"],
        "role-delivery-imdsv1-denied"
    );
    let fixes = doc["findings"].to_string();
    assert!(fixes.contains(
        "modify-instance-metadata-options --instance-id i-0a1b2c3d4e5f67890 --http-tokens required"
    ));
    assert_eq!(doc["role_delivery"]["enforceable"], false);
}

#[test]
fn stdin_gzip_and_the_human_tables() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(leaky_record().as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let output = authdoctor()
        .args(["scan", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "Refused calls: 1",
        "s3:GetObject",
        "i-0a1b2c3d4e5f67890",
        "legacy-batch",
        "ec2:RoleDelivery >= 2.0 enforceable today? Not yet",
        "$ aws ec2 modify-instance-metadata-options",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    let output = authdoctor()
        .args(["scan", "--format", "csv", "-"])
        .write_stdin(leaky_record())
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&output.stdout);
    assert!(csv.lines().any(|l| l.starts_with(
        "failure,role-delivery-imdsv1-denied,AccessDenied,s3.amazonaws.com,GetObject,"
    )));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("imdsv1,i-0a1b2c3d4e5f67890,"))
    );
}

/// A refusal no scenario explains stays `unknown`, and one whose message names a known
/// cause outside the catalogue (a Deny in the caller's own policies) tells that cause.
#[test]
fn an_identity_policy_deny_is_an_unknown_that_tells_its_cause() {
    let record = r#"{"Records":[{"eventTime":"2026-11-21T09:40:00Z","eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","awsRegion":"eu-west-1","sourceIPAddress":"10.0.0.5","userAgent":"Boto3/1.35.0","errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::111122223333:assumed-role/NotebookRole/analyst is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:eu-west-1::foundation-model/example-model-v1 with an explicit deny in an identity-based policy","eventID":"e2","recipientAccountId":"111122223333","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/NotebookRole/analyst","accountId":"111122223333"}}]}"#;
    let output = authdoctor()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(record)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = doc["findings"].as_array().expect("findings");
    let denial = findings
        .iter()
        .find(|f| f["facts"]["action"] == "bedrock:InvokeModel")
        .unwrap_or_else(|| panic!("no finding for the denial in {doc:#}"));
    assert_eq!(denial["scenario"], "unknown");
    assert_eq!(
        denial["title"],
        "A Deny statement in the caller's own identity-based policies matched"
    );
}

#[test]
fn athena_and_lake_print_sql_with_partition_predicates() {
    let output = authdoctor()
        .args([
            "scan",
            "--athena",
            "cloudtrail_logs",
            "--since",
            "2026-11-01T00:00:00Z",
            "--account",
            "111122223333",
            "--region",
            "eu-west-1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sql = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "FROM cloudtrail_logs",
        "account = '111122223333'",
        "region = 'eu-west-1'",
        "\"timestamp\" >= '2026/11/01'",
        "ec2roledelivery = '1.0'",
    ] {
        assert!(sql.contains(needle), "missing `{needle}`:\n{sql}");
    }
    let output = authdoctor()
        .args(["scan", "--lake", "EXAMPLE-eds"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("FROM EXAMPLE-eds"));
    let output = authdoctor()
        .args(["scan", "--athena", "t; drop table x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
