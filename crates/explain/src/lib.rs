//! Turns raw error text into ranked findings.
//!
//! The pipeline is a pure function of the input text (no files, network or clock):
//!
//! 1. [`source`] streams the input into bounded lines (any bytes, any size).
//! 2. Lines in which no signal literal, anchor or auth marker occurs are skipped after
//!    one Aho-Corasick pass ([`index`]); the others are grouped into *error blocks*:
//!    runs of interesting lines at most [`BLOCK_GAP`] lines apart, with the few lines
//!    after a run that may continue its last message (wrapped by a terminal or a forum).
//! 3. Each block is cleaned (control sequences neutralised, secrets masked), matched
//!    against every scenario's signals (also across a line a copy wrapped and through
//!    markdown emphasis: [`views`]), scored (noisy-OR of signal weights) and turned
//!    into a [`Finding`] with the evidence located in the cleaned text and the facts
//!    ([`facts`]) that fill the fix commands.
//! 4. Repeats of the same error are folded into one finding with an occurrence count.
//!
//! Memory is bounded by the block and finding caps below, whatever the input size.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod facts;
pub mod index;
pub mod markers;
pub mod readers;
pub mod source;
pub mod views;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::sync::OnceLock;

use authdoctor_diagnosis::engine::{self, Clue, RuleRef, Scored};
pub use authdoctor_diagnosis::{Explained, Report, SourceLine};
use authdoctor_diagnosis::{LocatedObservation, Observation, Role, ScenarioId, TextEvidence};
use authdoctor_kb::{Candidate, Finding, ObservationKind, knowledge_base};

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
pub const THRESHOLD: f64 = engine::REPORT_FLOOR;
/// A second scenario in the same block is reported as its own finding only above this
/// score and on lines of its own.
const SECOND_FINDING: f64 = 0.8;
const MAX_EVIDENCE: usize = 8;
/// A symptom finds its cause in an earlier block at most this many lines back: one
/// client's story (a debug log from the first request to the final message).
const STORY_LINES: usize = 2_000;
/// Causes that scored too low for a finding of their own, kept for a symptom that may
/// follow in a later block.
const MAX_LATENT: usize = 32;
/// Observations kept for the report's story.
const MAX_OBSERVATIONS: usize = 200;

/// The compiled knowledge base, built on first use.
pub fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| Index::build(knowledge_base()))
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
    // Inside the head of an answer (after its status line, before the blank line): its
    // headers keep the status and the body that follows in one block.
    let mut answer_head = false;
    let mut lines = 0usize;
    // Lines before which an answer's `Date` is read (a signed request was seen).
    let mut date_window_ends = 0usize;
    loop {
        let block_open = !block.is_empty();
        let awaits_answer = collector.reader.awaits_answer();
        let mut interesting = false;
        let mut answer_line = false;
        let scanned = reader.next_line_if(|bytes| {
            // A line that neutralising would change is searched as neutralised: a control
            // sequence must neither hide a needle nor split one.
            interesting = if authdoctor_redact::has_controls(bytes) {
                let text = String::from_utf8_lossy(bytes);
                index.is_candidate(&authdoctor_redact::neutralise_controls(&text))
            } else {
                index.is_candidate_bytes(bytes, lines > LONG_INPUT_LINES)
            };
            // An answer's `Date` matters only shortly after a signed request: a log full
            // of GMT timestamps must not open a block on every line.
            if readers::names_signing_time(bytes) {
                date_window_ends = lines + readers::DUMP_LINES;
            } else if lines < date_window_ends && readers::names_a_date(bytes) {
                answer_line = true;
            }
            // A request to an AWS API that got no answer tells the story's end even
            // where no other word of the line is a clue.
            if readers::may_tell_unanswered_api(bytes) {
                answer_line = true;
            }
            // The answer to a dumped request, however far the dump put it (a request
            // still in the open block has not been read yet).
            if (awaits_answer && readers::may_be_status_line(bytes))
                || (block_open
                    && (readers::is_response_line(bytes) || readers::may_tell_outcome(bytes)))
            {
                answer_line = true;
            }
            interesting || answer_line || block_open
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
        let blank = line.text.trim().is_empty();
        if readers::is_response_line(line.text.as_bytes()) {
            answer_head = true;
        } else if blank {
            answer_head = false;
        }
        // Counter-evidence and faint context join an open block but do not start one.
        let interesting =
            answer_line || (interesting && (!block.is_empty() || index.opens_block(&line.text)));
        if interesting {
            // The block is still open only while the gap since its last interesting
            // line is within bounds (checked below as gap lines arrive).
            if block.len() + gap.len() < MAX_BLOCK_LINES {
                block.append(&mut gap);
            } else {
                collector.close_block(index, &mut block, &mut gap);
                // A full block ends; the next one needs a line that may open one.
                if !index.opens_block(&line.text) {
                    plain_gap = 0;
                    continue;
                }
            }
            plain_gap = 0;
            block.push(line);
        } else if !block.is_empty() {
            let record = is_record_line(&line.text) || (answer_head && is_http_header(&line.text));
            // A single blank line is the spacing of a double-spaced copy (an event
            // viewer's, a forum's), not a break: only a second one in a row counts.
            let spacing = blank && !gap.last().is_some_and(|l| l.text.trim().is_empty());
            if !record && !spacing {
                plain_gap += 1;
            }
            gap.push(line);
            if plain_gap > BLOCK_GAP || gap.len() > RECORD_GAP {
                collector.close_block(index, &mut block, &mut gap);
            }
        }
    }
    collector.close_block(index, &mut block, &mut gap);
    Ok(collector.finish(lines))
}

/// A line of a pretty-printed JSON object or XML document (`"key": value,`, a lone
/// brace or bracket, `<Element>…</Element>`), of an error object as Node prints it
/// (`  code: 'TimeoutError',`), or a frame of a stack trace between an error's headline
/// and its details (`    at f (file.js:1:2)`, Java's `\tat a.B.c(B.java:9)` and
/// `... 12 more`, Ruby's `\tfrom file.rb:9:in 'm'`).
fn is_record_line(text: &str) -> bool {
    // What the program printed, without a log collector's prefix (syslog, journald,
    // `kubectl logs --timestamps`): a record's lines each carry one.
    let (start, end) = readers::program_text(text);
    let text = &text[start..end];
    // Numbered as `cat -n` and editors' copies print lines.
    let t = text.trim_start();
    let t = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(digits) if digits > 0 && t[digits..].starts_with([' ', '\t']) => &t[digits..],
        _ => t,
    };
    let t = t.trim();
    if t.is_empty() {
        return false;
    }
    let json_key = t.starts_with('"') && t.contains("\":");
    let json_punctuation = matches!(t.as_bytes()[0], b'{' | b'}' | b'[' | b']') && t.len() <= 3;
    let xml = t.starts_with('<') && t.ends_with('>');
    let frame = readers::is_stack_frame(text);
    let object_key =
        is_object_property(text) && (t.ends_with(',') || t.ends_with('{') || t.ends_with('['));
    json_key || json_punctuation || xml || frame || object_key
}

