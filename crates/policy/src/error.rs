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
    // Newlines counted eight bytes at a time: a case file's line is one long line, and
    // evidence asks for the position of every underlined piece of it.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut chunks = before.as_bytes().chunks_exact(8);
    let mut newlines = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        // The high bit of each byte is set exactly where the byte is not zero.
        let nonzero = (((x & LOW7) + LOW7) | x) & !LOW7;
        newlines += 8 - nonzero.count_ones() as usize;
    }
    newlines += chunks.remainder().iter().filter(|&&b| b == b'\n').count();
    let line_start = if newlines == 0 {
        0
    } else {
        before.rfind('\n').map_or(0, |i| i + 1)
    };
    let column = before[line_start..].chars().count() + 1;
    (newlines + 1, column)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time count gives the positions the plain one does.
    #[test]
    fn line_column_counts_as_the_plain_loop_does() {
        let plain = |text: &str, offset: usize| {
            let mut offset = offset.min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            let before = &text[..offset];
            let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            (line, before[line_start..].chars().count() + 1)
        };
        let texts = [
            "",
            "\n",
            "{\"a\": 1}",
            "line one\nline two\n\nfour é ü\n\n\n\n\n\n\n\n\nx",
            "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
            "é\né\né\né\né\né\né\né\né\né\né\né\né\n",
            "\u{0}\u{a}\u{8a}\u{10a}\u{7f}\u{ff}\u{100}\n\n",
        ];
        for text in texts {
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    line_column(text, offset),
                    plain(text, offset),
                    "{text:?} {offset}"
                );
            }
        }
    }
}
