//! Turns raw error text into ranked findings.
//!
//! The pipeline is a pure function of the input text (no files, network or clock):
//!
//! 1. [`source`] streams the input into bounded lines (any bytes, any size).
//! 2. Lines in which no signal literal, anchor or auth marker occurs are skipped after
//!    one Aho-Corasick pass ([`index`]); the others are grouped into *error blocks*:
//!    runs of interesting lines at most [`BLOCK_GAP`] lines apart.
//! 3. Each block is cleaned (control sequences neutralised, secrets masked), matched
//!    against every scenario's signals, scored (noisy-OR of signal weights) and turned
//!    into a [`Finding`] with the evidence located in the cleaned text and the facts
//!    ([`facts`]) that fill the fix commands.
//! 4. Repeats of the same error are folded into one finding with an occurrence count.
//!
//! Memory is bounded by the block and finding caps below, whatever the input size.

pub mod facts;
pub mod index;
pub mod markers;
pub mod source;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::sync::OnceLock;

use authdoctor_kb::{Candidate, Evidence, Finding, KnowledgeBase, knowledge_base};

use crate::index::{Index, NeedleUse};
use crate::source::{Line, LineReader, Scanned};

/// Interesting lines further apart than this start a new error block.
pub const BLOCK_GAP: usize = 3;
/// Lines of one structured record (pretty-printed JSON such as a CloudTrail event, an
/// XML error document) may separate clues of the same error by this many lines.
pub const RECORD_GAP: usize = 24;
/// A block longer than this is cut (a log that repeats one error for ever).
pub const MAX_BLOCK_LINES: usize = 64;
/// Distinct findings kept; further distinct errors are only counted.
pub const MAX_FINDINGS: usize = 200;
/// After this many lines an input counts as long: worth a faster line filter.
const LONG_INPUT_LINES: usize = 20_000;
/// The lowest score that names a scenario.
pub const THRESHOLD: f64 = 0.5;
/// A second scenario in the same block is reported as its own finding only above this
/// score and on lines of its own.
const SECOND_FINDING: f64 = 0.8;
/// Candidates below this score are not worth naming.
const CANDIDATE_FLOOR: f64 = 0.3;
const MAX_EVIDENCE: usize = 8;

/// The compiled knowledge base, built on first use.
pub fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| Index::build(knowledge_base()))
}

/// A line of the (cleaned) input that evidence points into, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub number: usize,
    /// Characters of the physical line before this text (long lines come in pieces).
    pub char_offset: usize,
    pub text: authdoctor_redact::Redacted,
}

/// A finding plus the cleaned lines its evidence points into.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub finding: Finding,
    pub lines: Vec<SourceLine>,
}

/// What `explain` concluded about one input.
#[derive(Debug, Default)]
pub struct Report {
    /// Best first.
    pub explained: Vec<Explained>,
    /// Lines read.
    pub lines: usize,
    /// Distinct errors beyond [`MAX_FINDINGS`], counted but not reported.
    pub dropped: usize,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.explained.iter().map(|e| &e.finding)
    }
}

/// Explains a string.
pub fn explain_text(text: &str) -> Report {
    // Reading from a byte slice cannot fail.
    explain_reader(text.as_bytes()).unwrap_or_default()
}

