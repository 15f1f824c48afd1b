//! Raw input → bounded, clean lines.
//!
//! Input may be anything: invalid UTF-8, binary, a 1 GB file, a 10 MB single line, text
//! with terminal escapes. [`LineReader`] streams it in fixed-size reads and yields
//! [`Line`]s of at most [`MAX_LINE_BYTES`] bytes: a longer physical line is cut into
//! pieces that keep their line number and character offset, so evidence columns stay
//! right and memory stays bounded whatever the input. Text saved as UTF-16 (what Windows
//! PowerShell 5.1's `>` and `Out-File` write) is transcoded to UTF-8 as it streams.

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
    reader: Transcoded<R>,
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
            reader: Transcoded::new(reader),
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
        let n = read_retrying(&mut self.reader, &mut self.buffer[self.end..])?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }
}

/// One `read`, retried when a signal interrupted it.
fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            done => return done,
        }
    }
}

/// A whole document (a policy, a case, a decoded message) as text, its encoding read as
/// [`LineReader`] reads it (UTF-16, a UTF-8 byte-order mark); `None` when the bytes are
/// not text in any of them.
pub fn document_text(bytes: &[u8]) -> Option<String> {
    let mut utf8 = Vec::with_capacity(bytes.len());
    Transcoded::new(bytes).read_to_end(&mut utf8).ok()?;
    String::from_utf8(utf8).ok()
}

/// The byte stream as UTF-8: UTF-16 (with a byte-order mark, or without one when the
/// first characters are ASCII with a zero byte beside each) is transcoded as it streams,
/// a UTF-8 byte-order mark is dropped, and anything else passes through untouched.
struct Transcoded<R> {
    inner: R,
    mode: Mode,
    /// Bytes read while sniffing (UTF-8 mode) or transcoded output (UTF-16 mode) not yet
    /// handed out, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    /// UTF-16 mode: raw input not yet decoded (an odd byte, a high surrogate's two).
    raw: Vec<u8>,
    eof: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sniff,
    Utf8,
    Utf16 { big_endian: bool },
}

/// How many bytes are looked at to recognise UTF-16 without a byte-order mark.
const SNIFF_BYTES: usize = 64;
/// Raw bytes transcoded per read in UTF-16 mode.
const UTF16_CHUNK: usize = 16 * 1024;

impl<R: Read> Transcoded<R> {
    fn new(inner: R) -> Self {
        Transcoded {
            inner,
            mode: Mode::Sniff,
            pending: Vec::new(),
            pending_at: 0,
            raw: Vec::new(),
            eof: false,
        }
    }

    fn sniff(&mut self) -> io::Result<()> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut self.inner)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)?;
        self.eof = head.len() < SNIFF_BYTES;
        let (mode, bom) = match head.as_slice() {
            [0xEF, 0xBB, 0xBF, ..] => (Mode::Utf8, 3),
            [0xFF, 0xFE, ..] => (Mode::Utf16 { big_endian: false }, 2),
            [0xFE, 0xFF, ..] => (Mode::Utf16 { big_endian: true }, 2),
            _ => match zero_half(&head) {
                Some(big_endian) => (Mode::Utf16 { big_endian }, 0),
                None => (Mode::Utf8, 0),
            },
        };
        self.mode = mode;
        head.drain(..bom);
        match mode {
            Mode::Utf16 { .. } => self.raw = head,
            _ => self.pending = head,
        }
        Ok(())
    }

    /// Reads and decodes the next chunk of UTF-16 into `pending` (which may stay empty
    /// while input remains); false once everything is decoded.
    fn transcode(&mut self, big_endian: bool) -> io::Result<bool> {
        if !self.eof {
            let have = self.raw.len();
            self.raw.resize(have.max(UTF16_CHUNK), 0);
            let read = read_retrying(&mut self.inner, &mut self.raw[have..]);
            self.raw.truncate(have + read.as_ref().map_or(0, |n| *n));
            self.eof = read? == 0;
        }
        let unit = |pair: &[u8]| {
            let bytes = [pair[0], pair[1]];
            if big_endian {
                u16::from_be_bytes(bytes)
            } else {
                u16::from_le_bytes(bytes)
            }
        };
        let mut used = self.raw.len() & !1;
        // A high surrogate at the end waits for its partner in the next read.
        if !self.eof && used >= 2 && (0xD800..0xDC00).contains(&unit(&self.raw[used - 2..used])) {
            used -= 2;
        }
        self.pending.clear();
        self.pending_at = 0;
        for decoded in char::decode_utf16(self.raw[..used].chunks_exact(2).map(unit)) {
            let c = decoded.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut utf8 = [0u8; 4];
            self.pending
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        self.raw.drain(..used);
        if self.eof && !self.raw.is_empty() {
            // An odd byte at the very end cannot be a character.
            self.raw.clear();
            self.pending.extend_from_slice("\u{FFFD}".as_bytes());
        }
        Ok(!self.eof || !self.pending.is_empty())
    }
}

