//! `simulate`: a case evaluated with its trace, the proposed minimal change, the finding
//! and the fields of the JSON document `simulate --format json` prints; the envelope
//! (`version`) is added by `authdoctor_report`, as for every command.

use std::collections::BTreeMap;

use authdoctor_kb::ScenarioId;
use authdoctor_kb::{Evidence, Finding, Role, TextEvidence, knowledge_base};
use authdoctor_policy::advice::Change;
use authdoctor_policy::advice::{Advice, advise_in_place};
use authdoctor_policy::error::line_column;
use authdoctor_policy::eval::PolicySet;
use authdoctor_policy::explain::Explanation;
use authdoctor_policy::explain::{Layers, Missing, StatementRef, StatementTrace};
use authdoctor_policy::parse::Effect;
use authdoctor_policy::{Decision, PolicyError, Request, parse_case};
use authdoctor_redact::{JsonCleaner, Redacted, clean};
use authdoctor_report::Layout;

/// A policy source with underline marks (span, label) and a title.
pub type Marks = Vec<(
    authdoctor_policy::Source,
    Vec<(std::ops::Range<usize>, String)>,
    String,
)>;
/// A case ready to evaluate: its name, the policies of every layer and the request.
pub struct Loaded {
    pub name: Option<String>,
    pub policies: PolicySet,
    pub request: Request,
}

/// Reads a case document (the `--case` file shape).
pub fn load_case(origin: &str, text: &str) -> Result<Loaded, PolicyError> {
    let case = parse_case(origin, text)?;
    Ok(Loaded {
        name: case.name,
        policies: case.policies,
        request: case.request,
    })
}

/// The evaluation, the advice and the finding of a loaded case.
/// The case is changed while advice tries changes, and left as it was.
pub fn evaluate(loaded: &mut Loaded) -> (Explanation, Option<Advice>, Vec<Finding>) {
    let ex = loaded.policies.explain(&loaded.request);
    let advice = advise_in_place(&mut loaded.policies, &mut loaded.request, &ex);
    let ev = evidence_of(&marks(&loaded.policies, &loaded.request, &ex));
    let findings: Vec<Finding> = advice
        .as_ref()
        .and_then(|a| finding(a, &ex, ev))
        .into_iter()
        .collect();
    (ex, advice, findings)
}

/// The finding for a denied request, with the proposed change first in the fix.
pub fn finding(advice: &Advice, ex: &Explanation, evidence: Vec<Evidence>) -> Option<Finding> {
    let id = advice.scenario?;
    let mut facts: BTreeMap<String, String> = advice
        .facts
        .iter()
        .map(|(k, v)| (k.clone(), clean(v).into_owned()))
        .collect();
    if let Some(m) = &ex.missing_allow {
        facts.insert("layer".into(), m.layer.into());
    }
    let mut f = knowledge_base().finding(id.as_str(), advice.confidence, evidence, facts)?;
    // The knowledge base's steps come with room for themselves only.
    f.fix.steps.reserve(advice.changes.len());
    for (i, c) in advice.changes.iter().enumerate() {
        let mut step = format!("Minimal change: {}", c.describe());
        if i + 1 == advice.changes.len() {
            step.push_str(match change_outcome(advice) {
                ChangeOutcome::Verified => {
                    " (checked: with this the simulated decision becomes Allow)"
                }
                ChangeOutcome::PolicyEdit => {
                    " (a policy edit: change the policy, then simulate again)"
                }
                ChangeOutcome::NotEnough => " (not enough on its own: another layer still denies)",
            });
        }
        f.fix.steps.insert(i, clean(&step).into_owned());
    }
    Some(f)
}

/// What simulating the proposed changes showed.
pub enum ChangeOutcome {
    /// With the changes the simulated decision becomes Allow.
    Verified,
    /// A policy edit, which the simulation cannot apply for you.
    PolicyEdit,
    /// Another layer still denies with the changes.
    NotEnough,
}

pub fn change_outcome(advice: &Advice) -> ChangeOutcome {
    let edit = advice
        .changes
        .iter()
        .any(|c| matches!(c, authdoctor_policy::advice::Change::EditDeny { .. }));
    if advice.verified {
        ChangeOutcome::Verified
    } else if edit {
        ChangeOutcome::PolicyEdit
    } else {
        ChangeOutcome::NotEnough
    }
}

