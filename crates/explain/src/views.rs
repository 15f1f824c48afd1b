//! Other readings of a block's lines, for messages a copy has broken: a message wrapped
//! onto the next line (by a terminal, an editor, a forum or a log collector), a string
//! literal printed in pieces (`b'…SignatureDoe'` / `b'sNotMatch…'`), markdown emphasis
//! typed into it (`with *an explicit deny* in`, `` `AccessDenied` ``), a run of
//! spaces where the message has one (`in the request  is expired`), or quotes escaped
//! by a debug print of the string (`Couldn\'t find AWS credentials`).
//!
//! A [`View`] is text with the place in the block each of its bytes came from, so that
//! a signal found in it is underlined in the user's own line. Only what the lines alone
//! could not show counts: a match that crosses the break or spans a removed mark.

/// Bytes of a line's end and of the next line's start joined into one view: more than
/// any signal phrase, little enough that a long block costs a few short scans.
const JOIN_BYTES: usize = 200;

/// Marks that markdown puts around words and that never belong to an AWS message's
/// phrases.
fn is_emphasis(byte: u8) -> bool {
    matches!(byte, b'*' | b'`')
}

/// A text made from the block's lines, with each byte's origin.
#[derive(Debug)]
pub struct View {
    pub text: String,
    /// `(line, byte)` in the block of each byte of `text`.
    origin: Vec<(usize, usize)>,
    /// Where the second line starts in `text`, for a view that joins two lines.
    joined_at: Option<usize>,
}

/// Where a match of a view lies in the block: the part on the line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSpan {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

impl View {
    /// The block's place of the view's match `start..end`, when the match is one the
    /// lines alone do not hold: it crosses the line break or skips a removed mark.
    pub fn new_match(&self, start: usize, end: usize, lines: &[&str]) -> Option<LineSpan> {
        if start >= end {
            return None;
        }
        let &(line, first) = self.origin.get(start)?;
        let &(last_line, last) = self.origin.get(end - 1)?;
        if let Some(joined_at) = self.joined_at {
            // A joined view adds only what crosses the break.
            if !(start < joined_at && end > joined_at) {
                return None;
            }
            let len = lines.get(line)?.len();
            return Some(LineSpan {
                line,
                start: first,
                end: len,
            });
        }
        let skips_a_mark = last_line == line && last + 1 - first != end - start;
        skips_a_mark.then_some(LineSpan {
            line,
            start: first,
            end: last + 1,
        })
    }
}

/// Longest line read without its marks (emphasis, extra spaces, quote escapes): pasted
/// messages are shorter; a long line with `*` is a policy document or a dump, where `*`
/// is a wildcard.
const MAX_UNMARKED_LINE: usize = 8 * 1024;

/// A line as the views read it: the user's text, or the text without its marks
/// (emphasis, extra spaces, quote escapes) with each byte's origin.
struct Reading<'a> {
    line: usize,
    text: std::borrow::Cow<'a, str>,
    origin: Option<Vec<(usize, usize)>>,
}

impl Reading<'_> {
    fn of(line: usize, text: &str) -> Reading<'_> {
        let marked = text.bytes().any(is_emphasis)
            || text.trim().contains("  ")
            || text.contains("\\'")
            || text.contains("\\\"");
        if text.len() > MAX_UNMARKED_LINE || !marked {
            return Reading {
                line,
                text: text.into(),
                origin: None,
            };
        }
        let mut kept = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (at, c) in text.char_indices() {
            // A run of spaces reads as one (a message re-spaced by a copy or a template).
            let repeated_space = c == ' ' && kept.ends_with(' ');
            // The backslash a debug print (Rust's `{:?}`, Python's repr) puts before a
            // quote of the message.
            let escape = c == '\\' && matches!(text.as_bytes().get(at + 1), Some(b'\'' | b'"'));
            if (c.is_ascii() && is_emphasis(c as u8)) || repeated_space || escape {
                continue;
            }
            kept.push(c);
            origin.extend((0..c.len_utf8()).map(|k| (line, at + k)));
        }
        Reading {
            line,
            text: kept.into(),
            origin: Some(origin),
        }
    }

    fn origin_of(&self, range: std::ops::Range<usize>) -> Vec<(usize, usize)> {
        match &self.origin {
            Some(origin) => origin[range].to_vec(),
            None => range.map(|b| (self.line, b)).collect(),
        }
    }
}

/// The largest char boundary of `text` at or below `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A string literal printed in pieces (Python's repr of a long `bytes` value,
/// `'…' +` in JavaScript): the first line ends with a quote (and maybe `+` or `\`), the
/// second starts with the same quote (after a `b`, `r`, `u` or `f` prefix). The join
/// without them: `(end of the first line's text, start of the second's, "")`.
fn string_continuation(
    first: &str,
    first_end: usize,
    second: &str,
    head_start: usize,
) -> Option<(usize, usize, &'static str)> {
    let body = first[..first_end].trim_end_matches(['+', '\\']).trim_end();
    let quote = body.chars().last().filter(|c| matches!(c, '\'' | '"'))?;
    let rest = second[head_start..].trim_start_matches(['b', 'r', 'u', 'f', 'B', 'R', 'U', 'F']);
    let prefix = second.len() - head_start - rest.len();
    (prefix <= 2 && rest.starts_with(quote)).then(|| (body.len() - 1, head_start + prefix + 1, ""))
}

