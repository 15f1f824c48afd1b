//! The HTML pages. They work without JavaScript: links and plain form `POST`s; the
//! script (`assets/app.js`) only adds tabs, copy buttons and a live diagnosis.

use authdoctor_kb::{CATALOGUE, Category, Scenario, knowledge_base};
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::render;

const EXAMPLE_CASE: &str = include_str!("../assets/example-case.json");
const EXAMPLE_DECODED: &str = include_str!("../assets/example-decoded.json");

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · authdoctor" }
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    nav aria-label="Main" {
                        a.brand href="/" { img src="/assets/icon.svg" alt=""; "authdoctor" }
                        a href="/" { "Symptoms" }
                        a href="/explain" { "Explain a log" }
                        a href="/simulate" { "Simulate a policy" }
                        a href="/decode" { "Decode a message" }
                    }
                }
                main #main { (body) }
                footer {
                    "Runs on this machine only: nothing you paste is stored, logged or sent anywhere. "
                    "Secrets in your text are masked before anything is shown."
                }
            }
        }
    }
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    html_response(
        status,
        page(
            status.canonical_reason().unwrap_or("Error"),
            html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p { (authdoctor_redact::clean(message)) }
                p { a href="/" { "Back to the symptoms" } }
            },
        ),
    )
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "There is no page at this address.")
}

/// Unknown addresses: a JSON error under `/api/`, a page elsewhere.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::api::error(StatusCode::NOT_FOUND, "no such API endpoint")
    } else {
        not_found().await
    }
}

/// The user-facing group of a scenario outside the troubleshooter table.
fn group_of(category: Category) -> &'static str {
    match category {
        Category::Imds => "The metadata service (IMDS)",
        Category::Credentials | Category::Signing => "Credentials",
        Category::Iam => "Authorization",
    }
}

/// The key error signal of a scenario: what its example underlines first.
fn key_signal(s: &Scenario) -> String {
    s.examples
        .iter()
        .flat_map(|e| e.evidence.iter())
        .next()
        .cloned()
        .or_else(|| s.signals.iter().find_map(|g| g.literal.clone()))
        .unwrap_or_default()
}

fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(at) => text[..=at].to_owned(),
        None => text,
    }
}

fn symptom_link(s: &Scenario) -> Markup {
    html! {
        li { a href=(format!("/scenarios/{}", s.id)) { (s.symptom) span.id { (s.id) } } }
    }
}

fn paste_form(text: &str) -> Markup {
    html! {
        form method="post" action="/explain" {
            label for="paste-text" { "Paste your own error output or debug log" }
            p.hint #paste-hint { "The AWS CLI with --debug, an SDK's log, a stack trace, a CloudTrail record or a decoded authorization message. Secrets are masked before anything is shown." }
            textarea #paste-text name="text" rows="10" aria-describedby="paste-hint" spellcheck="false" autocomplete="off" { (text) }
            p.live #live-result aria-live="polite" {}
            button type="submit" { "Explain" }
        }
    }
}

