//! The compiled form of the knowledge base's signals.
//!
//! Every literal and every regex anchor of every scenario, plus the generic auth
//! markers, are the index's needles. A line that contains none of them is skipped after
//! one pass; that is what keeps scanning large logs fast. Regexes are compiled lazily,
//! only for signals whose anchor occurred.
//!
//! Finding the needles in a line has two implementations with the same answers: a
//! table of the needles by first byte, free to build and fine for a few lines (one
//! pasted message), and one Aho-Corasick automaton, which costs more to build than a
//! short input takes to explain (milliseconds) and is built once the input has shown
//! it is longer than [`SHORT_INPUT_BYTES`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use authdoctor_kb::{KnowledgeBase, Scenario};
use regex_automata::meta::Regex;

use crate::markers::AUTH_MARKERS;

/// What a needle stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedleUse {
    /// The literal of signal `signal` of scenario `scenario`.
    Literal { scenario: usize, signal: usize },
    /// The anchor of a regex signal: the regex must be tried on this line.
    Anchor { scenario: usize, signal: usize },
    /// A generic marker of authorization and credential errors.
    Marker { marker: usize },
    /// A phrase of cause `cause` outside the catalogue (`outside.toml`): an
    /// authorization or credential error that an `unknown` finding tells as that cause.
    Outside { cause: usize },
    /// Half of a metadata exchange (an address, a path): the readers look at the line.
    Reader,
}

#[derive(Debug)]
pub struct Needle {
    pub text: String,
    /// Uses of this needle, each with its own case rule.
    pub uses: Vec<(NeedleUse, bool)>,
    /// Whether a line with this needle may start an error block: auth markers and clues
    /// that count for a scenario do; counter-evidence and faint context ("scheduler",
    /// a bare hostname) only matter next to an error and only join a block.
    pub opens: bool,
}

/// Signals weaker than this only join blocks that something else opened.
const OPENING_WEIGHT: f64 = 0.15;

/// Bytes of lines searched with the first-byte table before the automaton is built:
/// past this, the automaton's build cost is smaller than what the table would cost on
/// the rest of the input.
pub const SHORT_INPUT_BYTES: usize = 4096;

pub struct Index {
    pub scenarios: &'static [Scenario],
    pub needles: Vec<Needle>,
    /// The lowered needles by their first byte (see [`FirstByteTable`]).
    table: FirstByteTable,
    /// Bytes searched so far: the automaton is built once they pass [`SHORT_INPUT_BYTES`].
    searched: AtomicUsize,
    /// Every lowered needle, standard (overlapping-capable) semantics: the line filter
    /// and the search of interesting lines once the input is no longer short.
    automaton: OnceLock<AhoCorasick>,
    /// The same as a DFA: slower to build (milliseconds), about twice as fast to run;
    /// built only once an input proves long.
    prefilter_dfa: OnceLock<AhoCorasick>,
    /// Lazily compiled regex per (scenario, signal); `None` when the signal has no regex.
    regexes: Vec<Vec<OnceLock<Option<Regex>>>>,
    /// Every observation rule of every scenario: (scenario, rule).
    pub observation_rules: Vec<(usize, usize)>,
}

