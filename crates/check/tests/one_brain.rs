//! `check` names scenarios only through the diagnosis engine: no check picks one in
//! code. A `ScenarioId::Variant` literal in the library would be a second brain beside
//! the `[[observations]]` rules of the scenario files, deciding unseen by `explain` and
//! the knowledge base's tests.

use std::path::{Path, PathBuf};

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

/// The library code of a file: everything before its unit-test module (the first
/// `#[cfg(test)]` followed by a `mod`); a `#[cfg(test)]` on a single item inside the
/// code does not end it.
fn library_code(text: &str) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// `ScenarioId::` followed by a variant (an upper-case letter, then a lower-case one:
/// `ScenarioId::ALL` is the list of all of them, not a choice).
fn variant_literals(line: &str) -> usize {
    line.match_indices("ScenarioId::")
        .filter(|(at, m)| {
            let rest = &line.as_bytes()[at + m.len()..];
            rest.first().is_some_and(u8::is_ascii_uppercase)
                && rest.get(1).is_some_and(u8::is_ascii_lowercase)
        })
        .count()
}

#[test]
fn no_check_names_a_scenario_in_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 8, "found only {} source files", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (n, line) in library_code(&text).lines().enumerate() {
            if !line.trim_start().starts_with("//") && variant_literals(line) > 0 {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "{} scenario ids chosen in code (describe the facts as observations and let \
         verdict::scenario_of match them against the scenario files):\n{}",
        offenders.len(),
        offenders.join("\n")
    );
}

#[test]
fn the_walk_sees_literals_and_skips_unit_tests() {
    let text = "let a = ScenarioId::ClockSkew;\n#[cfg(test)]\nfn only_in_tests() {}\nlet b = ScenarioId::ALL;\n#[cfg(test)]\nmod tests {\n    ScenarioId::NoCredentials\n}\n";
    let code = library_code(text);
    assert!(code.contains("only_in_tests") && !code.contains("NoCredentials"));
    let found: usize = code.lines().map(variant_literals).sum();
    assert_eq!(found, 1);
}
