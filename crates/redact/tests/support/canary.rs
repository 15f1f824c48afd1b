//! Canaries: secrets of every shape, written in every encoding, and the check that none
//! of their secret part reached an output. Shared by the property tests of
//! `authdoctor-redact` (many cases, in process) and of the binary (every command and
//! format, bounded cases), through `#[path]`.
//!
//! Everything is derived from a seed, so a failing case is reproduced from its numbers.

#![allow(dead_code)]

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| *self.pick(alphabet) as char).collect()
    }
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A 40-character secret access key.
    SecretKey,
    /// An STS session token (`IQoJb3JpZ2lu…`), a few hundred characters.
    SessionToken,
    /// An older or longer one (`FQoG…`/`FwoG…`, up to 1,000 characters).
    LongSessionToken,
    /// An IMDSv2 session token: `AQAEA…==`, 56 characters of URL-safe base64.
    ImdsToken,
    /// A JSON Web Token (web identity, SSO).
    Jwt,
    /// A SigV4 signature: `Signature=<64 hex>`.
    Signature,
    /// A presigned URL's `X-Amz-Signature=<64 hex>`.
    AmzSignature,
}

pub const SHAPES: &[Shape] = &[
    Shape::SecretKey,
    Shape::SessionToken,
    Shape::LongSessionToken,
    Shape::ImdsToken,
    Shape::Jwt,
    Shape::Signature,
    Shape::AmzSignature,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As it is, space-separated.
    Raw,
    /// After an arbitrary `NAME=`.
    AfterName,
    /// Inside double quotes, after an arbitrary name and `: `.
    DoubleQuoted,
    /// Inside single quotes.
    SingleQuoted,
    /// A JSON member with `/` written `\/`.
    JsonEscaped,
    /// A JSON member with `/`, `+`, `=` written `\u002f`, `\u002b`, `\u003d`.
    UnicodeEscaped,
    /// `name%3D<value with %2F %2B %3D>` in a URL or form body.
    UrlEncoded,
    /// Cut by a line break.
    SplitLines,
    /// Cut by a line break, the rest indented.
    SplitIndented,
    /// At the end of a path.
    AfterSlash,
}

pub const ENCODINGS: &[Encoding] = &[
    Encoding::Raw,
    Encoding::AfterName,
    Encoding::DoubleQuoted,
    Encoding::SingleQuoted,
    Encoding::JsonEscaped,
    Encoding::UnicodeEscaped,
    Encoding::UrlEncoded,
    Encoding::SplitLines,
    Encoding::SplitIndented,
    Encoding::AfterSlash,
];

/// Names a canary may follow: known credential names and arbitrary ones.
const NAMES: &[&str] = &[
    "SECRET",
    "MY_VAR",
    "x",
    "value",
    "aws_secret_access_key",
    "SecretAccessKey",
    "SessionToken",
    "Token",
    "AWS_SESSION_TOKEN",
    "data",
    "k1",
];

/// A secret access key: random base64 with upper case, lower case and a digit (as real
/// keys have, with overwhelming probability).
fn secret_key(rng: &mut Rng) -> String {
    let mut key: Vec<char> = rng.string(BASE64, 37).chars().collect();
    for (alphabet, at) in [(UPPER, 7), (LOWER, 19), (b"0123456789".as_slice(), 31)] {
        key.insert(at, *rng.pick(alphabet) as char);
    }
    key.into_iter().collect()
}

impl Shape {
    /// The secret itself (what must never be printed).
    pub fn secret(self, rng: &mut Rng) -> String {
        match self {
            Shape::SecretKey => secret_key(rng),
            Shape::SessionToken => {
                let body = 300 + rng.below(200);
                format!("IQoJb3JpZ2luX2Vj{}", rng.string(BASE64, body))
            }
            Shape::LongSessionToken => {
                let prefix = *rng.pick(&["FQoGZXIvYXdz", "FwoGZXIvYXdz", "IQoJb3JpZ2lu"]);
                let body = 600 + rng.below(400);
                let pad = *rng.pick(&["", "=", "=="]);
                format!("{prefix}{}{pad}", rng.string(BASE64, body))
            }
            Shape::ImdsToken => format!("AQAEA{}==", rng.string(BASE64URL, 49)),
            Shape::Jwt => {
                let header_len = 20 + rng.below(20);
                let header = format!("eyJ{}", rng.string(BASE64URL, header_len));
                let payload_len = 40 + rng.below(160);
                let payload = format!("eyJ{}", rng.string(BASE64URL, payload_len));
                let signature = rng.string(BASE64URL, 43);
                format!("{header}.{payload}.{signature}")
            }
            Shape::Signature | Shape::AmzSignature => rng.string(HEX, 64),
        }
    }

    /// The name that makes a value this shape (signatures are only signatures after it).
    fn own_name(self) -> Option<&'static str> {
        match self {
            Shape::Signature => Some("Signature"),
            Shape::AmzSignature => Some("X-Amz-Signature"),
            _ => None,
        }
    }
}

