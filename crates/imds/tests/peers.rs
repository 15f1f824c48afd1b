//! Real clients against the emulator: botocore (the Python SDK and AWS CLI core, from
//! `.venv`) and the JavaScript SDK v3 (`fromInstanceMetadata`, from `node_modules`), one
//! test per fault × client cell of credential-chains.md §5.
//!
//! Each peer runs with an empty environment except `PATH`, a temporary `HOME`, empty
//! `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` and a loopback
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` ([`run_peer`] refuses anything else), so no real
//! credential, proxy or metadata service can take part. A missing peer fails the test.
//!
//! Run: `cargo test -p authdoctor-imds --test peers -- --nocapture` (prints each cell's
//! outcome and the time the client took).

use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authdoctor_imds::{
    CANARY_ACCESS_KEY_ID, CANARY_SECRET_ACCESS_KEY, CANARY_SECRETS, CANARY_SESSION_TOKEN, Emulator,
    EmulatorConfig, Fault, HttpTokens, RunningEmulator, Stats,
};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Botocore,
    Js,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// Panics unless `url` is `http://<loopback ip>:<port>`: a peer must never be pointed at a
/// real metadata service or any other host.
fn assert_loopback_endpoint(url: &str) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("refusing peer endpoint `{url}`: not http://"));
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.rsplit_once(':').map_or(rest, |(h, _)| h),
    };
    let ip: IpAddr = host
        .parse()
        .unwrap_or_else(|_| panic!("refusing peer endpoint `{url}`: host is not an IP literal"));
    assert!(
        ip.is_loopback(),
        "refusing peer endpoint `{url}`: not loopback"
    );
}

/// One peer run: what the client printed, plus what the emulator saw.
#[derive(Debug)]
struct Run {
    out: Value,
    stats: Stats,
}

impl Run {
    fn ok(&self) -> bool {
        self.out["ok"] == true
    }

    fn elapsed_ms(&self) -> u64 {
        self.out["elapsed_ms"].as_u64().unwrap_or(0)
    }

    fn error(&self) -> &str {
        self.out["error"].as_str().unwrap_or("")
    }

    /// Got exactly the canary credentials.
    fn assert_canary(&self) {
        assert!(self.ok(), "expected credentials: {self:#?}");
        assert_eq!(self.out["access_key_id"], CANARY_ACCESS_KEY_ID, "{self:#?}");
        assert_eq!(self.out["secret_matches"], true, "{self:#?}");
        assert_eq!(self.out["token_matches"], true, "{self:#?}");
    }

    fn assert_no_credentials(&self) {
        assert!(!self.ok(), "expected no credentials: {self:#?}");
    }
}

fn run_peer(peer: Peer, imds: &RunningEmulator, label: &str) -> Run {
    run_peer_at(peer, &imds.base_url(), imds, label)
}

