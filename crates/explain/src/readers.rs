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

use authdoctor_diagnosis::{ImdsPath, Method, Observation, Outcome};
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
    // "instance metadata", and ExAws's "Instance Meta Error".
    "instance meta",
    "ec2 metadata",
    "ec2metadata",
    "metadata endpoint",
    "frominstancemetadata",
    // The Rust SDK's IMDS client, in the `Debug` form of its errors.
    "failedtoloadtoken",
    // PHP's "Error retrieving credentials from the instance profile metadata server".
    "instance profile metadata",
    // The Java SDKs' IMDS credential provider and v1's metadata fetcher, as loggers
    // name them in front of the provider's own message.
    "instanceprofilecredentialsprovider",
    "ec2credentialsutils",
    // The JavaScript SDK v2's metadata client, in the stack of its errors.
    "metadata_service.js",
];

/// Lines holding one of these may carry half of a clock reading: a request's signing
/// time, or the `Date` of an answer (its value ends in GMT).
pub const CLOCK_NEEDLES: &[&str] = &["x-amz-date", "$metadata"];

/// Whether a line may be the status line of an HTTP answer (`HTTP/1.1 200 OK`).
pub fn may_be_status_line(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"HTTP/").is_some()
}

/// Whether a line is the status line of an HTTP answer as dumps print it
/// (`HTTP/1.1 400 Bad Request`, curl's `< HTTP/2 403`).
pub fn is_response_line(line: &[u8]) -> bool {
    // Asked of every line: the readers' patterns are compiled only for one that may be.
    may_be_status_line(line)
        && std::str::from_utf8(line).is_ok_and(|l| patterns().response_line.is_match(l))
}

/// Whether a line may tell how a request ended without naming the metadata service (a
/// client's trace logs the request's target and its failure on different lines).
pub fn may_tell_outcome(line: &[u8]) -> bool {
    [
        "timeout",
        "timed out",
        "refused",
        "reset by",
        "unreachable",
        "deadline exceeded",
    ]
    .iter()
    .any(|needle| contains_ignore_case(line, needle.as_bytes()))
}

/// Words of a failed request (with an AWS endpoint's host on the same line, a request
/// AWS never answered): checked on the bytes before any pattern is compiled.
const UNANSWERED_NEEDLES: &[&str] = &[
    "timeout",
    "timed out",
    "refused",
    "reset",
    "unreachable",
    "no route",
    "no such host",
    "getaddrinfo",
    "resolve",
    "name or service",
    "name resolution",
    "nodename",
    "ssl",
    "certificate",
    "x509",
    "tls",
    "send failed",
    "send request failed",
    "could not connect",
    "unable to execute http request",
    "deadline exceeded",
    "error sending request",
    "error trying to connect",
    "dispatch failure",
    "proxy",
];

/// Whether a line may tell of a request to an AWS API that got no answer: it names an
/// AWS endpoint (host names are printed in lower case) and a word of failure. Asked of
/// every line of the input, so the host is looked for first, with a vectorised search.
pub fn may_tell_unanswered_api(line: &[u8]) -> bool {
    static HOST: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"amazonaws.com"));
    HOST.find(line).is_some()
        && UNANSWERED_NEEDLES
            .iter()
            .any(|needle| contains_ignore_case(line, needle.as_bytes()))
}

/// Whether a line may hold a request's signing time.
pub fn names_signing_time(line: &[u8]) -> bool {
    contains_ignore_case(line, b"x-amz-date")
}

/// Whether a line may hold an HTTP `Date` value (they end in GMT): read only shortly
/// after a signing time, never as a needle of its own.
pub fn names_a_date(line: &[u8]) -> bool {
    contains_ignore_case(line, b" gmt")
}

