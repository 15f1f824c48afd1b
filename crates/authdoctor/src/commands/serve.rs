//! `authdoctor serve`: starts the local troubleshooter page (`authdoctor-serve`).

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};

use anyhow::{Context, bail};

use crate::Outcome;
use crate::output::Output;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor serve                        # http://127.0.0.1:8080\n  \
    authdoctor serve --open                 # and open it in the default browser\n  \
    authdoctor serve --listen 127.0.0.1:0   # any free port; the first line says which\n  \
    authdoctor serve --listen 10.0.0.5:8080 # a jump host: reachable by others (warns)\n\n\
    Pages: / (symptoms), /scenarios/ID, /explain, /simulate, /decode.\n\
    JSON API: GET /api/scenarios[/ID], POST /api/explain {\"text\": \"...\"}, POST /api/simulate, POST /api/decode.\n\
    Nothing you paste is stored, logged or sent anywhere; all assets are built in.")]
pub struct Args {
    /// Address to listen on; a non-loopback address exposes the page to the network
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Open the page in the default browser
    #[arg(long)]
    open: bool,
    /// Longest time one request may take, body upload included (seconds)
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
}

fn resolve(listen: &str) -> anyhow::Result<(SocketAddr, String)> {
    let addr = listen
        .to_socket_addrs()
        .with_context(|| format!("--listen `{listen}` is not an address like 127.0.0.1:8080"))?
        .next()
        .with_context(|| format!("--listen `{listen}` resolves to no address"))?;
    let host = listen
        .rsplit_once(':')
        .map(|(h, _)| h.to_owned())
        .unwrap_or_default();
    Ok((addr, host))
}

pub fn run(args: Args, _output: &Output) -> anyhow::Result<Outcome> {
    let (addr, host) = resolve(&args.listen)?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "authdoctor: warning: listening on {addr}, which is not loopback: anyone who can reach this machine can use the page"
        );
    }
    let mut config = authdoctor_serve::Config::new(addr);
    config.listen_host = Some(host);
    config.request_timeout = std::time::Duration::from_secs(args.request_timeout);
    // Diagnosis is CPU work on the blocking pool: as many threads as cores keeps memory
    // flat under load (each extra thread is another allocator arena) and loses nothing.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()?;
    runtime.block_on(async move {
        let server = match authdoctor_serve::Server::bind(config).await {
            Ok(server) => server,
            Err(e) => bail!("cannot listen on {addr}: {e}"),
        };
        let url = server.url();
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{url}")?;
        stdout.flush()?;
        drop(stdout);
        if args.open {
            open_browser(&url);
        }
        server.run().await?;
        Ok(Outcome::Good)
    })
}

/// Best effort: a missing opener is not an error, the URL is printed anyway.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("authdoctor: could not start `{opener}` ({e}); open {url} yourself");
    }
}
