// The knowledge-base schema. This file is compiled twice: by `build.rs`, which checks
// every scenario file against it, and by the library, which reads the embedded JSON.
// It may only use `serde` and `std`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything the build embeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBaseData {
    pub scenarios: Vec<Scenario>,
    pub placeholders: BTreeMap<String, Placeholder>,
    pub catalogue: Vec<Section>,
    pub checks: Vec<CheckSpec>,
    pub outside: Vec<OutsideCause>,
}

/// A section of the catalogue (`catalogue.toml`): listings follow this order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    pub scenarios: Vec<String>,
}

/// A check of `authdoctor check` (`checks.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub id: String,
    /// What the check looks at, in a few words.
    pub about: String,
}

/// A cause the catalogue does not list (`outside.toml`): its findings keep the id
/// `unknown`, as the contract requires, but say what happened and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideCause {
    /// Short stable name, for tests and messages.
    pub name: String,
    pub title: String,
    /// Phrases of which one must occur (ASCII case-insensitively) in the error's text.
    pub phrases: Vec<String>,
    /// Or: outcomes of a metadata exchange (`unparsable`) that tell this cause when a
    /// reader saw one in the story, whatever its words.
    #[serde(default)]
    pub imds_outcomes: Vec<String>,
    /// Symptom scenarios this cause explains when it is seen first in the same story,
    /// as a scenario's `explains`: the symptom's finding is folded into this one.
    #[serde(default)]
    pub explains: Vec<String>,
    pub root_cause: String,
    pub steps: Vec<String>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Texts that must be explained as `unknown` with this cause's title.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// One diagnosis: how to recognise it, why it happens, and how to fix it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable id from `shared/spec/scenarios.md`; equals the file name.
    pub id: String,
    /// Short statement of the diagnosis, sentence case, no final period.
    pub title: String,
    /// What the user sees, as they would pick it from a list ("Requests fail with ExpiredToken").
    pub symptom: String,
    pub category: Category,
    /// One or two sentences: the diagnosis in plain words.
    pub summary: String,
    /// Why it happens; may be several paragraphs.
    pub root_cause: String,
    /// What in the text recognises this scenario.
    pub signals: Vec<Signal>,
    /// Scenarios the text alone often cannot tell apart from this one; `explain` names
    /// them and `check` separates them.
    #[serde(default)]
    pub ambiguous_with: Vec<String>,
    /// Facts (placeholder names) the fix needs; informational, for `scenarios` and docs.
    #[serde(default)]
    pub facts: Vec<String>,
    pub fix: Fix,
    /// Raw logs from real clients; each must be explained as this scenario.
    pub examples: Vec<Example>,
    /// AWS documentation pages.
    pub references: Vec<Reference>,
    /// Ids of `authdoctor check` checks that confirm or rule out this scenario.
    #[serde(default)]
    pub related_checks: Vec<String>,
    /// Faults of `authdoctor emulate imds` (`--fault NAME`) that reproduce this
    /// scenario: the emulator names the scenario of a fault from here, and the
    /// real-client transcript corpus labels its runs with it.
    #[serde(default)]
    pub emulated_by: Vec<String>,
    /// Symptom scenarios this one is a cause of (`imds-hop-limit` explains
    /// `no-credentials`). When a cause and its symptom are seen in one story, the cause
    /// leads and the symptom's evidence is kept in its finding, marked as symptom.
    #[serde(default)]
    pub explains: Vec<String>,
    /// When this cause takes the lead from a symptom it explains: `any` (wherever it is
    /// seen) or `story` (only when seen on lines of its own, before the symptom, as in a
    /// debug trace — not when the client's final message merely quotes it, as every SDK
    /// quotes the last provider of its chain).
    #[serde(default)]
    pub precedence: Precedence,
    /// Check ids whose results tell this scenario apart from the ones it is
    /// `ambiguous_with`; defaults to `related_checks` when empty.
    #[serde(default)]
    pub separated_by: Vec<String>,
    /// Rank among scenarios that live probes confirm together (lower first): a cause
    /// that hides the others (a proxy in the way) comes before what it causes.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Patterns over observations (what a reader or a probe saw happen: an IMDS
    /// exchange and its outcome, an API error) that recognise this scenario. They
    /// score like signals and may `require` signals or each other by name.
    #[serde(default)]
    pub observations: Vec<ObservationRule>,
}

/// See [`Scenario::precedence`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precedence {
    #[default]
    Any,
    Story,
}

fn default_priority() -> u32 {
    1000
}

