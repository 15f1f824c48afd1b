//! Condition operators: parsing their names, compiling policy values once, and
//! evaluating a condition against the request context.
//!
//! The rules follow AWS's condition-operator and multivalued-key documentation:
//! AND across operators and keys, OR across one key's values for positive operators,
//! NOR for negated ones; a missing key makes positive operators false, negated ones and
//! `…IfExists` true; `ForAllValues:` is true on a missing or empty set, `ForAnyValue:`
//! false.

use std::net::IpAddr;

use crate::pattern::{ArnPattern, Glob, tokenize};
use crate::request::Context;
use crate::vars::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

use BaseOp::*;

/// Every operator, for generators and documentation.
pub const ALL_BASE_OPS: &[BaseOp] = &[
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
];

impl BaseOp {
    pub fn name(self) -> &'static str {
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    /// Negated operators are true when none of the policy values match.
    pub fn negated(self) -> bool {
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether policy variables are substituted in this operator's values.
    pub fn takes_variables(self) -> bool {
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | Bool
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    None,
    ForAllValues,
    ForAnyValue,
}

/// A full operator: optional set prefix, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub set: SetOp,
    pub base: BaseOp,
    pub if_exists: bool,
}

impl Operator {
    /// Parses `ForAnyValue:StringLikeIfExists` and friends. Operator names are
    /// case-sensitive in AWS; so are they here.
    pub fn parse(text: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
            (SetOp::ForAllValues, r)
        } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (SetOp::ForAnyValue, r)
        } else {
            (SetOp::None, text)
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(n) => (n, true),
            None => (rest, false),
        };
        let base = *ALL_BASE_OPS.iter().find(|op| op.name() == name)?;
        if base == Null && if_exists {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }

    pub fn name(&self) -> String {
        let prefix = match self.set {
            SetOp::None => "",
            SetOp::ForAllValues => "ForAllValues:",
            SetOp::ForAnyValue => "ForAnyValue:",
        };
        let suffix = if self.if_exists { "IfExists" } else { "" };
        format!("{prefix}{}{suffix}", self.base.name())
    }
}

/// An IP range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: u128,
    prefix: u8,
    v6: bool,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let (addr, max, v6) = match ip {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32, false),
            IpAddr::V6(v6) => (u128::from(v6), 128, true),
        };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Cidr { addr, prefix, v6 })
    }

    fn contains(&self, other: &Cidr) -> bool {
        if self.v6 != other.v6 {
            return false;
        }
        let width = if self.v6 { 128 } else { 32 };
        if self.prefix == 0 {
            return true;
        }
        let shift = width - u32::from(self.prefix);
        (self.addr >> shift) == (other.addr >> shift)
    }
}

/// A policy value compiled for its operator.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    Str(String),
    Lower(String),
    Glob(Glob),
    Num(Option<f64>),
    Date(Option<f64>),
    Bool(Option<bool>),
    Ip(Option<Cidr>),
    Arn(ArnPattern),
    Null(bool),
}

#[derive(Debug, Clone)]
pub(crate) struct PolicyValue {
    template: Option<Template>,
    compiled: Compiled,
}

pub(crate) fn compile_values(base: BaseOp, texts: &[String], variables: bool) -> Vec<PolicyValue> {
    texts
        .iter()
        .map(|t| {
            let template = Template::parse(t).filter(|_| variables && base.takes_variables());
            PolicyValue {
                compiled: compile_one(base, &[(t.as_str(), false)]),
                template,
            }
        })
        .collect()
}

