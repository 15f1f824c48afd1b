//! Wildcard patterns (`*` any run, `?` one character), compiled once per policy.
//!
//! Actions compare case-insensitively (both sides are lower-cased before matching);
//! resources and ARN conditions case-sensitively, segment by segment: an ARN is
//! `arn:partition:service:region:account:resource`, a wildcard in the first five
//! segments stays inside its segment, and a pattern with fewer than six segments whose
//! last segment ends in `*` lets that `*` run across the remaining colons
//! (`arn:aws:s3:::*` style shorthands such as `arn:aws:sqs:*`).
//!
//! Most patterns in real policies are `*`, an exact name or a prefix (`ec2:Describe*`),
//! so those shapes get their own fast paths; the general matcher is the classic
//! linear-time star-backtracking algorithm, no regex and no recursion.

/// One piece of a pattern: literal text, `*` or `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Lit(String),
    Star,
    One,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Glob {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    General(Box<[Tok]>),
}

/// Splits pattern text into tokens. `literal` pieces (text substituted from a policy
/// variable or a `${*}` escape) never act as wildcards.
pub fn tokenize(pieces: &[(&str, bool)]) -> Vec<Tok> {
    let mut toks: Vec<Tok> = Vec::new();
    let push_lit = |toks: &mut Vec<Tok>, s: &str| {
        if s.is_empty() {
            return;
        }
        if let Some(Tok::Lit(prev)) = toks.last_mut() {
            prev.push_str(s);
        } else {
            toks.push(Tok::Lit(s.to_owned()));
        }
    };
    for &(text, literal) in pieces {
        if literal {
            push_lit(&mut toks, text);
            continue;
        }
        let mut start = 0;
        // `*` and `?` are ASCII: a byte scan finds them, at char boundaries.
        for (i, c) in text.bytes().enumerate() {
            if c == b'*' || c == b'?' {
                push_lit(&mut toks, &text[start..i]);
                if c == b'*' {
                    // Consecutive stars mean the same as one.
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                } else {
                    toks.push(Tok::One);
                }
                start = i + 1;
            }
        }
        push_lit(&mut toks, &text[start..]);
    }
    toks
}

impl Glob {
    /// Compiles pattern text where every `*` and `?` is a wildcard.
    pub fn new(pattern: &str) -> Glob {
        Glob::from_tokens(tokenize(&[(pattern, false)]))
    }

    /// [`Glob::new`] of an owned text: a text without wildcards, or with one final `*`,
    /// becomes the pattern without tokens or a copy (the same glob, a test compares).
    pub fn from_text(mut text: String) -> Glob {
        let bytes = text.as_bytes();
        match bytes.iter().position(|&b| b == b'*' || b == b'?') {
            None => Glob::Exact(text.into_boxed_str()),
            Some(0) if bytes == b"*" => Glob::Any,
            Some(i) if i > 0 && i + 1 == bytes.len() && bytes[i] == b'*' => {
                text.truncate(i);
                Glob::Prefix(text.into_boxed_str())
            }
            Some(_) => Glob::new(&text),
        }
    }

    pub fn from_tokens(mut toks: Vec<Tok>) -> Glob {
        // The literal moves into the pattern (no copy): compiling every pattern of every
        // policy is a good part of reading a case.
        match toks.as_mut_slice() {
            [] => Glob::Exact("".into()),
            [Tok::Star] => Glob::Any,
            [Tok::Lit(l)] => Glob::Exact(std::mem::take(l).into_boxed_str()),
            [Tok::Lit(l), Tok::Star] => Glob::Prefix(std::mem::take(l).into_boxed_str()),
            [Tok::Star, Tok::Lit(l)] => Glob::Suffix(std::mem::take(l).into_boxed_str()),
            _ => Glob::General(toks.into_boxed_slice()),
        }
    }

    pub fn is_any(&self) -> bool {
        matches!(self, Glob::Any)
    }

    /// Whether the pattern's last token is `*`.
    pub fn ends_with_star(&self) -> bool {
        match self {
            Glob::Any | Glob::Prefix(_) => true,
            Glob::General(t) => t.last() == Some(&Tok::Star),
            _ => false,
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(e) => s == &**e,
            Glob::Prefix(p) => s.starts_with(&**p),
            Glob::Suffix(p) => s.ends_with(&**p),
            Glob::General(toks) => general(toks, s),
        }
    }
}