/// `/`: step 1, the symptoms; the paste box; the quick-reference table.
pub async fn index() -> Response {
    let kb = knowledge_base();
    let table_ids: &[&str] = CATALOGUE.first().map(|(_, ids)| *ids).unwrap_or(&[]);
    let first: Vec<&Scenario> = table_ids.iter().filter_map(|id| kb.get(id)).collect();
    let groups = [
        "The metadata service (IMDS)",
        "Credentials",
        "Authorization",
    ];
    let rest: Vec<&Scenario> = kb
        .scenarios()
        .iter()
        .filter(|s| !table_ids.contains(&s.id.as_str()))
        .collect();
    let body = html! {
        p.step { "Step 1" }
        h1 { "What specific error symptom are you experiencing?" }
        p { "Pick the one that matches what you see; the next page shows a real log of it, the root cause and the fix. Or paste your own output below." }
        section aria-labelledby="g-table" {
            h2 #g-table { (CATALOGUE.first().map(|(t, _)| *t).unwrap_or("Common symptoms")) }
            ul.symptoms { @for s in &first { (symptom_link(s)) } }
        }
        @for (i, group) in groups.iter().enumerate() {
            @let members: Vec<&&Scenario> = rest.iter().filter(|s| group_of(s.category) == *group).collect();
            @if !members.is_empty() {
                section aria-labelledby=(format!("g-{i}")) {
                    h2 #(format!("g-{i}")) { (group) }
                    ul.symptoms { @for s in members { (symptom_link(s)) } }
                }
            }
        }
        section aria-labelledby="paste-title" {
            h2 #paste-title { "Or paste your own error" }
            (paste_form(""))
        }
        section aria-labelledby="quick-title" {
            h2 #quick-title { "Quick reference" }
            div.table-wrap tabindex="0" role="region" aria-label="Quick-reference table, scrolls sideways on small screens" {
                table {
                    thead { tr { th scope="col" { "#" } th scope="col" { "Scenario" } th scope="col" { "Key error signal" } th scope="col" { "Root cause" } th scope="col" { "The fix" } } }
                    tbody {
                        @for (n, s) in kb.scenarios().iter().enumerate() {
                            tr {
                                td { (n + 1) }
                                td { a href=(format!("/scenarios/{}", s.id)) { (s.title) } }
                                td { code { (key_signal(s)) } }
                                td { (render::prose(&first_sentence(&s.summary))) }
                                td { (render::prose(&s.fix.steps.first().map(|f| first_sentence(f)).unwrap_or_default())) }
                            }
                        }
                    }
                }
            }
        }
    };
    html_response(StatusCode::OK, page("Troubleshooter", body))
}

/// `/scenarios/{id}`: one scenario in full.
pub async fn scenario(Path(id): Path<String>) -> Response {
    let Some(s) = knowledge_base().get(&id) else {
        return error_page(StatusCode::NOT_FOUND, "There is no scenario with this id.");
    };
    let commands: Vec<(String, String, String)> = s
        .fix
        .commands
        .iter()
        .map(|c| (c.description.clone(), c.bash.clone(), c.powershell.clone()))
        .collect();
    let body = html! {
        p.step { "Step 2" }
        h1 { (s.title) }
        p { span.badge { (s.id) } }
        h2 { "Symptom" }
        p { (s.symptom) }
        @for (i, example) in s.examples.iter().enumerate() {
            h2 { "What it looks like" @if s.examples.len() > 1 { " (" (i + 1) ")" } }
            p.hint { "Raw output of " (example.client) "; the key signal is marked." }
            pre.log #(format!("example-{i}")) aria-label=(format!("Example log from {}", example.client)) tabindex="0" { (render::marked_example(&example.log, &example.evidence)) }
        }
        h2 { "Root cause" }
        p { (render::prose(&s.summary)) }
        (render::paragraphs(&s.root_cause))
        h2 { "The fix" }
        ol { @for step in &s.fix.steps { li { (render::prose(step)) } } }
        (render::shell_tabs("fix", &commands))
        @if !s.related_checks.is_empty() {
            h2 { "Confirm it on the host" }
            p { "Run " code { "authdoctor check" } " on the machine that failed; these checks test this cause:" }
            ul { @for c in &s.related_checks { li { code { (c) } } } }
        }
        @if !s.references.is_empty() {
            h2 { "References" }
            ul { @for r in &s.references { li { a href=(r.url) rel="noreferrer noopener" { (r.title) } } } }
        }
        p { a href="/" { "← All symptoms" } " · " a href=(format!("/api/scenarios/{}", s.id)) { "JSON" } }
    };
    html_response(StatusCode::OK, page(&s.title, body))
}

