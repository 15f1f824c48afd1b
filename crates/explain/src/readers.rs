//! Readers: text → observations. Where the literal signals see words, a reader sees
//! what happened: which request went to the metadata service and how it ended, which
//! API answered with which error code. Clients print the same events in their own
//! grammar — botocore's `DEBUG` lines, the JS SDK's error objects spread over several
//! lines, Go's `dial tcp …: i/o timeout`, curl's `* Connected to` — so the reader
//! looks for the two halves of an exchange (a metadata address or path, and an
//! outcome) on one line, or on neighbouring lines of one error object.
//!
//! Every observation keeps the span of the text it was read from, so findings that
//! rest on it underline the user's own words.

use std::sync::OnceLock;

use authdoctor_diagnosis::{Method, Observation, Outcome};
use regex::Regex;

/// Lines holding one of these may carry half of a metadata exchange: the line filter
/// keeps them and they may open an error block.
pub const IMDS_NEEDLES: &[&str] = &[
    "169.254.169.254",
    "fd00:ec2::254",
    "169.254.170.2",
    "/api/token",
    "/meta-data",
    "ec2imds",
    "imds",
    "metadata service",
    "instance metadata",
    "ec2 metadata",
    "ec2metadata",
    "metadata endpoint",
];

/// How many lines after a metadata address an outcome without one may still belong to
/// it (an error object printed over several lines).
const CARRY_LINES: usize = 4;

/// An observation and the byte span of the text it rests on, in a block's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub observation: Observation,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

struct Patterns {
    imds: Regex,
    path: Regex,
    status: Regex,
    status_phrase: Regex,
    connect_timeout: Regex,
    read_timeout: Regex,
    timeout: Regex,
    refused: Regex,
    reset: Regex,
    unreachable: Regex,
    proxy: Regex,
    put: Regex,
    api_error: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("reader regex: {e}"));
        Patterns {
            imds: re(
                r"(?i)169\.254\.169\.254|fd00:ec2::254|169\.254\.170\.23?\b|/latest/api/token|/api/token|/latest/meta-data|/latest/dynamic|\bec2imds\b|\bimds\b|metadata service|instance metadata|ec2 ?metadata|metadata endpoint",
            ),
            path: re(
                r"/(?:latest|\d{4}-\d{2}-\d{2}|1\.0)/(?:api/token|meta-data(?:/[A-Za-z0-9_.@+=,-]+)*/?|dynamic(?:/[A-Za-z0-9_.-]+)*)|/api/token|/v[12]/credentials",
            ),
            status: re(
                r#"(?i)(?:status[ _]?code(?: of)?|statuscode|httpstatuscode|http status|status|response code|returned|received|got)["']?\s*[:=]?\s*["']?([345]\d\d)\b|HTTP/\d(?:\.\d)?"?\s+([2345]\d\d)\b"#,
            ),
            status_phrase: re(
                r"\b([45]\d\d):? (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Proxy Authentication Required|Bad Gateway|Gateway Time-?out|Service Unavailable|Method Not Allowed|Bad Request)",
            ),
            connect_timeout: re(
                r"(?i)connect(?:ion)?[ _-]?time[ _-]?d?[ _-]?out|ConnectTimeout|connect timed out|dial tcp [^ ]+: i/o timeout|\bETIMEDOUT\b|timeout while connecting|connection timed out",
            ),
            read_timeout: re(
                r"(?i)read[ _-]?time[ _-]?d?[ _-]?out|read timed out|timed out reading|awaiting (?:response )?headers|with 0 bytes received|socket hang up|response timeout|HTTP read timeout|\bESOCKETTIMEDOUT\b",
            ),
            timeout: re(r"(?i)timed? ?out\b|deadline exceeded|\btimeout\b"),
            refused: re(r"(?i)connection refused|\bECONNREFUSED\b|actively refused"),
            reset: re(r"(?i)reset by peer|\bECONNRESET\b|connection reset|connection was reset"),
            unreachable: re(
                r"(?i)no route to host|network is unreachable|\bE(?:HOST|NET)UNREACH\b|host is unreachable",
            ),
            proxy: re(
                r"(?i)\bVia: |\bsquid\b|X-Squid|Proxy-Authenticate|ERR_ACCESS_DENIED|ERR_CONNECT_FAIL|requested URL could not be retrieved|\bproxy error\b",
            ),
            put: re(r"\bPUT\b"),
            api_error: re(
                r"An error occurred \(([A-Za-z.]+)\)(?: when calling the ([A-Za-z0-9]+) operation)?|<Code>([A-Za-z.]+)</Code>|api error ([A-Za-z.]+):",
            ),
        }
    })
}

