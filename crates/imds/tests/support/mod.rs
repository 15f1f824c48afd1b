//! Test helpers: a raw HTTP/1.1 client that shows exactly what went over the wire
//! (status line, headers with their case and order, body), with deadlines and a size cap.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One raw answer.
#[derive(Debug)]
pub struct Reply {
    pub status_line: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

const MAX_REPLY: u64 = 1 << 20;

/// Sends `raw` bytes and reads the whole answer (the emulator closes every connection).
pub fn send_raw(addr: SocketAddr, raw: &[u8], timeout: Duration) -> io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(raw)?;
    let mut bytes = Vec::new();
    (&mut stream).take(MAX_REPLY).read_to_end(&mut bytes)?;
    parse(&bytes).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unparseable reply: {:?}", String::from_utf8_lossy(&bytes)),
        )
    })
}

fn parse(bytes: &[u8]) -> Option<Reply> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?.to_owned();
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap_or((l, ""));
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    Some(Reply {
        status_line,
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    })
}

/// A request with the given method, path and extra headers (`Host` is added).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> io::Result<Reply> {
    request_with_timeout(addr, method, path, headers, Duration::from_secs(5))
}

pub fn request_with_timeout(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> io::Result<Reply> {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: 169.254.169.254\r\n");
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "PUT" || method == "POST" {
        raw.push_str("Content-Length: 0\r\n");
    }
    raw.push_str("\r\n");
    send_raw(addr, raw.as_bytes(), timeout)
}

pub fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = token
        .map(|t| vec![("X-aws-ec2-metadata-token", t)])
        .unwrap_or_default();
    request(addr, "GET", path, &headers).expect("GET answered")
}

/// Asks for a token with the given TTL header value.
pub fn put_token(addr: SocketAddr, ttl: &str) -> Reply {
    request(
        addr,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", ttl)],
    )
    .expect("PUT answered")
}

/// A fresh 6-hour token.
pub fn token(addr: SocketAddr) -> String {
    let reply = put_token(addr, "21600");
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.text()
}
