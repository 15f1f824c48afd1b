//! JSON documents cleaned string by string, serialised straight from any `Serialize`.
//!
//! [`crate::Redacted::from_string`] on a serialised document scans every byte of it, the
//! field names and the knowledge-base prose included, on every document. A
//! [`JsonCleaner`] instead cleans each JSON string (object keys too) on its own, with
//! [`crate::clean`], while serde_json writes it: the string's unescaped text is held
//! back, cleaned, escaped again and written. Strings seen before in the same cleaner
//! (field names, policy names, knowledge-base text repeated in every document of a
//! batch) are looked up instead of scanned again.
//!
//! Deciding per string is the same decision as on the whole document for the documents
//! authdoctor builds: their object keys are field names of ours, so a secret is never
//! named by a key in front of it, and a secret-shaped run cannot cross the quotes that
//! end a JSON string. The decision is made on the unescaped value, so a JSON escape
//! cannot hide part of a secret either.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};

use crate::Redacted;

/// Strings longer than this are cleaned every time rather than remembered: they are
/// rarely repeated, and the memo stays small. Knowledge-base prose is shorter.
const MEMO_MAX_STRING: usize = 16 * 1024;
/// The memo is emptied when its strings reach this many bytes.
const MEMO_MAX_BYTES: usize = 8 * 1024 * 1024;

/// Serialises documents as JSON with every string cleaned; remembers which strings it
/// cleaned, so a batch of similar documents (`simulate --cases`) scans each distinct
/// string once. See the module docs.
#[derive(Default)]
pub struct JsonCleaner {
    /// Raw string → its cleaned text, escaped for JSON (without the quotes).
    memo: HashMap<Box<[u8]>, Box<[u8]>, BuildWordHasher>,
    memo_bytes: usize,
    /// Scratch space for the escaped text of a string not in the memo.
    escaped: Vec<u8>,
}

impl JsonCleaner {
    pub fn new() -> JsonCleaner {
        JsonCleaner::default()
    }

    /// One line of compact JSON (no trailing newline).
    pub fn line<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<Redacted> {
        self.serialise(value, CompactFormatter)
    }

    /// Pretty-printed JSON, two-space indent, as `serde_json::to_string_pretty`.
    pub fn pretty<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<Redacted> {
        self.serialise(value, PrettyFormatter::new())
    }

    fn serialise<T: Serialize + ?Sized, F: Formatter>(
        &mut self,
        value: &T,
        inner: F,
    ) -> serde_json::Result<Redacted> {
        let mut out = Vec::with_capacity(8192);
        let formatter = Cleaning {
            inner,
            cleaner: self,
            capturing: false,
            raw: Vec::new(),
        };
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        value.serialize(&mut serializer)?;
        // Every byte written is either serde_json's own structure or a cleaned `&str`.
        let text = String::from_utf8(out)
            .map_err(|e| serde_json::Error::io(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        Ok(Redacted::already_clean(text))
    }

    /// Writes `raw` (a string's UTF-8 text) cleaned and escaped (without the quotes).
    fn write_clean<W: ?Sized + Write>(&mut self, writer: &mut W, raw: &[u8]) -> io::Result<()> {
        if let Some(escaped) = self.memo.get(raw) {
            return writer.write_all(escaped);
        }
        let raw =
            std::str::from_utf8(raw).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut escaped = std::mem::take(&mut self.escaped);
        escaped.clear();
        escape_into(&mut escaped, &crate::clean(raw));
        let written = writer.write_all(&escaped);
        if raw.len() <= MEMO_MAX_STRING {
            if self.memo_bytes > MEMO_MAX_BYTES {
                self.memo.clear();
                self.memo_bytes = 0;
            }
            self.memo_bytes += raw.len() + escaped.len();
            self.memo
                .insert(raw.as_bytes().into(), escaped.as_slice().into());
        }
        self.escaped = escaped;
        written
    }
}

/// A fast hash for the memo (its keys are our own output, not chosen by an attacker to
/// collide: a slow hash would cost more than the cleaning it saves). Eight bytes at a
/// time, multiply and rotate, as rustc's FxHasher.
#[derive(Default, Clone, Copy)]
struct BuildWordHasher;

impl std::hash::BuildHasher for BuildWordHasher {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(0)
    }
}

struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
    }
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Which bytes JSON needs escaped: `"`, `\` and the control characters.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Appends `s` escaped exactly as serde_json escapes it: `"`, `\`, and control
/// characters (`\n`, `\t`, … or `\u00XX`, lower-case hex).
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..]
        .iter()
        .position(|&b| NEEDS_ESCAPE[b as usize])
    {
        let i = start + offset;
        out.extend_from_slice(&bytes[start..i]);
        let b = bytes[i];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 0xf) as usize],
                ]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The formatter: everything but strings goes to `inner`; a string's text is collected
