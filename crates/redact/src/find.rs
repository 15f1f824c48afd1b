//! Finding secrets in the decoded [`View`]: by shape, by the name in front of them, and
//! across line breaks.
//!
//! Everything here is hand-written scanning over byte classes plus one Aho-Corasick
//! automaton for the names, built once per process: no regex is compiled, and a text
//! with nothing secret-like in it costs one pass over its bytes and one automaton scan.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::view::View;

/// What a mask hides; the order is the priority when two masks overlap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// An access key id, shown shortened (`AKIA…WXYZ`).
    KeyId(String),
    UrlPassword,
    Signature,
    Secret,
    Token,
    Jwt,
    SessionToken,
}

impl Kind {
    pub fn marker(&self) -> &str {
        match self {
            Kind::KeyId(short) => short,
            Kind::UrlPassword => "[redacted]",
            Kind::Signature => "[redacted signature]",
            Kind::Secret => "[redacted secret]",
            Kind::Token => "[redacted token]",
            Kind::Jwt => "[redacted JWT]",
            Kind::SessionToken => "[redacted session token]",
        }
    }
}

/// A range of the view to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mask {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

// ---------------------------------------------------------------------------------------
// Byte classes

const ALNUM: u8 = 1;
/// Standard base64: alphanumerics, `+`, `/`.
const B64: u8 = 2;
/// URL-safe base64 and JWT segments: alphanumerics, `_`, `-`.
const B64URL: u8 = 4;
/// Characters of a token run: both base64 alphabets, `=`, `.`, `~`.
const TOKEN: u8 = 8;
/// Characters of a value after a name: token characters and `%`.
const VALUE: u8 = 16;

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alnum = c.is_ascii_alphanumeric();
        let mut class = 0;
        if alnum {
            class |= ALNUM | B64 | B64URL | TOKEN | VALUE;
        }
        if c == b'+' || c == b'/' {
            class |= B64 | TOKEN | VALUE;
        }
        if c == b'_' || c == b'-' {
            class |= B64URL | TOKEN | VALUE;
        }
        if c == b'=' || c == b'.' || c == b'~' {
            class |= TOKEN | VALUE;
        }
        if c == b'%' {
            class |= VALUE;
        }
        table[i] = class;
        i += 1;
    }
    table
}

static CLASS: [u8; 256] = classes();

fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// `+/` base64 or its URL-safe sibling: the characters of the long secret shapes.
fn is_w(b: u8) -> bool {
    is(b, B64 | B64URL)
}

fn run_end(b: &[u8], from: usize, class: impl Fn(u8) -> bool) -> usize {
    from + b[from..].iter().take_while(|&&c| class(c)).count()
}

// ---------------------------------------------------------------------------------------
// Shapes

/// Prefixes of STS session tokens (the base64 of the token's fixed first bytes).
const SESSION_TOKEN_PREFIXES: &[&[u8]] = &[
    b"IQoJb3JpZ2lu",
    b"IgoJb3JpZ2lu",
    b"AgoJb3JpZ2lu",
    b"FwoGZXIvYXdz",
    b"FQoGZXIvYXdz",
    b"AQoDYXdz",
];
const ACCESS_KEY_ID_PREFIXES: &[&[u8]] = &[b"AKIA", b"ASIA", b"ABIA", b"ACCA"];
/// A token run shorter than this cannot hold any shape we mask (the shortest is an
/// access key id, 16 characters).
pub(crate) const MIN_SHAPE_RUN: usize = 16;
/// IMDSv2 session tokens are URL-safe base64 starting `AQAE`, about 56 characters.
const MIN_IMDS_TOKEN: usize = 32;
/// A standard-base64 run this long (with a `+` or `/`, without `-`/`_`), mixing cases and
/// digits, is a credential blob (a session token whose prefix we do not know, a token
/// cut in half).
const LONG_BASE64: usize = 100;
/// URL-safe base64 runs this long are opaque blobs (encoded authorization messages):
/// a 40-character stretch inside one is not a secret key.
const URL_SAFE_BLOB: usize = 80;

