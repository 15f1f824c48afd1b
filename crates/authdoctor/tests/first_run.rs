//! What a new user meets in the first hour, through the real binary: placeholders in one
//! display form, did-you-mean for scenario ids, the `scenarios` headings, `run` saying
//! what it did, `guide` exit codes as documented, help with examples and exit codes, and
//! shell completions and manual pages generated from the argument definitions.

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use authdoctor_kb::knowledge_base;
use predicates::prelude::*;

const EXPIRED: &str = "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired";

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let output = authdoctor()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "authdoctor {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every `{name}` of a known placeholder left in `text`.
fn raw_placeholders(text: &str) -> Vec<String> {
    knowledge_base()
        .placeholders()
        .keys()
        .map(|name| format!("{{{name}}}"))
        .filter(|raw| text.contains(raw.as_str()))
        .collect()
}

#[test]
fn scenarios_and_guide_show_placeholders_in_their_display_form() {
    for scenario in knowledge_base().scenarios() {
        for format in ["human", "markdown"] {
            let shown = stdout_of(&["scenarios", &scenario.id, "--format", format]);
            let raw = raw_placeholders(&shown);
            assert!(
                raw.is_empty(),
                "`scenarios {} --format {format}` prints raw {raw:?}",
                scenario.id
            );
        }
    }
    let listing = stdout_of(&["scenarios", "--format", "markdown"]);
    assert!(raw_placeholders(&listing).is_empty(), "{listing}");

    let hop_limit = stdout_of(&["scenarios", "imds-hop-limit"]);
    assert!(
        hop_limit.contains("--instance-id <instance-id>"),
        "{hop_limit}"
    );
    // The JSON catalogue keeps the templates: tools fill them.
    let json = stdout_of(&["scenarios", "imds-hop-limit", "--format", "json"]);
    assert!(json.contains("{instance_id}"), "{json}");

    let number = guide_number("imds-hop-limit");
    let output = authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\nn\n"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let guided = String::from_utf8_lossy(&output.stdout);
    assert!(raw_placeholders(&guided).is_empty(), "{guided}");
    assert!(guided.contains("<instance-id>"), "{guided}");
}

#[test]
fn fix_steps_of_a_finding_are_filled_too() {
    // imds-credentials-not-found names `{instance_id}` inside a fix step.
    let output = stdout_of(&["explain", "--example", "imds-credentials-not-found"]);
    assert!(raw_placeholders(&output).is_empty(), "{output}");
}

#[test]
fn the_human_view_says_how_to_get_the_other_shell() {
    let bash = stdout_of(&["explain", "--example", "imds-hop-limit", "--shell", "bash"]);
    assert!(bash.contains("$ aws ec2 "), "{bash}");
    assert!(bash.contains("--shell powershell"), "{bash}");
    let powershell = stdout_of(&[
        "explain",
        "--example",
        "imds-hop-limit",
        "--shell",
        "powershell",
    ]);
    assert!(
        powershell.contains("PS> Edit-EC2InstanceMetadataOption"),
        "{powershell}"
    );
    assert!(powershell.contains("--shell bash"), "{powershell}");
    // The full scenario view shows both.
    let scenario = stdout_of(&["scenarios", "imds-hop-limit"]);
    assert!(
        scenario.contains("bash$ aws ec2") && scenario.contains("PS> Edit-EC2"),
        "{scenario}"
    );
}

#[test]
fn unknown_scenario_ids_get_the_closest_id_on_one_line() {
    for (typed, meant) in [
        ("imds-hoplimit", "imds-hop-limit"),
        ("IMDS-HOP-LIMIT", "imds-hop-limit"),
        ("hop-limit", "imds-hop-limit"),
        ("expired", "expired-token"),
        ("access-denied-spc", "access-denied-scp"),
    ] {
        let expected =
            format!("authdoctor: error: unknown scenario `{typed}`; did you mean `{meant}`?\n");
        authdoctor()
            .args(["scenarios", typed])
            .assert()
            .code(2)
            .stdout("")
            .stderr(expected.clone());
        authdoctor()
            .args(["explain", "--example", typed])
            .assert()
            .code(2)
            .stdout("")
            .stderr(expected);
    }
    // Nothing close: no guess, a pointer to the list.
    authdoctor()
        .args(["scenarios", "zzzz"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("authdoctor: error: unknown scenario `zzzz`; `authdoctor scenarios` lists them\n");
}

#[test]
fn the_listing_groups_scenarios_by_what_failed() {
    let listing = stdout_of(&["scenarios"]);
    let headings: Vec<&str> = listing
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .take_while(|l| !l.contains(" scenarios. "))
        .collect();
    assert_eq!(headings.len(), 4, "{listing}");
    for word in [
        "metadata service",
        "Credentials",
        "Signing",
        "Authorization",
    ] {
        assert!(
            headings.iter().any(|h| h.contains(word)),
            "no heading names {word}: {headings:?}"
        );
    }
    // Every scenario exactly once.
    for scenario in knowledge_base().scenarios() {
        let rows = listing
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(scenario.id.as_str()))
            .count();
        assert_eq!(rows, 1, "{} listed {rows} times", scenario.id);
    }
    // Each group's heading fits its members: every imds-* id under the metadata heading.
    let metadata: Vec<&str> = listing
        .split("\n\n")
        .find(|block| block.starts_with("Instance metadata service"))
        .unwrap_or_else(|| panic!("no metadata group:\n{listing}"))
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(metadata.contains(&"imds-hop-limit"), "{metadata:?}");
    assert!(
        metadata.iter().all(|id| id.starts_with("imds-")),
        "{metadata:?}"
    );
}

#[test]
fn run_says_what_it_did_when_the_command_failed_without_an_auth_error() {
    authdoctor()
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "echo out; echo 'disk full' >&2; exit 3",
        ])
        .env("PATH", "/usr/bin:/bin")
        .assert()
        .code(3)
        .stdout("out\n")
        .stderr(
            "disk full\nauthdoctor: `sh` exited with 3; its standard error held no AWS \
             authorization or credential error\n",
        );
    // With an auth error: the diagnosis, not that line.
    authdoctor()
        .args(["run", "--", "sh", "-c"])
        .arg(format!("echo '{EXPIRED}' >&2; exit 4"))
        .env("PATH", "/usr/bin:/bin")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("error[expired-token]"))
        .stderr(predicate::str::contains("held no AWS").not());
}

