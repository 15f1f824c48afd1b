//! `authdoctor emulate imds`: runs the fault-injecting instance metadata service of
//! `authdoctor-imds` on loopback until SIGINT/SIGTERM. Only argument handling lives here.
//!
//! Contract (spec/cli.md): the first stdout line is the base URL (one line per `--listen`
//! address), flushed at once; then it serves until stopped and exits 0. A non-loopback
//! address or any invalid setting is a one-line error and exit 2. Requests are logged to
//! stderr (method, path, status, fault), never a token or a credential.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use anyhow::Context;
use authdoctor_imds::{Emulator, EmulatorConfig, Fault, HttpTokens, RequestRecord};
use clap::builder::PossibleValue;

use crate::Outcome;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub emulator: EmulatorKind,
}

#[derive(Debug, clap::Subcommand)]
pub enum EmulatorKind {
    /// A faithful EC2 instance metadata service (IMDS) on loopback, with injectable faults
    ///
    /// Prints its base URL first (e.g. `http://127.0.0.1:41234`), then serves until
    /// stopped. Point clients at it with
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT=<that URL>`. Default: a healthy Nitro instance
    /// with a role, HttpTokens=required, serving canary (fake) credentials.
    Imds(ImdsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImdsArgs {
    /// Loopback address to listen on (127.0.0.0/8 or [::1]); repeat for several
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = parse_listen)]
    pub listen: Vec<SocketAddr>,
    /// Fault to inject; repeat to combine
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<FaultArg>,
    /// The instance's HttpTokens option: `required` (IMDSv2 only) or `optional` (v1 allowed)
    #[arg(long, value_name = "MODE", default_value = "required", value_parser = parse_http_tokens)]
    pub http_tokens: HttpTokens,
    /// Shift the emulated clock (Date headers, credential times), e.g. `-10m`, `+400s`, `2h`
    #[arg(long, value_name = "OFFSET", allow_hyphen_values = true, value_parser = crate::duration::offset)]
    pub clock_offset: Option<i64>,
    /// Delay for the `slow` fault, e.g. `1500ms`, `2s` (default 2s)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub delay: Option<Duration>,
    /// With `hop-limit`: reset the connection after this long instead of never answering
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub hop_limit_reset_after: Option<Duration>,
    /// Role (and instance profile) name
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// Instance id, e.g. `i-0123456789abcdef0`
    #[arg(long, value_name = "ID")]
    pub instance_id: Option<String>,
    /// Region (placement/region, identity document)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Serve iam/security-credentials-extended/ (404 by default, as on most instances)
    #[arg(long)]
    pub extended_credentials: bool,
    /// Do not log requests on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

/// A `--fault` value: every [`Fault`] with its description and the scenario it
/// reproduces in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultArg(pub Fault);

static FAULT_ARGS: LazyLock<Vec<FaultArg>> =
    LazyLock::new(|| Fault::ALL.iter().map(|f| FaultArg(*f)).collect());

impl clap::ValueEnum for FaultArg {
    fn value_variants<'a>() -> &'a [Self] {
        &FAULT_ARGS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0.scenario() {
            Some(scenario) => format!("{} [{scenario}]", self.0.description()),
            None => self.0.description().to_owned(),
        };
        Some(PossibleValue::new(self.0.name()).help(help))
    }
}

fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let addr = match text.strip_prefix("localhost:") {
        Some(port) => {
            let port: u16 = port
                .parse()
                .map_err(|_| format!("invalid port in `{text}`"))?;
            SocketAddr::from((Ipv4Addr::LOCALHOST, port))
        }
        None => text.parse::<SocketAddr>().map_err(|_| {
            format!("`{text}` is not an address with a port, e.g. `127.0.0.1:0` or `[::1]:8080`")
        })?,
    };
    authdoctor_imds::check_loopback(&addr).map_err(|e| e.to_string())?;
    Ok(addr)
}

fn parse_http_tokens(text: &str) -> Result<HttpTokens, String> {
    text.parse()
        .map_err(|e: authdoctor_imds::ConfigError| e.to_string())
}

pub fn run(args: Args, _output: &Output) -> anyhow::Result<Outcome> {
    match args.emulator {
        EmulatorKind::Imds(args) => run_imds(args),
    }
}

fn run_imds(args: ImdsArgs) -> anyhow::Result<Outcome> {
    let defaults = EmulatorConfig::default();
    let mut config = EmulatorConfig {
        listen: args.listen.clone(),
        faults: args
            .fault
            .iter()
            .map(|f| f.0)
            .filter(|f| *f != Fault::None)
            .collect(),
        http_tokens: args.http_tokens,
        clock_offset_secs: args.clock_offset.unwrap_or(0),
        slow_delay: args.delay.unwrap_or(defaults.slow_delay),
        hop_limit_reset_after: args.hop_limit_reset_after,
        role_name: args.role.clone().unwrap_or(defaults.role_name.clone()),
        instance_id: args
            .instance_id
            .clone()
            .unwrap_or(defaults.instance_id.clone()),
        region: args.region.clone().unwrap_or(defaults.region.clone()),
        serve_extended_credentials: args.extended_credentials,
        ..defaults
    };
    if !args.quiet {
        config.request_sink = Some(Arc::new(log_request));
    }
    let emulator = Emulator::new(config.clone()).context("invalid emulator settings")?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut listeners = Vec::new();
        let mut urls = Vec::new();
        for addr in &config.listen {
            let listener = authdoctor_imds::bind(*addr)
                .with_context(|| format!("cannot listen on `{addr}`"))?;
            urls.push(format!("http://{}", listener.local_addr()?));
            listeners.push(tokio::net::TcpListener::from_std(listener)?);
        }
        if config.has(Fault::Refused) {
            // Release the ports before anyone learns them: connections must be refused.
            listeners.clear();
        }
        // The signal handlers exist before the URL is printed: whoever reads the URL
        // may stop us at once, and a signal that arrives before a handler would kill
        // the process instead of stopping it cleanly.
        let stop = stop_signal()?;
        let mut stdout = std::io::stdout().lock();
        for url in &urls {
            writeln!(stdout, "{url}")?;
        }
        stdout.flush()?;
        drop(stdout);
        if !args.quiet {
            let faults = if config.faults.is_empty() {
                "none".to_owned()
            } else {
                config
                    .faults
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let tokens = match config.http_tokens {
                HttpTokens::Required => "required",
                HttpTokens::Optional => "optional",
            };
            let _ = writeln!(
                std::io::stderr(),
                "authdoctor emulate imds: serving {}; faults: {faults}; HttpTokens={tokens}; role {}; \
                 credentials are fake canaries; stop with Ctrl-C",
                urls.join(" and "),
                config.role_name,
            );
        }
        emulator.serve(listeners, stop).await?;
        if !args.quiet {
            let s = emulator.stats();
            let _ = writeln!(
                std::io::stderr(),
                "authdoctor emulate imds: stopped after {} requests ({} token PUTs, {} tokens issued, \
                 {} IMDSv1 reads served, {} refused; {} credential documents)",
                s.requests,
                s.token_puts,
                s.tokens_issued,
                s.v1_served,
                s.v1_rejected,
                s.credential_fetches
            );
        }
        anyhow::Ok(())
    })?;
    Ok(Outcome::Good)
}

/// One stderr line per request. The path came from the network: cleaned before printing.
fn log_request(record: &RequestRecord) {
    let status = record
        .status
        .map_or_else(|| "(no answer)".to_owned(), |s| s.to_string());
    let fault = record.fault.map(|f| format!(" [{f}]")).unwrap_or_default();
    let line = format!("{} {} -> {status}{fault}", record.method, record.path);
    let _ = writeln!(std::io::stderr(), "{}", authdoctor_redact::clean(&line));
}

/// A future that completes on SIGINT or (on Unix) SIGTERM. The handlers are installed
/// now, not when the future is first polled.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