/// Finds every shape in a run of token characters (`run` holds nothing else).
/// Ranges are relative to `run`.
pub(crate) fn classify_run(run: &[u8], out: &mut Vec<(usize, usize, Kind)>) {
    let n = run.len();
    for i in 0..n {
        let c = run[i];
        if !matches!(c, b'e' | b'A' | b'I' | b'F') {
            continue;
        }
        let prev = (i > 0).then(|| run[i - 1]);
        let rest = &run[i..];
        if c == b'e' && rest.starts_with(b"eyJ") && prev.is_none_or(|p| !is(p, B64URL)) {
            if let Some(end) = jwt_end(run, i) {
                out.push((i, end, Kind::Jwt));
            }
            continue;
        }
        // A token may follow a path (`…/`) or `=`; inside a base64 run it is not one.
        let token_start = prev.is_none_or(|p| !p.is_ascii_alphanumeric() && p != b'+');
        if token_start && SESSION_TOKEN_PREFIXES.iter().any(|p| rest.starts_with(p)) {
            let end = padded_end(run, run_end(run, i, |b| is(b, B64)));
            if end - i >= 28 {
                out.push((i, end, Kind::SessionToken));
            }
        }
        if rest.starts_with(b"AQAE") && token_start && prev.is_none_or(|p| p != b'_' && p != b'-') {
            let end = padded_end(run, run_end(run, i, is_w));
            if end - i >= MIN_IMDS_TOKEN {
                out.push((i, end, Kind::Token));
            }
        }
        if prev.is_none_or(|p| !p.is_ascii_alphanumeric())
            && ACCESS_KEY_ID_PREFIXES.iter().any(|p| rest.starts_with(p))
        {
            let end = run_end(run, i, |b| b.is_ascii_alphanumeric());
            let id = &run[i..end];
            if (16..=20).contains(&id.len())
                && id
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                out.push((i, end, Kind::KeyId(crate::shorten_key_id(&ascii(id)))));
            }
        }
    }
    // Secret keys and long base64: within runs of both base64 alphabets.
    let mut w_start = 0;
    while w_start < n {
        if !is_w(run[w_start]) {
            w_start += 1;
            continue;
        }
        let w_end = run_end(run, w_start, is_w);
        let w = &run[w_start..w_end];
        let url_safe = w.iter().any(|&b| b == b'-' || b == b'_');
        if w.len() >= 40 && !(url_safe && w.len() >= URL_SAFE_BLOB) {
            // Keys never hold `-` or `_`: those separate candidates.
            let mut k_start = 0;
            while k_start < w.len() {
                let k_end = run_end(w, k_start, |b| is(b, B64));
                if k_end > k_start {
                    secret_keys_in(&w[k_start..k_end], w_start + k_start, out);
                }
                k_start = k_end + 1;
            }
        }
        w_start = w_end;
    }
}

