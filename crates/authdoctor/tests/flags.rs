//! Flags that several commands share are read by one parser each (issue 9 §5): the same
//! duration text means the same thing to `check --timeout`, `decode --timeout` and
//! `emulate imds --delay`; nothing here touches the network.

use assert_cmd::Command;

const DENIED: &str = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/dev"},"action":"ec2:TerminateInstances","resource":"*","conditions":{"items":[]}}}"#;

fn authdoctor(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"));
    cmd
}

/// Exit code and stderr of `authdoctor ARGS`.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let output = authdoctor(home.path())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn check(timeout: &str) -> (Option<i32>, String) {
    // The env group alone: no probe, no file read beyond the temporary HOME.
    run(&["check", "--only", "env", &format!("--timeout={timeout}")])
}

fn decode(timeout: &str) -> (Option<i32>, String) {
    run(&["decode", &format!("--timeout={timeout}"), "--text", DENIED])
}

#[test]
fn check_and_decode_read_every_duration_alike() {
    for text in ["1m", "2s", "500ms", "1.5s", "1.5", "3", "1m30s"] {
        let (code, stderr) = check(text);
        assert_ne!(code, Some(2), "check --timeout {text}: {stderr}");
        // decode exits 1 for the denied message it explains.
        let (code, stderr) = decode(text);
        assert_eq!(code, Some(1), "decode --timeout {text}: {stderr}");
    }
}

#[test]
fn check_and_decode_refuse_the_same_durations_with_one_line() {
    for text in ["soon", "0s", "-1s", "11m", "1e400", "1x", ""] {
        for (command, (code, stderr)) in [("check", check(text)), ("decode", decode(text))] {
            assert_eq!(code, Some(2), "{command} --timeout {text:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{command}: {stderr}");
            assert!(stderr.contains("duration"), "{command}: {stderr}");
        }
    }
}

#[test]
fn emulate_delays_use_the_same_reader() {
    // Refused before anything listens, so the emulator never starts.
    for flag in ["--delay", "--hop-limit-reset-after"] {
        for text in ["soon", "11m", "-1s", "1e400"] {
            let (code, stderr) = run(&["emulate", "imds", &format!("{flag}={text}")]);
            assert_eq!(code, Some(2), "{flag} {text}: {stderr}");
            assert!(stderr.contains("duration"), "{flag} {text}: {stderr}");
        }
    }
    // Accepted: the emulator starts (its first line is its URL) and is stopped at once.
    for flag in ["--delay", "--hop-limit-reset-after"] {
        let binary = assert_cmd::cargo::cargo_bin("authdoctor");
        let mut child = std::process::Command::new(binary)
            .args(["emulate", "imds", "--quiet", flag, "1m30s"])
            .env_clear()
            .env("AUTHDOCTOR_TEST_GUARD", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut first_line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ =
                std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first_line);
        }
        let _ = child.kill();
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            first_line.starts_with("http://127.0.0.1:"),
            "{flag} 1m30s: {first_line:?} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
