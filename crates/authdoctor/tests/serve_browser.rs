//! `authdoctor serve` in a real browser: Debian's chromium, driven through chromedriver
//! by Python Selenium (`crates/serve/tests/browser.py`), with axe-core injected for the
//! accessibility audit. Screenshots of each main view go to `target/screenshots/`.
//!
//! Needs `/usr/bin/chromium`, `/usr/bin/chromedriver`, `.venv` with selenium and
//! `node_modules/axe-core` (all installed by `.ci/run`). In CI (`CI` set) a missing
//! piece fails the test; elsewhere the test says what is missing and passes.

#[path = "serve/mod.rs"]
mod serve;

use std::path::{Path, PathBuf};
use std::process::Command;

fn missing_pieces(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    for (path, hint) in [
        ("/usr/bin/chromium", "apt-get install -y chromium"),
        (
            "/usr/bin/chromedriver",
            "apt-get install -y chromium-driver",
        ),
    ] {
        if !Path::new(path).exists() {
            missing.push(format!("{path} ({hint})"));
        }
    }
    let python = root.join(".venv/bin/python");
    let has_selenium = Command::new(&python)
        .args(["-c", "import selenium"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_selenium {
        missing.push(format!(
            "{} with selenium (python3 -m venv .venv && .venv/bin/pip install -r ci/requirements.txt)",
            python.display()
        ));
    }
    if !root.join("node_modules/axe-core/axe.min.js").exists() {
        missing.push("node_modules/axe-core (npm ci)".to_owned());
    }
    missing
}

#[test]
fn the_page_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let missing = missing_pieces(&root);
    if !missing.is_empty() {
        let message = format!("serve browser test: missing {}", missing.join("; "));
        if std::env::var_os("CI").is_some() {
            panic!("{message}");
        }
        eprintln!("SKIPPED (not in CI): {message}");
        return;
    }
    let served = serve::Served::start(&["--listen", "127.0.0.1:0"]);
    let screenshots = root.join("target/screenshots");
    let output = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("crates/serve/tests/browser.py"))
        .arg(&served.url)
        .arg(&screenshots)
        .arg(root.join("node_modules/axe-core/axe.min.js"))
        .env("SE_OFFLINE", "true")
        .output()
        .unwrap_or_else(|e| panic!("cannot run browser.py: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("6 passed, 0 failed"),
        "browser tests failed:\n{stdout}\n{stderr}"
    );
    for view in [
        "1-symptoms",
        "2-scenario",
        "4-explain-result",
        "5-simulate",
        "6-decode",
    ] {
        assert!(
            screenshots.join(format!("{view}.png")).exists(),
            "no screenshot {view}"
        );
    }
}
