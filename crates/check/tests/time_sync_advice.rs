//! `clock.ntp` proposes the Amazon Time Sync Service (169.254.169.123) only on a host whose
//! metadata service answered as EC2: the address answers nowhere else, so rewriting a
//! laptop's or another cloud's `timesyncd.conf` to it would break its clock.
//!
//! Runs `authdoctor_check::run` in process on a temporary root file system holding a
//! `timesyncd.conf` that names no server, once against the IMDS emulator (EC2) and once
//! against a closed loopback port (nothing answers: not EC2).

use std::net::TcpListener;
use std::time::Duration;

use authdoctor_check::{Check, Env, Groups, Options, RootFs, Status};
use authdoctor_imds::{Emulator, EmulatorConfig};

/// A root file system whose only time configuration is a stock `timesyncd.conf`.
fn root_with_timesyncd() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let etc = dir.path().join("etc/systemd");
    std::fs::create_dir_all(&etc).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(etc.join("timesyncd.conf"), "[Time]\n#NTP=\n").unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn ntp_check(endpoint: &str, root: &std::path::Path) -> Check {
    let mut env = Env::new();
    env.insert("HOME".into(), root.join("home").display().to_string());
    env.insert("AUTHDOCTOR_TEST_GUARD".into(), "1".into());
    let options = Options {
        imds_endpoint: Some(endpoint.to_owned()),
        timeout: Duration::from_secs(3),
        online: false,
        groups: Groups {
            env: false,
            files: false,
            chain: false,
            imds: true,
            clock: true,
            online: false,
        },
    };
    let report = authdoctor_check::run(&options, &env, &RootFs::new(root))
        .unwrap_or_else(|e| panic!("check did not run: {e}"));
    report
        .checks
        .into_iter()
        .find(|c| c.id.as_str() == "clock.ntp")
        .unwrap_or_else(|| panic!("no clock.ntp check in the report"))
}

#[test]
fn on_ec2_the_time_sync_service_is_proposed() {
    let root = root_with_timesyncd();
    let imds = Emulator::start(EmulatorConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let ntp = ntp_check(&imds.base_url(), root.path());
    assert_eq!(ntp.status, Status::Warn, "{}", ntp.summary);
    let fix = ntp.fix.unwrap_or_default();
    assert!(
        fix.contains("timesyncd.conf") && fix.contains("169.254.169.123"),
        "{fix}"
    );
}

#[test]
fn off_ec2_the_time_sync_service_is_not_proposed() {
    let root = root_with_timesyncd();
    // A port that was just free: the connection is refused, as off EC2.
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    let ntp = ntp_check(&format!("http://{closed}"), root.path());
    assert_ne!(ntp.status, Status::Warn, "{}", ntp.summary);
    assert_eq!(ntp.fix, None, "{}", ntp.summary);
    assert!(
        ntp.summary.contains("did not answer as EC2"),
        "{}",
        ntp.summary
    );
}
