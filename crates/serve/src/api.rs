//! The JSON API: the same documents as the CLI's `--format json`, built by the same
//! functions (`authdoctor_documents`).

use std::sync::Arc;

use authdoctor_kb::{Scenario, knowledge_base};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;

/// The fields of the catalogue document; `authdoctor_report::document` adds the
/// envelope.
#[derive(Serialize)]
struct Catalogue<'a> {
    scenarios: Vec<&'a Scenario>,
}

/// A JSON answer.
pub fn json(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// `{"error": "…"}` with a status; the message is cleaned (it may quote input).
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": authdoctor_redact::clean(message) });
    json(status, body.to_string())
}

/// The body, or the answer to give when it could not be read (413 above the limit).
pub fn body_text(body: Result<Bytes, BytesRejection>) -> Result<String, Box<Response>> {
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the body is over the size limit".to_owned()
        } else {
            "the body could not be read".to_owned()
        };
        Box::new(error(status, &message))
    })?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Box::new(error(StatusCode::BAD_REQUEST, "the body is not UTF-8 text")))
}

/// `GET /api/scenarios`: what `authdoctor scenarios --format json` prints.
pub async fn scenarios() -> Response {
    let doc = Catalogue {
        scenarios: knowledge_base().scenarios().iter().collect(),
    };
    json(StatusCode::OK, authdoctor_report::document(&doc))
}

/// `GET /api/scenarios/{id}`: what `authdoctor scenarios ID --format json` prints.
pub async fn scenario(Path(id): Path<String>) -> Response {
    match knowledge_base().get(&id) {
        Some(s) => json(
            StatusCode::OK,
            authdoctor_report::document(&Catalogue { scenarios: vec![s] }),
        ),
        None => error(StatusCode::NOT_FOUND, &format!("unknown scenario `{id}`")),
    }
}

/// Runs CPU-bound work off the runtime's threads.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(work).await.ok()
}

/// `POST /api/explain` with `{"text": "…"}`: what `authdoctor explain --format json`
/// prints for that text.
pub async fn explain(
    State(_state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body_text(body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let text = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(mut map)) => match map.remove("text") {
            Some(serde_json::Value::String(text)) => text,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "expected {\"text\": \"…\"}: `text` is missing or not a string",
                );
            }
        },
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "expected a JSON object {\"text\": \"…\"}",
            );
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the body is not JSON: {e}"),
            );
        }
    };
    match blocking(move || {
        authdoctor_documents::explain::json(&authdoctor_documents::explain::explain_str(
            &text, "<text>",
        ))
    })
    .await
    {
        Some(doc) => json(StatusCode::OK, doc),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "explain failed"),
    }
}

/// The fields of the `simulate --format json` document for a case (what the page shows;
/// the API answers them in the envelope), or the error the CLI would print.
pub fn simulate_document(text: &str) -> Result<serde_json::Value, String> {
    let mut loaded =
        authdoctor_documents::simulate::load_case("<case>", text).map_err(|e| e.to_string())?;
    let (ex, advice, findings) = authdoctor_documents::simulate::evaluate(&mut loaded);
    Ok(authdoctor_documents::simulate::body(
        loaded.name.as_deref(),
        &ex,
        advice.as_ref(),
        &findings,
    ))
}

/// The fields of the `decode --format json` document for a decoded message (what the
/// page shows; the API answers them in the envelope).
pub fn decode_document(text: &str) -> Result<serde_json::Value, String> {
    let decoded = authdoctor_policy::decode::parse_decoded(text)
        .map_err(|e| e.in_origin("<message>").to_string())?;
    let findings: Vec<_> = authdoctor_documents::decode::finding(&decoded)
        .into_iter()
        .collect();
    Ok(authdoctor_documents::decode::body(&decoded, &findings))
}

/// A simulate body in the envelope, as `simulate --format json` prints it.
fn simulate_in_envelope(doc: &serde_json::Value) -> String {
    authdoctor_documents::simulate::json_text(doc).into_string()
}

/// A decode body in the envelope, as `decode --format json` prints it.
fn in_envelope(doc: &serde_json::Value) -> String {
    authdoctor_report::document(doc).into_string()
}

async fn document_endpoint(
    body: Result<Bytes, BytesRejection>,
    build: fn(&str) -> Result<serde_json::Value, String>,
    write: fn(&serde_json::Value) -> String,
) -> Response {
    let body = match body_text(body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    match blocking(move || build(&body)).await {
        Some(Ok(doc)) => json(StatusCode::OK, write(&doc)),
        Some(Err(message)) => error(StatusCode::BAD_REQUEST, &message),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"),
    }
}

/// `POST /api/simulate` with a case document: what `authdoctor simulate --case FILE
/// --format json` prints.
pub async fn simulate(body: Result<Bytes, BytesRejection>) -> Response {
    document_endpoint(body, simulate_document, simulate_in_envelope).await
}

/// `POST /api/decode` with a decoded message: what `authdoctor decode --format json` prints.
pub async fn decode(body: Result<Bytes, BytesRejection>) -> Response {
    document_endpoint(body, decode_document, in_envelope).await
}
