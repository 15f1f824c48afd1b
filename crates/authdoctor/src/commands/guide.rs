//! `authdoctor guide`: the interactive troubleshooter.
//!
//! "What specific error symptom are you experiencing?" → pick a symptom → see a raw
//! example log, the root cause and the recommended fix → optionally paste your own log
//! and have it explained. With a terminal it uses arrow keys and type-to-filter; when
//! standard input is not a terminal it prints numbered choices and reads plain answers
//! line by line, so it can be scripted and tested:
//!
//! ```text
//! printf '8\ny\nAn error occurred (ExpiredToken) ...\n' | authdoctor guide
//! ```

use std::fmt;
use std::io::{self, BufRead, IsTerminal, Read, Write};

use anyhow::{Context, bail};
use authdoctor_kb::{Scenario, knowledge_base};

use crate::Outcome;
use crate::commands::explain::{default_shell, terminal_width};
use crate::output::{Format, Output};

const QUESTION: &str = "What specific error symptom are you experiencing?";
const PASTE_OWN: &str = "None of these, or not sure: paste my own log";
/// A pasted log longer than this is cut: the guide is for one error, `explain` for files.
const MAX_PASTE: u64 = 1024 * 1024;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor guide\n  \
    printf '8\\nn\\n' | authdoctor guide\n  \
    printf '8\\ny\\n%s\\n.\\n' \"$(cat app.log)\" | authdoctor guide\n\n\
    Scripted use (standard input not a terminal): answer with the symptom's number, \
    then `y` or `n` to paste a log; the log runs until a line with a single `.` or the end of input.\n\n\
    Exit codes: 0 a scenario was shown, a pasted log was explained, or you quit; \
    1 the pasted log held no AWS authorization or credential error; \
    2 bad input (an answer that is not one of the numbers, `--format json`).")]
pub struct Args {}

struct Choice<'a> {
    scenario: Option<&'a Scenario>,
}

impl fmt::Display for Choice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scenario {
            Some(s) => write!(f, "{}  ({})", s.symptom, s.id),
            None => f.write_str(PASTE_OWN),
        }
    }
}

pub fn run(_args: Args, output: &Output) -> anyhow::Result<Outcome> {
    if output.format == Format::Json {
        bail!(
            "`guide` is interactive; for machine-readable output use `authdoctor scenarios --format json` or `authdoctor explain --format json`"
        );
    }
    let kb = knowledge_base();
    let mut choices: Vec<Choice<'_>> = kb
        .scenarios()
        .iter()
        .map(|s| Choice { scenario: Some(s) })
        .collect();
    choices.push(Choice { scenario: None });
    if io::stdin().is_terminal() && io::stdout().is_terminal() {
        interactive(choices, output)
    } else {
        scripted(&choices, output)
    }
}

fn interactive(choices: Vec<Choice<'_>>, output: &Output) -> anyhow::Result<Outcome> {
    use inquire::{Confirm, InquireError, Select};
    let config = if output.color {
        inquire::ui::RenderConfig::default()
    } else {
        inquire::ui::RenderConfig::empty()
    };
    let picked = match Select::new(QUESTION, choices)
        .with_page_size(12)
        .with_help_message("↑↓ to move, type to filter, Enter to choose, Esc to quit")
        .with_render_config(config)
        .prompt_skippable()
    {
        Ok(Some(choice)) => choice,
        Ok(None) | Err(InquireError::OperationInterrupted) => return Ok(Outcome::Good),
        Err(e) => return Err(e).context("the prompt failed"),
    };
    let mut stdout = io::stdout().lock();
    if let Some(scenario) = picked.scenario {
        show(&mut stdout, scenario, output)?;
        let paste = Confirm::new("Paste your own log and have it explained?")
            .with_default(false)
            .with_render_config(config)
            .prompt_skippable()
            .context("the prompt failed")?
            .unwrap_or(false);
        if !paste {
            return Ok(Outcome::Good);
        }
    }
    writeln!(
        stdout,
        "Paste the log, then press Ctrl-D (Ctrl-Z then Enter on Windows) on an empty line:"
    )?;
    stdout.flush()?;
    let mut log = String::new();
    io::stdin()
        .lock()
        .take(MAX_PASTE)
        .read_to_string(&mut log)
        .context("cannot read the pasted log")?;
    explain_pasted(&mut stdout, &log, output)
}

fn scripted(choices: &[Choice<'_>], output: &Output) -> anyhow::Result<Outcome> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{QUESTION}")?;
    for (n, choice) in choices.iter().enumerate() {
        writeln!(stdout, "{:>3}. {choice}", n + 1)?;
    }
    write!(stdout, "Enter a number (or q to quit): ")?;
    stdout.flush()?;
    let Some(answer) = read_answer(&mut input)? else {
        writeln!(stdout)?;
        return Ok(Outcome::Good);
    };
    if answer.eq_ignore_ascii_case("q") {
        return Ok(Outcome::Good);
    }
    let picked = answer
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| choices.get(i))
        .with_context(|| {
            format!(
                "`{answer}` is not one of the numbers 1 to {}",
                choices.len()
            )
        })?;
    writeln!(stdout)?;
    if let Some(scenario) = picked.scenario {
        show(&mut stdout, scenario, output)?;
        write!(
            stdout,
            "\nPaste your own log and have it explained? [y/N]: "
        )?;
        stdout.flush()?;
        let paste = read_answer(&mut input)?
            .is_some_and(|a| a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes"));
        writeln!(stdout)?;
        if !paste {
            return Ok(Outcome::Good);
        }
    }
    writeln!(
        stdout,
        "Paste the log; end it with a line holding a single `.` or the end of input:"
    )?;
    let log = read_log(&mut input)?;
    explain_pasted(&mut stdout, &log, output)
}

fn read_answer(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    let n = input
        .take(4096)
        .read_line(&mut line)
        .context("cannot read the answer")?;
    Ok((n > 0).then(|| line.trim().to_owned()))
}

fn read_log(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut log = String::new();
    let mut limited = input.take(MAX_PASTE);
    loop {
        let mut line = String::new();
        if limited
            .read_line(&mut line)
            .context("cannot read the pasted log")?
            == 0
        {
            break;
        }
        if line.trim_end() == "." {
            break;
        }
        log.push_str(&line);
    }
    Ok(log)
}

fn show(out: &mut impl Write, scenario: &Scenario, output: &Output) -> anyhow::Result<()> {
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: default_shell().into(),
        origin: None,
    };
    let shown = crate::commands::scenarios::for_display(scenario);
    match output.format {
        Format::Markdown => write!(out, "{}", authdoctor_report::markdown_scenario(&shown))?,
        _ => write!(
            out,
            "{}",
            authdoctor_report::human_scenario(&shown, &options)
        )?,
    }
    Ok(())
}

fn explain_pasted(out: &mut impl Write, log: &str, output: &Output) -> anyhow::Result<Outcome> {
    let report = authdoctor_explain::explain_text(log);
    if report.explained.is_empty() {
        writeln!(
            out,
            "\nNo AWS authorization or credential error found in what you pasted."
        )?;
        return Ok(Outcome::Bad);
    }
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: default_shell().into(),
        origin: Some("pasted".to_owned()),
    };
    writeln!(out)?;
    match output.format {
        Format::Markdown => write!(
            out,
            "{}",
            authdoctor_report::markdown(&report.explained, &options)
        )?,
        _ => write!(
            out,
            "{}",
            authdoctor_report::human(&report.explained, &options)
        )?,
    }
    out.flush()?;
    Ok(Outcome::Good)
}
