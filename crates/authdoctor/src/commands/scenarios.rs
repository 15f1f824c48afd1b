//! `authdoctor scenarios [ID]`: the catalogue, or one scenario in full.

use std::io::{self, Write};

use anyhow::bail;
use authdoctor_kb::{Scenario, knowledge_base};
use serde::Serialize;

use crate::Outcome;
use crate::commands::explain::terminal_width;
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  authdoctor scenarios\n  authdoctor scenarios imds-hop-limit\n  authdoctor scenarios --format json"
)]
pub struct Args {
    /// Show this scenario in full (symptom, example log, cause, fix, references)
    id: Option<String>,
}

#[derive(Serialize)]
struct Catalogue<'a> {
    version: u32,
    scenarios: Vec<&'a Scenario>,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let kb = knowledge_base();
    let selected: Vec<&Scenario> = match &args.id {
        Some(id) => match kb.get(id) {
            Some(s) => vec![s],
            None => bail!("unknown scenario `{id}`; `authdoctor scenarios` lists them"),
        },
        None => kb.scenarios().iter().collect(),
    };
    let mut stdout = io::stdout().lock();
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        ..Default::default()
    };
    match (output.format, &args.id) {
        (Format::Json, _) => {
            let doc = Catalogue {
                version: 1,
                scenarios: selected,
            };
            writeln!(stdout, "{}", authdoctor_report::to_json(&doc))?;
        }
        (Format::Human, Some(_)) => {
            for s in selected {
                write!(stdout, "{}", authdoctor_report::human_scenario(s, &options))?;
            }
        }
        (Format::Markdown, Some(_)) => {
            for s in selected {
                write!(stdout, "{}", authdoctor_report::markdown_scenario(s))?;
            }
        }
        (Format::Human, None) => write!(stdout, "{}", table(&selected))?,
        (Format::Markdown, None) => {
            writeln!(
                stdout,
                "| id | symptom | root cause | fix |\n|---|---|---|---|"
            )?;
            for s in selected {
                let fix = s
                    .fix
                    .commands
                    .first()
                    .map(|c| format!("`{}`", c.bash))
                    .unwrap_or_else(|| s.fix.steps.first().cloned().unwrap_or_default());
                writeln!(
                    stdout,
                    "| `{}` | {} | {} | {} |",
                    s.id,
                    s.symptom,
                    s.summary.trim().replace('|', "\\|"),
                    fix.replace('|', "\\|")
                )?;
            }
        }
    }
    stdout.flush()?;
    Ok(Outcome::Good)
}

/// The quick-reference table, by catalogue section: id and the symptom a user would
/// recognise.
fn table(scenarios: &[&Scenario]) -> String {
    let id_width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(2);
    let mut out = String::new();
    let mut section = None;
    for s in scenarios {
        let this = authdoctor_kb::catalogue_section(&s.id);
        if this != section {
            if section.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("{}\n", this.unwrap_or("Other")));
            section = this;
        }
        out.push_str(&format!("  {:<id_width$}  {}\n", s.id, s.symptom));
    }
    out.push_str(&format!(
        "\n{} scenarios. `authdoctor scenarios ID` shows one in full; `authdoctor guide` walks you from a symptom to the fix.\n",
        scenarios.len()
    ));
    out
}
