//! The one error type of this crate: what is wrong with a policy, a case file or a
//! decoded message, and where (file, 1-based line and column in characters).

use std::fmt;

/// Size limit for one policy document or case file, in bytes. AWS's own limits are far
/// lower (6,144 characters for a managed policy, 20 KB for a bucket policy); anything
/// this large is not a policy and is refused before it is read.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not valid JSON.
    Json,
    /// Valid JSON, but not a valid policy / case / message (wrong type, unknown element…).
    Invalid,
    /// Over a size or nesting limit.
    Limit,
}

/// An error with its position in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub kind: ErrorKind,
    pub message: String,
    /// Name of the input (file path, `<stdin>`, `--identity #2`…), when known.
    pub origin: Option<String>,
    /// Byte offset into the input.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl PolicyError {
    /// An error at byte `offset` of `text`; line and column are computed from the text.
    pub fn at(kind: ErrorKind, message: String, text: &str, offset: usize) -> PolicyError {
        let (line, column) = line_column(text, offset);
        PolicyError {
            kind,
            message,
            origin: None,
            offset,
            line,
            column,
        }
    }

    /// Names the input the error is in.
    pub fn in_origin(mut self, origin: impl Into<String>) -> PolicyError {
        if self.origin.is_none() {
            self.origin = Some(origin.into());
        }
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = self.origin.as_deref().unwrap_or("<input>");
        write!(
            f,
            "{origin}:{}:{}: {}",
            self.line, self.column, self.message
        )
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Refuses input over [`MAX_DOCUMENT_BYTES`] before any parsing.
pub fn check_size(text: &str) -> Result<(), PolicyError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(PolicyError {
            kind: ErrorKind::Limit,
            message: format!(
                "document is {} bytes, over the {} KiB limit (AWS policies are at most a few KB)",
                text.len(),
                MAX_DOCUMENT_BYTES / 1024
            ),
            origin: None,
            offset: 0,
            line: 1,
            column: 1,
        });
    }
    Ok(())
}