/// The outcome told on a line, with its span; the most specific wins.
fn outcome_on(line: &str) -> Option<(Outcome, usize, usize)> {
    let p = patterns();
    if let Some(m) = p.proxy.find(line) {
        return Some((Outcome::Proxy, m.start(), m.end()));
    }
    if let Some(c) = p.status.captures(line)
        && let Some(code) = c.get(1).or_else(|| c.get(2))
        && let Ok(n) = code.as_str().parse::<u16>()
        && n != 200
    {
        let whole = c
            .get(0)
            .map_or((code.start(), code.end()), |m| (m.start(), m.end()));
        return Some((Outcome::Status(n), whole.0, whole.1));
    }
    if let Some(c) = p.status_phrase.captures(line)
        && let (Some(m), Some(code)) = (c.get(0), c.get(1))
        && let Ok(n) = code.as_str().parse::<u16>()
    {
        return Some((Outcome::Status(n), m.start(), m.end()));
    }
    let ordered: [(&Regex, Outcome); 5] = [
        (&p.refused, Outcome::Refused),
        (&p.unreachable, Outcome::Unreachable),
        (&p.connect_timeout, Outcome::ConnectTimeout),
        (&p.reset, Outcome::Reset),
        (&p.read_timeout, Outcome::ReadTimeout),
    ];
    for (re, outcome) in ordered {
        if let Some(m) = re.find(line) {
            return Some((outcome, m.start(), m.end()));
        }
    }
    p.timeout
        .find(line)
        .map(|m| (Outcome::Timeout, m.start(), m.end()))
}

/// Observations in the lines of one block, in order.
pub fn read(lines: &[String]) -> Vec<Seen> {
    let p = patterns();
    let mut out = Vec::new();
    // The last metadata request seen without an outcome: (line, method, path).
    let mut pending: Option<(usize, Method, String)> = None;
    for (li, line) in lines.iter().enumerate() {
        if let Some(c) = p.api_error.captures(line) {
            let code = c.get(1).or_else(|| c.get(3)).or_else(|| c.get(4));
            if let (Some(m), Some(code)) = (c.get(0), code) {
                out.push(Seen {
                    observation: Observation::ApiError {
                        code: code.as_str().to_owned(),
                        operation: c.get(2).map(|o| o.as_str().to_owned()),
                    },
                    line: li,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
        let imds = p.imds.find(line);
        let outcome = outcome_on(line);
        match (imds, outcome) {
            (Some(_), outcome) => {
                let path = p
                    .path
                    .find(line)
                    .map(|m| m.as_str().trim_end_matches(['.', ',', ':']).to_owned())
                    .unwrap_or_default();
                let method = if p.put.is_match(line) || path.contains("api/token") {
                    Method::Put
                } else {
                    Method::Get
                };
                match outcome {
                    Some((outcome, start, end)) => {
                        pending = None;
                        out.push(Seen {
                            observation: Observation::ImdsExchange {
                                method,
                                path,
                                outcome,
                                after_ms: None,
                            },
                            line: li,
                            start,
                            end,
                        });
                    }
                    None => {
                        // Keep the most specific request: a later line naming only the
                        // service must not erase the path seen before.
                        let keep_old = pending.as_ref().is_some_and(|(l, _, old)| {
                            li - l <= CARRY_LINES && path.is_empty() && !old.is_empty()
                        });
                        if !keep_old {
                            pending = Some((li, method, path));
                        }
                    }
                }
            }
            (None, Some((outcome, start, end))) => {
                if let Some((at, method, path)) = pending.take()
                    && li - at <= CARRY_LINES
                {
                    out.push(Seen {
                        observation: Observation::ImdsExchange {
                            method,
                            path,
                            outcome,
                            after_ms: None,
                        },
                        line: li,
                        start,
                        end,
                    });
                }
            }
            (None, None) => {
                if pending
                    .as_ref()
                    .is_some_and(|(at, _, _)| li - at > CARRY_LINES)
                {
                    pending = None;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Vec<String> {
        read(&text.lines().map(str::to_owned).collect::<Vec<_>>())
            .into_iter()
            .map(|s| s.observation.describe())
            .collect()
    }

    #[test]
    fn botocore_debug_lines() {
        let got = one(
            "DEBUG - Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL: \"http://169.254.169.254/latest/api/token\"\n\
             DEBUG - Metadata service returned non-200 response with status code of 401 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/, content body: b''",
        );
        assert_eq!(
            got,
            [
                "PUT /latest/api/token → read-timeout",
                "GET /latest/meta-data/iam/security-credentials/ → status-401"
            ]
        );
    }

    #[test]
    fn go_and_node_shapes() {
        assert_eq!(
            one(
                "operation error ec2imds: GetMetadata, https response error StatusCode: 401, request id: , request to EC2 IMDS failed"
            ),
            ["GET (metadata service) → status-401"]
        );
        assert_eq!(
            one(
                "Get \"http://169.254.169.254/latest/meta-data/iam/security-credentials/\": dial tcp 169.254.169.254:80: i/o timeout"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → connect-timeout"]
        );
        assert_eq!(
            one("Error: connect ECONNREFUSED 169.254.169.254:80"),
            ["GET (metadata service) → refused"]
        );
    }

    #[test]
    fn an_outcome_on_a_later_line_of_the_same_error_object() {
        let got = one(
            "CredentialsProviderError: Error response received from instance metadata service\n    at ...\n  statusCode: 401,",
        );
        assert_eq!(got, ["GET (metadata service) → status-401"]);
    }

    #[test]
    fn healthy_answers_are_not_observations_of_failure() {
        assert!(one("GET http://169.254.169.254/latest/meta-data/ status code 200").is_empty());
    }
}