/// Explains a stream of any size with bounded memory.
pub fn explain_reader<R: Read>(reader: R) -> io::Result<Report> {
    let index = index();
    let mut reader = LineReader::new(reader);
    let mut collector = Collector::default();
    let mut block: Vec<Line> = Vec::new();
    let mut gap: Vec<Line> = Vec::new();
    // Gap lines since the last interesting one: plain text, and structured-record lines
    // (pretty JSON, XML) that keep one record's clues together.
    let mut plain_gap = 0usize;
    let mut lines = 0usize;
    loop {
        let block_open = !block.is_empty();
        let mut interesting = false;
        let scanned = reader.next_line_if(|bytes| {
            interesting = if has_controls(bytes) {
                let text = String::from_utf8_lossy(bytes);
                index.is_candidate(&authdoctor_redact::neutralise_controls(&text))
            } else {
                index.is_candidate_bytes(bytes, lines > LONG_INPUT_LINES)
            };
            interesting || block_open
        })?;
        let line = match scanned {
            None => break,
            Some(Scanned::Skipped { number }) => {
                lines = number;
                continue;
            }
            Some(Scanned::Kept(line)) => line,
        };
        lines = line.number;
        // Counter-evidence and faint context join an open block but do not start one.
        let interesting = interesting && (!block.is_empty() || index.opens_block(&line.text));
        if interesting {
            // The block is still open only while the gap since its last interesting
            // line is within bounds (checked below as gap lines arrive).
            if block.len() + gap.len() < MAX_BLOCK_LINES {
                block.append(&mut gap);
            } else {
                collector.add_block(index, &block, gap.first());
                block.clear();
                gap.clear();
                // A full block ends; the next one needs a line that may open one.
                if !index.opens_block(&line.text) {
                    plain_gap = 0;
                    continue;
                }
            }
            plain_gap = 0;
            block.push(line);
        } else if !block.is_empty() {
            if !is_record_line(&line.text) {
                plain_gap += 1;
            }
            gap.push(line);
            if plain_gap > BLOCK_GAP || gap.len() > RECORD_GAP {
                collector.add_block(index, &block, gap.first());
                block.clear();
                gap.clear();
            }
        }
    }
    collector.add_block(index, &block, gap.first());
    Ok(collector.finish(lines))
}

/// A line of a pretty-printed JSON object or XML document: `"key": value,`, a lone
/// brace or bracket, or `<Element>…</Element>`.
fn is_record_line(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() {
        return false;
    }
    let json_key = t.starts_with('"') && t.contains("\":");
    let json_punctuation = matches!(t.as_bytes()[0], b'{' | b'}' | b'[' | b']') && t.len() <= 3;
    let xml = t.starts_with('<') && t.ends_with('>');
    json_key || json_punctuation || xml
}

/// Bytes that may hide or split a needle: C0 controls (escape sequences), DEL, and the
/// lead byte of C1 controls.
fn has_controls(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f || b == 0xc2)
}

/// Folds repeats of the same error and keeps the best-first order.
#[derive(Default)]
struct Collector {
    found: Vec<Explained>,
    keys: BTreeMap<String, usize>,
    /// Blocks already analysed, by the hash of their text → the findings they gave.
    /// Logs repeat the same error many times; a repeat costs one hash, not an analysis.
    seen_blocks: HashMap<u64, Vec<(usize, usize)>>,
    dropped: usize,
}

/// Distinct block texts remembered for the repeat shortcut.
const MAX_SEEN_BLOCKS: usize = 4096;

impl Collector {
    /// `next` is the line after the block, if read: a value cut by the line break at
    /// the block's end goes on there, and redaction must see it to mask the block's part.
    fn add_block(&mut self, index: &Index, block: &[Line], next: Option<&Line>) {
        if block.is_empty() {
            return;
        }
        let mut hasher = DefaultHasher::new();
        for line in block.iter().chain(next) {
            line.text.hash(&mut hasher);
        }
        let hash = hasher.finish();
        if let Some(found) = self.seen_blocks.get(&hash) {
            for &(at, occurrences) in found {
                self.found[at].finding.occurrences += occurrences;
            }
            return;
        }
        let explained = analyse_block(index, block, next);
        let positions = self.add(explained);
        // Blocks that explained nothing are remembered too: they repeat as often.
        if self.seen_blocks.len() < MAX_SEEN_BLOCKS {
            self.seen_blocks.insert(hash, positions);
        }
    }

    /// Adds findings; returns where each one (new or folded) lives and how many
    /// occurrences it brought.
    fn add(&mut self, explained: Vec<Explained>) -> Vec<(usize, usize)> {
        let mut positions = Vec::new();
        for item in explained {
            let key = dedup_key(&item.finding);
            let occurrences = item.finding.occurrences;
            if let Some(&at) = self.keys.get(&key) {
                self.found[at].finding.occurrences += occurrences;
                positions.push((at, occurrences));
            } else if self.found.len() < MAX_FINDINGS {
                self.keys.insert(key, self.found.len());
                positions.push((self.found.len(), occurrences));
                self.found.push(item);
            } else {
                self.dropped += 1;
            }
        }
        positions
    }

