//! Structural validation of the whole knowledge base, whoever wrote each file: scenario
//! ids against the catalogue, placeholders, signals (regexes, anchors, weights,
//! conjunctions), examples, checks and references. Every failure names the scenario file
//! so its writer can fix it at once; each test collects all failures before it fails.
//!
//! Commands are checked in `aws_cli.rs` (against botocore's service models) and
//! `powershell.rs` (against `tests/data/powershell.toml`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use authdoctor_kb::{KNOWN_CHECKS, Scenario, knowledge_base};
use regex_syntax::hir::{Class, Hir, HirKind};

/// The scenario ids of `shared/spec/scenarios.md`, in its order. Kept here so the test
/// also runs where the spec is not checked out; `spec_ids_match_the_catalogue_document`
/// compares it with the document whenever the document is there.
const SPEC_IDS: &[&str] = &[
    "imds-token-wrong-path",
    "imds-token-invalid",
    "launch-requires-imdsv2",
    "role-delivery-imdsv1-denied",
    "dlm-role-insufficient",
    "fleet-delete-missing-terminate",
    "spot-request-tags-denied",
    "expired-token",
    "clock-skew",
    "credential-shadowing",
    "imds-credentials-not-found",
    "imds-proxy",
    "imds-throttled",
    "imds-hop-limit",
    "no-credentials",
    "invalid-client-token",
    "signature-mismatch",
    "access-denied-scp",
    "access-denied-missing-allow",
    "access-denied-boundary",
    "access-denied-resource-policy",
    "passrole-denied",
    "assume-role-denied",
    "web-identity-token-invalid",
    "sso-session-expired",
    "imds-disabled",
    "imds-unreachable",
    "encoded-authorization-message",
];

/// Fact names the CLI contract (`shared/spec/cli.md`, `facts`) defines besides the
/// placeholders.
const CONTRACT_FACTS: &[&str] = &[
    "error_code",
    "http_status",
    "service",
    "action",
    "principal",
    "resource",
    "request_id",
    "encoded_message",
    "expires_at",
    "condition_key",
    "imds_path",
    "sdk",
];

/// Single words that appear in every authorization error; a signal made of one of them
/// must never be strong enough to name a scenario on its own.
const GENERIC_LITERALS: &[&str] = &[
    "400",
    "401",
    "403",
    "404",
    "access denied",
    "accessdenied",
    "credentials",
    "denied",
    "error",
    "expired",
    "forbidden",
    "token",
    "unauthorized",
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How failures refer to a scenario: the file its writer edits.
fn file_of(id: &str) -> String {
    format!("crates/kb/scenarios/{id}.toml")
}

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} problem(s)\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

fn scenarios() -> &'static [Scenario] {
    knowledge_base().scenarios()
}

#[test]
fn spec_ids_are_unique() {
    let mut seen = BTreeSet::new();
    for id in SPEC_IDS {
        assert!(seen.insert(*id), "SPEC_IDS lists {id} twice");
    }
}

#[test]
fn spec_ids_match_the_catalogue_document() {
    // The spec lives in the project's shared/ folder beside the repository, not in it:
    // AUTHDOCTOR_SHARED_DIR points at it from elsewhere (a git worktree).
    let shared = std::env::var_os("AUTHDOCTOR_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../../../shared"));
    let path = shared.join("spec/scenarios.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var_os("AUTHDOCTOR_SHARED_DIR").is_none(),
            "AUTHDOCTOR_SHARED_DIR is set but {} cannot be read",
            path.display()
        );
        // SPEC_IDS stands in for it.
        eprintln!(
            "note: {} not found (shared/ is beside the repository, not in it; set \
             AUTHDOCTOR_SHARED_DIR to use another); checked against the embedded id list only",
            path.display()
        );
        return;
    };
    let row = regex::Regex::new(r"^\|\s*`([a-z0-9-]+)`\s*\|").expect("static regex");
    let in_doc: Vec<String> = text
        .lines()
        .filter_map(|l| row.captures(l).map(|c| c[1].to_owned()))
        .collect();
    let doc: BTreeSet<&str> = in_doc.iter().map(String::as_str).collect();
    assert_eq!(
        doc.len(),
        in_doc.len(),
        "{} lists an id twice: {in_doc:?}",
        path.display()
    );
    let embedded: BTreeSet<&str> = SPEC_IDS.iter().copied().collect();
    let missing: Vec<_> = doc.difference(&embedded).collect();
    let extra: Vec<_> = embedded.difference(&doc).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "SPEC_IDS in {} is out of date with {}: add {missing:?}, remove {extra:?}",
        file!(),
        path.display()
    );
}

