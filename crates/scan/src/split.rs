//! Streaming split of a JSON byte stream into record values, without parsing them.
//!
//! Accepts the trail file envelope `{"Records":[…]}`, a bare array of records, and any
//! sequence of top-level objects (JSON Lines, concatenated documents). The splitter only
//! tracks string and bracket boundaries (one `memchr` jump per structural byte), so the
//! bytes of a record are found at close to memory speed; the caller decides which
//! records are worth a real parse. State survives across buffer refills, so a record
//! that straddles two reads is not scanned twice, and a single-line file of any size
//! streams through a bounded buffer. A value larger than [`MAX_RECORD_BYTES`] is an
//! error (no real CloudTrail record comes close).

use std::ops::Range;

/// The largest single record accepted.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// What [`Splitter::step`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The bytes of one record (or of one array element of another shape).
    Record(Range<usize>),
    /// The buffer ends inside a value or before the next one: read more.
    NeedMore,
    /// The input ended cleanly.
    Done,
}

#[derive(Debug, Clone, Copy)]
enum Context {
    TopLevel,
    Element {
        envelope: bool,
    },
    /// The rest of an envelope object after its `Records` array.
    EnvelopeTail,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Top,
    Elements { envelope: bool },
    Value { context: Context, scan: ValueScan },
}

/// Resumable search for the end of one JSON value.
#[derive(Debug, Clone, Copy)]
struct ValueScan {
    start: usize,
    pos: usize,
    depth: u32,
    in_string: bool,
    /// `{`/`}` for objects, `[`/`]` for arrays; `None` for a string or scalar.
    brackets: Option<(u8, u8)>,
}

impl ValueScan {
    fn new(buf: &[u8], start: usize) -> ValueScan {
        let (brackets, in_string, pos) = match buf[start] {
            b'{' => (Some((b'{', b'}')), false, start),
            b'[' => (Some((b'[', b']')), false, start),
            b'"' => (None, true, start + 1),
            _ => (None, false, start),
        };
        ValueScan {
            start,
            pos,
            depth: 0,
            in_string,
            brackets,
        }
    }

    /// Inside an object already (depth 1), as after the envelope's `Records` array.
    fn inside_object(start: usize) -> ValueScan {
        ValueScan {
            start,
            pos: start,
            depth: 1,
            in_string: false,
            brackets: Some((b'{', b'}')),
        }
    }

    /// The end (exclusive) of the value, or `None` when the buffer ends first.
    fn run(&mut self, buf: &[u8]) -> Option<usize> {
        loop {
            if self.in_string {
                let Some(found) = find_string_end(&buf[self.pos..]) else {
                    self.pos = buf.len();
                    return None;
                };
                let at = self.pos + found;
                if buf[at] == b'\\' {
                    if at + 1 >= buf.len() {
                        self.pos = at;
                        return None;
                    }
                    self.pos = at + 2;
                    continue;
                }
                self.in_string = false;
                self.pos = at + 1;
                if self.brackets.is_none() {
                    return Some(self.pos);
                }
                continue;
            }
            let Some((open, close)) = self.brackets else {
                // A scalar ends at the first delimiter.
                let rest = &buf[self.pos..];
                let found = rest
                    .iter()
                    .position(|b| matches!(b, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t'));
                return match found {
                    Some(i) => Some(self.pos + i),
                    None => {
                        self.pos = buf.len();
                        None
                    }
                };
            };
            let Some(found) = find_structural(&buf[self.pos..], open, close) else {
                self.pos = buf.len();
                return None;
            };
            let at = self.pos + found;
            self.pos = at + 1;
            match buf[at] {
                b'"' => self.in_string = true,
                b if b == open => self.depth += 1,
                _ => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(self.pos);
                    }
                }
            }
        }
    }
}

/// How far the short inline searches look before handing over to `memchr`: CloudTrail
/// strings and the gaps between them are mostly shorter, and a plain loop over a few
/// bytes beats the setup of a vectorised search.
const INLINE: usize = 24;

/// The first `"` or `\\`.
#[inline(always)]
fn find_string_end(hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(INLINE);
    if let Some(i) = hay[..head].iter().position(|&b| b == b'"' || b == b'\\') {
        return Some(i);
    }
    memchr::memchr2(b'"', b'\\', &hay[head..]).map(|i| i + head)
}