    fn finish(mut self, lines: usize) -> Report {
        // Stable: equal confidence keeps the order of appearance.
        self.found
            .sort_by(|a, b| b.finding.confidence.total_cmp(&a.finding.confidence));
        Report {
            explained: self.found,
            lines,
            dropped: self.dropped,
        }
    }
}

fn dedup_key(finding: &Finding) -> String {
    let mut key = finding.scenario.clone();
    for fact in [
        "error_code",
        "action",
        "operation",
        "resource",
        "imds_path",
        "principal",
    ] {
        key.push('\u{1f}');
        if let Some(value) = finding.facts.get(fact) {
            key.push_str(value);
        }
    }
    if finding.scenario == authdoctor_kb::UNKNOWN {
        // Unknown errors are told apart by their text.
        for e in &finding.evidence {
            key.push('\u{1f}');
            key.push_str(&e.text);
        }
    }
    key
}

/// A located match inside a cleaned block line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    line: usize,
    start: usize,
    end: usize,
}

struct ScenarioScore {
    scenario: usize,
    score: f64,
    /// Contributing signals: (signal index, first span).
    evidence: Vec<(usize, Span)>,
}

fn analyse_block(index: &Index, block: &[Line], next: Option<&Line>) -> Vec<Explained> {
    if block.is_empty() {
        return Vec::new();
    }
    // Cleaned together (with the line after the block), so a value cut by a line break
    // is masked on every line.
    let texts: Vec<&str> = block.iter().chain(next).map(|l| l.text.as_str()).collect();
    let mut cleaned = authdoctor_redact::Redacted::lines(&texts);
    cleaned.truncate(block.len());

    // Where each signal hit: (scenario, signal) → spans.
    let mut hits: BTreeMap<(usize, usize), Vec<Span>> = BTreeMap::new();
    let mut regex_lines: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    let mut markers: Vec<Span> = Vec::new();
    for (li, text) in cleaned.iter().enumerate() {
        for (needle, start, end) in index.occurrences(text) {
            let spec = &index.needles[needle];
            for &(usage, case_sensitive) in &spec.uses {
                if case_sensitive && text.get(start..end) != Some(spec.text.as_str()) {
                    continue;
                }
                let span = Span {
                    line: li,
                    start,
                    end,
                };
                match usage {
                    NeedleUse::Literal { scenario, signal } => {
                        hits.entry((scenario, signal)).or_default().push(span);
                    }
                    NeedleUse::Anchor { scenario, signal } => {
                        regex_lines.insert((scenario, signal, li));
                    }
                    NeedleUse::Marker { .. } => markers.push(span),
                }
            }
        }
    }
    for (scenario, signal, li) in regex_lines {
        if let Some(m) = index
            .regex(scenario, signal)
            .and_then(|re| re.find(cleaned[li].as_bytes()))
        {
            hits.entry((scenario, signal)).or_default().push(Span {
                line: li,
                start: m.start(),
                end: m.end(),
            });
        }
    }

    let mut scores = score_scenarios(index, &hits);
    scores.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.scenario.cmp(&b.scenario))
    });
    let facts = facts::extract(
        &cleaned
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let kb = knowledge_base();

    let mut out: Vec<Explained> = Vec::new();
    let mut used_lines: BTreeSet<usize> = BTreeSet::new();
    for (rank, candidate) in scores.iter().enumerate() {
        let scenario = &index.scenarios[candidate.scenario];
        let accept = if rank == 0 {
            candidate.score >= THRESHOLD
        } else {
            let own_lines = candidate
                .evidence
                .iter()
                .all(|(_, s)| !used_lines.contains(&s.line));
            let related = out.iter().any(|e| {
                let other = kb.get(&e.finding.scenario);
                other.is_some_and(|o| o.ambiguous_with.contains(&scenario.id))
                    || scenario.ambiguous_with.contains(&e.finding.scenario)
            });
            candidate.score >= SECOND_FINDING && own_lines && !related
        };
        if !accept {
            if rank == 0 {
                break;
            }
            continue;
        }
        used_lines.extend(candidate.evidence.iter().map(|(_, s)| s.line));
        let evidence = located_evidence(block, &cleaned, &candidate.evidence, |signal| {
            let spec = &scenario.signals[signal];
            (spec.name.clone(), spec.label.clone())
        });
        let Some(mut finding) = kb.finding(&scenario.id, candidate.score, evidence, facts.clone())
        else {
            continue;
        };
        add_candidates(kb, &mut finding, &scores, index);
        // The same error repeated on consecutive lines (a retry loop) is one block but
        // several occurrences: count the lines that carry the strongest clue.
        if let Some(&(signal, _)) = candidate.evidence.first() {
            let repeats: BTreeSet<usize> = hits
                .get(&(candidate.scenario, signal))
                .map(|spans| spans.iter().map(|s| s.line).collect())
                .unwrap_or_default();
            finding.occurrences = repeats.len().max(1);
        }
        out.push(Explained {
            lines: source_lines(block, &cleaned, &finding_lines(&candidate.evidence)),
            finding,
        });
    }

    if out.is_empty() && !markers.is_empty() {
        markers.sort();
        markers.dedup_by_key(|s| (s.line, s.start));
        let marker_evidence: Vec<(usize, Span)> =
            markers.iter().take(MAX_EVIDENCE).map(|s| (0, *s)).collect();
        let evidence = located_evidence(block, &cleaned, &marker_evidence, |_| {
            (
                "auth-marker".to_owned(),
                "an authorization or credential error".to_owned(),
            )
        });
        let mut finding = Finding::unknown(evidence, facts, 0.5);
        add_candidates(kb, &mut finding, &scores, index);
        out.push(Explained {
            lines: source_lines(block, &cleaned, &finding_lines(&marker_evidence)),
            finding,
        });
    }
    out
}

