//! Makes untrusted text safe to echo: no secrets, no terminal control sequences.
//!
//! Every byte authdoctor prints that came from a user, a log, a file or a metadata
//! service passes through [`clean`] first. It does two things, in this order:
//!
//! 1. [`neutralise_controls`]: ANSI escape sequences (colours, cursor moves, OSC
//!    titles and hyperlinks) are removed, and every other control character, as well
//!    as the Unicode bidirectional overrides, is replaced by a visible stand-in, so a
//!    hostile or merely coloured log can never repaint the terminal.
//! 2. [`redact`]: secret access keys, session tokens, IMDS tokens, bearer tokens,
//!    JWTs, signatures and URL passwords are replaced by `[redacted …]` markers, and
//!    access key ids are shortened to `AKIA…WXYZ`.
//!
//! Redaction errs on the side of hiding: a 40-character run that looks like a secret
//! key is masked even without a keyword in front of it. What is *not* hidden, because
//! users need it to act: encoded authorization messages (opaque, not credentials),
//! request ids, ARNs, account ids and role names.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::bytes::{Captures, Regex, RegexBuilder};

/// Neutralises control sequences, then masks secrets. See the crate docs.
pub fn clean(text: &str) -> Cow<'_, str> {
    match neutralise_controls(text) {
        Cow::Borrowed(s) => redact(s),
        Cow::Owned(s) => Cow::Owned(redact(&s).into_owned()),
    }
}

