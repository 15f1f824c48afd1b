//! Renders what every command reports. Two things are written here and nowhere else:
//!
//! - the JSON envelope of every command's document, `{"version": 1, …}` ([`document`],
//!   [`document_line`], [`document_of_input`], [`DocumentLines`] for JSON Lines; module
//!   `envelope`);
//! - a finding, human and Markdown ([`human_finding`], [`markdown_finding`] and their
//!   plural forms; module `finding`): the user's own log with the evidence underlined in
//!   the manner of rustc, or the probes it rests on, then cause, facts and fix in the
//!   chosen shell. `explain`, `check`, `scan`, `decode` and `simulate` all show their
//!   findings through it.
//!
//! Also here: the story of observations, the scenario pages of `authdoctor scenarios`.
//!
//! Strings that came from outside were cleaned by the engine already; every renderer
//! still cleans its final text and returns it as [`Redacted`], the type whose only
//! constructors clean, so a secret can only reach the terminal if both layers miss it.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod envelope;
mod finding;
mod text;

use anstyle::{AnsiColor, Effects, Style};
use authdoctor_diagnosis::{Explained, LocatedObservation, Observation};
use authdoctor_kb::{Finding, Scenario, Shell};
pub use authdoctor_redact::Redacted;
use serde::Serialize;

pub use envelope::{DocumentLines, Layout, VERSION, document, document_line, document_of_input};
pub use finding::{
    human_after, human_finding, human_findings, markdown_after, markdown_finding, markdown_findings,
};
pub use text::wrap;

/// How to render.
#[derive(Debug, Clone)]
pub struct Options {
    pub color: bool,
    /// Terminal width used for wrapping and for trimming long log lines.
    pub width: usize,
    /// Which shell's fix commands the human and Markdown views show.
    pub shell: Shell,
    /// Name of the input shown in `--> name:line:column`.
    pub origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            color: false,
            width: 100,
            shell: Shell::Bash,
            origin: None,
        }
    }
}

const BOLD: Style = Style::new().effects(Effects::BOLD);
const DIM: Style = Style::new().effects(Effects::DIMMED);
const CYAN: Style = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
const GREEN: Style = AnsiColor::Green.on_default();

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// The human view of `explain`'s findings.
pub fn human(explained: &[Explained], options: &Options) -> Redacted {
    let mut out = String::new();
    for (i, item) in explained.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&finding::human_block(&item.finding, &item.lines, options));
    }
    Redacted::keeping_style(&out)
}

#[derive(Serialize)]
struct ExplainBody<'a> {
    findings: Vec<&'a Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    observations: Vec<&'a LocatedObservation>,
}

/// The JSON document of findings alone (`{"version":1,"findings":[…]}`).
pub fn json_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Redacted {
    json_explain(findings, [])
}

/// The JSON document of `explain`: the findings, and what the text shows happened.
pub fn json_explain<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    observations: impl IntoIterator<Item = &'a LocatedObservation>,
) -> Redacted {
    document(&ExplainBody {
        findings: findings.into_iter().collect(),
        observations: observations.into_iter().collect(),
    })
}

/// The story a log tells, in order: each observation with its line, the ones a finding
/// rests on as cause marked. Empty when the readers saw no exchange.
pub fn human_story(observations: &[LocatedObservation], options: &Options) -> Redacted {
    if observations.is_empty() {
        return Redacted::new("");
    }
    let painter = Painter {
        color: options.color,
    };
    let mut out = format!("{}\n", painter.paint(BOLD, "What the log shows happened"));
    for o in observations {
        out.push_str(&format!(
            "  line {:>5}  {}\n",
            o.line,
            o.observation.describe()
        ));
    }
    out.push('\n');
    Redacted::keeping_style(&out)
}

/// For text in which nothing was refused: the requests AWS never answered, if any, and
/// what that means. Empty when there are none.
pub fn human_unanswered(observations: &[LocatedObservation], options: &Options) -> Redacted {
    let unanswered: Vec<(&LocatedObservation, &str)> = observations
        .iter()
        .filter_map(|o| match &o.observation {
            Observation::ApiUnanswered { host, .. } => Some((o, host.as_str())),
            _ => None,
        })
        .collect();
    let Some(&(_, first_host)) = unanswered.first() else {
        return Redacted::new("");
    };
    let painter = Painter {
        color: options.color,
    };
    let mut out = format!(
        "\n{}\n",
        painter.paint(BOLD, "Requests that never reached AWS")
    );
    for (o, _) in &unanswered {
        out.push_str(&format!(
            "  line {:>5}  {}\n",
            o.line,
            o.observation.describe()
        ));
    }
    let text = format!(
        "No credential or permission was judged: the network between this host and AWS \
         failed (name resolution, a firewall or security group, a proxy, TLS inspection or \
         a CA bundle the client cannot read). Any HTTP status from `curl -sS -o /dev/null \
         -w '%{{http_code}}' https://{first_host}/` on the same host means the endpoint is \
         reachable; from a private subnet the service needs a VPC endpoint or a route out."
    );
    out.push_str(&wrap(&text, options.width.max(40), "  "));
    out.push('\n');
    Redacted::keeping_style(&out)
}

/// Pretty JSON of any value, secrets masked (decided on the unescaped strings). The
/// CLI's documents go through [`document`], which adds the envelope; this is for JSON
/// that is not one of them.
pub fn to_json<T: Serialize>(value: &T) -> Redacted {
    let text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    Redacted::from_string(text)
}

