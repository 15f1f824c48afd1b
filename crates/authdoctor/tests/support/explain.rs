//! Helpers shared by the knowledge-base tests that run `authdoctor explain` through the
//! real binary (`kb-iam.rs`, `kb-imds.rs`), included with `#[path]`.
#![allow(dead_code)]

use assert_cmd::Command;

/// `authdoctor explain --format json --text TEXT` with a clean environment.
pub fn explain_json(text: &str) -> serde_json::Value {
    let output = Command::cargo_bin("authdoctor")
        .unwrap_or_else(|e| panic!("{e}"))
        .env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .args(["explain", "--format", "json", "--text", text])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The top finding's scenario, `not-auth` when there is none.
pub fn top_scenario(doc: &serde_json::Value) -> String {
    doc["findings"][0]["scenario"]
        .as_str()
        .unwrap_or("not-auth")
        .to_owned()
}

/// The top finding's bash fix commands.
pub fn bash_commands(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"][0]["fix"]["commands"]
        .as_array()
        .map(|commands| {
            commands
                .iter()
                .filter(|c| c["shell"] == "bash")
                .filter_map(|c| c["command"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The top finding's candidate scenarios.
pub fn candidates(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"][0]["candidates"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["scenario"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
