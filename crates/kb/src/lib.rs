//! The scenario knowledge base and the finding model every command speaks.
//!
//! Scenarios are data: `scenarios/<id>.toml`, one file each, checked against
//! [`schema`] and embedded by `build.rs`. This crate loads them once, fills fix
//! commands with facts found in the user's text, and defines [`Finding`], the one shape
//! in which `explain`, `check`, `simulate` and `decode` report a diagnosis.
//!
//! Nothing here reads files, the environment or the network.

pub mod schema;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use schema::{Category, Example, Fix, FixCommand, Placeholder, Reference, Scenario, Signal};

/// The id used when the text is an authorization or credential error that no scenario explains.
pub const UNKNOWN: &str = "unknown";

/// The catalogue's sections and their scenario ids, in the order of
/// `shared/spec/scenarios.md`: the troubleshooter table, the ExpiredToken guide, then
/// the neighbouring failures. Listings follow this order.
pub const CATALOGUE: &[(&str, &[&str])] = &[
    (
        "From the troubleshooter table",
        &[
            "imds-token-wrong-path",
            "imds-token-invalid",
            "launch-requires-imdsv2",
            "role-delivery-imdsv1-denied",
            "dlm-role-insufficient",
            "fleet-delete-missing-terminate",
            "spot-request-tags-denied",
        ],
    ),
    (
        "From the ExpiredToken guide",
        &[
            "expired-token",
            "clock-skew",
            "credential-shadowing",
            "imds-credentials-not-found",
            "imds-proxy",
            "imds-throttled",
            "imds-hop-limit",
        ],
    ),
    (
        "Neighbours the same users hit",
        &[
            "no-credentials",
            "invalid-client-token",
            "signature-mismatch",
            "access-denied-scp",
            "access-denied-missing-allow",
            "access-denied-boundary",
            "access-denied-resource-policy",
            "passrole-denied",
            "assume-role-denied",
            "web-identity-token-invalid",
            "sso-session-expired",
            "imds-disabled",
            "imds-unreachable",
            "encoded-authorization-message",
        ],
    ),
];

/// Ids of the checks `authdoctor check` runs; `related_checks` in scenario files must
/// name ids from this list.
pub const KNOWN_CHECKS: &[&str] = &[
    "env.proxy",
    "env.imds-settings",
    "env.static-keys",
    "env.region",
    "files.config",
    "files.credentials",
    "files.sso-cache",
    "chain.source",
    "chain.shadowing",
    "chain.web-identity",
    "chain.container",
    "imds.reachable",
    "imds.token",
    "imds.v1",
    "imds.invalid-token",
    "imds.role",
    "imds.credentials",
    "imds.identity",
    "imds.throttle",
    "imds.proxy",
    "clock.skew",
    "clock.ntp",
    "credentials.expiry",
    "online.sts",
    "online.ec2-metadata-options",
];

/// Facts found in the text, by name (`error_code`, `instance_id`, …).
pub type Facts = BTreeMap<String, String>;

/// The loaded knowledge base.
#[derive(Debug)]
pub struct KnowledgeBase {
    scenarios: Vec<Scenario>,
    placeholders: BTreeMap<String, Placeholder>,
    /// Each placeholder's pattern, anchored, compiled when first needed.
    placeholder_patterns: BTreeMap<String, OnceLock<Option<regex::Regex>>>,
}

static EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/kb.json"));

/// The embedded knowledge base, parsed on first use.
pub fn knowledge_base() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| {
        let data: schema::KnowledgeBaseData = serde_json::from_str(EMBEDDED)
            .unwrap_or_else(|e| unreachable!("build.rs wrote an invalid knowledge base: {e}"));
        let placeholder_patterns = data
            .placeholders
            .keys()
            .map(|k| (k.clone(), OnceLock::new()))
            .collect();
        let mut scenarios = data.scenarios;
        scenarios.sort_by_key(|s| catalogue_position(&s.id));
        KnowledgeBase {
            scenarios,
            placeholders: data.placeholders,
            placeholder_patterns,
        }
    })
}

/// Where a scenario stands in [`CATALOGUE`]; ids not listed there come last.
fn catalogue_position(id: &str) -> usize {
    CATALOGUE
        .iter()
        .flat_map(|(_, ids)| ids.iter())
        .position(|&known| known == id)
        .unwrap_or(usize::MAX)
}

/// The catalogue section a scenario belongs to.
pub fn catalogue_section(id: &str) -> Option<&'static str> {
    CATALOGUE
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map(|(section, _)| *section)
}

