//! IAM policy evaluation for `authdoctor simulate` and `authdoctor decode`.
//!
//! Organised by phase, with no I/O anywhere:
//!
//! 1. **parse** ([`parse`], [`case`], over the span-keeping reader [`json`]): policy
//!    text → [`Policy`], checked against the IAM grammar, patterns and condition values
//!    compiled once; errors carry line and column.
//! 2. **evaluate** ([`eval`], [`condition`], [`pattern`], [`vars`]): a [`Request`]
//!    against a [`PolicySet`] with AWS's documented decision logic, as
//!    [`PolicySet::decide`] (fast path).
//! 3. **explain** ([`explain`], [`advice`]): the same evaluation with a trace of every
//!    statement, the deciding statements, the layer that lacked an Allow, and the
//!    smallest change that would flip a deny.
//!
//! [`decode`] reads the output of `aws sts decode-authorization-message`.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod advice;
pub mod case;
pub mod condition;
pub mod decode;
pub mod error;
pub mod eval;
pub mod explain;
pub mod json;
pub mod parse;
pub mod pattern;
pub mod render;
pub mod request;
pub mod vars;

pub use case::{Case, parse_case, parse_case_text};
pub use error::{ErrorKind, PolicyError};
pub use eval::{Decision, MissingAllow, PolicySet};
pub use explain::{Explanation, LayerResult};
pub use parse::{Effect, Policy, PolicyKind, Source, parse_policy};
pub use request::{Context, Request};

use authdoctor_diagnosis::{Observation, PolicyDecision, engine};
use authdoctor_kb::ScenarioId;

/// The scenario the diagnosis engine names for a policy decision (evaluated by
/// `simulate` or decoded from a message), with its confidence: the `policy-decision`
/// rules of the scenario files decide, not this crate.
pub fn judge(decision: PolicyDecision) -> Option<(ScenarioId, f64)> {
    engine::judge(&[Observation::PolicyDecision(decision)])
        .first()
        .map(|s| (s.scenario, (s.score * 100.0).round() / 100.0))
}