fn compile_one(base: BaseOp, pieces: &[(&str, bool)]) -> Compiled {
    let text = || pieces.iter().map(|(s, _)| *s).collect::<String>();
    match base {
        StringEquals | StringNotEquals | BinaryEquals => Compiled::Str(text()),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            Compiled::Lower(text().to_lowercase())
        }
        StringLike | StringNotLike => Compiled::Glob(Glob::from_tokens(tokenize(pieces))),
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => Compiled::Num(parse_number(&text())),
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => Compiled::Date(parse_date(&text())),
        Bool => Compiled::Bool(parse_bool(&text())),
        IpAddress | NotIpAddress => Compiled::Ip(Cidr::parse(&text())),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            Compiled::Arn(ArnPattern::from_tokens(tokenize(pieces)))
        }
        Null => Compiled::Null(text().eq_ignore_ascii_case("true")),
    }
}

/// Why a policy value cannot be read by its operator family, or `None` when it can.
///
/// AWS documents neither how such a value is evaluated nor that it is refused; an engine
/// that treated it as "no match" would quietly turn a `Deny` into nothing (a
/// `NumericLessThan 1e400` Deny would never fire), so the parser makes it an error. Values
/// with policy variables are only known at evaluation time and are not judged here.
pub(crate) fn unreadable_policy_value(base: BaseOp, text: &str, variables: bool) -> Option<String> {
    if variables && base.takes_variables() && Template::parse(text).is_some() {
        return None;
    }
    let family = match base {
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            if parse_number(text).is_some() {
                return None;
            }
            let looks_numeric = text.trim().parse::<f64>().is_ok_and(f64::is_infinite)
                && text.trim().bytes().any(|b| b.is_ascii_digit());
            return Some(if looks_numeric {
                "is out of the range of numbers that can be compared".to_owned()
            } else {
                "is not a number (e.g. \"2\", \"1.5\")".to_owned()
            });
        }
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => (
            parse_date(text).is_none(),
            "is not a date (e.g. \"2026-11-23T10:00:00Z\" or epoch seconds)",
        ),
        Bool => (parse_bool(text).is_none(), "is not \"true\" or \"false\""),
        IpAddress | NotIpAddress => (
            Cidr::parse(text).is_none(),
            "is not an IP address or CIDR range (e.g. \"203.0.113.0/24\")",
        ),
        _ => (false, ""),
    };
    match family {
        (true, problem) => Some(problem.to_owned()),
        (false, _) => None,
    }
}

/// A decimal number; `"1"` equals `"1.0"`. Words such as `inf` are not numbers here.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A date: W3C/ISO 8601 (`2026-11-23`, `2026-11-23T10:00:00Z`, with offset or not)
/// or epoch seconds. Returns epoch seconds.
pub fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    // Epoch seconds.
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return s.parse::<f64>().ok().filter(|f| f.is_finite());
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond() as f64 / 1000.0);
    }
    let utc = jiff::tz::TimeZone::UTC;
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(utc)
            .ok()
            .map(|z| z.timestamp().as_millisecond() as f64 / 1000.0);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(utc)
            .ok()
            .map(|z| z.timestamp().as_millisecond() as f64 / 1000.0);
    }
    None
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn is_arn(s: &str) -> bool {
    s.starts_with("arn:") && s.splitn(6, ':').count() == 6
}

/// Whether request value `v` satisfies the *positive* form of `base` for policy value `c`.
fn positive(base: BaseOp, c: &Compiled, v: &str) -> bool {
    match c {
        Compiled::Str(s) => v == s,
        Compiled::Lower(s) => {
            if v.is_ascii() {
                v.eq_ignore_ascii_case(s)
            } else {
                v.to_lowercase() == *s
            }
        }
        Compiled::Glob(g) => g.matches(v),
        Compiled::Num(Some(p)) => parse_number(v).is_some_and(|x| compare(base, x, *p)),
        Compiled::Date(Some(p)) => parse_date(v).is_some_and(|x| compare(base, x, *p)),
        Compiled::Bool(Some(b)) => parse_bool(v) == Some(*b),
        Compiled::Ip(Some(c)) => Cidr::parse(v).is_some_and(|ip| c.contains(&ip)),
        Compiled::Arn(p) => is_arn(v) && p.matches(v),
        Compiled::Num(None) | Compiled::Date(None) | Compiled::Bool(None) | Compiled::Ip(None) => {
            false
        }
        Compiled::Null(_) => false,
    }
}

