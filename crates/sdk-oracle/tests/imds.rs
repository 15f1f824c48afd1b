//! The Rust SDK (`aws-config` default credential chain) against every fault of the IMDS
//! emulator: the Rust column of credential-chains.md §5. The oracle binary runs with an
//! empty environment, a temporary HOME, empty AWS config files and a loopback endpoint.
//!
//! Run: `cargo test -p authdoctor-sdk-oracle -- --nocapture` (not part of a plain
//! `cargo test`: aws-config takes minutes to build).

use std::net::IpAddr;
use std::process::Command;
use std::time::Duration;

use authdoctor_imds::{
    CANARY_ACCESS_KEY_ID, CANARY_SECRET_ACCESS_KEY, CANARY_SECRETS, CANARY_SESSION_TOKEN, Emulator,
    EmulatorConfig, Fault, HttpTokens, RunningEmulator, Stats,
};
use serde_json::Value;

fn assert_loopback_endpoint(url: &str) {
    let rest = url.strip_prefix("http://").expect("http:// endpoint");
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.rsplit_once(':').map_or(rest, |(h, _)| h),
    };
    let ip: IpAddr = host.parse().expect("IP literal endpoint");
    assert!(ip.is_loopback(), "refusing non-loopback endpoint {url}");
}

struct Run {
    out: Value,
    stats: Stats,
    paths: Vec<String>,
}

impl Run {
    fn ok(&self) -> bool {
        self.out["ok"] == true
    }
    fn error(&self) -> &str {
        self.out["error"].as_str().unwrap_or("")
    }
    fn assert_canary(&self) {
        assert!(self.ok(), "expected credentials: {}", self.out);
        assert_eq!(self.out["access_key_id"], CANARY_ACCESS_KEY_ID);
        assert_eq!(self.out["secret_matches"], true);
        assert_eq!(self.out["token_matches"], true);
    }
    fn assert_fails_with(&self, needle: &str) {
        assert!(!self.ok(), "expected no credentials: {}", self.out);
        assert!(
            self.error().contains(needle),
            "`{needle}` not in: {}",
            self.error()
        );
    }
}

fn oracle(imds: &RunningEmulator, label: &str) -> Run {
    let endpoint = imds.base_url();
    assert_loopback_endpoint(&endpoint);
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sdk-oracle"))
        .arg("imds")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)
        .env("EXPECT_SECRET", CANARY_SECRET_ACCESS_KEY)
        .env("EXPECT_TOKEN", CANARY_SESSION_TOKEN)
        .output()
        .expect("oracle runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for secret in CANARY_SECRETS {
        assert!(!stdout.contains(secret), "{label}: secret on stdout");
    }
    let out: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{label}: {e}: {stdout}"));
    let run = Run {
        out,
        stats: imds.stats(),
        paths: imds
            .requests()
            .into_iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect(),
    };
    eprintln!(
        "CELL {label:<40} {:<8} {:>6} ms  {}",
        if run.ok() { "creds" } else { "no-creds" },
        run.out["elapsed_ms"],
        run.error()
    );
    run
}

fn emulator(faults: &[Fault], tokens: HttpTokens) -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        faults: faults.to_vec(),
        http_tokens: tokens,
        ..EmulatorConfig::default()
    })
    .unwrap()
}

use HttpTokens::{Optional, Required};

#[test]
fn rust_healthy_uses_imdsv2() {
    let imds = emulator(&[], Required);
    let run = oracle(&imds, "rust/healthy");
    run.assert_canary();
    assert_eq!(run.stats.v1_requests, 0, "IMDSv2 only");
    // The default chain first resolves a region (its region chain ends with IMDS
    // `placement/region`), with an IMDS client of its own: two tokens in all.
    assert!(
        run.paths
            .contains(&"GET /latest/meta-data/placement/region".to_owned()),
        "{:?}",
        run.paths
    );
    assert_eq!(run.stats.tokens_issued, 2, "{:?}", run.paths);
}

#[test]
fn rust_ipv6_loopback() {
    let imds = Emulator::start(EmulatorConfig {
        listen: vec!["[::1]:0".parse().unwrap()],
        ..EmulatorConfig::default()
    })
    .unwrap();
    oracle(&imds, "rust/healthy-ipv6").assert_canary();
}