impl Index {
    pub fn build(kb: &'static KnowledgeBase) -> Index {
        let scenarios = kb.scenarios();
        let mut needles: Vec<Needle> = Vec::new();
        // The first needle of each lowered text: every start-up builds the index, and a
        // linear search per added needle made that quadratic in the knowledge base.
        let mut first_by_lowered: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut add = |text: &str, usage: NeedleUse, case_sensitive: bool| {
            if text.is_empty() {
                return;
            }
            let lowered = text.to_ascii_lowercase();
            match first_by_lowered.get(&lowered) {
                Some(&i) if needles[i].text == text || !case_sensitive => {
                    needles[i].uses.push((usage, case_sensitive));
                }
                found => {
                    if found.is_none() {
                        first_by_lowered.insert(lowered, needles.len());
                    }
                    needles.push(Needle {
                        text: text.to_owned(),
                        uses: vec![(usage, case_sensitive)],
                        opens: false,
                    });
                }
            }
        };
        for (si, scenario) in scenarios.iter().enumerate() {
            for (gi, signal) in scenario.signals.iter().enumerate() {
                let sig = (si, gi);
                if let Some(literal) = &signal.literal {
                    add(
                        literal,
                        NeedleUse::Literal {
                            scenario: sig.0,
                            signal: sig.1,
                        },
                        signal.case_sensitive,
                    );
                } else if let Some(anchor) = &signal.anchor {
                    add(
                        anchor,
                        NeedleUse::Anchor {
                            scenario: sig.0,
                            signal: sig.1,
                        },
                        signal.case_sensitive,
                    );
                }
            }
        }
        for (mi, marker) in AUTH_MARKERS.iter().enumerate() {
            add(
                marker.text,
                NeedleUse::Marker { marker: mi },
                marker.case_sensitive,
            );
        }
        for (ci, cause) in kb.outside_causes().iter().enumerate() {
            for phrase in &cause.phrases {
                add(phrase, NeedleUse::Outside { cause: ci }, false);
            }
        }
        for text in crate::readers::IMDS_NEEDLES
            .iter()
            .chain(crate::readers::CLOCK_NEEDLES)
        {
            add(text, NeedleUse::Reader, false);
        }
        for needle in &mut needles {
            needle.opens = needle.uses.iter().any(|(usage, _)| match *usage {
                NeedleUse::Marker { .. } | NeedleUse::Outside { .. } | NeedleUse::Reader => true,
                NeedleUse::Literal { scenario, signal }
                | NeedleUse::Anchor { scenario, signal } => {
                    scenarios[scenario].signals[signal].weight >= OPENING_WEIGHT
                }
            });
        }
        // Needles are lower case and lines are lowered before searching (ASCII lowering
        // keeps byte offsets): the automaton builds about twice as fast as a
        // case-insensitive one, and the table needs no case rule.
        let lowered: Vec<String> = needles
            .iter()
            .map(|n| n.text.to_ascii_lowercase())
            .collect();
        let table = FirstByteTable::new(lowered);
        let regexes = scenarios
            .iter()
            .map(|s| s.signals.iter().map(|_| OnceLock::new()).collect())
            .collect();
        let observation_rules = scenarios
            .iter()
            .enumerate()
            .flat_map(|(si, s)| (0..s.observations.len()).map(move |ri| (si, ri)))
            .collect();
        Index {
            scenarios,
            needles,
            table,
            searched: AtomicUsize::new(0),
            automaton: OnceLock::new(),
            prefilter_dfa: OnceLock::new(),
            regexes,
            observation_rules,
        }
    }

    /// The automaton, once the input has proved long enough to pay for building it;
    /// `None` while the first-byte table is the cheaper way. `searched` is the length
    /// of the line about to be searched.
    fn automaton_for(&self, searched: usize) -> Option<&AhoCorasick> {
        if let Some(automaton) = self.automaton.get() {
            return Some(automaton);
        }
        let total = self.searched.fetch_add(searched, Ordering::Relaxed) + searched;
        if total <= SHORT_INPUT_BYTES {
            return None;
        }
        Some(self.automaton.get_or_init(|| self.table.automaton()))
    }

    /// Whether any needle occurs in `line` (case-insensitively).
    pub fn is_candidate(&self, line: &str) -> bool {
        self.any_in_lowered(line.to_ascii_lowercase().as_bytes())
    }

    fn any_in_lowered(&self, lowered: &[u8]) -> bool {
        match self.automaton_for(lowered.len()) {
            Some(automaton) => automaton.is_match(lowered),
            None => self.table.any_in(lowered),
        }
    }

    /// Whether `line` holds a needle that may start an error block.
    pub fn opens_block(&self, line: &str) -> bool {
        self.occurrences(line)
            .iter()
            .any(|&(needle, _, _)| self.needles[needle].opens)
    }

    /// Whether any needle occurs in raw bytes (case-insensitively); `long_input` switches
    /// to the DFA, whose build cost only pays off over many lines.
    pub fn is_candidate_bytes(&self, line: &[u8], long_input: bool) -> bool {
        if long_input {
            self.prefilter_dfa
                .get_or_init(|| {
                    let texts: Vec<&str> = self.needles.iter().map(|n| n.text.as_str()).collect();
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .match_kind(MatchKind::LeftmostFirst)
                        .kind(Some(AhoCorasickKind::DFA))
                        .build(&texts)
                        .unwrap_or_else(|e| unreachable!("needles are plain literals: {e}"))
                })
                .is_match(line)
        } else {
            self.any_in_lowered(&line.to_ascii_lowercase())
        }
    }