fn compare(base: BaseOp, x: f64, p: f64) -> bool {
    match base {
        NumericLessThan | DateLessThan => x < p,
        NumericLessThanEquals | DateLessThanEquals => x <= p,
        NumericGreaterThan | DateGreaterThan => x > p,
        NumericGreaterThanEquals | DateGreaterThanEquals => x >= p,
        // Equals and NotEquals (whose positive form is Equals).
        _ => x == p,
    }
}

/// One parsed condition: an operator applied to one key with its policy values.
#[derive(Debug, Clone)]
pub struct Condition {
    pub operator: Operator,
    /// The operator as written.
    pub operator_text: String,
    /// The key as written.
    pub key: String,
    pub key_lc: String,
    pub values: Vec<String>,
    pub(crate) compiled: Vec<PolicyValue>,
    /// From the key's opening quote to the end of its value(s).
    pub span: crate::json::Span,
    pub operator_span: crate::json::Span,
}

/// Why a condition came out as it did (cheap to produce; words only in the trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The key is not in the request.
    KeyMissing,
    /// A single-valued operator was given a list of values.
    ListForSingleOp,
    /// The request values were compared with the policy values.
    Compared,
    /// `Null` checked presence.
    Presence,
    /// A policy variable in the values has no value in the request.
    Unresolved,
}

impl Condition {
    /// Fast evaluation.
    pub fn matches(&self, ctx: &Context) -> bool {
        self.evaluate(ctx).0
    }

    fn any_policy_value(&self, v: &str, ctx: &Context) -> bool {
        let base = self.operator.base;
        self.compiled.iter().any(|pv| match &pv.template {
            None => positive(base, &pv.compiled, v),
            Some(t) => match t.resolve(ctx) {
                Some(pieces) => positive(base, &compile_one(base, &pieces), v),
                // An unresolvable variable makes this value fail to match.
                None => false,
            },
        })
    }

    /// Whether one request value passes (positive: matches a policy value;
    /// negated: matches none).
    fn value_ok(&self, v: &str, ctx: &Context) -> bool {
        let any = self.any_policy_value(v, ctx);
        if self.operator.base.negated() {
            !any
        } else {
            any
        }
    }

    pub fn evaluate(&self, ctx: &Context) -> (bool, Why) {
        let op = self.operator;
        let entry = ctx.get(&self.key_lc);
        // An empty list counts as no value at all.
        let values = entry.map(|e| e.values.as_slice()).filter(|v| !v.is_empty());
        if op.base == Null {
            let present = values.is_some();
            let r = self.compiled.iter().any(|pv| match pv.compiled {
                Compiled::Null(want_absent) => want_absent != present,
                _ => false,
            });
            return (r, Why::Presence);
        }
        // AWS: a variable whose key is absent (and has no default) makes the
        // condition false. The missing-key rules come first: a negated or IfExists
        // operator on a key the request lacks is true whatever its values say.
        if values.is_some()
            && self.compiled.iter().any(|pv| {
                pv.template
                    .as_ref()
                    .is_some_and(|t| t.resolve(ctx).is_none())
            })
        {
            return (false, Why::Unresolved);
        }
        match op.set {
            SetOp::None => match values {
                None => (op.if_exists || op.base.negated(), Why::KeyMissing),
                // A multivalued key needs a set operator; without one the condition
                // is false, negated or not (AWS: "multivalued context keys require a
                // set operator"; the peer engine does the same).
                Some(_) if entry.is_some_and(|e| e.multi) => (false, Why::ListForSingleOp),
                Some(vs) => (self.value_ok(&vs[0], ctx), Why::Compared),
            },
            SetOp::ForAllValues => match values {
                None => (true, Why::KeyMissing),
                Some(vs) => (vs.iter().all(|v| self.value_ok(v, ctx)), Why::Compared),
            },
            // ForAnyValue is false on a missing or empty set, IfExists or not: AWS
            // answers "no identity-based policy allows" for
            // `ForAnyValue:StringEqualsIfExists` on a request without the key.
            SetOp::ForAnyValue => match values {
                None => (false, Why::KeyMissing),
                Some(vs) => (vs.iter().any(|v| self.value_ok(v, ctx)), Why::Compared),
            },
        }
    }