/// Whether `needle` occurs in `line`, ASCII case ignored. Some callers test every line
/// of the input: the needle's first byte, in either case, is found with `memchr2`, and
/// only those places are compared.
fn contains_ignore_case(line: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = line.len().checked_sub(needle.len()) else {
        return false;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut from = 0;
    while from <= last_start {
        let Some(offset) = memchr::memchr2(lower, upper, &line[from..=last_start]) else {
            return false;
        };
        let at = from + offset;
        if line[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        from = at + 1;
    }
    false
}

/// What the JS SDK v3 corrects by itself: an error it shows without
/// `clockSkewCorrected` came with a clock at most this far from AWS's.
const JS_SKEW_CORRECTION_SECONDS: i64 = 240;
/// Lines of a JS `$metadata` object.
const JS_METADATA_LINES: usize = 10;

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
    /// A read that timed out in the words of a connection failure: the system's
    /// `read: connection timed out` (ETIMEDOUT from `read`, the request sent), Go's
    /// `read tcp …: i/o timeout`.
    read_failed: Regex,
    timeout: Regex,
    /// A request that got no answer, without a word on why (reqwest's and hyper's
    /// wording when the cause is dropped, the Go SDKs' when a copy cut it off).
    no_answer: Regex,
    refused: Regex,
    reset: Regex,
    unreachable: Regex,
    proxy: Regex,
    /// An answer whose body the client could not read as the document it asked for.
    unparsable: Regex,
    /// An AWS API endpoint's host name (never the metadata service's).
    api_host: Regex,
    name_not_resolved: Regex,
    tls_failed: Regex,
    /// An SDK's words for a request to an AWS API that got no answer, whatever the cause.
    api_no_answer: Regex,
    put: Regex,
    api_error: Regex,
    request_line: Regex,
    response_line: Regex,
    /// The `statusCode` property of a printed JS error object.
    js_status_code: Regex,
    js_network_code: Regex,
    clock: Regex,
    signed_at: Regex,
    server_date: Regex,
    quoted_times: Regex,
    s3_times: Regex,
}

/// The readers' patterns, compiled once; most of a short input's run time when they are
/// (see [`patterns_compiled`]).
static PATTERNS: OnceLock<Patterns> = OnceLock::new();

/// Whether the readers' patterns have been compiled in this process: an input that never
/// names the metadata service, a dump or a clock should not pay for them (a test holds
/// this).
pub fn patterns_compiled() -> bool {
    PATTERNS.get().is_some()
}

/// A reader's regex with ASCII classes and ASCII case folding: client output is ASCII
/// where it matters, and Unicode tables would multiply the compile time that every run
/// pays once. The patterns are ours and tested, so they compile.
fn re(pattern: &str) -> Regex {
    regex::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .unwrap_or_else(|e| unreachable!("reader regex: {e}"))
}

fn patterns() -> &'static Patterns {
    PATTERNS.get_or_init(|| {
        Patterns {
            imds: re(
                r"(?i)169\.254\.169\.254|fd00:ec2::254|169\.254\.170\.23?\b|/latest/api/token|/api/token|/latest/meta-data|/latest/dynamic|\bec2imds\b|\bimds\b|metadata service|instance metadata|\binstance meta\b|instance profile metadata|ec2 ?metadata|metadata endpoint|FailedToLoadToken|InstanceProfileCredentialsProvider|EC2CredentialsUtils",
            ),
            path: re(
                r"/(?:latest|\d{4}-\d{2}-\d{2}|1\.0)/(?:api/token|meta-data(?:/[A-Za-z0-9_.@+=,-]+)*/?|dynamic(?:/[A-Za-z0-9_.-]+)*)|/api/token|/v[12]/credentials",
            ),
            status: re(
                r#"(?i)(?:status[ _]?code(?: of)?|statuscode|httpstatuscode|http status|status|response code|returned|received|got|http error\b[ -~]{0,60}?\bcode)\\?["']?\s*[:=]?\s*\\?["']?([345]\d\d)\b|HTTP/\d(?:\.\d)?\\?"?\s+([2345]\d\d)\b"#,
            ),
            status_phrase: re(
                r"\b([45]\d\d)(?::| -)? (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Proxy Authentication Required|Bad Gateway|Gateway Time-?out|Service Unavailable|Method Not Allowed|Bad Request)",
            ),
            connect_timeout: re(
                r"(?i)connect(?:ion)?[ _-]?time[ _-]?d?[ _-]?out|ConnectTimeout|connect timed out|dial tcp [!-~]+: i/o timeout|\bETIMEDOUT\b|timeout while connecting|connection timed out|TimeoutError \{ operation: \x22connect\x22|request canceled while waiting for connection",
            ),
            read_timeout: re(
                r"(?i)read[ _-]?time[ _-]?d?[ _-]?out|\bio_read(?: #\d+)? timeout|read timed out|timed out reading|awaiting (?:response )?headers|with 0 bytes received|socket hang up|response timeout|HTTP read timeout|\bESOCKETTIMEDOUT\b",
            ),
            read_failed: re(r"(?i)\bread(?: tcp [!-~]+)?: (?:connection timed out|i/o timeout)"),
            timeout: re(r"(?i)timed? ?out\b|deadline exceeded|\btimeout\b"),
            no_answer: re(
                r"(?i)error sending request for url|error trying to connect|request send failed|send request failed",
            ),
            refused: re(r"(?i)connection ?refused|\bECONNREFUSED\b|actively refused"),
            reset: re(r"(?i)reset by peer|\bECONNRESET\b|connection reset|connection was reset"),
            // With the connection failures that do not say how (.NET's and PowerShell's
            // "Unable to connect to the remote server", curl's exit code 7): refused or
            // no route, either way nothing answered. EACCES from connect() is a local
            // firewall rule or security policy (SELinux) that stops the packet going out;
            // EINVAL, an address this host's network cannot reach at all (a task on
            // Fargate dialling the EC2 metadata address).
            unreachable: re(
                r"(?i)no route to host|new connection: \[Errno 13\] Permission denied|connect: permission denied|\bconnect EACCES\b|\bconnect EINVAL\b|Invalid argument - connect\(2\)|network ?is ?unreachable|socket operation was attempted to an unreachable (?:network|host)|\bE(?:HOST|NET)UNREACH\b|\bEHOSTDOWN\b|host ?is ?(?:unreachable|down)|connect error: Invalid argument|unable to contact EC2 metadata service\.|\b(?:Host|Network)Unreachable\b|unable to connect to the remote server|couldn't connect to server|\bcurl\b[ -~\t]*\bexit (?:status|code):? 7\b",
            ),
            proxy: re(
                // A Via header carries a protocol version ("Via: 1.1 squid"); "looking for
                // credentials via: env" does not. A proxy's name in the answer (its error
                // page's footer or its `Server` header) betrays it as well, as does the
                // sentence of Squid's access-denied page.
                r"(?i)\bVia['\x22]?\s*:\s*['\x22]?(?:HTTP/)?\d\.\d\b|\bsquid\b|X-Squid|Proxy-Authenticate|ERR_ACCESS_DENIED|ERR_CONNECT_FAIL|requested URL could not be retrieved|Access control configuration prevents your request from being allowed|\bproxy error\b|\btinyproxy\b|\bprivoxy\b|\bzscaler\b|You will not be permitted access until your credentials can be verified",
            ),
            // botocore's debug line for a credentials answer it could not load
            // (`Metadata service returned invalid json response with status code of
            // 200 …`, or `empty response`), the PHP SDK's `Invalid JSON response,
            // retries exhausted`, the Go SDK v2's `failed to decode <role> EC2 IMDS role
            // credentials`.
            unparsable: re(
                r"(?i)returned (?:invalid json|empty) response\b|\bInvalid JSON response, retries exhausted|failed to decode [!-~]{1,128} EC2 IMDS role credentials",
            ),
            api_host: re(r"(?i)\b((?:[a-z0-9-]+\.)+amazonaws\.com(?:\.cn)?)\b"),
            name_not_resolved: re(
                r"(?i)no such host|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Name or service not known|Temporary failure in name resolution|nodename nor servname|UnknownHostException|Could not resolve host|NameResolutionError|failed to lookup address|\bdns error\b|\blookup [a-z0-9.-]+(?: on [0-9a-f.:\[\]]+)?: (?:i/o timeout|server misbehaving)",
            ),
            tls_failed: re(
                r"(?i)SSL validation failed|certificate verify (?:failed|error)|CERTIFICATE_VERIFY_FAILED|x509: certificate|SSLHandshakeException|PKIX path building failed|unable to get local issuer certificate|SSL certificate problem|self[- ]signed certificate in certificate chain|tls: handshake failure|WRONG_VERSION_NUMBER",
            ),
            api_no_answer: re(
                r"(?i)request send failed|send request failed|Could not connect to the endpoint URL|Unable to execute HTTP request|error sending request for url|error trying to connect|dispatch failure",
            ),
            put: re(r"\bPUT\b"),
            // An HTTP request line as debug dumps and `curl -v` print it.
            request_line: re(
                r"^\s*(?:> )?(PUT|GET) (/(?:latest|\d{4}-\d{2}-\d{2}|1\.0)/[!-~]*|/api/token) HTTP/\d(?:\.\d)?\s*$",
            ),
            js_status_code: re(r"^\s*statusCode: ([1-5]\d\d),?\s*$"),
            // The network error of a Node request, as a printed error object shows it.
            js_network_code: re(
                r"^\s*code: '(TimeoutError|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH)',?\s*$",
            ),
            response_line: re(r"^\s*(?:< )?HTTP/\d(?:\.\d)? ([1-5]\d\d)\b"),
            clock: re(r"\b([0-2]\d):([0-5]\d):([0-5]\d)(?:[.,](\d{1,6}))?\b"),
            // A request's signing time: a header dump (`X-Amz-Date: …`), botocore's
            // header dict (`'X-Amz-Date': b'…'`) or a canonical request (`x-amz-date:…`).
            signed_at: re(r#"(?i)x-amz-date['"]?\s*[:=]\s*b?['"]?(\d{8}T\d{6}Z)"#),
            // An answer's `Date` header, in a dump or a header dict.
            server_date: re(
                r#"(?i)(?:^|[\s{,'"])date['"]?\s*:\s*['"]?((?:mon|tue|wed|thu|fri|sat|sun), \d{1,2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]0000))"#,
            ),
            // The signing time and AWS's time, as STS/IAM-style errors quote them.
            quoted_times: re(
                r"Signature (?:expired|not yet current): (\d{8}T\d{6}Z) is (?:now earlier|still later) than \d{8}T\d{6}Z \((\d{8}T\d{6}Z) [+-] \d+ min\.?\)",
            ),
            // S3's RequestTimeTooSkewed document.
            s3_times: re(
                r"<RequestTime>([ -;=-~]{1,40})</RequestTime>\s*<ServerTime>([ -;=-~]{1,40})</ServerTime>",
            ),
            // botocore, XML bodies, Go v2, and the JS SDK v3's printed error objects.
            api_error: re(
                r"An error occurred \(([A-Za-z.]+)\)(?: when calling the ([A-Za-z0-9]+) operation)?|<Code>([A-Za-z.]+)</Code>|api error ([A-Za-z.]+):|^\s*Code: '([A-Za-z.]+)',?$",
            ),
        }
    })
}

/// The request a line told of, or, when it named none: a GET for an answer (most
/// metadata requests are GETs, and a token request that got an error status is named as
/// one), unknown for a timeout (an IMDSv2 client's first request, the token PUT, is the
/// one a lost answer leaves waiting).
fn untold_method(told: Option<Method>, outcome: Outcome) -> Method {
    told.unwrap_or(match outcome {
        Outcome::ReadTimeout | Outcome::Timeout => Method::Unknown,
        _ => Method::Get,
    })
}

/// A frame of a stack trace: a place in code, not an event (`    at
/// Socket.emitRequestTimeout (node:_http_client:812:9)` names no timeout that happened).
/// JavaScript's and Java's `at …`, Java's `... 12 more`, Ruby's `from file.rb:9:in 'm'`.
/// A log collector's prefix (`program_text`) does not hide a frame, and neither does a
/// copy that lost the frames' indent (`at Amazon.Util.EC2InstanceMetadata.GetItems(…)`)
/// or .NET's line between the frames of an awaited call.
pub fn is_stack_frame(line: &str) -> bool {
    let (start, end) = program_text(line);
    let line = &line[start..end];
    let t = line.trim();
    let indented = line.starts_with([' ', '\t'])
        && (t.starts_with("at ")
            && (t.ends_with(')') || t.contains(".js:") || t.contains(".java:"))
            || t.starts_with("from ") && t.contains(":in ")
            || t.starts_with("... ") && t.ends_with(" more"));
    indented
        || is_unindented_frame(t)
        || t == DOTNET_AWAIT_SEPARATOR
        || (line.starts_with([' ', '\t']) && is_dotted_call(t))
        || is_qualified_call(t)
}

/// `Namespace.Type.Method(Type name, …)` at the start of a line, as copies of ASP.NET's
/// developer exception page give its frames once the page's indent is lost: a method
/// qualified by a namespace and a type, whose parameters are declarations (a type and
/// a name each). A value's printed form (`ConnectTimeoutError(<…>, 'Connection to …')`)
/// passes values, not declarations, and keeps its events.
fn is_qualified_call(t: &str) -> bool {
    let Some(open) = t.find('(') else {
        return false;
    };
    let Some(close) = t.rfind(')') else {
        return false;
    };
    let rest = &t[close + 1..];
    is_dotted_call(t)
        && t[..open].matches('.').count() >= 2
        && (rest.is_empty() || rest.starts_with(" in "))
        && close > open
        && declarations(&t[open + 1..close])
}

/// Whether a parameter list is empty or declares each parameter as `Type name` (the
/// type may be generic: `Func<Task<T>> task`, `Dictionary<string, int> map`).
fn declarations(list: &str) -> bool {
    let mut depth = 0usize;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in list.char_indices() {
        match c {
            '<' | '[' => depth += 1,
            '>' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    let word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.<>[],`+? ".contains(&b))
    };
    list.trim().is_empty()
        || parts.iter().all(|p| {
            let p = p.trim();
            p.rsplit_once(' ').is_some_and(|(ty, name)| {
                word(ty.trim())
                    && !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        })
}

/// What .NET prints between the frames before and after an `await`.
const DOTNET_AWAIT_SEPARATOR: &str =
    "--- End of stack trace from previous location where exception was thrown ---";

/// `at Namespace.Type.Method(args)` without an indent: prose never names a dotted
/// method with its parameter list right after "at".
fn is_unindented_frame(t: &str) -> bool {
    t.strip_prefix("at ").is_some_and(is_dotted_call)
}

/// `Namespace.Type.Method(args)`, maybe ` in File.cs:line 9` after it: a frame as
/// ASP.NET's developer exception page lists them (indented, without "at"), and the part
/// of a frame after "at". Nested and generated .NET types keep their marks
/// (`AsyncHelpers+<>c__DisplayClass1_1<T>+<<RunSync>b__0>d.MoveNext()`).
fn is_dotted_call(t: &str) -> bool {
    let Some(open) = t.find('(') else {
        return false;
    };
    let method = &t[..open];
    (t.ends_with(')') || t.contains(") in "))
        && method.contains('.')
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._$<>`[],+".contains(&b))
}

/// The outcome told on a line, with its span; the most specific wins. A stack frame
/// tells none.
fn outcome_on(line: &str) -> Option<(Outcome, usize, usize)> {
    if is_stack_frame(line) {
        return None;
    }
    let p = patterns();
    if let Some(m) = p.proxy.find(line) {
        return Some((Outcome::Proxy, m.start(), m.end()));
    }
    if let Some(m) = p.unparsable.find(line) {
        return Some((Outcome::Unparsable, m.start(), m.end()));
    }
    // A 200 counts only as an HTTP status line or access-log entry
    // (`"GET /latest/meta-data/… HTTP/1.1" 200 24`): an answer that came, which rules
    // out causes where nothing does. Prose such as "status code 200" is no event.
    if let Some(c) = p.status.captures(line)
        && let Some(code) = c.get(1).or_else(|| c.get(2))
        && let Ok(n) = code.as_str().parse::<u16>()
        && (n != 200 || c.get(2).is_some())
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
    if let Some(m) = p.read_failed.find(line) {
        return Some((Outcome::ReadTimeout, m.start(), m.end()));
    }
    let ordered: [(&Regex, Outcome); 5] = [
        (&p.refused, Outcome::Refused),
        (&p.unreachable, Outcome::Unreachable),
        (&p.connect_timeout, Outcome::ConnectTimeout),
        (&p.reset, Outcome::Reset),
        (&p.read_timeout, Outcome::ReadTimeout),
    ];
    for (re, outcome) in ordered {
        let timeout = matches!(outcome, Outcome::ConnectTimeout | Outcome::ReadTimeout);
        if let Some(m) = re
            .find_iter(line)
            .find(|m| !(timeout && is_timeout_setting(line, m.end())))
        {
            return Some((outcome, m.start(), m.end()));
        }
    }
    p.timeout
        .find_iter(line)
        .find(|m| !is_timeout_setting(line, m.end()))
        .map(|m| {
            let outcome = if deadline_between_retries(line, m.start()) {
                Outcome::Failed
            } else {
                Outcome::Timeout
            };
            (outcome, m.start(), m.end())
        })
        .or_else(|| {
            p.no_answer
                .find(line)
                .map(|m| (Outcome::NoAnswer, m.start(), m.end()))
        })
}

/// Whether the deadline the Go SDK v2 reports at `at` ran out while it waited to retry
/// (`…, canceled, context deadline exceeded`) rather than inside a request
/// (`…, request canceled, context deadline exceeded`): answers came back, and no
/// request is known to have gone unanswered.
fn deadline_between_retries(line: &str, at: usize) -> bool {
    line[..at].ends_with(", canceled, context ")
}

/// Whether the timeout word ending at `end` names a setting, not an event: a debug
/// dump of the client's configuration (`connect_timeout: Set(1s)`, `read_timeout=5`,
/// `timeout settings for this operation`) says how long it would wait, not that it
/// waited in vain.
fn is_timeout_setting(line: &str, end: usize) -> bool {
    let rest = line.get(end..).unwrap_or("").trim_start();
    if let Some(value) = rest.strip_prefix([':', '=']) {
        let value = value.trim_start().trim_start_matches(['"', '\'']);
        return value.starts_with(|c: char| c.is_ascii_digit())
            || ["Set(", "Some(", "None", "Disabled", "Unset"]
                .iter()
                .any(|v| value.starts_with(v));
    }
    let lower = rest
        .get(..rest.len().min(9))
        .unwrap_or("")
        .to_ascii_lowercase();
    lower.starts_with("settings") || lower.starts_with("config")
}

/// A request to an AWS API endpoint that AWS never answered, told on this line: the
/// host it names and how the request ended, with the span of the words that say so. A
/// line naming the metadata service is the IMDS reader's; one with an HTTP status got
/// an answer.
fn unanswered_api_on(line: &str) -> Option<(Observation, usize, usize)> {
    if !may_tell_unanswered_api(line.as_bytes()) || is_stack_frame(line) {
        return None;
    }
    let p = patterns();
    if p.imds.is_match(line) {
        return None;
    }
    let host = p
        .api_host
        .captures(line)?
        .get(1)?
        .as_str()
        .to_ascii_lowercase();
    let told = outcome_on(line);
    if told.is_some_and(|(outcome, _, _)| !Outcome::UNANSWERED.contains(&outcome)) {
        return None;
    }
    // A bare "timeout" near an endpoint is as often a setting in prose ("with a timeout
    // of 5 s") as an event; "timed out" and "deadline exceeded" are events.
    let told = told.filter(|&(outcome, start, end)| {
        outcome != Outcome::Timeout || !line[start..end].eq_ignore_ascii_case("timeout")
    });
    let (outcome, start, end) = if let Some(m) = p.name_not_resolved.find(line) {
        (Outcome::NameNotResolved, m.start(), m.end())
    } else if let Some(m) = p.tls_failed.find(line) {
        (Outcome::TlsFailed, m.start(), m.end())
    } else if let Some(told) = told {
        told
    } else {
        let m = p.api_no_answer.find(line)?;
        (Outcome::NoAnswer, m.start(), m.end())
    };
    Some((Observation::ApiUnanswered { host, outcome }, start, end))
}

/// The requests to AWS APIs that AWS never answered, in a block the other readers skip
/// (it names no metadata service, dump or clock).
pub fn read_unanswered_api(raw_lines: &[&str]) -> Vec<Seen> {
    raw_lines
        .iter()
        .enumerate()
        .filter(|(_, l)| may_tell_unanswered_api(l.as_bytes()))
        .filter_map(|(li, raw)| {
            let (from, to) = program_text(raw);
            let (observation, start, end) = unanswered_api_on(&raw[from..to])?;
            Some(Seen {
                observation,
                line: li,
                start: start + from,
                end: end + from,
            })
        })
        .collect()
}

impl Seen {
    fn exchange(
        method: Method,
        path: String,
        outcome: Outcome,
        line: usize,
        start: usize,
        end: usize,
    ) -> Seen {
        Seen {
            observation: Observation::ImdsExchange {
                method,
                path,
                outcome,
                after_ms: None,
            },
            line,
            start,
            end,
        }
    }
}

/// A request line seen in a dump, not answered yet.
#[derive(Debug, Clone)]
struct OpenRequest {
    method: Method,
    path: String,
    /// The clock time logged with the request.
    clock: Option<Clock>,
}

/// A time of day a line was logged at, in seconds since midnight, and whether the
/// program printed it or a log collector did: the two clocks are never compared.
#[derive(Debug, Clone, Copy)]
struct Clock {
    seconds: f64,
    collector: bool,
}

/// What a reader carries from one block of a log to the next: a request dumped in one
/// block is often answered (or not) in the next.
#[derive(Debug, Default)]
pub struct ReaderState {
    open: Option<OpenRequest>,
    /// The signing time of the latest signed request (Unix seconds), until the `Date`
    /// of its answer turns it into a clock offset.
    signed: Option<Pending<i64>>,
    /// A clock offset measured from a dump, for the API error that answer carried
    /// (often in the next block, after the response headers).
    clock: Option<Pending<i64>>,
    /// A JS SDK `$metadata` object being read.
    js_metadata: Option<Pending<i64>>,
    /// The bound the client's own clock check put on the offset, for its API error.
    clock_within: Option<Pending<i64>>,
    /// The JS SDK v3's instance metadata provider at work; `true` once it logged that
    /// its token request failed.
    js_imds: Option<Pending<bool>>,
    /// The JS SDK's `Error response received from instance metadata service`, until
    /// the error object prints its `statusCode`.
    js_error_status: Option<Pending<()>>,
    /// The JavaScript SDK v2's `EC2 Metadata … request returned error`, until its error
    /// object prints the status or the error code.
    js_v2_request: Option<Pending<JsV2Request>>,
    /// The program timestamps its own lines: a log collector's time (journald's,
    /// to the second) is then no clock for its events.
    program_clock: bool,
}

/// A value waiting for what completes it, for at most `lines_left` more lines.
#[derive(Debug, Clone, Copy)]
struct Pending<T> {
    value: T,
    lines_left: usize,
}

impl<T> Pending<T> {
    /// One line later: the value waits one line less, and is dropped when its time is up.
    fn age(pending: &mut Option<Pending<T>>) {
        match pending {
            Some(p) if p.lines_left > 1 => p.lines_left -= 1,
            _ => *pending = None,
        }
    }
}

/// How many lines a signed request's answer, or the error that answer carried, may
/// follow it: one request and response dump with its headers and body.
pub const DUMP_LINES: usize = 40;

impl ReaderState {
    /// Whether a dumped request waits for its answer: the answer's status line then
    /// matters wherever it falls, even where no other line around it names the
    /// metadata service.
    pub fn awaits_answer(&self) -> bool {
        self.open.is_some()
    }

    /// Whether something read earlier waits for a later block: a dumped request for its
    /// answer, a signing time for its server time, a clock offset for its error.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
            || self.signed.is_some()
            || self.clock.is_some()
            || self.js_metadata.is_some()
            || self.clock_within.is_some()
            || self.js_imds.is_some()
            || self.js_error_status.is_some()
            || self.js_v2_request.is_some()
    }

    fn age(&mut self) {
        for pending in [
            &mut self.signed,
            &mut self.clock,
            &mut self.js_metadata,
            &mut self.clock_within,
        ] {
            Pending::age(pending);
        }
        Pending::age(&mut self.js_imds);
        Pending::age(&mut self.js_error_status);
        Pending::age(&mut self.js_v2_request);
    }
}

/// A time as AWS messages and headers print it: `20261204T162410Z`,
/// `2026-12-04T16:24:10Z` or `Fri, 04 Dec 2026 16:24:10 GMT`; Unix seconds.
fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(t) = crate::facts::parse_basic_timestamp(text) {
        return Some(t.as_second());
    }
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    jiff::fmt::rfc2822::parse(text)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// The JS SDK v3's debug log tells the metadata provider's story only by what it
/// logs and what it leaves out: `remoteProvider::fromInstanceMetadata` when it
/// starts, `using v1 fallback` when the token request failed (for any reason but a
/// 400), `Invalid response received from instance metadata service` when the
/// credentials document was not credentials, and nothing more before the chain
/// gives up. A chain failure after a token that was not refused means the token
/// request succeeded and getting the role's credentials failed.
const JS_IMDS_LINES: usize = 30;
const JS_IMDS_START: &str = "remoteProvider::fromInstanceMetadata";
const JS_FALLBACK: &str = "using v1 fallback";
const JS_INVALID: &str = "Invalid response received from instance metadata service";
const JS_CHAIN_FAILED: &str = "Could not load credentials from any providers";
/// Any answer of the metadata service that is not a 2xx, in the JS SDK v3's words; the
/// error object printed after it carries the status (`statusCode: 404,`).
const JS_ERROR_RESPONSE: &str = "Error response received from instance metadata service";
/// How far below its message a printed error object may hold its `statusCode`: the
/// stack trace comes first.
const JS_ERROR_OBJECT_LINES: usize = 30;
/// The path the JS provider reads the role's credentials from.
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// The path of the IMDSv2 token request.
const TOKEN_PATH: &str = "/latest/api/token";

/// Which request of the JavaScript SDK v2's metadata client failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsV2Request {
    /// `EC2 Metadata token request returned error` / `returned 400`.
    Token,
    /// `EC2 Metadata roleName request returned error` / `creds request returned error`.
    Credentials,
}

/// Lines of a JS SDK v2 error object between its message and its status or code.
const JS_V2_OBJECT_LINES: usize = 6;

/// The JavaScript SDK v2's metadata client (`aws-sdk/lib/metadata_service.js`): its
/// errors name the request, and the error object printed with them its status or
/// network error code. The client falls back to token-less GETs only when its token
/// request timed out or was refused as IMDSv1-only (403, 404, 405), so a 401 on a GET
/// tells of a token request that timed out first.
fn js_v2_imds_on(
    line: &str,
    previous: Option<&str>,
    li: usize,
    state: &mut ReaderState,
    out: &mut Vec<Seen>,
) -> bool {
    // The client's own `JSON.parse` of the credentials answer threw (a `SyntaxError`
    // printed as a `CredentialsError`): the body came, and it was no JSON.
    if let Some(at) = line.find("metadata_service.js")
        && previous.is_some_and(|p| p.trim_start().starts_with("at JSON.parse"))
    {
        state.js_v2_request = None;
        out.push(Seen::exchange(
            Method::Get,
            CREDENTIALS_PATH.to_owned(),
            Outcome::Unparsable,
            li,
            at,
            at + "metadata_service.js".len(),
        ));
        return true;
    }
    if line.contains("EC2 Metadata token request returned") {
        state.js_v2_request = Some(Pending {
            value: JsV2Request::Token,
            lines_left: JS_V2_OBJECT_LINES,
        });
        return true;
    }
    if line.contains("EC2 Metadata roleName request returned error")
        || line.contains("EC2 Metadata creds request returned error")
    {
        state.js_v2_request = Some(Pending {
            value: JsV2Request::Credentials,
            lines_left: JS_V2_OBJECT_LINES,
        });
        return true;
    }
    let Some(request) = state.js_v2_request.map(|p| p.value) else {
        return false;
    };
    let p = patterns();
    let status = p.js_status_code.captures(line).and_then(|c| c.get(1));
    let (outcome, m) = if let Some((m, code)) =
        status.and_then(|m| m.as_str().parse::<u16>().ok().map(|code| (m, code)))
    {
        (Outcome::Status(code), m)
    } else if let Some(m) = p.js_network_code.captures(line).and_then(|c| c.get(1)) {
        let outcome = match m.as_str() {
            "TimeoutError" | "ETIMEDOUT" => Outcome::Timeout,
            "ECONNREFUSED" => Outcome::Refused,
            "ECONNRESET" => Outcome::Reset,
            _ => Outcome::Unreachable,
        };
        (outcome, m)
    } else {
        return false;
    };
    state.js_v2_request = None;
    let (method, path) = match request {
        JsV2Request::Token => (Method::Put, TOKEN_PATH),
        JsV2Request::Credentials => (Method::Get, CREDENTIALS_PATH),
    };
    if request == JsV2Request::Credentials && outcome == Outcome::Status(401) {
        out.push(Seen::exchange(
            Method::Put,
            TOKEN_PATH.to_owned(),
            Outcome::Timeout,
            li,
            m.start(),
            m.end(),
        ));
    }
    out.push(Seen::exchange(
        method,
        path.to_owned(),
        outcome,
        li,
        m.start(),
        m.end(),
    ));
    true
}

fn js_imds_on(line: &str, li: usize, state: &mut ReaderState) -> Option<Seen> {
    let span_of = |needle: &str| line.find(needle).map(|at| (at, at + needle.len()));
    if line.contains(JS_ERROR_RESPONSE) {
        state.js_error_status = Some(Pending {
            value: (),
            lines_left: JS_ERROR_OBJECT_LINES,
        });
    } else if state.js_error_status.is_some()
        && let Some(c) = patterns().js_status_code.captures(line)
        && let (Some(m), Some(code)) = (c.get(1), c.get(1).and_then(|m| m.as_str().parse().ok()))
    {
        state.js_error_status = None;
        // The provider falls back to IMDSv1 when its token request fails for any reason
        // but a 400, so an error status that reaches the user answered the token
        // request only when it is a 400.
        let (method, path) = if code == 400 {
            (Method::Put, TOKEN_PATH)
        } else {
            (Method::Get, CREDENTIALS_PATH)
        };
        return Some(Seen::exchange(
            method,
            path.to_owned(),
            Outcome::Status(code),
            li,
            m.start(),
            m.end(),
        ));
    }
    if line.contains(JS_IMDS_START) {
        state.js_imds = Some(Pending {
            value: false,
            lines_left: JS_IMDS_LINES,
        });
        return None;
    }
    let fell_back = state.js_imds?.value;
    if let Some((start, end)) = span_of(JS_FALLBACK) {
        state.js_imds = state.js_imds.map(|p| Pending { value: true, ..p });
        return Some(Seen::exchange(
            Method::Put,
            TOKEN_PATH.to_owned(),
            Outcome::Failed,
            li,
            start,
            end,
        ));
    }
    if let Some((start, end)) = span_of(JS_INVALID) {
        state.js_imds = None;
        return Some(Seen::exchange(
            Method::Get,
            CREDENTIALS_PATH.to_owned(),
            Outcome::Malformed,
            li,
            start,
            end,
        ));
    }
    let (start, end) = span_of(JS_CHAIN_FAILED)?;
    state.js_imds = None;
    (!fell_back).then(|| {
        Seen::exchange(
            Method::Get,
            CREDENTIALS_PATH.to_owned(),
            Outcome::Failed,
            li,
            start,
            end,
        )
    })
}

/// A clock offset told on one line, with its span: an error that quotes the signing
/// time and AWS's, or an answer's `Date` after a signed request.
fn clock_offset_on(line: &str, state: &mut ReaderState) -> Option<(i64, usize, usize)> {
    let p = patterns();
    let bytes = line.as_bytes();
    let has = |needle: &str| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if has("x-amz-date")
        && let Some(t) = p
            .signed_at
            .captures(line)
            .and_then(|c| c.get(1))
            .and_then(|m| parse_time(m.as_str()))
    {
        state.signed = Some(Pending {
            value: t,
            lines_left: DUMP_LINES,
        });
        return None;
    }
    let pair = |c: regex::Captures<'_>| {
        let whole = c.get(0)?;
        let signed = parse_time(c.get(1)?.as_str())?;
        let server = parse_time(c.get(2)?.as_str())?;
        Some((signed - server, whole.start(), whole.end()))
    };
    if has("signature ")
        && let Some(found) = p.quoted_times.captures(line).and_then(pair)
    {
        return Some(found);
    }
    if has("<servertime>")
        && let Some(found) = p.s3_times.captures(line).and_then(pair)
    {
        return Some(found);
    }
    if has("$metadata") && line.trim_end().ends_with('{') {
        // The JS SDK v3 prints an error's `$metadata` over the next lines; it holds
        // `clockSkewCorrected: true` only when the SDK found the clock off.
        state.js_metadata = Some(Pending {
            value: JS_SKEW_CORRECTION_SECONDS,
            lines_left: JS_METADATA_LINES,
        });
        return None;
    }
    if let Some(metadata) = state.js_metadata {
        if has("clockskewcorrected: true") {
            state.js_metadata = None;
        } else if line.trim_start().starts_with('}') {
            state.js_metadata = None;
            state.clock_within = Some(Pending {
                value: metadata.value,
                lines_left: DUMP_LINES,
            });
        }
    }
    if let Some(signed) = state.signed
        && has("date")
        && let Some(m) = p.server_date.captures(line).and_then(|c| c.get(1))
        && let Some(server) = parse_time(m.as_str())
    {
        state.signed = None;
        return Some((signed.value - server, m.start(), m.end()));
    }
    None
}

