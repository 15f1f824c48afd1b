//! `authdoctor emulate imds` as a process: the stdout contract (base URL first, flushed),
//! clean exit on SIGTERM/SIGINT, exit 2 with one line for bad input, `--help` listing every
//! fault, and a real client (botocore) getting credentials from the binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authdoctor_imds::{CANARY_SECRETS, Fault};

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("authdoctor"))
}

/// A running `authdoctor emulate imds`, stopped (SIGKILL) on drop if still alive.
struct Served {
    child: Child,
    urls: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn addr(&self, i: usize) -> SocketAddr {
        self.urls[i]
            .strip_prefix("http://")
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Sends `signal` and returns (exit code, stdout rest, stderr).
    fn stop(mut self, signal: &str) -> (Option<i32>, String, String) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(
                Instant::now() < deadline,
                "emulator did not stop on SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        let mut err = String::new();
        self.child
            .stdout
            .take()
            .map(|mut s| s.read_to_string(&mut out));
        self.child
            .stderr
            .take()
            .map(|mut s| s.read_to_string(&mut err));
        (code, out, err)
    }
}

/// Starts the emulator and reads `lines` base URLs from stdout (10 s deadline).
fn serve(args: &[&str], lines: usize) -> Served {
    let mut child = bin()
        .args(["emulate", "imds"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authdoctor starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut urls = Vec::new();
        for _ in 0..lines {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            urls.push(line.trim_end().to_owned());
        }
        let _ = tx.send((urls, reader.into_inner()));
    });
    let (urls, stdout) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("base URL printed within 10 s");
    child.stdout = Some(stdout);
    assert_eq!(urls.len(), lines, "{urls:?}");
    Served { child, urls }
}

fn http(addr: SocketAddr, raw: &str, timeout: Duration) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(raw.as_bytes())?;
    let mut reply = String::new();
    stream.take(1 << 20).read_to_string(&mut reply)?;
    Ok(reply)
}

fn put_token(addr: SocketAddr, timeout: Duration) -> std::io::Result<String> {
    http(
        addr,
        "PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 0\r\n\r\n",
        timeout,
    )
}

fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> String {
    let header = token
        .map(|t| format!("X-aws-ec2-metadata-token: {t}\r\n"))
        .unwrap_or_default();
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{header}\r\n"),
        Duration::from_secs(5),
    )
    .expect("GET answered")
}

/// `HH:MM:SS` of an HTTP date (`Mon, 23 Nov 2026 09:01:39 GMT`) as seconds of the day.
fn seconds_of_day(date: &str) -> i64 {
    let time = date.split(' ').nth(4).expect("time in Date");
    time.split(':')
        .map(|p| p.parse::<i64>().expect("numeric time"))
        .fold(0, |acc, v| acc * 60 + v)
}

fn seconds_of_day_now() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (now % 86_400) as i64
}