#[test]
fn the_catalogue_constant_lists_exactly_the_spec_ids() {
    let listed: Vec<&str> = authdoctor_kb::CATALOGUE
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let set: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(set.len(), listed.len(), "CATALOGUE lists an id twice");
    let spec: BTreeSet<&str> = SPEC_IDS.iter().copied().collect();
    assert_eq!(set, spec, "authdoctor_kb::CATALOGUE differs from SPEC_IDS");
}

#[test]
fn every_spec_id_has_exactly_one_scenario_file() {
    let mut failures = Vec::new();
    let dir = crate_dir().join("scenarios");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    let mut embedded = BTreeMap::<&str, usize>::new();
    for s in scenarios() {
        *embedded.entry(s.id.as_str()).or_default() += 1;
    }
    for id in SPEC_IDS {
        if !on_disk.contains(*id) {
            failures.push(format!(
                "{}: missing (spec id `{id}` has no file)",
                file_of(id)
            ));
        } else if !embedded.contains_key(id) {
            failures.push(format!(
                "{}: exists but is not embedded (rebuild authdoctor-kb)",
                file_of(id)
            ));
        }
    }
    for (id, n) in &embedded {
        if *n > 1 {
            failures.push(format!("{}: id `{id}` is used {n} times", file_of(id)));
        }
        if !SPEC_IDS.contains(id) {
            failures.push(format!(
                "{}: `{id}` is not a scenario id of shared/spec/scenarios.md",
                file_of(id)
            ));
        }
    }
    report("scenario files", &failures);
}

/// `{name}` references in a command: anything in braces that looks like an identifier.
/// Braces holding spaces, quotes or `$` (JSON, PowerShell script blocks) are not names,
/// nor are shell `${VAR}` and curl's `%{http_code}`.
fn brace_names(command: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = command;
    while let Some(start) = rest.find('{') {
        let before = rest[..start].chars().next_back();
        let after = &rest[start + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') && !matches!(before, Some('%' | '$')) {
            names.push(&after[..len]);
        }
        rest = after;
    }
    names
}

/// The numbers in a pattern's counted repetitions (`{8,17}` gives 8 and 17).
fn counted_repetition_bounds(pattern: &str) -> impl Iterator<Item = usize> + '_ {
    pattern
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(inside, _)| inside))
        .flat_map(|inside| inside.split(','))
        .filter_map(|n| n.trim().parse().ok())
}

/// A fact longer than its placeholder's `max_length` is not put into a command, while
/// the same shape at a sane length is.
#[test]
fn a_fact_longer_than_its_placeholder_allows_is_not_filled_in() {
    let kb = knowledge_base();
    let resource = |name: &str| {
        let mut facts = authdoctor_kb::Facts::new();
        facts.insert(
            "resource".into(),
            format!("arn:aws:s3:::app-config-bucket/{name}"),
        );
        kb.fill("aws s3 ls {resource}", &facts)
    };
    assert_eq!(
        resource("config.json"),
        "aws s3 ls arn:aws:s3:::app-config-bucket/config.json"
    );
    let max = kb.placeholders()["resource"]
        .max_length
        .expect("resource has a max_length");
    assert_eq!(
        resource(&"a".repeat(max)),
        format!("aws s3 ls {}", kb.placeholders()["resource"].display)
    );
}