/// A header line of an HTTP message as dumps print it (`Content-Type: text/xml`,
/// curl's `< Server: …`).
fn is_http_header(text: &str) -> bool {
    let t = text.trim();
    let t = t
        .strip_prefix("< ")
        .or_else(|| t.strip_prefix("> "))
        .unwrap_or(t);
    let Some((name, _)) = t.split_once(": ") else {
        return false;
    };
    let header_shaped = name.len() <= 40
        && name.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    // One-word names are also what loggers print (`Error: …`): only the common headers.
    header_shaped
        && (name.contains('-')
            || matches!(
                name,
                "Server"
                    | "Date"
                    | "Host"
                    | "Via"
                    | "Connection"
                    | "Accept"
                    | "Age"
                    | "Vary"
                    | "Expires"
                    | "Pragma"
                    | "Location"
                    | "Allow"
            ))
}

/// An indented `key: value` line of an object as Node (or Ruby's `inspect`) prints it.
fn is_object_property(text: &str) -> bool {
    text.starts_with([' ', '\t'])
        && text.trim().split_once(": ").is_some_and(|(key, _)| {
            !key.is_empty()
                && key.len() <= 40
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'\''))
        })
}

/// Folds repeats of the same error, lets symptoms yield to causes seen earlier in the
/// same story, and keeps the best-first order.
#[derive(Default)]
struct Collector {
    found: Vec<Explained>,
    /// Blocks already analysed, by the hash of their text → the findings they gave.
    /// Logs repeat the same error many times; a repeat costs one hash, not an analysis.
    seen_blocks: HashMap<u64, Vec<(usize, usize)>>,
    /// Causes that were too weak to report alone, most recent last.
    latent: VecDeque<Explained>,
    observations: Vec<LocatedObservation>,
    /// What the readers carry from one block to the next.
    reader: readers::ReaderState,
    /// Findings folded into a cause that came after them (by index into `found`).
    absorbed: BTreeSet<usize>,
    /// Every observation rule that matched, at its input line: a story's exchanges are
    /// judged together at the end, across the blocks that split them.
    story: Vec<Clue<usize>>,
    dropped: usize,
}

/// Story clues kept (a long log of many stories keeps its first ones).
const MAX_STORY_CLUES: usize = 4096;
/// Observations further apart than this many lines belong to different stories.
const STORY_GAP: usize = 200;

/// Distinct block texts remembered for the repeat shortcut.
const MAX_SEEN_BLOCKS: usize = 4096;

/// What one block gave.
struct BlockOutcome {
    /// Findings to report, best first.
    explained: Vec<Explained>,
    /// Causes that scored above the cause floor but below a finding of their own: a
    /// symptom in a later block of the same story may still need them.
    latent: Vec<Explained>,
    observations: Vec<LocatedObservation>,
    /// The observation rules that matched, at input lines.
    story: Vec<Clue<usize>>,
}

impl Collector {
    /// Ends `block` and adds it. The lines just after it (up to [`BLOCK_GAP`], to the
    /// first blank one) go with it: with nothing of interest on their own, they may still
    /// continue its last message (a reason clause wrapped onto them, the ARN after
    /// `on resource:`).
    fn close_block(&mut self, index: &Index, block: &mut Vec<Line>, gap: &mut Vec<Line>) {
        let own = block.len();
        if own > 0 {
            let continued = gap
                .iter()
                .take(BLOCK_GAP)
                .take_while(|l| !l.text.trim().is_empty())
                .count();
            block.extend(gap.drain(..continued));
        }
        self.add_block(index, block, own, gap.first());
        block.clear();
        gap.clear();
    }

    /// `block`'s first `own` lines are the block's own, the rest continue its last line
    /// (see [`Collector::close_block`]). `next` is the line after the block, if read: a
    /// value cut by the line break at the block's end goes on there, and redaction must
    /// see it to mask the block's part.
    fn add_block(&mut self, index: &Index, block: &[Line], own: usize, next: Option<&Line>) {
        if block.is_empty() {
            return;
        }
        let mut hasher = DefaultHasher::new();
        for line in block.iter().chain(next) {
            line.text.hash(&mut hasher);
        }
        let hash = hasher.finish();
        // A repeated block is a repeated event only when nothing read before waits on
        // it: a dumped request retried with the same text tells the reader that the
        // first one got no answer.
        if let Some(found) = self
            .seen_blocks
            .get(&hash)
            .filter(|_| !self.reader.is_open())
        {
            for &(at, occurrences) in found {
                self.found[at].finding.occurrences += occurrences;
            }
            return;
        }
        let outcome = analyse_block(index, block, own, next, &mut self.reader);
        let room = MAX_OBSERVATIONS.saturating_sub(self.observations.len());
        self.observations
            .extend(outcome.observations.into_iter().take(room));
        let room = MAX_STORY_CLUES.saturating_sub(self.story.len());
        self.story.extend(outcome.story.into_iter().take(room));
        let positions = self.add(outcome.explained);
        for cause in outcome.latent {
            if self.latent.len() == MAX_LATENT {
                self.latent.pop_front();
            }
            self.latent.push_back(cause);
        }
        // Blocks that explained nothing are remembered too: they repeat as often.
        if self.seen_blocks.len() < MAX_SEEN_BLOCKS {
            self.seen_blocks.insert(hash, positions);
        }
    }

    /// Adds findings; returns where each one (new, folded or absorbed by its cause)
    /// lives and how many occurrences it brought.
    fn add(&mut self, explained: Vec<Explained>) -> Vec<(usize, usize)> {
        let mut positions = Vec::new();
        for item in explained {
            if let Some(at) = self.cause_for(&item) {
                absorb_symptom(&mut self.found[at], item);
                positions.push((at, 0));
                continue;
            }
            let occurrences = item.finding.occurrences;
            if let Some(at) = self.reported_as_same_problem(&item.finding) {
                let found = &mut self.found[at].finding;
                found.occurrences += occurrences;
                found.confidence = found.confidence.max(item.finding.confidence);
                positions.push((at, occurrences));
            } else if self.found.len() < MAX_FINDINGS {
                positions.push((self.found.len(), occurrences));
                self.found.push(item);
                self.absorb_earlier_symptoms(self.found.len() - 1);
            } else {
                self.dropped += 1;
            }
        }
        positions
    }

    /// The finding already reported for the same problem as `finding`, if any.
    fn reported_as_same_problem(&self, finding: &Finding) -> Option<usize> {
        self.found
            .iter()
            .position(|found| same_problem(&found.finding, finding))
    }

