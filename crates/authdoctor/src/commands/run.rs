//! `authdoctor run -- COMMAND…`: runs a command unchanged and explains its failure.
//!
//! Standard input and output are inherited, so the command behaves exactly as without
//! the wrapper; standard error is passed through as it arrives and also captured (the
//! last [`MAX_CAPTURE`] bytes). When the command fails, the captured text is explained
//! on standard error, and the command's own exit code is returned.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::Outcome;
use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};

/// Bytes of standard error kept for the diagnosis (the end of the output matters most).
const MAX_CAPTURE: usize = 4 * 1024 * 1024;

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
    let captured = match child.stderr.take() {
        Some(stderr) => tee(stderr).context("cannot read the command's standard error")?,
        None => Vec::new(),
    };
    let status = child.wait().context("cannot wait for the command")?;
    let code = exit_code(&status);
    if code == 0 {
        return Ok(Outcome::Good);
    }
    let report = authdoctor_explain::explain_reader(captured.as_slice())?;
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
    stderr.flush()?;
    Ok(Outcome::Code(code))
}

/// Copies the child's standard error to ours as it arrives and keeps its tail.
fn tee(mut from: impl Read) -> io::Result<Vec<u8>> {
    let mut kept: VecDeque<u8> = VecDeque::new();
    let mut buffer = [0u8; 8192];
    let mut stderr = io::stderr();
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // The wrapped command's own output is passed through untouched, as without the wrapper.
        let _ = stderr.write_all(&buffer[..n]);
        kept.extend(&buffer[..n]);
        if kept.len() > MAX_CAPTURE {
            let excess = kept.len() - MAX_CAPTURE;
            kept.drain(..excess);
        }
    }
    Ok(kept.into())
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