    /// Every needle occurrence in `line`: `(needle index, byte start, byte end)`, in the
    /// order of an overlapping Aho-Corasick search (by end, then longest first, then
    /// needle index).
    pub fn occurrences(&self, line: &str) -> Vec<(usize, usize, usize)> {
        let lowered = line.to_ascii_lowercase();
        match self.automaton_for(lowered.len()) {
            Some(automaton) => automaton
                .find_overlapping_iter(&lowered)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect(),
            None => self.table.occurrences(lowered.as_bytes()),
        }
    }

    /// Every use of a needle occurring in `line` whose case rule the occurrence meets:
    /// `(use, byte start, byte end)`, in the order of [`Index::occurrences`].
    pub fn uses_in(&self, line: &str) -> Vec<(NeedleUse, usize, usize)> {
        let mut uses = Vec::new();
        for (needle, start, end) in self.occurrences(line) {
            let spec = &self.needles[needle];
            for &(usage, case_sensitive) in &spec.uses {
                if !case_sensitive || line.get(start..end) == Some(spec.text.as_str()) {
                    uses.push((usage, start, end));
                }
            }
        }
        uses
    }

    /// The compiled regex of a signal; `None` if it has none or it does not compile
    /// (the knowledge-base tests make sure every shipped regex compiles).
    pub fn regex(&self, scenario: usize, signal: usize) -> Option<&Regex> {
        let cell = self.regexes.get(scenario)?.get(signal)?;
        cell.get_or_init(|| {
            let spec = &self.scenarios[scenario].signals[signal];
            signal_regex(spec.regex.as_deref()?, !spec.case_sensitive)
        })
        .as_ref()
    }
}

/// A signal's regex as `regex::bytes::RegexBuilder` with `unicode(false)` would build it
/// (same syntax, leftmost-first, may match invalid UTF-8, same size limits), but without
/// a literal prefilter: a signal regex only runs on the one line where its anchor
/// occurred, so the prefilter never pays for itself, and building it (literal
/// extraction, a Teddy searcher for each `(?i)` pattern's case variants) was most of a
/// regex's compile time.
///
/// ASCII classes and ASCII case folding: the signals describe ASCII error text, and
/// Unicode case folding would multiply the compile time of every `(?i)`.
fn signal_regex(pattern: &str, case_insensitive: bool) -> Option<Regex> {
    let syntax = regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(case_insensitive);
    let config = Regex::config()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .auto_prefilter(false)
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20));
    Regex::builder()
        .configure(config)
        .syntax(syntax)
        .build(pattern)
        .ok()
}

/// The lowered needles grouped by first byte: searching tries, at each position of the
/// line, the needles that start with its byte (their second byte first). Building it
/// costs a pass over the needles; searching costs a few comparisons per byte, more than
/// the automaton, so it serves short inputs only.
#[derive(Debug)]
struct FirstByteTable {
    lowered: Vec<String>,
    /// For each first byte: (second byte or `None` for a one-byte needle, needle index).
    by_first: Vec<Vec<(Option<u8>, usize)>>,
}

impl FirstByteTable {
    fn new(lowered: Vec<String>) -> FirstByteTable {
        let mut by_first = vec![Vec::new(); 256];
        for (i, needle) in lowered.iter().enumerate() {
            let bytes = needle.as_bytes();
            if let Some(&first) = bytes.first() {
                by_first[usize::from(first)].push((bytes.get(1).copied(), i));
            }
        }
        FirstByteTable { lowered, by_first }
    }

