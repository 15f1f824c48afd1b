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
        for (i, c) in text.char_indices() {
            if c == '*' || c == '?' {
                push_lit(&mut toks, &text[start..i]);
                if c == '*' {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    segs: Vec<Glob>,
    /// Fewer than six segments and the last ends in `*`: it covers the rest of the ARN.
    trailing: bool,
    all: bool,
}

impl ArnPattern {
    pub fn new(pattern: &str) -> ArnPattern {
        ArnPattern::from_tokens(tokenize(&[(pattern, false)]))
    }

    pub fn from_tokens(toks: Vec<Tok>) -> ArnPattern {
        if toks == [Tok::Star] {
            return ArnPattern {
                segs: vec![Glob::Any],
                trailing: false,
                all: true,
            };
        }
        if let Some(literal) = ArnPattern::literal(&toks) {
            return literal;
        }
        ArnPattern::split(toks)
    }

    /// The common shape, literal text with perhaps one final `*`
    /// (`arn:aws:s3:::bucket/*`), split without intermediate tokens; the same pattern as
    /// [`ArnPattern::split`] builds (a unit test compares them).
    fn literal(toks: &[Tok]) -> Option<ArnPattern> {
        let (text, star) = match toks {
            [Tok::Lit(text)] => (text.as_str(), false),
            [Tok::Lit(text), Tok::Star] => (text.as_str(), true),
            _ => return None,
        };
        let mut segs = Vec::with_capacity(6);
        let mut rest = text;
        while segs.len() < 5 {
            let Some(i) = rest.bytes().position(|b| b == b':') else {
                break;
            };
            segs.push(Glob::Exact(rest[..i].into()));
            rest = &rest[i + 1..];
        }
        segs.push(match (rest.is_empty(), star) {
            (true, true) => Glob::Any,
            (true, false) => Glob::Exact("".into()),
            (false, true) => Glob::Prefix(rest.into()),
            (false, false) => Glob::Exact(rest.into()),
        });
        let trailing =
            segs.len() > 1 && segs.len() < 6 && segs.last().is_some_and(Glob::ends_with_star);
        Some(ArnPattern {
            segs,
            trailing,
            all: false,
        })
    }

    /// Any pattern: the token stream split at the first five colons of its literal text.
    fn split(toks: Vec<Tok>) -> ArnPattern {
        let mut segs: Vec<Vec<Tok>> = Vec::new();
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
            segs,
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
        let n = self.segs.len();
        if n == 1 {
            return self.segs[0].matches(value);
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
            match self.segs.get(count) {
                Some(g) if g.matches(part) => {}
                _ => return false,
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

    /// `ArnPattern::matches` splits with a byte loop: the same answers as `splitn`.
    #[test]
    fn arn_matching_splits_as_splitn_does() {
        let reference = |p: &ArnPattern, value: &str| {
            if p.all {
                return true;
            }
            let n = p.segs.len();
            if n == 1 {
                return p.segs[0].matches(value);
            }
            let parts = if p.trailing { n } else { 6 };
            let mut count = 0;
            for (i, part) in value.splitn(parts, ':').enumerate() {
                count += 1;
                match p.segs.get(i) {
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
            let literal = ArnPattern::literal(&toks).expect("a literal shape");
            assert_eq!(literal, ArnPattern::split(toks), "{pattern}");
        }
        assert!(ArnPattern::literal(&tokenize(&[("arn:*:s3:::b", false)])).is_none());
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