    /// For a symptom finding, the finding of the cause that explains it, seen earlier
    /// in the same story: a reported one, or a latent one promoted now.
    fn cause_for(&mut self, item: &Explained) -> Option<usize> {
        let symptom = ScenarioId::parse(&item.finding.scenario)?;
        if !engine::is_symptom(symptom) {
            return None;
        }
        let line = first_line(&item.finding);
        let in_story = |cause: &Explained| {
            let at = first_line(&cause.finding);
            let Some(id) = ScenarioId::parse(&cause.finding.scenario) else {
                // A cause outside the catalogue, told first.
                return knowledge_base()
                    .told_cause(&cause.finding)
                    .is_some_and(|c| c.explains.iter().any(|s| s == symptom.as_str()))
                    && at <= line
                    && line - at <= STORY_LINES;
            };
            // A `story` cause counts only when seen on a line before the symptom's.
            // ... and only on evidence of its own (not an incidental clue).
            let placed = match knowledge_base().scenario(id).precedence {
                authdoctor_kb::Precedence::Any => at <= line,
                authdoctor_kb::Precedence::Story => {
                    at < line && has_own_cause_evidence(id, &cause.finding)
                }
            };
            engine::explains(id, symptom) && placed && line - at <= STORY_LINES
        };
        let reported = self
            .found
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.absorbed.contains(i) && in_story(f))
            .max_by(|a, b| a.1.finding.confidence.total_cmp(&b.1.finding.confidence))
            .map(|(at, _)| at);
        if reported.is_some() {
            return reported;
        }
        let latent = self
            .latent
            .iter()
            .enumerate()
            .filter(|(_, f)| in_story(f))
            .max_by(|a, b| a.1.finding.confidence.total_cmp(&b.1.finding.confidence))
            .map(|(at, _)| at)?;
        let cause = self.latent.remove(latent)?;
        if let Some(at) = self.reported_as_same_problem(&cause.finding) {
            return Some(at);
        }
        if self.found.len() >= MAX_FINDINGS {
            return None;
        }
        self.found.push(cause);
        Some(self.found.len() - 1)
    }

    /// A cause seen after symptoms it explains (a client that retries the token after
    /// its fallback failed) still takes them in, within one story.
    fn absorb_earlier_symptoms(&mut self, cause_at: usize) {
        let Some(cause) = ScenarioId::parse(&self.found[cause_at].finding.scenario) else {
            return;
        };
        if knowledge_base().scenario(cause).explains.is_empty() {
            return;
        }
        let line = first_line(&self.found[cause_at].finding);
        let story = knowledge_base().scenario(cause).precedence;
        let symptoms: Vec<usize> = (0..cause_at)
            .filter(|i| !self.absorbed.contains(i))
            .filter(|&i| {
                let f = &self.found[i].finding;
                let at = first_line(f);
                // A `story` cause must come before its symptom: never here.
                story == authdoctor_kb::Precedence::Any
                    && at <= line
                    && line - at <= STORY_LINES
                    && ScenarioId::parse(&f.scenario).is_some_and(|s| engine::explains(cause, s))
            })
            .collect();
        for i in symptoms {
            let symptom = self.found[i].clone();
            absorb_symptom(&mut self.found[cause_at], symptom);
            self.absorbed.insert(i);
        }
    }

    /// Judges each story's exchanges together. A client's debug log often splits one
    /// story over many blocks (a request dump per block): the token PUT that timed out
    /// in one reads as a dropped token answer (hop limit) until a later block shows the
    /// GETs timing out too (nothing answers at all). Where the whole story's best cause
    /// differs from causes found block by block, the rivals fold into it: their
    /// evidence stays, as alternatives, and the symptoms they had absorbed move with it.
    fn judge_stories(&mut self) {
        let mut clues = std::mem::take(&mut self.story);
        clues.sort_by_key(|c| c.at);
        let mut start = 0;
        while start < clues.len() {
            let mut end = start + 1;
            while end < clues.len() && clues[end].at - clues[end - 1].at <= STORY_GAP {
                end += 1;
            }
            self.judge_story(&clues[start..end]);
            start = end;
        }
    }

    fn judge_story(&mut self, clues: &[Clue<usize>]) {
        let (Some(first), Some(last)) = (clues.first(), clues.last()) else {
            return;
        };
        let (from, to) = (first.at, last.at);
        let scored = engine::score(clues);
        let kb = knowledge_base();
        let is_cause = |id: ScenarioId| !kb.scenario(id).explains.is_empty();
        let Some(best) = scored.iter().find(|s| is_cause(s.scenario)) else {
            return;
        };
        let story_score = |id: ScenarioId| {
            scored
                .iter()
                .find(|s| s.scenario == id)
                .map_or(0.0, |s| s.score)
        };
        let in_story = |f: &Finding| {
            let at = first_line(f);
            (from..=to + STORY_GAP).contains(&at) || (at..=at + STORY_GAP).contains(&from)
        };
        let live = |i: &usize| !self.absorbed.contains(i);
        let Some(winner) = (0..self.found.len()).filter(live).find(|&i| {
            let f = &self.found[i].finding;
            f.scenario == best.scenario.as_str() && in_story(f)
        }) else {
            return;
        };
        let rivals: Vec<usize> = (0..self.found.len())
            .filter(live)
            .filter(|&i| i != winner)
            .filter(|&i| {
                let f = &self.found[i].finding;
                // A rival the story's observations do not back at all (a guess from
                // the words of a message) yields too.
                ScenarioId::parse(&f.scenario).is_some_and(|id| {
                    is_cause(id)
                        && kb.scenario(id).category == kb.scenario(best.scenario).category
                        && story_score(id) < best.score
                }) && in_story(f)
            })
            .collect();
        for i in rivals {
            let rival = self.found[i].clone();
            fold_rival(&mut self.found[winner], rival, story_score);
            self.absorbed.insert(i);
        }
    }

    /// An error no scenario explains, met within one request-and-response dump of a
    /// finding that does (`HTTP/1.1 403 Forbidden` above the `SignatureDoesNotMatch`
    /// document of the same answer), is that finding's answer seen twice, not a problem
    /// of its own.
    fn drop_unknown_in_known_dumps(&mut self) {
        let lines_of = |finding: &Finding| -> Vec<usize> {
            finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text().map(|t| t.line))
                .collect()
        };
        let known: Vec<usize> = self
            .found
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                f.finding.scenario != authdoctor_kb::UNKNOWN && !self.absorbed.contains(i)
            })
            .flat_map(|(_, f)| lines_of(&f.finding))
            .collect();
        for (i, explained) in self.found.iter().enumerate() {
            if explained.finding.scenario != authdoctor_kb::UNKNOWN {
                continue;
            }
            let lines = lines_of(&explained.finding);
            let within_a_dump = !lines.is_empty()
                && lines.iter().all(|&line| {
                    known
                        .iter()
                        .any(|&k| line.abs_diff(k) <= readers::DUMP_LINES)
                });
            if within_a_dump {
                self.absorbed.insert(i);
            }
        }
    }

    /// A story whose client got role credentials after all (the IMDSv1 fallback after
    /// a refused token request, a retry after a timeout) did not fail at the metadata
    /// service: its findings about it, and the unknown ones, before that answer are not
    /// reported.
    fn drop_recovered(&mut self) {
        let delivered: Vec<usize> = self
            .observations
            .iter()
            .filter(|o| o.observation.delivers_credentials())
            .map(|o| o.line)
            .collect();
        if delivered.is_empty() {
            return;
        }
        let kb = knowledge_base();
        for (i, explained) in self.found.iter().enumerate() {
            let finding = &explained.finding;
            let about_the_service = match ScenarioId::parse(&finding.scenario) {
                Some(id) => kb.scenario(id).category == authdoctor_kb::Category::Imds,
                None => finding.scenario == authdoctor_kb::UNKNOWN,
            };
            let last = finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text().map(|t| t.line))
                .max();
            let recovered = last.is_some_and(|last| {
                delivered
                    .iter()
                    .any(|&at| at > last && at - last <= STORY_GAP)
            });
            if about_the_service && recovered {
                self.absorbed.insert(i);
            }
        }
    }

    /// An error no scenario explains, next to a request to an AWS API that AWS never
    /// answered and with no answer from AWS around it (`getting credentials: exec: aws
    /// failed` after `SSL validation failed for https://sts…`), is that network
    /// failure's consequence, not a refusal of its own.
    fn drop_unknown_beside_unanswered(&mut self) {
        let near = |line: usize, kind: fn(&Observation) -> bool| {
            self.observations
                .iter()
                .any(|o| kind(&o.observation) && o.line.abs_diff(line) <= readers::DUMP_LINES)
        };
        for (i, explained) in self.found.iter().enumerate() {
            if explained.finding.scenario != authdoctor_kb::UNKNOWN {
                continue;
            }
            let lines: Vec<usize> = explained
                .finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text().map(|t| t.line))
                .collect();
            let beside = !lines.is_empty()
                && lines.iter().all(|&line| {
                    near(line, |o| matches!(o, Observation::ApiUnanswered { .. }))
                        && !near(line, |o| matches!(o, Observation::ApiError { .. }))
                });
            if beside {
                self.absorbed.insert(i);
            }
        }
    }

    fn finish(mut self, lines: usize) -> Report {
        self.judge_stories();
        self.drop_recovered();
        self.drop_unknown_in_known_dumps();
        self.drop_unknown_beside_unanswered();
        let absorbed = std::mem::take(&mut self.absorbed);
        let mut index = 0;
        self.found.retain(|_| {
            let keep = !absorbed.contains(&index);
            index += 1;
            keep
        });
        // Stable: equal confidence keeps the order of appearance.
        self.found
            .sort_by(|a, b| b.finding.confidence.total_cmp(&a.finding.confidence));
        Report {
            explained: self.found,
            observations: self.observations,
            lines,
            dropped: self.dropped,
        }
    }
}

