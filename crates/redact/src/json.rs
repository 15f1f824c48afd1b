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
    /// `&'static str`s (struct field names, enum variant names) → their cleaned text,
    /// escaped and quoted, by address and length: a `'static` string never changes nor
    /// goes away, so its address names its text, and the lookup needs neither hashing
    /// the text nor comparing it. Cleaned once, through the memo, like any other string.
    statics: Statics,
    /// Scratch space for a map key's text.
    key_text: String,
}

/// Slots of [`Statics`]' direct-mapped table (a power of two). A document type names
/// about a hundred and fifty field and variant names; two that land in the same slot
/// are still found, in `overflow`.
const STATIC_SLOTS: usize = 1024;

/// The cleaned, escaped and quoted text of `'static` strings by address and length:
/// a direct-mapped table (one slot per address, no probing: a field name costs a
/// multiply, a compare and a copy) with a map for the strings whose slot is taken.
#[derive(Default)]
struct Statics {
    /// (address, length, quoted text); address 0 marks an empty slot (a `&str`'s
    /// address is never null). Allocated on first use.
    slots: Vec<(usize, usize, Box<[u8]>)>,
    overflow: HashMap<(usize, usize), Box<[u8]>, std::hash::BuildHasherDefault<AddressHasher>>,
}

impl Statics {
    #[inline]
    fn slot(at: (usize, usize)) -> usize {
        let h = (at.0 as u64 ^ (at.1 as u64).rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 54) as usize & (STATIC_SLOTS - 1)
    }

    #[inline]
    fn get(&self, at: (usize, usize)) -> Option<&[u8]> {
        match self.slots.get(Statics::slot(at)) {
            Some((address, len, quoted)) if (*address, *len) == at => Some(quoted),
            Some((0, _, _)) | None => None,
            Some(_) => self.overflow.get(&at).map(|q| &q[..]),
        }
    }

    fn insert(&mut self, at: (usize, usize), quoted: Box<[u8]>) {
        if self.slots.is_empty() {
            self.slots
                .resize_with(STATIC_SLOTS, || (0, 0, Box::default()));
        }
        let slot = &mut self.slots[Statics::slot(at)];
        if slot.0 == 0 {
            *slot = (at.0, at.1, quoted);
        } else {
            self.overflow.insert(at, quoted);
        }
    }
}

/// The hash of a `'static` string's address and length (our own binary's strings, not
/// the user's: no need for a seed).
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

impl JsonCleaner {
    pub fn new() -> JsonCleaner {
        JsonCleaner::default()
    }

