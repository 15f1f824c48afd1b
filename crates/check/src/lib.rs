//! The live doctor behind `authdoctor check`: the environment, the AWS config files, the
//! credential provider chain of each major SDK, the instance metadata service (IMDS), the
//! clock and, with `--online`, the AWS APIs.
//!
//! Nothing in this crate reads the process environment or the real disk by itself: the
//! caller passes an [`Env`] (a map of variables) and an [`Fs`] (a root to read files
//! from), built once in the binary. Tests build fake ones.
//!
//! The network is touched only by the IMDS probes (`imds`, over a bare hyper client that
//! never uses a proxy, with a deadline on every phase and a cap on every body) and by the
//! `online` group. Every run ends within [`Options::timeout`] plus a small margin.
//!
//! Data flows one way: probes and parsers → [`Check`]s (each with an id from
//! [`authdoctor_kb::KNOWN_CHECKS`], a status, and the scenario that explains a failure,
//! named by the diagnosis engine from what the check observed: see `verdict.rs`) →
//! [`Finding`]s built by the knowledge base → a [`Report`], rendered by [`render`].
//!
//! Safety guard: when the environment has `AUTHDOCTOR_TEST_GUARD` set (CI and the test
//! harness set it), [`run`] refuses any IMDS or AWS endpoint that is not on loopback,
//! including the defaults, before a single packet is sent.

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod chain;
mod clock;
mod envcheck;
mod files;
mod fs;
mod http;
mod imds;
mod online;
pub mod profile;
pub mod render;
mod verdict;

use authdoctor_kb::CheckId;
use authdoctor_kb::ScenarioId;
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use authdoctor_kb::{Evidence, Facts, Finding, ProbeEvidence, Role, knowledge_base};
use serde::Serialize;

pub use fs::{Fs, RootFs};
pub use http::{Endpoint, EndpointError};

/// The environment variables the checks look at, by name. Built once by the binary.
pub type Env = BTreeMap<String, String>;

/// Evidence attached to a check: small facts, never secrets.
pub type EvidenceMap = BTreeMap<String, serde_json::Value>;

/// The environment variable that turns on the loopback-only safety guard.
pub const TEST_GUARD_VAR: &str = "AUTHDOCTOR_TEST_GUARD";

/// The default time budget of a whole run (`--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// What a run may do.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--imds-endpoint`: wins over `AWS_EC2_METADATA_SERVICE_ENDPOINT` and the mode.
    pub imds_endpoint: Option<String>,
    /// `--timeout`: the whole run's time budget.
    pub timeout: Duration,
    /// `--online`: also call the AWS APIs.
    pub online: bool,
    /// `--only`: which groups run.
    pub groups: Groups,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            imds_endpoint: None,
            timeout: DEFAULT_TIMEOUT,
            online: false,
            groups: Groups::all(),
        }
    }
}

/// The check groups selected with `--only env,files,chain,imds,clock,online`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Groups {
    pub env: bool,
    pub files: bool,
    pub chain: bool,
    pub imds: bool,
    pub clock: bool,
    pub online: bool,
}

impl Groups {
    pub const NAMES: &'static [&'static str] =
        &["env", "files", "chain", "imds", "clock", "online"];

    pub fn all() -> Groups {
        Groups {
            env: true,
            files: true,
            chain: true,
            imds: true,
            clock: true,
            online: true,
        }
    }

    /// Parses a comma list such as `env,imds`.
    pub fn parse(list: &str) -> Result<Groups, CheckError> {
        let mut groups = Groups {
            env: false,
            files: false,
            chain: false,
            imds: false,
            clock: false,
            online: false,
        };
        let mut any = false;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            any = true;
            match name.to_ascii_lowercase().as_str() {
                "env" => groups.env = true,
                "files" => groups.files = true,
                "chain" => groups.chain = true,
                "imds" => groups.imds = true,
                "clock" => groups.clock = true,
                "online" => groups.online = true,
                _ => {
                    return Err(CheckError::UnknownGroup(
                        name.chars().take(40).collect::<String>(),
                    ));
                }
            }
        }
        if !any {
            return Err(CheckError::UnknownGroup(String::new()));
        }
        Ok(groups)
    }

    /// Whether any selected group needs the IMDS probes' results.
    /// (`online` needs them too, but only with `--online`.)
    fn needs_imds(&self) -> bool {
        self.imds || self.chain || self.clock
    }
}