#[derive(serde::Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// A form body (`text=…`), or the answer to give (413 above the limit, 400 otherwise).
fn form_text(body: Result<Bytes, BytesRejection>) -> Result<String, Box<Response>> {
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        Box::new(error_page(
            status,
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                "The text is over the size limit."
            } else {
                "The form could not be read."
            },
        ))
    })?;
    let form: TextForm = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
        Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "The form could not be read.",
        ))
    })?;
    Ok(form.text)
}

/// `GET /explain`: the paste box alone.
pub async fn explain_form() -> Response {
    html_response(
        StatusCode::OK,
        page(
            "Explain a log",
            html! { h1 { "Explain an error" } (paste_form("")) },
        ),
    )
}

/// `POST /explain`: the result for a pasted text.
pub async fn explain_result(body: Result<Bytes, BytesRejection>) -> Response {
    let text = match form_text(body) {
        Ok(text) => text,
        Err(response) => return *response,
    };
    let Some(markup) = crate::api::blocking(move || {
        let report = authdoctor_documents::explain::explain_str(&text, "<text>");
        html! {
            h1 { "Diagnosis" }
            @if report.explained.is_empty() {
                p { "No AWS authorization or credential error was found in the text." }
            } @else {
                p { (report.explained.len()) " finding" @if report.explained.len() > 1 { "s" } ", best first." }
            }
            (render::story(&report.observations, &report.explained))
            @if !text.trim().is_empty() {
                section aria-labelledby="yours-title" {
                    h2 #yours-title { "Your text" }
                    p.legend { mark.cause { "cause" } " what went wrong first · " mark.symptom { "symptom" } " what the client finally reported. Secrets are masked." }
                    pre.log #your-text tabindex="0" aria-label="Your text with the evidence marked" { (render::user_text(&text, &report.explained, &report.observations)) }
                }
            }
            @for (i, item) in report.explained.iter().enumerate() { (render::finding(i, &item.finding)) }
            @if report.dropped > 0 { p.hint { (report.dropped) " more distinct errors were not shown." } }
            h2 { "Explain another" }
            (paste_form(""))
        }
    })
    .await
    else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "The diagnosis failed.");
    };
    html_response(StatusCode::OK, page("Diagnosis", markup))
}

fn document_form(action: &str, title: &str, intro: &str, label: &str, text: &str) -> Markup {
    html! {
        h1 { (title) }
        p { (intro) }
        form method="post" action=(action) {
            label for="doc-text" { (label) }
            textarea #doc-text name="text" rows="18" spellcheck="false" autocomplete="off" { (text) }
            button type="submit" { "Evaluate" }
        }
    }
}

const SIMULATE_INTRO: &str = "Offline IAM evaluation with AWS's decision logic: the policies of every layer and the request as a case document (the shape of `authdoctor simulate --case`). The answer says which statement decided and the smallest change that would allow it.";
const DECODE_INTRO: &str = "Paste the output of `aws sts decode-authorization-message` (or its DecodedMessage string): the page says which statement denied and which context keys mattered.";

pub async fn simulate_form() -> Response {
    html_response(
        StatusCode::OK,
        page(
            "Simulate a policy",
            document_form(
                "/simulate",
                "Simulate a request",
                SIMULATE_INTRO,
                "Case document (JSON)",
                EXAMPLE_CASE,
            ),
        ),
    )
}

pub async fn decode_form() -> Response {
    html_response(
        StatusCode::OK,
        page(
            "Decode a message",
            document_form(
                "/decode",
                "Explain a decoded authorization message",
                DECODE_INTRO,
                "Decoded message (JSON)",
                EXAMPLE_DECODED,
            ),
        ),
    )
}

fn findings_of(doc: &serde_json::Value) -> Vec<authdoctor_kb::Finding> {
    doc.get("findings")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default()
}