/// Base64 padding ends a value: `end` moved past the `=` that follow it.
fn padded_end(run: &[u8], end: usize) -> usize {
    run_end(run, end, |b| b == b'=')
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The end of a JWT starting at `start` (`eyJ…`), header, payload and signature (and
/// the further segments of an encrypted token).
fn jwt_end(run: &[u8], start: usize) -> Option<usize> {
    let header_end = run_end(run, start, |b| is(b, B64URL));
    if header_end - start < 7 || run.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload = header_end + 1;
    let payload_end = run_end(run, payload, |b| is(b, B64URL));
    if payload_end - payload < 4 || !run[payload..].starts_with(b"ey") {
        return None;
    }
    let mut end = payload_end;
    while run.get(end) == Some(&b'.') {
        end = run_end(run, end + 1, |b| is(b, B64URL));
    }
    Some(end)
}

/// Secret keys in a run of standard base64 (`k`, at `offset` in its token run).
fn secret_keys_in(k: &[u8], offset: usize, out: &mut Vec<(usize, usize, Kind)>) {
    if k.len() == 40 {
        if is_secret_key(k) {
            out.push((offset, offset + 40, Kind::Secret));
        }
    } else if k.len() > 40 && k.contains(&b'/') {
        // A key after a path (`…/home/<key>`, `/<key>`): a 40-character stretch from
        // one slash to the next, the rest of the run being path words.
        let starts = std::iter::once(0).chain(
            k.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'/')
                .map(|(i, _)| i + 1),
        );
        for s in starts {
            let e = s + 40;
            if e > k.len() {
                break;
            }
            if e < k.len() && k[e] != b'/' {
                continue;
            }
            let prefix_ok = s == 0 || words(&k[..s - 1]);
            let suffix_ok = e == k.len() || words(&k[e + 1..]);
            if prefix_ok && suffix_ok && is_secret_key(&k[s..e]) {
                out.push((offset + s, offset + e, Kind::Secret));
            }
        }
    }
    // `+` or `/` marks standard base64: encoded authorization messages (URL-safe, to be
    // decoded by the user) never hold one.
    let standard = k.iter().any(|&c| c == b'+' || c == b'/');
    if k.len() >= LONG_BASE64
        && standard
        && mixed(k)
        && !all_hex(k)
        && !words(k)
        && random_looking(k, 4)
    {
        out.push((offset, offset + k.len(), Kind::Token));
    }
}

fn mixed(s: &[u8]) -> bool {
    s.iter().any(u8::is_ascii_uppercase)
        && s.iter().any(u8::is_ascii_lowercase)
        && s.iter()
            .any(|b| b.is_ascii_digit() || *b == b'/' || *b == b'+')
}

fn all_hex(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_hexdigit)
}

/// Whether 40 base64 characters are shaped like a secret access key: upper case, lower
/// case and a digit or symbol (random keys almost always have all three), not a hex
/// digest, not a path of words.
pub(crate) fn is_secret_key(k: &[u8]) -> bool {
    k.len() == 40
        && k.iter().all(|&b| is(b, B64))
        && mixed(k)
        && !all_hex(k)
        && !words(k)
        && random_looking(k, 4)
}

/// Whether the character class (upper, lower, digit, symbol) changes at least once every
/// `per` characters. Random base64 changes class about two times in three; identifiers
/// such as `AWSCredentialsProviderChain` far less often.
fn random_looking(s: &[u8], per: usize) -> bool {
    fn class(b: u8) -> u8 {
        match b {
            b'A'..=b'Z' => 0,
            b'a'..=b'z' => 1,
            b'0'..=b'9' => 2,
            _ => 3,
        }
    }
    let changes = s.windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    changes * per >= s.len()
}

/// `com/AWSEC2/latest/UserGuide`, `imds/dist/cjs/remoteProvider`, `Read-S3Object`,
/// `my_bucket-Name`: segments that are each lower case, upper case or camel case. The
/// segments of a secret key or a URL-safe token are random.
fn words(path: &[u8]) -> bool {
    path.split(|&b| matches!(b, b'/' | b'-' | b'_'))
        .all(is_word)
}