/// Seconds since midnight of the clock time on a line, if it has one.
fn clock_on(line: &str) -> Option<f64> {
    let c = patterns().clock.captures(line)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<f64>().ok());
    let fraction = c
        .get(4)
        .and_then(|m| format!("0.{}", m.as_str()).parse::<f64>().ok())
        .unwrap_or(0.0);
    Some(num(1)? * 3600.0 + num(2)? * 60.0 + num(3)? + fraction)
}

/// How a request that no response followed ended, judged by the clock: the next event
/// a second or more later means it waited for an answer that never came; the same
/// request again at the same instant means it failed at once (nothing listening). A
/// different request at once says nothing: a client that dumps requests but not every
/// answer moves on to the next step (the role name read from an answer it did not
/// print). `None` without clock times.
fn unanswered(request: &OpenRequest, next_clock: Option<Clock>, retried: bool) -> Option<Outcome> {
    let (next, then) = (next_clock?, request.clock?);
    if next.collector != then.collector {
        return None;
    }
    let gap = next.seconds - then.seconds;
    if gap >= 0.9 {
        Some(Outcome::Timeout)
    } else if retried && (0.0..0.3).contains(&gap) {
        Some(Outcome::Refused)
    } else {
        None
    }
}

/// Observations in the lines of one block, in order.
pub fn read(lines: &[&str]) -> Vec<Seen> {
    read_with(lines, &mut ReaderState::default())
}