fn char_len_at(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

fn general(toks: &[Tok], s: &str) -> bool {
    let (mut ti, mut si) = (0usize, 0usize);
    // Where the last `*` was, and how much of `s` it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(tok) = toks.get(ti) {
            match tok {
                Tok::Star => {
                    star = Some((ti + 1, si));
                    ti += 1;
                    continue;
                }
                Tok::One if si < s.len() => {
                    si += char_len_at(s, si);
                    ti += 1;
                    continue;
                }
                Tok::Lit(l) if s[si..].starts_with(l.as_str()) => {
                    si += l.len();
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        } else if si == s.len() {
            return true;
        }
        match star {
            Some((t, swallowed)) if swallowed < s.len() => {
                let next = swallowed + char_len_at(s, swallowed);
                star = Some((t, next));
                ti = t;
                si = next;
            }
            _ => return false,
        }
    }
}

/// A resource / ARN pattern matched segment by segment.
#[derive(Debug, Clone)]
pub struct ArnPattern {
    segs: Segs,
    /// Fewer than six segments and the last ends in `*`: it covers the rest of the ARN.
    trailing: bool,
    all: bool,
}

/// The segments of an [`ArnPattern`].
#[derive(Debug, Clone)]
enum Segs {
    Globs(Vec<Glob>),
    /// The common literal shape (see [`ArnPattern::literal`]) in one allocation: segment
    /// `i` is `text[bounds[i].0..bounds[i].1]`, matched exactly, except the last, which
    /// is matched as `last` says.
    Literal {
        text: Box<str>,
        bounds: [(u32, u32); 6],
        n: u8,
        last: LastSeg,
    },
}

/// How the last segment of a literal pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastSeg {
    Any,
    Exact,
    Prefix,
}

/// Equal when the segments are (the literal shape compares as the globs it stands for).
impl PartialEq for ArnPattern {
    fn eq(&self, other: &ArnPattern) -> bool {
        self.trailing == other.trailing && self.all == other.all && self.globs() == other.globs()
    }
}

impl Eq for ArnPattern {}

impl ArnPattern {
    pub fn new(pattern: &str) -> ArnPattern {
        // The literal shapes without tokens: no wildcard, or one final `*`.
        let bytes = pattern.as_bytes();
        let literal = match bytes.iter().position(|&b| b == b'*' || b == b'?') {
            None if !bytes.is_empty() => ArnPattern::literal(&mut [Tok::Lit(pattern.to_owned())]),
            Some(i) if i > 0 && i + 1 == bytes.len() && bytes[i] == b'*' => {
                ArnPattern::literal(&mut [Tok::Lit(pattern[..i].to_owned()), Tok::Star])
            }
            _ => None,
        };
        literal.unwrap_or_else(|| ArnPattern::from_tokens(tokenize(&[(pattern, false)])))
    }

    pub fn from_tokens(mut toks: Vec<Tok>) -> ArnPattern {
        if toks == [Tok::Star] {
            return ArnPattern {
                segs: Segs::Globs(vec![Glob::Any]),
                trailing: false,
                all: true,
            };
        }
        if let Some(literal) = ArnPattern::literal(&mut toks) {
            return literal;
        }
        ArnPattern::split(toks)
    }

    /// The common shape, literal text with perhaps one final `*`
    /// (`arn:aws:s3:::bucket/*`): the text moves into the pattern, split at its first
    /// five colons without a string per segment; the same pattern as
    /// [`ArnPattern::split`] builds (a unit test compares them).
    fn literal(toks: &mut [Tok]) -> Option<ArnPattern> {
        let (text, star) = match toks {
            [Tok::Lit(text)] => (std::mem::take(text), false),
            [Tok::Lit(text), Tok::Star] => (std::mem::take(text), true),
            _ => return None,
        };
        // Policies are far under 4 GiB (`MAX_DOCUMENT_BYTES`); a longer text keeps globs.
        if u32::try_from(text.len()).is_err() {
            let toks = if star {
                vec![Tok::Lit(text), Tok::Star]
            } else {
                vec![Tok::Lit(text)]
            };
            return Some(ArnPattern::split(toks));
        }
        let mut bounds = [(0u32, 0u32); 6];
        let mut n = 0;
        let mut start = 0;
        let bytes = text.as_bytes();
        while n < 5 {
            let Some(i) = bytes[start..].iter().position(|&b| b == b':') else {
                break;
            };
            bounds[n] = (start as u32, (start + i) as u32);
            n += 1;
            start += i + 1;
        }
        bounds[n] = (start as u32, text.len() as u32);
        n += 1;
        let rest_empty = start == text.len();
        let last = match (rest_empty, star) {
            (true, true) => LastSeg::Any,
            (_, false) => LastSeg::Exact,
            (false, true) => LastSeg::Prefix,
        };
        // As `Glob::ends_with_star` on the last segment: `Any` and `Prefix` do.
        let trailing = n > 1 && n < 6 && last != LastSeg::Exact;
        Some(ArnPattern {
            segs: Segs::Literal {
                text: text.into_boxed_str(),
                bounds,
                n: n as u8,
                last,
            },
            trailing,
            all: false,
        })
    }

