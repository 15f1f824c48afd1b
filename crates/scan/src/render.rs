//! Renders a [`ScanReport`]: the human view (tables, findings with fixes, the
//! RoleDelivery verdict), Markdown, CSV and the JSON document. Strings in the report
//! were cleaned when it was built; table cells are also cut to a width. The findings
//! and the JSON envelope are rendered by `authdoctor-report`, as for every command.

use std::fmt::Write as _;

use authdoctor_kb::Shell;
use authdoctor_redact::Redacted;

use crate::report::ScanReport;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Rows per table.
    pub top: usize,
    pub shell: Shell,
    pub color: bool,
    /// Terminal width the findings are wrapped to.
    pub width: usize,
}

impl Style {
    fn finding_options(&self) -> authdoctor_report::Options {
        authdoctor_report::Options {
            color: self.color,
            width: self.width,
            shell: self.shell,
            origin: None,
        }
    }
}

/// The JSON document of the CLI contract.
pub fn json(report: &ScanReport) -> Redacted {
    authdoctor_report::document(report)
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn service(event_source: &str) -> &str {
    event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source)
}

/// `2023-07-10T11:42:18Z` → `2023-07-10 11:42`.
fn short_time(t: &str) -> String {
    if t.len() >= 16 {
        format!("{} {}", &t[..10], &t[11..16])
    } else {
        t.to_owned()
    }
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let _ = writeln!(out, "  {}", text.trim_end());
    };
    line(
        out,
        &header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(),
    );
    for row in rows {
        line(out, row);
    }
}

fn bold(s: &str, color: bool) -> String {
    if color {
        format!("\u{1b}[1m{s}\u{1b}[0m")
    } else {
        s.to_owned()
    }
}

fn summary_line(report: &ScanReport) -> String {
    let mut s = format!(
        "Scanned {} file(s), {} record(s), {} byte(s)",
        report.files, report.records, report.bytes
    );
    if report.uncompressed_bytes != report.bytes {
        let _ = write!(s, " ({} uncompressed)", report.uncompressed_bytes);
    }
    if report.pruned_files > 0 {
        let _ = write!(
            s,
            "; {} file(s) outside the filters not opened",
            report.pruned_files
        );
    }
    if report.filtered_records > 0 {
        let _ = write!(
            s,
            "; {} record(s) outside the filters",
            report.filtered_records
        );
    }
    s.push('.');
    s
}

fn failure_rows(report: &ScanReport, top: usize) -> Vec<Vec<String>> {
    report
        .failures
        .iter()
        .take(top)
        .map(|f| {
            vec![
                f.scenario.clone(),
                f.error_code.clone(),
                format!("{}:{}", service(&f.event_source), f.event_name),
                cut(&f.principal, 64),
                f.count.to_string(),
                short_time(&f.first_seen),
                short_time(&f.last_seen),
            ]
        })
        .collect()
}

const FAILURE_HEADER: [&str; 7] = [
    "scenario",
    "error",
    "service:action",
    "principal",
    "count",
    "first seen",
    "last seen",
];
const IMDS_HEADER: [&str; 6] = [
    "instance",
    "role",
    "key",
    "calls",
    "services",
    "user agents",
];

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn imds_rows(report: &ScanReport, top: usize) -> Vec<Vec<String>> {
    report
        .imdsv1_credentials
        .iter()
        .take(top)
        .map(|r| {
            vec![
                r.instance_id.clone(),
                cut(role_name(&r.role), 40),
                r.access_key_id.clone(),
                r.count.to_string(),
                cut(
                    &r.event_sources
                        .iter()
                        .map(|s| service(s))
                        .collect::<Vec<_>>()
                        .join(","),
                    30,
                ),
                cut(&r.user_agents.join(" | "), 60),
            ]
        })
        .collect()
}

fn more(out: &mut String, shown: usize, total: usize) {
    if total > shown {
        let _ = writeln!(
            out,
            "  … {} more (--top N, or --format json for all)",
            total - shown
        );
    }
}

