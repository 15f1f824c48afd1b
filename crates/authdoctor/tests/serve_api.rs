//! `authdoctor serve` over HTTP: the JSON API gives the CLI's documents, every status
//! code of the contract, the DNS-rebinding and cross-origin guards, the security
//! headers, and canary secrets absent from every answer.

#[path = "serve/mod.rs"]
mod serve;

use std::io::Write;
use std::time::{Duration, Instant};

use serve::{Served, cli, raw_request};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

fn form_body(text: &str) -> Vec<u8> {
    let mut out = String::from("text=");
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.into_bytes()
}

fn explain_body(text: &str) -> Vec<u8> {
    serde_json::json!({ "text": text }).to_string().into_bytes()
}

fn assert_security_headers(reply: &serve::Reply, what: &str) {
    let csp = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}");
    }
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert!(
        reply.header("set-cookie").is_none(),
        "{what}: sets a cookie"
    );
}

#[test]
fn first_line_is_the_url_and_every_page_answers_with_the_headers() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    let index = s.get("/");
    assert_eq!(index.status, 200);
    assert!(
        index
            .body
            .contains("What specific error symptom are you experiencing?")
    );
    assert!(index.body.contains("Key error signal"));
    assert_security_headers(&index, "/");
    let catalogue = s.get("/api/scenarios").json();
    let ids: Vec<String> = catalogue["scenarios"]
        .as_array()
        .unwrap_or_else(|| panic!("no scenarios"))
        .iter()
        .map(|sc| sc["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(ids.len() >= 20, "{ids:?}");
    for id in &ids {
        // Every scenario one click from `/`.
        assert!(
            index.body.contains(&format!("href=\"/scenarios/{id}\"")),
            "{id} not linked from /"
        );
        let page = s.get(&format!("/scenarios/{id}"));
        assert_eq!(page.status, 200, "{id}");
        assert_security_headers(&page, id);
        assert!(page.body.contains("Root cause") && page.body.contains("PowerShell"));
    }
    for path in [
        "/explain",
        "/simulate",
        "/decode",
        "/assets/style.css",
        "/assets/app.js",
        "/assets/icon.svg",
    ] {
        let reply = s.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_security_headers(&reply, path);
    }
    let missing = s.get("/nowhere");
    assert_eq!(missing.status, 404);
    assert_security_headers(&missing, "404");
}

#[test]
fn scenarios_api_is_the_cli_document() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let all = s.get("/api/scenarios");
    assert_eq!(all.status, 200);
    assert!(
        all.header("content-type")
            .unwrap_or("")
            .starts_with("application/json")
    );
    assert_eq!(
        all.body.trim(),
        cli(&["scenarios", "--format", "json"]).trim()
    );
    let one = s.get("/api/scenarios/imds-hop-limit");
    assert_eq!(one.status, 200);
    assert_eq!(
        one.body.trim(),
        cli(&["scenarios", "imds-hop-limit", "--format", "json"]).trim()
    );
    let unknown = s.get("/api/scenarios/no-such-thing");
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"].as_str().is_some());
    let no_endpoint = s.get("/api/nothing-here");
    assert_eq!(no_endpoint.status, 404);
    assert!(no_endpoint.json()["error"].as_str().is_some());
}

/// Every example log of the knowledge base gives, through the API, exactly the
/// document `authdoctor explain --format json --text LOG` prints.
#[test]
fn every_kb_example_explained_exactly_as_the_cli() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let catalogue = s.get("/api/scenarios").json();
    let mut compared = 0;
    for scenario in catalogue["scenarios"].as_array().into_iter().flatten() {
        for example in scenario["examples"].as_array().into_iter().flatten() {
            let log = example["log"].as_str().unwrap_or_default();
            let reply = s.post("/api/explain", JSON, &explain_body(log));
            assert_eq!(reply.status, 200, "{}", scenario["id"]);
            let expected = cli(&["explain", "--format", "json", "--text", log]);
            assert_eq!(
                reply.body.trim(),
                expected.trim(),
                "{}: API and CLI differ",
                scenario["id"]
            );
            let doc = reply.json();
            assert!(
                doc["findings"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|f| f["scenario"] == scenario["id"])),
                "{}: not among the findings",
                scenario["id"]
            );
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} examples");
}

