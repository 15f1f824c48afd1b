//! `authdoctor check` through the real binary, against the real emulator
//! (`authdoctor-imds`) on loopback: the top finding for every fault, exit codes, the time
//! budget, the JSON contract, the loopback guard, and that the emulator's canary secrets
//! never reach any output format.
//!
//! Every run uses an empty environment, a temporary HOME and AWS config files, the guard
//! variable and an explicit loopback `--imds-endpoint`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use authdoctor_imds::{
    CANARY_SECRETS, Emulator, EmulatorConfig, Fault, HttpTokens, RunningEmulator,
};

/// Extra environment variables for one case.
type EnvPairs<'a> = Vec<(&'a str, &'a str)>;

/// A temporary HOME with empty-by-default AWS files.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap_or_else(|e| panic!("{e}"));
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(".aws").join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The command with a clean, guarded environment. No endpoint is added here.
fn bare_check(home: &Home) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("authdoctor"));
    check_env(&mut cmd, home);
    cmd
}

/// `check` inside a fresh network namespace (`unshare --user --map-root-user --net`: only
/// a downed loopback; the user namespace lets unprivileged users make one),
/// for the tests that hand it a real metadata or AWS address to prove the guard refuses
/// it. The guard must refuse before any probe; should it ever regress, the probe has no
/// route anywhere and nothing leaves this machine.
fn sealed_check(home: &Home) -> Command {
    let unshare = ["/usr/bin/unshare", "/bin/unshare"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!("`unshare` (util-linux) is needed to seal the guard tests off the network")
        });
    let mut cmd = Command::new(unshare);
    // A user namespace first, so that an unprivileged user may make the network one too.
    cmd.args(["--user", "--map-root-user", "--net"])
        .arg(assert_cmd::cargo::cargo_bin("authdoctor"));
    check_env(&mut cmd, home);
    cmd
}

fn check_env(cmd: &mut Command, home: &Home) {
    cmd.env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join(".aws/credentials"),
        )
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("NO_COLOR", "1")
        .arg("check");
}

struct Run {
    output: Output,
    elapsed: Duration,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr: {}",
                self.stdout(),
                self.stderr()
            )
        })
    }
}

fn run(mut cmd: Command) -> Run {
    let started = Instant::now();
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("running authdoctor: {e}"));
    Run {
        output,
        elapsed: started.elapsed(),
    }
}

fn emulator(faults: &[Fault], tokens: HttpTokens, clock_offset_secs: i64) -> RunningEmulator {
    let config = EmulatorConfig {
        faults: faults.to_vec(),
        http_tokens: tokens,
        clock_offset_secs,
        ..EmulatorConfig::default()
    };
    Emulator::start(config).unwrap_or_else(|e| panic!("emulator: {e}"))
}

/// `check --format json` against an emulator with these faults.
fn check_against(imds: &RunningEmulator, home: &Home, extra: &[&str]) -> Run {
    let mut cmd = bare_check(home);
    cmd.args(["--imds-endpoint", &imds.base_url(), "--format", "json"])
        .args(extra);
    run(cmd)
}

