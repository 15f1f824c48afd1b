//! Case files (`simulate --case`): the policies of every layer and one request, in the
//! shape of `shared/spec/cli.md`. Policies inside a case file keep their positions in
//! it, so errors and underlines point into the case file itself.

use std::sync::Arc;

use crate::error::{ErrorKind, PolicyError, check_size};
use crate::eval::PolicySet;
use crate::json::{self, Kind, Value};
use crate::parse::{Policy, PolicyKind, Source, policy_from_value};
use crate::request::{Context, Request};

/// A parsed case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: Option<String>,
    pub policies: PolicySet,
    pub request: Request,
    /// `expected`: the decision the case's author expects (used by tests and examples).
    pub expected: Option<String>,
    pub source: Arc<Source>,
}

const CASE_ELEMENTS: &[&str] = &[
    "name",
    "description",
    "expected",
    "identityPolicies",
    "sessionPolicy",
    "boundary",
    "scps",
    "rcps",
    "resourcePolicy",
    "request",
];

struct Cx<'a> {
    source: &'a Arc<Source>,
}

impl Cx<'_> {
    fn err(&self, at: usize, message: String) -> PolicyError {
        PolicyError::at(ErrorKind::Invalid, message, &self.source.text, at)
            .in_origin(self.source.origin.as_str())
    }

    /// A policy given bare or as `{"name", "policy"}`.
    fn named(&self, kind: PolicyKind, v: &Value, default: String) -> Result<Policy, PolicyError> {
        if let Some(members) = v.as_object()
            && v.get("policy").is_some()
            && v.get("Statement").is_none()
        {
            let mut name = default;
            let mut policy = None;
            for m in members {
                match m.key {
                    "name" => match m.value.as_str() {
                        Some(n) => name = n.to_owned(),
                        None => {
                            return Err(
                                self.err(m.value.span.start, "`name` must be a string".into())
                            );
                        }
                    },
                    "policy" => policy = Some(&m.value),
                    other => {
                        return Err(self.err(
                            m.key_span.start,
                            format!("unknown key `{other}` (a named policy is {{\"name\": …, \"policy\": {{…}}}})"),
                        ));
                    }
                }
            }
            // `policy` is present: checked above.
            let Some(policy) = policy else {
                return Err(self.err(v.span.start, "missing `policy`".into()));
            };
            return policy_from_value(kind, &name, policy, self.source);
        }
        policy_from_value(kind, &default, v, self.source)
    }

    fn list(&self, kind: PolicyKind, v: &Value, prefix: &str) -> Result<Vec<Policy>, PolicyError> {
        match &v.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, p)| self.named(kind, p, format!("{prefix}#{}", i + 1)))
                .collect(),
            _ => Ok(vec![self.named(kind, v, prefix.to_owned())?]),
        }
    }

    /// A flat list is one level; a list of lists is one entry per level, root first.
    fn levels(
        &self,
        kind: PolicyKind,
        v: &Value,
        prefix: &str,
    ) -> Result<Vec<Vec<Policy>>, PolicyError> {
        let Kind::Array(items) = &v.kind else {
            return Err(self.err(v.span.start, format!("`{prefix}` must be an array")));
        };
        let nested = !items.is_empty() && items.iter().all(|i| matches!(i.kind, Kind::Array(_)));
        if !nested {
            return Ok(vec![self.list(kind, v, prefix)?]);
        }
        items
            .iter()
            .enumerate()
            .map(|(l, level)| self.list(kind, level, &format!("{prefix}[{}]", l)))
            .collect()
    }

    fn request(&self, v: &Value) -> Result<Request, PolicyError> {
        let Some(members) = v.as_object() else {
            return Err(self.err(v.span.start, "`request` must be an object".into()));
        };
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut account = None;
        let mut context = Context::with_capacity(0);
        for m in members {
            let s = || {
                m.value.as_str().map(str::to_owned).ok_or_else(|| {
                    self.err(m.value.span.start, format!("`{}` must be a string", m.key))
                })
            };
            match m.key {
                "principal" => principal = Some(s()?),
                "action" => action = Some(s()?),
                "resource" => resource = Some(s()?),
                "resourceAccount" => account = Some(s()?),
                "context" => context = self.context(&m.value)?,
                other => {
                    return Err(self.err(
                        m.key_span.start,
                        format!(
                            "unknown request key `{other}` (expected `principal`, `action`, `resource`, `resourceAccount`, `context`)"
                        ),
                    ));
                }
            }
        }
        let Some(action) = action else {
            return Err(self.err(v.span.start, "the request has no `action`".into()));
        };
        if !action.contains(':') {
            return Err(self.err(
                v.span.start,
                format!("action `{action}` must look like `service:Action`"),
            ));
        }
        let principal = principal
            .ok_or_else(|| self.err(v.span.start, "the request has no `principal`".into()))?;
        let resource = resource.unwrap_or_else(|| "*".to_owned());
        Ok(Request::new(
            &principal,
            &action,
            &resource,
            account.as_deref(),
            context,
        ))
    }

    fn context(&self, v: &Value) -> Result<Context, PolicyError> {
        let Some(members) = v.as_object() else {
            return Err(self.err(
                v.span.start,
                "`context` must be an object of keys to values".into(),
            ));
        };
        let mut ctx = Context::with_capacity(members.len());
        for m in members {
            // The contract: strings or lists of strings. AWS passes every context value
            // as text; a bare number or boolean is refused rather than guessed at.
            let scalar = |x: &Value| {
                match &x.kind {
                Kind::String(s) => Ok(s.to_string()),
                Kind::Number(number) => Err(self.err(
                    x.span.start,
                    format!(
                        "context value of `{}` must be a string or a list of strings, found the number {n} (write it as \"{n}\")",
                        m.key,
                        n = number.chars().take(40).collect::<String>()
                    ),
                )),
                _ => Err(self.err(
                    x.span.start,
                    format!(
                        "context value of `{}` must be a string or a list of strings, found {}",
                        m.key,
                        x.type_name()
                    ),
                )),
            }
            };
            match &m.value.kind {
                Kind::Array(items) => {
                    let vals = items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?;
                    ctx.insert(m.key, vals, true);
                }
                _ => ctx.insert(m.key, vec![scalar(&m.value)?], false),
            }
        }
        Ok(ctx)
    }
}

