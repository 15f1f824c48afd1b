//! Runs the cross-SDK profile parser conformance cases that ship inside the `aws-runtime`
//! crate (`test-data/profile-parser-tests.json`, 65 cases, Apache-2.0) against
//! `authdoctor_check::profile`. The file is read from the local cargo registry, not
//! copied into this repository, so the test is ignored by default:
//!
//! ```text
//! cargo fetch            # once, so aws-runtime 1.10.x sources are in the registry
//! cargo test -p authdoctor-check --test profile_conformance -- --ignored
//! ```
//!
//! It fails (never passes silently) when the file cannot be found.

use std::collections::BTreeMap;
use std::path::PathBuf;

use authdoctor_check::profile::{FileKind, ProfileSet, Severity, parse};

fn find_cases() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| panic!("neither CARGO_HOME nor HOME is set"));
    let registry = cargo_home.join("registry/src");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", registry.display()))
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|krate| {
            krate
                .file_name()
                .to_string_lossy()
                .starts_with("aws-runtime-")
        })
        .map(|krate| krate.path().join("test-data/profile-parser-tests.json"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "no aws-runtime-*/test-data/profile-parser-tests.json under {}: run `cargo fetch` in the workspace (the sdk-oracle crate depends on aws-config)",
            registry.display()
        )
    })
}

type Profiles = BTreeMap<String, BTreeMap<String, String>>;

fn to_map(set: &BTreeMap<String, authdoctor_check::profile::Profile>) -> Profiles {
    set.iter()
        .map(|(name, p)| {
            (
                name.clone(),
                p.properties
                    .iter()
                    .map(|(k, (v, _))| (k.clone(), v.clone()))
                    .collect(),
            )
        })
        .collect()
}

fn expected(value: &serde_json::Value) -> Profiles {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(name, props)| {
                    let props = props
                        .as_object()
                        .map(|p| {
                            p.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_owned())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), props)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "reads aws-runtime's conformance cases from the cargo registry; run with --ignored"]
fn cross_sdk_profile_parser_cases() {
    let path = find_cases();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let cases = doc["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("no tests array"));
    assert!(
        cases.len() >= 60,
        "only {} cases in {}",
        cases.len(),
        path.display()
    );
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let config = case["input"]["configFile"]
            .as_str()
            .map(|t| parse(t, FileKind::Config));
        let credentials = case["input"]["credentialsFile"]
            .as_str()
            .map(|t| parse(t, FileKind::Credentials));
        let error = config
            .iter()
            .chain(credentials.iter())
            .any(|f| f.issues.iter().any(|i| i.severity == Severity::Error));
        let output = &case["output"];
        if output.get("errorContaining").is_some() {
            if !error {
                failures.push(format!("{name}: expected an error, got none"));
            }
            continue;
        }
        if error {
            failures.push(format!("{name}: unexpected error"));
            continue;
        }
        let set = ProfileSet::merge(config.as_ref(), credentials.as_ref());
        let want = expected(&output["config"]["profiles"]);
        let got = to_map(&set.profiles);
        if want != got {
            failures.push(format!("{name}: profiles\n  want {want:?}\n  got  {got:?}"));
        }
        if let Some(sessions) = output["config"].get("sso_sessions") {
            let want = expected(sessions);
            let got = to_map(&set.sso_sessions);
            if want != got {
                failures.push(format!(
                    "{name}: sso sessions\n  want {want:?}\n  got  {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
