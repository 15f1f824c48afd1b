//! Scenarios are named in code only through the generated `ScenarioId`: no scenario id
//! written as a string literal in any crate's library or binary code (the scenario files
//! and tests may spell them). A free string would not be checked by the compiler and
//! would drift from the data unnoticed.

use std::path::{Path, PathBuf};

use authdoctor_kb::ScenarioId;

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
fn no_scenario_id_string_literal_outside_the_knowledge_base_and_tests() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| panic!("crates/ folder"));
    let mut files = Vec::new();
    for krate in std::fs::read_dir(crates)
        .unwrap_or_else(|e| panic!("{}: {e}", crates.display()))
        .flatten()
    {
        rust_files(&krate.path().join("src"), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        // Unit tests sit at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for id in ScenarioId::ALL {
            let literal = format!("\"{}\"", id.as_str());
            for (n, line) in code.lines().enumerate() {
                if line.contains(&literal) && !line.trim_start().starts_with("//") {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "scenario ids written as strings (use authdoctor_kb::ScenarioId):\n{}",
        offenders.join("\n")
    );
}