/// Lines of an answer's headers and body in which its credentials document is read.
const DOCUMENT_LINES: usize = 24;

/// Whether the body after an answer's status line is a credentials document whose
/// `Code` is not `Success` (`AssumeRoleUnauthorizedAccess`): no credentials came.
fn credentials_document_failed(after: &[&str]) -> bool {
    let request_line = &patterns().request_line;
    for line in after.iter().take(DOCUMENT_LINES) {
        if request_line.is_match(line) {
            return false;
        }
        let Some(at) = line.find("\"Code\"") else {
            continue;
        };
        let value = line[at + 6..]
            .trim_start()
            .strip_prefix(':')
            .map(str::trim_start)
            .and_then(|v| v.strip_prefix('"'))
            .and_then(|v| v.split_once('"'))
            .map(|(code, _)| code);
        return value.is_some_and(|code| code != "Success");
    }
    false
}

/// Observations in the lines of one block, carrying state across blocks of one input.
pub fn read_with(raw_lines: &[&str], state: &mut ReaderState) -> Vec<Seen> {
    let p = patterns();
    // Each line is read without what a log collector put before it (request dumps are
    // recognised by where their lines start); spans are moved back at the end.
    let programs: Vec<(usize, usize)> = raw_lines.iter().map(|l| program_text(l)).collect();
    let stripped: Vec<&str> = raw_lines
        .iter()
        .zip(&programs)
        .map(|(l, &(start, end))| &l[start..end])
        .collect();
    let lines = &stripped[..];
    let own_clocks: Vec<Option<f64>> = lines.iter().map(|l| clock_on(l)).collect();
    state.program_clock |= own_clocks.iter().any(Option::is_some);
    let mut out = Vec::new();
    let mut open = state.open.take();
    // The clock of the latest timestamped line, for requests dumped without one.
    let mut last_clock: Option<Clock> = None;
    let close_unanswered =
        |out: &mut Vec<Seen>, open: OpenRequest, at: usize, clock: Option<Clock>, retried: bool| {
            if let Some(outcome) = unanswered(&open, clock, retried) {
                let end = lines.get(at).map_or(0, |l| l.len());
                out.push(Seen::exchange(open.method, open.path, outcome, at, 0, end));
            }
        };
    // The last metadata request seen without an outcome: (line, method, path).
    let mut pending: Option<(usize, Option<Method>, String)> = None;
    // Lines of markup before each line: an error page printed after a request (IMDS's
    // XHTML page: its title holds the status) does not move the outcome away from it.
    let markup_before: Vec<usize> = std::iter::once(0)
        .chain(lines.iter().scan(0, |n, l| {
            *n += usize::from(is_markup(l));
            Some(*n)
        }))
        .collect();
    let distance = |from: usize, to: usize| {
        let markup_between = markup_before[to].saturating_sub(markup_before[from + 1]);
        (to - from).saturating_sub(markup_between)
    };
    // Whether this block already holds a clock offset (then an API error here needs no
    // copy of one carried from an earlier block).
    let mut clock_seen_here = false;
    for (li, line) in lines.iter().enumerate() {
        state.age();
        // The program's own time when it prints them, else the collector's.
        let clock = match own_clocks[li] {
            Some(seconds) => Some(Clock {
                seconds,
                collector: false,
            }),
            None if state.program_clock => None,
            None => collector_clock(raw_lines[li], programs[li]).map(|seconds| Clock {
                seconds,
                collector: true,
            }),
        };
        if clock.is_some() {
            last_clock = clock;
        }
        if let Some(seen) = js_imds_on(line, li, state) {
            pending = None;
            out.push(seen);
            continue;
        }
        let previous = li.checked_sub(1).map(|p| lines[p]);
        if js_v2_imds_on(line, previous, li, state, &mut out) {
            pending = None;
            continue;
        }
        if let Some((seconds, start, end)) = clock_offset_on(line, state) {
            out.push(Seen {
                observation: Observation::ClockOffset { seconds },
                line: li,
                start,
                end,
            });
            clock_seen_here = true;
            state.clock = Some(Pending {
                value: seconds,
                lines_left: DUMP_LINES,
            });
        }
        if let Some((observation, start, end)) = unanswered_api_on(line) {
            // An API's failure is no outcome of a metadata request seen before it.
            pending = None;
            out.push(Seen {
                observation,
                line: li,
                start,
                end,
            });
            continue;
        }
        // A dump of requests and responses: pair each response with its request; a
        // request that the next request follows without a response was not answered.
        if let Some(c) = p.request_line.captures(line) {
            let method = if c.get(1).is_some_and(|m| m.as_str() == "PUT") {
                Method::Put
            } else {
                Method::Get
            };
            let path = c.get(2).map_or("", |m| m.as_str()).to_owned();
            if let Some(previous) = open.take() {
                let retried = previous.method == method && previous.path == path;
                // The request's own header line holds the next event's clock.
                close_unanswered(&mut out, previous, li, last_clock, retried);
            }
            open = Some(OpenRequest {
                method,
                path,
                clock: last_clock,
            });
            pending = None;
            continue;
        }
        if let Some(request) = open.as_ref() {
            let response = p
                .response_line
                .captures(line)
                .and_then(|c| c.get(1))
                .and_then(|m| m.as_str().parse::<u16>().ok());
            let failure = if response.is_none() && p.imds.find(line).is_none() {
                outcome_on(line)
            } else {
                None
            };
            let outcome = response
                .map(|code| {
                    // IMDS answers 200 with a document that reports the failure when
                    // the instance profile's role cannot be assumed.
                    let failed_document = code == 200
                        && ImdsPath::classify(&request.path) == ImdsPath::Credentials
                        && credentials_document_failed(&lines[li + 1..]);
                    let outcome = if failed_document {
                        Outcome::Malformed
                    } else {
                        Outcome::Status(code)
                    };
                    (outcome, 0, line.len())
                })
                .or(failure);
            if let Some((outcome, start, end)) = outcome {
                out.push(Seen::exchange(
                    request.method,
                    request.path.clone(),
                    outcome,
                    li,
                    start,
                    end,
                ));
                open = None;
                continue;
            }
        }
        if let Some(c) = p.api_error.captures(line) {
            let code = c
                .get(1)
                .or_else(|| c.get(3))
                .or_else(|| c.get(4))
                .or_else(|| c.get(5));
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
                // The clock measured on this error's answer, dumped in an earlier
                // block, counts where the error is judged.
                let carried = state
                    .clock
                    .take()
                    .map(|c| Observation::ClockOffset { seconds: c.value })
                    .or_else(|| {
                        state
                            .clock_within
                            .take()
                            .map(|c| Observation::ClockWithin { seconds: c.value })
                    });
                if let Some(observation) = carried
                    && !clock_seen_here
                {
                    out.push(Seen {
                        observation,
                        line: li,
                        start: m.start(),
                        end: m.end(),
                    });
                    clock_seen_here = true;
                }
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
                let method = if p.put.is_match(line)
                    || path.contains("api/token")
                    || line.contains("FailedToLoadToken")
                {
                    Some(Method::Put)
                } else if !path.is_empty() || line.contains("GET ") || line.contains("GetMetadata")
                {
                    Some(Method::Get)
                } else {
                    None
                };
                match outcome {
                    Some((outcome, start, end)) => {
                        pending = None;
                        let method = untold_method(method, outcome);
                        out.push(Seen::exchange(method, path, outcome, li, start, end));
                    }
                    None => {
                        // Keep the most specific request: a later line naming only the
                        // service must not erase the path seen before.
                        let keep_old = pending.as_ref().is_some_and(|(l, _, old)| {
                            distance(*l, li) <= CARRY_LINES && path.is_empty() && !old.is_empty()
                        });
                        if !keep_old {
                            pending = Some((li, method, path));
                        }
                    }
                }
            }
            (None, Some((outcome, start, end))) => {
                if let Some((at, method, path)) = pending.take() {
                    if distance(at, li) <= CARRY_LINES {
                        let method = untold_method(method, outcome);
                        out.push(Seen::exchange(method, path, outcome, li, start, end));
                    }
                } else if outcome == Outcome::Proxy
                    && out
                        .last()
                        .is_some_and(|last| distance(last.line, li) <= CARRY_LINES)
                {
                    proxy_answered(&mut out, li, start, end);
                }
            }
            (None, None) => {
                if pending
                    .as_ref()
                    .is_some_and(|(at, _, _)| distance(*at, li) > CARRY_LINES)
                {
                    pending = None;
                }
            }
        }
    }
    state.open = open;
    for seen in &mut out {
        let shift = programs.get(seen.line).map_or(0, |&(start, _)| start);
        seen.start += shift;
        seen.end += shift;
    }
    out
}

