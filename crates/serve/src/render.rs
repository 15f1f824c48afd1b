//! Pieces of HTML shared by the pages: marked logs, fix commands with shell tabs,
//! findings. Every string goes through maud, which escapes it.

use std::collections::{BTreeMap, BTreeSet};

use authdoctor_diagnosis::{Explained, LocatedObservation};
use authdoctor_kb::{Finding, Role, Shell, TextEvidence};
use maud::{Markup, html};

/// Knowledge-base prose: `code` spans become <code>, `**` emphasis marks are dropped,
/// hard line breaks inside a paragraph are joined.
pub fn prose(text: &str) -> Markup {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let joined = joined.replace("**", "");
    html! {
        @for (i, part) in joined.split('`').enumerate() {
            @if i % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

/// Paragraphs of knowledge-base prose.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (prose(para)) } }
    }
}

/// One marked stretch of a line, in characters of the shown text.
#[derive(Debug, Clone)]
pub struct Span {
    pub start: usize,
    pub len: usize,
    pub role: Role,
    pub label: String,
}

fn role_class(role: Role) -> &'static str {
    match role {
        Role::Cause => "cause",
        Role::Symptom => "symptom",
        Role::Context => "context",
    }
}

fn role_prefix(role: Role) -> &'static str {
    match role {
        Role::Cause => "cause",
        Role::Symptom => "what the client finally reported",
        Role::Context => "evidence",
    }
}

/// A line with its spans marked (overlapping spans: the first one wins).
pub fn marked_line(text: &str, spans: &[Span]) -> Markup {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<&Span> = spans
        .iter()
        .filter(|s| s.len > 0 && s.start < chars.len())
        .collect();
    spans.sort_by_key(|s| s.start);
    let mut pieces: Vec<(String, Option<&Span>)> = Vec::new();
    let mut at = 0;
    for span in spans {
        if span.start < at {
            continue;
        }
        let end = (span.start + span.len).min(chars.len());
        pieces.push((chars[at..span.start].iter().collect(), None));
        pieces.push((chars[span.start..end].iter().collect(), Some(span)));
        at = end;
    }
    pieces.push((chars[at..].iter().collect(), None));
    html! {
        @for (text, span) in pieces {
            @match span {
                Some(span) => mark class=(role_class(span.role)) title=(format!("{}: {}", role_prefix(span.role), span.label)) data-role=(role_class(span.role)) { (text) },
                None => (text),
            }
        }
    }
}

/// Marks every occurrence of the example's evidence texts in a KB example log.
pub fn marked_example(log: &str, evidence: &[String]) -> Markup {
    html! {
        @for line in log.lines() {
            @let spans = evidence_spans(line, evidence);
            (marked_line(line, &spans)) "\n"
        }
    }
}

fn evidence_spans(line: &str, evidence: &[String]) -> Vec<Span> {
    let mut spans = Vec::new();
    for wanted in evidence.iter().filter(|w| !w.is_empty()) {
        if let Some(at) = line.find(wanted.as_str()) {
            spans.push(Span {
                start: line[..at].chars().count(),
                len: wanted.chars().count(),
                role: Role::Cause,
                label: "the key error signal".to_owned(),
            });
        }
    }
    spans
}

/// Lines shown in full below this count; above it, only the neighbourhood of evidence.
const FULL_TEXT_LINES: usize = 400;
const CONTEXT_LINES: usize = 3;
/// Characters of one line shown when no evidence points into it.
const LINE_CHARS: usize = 2000;

