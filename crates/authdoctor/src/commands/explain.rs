//! `authdoctor explain`: diagnose pasted error output.

use authdoctor_kb::ScenarioId;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use authdoctor_diagnosis::LocatedObservation;
use authdoctor_documents::explain::explain_input;
use authdoctor_explain::{Explained, Report};
use authdoctor_kb::{Finding, Shell};

use crate::Outcome;
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor explain app.log\n  \
    aws s3 ls 2>&1 | authdoctor explain\n  \
    authdoctor explain --text 'An error occurred (ExpiredToken) when calling the GetObject operation'\n  \
    authdoctor explain --format json build.log\n  \
    authdoctor explain --example imds-hop-limit\n\n\
    Exit codes: 0 recognised an error, 1 found no authorization or credential error, 2 bad input.")]
pub struct Args {
    /// Files to read; `-` reads standard input (the default when input is piped)
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Explain this text instead of reading files (it may start with `-`: a pasted
    /// traceback's `----` rule, a diff)
    #[arg(
        long,
        value_name = "STRING",
        conflicts_with = "inputs",
        allow_hyphen_values = true
    )]
    text: Option<String>,
    /// Explain a built-in example log: a scenario's first example (default `imds-hop-limit`)
    #[arg(
        long,
        value_name = "SCENARIO",
        num_args = 0..=1,
        default_missing_value = ScenarioId::ImdsHopLimit.as_str(),
        conflicts_with_all = ["inputs", "text"]
    )]
    example: Option<String>,
    /// Shell flavour of the fix commands shown (JSON always carries both)
    #[arg(long, value_enum, default_value_t = default_shell())]
    shell: ShellArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellArg {
    Bash,
    Powershell,
}

impl From<ShellArg> for Shell {
    fn from(value: ShellArg) -> Self {
        match value {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Powershell => Shell::Powershell,
        }
    }
}

pub fn default_shell() -> ShellArg {
    if cfg!(windows) {
        ShellArg::Powershell
    } else {
        ShellArg::Bash
    }
}

/// Terminal width for rendering: `COLUMNS` when set, else 100.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100)
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let mut explained: Vec<(Option<String>, Explained)> = Vec::new();
    let mut observations = Vec::new();
    let mut dropped = 0;
    let mut collect = |origin: Option<String>, report: Report| {
        dropped += report.dropped;
        observations.extend(report.observations);
        explained.extend(report.explained.into_iter().map(|e| (origin.clone(), e)));
    };
    if let Some(id) = &args.example {
        let kb = authdoctor_kb::knowledge_base();
        let Some(scenario) = kb.get(id) else {
            bail!("{}", crate::commands::scenarios::unknown_scenario(id));
        };
        let Some(example) = scenario.examples.first() else {
            bail!("no built-in example for `{id}`; `authdoctor scenarios` lists the scenario ids");
        };
        collect(
            Some(format!("example:{id} ({})", example.client)),
            authdoctor_explain::explain_text(&example.log),
        );
    } else if let Some(text) = &args.text {
        collect(
            Some("<text>".to_owned()),
            explain_input(text.as_bytes(), "<text>")?,
        );
    } else {
        let inputs = if args.inputs.is_empty() {
            if io::stdin().is_terminal() {
                bail!(
                    "no input: pass a file, `-` for standard input, or --text STRING (see --help)"
                );
            }
            vec![PathBuf::from("-")]
        } else {
            args.inputs.clone()
        };
        for input in inputs {
            let name = input.display().to_string();
            let (origin, reader): (String, Box<dyn Read>) = if input.as_os_str() == "-" {
                ("<stdin>".to_owned(), Box::new(io::stdin().lock()))
            } else {
                if input.is_dir() {
                    bail!("`{name}` is a directory, not a file");
                }
                let file = File::open(&input).with_context(|| format!("cannot open `{name}`"))?;
                (name.clone(), Box::new(file))
            };
            let report = explain_input(reader, &origin)
                .with_context(|| format!("cannot read `{origin}`"))?;
            collect(Some(origin), report);
        }
    }
    print(&explained, &observations, dropped, &args, output)?;
    Ok(if explained.is_empty() {
        Outcome::Bad
    } else {
        Outcome::Good
    })
}

fn print(
    explained: &[(Option<String>, Explained)],
    observations: &[LocatedObservation],
    dropped: usize,
    args: &Args,
    output: &Output,
) -> anyhow::Result<()> {
    let mut stdout = anstream::AutoStream::new(io::stdout().lock(), stream_choice(output));
    let options = |origin: &Option<String>| authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: args.shell.into(),
        origin: origin.clone(),
    };
    match output.format {
        Format::Json => {
            let findings = explained.iter().map(|(_, e)| &e.finding);
            writeln!(
                stdout,
                "{}",
                authdoctor_report::json_explain(findings, observations)
            )?;
        }
        Format::Human => {
            if explained.is_empty() {
                writeln!(
                    stdout,
                    "No AWS authorization or credential error found in the input."
                )?;
                let unanswered = authdoctor_report::human_unanswered(observations, &options(&None));
                write!(stdout, "{unanswered}")?;
            } else {
                let story = authdoctor_report::human_story(observations, &options(&None));
                write!(stdout, "{story}")?;
            }
            for (i, (origin, item)) in explained.iter().enumerate() {
                if i > 0 {
                    writeln!(stdout)?;
                }
                write!(
                    stdout,
                    "{}",
                    authdoctor_report::human(std::slice::from_ref(item), &options(origin))
                )?;
            }
        }
        Format::Markdown => {
            if explained.is_empty() {
                writeln!(
                    stdout,
                    "No AWS authorization or credential error found in the input."
                )?;
                let unanswered = authdoctor_report::human_unanswered(observations, &options(&None));
                write!(stdout, "{unanswered}")?;
            }
            for (origin, item) in explained {
                write!(
                    stdout,
                    "{}",
                    authdoctor_report::markdown(std::slice::from_ref(item), &options(origin))
                )?;
            }
        }
    }
    if dropped > 0 && output.format != Format::Json {
        writeln!(stdout, "\n({dropped} more distinct errors were not shown)")?;
    }
    if output.format != Format::Json
        && let Some(hint) = other_shell_hint(explained.iter().map(|(_, e)| &e.finding), args.shell)
    {
        writeln!(stdout, "\n{hint}")?;
    }
    stdout.flush()?;
    Ok(())
}

/// One line saying how to see the fix commands for the other shell, when a finding has
/// any: the views show one shell's commands only, and the platform default is a guess
/// (a Windows user reading a Linux server's log wants PowerShell).
pub fn other_shell_hint<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    shown: ShellArg,
) -> Option<&'static str> {
    let other = match shown {
        ShellArg::Bash => Shell::Powershell,
        ShellArg::Powershell => Shell::Bash,
    };
    findings
        .into_iter()
        .any(|f| f.fix.commands.iter().any(|c| c.shell == other))
        .then_some(match shown {
            ShellArg::Bash => "The fix commands as PowerShell: add `--shell powershell`.",
            ShellArg::Powershell => "The fix commands as bash: add `--shell bash`.",
        })
}

fn stream_choice(output: &Output) -> anstream::ColorChoice {
    if output.color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    }
}
