//! How long `check` takes against the IMDS emulator — healthy, `blackhole`, `hop-limit` —
//! next to how long botocore (the AWS CLI's engine) takes to give its answer on the same
//! emulator: credentials found, or "Unable to locate credentials".
//!
//! Run: `cargo bench -p authdoctor-check --bench check_latency` (needs
//! `/work/main/.venv/bin/python` with botocore: `python3 -m venv .venv &&
//! .venv/bin/pip install -r ci/requirements.txt`). Both sides are timed in-process
//! (`authdoctor_check::run` vs `Session.get_credentials()`), so neither pays process
//! start-up. A missing Python peer is an error, not a silent skip.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use authdoctor_check::{Env, Options, RootFs};
use authdoctor_imds::{Emulator, EmulatorConfig, Fault};

const BOTOCORE: &str = r#"
import sys, time
import botocore.session
t = time.monotonic()
creds = botocore.session.get_session().get_credentials()
elapsed = time.monotonic() - t
print("%.4f %s" % (elapsed, "found" if creds is not None else "none"))
"#;

fn python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = samples[samples.len() / 2];
    format!(
        "min {:7.1} ms  median {:7.1} ms  max {:7.1} ms  (n={})",
        ms(samples[0]),
        ms(median),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

fn check_once(url: &str, home: &std::path::Path) -> (Duration, bool) {
    let mut env = Env::new();
    env.insert("HOME".into(), home.display().to_string());
    env.insert("AUTHDOCTOR_TEST_GUARD".into(), "1".into());
    let options = Options {
        imds_endpoint: Some(url.to_owned()),
        timeout: Duration::from_secs(2),
        ..Options::default()
    };
    let started = Instant::now();
    let report = authdoctor_check::run(&options, &env, &RootFs::host())
        .unwrap_or_else(|e| panic!("check failed to run: {e}"));
    (started.elapsed(), report.failed())
}

fn botocore_once(url: &str, home: &std::path::Path) -> (Duration, String) {
    let output = Command::new(python())
        .arg("-c")
        .arg(BOTOCORE)
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("none-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none-credentials"))
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    assert!(
        output.status.success(),
        "botocore run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut words = text.split_whitespace();
    let secs: f64 = words
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("unexpected botocore output: {text}"));
    (
        Duration::from_secs_f64(secs),
        words.next().unwrap_or("?").to_owned(),
    )
}

fn main() {
    if !python().exists() {
        eprintln!(
            "error: {} is missing; create it with `python3 -m venv .venv && .venv/bin/pip install -r ci/requirements.txt` in the workspace root",
            python().display()
        );
        std::process::exit(1);
    }
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    println!("check --timeout 2s vs botocore get_credentials(), in-process wall time");
    for (name, faults, runs) in [
        ("healthy", vec![], 20),
        ("blackhole", vec![Fault::Blackhole], 3),
        ("hop-limit", vec![Fault::HopLimit], 3),
    ] {
        let imds = Emulator::start(EmulatorConfig {
            faults,
            ..EmulatorConfig::default()
        })
        .unwrap_or_else(|e| panic!("emulator: {e}"));
        let url = imds.base_url();
        let mut ours = Vec::new();
        let mut verdict = false;
        for _ in 0..runs {
            let (d, failed) = check_once(&url, home.path());
            ours.push(d);
            verdict = failed;
        }
        let mut theirs = Vec::new();
        let mut answer = String::new();
        for _ in 0..runs.min(5) {
            let (d, a) = botocore_once(&url, home.path());
            theirs.push(d);
            answer = a;
        }
        println!(
            "{name:>10}  authdoctor check: {}  [{}]",
            stats(ours),
            if verdict {
                "diagnosis: fail"
            } else {
                "all pass"
            }
        );
        println!(
            "{name:>10}  botocore:         {}  [credentials {answer}]",
            stats(theirs)
        );
        imds.shutdown();
    }
}
