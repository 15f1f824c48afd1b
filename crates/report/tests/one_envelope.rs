//! The JSON envelope (`{"version": 1, …}`) is written in one place, this crate: no other
//! crate's library or binary code spells a `version` key or field of a document. A
//! second writer would drift (another version, another fallback, no redaction) unseen.

use std::path::{Path, PathBuf};

/// How a document's version is written by hand: a `json!` key or an escaped key in a
/// format string, a struct field, a field initialiser.
const PATTERNS: &[&str] = &[
    "\"version\":",
    "\"version\" :",
    "\\\"version\\\"",
    "version: u32",
    "version: 1",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_report_crate_writes_the_version_of_a_document() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| panic!("crates/ folder"));
    let mut files = Vec::new();
    for krate in std::fs::read_dir(crates)
        .unwrap_or_else(|e| panic!("{}: {e}", crates.display()))
        .flatten()
    {
        if krate.file_name() == "report" {
            continue;
        }
        rust_files(&krate.path().join("src"), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        // Unit tests sit at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if !line.trim_start().starts_with("//") && PATTERNS.iter().any(|p| line.contains(p)) {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "documents that write their own `version` (use authdoctor_report::document):\n{}",
        offenders.join("\n")
    );
}

/// The scan is not blind: the patterns find a hand-written envelope.
#[test]
fn the_patterns_find_a_hand_written_envelope() {
    for written in [
        r#"serde_json::json!({ "version": 1, "findings": [] })"#,
        "struct Doc { version: u32 }",
        r#"format!("{{\"version\":1,\"error\":\"{e}\"}}")"#,
    ] {
        assert!(PATTERNS.iter().any(|p| written.contains(p)), "{written}");
    }
}
