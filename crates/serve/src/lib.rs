//! `authdoctor serve`: the troubleshooter as a local web page and a JSON API, over the
//! same knowledge base and engines as the CLI.
//!
//! - [`guard`]: what every request passes first: the `Host` check against DNS
//!   rebinding, the cross-origin `POST` check, the time limit and the security headers.
//! - [`api`]: `/api/…`, the documents the CLI prints with `--format json`.
//! - [`pages`]: the HTML pages, rendered by maud (which escapes every string).
//! - [`assets`]: the stylesheet, the script and the icon, compiled into the binary.
//!
//! Pasted text lives only in the memory of the request that carries it: nothing here
//! logs, stores or forwards it.

pub mod api;
pub mod assets;
pub mod guard;
pub mod pages;
mod render;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The default body limit: 10 MB, as the CLI contract says.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;
/// How long one request may take, body upload included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The host the user wrote in `--listen`, accepted in `Host` besides the loopback names.
    pub listen_host: Option<String>,
    pub body_limit: usize,
    pub request_timeout: Duration,
}

impl Config {
    pub fn new(listen: SocketAddr) -> Config {
        Config {
            listen,
            listen_host: None,
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// What every handler may read.
#[derive(Debug)]
pub struct AppState {
    /// `Host` header values this server answers to (`127.0.0.1:8080`, `localhost:8080`, …).
    pub allowed_hosts: Vec<String>,
    pub body_limit: usize,
    pub request_timeout: Duration,
}

/// A bound server: the address is known before it starts answering.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    request_timeout: Duration,
    pub local_addr: SocketAddr,
}

impl Server {
    /// Binds the listening socket and prepares the routes.
    pub async fn bind(config: Config) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let state = Arc::new(AppState {
            allowed_hosts: allowed_hosts(&config, local_addr),
            body_limit: config.body_limit,
            request_timeout: config.request_timeout,
        });
        Ok(Server {
            listener,
            app: router(state),
            request_timeout: config.request_timeout,
            local_addr,
        })
    }

    /// The URL to open: loopback names stay as they are, an unspecified address
    /// (`0.0.0.0`) is shown as loopback, which always answers.
    pub fn url(&self) -> String {
        url_of(self.local_addr)
    }

    /// Serves until the process stops. Each connection is HTTP/1.1 with a deadline for
    /// its request headers (the guard's deadline starts only once they are in), so a
    /// client that trickles headers cannot hold a connection open for ever.
    pub async fn run(self) -> std::io::Result<()> {
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a moment, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(self.app.clone());
            let header_timeout = self.request_timeout;
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(header_timeout)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

pub fn url_of(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            format!("http://127.0.0.1:{}", v4.port())
        }
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => format!("http://[::1]:{}", v6.port()),
        other => format!("http://{other}"),
    }
}

fn allowed_hosts(config: &Config, bound: SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    let bound_host = match bound {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    hosts.push(format!("{bound_host}:{port}"));
    if let Some(host) = &config.listen_host {
        hosts.push(format!("{}:{port}", host.to_ascii_lowercase()));
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Every route, behind the guard.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/scenarios/{id}", get(pages::scenario))
        .route(
            "/explain",
            get(pages::explain_form).post(pages::explain_result),
        )
        .route(
            "/simulate",
            get(pages::simulate_form).post(pages::simulate_result),
        )
        .route(
            "/decode",
            get(pages::decode_form).post(pages::decode_result),
        )
        .route("/api/scenarios", get(api::scenarios))
        .route("/api/scenarios/{id}", get(api::scenario))
        .route("/api/explain", post(api::explain))
        .route("/api/simulate", post(api::simulate))
        .route("/api/decode", post(api::decode))
        .route("/assets/{name}", get(assets::asset))
        .fallback(pages::fallback)
        .layer(DefaultBodyLimit::max(state.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}
