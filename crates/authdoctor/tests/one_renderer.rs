//! One renderer for every command's findings: a finding is the same block of text
//! whichever command shows it (`explain`, `check`, `scan`, `decode`, `simulate`), human
//! and Markdown, and the fix commands follow `--shell` everywhere.

use assert_cmd::Command;
use authdoctor_check::{CredentialsSummary, Report};
use authdoctor_diagnosis::Explained;
use authdoctor_kb::{Evidence, Finding, ProbeEvidence, Role, ScenarioId, Shell, knowledge_base};
use authdoctor_report::Options;

fn authdoctor() -> Command {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1");
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// A finding as `check` builds one: the knowledge base's scenario resting on a probe.
fn probe_finding() -> Finding {
    let probe = Evidence::Probe(ProbeEvidence {
        check: "imds.token".to_owned(),
        probe: "PUT /latest/api/token".to_owned(),
        outcome: "timeout".to_owned(),
        elapsed_ms: 501,
        label: "got no answer in 500 ms".to_owned(),
        role: Role::Cause,
    });
    knowledge_base()
        .finding(
            ScenarioId::ImdsHopLimit.as_str(),
            0.9,
            vec![probe],
            Default::default(),
        )
        .unwrap_or_else(|| panic!("imds-hop-limit is in the knowledge base"))
}

fn options(shell: Shell) -> Options {
    Options {
        shell,
        ..Options::default()
    }
}

#[test]
fn check_and_explain_show_the_same_finding_as_the_same_block() {
    let finding = probe_finding();
    let report = Report {
        checks: Vec::new(),
        findings: vec![finding.clone()],
        credentials: CredentialsSummary::default(),
    };
    for shell in [Shell::Bash, Shell::Powershell] {
        let options = options(shell);
        let block = authdoctor_report::human_finding(&finding, &[], &options);
        // The probe is shown, and the fix commands are the chosen shell's.
        assert!(
            block.contains("imds.token: PUT /latest/api/token → timeout after 501 ms"),
            "{block}"
        );
        let (shown, hidden) = match shell {
            Shell::Bash => ("  $ aws ec2", "PS>"),
            Shell::Powershell => ("  PS> Edit-EC2InstanceMetadataOption", "  $ aws"),
        };
        assert!(block.contains(shown), "{shell:?}: {block}");
        assert!(!block.contains(hidden), "{shell:?}: {block}");

        let check = authdoctor_check::render::human(&report, &options);
        assert!(
            check.contains(block.as_str()),
            "check:\n{check}\nblock:\n{block}"
        );
        let explained = [Explained {
            finding: finding.clone(),
            lines: Vec::new(),
        }];
        let explain = authdoctor_report::human(&explained, &options);
        assert_eq!(explain.as_str(), block.as_str());

        let section = authdoctor_report::markdown_finding(&finding, &[], &options);
        let check = authdoctor_check::render::markdown(&report, &options);
        assert!(check.contains(section.as_str()), "check:\n{check}");
        let explain = authdoctor_report::markdown(&explained, &options);
        assert!(explain.contains(section.as_str()), "explain:\n{explain}");
    }
}

/// A leaky instance-role call refused by an SCP, as in the tests of `scan`.
const RECORD: &str = r#"{"Records":[{"eventTime":"2026-11-20T03:12:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.20.3.14","userAgent":"aws-cli/2.15.0","errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::111122223333:assumed-role/legacy-batch/i-0a1b2c3d4e5f67890 is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::batch-input/x.csv\" with an explicit deny in a service control policy","eventID":"e1","recipientAccountId":"111122223333","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/legacy-batch/i-0a1b2c3d4e5f67890","accountId":"111122223333","accessKeyId":"ASIAQWERTYUIOPASDFGH","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/legacy-batch"},"ec2RoleDelivery":"1.0"}}}]}"#;

/// A decoded message of an implicitly denied `iam:PassRole`.
const PASSROLE_DENIED: &str = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0004","name":"scalr","arn":"arn:aws:iam::111122223333:user/scalr"},"action":"iam:PassRole","resource":"arn:aws:iam::111122223333:role/app-ec2-role","conditions":{"items":[]}}}"#;

fn findings_of(json: &str) -> Vec<Finding> {
    let doc: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(doc["version"], 1, "{json}");
    serde_json::from_value(doc["findings"].clone()).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn scan_and_decode_print_the_blocks_of_their_own_findings() {
    for (shell, flag) in [(Shell::Bash, "bash"), (Shell::Powershell, "powershell")] {
        let options = options(shell);
        let json = stdout(
            authdoctor()
                .args(["scan", "--format", "json", "-"])
                .write_stdin(RECORD),
        );
        let findings = findings_of(&json);
        assert!(findings.len() >= 2, "{json}");
        let human = stdout(
            authdoctor()
                .args(["scan", "--shell", flag, "-"])
                .write_stdin(RECORD),
        );
        let blocks = authdoctor_report::human_findings(&findings, &options);
        assert!(
            human.contains(blocks.as_str()),
            "scan:\n{human}\nblocks:\n{blocks}"
        );
        let markdown = stdout(
            authdoctor()
                .args(["scan", "--format", "markdown", "--shell", flag, "-"])
                .write_stdin(RECORD),
        );
        let sections = authdoctor_report::markdown_findings(&findings, &options);
        assert!(markdown.contains(sections.as_str()), "scan:\n{markdown}");

        let decoded = PASSROLE_DENIED;
        let json = stdout(authdoctor().args(["decode", "--format", "json", "--text", decoded]));
        let findings = findings_of(&json);
        assert_eq!(findings.len(), 1, "{json}");
        let human = stdout(authdoctor().args(["decode", "--shell", flag, "--text", decoded]));
        let block = authdoctor_report::human_finding(&findings[0], &[], &options);
        assert!(
            human.contains(block.as_str()),
            "decode:\n{human}\nblock:\n{block}"
        );
    }
}

#[test]
fn simulate_prints_the_block_of_its_finding_in_the_chosen_shell() {
    let case = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/role-delivery-imdsv1-denied.json"
    );
    let json = stdout(authdoctor().args(["simulate", "--format", "json", "--case", case]));
    let findings = findings_of(&json);
    assert_eq!(findings.len(), 1, "{json}");
    for (shell, flag) in [(Shell::Bash, "bash"), (Shell::Powershell, "powershell")] {
        let options = options(shell);
        let human = stdout(authdoctor().args(["simulate", "--shell", flag, "--case", case]));
        let block = authdoctor_report::human_finding(&findings[0], &[], &options);
        assert!(
            human.contains(block.as_str()),
            "simulate:\n{human}\nblock:\n{block}"
        );
        let (shown, hidden) = match shell {
            Shell::Bash => ("  $ aws ec2 modify-instance-metadata-options", "PS>"),
            Shell::Powershell => ("  PS> Edit-EC2InstanceMetadataOption", "  $ aws"),
        };
        assert!(human.contains(shown), "{flag}: {human}");
        assert!(!human.contains(hidden), "{flag}: {human}");
        // The minimal change is the first step of the finding's fix, said once; a
        // finding with nothing to underline has no empty gutter under its title.
        assert_eq!(human.matches("Minimal change").count(), 1, "{human}");
        assert!(!human.contains("\n |\nnote: confidence"), "{human}");
        let markdown = stdout(authdoctor().args([
            "simulate", "--format", "markdown", "--shell", flag, "--case", case,
        ]));
        let section = authdoctor_report::markdown_findings(&findings, &options);
        assert!(markdown.contains(section.as_str()), "simulate:\n{markdown}");
    }
}
