//! Observations: typed facts of what happened, independent of who saw them. A text
//! reader finds them in a debug log; a `check` probe makes them live; both are matched
//! against the same rules of the scenario files.

use std::fmt;

use authdoctor_kb::{ObservationKind, ObservationRule};
use serde::{Serialize, Serializer};

/// What was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Observation {
    /// One request to the instance metadata service (or the container credential
    /// endpoint) and what came of it.
    ImdsExchange {
        /// Absent from JSON when the text did not say.
        #[serde(skip_serializing_if = "Method::is_unknown")]
        method: Method,
        /// The path as seen (`/latest/api/token`), or empty when the text named only the
        /// service.
        path: String,
        outcome: Outcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        after_ms: Option<u64>,
    },
    /// A request to an AWS API endpoint (not the metadata service) that AWS never
    /// answered: the name did not resolve, the connection failed or was reset, TLS
    /// failed, or a proxy answered instead. `host` as the text names it
    /// (`sts.us-east-1.amazonaws.com`).
    ApiUnanswered { host: String, outcome: Outcome },
    /// An error answer of an AWS API.
    ApiError {
        code: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        operation: Option<String>,
    },
    /// A credential provider of an SDK's chain and what it concluded.
    ProviderAttempt { provider: String, outcome: Outcome },
    /// How far the client's clock was from AWS's when it signed a request, in seconds
    /// (positive: the client is ahead): a request's signing time against the `Date` of
    /// its answer, or the two times an error message quotes.
    ClockOffset { seconds: i64 },
    /// The client compared its clock with AWS's itself and found them at most
    /// `seconds` apart: the JS SDK v3 corrects a larger offset and retries, so a
    /// signing error it still shows without `clockSkewCorrected` was not a skew.
    ClockWithin { seconds: i64 },
    /// An IAM authorization decision: evaluated offline (`simulate`) or decoded from an
    /// encoded authorization message (`decode`).
    PolicyDecision(PolicyDecision),
    /// Credentials a source of the provider chain holds (or was set up to hold), and
    /// their state: `valid`, `expiring` (within the minutes SDKs refresh ahead),
    /// `expired`, `missing` (set up, nothing there), `incomplete` (a part is missing:
    /// a key without its secret, a token file without a role), `unreadable`,
    /// `malformed`, `wrong-audience` (a token for another audience), `token-missing`
    /// (a session key `ASIA…` without its session token), `token-extra` (a long-term
    /// key `AKIA…` with a session token).
    Credentials { source: String, state: String },
    /// A setting in effect (an environment variable, an instance's metadata options)
    /// and the class of its value (`AWS_EC2_METADATA_DISABLED` → `true`,
    /// `HTTP_PROXY` → `proxies-metadata`, `HttpTokens` → `optional`). See
    /// [`SETTING_VALUES`].
    Setting { name: String, value: String },
    /// How far this host's clock is from AWS's, in seconds (positive: the host is
    /// ahead), read from an AWS answer's `Date` header (IMDS, STS) or from the two times
    /// an AWS error quotes. Unlike [`Observation::ClockOffset`] it says nothing about a
    /// particular request: a skewed host clock is a fault on its own.
    HostClock { seconds: i64 },
}

/// The states [`Observation::Credentials`] may be in.
pub const CREDENTIAL_STATES: &[&str] = &[
    "valid",
    "expiring",
    "expired",
    "missing",
    "incomplete",
    "unreadable",
    "malformed",
    "wrong-audience",
    "token-missing",
    "token-extra",
];

/// The credential sources [`Observation::Credentials`] names (the providers of the
/// SDKs' chains).
pub const CREDENTIAL_SOURCES: &[&str] = &[
    "environment",
    "profile",
    "web-identity",
    "sso",
    "shared-credentials-file",
    "credential-process",
    "container",
    "imds",
];

/// The value classes an [`Observation::Setting`] may carry: `true`, `other` (neither
/// true nor false), `disabled`, `optional`, a number, `proxies-metadata` (a proxy that
/// the metadata address is not excluded from), `proxies-metadata-for-some` (excluded
/// only through a CIDR range, which botocore ignores).
pub const SETTING_VALUES: &[&str] = &[
    "true",
    "other",
    "disabled",
    "optional",
    "proxies-metadata",
    "proxies-metadata-for-some",
];

/// Host clock offsets above this many seconds are worth a warning: SigV4 allows five
/// minutes, and clocks drift further.
pub const HOST_CLOCK_DRIFT_SECONDS: i64 = 60;

