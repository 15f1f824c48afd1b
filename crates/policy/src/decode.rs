//! Decoded authorization messages (`aws sts decode-authorization-message`): reading
//! them, and saying what they do and do not tell.
//!
//! A decoded message names the failing authorization (which may be a dependent one:
//! `ec2:CreateTags` during `RunInstances`, `iam:PassRole`), explicit vs implicit deny,
//! and for explicit denies the matched statements with their condition keys and policy
//! values, but never the policy, its layer, or the condition operator. What can be
//! inferred from the request's values is marked `inferred`.

use authdoctor_diagnosis::PolicyDecision;

use crate::eval::Decision;
use authdoctor_kb::ScenarioId;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::{ErrorKind, PolicyError, check_size};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedCondition {
    pub key: String,
    pub policy_values: Vec<String>,
    /// The request's values for the key (absent: the key was not in the request).
    pub request_values: Vec<String>,
    /// The operator as inferred from comparing the values; the message never says.
    pub operator: String,
    pub inferred: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedStatement {
    /// The statement's Sid; empty when the statement has none.
    pub sid: String,
    pub effect: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub principals: Vec<String>,
    pub conditions: Vec<MatchedCondition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    pub allowed: bool,
    pub explicit_deny: bool,
    pub action: String,
    pub resource: String,
    pub principal: Principal,
    pub matched_statements: Vec<MatchedStatement>,
    pub context: BTreeMap<String, Vec<String>>,
    /// What the message does and does not tell, in sentences.
    pub notes: Vec<String>,
    /// Catalogue scenario the message fits, when one does.
    #[serde(skip)]
    pub scenario: Option<ScenarioId>,
    /// How well it fits, from the scenario's `policy-decision` rules.
    #[serde(skip)]
    pub confidence: f64,
}

fn err(text: &str, message: String) -> PolicyError {
    PolicyError::at(ErrorKind::Invalid, message, text, 0)
}

fn items(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(|v| v.get("items").or(Some(v)))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// The `value`s of an `{"items": [{"value": …}]}` list. They are strings in every message
/// AWS writes; anything else is refused (`what` names the list in the error).
fn item_values(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in items(v) {
        match item.get("value").unwrap_or(item) {
            Value::String(s) => out.push(s.clone()),
            Value::Null => {}
            other => {
                return Err(format!(
                    "values of `{what}` must be strings, found {}",
                    json_type(other)
                ));
            }
        }
    }
    Ok(out)
}

/// A boolean of the message (`allowed`, `explicitDeny`): JSON `true` or `false`; absent
/// counts as false. Anything else (`"no"`, `0`, `null`) is refused, not guessed at.
fn flag(message: &Value, name: &str) -> Result<bool, String> {
    match message.get(name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!(
            "`{name}` must be true or false, found {}",
            json_type(other)
        )),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field; absent or null is `None`, any other type is refused.
fn string(v: Option<&Value>, what: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`{what}` must be a string, found {}",
            json_type(other)
        )),
    }
}

