//! The Athena SQL of `scan --athena`, run on DuckDB (an independent SQL engine, PyPI
//! `duckdb` from ci/requirements.txt) over the same files, gives the same failure groups
//! and IMDSv1 keys as `scan`. DuckDB reads the files through a view with the Athena
//! table's lower-case columns and partition columns taken from the S3 key; the SQL is
//! adapted only by `sql::duckdb_dialect`. A `jq` one-liner cross-checks the failure
//! groups of the real data sets too.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use authdoctor_scan::{Options, ScanReport, corpus, scan, sql};

/// The Python with `duckdb`: `AUTHDOCTOR_SCAN_PYTHON`, else the workspace's `.venv`.
fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("AUTHDOCTOR_SCAN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
        });
    let ok = Command::new(&candidate)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(candidate);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "duckdb is not importable from {}: .ci/run installs ci/requirements.txt",
            candidate.display()
        );
    }
    eprintln!(
        "SKIPPED: no Python with duckdb at {} (bash .ci/run installs it)",
        candidate.display()
    );
    None
}

const RECORD_TYPE: &str = "STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, \
    sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR, eventID VARCHAR, \
    recipientAccountId VARCHAR, userIdentity STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, \
    accountId VARCHAR, accessKeyId VARCHAR, invokedBy VARCHAR, sessionContext STRUCT(sessionIssuer \
    STRUCT(arn VARCHAR), ec2RoleDelivery VARCHAR)))";

const SCRIPT: &str = r#"
import duckdb, json, sys
envelopes, arrays, record_type, failures_sql, imds_sql = json.load(open(sys.argv[1]))
c = duckdb.connect()
parts = []
for glob in envelopes:
    parts.append(f"SELECT unnest(Records) AS r, filename FROM read_json({glob!r}, columns={{'Records': '{record_type}[]'}}, filename=true, maximum_object_size=268435456)")
for glob in arrays:
    parts.append(f"SELECT r, filename FROM read_json({glob!r}, format='array', records=false, columns={{'r': '{record_type}'}}, filename=true)")
c.execute("CREATE VIEW raw AS " + " UNION ALL ".join(parts))
c.execute("""CREATE VIEW cloudtrail_logs AS SELECT
  r.eventTime AS eventtime, r.eventSource AS eventsource, r.eventName AS eventname, r.awsRegion AS awsregion,
  r.sourceIPAddress AS sourceipaddress, r.userAgent AS useragent, r.errorCode AS errorcode,
  r.errorMessage AS errormessage, r.eventID AS eventid, r.recipientAccountId AS recipientaccountid,
  r.userIdentity AS useridentity,
  regexp_extract(filename, 'AWSLogs/(?:o-[^/]+/)?([0-9]{12})/CloudTrail/', 1) AS account,
  regexp_extract(filename, '/CloudTrail/([^/]+)/', 1) AS region,
  regexp_extract(filename, '/CloudTrail/[^/]+/([0-9]{4}/[0-9]{2}/[0-9]{2})/', 1) AS "timestamp"
FROM raw""")
failures = [[r[0], r[1], r[2], r[3], r[4]] for r in c.execute(failures_sql).fetchall()]
imds = [[r[0], r[3]] for r in c.execute(imds_sql).fetchall()]
print(json.dumps({"failures": failures, "imds": imds}))
"#;

#[derive(Debug, PartialEq, Eq)]
struct Counts {
    failures: BTreeMap<(String, String, String, String), u64>,
    imds: BTreeMap<String, u64>,
}

fn from_scan(report: &ScanReport) -> Counts {
    let mut failures = BTreeMap::new();
    for f in &report.failures {
        *failures
            .entry((
                f.error_code.clone(),
                f.event_source.clone(),
                f.event_name.clone(),
                f.principal.clone(),
            ))
            .or_default() += f.count;
    }
    let imds = report
        .imdsv1_credentials
        .iter()
        .map(|r| (r.access_key_id.clone(), r.count))
        .collect();
    Counts { failures, imds }
}

fn from_duckdb(
    python: &Path,
    envelopes: &[String],
    arrays: &[String],
    options: &Options,
) -> Counts {
    let text = sql::athena("cloudtrail_logs", options).unwrap();
    let statements: Vec<String> = sql::statements(&text)
        .iter()
        .map(|s| sql::duckdb_dialect(s))
        .collect();
    assert_eq!(statements.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    std::fs::write(
        &input,
        serde_json::to_string(&(
            envelopes,
            arrays,
            RECORD_TYPE,
            &statements[0],
            &statements[1],
        ))
        .unwrap(),
    )
    .unwrap();
    let script = dir.path().join("run.py");
    std::fs::write(&script, SCRIPT).unwrap();
    let out = Command::new(python)
        .arg(&script)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut failures = BTreeMap::new();
    for row in value["failures"].as_array().unwrap() {
        let s = |i: usize| row[i].as_str().unwrap_or("").to_owned();
        failures.insert((s(0), s(1), s(2), s(3)), row[4].as_u64().unwrap());
    }
    let imds = value["imds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                authdoctor_redact::shorten_key_id(row[0].as_str().unwrap()),
                row[1].as_u64().unwrap(),
            )
        })
        .collect();
    Counts { failures, imds }
}

#[test]
fn real_data_sets_duckdb_equals_scan() {
    let Some(python) = python() else { return };
    let (Some(invictus_dir), Some(stratus_dir)) = (support::invictus(), support::stratus()) else {
        return;
    };
    let invictus = invictus_dir.join("CloudTrail/*.json").display().to_string();
    let stratus = stratus_dir.join("*.json").display().to_string();
    let options = Options::default();
    let report = scan(
        &[invictus_dir.clone(), stratus_dir.clone()],
        &options,
        &|_| {},
        &|_| {},
    )
    .unwrap();
    let mine = from_scan(&report);
    let theirs = from_duckdb(&python, &[invictus], &[stratus], &options);
    assert_eq!(mine.failures.values().sum::<u64>(), 109);
    assert_eq!(mine, theirs);
}

#[test]
fn generated_corpus_with_filters_duckdb_equals_scan() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    corpus::generate(
        dir.path(),
        &corpus::Spec {
            seed: 11,
            ..corpus::Spec::default()
        },
    )
    .unwrap();
    let glob = dir
        .path()
        .join("AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz")
        .display()
        .to_string();
    for options in [
        Options::default(),
        Options::new(
            Some("2026-11-02T00:00:00Z".parse().unwrap()),
            Some("2026-11-03T12:00:00Z".parse().unwrap()),
            Some("111122223333".into()),
            Some("us-east-1".into()),
        ),
    ] {
        let report = scan(&[dir.path().join("AWSLogs")], &options, &|_| {}, &|_| {}).unwrap();
        let mine = from_scan(&report);
        assert!(!mine.failures.is_empty() && !mine.imds.is_empty());
        assert_eq!(
            mine,
            from_duckdb(&python, std::slice::from_ref(&glob), &[], &options)
        );
    }
}
