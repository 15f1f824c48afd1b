//! What to change when a request is denied, checked by re-evaluating: the request value
//! a condition needs, or the statement a layer is missing. Also names the catalogue
//! scenario the denial fits, when one does.

use authdoctor_diagnosis::PolicyDecision;
use authdoctor_kb::ScenarioId;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::condition::SetOp;
use crate::eval::{Decision, MissingAllow, PolicySet};
use crate::explain::Explanation;
use crate::parse::{Effect, Policy, PolicyKind, parse_policy};
use crate::request::Request;

/// One proposed change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The request must carry this value for the key (e.g. `ec2:MetadataHttpTokens=required`).
    SetContext { key: String, values: Vec<String> },
    /// The request must not carry the key at all.
    RemoveContext { key: String },
    /// Add this statement to a policy of the layer.
    AddStatement {
        layer: &'static str,
        statement: serde_json::Value,
    },
    /// A Deny applies unconditionally: only editing that policy helps.
    EditDeny {
        layer: &'static str,
        policy: String,
        statement: String,
    },
}

impl Change {
    pub fn describe(&self) -> String {
        match self {
            Change::SetContext { key, values } if values.len() == 1 => {
                format!("make the request carry `{key}` = `{}`", values[0])
            }
            Change::SetContext { key, values } => {
                format!("make the request carry `{key}` = [{}]", values.join(", "))
            }
            Change::RemoveContext { key } => format!("make the request without `{key}`"),
            Change::AddStatement { layer, statement } => {
                format!("add this statement to the {layer} policy: {statement}")
            }
            Change::EditDeny {
                layer,
                policy,
                statement,
            } => format!(
                "the Deny statement `{statement}` of {layer} policy `{policy}` applies without conditions: remove the action from it or exempt this principal"
            ),
        }
    }
}

/// The advice for a denied request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    /// Catalogue scenario id, when one fits.
    pub scenario: Option<ScenarioId>,
    /// How well it fits, from the scenario's `policy-decision` rules.
    pub confidence: f64,
    /// Changes that together turn the decision into Allow (when `verified`).
    pub changes: Vec<Change>,
    /// Whether re-evaluating with the changes gives Allow.
    pub verified: bool,
    /// Facts for the finding (`action`, `principal`, `resource`, `condition_key`…).
    pub facts: BTreeMap<String, String>,
}

/// The decision for `req` with `change` (a [`Change::SetContext`] or
/// [`Change::RemoveContext`]), made in place and undone: `req` is left as it was.
fn decide_changed(set: &PolicySet, req: &mut Request, change: &Change) -> Option<Decision> {
    let undo = match change {
        Change::SetContext { key, values } => req.change_context_key(key, Some(values.clone())),
        Change::RemoveContext { key } => req.change_context_key(key, None),
        _ => return None,
    };
    let decision = set.decide(req);
    req.restore(undo);
    Some(decision)
}

/// Candidate request changes for the conditions of statement-traces that failed (for
/// Allows) or matched (for Denies). Each is tried with [`changed_request`], in order, only
/// as far as needed.
fn context_candidates(set: &PolicySet, ex: &Explanation, req: &Request) -> Vec<Change> {
    let mut out = Vec::new();
    for t in &ex.trace {
        let relevant = match t.effect {
            Effect::Deny => t.applies,
            Effect::Allow => !t.applies && t.action_match && t.resource_match && t.principal_match,
        };
        if !relevant {
            continue;
        }
        let Some((_, stmt)) = set.statement(t.at) else {
            continue;
        };
        for (ct, c) in t.conditions.iter().zip(&stmt.conditions) {
            let want_flip = match t.effect {
                Effect::Deny => ct.matches,
                Effect::Allow => !ct.matches,
            };
            if !want_flip {
                continue;
            }
            // Drop the offending values of a set (e.g. tag keys outside an allowed set).
            if c.operator.set == SetOp::ForAllValues && t.effect == Effect::Allow {
                let keep: Vec<String> = ct
                    .request_values
                    .iter()
                    .filter(|v| !c.failing_request_values(&req.context).contains(v))
                    .cloned()
                    .collect();
                out.push(Change::SetContext {
                    key: c.key.clone(),
                    values: keep,
                });
            }
            for v in &ct.policy_values {
                out.push(Change::SetContext {
                    key: c.key.clone(),
                    values: vec![v.clone()],
                });
            }
            if !ct.request_values.is_empty() {
                out.push(Change::RemoveContext { key: c.key.clone() });
            }
        }
    }
    out
}