/// Parses the CLI's output (`{"DecodedMessage": "…"}`), the inner message as JSON, or
/// the inner message as a JSON string.
pub fn parse_decoded(text: &str) -> Result<Decoded, PolicyError> {
    check_size(text)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err(
            text,
            "empty input: expected the output of `aws sts decode-authorization-message`".into(),
        ));
    }
    let mut value: Value = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(e) => {
            let offset = line_col_to_offset(trimmed, e.line(), e.column());
            let hint = if trimmed.len() > 40 && !trimmed.contains('{') {
                " (this looks like an encoded message: decode it with `aws sts decode-authorization-message --encoded-message …` or `authdoctor decode --online`)"
            } else {
                ""
            };
            return Err(PolicyError::at(
                ErrorKind::Json,
                format!("not JSON: {e}{hint}"),
                trimmed,
                offset,
            ));
        }
    };
    // Unwrap {"DecodedMessage": "<json string>"} and a bare JSON string, at most twice.
    for _ in 0..2 {
        let inner = match &value {
            Value::Object(m) => m
                .get("DecodedMessage")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        match inner {
            Some(s) => {
                value = serde_json::from_str(&s)
                    .map_err(|e| err(text, format!("`DecodedMessage` does not hold JSON: {e}")))?;
            }
            None => break,
        }
    }
    let Value::Object(_) = &value else {
        return Err(err(
            text,
            "expected a JSON object with `allowed`, `explicitDeny` and `context`".into(),
        ));
    };
    let ctx = value.get("context").ok_or_else(|| {
        err(
            text,
            "the message has no `context` (is this a decoded authorization message?)".into(),
        )
    })?;
    let allowed = flag(&value, "allowed").map_err(|m| err(text, m))?;
    let explicit_deny = flag(&value, "explicitDeny").map_err(|m| err(text, m))?;
    let p = ctx.get("principal");
    let field = |v: Option<&Value>, what: &str| string(v, what).map_err(|m| err(text, m));
    let values = |v: Option<&Value>, what: &str| item_values(v, what).map_err(|m| err(text, m));
    let principal = Principal {
        id: field(p.and_then(|p| p.get("id")), "context.principal.id")?,
        name: field(p.and_then(|p| p.get("name")), "context.principal.name")?,
        arn: field(p.and_then(|p| p.get("arn")), "context.principal.arn")?,
    };
    let mut action = field(ctx.get("action"), "context.action")?.unwrap_or_default();
    // Some messages omit the service prefix (`RunInstances`); EC2 is the service that
    // returns encoded messages.
    if !action.is_empty() && !action.contains(':') {
        action = format!("ec2:{action}");
    }
    let resource = field(ctx.get("resource"), "context.resource")?.unwrap_or_default();
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in items(ctx.get("conditions")) {
        if let Some(k) = field(c.get("key"), "context.conditions key")? {
            let request_values = values(c.get("values"), &format!("context.conditions {k}"))?;
            context.entry(k).or_default().extend(request_values);
        }
    }
    let lookup = |key: &str| -> Option<&Vec<String>> {
        context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    };
    let mut matched = Vec::new();
    for s in items(value.get("matchedStatements")) {
        let effect = field(s.get("effect"), "matchedStatements effect")?.unwrap_or_default();
        let deny = effect.eq_ignore_ascii_case("deny");
        let mut conditions = Vec::new();
        for c in items(s.get("conditions")) {
            let Some(key) = field(c.get("key"), "matchedStatements condition key")? else {
                continue;
            };
            let policy_values = values(c.get("values"), &format!("matchedStatements {key}"))?;
            let request_values = lookup(&key).cloned().unwrap_or_default();
            let (operator, note) = infer_operator(&key, &policy_values, &request_values, deny);
            conditions.push(MatchedCondition {
                key,
                policy_values,
                request_values,
                operator,
                inferred: true,
                note,
            });
        }
        matched.push(MatchedStatement {
            sid: field(s.get("statementId"), "matchedStatements statementId")?.unwrap_or_default(),
            effect,
            actions: values(s.get("actions"), "matchedStatements actions")?,
            resources: values(s.get("resources"), "matchedStatements resources")?,
            principals: values(s.get("principals"), "matchedStatements principals")?,
            conditions,
        });
    }
    let mut d = Decoded {
        allowed,
        explicit_deny,
        action,
        resource,
        principal,
        matched_statements: matched,
        context,
        notes: Vec::new(),
        scenario: None,
        confidence: 0.0,
    };
    d.notes = notes(&d);
    if let Some((id, confidence)) = crate::judge(observation(&d)) {
        d.scenario = Some(id);
        d.confidence = confidence;
    }
    Ok(d)
}

