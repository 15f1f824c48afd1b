//! From aggregated groups to diagnoses: the scenario of each failure (the `explain`
//! engine, run once per distinct message shape, not per record), the facts a group
//! carries, and the [`Finding`]s of the shared model with the knowledge base's fixes.

use std::collections::HashMap;

use authdoctor_diagnosis::{Observation, PolicyDecision, engine};
use authdoctor_kb::{Facts, Finding, UNKNOWN, knowledge_base};

/// Longest message shape kept (messages are short; this bounds a hostile one).
const MAX_SHAPE: usize = 2048;
/// An encoded authorization blob stands in for the real one: same alphabet, fixed text,
/// so messages that differ only in their blob share one shape.
const BLOB: &str = "EXAMPLEencodedAUTHORIZATIONmessageEXAMPLE0123456789";
const ENCODED_MARKER: &str = "Encoded authorization failure message:";

/// The message with what varies between otherwise identical refusals normalised:
/// account ids, resource names in ARNs, session names (an instance id stays an instance
/// id), and the encoded blob. The scenario is decided on this shape.
pub fn message_shape(message: &str) -> String {
    let message = match message.find(ENCODED_MARKER) {
        Some(at) => &message[..at + ENCODED_MARKER.len()],
        None => message,
    };
    let mut out = String::with_capacity(message.len().min(MAX_SHAPE) + BLOB.len() + 1);
    for (i, token) in message.split(' ').enumerate() {
        if out.len() > MAX_SHAPE {
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        let trimmed = token.trim_matches(|c| c == '"' || c == '\'');
        match trimmed.find("arn:") {
            Some(0) => out.push_str(&arn_shape(trimmed)),
            _ => out.push_str(token),
        }
    }
    if out.ends_with(ENCODED_MARKER) {
        out.push(' ');
        out.push_str(BLOB);
    }
    out
}

fn arn_shape(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 {
        return arn.to_owned();
    }
    let account = if parts[4].is_empty() {
        ""
    } else {
        "111122223333"
    };
    let resource = parts[5];
    let resource_shape = match resource.split_once('/') {
        Some((kind, rest)) => {
            let session = rest.rsplit('/').next().unwrap_or("");
            match kind {
                "assumed-role" if is_instance_id(session) => {
                    "assumed-role/role/i-0123456789abcdef0".to_owned()
                }
                "assumed-role" => "assumed-role/role/session".to_owned(),
                _ => format!("{kind}/name"),
            }
        }
        None => match resource.split_once(':') {
            Some((kind, _)) => format!("{kind}:name"),
            None => "name".to_owned(),
        },
    };
    format!(
        "arn:{}:{}:{}:{}:{}",
        parts[1], parts[2], parts[3], account, resource_shape
    )
}

/// `i-` and hex, loosely: anonymised data sets mix the case.
pub fn is_instance_id(s: &str) -> bool {
    s.strip_prefix("i-").is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The text handed to `explain` for one message shape: the CLI's phrasing of an API
/// error, and the CloudTrail field that marks IMDSv1-delivered credentials.
pub fn synthesized_text(error_code: &str, event_name: &str, shape: &str, imdsv1: bool) -> String {
    let code = error_code.strip_prefix("Client.").unwrap_or(error_code);
    let mut text =
        format!("An error occurred ({code}) when calling the {event_name} operation: {shape}\n");
    if imdsv1 {
        text.push_str("\"sessionContext\":{\"ec2RoleDelivery\":\"1.0\"}\n");
    }
    text
}

/// The scenario and confidence the diagnosis engine names for calls of one principal
/// signed with IMDSv1-delivered role credentials (CloudTrail's `ec2RoleDelivery` =
/// `1.0`), refused or not: the `policy-decision` rules of the scenario files decide.
pub fn imdsv1_verdict(principal: &str, refused: bool) -> (&'static str, f64) {
    let decision = PolicyDecision {
        decision: if refused { "deny" } else { "allow" },
        principal: principal.to_owned(),
        context: vec![("ec2:RoleDelivery".to_owned(), vec!["1.0".to_owned()])],
        ..PolicyDecision::default()
    };
    engine::judge(&[Observation::PolicyDecision(decision)])
        .first()
        .map_or((UNKNOWN, 0.5), |s| {
            (s.scenario.as_str(), (s.score * 100.0).round() / 100.0)
        })
}

/// Scenario and confidence per distinct (code, call, shape, delivery), computed once.
#[derive(Default)]
pub struct Classifier {
    cache: HashMap<(String, String, String, bool), (String, f64)>,
    pub engine_runs: usize,
}

impl Classifier {
    pub fn classify(
        &mut self,
        error_code: &str,
        event_name: &str,
        shape: &str,
        imdsv1: bool,
    ) -> (String, f64) {
        let key = (
            error_code.to_owned(),
            event_name.to_owned(),
            shape.to_owned(),
            imdsv1,
        );
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        self.engine_runs += 1;
        let report = authdoctor_explain::explain_text(&synthesized_text(
            error_code, event_name, shape, imdsv1,
        ));
        let answer = report
            .explained
            .first()
            .map(|e| (e.finding.scenario.clone(), e.finding.confidence))
            .unwrap_or_else(|| (UNKNOWN.to_owned(), 0.5));
        self.cache.insert(key, answer.clone());
        answer
    }
}

/// `service:Action` after `not authorized to perform:`, when the message names it.
pub fn action_in(message: &str) -> Option<&str> {
    let at = message.find("authorized to perform: ")? + "authorized to perform: ".len();
    let action = message[at..].split(|c: char| c.is_whitespace()).next()?;
    let action = action.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '*');
    action.contains(':').then_some(action)
}

/// The ARN after `on resource:`, when the message names it.
pub fn resource_in(message: &str) -> Option<&str> {
    let at = message.find("on resource: ")? + "on resource: ".len();
    let resource = message[at..].split(|c: char| c.is_whitespace()).next()?;
    let resource = resource.trim_matches(|c| c == '"' || c == '\'' || c == ',');
    resource.starts_with("arn:").then_some(resource)
}

fn encoded_blob(message: &str) -> Option<&str> {
    let at = message.find(ENCODED_MARKER)? + ENCODED_MARKER.len();
    let blob = message[at..]
        .trim()
        .split(|c: char| c.is_whitespace())
        .next()?;
    (blob.len() >= 20).then_some(blob)
}

/// The role name and session name of an `assumed-role` ARN.
pub fn assumed_role(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.split_once(":assumed-role/")?.1;
    rest.split_once('/')
}

/// The instance behind an instance-role session: the session name of its ARN.
pub fn instance_of(principal: &str) -> Option<&str> {
    let (_, session) = assumed_role(principal)?;
    is_instance_id(session).then_some(session)
}

fn role_name_of_arn(arn: &str) -> Option<&str> {
    arn.split_once(":role/")
        .map(|(_, name)| name.rsplit('/').next().unwrap_or(name))
}

fn put(facts: &mut Facts, name: &str, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        facts.insert(
            name.to_owned(),
            authdoctor_redact::clean(value).into_owned(),
        );
    }
}