/// A planted secret: the secret, and the text that carries it.
#[derive(Debug, Clone)]
pub struct Canary {
    pub shape: Shape,
    pub encoding: Encoding,
    pub secret: String,
    pub text: String,
}

fn percent(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D")
}

/// Plants a secret of `shape` in `encoding`.
pub fn plant(shape: Shape, encoding: Encoding, rng: &mut Rng) -> Canary {
    let secret = shape.secret(rng);
    let name = shape.own_name().unwrap_or_else(|| *rng.pick(NAMES));
    // `name=` before the value when the shape needs it to be recognised.
    let named = |value: &str| match shape.own_name() {
        Some(own) => format!("{own}={value}"),
        None => value.to_owned(),
    };
    let text = match encoding {
        Encoding::Raw => named(&secret),
        Encoding::AfterName => format!("{name}={secret}"),
        Encoding::DoubleQuoted => format!("\"{name}\": \"{secret}\""),
        Encoding::SingleQuoted => format!("'{}'", named(&secret)),
        Encoding::JsonEscaped => {
            format!("{{\"{name}\":\"{}\"}}", secret.replace('/', "\\/"))
        }
        Encoding::UnicodeEscaped => format!(
            "{{\"{name}\":\"{}\"}}",
            secret
                .replace('/', "\\u002f")
                .replace('+', "\\u002B")
                .replace('=', "\\u003d")
        ),
        Encoding::UrlEncoded => {
            let url_name = match shape.own_name() {
                Some(own) => own,
                None => *rng.pick(&["aws_secret_access_key", "token", "x", "SessionToken"]),
            };
            format!(
                "https://example.com/q?a=1&{url_name}%3D{}&b=2",
                percent(&secret)
            )
        }
        Encoding::SplitLines | Encoding::SplitIndented => {
            // Both parts long enough to matter (at least 16 and 20 characters).
            let cut = 16 + rng.below(secret.len().saturating_sub(36).max(1));
            let (head, tail) = secret.split_at(cut.min(secret.len() - 20));
            let indent = if encoding == Encoding::SplitIndented {
                "    "
            } else {
                ""
            };
            format!("{}\n{indent}{tail}", named(head))
        }
        Encoding::AfterSlash => {
            let dir = *rng.pick(&["/home/dev/", "s3://bucket/path/", "/", "keys/"]);
            match shape.own_name() {
                Some(_) => format!("https://bucket.s3.amazonaws.com{dir}o?{}", named(&secret)),
                None => format!("{dir}{secret}"),
            }
        }
    };
    Canary {
        shape,
        encoding,
        secret,
        text,
    }
}

/// Length of the pieces of a secret that count as a leak.
pub const LEAK_WINDOW: usize = 12;

/// Undoes the encodings a leak could hide behind in an output: JSON `\/`, `\u00XX`,
/// percent escapes.
fn unescaped(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |s: &[u8]| {
            std::str::from_utf8(s)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'/') {
            out.push(b'/');
            i += 2;
        } else if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'u')
            && let Some(c) = b
                .get(i + 4..i + 6)
                .and_then(hex)
                .filter(|_| b.get(i + 2..i + 4) == Some(b"00"))
        {
            out.push(c);
            i += 6;
        } else if b[i] == b'%'
            && let Some(c) = b.get(i + 1..i + 3).and_then(hex)
        {
            out.push(c);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first piece of `secret` (of [`LEAK_WINDOW`] characters) found in `output`, as
/// printed or once unescaped.
pub fn leak(secret: &str, output: &str) -> Option<String> {
    leaks(&[secret], output).map(|(_, piece)| piece)
}

/// Like [`leak`] for many secrets at once: which one leaked, and the piece found. One
/// pass over the output, whatever the number of secrets.
pub fn leaks(secrets: &[&str], output: &str) -> Option<(usize, String)> {
    let mut pieces: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for (n, secret) in secrets.iter().enumerate() {
        for piece in secret.as_bytes().windows(LEAK_WINDOW) {
            pieces.entry(piece).or_insert(n);
        }
    }
    let plain = unescaped(output);
    for text in [output, plain.as_str()] {
        if let Some((piece, &n)) = text
            .as_bytes()
            .windows(LEAK_WINDOW)
            .find_map(|w| pieces.get_key_value(w))
        {
            return Some((n, String::from_utf8_lossy(piece).into_owned()));
        }
    }
    None
}

/// Error messages a canary is planted next to, so that `explain` has something to
/// explain and shows the line.
pub const ERRORS: &[&str] = &[
    "An error occurred (ExpiredToken) when calling the GetObject operation: The security token included in the request is expired",
    "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
    "An error occurred (SignatureDoesNotMatch) when calling the PutObject operation: The request signature we calculated does not match the signature you provided.",
    "An error occurred (RequestExpired) when calling the DescribeInstances operation: Request has expired.",
    "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied",
];