/// How to take a statement added by [`add_statement`] out again.
enum Added {
    Scp(usize),
    Identity,
    Boundary,
    /// The policy was added whole (the layer had none).
    ResourcePolicy,
    SessionPolicy,
    /// Statements were appended to the layer's policy, which had this many.
    ResourceStatements(usize),
    SessionStatements(usize),
}

/// Undoes [`add_statement`]s, the last first.
fn remove_added(set: &mut PolicySet, added: Vec<Added>) {
    for a in added.into_iter().rev() {
        match a {
            Added::Scp(level) => {
                if let Some(l) = set.scps.get_mut(level) {
                    l.pop();
                }
            }
            Added::Identity => {
                set.identity.pop();
            }
            Added::Boundary => {
                set.boundary.pop();
            }
            Added::ResourcePolicy => set.resource = None,
            Added::SessionPolicy => set.session = None,
            Added::ResourceStatements(n) => {
                if let Some(p) = &mut set.resource {
                    p.statements.truncate(n);
                }
            }
            Added::SessionStatements(n) => {
                if let Some(p) = &mut set.session {
                    p.statements.truncate(n);
                }
            }
        }
    }
}

/// Puts `policy` into a layer that holds at most one policy: its statements join the
/// policy there (`Some`: how many statements it had before, to take them out again), or
/// it becomes that policy (`None`).
fn merge_into(slot: &mut Option<Policy>, policy: Policy) -> Option<usize> {
    match slot {
        Some(existing) => {
            let n = existing.statements.len();
            existing.statements.extend(policy.statements);
            Some(n)
        }
        None => {
            *slot = Some(policy);
            None
        }
    }
}

/// Adds the missing Allow to `set` (in place); the change and how to undo it, or `None`
/// when the layer cannot take it (then `set` is unchanged).
fn add_statement(
    set: &mut PolicySet,
    req: &Request,
    missing: MissingAllow,
) -> Option<(Change, Added)> {
    let kind = missing.kind();
    let mut stmt = serde_json::json!({
        "Effect": "Allow",
        "Action": req.action,
        "Resource": req.resource,
    });
    if kind == PolicyKind::Resource {
        stmt["Principal"] = serde_json::json!({"AWS": req.principal});
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [stmt.clone()]}).to_string();
    let policy = parse_policy(kind, "proposed", "<proposed>", &doc).ok()?;
    let next = set;
    let added = match missing {
        MissingAllow::Scp { level } => {
            next.scps.get_mut(level)?.push(policy);
            Added::Scp(level)
        }
        MissingAllow::Identity => {
            next.identity.push(policy);
            Added::Identity
        }
        MissingAllow::Resource => match merge_into(&mut next.resource, policy) {
            Some(n) => Added::ResourceStatements(n),
            None => Added::ResourcePolicy,
        },
        MissingAllow::Boundary => {
            next.boundary.push(policy);
            Added::Boundary
        }
        MissingAllow::Session => match merge_into(&mut next.session, policy) {
            Some(n) => Added::SessionStatements(n),
            None => Added::SessionPolicy,
        },
    };
    Some((
        Change::AddStatement {
            layer: kind.layer(),
            statement: stmt,
        },
        added,
    ))
}

/// Advice for a denied request; `None` when it is allowed.
pub fn advise(set: &PolicySet, req: &Request, ex: &Explanation) -> Option<Advice> {
    if ex.decision == Decision::Allow {
        return None;
    }
    advise_in_place(&mut set.clone(), &mut req.clone(), ex)
}

