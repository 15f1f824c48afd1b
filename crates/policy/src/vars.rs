//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}` and the
//! escapes `${*}`, `${?}`, `${$}`, substituted from the request context at evaluation.

use crate::request::Context;

/// A piece of text holding at least one `${…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Policy text, wildcards active where the element allows them.
    Text(String),
    /// A literal from an escape (`${*}` is a literal star).
    Literal(String),
    Var {
        key_lc: String,
        default: Option<String>,
    },
}

impl Template {
    /// `None` when `text` has no variable or escape (the common case: no template cost).
    pub fn parse(text: &str) -> Option<Template> {
        if !text.contains("${") {
            return None;
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_owned()));
            }
            let inner = rest[start + 2..start + 2 + len].trim();
            match inner {
                "*" | "?" | "$" => pieces.push(Piece::Literal(inner.to_owned())),
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(d);
                            (k.trim(), Some(d.to_owned()))
                        }
                        None => (inner, None),
                    };
                    pieces.push(Piece::Var {
                        key_lc: key.to_ascii_lowercase(),
                        default,
                    });
                }
            }
            rest = &rest[start + 3 + len..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Some(Template { pieces })
    }

    /// The pieces after substitution, each flagged `true` when it must be taken
    /// literally (substituted values and escapes never act as wildcards). `None` when a
    /// variable has no value in the context and no default: the element does not match.
    pub fn resolve<'a>(&'a self, ctx: &'a Context) -> Option<Vec<(&'a str, bool)>> {
        let mut out = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push((t.as_str(), false)),
                Piece::Literal(t) => out.push((t.as_str(), true)),
                Piece::Var { key_lc, default } => {
                    // Multivalued keys cannot be used as variables.
                    match ctx.get(key_lc).filter(|v| !v.multi && v.values.len() == 1) {
                        Some(v) => out.push((v.values[0].as_str(), true)),
                        None => out.push((default.as_deref()?, true)),
                    }
                }
            }
        }
        Some(out)
    }

    /// Resolved as plain text (for operators without wildcards).
    pub fn resolve_text(&self, ctx: &Context) -> Option<String> {
        Some(self.resolve(ctx)?.iter().map(|(s, _)| *s).collect())
    }

    /// The variables' keys, for the trace.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key_lc, .. } => Some(key_lc.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Context;

    #[test]
    fn substitutes_and_escapes() {
        let mut ctx = Context::default();
        ctx.insert("aws:username", vec!["alice".into()], false);
        let t =
            Template::parse("home/${aws:username}/${*}x${aws:PrincipalTag/team, 'none'}").unwrap();
        assert_eq!(t.resolve_text(&ctx).as_deref(), Some("home/alice/*xnone"));
        let t = Template::parse("${aws:userid}").unwrap();
        assert_eq!(t.resolve_text(&ctx), None);
        assert!(Template::parse("plain").is_none());
    }
}