    /// The policy values after variable substitution, for the trace.
    pub fn resolved_values(&self, ctx: &Context) -> Vec<String> {
        self.values
            .iter()
            .zip(&self.compiled)
            .map(|(raw, pv)| match &pv.template {
                Some(t) => t
                    .resolve_text(ctx)
                    .unwrap_or_else(|| format!("{raw} (unresolved)")),
                None => raw.clone(),
            })
            .collect()
    }

    /// Request values that fail this condition (for advice).
    pub fn failing_request_values(&self, ctx: &Context) -> Vec<String> {
        match ctx.get(&self.key_lc) {
            Some(e) => e
                .values
                .iter()
                .filter(|v| !self.value_ok(v, ctx))
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    /// A sentence saying why the condition matched or not.
    pub fn reason(&self, ctx: &Context, matched: bool, why: Why) -> String {
        let op = &self.operator_text;
        let key = &self.key;
        match why {
            Why::Presence => {
                if ctx.get(&self.key_lc).is_some_and(|e| !e.values.is_empty()) {
                    format!("`{key}` is present in the request")
                } else {
                    format!("`{key}` is absent from the request")
                }
            }
            Why::KeyMissing => match self.operator.set {
                SetOp::ForAllValues => format!(
                    "`{key}` is not in the request, and ForAllValues is true for a missing or empty set"
                ),
                SetOp::ForAnyValue => {
                    format!(
                        "`{key}` is not in the request, and ForAnyValue is false for a missing key (IfExists does not change that)"
                    )
                }
                SetOp::None if self.operator.if_exists => {
                    format!("`{key}` is not in the request, and IfExists makes the condition true")
                }
                SetOp::None if self.operator.base.negated() => format!(
                    "`{key}` is not in the request; a negated operator ({op}) is true for a missing key"
                ),
                SetOp::None => {
                    format!("`{key}` is not in the request; {op} is false for a missing key")
                }
            },
            Why::Unresolved => format!(
                "a policy variable in the values of `{key}` has no value in the request (and no default), so the condition is false"
            ),
            Why::ListForSingleOp => format!(
                "`{key}` is multivalued; {op} without ForAllValues:/ForAnyValue: never matches a multivalued key"
            ),
            Why::Compared => self.compared_reason(ctx, matched, &self.resolved_values(ctx)),
        }
    }

    /// [`Condition::reason`] for [`Why::Compared`], given the policy values resolved in
    /// `ctx` ([`Condition::resolved_values`]): written into one string.
    pub(crate) fn compared_reason(
        &self,
        ctx: &Context,
        matched: bool,
        policy: &[String],
    ) -> String {
        fn quote<'a>(out: &mut String, values: impl Iterator<Item = &'a String>) {
            for (i, v) in values.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                out.push_str(v);
                out.push('"');
            }
        }
        let (op, key) = (&self.operator_text, &self.key);
        let request = ctx.get(&self.key_lc).map(|e| &e.values);
        let mut out = String::with_capacity(64 + key.len() + op.len());
        if matched {
            out.push_str("request value ");
            quote(&mut out, request.into_iter().flatten());
            out.push_str(" of `");
            out.push_str(key);
            out.push_str("` satisfies ");
        } else if self.operator.set == SetOp::ForAnyValue {
            out.push_str("no request value of `");
            out.push_str(key);
            out.push_str("` (");
            quote(&mut out, request.into_iter().flatten());
            out.push_str(") satisfies ");
        } else {
            out.push_str("request value ");
            quote(
                &mut out,
                request
                    .into_iter()
                    .flatten()
                    .filter(|v| !self.value_ok(v, ctx)),
            );
            out.push_str(" of `");
            out.push_str(key);
            out.push_str("` does not satisfy ");
        }
        out.push_str(op);
        out.push_str(" [");
        quote(&mut out, policy.iter());
        out.push(']');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        let operator = Operator::parse(op).unwrap();
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        Condition {
            operator,
            operator_text: op.into(),
            key: key.into(),
            key_lc: key.to_ascii_lowercase(),
            compiled: compile_values(operator.base, &values, true),
            values,
            span: 0..0,
            operator_span: 0..0,
        }
    }

