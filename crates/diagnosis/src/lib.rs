//! The one diagnosis model every command speaks.
//!
//! ```text
//!  sources                       observations + clues         rules (scenario data)     report
//!  explain: text readers   ─┐
//!  check:   live probes    ─┼──▶ [Observation, Clue] ──▶ engine::decide ──▶ [Finding] ──▶ report
//!  decode / simulate       ─┘                               ▲
//!                                          crates/kb/scenarios/<id>.toml
//! ```
//!
//! - [`observation`]: what was seen, whatever the source — an IMDS exchange and its
//!   outcome, an AWS API error — and how a scenario's observation rules match it.
//! - [`engine`]: turns clues (text signals and observation matches, each located in its
//!   source) into ranked verdicts. Scores combine as independent evidence (noisy-OR);
//!   a cause seen in the same story as a symptom it `explains` leads, with the symptom's
//!   evidence kept; what the evidence cannot separate is named as candidates with the
//!   checks that separate them. Everything it decides by comes from the scenario files.
//! - [`model`]: the report every text-reading command returns (findings with the lines
//!   their evidence points into, and the observations in order), rendered by `report`.
//!
//! Nothing here reads files, the network or the clock.

pub mod engine;
pub mod model;
pub mod observation;

pub use authdoctor_kb::{
    CheckId, Evidence, Finding, ProbeEvidence, Role, ScenarioId, StatementEvidence, TextEvidence,
    knowledge_base,
};
pub use model::{Explained, LocatedObservation, Report, SourceLine};
pub use observation::{ImdsPath, Method, Observation, Outcome, PolicyDecision};
