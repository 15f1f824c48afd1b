//! One finding as a block of text, human or Markdown: scenario and title, the evidence
//! (the user's lines underlined, or the probes and spans it rests on), confidence,
//! summary, cause, facts, fix steps and the fix commands of the chosen shell, notes,
//! related checks, references. Every command that shows findings (`explain`, `check`,
//! `scan`, `decode`, `simulate`) renders them here, so a finding looks the same
//! whichever command produced it.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use authdoctor_diagnosis::SourceLine;
use authdoctor_kb::{
    Evidence, Finding, ProbeEvidence, Role, Shell, StatementEvidence, TextEvidence, UNKNOWN,
};
use authdoctor_redact::Redacted;

use crate::{BOLD, CYAN, DIM, GREEN, Options, Painter, unwrap_paragraphs, wrap};

/// An evidence label that says what part the evidence plays in the story.
pub(crate) fn role_label(e: &TextEvidence) -> String {
    with_role(e.role, &e.label)
}

fn with_role(role: Role, label: &str) -> String {
    match role {
        Role::Cause => format!("cause: {label}"),
        Role::Symptom => format!("what the client finally reported: {label}"),
        Role::Context => label.to_owned(),
    }
}

/// `imds.token: PUT /latest/api/token → timeout after 970 ms`.
fn describe_probe(p: &ProbeEvidence) -> String {
    let request = if p.probe == p.check {
        p.check.clone()
    } else {
        format!("{}: {}", p.check, p.probe)
    };
    format!("{request} → {} after {} ms", p.outcome, p.elapsed_ms)
}

/// `Deny statement `DenyImdsV1` of `RequireImdsV2`: ec2:RoleDelivery = 1.0 (policy: 2.0)`.
fn describe_statement(s: &StatementEvidence) -> String {
    let mut out = format!("{} statement `{}`", s.effect, s.statement);
    if let Some(policy) = &s.policy {
        out.push_str(&format!(" of `{policy}`"));
    }
    if let Some(key) = &s.condition_key {
        out.push_str(&format!(": {key}"));
        if !s.request_values.is_empty() {
            out.push_str(&format!(" = {}", s.request_values.join(", ")));
        }
        if !s.policy_values.is_empty() {
            out.push_str(&format!(" (policy: {})", s.policy_values.join(", ")));
        }
    }
    out
}

/// A piece of evidence's role, label and one-line description.
fn described(evidence: &Evidence) -> (Role, &str, String) {
    match evidence {
        Evidence::Probe(p) => (p.role, p.label.as_str(), describe_probe(p)),
        Evidence::Text(t) => (t.role, t.label.as_str(), describe_span(t)),
        Evidence::Statement(st) => (st.role, st.label.as_str(), describe_statement(st)),
    }
}

/// `line 3, column 12: `text``.
fn describe_span(e: &TextEvidence) -> String {
    format!(
        "line {}, column {}: `{}`",
        e.line,
        e.column,
        e.text.replace('`', "'")
    )
}

/// One finding, human view. `lines` are the input lines its text evidence points into
/// (underlined in the manner of rustc); without them, the evidence is listed.
pub fn human_finding(finding: &Finding, lines: &[SourceLine], options: &Options) -> Redacted {
    Redacted::keeping_style(&human_block(finding, lines, options))
}

/// Findings without input lines (those of `check`, `scan`, `decode`, `simulate`), one
/// block each, a blank line between them.
pub fn human_findings<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    options: &Options,
) -> Redacted {
    let mut out = String::new();
    let mut explained: Vec<&str> = Vec::new();
    for (i, finding) in findings.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // A report of many findings (scan's groups, check's rows) often names one
        // scenario several times: its explanation is printed once.
        let again = explained.contains(&finding.scenario.as_str());
        out.push_str(&block(finding, &[], options, again));
        if !again {
            explained.push(&finding.scenario);
        }
    }
    Redacted::keeping_style(&out)
}