    /// The segments as globs (for comparing patterns).
    fn globs(&self) -> Vec<Glob> {
        match &self.segs {
            Segs::Globs(g) => g.clone(),
            Segs::Literal { n, .. } => (0..usize::from(*n))
                .filter_map(|i| self.literal_seg(i))
                .map(|(seg, how)| match how {
                    LastSeg::Any => Glob::Any,
                    LastSeg::Prefix => Glob::Prefix(seg.into()),
                    LastSeg::Exact => Glob::Exact(seg.into()),
                })
                .collect(),
        }
    }

    fn seg_count(&self) -> usize {
        match &self.segs {
            Segs::Globs(g) => g.len(),
            Segs::Literal { n, .. } => usize::from(*n),
        }
    }

    /// Segment `i` of the literal shape and how it compares (only the last one can be
    /// `*` or a prefix before it); `None` past the last segment or for the glob shape.
    #[inline]
    fn literal_seg(&self, i: usize) -> Option<(&str, LastSeg)> {
        let Segs::Literal {
            text,
            bounds,
            n,
            last,
        } = &self.segs
        else {
            return None;
        };
        let n = usize::from(*n);
        let &(a, b) = bounds.get(i).filter(|_| i < n)?;
        let how = if i + 1 == n { *last } else { LastSeg::Exact };
        Some((&text[a as usize..b as usize], how))
    }

    /// Whether segment `i` matches `part`; false when there is no segment `i`.
    fn seg_matches(&self, i: usize, part: &str) -> bool {
        match &self.segs {
            Segs::Globs(g) => g.get(i).is_some_and(|g| g.matches(part)),
            Segs::Literal { .. } => match self.literal_seg(i) {
                None => false,
                Some((_, LastSeg::Any)) => true,
                Some((seg, LastSeg::Prefix)) => part.starts_with(seg),
                Some((seg, LastSeg::Exact)) => part == seg,
            },
        }
    }

    /// Any pattern: the token stream split at the first five colons of its literal text.
    fn split(toks: Vec<Tok>) -> ArnPattern {
        let mut segs: Vec<Vec<Tok>> = Vec::with_capacity(6);
        let mut current: Vec<Tok> = Vec::new();
        for tok in toks {
            match tok {
                Tok::Lit(text) if segs.len() < 5 && text.contains(':') => {
                    let mut rest = text.as_str();
                    while segs.len() < 5 {
                        let Some(i) = rest.find(':') else { break };
                        if i > 0 {
                            current.push(Tok::Lit(rest[..i].to_owned()));
                        }
                        segs.push(std::mem::take(&mut current));
                        rest = &rest[i + 1..];
                    }
                    if !rest.is_empty() {
                        current.push(Tok::Lit(rest.to_owned()));
                    }
                }
                other => current.push(other),
            }
        }
        segs.push(current);
        let segs: Vec<Glob> = segs.into_iter().map(Glob::from_tokens).collect();
        let trailing =
            segs.len() > 1 && segs.len() < 6 && segs.last().is_some_and(Glob::ends_with_star);
        ArnPattern {
            segs: Segs::Globs(segs),
            trailing,
            all: false,
        }
    }

    pub fn is_all(&self) -> bool {
        self.all
    }