/// Underline marks and evidence for the deciding pieces of the policies.
pub fn marks(set: &PolicySet, req: &Request, ex: &Explanation) -> Marks {
    let mut out: Marks = Vec::new();
    let wanted: Vec<&authdoctor_policy::explain::StatementTrace> = match ex.decision {
        Decision::ExplicitDeny => ex
            .trace
            .iter()
            .filter(|t| t.applies && t.effect == Effect::Deny)
            .take(3)
            .collect(),
        Decision::ImplicitDeny => {
            let layer = ex
                .missing_allow
                .as_ref()
                .map(|m| m.layer)
                .unwrap_or("identity");
            ex.trace
                .iter()
                .filter(|t| {
                    t.layer == layer
                        && t.effect == Effect::Allow
                        && t.action_match
                        && t.resource_match
                        && !t.applies
                })
                .take(3)
                .collect()
        }
        Decision::Allow => Vec::new(),
    };
    for t in wanted {
        let Some((policy, stmt)) = set.statement(t.at) else {
            continue;
        };
        let mut m = Vec::new();
        for (ct, c) in t.conditions.iter().zip(&stmt.conditions) {
            let show = if t.effect == Effect::Deny {
                ct.matches
            } else {
                !ct.matches
            };
            if show {
                m.push((c.span.clone(), ct.reason.clone()));
            }
        }
        if m.is_empty() {
            m.push((
                stmt.actions.span.clone(),
                format!("matches `{}` (no condition)", req.action),
            ));
        }
        let title = match t.effect {
            Effect::Deny => format!(
                "statement `{}` of {} policy `{}` explicitly denies",
                t.statement, t.layer, t.policy
            ),
            Effect::Allow => format!(
                "statement `{}` of {} policy `{}` would allow, but a condition fails",
                t.statement, t.layer, t.policy
            ),
        };
        let src = authdoctor_policy::Source {
            origin: policy.source.origin.clone(),
            text: policy.source.text.clone(),
        };
        out.push((src, m, title));
    }
    out
}

pub fn evidence_of(marks: &Marks) -> Vec<Evidence> {
    let mut ev = Vec::new();
    for (src, m, _) in marks {
        for (span, label) in m {
            let (line, column) = line_column(&src.text, span.start);
            let text = src.text.get(span.clone()).unwrap_or("");
            ev.push(Evidence::Text(TextEvidence {
                line,
                column,
                length: text.chars().count(),
                text: clean(text).into_owned(),
                signal: "policy-condition".into(),
                label: clean(label).into_owned(),
                role: Role::Cause,
            }));
        }
    }
    ev
}

/// The fields of the `simulate --format json` document of one case (`shared/spec/cli.md`),
/// serialised straight from the engine's structures: the CLI prints it in the envelope
/// (one line per case with `--cases`, through `authdoctor_report::DocumentLines`),
/// `serve` answers it. The top-level keys are in alphabetical order, after `version`.
#[derive(serde::Serialize)]
pub struct Document<'a> {
    decision: Decision,
    deciding: &'a [StatementRef],
    findings: &'a [Finding],
    layers: &'a Layers,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_allow: Option<&'a Missing>,
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal: Option<Proposal<'a>>,
    trace: &'a [StatementTrace],
}

#[derive(serde::Serialize)]
struct Proposal<'a> {
    changes: &'a [Change],
    scenario: Option<ScenarioId>,
    verified: bool,
}

/// The document of an evaluated case.
pub fn document<'a>(
    name: Option<&'a str>,
    ex: &'a Explanation,
    advice: Option<&'a Advice>,
    findings: &'a [Finding],
) -> Document<'a> {
    Document {
        decision: ex.decision,
        deciding: &ex.deciding,
        findings,
        layers: &ex.layers,
        missing_allow: ex.missing_allow.as_ref(),
        name,
        proposal: advice.map(|a| Proposal {
            changes: &a.changes,
            scenario: a.scenario,
            verified: a.verified,
        }),
        trace: &ex.trace,
    }
}

/// The fields of the document as a JSON value, every string cleaned (control sequences
/// neutralised, secrets masked): what `serve`'s page shows and, through [`json_text`],
/// what `serve` answers. Keys in alphabetical order at every level.
pub fn body(
    name: Option<&str>,
    ex: &Explanation,
    advice: Option<&Advice>,
    findings: &[Finding],
) -> serde_json::Value {
    let doc = document(name, ex, advice, findings);
    JsonCleaner::new()
        .line(&doc)
        .and_then(|text| serde_json::from_str(&text))
        .unwrap_or_default()
}

/// The pretty JSON document of a [`body`], in the envelope: what `simulate --case FILE
/// --format json` prints and `POST /api/simulate` answers, the same bytes for both.
pub fn json_text(body: &serde_json::Value) -> Redacted {
    authdoctor_report::document_of_input(body, Layout::Pretty)
}