/// The views of a block: each line without markdown emphasis, with runs of spaces read
/// as one and without the backslashes of escaped quotes (when it has any of them),
/// and each pair of consecutive lines joined, once with a space (a wrap at a word) and
/// once without (a terminal's wrap in the middle of a word), and once more without the
/// quotes when a string literal was printed in pieces. The second line's indent and
/// quote marks (`>`) do not count.
pub fn of(lines: &[&str]) -> Vec<View> {
    let readings: Vec<Reading<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, text)| Reading::of(i, text))
        .collect();
    let mut views = Vec::new();
    for reading in &readings {
        if let Some(origin) = &reading.origin {
            views.push(View {
                text: reading.text.to_string(),
                origin: origin.clone(),
                joined_at: None,
            });
        }
    }
    for pair in readings.windows(2) {
        let [first, second] = pair else {
            continue;
        };
        let (first_text, second_text) = (first.text.as_ref(), second.text.as_ref());
        let first_end = first_text.trim_end().len();
        let head_start = second_text.len() - second_text.trim_start_matches([' ', '\t', '>']).len();
        let mut joins = vec![(first_end, head_start, " "), (first_end, head_start, "")];
        if let Some(literal) = string_continuation(first_text, first_end, second_text, head_start) {
            joins.push(literal);
        }
        for (first_end, head_start, separator) in joins {
            let tail_start = floor_boundary(first_text, first_end.saturating_sub(JOIN_BYTES));
            if first_end == tail_start || head_start == second_text.len() {
                continue;
            }
            let head_end = floor_boundary(second_text, head_start + JOIN_BYTES);
            let tail_origin = first.origin_of(tail_start..first_end);
            let mut text = String::with_capacity(JOIN_BYTES * 2 + 1);
            text.push_str(&first_text[tail_start..first_end]);
            text.push_str(separator);
            let joined_at = text.len();
            text.push_str(&second_text[head_start..head_end]);
            let mut origin = Vec::with_capacity(text.len());
            origin.extend_from_slice(&tail_origin);
            // The space belongs to neither line: it stands where the first one ends.
            if let Some(&last) = tail_origin.last() {
                origin.extend(separator.bytes().map(|_| last));
            }
            origin.extend(second.origin_of(head_start..head_end));
            views.push(View {
                text,
                origin,
                joined_at: Some(joined_at),
            });
        }
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(views: &[View], lines: &[&str], phrase: &str) -> Vec<LineSpan> {
        views
            .iter()
            .filter_map(|v| {
                let start = v.text.find(phrase)?;
                v.new_match(start, start + phrase.len(), lines)
            })
            .collect()
    }

    #[test]
    fn a_phrase_wrapped_at_a_word_is_found_on_its_first_line() {
        let lines = ["with an explicit deny in a", "  service control policy"];
        let views = of(&lines);
        let found = find(&views, &lines, "explicit deny in a service control policy");
        assert_eq!(
            found,
            vec![LineSpan {
                line: 0,
                start: 8,
                end: 26
            }]
        );
    }

    #[test]
    fn a_phrase_wrapped_inside_a_word_is_found_too() {
        let lines = [
            "because no identity-based policy al",
            "lows the s3:GetObject action",
        ];
        let views = of(&lines);
        assert_eq!(find(&views, &lines, "policy allows the").len(), 1);
    }

    #[test]
    fn emphasis_is_read_through_and_the_evidence_is_the_users_text() {
        let lines = ["User bob with *an explicit deny* in a service control policy"];
        let views = of(&lines);
        let found = find(&views, &lines, "explicit deny in a service control policy");
        assert_eq!(found.len(), 1);
        let span = found[0];
        assert_eq!(
            &lines[0][span.start..span.end],
            "explicit deny* in a service control policy"
        );
    }

    #[test]
    fn a_string_printed_in_pieces_is_read_whole() {
        let lines = [
            "{'data': b'<Error><Code>SignatureDoe'",
            "         b'sNotMatch</Code><Message>The request'",
        ];
        let views = of(&lines);
        let found = find(&views, &lines, "SignatureDoesNotMatch");
        assert_eq!(found.len(), 1);
        assert_eq!(&lines[0][found[0].start..found[0].end], "SignatureDoe'");
        let js = [
            "message: 'The security token included in the ' +",
            "  'request is expired'",
        ];
        assert_eq!(
            find(&of(&js), &js, "included in the request is expired").len(),
            1
        );
    }

    #[test]
    fn a_run_of_spaces_reads_as_one() {
        let lines = ["API Error: 403 The security token included in the request  is expired"];
        let found = find(&of(&lines), &lines, "included in the request is expired");
        assert_eq!(found.len(), 1);
        let span = found[0];
        assert_eq!(
            &lines[0][span.start..span.end],
            "included in the request  is expired"
        );
    }

    #[test]
    fn a_quote_escaped_by_a_debug_print_reads_as_the_quote() {
        let lines = [
            r#"panicked at 'Cannot find creds: CredentialsError { message: "Couldn\'t find AWS credentials in environment" }'"#,
        ];
        let found = find(&of(&lines), &lines, "Couldn't find AWS credentials");
        assert_eq!(found.len(), 1);
        let span = found[0];
        assert_eq!(
            &lines[0][span.start..span.end],
            r"Couldn\'t find AWS credentials"
        );
    }

    #[test]
    fn what_one_line_already_holds_is_not_found_again() {
        let lines = ["An error occurred (AccessDenied)", "next line"];
        let views = of(&lines);
        assert!(find(&views, &lines, "AccessDenied").is_empty());
        assert!(find(&views, &lines, "next").is_empty());
    }

    #[test]
    fn multibyte_text_never_splits_a_character() {
        let long = "é".repeat(300);
        let lines = [long.as_str(), "ü ü ü", "", "   "];
        for view in of(&lines) {
            assert_eq!(view.text.len(), view.origin.len());
        }
    }
}
