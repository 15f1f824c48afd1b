//! A small JSON reader that keeps byte spans for every value and object key.
//!
//! The tree lives in an arena ([`bumpalo::Bump`]) the caller owns: arrays, objects and
//! decoded strings are carved out of it, strings and numbers without escapes borrow
//! from the text, and the whole tree is freed at once by dropping or resetting the
//! arena. `simulate --cases` reads thousands of documents; with one allocation per JSON
//! node, allocating and freeing the tree cost more than reading it.
//!
//! serde_json reports where invalid JSON breaks, but once a document parsed it forgets
//! where each value came from; policy errors ("`Effect` must be `Allow` or `Deny`"), the
//! trace and the rustc-style underlines all need the position of a key or value in the
//! user's own text. This reader is bounded by construction: input longer than the
//! caller's size limit is refused before reading, and nesting deeper than
//! [`MAX_DEPTH`] is an error rather than a stack overflow.

use std::ops::Range;

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;

use crate::error::{ErrorKind, PolicyError};

/// Deepest nesting accepted. A policy needs 7 levels (document, `Statement` array,
/// statement, `Condition`, operator, key, value list) and a case file adds 3.
pub const MAX_DEPTH: usize = 32;

/// A byte range into the source text.
pub type Span = Range<usize>;

/// A JSON value with the span of its text. Strings and numbers borrow from the text
/// unless an escape had to be decoded (then from the arena), arrays and objects from
/// the arena: reading a document allocates nothing of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<'a> {
    pub kind: Kind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    Null,
    Bool(bool),
    /// The number's text as written (`1.0` stays `1.0`).
    Number(&'a str),
    String(&'a str),
    Array(&'a [Value<'a>]),
    /// Members in document order; duplicate keys are rejected while reading.
    Object(&'a [Member<'a>]),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    pub key: &'a str,
    pub key_span: Span,
    pub value: Value<'a>,
}

impl<'a> Value<'a> {
    /// The name of this value's JSON type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&'a [Member<'a>]> {
        match self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Member<'a>> {
        self.as_object()?.iter().find(|m| m.key == key)
    }
}

/// Runs `f` with this thread's arena, emptied first (a fresh one when the thread's is in
/// use). An arena that grew past [`KEPT_ARENA_BYTES`] for a large document is dropped
/// afterwards rather than kept.
pub fn with_arena<R>(f: impl FnOnce(&Bump) -> R) -> R {
    thread_local! {
        static ARENA: std::cell::RefCell<Bump> = std::cell::RefCell::new(Bump::new());
    }
    ARENA.with(|cell| match cell.try_borrow_mut() {
        Ok(mut arena) => {
            arena.reset();
            let result = f(&arena);
            if arena.allocated_bytes() > KEPT_ARENA_BYTES {
                *arena = Bump::new();
            }
            result
        }
        Err(_) => f(&Bump::new()),
    })
}

/// The most a thread's arena keeps between documents.
const KEPT_ARENA_BYTES: usize = 4 * 1024 * 1024;

/// Parses `text` as one JSON document, its tree in `arena`.
pub fn parse<'a>(text: &'a str, arena: &'a Bump) -> Result<Value<'a>, PolicyError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        arena,
        // In the arena too: room for the open arrays' and objects' elements of a
        // typical case, without a heap allocation per document.
        items: BumpVec::with_capacity_in(64, arena),
        members: BumpVec::with_capacity_in(64, arena),
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.err(p.pos, "trailing characters after the JSON document".into()));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    arena: &'a Bump,
    /// The elements of the arrays being read, innermost last: an array's elements are
    /// gathered here, then copied into the arena as one slice when it closes.
    items: BumpVec<'a, Value<'a>>,
    /// The same for the members of the objects being read.
    members: BumpVec<'a, Member<'a>>,
}

