//! The envelope of every JSON document the CLI prints: `{"version": 1, …}` followed by
//! the command's own fields. Written here once, so no command spells the version itself,
//! and every document leaves as [`Redacted`] text: secrets masked on the serialised
//! JSON, where a value is seen next to its key (`"SessionToken": "…"`) and escapes are
//! decoded.

use authdoctor_redact::{JsonCleaner, Redacted};
use serde::Serialize;
use serde::ser::{Impossible, SerializeMap as _, SerializeStruct as _, Serializer};

use crate::clean_json;

/// The `version` of the JSON documents (`shared/spec/cli.md`).
pub const VERSION: u32 = 1;

/// How a document is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Indented, for `--format json`.
    Pretty,
    /// One line, for JSON Lines output (`simulate --cases`).
    Line,
}

/// `{"version": 1}` and then the fields of `body`, which must serialise as a map (a
/// struct, a `serde_json::Value` object). The body never names `version` itself.
struct Envelope<'a, T: ?Sized> {
    body: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(VersionFirst(serializer))
    }
}

/// The serializer of a body: its struct or map is opened on the document's own
/// serializer with `version` as the first field, and its fields follow as they are.
/// Unlike `#[serde(flatten)]`, a struct's fields stay struct fields with static names
/// (no map key built per field), so the envelope costs one field per document — it is
/// on the path of every `simulate --cases` line.
struct VersionFirst<S>(S);

fn not_a_map<E: serde::ser::Error>() -> E {
    E::custom("a document's body must serialise as a map or a struct")
}

/// Every kind of value but a map or a struct is refused.
macro_rules! refused {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<S::Ok, S::Error> {
                Err(not_a_map())
            }
        )*
    };
}

impl<S: Serializer> Serializer for VersionFirst<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = S::SerializeStruct;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<S::SerializeStruct, S::Error> {
        let mut fields = self.0.serialize_struct(name, len + 1)?;
        fields.serialize_field("version", &VERSION)?;
        Ok(fields)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<S::SerializeMap, S::Error> {
        let mut entries = self.0.serialize_map(len.map(|n| n + 1))?;
        entries.serialize_entry("version", &VERSION)?;
        Ok(entries)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    refused!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_map())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_map())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_map())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_map())
    }
}

/// The pretty JSON document of a command: `{"version": 1, …body's fields}`, secrets
/// masked. The strings of `body` are trusted to be free of control sequences already
/// (the engines clean what they read); for documents that echo the user's own files,
/// see [`document_of_input`].
pub fn document<T: Serialize + ?Sized>(body: &T) -> Redacted {
    write(body, Layout::Pretty)
}

/// [`document`] on one line (JSON Lines).
pub fn document_line<T: Serialize + ?Sized>(body: &T) -> Redacted {
    write(body, Layout::Line)
}

/// The document of a body built from user input (policies, decoded messages): every
/// string, object keys included, has its control sequences neutralised before the
/// secrets are masked. Costs a `serde_json::Value` copy of the body; a caller that can
/// tell the input carries no control character may use [`document`] or
/// [`document_line`] instead.
pub fn document_of_input<T: Serialize + ?Sized>(body: &T, layout: Layout) -> Redacted {
    match serde_json::to_value(body) {
        Ok(mut value) => {
            clean_json(&mut value);
            write(&value, layout)
        }
        Err(e) => failure(&e),
    }
}

/// Documents built from user input written one after another, one line each (JSON
/// Lines: `simulate --cases`), each as [`document_of_input`] with [`Layout::Line`] writes
/// it. Every string, object keys included, is cleaned on its own as it is written by a
/// [`JsonCleaner`], which remembers the strings it cleaned: the field names and the
/// knowledge-base prose that repeat in every line are scanned once, not once per line,
/// and no `serde_json::Value` copy of the body is made. Deciding per string is the
/// decision [`document_of_input`] makes on the whole line for these bodies: their object
/// keys are field names of ours (see `authdoctor_redact`'s `json` module).
#[derive(Default)]
pub struct DocumentLines {
    cleaner: JsonCleaner,
}

impl DocumentLines {
    pub fn new() -> DocumentLines {
        DocumentLines::default()
    }

    /// `{"version":1,…body's fields}` on one line (no trailing newline), every string
    /// cleaned.
    pub fn document_of_input<T: Serialize + ?Sized>(&mut self, body: &T) -> Redacted {
        let envelope = Envelope { body };
        match self.cleaner.line(&envelope) {
            Ok(line) => line,
            Err(e) => failure(&e),
        }
    }
}

