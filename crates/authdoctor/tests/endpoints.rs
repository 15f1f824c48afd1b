//! The loopback guard (`AUTHDOCTOR_TEST_GUARD`) judges the AWS endpoints `check --online`
//! will actually call (issue 9 §5): the guard and the online group resolve them with the
//! same function, so `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` counts for both.
//!
//! Runs inside a fresh network namespace (`unshare --net`), as the other guard tests: if
//! the guard ever let a public endpoint through, nothing could leave this machine.

use std::process::{Command, Output};

fn sealed_check(home: &std::path::Path, env: &[(&str, &str)]) -> Output {
    let unshare = ["/usr/bin/unshare", "/bin/unshare"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!("`unshare` (util-linux) is needed to seal the guard tests off the network")
        });
    Command::new(unshare)
        .arg("--net")
        .arg(assert_cmd::cargo::cargo_bin("authdoctor"))
        .args([
            "check",
            "--online",
            "--only",
            "online",
            "--imds-endpoint",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ])
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ignored_endpoint_variables_send_online_to_aws_so_the_guard_refuses() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The control: a loopback AWS_ENDPOINT_URL passes the guard.
    let allowed = sealed_check(home.path(), &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
    assert_ne!(
        allowed.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    // With the variables switched off, online would call the public regional endpoint.
    let refused = sealed_check(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(refused.stdout.is_empty());
    assert!(
        stderr.contains("refusing to contact") && stderr.contains("amazonaws.com"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
