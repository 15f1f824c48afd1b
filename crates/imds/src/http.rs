//! Response shapes: the real service's (`Server: EC2ws`, `Connection: close`,
//! `text/plain`, XHTML error pages, empty 401/405 bodies) and a squid proxy's error page.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{HeaderName, HeaderValue};

pub(crate) type Body = Full<Bytes>;

pub(crate) const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
pub(crate) const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// The XHTML error page the real service sends with 404 (seen in public `curl -v` traces).
/// The 400 and 403 pages follow the same shape (inferred: no trace of their body found).
pub(crate) fn xhtml_error(status: u16) -> String {
    let title = match status {
        400 => "400 - Bad Request",
        403 => "403 - Forbidden",
        _ => "404 - Not Found",
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n\
         <!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\
         \t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n \
         <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    )
}

/// Builds a response whose headers appear in the given order (hyper keeps insertion order;
/// `title_case_headers` on the connection restores the `X-Aws-Ec2-…` spelling).
fn build(status: u16, headers: Vec<(&'static str, String)>, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            map.append(HeaderName::from_static(name), value);
        }
    }
    response
}

/// An answer from "EC2": what the real service sends on every response.
pub(crate) struct Ec2Reply {
    pub status: u16,
    pub body: String,
    pub content_type: &'static str,
    /// Headers before the standard ones (TTL, `Allow`).
    pub extra: Vec<(&'static str, String)>,
    /// `Accept-Ranges`/`Last-Modified`, as on real 200s for metadata items.
    pub last_modified: Option<String>,
}

impl Ec2Reply {
    pub(crate) fn new(status: u16, body: impl Into<String>) -> Self {
        Ec2Reply {
            status,
            body: body.into(),
            content_type: "text/plain",
            extra: Vec::new(),
            last_modified: None,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Ec2Reply::new(status, "")
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// Renders with `date` (the emulated clock); `head` drops the body but keeps its length.
    pub(crate) fn render(self, date: String, head: bool) -> Response<Body> {
        let mut headers = self.extra;
        if let Some(modified) = self.last_modified {
            headers.push(("accept-ranges", "none".to_owned()));
            headers.push(("last-modified", modified));
        }
        headers.extend([
            ("content-length", self.body.len().to_string()),
            ("date", date),
            ("server", "EC2ws".to_owned()),
            ("connection", "close".to_owned()),
            ("content-type", self.content_type.to_owned()),
        ]);
        let body = if head {
            Bytes::new()
        } else {
            Bytes::from(self.body)
        };
        build(self.status, headers, body)
    }
}

/// What a squid proxy in front of IMDS sends back: HTML, `Via`, `X-Squid-Error`, no EC2ws.
pub(crate) fn proxy_reply(status: u16, date: String) -> Response<Body> {
    let (code, text) = match status {
        407 => ("ERR_CACHE_ACCESS_DENIED", "Cache Access Denied."),
        502 => ("ERR_READ_ERROR", "Read Error"),
        _ => ("ERR_ACCESS_DENIED", "Access Denied."),
    };
    let body = format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n\
         <html><head>\n<meta type=\"copyright\" content=\"Copyright (C) 1996-2024 The Squid Software Foundation and contributors\">\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
         <title>ERROR: The requested URL could not be retrieved</title>\n</head><body id=\"{code}\">\n\
         <div id=\"titles\">\n<h1>ERROR</h1>\n<h2>The requested URL could not be retrieved</h2>\n</div>\n<hr>\n\
         <div id=\"content\">\n<p>The following error was encountered while trying to retrieve the URL: \
         <a href=\"http://169.254.169.254/\">http://169.254.169.254/</a></p>\n\
         <blockquote id=\"error\">\n<p><b>{text}</b></p>\n</blockquote>\n\
         <p>Your cache administrator is <a href=\"mailto:webmaster\">webmaster</a>.</p>\n</div>\n\
         <hr>\n<div id=\"footer\">\n<p>Generated by proxy.corp.example (squid/6.10)</p>\n\
         <!-- {code} -->\n</div>\n</body></html>\n"
    );
    let mut headers = vec![
        ("server", "squid/6.10".to_owned()),
        ("mime-version", "1.0".to_owned()),
        ("date", date),
        ("content-type", "text/html;charset=utf-8".to_owned()),
        ("content-length", body.len().to_string()),
        ("x-squid-error", format!("{code} 0")),
        ("vary", "Accept-Language".to_owned()),
        ("content-language", "en".to_owned()),
    ];
    if status == 407 {
        headers.push((
            "proxy-authenticate",
            "Basic realm=\"Squid proxy-caching web server\"".to_owned(),
        ));
    }
    headers.extend([
        ("x-cache", "MISS from proxy.corp.example".to_owned()),
        ("via", "1.1 proxy.corp.example (squid/6.10)".to_owned()),
        ("connection", "close".to_owned()),
    ]);
    build(status, headers, Bytes::from(body))
}