/// A proxy named in the body printed just below an error status: the proxy, not the
/// metadata service, gave that status (Go v1's `status code: 403` followed by Squid's
/// page, a JS error whose message is the page).
fn proxy_answered(out: &mut [Seen], li: usize, start: usize, end: usize) {
    if let Some(last) = out.last_mut()
        && let Observation::ImdsExchange { outcome, .. } = &mut last.observation
        && matches!(outcome, Outcome::Status(code) if *code >= 400)
    {
        *outcome = Outcome::Proxy;
        (last.line, last.start, last.end) = (li, start, end);
    }
}

/// A line of an HTML or XML page (`<head>`, `<!DOCTYPE …`, a shell variable set to one:
/// `+ BODY='<?xml …`).
fn is_markup(line: &str) -> bool {
    let t = line.trim_end().trim_end_matches(['\'', '"']);
    t.ends_with('>') && t.contains('<')
}

/// Where the program's own text sits in a line a log collector wrote: after the
/// collectors' prefixes (a line may carry several: `kubectl logs --prefix
/// --timestamps`), inside a Docker `json-file` record (`{"log":"…\n","stream":…}`; its
/// escapes are left as they are: request dumps hold none where it matters).
pub fn program_text(line: &str) -> (usize, usize) {
    let (mut start, mut end) = (0, line.len());
    let opening = ["{\"log\":\"", "{\"log\": \""]
        .into_iter()
        .find(|o| line.starts_with(o));
    let closing = ["\",\"stream\":", "\", \"stream\":"]
        .into_iter()
        .find_map(|c| line.rfind(c));
    if let (Some(opening), Some(close)) = (opening, closing) {
        start = opening.len();
        end = close.max(start);
        for newline in ["\\n", "\\r"] {
            if line[start..end].ends_with(newline) {
                end -= newline.len();
            }
        }
    }
    for _ in 0..3 {
        match log_prefix().find(&line[start..end]) {
            Some(m) if !m.is_empty() => start += m.end(),
            _ => break,
        }
    }
    (start, end)
}