fn document_result(
    title: &str,
    form: Markup,
    doc: Result<serde_json::Value, String>,
    summary: impl FnOnce(&serde_json::Value) -> Markup,
) -> Response {
    let (status, body) = match doc {
        Ok(doc) => (
            StatusCode::OK,
            html! {
                (summary(&doc))
                @for (i, f) in findings_of(&doc).iter().enumerate() { (render::finding(i, f)) }
                details {
                    summary { "The JSON document" }
                    pre tabindex="0" { (serde_json::to_string_pretty(&doc).unwrap_or_default()) }
                }
                (form)
            },
        ),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            html! {
                h1 { "The input could not be read" }
                p role="alert" { (authdoctor_redact::clean(&message)) }
                (form)
            },
        ),
    };
    html_response(status, page(title, body))
}

fn layers_table(doc: &serde_json::Value) -> Markup {
    html! {
        @if let Some(layers) = doc.get("layers").and_then(|l| l.as_object()) {
            table {
                caption { "Each layer's answer" }
                thead { tr { th scope="col" { "Layer" } th scope="col" { "Result" } } }
                tbody { @for (k, v) in layers { tr { td { (k) } td { (v.as_str().unwrap_or("")) } } } }
            }
        }
    }
}

pub async fn simulate_result(body: Result<Bytes, BytesRejection>) -> Response {
    let text = match form_text(body) {
        Ok(text) => text,
        Err(response) => return *response,
    };
    let form_text_copy = text.clone();
    let doc = crate::api::blocking(move || crate::api::simulate_document(&text))
        .await
        .unwrap_or_else(|| Err("the evaluation failed".to_owned()));
    let form = document_form(
        "/simulate",
        "Simulate again",
        SIMULATE_INTRO,
        "Case document (JSON)",
        &render::clean_text(&form_text_copy),
    );
    document_result("Simulation", form, doc, |doc| {
        let decision = doc.get("decision").and_then(|d| d.as_str()).unwrap_or("");
        html! {
            h1 { "Decision: " span class=(format!("decision-{decision}")) { (decision) } }
            @if let Some(m) = doc.pointer("/missing_allow/message").and_then(|m| m.as_str()) { p { "Denied because " (m) } }
            @if let Some(deciding) = doc.get("deciding").and_then(|d| d.as_array()) {
                @if !deciding.is_empty() {
                    h2 { "Deciding statements" }
                    ul { @for d in deciding { li {
                        (d.get("layer").and_then(|v| v.as_str()).unwrap_or("")) " policy "
                        code { (d.get("policy").and_then(|v| v.as_str()).unwrap_or("")) } " statement "
                        code { (d.get("statement").and_then(|v| v.as_str()).unwrap_or("")) }
                    } } }
                }
            }
            (layers_table(doc))
        }
    })
}

pub async fn decode_result(body: Result<Bytes, BytesRejection>) -> Response {
    let text = match form_text(body) {
        Ok(text) => text,
        Err(response) => return *response,
    };
    let form_text_copy = text.clone();
    let doc = crate::api::blocking(move || crate::api::decode_document(&text))
        .await
        .unwrap_or_else(|| Err("decoding failed".to_owned()));
    let form = document_form(
        "/decode",
        "Decode another",
        DECODE_INTRO,
        "Decoded message (JSON)",
        &render::clean_text(&form_text_copy),
    );
    document_result("Decoded message", form, doc, |doc| {
        let allowed = doc
            .get("allowed")
            .and_then(|a| a.as_bool())
            .unwrap_or(false);
        let explicit = doc
            .get("explicit_deny")
            .and_then(|a| a.as_bool())
            .unwrap_or(false);
        html! {
            h1 {
                @if allowed { "Allowed" } @else if explicit { "Denied by an explicit Deny" } @else { "Denied: no applicable Allow" }
            }
            p { code { (doc.get("action").and_then(|v| v.as_str()).unwrap_or("")) } " on " code { (doc.get("resource").and_then(|v| v.as_str()).unwrap_or("")) } }
            @if let Some(notes) = doc.get("notes").and_then(|n| n.as_array()) {
                @for n in notes { p.hint { (n.as_str().unwrap_or("")) } }
            }
        }
    })
}