/// Parses a case file (one JSON document).
pub fn parse_case(origin: &str, text: &str) -> Result<Case, PolicyError> {
    check_size(text).map_err(|e| e.in_origin(origin))?;
    parse_case_text(origin, text.to_owned())
}

/// [`parse_case`] for text the caller owns: it becomes the case's source without a copy
/// (`simulate --cases` reads thousands of lines).
pub fn parse_case_text(origin: &str, text: String) -> Result<Case, PolicyError> {
    check_size(&text).map_err(|e| e.in_origin(origin))?;
    let source = Source::new(origin, text);
    json::with_arena(|arena| {
        let value = json::parse(&source.text, arena).map_err(|e| e.in_origin(origin))?;
        case_from_value(&value, &source)
    })
}

fn case_from_value(value: &Value, source: &Arc<Source>) -> Result<Case, PolicyError> {
    let cx = Cx { source };
    let Some(members) = value.as_object() else {
        return Err(cx.err(value.span.start, "a case must be a JSON object".into()));
    };
    let mut set = PolicySet::default();
    let mut name = None;
    let mut expected = None;
    let mut request = None;
    for m in members {
        let v = &m.value;
        match m.key {
            "name" => name = v.as_str().map(str::to_owned),
            "description" => {}
            "expected" => expected = v.as_str().map(str::to_owned),
            "identityPolicies" => set.identity = cx.list(PolicyKind::Identity, v, "identity")?,
            "sessionPolicy" => {
                set.session = Some(cx.named(PolicyKind::Session, v, "session".into())?)
            }
            "boundary" => set.boundary = cx.list(PolicyKind::Boundary, v, "boundary")?,
            "scps" => set.scps = cx.levels(PolicyKind::Scp, v, "scp")?,
            "rcps" => set.rcps = cx.levels(PolicyKind::Rcp, v, "rcp")?,
            "resourcePolicy" => {
                set.resource = Some(cx.named(PolicyKind::Resource, v, "resource".into())?)
            }
            "request" => request = Some(cx.request(v)?),
            other => {
                let hint = CASE_ELEMENTS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(other))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(cx.err(
                    m.key_span.start,
                    format!("unknown case key `{other}`{hint}"),
                ));
            }
        }
    }
    let Some(request) = request else {
        return Err(cx.err(value.span.start, "the case has no `request`".into()));
    };
    Ok(Case {
        name,
        policies: set,
        request,
        expected,
        source: Arc::clone(source),
    })
}
