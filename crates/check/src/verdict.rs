//! Which scenarios the metadata probes confirm. Each probe is described as the
//! observation a client would have made (`PUT /latest/api/token → read-timeout`), and
//! the diagnosis engine matches those against the `[[observations]]` rules of the
//! scenario files — the same rules that read client logs in `explain`, with the same
//! causal precedence. A failing check then names the best scenario its own probes
//! support. Judgements that no single exchange carries (an answer slower than the SDKs
//! wait, a service that still accepts IMDSv1) stay with the check that makes them.

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
