//! One diagnosis model: `check` and `explain` name a scenario with the same finding —
//! the same fix steps and the same commands, both filled from the knowledge base — and
//! `check`'s findings rest on the probes that confirmed them.
//!
//! Needs only the binary and the in-process IMDS emulator (`authdoctor-imds`) on
//! loopback; every run gets a temporary HOME and AWS files and no AWS keys.

use std::process::Command;

use authdoctor_imds::{Emulator, EmulatorConfig, Fault, HttpTokens, RunningEmulator};
use authdoctor_kb::knowledge_base;
use serde_json::Value;

fn emulator(faults: &[Fault]) -> RunningEmulator {
    let config = EmulatorConfig {
        faults: faults.to_vec(),
        http_tokens: HttpTokens::Required,
        ..EmulatorConfig::default()
    };
    Emulator::start(config).unwrap_or_else(|e| panic!("emulator: {e}"))
}

fn authdoctor(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("authdoctor"));
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("NO_COLOR", "1");
    cmd
}

fn json(mut cmd: Command) -> Value {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running authdoctor: {e}"));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Each command of a finding is the knowledge base's template for that scenario, filled
/// with that finding's own facts.
fn assert_commands_from_kb(finding: &Value, who: &str) {
    let kb = knowledge_base();
    let scenario = finding["scenario"].as_str().unwrap_or_default();
    let spec = kb
        .get(scenario)
        .unwrap_or_else(|| panic!("{who}: unknown scenario {scenario}"));
    let facts: authdoctor_kb::Facts = serde_json::from_value(finding["facts"].clone())
        .unwrap_or_else(|e| panic!("{who}: facts: {e}"));
    let got: Vec<&str> = finding["fix"]["commands"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["command"].as_str()).collect())
        .unwrap_or_default();
    let want: Vec<String> = spec
        .fix
        .commands
        .iter()
        .flat_map(|c| [kb.fill(&c.bash, &facts), kb.fill(&c.powershell, &facts)])
        .collect();
    assert_eq!(got, want, "{who}: commands of {scenario}");
    let steps: Vec<&str> = finding["fix"]["steps"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let want_steps: Vec<String> = spec.fix.steps.iter().map(|s| kb.fill(s, &facts)).collect();
    assert_eq!(steps, want_steps, "{who}: steps of {scenario}");
}

#[test]
fn check_and_explain_give_the_same_fix_for_the_same_scenario() {
    for fault in [
        Fault::HopLimit,
        Fault::NoRole,
        Fault::Throttle,
        Fault::Disabled,
        Fault::Proxy,
    ] {
        let imds = emulator(&[fault]);
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = authdoctor(home.path());
        cmd.args([
            "check",
            "--format",
            "json",
            "--imds-endpoint",
            &imds.base_url(),
        ]);
        let checked = json(cmd);
        let top = &checked["findings"][0];
        let scenario = top["scenario"].as_str().unwrap_or_default().to_owned();
        assert!(!scenario.is_empty(), "{fault}: no finding: {checked:#}");
        assert_commands_from_kb(top, &format!("check ({fault})"));

        // The check row that named the scenario carries the finding's first command.
        let first = top["fix"]["commands"][0]["command"]
            .as_str()
            .unwrap_or_default();
        let rows = checked["checks"].as_array().cloned().unwrap_or_default();
        let named = rows
            .iter()
            .find(|c| c["scenario"] == scenario.as_str() && c["status"] == "fail")
            .unwrap_or_else(|| panic!("{fault}: no failing check names {scenario}"));
        assert_eq!(named["fix"].as_str(), Some(first), "{fault}: {named:#}");

        // Findings rest on probes: request, outcome, elapsed.
        let probes: Vec<&Value> = top["evidence"]
            .as_array()
            .map(|a| a.iter().filter(|e| e.get("probe").is_some()).collect())
            .unwrap_or_default();
        assert!(!probes.is_empty(), "{fault}: no probe evidence: {top:#}");
        for p in probes {
            assert!(p["outcome"].is_string() && p["elapsed_ms"].is_u64(), "{p}");
        }

        // `explain` of the scenario's own example names it with the same fix.
        let mut cmd = authdoctor(home.path());
        cmd.args(["explain", "--format", "json", "--example", &scenario]);
        let explained = json(cmd);
        let same = explained["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["scenario"] == scenario.as_str()))
            .unwrap_or_else(|| panic!("{fault}: explain did not name {scenario}: {explained:#}"));
        assert_commands_from_kb(same, &format!("explain ({scenario})"));
    }
}
