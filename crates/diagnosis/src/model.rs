//! What a text-reading command returns: findings with the lines their evidence points
//! into, and the observations the readers made, in the order of the input.

use authdoctor_kb::Finding;
use serde::Serialize;

use crate::observation::Observation;

/// A line of the (cleaned) input that evidence points into, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub number: usize,
    /// Characters of the physical line before this text (long lines come in pieces).
    pub char_offset: usize,
    /// Masked and neutralised: only redacted text can be rendered.
    pub text: authdoctor_redact::Redacted,
}

/// A finding plus the cleaned lines its evidence points into.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub finding: Finding,
    pub lines: Vec<SourceLine>,
}

/// An observation and the input line it was read from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocatedObservation {
    pub line: usize,
    #[serde(flatten)]
    pub observation: Observation,
}

/// What one input was diagnosed as.
#[derive(Debug, Default)]
pub struct Report {
    /// Best first.
    pub explained: Vec<Explained>,
    /// What the readers saw happen, in input order (bounded).
    pub observations: Vec<LocatedObservation>,
    /// Lines read.
    pub lines: usize,
    /// Distinct errors beyond the finding cap, counted but not reported.
    pub dropped: usize,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.explained.iter().map(|e| &e.finding)
    }
}
