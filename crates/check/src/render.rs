//! Renders a [`Report`]: `human` (grouped checks with coloured status marks, each failure
//! naming its scenario and a one-line fix, then the findings), `json` (the CLI contract)
//! and `markdown`. The final text of every format passes through
//! [`authdoctor_redact::clean`], so a secret can only reach the output if every earlier
//! layer missed it too.

use anstyle::{AnsiColor, Effects, Style};
use authdoctor_kb::Shell;
use serde::Serialize;

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

/// The human view.
pub fn human(report: &Report, color: bool) -> String {
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
        out.push('\n');
        for (i, f) in report.findings.iter().enumerate() {
            out.push_str(&format!(
                "  {}. {} — {}\n",
                i + 1,
                paint(color, bold, &f.scenario),
                f.title
            ));
            if let Some(summary) = &f.summary {
                out.push_str(&format!("     {}\n", first_sentence(summary)));
            }
            for cmd in f
                .fix
                .commands
                .iter()
                .filter(|c| c.shell == Shell::Bash)
                .take(2)
            {
                out.push_str(&format!("     $ {}\n", cmd.command));
            }
            if f.fix.commands.is_empty()
                && let Some(step) = f.fix.steps.first()
            {
                out.push_str(&format!("     fix: {}\n", first_sentence(step)));
            }
        }
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
    authdoctor_redact::clean_keeping_style(&out).into_owned()
}

fn first_sentence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(i) if i < 300 => one_line[..=i].to_owned(),
        _ => one_line.chars().take(300).collect(),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

/// The JSON document of the CLI contract.
pub fn json(report: &Report) -> String {
    let doc = Document { version: 1, report };
    let text = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"version\":1,\"error\":\"{e}\"}}"));
    authdoctor_redact::clean(&text).into_owned()
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown view: a table of checks, then the findings.
pub fn markdown(report: &Report) -> String {
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
        out.push_str("\n## Findings\n");
        for f in &report.findings {
            out.push_str(&format!("\n### `{}`: {}\n\n", f.scenario, f.title));
            out.push_str(&f.root_cause);
            out.push_str("\n\n");
            for step in &f.fix.steps {
                out.push_str(&format!(
                    "- {}\n",
                    step.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
            let bash: Vec<&str> = f
                .fix
                .commands
                .iter()
                .filter(|c| c.shell == Shell::Bash)
                .map(|c| c.command.as_str())
                .collect();
            if !bash.is_empty() {
                out.push_str("\n```bash\n");
                for cmd in bash {
                    out.push_str(cmd);
                    out.push('\n');
                }
                out.push_str("```\n");
            }
        }
    }
    let cr = &report.credentials;
    out.push_str(&format!(
        "\n## Credentials\n\n- source: `{}`\n- access key id: {}\n- role: {}\n- expires at: {}\n",
        cr.source,
        cr.access_key_id.as_deref().unwrap_or("–"),
        cr.role.as_deref().unwrap_or("–"),
        cr.expires_at.as_deref().unwrap_or("–"),
    ));
    authdoctor_redact::clean(&out).into_owned()
}