#[test]
fn simulate_and_decode_api_are_the_cli_documents() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut compared = 0;
    for entry in std::fs::read_dir(&examples).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let case = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let reply = s.post("/api/simulate", JSON, &case);
        assert_eq!(reply.status, 200, "{}: {}", path.display(), reply.body);
        let expected = cli(&[
            "simulate",
            "--case",
            path.to_str().unwrap_or(""),
            "--format",
            "json",
        ]);
        assert_eq!(reply.body.trim(), expected.trim(), "{}", path.display());
        compared += 1;
    }
    assert!(compared >= 3);
    let decoded = include_str!("../../serve/assets/example-decoded.json");
    let reply = s.post("/api/decode", JSON, decoded.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body.trim(),
        cli(&["decode", "--format", "json", "--text", decoded]).trim()
    );
    assert_eq!(reply.json()["allowed"], false);
}

#[test]
fn bad_input_is_400_with_an_error_document() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    for (path, body) in [
        ("/api/explain", "not json"),
        ("/api/explain", "[1,2]"),
        ("/api/explain", "{\"txt\": \"x\"}"),
        ("/api/explain", "{\"text\": 42}"),
        ("/api/simulate", "{\"identityPolicies\": ["),
        ("/api/simulate", "{}"),
        ("/api/decode", "{\"nothing\": true}"),
        ("/api/decode", ""),
    ] {
        let reply = s.post(path, JSON, body.as_bytes());
        assert_eq!(reply.status, 400, "{path} {body}: {}", reply.body);
        let error = reply.json()["error"].as_str().map(str::to_owned);
        assert!(error.is_some_and(|e| !e.is_empty()), "{path} {body}");
        assert_security_headers(&reply, path);
    }
    let invalid_utf8 = s.post("/api/explain", JSON, &[0xff, 0xfe, b'{']);
    assert_eq!(invalid_utf8.status, 400);
    // The forms answer 400 with a page for a broken case or message.
    let page = s.post("/simulate", FORM, &form_body("{ not a case"));
    assert_eq!(page.status, 400);
    assert!(page.body.contains("could not be read"));
    let wrong_method = s.get("/api/explain");
    assert_eq!(wrong_method.status, 405);
}

#[test]
fn bodies_over_the_limit_are_413() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let reply = s.post("/api/explain", JSON, &big);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.json()["error"].is_string());
    let reply = s.post("/explain", FORM, &big);
    assert_eq!(reply.status, 413);
    // Just under the limit is read and explained.
    let mut text = "An error occurred (ExpiredToken) when calling the GetObject operation: The provided token has expired.\n".repeat(1000);
    text.push_str(&"x".repeat(9 * 1024 * 1024 - text.len()));
    let reply = s.post("/api/explain", JSON, &explain_body(&text));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["findings"][0]["scenario"], "expired-token");
}

#[test]
fn host_header_must_name_this_server() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let port = s.addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let reply = s.send("GET", "/api/scenarios", &[("Host", &host)], b"");
        assert_eq!(reply.status, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        format!("attacker.test:{port}"),
    ] {
        for path in ["/", "/api/scenarios", "/scenarios/imds-hop-limit"] {
            let reply = s.send("GET", path, &[("Host", &host)], b"");
            assert_eq!(reply.status, 403, "{host} {path}");
            assert_security_headers(&reply, &host);
        }
        let reply = s.send(
            "POST",
            "/api/explain",
            &[("Host", &host), ("Content-Type", JSON)],
            &explain_body("ExpiredToken"),
        );
        assert_eq!(reply.status, 403);
        assert!(reply.json()["error"].is_string());
    }
    // No Host at all (HTTP/1.0 style) is refused too.
    let reply = s.send("GET", "/", &[], b"");
    assert_eq!(reply.status, 403);
}

