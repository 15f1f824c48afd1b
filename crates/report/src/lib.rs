//! Renders findings: `human` (the user's own log with the evidence underlined, in the
//! manner of rustc, then cause and fix), `json` (the CLI contract) and `markdown`.
//!
//! Strings that came from outside were cleaned by the engine already; every renderer
//! still cleans its final text and returns it as [`Redacted`], the type whose only
//! constructors clean, so a secret can only reach the terminal if both layers miss it.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod text;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};
use authdoctor_diagnosis::{Explained, LocatedObservation};
use authdoctor_kb::{Finding, Role, Scenario, Shell, TextEvidence, UNKNOWN};
pub use authdoctor_redact::Redacted;
use serde::Serialize;

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

/// An evidence label that says what part the evidence plays in the story.
fn role_label(e: &TextEvidence) -> String {
    match e.role {
        Role::Cause => format!("cause: {}", e.label),
        Role::Symptom => format!("what the client finally reported: {}", e.label),
        Role::Context => e.label.clone(),
    }
}

/// The human view of `explain`'s findings.
pub fn human(explained: &[Explained], options: &Options) -> Redacted {
    let mut out = String::new();
    for (i, item) in explained.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&human_finding(item, options));
    }
    Redacted::keeping_style(&out)
}

fn human_finding(item: &Explained, options: &Options) -> String {
    let finding = &item.finding;
    let painter = Painter {
        color: options.color,
    };
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .term_width(options.width.max(40));

    let level = if finding.scenario == UNKNOWN {
        Level::WARNING
    } else {
        Level::ERROR
    };
    let title = level
        .primary_title(finding.title.as_str())
        .id(finding.scenario.as_str());
    let origin = options.origin.as_deref().unwrap_or("input");
    let long_lines = item.lines.iter().any(|l| l.char_offset > 0);
    let snippets: Vec<Snippet<'_, annotate_snippets::Annotation<'_>>> = item
        .lines
        .iter()
        .map(|line| {
            let annotations = finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text())
                .filter(|e| e.line == line.number)
                .filter_map(|e| {
                    let start_char = e.column.checked_sub(1 + line.char_offset)?;
                    let start = char_to_byte(&line.text, start_char)?;
                    let end = char_to_byte(&line.text, start_char + e.length)?;
                    // The cause is underlined as primary; what the client finally
                    // reported because of it, as secondary.
                    let kind = match e.role {
                        Role::Symptom => AnnotationKind::Context,
                        Role::Cause | Role::Context => AnnotationKind::Primary,
                    };
                    Some(kind.span(start..end).label(role_label(e)))
                });
            let snippet = Snippet::source(line.text.as_str()).line_start(line.number);
            // A piece of a long line: the renderer would count columns from the piece's
            // start, so the location is written below from the evidence itself.
            let snippet = if long_lines {
                snippet
            } else {
                snippet.path(origin)
            };
            snippet.annotations(annotations)
        })
        .collect();
    let mut report = vec![title.elements(snippets)];
    let mut footer = format!("confidence {:.2}", finding.confidence);
    if finding.occurrences > 1 {
        footer.push_str(&format!(", seen {} times", finding.occurrences));
    }
    report.push(Group::with_title(Level::NOTE.secondary_title(footer)));
    let mut out = renderer.render(&report);
    if long_lines
        && let Some(first) = finding.evidence.iter().filter_map(|e| e.as_text()).next()
        && let Some(title_end) = out.find('\n')
    {
        // The same line and column as the JSON view: counted on the whole physical line.
        let location = format!(" --> {origin}:{}:{}\n", first.line, first.column);
        out.insert_str(title_end + 1, &location);
    }
    out.push('\n');

    let width = options.width.clamp(40, 100);
    if let Some(summary) = &finding.summary {
        out.push_str(&format!("\n{}\n", wrap(summary, width, "")));
    }
    out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Why")));
    out.push_str(&wrap(&finding.root_cause, width, "  "));
    out.push('\n');

    let facts: Vec<String> = finding
        .facts
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "signed_at" | "server_time"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !facts.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            painter.paint(BOLD, "Found in your text")
        ));
        out.push_str(&wrap(&facts.join("  "), width, "  "));
        out.push('\n');
    }

    out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Fix")));
    for (n, step) in finding.fix.steps.iter().enumerate() {
        out.push_str(&wrap(step, width, &format!("  {}. ", n + 1)));
        out.push('\n');
    }
    let commands: Vec<_> = finding
        .fix
        .commands
        .iter()
        .filter(|c| c.shell == options.shell)
        .collect();
    if !commands.is_empty() {
        out.push('\n');
        let prompt = match options.shell {
            Shell::Bash => "$",
            Shell::Powershell => "PS>",
        };
        for command in commands {
            if !command.description.is_empty() {
                out.push_str(&format!(
                    "  {}\n",
                    painter.paint(DIM, &format!("# {}", command.description))
                ));
            }
            out.push_str(&format!(
                "  {} {}\n",
                painter.paint(GREEN, prompt),
                command.command
            ));
        }
    }
    for note in &finding.notes {
        out.push_str(&format!("\n{} ", painter.paint(CYAN, "note:")));
        out.push_str(wrap(note, width, "      ").trim_start());
        out.push('\n');
    }
    if !finding.related_checks.is_empty() {
        out.push_str(&format!(
            "\n{} authdoctor check  (checks: {})\n",
            painter.paint(CYAN, "confirm:"),
            finding.related_checks.join(", ")
        ));
    }
    if !finding.references.is_empty() {
        out.push_str(&format!("\n{}\n", painter.paint(BOLD, "References")));
        for url in &finding.references {
            out.push_str(&format!("  {url}\n"));
        }
    }
    out
}