#[test]
fn rust_never_falls_back_to_v1() {
    for (fault, needle) in [
        (
            Fault::V1Only,
            "failed to load IMDS session token: service error: request forbidden: IMDS is disabled or the caller has insufficient permissions.",
        ),
        (
            Fault::V1Only404,
            "failed to load IMDS session token: service error: invalid token",
        ),
        (
            Fault::V1Only405,
            "failed to load IMDS session token: service error: token response did not contain a TTL header",
        ),
    ] {
        let imds = emulator(&[fault], Optional);
        let run = oracle(&imds, &format!("rust/{fault}"));
        run.assert_fails_with(needle);
        assert_eq!(run.stats.v1_requests, 0, "{fault}: IMDSv2 only");
    }
}

#[test]
fn rust_token_400() {
    let imds = emulator(&[Fault::Token400], Optional);
    let run = oracle(&imds, "rust/token-400");
    run.assert_fails_with("invalid request parameters. This indicates an SDK bug.");
    assert_eq!(run.stats.v1_requests, 0);
}

#[test]
fn rust_hop_limit_fails_even_when_v1_is_allowed() {
    for tokens in [Optional, Required] {
        let imds = emulator(&[Fault::HopLimit], tokens);
        let run = oracle(&imds, &format!("rust/hop-limit+{tokens:?}"));
        run.assert_fails_with("could not communicate with IMDS: dispatch failure: timeout: HTTP read timeout occurred after 1s");
        assert_eq!(run.stats.v1_requests, 0);
    }
}

#[test]
fn rust_no_role() {
    let imds = emulator(&[Fault::NoRole], Required);
    let run = oracle(&imds, "rust/no-role");
    run.assert_fails_with(
        "Ec2InstanceMetadata: the credential provider was not enabled: received 404 from IMDS",
    );
}

#[test]
fn rust_trust_broken() {
    let imds = emulator(&[Fault::TrustBroken], Required);
    let run = oracle(&imds, "rust/trust-broken");
    run.assert_fails_with("AssumeRoleUnauthorizedAccess");
}

#[test]
fn rust_expired_credentials() {
    let imds = emulator(&[Fault::ExpiredCredentials], Required);
    let run = oracle(&imds, "rust/expired-credentials");
    // Static stability: the expired credentials are kept, expiry moved 10-15 min ahead.
    run.assert_canary();
    let ahead = run.out["expiry_in_secs"].as_i64().unwrap();
    assert!((9 * 60..=16 * 60).contains(&ahead), "{ahead}");
}

#[test]
fn rust_throttle_disabled_garbage_proxy() {
    for (fault, needle) in [
        // 429 is not retried; without a TTL header the answer is not a token.
        (
            Fault::Throttle,
            "token response did not contain a TTL header",
        ),
        (
            Fault::Disabled,
            "request forbidden: IMDS is disabled or the caller has insufficient permissions.",
        ),
        (
            Fault::Garbage,
            "unexpected credentials error: invalid JSON in response",
        ),
        (
            Fault::Proxy,
            "request forbidden: IMDS is disabled or the caller has insufficient permissions.",
        ),
        (
            Fault::Proxy407,
            "failed to load IMDS session token: service error: invalid token",
        ),
        // 5xx is retried (4 attempts with backoff) before giving up.
        (
            Fault::Proxy502,
            "failed to load IMDS session token: service error: invalid token",
        ),
    ] {
        let imds = emulator(&[fault], Required);
        let run = oracle(&imds, &format!("rust/{fault}"));
        run.assert_fails_with(needle);
        if fault == Fault::Proxy502 {
            assert!(run.stats.requests >= 2, "retried: {:?}", run.stats);
        }
    }
}

#[test]
fn rust_unreachable() {
    for (fault, needle) in [
        (Fault::Blackhole, "HTTP read timeout occurred after 1s"),
        (Fault::Refused, "tcp connect error: Connection refused"),
    ] {
        let imds = emulator(&[fault], Required);
        let run = oracle(&imds, &format!("rust/{fault}"));
        run.assert_fails_with(needle);
    }
}

#[test]
fn rust_slow() {
    let imds = emulator(&[Fault::Slow], Required);
    let run = oracle(&imds, "rust/slow-2s");
    run.assert_fails_with("HTTP read timeout occurred after 1s");
    let imds = Emulator::start(EmulatorConfig {
        faults: vec![Fault::Slow],
        slow_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    })
    .unwrap();
    oracle(&imds, "rust/slow-300ms").assert_canary();
}
