//! Reads `scenarios/*.toml`, `placeholders.toml` and `outside.toml`, checks them
//! against the schema in `src/schema.rs` (unknown keys are errors), and embeds them as
//! one postcard document (a compact binary serde form), so the binary pays no TOML or
//! JSON parsing at start-up and a typo fails the build with the file, line and column.

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

    println!("cargo:rerun-if-changed=catalogue.toml");
    println!("cargo:rerun-if-changed=checks.toml");
    let catalogue: Catalogue = read_toml(&root.join("catalogue.toml"));
    let checks: Checks = read_toml(&root.join("checks.toml"));
    let listed: Vec<&str> = catalogue
        .sections
        .iter()
        .flat_map(|s| s.scenarios.iter().map(String::as_str))
        .collect();
    for s in &scenarios {
        let times = listed.iter().filter(|id| **id == s.id).count();
        assert_eq!(times, 1, "catalogue.toml must list `{}` exactly once", s.id);
    }
    for id in &listed {
        assert!(
            scenarios.iter().any(|s| s.id == *id),
            "catalogue.toml lists `{id}`, which has no scenario file"
        );
    }
    let check_ids: Vec<&str> = checks.checks.iter().map(|c| c.id.as_str()).collect();
    for s in &scenarios {
        let named = s.related_checks.iter().chain(&s.separated_by);
        for check in named {
            assert!(
                check_ids.contains(&check.as_str()),
                "{}: check `{check}` is not in checks.toml",
                s.id
            );
        }
        let others = s.explains.iter().chain(&s.ambiguous_with);
        for other in others {
            assert!(
                listed.contains(&other.as_str()),
                "{}: `{other}` is not a scenario id",
                s.id
            );
        }
    }

    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let ids = id_enum(
        "ScenarioId",
        "A scenario of the catalogue (`shared/spec/scenarios.md`), in catalogue order: the\n/// only way code names one. Generated from `scenarios/*.toml` and `catalogue.toml`.",
        &listed,
    ) + &id_enum(
        "CheckId",
        "A check of `authdoctor check`, in report order. Generated from `checks.toml`.",
        &check_ids,
    );
    let mut ids = ids;
    ids += "/// Check ids as strings, in report order.\npub const KNOWN_CHECKS: &[&str] = &[\n";
    for id in &check_ids {
        ids += &format!("    \"{id}\",\n");
    }
    ids += "];\n\n/// The catalogue's sections and their scenario ids, in catalogue order.\npub const CATALOGUE: &[(&str, &[&str])] = &[\n";
    for section in &catalogue.sections {
        ids += &format!("    ({:?}, &[\n", section.title);
        for id in &section.scenarios {
            ids += &format!("        \"{id}\",\n");
        }
        ids += "    ]),\n";
    }
    ids += "];\n";
    fs::write(Path::new(&out_dir).join("ids.rs"), ids).expect("write ids.rs");

    println!("cargo:rerun-if-changed=outside.toml");
    let outside: Outside = read_toml(&root.join("outside.toml"));
    for (i, cause) in outside.causes.iter().enumerate() {
        let at = format!("outside.toml: cause `{}`", cause.name);
        assert!(
            outside.causes[..i].iter().all(|c| c.name != cause.name),
            "{at} is listed twice"
        );
        assert!(
            !cause.title.trim().is_empty() && !cause.root_cause.trim().is_empty(),
            "{at} needs a title and a root cause"
        );
        assert!(!cause.steps.is_empty(), "{at} needs steps");
        assert!(
            !cause.phrases.is_empty() && cause.phrases.iter().all(|p| p.trim().len() >= 8),
            "{at} needs phrases of at least eight characters"
        );
        assert!(!cause.examples.is_empty(), "{at} needs an example");
        for symptom in &cause.explains {
            assert!(
                listed.contains(&symptom.as_str()),
                "{at}: `{symptom}` is not a scenario id"
            );
        }
    }

    let base = schema::KnowledgeBaseData {
        scenarios,
        placeholders,
        catalogue: catalogue.sections,
        checks: checks.checks,
        outside: outside.causes,
    };
    let bytes = postcard::to_allocvec(&base).expect("serialise knowledge base");
    fs::write(Path::new(&out_dir).join("kb.postcard"), bytes).expect("write kb.postcard");
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    sections: Vec<schema::Section>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Outside {
    causes: Vec<schema::OutsideCause>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Checks {
    checks: Vec<schema::CheckSpec>,
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `imds-hop-limit` → `ImdsHopLimit`, `env.imds-settings` → `EnvImdsSettings`.
fn variant(id: &str) -> String {
    id.split(['-', '.'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Source of a closed enum over `ids` with `ALL`, `as_str`, `parse`, `Display` and
/// string (de)serialisation.
fn id_enum(name: &str, doc: &str, ids: &[&str]) -> String {
    let mut src = format!(
        "/// {doc}\n#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\npub enum {name} {{\n"
    );
    for id in ids {
        src += &format!("    /// `{id}`\n    {},\n", variant(id));
    }
    src += &format!(
        "}}\n\nimpl {name} {{\n    /// Every id, in order.\n    pub const ALL: &'static [{name}] = &[\n"
    );
    for id in ids {
        src += &format!("        {name}::{},\n", variant(id));
    }
    src += "    ];\n\n    /// The id as written in data, JSON and on the command line.\n    pub const fn as_str(self) -> &'static str {\n        match self {\n";
    for id in ids {
        src += &format!("            {name}::{} => \"{id}\",\n", variant(id));
    }
    src += "        }\n    }\n\n    /// The id spelled `text`, if there is one.\n    pub fn parse(text: &str) -> Option<Self> {\n        Self::ALL.iter().copied().find(|id| id.as_str() == text)\n    }\n}\n\n";
    src += &format!(
        "impl std::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}\n\n\
         impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{\n        s.serialize_str(self.as_str())\n    }}\n}}\n\n\
         impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;\n        Self::parse(&text).ok_or_else(|| serde::de::Error::custom(format!(\"unknown {name} `{{text}}`\")))\n    }}\n}}\n\n"
    );
    src
}