/// [`advise`] on a policy set and request it may change while it works (changed
/// request keys, added statements) and leaves as they were: nothing is cloned.
pub fn advise_in_place(set: &mut PolicySet, req: &mut Request, ex: &Explanation) -> Option<Advice> {
    if ex.decision == Decision::Allow {
        return None;
    }
    let mut facts = BTreeMap::new();
    facts.insert("action".to_owned(), req.action.clone());
    facts.insert("principal".to_owned(), req.principal.clone());
    facts.insert("resource".to_owned(), req.resource.clone());

    // 1. A change of request values that flips the decision, preferring one that
    //    reaches Allow.
    let mut changes = Vec::new();
    // The first candidate that reaches Allow; failing that, for an explicit deny, the
    // first that lifts it. Candidates after an Allow are not evaluated.
    let mut reaches_allow = None;
    let mut lifts_deny = None;
    for change in context_candidates(set, ex, req) {
        let Some(decision) = decide_changed(set, req, &change) else {
            continue;
        };
        match decision {
            Decision::Allow => {
                reaches_allow = Some(change);
                break;
            }
            Decision::ImplicitDeny if lifts_deny.is_none() => lifts_deny = Some(change),
            _ => {}
        }
    }
    let mut verified = reaches_allow.is_some();
    let best = reaches_allow.or(lifts_deny.filter(|_| ex.decision == Decision::ExplicitDeny));
    if let Some(change) = best {
        if let Change::SetContext { key, .. } | Change::RemoveContext { key } = &change {
            facts.insert("condition_key".to_owned(), key.clone());
        }
        changes.push(change);
    } else if ex.decision == Decision::ExplicitDeny {
        if let Some(d) = ex.deciding.first() {
            changes.push(Change::EditDeny {
                layer: d.layer,
                policy: d.policy.clone(),
                statement: d.statement.clone(),
            });
        }
    } else {
        // 2. Add the missing Allow, layer by layer, until the decision is Allow.
        // On `set` itself, the added statements taken out again after.
        let mut added = Vec::new();
        for _ in 0..6 {
            let (decision, missing) = set.decide_with_reason(req);
            if decision == Decision::Allow {
                verified = true;
                break;
            }
            let Some(m) = missing else { break };
            let Some((change, undo)) = add_statement(set, req, m) else {
                break;
            };
            changes.push(change);
            added.push(undo);
        }
        remove_added(set, added);
    }
    let (set, req) = (&*set, &*req);
    // The rules read the context only through the keys they name: the rest is left out.
    let keys = rule_context_keys();
    let judged = crate::judge(observation_of(set, req, ex, &facts, |k| {
        keys.iter().any(|want| want.eq_ignore_ascii_case(k))
    }));
    Some(Advice {
        scenario: judged.map(|(id, _)| id),
        confidence: judged.map_or(0.0, |(_, c)| c),
        changes,
        verified,
        facts,
    })
}

/// The context keys the `policy-decision` rules of the scenario files name (their
/// `context` pairs, `key=value`): the only context a decision is judged by.
fn rule_context_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let kb = authdoctor_kb::knowledge_base();
        let mut keys: Vec<String> = Vec::new();
        for &id in ScenarioId::ALL {
            for rule in &kb.scenario(id).observations {
                if rule.kind != authdoctor_kb::ObservationKind::PolicyDecision {
                    continue;
                }
                for pair in &rule.context {
                    // A pair without `=` matches nothing, whatever the context.
                    if let Some((key, _)) = pair.split_once('=')
                        && !keys.iter().any(|k| k.eq_ignore_ascii_case(key))
                    {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        keys
    })
}

/// Condition keys of the statements that decided: a Deny that applied, or an Allow
/// that matched the action and resource but whose conditions failed.
fn deciding_condition_keys(ex: &Explanation) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for t in &ex.trace {
        let deciding = match t.effect {
            Effect::Deny => t.applies,
            Effect::Allow => t.action_match && t.resource_match && !t.applies,
        };
        if deciding {
            for c in &t.conditions {
                if !keys.iter().any(|k| k.eq_ignore_ascii_case(&c.key)) {
                    keys.push(c.key.clone());
                }
            }
        }
    }
    keys
}