    /// One line of compact JSON (no trailing newline), as `serde_json::to_string`.
    pub fn line<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<Redacted> {
        let mut out = Vec::with_capacity(8192);
        self.line_into(&mut out, value)?;
        // Every byte written is JSON structure, a number or a cleaned `&str`.
        let text = String::from_utf8(out)
            .map_err(|e| serde_json::Error::io(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        Ok(Redacted::already_clean(text))
    }

    /// [`JsonCleaner::line`] appended to `out` (no trailing newline) instead of returned:
    /// the same bytes, every string cleaned, without a buffer of its own per line (the
    /// lines of `simulate --cases` go straight into their batch's output). On an error
    /// `out` is left as it was. What is appended is UTF-8: JSON structure, numbers and
    /// cleaned `&str`s.
    pub fn line_into<T: Serialize + ?Sized>(
        &mut self,
        out: &mut Vec<u8>,
        value: &T,
    ) -> serde_json::Result<()> {
        let start = out.len();
        let mut line = Line { out, cleaner: self };
        let result = value.serialize(&mut line);
        if result.is_err() {
            out.truncate(start);
        }
        debug_assert!(std::str::from_utf8(&out[start..]).is_ok());
        result
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

    /// Writes a `'static` string cleaned and escaped, in quotes, as
    /// [`JsonCleaner::write_clean`] does, looked up by its address.
    #[inline]
    fn write_static(&mut self, out: &mut Vec<u8>, text: &'static str) -> io::Result<()> {
        let at = (text.as_ptr() as usize, text.len());
        if let Some(quoted) = self.statics.get(at) {
            out.extend_from_slice(quoted);
            return Ok(());
        }
        let start = out.len();
        out.push(b'"');
        self.write_clean(out, text.as_bytes())?;
        out.push(b'"');
        self.statics.insert(at, out[start..].into());
        Ok(())
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

/// The memo's hash: eight bytes at a time, multiply and rotate (as rustc's FxHasher),
/// started from a random seed per cleaner and finished with a full avalanche, so the
/// bucket of a string depends on all of it and on the seed. The strings come from the
/// user's case file: a fixed, weak hash would let a crafted file pile thousands of
/// strings into one bucket and make each lookup slow; SipHash (the standard library's)
/// would cost more than the cleaning the memo saves.
#[derive(Clone, Copy)]
struct BuildWordHasher {
    seed: u64,
}

impl Default for BuildWordHasher {
    fn default() -> BuildWordHasher {
        use std::hash::BuildHasher;
        BuildWordHasher {
            seed: std::collections::hash_map::RandomState::new().hash_one(0x6a09_e667_u64),
        }
    }
}

impl std::hash::BuildHasher for BuildWordHasher {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(self.seed)
    }
}

struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
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
        // MurmurHash3's 64-bit finaliser: every output bit depends on every state bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
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

/// The first byte of `bytes` that JSON needs escaped: a `"`, a `\` or a control
/// character (below 0x20), which also ends an unescaped string when JSON is read. Most
/// strings hold none, and they are most of a document: eight bytes are tested at a time.
#[inline]
pub fn first_json_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut groups = bytes.chunks_exact(8);
    let mut at = 0;
    for group in &mut groups {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(group).unwrap_or_default());
        // A byte's high bit is set where it is zero (`"` and `\` after the xor) or
        // below 0x20; bits above the first such byte may be wrong, the first is not.
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    groups
        .remainder()
        .iter()
        .position(|&b| NEEDS_ESCAPE[usize::from(b)])
        .map(|i| at + i)
}

/// Appends `s` escaped exactly as serde_json escapes it: `"`, `\`, and control
/// characters (`\n`, `\t`, … or `\u00XX`, lower-case hex).
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(offset) = first_json_escape(&bytes[start..]) {
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

// ---------------------------------------------------------------------------------------
// Compact lines without serde_json's own string pass: a `Serializer` that hands each
// string straight to the memo (no copy, no escape scan for a string seen before) and
// writes everything else as serde_json's compact form does, numbers through serde_json's
// own formatter. `JsonCleaner::line` uses it; a test compares it with serde_json.

type LineResult = Result<(), serde_json::Error>;

struct Line<'c> {
    out: &'c mut Vec<u8>,
    cleaner: &'c mut JsonCleaner,
}

impl Line<'_> {
    fn string(&mut self, s: &str) -> LineResult {
        self.out.push(b'"');
        self.cleaner
            .write_clean(&mut *self.out, s.as_bytes())
            .map_err(serde_json::Error::io)?;
        self.out.push(b'"');
        Ok(())
    }

    /// A `'static` string (a field or variant name): cleaned like any other, found by
    /// its address (see `JsonCleaner::statics`).
    #[inline]
    fn static_string(&mut self, s: &'static str) -> LineResult {
        self.cleaner
            .write_static(self.out, s)
            .map_err(serde_json::Error::io)
    }

    fn number(&mut self, write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> LineResult {
        write(&mut *self.out).map_err(serde_json::Error::io)
    }
}

/// An array or object being written: whether an element was written yet.
struct Compound<'l, 'c> {
    line: &'l mut Line<'c>,
    first: bool,
    /// After the elements: `}` closing a `{"Variant": …}` wrapper too.
    close_variant: bool,
}

impl Compound<'_, '_> {
    #[inline]
    fn separator(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.line.out.push(b',');
        }
    }

    fn end(self, close: u8) -> LineResult {
        self.line.out.push(close);
        if self.close_variant {
            self.line.out.push(b'}');
        }
        Ok(())
    }
}

macro_rules! line_numbers {
    ($($method:ident: $ty:ty => $write:ident),* $(,)?) => {
        $(
            fn $method(self, value: $ty) -> LineResult {
                self.number(|out| CompactFormatter.$write(out, value))
            }
        )*
    };
}

impl<'l, 'c> serde::Serializer for &'l mut Line<'c> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'l, 'c>;
    type SerializeTuple = Compound<'l, 'c>;
    type SerializeTupleStruct = Compound<'l, 'c>;
    type SerializeTupleVariant = Compound<'l, 'c>;
    type SerializeMap = Compound<'l, 'c>;
    type SerializeStruct = Compound<'l, 'c>;
    type SerializeStructVariant = Compound<'l, 'c>;

    line_numbers!(
        serialize_i8: i8 => write_i8, serialize_i16: i16 => write_i16,
        serialize_i32: i32 => write_i32, serialize_i64: i64 => write_i64,
        serialize_i128: i128 => write_i128, serialize_u8: u8 => write_u8,
        serialize_u16: u16 => write_u16, serialize_u32: u32 => write_u32,
        serialize_u64: u64 => write_u64, serialize_u128: u128 => write_u128,
    );

    fn serialize_f32(self, value: f32) -> LineResult {
        if value.is_finite() {
            self.number(|out| CompactFormatter.write_f32(out, value))
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_f64(self, value: f64) -> LineResult {
        if value.is_finite() {
            self.number(|out| CompactFormatter.write_f64(out, value))
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_bool(self, value: bool) -> LineResult {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_char(self, value: char) -> LineResult {
        self.string(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, value: &str) -> LineResult {
        self.string(value)
    }

    fn serialize_bytes(self, value: &[u8]) -> LineResult {
        use serde::ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(value.len()))?;
        for byte in value {
            seq.serialize_element(byte)?;
        }
        SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> LineResult {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> LineResult {
        value.serialize(self)
    }

    fn serialize_unit(self) -> LineResult {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> LineResult {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> LineResult {
        self.static_string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> LineResult {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> LineResult {
        self.out.push(b'{');
        self.static_string(variant)?;
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.out.push(b'[');
        Ok(Compound {
            line: self,
            first: true,
            close_variant: false,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.out.push(b'{');
        self.static_string(variant)?;
        self.out.extend_from_slice(b":[");
        Ok(Compound {
            line: self,
            first: true,
            close_variant: true,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.out.push(b'{');
        Ok(Compound {
            line: self,
            first: true,
            close_variant: false,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'l, 'c>, serde_json::Error> {
        self.out.push(b'{');
        self.static_string(variant)?;
        self.out.extend_from_slice(b":{");
        Ok(Compound {
            line: self,
            first: true,
            close_variant: true,
        })
    }
}

impl serde::ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> LineResult {
        self.separator();
        value.serialize(&mut *self.line)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b']')
    }
}

impl serde::ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> LineResult {
        serde::ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b']')
    }
}

impl serde::ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> LineResult {
        serde::ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b']')
    }
}

impl serde::ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> LineResult {
        serde::ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b']')
    }
}

impl serde::ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> LineResult {
        self.separator();
        // Keys are written as serde_json writes them: strings, or numbers, booleans and
        // unit variants as strings; the text is cleaned like every other string.
        // The key's text in the cleaner's scratch string, not a string per key.
        let mut text = std::mem::take(&mut self.line.cleaner.key_text);
        text.clear();
        let written = key
            .serialize(KeyText(&mut text))
            .and_then(|()| self.line.string(&text));
        self.line.cleaner.key_text = text;
        written?;
        self.line.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> LineResult {
        value.serialize(&mut *self.line)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b'}')
    }
}

impl serde::ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> LineResult {
        self.separator();
        self.line.static_string(key)?;
        self.line.out.push(b':');
        value.serialize(&mut *self.line)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b'}')
    }
}

impl serde::ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> LineResult {
        serde::ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> LineResult {
        Compound::end(self, b'}')
    }
}

/// A map key's text, as serde_json accepts keys.
struct KeyText<'k>(&'k mut String);

fn key_must_be_a_string() -> serde_json::Error {
    serde::ser::Error::custom("key must be a string")
}

macro_rules! key_numbers {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(self, value: $ty) -> Result<(), serde_json::Error> {
                use std::fmt::Write as _;
                // Writing into a String cannot fail.
                let _ = write!(self.0, "{value}");
                Ok(())
            }
        )*
    };
}

impl serde::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeTuple = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeMap = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeStruct = serde::ser::Impossible<(), serde_json::Error>;
    type SerializeStructVariant = serde::ser::Impossible<(), serde_json::Error>;

    key_numbers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128, serialize_bool: bool,
    );

    fn serialize_f32(self, value: f32) -> Result<(), serde_json::Error> {
        if !value.is_finite() {
            return Err(key_must_be_a_string());
        }
        let mut out = Vec::new();
        CompactFormatter
            .write_f32(&mut out, value)
            .map_err(serde_json::Error::io)?;
        self.0
            .push_str(std::str::from_utf8(&out).map_err(|_| key_must_be_a_string())?);
        Ok(())
    }
    fn serialize_f64(self, value: f64) -> Result<(), serde_json::Error> {
        if !value.is_finite() {
            return Err(key_must_be_a_string());
        }
        let mut out = Vec::new();
        CompactFormatter
            .write_f64(&mut out, value)
            .map_err(serde_json::Error::io)?;
        self.0
            .push_str(std::str::from_utf8(&out).map_err(|_| key_must_be_a_string())?);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), serde_json::Error> {
        self.0.push(value);
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<(), serde_json::Error> {
        self.0.push_str(value);
        Ok(())
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), serde_json::Error> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, serde_json::Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn statics_find_every_string_also_when_slots_collide() {
        let mut statics = Statics::default();
        // More keys than slots: many share a slot and go to the overflow map.
        let keys: Vec<(usize, usize)> = (1..=3 * STATIC_SLOTS).map(|i| (i * 8, i % 7)).collect();
        for &(address, len) in &keys {
            assert_eq!(statics.get((address, len)), None);
            statics.insert(
                (address, len),
                format!("{address}/{len}").into_bytes().into(),
            );
        }
        for &(address, len) in &keys {
            assert_eq!(
                statics.get((address, len)),
                Some(format!("{address}/{len}").as_bytes())
            );
        }
        assert_eq!(statics.get((8, 2)), None);
    }

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
    fn lines_are_what_the_formatter_path_writes() {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            Set { key: String, values: Vec<String> },
            Remove { key: String },
        }
        #[derive(Serialize)]
        enum Plain {
            Unit,
            Newtype(u8),
            Tuple(i32, f64),
            Struct { a: Option<bool> },
        }
        #[derive(Serialize)]
        struct Doc {
            version: u32,
            confidence: f64,
            nan: f64,
            level: Option<usize>,
            none: Option<String>,
            changes: Vec<Tagged>,
            plain: Vec<Plain>,
            map: std::collections::BTreeMap<i64, char>,
            value: serde_json::Value,
            text: &'static str,
        }
        let doc = Doc {
            version: 1,
            confidence: 0.9,
            nan: f64::NAN,
            level: Some(3),
            none: None,
            changes: vec![
                Tagged::Set {
                    key: "aws:userid".into(),
                    values: vec!["a\"b".into(), SECRET.into()],
                },
                Tagged::Remove {
                    key: "k\u{1b}[2J".into(),
                },
            ],
            plain: vec![
                Plain::Unit,
                Plain::Newtype(7),
                Plain::Tuple(-1, 1e300),
                Plain::Struct { a: Some(false) },
            ],
            map: [(-5, 'x'), (9, '"')].into(),
            value: json!({"Effect": "Allow", "n": [1, -2.5, null], "s": format!("Signature={SECRET}")}),
            text: "tab\tnewline\n✓",
        };
        let mut cleaner = JsonCleaner::new();
        let line = cleaner.line(&doc).unwrap();
        let formatter = cleaner.serialise(&doc, CompactFormatter).unwrap();
        assert_eq!(line.as_str(), formatter.as_str());
        assert!(!line.contains("bPxRfiCY"), "{line}");
        // Without anything to clean, exactly serde_json's text.
        let plain = json!({"a": [1, 2.5, "x\"y"], "b": {"c": null, "d": true}});
        assert_eq!(
            JsonCleaner::new().line(&plain).unwrap().as_str(),
            serde_json::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn integer_map_keys_are_captured_inside_their_string() {
        let doc: std::collections::BTreeMap<u32, &str> = [(7, "seven")].into();
        let line = JsonCleaner::new().line(&doc).unwrap();
        assert_eq!(line.as_str(), r#"{"7":"seven"}"#);
    }

    /// The word-at-a-time scan finds the same byte as the table.
    #[test]
    fn first_json_escape_agrees_with_the_table() {
        let reference = |b: &[u8]| b.iter().position(|&c| NEEDS_ESCAPE[usize::from(c)]);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % 8 {
                    0 => [b'"', b'\\', 0x1f, 0x00, 0x20, 0x21, 0x7f, 0x80][(next() % 8) as usize],
                    _ => (next() % 256) as u8,
                })
                .collect();
            assert_eq!(first_json_escape(&bytes), reference(&bytes), "{bytes:?}");
        }
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut bytes = vec![b'a'; 16];
                bytes[at] = b;
                assert_eq!(first_json_escape(&bytes), reference(&bytes), "{b} at {at}");
            }
        }
    }

    #[test]
    fn escaping_is_serde_jsons_at_every_position_of_a_group() {
        // Each byte that needs escaping (and some that do not: DEL, `/`, UTF-8) at every
        // offset of a string longer than a few groups, so each lands in every lane of
        // the eight-byte test and in the tail after the last whole group.
        let specials = ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', '/', 'é', ' '];
        for special in specials {
            for len in [0, 1, 7, 8, 9, 17, 31] {
                for at in 0..len.max(1) {
                    let text: String = (0..len)
                        .map(|i| if i == at { special } else { 'a' })
                        .collect();
                    let mut out = Vec::new();
                    escape_into(&mut out, &text);
                    let expected = serde_json::to_string(&text).unwrap();
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        expected[1..expected.len() - 1],
                        "{text:?}"
                    );
                }
            }
        }
    }
}