/// Values that redaction masked somewhere in the text. The page shows the whole text,
/// not only the evidence lines, so a token masked where a keyword announced it
/// (`X-aws-ec2-metadata-token: …`) must stay masked where it recurs bare.
pub fn masked_values(text: &str) -> Vec<String> {
    let mut secrets: BTreeSet<String> = BTreeSet::new();
    for line in text.lines() {
        let cleaned = authdoctor_redact::clean(line);
        if cleaned == line {
            continue;
        }
        for word in line.split(|c: char| c.is_whitespace() || "\"',;=:()[]{}<>`".contains(c)) {
            if word.chars().count() >= 16 && !cleaned.contains(word) {
                secrets.insert(word.to_owned());
            }
        }
    }
    // Longest first, so a value that contains another is replaced whole.
    let mut secrets: Vec<String> = secrets.into_iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// A line with every masked value replaced, then cleaned.
fn clean_line(line: &str, secrets: &[String]) -> String {
    let mut line = line.to_owned();
    for secret in secrets {
        if line.contains(secret.as_str()) {
            line = line.replace(secret.as_str(), "[redacted secret]");
        }
    }
    authdoctor_redact::clean(&line).into_owned()
}

/// A whole text cleaned for echoing back (a form's own content): every line cleaned,
/// and every value masked on one line masked on all.
pub fn clean_text(text: &str) -> String {
    let secrets = masked_values(text);
    text.lines()
        .map(|line| clean_line(line, &secrets))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Evidence spans of one engine piece of a line. When masking changed the piece, the
/// columns no longer hold: each evidence text is looked up in the masked piece instead.
fn piece_spans(piece: &str, shown: &str, offset: usize, evidence: &[&TextEvidence]) -> Vec<Span> {
    evidence
        .iter()
        .filter_map(|e| {
            let start = if piece == shown {
                e.column.checked_sub(1 + offset)?
            } else {
                let at = shown.find(e.text.as_str())?;
                shown[..at].chars().count()
            };
            Some(Span {
                start,
                len: e.length,
                role: e.role,
                label: e.label.clone(),
            })
        })
        .collect()
}

/// The user's own text, cleaned, with the evidence of every finding marked.
pub fn user_text(
    text: &str,
    explained: &[Explained],
    observations: &[LocatedObservation],
) -> Markup {
    let secrets = masked_values(text);
    // Evidence by line number, and the engine's cleaned pieces of those lines.
    let mut evidence: BTreeMap<usize, Vec<&TextEvidence>> = BTreeMap::new();
    let mut pieces: BTreeMap<usize, BTreeMap<usize, &str>> = BTreeMap::new();
    for item in explained {
        for e in item.finding.evidence.iter().filter_map(|e| e.as_text()) {
            evidence.entry(e.line).or_default().push(e);
        }
        for line in &item.lines {
            pieces
                .entry(line.number)
                .or_default()
                .entry(line.char_offset)
                .or_insert(line.text.as_str());
        }
    }
    let total = text.lines().count();
    let shown: Option<BTreeSet<usize>> = (total > FULL_TEXT_LINES).then(|| {
        let mut keep = BTreeSet::new();
        let interesting = evidence
            .keys()
            .copied()
            .chain(observations.iter().map(|o| o.line))
            .chain(1..=20);
        for n in interesting {
            for k in n.saturating_sub(CONTEXT_LINES).max(1)..=n + CONTEXT_LINES {
                keep.insert(k);
            }
        }
        keep
    });
    let mut skipped = 0usize;
    html! {
        @for (i, raw) in text.lines().enumerate() {
            @let number = i + 1;
            @if shown.as_ref().is_some_and(|s| !s.contains(&number)) {
                ({ skipped += 1; "" })
            } @else {
                @if skipped > 0 {
                    span.gap { "⋮ " (skipped) " lines not shown" } "\n"
                    ({ skipped = 0; "" })
                }
                span.ln aria-hidden="true" { (number) }
                @if let Some(parts) = pieces.get(&number) {
                    @let mut last_end = 0usize;
                    @for (offset, piece) in parts {
                        @if *offset > last_end { span.gap { "…" } }
                        @let shown = clean_line(piece, &secrets);
                        @let here: Vec<&TextEvidence> = evidence.get(&number).into_iter().flatten().copied().collect();
                        @let spans = piece_spans(piece, &shown, *offset, &here);
                        (marked_line(&shown, &spans))
                        ({ last_end = offset + piece.chars().count(); "" })
                    }
                } @else {
                    @let cleaned = clean_line(raw, &secrets);
                    @let shown_text: String = cleaned.chars().take(LINE_CHARS).collect();
                    (shown_text)
                    @if cleaned.chars().count() > LINE_CHARS { span.gap { "…" } }
                }
                "\n"
            }
        }
        @if skipped > 0 {
            span.gap { "⋮ " (skipped) " lines not shown" } "\n"
        }
    }
}

/// The story of a debug log: observations in order, those on a cause line marked.
pub fn story(observations: &[LocatedObservation], explained: &[Explained]) -> Markup {
    let cause_lines: BTreeSet<usize> = explained
        .iter()
        .flat_map(|e| e.finding.evidence.iter())
        .filter_map(|e| e.as_text())
        .filter(|e| e.role == Role::Cause)
        .map(|e| e.line)
        .collect();
    html! {
        @if !observations.is_empty() {
            section aria-labelledby="story-title" {
                h2 #story-title { "What the log shows happened" }
                ol.story {
                    @for o in observations {
                        @let cause = cause_lines.contains(&o.line);
                        li class=[cause.then_some("cause")] {
                            span.badge { "line " (o.line) }
                            " " (authdoctor_redact::clean(&o.observation.describe()))
                        }
                    }
                }
            }
        }
    }
}

/// A command block with its copy button (shown by the script).
fn command_block(id: &str, description: &str, command: &str, shell_name: &str) -> Markup {
    let label = if description.is_empty() {
        format!("Copy the {shell_name} command")
    } else {
        format!("Copy the {shell_name} command: {description}")
    };
    html! {
        div.command {
            @if !description.is_empty() { p { (description) } }
            pre { code #(id) { (command) } }
            button.copy.secondary type="button" hidden data-copy-target=(id) data-label=(label) aria-label=(label) { "Copy" }
        }
    }
}

/// Fix commands for both shells: tabs with the script, two headed sections without.
pub fn shell_tabs(prefix: &str, commands: &[(String, String, String)]) -> Markup {
    html! {
        @if !commands.is_empty() {
            div.shells {
                div role="tablist" aria-label="Shell for the fix commands" hidden {
                    button type="button" role="tab" id=(format!("{prefix}-tab-bash")) data-shell="bash" aria-controls=(format!("{prefix}-bash")) aria-selected="true" { "bash" }
                    button type="button" role="tab" id=(format!("{prefix}-tab-powershell")) data-shell="powershell" aria-controls=(format!("{prefix}-powershell")) aria-selected="false" tabindex="-1" { "PowerShell" }
                }
                div #(format!("{prefix}-bash")) role="tabpanel" data-shell-panel="bash" aria-labelledby=(format!("{prefix}-tab-bash")) {
                    h3 { "bash" }
                    @for (i, (description, bash, _)) in commands.iter().enumerate() {
                        (command_block(&format!("{prefix}-bash-{i}"), description, bash, "bash"))
                    }
                }
                div #(format!("{prefix}-powershell")) role="tabpanel" data-shell-panel="powershell" aria-labelledby=(format!("{prefix}-tab-powershell")) {
                    h3 { "PowerShell" }
                    @for (i, (description, _, powershell)) in commands.iter().enumerate() {
                        (command_block(&format!("{prefix}-powershell-{i}"), description, powershell, "PowerShell"))
                    }
                }
            }
        }
    }
}

/// A finding's commands as (description, bash, PowerShell) triples.
pub fn finding_commands(finding: &Finding) -> Vec<(String, String, String)> {
    let bash: Vec<_> = finding
        .fix
        .commands
        .iter()
        .filter(|c| c.shell == Shell::Bash)
        .collect();
    let powershell: Vec<_> = finding
        .fix
        .commands
        .iter()
        .filter(|c| c.shell == Shell::Powershell)
        .collect();
    bash.iter()
        .zip(powershell.iter())
        .map(|(b, p)| (b.description.clone(), b.command.clone(), p.command.clone()))
        .collect()
}

/// One finding: what it is, why, what was found, the fix, candidates, notes.
pub fn finding(index: usize, finding: &Finding) -> Markup {
    let kb = authdoctor_kb::knowledge_base();
    let known = kb.get(&finding.scenario).is_some();
    html! {
        article.finding aria-labelledby=(format!("finding-{index}")) {
            h2 #(format!("finding-{index}")) { (finding.title) }
            p {
                @if known {
                    a href=(format!("/scenarios/{}", finding.scenario)) { span.badge { (finding.scenario) } }
                } @else {
                    span.badge { (finding.scenario) }
                }
                " confidence " (format!("{:.2}", finding.confidence))
                @if finding.occurrences > 1 { ", seen " (finding.occurrences) " times" }
            }
            @if let Some(summary) = &finding.summary { p { (prose(summary)) } }
            h3 { "Why" }
            (paragraphs(&finding.root_cause))
            @let facts: Vec<_> = finding.facts.iter().filter(|(k, _)| !matches!(k.as_str(), "signed_at" | "server_time")).collect();
            @if !facts.is_empty() {
                h3 { "Found in your text" }
                dl {
                    @for (k, v) in facts { dt { code { (k) } } dd { code { (v) } } }
                }
            }
            h3 { "Fix" }
            ol { @for step in &finding.fix.steps { li { (prose(step)) } } }
            (shell_tabs(&format!("f{index}"), &finding_commands(finding)))
            @if !finding.candidates.is_empty() {
                h3 { "Other candidates" }
                ul {
                    @for c in &finding.candidates {
                        li {
                            a href=(format!("/scenarios/{}", c.scenario)) { (c.scenario) }
                            " (confidence " (format!("{:.2}", c.confidence)) ")"
                        }
                    }
                }
                @if !finding.separated_by.is_empty() {
                    p { strong { "What tells them apart: " } }
                    ul { @for s in &finding.separated_by { li { code { (s) } } } }
                }
            }
            @for note in &finding.notes { p.hint { strong { "Note: " } (prose(note)) } }
            @if !finding.related_checks.is_empty() {
                p { "Confirm on the host: " code { "authdoctor check" } " (checks: "
                    @for (i, c) in finding.related_checks.iter().enumerate() {
                        @if i > 0 { ", " } code { (c) }
                    }
                ")" }
            }
            @if !finding.references.is_empty() {
                h3 { "References" }
                ul { @for r in &finding.references { li { a href=(r) rel="noreferrer noopener" { (r) } } } }
            }
        }
    }
}
