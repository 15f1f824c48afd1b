//! `authdoctor check --online` through the real binary, against moto (a real AWS API
//! emulator, from `ci/requirements.txt`) for STS and EC2 and the `authdoctor-imds`
//! emulator for the instance metadata service. Loopback only; the binary runs with a
//! cleared environment, a temporary HOME and `AUTHDOCTOR_TEST_GUARD=1`.

#[path = "../../online/tests/support/mod.rs"]
mod support;

use std::path::Path;

use assert_cmd::Command;
use authdoctor_imds::{CANARY_SECRETS, Emulator, EmulatorConfig, RunningEmulator};
use serde_json::Value;
use support::{MOTO_KEY_ID, MOTO_SECRET, Moto};

fn imds(instance_id: &str) -> RunningEmulator {
    let config = EmulatorConfig {
        instance_id: instance_id.to_owned(),
        region: "us-east-1".to_owned(),
        ..EmulatorConfig::default()
    };
    Emulator::start(config).unwrap_or_else(|e| panic!("cannot start the IMDS emulator: {e}"))
}

struct Run {
    code: Option<i32>,
    doc: Value,
    stdout: String,
    stderr: String,
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.doc["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id} in {}", self.stdout))
    }

    fn scenarios(&self) -> Vec<String> {
        self.doc["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["scenario"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn assert_no_secret(&self, secrets: &[&str]) {
        for secret in secrets.iter().chain(CANARY_SECRETS) {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret reached the output:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

/// `authdoctor check --online --only online` with moto as every AWS endpoint.
fn check_online(moto: &Moto, imds: &RunningEmulator, home: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("authdoctor").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .env("NO_COLOR", "1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", moto.url())
        .envs(env.iter().copied())
        .args([
            "check",
            "--online",
            "--only",
            "online",
            "--imds-endpoint",
            &imds.base_url(),
            "--timeout",
            "10s",
            "--format",
            "json",
        ]);
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    Run {
        code: out.status.code(),
        doc,
        stdout,
        stderr,
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn instance(setup: &Value, name: &str) -> String {
    setup[name]
        .as_str()
        .unwrap_or_else(|| panic!("setup has no {name}: {setup}"))
        .to_owned()
}

#[test]
fn identity_and_metadata_options_from_moto() {
    let moto = Moto::start();
    let setup = moto.setup(false);
    let home = tempdir();
    let keys = [
        ("AWS_ACCESS_KEY_ID", MOTO_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", MOTO_SECRET),
    ];

    // IMDSv2 required, hop limit 2, endpoint on: both checks pass.
    let imds_good = imds(&instance(&setup, "good"));
    let run = check_online(&moto, &imds_good, home.path(), &keys);
    run.assert_no_secret(&[MOTO_SECRET]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let sts = run.check("online.sts");
    assert_eq!(sts["status"], "pass", "{sts}");
    assert_eq!(
        sts["evidence"]["arn"],
        "arn:aws:sts::123456789012:user/moto"
    );
    assert_eq!(sts["evidence"]["endpoint_source"], "AWS_ENDPOINT_URL");
    assert_eq!(sts["evidence"]["credentials_source"], "environment");
    assert_eq!(sts["evidence"]["access_key_id"], "AKIA…MPLE");
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "pass", "{ec2}");
    assert_eq!(
        ec2["evidence"]["instance_id"],
        instance(&setup, "good").as_str()
    );
    assert_eq!(ec2["evidence"]["http_tokens"], "required");
    assert_eq!(ec2["evidence"]["http_put_response_hop_limit"], 2);

    // AWS_REGION names another region: STS is signed for it, but the instance is looked
    // up in its own region (from the identity document), where moto keeps it.
    let mut elsewhere = keys.to_vec();
    elsewhere.push(("AWS_REGION", "eu-west-1"));
    let run = check_online(&moto, &imds_good, home.path(), &elsewhere);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.check("online.sts")["evidence"]["region"], "eu-west-1");
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "pass", "{ec2}");
    assert_eq!(ec2["evidence"]["region"], "us-east-1");
    drop(imds_good);

    // IMDSv1 still allowed: a warning with the command that turns it off.
    let imds_legacy = imds(&instance(&setup, "legacy"));
    let run = check_online(&moto, &imds_legacy, home.path(), &keys);
    assert_eq!(run.code, Some(0), "warnings do not fail: {}", run.stdout);
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "warn", "{ec2}");
    assert_eq!(ec2["scenario"], "role-delivery-imdsv1-denied");
    assert!(
        ec2["fix"].as_str().is_some_and(
            |f| f.contains("--http-tokens required") && f.contains(&instance(&setup, "legacy"))
        ),
        "{ec2}"
    );
    assert!(
        run.scenarios()
            .contains(&"role-delivery-imdsv1-denied".to_owned())
    );
    drop(imds_legacy);

    // Hop limit 1 seen from inside a container (Kubernetes says so).
    let imds_hop = imds(&instance(&setup, "optional"));
    let mut in_pod = keys.to_vec();
    in_pod.push(("KUBERNETES_SERVICE_HOST", "10.100.0.1"));
    let run = check_online(&moto, &imds_hop, home.path(), &in_pod);
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "warn", "{ec2}");
    assert_eq!(ec2["scenario"], "imds-hop-limit");
    assert!(
        ec2["fix"]
            .as_str()
            .is_some_and(|f| f.contains("--http-put-response-hop-limit 2")),
        "{ec2}"
    );
    drop(imds_hop);

    // The metadata endpoint switched off in the instance's settings: a failure.
    let imds_off = imds(&instance(&setup, "required"));
    let run = check_online(&moto, &imds_off, home.path(), &keys);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "fail", "{ec2}");
    assert_eq!(ec2["scenario"], "imds-disabled");
    assert!(run.scenarios().contains(&"imds-disabled".to_owned()));
}

#[test]
fn instance_role_credentials_from_imds_are_used_online() {
    let moto = Moto::start();
    let setup = moto.setup(false);
    let home = tempdir();
    let emulator = imds(&instance(&setup, "good"));
    // No keys in the environment: the chain falls through to the instance role, whose
    // (canary) credentials the emulator serves; moto accepts any key without auth.
    let run = check_online(&moto, &emulator, home.path(), &[]);
    run.assert_no_secret(&[]);
    let sts = run.check("online.sts");
    assert_eq!(sts["status"], "pass", "{sts}\n{}", run.stderr);
    assert_eq!(sts["evidence"]["credentials_source"], "imds");
    assert_eq!(
        sts["evidence"]["access_key_id"],
        authdoctor_redact::shorten_key_id(authdoctor_imds::CANARY_ACCESS_KEY_ID)
    );
    assert_eq!(run.check("online.ec2-metadata-options")["status"], "pass");
}

#[test]
fn authentication_errors_from_moto_map_to_scenarios() {
    let moto = Moto::start();
    let setup = moto.setup(true);
    let home = tempdir();
    let emulator = imds(&instance(&setup, "good"));
    let key = |user: &str, field: &str| {
        setup[user][field]
            .as_str()
            .unwrap_or_else(|| panic!("{setup}"))
            .to_owned()
    };
    let doctor_id = key("doctor", "access_key_id");
    let doctor_secret = key("doctor", "secret_access_key");
    let nobody_id = key("nobody", "access_key_id");
    let nobody_secret = key("nobody", "secret_access_key");

    // Unknown key id: STS InvalidClientTokenId, EC2 AuthFailure, both the same scenario.
    let run = check_online(
        &moto,
        &emulator,
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000"),
            ("AWS_SECRET_ACCESS_KEY", MOTO_SECRET),
        ],
    );
    run.assert_no_secret(&[MOTO_SECRET]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let sts = run.check("online.sts");
    assert_eq!(
        (&sts["status"], &sts["scenario"]),
        (&"fail".into(), &"invalid-client-token".into()),
        "{sts}"
    );
    assert_eq!(sts["evidence"]["error_code"], "InvalidClientTokenId");
    assert_eq!(sts["evidence"]["http_status"], 403);
    assert_eq!(
        run.check("online.ec2-metadata-options")["evidence"]["error_code"],
        "AuthFailure"
    );
    assert!(run.scenarios().contains(&"invalid-client-token".to_owned()));

    // The right key id with a wrong secret.
    let run = check_online(
        &moto,
        &emulator,
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", &doctor_id),
            (
                "AWS_SECRET_ACCESS_KEY",
                "0000000000000000000000000000000000000000",
            ),
        ],
    );
    run.assert_no_secret(&[&doctor_secret]);
    let sts = run.check("online.sts");
    assert_eq!(sts["scenario"], "signature-mismatch", "{sts}");
    assert_eq!(sts["evidence"]["error_code"], "SignatureDoesNotMatch");

    // A valid identity without ec2:DescribeInstances: who-am-I passes, the metadata
    // options are skipped (not a fault of this host).
    let run = check_online(
        &moto,
        &emulator,
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", &nobody_id),
            ("AWS_SECRET_ACCESS_KEY", &nobody_secret),
        ],
    );
    run.assert_no_secret(&[&nobody_secret]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let sts = run.check("online.sts");
    assert_eq!(sts["status"], "pass", "{sts}");
    assert_eq!(
        sts["evidence"]["arn"],
        "arn:aws:iam::123456789012:user/nobody"
    );
    let ec2 = run.check("online.ec2-metadata-options");
    assert_eq!(ec2["status"], "skip", "{ec2}");
    assert_eq!(ec2["evidence"]["error_code"], "AccessDenied");
}
