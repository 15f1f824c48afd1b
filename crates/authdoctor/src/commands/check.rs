//! `authdoctor check`: the live doctor for this host. Argument handling only; the checks
//! live in `authdoctor-check`, which gets the environment as a map and the file system
//! as a root built here, once.

use std::io::Write;

use authdoctor_check::{Env, Groups, Options, RootFs};

use crate::Outcome;
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
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub timeout: String,
    /// Also call STS GetCallerIdentity (and EC2 DescribeInstances) with the resolved credentials
    #[arg(long)]
    pub online: bool,
    /// Only these groups: a comma list of env, files, chain, imds, clock, online
    #[arg(long, value_name = "GROUPS")]
    pub only: Option<String>,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let timeout = authdoctor_check::parse_duration(&args.timeout)?;
    let groups = match &args.only {
        Some(list) => Groups::parse(list)?,
        None => Groups::all(),
    };
    let options = Options {
        imds_endpoint: args.imds_endpoint,
        timeout,
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
    let report = authdoctor_check::run(&options, &env, &RootFs::host())?;
    let text = match output.format {
        Format::Human => authdoctor_check::render::human(&report, output.color),
        Format::Json => authdoctor_check::render::json(&report),
        Format::Markdown => authdoctor_check::render::markdown(&report),
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
