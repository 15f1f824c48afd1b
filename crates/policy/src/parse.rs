//! Phase 1: policy text → [`Policy`], checked against the IAM JSON grammar, with every
//! wildcard pattern and condition value compiled once.
//!
//! Errors name the offending element and its line and column. Element names are
//! case-sensitive, as in AWS's grammar; a near miss (`action`) gets a hint.

use std::sync::Arc;

use crate::condition::{BaseOp, Condition, Operator, compile_values, unreadable_policy_value};
use crate::error::{ErrorKind, PolicyError, check_size};
use crate::json::{self, Kind, Span, Value};
use crate::pattern::{ArnPattern, Glob};
use crate::vars::Template;

/// Which layer a policy belongs to; decides which elements it may or must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    Identity,
    Resource,
    Scp,
    Rcp,
    Boundary,
    Session,
}

impl PolicyKind {
    /// The layer's name in JSON output and traces.
    pub fn layer(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Session => "session",
        }
    }

    /// How AWS's error messages name the layer.
    pub fn description(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
        }
    }

    fn has_principal(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::Rcp)
    }
}

/// The text a policy was read from, shared by all policies of one file.
#[derive(Debug, PartialEq, Eq)]
pub struct Source {
    /// File name or other label (`--identity`, `<stdin>`).
    pub origin: String,
    pub text: String,
}

