//! Terminal control sequences: removed, or made visible.

use std::borrow::Cow;

/// Removes escape sequences and replaces other control characters with U+FFFD; with
/// `keep_sgr`, well-formed SGR sequences (colours) stay.
pub(crate) fn neutralise(text: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !may_need_neutralising(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' if keep_sgr && chars.peek() == Some(&'[') => {
                let rest: String = chars
                    .clone()
                    .skip(1)
                    .take_while(|c| c.is_ascii_digit() || *c == ';')
                    .collect();
                let terminator = chars.clone().nth(1 + rest.len());
                if terminator == Some('m') && rest.len() <= 32 {
                    out.push('\u{1b}');
                    out.push('[');
                    out.push_str(&rest);
                    out.push('m');
                    for _ in 0..rest.len() + 2 {
                        chars.next();
                    }
                } else {
                    skip_escape_sequence(&mut chars);
                }
            }
            '\u{1b}' => skip_escape_sequence(&mut chars),
            // C1 control sequence introducer and operating system command, 8-bit forms.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' => skip_osc(&mut chars),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c if is_bidi_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `bytes` (UTF-8) hold a character that needs neutralising, decided on bytes: C0 controls but tab and newline, DEL, C1 controls (`C2 80..9F`), the
/// bidirectional controls (`E2 80 8E/8F/AA..AE`, `E2 81 A6..A9`, `D8 9C`). Eight bytes
/// at a time: a word with no byte below a space, no DEL and no byte above ASCII (the
/// common case) is passed over without looking at its bytes.
pub(crate) fn may_need_neutralising(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let suspect_at = |i: usize| -> bool {
        let b = bytes[i];
        let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
        match b {
            b'\t' | b'\n' => false,
            0..0x20 | 0x7f => true,
            0xc2 => (0x80..=0x9f).contains(&next(1)),
            0xd8 => next(1) == 0x9c,
            0xe2 => match next(1) {
                0x80 => matches!(next(2), 0x8e | 0x8f | 0xaa..=0xae),
                0x81 => (0xa6..=0xa9).contains(&next(2)),
                _ => false,
            },
            _ => false,
        }
    };
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        let w = u64::from_le_bytes(word);
        // High bit of a byte set when it is below 0x20, is 0x7f, or is not ASCII.
        let below_space = w.wrapping_sub(0x20 * ONES) & !w;
        let del = (w ^ (0x7f * ONES)).wrapping_sub(ONES) & !(w ^ (0x7f * ONES));
        if (below_space | del | w) & HIGH != 0 && (at..at + 8).any(suspect_at) {
            return true;
        }
        at += 8;
    }
    (at..bytes.len()).any(suspect_at)
}

/// The same test on a character: the oracle of [`may_need_neutralising`]'s test.
#[cfg(test)]
fn needs_neutralising(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Characters that reorder the text around them when displayed ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_osc(chars);
        }
        // Two-character sequences such as `ESC c` (reset) or `ESC 7`.
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..=`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) || !(' '..='~').contains(&c) {
            break;
        }
    }
}

/// OSC and other string sequences end at BEL or ST (`ESC \`); a newline also ends
/// them here, so a truncated sequence cannot swallow the rest of a log.
fn skip_osc(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' | '\n' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn byte_test_agrees_with_the_character_test(s in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{200e}\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{61c}\u{2014}\u{2026}]){0,40}") {
            proptest::prop_assert_eq!(may_need_neutralising(s.as_bytes()), s.chars().any(needs_neutralising));
        }
    }
}