impl KnowledgeBase {
    /// Every scenario, in catalogue order.
    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    pub fn get(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn placeholders(&self) -> &BTreeMap<String, Placeholder> {
        &self.placeholders
    }

    /// Builds the finding for `scenario_id` with these facts; `None` for an unknown id.
    pub fn finding(
        &self,
        scenario_id: &str,
        confidence: f64,
        evidence: Vec<Evidence>,
        facts: Facts,
    ) -> Option<Finding> {
        let scenario = self.get(scenario_id)?;
        let commands = scenario
            .fix
            .commands
            .iter()
            .flat_map(|c| {
                [
                    ShellCommand {
                        shell: Shell::Bash,
                        description: c.description.clone(),
                        command: self.fill(&c.bash, &facts),
                    },
                    ShellCommand {
                        shell: Shell::Powershell,
                        description: c.description.clone(),
                        command: self.fill(&c.powershell, &facts),
                    },
                ]
            })
            .collect();
        // Steps may name a placeholder too (`Values={instance_id}` inside a step).
        let steps = scenario
            .fix
            .steps
            .iter()
            .map(|step| self.fill(step, &facts))
            .collect();
        Some(Finding {
            scenario: scenario.id.clone(),
            title: scenario.title.clone(),
            confidence: round_confidence(confidence),
            evidence,
            facts,
            root_cause: scenario.root_cause.trim().to_owned(),
            fix: FindingFix { steps, commands },
            related_checks: scenario.related_checks.clone(),
            summary: Some(scenario.summary.trim().to_owned()),
            candidates: Vec::new(),
            notes: Vec::new(),
            occurrences: 1,
            references: scenario.references.iter().map(|r| r.url.clone()).collect(),
        })
    }

    fn placeholder_accepts(&self, name: &str, placeholder: &Placeholder, value: &str) -> bool {
        let Some(cell) = self.placeholder_patterns.get(name) else {
            return false;
        };
        cell.get_or_init(|| regex::Regex::new(&format!("^(?:{})$", placeholder.pattern)).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }

    /// Replaces each `{name}` in `template` with the fact of that name when it has the
    /// placeholder's shape, else with the placeholder's display form (`<instance-id>`).
    pub fn fill(&self, template: &str, facts: &Facts) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start + 1..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            let Some(placeholder) = self.placeholders.get(name) else {
                // Not a placeholder (PowerShell script blocks, JSON): copy the brace through.
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
                continue;
            };
            out.push_str(&rest[..start]);
            match facts
                .get(name)
                .filter(|v| self.placeholder_accepts(name, placeholder, v))
            {
                Some(value) => out.push_str(value),
                None => out.push_str(&placeholder.display),
            }
            rest = &rest[start + 2 + len..];
        }
        out.push_str(rest);
        out
    }
}

/// `{name}` placeholders used in a template.
pub fn placeholders_in(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start + 1..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            names.push(name);
        }
        rest = &rest[start + 1..];
    }
    names
}

fn round_confidence(c: f64) -> f64 {
    (c.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

/// A piece of the user's text that supports a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// 1-based line in the input (after secrets were masked).
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Length in characters.
    pub length: usize,
    /// The underlined text.
    pub text: String,
    /// Kind of clue (`error-code`, `message`, …).
    pub signal: String,
    /// What this clue means, printed under the underline.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    Bash,
    Powershell,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellCommand {
    pub shell: Shell,
    pub command: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingFix {
    pub steps: Vec<String>,
    pub commands: Vec<ShellCommand>,
}

/// Another scenario the same text could mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub scenario: String,
    pub confidence: f64,
}

/// A diagnosis, in the shape of the CLI contract (`shared/spec/cli.md`). Fields after
/// `related_checks` are extensions: optional and additive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub scenario: String,
    pub title: String,
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    pub facts: Facts,
    pub root_cause: String,
    pub fix: FindingFix,
    pub related_checks: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Other scenarios the text is consistent with, best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// Caveats: what the text cannot tell, which check separates the candidates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How many times the same error appeared in the input.
    #[serde(default = "one")]
    pub occurrences: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

fn one() -> usize {
    1
}

impl Finding {
    /// A finding for an authorization or credential error that no scenario explains.
    pub fn unknown(evidence: Vec<Evidence>, facts: Facts, confidence: f64) -> Finding {
        Finding {
            scenario: UNKNOWN.to_owned(),
            title: "An authorization or credential error no scenario explains".to_owned(),
            confidence: round_confidence(confidence),
            evidence,
            facts,
            root_cause: "The text carries an AWS authorization or credential error, but none of \
                         the known scenarios matches it well enough to name a cause."
                .to_owned(),
            fix: FindingFix {
                steps: vec![
                    "Run `authdoctor check` on the host that failed: it inspects the credential \
                     chain, the metadata service and the clock live."
                        .to_owned(),
                    "If the message names an action and a resource, evaluate the policies \
                     offline with `authdoctor simulate`."
                        .to_owned(),
                ],
                commands: Vec::new(),
            },
            related_checks: Vec::new(),
            summary: None,
            candidates: Vec::new(),
            notes: Vec::new(),
            occurrences: 1,
            references: Vec::new(),
        }
    }
}
