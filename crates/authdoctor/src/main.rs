//! The `authdoctor` binary: argument parsing, exit codes and wiring. Behaviour lives in
//! the library crates; each subcommand is one module under `commands/`.

// The binary reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod commands;
mod duration;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::OutputArgs;

/// See the workspace manifest for why not the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tells you why AWS refused you and exactly what to do.
///
/// Paste an error into `authdoctor explain`, run `authdoctor check` on the host that
/// failed, or browse the catalogue with `authdoctor scenarios`.
#[derive(Debug, Parser)]
#[command(
    name = "authdoctor",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(flatten)]
    output: OutputArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Diagnose pasted error output: the scenario, the evidence in your own text, the fix
    Explain(commands::explain::Args),
    /// List the scenario catalogue, or show one scenario in full
    Scenarios(commands::scenarios::Args),
    /// The interactive troubleshooter: pick a symptom, see the cause and the fix
    Guide(commands::guide::Args),
    /// Run a command unchanged and explain its error output if it fails
    Run(commands::run::Args),
    /// Live diagnosis of this host: env, config files, credential chain, IMDS, clock
    Check(commands::check::Args),
    /// Emulators for testing: `authdoctor emulate imds`
    Emulate(commands::emulate::Args),
    /// Offline IAM policy evaluation that says which statement decided
    Simulate(commands::simulate::Args),
    /// Explain a decoded (or, with --online, encoded) authorization message
    Decode(commands::decode::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(hide = true)]
    Completions(commands::generate::CompletionsArgs),
    /// Print the manual page (roff), or write every page into a directory
    #[command(hide = true)]
    Man(commands::generate::ManArgs),
    /// CloudTrail logs: refused calls by cause, and instances still using IMDSv1 credentials
    Scan(commands::scan::Args),
    /// The troubleshooter as a local web page and JSON API
    Serve(commands::serve::Args),
}

/// What a command concluded, mapped onto the exit codes of the CLI contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: the command did its job and found nothing failing.
    Good,
    /// 1: the command did its job and the answer is "bad".
    Bad,
    /// Another exit code, passed through (`run` keeps the wrapped command's code).
    Code(u8),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // No subcommand: the help is the most useful answer, still a usage error.
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return ExitCode::from(2);
            }
            // Usage errors: one line on stderr, exit code 2 (the CLI contract).
            eprintln!(
                "authdoctor: error: {} (see --help)",
                one_line_usage_error(&e)
            );
            return ExitCode::from(2);
        }
    };
    let output = cli.output.resolve();
    if output.csv && !matches!(cli.command, Command::Scan(_)) {
        eprintln!("authdoctor: error: --format csv is only available for `scan` (see --help)");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Explain(args) => commands::explain::run(args, &output),
        Command::Scenarios(args) => commands::scenarios::run(args, &output),
        Command::Guide(args) => commands::guide::run(args, &output),
        Command::Run(args) => commands::run::run(args, &output),
        Command::Check(args) => commands::check::run(args, &output),
        Command::Emulate(args) => commands::emulate::run(args, &output),
        Command::Simulate(args) => commands::simulate::run(args, &output),
        Command::Decode(args) => commands::decode::run(args, &output),
        Command::Completions(args) => commands::generate::completions(args),
        Command::Man(args) => commands::generate::man(args),
        Command::Scan(args) => commands::scan::run(args, &output),
        Command::Serve(args) => commands::serve::run(args, &output),
    };
    match result {
        Ok(Outcome::Good) => ExitCode::SUCCESS,
        Ok(Outcome::Bad) => ExitCode::from(1),
        Ok(Outcome::Code(code)) => ExitCode::from(code),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            // One line, user text neutralised: error messages may quote input.
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!(
                "authdoctor: error: {}",
                authdoctor_redact::Redacted::new(&message)
            );
            ExitCode::from(2)
        }
    }
}

/// Clap's message without the usage block that follows it, on one line.
fn one_line_usage_error(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty() && !line.starts_with("tip:"))
        .collect();
    let joined = message.join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    authdoctor_redact::clean(joined).into_owned()
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