/// in `raw` between `begin_string` and `end_string`, then cleaned and written.
struct Cleaning<'c, F> {
    inner: F,
    cleaner: &'c mut JsonCleaner,
    capturing: bool,
    raw: Vec<u8>,
}

/// Numbers written inside a string (integer map keys) go to the captured text.
macro_rules! number {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<W: ?Sized + Write>(&mut self, writer: &mut W, value: $ty) -> io::Result<()> {
                if self.capturing {
                    self.inner.$method(&mut self.raw, value)
                } else {
                    self.inner.$method(writer, value)
                }
            }
        )*
    };
}

impl<F: Formatter> Formatter for Cleaning<'_, F> {
    number!(
        write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128,
        write_f32: f32, write_f64: f64,
    );

    fn write_bool<W: ?Sized + Write>(&mut self, writer: &mut W, value: bool) -> io::Result<()> {
        if self.capturing {
            self.inner.write_bool(&mut self.raw, value)
        } else {
            self.inner.write_bool(writer, value)
        }
    }

    fn write_number_str<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        if self.capturing {
            self.raw.extend_from_slice(value.as_bytes());
            Ok(())
        } else {
            self.inner.write_number_str(writer, value)
        }
    }

    fn begin_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.capturing = true;
        self.raw.clear();
        self.inner.begin_string(writer)
    }

    fn end_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.capturing = false;
        self.cleaner.write_clean(writer, &self.raw)?;
        self.inner.end_string(writer)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        _writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.raw.extend_from_slice(fragment.as_bytes());
        Ok(())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        _writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let byte = match escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => 0x08,
            CharEscape::FormFeed => 0x0c,
            CharEscape::LineFeed => b'\n',
            CharEscape::CarriageReturn => b'\r',
            CharEscape::Tab => b'\t',
            CharEscape::AsciiControl(b) => b,
        };
        self.raw.push(byte);
        Ok(())
    }

    fn write_null<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.write_null(writer)
    }
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_array(writer)
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_object(writer)
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_object_key(writer, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_object_key(writer)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_object_value(writer)
    }
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Raw JSON is not ours to trust: its strings are not seen one by one here.
        let cleaned = crate::clean(fragment);
        self.inner.write_raw_fragment(writer, &cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn same_text_as_serde_json_when_nothing_is_secret() {
        let doc = json!({
            "name": "case \"one\"\n\ttabbed \\ back/slash",
            "list": [1, 2.5, -3, true, null, "x"],
            "nested": {"a": {"b": "é ✓ 日本"}},
            "controls": "bell\u{7}",
        });
        let mut cleaner = JsonCleaner::new();
        let line = cleaner.line(&doc).unwrap();
        // The bell is neutralised to a visible stand-in, as `clean` does.
        let expected = serde_json::to_string(&doc)
            .unwrap()
            .replace("\\u0007", "\u{fffd}");
        assert_eq!(line.as_str(), expected);
        let pretty = cleaner.pretty(&doc).unwrap();
        let expected = serde_json::to_string_pretty(&doc)
            .unwrap()
            .replace("\\u0007", "\u{fffd}");
        assert_eq!(pretty.as_str(), expected);
    }

    #[test]
    fn every_string_is_cleaned_keys_too_and_memo_gives_the_same_answer() {
        let doc = json!({
            "values": [SECRET, format!("aws_secret_access_key={SECRET}")],
            SECRET: "as a key",
            "escaped": "\u{1b}[2Jclear",
        });
        let mut cleaner = JsonCleaner::new();
        for _ in 0..2 {
            let line = cleaner.line(&doc).unwrap();
            assert!(!line.contains("bPxRfiCY"), "{line}");
            assert!(
                !line.contains('\u{1b}') && !line.contains("\\u001b"),
                "{line}"
            );
            let back: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert!(back["values"][0].as_str().unwrap().contains("[redacted"));
        }
    }

    #[test]
    fn integer_map_keys_are_captured_inside_their_string() {
        let doc: std::collections::BTreeMap<u32, &str> = [(7, "seven")].into();
        let line = JsonCleaner::new().line(&doc).unwrap();
        assert_eq!(line.as_str(), r#"{"7":"seven"}"#);
    }
}
