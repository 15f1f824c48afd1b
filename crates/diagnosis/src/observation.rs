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
        method: Method,
        /// The path as seen (`/latest/api/token`), or empty when the text named only the
        /// service.
        path: String,
        outcome: Outcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        after_ms: Option<u64>,
    },
    /// An error answer of an AWS API.
    ApiError {
        code: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        operation: Option<String>,
    },
    /// A credential provider of an SDK's chain and what it concluded.
    ProviderAttempt { provider: String, outcome: Outcome },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "GET")]
    Get,
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
    /// A provider found nothing to use.
    NotFound,
    /// The credentials were past their expiry.
    Expired,
}

impl Outcome {
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
            Outcome::NotFound => "not-found",
            Outcome::Expired => "expired",
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
                let method_ok = rule.method.as_deref().is_none_or(|m| {
                    m.eq_ignore_ascii_case(match method {
                        Method::Put => "PUT",
                        Method::Get => "GET",
                    })
                });
                let class = ImdsPath::classify(path).as_str();
                method_ok
                    && any(&rule.path, &|p| p == class)
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
                    Method::Put => "PUT",
                    Method::Get => "GET",
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
            Observation::ApiError { code, operation } => match operation {
                Some(op) => format!("{op} → {code}"),
                None => format!("API error {code}"),
            },
            Observation::ProviderAttempt { provider, outcome } => {
                format!("provider {provider} → {outcome}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
