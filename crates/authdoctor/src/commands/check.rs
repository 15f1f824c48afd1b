//! `authdoctor check`: the live doctor for this host. Argument handling only; the checks
//! live in `authdoctor-check`, which gets the environment as a map and the file system
//! as a root built here, once.
//!
//! The checks keep their own deadline; a watchdog here also covers what they cannot: a
//! `stat` or `read` that a hung network file system keeps in the kernel.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use authdoctor_check::{Env, Groups, Options, RootFs};

use crate::Outcome;
use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor check\n  \
    authdoctor check --online\n  \
    authdoctor check --only imds,clock --timeout 5s\n  \
    authdoctor check --format json\n  \
    authdoctor check --imds-endpoint http://127.0.0.1:8080   # against `authdoctor emulate imds`\n\n\
    Run it on the host (or inside the container) where the failure happened: it reads this \
    environment, the AWS config files and this machine's metadata service.\n\n\
    Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 bad usage \
    (an invalid --timeout, --only or --imds-endpoint).")]
pub struct Args {
    /// Metadata endpoint; default AWS_EC2_METADATA_SERVICE_ENDPOINT, else by
    /// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE http://169.254.169.254 or http://[fd00:ec2::254]
    #[arg(long, value_name = "URL")]
    pub imds_endpoint: Option<String>,
    /// The whole command's time budget, e.g. `2s`, `500ms`; it always ends within it plus
    /// a small margin
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::duration::timeout)]
    pub timeout: std::time::Duration,
    /// Also call STS GetCallerIdentity (and EC2 DescribeInstances) with the resolved credentials
    #[arg(long)]
    pub online: bool,
    /// Only these groups: a comma list of env, files, chain, imds, clock, online
    #[arg(long, value_name = "GROUPS")]
    pub only: Option<String>,
    /// Shell flavour of the findings' fix commands (JSON always carries both)
    #[arg(long, value_enum, default_value_t = default_shell())]
    pub shell: ShellArg,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let groups = match &args.only {
        Some(list) => Groups::parse(list)?,
        None => Groups::all(),
    };
    let options = Options {
        imds_endpoint: args.imds_endpoint,
        timeout: args.timeout,
        online: args.online,
        groups,
    };
    // The only place the process environment is read for `check`.
    let env: Env = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let timeout = args.timeout;
    let limit = timeout + WATCHDOG_MARGIN;
    let report = within(limit, move || {
        authdoctor_check::run(&options, &env, &RootFs::host())
    })?
    .ok_or_else(|| {
        anyhow::anyhow!(
            "no result within --timeout {} ms plus {} s: a file or system call did not return (a hung network file system?)",
            timeout.as_millis(),
            WATCHDOG_MARGIN.as_secs()
        )
    })??;
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: args.shell.into(),
        origin: None,
    };
    let text = match output.format {
        Format::Human => authdoctor_check::render::human(&report, &options),
        Format::Json => authdoctor_check::render::json(&report),
        Format::Markdown => authdoctor_check::render::markdown(&report, &options),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    Ok(if report.failed() {
        Outcome::Bad
    } else {
        Outcome::Good
    })
}

/// How long past `--timeout` the watchdog waits for the checks.
const WATCHDOG_MARGIN: Duration = Duration::from_secs(1);

/// Runs `work` on its own thread and waits for it at most `limit`; `Ok(None)` when it
/// did not finish (the thread is left behind and ends with the process).
fn within<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<Option<T>> {
    let (done, result) = mpsc::channel();
    std::thread::Builder::new()
        .name("check".to_owned())
        .spawn(move || {
            let _ = done.send(work());
        })?;
    Ok(result.recv_timeout(limit).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_returns_what_finished_and_gives_up_on_what_hangs() {
        assert_eq!(within(Duration::from_secs(60), || 7).ok(), Some(Some(7)));
        // Blocks forever: the sender is kept alive and never sends.
        let (_keep, never) = mpsc::channel::<()>();
        let hung = within(Duration::from_millis(50), move || never.recv());
        assert!(matches!(hung, Ok(None)));
    }
}