/// What an authorization decision rested on.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PolicyDecision {
    /// `allow`, `explicit-deny` or `implicit-deny`; `deny` when the source saw a
    /// refusal but not which kind (a CloudTrail record's error code).
    pub decision: &'static str,
    pub action: String,
    pub principal: String,
    pub resource: String,
    /// The layer whose policies decided: the explicit Deny's, or the one that lacked
    /// an Allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Condition keys of the statements that decided (a Deny that applied, an Allow
    /// whose conditions failed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<String>,
    /// The request's context values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<(String, Vec<String>)>,
    /// Actions the identity policies grant, when the source has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted: Option<Vec<String>>,
}

impl PolicyDecision {
    fn matches(&self, rule: &ObservationRule) -> bool {
        let any = |list: &[String], f: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|x| f(x))
        };
        let context_has = |pair: &str| {
            let Some((key, value)) = pair.split_once('=') else {
                return false;
            };
            self.context.iter().any(|(k, values)| {
                k.eq_ignore_ascii_case(key) && values.iter().any(|v| v.eq_ignore_ascii_case(value))
            })
        };
        let granted = rule.granted.iter().all(|want| {
            self.granted
                .as_ref()
                .is_none_or(|g| g.iter().any(|have| glob(have, want) || glob(want, have)))
        });
        // A rule's `deny` stands for both kinds; a decision of unknown kind (`deny`)
        // meets only such a rule.
        let decided =
            |o: &str| o == self.decision || (o == "deny" && self.decision.ends_with("deny"));
        any(&rule.outcome, &decided)
            && any(&rule.action, &|p| glob(p, &self.action))
            && any(&rule.layer, &|l| {
                self.layer
                    .as_deref()
                    .is_some_and(|have| have.eq_ignore_ascii_case(l))
            })
            && any(&rule.condition_key, &|k| {
                self.condition_keys
                    .iter()
                    .any(|have| have.eq_ignore_ascii_case(k))
            })
            && rule.context.iter().all(|pair| context_has(pair))
            && any(&rule.principal, &|p| glob(p, &self.principal))
            && any(&rule.resource, &|p| glob(p, &self.resource))
            && granted
    }
}

/// `*` matches any run of characters; ASCII case is ignored.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Classic two-pointer wildcard match, backtracking to the last star.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Offsets at or under this many seconds count as a clock in step with AWS's: well
/// inside the five minutes SigV4 tolerates (and the JS SDK v3's own correction
/// threshold), whatever the one-second resolution of the times and a slow answer add.
pub const CLOCK_IN_STEP_SECONDS: i64 = 240;
/// Offsets beyond this many seconds are outside what SigV4 tolerates (5 minutes).
pub const CLOCK_SKEWED_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "GET")]
    Get,
    /// The text says a metadata request failed but not which (Rust's `could not
    /// communicate with IMDS`); for an IMDSv2 client the first is the token PUT.
    #[serde(rename = "unknown")]
    Unknown,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Put => "PUT",
            Method::Get => "GET",
            Method::Unknown => "unknown",
        }
    }

    fn is_unknown(&self) -> bool {
        *self == Method::Unknown
    }
}

/// Which resource of the metadata service a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImdsPath {
    /// `/latest/api/token`.
    Token,
    /// A token request to any other path (`/2021-01-03/api/token`).
    TokenElsewhere,
    /// `…/meta-data/iam/security-credentials/…`.
    Credentials,
    /// Any other metadata path, or none seen.
    Metadata,
    /// The ECS / EKS container credential endpoint.
    Container,
}

