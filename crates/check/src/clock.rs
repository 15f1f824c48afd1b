//! The `clock` group: the skew between this host's clock and the metadata service's
//! `Date` header (SigV4 tolerates 5 minutes), and whether chrony/NTP is pointed at the
//! Amazon Time Sync Service. The time service is only read about in config files, never
//! contacted. The Time Sync address answers only on EC2 instances, so pointing a host at
//! it is proposed only when IMDS answered as EC2 ([`answered_as_ec2`]).

use authdoctor_diagnosis::Observation;
use authdoctor_kb::CheckId;
use std::path::Path;

use crate::imds::{Probe, State, human_duration};
use crate::{Check, Fs, Status};

/// SigV4's tolerance: beyond it AWS answers `RequestTimeTooSkewed` / `Signature expired`.
const FAIL_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);
const WARN_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_mins(1);

/// This host's clock against AWS's as the engine reads it: whole seconds, rounded away
/// from zero, so that an offset just past a threshold of this module stays past the
/// engine's (`drifting` beyond 60 s, `skewed` from 300 s).
pub(crate) fn host_clock(skew: jiff::SignedDuration) -> Observation {
    let whole = skew.as_secs();
    let seconds = if skew.subsec_nanos() > 0 {
        whole + 1
    } else if skew.subsec_nanos() < 0 {
        whole - 1
    } else {
        whole
    };
    Observation::HostClock { seconds }
}

pub(crate) fn skew(probe: Option<&Probe>) -> Check {
    let Some(probe) = probe else {
        return Check::skip(
            CheckId::ClockSkew,
            "IMDS was not probed, so there is no reference clock",
        );
    };
    if probe.state == State::Proxy {
        return Check::skip(
            CheckId::ClockSkew,
            "a proxy answered instead of IMDS; its clock is no reference",
        );
    }
    let Some(sample) = &probe.clock else {
        return Check::skip(
            CheckId::ClockSkew,
            "no answer from IMDS carried a Date header",
        );
    };
    // Positive: the local clock is ahead of the service.
    let skew = sample.local.duration_since(sample.service);
    let abs = skew.abs();
    let direction = if skew.is_negative() {
        "behind"
    } else {
        "ahead of"
    };
    let check = Check::new(CheckId::ClockSkew, Status::Pass, "")
        .ev(
            "local",
            sample
                .local
                .round(jiff::Unit::Second)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        )
        .ev("imds_date", sample.service.to_string())
        .ev("skew_seconds", skew.as_secs())
        .ev("request", sample.request.clone());
    let amount = human_duration(abs.unsigned_abs());
    let seen = [host_clock(skew)];
    if abs > FAIL_AFTER {
        Check {
            status: Status::Fail,
            summary: format!(
                "this host's clock is {amount} {direction} IMDS's: more than SigV4's 5-minute tolerance, AWS rejects signed requests"
            ),
            ..check.judged(&seen)
        }
    } else if abs > WARN_AFTER {
        Check {
            status: Status::Warn,
            summary: format!(
                "this host's clock is {amount} {direction} IMDS's; at 5 minutes AWS starts rejecting signatures"
            ),
            ..check.judged(&seen)
        }
    } else {
        Check {
            summary: format!(
                "the clock agrees with IMDS's Date header (within {} s)",
                abs.as_secs().max(1)
            ),
            ..check
        }
    }
}

const CONFIGS: &[&str] = &[
    "/etc/chrony.conf",
    "/etc/chrony/chrony.conf",
    "/etc/ntp.conf",
    "/etc/systemd/timesyncd.conf",
];
const TIME_SYNC: &[&str] = &["169.254.169.123", "fd00:ec2::123"];

/// Whether the metadata service answered as EC2's: it served an instance identity with an
/// instance id. Something else at the metadata address (another cloud's metadata
/// service, a local stand-in) or nothing at all does not make this host an instance.
pub(crate) fn answered_as_ec2(probe: Option<&Probe>) -> bool {
    probe
        .and_then(|p| p.identity.as_ref())
        .is_some_and(|i| i.instance_id.is_some())
}

/// The command that adds the Amazon Time Sync Service to the time client whose
/// configuration was found. chrony's file and unit differ by distribution: Amazon Linux
/// and RHEL use `/etc/chrony.conf` and `chronyd`, Debian and Ubuntu
/// `/etc/chrony/chrony.conf` and `chrony`.
fn time_sync_fix(found: &[String]) -> String {
    const SERVER: &str = "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4";
    if found.iter().any(|f| f == "/etc/chrony/chrony.conf") {
        format!(
            "echo '{SERVER}' | sudo tee -a /etc/chrony/chrony.conf && sudo systemctl restart chrony"
        )
    } else if found.iter().any(|f| f.contains("chrony")) {
        format!("echo '{SERVER}' | sudo tee -a /etc/chrony.conf && sudo systemctl restart chronyd")
    } else if found.iter().any(|f| f.contains("timesyncd")) {
        "sudo sed -i 's/^#\\?NTP=.*/NTP=169.254.169.123/' /etc/systemd/timesyncd.conf && sudo systemctl restart systemd-timesyncd".to_owned()
    } else {
        "echo 'server 169.254.169.123 prefer iburst' | sudo tee -a /etc/ntp.conf && sudo systemctl restart ntp".to_owned()
    }
}