impl<'a> Parser<'a> {
    fn err(&self, at: usize, message: String) -> PolicyError {
        PolicyError::at(ErrorKind::Json, message, self.text, at)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, PolicyError> {
        if depth >= MAX_DEPTH {
            return Err(PolicyError::at(
                ErrorKind::Limit,
                format!("JSON nested deeper than {MAX_DEPTH} levels"),
                self.text,
                self.pos,
            ));
        }
        let start = self.pos;
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.err(self.pos, "unexpected end of input, expected a value".into()));
        };
        let kind = match b {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => Kind::String(self.string()?),
            b't' => self.literal("true", Kind::Bool(true))?,
            b'f' => self.literal("false", Kind::Bool(false))?,
            b'n' => self.literal("null", Kind::Null)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => {
                return Err(self.err(
                    start,
                    format!("expected a JSON value, found `{}`", self.char_at(start)),
                ));
            }
        };
        Ok(Value {
            kind,
            span: start..self.pos,
        })
    }

    fn char_at(&self, at: usize) -> String {
        self.text
            .get(at..)
            .and_then(|s| s.chars().next())
            .map(|c| c.escape_default().to_string())
            .unwrap_or_default()
    }

    fn literal(&mut self, word: &str, kind: Kind<'a>) -> Result<Kind<'a>, PolicyError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.err(
                self.pos,
                "expected a JSON value (`true`, `false` or `null`)".into(),
            ))
        }
    }

    fn number(&mut self) -> Result<Kind<'a>, PolicyError> {
        let start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos - s
        };
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.err(self.pos, "invalid number".into())),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.err(self.pos, "invalid number: digits expected after `.`".into()));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err(
                    self.pos,
                    "invalid number: digits expected in exponent".into(),
                ));
            }
        }
        Ok(Kind::Number(&self.text[start..self.pos]))
    }

    /// A string: borrowed from the text when it holds no escape, the common case.
    fn string(&mut self) -> Result<&'a str, PolicyError> {
        let first = self.pos + 1;
        let rest = self.bytes.get(first..).unwrap_or_default();
        let end = first + authdoctor_redact::first_json_escape(rest).unwrap_or(rest.len());
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return Ok(&self.text[first..end]);
        }
        let decoded = self.escaped_string()?;
        Ok(self.arena.alloc_str(&decoded))
    }

    fn escaped_string(&mut self) -> Result<String, PolicyError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                None => return Err(self.err(open, "unterminated string".into())),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return Err(self.err(open, "unterminated string".into()));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4(esc)?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes[self.pos..].starts_with(b"\\u") {
                                    self.pos += 2;
                                    let lo = self.hex4(esc)?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err(self.err(
                                            esc,
                                            "invalid surrogate pair in `\\u` escape".into(),
                                        ));
                                    }
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    return Err(self
                                        .err(esc, "invalid `\\u` escape (lone surrogate)".into()));
                                }
                            }
                        }
                        _ => return Err(self.err(esc, "invalid escape in string".into())),
                    }
                }
                Some(_) => {
                    return Err(self.err(
                        self.pos,
                        "control character inside a string (escape it, e.g. `\\n`)".into(),
                    ));
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, PolicyError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        match digits {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.err(esc, "invalid `\\u` escape: four hex digits expected".into())),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Kind<'a>, PolicyError> {
        let open = self.pos;
        self.pos += 1;
        let first = self.items.len();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Kind::Array(&[]));
        }
        loop {
            self.skip_ws();
            let item = self.value(depth + 1)?;
            self.items.push(item);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    let items = self.arena.alloc_slice_clone(&self.items[first..]);
                    self.items.truncate(first);
                    return Ok(Kind::Array(items));
                }
                None => return Err(self.err(open, "unclosed `[`".into())),
                Some(_) => {
                    return Err(self.err(self.pos, "expected `,` or `]` in array".into()));
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Kind<'a>, PolicyError> {
        let open = self.pos;
        self.pos += 1;
        let first = self.members.len();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Kind::Object(&[]));
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            match self.bytes.get(self.pos) {
                Some(b'"') => {}
                None => return Err(self.err(open, "unclosed `{`".into())),
                Some(_) => {
                    return Err(self.err(self.pos, "expected a quoted key in object".into()));
                }
            }
            let key = self.string()?;
            let key_span = key_start..self.pos;
            if self.members[first..].iter().any(|m| m.key == key) {
                return Err(PolicyError::at(
                    ErrorKind::Json,
                    format!("duplicate key `{key}`"),
                    self.text,
                    key_start,
                ));
            }
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.err(self.pos, "expected `:` after object key".into()));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            self.members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    let members = self.arena.alloc_slice_clone(&self.members[first..]);
                    self.members.truncate(first);
                    return Ok(Kind::Object(members));
                }
                None => return Err(self.err(open, "unclosed `{`".into())),
                Some(_) => {
                    return Err(self.err(self.pos, "expected `,` or `}` in object".into()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text = r#"{"a": [1, "x\u00e9"], "b": null}"#;
        let arena = Bump::new();
        let v = parse(text, &arena).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(&text[a.key_span.clone()], "\"a\"");
        assert_eq!(&text[a.value.span.clone()], "[1, \"x\\u00e9\"]");
        match &a.value.kind {
            Kind::Array(items) => assert_eq!(items[1].as_str(), Some("xé")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_have_positions() {
        let arena = Bump::new();
        let parse = |text| parse(text, &arena);
        let e = parse("{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 8));
        let e = parse("{\"a\":1,\"a\":2}").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        let e = parse("[1,]").unwrap_err();
        assert_eq!(e.column, 4);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let e = parse(&text, &Bump::new()).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }
}
