//! The checks every request passes before a handler sees it, and the headers every
//! answer carries.
//!
//! - `Host` must name this server (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`,
//!   or the host given to `--listen`): a page on another site that rebinds its own
//!   name to 127.0.0.1 sends its own name, and gets 403.
//! - A `POST` from a browser must come from this origin: `Origin`, when sent, must be
//!   ours (`null` only when `Sec-Fetch-Site` vouches for it), and `Sec-Fetch-Site`,
//!   when sent, must be `same-origin` or `none`. Clients
//!   that send neither (curl, scripts) are not browsers driven by another site.
//! - Each request has a deadline, body upload included.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// No inline script or style anywhere: the page's own files only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    if !host_allowed(request.headers(), &state.allowed_hosts) {
        return with_headers(refuse(
            is_api,
            StatusCode::FORBIDDEN,
            "this server answers only to its own address (Host header refused)",
        ));
    }
    if request.method() == Method::POST && !same_origin(request.headers(), &state.allowed_hosts) {
        return with_headers(refuse(
            is_api,
            StatusCode::FORBIDDEN,
            "cross-origin POST refused",
        ));
    }
    let cacheable = request.uri().path().starts_with("/assets/");
    let response = match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => refuse(
            is_api,
            StatusCode::REQUEST_TIMEOUT,
            "the request took too long",
        ),
    };
    let mut response = with_headers(response);
    if !cacheable {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn host_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    allowed.contains(&host)
}

fn same_origin(headers: &HeaderMap, allowed: &[String]) -> bool {
    // Browsers that send `Sec-Fetch-Site` compute it themselves, whatever the page's
    // referrer policy: it is the first word.
    let site = match headers.get("sec-fetch-site").map(|v| v.to_str()) {
        None => None,
        Some(Ok(site @ ("same-origin" | "none"))) => Some(site),
        Some(_) => return false,
    };
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        // `Referrer-Policy: no-referrer` makes Chrome send `Origin: null` on our own
        // form posts; without `Sec-Fetch-Site` to vouch for it, `null` (a sandboxed
        // frame, a data: page) is refused.
        Some(Ok("null")) => site.is_some(),
        Some(Ok(origin)) => origin
            .to_ascii_lowercase()
            .strip_prefix("http://")
            .is_some_and(|host| allowed.iter().any(|a| a == host)),
        Some(Err(_)) => false,
    }
}

/// A refusal: JSON `{"error": …}` under `/api/`, a short page elsewhere.
pub fn refuse(is_api: bool, status: StatusCode, message: &str) -> Response {
    if is_api {
        crate::api::error(status, message)
    } else {
        crate::pages::error_page(status, message).into_response()
    }
}

pub fn with_headers(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}