fn run_peer_at(peer: Peer, endpoint: &str, imds: &RunningEmulator, label: &str) -> Run {
    assert_loopback_endpoint(endpoint);
    let root = workspace_root();
    let (program, script) = match peer {
        Peer::Botocore => {
            let python = root.join(".venv/bin/python");
            assert!(
                python.exists(),
                "botocore peer missing: {} not found; `bash .ci/run` creates it (by hand: `python3 -m venv .venv && \
         .venv/bin/pip install -r ci/requirements.txt` in the workspace root)",
                python.display()
            );
            (python, peers_dir().join("botocore_imds.py"))
        }
        Peer::Js => {
            let module = root.join("node_modules/@aws-sdk/credential-providers/package.json");
            assert!(
                module.exists(),
                "JavaScript peer missing: {} not found; `bash .ci/run` installs it (by hand: `npm ci` in the workspace root)",
                module.display()
            );
            (PathBuf::from("node"), peers_dir().join("js_imds.mjs"))
        }
    };
    let home = tempfile::tempdir().expect("temp HOME");
    let config = home.path().join("config");
    let credentials = home.path().join("credentials");
    std::fs::write(&config, "").expect("empty config file");
    std::fs::write(&credentials, "").expect("empty credentials file");
    let mut command = Command::new(&program);
    command
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
        .env("EXPECT_SECRET", CANARY_SECRET_ACCESS_KEY)
        .env("EXPECT_TOKEN", CANARY_SESSION_TOKEN)
        .current_dir(home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait on peer").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{label}: peer ran longer than 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .map(|mut s| s.read_to_string(&mut stdout));
    child
        .stderr
        .take()
        .map(|mut s| s.read_to_string(&mut stderr));
    let line = stdout.lines().last().unwrap_or("");
    let out: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{label}: peer printed no JSON ({e}):\n{stdout}\n{stderr}"));
    // The peers report booleans, never the secrets themselves.
    for secret in CANARY_SECRETS {
        assert!(
            !stdout.contains(secret),
            "{label}: a secret reached the peer's stdout"
        );
    }
    let run = Run {
        out,
        stats: imds.stats(),
    };
    eprintln!(
        "CELL {label:<40} {:<8} {:>6} ms  {}",
        if run.ok() { "creds" } else { "no-creds" },
        run.elapsed_ms(),
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
    .expect("emulator starts")
}

use HttpTokens::{Optional, Required};

// ================================================================== botocore

#[test]
fn guard_refuses_non_loopback_endpoints() {
    for url in [
        "http://169.254.169.254",
        "http://[fd00:ec2::254]:80",
        "http://example.com:80",
        "https://127.0.0.1:1",
    ] {
        let result = std::panic::catch_unwind(|| assert_loopback_endpoint(url));
        assert!(result.is_err(), "{url} accepted");
    }
    assert_loopback_endpoint("http://127.0.0.1:8080");
    assert_loopback_endpoint("http://[::1]:8080");
}

#[test]
fn botocore_healthy_uses_imdsv2() {
    let imds = emulator(&[], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/healthy");
    run.assert_canary();
    assert_eq!(run.out["method"], "iam-role");
    assert_eq!(run.stats.tokens_issued, 1);
    assert_eq!(run.stats.v1_requests, 0, "no IMDSv1 call: {:?}", run.stats);
    assert_eq!(
        run.stats.v2_requests, 2,
        "role name + credentials: {:?}",
        run.stats
    );
}

#[test]
fn botocore_healthy_over_ipv6_loopback() {
    let imds = Emulator::start(EmulatorConfig {
        listen: vec!["[::1]:0".parse().unwrap()],
        ..EmulatorConfig::default()
    })
    .expect("emulator on [::1]");
    let run = run_peer(Peer::Botocore, &imds, "botocore/healthy-ipv6");
    run.assert_canary();
    assert_eq!(run.stats.tokens_issued, 1);
}

#[test]
fn botocore_v2_required_is_served_with_a_token() {
    let imds = emulator(&[Fault::V2Required], Optional);
    let run = run_peer(Peer::Botocore, &imds, "botocore/v2-required");
    run.assert_canary();
    assert_eq!((run.stats.tokens_issued, run.stats.v1_requests), (1, 0));
}

#[test]
fn botocore_v1_only_falls_back_to_v1() {
    for fault in [Fault::V1Only, Fault::V1Only404, Fault::V1Only405] {
        let imds = emulator(&[fault], Required);
        let run = run_peer(Peer::Botocore, &imds, &format!("botocore/{fault}"));
        run.assert_canary();
        assert_eq!(run.stats.tokens_issued, 0);
        assert_eq!(run.stats.v1_served, 2, "{fault}: {:?}", run.stats);
    }
}

#[test]
fn botocore_token_400_gives_up() {
    let imds = emulator(&[Fault::Token400], Optional);
    let run = run_peer(Peer::Botocore, &imds, "botocore/token-400");
    run.assert_no_credentials();
    // BadIMDSRequestError: no IMDSv1 attempt even though v1 would have worked.
    assert_eq!(run.stats.token_puts, 1);
    assert_eq!(run.stats.v1_requests, 0, "{:?}", run.stats);
}

#[test]
fn botocore_hop_limit_optional_succeeds_via_v1_after_the_timeout() {
    let imds = emulator(&[Fault::HopLimit], Optional);
    let run = run_peer(Peer::Botocore, &imds, "botocore/hop-limit+optional");
    run.assert_canary();
    assert_eq!((run.stats.token_puts, run.stats.unanswered), (1, 1));
    assert_eq!(run.stats.v1_served, 2, "{:?}", run.stats);
    // The fallback only happens after the 1 s read timeout on the PUT.
    assert!(run.elapsed_ms() >= 900, "{}", run.elapsed_ms());
}

#[test]
fn botocore_hop_limit_required_has_no_credentials() {
    let imds = emulator(&[Fault::HopLimit], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/hop-limit+required");
    run.assert_no_credentials();
    assert!(
        run.stats.v1_rejected >= 1,
        "v1 GET got 401: {:?}",
        run.stats
    );
}

#[test]
fn botocore_no_role() {
    let imds = emulator(&[Fault::NoRole], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/no-role");
    run.assert_no_credentials();
    assert!(run.stats.status(404) >= 1);
}

#[test]
fn botocore_trust_broken() {
    let imds = emulator(&[Fault::TrustBroken], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/trust-broken");
    run.assert_no_credentials();
    assert_eq!(run.stats.credential_fetches, 1);
}

#[test]
fn botocore_expired_credentials_are_extended() {
    let imds = emulator(&[Fault::ExpiredCredentials], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/expired-credentials");
    // Static stability: botocore keeps the expired credentials and moves their expiry
    // 15 min + 2-10 min jitter into the future instead of failing.
    run.assert_canary();
    let expiry: jiff::Timestamp = run.out["expiry"].as_str().unwrap().parse().unwrap();
    let ahead = expiry.as_second() - jiff::Timestamp::now().as_second();
    assert!(
        (14 * 60..=26 * 60).contains(&ahead),
        "expiry moved {ahead} s ahead"
    );
}

#[test]
fn botocore_throttle() {
    let imds = emulator(&[Fault::Throttle], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/throttle");
    run.assert_no_credentials();
    // Token PUT 429 → no token → IMDSv1 GET 429 → attempts exhausted.
    assert_eq!(run.stats.status(429), 2, "{:?}", run.stats);
    assert_eq!(run.stats.v1_requests, 1);
}

#[test]
fn botocore_disabled() {
    let imds = emulator(&[Fault::Disabled], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/disabled");
    run.assert_no_credentials();
    assert_eq!(
        run.stats.status(403),
        2,
        "PUT 403 then v1 GET 403: {:?}",
        run.stats
    );
}

#[test]
fn botocore_blackhole() {
    let imds = emulator(&[Fault::Blackhole], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/blackhole");
    run.assert_no_credentials();
    assert_eq!(
        run.stats.blackholed_connections, 2,
        "token PUT + one GET: {:?}",
        run.stats
    );
}

#[test]
fn botocore_refused() {
    let imds = emulator(&[Fault::Refused], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/refused");
    run.assert_no_credentials();
    assert_eq!(run.stats.connections, 0);
}

#[test]
fn botocore_slow_beyond_the_timeout() {
    let imds = emulator(&[Fault::Slow], Optional);
    let run = run_peer(Peer::Botocore, &imds, "botocore/slow-2s");
    run.assert_no_credentials();
    assert!(run.elapsed_ms() >= 1900, "{}", run.elapsed_ms());
}

#[test]
fn botocore_slow_within_the_timeout() {
    let imds = Emulator::start(EmulatorConfig {
        faults: vec![Fault::Slow],
        slow_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    })
    .unwrap();
    let run = run_peer(Peer::Botocore, &imds, "botocore/slow-300ms");
    run.assert_canary();
}

#[test]
fn botocore_garbage() {
    let imds = emulator(&[Fault::Garbage], Required);
    let run = run_peer(Peer::Botocore, &imds, "botocore/garbage");
    run.assert_no_credentials();
}

#[test]
fn botocore_proxy() {
    for fault in [Fault::Proxy, Fault::Proxy407, Fault::Proxy502] {
        let imds = emulator(&[fault], Required);
        let run = run_peer(Peer::Botocore, &imds, &format!("botocore/{fault}"));
        run.assert_no_credentials();
        assert_eq!(run.stats.tokens_issued, 0);
    }
}

// ================================================================== JavaScript v3

#[test]
fn js_healthy_uses_imdsv2() {
    let imds = emulator(&[], Required);
    let run = run_peer(Peer::Js, &imds, "js/healthy");
    run.assert_canary();
    assert_eq!(run.stats.tokens_issued, 1);
    assert_eq!(run.stats.v1_requests, 0, "{:?}", run.stats);
    assert_eq!(run.stats.v2_requests, 2);
}

#[test]
fn js_healthy_over_ipv6_loopback() {
    let imds = Emulator::start(EmulatorConfig {
        listen: vec!["[::1]:0".parse().unwrap()],
        ..EmulatorConfig::default()
    })
    .expect("emulator on [::1]");
    let run = run_peer(Peer::Js, &imds, "js/healthy-ipv6");
    run.assert_canary();
}

#[test]
fn js_v2_required_is_served_with_a_token() {
    let imds = emulator(&[Fault::V2Required], Optional);
    let run = run_peer(Peer::Js, &imds, "js/v2-required");
    run.assert_canary();
    assert_eq!((run.stats.tokens_issued, run.stats.v1_requests), (1, 0));
}

#[test]
fn js_v1_only_falls_back_to_v1() {
    for fault in [Fault::V1Only, Fault::V1Only404, Fault::V1Only405] {
        let imds = emulator(&[fault], Required);
        let run = run_peer(Peer::Js, &imds, &format!("js/{fault}"));
        run.assert_canary();
        assert_eq!(run.stats.tokens_issued, 0);
        assert_eq!(run.stats.v1_served, 2, "{fault}: {:?}", run.stats);
    }
}

#[test]
fn js_token_400_is_an_error() {
    let imds = emulator(&[Fault::Token400], Optional);
    let run = run_peer(Peer::Js, &imds, "js/token-400");
    run.assert_no_credentials();
    assert_eq!(run.error(), "EC2 Metadata token request returned error");
    assert_eq!(run.stats.v1_requests, 0);
}

#[test]
fn js_hop_limit_optional_succeeds_via_v1_after_the_timeout() {
    let imds = emulator(&[Fault::HopLimit], Optional);
    let run = run_peer(Peer::Js, &imds, "js/hop-limit+optional");
    run.assert_canary();
    assert_eq!(run.stats.unanswered, 1);
    assert_eq!(run.stats.v1_served, 2, "{:?}", run.stats);
    assert!(run.elapsed_ms() >= 900, "{}", run.elapsed_ms());
}

#[test]
fn js_hop_limit_required_fails_with_401() {
    let imds = emulator(&[Fault::HopLimit], Required);
    let run = run_peer(Peer::Js, &imds, "js/hop-limit+required");
    run.assert_no_credentials();
    assert_eq!(run.out["status_code"], 401, "{run:#?}");
    assert_eq!(
        run.error(),
        "Error response received from instance metadata service"
    );
}

#[test]
fn js_no_role_fails_with_404() {
    let imds = emulator(&[Fault::NoRole], Required);
    let run = run_peer(Peer::Js, &imds, "js/no-role");
    run.assert_no_credentials();
    assert_eq!(run.out["status_code"], 404, "{run:#?}");
    assert_eq!(run.out["try_next_link"], true, "a chain moves on: {run:#?}");
}

#[test]
fn js_trust_broken_is_an_invalid_response() {
    let imds = emulator(&[Fault::TrustBroken], Required);
    let run = run_peer(Peer::Js, &imds, "js/trust-broken");
    run.assert_no_credentials();
    assert_eq!(
        run.error(),
        "Invalid response received from instance metadata service."
    );
}

#[test]
fn js_expired_credentials_are_extended_with_a_warning() {
    let imds = emulator(&[Fault::ExpiredCredentials], Required);
    let run = run_peer(Peer::Js, &imds, "js/expired-credentials");
    run.assert_canary();
    let warnings = run.out["warnings"].to_string();
    assert!(
        warnings.contains("Attempting credential expiration extension"),
        "{warnings}"
    );
    let expiration: jiff::Timestamp = run.out["expiration"].as_str().unwrap().parse().unwrap();
    let ahead = expiration.as_second() - jiff::Timestamp::now().as_second();
    assert!((4 * 60..=11 * 60).contains(&ahead), "extended {ahead} s");
}

#[test]
fn js_throttle_falls_back_then_fails_with_429() {
    let imds = emulator(&[Fault::Throttle], Required);
    let run = run_peer(Peer::Js, &imds, "js/throttle");
    run.assert_no_credentials();
    assert_eq!(run.out["status_code"], 429, "{run:#?}");
    assert_eq!(run.stats.v1_requests, 1, "v1 fallback after the 429 PUT");
}

#[test]
fn js_disabled_fails_with_403() {
    let imds = emulator(&[Fault::Disabled], Required);
    let run = run_peer(Peer::Js, &imds, "js/disabled");
    run.assert_no_credentials();
    assert_eq!(run.out["status_code"], 403, "{run:#?}");
    assert_eq!(run.stats.status(403), 2);
}

#[test]
fn js_blackhole_times_out() {
    let imds = emulator(&[Fault::Blackhole], Required);
    let run = run_peer(Peer::Js, &imds, "js/blackhole");
    run.assert_no_credentials();
    assert_eq!(run.error(), "TimeoutError from instance metadata service");
    assert_eq!(run.stats.blackholed_connections, 2, "token PUT + v1 GET");
}

#[test]
fn js_refused() {
    let imds = emulator(&[Fault::Refused], Required);
    let run = run_peer(Peer::Js, &imds, "js/refused");
    run.assert_no_credentials();
    assert_eq!(
        run.error(),
        "Unable to connect to instance metadata service"
    );
}

#[test]
fn js_slow_beyond_the_timeout() {
    let imds = emulator(&[Fault::Slow], Required);
    let run = run_peer(Peer::Js, &imds, "js/slow-2s");
    run.assert_no_credentials();
    assert_eq!(run.error(), "TimeoutError from instance metadata service");
}

#[test]
fn js_garbage_escapes_as_a_syntax_error() {
    let imds = emulator(&[Fault::Garbage], Required);
    let run = run_peer(Peer::Js, &imds, "js/garbage");
    run.assert_no_credentials();
    assert_eq!(run.out["error_name"], "SyntaxError", "{run:#?}");
    // Not a ProviderError: no `tryNextLink`, so it escapes a provider chain.
    assert!(run.out["try_next_link"].is_null(), "{run:#?}");
}

#[test]
fn js_proxy() {
    for (fault, status) in [
        (Fault::Proxy, 403),
        (Fault::Proxy407, 407),
        (Fault::Proxy502, 502),
    ] {
        let imds = emulator(&[fault], Required);
        let run = run_peer(Peer::Js, &imds, &format!("js/{fault}"));
        run.assert_no_credentials();
        assert_eq!(run.out["status_code"], status, "{fault}: {run:#?}");
    }
}
