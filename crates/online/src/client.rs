//! One signed POST per call over a bare hyper 1 HTTP/1.1 connection: plain TCP for
//! `http://` endpoints (local emulators), rustls (ring) for `https://`.
//!
//! Deliberately not a general HTTP client: no connection pool, no retries, no redirects
//! (a 3xx is reported as an unexpected answer), no proxy variables (the call goes
//! direct, so a proxy in the way shows up as a connect or TLS failure instead of being
//! silently used). One deadline covers the whole call; the phase that ran out of time
//! is reported. Response bodies are capped at [`MAX_BODY`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST, USER_AGENT};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use jiff::{SignedDuration, Timestamp};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::Credentials;
use crate::endpoint::{Endpoint, Scheme, truncate};
use crate::error::{OnlineError, Phase};
use crate::sign::{FORM_CONTENT_TYPE, form_encode, sign_post};

/// Largest response body read (1 MiB); the answers we parse are a few kilobytes.
pub const MAX_BODY: usize = 1 << 20;

/// Largest `AWS_CA_BUNDLE` file read (8 MiB; a full public root store is about 250 KB).
const MAX_CA_BUNDLE: u64 = 8 << 20;

const USER_AGENT_VALUE: &str = concat!("authdoctor/", env!("CARGO_PKG_VERSION"));

/// Sends the signed calls. Cheap to create; holds the TLS configuration once built.
#[derive(Debug)]
pub struct Client {
    timeout: Duration,
    ca_bundle: Option<PathBuf>,
    loopback_only: bool,
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

/// An HTTP answer, before it is read as a result or an error document.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: String,
    pub server_date: Option<Timestamp>,
    pub skew: Option<SignedDuration>,
    pub request_id_header: Option<String>,
}

impl Client {
    /// A client whose every call ends within `timeout` (connect, TLS, request and body
    /// together), trusting the system's root certificates.
    pub fn new(timeout: Duration) -> Client {
        Client {
            timeout,
            ca_bundle: None,
            loopback_only: false,
            tls: OnceLock::new(),
        }
    }

    /// [`Client::new`], configured from the environment the way the CLI sees it:
    /// `AWS_CA_BUNDLE` (a PEM file that replaces the system roots, as in the AWS CLI) and
    /// `AUTHDOCTOR_TEST_GUARD` (any non-empty value: loopback endpoints only).
    pub fn from_env(timeout: Duration, env: &BTreeMap<String, String>) -> Client {
        let set = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        Client::new(timeout)
            .with_ca_bundle(set("AWS_CA_BUNDLE").map(PathBuf::from))
            .loopback_only(set("AUTHDOCTOR_TEST_GUARD").is_some())
    }

    /// Trusts only the certificates in this PEM file for `https://` endpoints.
    pub fn with_ca_bundle(mut self, path: Option<PathBuf>) -> Client {
        self.ca_bundle = path;
        self.tls = OnceLock::new();
        self
    }

    /// Refuses every endpoint whose host is not a loopback address (tests and CI).
    pub fn loopback_only(mut self, on: bool) -> Client {
        self.loopback_only = on;
        self
    }

    /// The time budget of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Signs `params` as a form-encoded POST for `service` in `region` and sends it.
    pub(crate) async fn call(
        &self,
        endpoint: &Endpoint,
        credentials: &Credentials,
        region: &str,
        service: &str,
        params: &[(&str, &str)],
    ) -> Result<RawResponse, OnlineError> {
        let deadline = Instant::now() + self.timeout;
        if self.loopback_only && !endpoint.is_loopback_host() {
            return Err(OnlineError::NotLoopback {
                host: endpoint.host.clone(),
            });
        }
        crate::endpoint::validate_region(region)?;
        let body = form_encode(params);
        let host = endpoint.host_header();
        let signed = sign_post(
            credentials,
            region,
            service,
            SystemTime::now(),
            &endpoint.signing_url(),
            &[("host", &host), ("content-type", FORM_CONTENT_TYPE)],
            body.as_bytes(),
        )?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(endpoint.path.as_str())
            .header(HOST, &host)
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(CONTENT_LENGTH, body.len())
            .header(USER_AGENT, USER_AGENT_VALUE);
        for (name, value) in &signed {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| OnlineError::Signing(format!("could not build the request: {e}")))?;

        let timeout = |phase| OnlineError::Timeout {
            endpoint: endpoint.url().to_owned(),
            phase,
            after: self.timeout,
        };
        let tcp = timeout_at(deadline, self.connect(endpoint))
            .await
            .map_err(|_| timeout(Phase::Connect))??;
        match endpoint.scheme {
            Scheme::Http => exchange(tcp, endpoint, request, deadline, self.timeout).await,
            Scheme::Https => {
                let config = self.tls_config(endpoint)?;
                let name =
                    ServerName::try_from(endpoint.host.clone()).map_err(|e| OnlineError::Tls {
                        host: endpoint.host.clone(),
                        reason: e.to_string(),
                    })?;
                let tls = timeout_at(
                    deadline,
                    tokio_rustls::TlsConnector::from(config).connect(name, tcp),
                )
                .await
                .map_err(|_| timeout(Phase::Tls))?
                .map_err(|e| OnlineError::Tls {
                    host: endpoint.host.clone(),
                    reason: authdoctor_redact::clean(&e.to_string()).into_owned(),
                })?;
                exchange(tls, endpoint, request, deadline, self.timeout).await
            }
        }
    }