/// What log collectors put before each line of a program's output: `kubectl logs
/// --prefix` (`[pod/app-7d9f/app] `), journald (`Mar 17 10:00:00 host app[812]: `, also
/// with an ISO time), the CRI log format (`2025-03-17T10:00:00.123456789Z stdout F `),
/// `aws logs tail` (`2025-03-17T10:00:00.123000+00:00 stream-name `), `kubectl logs
/// --timestamps` / `docker logs -t` (an RFC 3339 time with sub-second digits), and
/// `docker compose` (`app-1  | `). Docker's `json-file` records are unwrapped first
/// (`program_text`). Compiled on first use and apart from [`patterns`]: every input's
/// block splitting asks for it, while the readers' patterns are needed only when a line
/// names the metadata service.
fn log_prefix() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        let pattern = concat!(
            r"^(?:\[(?:pod|deployment|job|cronjob|daemonset|statefulset|replicaset)/[!-\x5c\x5e-~]+\] ",
            r"|(?:[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)) [A-Za-z0-9._-]+ [A-Za-z0-9._/@-]+(?:\[\d+\])?: ",
            r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) [FP] ",
            r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 [!-~]+ ",
            r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,9}(?:Z|[+-]\d\d:\d\d) ",
            r"|[A-Za-z0-9._-]+\s+\| )",
        );
        re(pattern)
    })
}