/// Why a run could not start. Diagnoses are never errors: they are failing [`Check`]s.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("invalid --imds-endpoint: {0}")]
    InvalidEndpoint(EndpointError),
    #[error(
        "unknown check group `{0}` in --only; expected a comma list of env, files, chain, imds, clock, online"
    )]
    UnknownGroup(String),
    #[error(
        "refusing to contact {what} `{endpoint}`: {var} is set, so only loopback endpoints are allowed ({remedy} or unset {var})"
    )]
    Guard {
        what: &'static str,
        endpoint: String,
        var: &'static str,
        /// How to point the call at loopback instead.
        remedy: &'static str,
    },
    #[error("could not start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's result, in the shape of the CLI contract (`fix` is an optional extension).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// An id from [`authdoctor_kb::KNOWN_CHECKS`].
    pub id: CheckId,
    pub status: Status,
    /// One line; strings from outside were cleaned before they got here.
    pub summary: String,
    /// The scenario that explains a failure or warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioId>,
    pub duration_ms: u64,
    pub evidence: EvidenceMap,
    /// One-line fix for a failure or warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    pub(crate) fn new(id: CheckId, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id,
            status,
            summary: authdoctor_redact::clean(&summary.into()).into_owned(),
            scenario: None,
            duration_ms: 0,
            evidence: EvidenceMap::new(),
            fix: None,
        }
    }

    /// Names the scenario the engine finds for what this check observed (see
    /// [`verdict::scenario_of`]).
    pub(crate) fn judged(mut self, observations: &[authdoctor_diagnosis::Observation]) -> Check {
        self.scenario = verdict::scenario_of(observations);
        self
    }

    /// Names a scenario by hand: only tests build checks that way.
    #[cfg(test)]
    pub(crate) fn scenario(mut self, scenario: ScenarioId) -> Check {
        self.scenario = Some(scenario);
        self
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    pub(crate) fn took(mut self, duration: Duration) -> Check {
        self.duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Adds a piece of evidence; strings are cleaned.
    pub(crate) fn ev(mut self, key: &str, value: impl Into<serde_json::Value>) -> Check {
        let value = match value.into() {
            serde_json::Value::String(s) => {
                serde_json::Value::String(authdoctor_redact::clean(&s).into_owned())
            }
            other => other,
        };
        self.evidence.insert(key.to_owned(), value);
        self
    }

    pub(crate) fn skip(id: CheckId, summary: impl Into<String>) -> Check {
        Check::new(id, Status::Skip, summary)
    }
}

/// The `credentials` block: which source the reference chain (botocore / AWS CLI) picks,
/// with the access key id shortened. Never a secret or a token.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CredentialsSummary {
    /// `environment`, `shared-credentials-file`, `profile`, `credential-process`, `sso`,
    /// `web-identity`, `container`, `imds` or `none`.
    pub source: &'static str,
    pub access_key_id: Option<String>,
    pub expires_at: Option<String>,
    pub role: Option<String>,
}

impl Default for CredentialsSummary {
    fn default() -> Self {
        CredentialsSummary {
            source: "none",
            access_key_id: None,
            expires_at: None,
            role: None,
        }
    }
}

/// Everything a run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    pub findings: Vec<Finding>,
    pub credentials: CredentialsSummary,
}