/// Compact one-line JSON of any value, secrets masked; the CLI's documents go through
/// [`document_line`].
pub fn to_json_line<T: Serialize>(value: &T) -> Redacted {
    let text = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    Redacted::from_string(text)
}

/// Neutralises control sequences in every string of a JSON document, object keys
/// included: for documents built from user input (policies, decoded messages). Secrets
/// are masked afterwards on the serialised document ([`document_of_input`] does both),
/// where a value is seen next to its key (`"SessionToken": "…"`) and escapes are decoded.
pub fn clean_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let std::borrow::Cow::Owned(cleaned) = authdoctor_redact::neutralise_controls(s) {
                *s = cleaned;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(clean_json),
        serde_json::Value::Object(map) => {
            let dirty = map.keys().any(|k| {
                matches!(
                    authdoctor_redact::neutralise_controls(k),
                    std::borrow::Cow::Owned(_)
                )
            });
            if dirty {
                let entries: Vec<(String, serde_json::Value)> =
                    std::mem::take(map).into_iter().collect();
                for (key, item) in entries {
                    map.insert(
                        authdoctor_redact::neutralise_controls(&key).into_owned(),
                        item,
                    );
                }
            }
            map.values_mut().for_each(clean_json);
        }
        _ => {}
    }
}

/// The Markdown view of `explain`'s findings: one section per finding, the evidence
/// as a quoted log.
pub fn markdown(explained: &[Explained], options: &Options) -> Redacted {
    let mut out = String::new();
    for item in explained {
        out.push_str(&finding::markdown_block(
            &item.finding,
            &item.lines,
            options,
        ));
        out.push('\n');
    }
    Redacted::from_string(out)
}

/// Joins the hard-wrapped lines of each paragraph (knowledge-base text is wrapped for
/// reading in the source file, not for output).
pub fn unwrap_paragraphs(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One scenario in full, like `rustc --explain`: symptom, example log, cause, fix,
/// references.
pub fn human_scenario(scenario: &Scenario, options: &Options) -> Redacted {
    let painter = Painter {
        color: options.color,
    };
    let width = options.width.clamp(40, 100);
    let mut out = format!(
        "{} {}\n\n",
        painter.paint(BOLD, &format!("{}:", scenario.id)),
        scenario.title
    );
    out.push_str(&format!(
        "{}\n{}\n",
        painter.paint(BOLD, "Symptom"),
        wrap(&scenario.symptom, width, "  ")
    ));
    out.push_str(&format!("\n{}\n", wrap(&scenario.summary, width, "")));
    if let Some(example) = scenario.examples.first() {
        out.push_str(&format!(
            "\n{} ({})\n",
            painter.paint(BOLD, "Example log"),
            example.client
        ));
        for line in example.log.trim_end().lines() {
            out.push_str(&format!("  {}\n", painter.paint(DIM, line)));
        }
    }
    out.push_str(&format!(
        "\n{}\n{}\n",
        painter.paint(BOLD, "Why"),
        wrap(&scenario.root_cause, width, "  ")
    ));
    out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Fix")));
    for (n, step) in scenario.fix.steps.iter().enumerate() {
        out.push_str(&wrap(step, width, &format!("  {}. ", n + 1)));
        out.push('\n');
    }
    for command in &scenario.fix.commands {
        out.push_str(&format!(
            "\n  {}\n",
            painter.paint(DIM, &format!("# {}", command.description))
        ));
        out.push_str(&format!(
            "  {} {}\n",
            painter.paint(GREEN, "bash$"),
            command.bash
        ));
        out.push_str(&format!(
            "  {} {}\n",
            painter.paint(GREEN, "PS>"),
            command.powershell
        ));
    }
    if !scenario.related_checks.is_empty() {
        out.push_str(&format!(
            "\n{} authdoctor check  (checks: {})\n",
            painter.paint(CYAN, "confirm:"),
            scenario.related_checks.join(", ")
        ));
    }
    if !scenario.references.is_empty() {
        out.push_str(&format!("\n{}\n", painter.paint(BOLD, "References")));
        for r in &scenario.references {
            out.push_str(&format!("  {}: {}\n", r.title, r.url));
        }
    }
    Redacted::keeping_style(&out)
}

/// One scenario in Markdown.
pub fn markdown_scenario(scenario: &Scenario) -> Redacted {
    let mut out = format!(
        "## `{}`: {}\n\n*Symptom:* {}\n\n{}\n\n",
        scenario.id,
        scenario.title,
        scenario.symptom,
        scenario.summary.trim()
    );
    if let Some(example) = scenario.examples.first() {
        out.push_str(&format!(
            "**Example log** ({})\n\n```text\n{}\n```\n\n",
            example.client,
            example.log.trim_end()
        ));
    }
    out.push_str(&format!(
        "**Why.** {}\n\n**Fix**\n\n",
        unwrap_paragraphs(&scenario.root_cause)
    ));
    for (n, step) in scenario.fix.steps.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", n + 1, step));
    }
    if !scenario.fix.commands.is_empty() {
        out.push_str("\n```bash\n");
        for c in &scenario.fix.commands {
            out.push_str(&format!("# {}\n{}\n", c.description, c.bash));
        }
        out.push_str("```\n\n```powershell\n");
        for c in &scenario.fix.commands {
            out.push_str(&format!("# {}\n{}\n", c.description, c.powershell));
        }
        out.push_str("```\n");
    }
    if !scenario.references.is_empty() {
        out.push_str("\n**References**\n\n");
        for r in &scenario.references {
            out.push_str(&format!("- [{}]({})\n", r.title, r.url));
        }
    }
    Redacted::from_string(out)
}
