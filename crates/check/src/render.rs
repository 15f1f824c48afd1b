//! Renders a [`Report`]: `human` (grouped checks with coloured status marks, each failure
//! naming its scenario and a one-line fix, then the findings), `json` (the CLI contract)
//! and `markdown`. The findings and the JSON envelope are rendered by
//! `authdoctor-report`, as for every other command; every format comes back as
//! [`Redacted`] text, so a secret can only reach the output if every earlier layer
//! missed it too.

use anstyle::{AnsiColor, Effects, Style};
use authdoctor_redact::Redacted;
use authdoctor_report::Options;

use crate::{Check, Report, Status};

const GROUPS: &[(&str, &str)] = &[
    ("env", "Environment"),
    ("files", "Config files"),
    ("chain", "Credential chain"),
    ("credentials", "Credentials"),
    ("imds", "Instance metadata service"),
    ("clock", "Clock"),
    ("online", "AWS APIs (--online)"),
];

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn mark(status: Status, color: bool) -> String {
    let (text, style) = match status {
        Status::Pass => ("✓ pass", AnsiColor::Green.on_default()),
        Status::Warn => (
            "! warn",
            AnsiColor::Yellow.on_default().effects(Effects::BOLD),
        ),
        Status::Fail => ("✗ FAIL", AnsiColor::Red.on_default().effects(Effects::BOLD)),
        Status::Skip => ("- skip", Style::new().effects(Effects::DIMMED)),
    };
    paint(color, style, text)
}

fn group_of(check: &Check) -> &str {
    check.id.as_str().split('.').next().unwrap_or_default()
}

/// The human view; `options` say how findings are shown (colour, width, the shell of
/// the fix commands).
pub fn human(report: &Report, options: &Options) -> Redacted {
    let color = options.color;
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().effects(Effects::DIMMED);
    let mut out = String::new();
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    out.push_str(&paint(color, bold, "authdoctor check"));
    out.push_str(&format!(
        ": {} checks, {} failed, {} warnings, {} passed, {} skipped\n",
        report.checks.len(),
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Pass),
        count(Status::Skip)
    ));
    let width = report
        .checks
        .iter()
        .map(|c| c.id.as_str().len())
        .max()
        .unwrap_or(10);
    for (group, title) in GROUPS {
        let checks: Vec<&Check> = report
            .checks
            .iter()
            .filter(|c| group_of(c) == *group)
            .collect();
        if checks.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(&paint(color, bold, title));
        out.push('\n');
        for c in checks {
            out.push_str(&format!(
                "  {}  {:<width$}  {}  {}\n",
                mark(c.status, color),
                c.id,
                c.summary,
                paint(color, dim, &format!("({} ms)", c.duration_ms)),
            ));
            if matches!(c.status, Status::Fail | Status::Warn) {
                let pad = " ".repeat(width + 12);
                if let Some(s) = c.scenario {
                    out.push_str(&format!("{pad}scenario: {s}  (authdoctor scenarios {s})\n"));
                }
                if let Some(fix) = &c.fix {
                    out.push_str(&format!("{pad}fix: {fix}\n"));
                }
            }
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
        out.push_str(&paint(color, bold, "Findings, best first"));
        out.push_str("\n\n");
        out.push_str(&authdoctor_report::human_findings(
            &report.findings,
            options,
        ));
    }
    out.push('\n');
    let cr = &report.credentials;
    out.push_str(&format!(
        "{} {}",
        paint(color, bold, "Credentials (botocore/AWS CLI chain):"),
        cr.source
    ));
    if let Some(k) = &cr.access_key_id {
        out.push_str(&format!(", key {k}"));
    }
    if let Some(r) = &cr.role {
        out.push_str(&format!(", role {r}"));
    }
    if let Some(e) = &cr.expires_at {
        out.push_str(&format!(", expires {e}"));
    }
    out.push('\n');
    Redacted::keeping_style(&out)
}

/// The JSON document of the CLI contract.
pub fn json(report: &Report) -> Redacted {
    authdoctor_report::document(report)
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown view: a table of checks, then the findings.
pub fn markdown(report: &Report, options: &Options) -> Redacted {
    let mut out = String::from(
        "# authdoctor check\n\n| status | check | summary | scenario |\n|---|---|---|---|\n",
    );
    for c in &report.checks {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            c.status,
            c.id,
            md_cell(&c.summary),
            c.scenario.map(|s| format!("`{s}`")).unwrap_or_default()
        ));
    }
    let fixes: Vec<&Check> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn) && c.fix.is_some())
        .collect();
    if !fixes.is_empty() {
        out.push_str("\n## Fixes\n\n");
        for c in fixes {
            out.push_str(&format!(
                "- `{}`: `{}`\n",
                c.id,
                c.fix.as_deref().unwrap_or_default().replace('`', "'")
            ));
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
        out.push_str(&authdoctor_report::markdown_findings(
            &report.findings,
            options,
        ));
    }
    let cr = &report.credentials;
    out.push_str(&format!(
        "\n## Credentials\n\n- source: `{}`\n- access key id: {}\n- role: {}\n- expires at: {}\n",
        cr.source,
        cr.access_key_id.as_deref().unwrap_or("–"),
        cr.role.as_deref().unwrap_or("–"),
        cr.expires_at.as_deref().unwrap_or("–"),
    ));
    Redacted::from_string(out)
}