/// What a failure group tells about the refused call, under the names the knowledge
/// base's fix commands use.
pub struct FailureFacts<'a> {
    pub error_code: &'a str,
    pub event_source: &'a str,
    pub event_name: &'a str,
    pub principal: &'a str,
    pub example_message: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

pub fn failure_facts(group: &FailureFacts) -> Facts {
    let mut facts = Facts::new();
    put(&mut facts, "error_code", Some(group.error_code));
    let service = group.event_source.strip_suffix(".amazonaws.com");
    put(&mut facts, "service", service);
    let action = action_in(group.example_message)
        .map(str::to_owned)
        .or_else(|| service.map(|s| format!("{s}:{}", group.event_name)));
    put(&mut facts, "action", action.as_deref());
    if group.principal.starts_with("arn:") {
        put(&mut facts, "principal", Some(group.principal));
    }
    if let Some((role, session)) = assumed_role(group.principal) {
        put(&mut facts, "role_name", Some(role));
        put(&mut facts, "caller_role_name", Some(role));
        if is_instance_id(session) {
            put(&mut facts, "instance_id", Some(session));
        }
    }
    let resource = resource_in(group.example_message);
    put(&mut facts, "resource", resource);
    if let Some(role_arn) = resource.filter(|r| r.contains(":role/")) {
        put(&mut facts, "role_arn", Some(role_arn));
        put(&mut facts, "target_role_name", role_name_of_arn(role_arn));
    }
    put(&mut facts, "region", Some(group.region));
    put(&mut facts, "account_id", Some(group.account));
    put(
        &mut facts,
        "encoded_message",
        encoded_blob(group.example_message),
    );
    facts
}