/// Shortens an access key id to its first and last four characters: `AKIA…WXYZ`.
///
/// Anything shorter than nine characters is fully masked.
pub fn shorten_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() < 9 {
        return "[redacted]".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

struct Rule {
    /// Cheap literal test (case-insensitive ASCII) that must pass before the regex runs.
    needles: &'static [&'static str],
    pattern: &'static str,
    /// Compiled on first need: most texts never need most rules, and compiling all of
    /// them would dominate the run time of a one-message `explain`.
    regex: OnceLock<Option<Regex>>,
    replace: fn(&Captures<'_>) -> String,
    /// For keyword rules: a needle only counts when a value-like run of at least this
    /// many characters follows it (after quotes, spaces, `:`, `=`), so prose and command
    /// lines that merely name a variable cost no regex compile.
    value_after: Option<usize>,
    /// The needles, lowered, as ready-built searchers.
    finders: OnceLock<Vec<memchr::memmem::Finder<'static>>>,
}

impl Rule {
    /// Whether any needle occurs in `lower` (the lowered text).
    fn any_needle(&self, lower: &str, original: &str) -> bool {
        let finders = self.finders.get_or_init(|| {
            self.needles
                .iter()
                .filter(|n| **n != FORTY_CHAR_RUN)
                .map(|n| {
                    memchr::memmem::Finder::new(n.to_ascii_lowercase().as_bytes()).into_owned()
                })
                .collect()
        });
        (self.needles.contains(&FORTY_CHAR_RUN) && has_forty_char_run(original))
            || finders.iter().any(|f| f.find(lower.as_bytes()).is_some())
    }

    fn regex(&self) -> Option<&Regex> {
        // ASCII-only classes: the patterns describe ASCII secrets, and leaving Unicode out
        // makes each regex several times cheaper to compile.
        self.regex
            .get_or_init(|| RegexBuilder::new(self.pattern).unicode(false).build().ok())
            .as_ref()
    }
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rule = |needles, pattern, replace| Rule {
            needles,
            pattern,
            regex: OnceLock::new(),
            replace,
            value_after: None,
            finders: OnceLock::new(),
        };
        let keyword_rule = |needles, pattern, replace, min_value| Rule {
            value_after: Some(min_value),
            ..rule(needles, pattern, replace)
        };
        vec![
            // `Authorization: Bearer …`, `Authorization: AWS4-HMAC-SHA256 … Signature=…` and the
            // IMDS session token header: the whole value is a credential. The TTL header
            // (`…-token-ttl-seconds`) is not matched because the name must end at the colon.
            rule(
                &["bearer ", "metadata-token:", "metadata-token =", "metadata-token=", "metadata-token :"],
                r"(\b(?:[Bb]earer|BEARER)\s+|\b(?:[Xx]-[Aa]ws-[Ee]c2-[Mm]etadata-[Tt]oken|X-AWS-EC2-METADATA-TOKEN)\s*[:=]\s*)([A-Za-z0-9._~+/=-]{8,})",
                |c| format!("{}[redacted token]", text(&c[1])),
            ),
            // Names that only ever hold a credential: the value after them is masked
            // whatever separates them (`=`, `:`, `=>`, spaces, quotes).
            keyword_rule(
                &["secret_access_key", "secretaccesskey", "secret_key", "secretkey", "client_secret", "session_token", "sessiontoken", "security_token", "security-token"],
                r#"(?x)
                (
                  \b(?:(?:aws_)?secret_access_key|(?:AWS_)?SECRET_ACCESS_KEY|(?:Aws)?SecretAccessKey|secretAccessKey|secretaccesskey
                    |(?:aws_)?secret_key|(?:AWS_)?SECRET_KEY|SecretKey|secretKey|secretkey
                    |client_secret|CLIENT_SECRET|ClientSecret|clientSecret
                    |(?:aws_)?session_token|(?:AWS_)?SESSION_TOKEN|SessionToken|sessionToken|sessiontoken
                    |aws_security_token|AWS_SECURITY_TOKEN|[Xx]-[Aa]mz-[Ss]ecurity-[Tt]oken|X-AMZ-SECURITY-TOKEN)
                  ["']?\s*(?:[:=]|=>)?\s*["']?
                )
                ([A-Za-z0-9+/][A-Za-z0-9+/=_.%-]{7,})"#,
                |c| {
                    // `unset AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`: the next word is
                    // another variable name, not a value. Secrets are never all upper case.
                    if c[2].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_') {
                        text(&c[0]).into_owned()
                    } else {
                        format!("{}[redacted secret]", text(&c[1]))
                    }
                },
                8,
            ),
            // Words that also occur in prose ("the security token included in the request"):
            // masked only in `key: value` / `key=value` form with a token-shaped value.
            keyword_rule(
                &["token=", "token:", "token\"", "token'", "token =", "token :", "password", "passwd"],
                r#"(?x)
                (
                  \b(?:[Tt]oken|TOKEN|[Pp]assword|PASSWORD|[Pp]asswd|PASSWD)
                  ["']?\s*(?:[:=]|=>)\s*["']?
                )
                ((?:[A-Za-z0-9+/=_.%-]{16,})|(?:[^\s"',;&}]{4,}))"#,
                |c| {
                    let key = text(&c[1]).to_ascii_lowercase();
                    let value = &c[2];
                    let token_shaped = value.len() >= 16
                        && value.iter().all(|b| b.is_ascii_alphanumeric() || b"+/=_.%-".contains(b));
                    if key.contains("pass") || token_shaped {
                        format!("{}[redacted secret]", text(&c[1]))
                    } else {
                        text(&c[0]).into_owned()
                    }
                },
                4,
            ),
            // Values inside XML elements that carry credentials.
            rule(
                &["<secretaccesskey>", "<sessiontoken>", "<token>", "<signatureprovided>"],
                r"(<(?:SecretAccessKey|SessionToken|Token|SignatureProvided)>)([^<]{4,})",
                |c| format!("{}[redacted secret]", text(&c[1])),
            ),
            // STS session tokens by their well-known prefixes, wherever they stand.
            rule(
                &["IQoJ", "IgoJ", "FwoG", "FQoG", "AQoD", "AgoJ"],
                r"\b(?:IQoJb3JpZ2lu|IgoJb3JpZ2lu|AgoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz)[A-Za-z0-9+/=]{16,}",
                |_| "[redacted session token]".to_owned(),
            ),
            // JSON Web Tokens (web identity tokens, SSO access tokens).
            rule(
                &["eyJ"],
                r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
                |_| "[redacted JWT]".to_owned(),
            ),
            // SigV4 / SigV2 signatures in headers, query strings and error documents.
            rule(
                &["signature=", "signature:", "signature =", "signature :"],
                r"(\b(?:[Xx]-[Aa]mz-)?(?:[Ss]ignature|SIGNATURE)\s*[=:]\s*)([A-Za-z0-9%+/=]{16,})",
                |c| format!("{}[redacted signature]", text(&c[1])),
            ),
            // Passwords in URLs: scheme://user:password@host
            rule(
                &["@"],
                r"\b([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:)([^\s@/]+)@",
                |c| format!("{}[redacted]@", text(&c[1])),
            ),
            // Access key ids: keep the first and last four characters.
            rule(
                &["AKIA", "ASIA", "ABIA", "ACCA"],
                r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,16}\b",
                |c| shorten_key_id(&text(&c[0])),
            ),
            // A bare 40-character secret access key. Hex-only runs (git hashes, SHA-1) are
            // left alone; anything else of that exact shape is masked.
            rule(
                &[FORTY_CHAR_RUN],
                r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
                |c| {
                    let whole = text(&c[0]);
                    let key = text(&c[1]);
                    if key.bytes().all(|b| b.is_ascii_hexdigit())
                        || is_path_of_words(&key)
                        || !looks_like_secret_key(&key)
                    {
                        return whole.into_owned();
                    }
                    whole.replacen(key.as_ref(), "[redacted secret]", 1)
                },
            ),
        ]
    })
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// `com/AWSEC2/latest/UserGuide/instancedata`, `imds/dist/cjs/remoteProvider/httpRequest`:
/// a run of 40 key characters that is really a path of words, each lower case, upper
/// case, or camel case. The segments of a secret key are random: `wJalrXUtnFEMI`.
fn is_path_of_words(candidate: &str) -> bool {
    fn word(segment: &str) -> bool {
        let b = segment.as_bytes();
        if b.is_empty() {
            return true;
        }
        let upper = b
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let lower = b
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if upper || lower {
            return true;
        }
        // Camel case: a letter, then humps of one capital and at least one lower-case
        // letter, then optional digits.
        let letters_end = b.iter().position(u8::is_ascii_digit).unwrap_or(b.len());
        if b[letters_end..].iter().any(|c| !c.is_ascii_digit()) {
            return false;
        }
        let letters = &b[..letters_end];
        let mut i = 1;
        while i < letters.len() {
            if letters[i].is_ascii_uppercase() {
                let hump = letters[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_lowercase())
                    .count();
                if hump == 0 {
                    return false;
                }
                i += 1 + hump;
            } else {
                i += 1;
            }
        }
        true
    }
    candidate.contains('/') && !candidate.contains('+') && candidate.split('/').all(word)
}

/// A secret access key mixes upper case, lower case and digits (or `/`, `+`); words,
/// paths and identifiers of 40 characters rarely do all three.
fn looks_like_secret_key(candidate: &str) -> bool {
    let upper = candidate.bytes().any(|b| b.is_ascii_uppercase());
    let lower = candidate.bytes().any(|b| b.is_ascii_lowercase());
    let digit_or_symbol = candidate
        .bytes()
        .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+');
    upper && lower && digit_or_symbol && !candidate.contains("//")
}

/// Stands for "a run of 40 key characters": tested by [`has_forty_char_run`], not as a literal.
const FORTY_CHAR_RUN: &str = "\u{0}40";

fn has_forty_char_run(text: &str) -> bool {
    let mut run = 0;
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b == b'/' || b == b'+' {
            run += 1;
            if run >= 40 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Whether some occurrence of `needle` is followed by a plausible secret value: after
/// quotes, spaces and `:`/`=`/`>`, a run of at least `min` key characters that is not an
/// upper-case variable name.
fn value_follows(lower: &str, original: &str, needle: &str, min: usize) -> bool {
    let needle = needle.to_ascii_lowercase();
    let bytes = original.as_bytes();
    memchr::memmem::find_iter(lower.as_bytes(), needle.as_bytes()).any(|at| {
        let mut i = at + needle.len();
        while i < bytes.len()
            && matches!(bytes[i], b'"' | b'\'' | b' ' | b'\t' | b':' | b'=' | b'>')
        {
            i += 1;
        }
        let run = &bytes[i..];
        let len = run
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || b"+/=_.%-".contains(b) || **b > 0x7f)
            .count();
        let variable_name = run[..len]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
        len >= min && !variable_name
    })
}

/// Masks every secret in `text`. Returns the input unchanged (borrowed) when there is
/// nothing to mask, which is the common case and costs a few literal scans.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut current: Cow<'_, str> = Cow::Borrowed(text);
    let mut lower = text.to_ascii_lowercase();
    for rule in rules() {
        let wanted = match rule.value_after {
            Some(min) => rule
                .needles
                .iter()
                .any(|n| value_follows(&lower, &current, n, min)),
            None => rule.any_needle(&lower, &current),
        };
        if !wanted {
            continue;
        }
        let Some(regex) = rule.regex() else {
            continue;
        };
        if let Cow::Owned(replaced) = regex.replace_all(current.as_bytes(), rule.replace) {
            current = Cow::Owned(String::from_utf8_lossy(&replaced).into_owned());
            lower = current.to_ascii_lowercase();
        }
    }
    current
}

/// Removes ANSI escape sequences and replaces every other control character with a
/// visible stand-in. Tabs and newlines are kept; `\r\n` becomes `\n` and a lone `\r`
/// (progress bars overwriting a line) becomes a newline, so nothing is hidden by it.
pub fn neutralise_controls(text: &str) -> Cow<'_, str> {
    neutralise(text, false)
}

/// Like [`clean`], but keeps well-formed SGR sequences (`ESC [ 1;31 m`: colours and
/// text attributes), for output that authdoctor coloured itself. SGR cannot move the
/// cursor, clear the screen or set titles; every other sequence is still removed.
pub fn clean_keeping_style(text: &str) -> Cow<'_, str> {
    match neutralise(text, true) {
        Cow::Borrowed(s) => redact(s),
        Cow::Owned(s) => Cow::Owned(redact(&s).into_owned()),
    }
}

fn neutralise(text: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !text.chars().any(needs_neutralising) {
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

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn access_key_ids_are_shortened() {
        let out = clean("key AKIAIOSFODNN7EXAMPLE used");
        assert_eq!(out, "key AKIA…MPLE used");
        assert_eq!(clean("ASIAY34FZKBOKMUTVV7A"), "ASIA…VV7A");
    }

    #[test]
    fn secret_keys_are_masked_with_or_without_keyword() {
        for text in [
            format!("aws_secret_access_key = {SECRET}"),
            format!("AWS_SECRET_ACCESS_KEY={SECRET}"),
            format!("\"SecretAccessKey\" : \"{SECRET}\","),
            format!("the key {SECRET} leaked"),
            format!("<SecretAccessKey>{SECRET}</SecretAccessKey>"),
        ] {
            let out = clean(&text);
            assert!(!out.contains(SECRET), "{text} -> {out}");
            assert!(!out.contains("bPxRfiCY"), "{text} -> {out}");
        }
    }

    #[test]
    fn paths_and_urls_of_words_are_not_secrets() {
        for text in [
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",
            "at node_modules/@aws-sdk/credential-provider-imds/dist/cjs/remoteProvider/httpRequest.js:26:38",
            "/usr/local/lib/python3.11/site-packages/botocore/credentials.py",
        ] {
            assert_eq!(clean(text), text);
        }
        // A real-looking key with slashes is still masked.
        let out = clean("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end");
        assert!(!out.contains("bPxRfiCY"), "{out}");
    }

    #[test]
    fn hex_hashes_are_not_secrets() {
        let sha = "0cdf83ac8cf800ca46738682ff5a0ab35d948915";
        assert_eq!(clean(sha), sha);
    }

    #[test]
    fn session_tokens_jwts_and_signatures_are_masked() {
        let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example+token/AAAA==";
        let jwt =
            "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJl";
        let sig = "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
        let text = format!("tok {token}\nAuthorization: Bearer abcdefghijklmnop\njwt {jwt}\n{sig}");
        let out = clean(&text);
        assert!(!out.contains("IQoJb3JpZ2luX2VjEJr"), "{out}");
        assert!(!out.contains("eyJhdWQi"), "{out}");
        assert!(!out.contains("fe5f80f77d5fa3be"), "{out}");
        assert!(!out.contains("abcdefghijklmnop"), "{out}");
    }

    #[test]
    fn imds_token_header_is_masked_but_ttl_header_is_kept() {
        let text = "X-aws-ec2-metadata-token: AQAEAFTNrA4eEGx0AQgJ1arIq_Cc-t4tt2vNzLrPXQbiJg==\n\
                    X-aws-ec2-metadata-token-ttl-seconds: 21600";
        let out = clean(text);
        assert!(!out.contains("AQAEAFTNrA4e"), "{out}");
        assert!(out.contains("ttl-seconds: 21600"), "{out}");
    }

    #[test]
    fn encoded_authorization_messages_survive() {
        let text = "Encoded authorization failure message: QXdPNaIegKKNwIX54FPmRmeyDRnNY5FRj5xftd0oRvzujmvMcr3GISKoV5XXyCBUB9f-Ho9lYnxBohCO3d09sewXFUiw9aoB2hPOKhydZd";
        assert_eq!(clean(text), text);
    }

    #[test]
    fn url_passwords_are_masked() {
        let out = clean("HTTPS_PROXY=http://alice:hunter2secret@proxy:3128");
        assert!(!out.contains("hunter2secret"), "{out}");
        assert!(out.contains("alice:"), "{out}");
    }

    #[test]
    fn escape_sequences_are_removed_and_controls_made_visible() {
        let text = "\u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}bell\u{7} nul\u{0} \u{202e}evil";
        let out = clean(text);
        assert_eq!(out, "red bell\u{fffd} nul\u{fffd} \u{fffd}evil");
    }

    #[test]
    fn styled_output_keeps_colours_only() {
        let text = "\u{1b}[1;31mred\u{1b}[0m \u{1b}[2J\u{1b}]0;title\u{7}x";
        assert_eq!(clean_keeping_style(text), "\u{1b}[1;31mred\u{1b}[0m x");
    }

    #[test]
    fn carriage_returns_do_not_hide_text() {
        assert_eq!(clean("a\r\nb"), "a\nb");
        assert_eq!(
            clean("progress 10%\rreal error"),
            "progress 10%\nreal error"
        );
    }

    #[test]
    fn error_prose_is_untouched() {
        for text in [
            "The security token included in the request is expired",
            "The security token included in the request is invalid.",
            "Error when retrieving token from sso: Token has expired and refresh failed",
            "Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled",
            "token: expired",
            "The request signature we calculated does not match the signature you provided.",
            "failed to refresh cached SSO token, InvalidGrantException",
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
        ] {
            assert_eq!(clean(text), text);
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            clean("An error occurred (AccessDenied)"),
            Cow::Borrowed(_)
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_never_leaves_escape(s in "\\PC*") {
            let escape = char::from(0x1b);
            let out = clean(&s);
            proptest::prop_assert!(!out.contains(escape));
        }

        #[test]
        fn planted_secret_never_survives(prefix in "[ -~]{0,40}", suffix in "[ -~]{0,40}") {
            let text = format!("{prefix} aws_secret_access_key={SECRET} {suffix}");
            let out = clean(&text);
            proptest::prop_assert!(!out.contains(SECRET));
        }
    }
}
