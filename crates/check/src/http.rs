//! A deliberately small HTTP/1.1 client for the metadata service: hyper 1's
//! `client::conn::http1` over a `tokio::net::TcpStream`.
//!
//! What it does not do, on purpose: no proxy (the environment's `HTTP_PROXY` is reported by
//! `env.proxy`, never used: the probes must reach IMDS itself), no redirects, no TLS, no
//! connection reuse (the real service closes every connection). Every phase — resolve,
//! connect, handshake, response head, body — runs under the request's deadline, and a body
//! is read up to [`BODY_CAP`] bytes at most.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

/// The most bytes of a response body the probes keep.
pub(crate) const BODY_CAP: usize = 64 * 1024;
/// The most bytes of one header value kept.
const HEADER_CAP: usize = 512;

/// Why an endpoint URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("`{0}` is not an http:// URL with a host (the metadata service speaks plain HTTP)")]
    NotHttp(String),
    #[error("`{0}` has an invalid port")]
    BadPort(String),
    #[error("`{0}` has no host")]
    NoHost(String),
}

/// A metadata (or AWS) endpoint: scheme, host, port and an optional path prefix that
/// request paths are appended to (as botocore does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    /// Without brackets for IPv6.
    host: String,
    port: u16,
    /// Empty or starting with `/`, never ending with `/`.
    base_path: String,
}

impl Endpoint {
    /// Parses an `http://` endpoint the way the SDKs validate
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`: a scheme and a host are required.
    pub fn parse(text: &str) -> Result<Endpoint, EndpointError> {
        let endpoint = Endpoint::parse_any_scheme(text)?;
        if endpoint.scheme != "http" {
            return Err(EndpointError::NotHttp(shown(text)));
        }
        Ok(endpoint)
    }

    /// Like [`Endpoint::parse`] but also accepts `https://` (AWS API endpoints).
    pub fn parse_any_scheme(text: &str) -> Result<Endpoint, EndpointError> {
        let trimmed = text.trim();
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| EndpointError::NotHttp(shown(text)))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(EndpointError::NotHttp(shown(text))),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            // Credentials in the URL: refuse rather than echo or send them.
            return Err(EndpointError::NotHttp(shown(text)));
        }
        let (host, port) = if let Some(after) = authority.strip_prefix('[') {
            let (host, tail) = after
                .split_once(']')
                .ok_or_else(|| EndpointError::NoHost(shown(text)))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(EndpointError::NoHost(shown(text)));
            }
            let port = match tail.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| EndpointError::BadPort(shown(text)))?,
                None if tail.is_empty() => default_port,
                None => return Err(EndpointError::BadPort(shown(text))),
            };
            (host.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (
                    host.to_owned(),
                    port.parse()
                        .map_err(|_| EndpointError::BadPort(shown(text)))?,
                ),
                None => (authority.to_owned(), default_port),
            }
        };
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        {
            return Err(EndpointError::NoHost(shown(text)));
        }
        if port == 0 {
            return Err(EndpointError::BadPort(shown(text)));
        }
        let path = path.split(['?', '#']).next().unwrap_or_default();
        Ok(Endpoint {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            base_path: path.trim_end_matches('/').to_owned(),
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the host is a loopback address or `localhost`.
    pub fn is_loopback(&self) -> bool {
        if self.host == "localhost" || self.host.ends_with(".localhost") {
            return true;
        }
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => v4.is_loopback(),
            Ok(IpAddr::V6(v6)) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Err(_) => false,
        }
    }

    /// `host[:port]` as sent in the `Host` header.
    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The URL as shown to users.
    pub fn display(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority(), self.base_path)
    }

    fn path(&self, path: &str) -> String {
        format!("{}{}", self.base_path, path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

fn shown(text: &str) -> String {
    authdoctor_redact::clean(text).chars().take(100).collect()
}

/// A response, its body capped.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    /// Lower-case names, values lossily decoded and capped.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than [`BODY_CAP`].
    pub truncated: bool,
    /// Local time when the response head arrived.
    pub received_at: jiff::Timestamp,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The host name did not resolve (or not in time).
    Resolve(String),
    /// Connection refused: nothing listens.
    Refused,
    /// The TCP connection did not complete before the deadline.
    ConnectTimeout,
    /// Another connect error (no route, network unreachable, …).
    Connect(String),
    /// Connected and sent the request, no response head before the deadline.
    NoResponse,
    /// The response head came, the body did not finish before the deadline.
    BodyTimeout,
    /// Something answered, but not with HTTP (a parse error on the answer's first bytes):
    /// another service listens there.
    Malformed(String),
    /// The peer closed the connection before a whole answer arrived.
    Closed,
    /// Another error of the HTTP exchange (a reset, a request that could not be built).
    Protocol(String),
}

impl Failure {
    /// Short words for evidence (`timeout`, `refused`, …).
    pub fn outcome(&self) -> &'static str {
        match self {
            Failure::Resolve(_) => "resolve-error",
            Failure::Refused => "refused",
            Failure::ConnectTimeout => "connect-timeout",
            Failure::Connect(_) => "connect-error",
            Failure::NoResponse => "timeout",
            Failure::BodyTimeout => "body-timeout",
            Failure::Malformed(_) => "malformed-answer",
            Failure::Closed => "closed",
            Failure::Protocol(_) => "protocol-error",
        }
    }

    /// Whether TCP got through (the peer exists but did not answer properly).
    pub fn connected(&self) -> bool {
        matches!(
            self,
            Failure::NoResponse
                | Failure::BodyTimeout
                | Failure::Malformed(_)
                | Failure::Closed
                | Failure::Protocol(_)
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Resolve(e) => write!(f, "could not resolve the host: {e}"),
            Failure::Refused => f.write_str("connection refused"),
            Failure::ConnectTimeout => f.write_str("the TCP connection did not complete in time"),
            Failure::Connect(e) => write!(f, "could not connect: {e}"),
            Failure::NoResponse => f.write_str("connected, but no answer in time"),
            Failure::BodyTimeout => f.write_str("the answer's body did not arrive in time"),
            Failure::Malformed(e) => write!(f, "answered, but not valid HTTP: {e}"),
            Failure::Closed => f.write_str("the peer closed the connection before answering"),
            Failure::Protocol(e) => write!(f, "the connection failed: {e}"),
        }
    }
}

