//! Which scenarios the metadata probes confirm. Each probe is described as the
//! observation a client would have made (`PUT /latest/api/token → read-timeout`), and
//! the diagnosis engine matches those against the `[[observations]]` rules of the
//! scenario files — the same rules that read client logs in `explain`, with the same
//! causal precedence. A failing check then names the best scenario its own probes
//! support.
//!
//! The other checks (environment, files, chain, clock, online, and the two IMDS
//! judgements no single exchange carries: a slow answer, a service that accepts
//! IMDSv1) describe what they found the same way — credentials and their state, a
//! setting in effect, the host's clock, an AWS error, a provider that was shadowed —
//! and [`scenario_of`] asks the engine which scenario those facts belong to. Status and
//! wording stay with the check; the scenario comes from the data.

use authdoctor_diagnosis::engine;
use authdoctor_diagnosis::{Method, Observation, Outcome, ScenarioId};
use authdoctor_kb::CheckId;

use crate::http::{Exchange, Failure};
use crate::{Check, Status};

/// An observation and the check rows it bears on.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub rows: Vec<CheckId>,
    pub observation: Observation,
}

/// The observation a client would have made of this exchange; `proxy` when the answer
/// came from an HTTP proxy.
pub(crate) fn exchange(e: &Exchange, proxy: bool, rows: &[CheckId]) -> Observed {
    let outcome = match &e.result {
        Ok(_) if proxy => Outcome::Proxy,
        Ok(r) => Outcome::Status(r.status),
        Err(Failure::Refused) => Outcome::Refused,
        Err(Failure::ConnectTimeout) => Outcome::ConnectTimeout,
        Err(Failure::Connect(_) | Failure::Resolve(_)) => Outcome::Unreachable,
        Err(Failure::NoResponse | Failure::BodyTimeout) => Outcome::ReadTimeout,
        Err(Failure::Protocol(_) | Failure::Malformed(_)) => Outcome::Malformed,
        Err(Failure::Closed) => Outcome::Reset,
    };
    Observed {
        rows: rows.to_vec(),
        observation: Observation::ImdsExchange {
            method: if e.method == "PUT" {
                Method::Put
            } else {
                Method::Get
            },
            path: e.path.clone(),
            outcome,
            after_ms: Some(u64::try_from(e.elapsed.as_millis()).unwrap_or(u64::MAX)),
        },
    }
}

/// An exchange that was answered, but later than the SDKs wait (`slow`).
pub(crate) fn slow(e: &Exchange) -> Observation {
    answered_as(e, Outcome::Slow)
}

/// An exchange that was answered, but whose body SDKs cannot parse (`unparsable`).
pub(crate) fn unparsable(e: &Exchange, row: CheckId) -> Observed {
    Observed {
        rows: vec![row],
        observation: answered_as(e, Outcome::Unparsable),
    }
}

/// The observation of an answered exchange, with what the answer amounted to.
fn answered_as(e: &Exchange, outcome: Outcome) -> Observation {
    let Observed { observation, .. } = exchange(e, false, &[]);
    match observation {
        Observation::ImdsExchange {
            method,
            path,
            after_ms,
            ..
        } => Observation::ImdsExchange {
            method,
            path,
            outcome,
            after_ms,
        },
        other => other,
    }
}

/// The service accepts IMDSv1: `HttpTokens=optional`, whether its metadata options say
/// so or a GET without a token was answered.
pub(crate) fn v1_accepted() -> Observation {
    Observation::Setting {
        name: "HttpTokens".to_owned(),
        value: "optional".to_owned(),
    }
}

/// What the metadata service's credential provider concluded (no role to read, a
/// credentials document that says it failed, credentials past their expiry).
pub(crate) fn provider(outcome: Outcome, row: CheckId) -> Observed {
    Observed {
        rows: vec![row],
        observation: Observation::ProviderAttempt {
            provider: "imds".to_owned(),
            outcome,
        },
    }
}

