//! The faults the emulator can inject, named as on the command line (`--fault NAME`).
//!
//! Each fault maps to a wire behaviour from imds.md §6 and, where one exists, to the
//! scenario whose data file lists it (`emulated_by`). Several faults can be combined; [`crate::EmulatorConfig`]
//! documents the order in which they take effect.

use authdoctor_kb::{ScenarioId, knowledge_base};
use std::fmt;
use std::str::FromStr;

/// One injected misbehaviour. `FromStr`/`Display` use the CLI names (`hop-limit`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A healthy instance (the default profile): no fault.
    None,
    /// `HttpTokens=required`: token-less GETs get 401 with an empty body.
    V2Required,
    /// The token endpoint answers 403 (tokens unavailable); token-less GETs work (IMDSv1 only).
    V1Only,
    /// Like [`Fault::V1Only`] but the token PUT gets 404.
    V1Only404,
    /// Like [`Fault::V1Only`] but the token PUT gets 405.
    V1Only405,
    /// The token PUT gets 400 (as if the TTL header were invalid).
    Token400,
    /// The PUT response hop limit is too small: token PUTs are accepted, never answered;
    /// GETs keep working (v1 only if `HttpTokens=optional`).
    HopLimit,
    /// No instance profile: `iam/info` and `iam/security-credentials/` answer 404.
    NoRole,
    /// The role does not trust EC2: the credentials document is a 200 with
    /// `"Code" : "AssumeRoleUnauthorizedAccess"`.
    TrustBroken,
    /// The credentials served have already expired.
    ExpiredCredentials,
    /// Every request gets `429 Too Many Requests`.
    Throttle,
    /// The endpoint is switched off (`HttpEndpoint=disabled`): 403 on every request.
    Disabled,
    /// Connections are accepted and never answered.
    Blackhole,
    /// Nothing listens: connections are refused.
    Refused,
    /// Every answer comes after a delay (`EmulatorConfig::slow_delay`, default 2 s).
    Slow,
    /// The credentials document is a 200 with a malformed (truncated) body.
    Garbage,
    /// An HTTP proxy answers instead of IMDS: 403 squid error page, `Via:`, no `EC2ws`.
    Proxy,
    /// Like [`Fault::Proxy`] but 407 Proxy Authentication Required.
    Proxy407,
    /// Like [`Fault::Proxy`] but 502 Bad Gateway.
    Proxy502,
}