#[test]
fn every_placeholder_is_defined_and_every_pattern_compiles() {
    let kb = knowledge_base();
    let placeholders = kb.placeholders();
    let mut failures = Vec::new();
    for (name, p) in placeholders {
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            failures.push(format!(
                "crates/kb/placeholders.toml: [{name}] must be lower_snake_case"
            ));
        }
        if kb.placeholder_regex(name).is_none() {
            let error = regex::RegexBuilder::new(&p.pattern)
                .unicode(false)
                .build()
                .err()
                .map_or_else(String::new, |e| e.to_string());
            failures.push(format!(
                "crates/kb/placeholders.toml: [{name}] pattern does not compile with ASCII \
                 classes: {error}"
            ));
        }
        if let Some(bound) = counted_repetition_bounds(&p.pattern).find(|b| *b > 128) {
            failures.push(format!(
                "crates/kb/placeholders.toml: [{name}] pattern repeats up to {bound} times: \
                 write `+` and put the bound in max_length (each count is a compiled state)"
            ));
        }
        if p.display.trim().is_empty() || p.description.trim().is_empty() {
            failures.push(format!(
                "crates/kb/placeholders.toml: [{name}] needs a display and a description"
            ));
        }
    }
    for s in scenarios() {
        for c in &s.fix.commands {
            for (shell, command) in [("bash", &c.bash), ("powershell", &c.powershell)] {
                for name in brace_names(command) {
                    if !placeholders.contains_key(name) {
                        failures.push(format!(
                            "{}: {shell} command `{command}` uses {{{name}}}, which \
                             crates/kb/placeholders.toml does not define",
                            file_of(&s.id)
                        ));
                    }
                }
            }
        }
        for fact in &s.facts {
            if !placeholders.contains_key(fact) && !CONTRACT_FACTS.contains(&fact.as_str()) {
                failures.push(format!(
                    "{}: facts lists `{fact}`, which is neither a placeholder nor a fact \
                     name of shared/spec/cli.md",
                    file_of(&s.id)
                ));
            }
        }
    }
    report("placeholders", &failures);
}

#[test]
fn every_scenario_has_the_prose_a_finding_prints() {
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        for (field, value) in [
            ("title", &s.title),
            ("symptom", &s.symptom),
            ("summary", &s.summary),
            ("root_cause", &s.root_cause),
        ] {
            if value.trim().is_empty() {
                failures.push(format!("{f}: `{field}` is empty"));
            }
        }
        if s.title.ends_with('.') {
            failures.push(format!("{f}: title ends with a period"));
        }
        if s.fix.steps.is_empty() || s.fix.steps.iter().any(|x| x.trim().is_empty()) {
            failures.push(format!("{f}: fix.steps is empty or has an empty step"));
        }
        for c in &s.fix.commands {
            if c.description.trim().is_empty()
                || c.bash.trim().is_empty()
                || c.powershell.trim().is_empty()
            {
                failures.push(format!(
                    "{f}: every fix command needs a description, a bash and a powershell form \
                     (bash `{}`)",
                    c.bash
                ));
            }
        }
    }
    report("scenario prose", &failures);
}

/// One position of a fixed run of text: the bytes that may stand there.
type Position = Vec<u8>;

/// Bytes a class accepts, when it accepts at most two (one letter in both cases).
fn small_class(class: &Class) -> Option<Position> {
    let mut bytes = Vec::new();
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    bytes.push(b);
                    if bytes.len() > 2 {
                        return None;
                    }
                }
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    let b = u8::try_from(u32::from(ch)).ok().filter(u8::is_ascii)?;
                    bytes.push(b);
                    if bytes.len() > 2 {
                        return None;
                    }
                }
            }
        }
    }
    Some(bytes)
}

/// The exact sequence of positions `hir` always matches, if it matches a fixed text.
fn fixed(hir: &Hir) -> Option<Vec<Position>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(Vec::new()),
        HirKind::Literal(lit) => Some(lit.0.iter().map(|b| vec![*b]).collect()),
        HirKind::Class(c) => small_class(c).map(|p| vec![p]),
        HirKind::Capture(c) => fixed(&c.sub),
        HirKind::Concat(subs) => {
            let mut out = Vec::new();
            for sub in subs {
                out.extend(fixed(sub)?);
            }
            Some(out)
        }
        HirKind::Repetition(r) if Some(r.min) == r.max => {
            let one = fixed(&r.sub)?;
            let mut out = Vec::new();
            for _ in 0..r.min {
                out.extend(one.iter().cloned());
            }
            Some(out)
        }
        _ => None,
    }
}

