//! `authdoctor check` through the real binary against an independent metadata-service
//! double (`crates/check/tests/peers/imds_double.py`), written from the reference
//! (`imds.md`) without looking at the project's own emulator. It differs from ours where
//! the real service allows it (HTTP/1.0, lower-case headers, other names, compact JSON),
//! so these tests catch `check` depending on quirks of our emulator.
//!
//! Every run uses an empty environment, a temporary HOME and AWS config files, the guard
//! variable and an explicit loopback `--imds-endpoint`. The double is killed by pid when
//! its guard drops.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `--timeout` given to every run; the whole run must end within it plus 1.5 s.
const TIMEOUT: &str = "2s";
const BUDGET: Duration = Duration::from_millis(2000 + 1500);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's Python, else `python3` on PATH; a missing interpreter fails the test.
fn python() -> PathBuf {
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "the IMDS double needs Python: neither {} nor `python3` on PATH is available \
         (`bash .ci/run` creates the venv; by hand: `python3 -m venv .venv` in the workspace root)",
        venv.display()
    );
    PathBuf::from("python3")
}

/// A running double; killed (by its own pid) and reaped on drop.
struct Double {
    child: Child,
    url: String,
}

impl Double {
    fn start(args: &[&str]) -> Double {
        let script = workspace_root().join("crates/check/tests/peers/imds_double.py");
        assert!(script.exists(), "missing {}", script.display());
        let mut child = Command::new(python())
            .arg(&script)
            .args(args)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the IMDS double: {e}"));
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let url = line.trim().to_owned();
        let double = Double { child, url };
        assert!(
            matches!(read, Some(Ok(n)) if n > 0) && double.url.starts_with("http://127.0.0.1:"),
            "the IMDS double {args:?} did not print its loopback URL (got {line:?})"
        );
        double
    }
}

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    output: Output,
    elapsed: Duration,
    doc: serde_json::Value,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn top(&self) -> &str {
        self.doc["findings"][0]["scenario"]
            .as_str()
            .unwrap_or("<no findings>")
    }

    fn check(&self, id: &str) -> &serde_json::Value {
        self.doc["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id} in {:#}", self.doc))
    }

    fn summary(&self) -> String {
        let checks = self.doc["checks"]
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
            .unwrap_or_default();
        format!(
            "exit {:?} in {:?}\n{checks}\nstderr: {}",
            self.code(),
            self.elapsed,
            String::from_utf8_lossy(&self.output.stderr)
        )
    }
}

/// `check --format json --timeout 2s` against a fresh double started with `args`.
fn check_against(args: &[&str]) -> Run {
    let double = Double::start(args);
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::create_dir_all(home.path().join(".aws")).unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("authdoctor"));
    cmd.env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join(".aws/credentials"),
        )
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("NO_COLOR", "1")
        .args(["check", "--imds-endpoint", &double.url])
        .args(["--format", "json", "--timeout", TIMEOUT]);
    let started = Instant::now();
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("running authdoctor: {e}"));
    let elapsed = started.elapsed();
    drop(double);
    let doc = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not one JSON document ({e}):\n{}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let run = Run {
        output,
        elapsed,
        doc,
    };
    assert!(
        run.elapsed < BUDGET,
        "{args:?}: the run exceeded --timeout {TIMEOUT} + 1.5 s\n{}",
        run.summary()
    );
    run
}

/// A faulty double: the top finding is `expected` and the exit code is 1.
fn assert_fault(args: &[&str], expected: &str) -> Run {
    assert!(
        authdoctor_kb::knowledge_base().get(expected).is_some(),
        "the knowledge base has no scenario `{expected}`"
    );
    let run = check_against(args);
    assert_eq!(
        run.top(),
        expected,
        "{args:?}: top finding\n{}",
        run.summary()
    );
    assert_eq!(run.code(), Some(1), "{args:?}\n{}", run.summary());
    run
}