impl Report {
    /// Whether any check failed (exit code 1).
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// A secret value (secret access key, session token). Its `Debug` never shows it; read it
/// with [`Secret::expose`] only to sign a request.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Credentials `check` obtained without calling AWS: static keys (environment or the
/// shared credentials file) or instance-role credentials read from IMDS.
#[derive(Debug, Clone)]
pub struct ResolvedCredentials {
    /// The `credentials.source` value they came from (`environment`, `imds`, …).
    pub source: &'static str,
    /// Full access key id: shorten it with [`authdoctor_redact::shorten_key_id`] before
    /// showing it.
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    /// When they expire, if known.
    pub expires_at: Option<jiff::Timestamp>,
}

/// What the `online` group gets to work with (see `online.rs`).
///
/// * `credentials`: set when static keys (environment, shared credentials file) or IMDS
///   role credentials were obtained during this run; `None` when the winning source needs
///   an AWS call to produce them (SSO, assume-role, web identity, credential_process) or
///   nothing was found. The online checks must then `skip`.
/// * `region`: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the active profile's
///   `region`, else the region of the instance identity document.
/// * `env`: the whole environment map, for `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_STS`,
///   `AWS_ENDPOINT_URL_EC2` and `AWS_USE_FIPS_ENDPOINT`-style settings. Under
///   [`TEST_GUARD_VAR`] [`run`] has already refused non-loopback AWS endpoints.
/// * `instance_id`: from the identity document, for `DescribeInstances`.
/// * `deadline`: every request must have finished by then (the run's `--timeout`).
#[derive(Debug, Clone)]
pub struct OnlineContext {
    pub credentials: Option<ResolvedCredentials>,
    pub region: Option<String>,
    pub env: Env,
    pub instance_id: Option<String>,
    pub deadline: tokio::time::Instant,
    /// Whether this process seems to run in a container (the same hint the IMDS probes
    /// use): a hop limit of 1 only breaks IMDSv2 from inside one.
    pub in_container: bool,
    /// The region of the instance identity document: `DescribeInstances` for this
    /// instance must go to its own region, whatever `AWS_REGION` says.
    pub instance_region: Option<String>,
}

/// Runs the selected checks and builds the report. Blocks for at most
/// `options.timeout` plus a small margin.
pub fn run(options: &Options, env: &Env, fs: &dyn Fs) -> Result<Report, CheckError> {
    let started = Instant::now();
    let endpoint = resolve_endpoint(options, env)?;
    let online_wanted = options.groups.online && options.online;
    let probes_needed = options.groups.needs_imds() || online_wanted;
    guard(env, endpoint.as_ref().ok(), probes_needed, online_wanted)?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(CheckError::Runtime)?;
    // Leave a little room for building the report after the last probe.
    let budget = options.timeout.saturating_sub(Duration::from_millis(60));
    let deadline = started + budget.max(Duration::from_millis(100));

    let settings = envcheck::imds_settings(env);
    let loaded = files::load(env, fs);

    let container = imds::container_hint(env, fs);
    let probe = if probes_needed {
        match &endpoint {
            Ok(endpoint) => Some(runtime.block_on(imds::probe(
                endpoint.clone(),
                tokio::time::Instant::from_std(started),
                tokio::time::Instant::from_std(deadline),
                container.clone(),
            ))),
            Err(_) => None,
        }
    } else {
        None
    };

    let mut checks = Vec::new();
    if options.groups.env {
        // The environment checks judge what the SDKs will use, not `--imds-endpoint`.
        let sdk_endpoint = envcheck::endpoint_from_env(env);
        checks.extend(envcheck::checks(env, &settings, sdk_endpoint.as_ref()));
    }
    if options.groups.files {
        checks.extend(files::checks(&loaded, env, fs));
    }
    let chain = chain::analyse(env, &loaded, fs, probe.as_ref());
    if options.groups.chain {
        checks.extend(chain.checks.iter().cloned());
    }
    if options.groups.imds {
        match (&probe, &endpoint) {
            (Some(probe), _) => checks.extend(probe.checks.iter().cloned()),
            (None, Err(e)) => {
                for id in imds::CHECK_IDS {
                    checks.push(Check::skip(
                        id,
                        format!("no usable metadata endpoint: {e} (see env.imds-settings)"),
                    ));
                }
            }
            (None, Ok(_)) => {}
        }
    }
    // Off EC2 (a laptop, a CI runner) nothing answers at the metadata address, and that
    // only matters when the chain would have to reach it.
    let nothing_answered = probe
        .as_ref()
        .is_some_and(|p| p.state == imds::State::Unreachable);
    if nothing_answered && !matches!(chain.summary.source, "none" | "imds") {
        for check in checks
            .iter_mut()
            .filter(|c| c.status == Status::Fail && imds::CHECK_IDS.contains(&c.id))
        {
            check.status = Status::Warn;
            check.summary = format!(
                "{} (not needed now: credentials come from {})",
                check.summary, chain.summary.source
            );
        }
    }
    if options.groups.clock {
        checks.push(clock::skew(probe.as_ref()));
        checks.push(clock::ntp(fs, clock::answered_as_ec2(probe.as_ref())));
    }

    if options.groups.online {
        if options.online {
            let ctx = OnlineContext {
                credentials: chain.resolved.clone(),
                region: chain.region.clone(),
                env: env.clone(),
                instance_id: probe
                    .as_ref()
                    .and_then(|p| p.identity.as_ref())
                    .and_then(|i| i.instance_id.clone()),
                instance_region: probe
                    .as_ref()
                    .and_then(|p| p.identity.as_ref())
                    .and_then(|i| i.region.clone()),
                in_container: container.is_some(),
                deadline: tokio::time::Instant::from_std(deadline),
            };
            // `online::run` cuts its own calls at the deadline and reports an unanswered
            // call as a failure; this outer limit is only a safety net, a little later so
            // that it never wins that race. Should it fire, calls were in flight: fail.
            let safety_net = ctx.deadline + Duration::from_millis(30);
            let online = runtime.block_on(async {
                tokio::time::timeout_at(safety_net, online::run(&ctx))
                    .await
                    .unwrap_or_else(|_| {
                        let why = "the call did not finish within the time budget";
                        vec![
                            Check::new(CheckId::OnlineSts, Status::Fail, why),
                            Check::new(CheckId::OnlineEc2MetadataOptions, Status::Fail, why),
                        ]
                    })
            });
            checks.extend(online);
        } else {
            checks.push(Check::skip(
                CheckId::OnlineSts,
                "not run: pass --online to call STS GetCallerIdentity",
            ));
            checks.push(Check::skip(
                CheckId::OnlineEc2MetadataOptions,
                "not run: pass --online to read this instance's metadata options",
            ));
        }
    }
    // Probes still pending (there are none by now, but a stuck connection task must not
    // delay the exit).
    runtime.shutdown_background();

    let facts = finding_facts(probe.as_ref());
    attach_fixes(&mut checks, &facts);
    let findings = build_findings(&checks, &facts);
    Ok(Report {
        checks,
        findings,
        credentials: chain.summary.clone(),
    })
}

/// The endpoint the probes use: `--imds-endpoint`, else the environment. An invalid flag
/// is an error; an invalid environment value becomes a failing `env.imds-settings` check
/// and no probe.
fn resolve_endpoint(
    options: &Options,
    env: &Env,
) -> Result<Result<Endpoint, EndpointError>, CheckError> {
    if let Some(flag) = &options.imds_endpoint {
        return Endpoint::parse(flag)
            .map(Ok)
            .map_err(CheckError::InvalidEndpoint);
    }
    Ok(envcheck::endpoint_from_env(env))
}

/// The loopback-only guard (see the crate docs).
fn guard(
    env: &Env,
    endpoint: Option<&Endpoint>,
    probes_needed: bool,
    online: bool,
) -> Result<(), CheckError> {
    if !env.contains_key(TEST_GUARD_VAR) {
        return Ok(());
    }
    if probes_needed
        && let Some(endpoint) = endpoint
        && !endpoint.is_loopback()
    {
        return Err(CheckError::Guard {
            what: "the instance metadata service at",
            endpoint: endpoint.display(),
            var: TEST_GUARD_VAR,
            remedy: "pass --imds-endpoint http://127.0.0.1:PORT",
        });
    }
    if online {
        // Judge exactly what the online group will call: the same resolution
        // (`AWS_ENDPOINT_URL_<SERVICE>` > `AWS_ENDPOINT_URL` > the regional default, all
        // switched off by `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`). The region only shapes
        // the default host, which is never loopback, so any valid one will do here. When
        // nothing can be resolved, the online group calls nothing and reports the error.
        if let Ok(endpoints) = authdoctor_online::Endpoints::resolve(env, GUARD_REGION) {
            for endpoint in [&endpoints.sts, &endpoints.ec2] {
                if !endpoint.is_loopback_host() {
                    return Err(CheckError::Guard {
                        what: "the AWS endpoint",
                        endpoint: authdoctor_redact::clean(endpoint.url())
                            .chars()
                            .take(100)
                            .collect(),
                        var: TEST_GUARD_VAR,
                        remedy: "set AWS_ENDPOINT_URL to a loopback URL, without AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
                    });
                }
            }
        }
    }
    Ok(())
}

/// The region the guard resolves AWS endpoints for (see [`guard`]).
const GUARD_REGION: &str = "us-east-1";

/// Facts the fix commands are filled with: instance, region, account, role.
fn finding_facts(probe: Option<&imds::Probe>) -> Facts {
    let mut facts = Facts::new();
    let Some(probe) = probe else {
        return facts;
    };
    if let Some(identity) = &probe.identity {
        for (name, value) in [
            ("instance_id", &identity.instance_id),
            ("region", &identity.region),
            ("account_id", &identity.account_id),
        ] {
            if let Some(value) = value {
                facts.insert(
                    name.to_owned(),
                    authdoctor_redact::clean(value).into_owned(),
                );
            }
        }
    }
    if let Some(role) = &probe.role {
        facts.insert(
            "role_name".to_owned(),
            authdoctor_redact::clean(role).into_owned(),
        );
    }
    if let Some(profile) = &probe.instance_profile_name {
        facts.insert(
            "instance_profile_name".to_owned(),
            authdoctor_redact::clean(profile).into_owned(),
        );
    }
    facts
}

/// Where a scenario ranks among those the checks confirmed together: the `priority`
/// of its scenario file (a proxy in the way or a switched-off endpoint explains every
/// other IMDS symptom, so it ranks first).
fn priority(scenario: ScenarioId) -> u32 {
    knowledge_base().scenario(scenario).priority
}

/// Gives each failing or warning check a one-line fix: the first command of its
/// scenario, filled with the facts — the same command `explain` gives for the same
/// scenario — else the first step. Checks without a scenario keep their own advice.
fn attach_fixes(checks: &mut [Check], facts: &Facts) {
    let kb = knowledge_base();
    for check in checks.iter_mut() {
        if !matches!(check.status, Status::Fail | Status::Warn) {
            check.fix = None;
            continue;
        }
        let Some(scenario) = check.scenario.map(|id| kb.scenario(id)) else {
            if let Some(template) = &check.fix {
                check.fix = Some(kb.fill(template, facts));
            }
            continue;
        };
        let command = scenario
            .fix
            .commands
            .first()
            .map(|c| kb.fill(&c.bash, facts));
        check.fix = command
            .or_else(|| scenario.fix.steps.first().cloned())
            .map(|s| s.lines().next().unwrap_or_default().trim().to_owned());
    }
}

/// The probe behind a check, as evidence for a finding: the request, what came back and
/// how long it took (from the check's own evidence).
fn probe_evidence(check: &Check) -> Evidence {
    let text = |key: &str| {
        check
            .evidence
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Evidence::Probe(ProbeEvidence {
        check: check.id.as_str().to_owned(),
        probe: text("request").unwrap_or_else(|| check.id.as_str().to_owned()),
        outcome: text("outcome").unwrap_or_else(|| check.status.as_str().to_owned()),
        elapsed_ms: check.duration_ms,
        label: check.summary.clone(),
        role: if check.status == Status::Fail {
            Role::Cause
        } else {
            Role::Context
        },
    })
}

/// One finding per scenario named by a failing (then a warning) check, best first, with
/// the checks that named it as evidence.
fn build_findings(checks: &[Check], facts: &Facts) -> Vec<Finding> {
    let mut named: Vec<(Status, u32, ScenarioId, Vec<Evidence>)> = Vec::new();
    for check in checks {
        let Some(scenario) = check.scenario else {
            continue;
        };
        if !matches!(check.status, Status::Fail | Status::Warn) {
            continue;
        }
        match named.iter_mut().find(|(_, _, s, _)| *s == scenario) {
            Some(entry) => {
                if check.status == Status::Fail {
                    entry.0 = Status::Fail;
                }
                entry.3.push(probe_evidence(check));
            }
            None => named.push((
                check.status,
                priority(scenario),
                scenario,
                vec![probe_evidence(check)],
            )),
        }
    }
    // Failures first (Fail sorts after Warn in `Status`, so reverse that key).
    named.sort_by_key(|(status, prio, _, _)| (*status != Status::Fail, *prio));
    let kb = knowledge_base();
    named
        .into_iter()
        .filter_map(|(status, _, scenario, evidence)| {
            let confidence = if status == Status::Fail { 0.9 } else { 0.6 };
            kb.finding(scenario.as_str(), confidence, evidence, facts.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_and_reject_unknown_names() {
        let g = Groups::parse("env, imds").unwrap();
        assert!(g.env && g.imds && !g.files && !g.chain && !g.clock && !g.online);
        assert!(Groups::parse("env,nope").is_err());
        assert!(Groups::parse("").is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(!format!("{s:?}").contains("wJalr"));
    }

    #[test]
    fn guard_refuses_default_and_remote_endpoints() {
        let mut env = Env::new();
        env.insert(TEST_GUARD_VAR.into(), "1".into());
        let default = Endpoint::parse("http://169.254.169.254").unwrap();
        assert!(guard(&env, Some(&default), true, false).is_err());
        let local = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert!(guard(&env, Some(&local), true, false).is_ok());
        // Online without a loopback AWS endpoint is refused too.
        assert!(guard(&env, Some(&local), true, true).is_err());
        env.insert("AWS_ENDPOINT_URL".into(), "http://localhost:5000".into());
        assert!(guard(&env, Some(&local), true, true).is_ok());
        // Without the guard variable nothing is refused.
        assert!(guard(&Env::new(), Some(&default), true, true).is_ok());
    }

    #[test]
    fn guard_judges_the_endpoints_online_will_call() {
        let local = Endpoint::parse("http://127.0.0.1:8080").ok();
        let mut env = Env::new();
        env.insert(TEST_GUARD_VAR.into(), "1".into());
        env.insert("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:5000".into());
        assert!(guard(&env, local.as_ref(), true, true).is_ok());
        // The SDKs (and the online group) then ignore AWS_ENDPOINT_URL and call AWS itself.
        env.insert("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS".into(), "true".into());
        let refused = guard(&env, local.as_ref(), true, true);
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("amazonaws.com")),
            "{refused:?}"
        );
        // A blank service variable counts as unset, as in the online group: the general
        // one (loopback) is used.
        env.remove("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        env.insert("AWS_ENDPOINT_URL_STS".into(), " ".into());
        assert!(guard(&env, local.as_ref(), true, true).is_ok());
        // A remote service endpoint is refused, whatever the general one says.
        env.insert(
            "AWS_ENDPOINT_URL_EC2".into(),
            "https://ec2.example.com".into(),
        );
        assert!(guard(&env, local.as_ref(), true, true).is_err());
    }

    #[test]
    fn findings_rank_failures_first_then_by_priority() {
        let checks = vec![
            Check::new(CheckId::ImdsV1, Status::Warn, "v1")
                .scenario(ScenarioId::RoleDeliveryImdsv1Denied),
            Check::new(CheckId::ChainSource, Status::Fail, "none")
                .scenario(ScenarioId::NoCredentials),
            Check::new(CheckId::ImdsToken, Status::Fail, "hop").scenario(ScenarioId::ImdsHopLimit),
        ];
        let findings = build_findings(&checks, &Facts::new());
        let kb = knowledge_base();
        let expected: Vec<&str> = [
            "imds-hop-limit",
            "no-credentials",
            "role-delivery-imdsv1-denied",
        ]
        .into_iter()
        .filter(|id| kb.get(id).is_some())
        .collect();
        let got: Vec<&str> = findings.iter().map(|f| f.scenario.as_str()).collect();
        assert_eq!(got, expected);
    }
}
