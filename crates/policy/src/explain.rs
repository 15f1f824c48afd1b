//! Phase 3: the explanation. Every statement of every policy is matched in full (no
//! short-circuit) and recorded in the trace: whether action, resource, principal and
//! each condition matched, and why not. The decision comes from the same
//! [`combine`](crate::eval) as the fast path.

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::eval::{
    Decision, LayerSummary, MissingAllow, PolicySet, PrincipalMatch, ResourceSummary, StatementAt,
    Summary, action_matches, combine, principal_matches, rcp_applies, resource_matches,
    statement_applies,
};
use crate::parse::{Effect, Policy, PolicyKind, Statement};
use crate::request::{PrincipalKind, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LayerResult {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
    NotApplicable,
}

/// Layer results in evaluation order (serialised as a JSON object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layers(pub Vec<(&'static str, LayerResult)>);

impl Layers {
    pub fn get(&self, layer: &str) -> Option<LayerResult> {
        self.0.iter().find(|(l, _)| *l == layer).map(|(_, r)| *r)
    }
}

impl Serialize for Layers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A statement named in `deciding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    pub policy: String,
    pub statement: String,
    #[serde(skip)]
    pub at: Option<StatementAt>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionTrace {
    pub operator: String,
    pub key: String,
    pub request_values: Vec<String>,
    pub policy_values: Vec<String>,
    pub matches: bool,
    pub reason: String,
    /// Index of the condition in its statement.
    #[serde(skip)]
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementTrace {
    pub layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    pub policy: String,
    pub statement: String,
    pub effect: Effect,
    pub applies: bool,
    pub action_match: bool,
    pub resource_match: bool,
    pub principal_match: bool,
    pub conditions: Vec<ConditionTrace>,
    /// The first reason the statement does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
    #[serde(skip)]
    pub at: StatementAt,
    #[serde(skip)]
    pub(crate) principal: PrincipalMatch,
}

/// Which layer lacked an Allow, in AWS's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    pub message: String,
    #[serde(skip)]
    pub which: MissingAllow,
}

/// The full answer for one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub decision: Decision,
    pub layers: Layers,
    pub deciding: Vec<StatementRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_allow: Option<Missing>,
    pub trace: Vec<StatementTrace>,
}

fn trace_statement(
    at: StatementAt,
    policy: &Policy,
    s: &Statement,
    req: &Request,
    has_boundary: bool,
    skip: Option<String>,
) -> StatementTrace {
    let action_match = action_matches(s, req);
    let resource_match = resource_matches(s, req);
    let principal = principal_matches(s, req, has_boundary);
    let mut conditions = Vec::with_capacity(s.conditions.len());
    for (index, c) in s.conditions.iter().enumerate() {
        let (matches, why) = c.evaluate(&req.context);
        let request_values = req
            .context
            .get(&c.key_lc)
            .map(|e| e.values.clone())
            .unwrap_or_default();
        let policy_values = c.resolved_values(&req.context);
        let reason = match why {
            crate::condition::Why::Compared => {
                c.compared_reason(&req.context, matches, &policy_values)
            }
            _ => c.reason(&req.context, matches, why),
        };
        conditions.push(ConditionTrace {
            operator: c.operator_text.clone(),
            key: c.key.clone(),
            request_values,
            policy_values,
            matches,
            reason,
            index,
        });
    }
    let conds_ok = conditions.iter().all(|c| c.matches);
    let mut applies = action_match && resource_match && principal.matched() && conds_ok;
    let why_not = if let Some(skip) = skip {
        applies = false;
        Some(skip)
    } else if !action_match {
        let list: Vec<&str> = s.actions.items.iter().map(|(a, _)| a.as_str()).collect();
        Some(if s.actions.negated {
            format!(
                "action `{}` is excluded by NotAction {:?}",
                req.action, list
            )
        } else {
            format!(
                "action `{}` is not matched by Action {:?}",
                req.action, list
            )
        })
    } else if !resource_match {
        let list: Vec<&str> = s
            .resources
            .iter()
            .flat_map(|r| r.items.iter().map(|i| i.text()))
            .collect();
        Some(if s.resources.as_ref().is_some_and(|r| r.negated) {
            format!(
                "resource `{}` is excluded by NotResource {:?}",
                req.resource, list
            )
        } else {
            format!(
                "resource `{}` is not matched by Resource {:?}",
                req.resource, list
            )
        })
    } else if !principal.matched() {
        Some(format!(
            "principal `{}` is not named by the statement's principal element",
            req.principal
        ))
    } else {
        conditions.iter().find(|c| !c.matches).map(|c| {
            format!(
                "condition {} on `{}` is false: {}",
                c.operator, c.key, c.reason
            )
        })
    };
    StatementTrace {
        layer: at.kind.layer(),
        level: matches!(at.kind, PolicyKind::Scp | PolicyKind::Rcp).then_some(at.level),
        policy: policy.name.clone(),
        statement: s.id(),
        effect: s.effect,
        applies,
        action_match,
        resource_match,
        principal_match: principal.matched(),
        conditions,
        why_not,
        at,
        principal,
    }
}

impl PolicySet {
    /// Evaluates with a full trace.
    pub fn explain(&self, req: &Request) -> Explanation {
        let has_boundary = !self.boundary.is_empty();
        let rcp_on = rcp_applies(req);
        let scp_on = req.principal_kind != PrincipalKind::Service;
        let policies = self.all();
        let statements = policies.iter().map(|(.., p)| p.statements.len()).sum();
        let mut trace = Vec::with_capacity(statements);
        for (kind, level, pi, policy) in policies {
            let skip = match kind {
                PolicyKind::Rcp if !rcp_on => Some(format!(
                    "resource control policies do not apply to `{}` (not an RCP-capable service)",
                    req.action
                )),
                PolicyKind::Scp if !scp_on => {
                    Some("service control policies do not apply to service principals".into())
                }
                _ => None,
            };
            for (si, s) in policy.statements.iter().enumerate() {
                let at = StatementAt {
                    kind,
                    level,
                    policy: pi,
                    statement: si,
                };
                trace.push(trace_statement(
                    at,
                    policy,
                    s,
                    req,
                    has_boundary,
                    skip.clone(),
                ));
            }
        }

        // Summaries from the trace, exactly as the fast path builds them.
        let layer = |kind: PolicyKind, level: Option<usize>, present: bool| {
            let mut l = LayerSummary {
                present,
                ..LayerSummary::default()
            };
            for t in trace.iter().filter(|t| {
                t.at.kind == kind && level.is_none_or(|lv| t.at.level == lv) && t.applies
            }) {
                match t.effect {
                    Effect::Allow => l.allow = true,
                    Effect::Deny => l.deny = true,
                }
            }
            l
        };
        let mut sum = Summary {
            identity: layer(PolicyKind::Identity, None, !self.identity.is_empty()),
            boundary: layer(PolicyKind::Boundary, None, has_boundary),
            session: layer(PolicyKind::Session, None, self.session.is_some()),
            rcp_applies: rcp_on,
            ..Summary::default()
        };
        if scp_on {
            sum.scp_levels = (0..self.scps.len())
                .map(|l| layer(PolicyKind::Scp, Some(l), true))
                .collect();
        }
        if rcp_on {
            sum.rcp_levels = (0..self.rcps.len())
                .map(|l| layer(PolicyKind::Rcp, Some(l), true))
                .collect();
        }
        if self.resource.is_some() {
            let mut r = ResourceSummary {
                present: true,
                ..ResourceSummary::default()
            };
            for t in trace
                .iter()
                .filter(|t| t.at.kind == PolicyKind::Resource && t.applies)
            {
                match t.effect {
                    Effect::Deny => r.deny = true,
                    Effect::Allow => r.allow = r.allow.max(Some(t.principal)),
                }
            }
            sum.resource = r;
        }
        let (decision, missing) = combine(&sum, req);

        let mut layers = Vec::with_capacity(6);
        let simple = |l: &LayerSummary| {
            if l.deny {
                LayerResult::ExplicitDeny
            } else if l.allow {
                LayerResult::Allow
            } else {
                LayerResult::ImplicitDeny
            }
        };
        if !self.rcps.is_empty() {
            let r = if !rcp_on {
                LayerResult::NotApplicable
            } else if sum.rcp_levels.iter().any(|l| l.deny) {
                LayerResult::ExplicitDeny
            } else {
                LayerResult::Allow
            };
            layers.push(("rcp", r));
        }
        if !self.scps.is_empty() {
            let r = if !scp_on {
                LayerResult::NotApplicable
            } else if sum.scp_levels.iter().any(|l| l.deny) {
                LayerResult::ExplicitDeny
            } else if sum.scp_levels.iter().all(|l| l.allow) {
                LayerResult::Allow
            } else {
                LayerResult::ImplicitDeny
            };
            layers.push(("scp", r));
        }
        layers.push((
            "resource",
            if !sum.resource.present {
                LayerResult::NotApplicable
            } else if sum.resource.deny {
                LayerResult::ExplicitDeny
            } else if sum.resource.allow.is_some() {
                LayerResult::Allow
            } else {
                LayerResult::ImplicitDeny
            },
        ));
        layers.push(("identity", simple(&sum.identity)));
        if has_boundary {
            layers.push(("boundary", simple(&sum.boundary)));
        }
        if self.session.is_some() {
            layers.push(("session", simple(&sum.session)));
        }

        let counted = |t: &&StatementTrace| t.applies;
        let deciding = match decision {
            Decision::ExplicitDeny => trace
                .iter()
                .filter(counted)
                .filter(|t| t.effect == Effect::Deny)
                .map(statement_ref)
                .collect(),
            Decision::Allow => trace
                .iter()
                .filter(counted)
                .filter(|t| t.effect == Effect::Allow && t.at.kind != PolicyKind::Rcp)
                .map(statement_ref)
                .collect(),
            Decision::ImplicitDeny => Vec::new(),
        };
        let missing_allow = missing.map(|m| {
            let kind = m.kind();
            let level = match m {
                MissingAllow::Scp { level } => Some(level),
                _ => None,
            };
            Missing {
                layer: kind.layer(),
                level,
                message: missing_allow_message(m, req),
                which: m,
            }
        });
        Explanation {
            decision,
            layers: Layers(layers),
            deciding,
            missing_allow,
            trace,
        }
    }
}

/// "no identity-based policy allows the s3:GetObject action": AWS's words for a layer
/// that lacked an Allow.
pub fn missing_allow_message(missing: MissingAllow, req: &Request) -> String {
    format!(
        "no {} allows the {} action",
        missing.kind().description(),
        req.action
    )
}

/// What a one-line summary of a decision needs, without the trace: the decision, the
/// statements that decided it (the `deciding` of [`PolicySet::explain`], in the same
/// order) and the layer that lacked an Allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub deciding: Vec<StatementAt>,
    pub missing_allow: Option<MissingAllow>,
}

impl PolicySet {
    /// The decision and its deciding statements on the fast path: equal to what
    /// [`PolicySet::explain`] reports (a property test checks it), at a fraction of
    /// the cost, for `simulate --cases` in human form.
    pub fn verdict(&self, req: &Request) -> Verdict {
        let (decision, missing_allow) = self.decide_with_reason(req);
        let wanted = match decision {
            Decision::ImplicitDeny => None,
            Decision::ExplicitDeny => Some(Effect::Deny),
            Decision::Allow => Some(Effect::Allow),
        };
        let mut deciding = Vec::new();
        if let Some(effect) = wanted {
            let has_boundary = !self.boundary.is_empty();
            let rcp_on = rcp_applies(req);
            let scp_on = req.principal_kind != PrincipalKind::Service;
            for (kind, level, policy_index, policy) in self.all() {
                let skipped = match kind {
                    // An RCP never grants: only its Denies decide.
                    PolicyKind::Rcp => !rcp_on || effect == Effect::Allow,
                    PolicyKind::Scp => !scp_on,
                    _ => false,
                };
                if skipped {
                    continue;
                }
                for (statement, s) in policy.statements.iter().enumerate() {
                    if s.effect == effect && statement_applies(s, req, has_boundary).is_some() {
                        deciding.push(StatementAt {
                            kind,
                            level,
                            policy: policy_index,
                            statement,
                        });
                    }
                }
            }
        }
        Verdict {
            decision,
            deciding,
            missing_allow,
        }
    }
}

fn statement_ref(t: &StatementTrace) -> StatementRef {
    StatementRef {
        layer: t.layer,
        level: t.level,
        policy: t.policy.clone(),
        statement: t.statement.clone(),
        at: Some(t.at),
    }
}