/// The fixed text every match of `hir` starts with and ends with (each position holding
/// the bytes any match may have there).
fn edges(hir: &Hir) -> (Vec<Position>, Vec<Position>) {
    if let Some(run) = fixed(hir) {
        return (run.clone(), run);
    }
    match hir.kind() {
        HirKind::Capture(c) => edges(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => edges(&r.sub),
        HirKind::Concat(subs) => {
            let mut start = Vec::new();
            for sub in subs {
                match fixed(sub) {
                    Some(run) => start.extend(run),
                    None => {
                        start.extend(edges(sub).0);
                        break;
                    }
                }
            }
            let mut end = Vec::new();
            for sub in subs.iter().rev() {
                match fixed(sub) {
                    Some(run) => end.splice(0..0, run),
                    None => {
                        end.splice(0..0, edges(sub).1);
                        break;
                    }
                };
            }
            (start, end)
        }
        HirKind::Alternation(branches) => {
            let all: Vec<_> = branches.iter().map(edges).collect();
            let merge = |sides: Vec<&Vec<Position>>, from_end: bool| {
                let len = sides.iter().map(|v| v.len()).min().unwrap_or(0);
                (0..len)
                    .map(|i| {
                        let mut union: Position = sides
                            .iter()
                            .flat_map(|v| {
                                let at = if from_end { v.len() - len + i } else { i };
                                v[at].iter().copied()
                            })
                            .collect();
                        union.sort_unstable();
                        union.dedup();
                        union
                    })
                    .collect::<Vec<Position>>()
            };
            (
                merge(all.iter().map(|e| &e.0).collect(), false),
                merge(all.iter().map(|e| &e.1).collect(), true),
            )
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Whether every text `hir` matches contains `anchor` (as the engine compares it).
/// Sound, not complete: `false` only means no proof was found.
fn must_contain(hir: &Hir, anchor: &[u8], case_sensitive: bool) -> bool {
    if let Some(run) = fixed(hir) {
        return run_contains(&run, anchor, case_sensitive);
    }
    match hir.kind() {
        HirKind::Capture(c) => must_contain(&c.sub, anchor, case_sensitive),
        HirKind::Repetition(r) if r.min >= 1 => must_contain(&r.sub, anchor, case_sensitive),
        // Every branch must contain it.
        HirKind::Alternation(branches) => branches
            .iter()
            .all(|b| must_contain(b, anchor, case_sensitive)),
        HirKind::Concat(subs) => {
            // Within a contiguous stretch of fixed text (which may run into the common
            // start or end of a variable part), or inside one required part.
            let mut current: Vec<Position> = Vec::new();
            for sub in subs {
                if let Some(run) = fixed(sub) {
                    current.extend(run);
                    continue;
                }
                let (start, end) = edges(sub);
                current.extend(start);
                if run_contains(&current, anchor, case_sensitive)
                    || must_contain(sub, anchor, case_sensitive)
                {
                    return true;
                }
                current = end;
            }
            run_contains(&current, anchor, case_sensitive)
        }
        // An optional part guarantees nothing.
        _ => false,
    }
}

/// Whether `anchor` occurs, as the engine compares it, in every text a run stands for.
fn run_contains(run: &[Position], anchor: &[u8], case_sensitive: bool) -> bool {
    if anchor.is_empty() || anchor.len() > run.len() {
        return false;
    }
    run.windows(anchor.len()).any(|window| {
        window.iter().zip(anchor).all(|(pos, &a)| {
            if case_sensitive {
                pos.as_slice() == [a]
            } else {
                pos.iter().all(|b| b.eq_ignore_ascii_case(&a))
            }
        })
    })
}

/// Proves that a regex signal's anchor occurs in every line its regex can match, so the
/// engine's anchor prefilter never hides a match. The regex is parsed exactly as the
/// engine compiles it (bytes, no Unicode, case-insensitive unless `case_sensitive`).
fn anchor_problem(regex: &str, anchor: &str, case_sensitive: bool) -> Option<String> {
    let hir = match regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(!case_sensitive)
        .build()
        .parse(regex)
    {
        Ok(hir) => hir,
        Err(e) => return Some(format!("does not parse: {e}")),
    };
    if must_contain(&hir, anchor.as_bytes(), case_sensitive) {
        None
    } else {
        Some(format!(
            "anchor `{anchor}` is not part of every match of `{regex}`: the engine only \
             tries the regex on lines holding the anchor, so matches without it are never \
             found (for a conjunction, make a second signal and use `requires`){}",
            if case_sensitive {
                "; with case_sensitive the regex must not fold the anchor's case either"
            } else {
                ""
            }
        ))
    }
}

#[test]
fn every_unless_names_a_clue_of_its_scenario_and_cancels_only_a_counter() {
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        let names: BTreeSet<&str> = s
            .signals
            .iter()
            .map(|g| g.name.as_str())
            .chain(s.observations.iter().map(|o| o.name.as_str()))
            .collect();
        let rules = s
            .signals
            .iter()
            .map(|g| (&g.name, g.weight, &g.unless))
            .chain(
                s.observations
                    .iter()
                    .map(|o| (&o.name, o.weight, &o.unless)),
            );
        for (name, weight, unless) in rules {
            if !unless.is_empty() && weight >= 0.0 {
                failures.push(format!(
                    "{f}: `{name}` has `unless` but is no counter (weight {weight})"
                ));
            }
            for u in unless {
                if !names.contains(u.as_str()) {
                    failures.push(format!(
                        "{f}: `{name}` is cancelled by `{u}`, which no clue of this scenario is named"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn only_counters_are_soft() {
    let failures: Vec<String> = scenarios()
        .iter()
        .flat_map(|s| {
            s.signals
                .iter()
                .filter(|g| g.soft && g.weight >= 0.0)
                .map(move |g| {
                    format!(
                        "{}: `{}` is soft but no counter (weight {})",
                        file_of(&s.id),
                        g.name,
                        g.weight
                    )
                })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_signal_compiles_has_an_honest_anchor_and_a_valid_weight() {
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        if !s.signals.iter().any(|g| g.weight >= 0.5) {
            failures.push(format!("{f}: no signal has a weight of 0.5 or more"));
        }
        let names: BTreeSet<&str> = s.signals.iter().map(|g| g.name.as_str()).collect();
        for g in &s.signals {
            let what = g
                .literal
                .as_deref()
                .or(g.regex.as_deref())
                .unwrap_or("<nothing>");
            let at = format!("{f}: signal `{}` ({what})", g.name);
            if g.name.trim().is_empty() || g.label.trim().is_empty() {
                failures.push(format!("{at}: needs a name and a label"));
            }
            if !(g.weight > -1.0 && g.weight <= 1.0) {
                failures.push(format!("{at}: weight {} is outside (-1, 1]", g.weight));
            }
            for r in &g.requires {
                if !names.contains(r.as_str()) {
                    failures.push(format!(
                        "{at}: requires `{r}`, but no signal of this scenario is named so"
                    ));
                }
            }
            match (&g.literal, &g.regex) {
                (Some(_), Some(_)) | (None, None) => {
                    failures.push(format!("{at}: needs exactly one of `literal` and `regex`"));
                }
                (Some(lit), None) => {
                    if lit.is_empty() || lit.contains('\n') {
                        failures.push(format!("{at}: literal is empty or spans lines"));
                    }
                    if g.anchor.is_some() {
                        failures.push(format!("{at}: `anchor` only goes with `regex`"));
                    }
                    let generic = GENERIC_LITERALS.contains(&lit.trim().to_lowercase().as_str());
                    if generic && g.weight >= 0.5 && g.requires.is_empty() {
                        failures.push(format!(
                            "{at}: a generic word must not be able to win alone (weight {})",
                            g.weight
                        ));
                    }
                }
                (None, Some(re)) => {
                    if let Err(e) = regex::bytes::RegexBuilder::new(re)
                        .case_insensitive(!g.case_sensitive)
                        .unicode(false)
                        .build()
                    {
                        failures.push(format!("{at}: regex does not compile: {e}"));
                        continue;
                    }
                    if let Err(e) = regex::Regex::new(re) {
                        failures.push(format!("{at}: regex does not compile: {e}"));
                        continue;
                    }
                    if re.starts_with(".*") || re.ends_with(".*") {
                        failures.push(format!("{at}: drop the leading/trailing `.*`"));
                    }
                    match g.anchor.as_deref() {
                        None | Some("") => {
                            failures.push(format!("{at}: a regex needs a non-empty `anchor`"));
                        }
                        Some(anchor) => {
                            if let Some(problem) = anchor_problem(re, anchor, g.case_sensitive) {
                                failures.push(format!("{at}: {problem}"));
                            }
                        }
                    }
                }
            }
        }
    }
    report("signals", &failures);
}

#[test]
fn every_scenario_has_examples_from_different_clients() {
    let key_id = regex::Regex::new(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b").expect("static regex");
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}").expect("static");
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        let clients: BTreeSet<&str> = s.examples.iter().map(|e| e.client.trim()).collect();
        if s.examples.len() < 2 || clients.len() < 2 {
            failures.push(format!(
                "{f}: needs at least two examples from different clients (has {} example(s), \
                 clients {clients:?})",
                s.examples.len()
            ));
        }
        for (i, e) in s.examples.iter().enumerate() {
            let at = format!("{f}: example {} ({})", i + 1, e.client);
            if e.client.trim().is_empty() || e.log.trim().is_empty() {
                failures.push(format!("{at}: needs a client and a log"));
            }
            for wanted in &e.evidence {
                if !e.log.contains(wanted.as_str()) {
                    failures.push(format!(
                        "{at}: evidence `{wanted}` does not occur in the log"
                    ));
                }
            }
            for m in key_id.find_iter(&e.log) {
                if !m.as_str().ends_with("EXAMPLE") {
                    failures.push(format!(
                        "{at}: access key id {}…{} is not one of AWS's documented example \
                         values (use AKIAIOSFODNN7EXAMPLE)",
                        &m.as_str()[..4],
                        &m.as_str()[16..]
                    ));
                }
            }
            if jwt.is_match(&e.log) {
                failures.push(format!("{at}: contains what looks like a real JWT"));
            }
        }
    }
    report("examples", &failures);
}

#[test]
fn related_checks_and_ambiguities_name_things_that_exist() {
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        for c in &s.related_checks {
            if !KNOWN_CHECKS.contains(&c.as_str()) {
                failures.push(format!(
                    "{f}: related check `{c}` is not in authdoctor_kb::KNOWN_CHECKS"
                ));
            }
        }
        for other in &s.ambiguous_with {
            if other == &s.id {
                failures.push(format!("{f}: ambiguous_with names the scenario itself"));
            } else if !SPEC_IDS.contains(&other.as_str()) {
                failures.push(format!(
                    "{f}: ambiguous_with `{other}` is not a scenario id of the catalogue"
                ));
            }
        }
    }
    report("related checks and ambiguities", &failures);
}

/// Where references may point: AWS documentation, and Microsoft's documentation for the
/// Windows tools a PowerShell fix runs (`w32tm`), which AWS does not document.
const REFERENCE_SITES: &[&str] = &[
    "https://docs.aws.amazon.com/",
    "https://learn.microsoft.com/",
];

#[test]
fn references_are_aws_documentation_pages() {
    let mut failures = Vec::new();
    for s in scenarios() {
        let f = file_of(&s.id);
        let aws_pages = s
            .references
            .iter()
            .filter(|r| r.url.starts_with(REFERENCE_SITES[0]))
            .count();
        if aws_pages < 2 {
            failures.push(format!(
                "{f}: needs at least two AWS documentation references (has {aws_pages})"
            ));
        }
        let mut seen = BTreeSet::new();
        for r in &s.references {
            if !REFERENCE_SITES.iter().any(|site| r.url.starts_with(site)) {
                failures.push(format!(
                    "{f}: reference `{}` is not under {}",
                    r.url,
                    REFERENCE_SITES.join(" or ")
                ));
            }
            if r.url.chars().any(char::is_whitespace) || r.title.trim().is_empty() {
                failures.push(format!(
                    "{f}: reference `{}` needs a title and a clean URL",
                    r.url
                ));
            }
            if !seen.insert(r.url.as_str()) {
                failures.push(format!("{f}: reference `{}` is listed twice", r.url));
            }
        }
    }
    // Causes outside the catalogue cite AWS documentation too.
    for cause in knowledge_base().outside_causes() {
        if cause.references.is_empty() {
            failures.push(format!("outside.toml: `{}` cites nothing", cause.name));
        }
        for r in &cause.references {
            if !r.url.starts_with(REFERENCE_SITES[0]) || r.title.trim().is_empty() {
                failures.push(format!(
                    "outside.toml: `{}` reference `{}` needs a title and an AWS documentation URL",
                    cause.name, r.url
                ));
            }
        }
    }
    report("references", &failures);
}

// The validators validate: each check above must reject what it exists to reject.

#[test]
fn the_anchor_proof_accepts_fixed_parts_and_rejects_the_rest() {
    // Fixed text, also around groups and with case folding.
    assert_eq!(
        anchor_problem("(?i)is now earlier than", "is now earlier", false),
        None
    );
    assert_eq!(
        anchor_problem(
            "difference between the request time and the (current|server) time is too large",
            "is too large",
            false
        ),
        None
    );
    assert_eq!(
        anchor_problem(r"\bRequestExpired\b", "RequestExpired", true),
        None
    );
    assert_eq!(anchor_problem("(abc)+d", "abc", false), None);
    // In every branch of an alternation.
    assert_eq!(
        anchor_problem("(is expired|has expired)", "expired", false),
        None
    );
    assert_eq!(anchor_problem("x(a1|b1)|c1y", "1", false), None);
    // Across the common start or end of an alternation.
    assert_eq!(
        anchor_problem("connect (EHOST|ENET) x", "connect E", false),
        None
    );
    assert_eq!(anchor_problem("(aX|bX)Y", "XY", false), None);
    assert!(anchor_problem("connect (EHOST|XNET)", "connect E", false).is_some());
    // Not in every match: in one branch only, optional, or merely absent.
    assert!(anchor_problem("(current|server) time", "current", false).is_some());
    assert!(anchor_problem("(clock skew|systemClockOffset)", "skew", false).is_some());
    assert!(anchor_problem("a(bc)?d", "bcd", false).is_some());
    assert!(anchor_problem("token expired", "token has expired", false).is_some());
    // A case-sensitive anchor with a case-folding regex can miss `REQUESTEXPIRED`.
    assert!(anchor_problem("(?i)RequestExpired", "RequestExpired", true).is_some());
    // Spanning a wildcard is not fixed text.
    assert!(anchor_problem("Couldn.?t retrieve", "Couldn't retrieve", false).is_some());
    assert_eq!(
        anchor_problem("Couldn.?t retrieve", "t retrieve", false),
        None
    );
}

#[test]
fn brace_names_finds_placeholders_but_not_json_or_script_blocks() {
    assert_eq!(
        brace_names(r#"aws iam x --doc '{"Resource":"{role_arn}"}' --id {instance_id}"#),
        vec!["role_arn", "instance_id"]
    );
    assert!(brace_names("Get-X | Where-Object { $_.State -eq 'on' }").is_empty());
    assert_eq!(brace_names("echo {Instance-Id}"), vec!["Instance-Id"]);
    assert!(brace_names(r#"curl -w "%{http_code}" ${HOME}/x"#).is_empty());
}

#[test]
fn scenario_files_are_named_in_messages() {
    assert_eq!(file_of("clock-skew"), "crates/kb/scenarios/clock-skew.toml");
    assert!(Path::new(&crate_dir().join("scenarios")).is_dir());
}
