//! Reads `scenarios/*.toml` and `placeholders.toml`, checks them against the schema in
//! `src/schema.rs` (unknown keys are errors), and embeds them as one JSON document, so
//! the binary pays no TOML parsing at start-up and a typo fails the build with the
//! file, line and column.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

#[allow(dead_code)]
mod schema {
    include!("src/schema.rs");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=placeholders.toml");
    println!("cargo:rerun-if-changed=src/schema.rs");

    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();

    let mut scenarios = Vec::new();
    for path in &paths {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let scenario: schema::Scenario =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(
            scenario.id,
            stem,
            "{}: id must equal the file name",
            path.display()
        );
        scenarios.push(scenario);
    }

    let placeholders_path = root.join("placeholders.toml");
    let text = fs::read_to_string(&placeholders_path).expect("placeholders.toml");
    let placeholders: BTreeMap<String, schema::Placeholder> =
        toml::from_str(&text).unwrap_or_else(|e| panic!("placeholders.toml: {e}"));

    let base = schema::KnowledgeBaseData {
        scenarios,
        placeholders,
    };
    let json = serde_json::to_string(&base).expect("serialise knowledge base");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("kb.json");
    fs::write(out, json).expect("write kb.json");
}
