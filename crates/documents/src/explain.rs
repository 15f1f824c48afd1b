//! `explain`: one input in, a [`Report`] out, and its JSON document.

use std::io::{self, Read};

use authdoctor_diagnosis::Report;
use authdoctor_explain::Explained;
use authdoctor_kb::Finding;

/// Inputs up to this size are also tried as a decoded authorization message.
pub const DECODED_MESSAGE_MAX: usize = 1024 * 1024;

/// Explains one input. A small input that is a decoded authorization message (the JSON of
/// `aws sts decode-authorization-message`) is handed to `decode`, which reads it far
/// better than pattern matching; everything else streams through the engine.
pub fn explain_input(mut reader: impl Read, origin: &str) -> io::Result<Report> {
    let mut head = Vec::new();
    (&mut reader)
        .take(DECODED_MESSAGE_MAX as u64 + 1)
        .read_to_end(&mut head)?;
    if head.len() <= DECODED_MESSAGE_MAX
        && let Ok(text) = std::str::from_utf8(&head)
        && looks_decoded(text)
        && let Ok(decoded) = authdoctor_policy::decode::parse_decoded(text)
        && !decoded.allowed
    {
        // A deny no scenario names (an identity-policy Deny, say) is still an
        // authorization error: `unknown`, with the decoded facts.
        let mut finding = crate::decode::finding(&decoded).unwrap_or_else(|| {
            let mut facts = authdoctor_kb::Facts::new();
            facts.insert(
                "action".to_owned(),
                authdoctor_redact::clean(&decoded.action).into_owned(),
            );
            facts.insert(
                "resource".to_owned(),
                authdoctor_redact::clean(&decoded.resource).into_owned(),
            );
            let mut unknown = Finding::unknown(Vec::new(), facts, 0.6);
            // The layers that could hold such a Deny are the knowledge base's to name:
            // the engine's reading of the same text lists them as candidates.
            if let Some(read) = authdoctor_explain::explain_text(text).findings().next() {
                unknown.candidates = read.candidates.clone();
                unknown.separated_by = read.separated_by.clone();
                unknown.notes = read.notes.clone();
            }
            unknown
        });
        finding.notes.push(format!(
            "`{origin}` is a decoded authorization message: `authdoctor decode` shows the matched statements and context keys in full."
        ));
        return Ok(Report {
            explained: vec![Explained {
                finding,
                lines: Vec::new(),
            }],
            observations: Vec::new(),
            lines: text.lines().count(),
            dropped: 0,
        });
    }
    let mut report = authdoctor_explain::explain_reader(head.as_slice().chain(reader))?;
    for item in &mut report.explained {
        if item.finding.facts.contains_key("encoded_message") {
            item.finding.notes.push(
                "The encoded message holds the exact action, resource and matched statements: \
                 `authdoctor decode --online --text <encoded-message>` decodes it through STS (needs \
                 sts:DecodeAuthorizationMessage) and explains it; or pipe the output of \
                 `aws sts decode-authorization-message` into `authdoctor decode`."
                    .to_owned(),
            );
        }
    }
    Ok(report)
}

/// Explains a text held in memory (a `--text` argument, a pasted log).
pub fn explain_str(text: &str, origin: &str) -> Report {
    // Reading from a slice cannot fail.
    explain_input(text.as_bytes(), origin).unwrap_or_default()
}

/// The JSON document `explain --format json` prints for one report (the envelope is
/// `authdoctor_report`'s).
pub fn json(report: &Report) -> String {
    authdoctor_report::json_explain(report.findings(), &report.observations).into()
}

fn looks_decoded(text: &str) -> bool {
    let t = text.trim_start();
    (t.starts_with('{') || t.starts_with('"'))
        && (text.contains("DecodedMessage")
            || (text.contains("\"allowed\"") && text.contains("\"context\"")))
}