fn is_word(b: &[u8]) -> bool {
    if b.is_empty() {
        return true;
    }
    if !b.iter().all(u8::is_ascii_alphanumeric) {
        return false;
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
    // Camel case, acronyms allowed (`AmazonSSMRoleFor`, `getHTTPResponse`, `S3Client`):
    // after the first run (`http`, `get`), every run of lower-case letters is at least
    // two long and holds a vowel (short segments such as `App` aside), and digits come in at most two runs. Random base64 has lone
    // lower-case letters everywhere (`bPxRfiCY`), runs without vowels (`Mpj`), and
    // digits scattered.
    let mut digit_runs = 0;
    let mut i = 0;
    while i < b.len() {
        let run = b[i..]
            .iter()
            .take_while(|c| {
                c.is_ascii_lowercase() == b[i].is_ascii_lowercase()
                    && c.is_ascii_digit() == b[i].is_ascii_digit()
            })
            .count();
        if b[i].is_ascii_lowercase()
            && i > 0
            && b.len() > 4
            && (run < 2 || !b[i..i + run].iter().any(|c| b"aeiouy".contains(c)))
        {
            return false;
        }
        if b[i].is_ascii_digit() {
            digit_runs += 1;
        }
        i += run;
    }
    digit_runs <= 2
}

// ---------------------------------------------------------------------------------------
// Names

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    /// Names that only ever hold a credential: `aws_secret_access_key`, `SessionToken`.
    Credential,
    /// Words that also occur in prose (`token`, `secret`): only `name: value` /
    /// `name=value` with a token-shaped value.
    Loose,
    Password,
    Signature,
    Bearer,
    /// The IMDS session token header (not `…-token-ttl-seconds`).
    MetadataToken,
}

const NAMES: &[(&str, Name)] = &[
    ("secret_access_key", Name::Credential),
    ("secretaccesskey", Name::Credential),
    ("secret-access-key", Name::Credential),
    ("secret_key", Name::Credential),
    ("secretkey", Name::Credential),
    ("secret-key", Name::Credential),
    ("client_secret", Name::Credential),
    ("clientsecret", Name::Credential),
    ("client-secret", Name::Credential),
    ("session_token", Name::Credential),
    ("sessiontoken", Name::Credential),
    ("session-token", Name::Credential),
    ("security_token", Name::Credential),
    ("securitytoken", Name::Credential),
    ("security-token", Name::Credential),
    ("access_token", Name::Credential),
    ("accesstoken", Name::Credential),
    ("refresh_token", Name::Credential),
    ("refreshtoken", Name::Credential),
    ("id_token", Name::Credential),
    ("api_key", Name::Credential),
    ("apikey", Name::Credential),
    ("api-key", Name::Credential),
    ("token", Name::Loose),
    ("secret", Name::Loose),
    ("password", Name::Password),
    ("passwd", Name::Password),
    ("passphrase", Name::Password),
    ("signature", Name::Signature),
    ("signatureprovided", Name::Signature),
    ("bearer", Name::Bearer),
    ("metadata-token", Name::MetadataToken),
];

/// Text redacted with the contiguous NFA before the DFA is built: the DFA costs twice as
/// much to build (0.23 ms against 0.13 ms) and searches about 1.8 times as fast (400
/// against 220 MB/s on log text), so it pays off only once this much text has come.
const NAMES_DFA_AFTER_BYTES: usize = 64 * 1024;

static NAMES_NFA: OnceLock<Option<AhoCorasick>> = OnceLock::new();
static NAMES_DFA: OnceLock<Option<AhoCorasick>> = OnceLock::new();
/// Bytes of text searched for names so far.
static REDACTED_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The automaton over [`NAMES`] for a text of `len` bytes, built once per process (it
/// cannot fail to build for these few short literals; if it did, names would go
/// unrecognised and shapes still work). Both kinds find the same matches.
fn names(len: usize) -> Option<&'static AhoCorasick> {
    let build = |kind| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(kind))
            .build(NAMES.iter().map(|(n, _)| n))
            .ok()
    };
    if let Some(dfa) = NAMES_DFA.get() {
        return dfa.as_ref();
    }
    let total = REDACTED_BYTES.fetch_add(len, Ordering::Relaxed) + len;
    if total > NAMES_DFA_AFTER_BYTES {
        NAMES_DFA
            .get_or_init(|| build(AhoCorasickKind::DFA))
            .as_ref()
    } else {
        NAMES_NFA
            .get_or_init(|| build(AhoCorasickKind::ContiguousNFA))
            .as_ref()
    }
}