/// The first `"`, `open` or `close`.
#[inline(always)]
fn find_structural(hay: &[u8], open: u8, close: u8) -> Option<usize> {
    let head = hay.len().min(INLINE);
    if let Some(i) = hay[..head]
        .iter()
        .position(|&b| b == b'"' || b == open || b == close)
    {
        return Some(i);
    }
    memchr::memchr3(b'"', open, close, &hay[head..]).map(|i| i + head)
}

/// Splits a stream held in a growing buffer; see the module docs.
#[derive(Debug)]
pub struct Splitter {
    state: State,
    pos: usize,
    /// Bytes dropped from the front of the buffer so far (for error offsets).
    consumed: u64,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            state: State::Top,
            pos: 0,
            consumed: 0,
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// After a `{` at `at`: `Some(Some(i))` when the object is an envelope whose first key is
/// `Records` holding an array (`i` just after its `[`), `Some(None)` when undecidable yet,
/// `None` when it is not an envelope.
fn envelope_array(buf: &[u8], at: usize, eof: bool) -> Option<Option<usize>> {
    let mut i = at + 1;
    let mut expect: &[&[u8]] = &[b"\"Records\"", b":", b"["];
    while let Some((token, rest)) = expect.split_first() {
        while i < buf.len() && is_space(buf[i]) {
            i += 1;
        }
        let available = &buf[i..];
        let n = token.len().min(available.len());
        if available[..n] != token[..n] {
            return None;
        }
        if n < token.len() {
            return if eof { None } else { Some(None) };
        }
        i += n;
        expect = rest;
    }
    Some(Some(i))
}

impl Splitter {
    /// Finds the next record in `buf` (which only ever grows at the end between calls,
    /// except through [`Splitter::shift`]); `eof` says no more bytes will come.
    pub fn step(&mut self, buf: &[u8], eof: bool) -> Result<Step, String> {
        loop {
            match self.state {
                State::Top => {
                    while self.pos < buf.len() && is_space(buf[self.pos]) {
                        self.pos += 1;
                    }
                    if self.pos >= buf.len() {
                        return Ok(if eof { Step::Done } else { Step::NeedMore });
                    }
                    match buf[self.pos] {
                        b'[' => {
                            self.pos += 1;
                            self.state = State::Elements { envelope: false };
                        }
                        b'{' => match envelope_array(buf, self.pos, eof) {
                            Some(Some(after)) => {
                                self.pos = after;
                                self.state = State::Elements { envelope: true };
                            }
                            Some(None) => return Ok(Step::NeedMore),
                            None => {
                                self.state = State::Value {
                                    context: Context::TopLevel,
                                    scan: ValueScan::new(buf, self.pos),
                                }
                            }
                        },
                        other => {
                            return Err(format!(
                                "not CloudTrail JSON: unexpected {} at byte {}",
                                describe(other),
                                self.consumed + self.pos as u64
                            ));
                        }
                    }
                }
                State::Elements { envelope } => {
                    while self.pos < buf.len() && (is_space(buf[self.pos]) || buf[self.pos] == b',')
                    {
                        self.pos += 1;
                    }
                    if self.pos >= buf.len() {
                        if eof {
                            return Err("truncated: the array of records is not closed".into());
                        }
                        return Ok(Step::NeedMore);
                    }
                    if buf[self.pos] == b']' {
                        self.pos += 1;
                        self.state = if envelope {
                            State::Value {
                                context: Context::EnvelopeTail,
                                scan: ValueScan::inside_object(self.pos),
                            }
                        } else {
                            State::Top
                        };
                    } else {
                        self.state = State::Value {
                            context: Context::Element { envelope },
                            scan: ValueScan::new(buf, self.pos),
                        };
                    }
                }
                State::Value { context, mut scan } => match scan.run(buf) {
                    Some(end) => {
                        self.pos = end;
                        let range = scan.start..end;
                        match context {
                            Context::TopLevel => {
                                self.state = State::Top;
                                return Ok(Step::Record(range));
                            }
                            Context::Element { envelope } => {
                                self.state = State::Elements { envelope };
                                return Ok(Step::Record(range));
                            }
                            Context::EnvelopeTail => self.state = State::Top,
                        }
                    }
                    None => {
                        self.state = State::Value { context, scan };
                        if eof {
                            return Err(
                                "truncated: the input ends inside a record (cut-off file?)".into(),
                            );
                        }
                        if scan.pos - scan.start > MAX_RECORD_BYTES {
                            return Err(format!(
                                "a single JSON value is larger than {} MiB; not a CloudTrail record",
                                MAX_RECORD_BYTES >> 20
                            ));
                        }
                        return Ok(Step::NeedMore);
                    }
                },
            }
        }
    }

