//! `authdoctor scenarios [ID]`: the catalogue, or one scenario in full.

use std::io::{self, Write};

use anyhow::bail;
use authdoctor_kb::{Category, Facts, Scenario, knowledge_base};
use serde::Serialize;

use crate::Outcome;
use crate::commands::explain::terminal_width;
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  authdoctor scenarios\n  authdoctor scenarios imds-hop-limit\n  authdoctor scenarios --format json\n\n\
    Exit codes: 0 shown, 2 an unknown scenario id (the error names the closest one)."
)]
pub struct Args {
    /// Show this scenario in full (symptom, example log, cause, fix, references)
    id: Option<String>,
}

/// The fields of the catalogue document; `authdoctor_report::document` adds the
/// envelope.
#[derive(Serialize)]
struct Catalogue<'a> {
    scenarios: Vec<&'a Scenario>,
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let kb = knowledge_base();
    let selected: Vec<&Scenario> = match &args.id {
        Some(id) => match kb.get(id) {
            Some(s) => vec![s],
            None => bail!("{}", unknown_scenario(id)),
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
                scenarios: selected,
            };
            writeln!(stdout, "{}", authdoctor_report::document(&doc))?;
        }
        (Format::Human, Some(_)) => {
            for s in selected {
                let shown = for_display(s);
                let text = authdoctor_report::human_scenario(&shown, &options);
                write!(stdout, "{text}")?;
                if !text.ends_with('\n') {
                    writeln!(stdout)?;
                }
            }
        }
        (Format::Markdown, Some(_)) => {
            for s in selected {
                write!(
                    stdout,
                    "{}",
                    authdoctor_report::markdown_scenario(&for_display(s))
                )?;
            }
        }
        (Format::Human, None) => write!(stdout, "{}", table(&selected))?,
        (Format::Markdown, None) => {
            writeln!(
                stdout,
                "| id | symptom | root cause | fix |\n|---|---|---|---|"
            )?;
            for s in selected {
                let s = for_display(s);
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

/// The scenario as a person reads it: the `{placeholder}`s of its fix filled with their
/// display form (`<instance-id>`), the same form `explain` leaves where it found no value.
/// The JSON catalogue keeps the raw templates, which is what tools fill.
pub fn for_display(scenario: &Scenario) -> Scenario {
    let kb = knowledge_base();
    let none = Facts::new();
    let mut shown = scenario.clone();
    for step in &mut shown.fix.steps {
        *step = kb.fill(step, &none);
    }
    for command in &mut shown.fix.commands {
        command.bash = kb.fill(&command.bash, &none);
        command.powershell = kb.fill(&command.powershell, &none);
    }
    shown
}

/// The one-line error for an id that names no scenario, with the closest id when one is
/// close enough to be a typo (`imds-hoplimit` → `imds-hop-limit`).
pub fn unknown_scenario(id: &str) -> String {
    match closest_scenario_id(id) {
        Some(near) => format!("unknown scenario `{id}`; did you mean `{near}`?"),
        None => format!("unknown scenario `{id}`; `authdoctor scenarios` lists them"),
    }
}

/// The known id most similar to `id`, if similar enough: by Jaro-Winkler, which rewards
/// a shared beginning, the way ids are typed (`imds-…`, `access-denied-…`), above clap's
/// own threshold for misspelt subcommands; else the one id that contains what was typed
/// (`hop-limit` → `imds-hop-limit`).
fn closest_scenario_id(id: &str) -> Option<&'static str> {
    let typed = id.to_ascii_lowercase();
    let ids = || knowledge_base().scenarios().iter().map(|s| s.id.as_str());
    let similar = ids()
        .map(|known| (strsim::jaro_winkler(&typed, known), known))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known);
    if similar.is_some() || typed.len() < 4 {
        return similar;
    }
    let mut containing = ids().filter(|known| known.contains(typed.as_str()));
    match (containing.next(), containing.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Listing groups, in the order a newcomer meets the failures: getting credentials on an
/// instance, credentials in general, signing, and AWS saying no.
const GROUP_ORDER: [Category; 4] = [
    Category::Imds,
    Category::Credentials,
    Category::Signing,
    Category::Iam,
];

/// A group's heading: what failed, in the words of someone who hit it.
fn heading(category: Category) -> &'static str {
    match category {
        Category::Imds => {
            "Instance metadata service (IMDS): the instance role's credentials do not arrive"
        }
        Category::Credentials => {
            "Credentials: none found, the wrong ones, expired or not recognised"
        }
        Category::Signing => "Signing: the request's signature or clock is rejected",
        Category::Iam => "Authorization: AWS knows who you are and denies the action",
    }
}

/// The quick-reference table, grouped by what failed: id and the symptom a user would
/// recognise, in catalogue order within a group.
fn table(scenarios: &[&Scenario]) -> String {
    let id_width = scenarios.iter().map(|s| s.id.len()).max().unwrap_or(2);
    let mut ordered = scenarios.to_vec();
    // Stable: catalogue order within a group; a category missing from GROUP_ORDER goes last.
    ordered.sort_by_key(|s| {
        GROUP_ORDER
            .iter()
            .position(|c| *c == s.category)
            .unwrap_or(GROUP_ORDER.len())
    });
    let mut out = String::new();
    let mut group = None;
    for s in ordered {
        if group != Some(s.category) {
            if group.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("{}\n", heading(s.category)));
            group = Some(s.category);
        }
        out.push_str(&format!("  {:<id_width$}  {}\n", s.id, s.symptom));
    }
    let closing = format!(
        "{} scenarios. `authdoctor scenarios ID` shows one in full (cause, fix for bash and \
         PowerShell, references); `authdoctor guide` walks you from a symptom to the fix; \
         `authdoctor explain` reads your own error output.",
        scenarios.len()
    );
    out.push_str(&format!(
        "\n{}\n",
        authdoctor_report::wrap(&closing, terminal_width().min(100), "")
    ));
    out
}
