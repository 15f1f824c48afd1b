//! The compiled form of the knowledge base's signals.
//!
//! Every literal and every regex anchor of every scenario, plus the generic auth
//! markers, go into one Aho-Corasick automaton. A line that contains none of them is
//! skipped after one automaton pass; that is what keeps scanning large logs fast and
//! start-up cheap. Regexes are compiled lazily, only for signals whose anchor occurred.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use authdoctor_kb::{KnowledgeBase, Scenario};
use regex::bytes::{Regex, RegexBuilder};

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

pub struct Index {
    pub scenarios: &'static [Scenario],
    pub needles: Vec<Needle>,
    /// Every needle, standard (overlapping-capable) semantics: the line filter for short
    /// inputs and the search of interesting lines.
    automaton: AhoCorasick,
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
        let mut add = |text: &str, usage: NeedleUse, case_sensitive: bool| {
            if text.is_empty() {
                return;
            }
            match needles
                .iter_mut()
                .find(|n| n.text.eq_ignore_ascii_case(text))
            {
                Some(n) if n.text == text || !case_sensitive => {
                    n.uses.push((usage, case_sensitive));
                }
                _ => needles.push(Needle {
                    text: text.to_owned(),
                    uses: vec![(usage, case_sensitive)],
                    opens: false,
                }),
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
        for text in crate::readers::IMDS_NEEDLES
            .iter()
            .chain(crate::readers::CLOCK_NEEDLES)
        {
            add(text, NeedleUse::Reader, false);
        }
        for needle in &mut needles {
            needle.opens = needle.uses.iter().any(|(usage, _)| match *usage {
                NeedleUse::Marker { .. } | NeedleUse::Reader => true,
                NeedleUse::Literal { scenario, signal }
                | NeedleUse::Anchor { scenario, signal } => {
                    scenarios[scenario].signals[signal].weight >= OPENING_WEIGHT
                }
            });
        }
        // One automaton serves both the line filter and the overlapping search of
        // interesting lines: building it is most of the start-up cost of `explain`. Its
        // needles are lower case and lines are lowered before searching (ASCII lowering
        // keeps byte offsets), which builds about twice as fast as a case-insensitive one.
        let lowered: Vec<String> = needles
            .iter()
            .map(|n| n.text.to_ascii_lowercase())
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&lowered)
            .unwrap_or_else(|e| unreachable!("needles are plain literals: {e}"));
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
            automaton,
            prefilter_dfa: OnceLock::new(),
            regexes,
            observation_rules,
        }
    }

    /// Whether any needle occurs in `line` (case-insensitively).
    pub fn is_candidate(&self, line: &str) -> bool {
        self.automaton.is_match(&line.to_ascii_lowercase())
    }

    /// Whether `line` holds a needle that may start an error block.
    pub fn opens_block(&self, line: &str) -> bool {
        self.automaton
            .find_overlapping_iter(&line.to_ascii_lowercase())
            .any(|m| self.needles[m.pattern().as_usize()].opens)
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
            self.automaton.is_match(&line.to_ascii_lowercase())
        }
    }

    /// Every needle occurrence in `line`: `(needle index, byte start, byte end)`.
    pub fn occurrences(&self, line: &str) -> Vec<(usize, usize, usize)> {
        self.automaton
            .find_overlapping_iter(&line.to_ascii_lowercase())
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect()
    }

    /// The compiled regex of a signal; `None` if it has none or it does not compile
    /// (the knowledge-base tests make sure every shipped regex compiles).
    pub fn regex(&self, scenario: usize, signal: usize) -> Option<&Regex> {
        let cell = self.regexes.get(scenario)?.get(signal)?;
        cell.get_or_init(|| {
            let spec = &self.scenarios[scenario].signals[signal];
            let pattern = spec.regex.as_deref()?;
            // Byte regexes with ASCII classes: the signals describe ASCII error text, and
            // Unicode case folding would multiply the compile time of every `(?i)`.
            RegexBuilder::new(pattern)
                .case_insensitive(!spec.case_sensitive)
                .unicode(false)
                .build()
                .ok()
        })
        .as_ref()
    }
}
