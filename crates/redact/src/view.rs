//! The decoded view redaction decides on.
//!
//! A secret may reach us escaped: `abc\/def` or `abc\u002fdef` inside JSON, `%2F` and
//! `%3D` in a URL, `&#x2F;` in HTML, twice over when JSON is embedded in JSON. Deciding
//! on the raw bytes stops a mask at the first escape and prints the rest of the secret.
//! [`View`] decodes those escapes (up to [`ROUNDS`] times) and remembers, for every
//! decoded byte, where it came from, so a mask found in the view is applied to exactly
//! the original bytes it stands for, escapes included.

use std::borrow::Cow;

/// Decoding passes at most: JSON in JSON in JSON is the deepest nesting seen in logs.
const ROUNDS: usize = 3;

/// Decoded text plus the map back to the original.
pub(crate) struct View<'a> {
    pub text: Cow<'a, str>,
    /// `map[i]` is the original offset of decoded byte `i`; one extra entry holds the
    /// original length. Empty when nothing was decoded (the view is the original).
    map: Vec<usize>,
}

impl<'a> View<'a> {
    pub fn new(original: &'a str) -> View<'a> {
        let mut view = View {
            text: Cow::Borrowed(original),
            map: Vec::new(),
        };
        for _ in 0..ROUNDS {
            if !has_escape_start(&view.text) {
                break;
            }
            let Some((decoded, map)) = decode_once(&view.text) else {
                break;
            };
            view.map = if view.map.is_empty() {
                map
            } else {
                map.iter().map(|&i| view.map[i]).collect()
            };
            view.text = Cow::Owned(decoded);
        }
        view
    }

    /// Original offset of view offset `i` (`i` may be the view's length).
    pub fn original(&self, i: usize) -> usize {
        if self.map.is_empty() { i } else { self.map[i] }
    }
}

/// Whether `text` holds an escape that can hide part of a secret: `\/`, `\\`, `\u`,
/// `\x`, a percent escape, a character reference. The escapes of ordinary JSON text
/// (`\"`, `\n`) alone do not start a decoding pass: they cannot sit inside a secret,
/// and the name scanner reads `\"` as a quote. This keeps the serialised JSON of
/// `simulate` and `decode` (full of `\"`) off the decoding path.
fn has_escape_start(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr3_iter(b'\\', b'%', b'&', b).any(|i| match b[i] {
        b'\\' => matches!(b.get(i + 1), Some(b'/' | b'\\' | b'u' | b'x')),
        b'%' => b
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        _ => b
            .get(i + 1)
            .is_some_and(|c| *c == b'#' || c.is_ascii_alphabetic()),
    })
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_value(bytes: &[u8]) -> Option<u32> {
    bytes
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + hex(b)?))
}

/// A decoded character worth substituting: printable ASCII, or a newline or tab (which
/// matter for the line structure), or any non-control character.
fn substitutable(c: char) -> bool {
    c == '\n' || c == '\t' || !c.is_control()
}

/// One decoding pass; `None` when the text holds no escape we decode.
fn decode_once(text: &str) -> Option<(String, Vec<usize>)> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut map = Vec::with_capacity(b.len() + 1);
    let mut changed = false;
    let mut i = 0;
    // Start of the run of bytes copied unchanged.
    let mut copied_from = 0;
    while i < b.len() {
        let decoded: Option<(char, usize)> = match b[i] {
            b'\\' => backslash_escape(&b[i..]),
            b'%' => b
                .get(i + 1..i + 3)
                .and_then(hex_value)
                .and_then(char::from_u32)
                .filter(|c| c.is_ascii() && substitutable(*c))
                .map(|c| (c, 3)),
            b'&' => entity(&b[i..]),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                // Flush the unchanged run, then the decoded character.
                out.push_str(&text[copied_from..i]);
                map.extend(copied_from..i);
                let before = out.len();
                out.push(c);
                map.extend(std::iter::repeat_n(i, out.len() - before));
                i += len;
                copied_from = i;
                changed = true;
            }
            None => i += 1,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied_from..]);
    map.extend(copied_from..b.len());
    map.push(b.len());
    Some((out, map))
}

/// `\/`, `\"`, `\\`, `\'`, `\n`, `\t`, `\uXXXX`, `\xHH` at the start of `b`.
fn backslash_escape(b: &[u8]) -> Option<(char, usize)> {
    let c = match *b.get(1)? {
        c @ (b'/' | b'"' | b'\\' | b'\'') => (c as char, 2),
        b'n' | b'r' => ('\n', 2),
        b't' => ('\t', 2),
        b'u' => (
            char::from_u32(hex_value(b.get(2..6)?)?).filter(|c| substitutable(*c))?,
            6,
        ),
        b'x' => (
            char::from_u32(hex_value(b.get(2..4)?)?)
                .filter(|c| c.is_ascii() && substitutable(*c))?,
            4,
        ),
        _ => return None,
    };
    Some(c)
}

/// `&quot;` `&amp;` `&lt;` `&gt;` `&apos;` and numeric ASCII references at the start of `b`.
fn entity(b: &[u8]) -> Option<(char, usize)> {
    let end = b.iter().take(8).position(|&c| c == b';')?;
    let name = &b[1..end];
    let c = match name {
        b"quot" => '"',
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"apos" => '\'',
        [b'#', b'x' | b'X', digits @ ..] if !digits.is_empty() => {
            char::from_u32(hex_value(digits)?)?
        }
        [b'#', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            char::from_u32(std::str::from_utf8(digits).ok()?.parse().ok()?)?
        }
        _ => return None,
    };
    (c.is_ascii() && substitutable(c)).then_some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::View;

    fn decoded(text: &str) -> String {
        View::new(text).text.into_owned()
    }

    #[test]
    fn json_url_and_html_escapes_are_decoded() {
        assert_eq!(decoded(r"a\/b\u002fc\u002Bd"), "a/b/c+d");
        assert_eq!(decoded("key%3Dab%2Fc%2B"), "key=ab/c+");
        assert_eq!(decoded("a&#x2F;b&#47;c&quot;"), "a/b/c\"");
        assert_eq!(decoded(r#"{\"k\":\"v\\\/w\"}"#), r#"{"k":"v/w"}"#);
        assert_eq!(decoded("100% sure & done"), "100% sure & done");
    }

    #[test]
    fn every_view_byte_maps_back_to_its_escape() {
        let original = r"ab\/cd";
        let view = View::new(original);
        assert_eq!(view.text, "ab/cd");
        let starts: Vec<usize> = (0..=view.text.len()).map(|i| view.original(i)).collect();
        assert_eq!(starts, vec![0, 1, 2, 4, 5, 6]);
    }

    #[test]
    fn nested_escapes_compose_their_maps() {
        // `\\\/` is `\/` after one pass and `/` after two.
        let original = r"x\\\/y";
        let view = View::new(original);
        assert_eq!(view.text, "x/y");
        assert_eq!(view.original(1), 1);
        assert_eq!(view.original(2), 5);
        assert_eq!(view.original(3), 6);
    }
}