/// One request's result and how long it took.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub method: &'static str,
    pub path: String,
    pub result: Result<Response, Failure>,
    pub elapsed: Duration,
    /// The time it was allowed.
    pub allowed: Duration,
}

impl Exchange {
    pub fn status(&self) -> Option<u16> {
        self.result.as_ref().ok().map(|r| r.status)
    }

    pub fn response(&self) -> Option<&Response> {
        self.result.as_ref().ok()
    }

    pub fn request_line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// `200`, `timeout`, `refused`, …
    pub fn outcome(&self) -> String {
        match &self.result {
            Ok(r) => r.status.to_string(),
            Err(e) => e.outcome().to_owned(),
        }
    }
}

/// Sends one request with no body and reads the answer, all before `deadline`.
pub(crate) async fn request(
    endpoint: &Endpoint,
    method: &'static str,
    path: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
) -> Exchange {
    let started = Instant::now();
    let result = send(endpoint, method, path, headers, deadline).await;
    Exchange {
        method,
        path: path.to_owned(),
        result,
        elapsed: started.elapsed(),
        allowed: deadline.saturating_duration_since(started),
    }
}

async fn send(
    endpoint: &Endpoint,
    method: &'static str,
    path: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
) -> Result<Response, Failure> {
    let addrs = resolve(endpoint, deadline).await?;
    let mut last = Failure::ConnectTimeout;
    let mut stream = None;
    for addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => return Err(Failure::ConnectTimeout),
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Failure::Refused;
            }
            Ok(Err(e)) => last = Failure::Connect(e.kind().to_string()),
        }
    }
    let stream = stream.ok_or(last)?;
    let _ = stream.set_nodelay(true);

    let (mut sender, connection) = match timeout_at(
        deadline,
        hyper::client::conn::http1::handshake(TokioIo::new(stream)),
    )
    .await
    {
        Err(_) => return Err(Failure::NoResponse),
        Ok(Err(e)) => return Err(failure_of(&e)),
        Ok(Ok(pair)) => pair,
    };
    // The connection future drives the socket; abort it when this request is done so a
    // peer that never closes cannot keep a task alive.
    let driver = tokio::spawn(connection);
    let _abort = AbortOnDrop(driver);

    let mut builder = Request::builder()
        .method(method)
        .uri(endpoint.path(path))
        .header(hyper::header::HOST, endpoint.authority())
        .header(
            hyper::header::USER_AGENT,
            concat!("authdoctor/", env!("CARGO_PKG_VERSION")),
        )
        .header(hyper::header::ACCEPT, "*/*");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Empty::<Bytes>::new())
        .map_err(|e| Failure::Protocol(e.to_string()))?;

    let response = match timeout_at(deadline, sender.send_request(request)).await {
        Err(_) => return Err(Failure::NoResponse),
        Ok(Err(e)) => return Err(failure_of(&e)),
        Ok(Ok(r)) => r,
    };
    let received_at = jiff::Timestamp::now();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (
                name.as_str().to_ascii_lowercase(),
                value.chars().take(HEADER_CAP).collect(),
            )
        })
        .collect();
    let mut body_stream = response.into_body();
    let mut body = Vec::new();
    let mut truncated = false;
    loop {
        let frame = match timeout_at(deadline, body_stream.frame()).await {
            Err(_) => return Err(Failure::BodyTimeout),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(failure_of(&e)),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            let room = BODY_CAP - body.len();
            if data.len() > room {
                body.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&data);
        }
    }
    Ok(Response {
        status,
        headers,
        body,
        truncated,
        received_at,
    })
}