fn line_col_to_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// Guesses the operator of a matched condition from the policy and request values.
fn infer_operator(
    key: &str,
    policy: &[String],
    request: &[String],
    deny: bool,
) -> (String, String) {
    use crate::condition::parse_number;
    if request.is_empty() {
        return (
            "StringNotEquals (or another negated operator, or Null)".into(),
            format!(
                "`{key}` is not in the request; only a negated operator, an IfExists operator or Null matches a missing key"
            ),
        );
    }
    let equal = request.iter().any(|r| policy.iter().any(|p| p == r));
    if let (Some(r), Some(p)) = (
        request.first().and_then(|r| parse_number(r)),
        policy.first().and_then(|p| parse_number(p)),
    ) && r != p
    {
        let op = if r < p {
            "NumericLessThan"
        } else {
            "NumericGreaterThan"
        };
        return (
            op.into(),
            format!(
                "the request's `{key}` = {} is {} the policy's {}",
                request[0],
                if r < p { "below" } else { "above" },
                policy[0]
            ),
        );
    }
    if equal {
        (
            "StringEquals".into(),
            format!(
                "the request's `{key}` equals a policy value, so the operator is a positive one"
            ),
        )
    } else if deny {
        (
            "StringNotEquals".into(),
            format!(
                "the request's `{key}` = {} is none of the policy values {:?}, and the Deny still matched: a negated operator (the statement allows only those values)",
                request.join(", "),
                policy
            ),
        )
    } else {
        (
            "unknown".into(),
            format!("cannot tell the operator for `{key}` from the values"),
        )
    }
}

fn notes(d: &Decoded) -> Vec<String> {
    let mut n = Vec::new();
    if d.explicit_deny {
        n.push(
            "An explicit Deny matched. The message does not say which policy or which layer it is in (identity policy, SCP, permissions boundary, session or resource policy look alike); search your policies for the statement id."
                .into(),
        );
        n.push("Condition operators are not in the message; the ones shown are inferred from the request's values.".into());
    } else {
        n.push(format!(
            "Implicit deny: nothing allowed `{}` on `{}`. The message does not say which layer lacked the Allow (identity policy, permissions boundary, session policy, SCP); evaluate the policies with `authdoctor simulate` to find it.",
            d.action, d.resource
        ));
    }
    // What the request would need to escape each matched Deny (inferred).
    for st in &d.matched_statements {
        let sid = if st.sid.is_empty() {
            "(no Sid)"
        } else {
            st.sid.as_str()
        };
        if st.conditions.is_empty() {
            n.push(format!(
                "Statement {sid} denies without conditions: no request value avoids it; the policy holding it must change (or the action must be avoided)."
            ));
        }
        for c in &st.conditions {
            let values = c.policy_values.join(", ");
            let need = match c.operator.as_str() {
                "NumericLessThan" => format!("`{}` of at least {values}", c.key),
                "NumericGreaterThan" => format!("`{}` of at most {values}", c.key),
                "StringEquals" => format!("a `{}` other than {values}", c.key),
                _ => format!("`{}` set to one of: {values}", c.key),
            };
            n.push(format!(
                "To get past statement {sid}, the request needs {need} (inferred)."
            ));
        }
    }
    let a = d.action.to_ascii_lowercase();
    if a == "ec2:createtags" {
        n.push("The failing authorization is `ec2:CreateTags`: tag-on-create during a launch or create call is authorised separately; allow `ec2:CreateTags` with `ec2:CreateAction` set to the creating API.".into());
    }
    if launch_without_imdsv2(d) {
        n.push("The launch allows IMDSv1 (`ec2:MetadataHttpTokens` = `optional`): an Allow conditioned on `ec2:MetadataHttpTokens` = `required` fails exactly this way. Launch with IMDSv2 required (`--metadata-options HttpTokens=required`, or the launch template's metadata options).".into());
    }
    if a == "iam:passrole" {
        n.push("The failing authorization is `iam:PassRole`: launching with an instance profile or handing a role to a service needs `iam:PassRole` on that role.".into());
    }
    n
}

/// The request's value of a condition key; keys compare case-insensitively, as IAM does.
fn context_values<'a>(d: &'a Decoded, key: &str) -> Option<&'a [String]> {
    d.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_slice())
}

/// An implicit deny of `ec2:RunInstances` for a launch that allows IMDSv1
/// (`ec2:MetadataHttpTokens` = `optional`): the note that names the usual cause.
fn launch_without_imdsv2(d: &Decoded) -> bool {
    !d.explicit_deny
        && d.action.eq_ignore_ascii_case("ec2:RunInstances")
        && context_values(d, "ec2:MetadataHttpTokens")
            .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case("optional")))
}

