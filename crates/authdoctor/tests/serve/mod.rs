//! A running `authdoctor serve` for tests, and a raw HTTP/1.1 client that can send
//! any `Host`, `Origin` or body (browsers and HTTP libraries would correct them).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Served {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
    pub stderr: Option<std::process::ChildStderr>,
}

impl Served {
    pub fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authdoctor"))
            .env_clear()
            .env("NO_COLOR", "1")
            .env("AUTHDOCTOR_TEST_GUARD", "1")
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start authdoctor serve: {e}"));
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")))
            .read_line(&mut first)
            .unwrap_or_else(|e| panic!("{e}"));
        let url = first.trim().to_owned();
        let addr: SocketAddr = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("first line is not a URL: {first:?}"))
            .parse()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let stderr = child.stderr.take();
        Served {
            child,
            url,
            addr,
            stderr,
        }
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// A request with the right `Host`.
    pub fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[("Host", &self.host())], b"")
    }

    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        self.send(
            "POST",
            path,
            &[("Host", &self.host()), ("Content-Type", content_type)],
            body,
        )
    }

    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        raw_request(self.addr, method, path, headers, body)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream
        .write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    // The server may answer (413) before the whole body is sent: ignore write errors.
    let _ = stream.write_all(body);
    read_reply(stream)
}

pub fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The CLI's output for the same input.
pub fn cli(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_authdoctor"))
        .env_clear()
        .env("NO_COLOR", "1")
        .env("AUTHDOCTOR_TEST_GUARD", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("{e}"))
}