    async fn connect(&self, endpoint: &Endpoint) -> Result<TcpStream, OnlineError> {
        let failed = |reason: String| OnlineError::Connect {
            endpoint: endpoint.url().to_owned(),
            reason: authdoctor_redact::clean(&reason).into_owned(),
        };
        let addrs: Vec<_> = tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|e| failed(format!("cannot resolve {}: {e}", endpoint.host)))?
            .collect();
        if self.loopback_only && addrs.iter().any(|a| !a.ip().is_loopback()) {
            return Err(OnlineError::NotLoopback {
                host: endpoint.host.clone(),
            });
        }
        let mut last = format!("{} resolves to no address", endpoint.host);
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    // Small request, small answer: do not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                // Name the address only when the host was a name.
                Err(e) if endpoint.host.parse::<std::net::IpAddr>().is_ok() => last = e.to_string(),
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        Err(failed(last))
    }

    fn tls_config(&self, endpoint: &Endpoint) -> Result<Arc<rustls::ClientConfig>, OnlineError> {
        self.tls
            .get_or_init(|| build_tls(self.ca_bundle.as_deref()).map(Arc::new))
            .clone()
            .map_err(|reason| OnlineError::Tls {
                host: endpoint.host.clone(),
                reason,
            })
    }
}

fn build_tls(ca_bundle: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_bundle {
        Some(path) => {
            let shown = authdoctor_redact::clean(&path.display().to_string()).into_owned();
            let bytes = read_capped(path, MAX_CA_BUNDLE)
                .map_err(|e| format!("cannot read AWS_CA_BUNDLE {shown}: {e}"))?;
            for cert in CertificateDer::pem_slice_iter(&bytes) {
                let cert =
                    cert.map_err(|e| format!("AWS_CA_BUNDLE {shown} is not valid PEM: {e}"))?;
                roots.add(cert).map_err(|e| {
                    format!("AWS_CA_BUNDLE {shown} holds an unusable certificate: {e}")
                })?;
            }
            if roots.is_empty() {
                return Err(format!("AWS_CA_BUNDLE {shown} holds no PEM certificate"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            // Unparsable system certificates are skipped, as the SDKs do.
            let (_added, _skipped) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                return Err(format!(
                    "no trusted root certificates in the system store{why} (set AWS_CA_BUNDLE to a PEM file)"
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::other(format!("larger than {cap} bytes")));
    }
    Ok(bytes)
}

/// Sends `request` on `io` and reads the answer, all before `deadline`.
async fn exchange<S>(
    io: S,
    endpoint: &Endpoint,
    request: Request<Full<Bytes>>,
    deadline: Instant,
    budget: Duration,
) -> Result<RawResponse, OnlineError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http_err = |e: &dyn std::fmt::Display| OnlineError::Http {
        endpoint: endpoint.url().to_owned(),
        reason: authdoctor_redact::clean(&e.to_string()).into_owned(),
    };
    let timeout = |phase| OnlineError::Timeout {
        endpoint: endpoint.url().to_owned(),
        phase,
        after: budget,
    };
    let (mut sender, conn) = timeout_at(
        deadline,
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(io)),
    )
    .await
    .map_err(|_| timeout(Phase::Response))?
    .map_err(|e| http_err(&e))?;

    let exchange = async {
        let response = timeout_at(deadline, sender.send_request(request))
            .await
            .map_err(|_| timeout(Phase::Response))?
            .map_err(|e| http_err(&e))?;
        let local_now = Timestamp::now();
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| authdoctor_redact::clean(&truncate(v.trim(), 200)).into_owned())
        };
        let server_date = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                jiff::fmt::rfc2822::DateTimeParser::new()
                    .parse_timestamp(v)
                    .ok()
            });
        let skew = server_date.map(|d| d.duration_since(local_now));
        let request_id_header = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
        let too_large = || OnlineError::BodyTooLarge {
            endpoint: endpoint.url().to_owned(),
            limit: MAX_BODY,
        };
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let collected = timeout_at(
            deadline,
            Limited::new(response.into_body(), MAX_BODY).collect(),
        )
        .await
        .map_err(|_| timeout(Phase::Body))?
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                too_large()
            } else {
                http_err(&e)
            }
        })?;
        Ok(RawResponse {
            status,
            body: String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            server_date,
            skew,
            request_id_header,
        })
    };
    tokio::pin!(exchange);
    tokio::pin!(conn);
    tokio::select! {
        biased;
        result = &mut exchange => result,
        // The connection task ended (closed, or broke). Anything it delivered is in the
        // response channels already; the exchange reports the outcome, still bounded by
        // the deadline.
        _ = &mut conn => exchange.await,
    }
}