/// The decoded decision as the diagnosis engine sees it. A message names no layer and
/// shows no policies; an implicit deny carries no matched statements, so the request's
/// context values are all there is to go on (a launch with `ec2:MetadataHttpTokens` =
/// `optional`, denied by an Allow conditioned on `required`).
pub fn observation(d: &Decoded) -> PolicyDecision {
    let mut condition_keys: Vec<String> = Vec::new();
    for c in d.matched_statements.iter().flat_map(|s| &s.conditions) {
        if !condition_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.key))
        {
            condition_keys.push(c.key.clone());
        }
    }
    PolicyDecision {
        decision: if d.explicit_deny {
            Decision::ExplicitDeny
        } else if d.allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
        .rule_name(),
        action: d.action.clone(),
        principal: d
            .principal
            .arn
            .clone()
            .or_else(|| d.principal.id.clone())
            .unwrap_or_default(),
        resource: d.resource.clone(),
        layer: None,
        condition_keys,
        context: d
            .context
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        granted: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cli_wrapper_and_infers_operators() {
        let inner = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"RequireMicro","effect":"DENY","principals":{"items":[{"value":"AIDA"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3a.micro"}]}}]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AIDA","arn":"arn:aws:iam::111122223333:user/u"},"action":"RunInstances","resource":"arn:aws:ec2:eu-north-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3.medium"}]}}]}}}"#;
        let wrapped = serde_json::json!({ "DecodedMessage": inner }).to_string();
        let d = parse_decoded(&wrapped).unwrap();
        assert!(d.explicit_deny);
        assert_eq!(d.action, "ec2:RunInstances");
        let c = &d.matched_statements[0].conditions[0];
        assert_eq!(c.operator, "StringNotEquals");
        assert!(c.inferred);
        assert_eq!(c.request_values, vec!["t3.medium".to_owned()]);
    }

    /// The shape of a real implicit-deny message for a launch: no matched statements,
    /// the request's condition values in `context`.
    fn implicit_run_instances(tokens: &str) -> String {
        serde_json::json!({
            "allowed": false,
            "explicitDeny": false,
            "matchedStatements": {"items": []},
            "failures": {"items": []},
            "context": {
                "principal": {"id": "AROAEXAMPLE:s", "arn": "arn:aws:sts::111122223333:assumed-role/Builder/s"},
                "action": "ec2:RunInstances",
                "resource": "arn:aws:ec2:eu-north-1:111122223333:instance/*",
                "conditions": {"items": [
                    {"key": "ec2:InstanceType", "values": {"items": [{"value": "t3.micro"}]}},
                    {"key": "ec2:MetadataHttpTokens", "values": {"items": [{"value": tokens}]}}
                ]}
            }
        })
        .to_string()
    }

    #[test]
    fn an_implicitly_denied_launch_allowing_imdsv1_names_launch_requires_imdsv2() {
        let d = parse_decoded(&implicit_run_instances("optional")).unwrap();
        assert!(!d.explicit_deny);
        assert_eq!(
            d.scenario.map(ScenarioId::as_str),
            Some("launch-requires-imdsv2")
        );
        assert!(
            d.notes.iter().any(|n| n.contains("HttpTokens=required")),
            "{:?}",
            d.notes
        );
        // The same denial of a launch that already requires IMDSv2 is a plain missing Allow.
        let d = parse_decoded(&implicit_run_instances("required")).unwrap();
        assert_eq!(
            d.scenario.map(ScenarioId::as_str),
            Some("access-denied-missing-allow")
        );
        assert!(!d.notes.iter().any(|n| n.contains("HttpTokens=required")));
    }

    #[test]
    fn rejects_non_messages() {
        assert!(parse_decoded("").is_err());
        assert!(parse_decoded("{\"a\":1}").is_err());
        assert!(
            parse_decoded("AQoDYXdzEJr...not-json-at-all-just-an-encoded-blob-xxxxxxxxxx").is_err()
        );
    }
}