/// Noisy-OR of the positive weights of the signals that hit (with their `requires`
/// met), damped by the negative ones.
fn score_scenarios(
    index: &Index,
    hits: &BTreeMap<(usize, usize), Vec<Span>>,
) -> Vec<ScenarioScore> {
    let mut by_scenario: BTreeMap<usize, Vec<(usize, Span)>> = BTreeMap::new();
    for (&(scenario, signal), spans) in hits {
        if let Some(first) = spans.iter().min() {
            by_scenario
                .entry(scenario)
                .or_default()
                .push((signal, *first));
        }
    }
    let mut out = Vec::new();
    for (scenario, signals) in by_scenario {
        let spec = &index.scenarios[scenario];
        let names: BTreeSet<&str> = signals
            .iter()
            .map(|(g, _)| spec.signals[*g].name.as_str())
            .collect();
        let mut miss = 1.0;
        let mut damp = 1.0;
        let mut evidence = Vec::new();
        for (signal, span) in signals {
            let s = &spec.signals[signal];
            if !s.requires.iter().all(|r| names.contains(r.as_str())) {
                continue;
            }
            if s.weight >= 0.0 {
                miss *= 1.0 - s.weight.min(1.0);
                evidence.push((signal, span));
            } else {
                damp *= 1.0 + s.weight.max(-1.0);
            }
        }
        if evidence.is_empty() {
            continue;
        }
        evidence.sort_by(|a, b| {
            spec.signals[b.0]
                .weight
                .total_cmp(&spec.signals[a.0].weight)
        });
        out.push(ScenarioScore {
            scenario,
            score: (1.0 - miss) * damp,
            evidence,
        });
    }
    out
}