    pub fn matches(&self, value: &str) -> bool {
        if self.all {
            return true;
        }
        let n = self.seg_count();
        if n == 1 {
            return self.seg_matches(0, value);
        }
        let parts = if self.trailing { n } else { 6 };
        // As `value.splitn(parts, ':')`, with a byte loop: ARN segments are short, and
        // this runs for every resource pattern of every statement.
        let bytes = value.as_bytes();
        let (mut start, mut count) = (0, 0);
        loop {
            let end = if count + 1 == parts {
                bytes.len()
            } else {
                bytes[start..]
                    .iter()
                    .position(|&b| b == b':')
                    .map_or(bytes.len(), |p| start + p)
            };
            // `start` and `end` are at an ASCII `:` or an end: char boundaries.
            let part = value.get(start..end).unwrap_or_default();
            if !self.seg_matches(count, part) {
                return false;
            }
            count += 1;
            if end == bytes.len() {
                break;
            }
            start = end + 1;
        }
        count == n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcuts without tokens build the patterns the tokens do.
    #[test]
    fn patterns_from_text_are_the_tokenized_ones() {
        for text in [
            "",
            "*",
            "**",
            "?",
            "a",
            "a*",
            "a**",
            "*a",
            "a?",
            "a*b",
            "ec2:describe*",
            "s3:getobject",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/?x*",
            "::::::*",
            ":::::",
            "é*",
            "arn:*",
        ] {
            assert_eq!(Glob::from_text(text.to_owned()), Glob::new(text), "{text}");
            assert_eq!(
                ArnPattern::new(text),
                ArnPattern::from_tokens(tokenize(&[(text, false)])),
                "{text}"
            );
        }
    }

    /// `ArnPattern::matches` splits with a byte loop: the same answers as `splitn`.
    #[test]
    fn arn_matching_splits_as_splitn_does() {
        let reference = |p: &ArnPattern, value: &str| {
            if p.all {
                return true;
            }
            let segs = p.globs();
            let n = segs.len();
            if n == 1 {
                return segs[0].matches(value);
            }
            let parts = if p.trailing { n } else { 6 };
            let mut count = 0;
            for (i, part) in value.splitn(parts, ':').enumerate() {
                count += 1;
                match segs.get(i) {
                    Some(g) if g.matches(part) => {}
                    _ => return false,
                }
            }
            count == n
        };
        let patterns = [
            "*",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b",
            "arn:*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:iam::111122223333:role/a:b:c",
            "arn:aws:*:us-east-1",
            "arn:aws:s3:::",
            "a:b:c:d:e:f:g",
            "arn:aws:sq?:*:*:q",
        ];
        let values = [
            "",
            ":",
            "::::::",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::b/k:with:colons",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:iam::111122223333:role/a:b:c",
            "arn:aws:sqs:eu-west-1:1:q",
            "arn:aws:s3:::",
            "a:b:c:d:e:f:g",
            "arn:aws",
            "arn:aws:é:ü:x:y",
        ];
        for pattern in patterns {
            let p = ArnPattern::new(pattern);
            for value in values {
                assert_eq!(p.matches(value), reference(&p, value), "{pattern} {value}");
            }
        }
    }

    #[test]
    fn literal_arn_patterns_compile_as_the_general_split_does() {
        for pattern in [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/key",
            "arn:aws:iam::111122223333:role/a:b:c",
            "arn:aws:sqs:*",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:",
            "arn:aws:",
            "arn:aws:s3:::",
            "bucket-name",
            "prefix*",
            "a:b:c:d:e:f:g:h*",
            ":::::",
            "::::::*",
        ] {
            let toks = tokenize(&[(pattern, false)]);
            let literal = ArnPattern::literal(&mut toks.clone()).expect("a literal shape");
            assert!(matches!(literal.segs, Segs::Literal { .. }));
            assert_eq!(literal, ArnPattern::split(toks), "{pattern}");
        }
        assert!(ArnPattern::literal(&mut tokenize(&[("arn:*:s3:::b", false)])).is_none());
    }

    #[test]
    fn globs() {
        assert!(Glob::new("ec2:describe*").matches("ec2:describeinstances"));
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("a*b?c").matches("axxbyc"));
        assert!(!Glob::new("a*b?c").matches("axxbc"));
        assert!(Glob::new("*a*a*").matches("banana"));
        assert!(!Glob::new("*a*a*a*a").matches("banana"));
        assert!(Glob::new("?é").matches("xé"));
        assert!(Glob::new("x*?").matches("xé"));
    }

    #[test]
    fn arns_match_by_segment() {
        let p = ArnPattern::new("arn:aws:ec2:*:*:instance/*");
        assert!(p.matches("arn:aws:ec2:us-east-1:111122223333:instance/i-1"));
        assert!(!p.matches("arn:aws:ec2:us-east-1:111122223333:volume/v-1"));
        // A `*` inside a segment does not cross a colon.
        let p = ArnPattern::new("arn:aws:sqs:us-*:111122223333:q");
        assert!(!p.matches("arn:aws:sqs:us-east-1:x:111122223333:q"));
        // Trailing `*` in a short pattern covers the rest.
        let p = ArnPattern::new("arn:aws:sqs:*");
        assert!(p.matches("arn:aws:sqs:us-east-1:111122223333:q"));
        // Resource segments may hold colons.
        let p = ArnPattern::new("arn:aws:logs:us-east-1:1:log-group:app:*");
        assert!(p.matches("arn:aws:logs:us-east-1:1:log-group:app:log-stream:x"));
        assert!(ArnPattern::new("*").matches("anything"));
        assert!(!ArnPattern::new("arn:aws:s3:::b/*").matches("*"));
    }
}