fn check(doc: &serde_json::Value, id: &str) -> serde_json::Value {
    doc["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_else(|| panic!("no check {id} in {doc:#}"))
}

fn top_scenario(doc: &serde_json::Value) -> String {
    doc["findings"][0]["scenario"]
        .as_str()
        .unwrap_or("<no findings>")
        .to_owned()
}

fn summary_of(doc: &serde_json::Value) -> String {
    doc["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    format!(
                        "{} {} [{}] {}",
                        c["status"], c["id"], c["scenario"], c["summary"]
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Runs `check` against one fault and asserts the top finding and the exit code.
fn assert_top(
    faults: &[Fault],
    tokens: HttpTokens,
    offset: i64,
    expected: &str,
) -> serde_json::Value {
    assert!(
        authdoctor_kb::knowledge_base().get(expected).is_some(),
        "the knowledge base has no scenario `{expected}`, so no finding can name it"
    );
    let imds = emulator(faults, tokens, offset);
    let home = Home::new();
    let r = check_against(&imds, &home, &[]);
    let doc = r.json();
    assert_eq!(
        top_scenario(&doc),
        expected,
        "faults {faults:?}: top finding\n{}",
        summary_of(&doc)
    );
    assert_eq!(
        r.code(),
        Some(1),
        "a failing check exits 1\n{}",
        summary_of(&doc)
    );
    assert!(r.stderr().is_empty(), "stderr: {}", r.stderr());
    imds.shutdown();
    doc
}

#[test]
fn healthy_instance_passes_and_exits_0() {
    for (faults, tokens) in [
        (vec![], HttpTokens::Required),
        (vec![Fault::V2Required], HttpTokens::Required),
    ] {
        let imds = emulator(&faults, tokens, 0);
        let home = Home::new();
        let r = check_against(&imds, &home, &[]);
        let doc = r.json();
        assert_eq!(r.code(), Some(0), "{}", summary_of(&doc));
        for id in [
            "imds.reachable",
            "imds.token",
            "imds.v1",
            "imds.invalid-token",
            "imds.role",
            "imds.credentials",
            "imds.identity",
            "imds.throttle",
            "imds.proxy",
            "clock.skew",
            "chain.source",
            "credentials.expiry",
        ] {
            assert_eq!(
                check(&doc, id)["status"],
                "pass",
                "{id}\n{}",
                summary_of(&doc)
            );
        }
        assert_eq!(doc["credentials"]["source"], "imds");
        assert_eq!(doc["credentials"]["access_key_id"], "ASIA…DS01");
        assert_eq!(doc["credentials"]["role"], "authdoctor-emulated-role");
        assert!(
            doc["credentials"]["expires_at"]
                .as_str()
                .is_some_and(|s| s.ends_with('Z'))
        );
        assert!(
            doc["findings"].as_array().is_some_and(|f| f
                .iter()
                .all(|f| f["scenario"] != "imds-hop-limit" && f["scenario"] != "no-credentials")),
            "{doc:#}"
        );
        imds.shutdown();
    }
}

#[test]
fn hop_limit_is_named_as_such() {
    let doc = assert_top(
        &[Fault::HopLimit],
        HttpTokens::Required,
        0,
        "imds-hop-limit",
    );
    let token = check(&doc, "imds.token");
    assert_eq!(token["status"], "fail");
    assert_eq!(token["evidence"]["outcome"], "timeout");
    assert_eq!(token["evidence"]["get_without_token"], 401);
    assert_eq!(check(&doc, "imds.reachable")["status"], "pass");
    // The fix carries the hop limit change.
    let fix = doc["findings"][0]["fix"]["commands"].to_string();
    assert!(fix.contains("--http-put-response-hop-limit 2"), "{fix}");
}

#[test]
fn hop_limit_with_optional_tokens_is_still_the_hop_limit() {
    let doc = assert_top(
        &[Fault::HopLimit],
        HttpTokens::Optional,
        0,
        "imds-hop-limit",
    );
    // IMDSv1 works here, so the role is still read (as the SDKs fall back) and v1 warns.
    assert_eq!(
        check(&doc, "imds.credentials")["status"],
        "pass",
        "{}",
        summary_of(&doc)
    );
    assert_eq!(
        check(&doc, "imds.credentials")["evidence"]["role_delivery"],
        "1.0"
    );
    assert_eq!(
        check(&doc, "imds.v1")["scenario"],
        "role-delivery-imdsv1-denied"
    );
}

#[test]
fn no_role_and_broken_trust_are_credentials_not_found() {
    let doc = assert_top(
        &[Fault::NoRole],
        HttpTokens::Required,
        0,
        "imds-credentials-not-found",
    );
    assert_eq!(check(&doc, "imds.role")["status"], "fail");
    let doc = assert_top(
        &[Fault::TrustBroken],
        HttpTokens::Required,
        0,
        "imds-credentials-not-found",
    );
    let creds = check(&doc, "imds.credentials");
    assert_eq!(creds["evidence"]["code"], "AssumeRoleUnauthorizedAccess");
}

#[test]
fn throttling_is_named() {
    let doc = assert_top(
        &[Fault::Throttle],
        HttpTokens::Required,
        0,
        "imds-throttled",
    );
    assert_eq!(check(&doc, "imds.throttle")["status"], "fail");
}

#[test]
fn disabled_endpoint_is_named() {
    let doc = assert_top(&[Fault::Disabled], HttpTokens::Required, 0, "imds-disabled");
    assert_eq!(check(&doc, "imds.reachable")["scenario"], "imds-disabled");
}

#[test]
fn blackhole_and_refused_are_unreachable() {
    for fault in [Fault::Blackhole, Fault::Refused] {
        let doc = assert_top(&[fault], HttpTokens::Required, 0, "imds-unreachable");
        let reach = check(&doc, "imds.reachable");
        let expected = if fault == Fault::Refused {
            "refused"
        } else {
            "timeout"
        };
        assert_eq!(reach["evidence"]["outcome"], expected, "{fault}: {reach:#}");
    }
}

#[test]
fn proxies_are_recognised() {
    for fault in [Fault::Proxy, Fault::Proxy407, Fault::Proxy502] {
        let doc = assert_top(&[fault], HttpTokens::Required, 0, "imds-proxy");
        assert_eq!(check(&doc, "imds.proxy")["status"], "fail", "{fault}");
        // A proxy's clock is no reference.
        assert_eq!(check(&doc, "clock.skew")["status"], "skip", "{fault}");
    }
}

#[test]
fn expired_credentials_are_expired_token() {
    let doc = assert_top(
        &[Fault::ExpiredCredentials],
        HttpTokens::Required,
        0,
        "expired-token",
    );
    assert_eq!(check(&doc, "imds.credentials")["status"], "fail");
    assert_eq!(check(&doc, "credentials.expiry")["status"], "fail");
}

#[test]
fn clock_skew_beyond_five_minutes_fails_and_one_minute_warns() {
    let doc = assert_top(&[], HttpTokens::Required, 10 * 60, "clock-skew");
    let skew = check(&doc, "clock.skew")["evidence"]["skew_seconds"]
        .as_i64()
        .unwrap_or_default();
    assert!(
        (-601..=-599).contains(&skew),
        "local clock is 10 min behind the emulated one: {skew}"
    );
    // Behind by 7 minutes: the other direction fails too.
    assert_top(&[], HttpTokens::Required, -7 * 60, "clock-skew");
    // Two minutes: a warning, exit 0.
    let imds = emulator(&[], HttpTokens::Required, 120);
    let r = check_against(&imds, &Home::new(), &[]);
    let doc = r.json();
    assert_eq!(check(&doc, "clock.skew")["status"], "warn");
    assert_eq!(r.code(), Some(0), "{}", summary_of(&doc));
}

#[test]
fn imdsv1_enabled_is_a_warning_with_the_require_v2_fix() {
    for (faults, tokens) in [
        (vec![Fault::V1Only], HttpTokens::Required),
        (vec![Fault::V1Only404], HttpTokens::Required),
        (vec![], HttpTokens::Optional),
    ] {
        let imds = emulator(&faults, tokens, 0);
        let r = check_against(&imds, &Home::new(), &[]);
        let doc = r.json();
        let v1 = check(&doc, "imds.v1");
        assert_eq!(
            v1["status"],
            "warn",
            "{faults:?} {tokens:?}\n{}",
            summary_of(&doc)
        );
        assert_eq!(v1["scenario"], "role-delivery-imdsv1-denied");
        assert!(
            v1["fix"].as_str().is_some_and(
                |f| f.contains("--http-tokens required") && f.contains("i-0a1b2c3d4e5f60718")
            ),
            "the fix names the instance from the identity document: {v1:#}"
        );
        assert_eq!(
            r.code(),
            Some(0),
            "warnings alone exit 0\n{}",
            summary_of(&doc)
        );
        assert_eq!(top_scenario(&doc), "role-delivery-imdsv1-denied");
        imds.shutdown();
    }
}

#[test]
fn every_fault_ends_within_the_time_budget() {
    // A safety net against hangs, not a speed test: --timeout plus a generous margin.
    let budget = Duration::from_secs(2);
    for fault in Fault::ALL {
        let imds = emulator(&[*fault], HttpTokens::Required, 0);
        let r = check_against(&imds, &Home::new(), &["--timeout", "2s"]);
        assert!(
            r.elapsed < budget + Duration::from_millis(1500),
            "{fault}: took {:?}",
            r.elapsed
        );
        assert!(
            matches!(r.code(), Some(0 | 1)),
            "{fault}: exit {:?} {}",
            r.code(),
            r.stderr()
        );
        let _ = r.json();
        imds.shutdown();
    }
}

#[test]
fn canary_secrets_never_reach_any_format() {
    for faults in [
        vec![],
        vec![Fault::ExpiredCredentials],
        vec![Fault::Garbage],
        vec![Fault::V1Only],
        vec![Fault::TrustBroken],
    ] {
        let imds = emulator(&faults, HttpTokens::Required, 0);
        for format in ["human", "json", "markdown"] {
            let home = Home::new();
            let mut cmd = bare_check(&home);
            cmd.args([
                "--imds-endpoint",
                &imds.base_url(),
                "--format",
                format,
                "--color",
                "always",
            ]);
            let r = run(cmd);
            let all = format!("{}{}", r.stdout(), r.stderr());
            assert!(!r.stdout().is_empty(), "{faults:?} {format}: empty output");
            for canary in CANARY_SECRETS {
                assert!(
                    !all.contains(canary),
                    "{faults:?} {format}: canary leaked:\n{all}"
                );
            }
            // The access key id only in its short form.
            assert!(
                !all.contains(authdoctor_imds::CANARY_ACCESS_KEY_ID),
                "{faults:?} {format}"
            );
        }
        imds.shutdown();
    }
}

#[test]
fn the_guard_refuses_the_default_endpoint_without_probing() {
    let home = Home::new();
    let r = run(sealed_check(&home));
    assert_eq!(
        r.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        r.stdout(),
        r.stderr()
    );
    assert!(r.stdout().is_empty(), "{}", r.stdout());
    // The refusal names the address it would not probe: text in the error, never a target.
    assert!(r.stderr().contains("169.254.169.254"), "{}", r.stderr());
    assert!(
        r.stderr().contains("AUTHDOCTOR_TEST_GUARD"),
        "{}",
        r.stderr()
    );
    assert_eq!(r.stderr().lines().count(), 1, "{}", r.stderr());
    assert!(
        r.elapsed < Duration::from_secs(1),
        "refused at once, no probe: {:?}",
        r.elapsed
    );

    // The IPv6 mode and a remote endpoint variable are refused the same way.
    for (var, value) in [
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.1.2.3:80"),
    ] {
        let mut cmd = sealed_check(&home);
        cmd.env(var, value);
        let r = run(cmd);
        assert_eq!(r.code(), Some(2), "{var}: {}", r.stderr());
    }
    // The real address given as the endpoint: the guard must refuse it before any probe
    // (and the sealed namespace has no route to it should the guard ever fail).
    let mut cmd = sealed_check(&home);
    cmd.args(["--imds-endpoint", "http://169.254.169.254"]);
    let r = run(cmd);
    assert_eq!(r.code(), Some(2), "{}", r.stderr());
    assert!(
        r.stderr().contains("AUTHDOCTOR_TEST_GUARD") && r.elapsed < Duration::from_secs(1),
        "refused by the guard at once, not after a probe: {:?} {}",
        r.elapsed,
        r.stderr()
    );

    // --online with the default AWS endpoints is refused too.
    let imds = emulator(&[], HttpTokens::Required, 0);
    let mut cmd = sealed_check(&home);
    cmd.args(["--imds-endpoint", &imds.base_url(), "--online"]);
    let r = run(cmd);
    assert_eq!(r.code(), Some(2), "{}", r.stderr());
    assert!(r.stderr().contains("AWS endpoint"), "{}", r.stderr());
    imds.shutdown();
}

#[test]
fn offline_groups_need_no_endpoint() {
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.args(["--only", "env,files", "--format", "json"]);
    let r = run(cmd);
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    let doc = r.json();
    let ids: Vec<&str> = doc["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        ids.iter()
            .all(|id| id.starts_with("env.") || id.starts_with("files.")),
        "{ids:?}"
    );
    assert_eq!(ids.len(), 7, "{ids:?}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let home = Home::new();
    for args in [
        vec!["--timeout", "soon"],
        vec!["--timeout", "0s"],
        vec!["--only", "env,dns"],
        // No scheme: a usage error before anything is sent (sealed, guarded as above).
        vec!["--imds-endpoint", "127.0.0.1:9"],
    ] {
        let mut cmd = sealed_check(&home);
        cmd.args(&args);
        let r = run(cmd);
        assert_eq!(r.code(), Some(2), "{args:?}: {}", r.stderr());
        assert!(r.stdout().is_empty(), "{args:?}");
        assert!(
            r.stderr().starts_with("authdoctor: error:"),
            "{args:?}: {}",
            r.stderr()
        );
    }
}

#[test]
fn json_follows_the_contract() {
    let imds = emulator(&[Fault::HopLimit], HttpTokens::Required, 0);
    let r = check_against(&imds, &Home::new(), &[]);
    let doc = r.json();
    assert_eq!(doc["version"], 1);
    let checks = doc["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("checks: {doc:#}"));
    assert_eq!(
        checks.len(),
        authdoctor_kb::KNOWN_CHECKS.len(),
        "every known check once"
    );
    for c in checks {
        let id = c["id"].as_str().unwrap_or_default();
        assert!(authdoctor_kb::KNOWN_CHECKS.contains(&id), "{id}");
        assert!(
            ["pass", "warn", "fail", "skip"].contains(&c["status"].as_str().unwrap_or_default()),
            "{c}"
        );
        assert!(c["summary"].as_str().is_some_and(|s| !s.is_empty()), "{c}");
        assert!(c["duration_ms"].is_u64(), "{c}");
        assert!(c["evidence"].is_object(), "{c}");
        if let Some(s) = c.get("scenario") {
            assert!(
                authdoctor_kb::knowledge_base()
                    .get(s.as_str().unwrap_or_default())
                    .is_some(),
                "{c}"
            );
        }
    }
    for f in doc["findings"].as_array().into_iter().flatten() {
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
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
    }
    let creds = &doc["credentials"];
    for key in ["source", "access_key_id", "expires_at", "role"] {
        assert!(creds.get(key).is_some(), "credentials lacks {key}");
    }
    assert_eq!(creds["source"], "none");
    imds.shutdown();
}

#[test]
fn environment_keys_shadow_the_instance_role() {
    let imds = emulator(&[], HttpTokens::Required, 0);
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .args(["--imds-endpoint", &imds.base_url(), "--format", "json"]);
    let r = run(cmd);
    let doc = r.json();
    let shadow = check(&doc, "chain.shadowing");
    assert_eq!(shadow["status"], "warn", "{}", summary_of(&doc));
    assert_eq!(shadow["scenario"], "credential-shadowing");
    assert_eq!(doc["credentials"]["source"], "environment");
    assert_eq!(doc["credentials"]["access_key_id"], "AKIA…MPLE");
    assert!(!r.stdout().contains("wJalrXUtnFEMI"), "secret leaked");
    assert_eq!(top_scenario(&doc), "credential-shadowing");
    imds.shutdown();
}

#[test]
fn malformed_config_is_reported_with_its_line() {
    let imds = emulator(&[], HttpTokens::Required, 0);
    let home = Home::new();
    home.write("config", "[default]\nregion = us-east-1\nthis line is broken\n[profile dev]\nsource_profile = ghost\nrole_arn = arn:aws:iam::111122223333:role/dev\n");
    home.write(
        "credentials",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    );
    let r = check_against(&imds, &home, &[]);
    let doc = r.json();
    assert_eq!(r.code(), Some(1));
    let config = check(&doc, "files.config");
    assert_eq!(config["status"], "fail");
    let problems = config["evidence"]["problems"].to_string();
    assert!(problems.contains("config:3:"), "{problems}");
    assert!(
        problems.contains("config:5:") && problems.contains("ghost"),
        "{problems}"
    );
    let creds = check(&doc, "files.credentials");
    assert_eq!(creds["status"], "fail");
    assert!(
        creds["summary"]
            .as_str()
            .is_some_and(|s| s.contains("credentials:2:")),
        "{creds}"
    );
    imds.shutdown();
}

#[test]
fn human_output_names_scenario_and_fix() {
    let imds = emulator(&[Fault::HopLimit], HttpTokens::Required, 0);
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.args(["--imds-endpoint", &imds.base_url()]);
    let r = run(cmd);
    assert_eq!(r.code(), Some(1));
    let out = r.stdout();
    assert!(out.contains("✗ FAIL  imds.token"), "{out}");
    assert!(out.contains("scenario: imds-hop-limit"), "{out}");
    assert!(
        out.contains("fix: aws ec2 modify-instance-metadata-options --instance-id"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "NO_COLOR: no escapes");
    imds.shutdown();
}

#[test]
fn garbage_credentials_fail_without_a_crash() {
    let imds = emulator(&[Fault::Garbage], HttpTokens::Required, 0);
    let r = check_against(&imds, &Home::new(), &[]);
    let doc = r.json();
    assert_eq!(r.code(), Some(1));
    let creds = check(&doc, "imds.credentials");
    assert_eq!(creds["status"], "fail", "{}", summary_of(&doc));
    assert!(
        creds["summary"]
            .as_str()
            .is_some_and(|s| s.contains("not valid JSON")),
        "{creds}"
    );
    imds.shutdown();
}

#[test]
fn imds_disabled_by_the_environment_is_named() {
    let imds = emulator(&[], HttpTokens::Required, 0);
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.env("AWS_EC2_METADATA_DISABLED", "true").args([
        "--imds-endpoint",
        &imds.base_url(),
        "--format",
        "json",
    ]);
    let r = run(cmd);
    let doc = r.json();
    assert_eq!(r.code(), Some(1));
    assert_eq!(check(&doc, "env.imds-settings")["status"], "warn");
    assert_eq!(check(&doc, "chain.source")["scenario"], "imds-disabled");
    assert_eq!(top_scenario(&doc), "imds-disabled");
    imds.shutdown();
}

#[test]
fn unreachable_imds_only_warns_when_credentials_come_from_elsewhere() {
    let imds = emulator(&[Fault::Refused], HttpTokens::Required, 0);
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .args(["--imds-endpoint", &imds.base_url(), "--format", "json"]);
    let r = run(cmd);
    let doc = r.json();
    let reach = check(&doc, "imds.reachable");
    assert_eq!(reach["status"], "warn", "{}", summary_of(&doc));
    assert_eq!(reach["scenario"], "imds-unreachable");
    assert_eq!(r.code(), Some(0), "{}", summary_of(&doc));
    imds.shutdown();
}

/// botocore's answer for the same environment and files: the `method` of the credentials
/// its default chain resolves (deferred providers make no network call), mapped to the
/// `credentials.source` vocabulary.
fn botocore_source(home: &Home, env: &[(&str, &str)], imds_url: &str) -> String {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: `bash .ci/run` creates it (by hand: `python3 -m venv .venv && \
         .venv/bin/pip install -r ci/requirements.txt` in the workspace root)",
        python.display()
    );
    let script = "import botocore.session\nc = botocore.session.get_session().get_credentials()\nprint(c.method if c is not None else 'none')\n";
    let mut cmd = Command::new(&python);
    cmd.arg("-c")
        .arg(script)
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join(".aws/credentials"),
        )
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running botocore: {e}"));
    assert!(
        out.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let method = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    match method.as_str() {
        "env" => "environment",
        "shared-credentials-file" => "shared-credentials-file",
        "config-file" | "assume-role" => "profile",
        "sso" => "sso",
        "assume-role-with-web-identity" => "web-identity",
        "iam-role" => "imds",
        "container-role" => "container",
        "custom-process" => "credential-process",
        "none" => "none",
        other => panic!("unmapped botocore method {other}"),
    }
    .to_owned()
}

#[test]
fn the_reference_chain_agrees_with_botocore() {
    const KEYS: &str = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    let env_keys: &[(&str, &str)] = &[
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ];
    let assume =
        "[profile dev]\nrole_arn = arn:aws:iam::111122223333:role/dev\nsource_profile = default\n";
    let sso = "[profile corp]\nsso_session = s\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session s]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    let jwt_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let token_file = jwt_dir.path().join("token");
    std::fs::write(
        &token_file,
        "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsImF1ZCI6InN0cy5hbWF6b25hd3MuY29tIn0.c2ln",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let token_path = token_file.display().to_string();
    let default_keys = format!("[default]\n{KEYS}");
    let cases: Vec<(&str, &str, &str, EnvPairs, &str)> = vec![
        ("nothing configured", "", "", vec![], "imds"),
        ("environment keys", "", "", env_keys.to_vec(), "environment"),
        (
            "credentials file",
            "",
            &default_keys,
            vec![],
            "shared-credentials-file",
        ),
        ("config file keys", &default_keys, "", vec![], "profile"),
        (
            "assume role",
            assume,
            &default_keys,
            vec![("AWS_PROFILE", "dev")],
            "profile",
        ),
        (
            "env keys beat AWS_PROFILE",
            assume,
            &default_keys,
            [env_keys, &[("AWS_PROFILE", "dev")]].concat(),
            "environment",
        ),
        (
            "web identity",
            "",
            "",
            vec![
                ("AWS_WEB_IDENTITY_TOKEN_FILE", &token_path),
                ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/irsa"),
            ],
            "web-identity",
        ),
        ("sso profile", sso, "", vec![("AWS_PROFILE", "corp")], "sso"),
        (
            "imds disabled",
            "",
            "",
            vec![("AWS_EC2_METADATA_DISABLED", "true")],
            "none",
        ),
    ];
    let imds = emulator(&[], HttpTokens::Required, 0);
    for (name, config, credentials, env, expected) in cases {
        let home = Home::new();
        home.write("config", config);
        home.write("credentials", credentials);
        let theirs = botocore_source(&home, &env, &imds.base_url());
        let mut cmd = bare_check(&home);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.args([
            "--imds-endpoint",
            &imds.base_url(),
            "--format",
            "json",
            "--only",
            "chain",
        ]);
        let doc = run(cmd).json();
        let ours = doc["credentials"]["source"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(theirs, expected, "{name}: botocore's own answer changed");
        assert_eq!(
            ours,
            theirs,
            "{name}: our model vs botocore\n{}",
            summary_of(&doc)
        );
    }
    imds.shutdown();
}

/// The key id the JavaScript SDK v3's default chain (`fromNodeProviderChain`) resolves,
/// or `none`. Only cases that need no AWS call are run through it.
fn js_key_id(home: &Home, env: &[(&str, &str)], imds_url: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let module = root.join("node_modules/@aws-sdk/credential-providers");
    assert!(
        module.exists(),
        "{} is missing: `bash .ci/run` installs it (by hand: `npm ci` in the workspace root)",
        module.display()
    );
    let script = "require('@aws-sdk/credential-providers').fromNodeProviderChain()().then(c => console.log(c.accessKeyId), () => console.log('none'));";
    let mut cmd = Command::new("node");
    cmd.arg("-e")
        .arg(script)
        .current_dir(&root)
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join(".aws/credentials"),
        )
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("running node: {e}"));
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_javascript_row_agrees_with_the_javascript_sdk() {
    const ENV_KEY: &str = "AKIAENVKEYEXAMPLE001";
    const PROFILE_KEY: &str = "AKIAPROFILEEXAMPLE01";
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let profile =
        format!("[dev]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = {secret}\n");
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", ENV_KEY),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ];
    let cases: Vec<(&str, EnvPairs, &str)> = vec![
        ("environment keys", env_keys.to_vec(), "environment"),
        // The JS SDK skips environment keys when AWS_PROFILE is set; botocore does not.
        (
            "AWS_PROFILE beats env keys",
            [&env_keys[..], &[("AWS_PROFILE", "dev")]].concat(),
            "shared-credentials-file",
        ),
        ("nothing configured", vec![], "imds"),
        // Any value other than `false` disables IMDS for the JS SDK only.
        (
            "AWS_EC2_METADATA_DISABLED=1",
            vec![("AWS_EC2_METADATA_DISABLED", "1")],
            "none",
        ),
    ];
    let imds = emulator(&[], HttpTokens::Required, 0);
    for (name, env, expected) in cases {
        let home = Home::new();
        home.write("credentials", &profile);
        let key = js_key_id(&home, &env, &imds.base_url());
        let theirs = match key.as_str() {
            ENV_KEY => "environment",
            PROFILE_KEY => "shared-credentials-file",
            k if k == authdoctor_imds::CANARY_ACCESS_KEY_ID => "imds",
            "none" => "none",
            other => panic!("{name}: unexpected key id from the JS SDK: {other}"),
        };
        assert_eq!(theirs, expected, "{name}: the JS SDK's own answer changed");
        let mut cmd = bare_check(&home);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.args([
            "--imds-endpoint",
            &imds.base_url(),
            "--format",
            "json",
            "--only",
            "chain",
        ]);
        let doc = run(cmd).json();
        let row = check(&doc, "chain.source")["evidence"]["JavaScript v3"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            row.starts_with(theirs),
            "{name}: our JavaScript v3 row `{row}` vs the SDK's {theirs}"
        );
    }
    imds.shutdown();
}

#[test]
fn a_slow_metadata_service_warns_that_sdks_time_out() {
    let imds = Emulator::start(EmulatorConfig {
        faults: vec![Fault::Slow],
        slow_delay: Duration::from_millis(1300),
        ..EmulatorConfig::default()
    })
    .unwrap_or_else(|e| panic!("emulator: {e}"));
    let r = check_against(&imds, &Home::new(), &["--timeout", "6s"]);
    let doc = r.json();
    let reach = check(&doc, "imds.reachable");
    assert_eq!(reach["status"], "warn", "{}", summary_of(&doc));
    assert_eq!(reach["scenario"], "imds-throttled");
    assert_eq!(
        check(&doc, "imds.credentials")["status"],
        "pass",
        "{}",
        summary_of(&doc)
    );
    imds.shutdown();
}

#[test]
fn no_proxy_verdicts_agree_with_botocore() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: `bash .ci/run` creates it (by hand: `python3 -m venv .venv && \
         .venv/bin/pip install -r ci/requirements.txt` in the workspace root)",
        python.display()
    );
    // `should_bypass_proxies` is a pure function of the URL and NO_PROXY: the address is
    // only text here, nothing is sent.
    let script = "from botocore.utils import should_bypass_proxies\nprint(should_bypass_proxies('http://169.254.169.254/latest/api/token'))\n";
    for no_proxy in [
        "169.254.169.254",
        "169.254.169.254,fd00:ec2::254",
        "169.254.0.0/16",
        "*",
        ".254.169.254",
        "localhost,169.254.169.254:80",
        "example.com",
        " 169.254.169.254 ",
    ] {
        let out = Command::new(&python)
            .args(["-c", script])
            .env_clear()
            .env("http_proxy", "http://proxy.invalid:3128")
            .env("no_proxy", no_proxy)
            .output()
            .unwrap_or_else(|e| panic!("running botocore: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bypass = String::from_utf8_lossy(&out.stdout).trim() == "True";

        let home = Home::new();
        let mut cmd = bare_check(&home);
        cmd.env("http_proxy", "http://proxy.invalid:3128")
            .env("no_proxy", no_proxy)
            .args(["--only", "env", "--format", "json"]);
        let doc = run(cmd).json();
        let proxy = check(&doc, "env.proxy");
        let ours_sent_to_proxy = proxy["status"] == "fail";
        assert_eq!(
            ours_sent_to_proxy, !bypass,
            "NO_PROXY={no_proxy:?}: botocore bypasses the proxy: {bypass}; ours: {proxy:#}"
        );
    }
}

#[test]
fn an_ipv6_loopback_endpoint_works() {
    let imds = Emulator::start(EmulatorConfig {
        listen: vec!["[::1]:0".parse().unwrap_or_else(|e| panic!("{e}"))],
        ..EmulatorConfig::default()
    })
    .unwrap_or_else(|e| panic!("emulator on [::1] (IPv6 loopback needed): {e}"));
    let url = imds.base_url();
    assert!(url.starts_with("http://[::1]:"), "{url}");
    let r = check_against(&imds, &Home::new(), &[]);
    let doc = r.json();
    assert_eq!(r.code(), Some(0), "{}", summary_of(&doc));
    assert_eq!(check(&doc, "imds.credentials")["status"], "pass");
    imds.shutdown();
}

/// Runs `cmd` but kills it after `limit`: a hang fails the test instead of stalling it.
/// Returns `None` when it had to be killed.
fn run_bounded(mut cmd: Command, limit: Duration) -> Option<Run> {
    use std::io::Read as _;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("running authdoctor: {e}"));
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out_pipe = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut err_pipe = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    status.map(|status| Run {
        output: Output {
            status,
            stdout,
            stderr,
        },
        elapsed,
    })
}

/// Makes a named pipe (FIFO) at `path` with the system's `mkfifo`.
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo (coreutils) is needed: {e}"));
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn files_that_are_fifos_are_reported_not_waited_for() {
    // Opening a FIFO without a writer blocks forever; `check` must look before it reads
    // and still end within its --timeout.
    let imds = emulator(&[], HttpTokens::Required, 0);
    let cases: &[(&str, &str)] = &[
        ("AWS_CONFIG_FILE", "files.config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "files.credentials"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "chain.web-identity"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "chain.container"),
        ("sso-cache", "files.sso-cache"),
    ];
    for (what, id) in cases {
        let home = Home::new();
        let fifo = home.path().join("pipe");
        let mut cmd = bare_check(&home);
        match *what {
            "sso-cache" => {
                home.write(
                    "config",
                    "[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = dev\n",
                );
                let cache = home.path().join(".aws/sso/cache");
                std::fs::create_dir_all(&cache).unwrap_or_else(|e| panic!("{e}"));
                let fifo = cache.join("0123456789abcdef.json");
                mkfifo(&fifo);
                cmd.env("SSO_FIFO", &fifo);
            }
            var => {
                mkfifo(&fifo);
                cmd.env(var, &fifo);
                if var == "AWS_WEB_IDENTITY_TOKEN_FILE" {
                    cmd.env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
                }
                if var == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" {
                    cmd.env(
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        "http://127.0.0.1:9/creds",
                    );
                }
            }
        }
        cmd.args([
            "--imds-endpoint",
            &imds.base_url(),
            "--format",
            "json",
            "--timeout",
            "500ms",
        ]);
        let r = run_bounded(cmd, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{what} as a FIFO: check hung and was killed after 10 s"));
        assert!(
            r.elapsed < Duration::from_millis(500 + 1500),
            "{what}: took {:?}",
            r.elapsed
        );
        let doc = r.json();
        let c = check(&doc, id);
        let summary = c["summary"].as_str().unwrap_or_default();
        assert!(
            matches!(c["status"].as_str(), Some("fail" | "warn")),
            "{what}: {c}"
        );
        assert!(
            summary.contains("FIFO") && summary.contains("not a regular file"),
            "{what}: the summary says why: {summary}"
        );
        let named = if *what == "sso-cache" {
            "0123456789abcdef.json".to_owned()
        } else {
            fifo.display().to_string()
        };
        assert!(summary.contains(&named), "{what}: names {named}: {summary}");
    }
    imds.shutdown();
}

#[test]
fn devices_and_oversized_files_are_refused_by_name() {
    let home = Home::new();
    let big = home.path().join("big-config");
    std::fs::write(&big, vec![b'#'; 2 * 1024 * 1024]).unwrap_or_else(|e| panic!("{e}"));
    for (path, why) in [
        (Path::new("/dev/zero").to_path_buf(), "not a regular file"),
        (big.clone(), "larger than"),
    ] {
        let mut cmd = bare_check(&home);
        cmd.env("AWS_CONFIG_FILE", &path).args([
            "--only",
            "files",
            "--format",
            "json",
            "--timeout",
            "500ms",
        ]);
        let r = run_bounded(cmd, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{}: check hung", path.display()));
        let doc = r.json();
        let c = check(&doc, "files.config");
        let summary = c["summary"].as_str().unwrap_or_default();
        assert_eq!(c["status"], "fail", "{c}");
        assert!(
            summary.contains(&path.display().to_string()) && summary.contains(why),
            "{summary}"
        );
        assert_eq!(r.code(), Some(1));
    }
}

/// A loopback TCP peer that accepts every connection, reads what comes and then either
/// never answers (`answer: None`) or writes `answer` and closes. Stops when dropped.
struct Peer {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Peer {
    fn start(answer: Option<&'static [u8]>) -> Peer {
        use std::io::{Read as _, Write as _};
        use std::sync::atomic::Ordering;
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                        let mut buf = [0u8; 8192];
                        let _ = stream.read(&mut buf);
                        match answer {
                            Some(bytes) => {
                                let _ = stream.write_all(bytes);
                            }
                            None => held.push(stream),
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Peer { port, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn an_unanswered_sts_call_fails_and_names_endpoint_and_proxy() {
    let imds = emulator(&[], HttpTokens::Required, 0);
    let silent = Peer::start(None);
    for only in [None, Some("online")] {
        for proxy in [None, Some("http://user:hunter2@proxy.corp.example:3128")] {
            let home = Home::new();
            let mut cmd = bare_check(&home);
            cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
                .env(
                    "AWS_SECRET_ACCESS_KEY",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                )
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ENDPOINT_URL_STS", silent.url())
                .env("AWS_ENDPOINT_URL_EC2", silent.url())
                .args([
                    "--imds-endpoint",
                    &imds.base_url(),
                    "--online",
                    "--format",
                    "json",
                    "--timeout",
                    "1500ms",
                ]);
            if let Some(groups) = only {
                cmd.args(["--only", groups]);
            }
            if let Some(proxy) = proxy {
                cmd.env("HTTPS_PROXY", proxy);
            }
            let r = run_bounded(cmd, Duration::from_secs(10))
                .unwrap_or_else(|| panic!("check --online hung"));
            let doc = r.json();
            let sts = check(&doc, "online.sts");
            let summary = sts["summary"].as_str().unwrap_or_default();
            let case = format!("--only {only:?}, proxy {proxy:?}");
            assert_eq!(sts["status"], "fail", "{case}: {}", summary_of(&doc));
            assert_eq!(r.code(), Some(1), "{case}: {}", summary_of(&doc));
            assert!(
                summary.contains(&format!("127.0.0.1:{}", silent.port)),
                "{case}: names the endpoint: {summary}"
            );
            assert!(
                summary.contains("no answer"),
                "{case}: says it was not answered: {summary}"
            );
            match proxy {
                None => assert!(summary.contains("no proxy"), "{case}: {summary}"),
                Some(_) => {
                    assert!(
                        summary.contains("HTTPS_PROXY") && summary.contains("proxy.corp.example"),
                        "{case}: names the proxy: {summary}"
                    );
                    assert!(
                        !r.stdout().contains("hunter2"),
                        "{case}: proxy password shown"
                    );
                }
            }
            assert!(
                r.elapsed < Duration::from_millis(1500 + 1500),
                "{case}: took {:?}",
                r.elapsed
            );
        }
    }
    imds.shutdown();
}

#[test]
fn a_peer_that_answers_garbage_is_not_called_silent() {
    let peer = Peer::start(Some(b"\x00\x01\x02 definitely not HTTP\r\n\r\n"));
    let home = Home::new();
    let mut cmd = bare_check(&home);
    cmd.args([
        "--imds-endpoint",
        &peer.url(),
        "--only",
        "imds",
        "--format",
        "json",
        "--timeout",
        "2s",
    ]);
    let r = run_bounded(cmd, Duration::from_secs(10)).unwrap_or_else(|| panic!("hung"));
    let doc = r.json();
    let reach = check(&doc, "imds.reachable");
    let summary = reach["summary"].as_str().unwrap_or_default();
    assert_eq!(reach["status"], "fail", "{}", summary_of(&doc));
    assert!(
        summary.contains("answered after") && summary.contains("not with valid HTTP"),
        "{summary}"
    );
    assert!(!summary.contains("nothing answered"), "{summary}");
    assert_eq!(reach["evidence"]["outcome"], "malformed-answer", "{reach}");
}