#[test]
fn cross_origin_posts_are_refused() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let host = s.host();
    let own = format!("http://{host}");
    let body = explain_body("An error occurred (ExpiredToken)");
    let cases: [(&[(&str, &str)], u16); 10] = [
        (&[("Origin", "http://evil.example")], 403),
        (&[("Origin", "null")], 403),
        (&[("Origin", "null"), ("Sec-Fetch-Site", "cross-site")], 403),
        (
            &[
                ("Origin", "http://evil.example"),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            403,
        ),
        // What Chrome sends for the page's own form under `Referrer-Policy: no-referrer`.
        (
            &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
            200,
        ),
        (&[("Origin", "https://127.0.0.1")], 403),
        (&[("Sec-Fetch-Site", "cross-site")], 403),
        (&[("Sec-Fetch-Site", "same-site")], 403),
        (
            &[("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")],
            200,
        ),
        (&[], 200),
    ];
    for (extra, expected) in cases {
        for (path, content_type, body) in [
            ("/api/explain", JSON, body.clone()),
            (
                "/explain",
                FORM,
                form_body("An error occurred (ExpiredToken)"),
            ),
        ] {
            let mut headers = vec![("Host", host.as_str()), ("Content-Type", content_type)];
            headers.extend_from_slice(extra);
            let reply = s.send("POST", path, &headers, &body);
            assert_eq!(reply.status, expected, "{path} {extra:?}: {}", reply.body);
        }
    }
    // A cross-site GET of a page is fine (a link); only state-changing POSTs are guarded.
    let reply = s.send(
        "GET",
        "/",
        &[("Host", host.as_str()), ("Sec-Fetch-Site", "cross-site")],
        b"",
    );
    assert_eq!(reply.status, 200);
}

/// Secrets pasted by the user never come back, in any view.
#[test]
fn canary_secrets_are_absent_from_every_answer() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY0001";
    let session_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDCANARYSESSIONTOKENxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImNhbmFyeSJ9.eyJzdWIiOiJjYW5hcnktand0LXN1YmplY3QifQ.Q0FOQVJZU0lHTkFUVVJFY2FuYXJ5c2lnbmF0dXJl";
    let imds_token = "AQAEAFTCANARYIMDSTOKEN0000000000000000000000000000000000A==";
    let log = format!(
        "aws_access_key_id = AKIAIOSFODNN7CANARY\n\
         aws_secret_access_key = {secret_key}\n\
         aws_session_token = {session_token}\n\
         Authorization: Bearer {jwt}\n\
         X-aws-ec2-metadata-token: {imds_token}\n\
         An error occurred (ExpiredToken) when calling the GetObject operation: The provided token has expired.\n\
         DEBUG urllib3 PUT /latest/api/token HTTP/1.1 with token {imds_token} and secret {secret_key}\n"
    );
    let canaries = [
        secret_key,
        session_token,
        jwt,
        imds_token,
        "AKIAIOSFODNN7CANARY",
    ];
    // The secret goes into the request context only: a condition value of a numeric
    // operator must be a number, or the case is refused before it is evaluated.
    let case = include_str!("../../../examples/role-delivery-imdsv1-denied.json").replace(
        "\"context\": {\"ec2:RoleDelivery\"",
        &format!("\"context\": {{\"aws:userid\": \"{secret_key}\", \"ec2:RoleDelivery\""),
    );
    assert!(case.contains(secret_key), "the case carries the canary");
    let replies = [
        s.post("/api/explain", JSON, &explain_body(&log)),
        s.post("/explain", FORM, &form_body(&log)),
        s.post("/api/simulate", JSON, case.as_bytes()),
        s.post("/simulate", FORM, &form_body(&case)),
        s.post("/api/decode", JSON, log.as_bytes()),
        s.post("/decode", FORM, &form_body(&log)),
        s.post(
            "/api/explain",
            JSON,
            format!("{{\"text\": 1, \"k\": \"{secret_key}\"").as_bytes(),
        ),
    ];
    for (i, reply) in replies.iter().enumerate() {
        for canary in canaries {
            assert!(
                !reply.body.contains(canary),
                "answer {i} ({}) leaks {canary}:\n{}",
                reply.status,
                reply.body
            );
        }
    }
    assert_eq!(replies[0].status, 200);
    assert_eq!(replies[1].status, 200);
    assert_eq!(replies[2].status, 200, "{}", replies[2].body);
    // The explanation still shows the user's text, masked, with the evidence marked.
    assert!(
        replies[1].body.contains("<mark class=\"cause\""),
        "{}",
        replies[1].body
    );
    assert!(replies[1].body.contains("redacted"));
    // Results are never cached.
    for reply in &replies[..2] {
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    }
}