/// `UNSET_ME`, `AWS_SESSION_TOKEN`: another variable's name, not a value.
fn variable_name(v: &[u8]) -> bool {
    v.iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

fn skip(b: &[u8], mut i: usize, max: usize, what: impl Fn(u8) -> bool) -> usize {
    let limit = i + max;
    while i < b.len() && i < limit && what(b[i]) {
        i += 1;
    }
    i
}

/// Quotes around a name or a value; `\` too, for `\"` in JSON that is itself a string.
fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`' | b'\\')
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Values named by a credential name (`aws_secret_access_key = …`, `"SessionToken":"…"`,
/// `<SecretAccessKey>…`, `Authorization: Bearer …`).
fn named_values(text: &str, out: &mut Vec<Mask>) {
    let Some(names) = names(text.len()) else {
        return;
    };
    let b = text.as_bytes();
    for m in names.find_iter(text) {
        let name = NAMES[m.pattern().as_usize()].1;
        let end = m.end();
        // The name must end there: `session_token_expiry`, `token-ttl-seconds` are
        // other names.
        match b.get(end) {
            Some(c) if c.is_ascii_alphanumeric() => continue,
            Some(b'_' | b'-') if b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric) => {
                continue;
            }
            _ => {}
        }
        let xml_open = m.start() > 0 && b[m.start() - 1] == b'<';
        // Prose words stand alone: not `RequestToken`/`NextToken` (request ids, paging),
        // not `arn:aws:secretsmanager:…:secret:orders/db-AbCdEf` (a resource type).
        if name == Name::Loose
            && m.start() > 0
            && (b[m.start() - 1].is_ascii_alphanumeric() || b[m.start() - 1] == b':')
        {
            continue;
        }
        let mut i = skip(b, end, 3, is_quote);
        i = skip(b, i, 8, is_blank);
        let mut explicit = false;
        let mut xml = false;
        match b.get(i) {
            Some(b':' | b'=') => {
                explicit = true;
                i += 1;
                if matches!(b.get(i), Some(b'>' | b'=')) {
                    i += 1;
                }
            }
            Some(b'>') if xml_open => {
                explicit = true;
                xml = true;
                i += 1;
            }
            _ => {}
        }
        let blank_after_name = i > end && !explicit;
        if !xml {
            i = skip(b, i, 8, is_blank);
            i = skip(b, i, 3, is_quote);
        }
        let value = match name {
            Name::Password if explicit => {
                let e = run_end(b, i, |c| {
                    !c.is_ascii_whitespace()
                        && !matches!(c, b'"' | b'\'' | b',' | b';' | b'&' | b'}' | b'<' | b'>')
                });
                let v = &b[i..e];
                (v.len() >= 4 && !variable_name(v)).then_some((e, Kind::Secret))
            }
            Name::Signature if explicit => {
                let e = run_end(b, i, |c| is(c, B64) || c == b'=' || c == b'%');
                (e - i >= 16).then_some((e, Kind::Signature))
            }
            Name::MetadataToken if explicit => {
                let e = run_end(b, i, |c| is(c, TOKEN));
                (e - i >= 8).then_some((e, Kind::Token))
            }
            Name::Bearer if blank_after_name => {
                let e = run_end(b, i, |c| is(c, TOKEN));
                let v = &b[i..e];
                let prose = matches!(
                    v.to_ascii_lowercase().as_slice(),
                    b"authentication" | b"authorization" | b"credentials"
                );
                (v.len() >= 8 && !prose).then_some((e, Kind::Token))
            }
            Name::Credential | Name::Loose if xml => {
                let e = run_end(b, i, |c| c != b'<' && c != b'\n');
                (e - i >= 4).then_some((e, Kind::Secret))
            }
            Name::Credential if explicit => {
                let e = run_end(b, i, |c| is(c, VALUE));
                let v = &b[i..e];
                (v.len() >= 8 && !variable_name(v)).then_some((e, Kind::Secret))
            }
            Name::Credential if i > end => {
                // Only blanks or quotes between: `set aws_secret_access_key <value>`.
                let e = run_end(b, i, |c| is(c, VALUE));
                let v = &b[i..e];
                (v.len() >= 16 && mixed(v)).then_some((e, Kind::Secret))
            }
            Name::Loose if explicit => {
                // `$imdsToken = Invoke-RestMethod`: a command, not a value. Tokens are
                // random: mixed case with digits or symbols, or many digits.
                let e = run_end(b, i, |c| is(c, VALUE));
                let v = &b[i..e];
                let digits = v.iter().filter(|c| c.is_ascii_digit()).count();
                let hex_id = v.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
                let random = (mixed(v) || digits >= 4) && !hex_id;
                (v.len() >= 16 && random && !variable_name(v)).then_some((e, Kind::Secret))
            }
            _ => None,
        };
        let Some((value_end, kind)) = value else {
            continue;
        };
        out.push(Mask {
            start: i,
            end: value_end,
            kind: kind.clone(),
        });
        // A long value cut by a line break goes on with the next line's base64 (not
        // after padding, which ends a value).
        if value_end - i >= 16 && b[value_end - 1] != b'=' {
            let mut at = value_end;
            for _ in 0..MAX_JOINED_LINES {
                let Some(length) = line_break_at(b, at) else {
                    break;
                };
                let start = skip(b, at + length, MAX_INDENT, is_blank);
                let e = run_end(b, start, |c| is_w(c) || c == b'=');
                if e == start || is_plain_word(&b[start..e]) || names_a_field(b, start, e) {
                    break;
                }
                out.push(Mask {
                    start,
                    end: e,
                    kind: kind.clone(),
                });
                at = e;
            }
        }
    }
}

/// `scheme://user:password@host`: the password.
fn url_passwords(b: &[u8], out: &mut Vec<Mask>) {
    for at in memchr::memmem::find_iter(b, b"://") {
        let user_start = at + 3;
        let user_end = run_end(b, user_start, |c| {
            !c.is_ascii_whitespace() && !matches!(c, b':' | b'/' | b'@')
        });
        if user_end == user_start || b.get(user_end) != Some(&b':') {
            continue;
        }
        let pass_start = user_end + 1;
        let pass_end = run_end(b, pass_start, |c| {
            !c.is_ascii_whitespace() && !matches!(c, b'@' | b'/')
        });
        if pass_end > pass_start && b.get(pass_end) == Some(&b'@') {
            out.push(Mask {
                start: pass_start,
                end: pass_end,
                kind: Kind::UrlPassword,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Runs, joins and the whole view

/// Shapes in every token run of the view.
fn shaped_runs(b: &[u8], out: &mut Vec<Mask>) {
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is(b[i], TOKEN) {
            i += 1;
            continue;
        }
        let end = run_end(b, i, |c| is(c, TOKEN));
        if end - i >= MIN_SHAPE_RUN {
            found.clear();
            classify_run(&b[i..end], &mut found);
            out.extend(found.drain(..).map(|(s, e, kind)| Mask {
                start: i + s,
                end: i + e,
                kind,
            }));
        }
        i = end;
    }
}

/// Lines a wrapped value may continue over.
const MAX_JOINED_LINES: usize = 64;
/// Joined values up to this long are also read line by line (a secret key, 40
/// characters, after up to a line of other text).
const SHORT_CHAIN: usize = 128;
/// The length of the line break at `i`: a newline, or `\n` written out (JSON strings,
/// debug output), where a wrapped value goes on after it. `None` when there is none.
fn line_break_at(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1)) {
        (Some(b'\n'), _) => Some(1),
        (Some(b'\\'), Some(b'n')) => Some(2),
        _ => None,
    }
}

/// Bytes of joined values read from the later lines of one chain.
const MAX_CHAIN_WORK: usize = 64 * 1024;
/// Indentation skipped at the start of a continuation line.
const MAX_INDENT: usize = 16;

/// Values cut by a line break: the token run ending a line joined with the one that
/// starts the next (after indentation), over as many lines as the value fills.
fn joined_runs(b: &[u8], out: &mut Vec<Mask>) {
    let mut search_from = 0;
    while let Some(found) = memchr::memchr2(b'\n', b'\\', &b[search_from..]) {
        let at_break = search_from + found;
        search_from = at_break + 1;
        if line_break_at(b, at_break).is_none() || at_break == 0 || !is(b[at_break - 1], TOKEN) {
            continue;
        }
        let mut first = at_break;
        while first > 0 && is(b[first - 1], TOKEN) {
            first -= 1;
        }
        // (view start, length) of each piece.
        let mut pieces = vec![(first, at_break - first)];
        let mut at = at_break;
        while pieces.len() < MAX_JOINED_LINES
            && let Some(length) = line_break_at(b, at)
        {
            let start = skip(b, at + length, MAX_INDENT, is_blank);
            let end = run_end(b, start, |c| is(c, TOKEN));
            if end == start {
                break;
            }
            pieces.push((start, end - start));
            at = end;
        }
        if pieces.len() < 2 {
            continue;
        }
        // Go on after the last line break the chain used.
        if let Some(&(last_start, _)) = pieces.last() {
            search_from = search_from.max(last_start);
        }
        // The value may start at the start of the first line's trailing run, or at the
        // start of the next line (`…&b=2⏎AQAE…⏎…==`): both chains are read.
        // Where the value ends is not known either (`…KEY⏎s3://…` goes on with another
        // word): short chains are read at every length, long ones whole. A value may
        // start on any line of the chain; reading every long chain from every line is
        // bounded by [`MAX_CHAIN_WORK`] bytes.
        let mut work = 0;
        for first in 0..pieces.len() - 1 {
            let mut length = pieces[first].1;
            for last in first + 1..pieces.len() {
                length += pieces[last].1;
                let whole = last + 1 == pieces.len() && (first < 2 || work < MAX_CHAIN_WORK);
                if length <= SHORT_CHAIN || whole {
                    classify_chain(b, &pieces[first..=last], out);
                    work += length;
                }
            }
        }
    }
}

/// Shapes in the value made of `pieces` (view ranges on consecutive lines), masked on
/// each line they touch.
fn classify_chain(b: &[u8], pieces: &[(usize, usize)], out: &mut Vec<Mask>) {
    let joined: Vec<u8> = pieces
        .iter()
        .flat_map(|&(s, l)| b[s..s + l].iter().copied())
        .collect();
    if joined.len() < MIN_SHAPE_RUN {
        return;
    }
    let mut found = Vec::new();
    classify_run(&joined, &mut found);
    for (s, e, kind) in found {
        // Back to the view, one mask per line the value touches. A shape of exact
        // length (a secret key) is trusted on every line; a shape that extends as
        // far as base64 goes (tokens) ends at a continuation that is a plain word
        // (`…token⏎Authorization: …`): the next line started something else.
        let greedy = !matches!(kind, Kind::Secret | Kind::KeyId(_));
        let mut offset = 0;
        for &(start, len) in pieces {
            if greedy
                && offset > s
                && offset < e
                && (is_plain_word(&b[start..start + len]) || names_a_field(b, start, start + len))
            {
                break;
            }
            let (lo, hi) = (s.max(offset), e.min(offset + len));
            if lo < hi {
                out.push(Mask {
                    start: start + lo - offset,
                    end: start + hi - offset,
                    kind: kind.clone(),
                });
            }
            offset += len;
        }
    }
}

/// Letters only, in one of the casings of a word (`Authorization`, `error`, `KEY`).
fn is_plain_word(piece: &[u8]) -> bool {
    piece.iter().all(u8::is_ascii_alphabetic) && is_word(piece)
}

/// `b[start..end]` is the name of a field, not the rest of a value: words joined by
/// hyphens and followed by a colon, as a header on the next line of a dump
/// (`…Signature=9f86…⏎X-Amz-Date: 2026…`). Base64 holds no colon.
fn names_a_field(b: &[u8], start: usize, end: usize) -> bool {
    b.get(end) == Some(&b':')
        && b[start..end]
            .split(|&c| c == b'-')
            .all(|word| !word.is_empty() && is_plain_word(word))
}

/// Every mask for `original`, in original offsets, sorted and merged.
pub(crate) fn masks(original: &str) -> Vec<Mask> {
    let view = View::new(original);
    let b = view.text.as_bytes();
    let mut found = Vec::new();
    shaped_runs(b, &mut found);
    joined_runs(b, &mut found);
    named_values(&view.text, &mut found);
    if memchr::memchr(b'@', b).is_some() {
        url_passwords(b, &mut found);
    }
    let mut masks: Vec<Mask> = found
        .into_iter()
        .filter(|m| m.start < m.end)
        .map(|m| Mask {
            start: view.original(m.start),
            end: view.original(m.end),
            kind: m.kind,
        })
        .collect();
    merge(&mut masks);
    masks
}

/// Sorts masks and merges overlapping ones (the stronger kind names the union).
pub(crate) fn merge(masks: &mut Vec<Mask>) {
    masks.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut merged: Vec<Mask> = Vec::with_capacity(masks.len());
    for m in masks.drain(..) {
        match merged.last_mut() {
            Some(last) if m.start < last.end => {
                last.end = last.end.max(m.end);
                if m.kind > last.kind {
                    last.kind = m.kind;
                }
            }
            _ => merged.push(m),
        }
    }
    *masks = merged;
}

/// A line that starts with what looks like the rest of a value cut by a line break we
/// were not shown (the first line of an error block): a random-looking base64 run at
/// the start of the line (after indentation), followed by a blank or the end of the line.
pub(crate) fn leading_fragment(line: &str) -> Option<Mask> {
    let b = line.as_bytes();
    let start = skip(b, 0, MAX_INDENT, is_blank);
    let end = run_end(b, start, |c| is(c, TOKEN));
    let bounded = b.get(end).is_none_or(|c| c.is_ascii_whitespace());
    // Judged piece by piece (`.` separates JWT segments and package names, `=` pads).
    let random = b[start..end]
        .split(|&c| c == b'.' || c == b'=' || c == b'~')
        .any(|piece| {
            piece.len() >= 12
                && piece.iter().any(u8::is_ascii_uppercase)
                && piece.iter().any(u8::is_ascii_lowercase)
                && !all_hex(piece)
                && !words(piece)
                && random_looking(piece, 3)
        });
    (bounded && random).then_some(Mask {
        start,
        end,
        kind: Kind::Secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names automaton switches from NFA to DFA after [`NAMES_DFA_AFTER_BYTES`]:
    /// both must find the same names, so redaction does not change with the amount of
    /// text redacted before.
    #[test]
    fn names_are_found_the_same_before_and_after_the_dfa() {
        let text = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                    \"SessionToken\": \"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6\"\n\
                    Authorization: Bearer abcdefghijklmnopqrst\n\
                    X-aws-ec2-metadata-token-ttl-seconds: 21600 password=hunter2secret";
        let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
        let kinds = [AhoCorasickKind::ContiguousNFA, AhoCorasickKind::DFA];
        let found: Vec<Vec<(usize, usize, usize)>> = kinds
            .iter()
            .map(|&kind| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(kind))
                    .build(&names)
                    .map(|ac| {
                        ac.find_iter(text)
                            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        assert!(found[0].len() >= 4, "{:?}", found[0]);
        assert_eq!(found[0], found[1]);

        let before = masks(text);
        let filler = "x".repeat(NAMES_DFA_AFTER_BYTES + 1);
        assert!(masks(&filler).is_empty());
        assert!(NAMES_DFA.get().is_some());
        assert_eq!(masks(text), before);
        assert!(!before.is_empty());
    }
}