/// The number `guide` gives a scenario in its scripted listing.
fn guide_number(id: &str) -> String {
    let listing = authdoctor()
        .arg("guide")
        .write_stdin("q\n")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    listing
        .lines()
        .find(|l| l.contains(&format!("({id})")))
        .and_then(|l| l.trim().split('.').next())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{id} is not offered:\n{listing}"))
}

#[test]
fn guide_exit_codes_are_the_documented_ones() {
    let help = stdout_of(&["guide", "--help"]);
    for documented in [
        "Exit codes: 0 a scenario was shown, a pasted log was explained, or you quit",
        "1 the pasted log held no AWS authorization or credential error",
        "2 bad input",
    ] {
        assert!(
            help.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(documented),
            "guide --help lacks `{documented}`:\n{help}"
        );
    }
    let number = guide_number("expired-token");
    // 0: quit, a scenario shown, a pasted log explained.
    authdoctor()
        .arg("guide")
        .write_stdin("q\n")
        .assert()
        .code(0);
    authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\nn\n"))
        .assert()
        .code(0);
    authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\ny\n{EXPIRED}\n.\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[expired-token]"));
    // 1: the pasted log holds no auth or credential error.
    authdoctor()
        .arg("guide")
        .write_stdin(format!("{number}\ny\nthe disk is full\n.\n"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "No AWS authorization or credential error",
        ));
    // 2: an answer that is not a number offered, or a format guide cannot speak.
    authdoctor()
        .arg("guide")
        .write_stdin("999\n")
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"\A[^\n]+\n\z").unwrap_or_else(|e| panic!("{e}")));
    authdoctor()
        .args(["guide", "--format", "json"])
        .write_stdin("q\n")
        .assert()
        .code(2)
        .stdout("");
    // The README's table says the same.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap_or_else(|e| panic!("README.md: {e}"));
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `guide`"))
        .unwrap_or_else(|| panic!("the README has no `guide` row"));
    for code in ["0 ", "1 ", "2 "] {
        assert!(
            row.contains(code),
            "README guide row lacks exit code {code}: {row}"
        );
    }
}

#[test]
fn every_everyday_command_help_has_examples_and_exit_codes() {
    for command in ["explain", "run", "scenarios", "guide", "check"] {
        let help = stdout_of(&[command, "--help"]);
        assert!(
            help.contains("Examples:"),
            "`{command} --help` has no examples:\n{help}"
        );
        assert!(
            help.contains("exit code") || help.contains("Exit codes"),
            "`{command} --help` says nothing of exit codes:\n{help}"
        );
    }
    let check = stdout_of(&["check", "--help"]);
    assert!(check.contains("authdoctor check --online"), "{check}");
    assert!(check.contains("1 a check failed"), "{check}");
}

/// The subcommands `--help` lists (hidden ones are not listed).
fn visible_subcommands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn completions_are_generated_for_every_shell_and_know_the_subcommands() {
    let subcommands = visible_subcommands();
    assert!(
        subcommands.len() >= 8 && subcommands.iter().any(|s| s == "explain"),
        "{subcommands:?}"
    );
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.len() > 500, "{shell} completion is tiny:\n{script}");
        for subcommand in &subcommands {
            assert!(
                script.contains(subcommand.as_str()),
                "{shell} completion does not know `{subcommand}`"
            );
        }
    }
    // bash parses it.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = dir.path().join("authdoctor.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap_or_else(|e| panic!("{e}"));
    let status = StdCommand::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(status.success(), "bash -n rejects the completion script");
    // A completion run: `authdoctor sce<TAB>` offers `scenarios`.
    let probe = format!(
        "source {}; COMP_WORDS=(authdoctor sce); COMP_CWORD=1; _authdoctor authdoctor sce authdoctor; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let offered = StdCommand::new("bash")
        .arg("-c")
        .arg(probe)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert_eq!(String::from_utf8_lossy(&offered.stdout), "scenarios\n");

    authdoctor()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn manual_pages_are_generated_for_the_command_and_each_subcommand() {
    let page = stdout_of(&["man"]);
    let title = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH line:\n{page}"));
    assert!(title.starts_with(".TH authdoctor 1"), "{title}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "the page lacks {section}");
    }
    assert!(page.contains("explain"), "{page}");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("man1");
    authdoctor()
        .args(["man", "--out-dir"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    for subcommand in visible_subcommands() {
        let file = out.join(format!("authdoctor-{subcommand}.1"));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            text.lines().any(|l| l.starts_with(".TH ")),
            "{} has no .TH",
            file.display()
        );
    }
    assert!(out.join("authdoctor.1").exists());
    // Hidden helpers get no page of their own.
    assert!(!out.join("authdoctor-completions.1").exists());
}