impl Fault {
    /// Every fault, in the order `--help` lists them.
    pub const ALL: &'static [Fault] = &[
        Fault::None,
        Fault::V2Required,
        Fault::V1Only,
        Fault::V1Only404,
        Fault::V1Only405,
        Fault::Token400,
        Fault::HopLimit,
        Fault::NoRole,
        Fault::TrustBroken,
        Fault::ExpiredCredentials,
        Fault::Throttle,
        Fault::Disabled,
        Fault::Blackhole,
        Fault::Refused,
        Fault::Slow,
        Fault::Garbage,
        Fault::Proxy,
        Fault::Proxy407,
        Fault::Proxy502,
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::V2Required => "v2-required",
            Fault::V1Only => "v1-only",
            Fault::V1Only404 => "v1-only-404",
            Fault::V1Only405 => "v1-only-405",
            Fault::Token400 => "token-400",
            Fault::HopLimit => "hop-limit",
            Fault::NoRole => "no-role",
            Fault::TrustBroken => "trust-broken",
            Fault::ExpiredCredentials => "expired-credentials",
            Fault::Throttle => "throttle",
            Fault::Disabled => "disabled",
            Fault::Blackhole => "blackhole",
            Fault::Refused => "refused",
            Fault::Slow => "slow",
            Fault::Garbage => "garbage",
            Fault::Proxy => "proxy",
            Fault::Proxy407 => "proxy-407",
            Fault::Proxy502 => "proxy-502",
        }
    }

    /// One line saying what the fault does on the wire (used by `--help`).
    pub fn description(self) -> &'static str {
        match self {
            Fault::None => "a healthy Nitro instance with a role (HttpTokens=required)",
            Fault::V2Required => "token-less GETs get 401 with an empty body (HttpTokens=required)",
            Fault::V1Only => "token PUT gets 403; token-less GETs answer (IMDSv1 only)",
            Fault::V1Only404 => "like v1-only, but the token PUT gets 404",
            Fault::V1Only405 => "like v1-only, but the token PUT gets 405",
            Fault::Token400 => "token PUT gets 400 Bad Request",
            Fault::HopLimit => {
                "token PUT accepted but never answered (hop limit too small); GETs still answer"
            }
            Fault::NoRole => "no instance profile: iam/info and iam/security-credentials/ get 404",
            Fault::TrustBroken => {
                "credentials document is a 200 with Code AssumeRoleUnauthorizedAccess"
            }
            Fault::ExpiredCredentials => "credentials served with an Expiration in the past",
            Fault::Throttle => "every request gets 429 Too Many Requests",
            Fault::Disabled => "endpoint switched off: 403 on every request",
            Fault::Blackhole => "connections accepted, never answered",
            Fault::Refused => "nothing listens: connection refused",
            Fault::Slow => "every answer is delayed (--delay, default 2s)",
            Fault::Garbage => "credentials document is a 200 with a truncated, malformed body",
            Fault::Proxy => "an HTTP proxy answers: 403 squid error page, Via header, no EC2ws",
            Fault::Proxy407 => "an HTTP proxy answers 407 Proxy Authentication Required",
            Fault::Proxy502 => "an HTTP proxy answers 502 Bad Gateway",
        }
    }

    /// The scenario this fault reproduces, if any: the scenario file that lists the
    /// fault in its `emulated_by`.
    pub fn scenario(self) -> Option<ScenarioId> {
        knowledge_base()
            .scenarios()
            .iter()
            .find(|s| s.emulated_by.iter().any(|name| name == self.name()))
            .and_then(|s| ScenarioId::parse(&s.id))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fault name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`; expected one of: {}", Fault::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
pub struct ParseFaultError {
    /// The name as given (truncated to 64 characters).
    pub name: String,
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ParseFaultError {
                name: wanted.chars().take(64).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for fault in Fault::ALL {
            assert!(seen.insert(fault.name()), "duplicate name {fault}");
            assert_eq!(fault.name().parse::<Fault>(), Ok(*fault));
            assert!(!fault.description().is_empty());
        }
        assert_eq!(seen.len(), Fault::ALL.len());
    }

    #[test]
    fn every_fault_a_scenario_file_names_exists_and_belongs_to_one_scenario() {
        let mut claimed = std::collections::HashMap::new();
        for scenario in knowledge_base().scenarios() {
            for name in &scenario.emulated_by {
                let fault = name.parse::<Fault>();
                assert!(fault.is_ok(), "{}: no fault `{name}`", scenario.id);
                if let Some(other) = claimed.insert(name.as_str(), scenario.id.as_str()) {
                    panic!("fault `{name}` claimed by {other} and {}", scenario.id);
                }
            }
        }
        // The faults that reproduce a scenario of their own (the others are healthy or
        // misbehave in ways no scenario names: v1-only, token-400, garbage).
        assert_eq!(
            Fault::HopLimit.scenario().map(ScenarioId::as_str),
            Some("imds-hop-limit")
        );
        assert_eq!(
            Fault::Slow.scenario().map(ScenarioId::as_str),
            Some("imds-throttled")
        );
        for fault in [Fault::None, Fault::V1Only, Fault::Token400, Fault::Garbage] {
            assert_eq!(fault.scenario(), None, "{fault}");
        }
        assert_eq!(claimed.len(), 13);
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = "hop_limit".parse::<Fault>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`hop_limit`"), "{text}");
        assert!(text.contains("hop-limit"), "{text}");
    }
}
