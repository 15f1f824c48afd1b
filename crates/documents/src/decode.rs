//! `decode`: a decoded authorization message, its finding and its JSON document.

use std::collections::BTreeMap;

use authdoctor_kb::{Finding, knowledge_base};
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
    let mut f = knowledge_base().finding(id.as_str(), d.confidence, Vec::new(), facts)?;
    f.notes = d.notes.iter().map(|n| clean(n).into_owned()).collect();
    Some(f)
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