pub fn human(report: &ScanReport, style: &Style) -> Redacted {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary_line(report));
    for s in &report.skipped_files {
        let _ = writeln!(out, "  skipped {}: {}", s.path, s.error);
    }
    if report.malformed_records > 0 {
        let _ = writeln!(
            out,
            "  {} value(s) were not CloudTrail records and were not counted.",
            report.malformed_records
        );
    }
    let _ = writeln!(out);
    if report.failures.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            bold("No authorization or credential failures.", style.color)
        );
    } else {
        let total: u64 = report.failures.iter().map(|f| f.count).sum();
        let _ = writeln!(
            out,
            "{}",
            bold(
                &format!(
                    "Refused calls: {total} in {} group(s)",
                    report.failures.len()
                ),
                style.color
            )
        );
        table(&mut out, &FAILURE_HEADER, &failure_rows(report, style.top));
        more(&mut out, style.top, report.failures.len());
    }
    for e in &report.excluded_errors {
        let _ = writeln!(
            out,
            "  (not counted: {} × {} — {})",
            e.count, e.error_code, e.reason
        );
    }
    let _ = writeln!(out);
    if report.imdsv1_credentials.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            bold(
                "No role credentials delivered through IMDSv1 were used.",
                style.color
            )
        );
    } else {
        let _ = writeln!(
            out,
            "{}",
            bold(
                &format!(
                    "Role credentials from IMDSv1 (ec2RoleDelivery 1.0): {} key(s)",
                    report.imdsv1_credentials.len()
                ),
                style.color
            )
        );
        table(&mut out, &IMDS_HEADER, &imds_rows(report, style.top));
        more(&mut out, style.top, report.imdsv1_credentials.len());
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {}",
        bold("ec2:RoleDelivery >= 2.0 enforceable today?", style.color),
        report.role_delivery.verdict
    );
    let shown = report.findings.len().min(style.top);
    if shown > 0 {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", bold("Findings", style.color));
        let _ = writeln!(out);
        out.push_str(&authdoctor_report::human_findings(
            report.findings.iter().take(shown),
            &style.finding_options(),
        ));
    }
    more(&mut out, shown, report.findings.len());
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {note}");
    }
    Redacted::keeping_style(&out)
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn md_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

pub fn markdown(report: &ScanReport, style: &Style) -> Redacted {
    let mut out = String::new();
    let _ = writeln!(out, "# CloudTrail scan\n\n{}\n", summary_line(report));
    if !report.skipped_files.is_empty() {
        let _ = writeln!(out, "Skipped files:\n");
        for s in &report.skipped_files {
            let _ = writeln!(out, "- `{}`: {}", md_cell(&s.path), md_cell(&s.error));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Refused calls\n");
    if report.failures.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        md_table(&mut out, &FAILURE_HEADER, &failure_rows(report, style.top));
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Role credentials from IMDSv1\n");
    if report.imdsv1_credentials.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        md_table(&mut out, &IMDS_HEADER, &imds_rows(report, style.top));
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "**`ec2:RoleDelivery >= 2.0` enforceable today?** {}\n",
        report.role_delivery.verdict
    );
    out.push_str(&authdoctor_report::markdown_findings(
        report.findings.iter().take(style.top),
        &style.finding_options(),
    ));
    for note in &report.notes {
        let _ = writeln!(out, "> {note}\n");
    }
    Redacted::from_string(out)
}

fn csv_field(s: &str) -> String {
    // Cells a spreadsheet would run as a formula get a leading quote.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(out: &mut String, cells: &[String]) {
    let cells: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    let _ = writeln!(out, "{}", cells.join(","));
}

/// Two CSV tables in one stream, each with its own header and a first column naming
/// it (`failure` / `imdsv1`), so `grep ^failure,` or a spreadsheet filter splits them.
/// Every group, not only `--top`.
pub fn csv(report: &ScanReport) -> String {
    let mut out = String::new();
    csv_line(
        &mut out,
        &[
            "table",
            "scenario",
            "error_code",
            "event_source",
            "event_name",
            "principal",
            "count",
            "first_seen",
            "last_seen",
            "source_ips",
            "user_agents",
            "example_event_id",
        ]
        .map(str::to_owned),
    );
    for f in &report.failures {
        csv_line(
            &mut out,
            &[
                "failure".to_owned(),
                f.scenario.clone(),
                f.error_code.clone(),
                f.event_source.clone(),
                f.event_name.clone(),
                f.principal.clone(),
                f.count.to_string(),
                f.first_seen.clone(),
                f.last_seen.clone(),
                f.source_ips.join(" "),
                f.user_agents.join(" | "),
                f.example_event_id.clone(),
            ],
        );
    }
    out.push('\n');
    csv_line(
        &mut out,
        &[
            "table",
            "instance_id",
            "role",
            "access_key_id",
            "count",
            "event_sources",
            "user_agents",
            "source_ips",
            "first_seen",
            "last_seen",
        ]
        .map(str::to_owned),
    );
    for r in &report.imdsv1_credentials {
        csv_line(
            &mut out,
            &[
                "imdsv1".to_owned(),
                r.instance_id.clone(),
                r.role.clone(),
                r.access_key_id.clone(),
                r.count.to_string(),
                r.event_sources.join(" "),
                r.user_agents.join(" | "),
                r.source_ips.join(" "),
                r.first_seen.clone(),
                r.last_seen.clone(),
            ],
        );
    }
    out
}