/// Names the other scenarios the same text is consistent with, and says so when the
/// text alone cannot separate them.
fn add_candidates(
    kb: &KnowledgeBase,
    finding: &mut Finding,
    scores: &[ScenarioScore],
    index: &Index,
) {
    let own = kb.get(&finding.scenario);
    let mut candidates: Vec<Candidate> = scores
        .iter()
        .map(|s| (&index.scenarios[s.scenario].id, s.score))
        .filter(|(id, score)| {
            **id != finding.scenario
                && (*score >= CANDIDATE_FLOOR || own.is_some_and(|o| o.ambiguous_with.contains(id)))
        })
        .map(|(id, score)| Candidate {
            scenario: id.clone(),
            confidence: (score * 100.0).round() / 100.0,
        })
        .collect();
    if let Some(own) = own {
        for id in &own.ambiguous_with {
            if !candidates.iter().any(|c| &c.scenario == id) && kb.get(id).is_some() {
                candidates.push(Candidate {
                    scenario: id.clone(),
                    confidence: 0.0,
                });
            }
        }
    }
    candidates.truncate(5);
    let close: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.confidence >= finding.confidence - 0.15 || c.confidence == 0.0)
        .collect();
    if !close.is_empty() {
        let mut checks: BTreeSet<&str> = BTreeSet::new();
        for c in &close {
            if let Some(s) = kb.get(&c.scenario) {
                checks.extend(s.related_checks.iter().map(String::as_str));
            }
        }
        checks.extend(finding.related_checks.iter().map(String::as_str));
        let names: Vec<&str> = close.iter().map(|c| c.scenario.as_str()).collect();
        let mut note = format!(
            "The text alone cannot rule out: {}. Run `authdoctor check` on the affected host to tell them apart",
            names.join(", ")
        );
        if !checks.is_empty() {
            let list: Vec<&str> = checks.into_iter().collect();
            note.push_str(&format!(" (checks {})", list.join(", ")));
        }
        note.push('.');
        finding.notes.push(note);
    }
    finding.candidates = candidates;
}

fn located_evidence(
    block: &[Line],
    cleaned: &[authdoctor_redact::Redacted],
    spans: &[(usize, Span)],
    describe: impl Fn(usize) -> (String, String),
) -> Vec<Evidence> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for &(signal, span) in spans {
        if !seen.insert((span.line, span.start, span.end)) || out.len() >= MAX_EVIDENCE {
            continue;
        }
        let text = &cleaned[span.line];
        let (Some(before), Some(matched)) =
            (text.get(..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        let (signal, label) = describe(signal);
        let line = &block[span.line];
        out.push(Evidence {
            line: line.number,
            column: line.char_offset + before.chars().count() + 1,
            length: matched.chars().count(),
            text: matched.to_owned(),
            signal,
            label,
        });
    }
    out.sort_by_key(|e| (e.line, e.column));
    out
}

fn finding_lines(spans: &[(usize, Span)]) -> BTreeSet<usize> {
    spans.iter().map(|(_, s)| s.line).collect()
}

fn source_lines(
    block: &[Line],
    cleaned: &[authdoctor_redact::Redacted],
    lines: &BTreeSet<usize>,
) -> Vec<SourceLine> {
    lines
        .iter()
        .map(|&i| SourceLine {
            number: block[i].number,
            char_offset: block[i].char_offset,
            text: cleaned[i].clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_finding() {
        let report = explain_text("all good\nnothing to see here\n");
        assert!(report.explained.is_empty());
        assert_eq!(report.lines, 2);
    }

    #[test]
    fn expired_token_is_found_with_evidence_and_facts() {
        let text = "starting job\nAn error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired\n";
        let report = explain_text(text);
        let finding = report
            .findings()
            .next()
            .unwrap_or_else(|| panic!("no finding"));
        assert_eq!(finding.scenario, "expired-token");
        assert!(finding.confidence >= 0.9, "{}", finding.confidence);
        let code = finding.evidence.iter().find(|e| e.text == "ExpiredToken");
        let code = code.unwrap_or_else(|| panic!("no error-code evidence: {:?}", finding.evidence));
        assert_eq!((code.line, code.column, code.length), (2, 20, 12));
        assert_eq!(finding.facts["operation"], "GetCallerIdentity");
    }

    #[test]
    fn repeats_are_folded() {
        let line = "An error occurred (ExpiredToken) when calling the ListBuckets operation: The provided token has expired.\n";
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(line);
            text.push_str(&format!(
                "retrying {i}\nunrelated\nunrelated\nunrelated\nunrelated\n"
            ));
        }
        let report = explain_text(&text);
        assert_eq!(report.explained.len(), 1);
        assert_eq!(report.explained[0].finding.occurrences, 50);
    }

    #[test]
    fn secrets_never_reach_evidence_or_facts() {
        let text = "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ExpiredToken AKIAIOSFODNN7EXAMPLE";
        let report = explain_text(text);
        let json = format!("{:?}", report.explained);
        assert!(!json.contains("bPxRfiCYEXAMPLEKEY"));
        assert!(!json.contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn binary_input_does_not_panic() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        let report = explain_reader(bytes.as_slice()).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.lines > 0);
    }
}