#[test]
fn healthy_double_passes_with_its_own_role_and_instance() {
    for args in [&["--fault", "none"][..], &["--fault", "v2-required"][..]] {
        let run = check_against(args);
        assert_eq!(run.code(), Some(0), "{args:?}\n{}", run.summary());
        assert!(
            run.doc["findings"].as_array().is_some_and(|f| f.is_empty()),
            "{args:?}\n{}",
            run.summary()
        );
        for id in [
            "imds.reachable",
            "imds.token",
            "imds.invalid-token",
            "imds.role",
            "imds.credentials",
            "imds.identity",
            "imds.proxy",
            "clock.skew",
            "credentials.expiry",
        ] {
            assert_eq!(run.check(id)["status"], "pass", "{id}\n{}", run.summary());
        }
        // Facts read from the double, not from our emulator.
        assert_eq!(run.doc["credentials"]["source"], "imds");
        assert_eq!(run.doc["credentials"]["role"], "dbl-app-role");
        assert_eq!(run.doc["credentials"]["access_key_id"], "ASIA…EKEY");
        let identity = &run.check("imds.identity")["evidence"];
        assert_eq!(identity["instance_id"], "i-0db1e00000000000d");
        assert_eq!(identity["region"], "eu-north-1");
        assert_eq!(identity["account_id"], "210987654321");
        // The double's secret material never reaches the output.
        let out = String::from_utf8_lossy(&run.output.stdout);
        assert!(!out.contains("dbl/secret/"), "secret key leaked");
        assert!(
            !out.contains("IQoJb3JpZ2luX2VjEDBLDOUBLE"),
            "session token leaked"
        );
        assert!(!out.contains("ASIADOUBLEEXAMPLEKEY"), "full key id leaked");
    }
}

#[test]
fn optional_tokens_pass_but_warn_about_imdsv1() {
    let run = check_against(&["--fault", "optional"]);
    assert_eq!(run.code(), Some(0), "{}", run.summary());
    assert_eq!(run.check("imds.v1")["status"], "warn", "{}", run.summary());
    assert_eq!(run.doc["credentials"]["role"], "dbl-app-role");
}

#[test]
fn hop_limit() {
    let run = assert_fault(&["--fault", "hop-limit"], "imds-hop-limit");
    assert_eq!(
        run.check("imds.reachable")["status"],
        "pass",
        "{}",
        run.summary()
    );
    assert_eq!(
        run.check("imds.token")["status"],
        "fail",
        "{}",
        run.summary()
    );
}

#[test]
fn no_role() {
    assert_fault(&["--fault", "no-role"], "imds-credentials-not-found");
}

#[test]
fn throttle() {
    assert_fault(&["--fault", "throttle"], "imds-throttled");
}

#[test]
fn disabled() {
    assert_fault(&["--fault", "disabled"], "imds-disabled");
}

#[test]
fn blackhole() {
    assert_fault(&["--fault", "blackhole"], "imds-unreachable");
}

#[test]
fn proxy() {
    assert_fault(&["--fault", "proxy"], "imds-proxy");
}

#[test]
fn expired_credentials() {
    assert_fault(&["--fault", "expired-credentials"], "expired-token");
}

#[test]
fn clock_skew_beyond_five_minutes_either_way() {
    for minutes in ["9", "-9"] {
        let run = assert_fault(
            &["--fault", "clock-skew", "--skew-minutes", minutes],
            "clock-skew",
        );
        assert_eq!(
            run.check("clock.skew")["status"],
            "fail",
            "{}",
            run.summary()
        );
    }
}

#[test]
fn clock_skew_within_tolerance_is_not_a_failure() {
    let run = check_against(&["--fault", "clock-skew", "--skew-minutes", "2"]);
    assert_ne!(
        run.check("clock.skew")["status"],
        "fail",
        "{}",
        run.summary()
    );
    assert_eq!(run.code(), Some(0), "{}", run.summary());
}