/// A finding of the shared model for `scenario` with these facts; `unknown` when the
/// knowledge base has no such scenario.
pub fn finding(scenario: &str, confidence: f64, facts: Facts) -> Finding {
    knowledge_base()
        .finding(scenario, confidence, Vec::new(), facts.clone())
        .unwrap_or_else(|| Finding::unknown(Vec::new(), facts, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weight of the scenario file's rule that decides a CloudTrail IMDSv1 finding.
    fn rule_weight(name: &str) -> f64 {
        let kb = knowledge_base();
        let scenario = kb
            .get("role-delivery-imdsv1-denied")
            .unwrap_or_else(|| panic!("scenario file"));
        scenario
            .observations
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.weight)
            .unwrap_or_else(|| panic!("rule {name}"))
    }

    #[test]
    fn imdsv1_role_credentials_are_judged_by_the_scenario_files_rules() {
        let principal = "arn:aws:sts::111122223333:assumed-role/legacy-batch/i-0a1b2c3d4e5f67890";
        let refused = imdsv1_verdict(principal, true);
        let used = imdsv1_verdict(principal, false);
        assert_eq!(refused.0, "role-delivery-imdsv1-denied");
        assert_eq!(used.0, "role-delivery-imdsv1-denied");
        assert!((refused.1 - rule_weight("imdsv1-credentials-refused")).abs() < 0.01);
        assert!((used.1 - rule_weight("imdsv1-credentials-used")).abs() < 0.01);
        assert!(refused.1 > used.1);
    }

    #[test]
    fn shapes_fold_names_and_blobs_but_keep_the_grammar() {
        let a = message_shape(
            "User: arn:aws:sts::123837392027:assumed-role/r1/i-0dbc91f429e48eeed is not authorized to perform: ec2:GetPasswordData on resource: arn:aws:ec2:us-east-1:123837392027:instance/i-0dbc91f429e48eeed because no identity-based policy allows the ec2:GetPasswordData action",
        );
        let b = message_shape(
            "User: arn:aws:sts::999999999999:assumed-role/other/i-05c30218156bcc246 is not authorized to perform: ec2:GetPasswordData on resource: arn:aws:ec2:us-east-1:999999999999:instance/i-05c30218156bcc246 because no identity-based policy allows the ec2:GetPasswordData action",
        );
        assert_eq!(a, b);
        assert!(a.contains("assumed-role/role/i-0123456789abcdef0"));
        let encoded = message_shape(
            "You are not authorized to perform this operation. Encoded authorization failure message: AbCd_-123",
        );
        assert!(encoded.ends_with(BLOB));
        assert_eq!(
            encoded,
            message_shape(
                "You are not authorized to perform this operation. Encoded authorization failure message: zzzzzzzz"
            )
        );
    }

    #[test]
    fn facts_from_a_message() {
        let m = "User: arn:aws:iam::123:user/bert is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123:role/target";
        assert_eq!(action_in(m), Some("sts:AssumeRole"));
        assert_eq!(resource_in(m), Some("arn:aws:iam::123:role/target"));
        assert_eq!(
            instance_of("arn:aws:sts::1:assumed-role/r/i-0dbc91f429e48eeed"),
            Some("i-0dbc91f429e48eeed")
        );
        assert_eq!(instance_of("arn:aws:sts::1:assumed-role/r/bob"), None);
    }
}
