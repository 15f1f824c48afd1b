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
            writeln!(stdout, "| id | symptom | title |\n|---|---|---|")?;
            for s in selected {
                writeln!(stdout, "| `{}` | {} | {} |", s.id, s.symptom, s.title)?;
            }
        }
    }
    stdout.flush()?;
    Ok(Outcome::Good)
}

/// The quick-reference table: id, category and the symptom a user would recognise.
fn table(scenarios: &[&Scenario]) -> String {
    let id_width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(2);
    let mut out = format!("{:<id_width$}  {:<11}  {}\n", "ID", "CATEGORY", "SYMPTOM");
    for s in scenarios {
        let category = format!("{:?}", s.category).to_lowercase();
        out.push_str(&format!(
            "{:<id_width$}  {:<11}  {}\n",
            s.id, category, s.symptom
        ));
    }
    out.push_str(&format!(
        "\n{} scenarios. `authdoctor scenarios ID` shows one in full; `authdoctor guide` walks you from a symptom to the fix.\n",
        scenarios.len()
    ));
    out
}