fn body(reply: &str) -> &str {
    reply.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[test]
fn prints_the_base_url_first_serves_and_stops_cleanly_on_sigterm() {
    let served = serve(&[], 1);
    assert!(
        served.urls[0].starts_with("http://127.0.0.1:"),
        "{:?}",
        served.urls
    );
    let addr = served.addr(0);
    let reply = put_token(addr, Duration::from_secs(5)).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    let token = body(&reply).to_owned();
    assert_eq!(token.len(), 56);
    let creds = get(
        addr,
        "/latest/meta-data/iam/security-credentials/authdoctor-emulated-role",
        Some(&token),
    );
    assert!(creds.contains("\"Code\" : \"Success\""), "{creds}");
    let (code, rest, stderr) = served.stop("TERM");
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert_eq!(rest, "", "nothing after the URL on stdout");
    assert!(stderr.contains("PUT /latest/api/token -> 200"), "{stderr}");
    // The request log never shows a credential or the session token.
    for secret in CANARY_SECRETS {
        assert!(!stderr.contains(secret), "secret in stderr: {stderr}");
    }
    assert!(!stderr.contains(&token), "IMDS token in stderr");
}

#[test]
fn sigint_also_stops_with_exit_0() {
    let served = serve(&["--quiet"], 1);
    let (code, _, stderr) = served.stop("INT");
    assert_eq!(code, Some(0));
    assert_eq!(stderr, "", "--quiet logs nothing");
}

#[test]
fn two_listeners_hop_limit_and_clock_offset() {
    let served = serve(
        &[
            "--listen",
            "127.0.0.1:0",
            "--listen",
            "[::1]:0",
            "--fault",
            "hop-limit",
            "--http-tokens",
            "optional",
            "--clock-offset",
            "-10m",
        ],
        2,
    );
    assert!(
        served.urls[1].starts_with("http://[::1]:"),
        "{:?}",
        served.urls
    );
    for i in 0..2 {
        let addr = served.addr(i);
        let err = put_token(addr, Duration::from_millis(500)).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{err:?}"
        );
        let reply = get(addr, "/latest/meta-data/instance-id", None);
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        let date = reply
            .lines()
            .find_map(|l| l.strip_prefix("Date: "))
            .expect("Date header");
        let behind = (seconds_of_day_now() - seconds_of_day(date)).rem_euclid(86_400);
        assert!((598..=602).contains(&behind), "{behind} s behind ({date})");
    }
    let (code, _, stderr) = served.stop("TERM");
    assert_eq!(code, Some(0));
    assert!(stderr.contains("-> (no answer) [hop-limit]"), "{stderr}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["--listen", "0.0.0.0:0"], "loopback"),
        (&["--listen", "169.254.169.254:80"], "loopback"),
        (&["--listen", "nonsense"], "nonsense"),
        (&["--fault", "hop_limit"], "hop-limit"),
        (&["--http-tokens", "maybe"], "maybe"),
        (&["--clock-offset", "ten minutes"], "clock offset"),
        (&["--delay", "1h"], "delay"),
        (&["--role", "bad role"], "role"),
        (&["--instance-id", "x-123"], "instance-id"),
    ];
    for (args, needle) in cases {
        let output = bin()
            .args(["emulate", "imds"])
            .args(*args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: stdout not empty");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_every_fault_with_its_description_and_scenario() {
    let output = bin().args(["emulate", "imds", "--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for fault in Fault::ALL {
        assert!(
            help.contains(&format!("- {}:", fault.name())),
            "{fault} missing:\n{help}"
        );
    }
    // The scenario a fault reproduces comes from the scenario files (`emulated_by`).
    assert!(help.contains("[imds-hop-limit]"), "{help}");
    assert!(help.contains("[imds-proxy]"), "{help}");
    for flag in [
        "--listen",
        "--fault",
        "--http-tokens",
        "--clock-offset",
        "--delay",
        "--role",
        "--instance-id",
        "--region",
    ] {
        assert!(help.contains(flag), "{flag} missing");
    }
}

#[test]
fn refused_prints_a_url_nobody_answers_on() {
    let served = serve(&["--fault", "refused", "--quiet"], 1);
    let err = TcpStream::connect_timeout(&served.addr(0), Duration::from_secs(2)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let (code, _, _) = served.stop("TERM");
    assert_eq!(code, Some(0));
}

/// botocore, pointed at the binary, gets the canary credentials (the library tests cover
/// every fault; this proves the CLI serves real clients).
#[test]
fn botocore_gets_credentials_from_the_binary() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.exists(),
        "botocore peer missing: {} not found; `bash .ci/run` creates it (by hand: `python3 -m venv .venv && \
         .venv/bin/pip install -r ci/requirements.txt` in the workspace root)",
        python.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../imds/tests/peers/botocore_imds.py");
    let served = serve(&[], 1);
    let endpoint = served.urls[0].clone();
    let host: SocketAddr = endpoint.strip_prefix("http://").unwrap().parse().unwrap();
    assert!(
        host.ip().is_loopback(),
        "refusing non-loopback endpoint {endpoint}"
    );
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let output = Command::new(&python)
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)
        .env("EXPECT_SECRET", authdoctor_imds::CANARY_SECRET_ACCESS_KEY)
        .env("EXPECT_TOKEN", authdoctor_imds::CANARY_SESSION_TOKEN)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["secret_matches"], true);
    assert_eq!(
        result["access_key_id"],
        authdoctor_imds::CANARY_ACCESS_KEY_ID
    );
    let (code, _, stderr) = served.stop("TERM");
    assert_eq!(code, Some(0));
    assert!(stderr.contains("PUT /latest/api/token -> 200"), "{stderr}");
    for secret in CANARY_SECRETS {
        assert!(!stderr.contains(secret));
    }
}
