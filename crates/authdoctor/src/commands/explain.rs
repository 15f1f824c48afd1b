//! `authdoctor explain`: diagnose pasted error output.

use authdoctor_kb::ScenarioId;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use authdoctor_diagnosis::LocatedObservation;
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
    /// Explain this text instead of reading files
    #[arg(long, value_name = "STRING", conflicts_with = "inputs")]
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

/// Inputs up to this size are also tried as a decoded authorization message.
const DECODED_MESSAGE_MAX: usize = 1024 * 1024;

/// Explains one input. A small input that is a decoded authorization message (the JSON of
/// `aws sts decode-authorization-message`) is handed to `decode`, which reads it far
/// better than pattern matching; everything else streams through the engine.
fn explain_input(mut reader: impl Read, origin: &str) -> io::Result<Report> {
    let mut head = Vec::new();
    (&mut reader)
        .take(DECODED_MESSAGE_MAX as u64 + 1)
        .read_to_end(&mut head)?;
    if head.len() <= DECODED_MESSAGE_MAX
        && let Ok(text) = std::str::from_utf8(&head)
        && looks_decoded(text)
        && let Ok(decoded) = authdoctor_policy::decode::parse_decoded(text)
        && !decoded.allowed
    {
        // A deny no scenario names (an identity-policy Deny, say) is still an
        // authorization error: `unknown`, with the decoded facts.
        let mut finding = crate::commands::decode::finding(&decoded).unwrap_or_else(|| {
            let mut facts = authdoctor_kb::Facts::new();
            facts.insert(
                "action".to_owned(),
                authdoctor_redact::clean(&decoded.action).into_owned(),
            );
            facts.insert(
                "resource".to_owned(),
                authdoctor_redact::clean(&decoded.resource).into_owned(),
            );
            Finding::unknown(Vec::new(), facts, 0.6)
        });
        finding.notes.push(format!(
            "`{origin}` is a decoded authorization message: `authdoctor decode` shows the matched statements and context keys in full."
        ));
        return Ok(Report {
            explained: vec![Explained {
                finding,
                lines: Vec::new(),
            }],
            observations: Vec::new(),
            lines: text.lines().count(),
            dropped: 0,
        });
    }
    let mut report = authdoctor_explain::explain_reader(head.as_slice().chain(reader))?;
    for item in &mut report.explained {
        if item.finding.facts.contains_key("encoded_message") {
            item.finding.notes.push(
                "The encoded message holds the exact action, resource and matched statements: \
                 `authdoctor decode --online --text <encoded-message>` decodes it through STS (needs \
                 sts:DecodeAuthorizationMessage) and explains it; or pipe the output of \
                 `aws sts decode-authorization-message` into `authdoctor decode`."
                    .to_owned(),
            );
        }
    }
    Ok(report)
}

fn looks_decoded(text: &str) -> bool {
    let t = text.trim_start();
    (t.starts_with('{') || t.starts_with('"'))
        && (text.contains("DecodedMessage")
            || (text.contains("\"allowed\"") && text.contains("\"context\"")))
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