/// `on_ec2`: IMDS answered as EC2 ([`answered_as_ec2`]); only then is the Amazon Time Sync
/// Service proposed.
pub(crate) fn ntp(fs: &dyn Fs, on_ec2: bool) -> Check {
    let mut found = Vec::new();
    let mut amazon = Vec::new();
    let mut public_aws = false;
    // chrony also reads drop-in directories; look at a few files there too.
    let mut paths: Vec<std::path::PathBuf> =
        CONFIGS.iter().map(|p| Path::new(p).to_path_buf()).collect();
    for dir in [
        "/etc/chrony.d",
        "/etc/chrony/conf.d",
        "/etc/chrony/sources.d",
    ] {
        if let Ok(entries) = fs.list(Path::new(dir), 32) {
            paths.extend(entries);
        }
    }
    for path in &paths {
        let Ok(bytes) = fs.read(path, 256 * 1024) else {
            continue;
        };
        let shown = path.display().to_string();
        found.push(shown.clone());
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let mut words = line.split(|c: char| c.is_whitespace() || c == '=');
            let directive = words.next().unwrap_or_default().to_ascii_lowercase();
            if !["server", "pool", "peer", "ntp", "fallbackntp"].contains(&directive.as_str()) {
                continue;
            }
            let rest: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
            if rest.iter().any(|w| TIME_SYNC.contains(w)) {
                amazon.push(format!("{shown}:{}", i + 1));
            } else if rest.contains(&"time.aws.com") {
                public_aws = true;
            }
        }
    }
    let check = Check::new(CheckId::ClockNtp, Status::Pass, "").ev("configs", found.clone());
    if !amazon.is_empty() {
        Check {
            summary: format!(
                "time sync uses the Amazon Time Sync Service ({})",
                amazon.join(", ")
            ),
            ..check.ev("amazon_time_sync", amazon)
        }
    } else if found.is_empty() {
        Check::skip(
            CheckId::ClockNtp,
            "no chrony, ntpd or timesyncd configuration found",
        )
    } else if !on_ec2 {
        Check {
            summary: format!(
                "time sync is configured ({}); the Amazon Time Sync Service is not proposed because IMDS did not answer as EC2 (it answers only on EC2 instances)",
                found.join(", ")
            ),
            ..check
        }
    } else if public_aws {
        Check {
            summary: "time sync uses time.aws.com (public); on EC2 the link-local 169.254.169.123 is closer and needs no internet".to_owned(),
            ..check
        }
    } else {
        Check {
            status: Status::Warn,
            summary: format!(
                "{} does not point at the Amazon Time Sync Service (169.254.169.123 / fd00:ec2::123)",
                found.join(", ")
            ),
            fix: Some(time_sync_fix(&found)),
            ..check
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RootFs;

    #[test]
    fn a_host_clock_just_past_a_threshold_stays_past_it() {
        let seconds = |ms| match host_clock(jiff::SignedDuration::from_millis(ms)) {
            Observation::HostClock { seconds } => seconds,
            other => panic!("{other:?}"),
        };
        // The check warns above 60 s and fails above 300 s; the engine must agree.
        assert_eq!(seconds(60_200), 61);
        assert_eq!(seconds(-300_500), -301);
        assert_eq!(seconds(30_000), 30);
        assert_eq!(seconds(0), 0);
    }

    #[test]
    fn chrony_pointing_at_time_sync_passes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        let fs = RootFs::new(dir.path());
        assert_eq!(ntp(&fs, true).status, Status::Skip);
        std::fs::write(
            dir.path().join("etc/chrony.conf"),
            "pool 2.debian.pool.ntp.org iburst\n",
        )
        .unwrap();
        assert_eq!(ntp(&fs, true).status, Status::Warn);
        std::fs::write(
            dir.path().join("etc/chrony.conf"),
            "# comment 169.254.169.123\nserver 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\n",
        )
        .unwrap();
        let c = ntp(&fs, true);
        assert_eq!(c.status, Status::Pass);
        assert!(c.summary.contains("/etc/chrony.conf:2"), "{}", c.summary);
    }

    #[test]
    fn off_ec2_no_time_sync_fix_is_proposed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/systemd")).unwrap();
        std::fs::write(
            dir.path().join("etc/systemd/timesyncd.conf"),
            "[Time]\n#NTP=\n",
        )
        .unwrap();
        let fs = RootFs::new(dir.path());
        let on_ec2 = ntp(&fs, true);
        assert_eq!(on_ec2.status, Status::Warn);
        assert!(
            on_ec2
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("timesyncd.conf") && f.contains("169.254.169.123")),
            "{:?}",
            on_ec2.fix
        );
        let off_ec2 = ntp(&fs, false);
        assert_eq!(off_ec2.status, Status::Pass, "{}", off_ec2.summary);
        assert_eq!(off_ec2.fix, None);
        assert!(
            off_ec2.summary.contains("did not answer as EC2"),
            "{}",
            off_ec2.summary
        );
    }

    #[test]
    fn chrony_fix_follows_the_distribution_layout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/chrony")).unwrap();
        std::fs::write(
            dir.path().join("etc/chrony/chrony.conf"),
            "pool ntp.ubuntu.com iburst maxsources 4\n",
        )
        .unwrap();
        let fs = RootFs::new(dir.path());
        let debian = ntp(&fs, true).fix.unwrap_or_default();
        assert!(
            debian.contains("/etc/chrony/chrony.conf")
                && debian.ends_with("systemctl restart chrony"),
            "{debian}"
        );
        std::fs::remove_dir_all(dir.path().join("etc/chrony")).unwrap();
        std::fs::write(
            dir.path().join("etc/chrony.conf"),
            "pool 2.rhel.pool.ntp.org iburst\n",
        )
        .unwrap();
        let rhel = ntp(&fs, true).fix.unwrap_or_default();
        assert!(
            rhel.contains("tee -a /etc/chrony.conf") && rhel.ends_with("systemctl restart chronyd"),
            "{rhel}"
        );
    }
}