impl DocumentLines {
    /// [`DocumentLines::document_of_input`] and a newline, appended to `out`: the same
    /// bytes, every string cleaned, written straight into the caller's buffer.
    pub fn document_line_into<T: Serialize + ?Sized>(&mut self, out: &mut Vec<u8>, body: &T) {
        let envelope = Envelope { body };
        if let Err(e) = self.cleaner.line_into(out, &envelope) {
            out.extend_from_slice(failure(&e).as_str().as_bytes());
        }
        out.push(b'\n');
    }
}

fn write<T: Serialize + ?Sized>(body: &T, layout: Layout) -> Redacted {
    let envelope = Envelope { body };
    let text = match layout {
        Layout::Pretty => serde_json::to_string_pretty(&envelope),
        Layout::Line => serde_json::to_string(&envelope),
    };
    match text {
        Ok(text) => Redacted::from_string(text),
        Err(e) => failure(&e),
    }
}

/// A body that cannot be written (a map with non-string keys, a body that is not a
/// map) still gives a document a script can read.
fn failure(error: &serde_json::Error) -> Redacted {
    let doc = serde_json::json!({ "version": VERSION, "error": error.to_string() });
    Redacted::from_string(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        findings: Vec<u8>,
        name: &'static str,
    }

    #[test]
    fn the_version_comes_first_then_the_body_in_its_order() {
        let body = Body {
            findings: vec![],
            name: "x",
        };
        assert_eq!(
            document_line(&body).as_str(),
            r#"{"version":1,"findings":[],"name":"x"}"#
        );
        assert!(document(&body).starts_with("{\n  \"version\": 1,\n  \"findings\": []"));
    }

    #[test]
    fn empty_and_skipped_fields_leave_the_version_alone() {
        #[derive(Serialize)]
        struct Sparse {
            #[serde(skip_serializing_if = "Option::is_none")]
            missing: Option<u8>,
        }
        let empty = serde_json::Map::new();
        for line in [
            document_line(&Sparse { missing: None }),
            document_line(&empty),
            document_of_input(&Sparse { missing: None }, Layout::Line),
            DocumentLines::new().document_of_input(&Sparse { missing: None }),
        ] {
            assert_eq!(line.as_str(), r#"{"version":1}"#);
        }
        assert_eq!(document(&empty).as_str(), "{\n  \"version\": 1\n}");
        assert_eq!(
            document_line(&Sparse { missing: Some(2) }).as_str(),
            r#"{"version":1,"missing":2}"#
        );
    }

    #[test]
    fn secrets_are_masked_and_input_controls_neutralised() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let body = serde_json::json!({
            "aws_secret_access_key": secret,
            "note": "red \u{1b}[31m text",
        });
        let trusted = document(&body);
        assert!(!trusted.contains("bPxRfiCYEXAMPLEKEY"), "{trusted}");
        let of_input = document_of_input(&body, Layout::Line);
        assert!(!of_input.contains("bPxRfiCYEXAMPLEKEY"), "{of_input}");
        assert!(!of_input.contains("\\u001b"), "{of_input}");
        assert!(of_input.starts_with(r#"{"version":1,"#), "{of_input}");
    }

    #[test]
    fn document_lines_are_the_line_layout_of_input_documents() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let body = Body {
            findings: vec![1, 2],
            name: "x",
        };
        let mut lines = DocumentLines::new();
        for _ in 0..2 {
            assert_eq!(
                lines.document_of_input(&body).as_str(),
                document_of_input(&body, Layout::Line).as_str()
            );
        }
        let input = serde_json::json!({
            "name": format!("key {secret} red \u{1b}[31m text"),
        });
        let line = lines.document_of_input(&input);
        assert!(line.starts_with(r#"{"version":1,"name":"#), "{line}");
        assert!(!line.contains("bPxRfiCYEXAMPLEKEY"), "{line}");
        assert!(!line.contains("\\u001b"), "{line}");
        let error = lines.document_of_input(&[1, 2, 3]);
        let value: serde_json::Value =
            serde_json::from_str(&error).unwrap_or_else(|e| panic!("{e}: {error}"));
        assert_eq!(value["version"], 1);
        assert!(value["error"].is_string(), "{error}");
    }

    #[test]
    fn a_body_that_is_not_a_map_gives_an_error_document() {
        let doc = document_line(&[1, 2, 3]);
        let value: serde_json::Value =
            serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
        assert_eq!(value["version"], 1);
        assert!(value["error"].is_string(), "{doc}");
    }
}