    fn ctx(pairs: &[(&str, &[&str], bool)]) -> Context {
        let mut c = Context::default();
        for (k, v, multi) in pairs {
            c.insert(k, v.iter().map(|s| s.to_string()).collect(), *multi);
        }
        c
    }

    #[test]
    fn operator_names() {
        assert!(Operator::parse("ForAnyValue:StringLikeIfExists").is_some());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("stringequals").is_none());
    }

    #[test]
    fn missing_keys() {
        let empty = Context::default();
        assert!(!cond("StringEquals", "k", &["a"]).matches(&empty));
        assert!(cond("StringNotEquals", "k", &["a"]).matches(&empty));
        assert!(cond("StringEqualsIfExists", "k", &["a"]).matches(&empty));
        assert!(cond("ForAllValues:StringEquals", "k", &["a"]).matches(&empty));
        assert!(!cond("ForAnyValue:StringEquals", "k", &["a"]).matches(&empty));
        assert!(cond("Null", "k", &["true"]).matches(&empty));
        assert!(!cond("Null", "k", &["false"]).matches(&empty));
        assert!(!cond("NumericLessThan", "ec2:RoleDelivery", &["2.0"]).matches(&empty));
    }

    #[test]
    fn families() {
        let c = ctx(&[
            ("ec2:RoleDelivery", &["1.0"], false),
            ("aws:SourceIp", &["10.1.2.3"], false),
            ("aws:CurrentTime", &["2026-11-23T10:00:00Z"], false),
            ("aws:SourceArn", &["arn:aws:s3:::bucket"], false),
            ("aws:SecureTransport", &["TRUE"], false),
            ("aws:TagKeys", &["env", "cost"], true),
            ("K", &["Abc"], false),
        ]);
        assert!(cond("NumericLessThan", "EC2:ROLEDELIVERY", &["2"]).matches(&c));
        assert!(cond("NumericEquals", "ec2:RoleDelivery", &["1"]).matches(&c));
        assert!(cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]).matches(&c));
        assert!(cond("NotIpAddress", "aws:SourceIp", &["192.168.0.0/16"]).matches(&c));
        assert!(cond("DateGreaterThan", "aws:CurrentTime", &["2026-01-01"]).matches(&c));
        assert!(cond("DateLessThan", "aws:CurrentTime", &["1893456000"]).matches(&c));
        assert!(cond("ArnLike", "aws:SourceArn", &["arn:aws:s3:::b*"]).matches(&c));
        assert!(!cond("ArnLike", "K", &["*"]).matches(&c));
        assert!(cond("Bool", "aws:SecureTransport", &["true"]).matches(&c));
        assert!(!cond("StringEquals", "K", &["abc"]).matches(&c));
        assert!(cond("StringEqualsIgnoreCase", "K", &["abc"]).matches(&c));
        assert!(
            cond(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["env", "cost", "x"]
            )
            .matches(&c)
        );
        assert!(!cond("ForAllValues:StringEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(!cond("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(!cond("StringEquals", "aws:TagKeys", &["env"]).matches(&c));
    }
}
