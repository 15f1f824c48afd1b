//! Word wrapping for prose from the knowledge base.

/// Reflows `text` (paragraphs separated by blank lines) to `width` columns. The first
/// line starts with `first_prefix`; continuation lines are indented to the same width.
///
/// Markdown emphasis (`**word**`) in knowledge-base prose is dropped: the terminal view
/// is plain text. Backticks stay, as in rustc's messages.
pub fn wrap(text: &str, width: usize, first_prefix: &str) -> String {
    let text = text.replace("**", "");
    let indent = " ".repeat(first_prefix.chars().count());
    let mut out = String::new();
    for (p, paragraph) in text.trim().split("\n\n").enumerate() {
        if p > 0 {
            out.push_str("\n\n");
        }
        let mut line = if p == 0 {
            first_prefix.to_owned()
        } else {
            indent.clone()
        };
        let mut line_len = line.chars().count();
        let mut empty = true;
        for word in paragraph.split_whitespace() {
            let word_len = word.chars().count();
            if !empty && line_len + 1 + word_len > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = indent.clone();
                line_len = indent.len();
                empty = true;
            }
            if !empty {
                line.push(' ');
                line_len += 1;
            }
            line.push_str(word);
            line_len += word_len;
            empty = false;
        }
        out.push_str(line.trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_with_hanging_indent() {
        let got = wrap("one two three four five six", 12, "  1. ");
        assert_eq!(
            got,
            "  1. one two\n     three\n     four\n     five\n     six"
        );
    }

    #[test]
    fn drops_markdown_emphasis() {
        assert_eq!(
            wrap("a **read timeout** here", 80, ""),
            "a read timeout here"
        );
    }

    #[test]
    fn keeps_paragraphs() {
        assert_eq!(wrap("a\nb\n\nc", 80, ""), "a b\n\nc");
    }
}
