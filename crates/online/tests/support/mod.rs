//! Test peers for authdoctor-online: a moto server (a real AWS API emulator from PyPI,
//! installed in the workspace's `.venv` from `ci/requirements.txt`) and a tiny loopback
//! HTTP responder for answers moto cannot give. Everything listens on 127.0.0.1 only.
//! Also included by `crates/authdoctor/tests/online.rs` (`#[path]`), so it depends on
//! nothing beyond tokio and serde_json.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const MOTO_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const MOTO_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's Python, or a failing test that says how to install it.
pub fn venv_python() -> PathBuf {
    let python = workspace_root().join(".venv/bin/python");
    if !python.exists() {
        panic!(
            "test peer missing: {} does not exist. `bash .ci/run` creates it (by hand: \
             `python3 -m venv .venv && .venv/bin/pip install -r ci/requirements.txt` in the workspace root)",
            python.display()
        );
    }
    python
}

/// A Python command with a clean environment: no AWS variables or proxies from the host.
pub fn python_command() -> Command {
    let mut cmd = Command::new(venv_python());
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("NO_PROXY", "*")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

/// A moto server on 127.0.0.1, killed when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Moto {
    pub fn start() -> Moto {
        let mut last = String::new();
        // A free port can be taken between our probe and moto's bind; try a few.
        for _ in 0..3 {
            let port = free_port();
            let log = std::env::temp_dir().join(format!(
                "authdoctor-online-moto-{}-{port}.log",
                std::process::id()
            ));
            let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
            let err_file = log_file.try_clone().unwrap_or_else(|e| panic!("{e}"));
            let child = python_command()
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(log_file)
                .stderr(err_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start moto: {e}"));
            let mut moto = Moto { child, port, log };
            match moto.wait_ready(Duration::from_secs(30)) {
                Ok(()) => return moto,
                Err(why) => last = why,
            }
        }
        panic!("moto did not start: {last}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Bounded readiness poll: moto answers `GET /moto-api/` once it serves.
    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto exited with {status}: {}", self.log_tail()));
            }
            if http_get_status(self.port, "/moto-api/").is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("no answer within {limit:?}: {}", self.log_tail()))
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Runs `moto_setup.py` against this server; returns its JSON answer.
    pub fn setup(&self, enable_auth: bool) -> serde_json::Value {
        let script = workspace_root().join("crates/online/tests/moto_setup.py");
        let mut cmd = python_command();
        cmd.arg(script).arg(self.url());
        if enable_auth {
            cmd.arg("--enable-auth");
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run moto_setup.py: {e}"));
        assert!(
            out.status.success(),
            "moto_setup.py failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("moto_setup.py output: {e}"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// `GET path` on 127.0.0.1:port with short timeouts; the status code, if any answer.
fn http_get_status(port: u16, path: &str) -> Option<u16> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    s.set_write_timeout(Some(Duration::from_millis(500))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head).ok()?;
    let text = std::str::from_utf8(&head[..n]).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// One request as the local responder saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub request_line: String,
    /// Header names lower-cased, values as sent, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback responder that answers every connection with the same canned bytes
/// (`None`: accept, read the request, never answer). Captured requests come back
/// through the returned channel.
pub async fn responder(
    answer: Option<Vec<u8>>,
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<Captured>) {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Some(captured) = read_request(&mut stream).await else {
                    return;
                };
                let _ = tx.send(captured);
                match answer {
                    Some(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        let _ = stream.shutdown().await;
                    }
                    None => {
                        // Hold the connection open and silent.
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    (port, rx)
}

pub async fn read_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<Captured> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Captured {
        request_line,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// An HTTP/1.1 answer with a `Date` header and `Connection: close`.
pub fn http_answer(status: &str, date: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nDate: {date}\r\nContent-Type: text/xml\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
