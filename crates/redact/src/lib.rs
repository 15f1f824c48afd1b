//! Makes untrusted text safe to echo: no secrets, no terminal control sequences.
//!
//! Every byte authdoctor prints that came from a user, a log, a file or a metadata
//! service passes through [`clean`] first, or is held as a [`Redacted`], the type whose
//! only constructors clean. Cleaning does two things, in this order:
//!
//! 1. [`neutralise_controls`]: ANSI escape sequences (colours, cursor moves, OSC
//!    titles and hyperlinks) are removed, and every other control character, as well
//!    as the Unicode bidirectional overrides, is replaced by a visible stand-in, so a
//!    hostile or merely coloured log can never repaint the terminal.
//! 2. [`redact`]: secret access keys, session tokens, IMDS tokens, bearer tokens,
//!    JWTs, signatures and URL passwords are replaced by `[redacted …]` markers, and
//!    access key ids are shortened to `AKIA…WXYZ`.
//!
//! How a secret is recognised:
//!
//! - **On the decoded value** ([`view`]): JSON escapes (`\/`, `\u002f`, `\"`), percent
//!   escapes (`%2F`, `%3D`) and HTML character references are decoded first (nested up
//!   to three times), and a mask covers every original byte of what it hides, escapes
//!   included.
//! - **By shape** ([`find`]), wherever it stands: a 40-character base64 run mixing cases
//!   and digits (a secret key; also after `NAME=`, after a path, inside quotes), STS
//!   session tokens by their prefixes, a standard-base64 run of 100 characters or more,
//!   IMDSv2 tokens (`AQAE…`), JWTs (`eyJ….ey….…`), access key ids.
//! - **By name**: the value after `aws_secret_access_key`, `SessionToken`,
//!   `x-amz-security-token`, `client_secret`, `password`, `Signature`, `Bearer`,
//!   `X-aws-ec2-metadata-token` and their spellings, in `=`/`:`/`=>`/XML/quoted forms.
//! - **Across line breaks**: a token run that ends a line is joined with the run that
//!   starts the next (after indentation), so a wrapped key or token is recognised whole
//!   and masked on every line it touches.
//!
//! JSON documents built from user input (the results of `simulate --cases`) are written
//! by a [`JsonCleaner`]: every string of the document, cleaned on its own as it is
//! written, each distinct string once per cleaner.
//!
//! What is *not* hidden, because users need it to act: encoded authorization messages
//! (URL-safe base64 blobs: opaque, not credentials), request ids, ARNs, account ids, role
//! names, paths and URLs made of words, hex digests. A 40-character lower-case hex run
//! (a SHA-1 digest, a git commit) is left alone on purpose: a secret access key is
//! random base64 and always mixes upper and lower case, so such a run is never one, while
//! digests are common in the logs people paste. SHA-256 hex (64 characters) is only
//! masked after a name (`Signature=`), for the same reason.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::borrow::Cow;

mod controls;
mod find;
mod json;
mod text;
mod view;

pub use json::{JsonCleaner, first_json_escape};
pub use text::Redacted;

/// Neutralises control sequences, then masks secrets. See the crate docs.
pub fn clean(text: &str) -> Cow<'_, str> {
    match controls::neutralise(text, false) {
        Cow::Borrowed(s) => redact(s),
        Cow::Owned(s) => Cow::Owned(redact(&s).into_owned()),
    }
}

/// Like [`clean`], but keeps well-formed SGR sequences (`ESC [ 1;31 m`: colours and
/// text attributes), for output that authdoctor coloured itself. SGR cannot move the
/// cursor, clear the screen or set titles; every other sequence is still removed.
pub fn clean_keeping_style(text: &str) -> Cow<'_, str> {
    match controls::neutralise(text, true) {
        Cow::Borrowed(s) => redact(s),
        Cow::Owned(s) => Cow::Owned(redact(&s).into_owned()),
    }
}

/// Cleans consecutive lines (an error block) together: a value cut by a line break is
/// recognised across it and masked on each line it touches. The first line may also
/// start with the rest of a value whose beginning was on a line the caller left out: a
/// random-looking base64 run at its very start is masked too. One result per line.
pub fn clean_lines<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    let neutral: Vec<Cow<'_, str>> = lines
        .iter()
        .map(|l| controls::neutralise(l.as_ref(), false))
        .collect();
    let mut joined = String::with_capacity(neutral.iter().map(|l| l.len() + 1).sum());
    let mut starts = Vec::with_capacity(neutral.len());
    for (i, line) in neutral.iter().enumerate() {
        if i > 0 {
            joined.push('\n');
        }
        starts.push(joined.len());
        joined.push_str(line);
    }
    let mut masks = find::masks(&joined);
    if let Some(fragment) = neutral.first().and_then(|l| find::leading_fragment(l)) {
        masks.push(fragment);
        find::merge(&mut masks);
    }
    neutral
        .iter()
        .zip(starts)
        .map(|(line, start)| apply(&joined, &masks, start, start + line.len()))
        .collect()
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

/// Masks every secret in `text`. Returns the input unchanged (borrowed) when there is
/// nothing to mask, which is the common case.
pub fn redact(text: &str) -> Cow<'_, str> {
    let masks = find::masks(text);
    if masks.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(apply(text, &masks, 0, text.len()))
    }
}

/// `text[from..to]` with the (sorted, disjoint) masks that fall in it replaced.
fn apply(text: &str, masks: &[find::Mask], from: usize, to: usize) -> String {
    let mut out = String::with_capacity(to - from);
    let mut at = from;
    for m in masks {
        let (start, end) = (m.start.max(from), m.end.min(to));
        if start >= end || start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(m.kind.marker());
        at = end;
    }
    out.push_str(&text[at..to]);
    out
}

/// Removes ANSI escape sequences and replaces every other control character with a
/// visible stand-in. Tabs and newlines are kept; `\r\n` becomes `\n` and a lone `\r`
/// (progress bars overwriting a line) becomes a newline, so nothing is hidden by it.
pub fn neutralise_controls(text: &str) -> Cow<'_, str> {
    controls::neutralise(text, false)
}

/// Whether [`neutralise_controls`] would change this text, decided on its raw bytes
/// (which need not be valid UTF-8), eight bytes at a time: cheap enough to ask of every
/// line of a large input before deciding to neutralise it.
pub fn has_controls(bytes: &[u8]) -> bool {
    controls::may_need_neutralising(bytes)
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
    fn a_first_line_that_starts_with_joined_words_is_no_cut_secret() {
        // PowerShell prints the cmdlet first; names joined by hyphens are words.
        for line in [
            "Read-S3Object : Access Denied",
            "Get-EC2InstanceMetadata : The request was aborted",
            "Use-STSRole : Access denied",
        ] {
            assert_eq!(clean_lines(&[line]), [line]);
        }
        // The end of a URL-safe token cut by a line break we were not shown still is.
        let cut = "Xq3-vB9_kLm2Pz7-Rt4wYh8 was the rest of it";
        assert!(clean_lines(&[cut])[0].starts_with("[redacted"));
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
