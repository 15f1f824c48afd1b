//! `authdoctor run -- COMMAND…`: runs a command unchanged and explains its failure.
//!
//! Standard input and output are inherited, so the command behaves exactly as without
//! the wrapper; standard error is passed through as it arrives and, at the same time,
//! streamed through the explain engine on a thread of its own, so nothing is held back
//! and an early error is never pushed out by the output that follows it (memory stays
//! bounded by the engine's caps, whatever the volume). When the command fails, the
//! diagnosis is printed on standard error, with a notice of anything it left out, and
//! the command's own exit code is returned.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use authdoctor_explain::Report;

use crate::Outcome;
use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  authdoctor run -- aws s3 ls\n  authdoctor run -- terraform plan\n\n\
    The exit code is the command's own. The diagnosis goes to standard error, so standard output stays the command's."
)]
pub struct Args {
    /// Shell flavour of the fix commands shown
    #[arg(long, value_enum, default_value_t = default_shell())]
    shell: ShellArg,
    /// The command and its arguments, after `--`
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<OsString>,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let (program, rest) = args.command.split_first().context("no command given")?;
    let mut child = match Command::new(program)
        .args(rest)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => bail!("cannot run `{}`: {e}", program.to_string_lossy()),
    };
    let streamed = match child.stderr.take() {
        Some(stderr) => tee_and_explain(stderr)?,
        None => Streamed::default(),
    };
    let status = child.wait().context("cannot wait for the command")?;
    let code = exit_code(&status);
    if code == 0 {
        return Ok(Outcome::Good);
    }
    let report = streamed.report;
    let mut stderr = anstream::AutoStream::new(
        io::stderr().lock(),
        if output.color {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        },
    );
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: args.shell.into(),
        origin: Some("stderr".to_owned()),
    };
    if report.explained.is_empty() && output.format != Format::Json {
        // Say what happened, so silence is never mistaken for "authdoctor saw nothing".
        let name = authdoctor_redact::clean(&program.to_string_lossy()).into_owned();
        writeln!(
            stderr,
            "authdoctor: `{name}` exited with {code}; its standard error held no AWS authorization or credential error"
        )?;
        stderr.flush()?;
        return Ok(Outcome::Code(code));
    }
    writeln!(
        stderr,
        "\n── authdoctor: the command exited with {code}; diagnosis ──\n"
    )?;
    match output.format {
        Format::Json => writeln!(
            stderr,
            "{}",
            authdoctor_report::json_findings(report.findings())
        )?,
        Format::Human => write!(
            stderr,
            "{}",
            authdoctor_report::human(&report.explained, &options)
        )?,
        Format::Markdown => write!(
            stderr,
            "{}",
            authdoctor_report::markdown(&report.explained, &options)
        )?,
    }
    if output.format != Format::Json {
        if report.dropped > 0 {
            writeln!(
                stderr,
                "\n({} more distinct errors were not shown)",
                report.dropped
            )?;
        }
        if let Some(cut_short) = &streamed.cut_short {
            writeln!(stderr, "\n(the diagnosis is incomplete: {cut_short})")?;
        }
    }
    stderr.flush()?;
    Ok(Outcome::Code(code))
}

/// What streaming the command's standard error gave.
#[derive(Debug, Default)]
struct Streamed {
    report: Report,
    /// Why the engine stopped before the end of the output, when it did.
    cut_short: Option<String>,
}

/// Copies the child's standard error to ours as it arrives and feeds the same bytes to
/// the explain engine through a pipe, read on a thread of its own.
///
/// The pass-through never depends on the engine: if the engine stops early, the rest of
/// the output is still copied and the diagnosis says how far it got.
fn tee_and_explain(mut from: impl Read) -> anyhow::Result<Streamed> {
    let (engine_input, mut to_engine) =
        io::pipe().context("cannot create a pipe for the diagnosis")?;
    let engine = std::thread::Builder::new()
        .name("authdoctor-explain".to_owned())
        .spawn(move || authdoctor_explain::explain_reader(engine_input))
        .context("cannot start the diagnosis thread")?;
    let mut engine_alive = true;
    let mut read_error = None;
    let mut buffer = [0u8; 8192];
    let mut stderr = io::stderr();
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                read_error = Some(format!("reading it failed: {e}"));
                break;
            }
        };
        // The wrapped command's own output is passed through untouched, as without the wrapper.
        let _ = stderr.write_all(&buffer[..n]);
        if engine_alive && to_engine.write_all(&buffer[..n]).is_err() {
            // The engine ended (it only does on an error); keep copying for the user.
            engine_alive = false;
        }
    }
    // End of input for the engine.
    drop(to_engine);
    let mut streamed = Streamed::default();
    match engine.join() {
        Ok(Ok(report)) => streamed.report = report,
        Ok(Err(e)) => streamed.cut_short = Some(format!("the diagnosis stopped: {e}")),
        Err(_) => streamed.cut_short = Some("the diagnosis stopped unexpectedly".to_owned()),
    }
    if streamed.cut_short.is_none() {
        streamed.cut_short = read_error;
    }
    Ok(streamed)
}

fn exit_code(status: &std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}