    /// The same needles as a standard-semantics automaton.
    fn automaton(&self) -> AhoCorasick {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&self.lowered)
            .unwrap_or_else(|e| unreachable!("needles are plain literals: {e}"))
    }

    /// Calls `found(needle, start, end)` for every occurrence, by start position.
    fn each(&self, hay: &[u8], mut found: impl FnMut(usize, usize, usize) -> bool) {
        for start in 0..hay.len() {
            let next = hay.get(start + 1).copied();
            for &(second, i) in &self.by_first[usize::from(hay[start])] {
                if second.is_some() && second != next {
                    continue;
                }
                let needle = self.lowered[i].as_bytes();
                if hay[start..].starts_with(needle) && !found(i, start, start + needle.len()) {
                    return;
                }
            }
        }
    }

    fn any_in(&self, hay: &[u8]) -> bool {
        let mut any = false;
        self.each(hay, |_, _, _| {
            any = true;
            false
        });
        any
    }

    /// Every occurrence, in the automaton's overlapping order: by end; at one end the
    /// longest first (the automaton reports a state's own needles, then those of its
    /// failure chain, ever shorter); equal needles by index.
    fn occurrences(&self, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        self.each(hay, |i, start, end| {
            out.push((i, start, end));
            true
        });
        out.sort_by_key(|&(i, start, end)| (end, start, i));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines made of needle pieces, overlaps and case changes: the table and the
    /// automaton must find exactly the same occurrences in the same order.
    #[test]
    fn first_byte_table_and_automaton_agree() {
        let index = Index::build(authdoctor_kb::knowledge_base());
        let automaton = index.table.automaton();
        let texts: Vec<&str> = index.needles.iter().map(|n| n.text.as_str()).collect();
        let mut lines: Vec<String> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let other = texts[(i * 7 + 3) % texts.len()];
            let half: String = text.chars().take(text.chars().count() / 2).collect();
            lines.push(format!("x{text}{other}"));
            lines.push(format!("{}{text}", other.to_ascii_uppercase()));
            lines.push(format!("{half}{text} and {other}{half}"));
            lines.push(format!("{text}{text}"));
        }
        lines.push("An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired".to_owned());
        lines.push(String::new());
        let mut compared = 0;
        for line in &lines {
            let lowered = line.to_ascii_lowercase();
            let expected: Vec<(usize, usize, usize)> = automaton
                .find_overlapping_iter(&lowered)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            assert_eq!(
                index.table.occurrences(lowered.as_bytes()),
                expected,
                "{line}"
            );
            assert_eq!(index.table.any_in(lowered.as_bytes()), !expected.is_empty());
            compared += expected.len();
        }
        assert!(compared > lines.len(), "the lines hold needles");
    }

    /// Every shipped signal regex finds what `regex::bytes` with `unicode(false)` finds,
    /// on its scenario's example logs, line by line.
    #[test]
    fn signal_regexes_match_as_the_regex_crate_does() {
        let kb = authdoctor_kb::knowledge_base();
        let mut compared = 0;
        let mut matched = 0;
        for scenario in kb.scenarios() {
            for signal in &scenario.signals {
                let Some(pattern) = signal.regex.as_deref() else {
                    continue;
                };
                let ours = signal_regex(pattern, !signal.case_sensitive).expect(pattern);
                let reference = regex::bytes::RegexBuilder::new(pattern)
                    .case_insensitive(!signal.case_sensitive)
                    .unicode(false)
                    .build()
                    .expect(pattern);
                for other in kb.scenarios() {
                    for line in other.examples.iter().flat_map(|e| e.log.lines()) {
                        let expected = reference.find(line.as_bytes()).map(|m| m.range());
                        let found = ours.find(line.as_bytes()).map(|m| m.range());
                        assert_eq!(found, expected, "{pattern} on {line}");
                        compared += 1;
                        matched += usize::from(expected.is_some());
                    }
                }
            }
        }
        assert!(compared > 1000 && matched > 20, "{compared} {matched}");
    }

    #[test]
    fn the_automaton_is_built_only_past_the_short_input_bound() {
        let index = Index::build(authdoctor_kb::knowledge_base());
        let line = "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation";
        assert!(index.is_candidate(line));
        assert!(index.automaton.get().is_none());
        let found = index.occurrences(line);
        for _ in 0..=SHORT_INPUT_BYTES / line.len() {
            index.is_candidate(line);
        }
        assert!(index.automaton.get().is_some());
        assert_eq!(index.occurrences(line), found);
    }
}