impl ImdsPath {
    pub fn classify(path: &str) -> ImdsPath {
        if path.contains("api/token") {
            if path.starts_with("/latest/api/token") || path == "/api/token" {
                ImdsPath::Token
            } else {
                ImdsPath::TokenElsewhere
            }
        } else if path.contains("security-credentials") {
            ImdsPath::Credentials
        } else if path.starts_with("/v2/credentials") || path.starts_with("/v1/credentials") {
            ImdsPath::Container
        } else {
            ImdsPath::Metadata
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImdsPath::Token => "token",
            ImdsPath::TokenElsewhere => "token-elsewhere",
            ImdsPath::Credentials => "credentials",
            ImdsPath::Metadata => "metadata",
            ImdsPath::Container => "container",
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status(u16),
    /// The TCP connection was not established in time.
    ConnectTimeout,
    /// Connected, but the answer never came.
    ReadTimeout,
    /// Timed out, and the text does not say in which phase.
    Timeout,
    Refused,
    Reset,
    /// No route, network unreachable.
    Unreachable,
    /// The answer came from an HTTP proxy, not from the service.
    Proxy,
    /// Something answered, but not with valid HTTP or a valid document.
    Malformed,
    /// An HTTP answer came, but its body could not be parsed as the document asked for
    /// (cut short, empty where a document belongs, not JSON): the SDK says it could not
    /// read it, not that it reported a failure.
    Unparsable,
    /// A provider found nothing to use.
    NotFound,
    /// The credentials were past their expiry.
    Expired,
    /// The step failed, and the text does not say how (a client that logs only that it
    /// fell back).
    Failed,
    /// No answer came, and the text does not say why (refused, unreachable, timed
    /// out): an HTTP client that reports only that sending the request failed.
    NoAnswer,
    /// An answer came, but later than the SDKs wait (1 s by default).
    Slow,
    /// A provider had credentials, but an earlier one of the chain won.
    Shadowed,
    /// The host name did not resolve (DNS).
    NameNotResolved,
    /// The TLS handshake failed: the server's certificate was not trusted, or the CA
    /// bundle could not be read.
    TlsFailed,
}

impl Outcome {
    /// The ways a request can end without an answer from the service it was sent to:
    /// the outcomes of [`Observation::ApiUnanswered`].
    pub const UNANSWERED: [Outcome; 10] = [
        Outcome::NameNotResolved,
        Outcome::TlsFailed,
        Outcome::ConnectTimeout,
        Outcome::ReadTimeout,
        Outcome::Timeout,
        Outcome::Refused,
        Outcome::Reset,
        Outcome::Unreachable,
        Outcome::Proxy,
        Outcome::NoAnswer,
    ];

    /// The other outcomes that have a name of their own (not a status): an answer that
    /// was no valid document, and what a credential provider concluded.
    pub const ANSWERED_OR_CONCLUDED: [Outcome; 7] = [
        Outcome::Malformed,
        Outcome::Unparsable,
        Outcome::NotFound,
        Outcome::Expired,
        Outcome::Failed,
        Outcome::Slow,
        Outcome::Shadowed,
    ];

    /// The name used in JSON and in the rules of scenario files.
    pub fn name(self) -> String {
        match self {
            Outcome::Status(code) => format!("status-{code}"),
            other => other.word().to_owned(),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Outcome::Status(_) => "status",
            Outcome::ConnectTimeout => "connect-timeout",
            Outcome::ReadTimeout => "read-timeout",
            Outcome::Timeout => "timeout",
            Outcome::Refused => "refused",
            Outcome::Reset => "reset",
            Outcome::Unreachable => "unreachable",
            Outcome::Proxy => "proxy",
            Outcome::Malformed => "malformed",
            Outcome::Unparsable => "unparsable",
            Outcome::NotFound => "not-found",
            Outcome::Expired => "expired",
            Outcome::Failed => "failed",
            Outcome::NoAnswer => "no-answer",
            Outcome::Slow => "slow",
            Outcome::Shadowed => "shadowed",
            Outcome::NameNotResolved => "name-not-resolved",
            Outcome::TlsFailed => "tls-failed",
        }
    }

    /// Whether a rule's outcome pattern covers this outcome. Patterns are outcome
    /// names (`timeout` is a timeout the text does not place in a phase),
    /// `status-4xx` style classes, and `any-timeout`, which covers every timeout.
    pub fn matches(self, pattern: &str) -> bool {
        match self {
            Outcome::Status(code) => {
                let Some(p) = pattern.strip_prefix("status-") else {
                    return false;
                };
                let digits = code.to_string();
                p.len() == 3
                    && p.chars()
                        .zip(digits.chars())
                        .all(|(want, got)| want == 'x' || want == got)
            }
            Outcome::ConnectTimeout | Outcome::ReadTimeout | Outcome::Timeout => {
                pattern == self.word() || pattern == "any-timeout"
            }
            other => pattern == other.word(),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl Observation {
    /// Whether the client got role credentials here: a 200 answer to the role's
    /// credentials document (not the listing of role names) or to the container
    /// credential endpoint.
    pub fn delivers_credentials(&self) -> bool {
        let Observation::ImdsExchange {
            method: Method::Get,
            path,
            outcome: Outcome::Status(200),
            ..
        } = self
        else {
            return false;
        };
        match ImdsPath::classify(path) {
            ImdsPath::Credentials => !path.trim_end().ends_with('/'),
            ImdsPath::Container => true,
            _ => false,
        }
    }

    /// Whether `rule` (from a scenario file) matches this observation.
    pub fn matches(&self, rule: &ObservationRule) -> bool {
        let any = |list: &[String], f: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|x| f(x))
        };
        match (self, rule.kind) {
            (
                Observation::ImdsExchange {
                    method,
                    path,
                    outcome,
                    ..
                },
                ObservationKind::ImdsExchange,
            ) => {
                let method_ok = rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
                let class = ImdsPath::classify(path).as_str();
                method_ok
                    && any(&rule.path, &|p| p == class)
                    && any(&rule.outcome, &|o| outcome.matches(o))
            }
            (Observation::ClockOffset { seconds }, ObservationKind::ClockOffset) => {
                any(&rule.outcome, &|o| clock_matches(*seconds, o))
            }
            (Observation::PolicyDecision(d), ObservationKind::PolicyDecision) => d.matches(rule),
            (Observation::ClockWithin { seconds }, ObservationKind::ClockOffset) => {
                any(&rule.outcome, &|o| {
                    o == "in-step" && seconds.abs() <= CLOCK_IN_STEP_SECONDS
                })
            }
            (Observation::ApiUnanswered { host, outcome }, ObservationKind::ApiUnanswered) => {
                any(&rule.code, &|c| names_service(host, c))
                    && any(&rule.outcome, &|o| outcome.matches(o))
            }
            (Observation::ApiError { code, .. }, ObservationKind::ApiError) => {
                any(&rule.code, &|c| c.eq_ignore_ascii_case(code))
            }
            (
                Observation::ProviderAttempt { provider, outcome },
                ObservationKind::ProviderAttempt,
            ) => {
                any(&rule.code, &|c| c.eq_ignore_ascii_case(provider))
                    && any(&rule.outcome, &|o| outcome.matches(o))
            }
            (Observation::Credentials { source, state }, ObservationKind::Credentials) => {
                any(&rule.code, &|c| c.eq_ignore_ascii_case(source))
                    && any(&rule.outcome, &|o| o == state)
            }
            (Observation::Setting { name, value }, ObservationKind::Setting) => {
                any(&rule.code, &|c| c.eq_ignore_ascii_case(name))
                    && any(&rule.outcome, &|o| setting_matches(value, o))
            }
            (Observation::HostClock { seconds }, ObservationKind::HostClock) => {
                any(&rule.outcome, &|o| host_clock_matches(*seconds, o))
            }
            _ => false,
        }
    }

    /// A one-line description for the story view: `PUT /latest/api/token → read-timeout`.
    pub fn describe(&self) -> String {
        match self {
            Observation::ImdsExchange {
                method,
                path,
                outcome,
                after_ms,
            } => {
                let method = match method {
                    Method::Unknown => "request",
                    known => known.as_str(),
                };
                let path = if path.is_empty() {
                    "(metadata service)"
                } else {
                    path
                };
                match after_ms {
                    Some(ms) => format!("{method} {path} → {outcome} after {ms} ms"),
                    None => format!("{method} {path} → {outcome}"),
                }
            }
            Observation::ApiUnanswered { host, outcome } => {
                format!("request to {host} → {outcome} (no answer from AWS)")
            }
            Observation::ApiError { code, operation } => match operation {
                Some(op) => format!("{op} → {code}"),
                None => format!("API error {code}"),
            },
            Observation::ProviderAttempt { provider, outcome } => {
                format!("provider {provider} → {outcome}")
            }
            Observation::ClockOffset { seconds } => match seconds {
                0 => "clock in step with AWS's (signing time = server time)".to_owned(),
                s if *s > 0 => format!("clock {s} s ahead of AWS's"),
                s => format!("clock {} s behind AWS's", -s),
            },
            Observation::ClockWithin { seconds } => {
                format!("clock within {seconds} s of AWS's (the SDK compared them)")
            }
            Observation::PolicyDecision(d) => match &d.layer {
                Some(layer) => format!("{} → {} ({layer})", d.action, d.decision),
                None => format!("{} → {}", d.action, d.decision),
            },
            Observation::Credentials { source, state } => {
                format!("{source} credentials: {state}")
            }
            Observation::Setting { name, value } => format!("{name} = {value}"),
            Observation::HostClock { seconds } => match seconds {
                0 => "host clock in step with AWS's".to_owned(),
                s if *s > 0 => format!("host clock {s} s ahead of AWS's"),
                s => format!("host clock {} s behind AWS's", -s),
            },
        }
    }
}

/// Whether an API host is the endpoint of `service` as rules name it: its first labels
/// (`sts` for `sts.us-east-1.amazonaws.com`, `portal.sso` for the SSO portal).
fn names_service(host: &str, service: &str) -> bool {
    host.len() > service.len()
        && host.as_bytes()[service.len()] == b'.'
        && host[..service.len()].eq_ignore_ascii_case(service)
}

/// Whether a setting's value class fits a rule's pattern: the class itself, or `>N` /
/// `<N` for a number (`HttpPutResponseHopLimit` `<2`).
fn setting_matches(value: &str, pattern: &str) -> bool {
    let number = |bound: &str| Some((value.parse::<i64>().ok()?, bound.parse::<i64>().ok()?));
    if let Some(bound) = pattern.strip_prefix('<') {
        number(bound).is_some_and(|(v, b)| v < b)
    } else if let Some(bound) = pattern.strip_prefix('>') {
        number(bound).is_some_and(|(v, b)| v > b)
    } else {
        value.eq_ignore_ascii_case(pattern)
    }
}

/// Whether a host clock offset fits a rule's pattern: `in-step` (within
/// [`HOST_CLOCK_DRIFT_SECONDS`]), `drifting` (beyond it, within SigV4's five minutes),
/// `skewed` (five minutes or more: SigV4 refuses the signatures).
fn host_clock_matches(seconds: i64, pattern: &str) -> bool {
    let abs = seconds.abs();
    match pattern {
        "in-step" => abs <= HOST_CLOCK_DRIFT_SECONDS,
        "drifting" => abs > HOST_CLOCK_DRIFT_SECONDS && abs < CLOCK_SKEWED_SECONDS,
        "skewed" => abs >= CLOCK_SKEWED_SECONDS,
        _ => false,
    }
}

/// Whether a clock offset fits a rule's pattern: `in-step` or `skewed`.
fn clock_matches(seconds: i64, pattern: &str) -> bool {
    match pattern {
        "in-step" => seconds.abs() <= CLOCK_IN_STEP_SECONDS,
        "skewed" => seconds.abs() > CLOCK_SKEWED_SECONDS,
        _ => false,
    }
}

/// Whether `code` is one that rules of `kind` may name: a credential source for
/// `credentials` rules; any other kind's codes (error codes, provider and setting
/// names) are open.
pub fn is_code_pattern(kind: ObservationKind, code: &str) -> bool {
    match kind {
        ObservationKind::Credentials => CREDENTIAL_SOURCES.contains(&code),
        _ => !code.trim().is_empty(),
    }
}

/// Whether `pattern` is one that rules of `kind` may use in `outcome`: scenario files
/// are checked against this, so a misspelt pattern fails a test instead of never
/// matching.
pub fn is_outcome_pattern(kind: ObservationKind, pattern: &str) -> bool {
    match kind {
        ObservationKind::ClockOffset => matches!(pattern, "in-step" | "skewed"),
        ObservationKind::PolicyDecision => {
            matches!(
                pattern,
                "allow" | "deny" | "explicit-deny" | "implicit-deny"
            )
        }
        ObservationKind::ApiError => false,
        ObservationKind::Credentials => CREDENTIAL_STATES.contains(&pattern),
        ObservationKind::Setting => {
            SETTING_VALUES.contains(&pattern)
                || pattern
                    .strip_prefix(['<', '>'])
                    .unwrap_or(pattern)
                    .parse::<i64>()
                    .is_ok()
        }
        ObservationKind::HostClock => matches!(pattern, "in-step" | "drifting" | "skewed"),
        ObservationKind::ApiUnanswered => {
            pattern == "any-timeout" || Outcome::UNANSWERED.iter().any(|o| o.word() == pattern)
        }
        ObservationKind::ImdsExchange | ObservationKind::ProviderAttempt => {
            if let Some(class) = pattern.strip_prefix("status-") {
                return class.len() == 3
                    && class.starts_with(['1', '2', '3', '4', '5'])
                    && class.chars().all(|c| c.is_ascii_digit() || c == 'x');
            }
            pattern == "any-timeout"
                || Outcome::UNANSWERED
                    .iter()
                    .chain(&Outcome::ANSWERED_OR_CONCLUDED)
                    .any(|o| o.word() == pattern)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_delivered_by_a_200_on_the_role_document_only() {
        let exchange = |method, path: &str, status| Observation::ImdsExchange {
            method,
            path: path.to_owned(),
            outcome: Outcome::Status(status),
            after_ms: None,
        };
        let role = "/latest/meta-data/iam/security-credentials/app-role";
        assert!(exchange(Method::Get, role, 200).delivers_credentials());
        assert!(exchange(Method::Get, "/v2/credentials/1f2e3d", 200).delivers_credentials());
        assert!(!exchange(Method::Get, role, 404).delivers_credentials());
        assert!(
            !exchange(
                Method::Get,
                "/latest/meta-data/iam/security-credentials/",
                200
            )
            .delivers_credentials()
        );
        assert!(!exchange(Method::Put, "/latest/api/token", 200).delivers_credentials());
        assert!(!exchange(Method::Get, "", 200).delivers_credentials());
    }

    #[test]
    fn a_refusal_of_unknown_kind_meets_only_rules_for_either_kind() {
        let rule = |outcome: &str| -> ObservationRule {
            serde_json::from_value(serde_json::json!({
                "name": "decision", "kind": "policy-decision", "outcome": [outcome],
                "weight": 0.5, "label": ""
            }))
            .unwrap_or_else(|e| panic!("rule: {e}"))
        };
        let decision = |d: &'static str| PolicyDecision {
            decision: d,
            ..PolicyDecision::default()
        };
        let decision = |d| Observation::PolicyDecision(decision(d));
        assert!(decision("deny").matches(&rule("deny")));
        assert!(decision("explicit-deny").matches(&rule("deny")));
        assert!(decision("implicit-deny").matches(&rule("deny")));
        assert!(!decision("allow").matches(&rule("deny")));
        assert!(!decision("deny").matches(&rule("explicit-deny")));
        assert!(!decision("deny").matches(&rule("implicit-deny")));
        assert!(is_outcome_pattern(ObservationKind::PolicyDecision, "deny"));
    }

    #[test]
    fn outcome_patterns() {
        assert!(Outcome::Status(401).matches("status-401"));
        assert!(Outcome::Status(404).matches("status-4xx"));
        assert!(!Outcome::Status(500).matches("status-4xx"));
        assert!(Outcome::ReadTimeout.matches("any-timeout"));
        assert!(!Outcome::ReadTimeout.matches("timeout"));
        assert!(Outcome::ConnectTimeout.matches("connect-timeout"));
        assert!(!Outcome::ReadTimeout.matches("connect-timeout"));
        assert!(!Outcome::Refused.matches("any-timeout"));
    }

    #[test]
    fn globs() {
        assert!(glob("sts:AssumeRole*", "sts:AssumeRoleWithWebIdentity"));
        assert!(glob("iam:passrole", "iam:PassRole"));
        assert!(glob(
            "*:spot-instances-request/*",
            "arn:aws:ec2:eu-north-1:1:spot-instances-request/sir-1"
        ));
        assert!(!glob("iam:PassRole", "iam:PassRoles"));
        assert!(!glob("*:role/*dlm*", "arn:aws:iam::1:role/app"));
        assert!(glob("*", ""));
    }

    #[test]
    fn clock_offsets_in_step_skewed_or_neither() {
        let rule = |pattern: &str| -> ObservationRule {
            serde_json::from_value(serde_json::json!({
                "name": "clock", "kind": "clock-offset", "outcome": [pattern],
                "weight": 0.5, "label": ""
            }))
            .unwrap_or_else(|e| panic!("rule: {e}"))
        };
        let at = |seconds| Observation::ClockOffset { seconds };
        assert!(at(0).matches(&rule("in-step")));
        assert!(at(-90).matches(&rule("in-step")));
        assert!(!at(0).matches(&rule("skewed")));
        assert!(at(-1200).matches(&rule("skewed")));
        assert!(at(900).matches(&rule("skewed")));
        // Between the two: neither reading.
        assert!(!at(280).matches(&rule("in-step")) && !at(280).matches(&rule("skewed")));
        let within = Observation::ClockWithin { seconds: 240 };
        assert!(within.matches(&rule("in-step")) && !within.matches(&rule("skewed")));
    }

    #[test]
    fn paths_are_classified() {
        assert_eq!(ImdsPath::classify("/latest/api/token"), ImdsPath::Token);
        assert_eq!(
            ImdsPath::classify("/2021-01-03/api/token"),
            ImdsPath::TokenElsewhere
        );
        assert_eq!(
            ImdsPath::classify("/latest/meta-data/iam/security-credentials/role"),
            ImdsPath::Credentials
        );
        assert_eq!(ImdsPath::classify(""), ImdsPath::Metadata);
    }
}