/// The human view of a command that prints its own part first (decode's message,
/// simulate's decision) and then its findings, a blank line between them.
pub fn human_after(own: &Redacted, findings: &[Finding], options: &Options) -> Redacted {
    if findings.is_empty() {
        return own.clone();
    }
    let mut out = format!("{}\n\n", own.trim_end_matches('\n'));
    out.push_str(&human_findings(findings, options));
    Redacted::keeping_style(&out)
}

/// The Markdown view of the same: the own part as a text block, then the findings.
pub fn markdown_after(own: &Redacted, findings: &[Finding], options: &Options) -> Redacted {
    let mut out = format!("```text\n{}\n```\n", own.trim_end_matches('\n'));
    if !findings.is_empty() {
        out.push('\n');
        out.push_str(&markdown_findings(findings, options));
    }
    Redacted::from_string(out)
}

/// The longest fact value the human view prints whole; longer ones (an encoded
/// authorization message) are shortened, the JSON view keeps them. ARNs stay whole:
/// they are copied into commands.
const FACT_WIDTH: usize = 120;

fn short_fact(value: &str) -> String {
    let chars = value.chars().count();
    if chars <= FACT_WIDTH || value.starts_with("arn:") {
        return value.to_owned();
    }
    let head: String = value.chars().take(48).collect();
    format!("{head}…({chars} chars)")
}

pub(crate) fn human_block(finding: &Finding, lines: &[SourceLine], options: &Options) -> String {
    block(finding, lines, options, false)
}