impl Source {
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Arc::new(Source {
            origin: origin.into(),
            text: text.into(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub kind: PolicyKind,
    pub version: Option<String>,
    pub statements: Vec<Statement>,
    pub source: Arc<Source>,
    /// The policy document's span in `source.text`.
    pub span: Span,
}

/// An `Action` or `NotAction` list, lower-cased and compiled.
#[derive(Debug, Clone)]
pub struct ActionList {
    pub negated: bool,
    pub items: Vec<(String, Glob)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ResourceItem {
    Static(String, ArnPattern),
    /// Holds policy variables: resolved per request. The `usize` is the length of the
    /// literal prefix before the first variable or wildcard, checked first so that most
    /// non-matching resources cost no substitution.
    Dynamic(String, Template, usize),
}

impl ResourceItem {
    pub fn text(&self) -> &str {
        match self {
            ResourceItem::Static(t, _) | ResourceItem::Dynamic(t, _, _) => t,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceList {
    pub negated: bool,
    pub items: Vec<ResourceItem>,
    pub span: Span,
}

/// `Principal` / `NotPrincipal`.
#[derive(Debug, Clone)]
pub struct PrincipalList {
    pub negated: bool,
    /// `"*"` or `{"AWS": "*"}`.
    pub wildcard: bool,
    /// (`AWS` | `Service` | `Federated` | `CanonicalUser`, value)
    pub items: Vec<(String, String)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// The `Sid`, if any.
    pub sid: Option<String>,
    /// 1-based position in the policy.
    pub index: usize,
    pub effect: Effect,
    pub actions: ActionList,
    pub resources: Option<ResourceList>,
    pub principals: Option<PrincipalList>,
    pub conditions: Vec<Condition>,
    pub span: Span,
    pub effect_span: Span,
    pub condition_span: Option<Span>,
}

impl Statement {
    /// The id shown in traces: the `Sid`, or the 1-based index when there is none.
    pub fn id(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => self.index.to_string(),
        }
    }
}

/// Parses one policy document from its own text.
pub fn parse_policy(
    kind: PolicyKind,
    name: &str,
    origin: &str,
    text: &str,
) -> Result<Policy, PolicyError> {
    check_size(text).map_err(|e| e.in_origin(origin))?;
    let source = Source::new(origin, text);
    json::with_arena(|arena| {
        let value = json::parse(text, arena).map_err(|e| e.in_origin(origin))?;
        policy_from_value(kind, name, &value, &source)
    })
}

/// Builds a policy from a JSON value inside `source` (a policy file or a case file).
pub fn policy_from_value(
    kind: PolicyKind,
    name: &str,
    value: &Value,
    source: &Arc<Source>,
) -> Result<Policy, PolicyError> {
    let cx = Cx { source };
    cx.policy(kind, name, value)
        .map_err(|e| e.in_origin(source.origin.as_str()))
}

struct Cx<'a> {
    source: &'a Arc<Source>,
}

const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Cx<'_> {
    fn err(&self, at: usize, message: String) -> PolicyError {
        PolicyError::at(ErrorKind::Invalid, message, &self.source.text, at)
    }

    fn unknown(&self, key: &str, at: usize, known: &[&str], what: &str) -> PolicyError {
        let hint = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(key))
            .map(|k| format!(" (element names are case-sensitive: did you mean `{k}`?)"))
            .unwrap_or_else(|| format!(" (expected one of {})", list(known)));
        self.err(at, format!("unknown {what} element `{key}`{hint}"))
    }

    fn policy(&self, kind: PolicyKind, name: &str, value: &Value) -> Result<Policy, PolicyError> {
        let Some(members) = value.as_object() else {
            return Err(self.err(
                value.span.start,
                format!(
                    "a policy must be a JSON object, found {}",
                    value.type_name()
                ),
            ));
        };
        let mut version = None;
        let mut statements = None;
        for m in members {
            match m.key {
                "Version" => match m.value.as_str() {
                    Some(v @ ("2012-10-17" | "2008-10-17")) => version = Some(v.to_owned()),
                    Some(v) => {
                        return Err(self.err(
                            m.value.span.start,
                            format!(
                                "`Version` must be \"2012-10-17\" or \"2008-10-17\", found \"{v}\""
                            ),
                        ));
                    }
                    None => {
                        return Err(self.err(
                            m.value.span.start,
                            format!("`Version` must be a string, found {}", m.value.type_name()),
                        ));
                    }
                },
                "Id" => {
                    if m.value.as_str().is_none() {
                        return Err(self.err(m.value.span.start, "`Id` must be a string".into()));
                    }
                }
                "Statement" => statements = Some(&m.value),
                other => {
                    return Err(self.unknown(
                        other,
                        m.key_span.start,
                        &["Version", "Id", "Statement"],
                        "policy",
                    ));
                }
            }
        }
        let Some(st) = statements else {
            return Err(self.err(value.span.start, "the policy has no `Statement`".into()));
        };
        // Variables are substituted only under the 2012-10-17 grammar.
        let variables = version.as_deref() == Some("2012-10-17");
        let items: Vec<&Value> = match &st.kind {
            Kind::Array(items) => items.iter().collect(),
            Kind::Object(_) => vec![st],
            _ => {
                return Err(self.err(
                    st.span.start,
                    format!(
                        "`Statement` must be an object or an array of objects, found {}",
                        st.type_name()
                    ),
                ));
            }
        };
        let mut statements = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            statements.push(self.statement(kind, i + 1, item, variables)?);
        }
        Ok(Policy {
            name: name.to_owned(),
            kind,
            version,
            statements,
            source: Arc::clone(self.source),
            span: value.span.clone(),
        })
    }

    fn statement(
        &self,
        kind: PolicyKind,
        index: usize,
        value: &Value,
        variables: bool,
    ) -> Result<Statement, PolicyError> {
        let Some(members) = value.as_object() else {
            return Err(self.err(
                value.span.start,
                format!(
                    "a statement must be a JSON object, found {}",
                    value.type_name()
                ),
            ));
        };
        let mut sid = None;
        let mut effect = None;
        let mut actions: Option<ActionList> = None;
        let mut resources: Option<ResourceList> = None;
        let mut principals: Option<PrincipalList> = None;
        let mut conditions = Vec::new();
        let mut condition_span = None;
        for m in members {
            let key = m.key;
            let at = m.key_span.start;
            match key {
                "Sid" => match m.value.as_str() {
                    Some(s) => sid = Some(s.to_owned()),
                    None => {
                        return Err(self.err(m.value.span.start, "`Sid` must be a string".into()));
                    }
                },
                "Effect" => match m.value.as_str() {
                    Some("Allow") => effect = Some((Effect::Allow, m.value.span.clone())),
                    Some("Deny") => effect = Some((Effect::Deny, m.value.span.clone())),
                    _ => {
                        return Err(self.err(
                            m.value.span.start,
                            "`Effect` must be \"Allow\" or \"Deny\" (case-sensitive)".into(),
                        ));
                    }
                },
                "Action" | "NotAction" => {
                    if actions.is_some() {
                        return Err(self.err(
                            at,
                            "a statement has either `Action` or `NotAction`, not both".into(),
                        ));
                    }
                    let items = self
                        .strings(&m.value, key)?
                        .into_iter()
                        .map(|(s, span)| {
                            let lc = s.to_ascii_lowercase();
                            if lc != "*" && !lc.contains(':') {
                                return Err(self.err(
                                    span.start,
                                    format!(
                                        "action `{s}` must look like `service:Action` (or be `*`)"
                                    ),
                                ));
                            }
                            Ok((s, Glob::from_text(lc)))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    actions = Some(ActionList {
                        negated: key == "NotAction",
                        items,
                        span: m.value.span.clone(),
                    });
                }
                "Resource" | "NotResource" => {
                    if resources.is_some() {
                        return Err(self.err(
                            at,
                            "a statement has either `Resource` or `NotResource`, not both".into(),
                        ));
                    }
                    let items = self
                        .strings(&m.value, key)?
                        .into_iter()
                        .map(|(s, _)| match Template::parse(&s).filter(|_| variables) {
                            Some(t) => {
                                let prefix = s.find(['$', '*', '?']).unwrap_or(s.len());
                                ResourceItem::Dynamic(s, t, prefix)
                            }
                            None => {
                                let p = ArnPattern::new(&s);
                                ResourceItem::Static(s, p)
                            }
                        })
                        .collect();
                    resources = Some(ResourceList {
                        negated: key == "NotResource",
                        items,
                        span: m.value.span.clone(),
                    });
                }
                "Principal" | "NotPrincipal" => {
                    if !kind.has_principal() {
                        return Err(self.err(
                            at,
                            format!("`{key}` is not allowed in a {} (only resource-based policies name principals)", kind.description()),
                        ));
                    }
                    if principals.is_some() {
                        return Err(self.err(
                            at,
                            "a statement has either `Principal` or `NotPrincipal`, not both".into(),
                        ));
                    }
                    principals = Some(self.principal(&m.value, key == "NotPrincipal")?);
                }
                "Condition" => {
                    conditions = self.conditions(&m.value, variables)?;
                    condition_span = Some(m.value.span.clone());
                }
                other => return Err(self.unknown(other, at, STATEMENT_ELEMENTS, "statement")),
            }
        }
        let Some((effect, effect_span)) = effect else {
            return Err(self.err(value.span.start, "the statement has no `Effect`".into()));
        };
        let Some(actions) = actions else {
            return Err(self.err(
                value.span.start,
                "the statement has no `Action` or `NotAction`".into(),
            ));
        };
        if resources.is_none()
            && matches!(
                kind,
                PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Session
            )
        {
            return Err(self.err(
                value.span.start,
                format!(
                    "the statement has no `Resource` or `NotResource` (required in a {})",
                    kind.description()
                ),
            ));
        }
        if principals.is_none() && kind == PolicyKind::Resource {
            return Err(self.err(
                value.span.start,
                "the statement has no `Principal` or `NotPrincipal` (required in a resource-based policy)".into(),
            ));
        }
        Ok(Statement {
            sid,
            index,
            effect,
            actions,
            resources,
            principals,
            conditions,
            span: value.span.clone(),
            effect_span,
            condition_span,
        })
    }

    /// A string or a non-empty array of strings.
    fn strings(&self, value: &Value, element: &str) -> Result<Vec<(String, Span)>, PolicyError> {
        match &value.kind {
            Kind::String(s) => Ok(vec![(s.to_string(), value.span.clone())]),
            Kind::Array(items) if !items.is_empty() => items
                .iter()
                .map(|v| match v.as_str() {
                    Some(s) => Ok((s.to_owned(), v.span.clone())),
                    None => Err(self.err(
                        v.span.start,
                        format!(
                            "`{element}` entries must be strings, found {}",
                            v.type_name()
                        ),
                    )),
                })
                .collect(),
            Kind::Array(_) => {
                Err(self.err(value.span.start, format!("`{element}` must not be empty")))
            }
            _ => Err(self.err(
                value.span.start,
                format!(
                    "`{element}` must be a string or an array of strings, found {}",
                    value.type_name()
                ),
            )),
        }
    }

    fn principal(&self, value: &Value, negated: bool) -> Result<PrincipalList, PolicyError> {
        let mut list = PrincipalList {
            negated,
            wildcard: false,
            items: Vec::new(),
            span: value.span.clone(),
        };
        match value.kind {
            Kind::String("*") => list.wildcard = true,
            Kind::Object(members) => {
                for m in members {
                    match m.key {
                        "AWS" | "Service" | "Federated" | "CanonicalUser" => {}
                        other => {
                            return Err(self.unknown(
                                other,
                                m.key_span.start,
                                &["AWS", "Service", "Federated", "CanonicalUser"],
                                "principal",
                            ));
                        }
                    }
                    for (v, _) in self.strings(&m.value, m.key)? {
                        if m.key == "AWS" && v == "*" {
                            list.wildcard = true;
                        } else {
                            list.items.push((m.key.to_string(), v));
                        }
                    }
                }
            }
            _ => {
                return Err(self.err(
                    value.span.start,
                    "`Principal` must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}".into(),
                ));
            }
        }
        Ok(list)
    }

    fn conditions(&self, value: &Value, variables: bool) -> Result<Vec<Condition>, PolicyError> {
        let Some(ops) = value.as_object() else {
            return Err(self.err(
                value.span.start,
                format!(
                    "`Condition` must be an object of operators, found {}",
                    value.type_name()
                ),
            ));
        };
        let mut out = Vec::new();
        for op in ops {
            let operator = Operator::parse(op.key).ok_or_else(|| {
                self.err(
                    op.key_span.start,
                    format!(
                        "unknown condition operator `{}` (e.g. StringEquals, StringLike, NumericLessThan, DateGreaterThan, Bool, IpAddress, ArnLike, Null, with optional `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix)",
                        op.key
                    ),
                )
            })?;
            let Some(keys) = op.value.as_object() else {
                return Err(self.err(
                    op.value.span.start,
                    format!(
                        "`{}` must map condition keys to values, found {}",
                        op.key,
                        op.value.type_name()
                    ),
                ));
            };
            for k in keys {
                let values = self.condition_values(&k.value, k.key)?;
                if operator.base == BaseOp::Null {
                    for (v, span) in &values {
                        if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") {
                            return Err(self.err(
                                span.start,
                                format!("`Null` takes \"true\" or \"false\", found \"{v}\""),
                            ));
                        }
                    }
                }
                for (v, span) in &values {
                    if let Some(problem) = unreadable_policy_value(operator.base, v, variables) {
                        let shown: String = v.chars().take(60).collect();
                        return Err(self.err(
                            span.start,
                            format!(
                                "`{}` value \"{shown}\" of condition key `{}` {problem}",
                                op.key, k.key
                            ),
                        ));
                    }
                }
                let texts: Vec<String> = values.into_iter().map(|(v, _)| v).collect();
                let compiled = compile_values(operator.base, &texts, variables);
                out.push(Condition {
                    operator,
                    operator_text: op.key.to_string(),
                    key: k.key.to_string(),
                    key_lc: k.key.to_ascii_lowercase(),
                    values: texts,
                    compiled,
                    span: k.key_span.start..k.value.span.end,
                    operator_span: op.key_span.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Condition values: strings, or numbers/booleans (AWS accepts them unquoted and
    /// compares their text), single or in an array.
    fn condition_values(
        &self,
        value: &Value,
        key: &str,
    ) -> Result<Vec<(String, Span)>, PolicyError> {
        let one = |v: &Value| -> Result<(String, Span), PolicyError> {
            match &v.kind {
                Kind::String(s) => Ok((s.to_string(), v.span.clone())),
                Kind::Number(n) => Ok((n.to_string(), v.span.clone())),
                Kind::Bool(b) => Ok((b.to_string(), v.span.clone())),
                _ => Err(self.err(
                    v.span.start,
                    format!(
                        "values of condition key `{key}` must be strings, found {}",
                        v.type_name()
                    ),
                )),
            }
        };
        match &value.kind {
            Kind::Array([]) => Err(self.err(
                value.span.start,
                format!("condition key `{key}` has an empty value list"),
            )),
            Kind::Array(items) => items.iter().map(one).collect(),
            _ => Ok(vec![one(value)?]),
        }
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::SetOp;

    fn parse(kind: PolicyKind, text: &str) -> Result<Policy, PolicyError> {
        parse_policy(kind, "p", "p.json", text)
    }

    #[test]
    fn condition_values_the_operator_cannot_read_are_errors_with_a_position() {
        let policy = |operator: &str, value: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"{operator}":{{"k":{value}}}}}}}}}"#
            )
        };
        for (operator, value) in [
            ("NumericLessThan", "1e400"),
            ("NumericEquals", "\"-1e400\""),
            ("NumericGreaterThan", "\"twelve\""),
            ("DateLessThan", "\"soon\""),
            ("DateLessThan", &format!("\"{}\"", "9".repeat(400))),
            ("IpAddress", "\"300.1.1.1\""),
            ("Bool", "\"yes\""),
            ("Bool", "\"${aws:SecureTransport}\""),
        ] {
            let text = policy(operator, value).replace("2012-10-17", "2008-10-17");
            let e = parse(PolicyKind::Identity, &text)
                .err()
                .unwrap_or_else(|| panic!("{operator} {value} was accepted"));
            assert_eq!(e.offset, text.find(value).unwrap_or_default(), "{e}");
            assert!(e.message.contains(operator), "{e}");
        }
        for (operator, value) in [
            ("NumericLessThan", "2"),
            ("NumericLessThan", "\"1.5e3\""),
            ("DateLessThan", "\"2026-11-23T10:00:00Z\""),
            ("IpAddress", "\"2001:db8::/32\""),
            ("Bool", "\"TRUE\""),
            // Only known when the request is evaluated.
            ("Bool", "\"${aws:PrincipalTag/enabled}\""),
        ] {
            assert!(
                parse(PolicyKind::Identity, &policy(operator, value)).is_ok(),
                "{operator} {value}"
            );
        }
    }

    #[test]
    fn parses_single_values_and_arrays() {
        let p = parse(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Run*","s3:GetObject"],"Resource":"*","Condition":{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":["a","b"]}}}}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(s.actions.items.len(), 2);
        assert_eq!(s.conditions[0].operator.set, SetOp::ForAllValues);
        assert!(s.conditions[0].operator.if_exists);
        assert_eq!(s.id(), "1");
    }

    #[test]
    fn errors_point_at_the_element() {
        let e = parse(
            PolicyKind::Identity,
            "{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Effect\":\"Allow\",\"action\":\"s3:*\",\"Resource\":\"*\"}]}",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 32);
        assert!(e.message.contains("did you mean `Action`"), "{e}");
        let e = parse(
            PolicyKind::Identity,
            r#"{"Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("Effect"), "{e}");
        let e = parse(PolicyKind::Identity, r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#).unwrap_err();
        assert!(e.message.contains("unknown condition operator"), "{e}");
        let e = parse(
            PolicyKind::Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":7,"Resource":"*"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("found a number"), "{e}");
        let e = parse(
            PolicyKind::Identity,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("not allowed"), "{e}");
    }

    #[test]
    fn size_limit() {
        let big = format!("{{\"Statement\":[],\"Id\":\"{}\"}}", "x".repeat(1 << 20));
        let e = parse(PolicyKind::Identity, &big).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit);
    }
}
