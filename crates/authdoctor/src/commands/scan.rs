//! `authdoctor scan`: CloudTrail logs → refused calls and IMDSv1 role credentials.
//! The engine is `authdoctor-scan`; this module parses flags, draws the progress bar and
//! maps the answer onto exit codes.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;
use authdoctor_scan::{Options, render};

use crate::Outcome;
use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor scan ~/trail/AWSLogs/                    # an S3 export, walked recursively\n  \
    authdoctor scan --since 7d --region eu-west-1 AWSLogs/\n  \
    aws s3 cp s3://BUCKET/AWSLogs/ . --recursive && authdoctor scan --format json . > scan.json\n  \
    zcat *.json.gz | authdoctor scan -                  # standard input\n  \
    authdoctor scan --athena cloudtrail_logs --since 30d --account 111122223333\n\n\
    Input: .json.gz or .json; {\"Records\":[…]} trail files, bare arrays or JSON Lines.\n\
    Exit codes: 0 nothing failing, 1 refused calls or IMDSv1 role credentials reported,\n\
    2 usage error or no input readable at all (unreadable files are listed in skipped_files).")]
pub struct Args {
    /// Files or directories (walked recursively); `-` reads standard input
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Only records at or after this time: RFC 3339 or relative (`24h`, `7d`)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only records at or before this time: RFC 3339 or relative (`24h`, `7d`)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only this account (prunes `AWSLogs/<account>/` paths; records by recipientAccountId)
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// Only this region (prunes `CloudTrail/<region>/` paths; records by awsRegion)
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Rows per table in the human and Markdown views
    #[arg(long, value_name = "N", default_value_t = 20)]
    top: usize,
    /// Groups kept per table; further ones are counted in a note
    #[arg(long, value_name = "N", default_value_t = authdoctor_scan::DEFAULT_MAX_GROUPS)]
    max_groups: usize,
    /// Print the equivalent Athena/Trino SQL for this table instead of scanning
    #[arg(long, value_name = "TABLE", conflicts_with_all = ["paths", "lake"])]
    athena: Option<String>,
    /// Print the equivalent CloudTrail Lake SQL for this event data store instead of scanning
    #[arg(long, value_name = "EDS", conflicts_with = "paths")]
    lake: Option<String>,
    /// Worker threads (default: all cores)
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Shell flavour of the fix commands shown (JSON always carries both)
    #[arg(long, value_enum, default_value_t = default_shell())]
    shell: ShellArg,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let time = |t: &Option<String>| -> anyhow::Result<_> {
        match t {
            Some(text) => match authdoctor_scan::parse_time_now(text) {
                Ok(ts) => Ok(Some(ts)),
                Err(e) => bail!("{e}"),
            },
            None => Ok(None),
        }
    };
    let mut options = Options::new(
        time(&args.since)?,
        time(&args.until)?,
        args.account.clone(),
        args.region.clone(),
    );
    if let (Some(since), Some(until)) = (options.since, options.until)
        && since > until
    {
        bail!("--since is after --until");
    }
    options.max_groups = args.max_groups.max(1);
    if let Some(threads) = args.threads {
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        options.threads = threads;
    }
    if let Some(table) = &args.athena {
        let sql = authdoctor_scan::sql::athena(table, &options).map_err(anyhow::Error::msg)?;
        print!("{sql}");
        return Ok(Outcome::Good);
    }
    if let Some(eds) = &args.lake {
        let sql = authdoctor_scan::sql::lake(eds, &options).map_err(anyhow::Error::msg)?;
        print!("{sql}");
        return Ok(Outcome::Good);
    }
    let paths = if args.paths.is_empty() {
        if io::stdin().is_terminal() {
            bail!(
                "no input: pass files or directories of CloudTrail logs, or `-` for standard input (see --help)"
            );
        }
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };

    let bar = progress_bar();
    let on_bytes = |n: u64| {
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    };
    let on_walked = |total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
        }
    };
    let result = authdoctor_scan::scan(&paths, &options, &on_bytes, &on_walked);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => bail!("{e}"),
    };
    let style = render::Style {
        top: args.top.max(1),
        shell: args.shell.into(),
        color: output.color,
        width: terminal_width(),
    };
    let text = if output.csv {
        render::csv(&report)
    } else {
        match output.format {
            Format::Json => render::json(&report).into_string() + "\n",
            Format::Human => render::human(&report, &style).into_string(),
            Format::Markdown => render::markdown(&report, &style).into_string(),
        }
    };
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(if report.is_bad() {
        Outcome::Bad
    } else {
        Outcome::Good
    })
}

/// A byte-progress bar on stderr when it is a terminal; nothing when piped.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} scanning {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Quick scans finish before the bar would be worth drawing.
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}
