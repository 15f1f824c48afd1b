//! Raw input → bounded, clean lines.
//!
//! Input may be anything: invalid UTF-8, binary, a 1 GB file, a 10 MB single line, text
//! with terminal escapes. [`LineReader`] streams it in fixed-size reads and yields
//! [`Line`]s of at most [`MAX_LINE_BYTES`] bytes: a longer physical line is cut into
//! pieces that keep their line number and character offset, so evidence columns stay
//! right and memory stays bounded whatever the input.

use std::io::{self, Read};

/// Longest piece of a line analysed at once.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One line, or one piece of a very long line, decoded lossily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: usize,
    /// Characters of the same physical line that came before this piece.
    pub char_offset: usize,
    pub text: String,
}

/// What [`LineReader::next_line_if`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    Kept(Line),
    Skipped { number: usize },
}

/// Splits a byte stream into [`Line`]s; `\n`, `\r\n` and a lone `\r` all end a line.
pub struct LineReader<R> {
    reader: R,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    number: usize,
    /// Characters already emitted for the current physical line (pieces of long lines).
    char_offset: usize,
    /// The previous chunk ended in `\r`: a `\n` at the start of the next is part of it.
    pending_cr: bool,
}

impl<R: Read> LineReader<R> {
    pub fn new(reader: R) -> Self {
        LineReader {
            reader,
            // Grows on demand up to twice the longest piece: explaining one short
            // message should not zero a large buffer.
            buffer: vec![0; 8 * 1024],
            start: 0,
            end: 0,
            eof: false,
            number: 1,
            char_offset: 0,
            pending_cr: false,
        }
    }

    /// The next line, `Ok(None)` at the end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        Ok(self.next_line_if(|_| true)?.map(|scanned| match scanned {
            Scanned::Kept(line) => line,
            Scanned::Skipped { number } => Line {
                number,
                char_offset: 0,
                text: String::new(),
            },
        }))
    }

    /// The next line, decoded only when `wanted` says so on its raw bytes: a log of
    /// which almost every line is skipped costs no allocation per line.
    pub fn next_line_if(
        &mut self,
        wanted: impl FnOnce(&[u8]) -> bool,
    ) -> io::Result<Option<Scanned>> {
        loop {
            if self.pending_cr && self.start < self.end {
                if self.buffer[self.start] == b'\n' {
                    self.start += 1;
                }
                self.pending_cr = false;
            }
            let window = &self.buffer[self.start..self.end];
            let (len, consumed, ends_line) =
                if let Some(pos) = memchr::memchr2(b'\n', b'\r', window) {
                    (pos, pos + 1, true)
                } else if window.len() > MAX_LINE_BYTES {
                    // A very long line: a piece, cut at a UTF-8 boundary.
                    let cut = utf8_boundary(window, MAX_LINE_BYTES);
                    (cut, cut, false)
                } else if self.eof {
                    if window.is_empty() {
                        return Ok(None);
                    }
                    (window.len(), window.len(), true)
                } else {
                    self.refill()?;
                    continue;
                };
            let bytes = &self.buffer[self.start..self.start + len];
            let keep = wanted(bytes);
            let text = (keep || !ends_line).then(|| decode(bytes));
            let terminator = self.buffer.get(self.start + len).copied();
            self.start += consumed;
            if ends_line && terminator == Some(b'\r') && consumed == len + 1 {
                if self.start < self.end {
                    if self.buffer[self.start] == b'\n' {
                        self.start += 1;
                    }
                } else {
                    self.pending_cr = true;
                }
            }
            let number = self.number;
            let char_offset = self.char_offset;
            if ends_line {
                self.number += 1;
                self.char_offset = 0;
            } else if let Some(text) = &text {
                self.char_offset += text.chars().count();
            }
            return Ok(Some(match text {
                Some(text) if keep => Scanned::Kept(Line {
                    number,
                    char_offset,
                    text,
                }),
                _ => Scanned::Skipped { number },
            }));
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            let grown = (self.buffer.len() * 2).min(2 * MAX_LINE_BYTES + 1);
            self.buffer.resize(grown, 0);
        }
        loop {
            match self.reader.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The largest index ≤ `max` that does not split a UTF-8 sequence.
fn utf8_boundary(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut cut = max;
    // Continuation bytes are 0b10xxxxxx; back off at most three of them.
    let mut steps = 0;
    while cut > 0 && steps < 3 && (bytes[cut] & 0b1100_0000) == 0b1000_0000 {
        cut -= 1;
        steps += 1;
    }
    if cut == 0 { max.min(bytes.len()) } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Line> {
        let mut reader = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line().unwrap_or_else(|e| panic!("{e}")) {
            out.push(line);
        }
        out
    }

    #[test]
    fn splits_on_every_line_ending() {
        let got: Vec<_> = lines(b"a\nb\r\nc\rd")
            .into_iter()
            .map(|l| (l.number, l.text))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "a".to_owned()),
                (2, "b".to_owned()),
                (3, "c".to_owned()),
                (4, "d".to_owned())
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let got = lines(b"ok \xff\xfe bad\n");
        assert_eq!(got[0].text, "ok \u{fffd}\u{fffd} bad");
    }

    #[test]
    fn long_lines_come_in_bounded_pieces_with_offsets() {
        let mut input = "é".repeat(MAX_LINE_BYTES); // two bytes each
        input.push_str("\nnext");
        let got = lines(input.as_bytes());
        assert!(got.iter().all(|l| l.text.len() <= MAX_LINE_BYTES));
        assert_eq!(got[0].number, 1);
        assert_eq!(got[1].number, 1);
        assert_eq!(got[1].char_offset, got[0].text.chars().count());
        let last = got.last().map(|l| (l.number, l.text.as_str()));
        assert_eq!(last, Some((2, "next")));
        let total: usize = got
            .iter()
            .filter(|l| l.number == 1)
            .map(|l| l.text.chars().count())
            .sum();
        assert_eq!(total, MAX_LINE_BYTES);
    }
}