/// Whether a finding rests, as a cause, on a clue its scenario file does not call
/// incidental: a story cause needs one (a connect timeout off EC2 explains nothing).
fn has_own_cause_evidence(id: ScenarioId, finding: &Finding) -> bool {
    let scenario = knowledge_base().scenario(id);
    let rules = scenario
        .signals
        .iter()
        .map(|r| (&r.name, &r.label, r.incidental))
        .chain(
            scenario
                .observations
                .iter()
                .map(|r| (&r.name, &r.label, r.incidental)),
        );
    let own: Vec<(&String, &String)> = rules
        .filter(|(_, _, incidental)| !incidental)
        .map(|(name, label, _)| (name, label))
        .collect();
    finding
        .evidence
        .iter()
        .filter_map(|e| e.as_text())
        .filter(|e| e.role == Role::Cause)
        .any(|e| {
            own.iter()
                .any(|(name, label)| **name == e.signal && **label == e.label)
        })
}

/// The first input line a finding's text evidence points at.
fn first_line(finding: &Finding) -> usize {
    finding
        .evidence
        .iter()
        .filter_map(|e| e.as_text().map(|t| t.line))
        .min()
        .unwrap_or(0)
}

/// Folds a symptom's finding into the finding of its cause: its evidence stays, marked
/// as what the client finally reported, and it raises the cause's confidence.
fn absorb_symptom(cause: &mut Explained, symptom: Explained) {
    let finding = &mut cause.finding;
    finding.confidence = round(engine::combine(
        finding.confidence,
        symptom.finding.confidence,
    ));
    for e in symptom.finding.evidence {
        if let authdoctor_kb::Evidence::Text(mut t) = e
            && finding.evidence.len() < 2 * MAX_EVIDENCE
        {
            t.role = Role::Symptom;
            finding.evidence.push(t.into());
        }
    }
    finding
        .candidates
        .retain(|c| c.scenario != symptom.finding.scenario);
    take_facts_and_lines(cause, symptom.finding.facts, symptom.lines);
}

/// Facts the finding does not have yet, and the source lines of another finding folded
/// into it.
fn take_facts_and_lines(
    into: &mut Explained,
    facts: BTreeMap<String, String>,
    lines: Vec<authdoctor_diagnosis::SourceLine>,
) {
    for (name, value) in facts {
        into.finding.facts.entry(name).or_insert(value);
    }
    for line in lines {
        if !into.lines.iter().any(|l| l.number == line.number) {
            into.lines.push(line);
        }
    }
    into.lines.sort_by_key(|l| (l.number, l.char_offset));
}

/// Folds a rival cause into the story's best: the symptoms it had absorbed move over,
/// its own evidence stays as context, and it becomes a named alternative.
fn fold_rival(winner: &mut Explained, rival: Explained, story_score: impl Fn(ScenarioId) -> f64) {
    let finding = &mut winner.finding;
    finding.confidence = finding.confidence.max(rival.finding.confidence);
    let rival_id = ScenarioId::parse(&rival.finding.scenario);
    // A rival the story's observations back stays as context; one guessed from the
    // words of a message only hands over the symptoms it had absorbed: its own clues
    // would read as evidence of the winner.
    let backed = rival_id.is_some_and(|id| story_score(id) > 0.0);
    for e in rival.finding.evidence {
        if let authdoctor_kb::Evidence::Text(mut t) = e
            && finding.evidence.len() < 2 * MAX_EVIDENCE
            && (backed || t.role == Role::Symptom)
        {
            if t.role == Role::Cause {
                t.role = Role::Context;
            }
            finding.evidence.push(t.into());
        }
    }
    if let Some(id) = rival_id
        && !finding.candidates.iter().any(|c| c.scenario == id.as_str())
    {
        let confidence = if backed {
            story_score(id)
        } else {
            rival.finding.confidence
        };
        finding.candidates.push(authdoctor_kb::Candidate {
            scenario: id.as_str().to_owned(),
            confidence: round(confidence),
        });
    }
    finding
        .candidates
        .retain(|c| c.scenario != finding.scenario);
    take_facts_and_lines(winner, rival.finding.facts, rival.lines);
}