/// One pattern over an observation. Every given field must match; an empty list or a
/// missing field matches anything.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationRule {
    /// Kind of evidence, shown in JSON as `signal` (`imds-exchange`, `api-error`, …).
    pub name: String,
    pub kind: ObservationKind,
    /// `PUT` or `GET` (IMDS exchanges).
    #[serde(default)]
    pub method: Option<String>,
    /// Which IMDS resource: `token`, `token-elsewhere` (a PUT to a path that is not
    /// `/latest/api/token`), `credentials`, `metadata`, `container`.
    #[serde(default)]
    pub path: Vec<String>,
    /// `status-401`, `status-4xx`, `connect-timeout`, `read-timeout`, `timeout` (in
    /// no known phase), `any-timeout`,
    /// `refused`, `reset`, `unreachable`, `proxy`, `malformed`, `unparsable` (an
    /// answer whose body the client could not parse), `not-found` (provider
    /// attempts), `expired`, `failed` (in no known way); for `policy-decision`:
    /// `allow`, `explicit-deny`, `implicit-deny`, `deny` (either); for `clock-offset`: `in-step`
    /// (within two minutes of AWS's clock) or `skewed` (beyond the five minutes SigV4
    /// tolerates); for `host-clock`: `in-step`, `drifting`, `skewed`; for `credentials`:
    /// a state (`expired`, `token-missing`, …); for `setting`: a value class (`true`,
    /// `optional`, `proxies-metadata`, a number, `<N`, `>N`); `provider-attempt` also
    /// `shadowed`, `imds-exchange` also `slow`.
    #[serde(default)]
    pub outcome: Vec<String>,
    /// API error codes (`api-error`), provider names (`provider-attempt`), credential
    /// sources (`credentials`) or setting names (`setting`).
    #[serde(default)]
    pub code: Vec<String>,
    /// Policy decisions: the requested action (`iam:PassRole`, `sts:AssumeRole*`; `*`
    /// matches any run of characters, case-insensitively).
    #[serde(default)]
    pub action: Vec<String>,
    /// Policy decisions: the layer that decided (`identity`, `session`, `boundary`,
    /// `scp`, `rcp`, `resource`).
    #[serde(default)]
    pub layer: Vec<String>,
    /// Policy decisions: a condition key of the statements that decided.
    #[serde(default)]
    pub condition_key: Vec<String>,
    /// Policy decisions: a request context value, `key=value`.
    #[serde(default)]
    pub context: Vec<String>,
    /// Policy decisions: the principal (ARN or service name pattern).
    #[serde(default)]
    pub principal: Vec<String>,
    /// Policy decisions: the resource (pattern).
    #[serde(default)]
    pub resource: Vec<String>,
    /// Policy decisions: actions the principal's identity policies grant, all of them;
    /// matches when the source cannot tell (a decoded message carries no policies).
    #[serde(default)]
    pub granted: Vec<String>,
    /// As for signals: strength in (-1, 1], combined by noisy-OR.
    pub weight: f64,
    #[serde(default)]
    pub requires: Vec<String>,
    /// As for signals: names of other clues whose presence cancels this one.
    #[serde(default)]
    pub unless: Vec<String>,
    /// As for signals: evidence that does not make the scenario a cause of what follows.
    #[serde(default)]
    pub incidental: bool,
    pub label: String,
}

/// The kinds of observation a rule can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservationKind {
    ImdsExchange,
    /// A request to an AWS API that AWS never answered: `code` names the service by its
    /// host's first labels (`sts`, `oidc`, `portal.sso`), `outcome` how it ended.
    ApiUnanswered,
    ApiError,
    ProviderAttempt,
    ClockOffset,
    PolicyDecision,
    /// Credentials a source holds: `code` names sources, `outcome` states.
    Credentials,
    /// A setting in effect: `code` names settings, `outcome` value classes.
    Setting,
    /// This host's clock against AWS's: `outcome` is `in-step`, `drifting`, `skewed`.
    HostClock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The instance metadata service and its credentials.
    Imds,
    /// Finding, loading, refreshing credentials.
    Credentials,
    /// Signing: signatures, clocks, keys.
    Signing,
    /// IAM authorization decisions.
    Iam,
}

/// One clue. A literal is matched as a substring; a regex runs only on lines where its
/// `anchor` literal occurs (that keeps start-up and scanning fast).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// Kind of evidence, shown in JSON as `signal`: `error-code`, `message`, `http-status`,
    /// `imds-path`, `sdk-message`, `condition-key`, `context`, …
    pub name: String,
    #[serde(default)]
    pub literal: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    /// Literal that must occur on the line before `regex` is tried (required with `regex`).
    #[serde(default)]
    pub anchor: Option<String>,
    /// Literals and anchors match ASCII case-insensitively unless this is set.
    #[serde(default)]
    pub case_sensitive: bool,
    /// Strength of the clue in (-1, 1]: scores combine as independent evidence
    /// (noisy-OR); a negative weight counts against the scenario.
    pub weight: f64,
    /// Names of other signals of this scenario that must also be present in the same
    /// block for this one to count (a conjunction: "401" *and* an IMDS path).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Names of other clues of this scenario whose presence in the same block cancels
    /// this one: a counter that holds for one cause of the scenario but not another
    /// ("a role is attached" counts against "no role", not against "the role's
    /// document reports a failure").
    #[serde(default)]
    pub unless: Vec<String>,
    /// Evidence of the scenario that does not make it the cause of a symptom seen after
    /// it: a connect timeout to the metadata address is what every SDK meets last off
    /// EC2, so a chain-exhausted message after it stays the finding.
    #[serde(default)]
    pub incidental: bool,
    /// For a counter (negative weight): it speaks for another reading rather than against
    /// this one (the chain's generic last words favour "no credentials configured"), so
    /// it lowers the score but does not rule the scenario out as a candidate.
    #[serde(default)]
    pub soft: bool,
    /// Annotation printed under the underlined evidence.
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// Ordered steps in plain words.
    pub steps: Vec<String>,
    /// Commands, each in both shells; `{placeholder}` names come from `placeholders.toml`.
    #[serde(default)]
    pub commands: Vec<FixCommand>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixCommand {
    pub description: String,
    pub bash: String,
    pub powershell: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Which client printed it: "AWS CLI v2", "boto3", "AWS SDK for Java 2.x", "curl", …
    pub client: String,
    pub log: String,
    /// Texts that must be underlined as evidence when this example is explained.
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// A `{name}` that fix commands may use, filled from facts found in the user's text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placeholder {
    pub description: String,
    /// Shown when the fact is unknown, e.g. `<instance-id>`.
    pub display: String,
    /// A fact is only substituted when it matches this regex in full: user text never
    /// reaches a command line unless it has the shape of the value it stands for.
    pub pattern: String,
    /// The longest fact substituted, in bytes (long bounds live here rather than in
    /// the pattern, see `placeholders.toml`).
    #[serde(default)]
    pub max_length: Option<usize>,
}
