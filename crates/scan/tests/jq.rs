//! A `jq` one-liner, the way people answer this by hand, gives the same failure groups
//! as `scan` on the real data sets (same error codes, same principal fallback, same
//! exclusion of the billing console refusal). Skipped with a message where `jq` is
//! missing outside CI; CI installs it (.ci/run).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use authdoctor_scan::record::auth_error_spellings;
use authdoctor_scan::{Options, scan};

/// The filter of the one-liner: records of either file shape, refused for credentials
/// or permissions, as `code<TAB>source<TAB>name<TAB>principal`.
pub const JQ_FILTER: &str = r#"(if type == "object" then .Records else . end)[]
  | select(.errorCode as $c | $codes | index([$c]))
  | select(.errorMessage != "IAM user access not activated")
  | [.errorCode, .eventSource, .eventName,
     ([.userIdentity.arn, .userIdentity.invokedBy, .userIdentity.principalId, "unknown"]
        | map(select(. != null and . != "")) | first)]
  | @tsv"#;

#[test]
fn jq_one_liner_equals_scan_on_the_real_data() {
    if Command::new("jq").arg("--version").output().is_err() {
        if std::env::var_os("CI").is_some() {
            panic!("jq is missing: .ci/run installs it (apt-get install jq)");
        }
        eprintln!("SKIPPED: jq is not installed (apt-get install jq)");
        return;
    }
    let (Some(invictus_dir), Some(stratus_dir)) = (support::invictus(), support::stratus()) else {
        return;
    };
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [invictus_dir.join("CloudTrail"), stratus_dir.clone()] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    let codes = serde_json::to_string(&auth_error_spellings()).unwrap();
    let out = Command::new("jq")
        .args(["-r", "--argjson", "codes", &codes, JQ_FILTER])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut theirs: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        *theirs
            .entry(line.split('\t').map(str::to_owned).collect())
            .or_default() += 1;
    }
    let report = scan(
        &[invictus_dir.clone(), stratus_dir.clone()],
        &Options::default(),
        &|_| {},
        &|_| {},
    )
    .unwrap();
    let mut mine: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for f in &report.failures {
        *mine
            .entry(vec![
                f.error_code.clone(),
                f.event_source.clone(),
                f.event_name.clone(),
                f.principal.clone(),
            ])
            .or_default() += f.count;
    }
    assert_eq!(theirs.values().sum::<u64>(), 109);
    assert_eq!(mine, theirs);
}