#[test]
fn results_mark_the_cause_and_tell_the_story_of_a_debug_log() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let log = "2024-05-01 10:00:00,001 - botocore.utils - DEBUG - PUT /latest/api/token\n\
               2024-05-01 10:00:01,002 - botocore.utils - DEBUG - Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL: \"http://169.254.169.254/latest/api/token\"\n\
               2024-05-01 10:00:02,003 - botocore.credentials - DEBUG - Looking for credentials via: iam-role\n\
               botocore.exceptions.NoCredentialsError: Unable to locate credentials\n";
    let reply = s.post("/explain", FORM, &form_body(log));
    assert_eq!(reply.status, 200);
    let doc = s.post("/api/explain", JSON, &explain_body(log)).json();
    let top = doc["findings"][0]["scenario"]
        .as_str()
        .unwrap_or("none")
        .to_owned();
    assert!(reply.body.contains(&format!("/scenarios/{top}")), "{top}");
    assert!(reply.body.contains("<mark class=\"cause\""));
    if doc["observations"]
        .as_array()
        .is_some_and(|o| !o.is_empty())
    {
        assert!(reply.body.contains("What the log shows happened"));
    }
    // User text is escaped, never interpreted.
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> ExpiredToken";
    let reply = s.post("/explain", FORM, &form_body(hostile));
    assert!(!reply.body.contains("<script>alert"));
    assert!(!reply.body.contains("<img src=x"));
    assert!(reply.body.contains("&lt;script&gt;"));
}

#[test]
fn slow_requests_time_out() {
    let s = Served::start(&["--listen", "127.0.0.1:0", "--request-timeout", "1"]);
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    write!(
        stream,
        "POST /api/explain HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"te",
        s.host()
    )
    .unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = serve::read_reply(stream);
    assert_eq!(reply.status, 408);
    assert!(started.elapsed() < Duration::from_secs(25));
}

/// A client that never finishes its request headers is cut off too.
#[test]
fn trickled_headers_time_out() {
    let s = Served::start(&["--listen", "127.0.0.1:0", "--request-timeout", "1"]);
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap_or_else(|e| panic!("{e}"));
    write!(stream, "GET / HTTP/1.1\r\nHost: {}\r\nX-Slow: ", s.host())
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut buf = Vec::new();
    // The server closes the connection: read_to_end returns instead of timing out.
    let read = std::io::Read::read_to_end(&mut stream, &mut buf);
    assert!(read.is_ok(), "{read:?}");
    assert!(started.elapsed() < Duration::from_secs(25));
}

#[test]
fn non_loopback_listen_warns() {
    let mut s = Served::start(&["--listen", "0.0.0.0:0"]);
    // The URL shown is loopback, which always answers.
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    let reply = raw_request(s.addr, "GET", "/", &[("Host", &s.host())], b"");
    assert_eq!(reply.status, 200);
    drop(reply);
    let mut stderr = s.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    drop(s);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.contains("warning") && text.contains("not loopback"),
        "{text}"
    );
    let quiet = Served::start(&["--listen", "127.0.0.1:0"]);
    drop(quiet);
}

#[test]
fn bad_listen_address_is_a_usage_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_authdoctor"))
        .env_clear()
        .args(["serve", "--listen", "not an address"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// `POST /api/simulate` and the simulate page print the trace, which states every policy
/// and request value of a condition: secrets there are masked, as `simulate --format
/// json` masks them (issue 9: one document builder for both; before it, the API printed
/// them).
#[test]
fn simulate_masks_secrets_in_condition_values() {
    let s = Served::start(&["--listen", "127.0.0.1:0"]);
    let policy_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY0001";
    let context_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY0002";
    let case = serde_json::json!({
        "name": "serve canary",
        "identityPolicies": [{"name": "P", "policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Tagged", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringEquals": {"custom:key": policy_secret}}}]}}],
        "request": {"principal": "arn:aws:iam::111122223333:user/dev", "action": "s3:GetObject",
                    "resource": "arn:aws:s3:::b/k", "context": {"custom:key": format!("other {context_secret}")}}
    })
    .to_string();
    let api = s.post("/api/simulate", JSON, case.as_bytes());
    assert_eq!(api.status, 200, "{}", api.body);
    let page = s.post("/simulate", FORM, &form_body(&case));
    for reply in [&api, &page] {
        for secret in [policy_secret, context_secret] {
            assert!(
                !reply.body.contains(secret),
                "leaks {secret}:\n{}",
                reply.body
            );
        }
    }
    let condition = &api.json()["trace"][0]["conditions"][0];
    for values in ["policy_values", "request_values"] {
        let shown = condition[values][0].as_str().unwrap_or_default();
        assert!(shown.contains("[redacted"), "{values}: {}", api.body);
    }
}