/// The decision as the diagnosis engine sees it: what the deciding statements and the
/// request show, matched against the `policy-decision` rules of the scenario files.
pub fn observation(
    set: &PolicySet,
    req: &Request,
    ex: &Explanation,
    facts: &BTreeMap<String, String>,
) -> PolicyDecision {
    observation_of(set, req, ex, facts, |_| true)
}

/// [`observation`] with the context keys `keep` says yes to.
fn observation_of(
    set: &PolicySet,
    req: &Request,
    ex: &Explanation,
    facts: &BTreeMap<String, String>,
    keep: impl Fn(&str) -> bool,
) -> PolicyDecision {
    let layer = match ex.decision {
        Decision::ExplicitDeny => ex.deciding.first().map(|d| d.layer),
        _ => ex.missing_allow.as_ref().map(|m| m.layer),
    };
    let mut condition_keys = deciding_condition_keys(ex);
    if let Some(key) = facts.get("condition_key")
        && !condition_keys.iter().any(|k| k.eq_ignore_ascii_case(key))
    {
        condition_keys.push(key.clone());
    }
    let granted: Vec<String> = set
        .identity
        .iter()
        .flat_map(|p| &p.statements)
        .filter(|s| s.effect == Effect::Allow && !s.actions.negated)
        .flat_map(|s| s.actions.items.iter().map(|(a, _)| a.clone()))
        .collect();
    PolicyDecision {
        decision: ex.decision.rule_name(),
        action: req.action.clone(),
        principal: req.principal.clone(),
        resource: req.resource.clone(),
        layer: layer.map(str::to_owned),
        condition_keys,
        context: req
            .context
            .entries_where(keep)
            .into_iter()
            .map(|e| (e.key.clone(), e.values.clone()))
            .collect(),
        granted: Some(granted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_case;

    fn advice_for(case: serde_json::Value) -> Advice {
        let c = parse_case("t", &case.to_string()).unwrap();
        let ex = c.policies.explain(&c.request);
        let advice = advise(&c.policies, &c.request, &ex).unwrap();
        // In place: the same advice, and the case is left as it was.
        let (mut set, mut req) = (c.policies.clone(), c.request.clone());
        assert_eq!(
            advise_in_place(&mut set, &mut req, &ex).as_ref(),
            Some(&advice)
        );
        assert_eq!(req.context.entries(), c.request.context.entries());
        assert_eq!(format!("{set:?}"), format!("{:?}", c.policies));
        // Judged on the whole context, the same scenario and confidence.
        let whole = crate::judge(observation(&c.policies, &c.request, &ex, &advice.facts));
        assert_eq!(whole.map(|(id, _)| id), advice.scenario);
        assert_eq!(whole.map_or(0.0, |(_, c)| c), advice.confidence);
        advice
    }

    #[test]
    fn trust_policy_without_the_dlm_service() {
        let a = advice_for(serde_json::json!({
            "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "request": {"principal": "dlm.amazonaws.com", "action": "sts:AssumeRole",
                "resource": "arn:aws:iam::111122223333:role/AWSDataLifecycleManagerDefaultRole"}
        }));
        assert_eq!(
            a.scenario.map(ScenarioId::as_str),
            Some("dlm-role-insufficient")
        );
        assert!(a.verified, "{a:?}");
        assert!(matches!(
            &a.changes[0],
            Change::AddStatement {
                layer: "resource",
                ..
            }
        ));
    }

    #[test]
    fn assume_role_by_a_user() {
        let a = advice_for(serde_json::json!({
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}],
            "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/other"}, "Action": "sts:AssumeRole"}]},
            "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "sts:AssumeRole",
                "resource": "arn:aws:iam::111122223333:role/Admin"}
        }));
        assert_eq!(
            a.scenario.map(ScenarioId::as_str),
            Some("assume-role-denied")
        );
    }

    #[test]
    fn an_allow_requiring_imdsv2_names_launch_requires_imdsv2() {
        let a = advice_for(serde_json::json!({
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "ec2:RunInstances", "Resource": "*",
                "Condition": {"StringEquals": {"ec2:MetadataHttpTokens": "required"}}}]}],
            "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "ec2:RunInstances",
                "resource": "arn:aws:ec2:eu-north-1:111122223333:instance/*",
                "context": {"ec2:MetadataHttpTokens": "optional"}}
        }));
        assert_eq!(
            a.scenario.map(ScenarioId::as_str),
            Some("launch-requires-imdsv2")
        );
        assert!(a.verified, "{a:?}");
        assert_eq!(
            a.changes,
            vec![Change::SetContext {
                key: "ec2:MetadataHttpTokens".into(),
                values: vec!["required".into()]
            }]
        );
    }

    fn scenario_of(case: serde_json::Value) -> Option<&'static str> {
        advice_for(case).scenario.map(ScenarioId::as_str)
    }

    fn identity(statements: serde_json::Value) -> serde_json::Value {
        serde_json::json!([{"Version": "2012-10-17", "Statement": statements}])
    }

    #[test]
    fn the_most_specific_reading_of_a_denial_wins() {
        let user = "arn:aws:iam::111122223333:user/alice";
        // PassRole, even when an SCP is what denied it.
        let passrole = serde_json::json!({
            "identityPolicies": identity(serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
            "scps": [{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]}],
            "request": {"principal": user, "action": "iam:PassRole", "resource": "arn:aws:iam::111122223333:role/app"}
        });
        assert_eq!(scenario_of(passrole), Some("passrole-denied"));
        // The same SCP on another action names the SCP layer.
        let scp = serde_json::json!({
            "identityPolicies": identity(serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
            "scps": [{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}],
            "request": {"principal": user, "action": "s3:DeleteBucket", "resource": "arn:aws:s3:::b"}
        });
        assert_eq!(scenario_of(scp), Some("access-denied-scp"));
        // A Spot request's tags.
        let spot = serde_json::json!({
            "identityPolicies": identity(serde_json::json!([{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}])),
            "request": {"principal": user, "action": "ec2:CreateTags",
                "resource": "arn:aws:ec2:eu-north-1:111122223333:spot-instances-request/*",
                "context": {"ec2:CreateAction": "RequestSpotInstances"}}
        });
        assert_eq!(scenario_of(spot), Some("spot-request-tags-denied"));
    }

    #[test]
    fn terminate_behind_delete_fleets_needs_the_grant() {
        let case = |actions: serde_json::Value| {
            serde_json::json!({
                "identityPolicies": identity(serde_json::json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}])),
                "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "ec2:TerminateInstances",
                    "resource": "arn:aws:ec2:eu-north-1:111122223333:instance/i-0123456789abcdef0"}
            })
        };
        assert_eq!(
            scenario_of(case(serde_json::json!([
                "ec2:DeleteFleets",
                "ec2:DescribeFleets"
            ]))),
            Some("fleet-delete-missing-terminate")
        );
        assert_eq!(
            scenario_of(case(serde_json::json!(["ec2:DescribeInstances"]))),
            Some("access-denied-missing-allow")
        );
    }

    #[test]
    fn boundary_is_named() {
        let a = advice_for(serde_json::json!({
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
            "boundary": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
            "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "sqs:SendMessage",
                "resource": "arn:aws:sqs:us-east-1:111122223333:q"}
        }));
        assert_eq!(
            a.scenario.map(ScenarioId::as_str),
            Some("access-denied-boundary")
        );
        assert!(a.verified);
    }
}