    /// The earliest buffer position the splitter still needs: everything before it
    /// may be dropped (after the records found so far have been taken).
    pub fn keep_from(&self) -> usize {
        match self.state {
            State::Value { scan, .. } => scan.start,
            _ => self.pos,
        }
    }

    /// The caller dropped `n` bytes from the front of the buffer.
    pub fn shift(&mut self, n: usize) {
        self.pos -= n;
        self.consumed += n as u64;
        if let State::Value { scan, .. } = &mut self.state {
            scan.start -= n;
            scan.pos -= n;
        }
    }
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(input: &[u8], chunk: usize) -> Result<Vec<String>, String> {
        let mut splitter = Splitter::default();
        let mut buf = Vec::new();
        let mut fed = 0;
        let mut out = Vec::new();
        loop {
            let eof = fed >= input.len();
            match splitter.step(&buf, eof)? {
                Step::Record(r) => out.push(String::from_utf8_lossy(&buf[r]).into_owned()),
                Step::Done => return Ok(out),
                Step::NeedMore => {
                    let keep = splitter.keep_from();
                    buf.drain(..keep);
                    splitter.shift(keep);
                    let end = (fed + chunk).min(input.len());
                    buf.extend_from_slice(&input[fed..end]);
                    fed = end;
                }
            }
        }
    }

    #[test]
    fn every_shape_and_every_chunk_size_gives_the_same_records() {
        let envelope = br#"{"Records":[{"a":"x}\"{","b":[1,{"c":2}]},{"d":"\\"}]}"#;
        let array = b"[\n {\"a\": 1},\n {\"b\": \"]\"}\n]\n";
        let lines = b"{\"a\":1}\n{\"b\":\"}\"}\n\n{\"c\":{}}";
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(
                split_all(envelope, chunk).unwrap(),
                [r#"{"a":"x}\"{","b":[1,{"c":2}]}"#, r#"{"d":"\\"}"#]
            );
            assert_eq!(
                split_all(array, chunk).unwrap(),
                [r#"{"a": 1}"#, r#"{"b": "]"}"#]
            );
            assert_eq!(
                split_all(lines, chunk).unwrap(),
                [r#"{"a":1}"#, r#"{"b":"}"}"#, r#"{"c":{}}"#]
            );
        }
    }

    #[test]
    fn envelope_with_spaces_and_other_keys_after_the_array() {
        let input = b"{ \"Records\" : [ {\"a\":1} ], \"x\": {\"y\": [1]} }\n{\"b\":2}";
        assert_eq!(split_all(input, 4).unwrap(), [r#"{"a":1}"#, r#"{"b":2}"#]);
    }

    #[test]
    fn scalar_elements_are_passed_on_for_the_caller_to_reject() {
        assert_eq!(
            split_all(b"[1, \"s\", {}]", 2).unwrap(),
            ["1", "\"s\"", "{}"]
        );
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        assert!(
            split_all(b"hello", 3)
                .unwrap_err()
                .contains("unexpected `h`")
        );
        assert!(
            split_all(b"{\"Records\":[{\"a\":1}", 3)
                .unwrap_err()
                .contains("truncated")
        );
        assert!(
            split_all(b"[{\"a\":\"unterminated", 3)
                .unwrap_err()
                .contains("truncated")
        );
        assert_eq!(split_all(b"", 3).unwrap(), Vec::<String>::new());
        assert_eq!(split_all(b" \n ", 3).unwrap(), Vec::<String>::new());
    }
}
