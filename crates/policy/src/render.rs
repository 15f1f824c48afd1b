//! The policy's own text with the deciding pieces underlined, in the manner of rustc
//! (drawn by `annotate-snippets`). Pure: returns a string.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::json::Span;
use crate::parse::Source;

/// Renders `source` with `marks` (span, label) underlined under a title.
pub fn underline(
    source: &Source,
    title: &str,
    id: &str,
    marks: &[(Span, String)],
    color: bool,
    error: bool,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let level = if error { Level::ERROR } else { Level::NOTE };
    let len = source.text.len();
    let annotations = marks
        .iter()
        .filter(|(s, _)| s.start <= s.end && s.end <= len)
        .map(|(span, label)| {
            AnnotationKind::Primary
                .span(span.clone())
                .label(label.as_str())
        });
    let snippet = Snippet::source(source.text.as_str())
        .path(source.origin.as_str())
        .line_start(1)
        .fold(true)
        .annotations(annotations);
    let group = level.primary_title(title).id(id).element(snippet);
    renderer.render(&[group])
}