/// `Some(big_endian)` when the head looks like ASCII text in UTF-16 without a byte-order
/// mark: a zero byte beside every character, and never two zero bytes in a pair.
fn zero_half(head: &[u8]) -> Option<bool> {
    if head.len() < 8 {
        return None;
    }
    let ascii = |b: u8| b != 0 && b < 0x80;
    let mut pairs = head.chunks_exact(2);
    if pairs.clone().all(|p| ascii(p[0]) && p[1] == 0) {
        Some(false)
    } else if pairs.all(|p| p[0] == 0 && ascii(p[1])) {
        Some(true)
    } else {
        None
    }
}

impl<R: Read> Read for Transcoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.mode == Mode::Sniff {
            self.sniff()?;
        }
        loop {
            if self.pending_at < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.pending_at);
                buf[..n].copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
                self.pending_at += n;
                return Ok(n);
            }
            match self.mode {
                Mode::Utf16 { big_endian } => {
                    if !self.transcode(big_endian)? {
                        return Ok(0);
                    }
                }
                _ if self.eof => return Ok(0),
                _ => return self.inner.read(buf),
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

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        for unit in units {
            let bytes = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&bytes);
        }
        out
    }

    #[test]
    fn utf16_files_read_as_the_text_they_hold() {
        // Windows PowerShell 5.1's `aws … 2>&1 > err.txt`: UTF-16LE with a byte-order mark.
        let text = "Unable to locate credentials. You can configure credentials by running \"aws configure\".\r\nnext line 😀 é\r\n";
        for (big_endian, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            let got: Vec<String> = lines(&utf16(text, big_endian, bom))
                .into_iter()
                .map(|l| l.text)
                .collect();
            assert_eq!(
                got,
                vec![
                    "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
                    "next line 😀 é"
                ],
                "big_endian={big_endian} bom={bom}"
            );
        }
    }

    #[test]
    fn utf16_streams_across_reads_and_keeps_surrogate_pairs() {
        // Long enough for many transcoding chunks, with a pair straddling each boundary.
        let text = format!("{}\n", "a😀".repeat(3 * UTF16_CHUNK));
        let got = lines(&utf16(&text, false, true));
        let joined: String = got.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text.trim_end());
        // An odd byte at the end is one replacement character, not a lost line.
        let mut odd = utf16("ok\nend", false, true);
        odd.push(b'x');
        let got: Vec<String> = lines(&odd).into_iter().map(|l| l.text).collect();
        assert_eq!(got, vec!["ok".to_owned(), "end\u{fffd}".to_owned()]);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped_and_plain_text_passes_untouched() {
        let got = lines(b"\xEF\xBB\xBFfirst\nsecond");
        assert_eq!(got[0].text, "first");
        // A zero byte here and there is binary noise, not UTF-16.
        let got = lines(b"ab\x00cd\nef");
        assert_eq!(got[0].text, "ab\u{0}cd");
    }

    #[test]
    fn documents_read_in_any_of_the_encodings_lines_are() {
        let json = r#"{"Version": "2012-10-17", "Statement": []}"#;
        for bytes in [
            json.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), json.as_bytes()].concat(),
            utf16(json, false, true),
            utf16(json, true, true),
        ] {
            assert_eq!(document_text(&bytes).as_deref(), Some(json));
        }
        assert_eq!(document_text(b"{\"a\": \"\xff\"}"), None);
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