/// The time a log collector wrote around the program's text.
fn collector_clock(line: &str, (start, end): (usize, usize)) -> Option<f64> {
    clock_on(&line[..start]).or_else(|| clock_on(&line[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The memchr search finds exactly what comparing every window finds, also
        /// where the first byte repeats and at both ends of the line.
        #[test]
        fn contains_ignore_case_agrees_with_every_window(
            line in proptest::collection::vec(proptest::sample::select(b"xX-aAmMzZ dDgGtT e".to_vec()), 0..40),
            needle in proptest::sample::select(vec![&b"x-amz-date"[..], b" gmt", b"xx", b"x", b""]),
        ) {
            let naive = needle.is_empty()
                || line.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
            proptest::prop_assert_eq!(contains_ignore_case(&line, needle), naive);
        }
    }

    fn one(text: &str) -> Vec<String> {
        read(&text.lines().collect::<Vec<_>>())
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

    /// An answer that came but could not be read is no status and no timeout: botocore,
    /// the PHP SDK, the Go SDK v2 and the JavaScript SDK v2 each say so in their words.
    #[test]
    fn credentials_answers_the_client_could_not_parse() {
        assert_eq!(
            one(
                "DEBUG - Metadata service returned invalid json response with status code of 200 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/web-role"
            ),
            ["GET /latest/meta-data/iam/security-credentials/web-role → unparsable"]
        );
        assert_eq!(
            one(
                "Error retrieving credentials from the instance profile metadata service. (Invalid JSON response, retries exhausted)"
            ),
            ["GET (metadata service) → unparsable"]
        );
        assert_eq!(
            one(
                "failed to refresh cached credentials, failed to decode web-role EC2 IMDS role credentials, unexpected EOF"
            ),
            ["GET (metadata service) → unparsable"]
        );
        assert_eq!(
            one(
                "SyntaxError [CredentialsError]: Missing credentials in config\n    at JSON.parse (<anonymous>)\n    at /srv/app/node_modules/aws-sdk/lib/metadata_service.js:208:34"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → unparsable"]
        );
        // JSON.parse elsewhere (the app's own config) is not the metadata client's.
        assert!(
            one("SyntaxError: Unexpected token\n    at JSON.parse (<anonymous>)\n    at /srv/app/config.js:12:9")
                .is_empty()
        );
    }

    #[test]
    fn a_squid_refusal_and_a_windows_unreachable_network() {
        // Squid's access-denied page, printed below a failed metadata request.
        assert_eq!(
            one(
                "Failed to fetch EC2 instance ID from \"http://169.254.169.254/latest/meta-data/instance-id\"\n\nAccess control configuration prevents your request from being allowed at this time."
            ),
            ["GET /latest/meta-data/instance-id → proxy"]
        );
        // Winsock's WSAENETUNREACH, on the ECS task credentials endpoint.
        assert_eq!(
            one(
                "caused by: Get http://169.254.170.2/v2/credentials/0f1e: dial tcp 169.254.170.2:80: connectex: A socket operation was attempted to an unreachable network."
            ),
            ["GET /v2/credentials → unreachable"]
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
    fn rust_http_clients_that_drop_or_shorten_the_reason() {
        // reqwest names the request and, after retries, may drop why it failed.
        assert_eq!(
            one(
                "Generic S3 error: Error after 10 retries, source:error sending request for url (http://169.254.169.254/latest/api/token)"
            ),
            ["PUT /latest/api/token → no-answer"]
        );
        // The reason, when kept, is what the line tells: EINVAL from connect() means no
        // route to the address (an ECS task without the metadata address).
        assert_eq!(
            one(
                "error sending request for url (http://169.254.169.254/latest/api/token): error trying to connect: tcp connect error: Invalid argument (os error 22)"
            ),
            ["PUT /latest/api/token → unreachable"]
        );
        assert_eq!(
            one(
                "error sending request for url (http://169.254.169.254/latest/api/token): error trying to connect: tcp connect error: Connection refused (os error 111)"
            ),
            ["PUT /latest/api/token → refused"]
        );
        // An agent's own words for the status of a metadata request.
        assert_eq!(
            one(
                "RuntimeError - HTTP error from metadata service, code 401 - instance_metadata.rb:47"
            ),
            ["GET (metadata service) → status-401"]
        );
    }

    #[test]
    fn a_connect_refused_by_the_host_itself_is_unreachable() {
        // EACCES from connect(): a local firewall rule or SELinux policy stops the packet.
        assert_eq!(
            one(
                "Cannot initialize plugin. Cause: HTTPConnectionPool(host='169.254.169.254', port=80): Max retries exceeded with url: /latest/meta-data/iam/security-credentials/ (Caused by NewConnectionError('<requests.packages.urllib3.connection.HTTPConnection object at 0x7fa384341cd0>: Failed to establish a new connection: [Errno 13] Permission denied',))"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → unreachable"]
        );
        assert_eq!(
            one(
                "Get \"http://169.254.169.254/latest/meta-data/instance-id\": dial tcp 169.254.169.254:80: connect: permission denied"
            ),
            ["GET /latest/meta-data/instance-id → unreachable"]
        );
    }

    #[test]
    fn a_connect_the_host_cannot_make_at_all_is_unreachable() {
        // EINVAL from connect(): Node on Fargate, Ruby's `Errno::EINVAL` through fog.
        for text in [
            "Error: connect EINVAL 169.254.169.254:80 - Local (0.0.0.0:0)",
            "[fog][WARNING] Unable to fetch credentials: Invalid argument - connect(2) for 169.254.169.254:80 (Errno::EINVAL)",
        ] {
            let seen = one(text);
            assert_eq!(seen.len(), 1, "{text}: {seen:?}");
            assert!(seen[0].ends_with("→ unreachable"), "{text}: {seen:?}");
        }
    }

    #[test]
    fn go_words_for_a_connection_never_made_and_a_proxy_login_page() {
        // Older releases of Go's net/http said this when the dial did not finish in time.
        assert_eq!(
            one(
                "panic: Get http://169.254.169.254/latest/meta-data/iam/security-credentials/: net/http: request canceled while waiting for connection"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → connect-timeout"]
        );
        // An authenticating web proxy's page, quoted in the metadata client's error.
        assert_eq!(
            one(
                "EC2RoleRequestError: no EC2 instance role found caused by: EC2MetadataError: failed to make EC2Metadata request.....Access Denied......Credentials are missing. You will not be permitted access until your credentials can be verified."
            ),
            ["GET (metadata service) → proxy"]
        );
    }

    #[test]
    fn a_read_that_timed_out_is_no_connect_timeout() {
        // The request went out on an open connection; its answer never came.
        assert_eq!(
            one(
                "PUT /latest/api/token HTTP/1.1 Host: 169.254.169.254 failed: IOError: read: connection timed out (ETIMEDOUT)"
            ),
            ["PUT /latest/api/token → read-timeout"]
        );
        assert_eq!(
            one(
                "Put \"http://169.254.169.254/latest/api/token\": read tcp 172.17.0.2:41234->169.254.169.254:80: i/o timeout"
            ),
            ["PUT /latest/api/token → read-timeout"]
        );
        assert_eq!(
            one(
                "Put \"http://169.254.169.254/latest/api/token\": dial tcp 169.254.169.254:80: connect: connection timed out"
            ),
            ["PUT /latest/api/token → connect-timeout"]
        );
    }

    #[test]
    fn an_outcome_on_a_later_line_of_the_same_error_object() {
        let got = one(
            "CredentialsProviderError: Error response received from instance metadata service\n    at ...\n  statusCode: 401,",
        );
        // The JS SDK v3 falls back to IMDSv1 when its token request fails with
        // anything but a 400: an error status it reports answered the credentials
        // request, however long the stack trace before the status.
        assert_eq!(
            got,
            ["GET /latest/meta-data/iam/security-credentials/ → status-401"]
        );
        let trace = "    at ClientRequest.emit (node:events:513:28)\n".repeat(12);
        assert_eq!(
            one(&format!(
                "ProviderError: Error response received from instance metadata service\n{trace}  tryNextLink: true,\n  statusCode: 404,"
            )),
            ["GET /latest/meta-data/iam/security-credentials/ → status-404"]
        );
        assert_eq!(
            one(&format!(
                "ProviderError: Error response received from instance metadata service\n{trace}  statusCode: 400,"
            )),
            ["PUT /latest/api/token → status-400"]
        );
    }

    #[test]
    fn the_rust_sdks_debug_dump_of_a_token_failure() {
        assert_eq!(
            one(
                r#"creds: Err(ProviderError(ConstructionFailure(FailedToLoadToken(DispatchFailure(ConnectorError { err: hyper::Error(Connect, TimeoutError { operation: "connect", duration: 1s, cause: TimedOutError }), kind: Timeout })))))"#
            ),
            ["PUT (metadata service) → connect-timeout"]
        );
        assert_eq!(
            one(
                r#"Err(FailedToLoadToken(DispatchFailure(ConnectorError { kind: Io, source: hyper::Error(Connect, ConnectError("tcp connect error", Os { code: 113, kind: HostUnreachable, message: "No route to host" })) })))"#
            ),
            ["PUT (metadata service) → unreachable"]
        );
    }

    #[test]
    fn a_via_header_is_a_proxy_but_looking_for_credentials_via_is_not() {
        assert_eq!(
            one(
                "< Via: 1.1 proxy.corp.example (squid/5.7) for http://169.254.169.254/latest/api/token"
            ),
            ["PUT /latest/api/token → proxy"]
        );
        assert!(one("DEBUG - IMDS ENDPOINT: http://169.254.169.254\nDEBUG - Looking for credentials via: env").is_empty());
    }

    #[test]
    fn the_js_sdk_v2_error_object_names_the_request_and_its_outcome() {
        let object = |message: &str, detail: &str| {
            format!(
                "Error [CredentialsError]: Missing credentials in config\n\
                 \x20   at IncomingMessage.<anonymous> (/app/node_modules/aws-sdk/lib/util.js:930:34) {{\n\
                 \x20 originalError: {{\n\
                 \x20   message: '{message}',\n\
                 \x20   {detail},\n\
                 \x20   retryable: false\n\
                 \x20 }}\n}}"
            )
        };
        let role = "EC2 Metadata roleName request returned error";
        assert_eq!(
            one(&object(role, "statusCode: 404")),
            ["GET /latest/meta-data/iam/security-credentials/ → status-404"]
        );
        // The client sends a token-less GET only after its token request timed out.
        assert_eq!(
            one(&object(role, "statusCode: 401")),
            [
                "PUT /latest/api/token → timeout",
                "GET /latest/meta-data/iam/security-credentials/ → status-401"
            ]
        );
        assert_eq!(
            one(&object(role, "code: 'ECONNREFUSED'")),
            ["GET /latest/meta-data/iam/security-credentials/ → refused"]
        );
        assert_eq!(
            one(&object(
                "EC2 Metadata token request returned error",
                "statusCode: 429"
            )),
            ["PUT /latest/api/token → status-429"]
        );
    }

    #[test]
    fn a_timeout_of_a_request_the_text_does_not_name_is_of_an_unknown_request() {
        assert_eq!(
            one(
                "Ec2InstanceMetadata: the credential provider was not enabled: could not communicate with IMDS: dispatch failure: timeout: HTTP read timeout occurred after 1s: timed out"
            ),
            ["request (metadata service) → read-timeout"]
        );
        assert_eq!(
            one(
                "no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded"
            ),
            ["GET (metadata service) → timeout"]
        );
        // The Go SDK v2's deadline ran out between retries, after answers: no request
        // is known to have gone unanswered.
        assert_eq!(
            one(
                "no EC2 IMDS role found, operation error ec2imds: GetMetadata, canceled, context deadline exceeded"
            ),
            ["GET (metadata service) → failed"]
        );
        // An answer without a named request stays a GET: most metadata requests are.
        assert_eq!(
            one(
                "EC2MetadataError: failed to make EC2Metadata request\n\tstatus code: 404, request id: "
            ),
            ["GET (metadata service) → status-404"]
        );
    }

    #[test]
    fn a_stack_frame_tells_no_event() {
        assert!(is_stack_frame(
            "    at Socket.emitRequestTimeout (node:_http_client:812:9)"
        ));
        assert!(is_stack_frame(
            "app-1  |     at Socket._onTimeout (node:net:482:8)"
        ));
        assert!(!is_stack_frame(
            "Error: connect ETIMEDOUT 169.254.169.254:80"
        ));
        // ASP.NET's developer exception page lists frames without "at".
        assert!(is_stack_frame(
            "    Amazon.Runtime.Internal.Util.AsyncHelpers+<>c__DisplayClass1_1<T>+<<RunSync>b__0>d.MoveNext()"
        ));
        assert!(is_stack_frame(
            "    Amazon.Util.EC2InstanceMetadata.GetItems(string relativeOrAbsolutePath, int tries) in EC2InstanceMetadata.cs"
        ));
        assert!(!is_stack_frame("    Then I called it again (twice)."));
        // Copies of that page often lose its indent; a value's printed form is no frame.
        assert!(is_stack_frame(
            "System.Net.Http.HttpClient.HandleFinishSendAsyncError(Exception e, CancellationTokenSource cts)"
        ));
        assert!(is_stack_frame(
            "Amazon.Util.AWSSDKUtils.DownloadStringContent(Uri uri, TimeSpan timeout, IWebProxy proxy) in AWSSDKUtils.cs"
        ));
        assert!(is_stack_frame(
            "Orders.Api.Cache.Load(Dictionary<string, int> sizes, Func<Task<T>> task)"
        ));
        assert!(!is_stack_frame(
            "urllib3.exceptions.ConnectTimeoutError(<urllib3.connection.HTTPConnection object at 0x7f>, 'Connection to 169.254.169.254 timed out. (connect timeout=1)')"
        ));
        assert!(!is_stack_frame("os.path.join(base, name)"));
        // `emitRequestTimeout` names a function, not a timeout that happened.
        let frames = "Error: TimeoutError\n    at ClientRequest.<anonymous> (/app/node_modules/@aws-sdk/credential-provider-imds/dist/cjs/remoteProvider/httpRequest.js:17:20)\n    at Socket.emitRequestTimeout (node:_http_client:812:9)";
        assert!(one(frames).is_empty(), "{:?}", one(frames));
    }

    #[test]
    fn a_proxy_page_below_an_error_status_says_the_proxy_gave_it() {
        // Go SDK v1 prints the status, then the body the proxy sent.
        let go_v1 = "EC2RoleRequestError: no EC2 instance role found\n\
                     caused by: EC2MetadataError: failed to make EC2Metadata request\n\
                     \tstatus code: 403, request id: \n\
                     caused by: <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n\
                     <html><head>\n\
                     <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
                     <title>ERROR: The requested URL could not be retrieved</title>";
        assert_eq!(one(go_v1), ["GET (metadata service) → proxy"]);
        // IMDS's own error page names no proxy: the status stands.
        let imds_page = "EC2MetadataError: failed to make EC2Metadata request\n\
                         \tstatus code: 404, request id: \n\
                         caused by: <title>404 - Not Found</title>";
        assert_eq!(one(imds_page), ["GET (metadata service) → status-404"]);
        // A proxy named far below the status is not that answer's page.
        let far = "EC2MetadataError: failed to make EC2Metadata request\n\
                   \tstatus code: 404, request id: \n\
                   a\nb\nc\nd\ne\nf\n\
                   Via: 1.1 squid";
        assert_eq!(one(far), ["GET (metadata service) → status-404"]);
    }

    #[test]
    fn a_request_dump_pairs_responses_with_requests_and_times_the_unanswered() {
        let dump = "2026/12/04 16:23:13 DEBUG: Request ec2metadata/GetToken Details:\n\
                    PUT /latest/api/token HTTP/1.1\n\
                    Host: 169.254.169.254\n\
                    2026/12/04 16:23:15 DEBUG: Request ec2metadata/GetMetadata Details:\n\
                    GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\n\
                    Host: 169.254.169.254\n\
                    2026/12/04 16:23:15 DEBUG: Response ec2metadata/GetMetadata Details:\n\
                    HTTP/1.1 404 Not Found";
        assert_eq!(
            one(dump),
            [
                "PUT /latest/api/token → timeout",
                "GET /latest/meta-data/iam/security-credentials/ → status-404"
            ]
        );
        let refused = "2026/12/04 16:23:29 DEBUG: Request ec2metadata/GetToken Details:\n\
                       PUT /latest/api/token HTTP/1.1\n\
                       2026/12/04 16:23:29 DEBUG: Request ec2metadata/GetToken Details:\n\
                       PUT /latest/api/token HTTP/1.1\n\
                       2026/12/04 16:23:29 NoCredentialProviders: no valid providers in chain.";
        // The second request is still open at the end of this block: the next block
        // of the same input decides it.
        assert_eq!(one(refused), ["PUT /latest/api/token → refused"]);
    }

    #[test]
    fn the_clock_is_read_from_a_signed_request_and_its_answer() {
        // Go's dump: the signing header in one block, the answer's Date in the next,
        // the error after it.
        let mut state = ReaderState::default();
        let request = ["X-Amz-Date: 20261204T162410Z", "X-Amz-Security-Token: …"];
        assert!(read_with(&request, &mut state).is_empty());
        assert!(state.is_open(), "the signing time waits for its answer");
        let answer = [
            "HTTP/1.1 400 Bad Request",
            "Date: Fri, 04 Dec 2026 16:44:10 GMT",
            "<Response><Errors><Error><Code>RequestExpired</Code></Error></Errors></Response>",
        ];
        let seen: Vec<String> = read_with(&answer, &mut state)
            .into_iter()
            .map(|s| s.observation.describe())
            .collect();
        assert_eq!(
            seen,
            ["clock 1200 s behind AWS's", "API error RequestExpired"]
        );
        // botocore's header dicts, one line each.
        assert_eq!(
            one(
                "headers={'X-Amz-Date': b'20261204T161602Z'}\nResponse headers: {'Server': 'AmazonS3', 'Date': 'Fri, 04 Dec 2026 16:16:03 GMT'}"
            ),
            ["clock 1 s behind AWS's"]
        );
    }

    #[test]
    fn the_clock_is_read_from_errors_that_quote_both_times() {
        assert_eq!(
            one(
                "<Message>Signature expired: 20261204T162412Z is now earlier than 20261204T163912Z (20261204T164412Z - 5 min.)</Message>"
            ),
            ["clock 1200 s behind AWS's"]
        );
        assert_eq!(
            one(
                "<RequestTime>20261204T162412Z</RequestTime><ServerTime>2026-12-04T16:24:12Z</ServerTime>"
            ),
            ["clock in step with AWS's (signing time = server time)"]
        );
        // A Date with no signed request before it says nothing about the clock.
        assert!(one("Date: Fri, 04 Dec 2026 16:44:10 GMT").is_empty());
    }

    #[test]
    fn timeout_settings_are_not_timeouts() {
        assert!(one("invoke{rpc.service=\"imds\"}: timeout settings for this operation: TimeoutConfig { connect_timeout: Set(1s), read_timeout: Set(1s) }").is_empty());
        assert!(
            one(
                "DEBUG - IMDS ENDPOINT: http://169.254.169.254/ connect_timeout=1 read_timeout = 1"
            )
            .is_empty()
        );
        // The event still counts on a line that also shows the setting.
        assert_eq!(
            one("imds: connect_timeout: Set(1s); error: connect timeout to 169.254.169.254"),
            ["GET (metadata service) → connect-timeout"]
        );
    }

    #[test]
    fn a_different_request_at_once_means_progress_and_an_access_log_200_is_an_answer() {
        let dump = "2026/12/04 16:23:13 DEBUG: Request ec2metadata/GetMetadata Details:\n\
                    GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\n\
                    2026/12/04 16:23:13 DEBUG: Request ec2metadata/GetMetadata Details:\n\
                    GET /latest/meta-data/iam/security-credentials/app-role HTTP/1.1";
        assert!(one(dump).is_empty(), "{:?}", one(dump));
        assert_eq!(
            one(
                "DEBUG - http://169.254.169.254:80 \"GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\" 200 24"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → status-200"]
        );
    }

    #[test]
    fn healthy_answers_are_not_observations_of_failure() {
        assert!(one("GET http://169.254.169.254/latest/meta-data/ status code 200").is_empty());
    }

    #[test]
    fn requests_to_aws_apis_that_aws_never_answered() {
        let unanswered = |text: &str| {
            let lines: Vec<&str> = text.lines().collect();
            let by_reader: Vec<String> = read(&lines)
                .into_iter()
                .map(|s| s.observation.describe())
                .collect();
            // The same, whether or not the block also needs the metadata readers.
            let alone: Vec<String> = read_unanswered_api(&lines)
                .into_iter()
                .map(|s| s.observation.describe())
                .collect();
            assert_eq!(by_reader, alone, "{text}");
            by_reader
        };
        let via = |host: &str, outcome: &str| {
            vec![format!(
                "request to {host} → {outcome} (no answer from AWS)"
            )]
        };
        // Go v2 (the Terraform provider), a DNS lookup that timed out and a reset.
        assert_eq!(
            unanswered(
                "operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://sts.us-east-1.amazonaws.com/\": dial tcp: lookup sts.us-east-1.amazonaws.com: i/o timeout"
            ),
            via("sts.us-east-1.amazonaws.com", "name-not-resolved")
        );
        assert_eq!(
            unanswered(
                "operation error STS: GetCallerIdentity, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://sts.eu-west-1.amazonaws.com/\": read tcp 10.1.2.3:40716->52.94.1.2:443: read: connection reset by peer"
            ),
            via("sts.eu-west-1.amazonaws.com", "reset")
        );
        // Go v1: the failure's own line is the `caused by:` one.
        assert_eq!(
            unanswered(
                "RequestError: send request failed\ncaused by: Post https://sts.amazonaws.com/: dial tcp 52.94.1.2:443: i/o timeout"
            ),
            via("sts.amazonaws.com", "connect-timeout")
        );
        // botocore, the JS SDK, the Java SDK, and a CA bundle the client could not read.
        assert_eq!(
            unanswered(
                "botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: \"https://oidc.us-east-1.amazonaws.com/token\""
            ),
            via("oidc.us-east-1.amazonaws.com", "no-answer")
        );
        assert_eq!(
            unanswered("Error: getaddrinfo ENOTFOUND portal.sso.eu-west-1.amazonaws.com"),
            via("portal.sso.eu-west-1.amazonaws.com", "name-not-resolved")
        );
        assert_eq!(
            unanswered(
                "SdkClientException: Unable to execute HTTP request: Connect to sts.amazonaws.com:443 [sts.amazonaws.com/52.94.1.2] failed: connect timed out"
            ),
            via("sts.amazonaws.com", "connect-timeout")
        );
        assert_eq!(
            unanswered(
                "SSL validation failed for https://sts.ap-northeast-1.amazonaws.com/ [Errno 2] No such file or directory"
            ),
            via("sts.ap-northeast-1.amazonaws.com", "tls-failed")
        );
        // An answer is an answer, whatever else the line says; the metadata service is
        // the other readers' business; an endpoint named with no failure is no event.
        assert!(
            unanswered(
                "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 1a2b, request send failed, InvalidIdentityToken: https://sts.amazonaws.com"
            )
            .is_empty()
        );
        assert_eq!(
            one(
                "Get \"http://169.254.169.254/latest/meta-data/iam/security-credentials/\": dial tcp 169.254.169.254:80: i/o timeout (sts.amazonaws.com next)"
            ),
            ["GET /latest/meta-data/iam/security-credentials/ → connect-timeout"]
        );
        assert!(unanswered("Calling https://sts.amazonaws.com/ with a timeout of 5 s").is_empty());
    }
}