fn char_to_byte(text: &str, chars: usize) -> Option<usize> {
    if chars == text.chars().count() {
        return Some(text.len());
    }
    text.char_indices().nth(chars).map(|(i, _)| i)
}

#[derive(Serialize)]
struct ExplainDocument<'a> {
    version: u32,
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
    let doc = ExplainDocument {
        version: 1,
        findings: findings.into_iter().collect(),
        observations: observations.into_iter().collect(),
    };
    to_json(&doc)
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

/// Pretty JSON of any document, secrets masked (decided on the unescaped strings).
pub fn to_json<T: Serialize>(value: &T) -> Redacted {
    let text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    Redacted::from_string(text)
}

/// Compact one-line JSON of any document, secrets masked (JSON Lines output).
pub fn to_json_line<T: Serialize>(value: &T) -> Redacted {
    let text = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    Redacted::from_string(text)
}

/// Neutralises control sequences in every string of a JSON document, object keys
/// included: for documents built from user input (policies, decoded messages). Secrets
/// are masked afterwards on the serialised document ([`to_json`], [`to_json_line`]),
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

/// The Markdown view: one section per finding, the evidence as a quoted log.
pub fn markdown(explained: &[Explained], options: &Options) -> Redacted {
    let mut out = String::new();
    for item in explained {
        out.push_str(&markdown_finding(&item.finding, options));
        if !item.lines.is_empty() {
            out.push_str("\n**Evidence**\n\n```text\n");
            for line in &item.lines {
                out.push_str(&format!("{:>5} | {}\n", line.number, line.text));
            }
            out.push_str("```\n\n");
            for e in item.finding.evidence.iter().filter_map(|e| e.as_text()) {
                out.push_str(&format!(
                    "- line {}, column {}: `{}` ({}{})\n",
                    e.line,
                    e.column,
                    e.text.replace('`', "'"),
                    e.signal,
                    if e.label.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", role_label(e))
                    }
                ));
            }
        }
        out.push('\n');
    }
    Redacted::from_string(out)
}

fn markdown_finding(finding: &Finding, options: &Options) -> String {
    let mut out = format!(
        "## `{}`: {}\n\nConfidence {:.2}",
        finding.scenario, finding.title, finding.confidence
    );
    if finding.occurrences > 1 {
        out.push_str(&format!(", seen {} times", finding.occurrences));
    }
    out.push_str(".\n\n");
    if let Some(summary) = &finding.summary {
        out.push_str(&format!("{summary}\n\n"));
    }
    out.push_str(&format!(
        "**Why.** {}\n\n**Fix**\n\n",
        unwrap_paragraphs(&finding.root_cause)
    ));
    for (n, step) in finding.fix.steps.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", n + 1, step));
    }
    let lang = match options.shell {
        Shell::Bash => "bash",
        Shell::Powershell => "powershell",
    };
    let commands: Vec<_> = finding
        .fix
        .commands
        .iter()
        .filter(|c| c.shell == options.shell)
        .collect();
    if !commands.is_empty() {
        out.push_str(&format!("\n```{lang}\n"));
        for c in commands {
            if !c.description.is_empty() {
                out.push_str(&format!("# {}\n", c.description));
            }
            out.push_str(&format!("{}\n", c.command));
        }
        out.push_str("```\n");
    }
    for note in &finding.notes {
        out.push_str(&format!("\n> {note}\n"));
    }
    if !finding.references.is_empty() {
        out.push_str("\n**References**: ");
        let links: Vec<String> = finding
            .references
            .iter()
            .map(|u| format!("<{u}>"))
            .collect();
        out.push_str(&links.join(", "));
        out.push('\n');
    }
    out
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