struct AbortOnDrop(tokio::task::JoinHandle<Result<(), hyper::Error>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn resolve(endpoint: &Endpoint, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = endpoint.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, endpoint.port)]);
    }
    let lookup = tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port));
    match timeout_at(deadline, lookup).await {
        Err(_) => Err(Failure::Resolve("timed out".to_owned())),
        Ok(Err(e)) => Err(Failure::Resolve(e.kind().to_string())),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.take(4).collect();
            if addrs.is_empty() {
                Err(Failure::Resolve("no address".to_owned()))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Tells a peer that spoke something else than HTTP from one that hung up or broke off.
fn failure_of(e: &hyper::Error) -> Failure {
    let text = || {
        authdoctor_redact::clean(&e.to_string())
            .chars()
            .take(120)
            .collect()
    };
    if e.is_incomplete_message() {
        Failure::Closed
    } else if e.is_parse() || e.is_parse_status() {
        Failure::Malformed(text())
    } else {
        Failure::Protocol(text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};

    /// A one-connection server on loopback that reads the request head and then writes
    /// `answer` (and keeps the socket open for `hold`).
    fn serve_once(answer: Vec<u8>, hold: Duration) -> Endpoint {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(&answer);
                std::thread::sleep(hold);
            }
        });
        Endpoint::parse(&format!("http://127.0.0.1:{port}")).unwrap()
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn bodies_are_capped_without_waiting_for_the_rest() {
        let mut answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".to_vec();
        answer.extend(std::iter::repeat_n(b'a', 100 * 1024));
        let ep = serve_once(answer, Duration::from_secs(5));
        let started = std::time::Instant::now();
        let e = block_on(async {
            request(
                &ep,
                "GET",
                "/",
                &[],
                Instant::now() + Duration::from_secs(3),
            )
            .await
        });
        let r = e.result.unwrap();
        assert_eq!(r.body.len(), BODY_CAP);
        assert!(r.truncated);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn silent_and_broken_peers_fail_by_the_deadline() {
        let ep = serve_once(Vec::new(), Duration::from_secs(3));
        let e = block_on(async {
            request(
                &ep,
                "PUT",
                "/latest/api/token",
                &[],
                Instant::now() + Duration::from_millis(300),
            )
            .await
        });
        assert_eq!(e.result.unwrap_err(), Failure::NoResponse);
        assert!(e.elapsed < Duration::from_secs(1));

        let ep = serve_once(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(), Duration::ZERO);
        let e = block_on(async {
            request(
                &ep,
                "GET",
                "/",
                &[],
                Instant::now() + Duration::from_secs(2),
            )
            .await
        });
        // It answered at once, just not in HTTP: that is not "no answer".
        assert!(
            matches!(e.result, Err(Failure::Malformed(_))),
            "{:?}",
            e.result
        );
        assert_eq!(e.outcome(), "malformed-answer");
        assert!(e.elapsed < Duration::from_secs(1));

        // Closing without a word is neither.
        let ep = serve_once(Vec::new(), Duration::ZERO);
        let e = block_on(async {
            request(
                &ep,
                "GET",
                "/",
                &[],
                Instant::now() + Duration::from_secs(2),
            )
            .await
        });
        assert_eq!(e.result.as_ref().unwrap_err(), &Failure::Closed);

        // A body that never finishes.
        let ep = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".to_vec(),
            Duration::from_secs(3),
        );
        let e = block_on(async {
            request(
                &ep,
                "GET",
                "/",
                &[],
                Instant::now() + Duration::from_millis(300),
            )
            .await
        });
        assert_eq!(e.result.unwrap_err(), Failure::BodyTimeout);
    }

    #[test]
    fn refused_is_told_apart() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let ep = Endpoint::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let e = block_on(async {
            request(
                &ep,
                "GET",
                "/",
                &[],
                Instant::now() + Duration::from_secs(1),
            )
            .await
        });
        assert_eq!(e.result.unwrap_err(), Failure::Refused);
    }

    #[test]
    fn endpoints_parse_like_the_sdks_require() {
        let e = Endpoint::parse("http://169.254.169.254").unwrap();
        assert_eq!((e.host(), e.port()), ("169.254.169.254", 80));
        assert!(!e.is_loopback());
        let e = Endpoint::parse("http://[fd00:ec2::254]/").unwrap();
        assert_eq!(e.host(), "fd00:ec2::254");
        assert_eq!(e.display(), "http://[fd00:ec2::254]");
        let e = Endpoint::parse("http://127.0.0.1:8080/prefix/").unwrap();
        assert!(e.is_loopback());
        assert_eq!(e.path("/latest/api/token"), "/prefix/latest/api/token");
        assert!(Endpoint::parse("http://[::1]:9").unwrap().is_loopback());
        assert!(Endpoint::parse("http://localhost:9").unwrap().is_loopback());
        for bad in [
            "169.254.169.254",
            "https://169.254.169.254",
            "ftp://x",
            "http://",
            "http://:80",
            "http://h:99999",
            "http://u:p@127.0.0.1",
            "http://[zz]",
            "http://a b",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
        assert!(Endpoint::parse_any_scheme("https://sts.amazonaws.com").is_ok());
    }
}
