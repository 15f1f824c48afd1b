//! `decode`: a decoded authorization message, its finding and its JSON document.

use std::collections::BTreeMap;

use authdoctor_kb::{Evidence, Finding, Role, StatementEvidence, knowledge_base};
use authdoctor_policy::decode::Decoded;
use authdoctor_redact::{Redacted, clean};

/// The finding for a decoded message, when a scenario names its deny.
pub fn finding(d: &Decoded) -> Option<Finding> {
    let id = d.scenario?;
    let mut facts = BTreeMap::new();
    facts.insert("action".to_owned(), clean(&d.action).into_owned());
    facts.insert("resource".to_owned(), clean(&d.resource).into_owned());
    if let Some(arn) = &d.principal.arn {
        facts.insert("principal".to_owned(), clean(arn).into_owned());
    }
    if let Some(c) = d
        .matched_statements
        .iter()
        .flat_map(|s| &s.conditions)
        .next()
    {
        facts.insert("condition_key".to_owned(), clean(&c.key).into_owned());
    }
    let mut f = knowledge_base().finding(id.as_str(), d.confidence, statements(d), facts)?;
    f.notes = d.notes.iter().map(|n| clean(n).into_owned()).collect();
    Some(f)
}

/// The statements the message says decided, one piece of evidence per condition (or
/// one for a statement without conditions), every value cleaned of secrets.
fn statements(d: &Decoded) -> Vec<Evidence> {
    let cleaned = |values: &[String]| -> Vec<String> {
        values.iter().map(|v| clean(v).into_owned()).collect()
    };
    let mut out = Vec::new();
    for (i, s) in d.matched_statements.iter().enumerate() {
        let statement = if s.sid.is_empty() {
            format!("{}", i + 1)
        } else {
            clean(&s.sid).into_owned()
        };
        let base = StatementEvidence {
            statement,
            effect: clean(&s.effect).into_owned(),
            policy: None,
            condition_key: None,
            policy_values: Vec::new(),
            request_values: Vec::new(),
            signal: "policy-statement".to_owned(),
            label: if s.conditions.is_empty() {
                "the statement the message names as deciding; it has no conditions".to_owned()
            } else {
                String::new()
            },
            role: Role::Cause,
        };
        if s.conditions.is_empty() {
            out.push(Evidence::Statement(base));
            continue;
        }
        for c in &s.conditions {
            let label = if c.note.is_empty() {
                format!("the condition on {} that decided", c.key)
            } else {
                c.note.clone()
            };
            out.push(Evidence::Statement(StatementEvidence {
                condition_key: Some(clean(&c.key).into_owned()),
                policy_values: cleaned(&c.policy_values),
                request_values: cleaned(&c.request_values),
                label: clean(&label).into_owned(),
                ..base.clone()
            }));
        }
    }
    out
}

/// The fields of the JSON document `decode --format json` prints (the envelope with
/// `version` is added by [`document`]), every string's control sequences neutralised;
/// `serve` reads them to draw its page.
pub fn body(decoded: &Decoded, findings: &[Finding]) -> serde_json::Value {
    let mut v = serde_json::json!({
        "allowed": decoded.allowed,
        "explicit_deny": decoded.explicit_deny,
        "action": decoded.action,
        "resource": decoded.resource,
        "principal": decoded.principal,
        "matched_statements": decoded.matched_statements,
        "context": decoded.context,
        "notes": decoded.notes,
        "findings": findings,
    });
    authdoctor_report::clean_json(&mut v);
    v
}

/// The JSON document `decode --format json` prints (and `POST /api/decode` answers).
pub fn document(decoded: &Decoded, findings: &[Finding]) -> Redacted {
    authdoctor_report::document(&body(decoded, findings))
}