/// One finding; `again`: its scenario was explained by an earlier block of the same
/// report, so the summary and the root cause are not repeated.
fn block(finding: &Finding, lines: &[SourceLine], options: &Options, again: bool) -> String {
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
    let long_lines = lines.iter().any(|l| l.char_offset > 0);
    // Spans further apart than a terminal line are shown as separate excerpts of their
    // line: one excerpt holding them all would be as wide as the distance between them.
    let span_budget = options.width.max(40) - 12;
    let snippets: Vec<Snippet<'_, annotate_snippets::Annotation<'_>>> = lines
        .iter()
        .flat_map(|line| {
            // Spans that overlap and say the same (two needles of one phrase) are
            // underlined once, as their union.
            let mut on_line: Vec<(usize, usize, &TextEvidence)> = Vec::new();
            for e in finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text())
                .filter(|e| e.line == line.number)
            {
                let (from, to) = (e.column, e.column + e.length);
                match on_line.iter_mut().find(|(f, t, o)| {
                    *f < to && from < *t && o.role == e.role && o.label == e.label
                }) {
                    Some(merged) => {
                        merged.0 = merged.0.min(from);
                        merged.1 = merged.1.max(to);
                    }
                    None => on_line.push((from, to, e)),
                }
            }
            group_nearby(on_line, span_budget)
                .into_iter()
                .map(move |cluster| {
                    let annotations = cluster.into_iter().filter_map(|(from, to, e)| {
                        let start_char = from.checked_sub(1 + line.char_offset)?;
                        let start = char_to_byte(&line.text, start_char)?;
                        let end = char_to_byte(&line.text, start_char + (to - from))?;
                        // The cause is underlined as primary; what the client finally
                        // reported because of it, as secondary.
                        let kind = match e.role {
                            Role::Symptom => AnnotationKind::Context,
                            Role::Cause | Role::Context => AnnotationKind::Primary,
                        };
                        Some(kind.span(start..end).label(role_label(e)))
                    });
                    let snippet = Snippet::source(line.text.as_str()).line_start(line.number);
                    // A piece of a long line: the renderer would count columns from the
                    // piece's start, so the location is written below from the evidence
                    // itself.
                    let snippet = if long_lines {
                        snippet
                    } else {
                        snippet.path(origin)
                    };
                    snippet.annotations(annotations)
                })
        })
        .collect();
    let mut footer = format!("confidence {:.2}", finding.confidence);
    if finding.occurrences > 1 {
        footer.push_str(&format!(", seen {} times", finding.occurrences));
    }
    let note = Group::with_title(Level::NOTE.secondary_title(footer));
    let mut out = if snippets.is_empty() {
        // Nothing to underline (probes, policy statements): the title and the note,
        // without an empty gutter between them.
        format!(
            "{}\n{}",
            renderer.render(&[Group::with_title(title)]),
            renderer.render(&[note])
        )
    } else {
        renderer.render(&[title.elements(snippets), note])
    };
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
    if lines.is_empty() && !finding.evidence.is_empty() {
        // Nothing was underlined: say what the finding rests on.
        out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Evidence")));
        for evidence in &finding.evidence {
            let (role, label, what) = described(evidence);
            let text = if label.is_empty() {
                what
            } else {
                format!("{what}: {}", with_role(role, label))
            };
            out.push_str(&wrap(&text, width, "  - "));
            out.push('\n');
        }
    }
    if again {
        out.push_str(&format!(
            "\n{}\n",
            wrap(
                &format!("Why: as for the `{}` finding above.", finding.scenario),
                width,
                ""
            )
        ));
    } else {
        if let Some(summary) = &finding.summary {
            out.push_str(&format!("\n{}\n", wrap(summary, width, "")));
        }
        out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Why")));
        out.push_str(&wrap(&finding.root_cause, width, "  "));
        out.push('\n');
    }

    let facts: Vec<String> = finding
        .facts
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "signed_at" | "server_time"))
        .map(|(k, v)| format!("{k}={}", short_fact(v)))
        .collect();
    if !facts.is_empty() {
        out.push_str(&format!("\n{}\n", painter.paint(BOLD, "Facts")));
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

/// Spans of one line, in order, grouped so that each group spans at most `budget`
/// characters (one span longer than that is a group of its own); a line without spans
/// is one empty group, so that it is still shown.
fn group_nearby<T>(
    mut spans: Vec<(usize, usize, T)>,
    budget: usize,
) -> Vec<Vec<(usize, usize, T)>> {
    spans.sort_by_key(|&(from, to, _)| (from, to));
    let mut groups: Vec<Vec<(usize, usize, T)>> = Vec::new();
    for span in spans {
        match groups.last_mut() {
            Some(group) if span.1.saturating_sub(group[0].0) <= budget => group.push(span),
            _ => groups.push(vec![span]),
        }
    }
    if groups.is_empty() {
        groups.push(Vec::new());
    }
    groups
}

fn char_to_byte(text: &str, chars: usize) -> Option<usize> {
    if chars == text.chars().count() {
        return Some(text.len());
    }
    text.char_indices().nth(chars).map(|(i, _)| i)
}

/// One finding, Markdown view: a `##` section; the input lines its evidence points into
/// as a quoted log, or, without them, the evidence listed.
pub fn markdown_finding(finding: &Finding, lines: &[SourceLine], options: &Options) -> Redacted {
    Redacted::from_string(markdown_block(finding, lines, options))
}

/// Findings without input lines, one section each.
pub fn markdown_findings<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    options: &Options,
) -> Redacted {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&markdown_block(finding, &[], options));
        out.push('\n');
    }
    Redacted::from_string(out)
}

pub(crate) fn markdown_block(finding: &Finding, lines: &[SourceLine], options: &Options) -> String {
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
    if !lines.is_empty() {
        out.push_str("\n**Evidence**\n\n```text\n");
        for line in lines {
            out.push_str(&format!("{:>5} | {}\n", line.number, line.text));
        }
        out.push_str("```\n\n");
        for e in finding.evidence.iter().filter_map(|e| e.as_text()) {
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
    } else if !finding.evidence.is_empty() {
        out.push_str("\n**Evidence**\n\n");
        for evidence in &finding.evidence {
            let (role, label, what) = described(evidence);
            let label = if label.is_empty() {
                String::new()
            } else {
                format!(": {}", with_role(role, label).replace('\n', " "))
            };
            out.push_str(&format!("- {}{label}\n", what.replace('\n', " ")));
        }
    }
    out
}