/// The engine's verdicts over the probes, best first: each scenario with the rows its
/// evidence came from.
pub(crate) fn decide(observed: &[Observed]) -> Vec<(ScenarioId, Vec<CheckId>)> {
    let observations: Vec<Observation> = observed.iter().map(|o| o.observation.clone()).collect();
    engine::judge(&observations)
        .into_iter()
        // A reading a counter damped below a candidate's floor is ruled out.
        .filter(|s| s.score >= engine::CANDIDATE_FLOOR)
        .map(|s| {
            let mut rows: Vec<CheckId> = s
                .evidence
                .iter()
                .filter_map(|(_, _, at, _)| observed.get(*at))
                .flat_map(|o| o.rows.iter().copied())
                .collect();
            rows.sort_unstable();
            rows.dedup();
            (s.scenario, rows)
        })
        .collect()
}

/// The scenario the engine finds best supported by the facts one check observed, if
/// the rules of the scenario files give one at least a candidate's score (a counter can
/// rule out what a rule suggested).
pub(crate) fn scenario_of(observations: &[Observation]) -> Option<ScenarioId> {
    engine::judge(observations)
        .into_iter()
        .find(|s| s.score >= engine::CANDIDATE_FLOOR)
        .map(|s| s.scenario)
}

/// Gives each failing or warning check that names no scenario yet the best verdict its
/// own probes support.
pub(crate) fn assign(checks: &mut [Check], verdicts: &[(ScenarioId, Vec<CheckId>)]) {
    for check in checks.iter_mut() {
        if check.scenario.is_some() || !matches!(check.status, Status::Fail | Status::Warn) {
            continue;
        }
        if let Some((id, _)) = verdicts.iter().find(|(_, rows)| rows.contains(&check.id)) {
            check.scenario = Some(*id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(source: &str, state: &str) -> Observation {
        Observation::Credentials {
            source: source.to_owned(),
            state: state.to_owned(),
        }
    }

    fn setting(name: &str, value: &str) -> Observation {
        Observation::Setting {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    fn api(code: &str) -> Observation {
        Observation::ApiError {
            code: code.to_owned(),
            operation: Some("STS GetCallerIdentity".to_owned()),
        }
    }

    fn clock(seconds: i64) -> Observation {
        Observation::HostClock { seconds }
    }

    fn provider(name: &str, outcome: Outcome) -> Observation {
        Observation::ProviderAttempt {
            provider: name.to_owned(),
            outcome,
        }
    }

    /// What each check observes, and the scenario the scenario files make of it.
    #[test]
    fn the_facts_each_check_observes_name_their_scenario_through_the_rules() {
        let cases: Vec<(Vec<Observation>, Option<&str>)> = vec![
            // chain.source, chain.shadowing
            (
                vec![provider("chain", Outcome::NotFound)],
                Some("no-credentials"),
            ),
            (
                vec![
                    provider("chain", Outcome::NotFound),
                    setting("AWS_EC2_METADATA_DISABLED", "true"),
                ],
                Some("imds-disabled"),
            ),
            (
                vec![provider("imds", Outcome::Shadowed)],
                Some("credential-shadowing"),
            ),
            // chain.web-identity
            (
                vec![credentials("web-identity", "incomplete")],
                Some("web-identity-token-invalid"),
            ),
            (
                vec![credentials("web-identity", "unreadable")],
                Some("web-identity-token-invalid"),
            ),
            (
                vec![credentials("web-identity", "malformed")],
                Some("web-identity-token-invalid"),
            ),
            (
                vec![credentials("web-identity", "expired")],
                Some("web-identity-token-invalid"),
            ),
            (
                vec![credentials("web-identity", "wrong-audience")],
                Some("web-identity-token-invalid"),
            ),
            (vec![credentials("web-identity", "valid")], None),
            // credentials.expiry, files.sso-cache
            (
                vec![credentials("sso", "expired")],
                Some("sso-session-expired"),
            ),
            (
                vec![credentials("sso", "expiring")],
                Some("sso-session-expired"),
            ),
            (
                vec![credentials("sso", "missing")],
                Some("sso-session-expired"),
            ),
            (
                vec![credentials("environment", "expired")],
                Some("expired-token"),
            ),
            (vec![credentials("imds", "expiring")], Some("expired-token")),
            (vec![credentials("imds", "valid")], None),
            // env.static-keys, files.credentials
            (
                vec![credentials("environment", "token-missing")],
                Some("invalid-client-token"),
            ),
            (
                vec![credentials("environment", "token-extra")],
                Some("invalid-client-token"),
            ),
            (
                vec![credentials("shared-credentials-file", "token-missing")],
                Some("invalid-client-token"),
            ),
            // A leftover token on keys that have expired anyway: the expiry leads.
            (
                vec![
                    credentials("environment", "token-extra"),
                    credentials("environment", "expired"),
                ],
                Some("expired-token"),
            ),
            (
                vec![
                    credentials("environment", "token-missing"),
                    credentials("environment", "expired"),
                ],
                Some("invalid-client-token"),
            ),
            // files.config: the profile the environment names is nowhere.
            (
                vec![provider("profile", Outcome::NotFound)],
                Some("no-credentials"),
            ),
            // env.proxy, env.imds-settings
            (
                vec![setting("HTTP_PROXY", "proxies-metadata")],
                Some("imds-proxy"),
            ),
            (
                vec![setting("http_proxy", "proxies-metadata-for-some")],
                Some("imds-proxy"),
            ),
            (
                vec![setting("AWS_EC2_METADATA_DISABLED", "other")],
                Some("imds-disabled"),
            ),
            (vec![setting("AWS_EC2_METADATA_DISABLED", "false")], None),
            // clock.skew, online.sts
            (vec![clock(61)], Some("clock-skew")),
            (vec![clock(-1200)], Some("clock-skew")),
            (vec![clock(30)], None),
            // online errors: the code, and this host's clock as AWS saw it.
            (vec![api("ExpiredToken")], Some("expired-token")),
            (
                vec![api("ExpiredToken"), clock(-1200)],
                Some("expired-token"),
            ),
            (vec![api("RequestExpired")], Some("expired-token")),
            (
                vec![api("RequestExpired"), clock(-1200)],
                Some("clock-skew"),
            ),
            (
                vec![api("InvalidClientTokenId"), clock(-1200)],
                Some("invalid-client-token"),
            ),
            (vec![api("AuthFailure")], Some("invalid-client-token")),
            (
                vec![api("SignatureDoesNotMatch")],
                Some("signature-mismatch"),
            ),
            (
                vec![api("SignatureDoesNotMatch"), clock(3)],
                Some("signature-mismatch"),
            ),
            (
                vec![api("SignatureDoesNotMatch"), clock(200)],
                Some("signature-mismatch"),
            ),
            (
                vec![api("SignatureDoesNotMatch"), clock(-1200)],
                Some("clock-skew"),
            ),
            (vec![api("RequestTimeTooSkewed")], Some("clock-skew")),
            (vec![api("AccessDenied")], None),
            // online.ec2-metadata-options, imds.v1
            (
                vec![setting("HttpEndpoint", "disabled")],
                Some("imds-disabled"),
            ),
            (
                vec![setting("HttpPutResponseHopLimit", "1")],
                Some("imds-hop-limit"),
            ),
            (vec![setting("HttpPutResponseHopLimit", "2")], None),
            (vec![v1_accepted()], Some("role-delivery-imdsv1-denied")),
            // imds.reachable
            (
                vec![Observation::ImdsExchange {
                    method: Method::Put,
                    path: "/latest/api/token".to_owned(),
                    outcome: Outcome::Slow,
                    after_ms: Some(1400),
                }],
                Some("imds-throttled"),
            ),
            // imds.credentials: an answer SDKs cannot parse is no scenario of the
            // catalogue; it is no proof of a missing source either.
            (
                vec![
                    provider("chain", Outcome::NotFound),
                    Observation::ImdsExchange {
                        method: Method::Get,
                        path: "/latest/meta-data/iam/security-credentials/app-role".to_owned(),
                        outcome: Outcome::Unparsable,
                        after_ms: Some(3),
                    },
                ],
                None,
            ),
        ];
        let mut wrong = Vec::new();
        for (seen, want) in &cases {
            let got = scenario_of(seen).map(ScenarioId::as_str);
            if got != *want {
                let facts: Vec<String> = seen.iter().map(Observation::describe).collect();
                wrong.push(format!("{facts:?}: {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