fn round(c: f64) -> f64 {
    (c.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

/// The facts that tell two problems of one scenario apart: a refusal of another action,
/// resource, operation or caller is another problem. Error codes and metadata paths do
/// not: a debug log names the same failure by several exception classes
/// (`EndpointConnectionError`, `NewConnectionError`) and meets it on each path it tries.
const PROBLEM_FACTS: [&str; 4] = ["action", "operation", "resource", "principal"];

/// Whether two findings report the same problem: one scenario, and no fact of
/// [`PROBLEM_FACTS`] with different values (a fact one of them lacks is no
/// difference: the log's retry lines often leave it out). A metadata-service problem is
/// the host's, whichever call met it. Errors no scenario explains are the same only
/// with the same evidence text.
fn same_problem(a: &Finding, b: &Finding) -> bool {
    if a.scenario != b.scenario {
        return false;
    }
    if let Some(id) = ScenarioId::parse(&a.scenario)
        && knowledge_base().scenario(id).category == authdoctor_kb::Category::Imds
    {
        return true;
    }
    if a.scenario == authdoctor_kb::UNKNOWN {
        fn texts(f: &Finding) -> impl Iterator<Item = &str> {
            f.evidence
                .iter()
                .filter_map(|e| e.as_text().map(|t| t.text.as_str()))
        }
        return texts(a).eq(texts(b));
    }
    PROBLEM_FACTS
        .iter()
        .all(|fact| match (a.facts.get(*fact), b.facts.get(*fact)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        })
}

/// A located match inside a cleaned block line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    line: usize,
    start: usize,
    end: usize,
}

impl From<views::LineSpan> for Span {
    fn from(at: views::LineSpan) -> Span {
        Span {
            line: at.line,
            start: at.start,
            end: at.end,
        }
    }
}

type Located = (ScenarioId, RuleRef, Span, Role);

fn analyse_block(
    index: &Index,
    block: &[Line],
    own: usize,
    next: Option<&Line>,
    reader: &mut readers::ReaderState,
) -> BlockOutcome {
    let mut outcome = BlockOutcome {
        explained: Vec::new(),
        latent: Vec::new(),
        observations: Vec::new(),
        story: Vec::new(),
    };
    if block.is_empty() {
        return outcome;
    }
    // Cleaned together (with the line after the block), so a value cut by a line break
    // is masked on every line.
    let texts: Vec<&str> = block.iter().chain(next).map(|l| l.text.as_str()).collect();
    let redacted = authdoctor_redact::Redacted::lines(&texts);
    // The line after the block, cleaned too, continues a message wrapped at the block's
    // last line (`… because no resource-based` / `policy allows …`): the views join it,
    // while every span stays on the block's own lines.
    let cleaned_with_next: Vec<&str> = redacted.iter().map(|r| r.as_str()).collect();
    let cleaned: Vec<&str> = cleaned_with_next[..block.len()].to_vec();

    // Clues: every signal hit, then every observation rule that matches what the
    // readers saw.
    let mut clues: Vec<Clue<Span>> = Vec::new();
    let mut regex_lines: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    let mut markers: Vec<Span> = Vec::new();
    // Markers that name only the subject (credentials, the metadata address) count
    // where the text says something failed.
    let mut subject_markers: Vec<Span> = Vec::new();
    // Whether any line names the metadata service: only then do the readers look for
    // the exchanges of a story (the common single API error costs no reader work).
    let mut exchanges_mentioned = reader.is_open();
    // The first cause outside the catalogue the block names, for an `unknown` finding.
    let mut outside: Option<usize> = None;
    for (li, text) in cleaned.iter().enumerate() {
        for (usage, start, end) in index.uses_in(text) {
            let span = Span {
                line: li,
                start,
                end,
            };
            match usage {
                NeedleUse::Literal { scenario, signal } => clues.push(Clue {
                    scenario: ScenarioId::ALL[scenario],
                    rule: RuleRef::Signal(signal),
                    at: span,
                }),
                NeedleUse::Anchor { scenario, signal } => {
                    regex_lines.insert((scenario, signal, li));
                }
                NeedleUse::Marker { marker } => {
                    if markers::is_subject_marker(marker) {
                        subject_markers.push(span);
                    } else {
                        markers.push(span);
                    }
                }
                NeedleUse::Outside { cause } => {
                    markers.push(span);
                    outside.get_or_insert(cause);
                }
                NeedleUse::Reader => exchanges_mentioned = true,
            }
        }
    }
    // Messages a copy broke (wrapped onto the next line, markdown emphasis typed in):
    // what only a joined or unmarked reading of the lines holds.
    let on_block = |at: views::LineSpan| (at.line < block.len()).then_some(at);
    for view in views::of(&cleaned_with_next) {
        let mut anchored: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (usage, start, end) in index.uses_in(&view.text) {
            match usage {
                NeedleUse::Literal { scenario, signal } => {
                    if let Some(at) = view
                        .new_match(start, end, &cleaned_with_next)
                        .and_then(on_block)
                    {
                        clues.push(Clue {
                            scenario: ScenarioId::ALL[scenario],
                            rule: RuleRef::Signal(signal),
                            at: Span::from(at),
                        });
                    }
                }
                NeedleUse::Anchor { scenario, signal } => {
                    anchored.insert((scenario, signal));
                }
                NeedleUse::Marker { .. } | NeedleUse::Outside { .. } | NeedleUse::Reader => {}
            }
        }
        for (scenario, signal) in anchored {
            let found = index
                .regex(scenario, signal)
                .and_then(|re| evidence_match(re, view.text.as_bytes()))
                .and_then(|m| view.new_match(m.start, m.end, &cleaned_with_next))
                .and_then(on_block);
            if let Some(at) = found {
                clues.push(Clue {
                    scenario: ScenarioId::ALL[scenario],
                    rule: RuleRef::Signal(signal),
                    at: Span::from(at),
                });
            }
        }
    }
    for (scenario, signal, li) in regex_lines {
        if let Some(m) = index
            .regex(scenario, signal)
            .and_then(|re| evidence_match(re, cleaned[li].as_bytes()))
        {
            clues.push(Clue {
                scenario: ScenarioId::ALL[scenario],
                rule: RuleRef::Signal(signal),
                at: Span {
                    line: li,
                    start: m.start,
                    end: m.end,
                },
            });
        }
    }
    let seen_all = if exchanges_mentioned {
        readers::read_with(&cleaned, reader)
    } else {
        readers::read_unanswered_api(&cleaned)
    };
    for seen in seen_all {
        let span = Span {
            line: seen.line,
            start: seen.start,
            end: seen.end,
        };
        for &(scenario, rule) in &index.observation_rules {
            let id = ScenarioId::ALL[scenario];
            let spec = &index.scenarios[scenario].observations[rule];
            if seen.observation.matches(spec) {
                // An error code a signal of the same scenario already matched counts
                // once: the code read into an observation (the rules `check` judges its
                // calls by) is the same evidence as the signal on it, not a second one.
                let signals = &index.scenarios[scenario].signals;
                let said = spec.kind == ObservationKind::ApiError
                    && clues.iter().any(|c| {
                        c.scenario == id
                            && matches!(c.rule, RuleRef::Signal(i) if signals[i].weight > 0.0)
                            && c.at.line == span.line
                            && c.at.start < span.end
                            && span.start < c.at.end
                    });
                if !said {
                    clues.push(Clue {
                        scenario: id,
                        rule: RuleRef::Observation(rule),
                        at: span,
                    });
                }
                outcome.story.push(Clue {
                    scenario: id,
                    rule: RuleRef::Observation(rule),
                    at: block[seen.line].number,
                });
            }
        }
        outcome.observations.push(LocatedObservation {
            line: block[seen.line].number,
            observation: seen.observation,
        });
    }

    let scored = engine::apply_precedence(engine::score(&clues), |a, b| a.line < b.line);
    let ruled_out = engine::ruled_out(&clues);
    let kb = knowledge_base();

    // Which scored scenarios become findings: the best one above the threshold, and
    // others only when strong, on lines of their own and not an alternative reading of
    // one already chosen.
    let mut chosen: Vec<&Scored<Span>> = Vec::new();
    let mut used_lines: BTreeSet<usize> = BTreeSet::new();
    for (rank, candidate) in scored.iter().enumerate() {
        let scenario = kb.scenario(candidate.scenario);
        let accept = if rank == 0 {
            candidate.score >= THRESHOLD
        } else {
            let own_lines = candidate
                .evidence
                .iter()
                .all(|e| !used_lines.contains(&e.2.line));
            let related = chosen.iter().any(|c| {
                let other = kb.scenario(c.scenario);
                other
                    .ambiguous_with
                    .iter()
                    .any(|a| a == candidate.scenario.as_str())
                    || scenario
                        .ambiguous_with
                        .iter()
                        .any(|a| a == c.scenario.as_str())
            });
            candidate.score >= SECOND_FINDING && own_lines && !related
        };
        if !accept {
            if rank == 0 {
                break;
            }
            continue;
        }
        used_lines.extend(candidate.evidence.iter().map(|e| e.2.line));
        chosen.push(candidate);
    }

    for candidate in &chosen {
        let others: BTreeSet<usize> = chosen
            .iter()
            .filter(|c| c.scenario != candidate.scenario)
            .flat_map(|c| c.evidence.iter().map(|e| e.2.line))
            .collect();
        let Some(mut explained) = explained_of(block, &cleaned, &redacted, candidate, &others)
        else {
            continue;
        };
        let (candidates, separated_by) = engine::alternatives(
            candidate.scenario,
            candidate.score,
            &scored,
            &candidate.absorbed,
            &candidate.rivals,
            &ruled_out,
        );
        set_alternatives(&mut explained.finding, &candidates, &separated_by);
        // The same error repeated on consecutive lines (a retry loop) is one block but
        // several occurrences: count the lines that carry the strongest clue. Lines
        // that carry it with other facts (another action, another operation) are
        // distinct errors: each gets its own finding.
        let Some(&(_, rule, _, _)) = candidate.evidence.first() else {
            outcome.explained.push(explained);
            continue;
        };
        // A property of a printed error object (`  __type: '…#UnrecognizedClientException'`)
        // repeats its headline: the same error, not another occurrence.
        let mut repeats: BTreeSet<usize> = clues
            .iter()
            .filter(|c| c.scenario == candidate.scenario && c.rule == rule)
            .map(|c| c.at.line)
            .collect();
        if let Some(&first) = repeats.iter().next() {
            repeats.retain(|&l| l == first || !is_object_property(cleaned[l]));
        }
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut unmarked: Vec<usize> = Vec::new();
        for &line in &repeats {
            match error_signature(&facts::extract(cleaned[line])) {
                Some(signature) => groups.entry(signature).or_default().push(line),
                // A line that names no action or operation (a retry message, the
                // final line of a retry loop) belongs to the error around it.
                None => unmarked.push(line),
            }
        }
        if let Some(first) = groups.values_mut().next() {
            first.append(&mut unmarked);
            first.sort_unstable();
        }
        if groups.len() <= 1 {
            explained.finding.occurrences = repeats.len().max(1);
            outcome.explained.push(explained);
            continue;
        }
        let mut distinct: Vec<Vec<usize>> = groups.into_values().collect();
        distinct.sort();
        for lines in distinct {
            let own: Vec<Clue<Span>> = clues
                .iter()
                .filter(|c| c.scenario == candidate.scenario && lines.contains(&c.at.line))
                .copied()
                .collect();
            let Some(scored) = engine::score(&own).into_iter().next() else {
                continue;
            };
            let elsewhere: BTreeSet<usize> = repeats
                .iter()
                .copied()
                .filter(|l| !lines.contains(l))
                .chain(others.iter().copied())
                .collect();
            let Some(mut part) = explained_of(block, &cleaned, &redacted, &scored, &elsewhere)
            else {
                continue;
            };
            set_alternatives(&mut part.finding, &candidates, &separated_by);
            part.finding.occurrences = lines.len();
            outcome.explained.push(part);
        }
    }

    // Causes not reported here: a later symptom of the same story may need them.
    for candidate in &scored {
        let reported = chosen.iter().any(|c| c.scenario == candidate.scenario);
        let is_cause = !kb.scenario(candidate.scenario).explains.is_empty();
        if reported || !is_cause || candidate.score < engine::CAUSE_FLOOR {
            continue;
        }
        if let Some(explained) =
            explained_of(block, &cleaned, &redacted, candidate, &BTreeSet::new())
        {
            outcome.latent.push(explained);
        }
    }

    // A subject marker counts next to a word of failure: on its line or the next (an
    // error's second line) among the block's own lines. Anywhere in the block would take
    // a debug log's settings (`read_timeout=…`) for a failure; so would a debug or trace
    // line, where a run that worked logs what its provider chain skipped.
    subject_markers.retain(|span| {
        !markers::is_trace_line(cleaned[span.line])
            && cleaned[..own.min(cleaned.len())]
                .iter()
                .skip(span.line)
                .take(2)
                .any(|l| markers::tells_failure(l) && !markers::is_trace_line(l))
    });
    markers.append(&mut subject_markers);
    // A request AWS never answered (DNS, a reset, TLS) with no AWS error in the block
    // is a network failure: nothing was refused, so no unknown authorization error.
    let only_unanswered = outcome
        .observations
        .iter()
        .any(|o| matches!(o.observation, Observation::ApiUnanswered { .. }))
        && !outcome
            .observations
            .iter()
            .any(|o| matches!(o.observation, Observation::ApiError { .. }));
    if outcome.explained.is_empty() && !markers.is_empty() && !only_unanswered {
        markers.sort();
        markers.dedup_by_key(|s| (s.line, s.start));
        let marker_evidence: Vec<Located> = markers
            .iter()
            .take(MAX_EVIDENCE)
            .map(|s| {
                (
                    ScenarioId::ALL[0],
                    RuleRef::Signal(usize::MAX),
                    *s,
                    Role::Context,
                )
            })
            .collect();
        let evidence = located_evidence(block, &cleaned, &marker_evidence, |_, _| {
            (
                "auth-marker".to_owned(),
                "an authorization or credential error".to_owned(),
            )
        });
        let lines = finding_lines(&marker_evidence);
        let facts = facts::extract(&fact_text(&cleaned, &lines, &BTreeSet::new()));
        let mut finding = Finding::unknown(evidence, facts, 0.5);
        // A known cause the catalogue does not list still gets its own story: named by
        // its words, or by what a reader saw happen.
        let causes = knowledge_base().outside_causes();
        let told = outside.and_then(|c| causes.get(c)).or_else(|| {
            causes.iter().find(|cause| {
                outcome.observations.iter().any(|o| {
                    matches!(&o.observation, Observation::ImdsExchange { outcome, .. }
                        if cause.imds_outcomes.iter().any(|name| outcome.matches(name)))
                })
            })
        });
        if let Some(cause) = told {
            finding = finding.told_as(cause);
        }
        let candidates: Vec<(ScenarioId, f64)> = scored
            .iter()
            .filter(|s| s.score >= engine::CANDIDATE_FLOOR)
            .map(|s| (s.scenario, s.score))
            .collect();
        set_alternatives(&mut finding, &candidates, &[]);
        outcome.explained.push(Explained {
            lines: source_lines(block, &redacted, &lines),
            finding,
        });
    }
    outcome
}

/// What tells one error from another of the same scenario: the action, operation and
/// resource it names; `None` when a line names none of them.
fn error_signature(facts: &authdoctor_kb::Facts) -> Option<String> {
    let parts: Vec<&str> = ["action", "operation", "resource"]
        .iter()
        .map(|k| facts.get(*k).map_or("", String::as_str))
        .collect();
    parts
        .iter()
        .any(|p| !p.is_empty())
        .then(|| parts.join("\u{1f}"))
}

/// The finding for one scored scenario of a block, with its evidence located and the
/// facts read from its own part of the block (not from lines of other findings).
fn explained_of(
    block: &[Line],
    cleaned: &[&str],
    redacted: &[authdoctor_redact::Redacted],
    scored: &Scored<Span>,
    other_lines: &BTreeSet<usize>,
) -> Option<Explained> {
    let kb = knowledge_base();
    let evidence = located_evidence(block, cleaned, &scored.evidence, |id, rule| {
        rule.describe(kb.scenario(id))
    });
    let lines = finding_lines(&scored.evidence);
    let facts = facts::extract(&fact_text(cleaned, &lines, other_lines));
    let finding = kb.finding(scored.scenario.as_str(), scored.score, evidence, facts)?;
    Some(Explained {
        lines: source_lines(block, redacted, &lines),
        finding,
    })
}

/// The text facts are read from: the finding's evidence lines, widened over the
/// neighbouring lines of the same paragraph (a pretty-printed record, a multi-line
/// error) but never across a blank line or into lines of another finding.
fn fact_text(cleaned: &[&str], lines: &BTreeSet<usize>, others: &BTreeSet<usize>) -> String {
    let (Some(&first), Some(&last)) = (lines.first(), lines.last()) else {
        return String::new();
    };
    let stop = |i: usize| cleaned[i].trim().is_empty() || others.contains(&i);
    let mut start = first;
    while start > 0 && !stop(start - 1) {
        start -= 1;
    }
    let mut end = last;
    while end + 1 < cleaned.len() && !stop(end + 1) {
        end += 1;
    }
    let mut text = String::new();
    for (i, line) in cleaned.iter().enumerate().take(end + 1).skip(start) {
        if i > first && i < last && others.contains(&i) {
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Writes the candidates and the checks that separate them, and says in a note what
/// the text alone cannot rule out.
fn set_alternatives(
    finding: &mut Finding,
    candidates: &[(ScenarioId, f64)],
    checks: &[authdoctor_diagnosis::CheckId],
) {
    finding.candidates = candidates
        .iter()
        .map(|(id, score)| Candidate {
            scenario: id.as_str().to_owned(),
            confidence: round(*score),
        })
        .collect();
    finding.separated_by = checks.iter().map(|c| c.as_str().to_owned()).collect();
    let close: Vec<&str> = candidates
        .iter()
        .filter(|(_, c)| engine::cannot_rule_out(*c, finding.confidence))
        .map(|(id, _)| id.as_str())
        .collect();
    if close.is_empty() {
        return;
    }
    let mut note = format!("The text alone cannot rule out: {}.", close.join(", "));
    // Only checks tell them apart on the host; without one, naming `check` would send
    // the reader to a probe that cannot answer.
    if !finding.separated_by.is_empty() {
        note.push_str(&format!(
            " Run `authdoctor check` on the affected host to tell them apart (checks {}).",
            finding.separated_by.join(", ")
        ));
    }
    finding.notes.push(note);
}

fn located_evidence(
    block: &[Line],
    cleaned: &[&str],
    spans: &[Located],
    describe: impl Fn(ScenarioId, RuleRef) -> (String, String),
) -> Vec<authdoctor_kb::Evidence> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<TextEvidence> = Vec::new();
    for &(id, rule, span, role) in spans {
        if !seen.insert((span.line, span.start, span.end)) || out.len() >= MAX_EVIDENCE {
            continue;
        }
        let text = &cleaned[span.line];
        let (Some(before), Some(matched)) =
            (text.get(..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        let (signal, label) = describe(id, rule);
        let line = &block[span.line];
        out.push(TextEvidence {
            line: line.number,
            column: line.char_offset + before.chars().count() + 1,
            length: matched.chars().count(),
            text: matched.to_owned(),
            signal,
            label,
            role,
        });
    }
    out.sort_by_key(|e| (e.line, e.column));
    out.into_iter().map(Into::into).collect()
}

fn finding_lines(spans: &[Located]) -> BTreeSet<usize> {
    spans.iter().map(|e| e.2.line).collect()
}

fn source_lines(
    block: &[Line],
    redacted: &[authdoctor_redact::Redacted],
    lines: &BTreeSet<usize>,
) -> Vec<SourceLine> {
    lines
        .iter()
        .map(|&i| SourceLine {
            number: block[i].number,
            char_offset: block[i].char_offset,
            text: redacted[i].clone(),
        })
        .collect()
}

/// Where a signal's regex matched: its group `at` when it has one and the alternative
/// that matched sets it (a pattern that must look at the character before the evidence,
/// such as a status code not preceded by `:` as a line number is, underlines only the
/// evidence), else the whole match.
fn evidence_match(re: &regex_automata::meta::Regex, line: &[u8]) -> Option<regex_automata::Span> {
    let at = re
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "at");
    match at {
        Some(group) => {
            let mut caps = re.create_captures();
            re.captures(line, &mut caps);
            caps.get_group(group)
                .or_else(|| caps.get_match().map(|m| m.span()))
        }
        None => re.find(line).map(|m| m.span()),
    }
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
    fn naming_credentials_is_not_an_error_but_failing_to_get_them_is() {
        let working = "2026-12-04 16:16:02,561 - botocore.credentials - DEBUG - Looking for credentials via: env\n\
                       2026-12-04 16:16:02,562 - botocore.utils - DEBUG - IMDS ENDPOINT: http://169.254.169.254/\n\
                       2026-12-04 16:16:02,570 - botocore.credentials - INFO - Found credentials from IAM Role: app";
        assert!(explain_text(working).explained.is_empty());
        let failing =
            "2026-12-04 16:16:02,561 - app - ERROR - cannot refresh the credential cache for job 7";
        let report = explain_text(failing);
        assert_eq!(
            report
                .findings()
                .map(|f| f.scenario.as_str())
                .collect::<Vec<_>>(),
            [authdoctor_kb::UNKNOWN]
        );
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
        let code = finding
            .evidence
            .iter()
            .filter_map(|e| e.as_text())
            .find(|e| e.text == "ExpiredToken");
        let code = code.unwrap_or_else(|| panic!("no error-code evidence: {:?}", finding.evidence));
        assert_eq!((code.line, code.column, code.length), (2, 20, 12));
        assert_eq!(finding.facts["operation"], "GetCallerIdentity");
    }

    #[test]
    fn a_message_wrapped_onto_a_line_of_no_interest_on_its_own_is_still_read() {
        // Wrapped as a terminal of 80 columns shows it: the two last lines name nothing a
        // signal looks for, so they would not join the block by themselves; the reason
        // clause starts on one and ends on the other.
        let text = "User: arn:aws:sts::111122223333:assumed-role/Admin/bob \nis not authorized to perform: s3:GetObject on resource: \narn:aws:s3:::b/k because no resource-based \npolicy allows the s3:GetObject action\n";
        let report = explain_text(text);
        let finding = report
            .findings()
            .next()
            .unwrap_or_else(|| panic!("no finding for {text:?}"));
        assert_eq!(finding.scenario, "access-denied-resource-policy");
        let evidence = finding
            .evidence
            .iter()
            .filter_map(|e| e.as_text())
            .find(|e| e.text.starts_with("because no resource-based"))
            .unwrap_or_else(|| panic!("no evidence of the reason: {:?}", finding.evidence));
        // Underlined on the user's line where the clause starts.
        assert_eq!(evidence.line, 3);
    }

    #[test]
    fn a_message_broken_by_a_copy_is_still_read() {
        let deny = "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k";
        let broken = [
            // Wrapped at a word, the continuation indented and quoted as forums do.
            format!("{deny} with an explicit deny in a\n>   service control policy\n"),
            // Wrapped by a terminal in the middle of a word.
            format!("{deny} with an explicit deny in a servi\nce control policy\n"),
            // Markdown emphasis typed into the message.
            format!("{deny} with *an explicit deny* in a service control policy\n"),
        ];
        for text in &broken {
            let report = explain_text(text);
            let finding = report
                .findings()
                .next()
                .unwrap_or_else(|| panic!("no finding for {text:?}"));
            assert_eq!(finding.scenario, "access-denied-scp", "{text:?}");
            // The evidence is the user's own first line, not the joined reading.
            let evidence = finding
                .evidence
                .iter()
                .filter_map(|e| e.as_text())
                .find(|e| e.text.starts_with("explicit deny"))
                .unwrap_or_else(|| panic!("no evidence of the reason: {:?}", finding.evidence));
            assert_eq!(evidence.line, 1, "{text:?}");
            assert!(text.contains(evidence.text.as_str()), "{:?}", evidence.text);
        }
    }

    #[test]
    fn an_answer_dumped_with_its_headers_is_one_record() {
        assert!(readers::is_response_line(b"HTTP/1.1 400 Bad Request"));
        assert!(readers::is_response_line(b"< HTTP/2 403 "));
        assert!(!readers::is_response_line(
            b"PUT /latest/api/token HTTP/1.1"
        ));
        assert!(!readers::is_response_line(b"HTTP/1.1 is what we speak"));
        assert!(is_http_header("< Content-Type: text/xml; charset=utf-8"));
        assert!(is_http_header("Server: Microsoft-IIS/10.0"));
        assert!(!is_http_header("Error: something failed"));
        // The token PUT of a client's dump, Azure's answer to it four header lines on.
        let text = "ERROR: HTTP.Exceptions.StatusError(400, \"PUT\", \"/latest/api/token\", HTTP.Messages.Response:\n\"\"\"\nHTTP/1.1 400 Bad Request\nContent-Type: text/xml; charset=utf-8\nServer: Microsoft-IIS/10.0\nDate: Thu, 12 Jun 2025 16:13:12 GMT\nContent-Length: 322\n\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error>\n    <Code>InvalidHttpVerb</Code>\n</Error>\"\"\")\n";
        let report = explain_text(text);
        let scenarios: Vec<&str> = report.findings().map(|f| f.scenario.as_str()).collect();
        assert_eq!(
            scenarios.first(),
            Some(&"imds-unreachable"),
            "{scenarios:?}"
        );
    }

    #[test]
    fn a_record_is_recognised_under_a_log_collectors_prefix() {
        let prefix = "Jul 20 17:30:38 ip-10-72-34-220 kubelet[18998]: ";
        for line in [
            "<?xml version=\"1.0\"?>",
            "  <title>429 - Too Many Requests</title>",
            "\"Code\": \"Throttling\",",
        ] {
            assert!(is_record_line(&format!("{prefix}{line}")), "{line}");
        }
        assert!(!is_record_line(&format!("{prefix}starting worker 3")));
    }

    #[test]
    fn a_failure_logged_after_the_last_line_naming_the_service_is_read() {
        // An older Rust SDK's trace: the target on one line, the failure three lines on.
        let text = "DEBUG aws_smithy_client] send_operation; operation=\"get-token\"\n\
                    DEBUG aws_smithy_client] send_operation; service=\"imds\"\n\
                    DEBUG hyper::client::connect::http] connected to 169.254.169.254:80\n\
                    DEBUG hyper::proto::h1::io] flushed 242 bytes\n\
                    DEBUG aws_smithy_client] send_operation; status=\"dispatch_failure\"\n\
                    DEBUG aws_smithy_client] send_operation; message=dispatch failure: timeout: HTTP read timeout occurred after 1s\n";
        let report = explain_text(text);
        let finding = report
            .findings()
            .next()
            .unwrap_or_else(|| panic!("no finding: {:?}", report.explained));
        // A request that got no answer: the text cannot tell a lost token answer from a
        // silent or slow service, and says so.
        assert_eq!(finding.scenario, "imds-hop-limit");
        assert!(
            finding
                .candidates
                .iter()
                .any(|c| c.scenario == "imds-unreachable"),
            "{:?}",
            finding.candidates
        );
    }

    #[test]
    fn a_stack_trace_that_lost_its_indent_keeps_one_error_in_one_block() {
        // Forum copies often drop the frames' indent; the frames between the 404 and the
        // metadata helper that got it are still frames, not lines of their own.
        let text = [
            "Error AWSTarget(Name=aws) - CloudWatch Network Error - Exception: System.Net.Http.HttpRequestException: Response status code does not indicate success: 404 (Not Found).",
            "at System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()",
            "at System.Net.Http.HttpClient.GetStringAsyncCore(Task`1 getTask)",
            "at Amazon.Runtime.Internal.Util.AsyncHelpers.<>c__DisplayClass1_1`1.<b__0>d.MoveNext()",
            "--- End of stack trace from previous location where exception was thrown ---",
            "at Amazon.Runtime.Internal.Util.AsyncHelpers.ExclusiveSynchronizationContext.BeginMessageLoop()",
            "at Amazon.Runtime.Internal.Util.AsyncHelpers.RunSync[T](Func`1 task)",
            "at Amazon.Util.AWSSDKUtils.DownloadStringContent(Uri uri, TimeSpan timeout, IWebProxy proxy)",
            "at Amazon.Util.EC2InstanceMetadata.GetItems(String relativeOrAbsolutePath, Int32 tries, Boolean slurp)",
        ]
        .join("\n");
        let report = explain_text(&text);
        let scenarios: Vec<&str> = report.findings().map(|f| f.scenario.as_str()).collect();
        assert_eq!(scenarios, ["imds-credentials-not-found"]);
        // Prose that happens to start with "at" is no frame.
        assert!(!readers::is_stack_frame("at the time (09:00) it failed"));
        assert!(!readers::is_stack_frame("at first it worked (then not)"));
    }

    #[test]
    fn a_double_spaced_copy_keeps_one_error_in_one_block() {
        let lines = [
            "CloudWatch Network Error - Exception: System.Net.Http.HttpRequestException: Response status code does not indicate success: 404 (Not Found).",
            "   at System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()",
            "   at System.Net.Http.HttpClient.GetStringAsyncCore(Task`1 getTask)",
            "--- End of stack trace from previous location where exception was thrown ---",
            "   at Amazon.Runtime.Internal.Util.AsyncHelpers.RunSync[T](Func`1 task)",
            "   at Amazon.Util.AWSSDKUtils.DownloadStringContent(Uri uri, TimeSpan timeout, IWebProxy proxy)",
        ];
        let report = explain_text(&lines.join("\n\n"));
        let scenarios: Vec<&str> = report.findings().map(|f| f.scenario.as_str()).collect();
        assert_eq!(scenarios, ["imds-credentials-not-found"]);
        // Two blank lines in a row still end a block: the 404 alone is no metadata answer.
        let report = explain_text(&lines.join("\n\n\n"));
        assert!(
            report
                .findings()
                .all(|f| f.scenario != "imds-credentials-not-found"),
            "{:?}",
            report.findings().map(|f| &f.scenario).collect::<Vec<_>>()
        );
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
