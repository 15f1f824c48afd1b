//! The document `scan` reports: the JSON of the CLI contract (`files`, `records`,
//! `bytes`, `skipped_files`, `failures`, `imdsv1_credentials`, `findings`, in the
//! envelope `authdoctor_report::document` adds with `version`) plus optional
//! extensions, built from the merged aggregate. Every string that came
//! from a log passes through `authdoctor_redact::clean`; access key ids are masked.

use std::collections::BTreeMap;

use authdoctor_kb::Finding;
use serde::Serialize;

use crate::classify::{self, Classifier, FailureFacts};
use crate::engine::{Aggregate, BoundedSet};

#[derive(Debug, Clone, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureGroup {
    pub scenario: String,
    pub error_code: String,
    pub event_source: String,
    pub event_name: String,
    pub principal: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub source_ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub example_event_id: String,
    /// Extension: the message of the example record.
    pub example_message: String,
    /// Extension: the calls were signed with IMDSv1-delivered role credentials.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub imdsv1: bool,
    #[serde(skip)]
    pub confidence: f64,
    #[serde(skip)]
    pub region: String,
    #[serde(skip)]
    pub account: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImdsCredential {
    pub instance_id: String,
    pub role: String,
    /// Masked: `ASIA…WXYZ`.
    pub access_key_id: String,
    pub count: u64,
    pub event_sources: Vec<String>,
    pub user_agents: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    /// Extensions.
    pub principal: String,
    pub source_ips: Vec<String>,
    pub denied: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExcludedError {
    pub error_code: String,
    pub reason: String,
    pub count: u64,
}

/// Whether `ec2:RoleDelivery >= 2.0` could be enforced without breaking the callers seen.
#[derive(Debug, Clone, Serialize)]
pub struct RoleDelivery {
    pub v1_calls: u64,
    pub v2_calls: u64,
    /// `true`: no IMDSv1 credentials used; `false`: some would be denied; `null`: no
    /// instance-role call at all in the input, so the logs cannot tell.
    pub enforceable: Option<bool>,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub files: u64,
    pub records: u64,
    pub bytes: u64,
    pub skipped_files: Vec<SkippedFile>,
    pub failures: Vec<FailureGroup>,
    pub imdsv1_credentials: Vec<ImdsCredential>,
    pub findings: Vec<Finding>,
    // Extensions (optional, additive).
    pub uncompressed_bytes: u64,
    pub pruned_files: u64,
    pub filtered_records: u64,
    pub malformed_records: u64,
    pub excluded_errors: Vec<ExcludedError>,
    pub role_delivery: RoleDelivery,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ScanReport {
    /// Exit code 1 of the contract: failures or IMDSv1 credentials reported.
    pub fn is_bad(&self) -> bool {
        !self.failures.is_empty() || !self.imdsv1_credentials.is_empty()
    }
}

/// Findings listed at most; the groups themselves are all in `failures`.
pub const MAX_FINDINGS: usize = 1000;

fn clean(s: &str) -> String {
    authdoctor_redact::clean(s).into_owned()
}

fn clean_set(set: &BoundedSet) -> Vec<String> {
    set.items.iter().map(|s| clean(s)).collect()
}

pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub pruned: u64,
    pub skipped: Vec<SkippedFile>,
    pub max_groups: usize,
}

pub fn build(agg: Aggregate, totals: Totals) -> ScanReport {
    let mut classifier = Classifier::default();
    let mut notes = Vec::new();
    // Fine groups (one per message shape) fold into the contract's groups.
    let mut merged: BTreeMap<(String, String, String, String, String), FailureGroup> =
        BTreeMap::new();
    let mut fine: Vec<_> = agg.failures.into_values().collect();
    fine.sort_by(|a, b| a.seen.first.cmp(&b.seen.first));
    for stats in fine {
        let (scenario, confidence) = classifier.classify(
            &stats.error_code,
            &stats.event_name,
            &stats.message_shape,
            stats.imdsv1,
        );
        let key = (
            scenario.clone(),
            stats.error_code.clone(),
            stats.event_source.clone(),
            stats.event_name.clone(),
            stats.principal.clone(),
        );
        let entry = merged.entry(key).or_insert_with(|| FailureGroup {
            scenario,
            error_code: clean(&stats.error_code),
            event_source: clean(&stats.event_source),
            event_name: clean(&stats.event_name),
            principal: clean(&stats.principal),
            count: 0,
            first_seen: stats.seen.first.clone(),
            last_seen: stats.seen.last.clone(),
            source_ips: Vec::new(),
            user_agents: Vec::new(),
            example_event_id: clean(&stats.example_event_id),
            example_message: clean(&stats.example_message),
            imdsv1: false,
            confidence,
            region: stats.region.clone(),
            account: stats.account.clone(),
        });
        entry.count += stats.count;
        entry.imdsv1 |= stats.imdsv1;
        if !stats.seen.first.is_empty()
            && (entry.first_seen.is_empty() || stats.seen.first < entry.first_seen)
        {
            entry.first_seen = stats.seen.first.clone();
        }
        if stats.seen.last > entry.last_seen {
            entry.last_seen = stats.seen.last.clone();
        }
        for (list, set) in [
            (&mut entry.source_ips, &stats.source_ips),
            (&mut entry.user_agents, &stats.user_agents),
        ] {
            for item in clean_set(set) {
                if list.len() < crate::engine::SET_CAP && !list.contains(&item) {
                    list.push(item);
                }
            }
        }
    }
    let mut failures: Vec<FailureGroup> = merged.into_values().collect();
    failures.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.first_seen.cmp(&b.first_seen))
    });
    if agg.failures_over_cap > 0 {
        notes.push(format!(
            "{} failed calls were counted but not grouped: more than {} distinct groups (raise --max-groups)",
            agg.failures_over_cap, totals.max_groups
        ));
    }

    let mut imds: Vec<ImdsCredential> = agg
        .imdsv1
        .into_values()
        .map(|s| ImdsCredential {
            instance_id: clean(
                classify::assumed_role(&s.principal).map_or("", |(_, session)| session),
            ),
            role: clean(&s.role),
            access_key_id: if s.access_key_id.is_empty() {
                "(none recorded)".to_owned()
            } else {
                authdoctor_redact::shorten_key_id(&s.access_key_id)
            },
            count: s.count,
            event_sources: clean_set(&s.event_sources),
            user_agents: clean_set(&s.user_agents),
            first_seen: s.seen.first,
            last_seen: s.seen.last,
            principal: clean(&s.principal),
            source_ips: clean_set(&s.source_ips),
            denied: s.denied,
        })
        .collect();
    imds.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.instance_id.cmp(&b.instance_id))
    });
    if agg.imdsv1_over_cap > 0 {
        notes.push(format!(
            "{} calls with IMDSv1 credentials were counted but not grouped: more than {} distinct keys",
            agg.imdsv1_over_cap, totals.max_groups
        ));
    }

    let mut findings = failure_findings(&failures);
    findings.extend(imdsv1_findings(&imds));
    if findings.len() > MAX_FINDINGS {
        notes.push(format!(
            "{} findings; the first {MAX_FINDINGS} are listed (every group is in `failures`)",
            findings.len()
        ));
        findings.truncate(MAX_FINDINGS);
    }

    let mut excluded: Vec<ExcludedError> = agg
        .excluded
        .into_iter()
        .map(|((code, reason), count)| ExcludedError {
            error_code: code,
            reason,
            count,
        })
        .collect();
    excluded.sort_by_key(|e| std::cmp::Reverse(e.count));

    let role_delivery = verdict(
        agg.role_delivery_v1_calls,
        agg.role_delivery_v2_calls,
        &imds,
    );
    ScanReport {
        files: totals.files,
        records: agg.records,
        bytes: totals.bytes,
        skipped_files: totals.skipped,
        failures,
        imdsv1_credentials: imds,
        findings,
        uncompressed_bytes: agg.uncompressed_bytes,
        pruned_files: totals.pruned,
        filtered_records: agg.filtered_out,
        malformed_records: agg.malformed,
        excluded_errors: excluded,
        role_delivery,
        notes,
    }
}

fn verdict(v1: u64, v2: u64, imds: &[ImdsCredential]) -> RoleDelivery {
    let (enforceable, verdict) = if v1 > 0 {
        let instances: std::collections::BTreeSet<&str> =
            imds.iter().map(|i| i.instance_id.as_str()).collect();
        (
            Some(false),
            format!(
                "Not yet: {v1} call(s) from {} instance session(s) used IMDSv1 role credentials ({} key(s)); an `ec2:RoleDelivery >= 2.0` policy would deny them. Move them to IMDSv2 first.",
                instances.len(),
                imds.len()
            ),
        )
    } else if v2 > 0 {
        (
            Some(true),
            format!(
                "Yes, as far as these logs show: all {v2} call(s) with instance-role credentials used IMDSv2 credentials (blind spots: callers not in this window, and IMDSv1 use hidden behind role chaining)."
            ),
        )
    } else {
        (
            None,
            "Cannot tell: no call in these logs was signed with instance-role credentials (no `ec2RoleDelivery`).".to_owned(),
        )
    };
    RoleDelivery {
        v1_calls: v1,
        v2_calls: v2,
        enforceable,
        verdict,
    }
}

fn failure_findings(failures: &[FailureGroup]) -> Vec<Finding> {
    failures
        .iter()
        .map(|group| {
            let confidence = group.confidence;
            let facts = classify::failure_facts(&FailureFacts {
                error_code: &group.error_code,
                event_source: &group.event_source,
                event_name: &group.event_name,
                principal: &group.principal,
                example_message: &group.example_message,
                region: &group.region,
                account: &group.account,
            });
            let mut finding = classify::finding(&group.scenario, confidence, facts);
            // An unknown refusal whose message names a known cause outside the catalogue
            // tells that cause, as `explain` does.
            if finding.scenario == authdoctor_kb::UNKNOWN
                && let Some(cause) = authdoctor_kb::knowledge_base()
                    .outside_cause(&group.example_message)
            {
                finding = finding.told_as(cause);
            }
            finding.occurrences = group.count as usize;
            finding.notes.push(format!(
                "CloudTrail: {} refused call(s) of {}:{} by {} between {} and {} (example event {}).",
                group.count,
                group.event_source.strip_suffix(".amazonaws.com").unwrap_or(&group.event_source),
                group.event_name,
                group.principal,
                group.first_seen,
                group.last_seen,
                group.example_event_id
            ));
            if finding.facts.contains_key("encoded_message") {
                finding.notes.push(
                    "The encoded message names the matched statements: `aws sts decode-authorization-message --encoded-message <blob>` (needs sts:DecodeAuthorizationMessage), then `authdoctor decode`."
                        .to_owned(),
                );
            }
            finding
        })
        .collect()
}

/// One finding per instance session that used IMDSv1 credentials, with the knowledge
/// base's fix filled for that instance.
fn imdsv1_findings(imds: &[ImdsCredential]) -> Vec<Finding> {
    let mut by_instance: BTreeMap<(&str, &str), Vec<&ImdsCredential>> = BTreeMap::new();
    for row in imds {
        by_instance
            .entry((row.instance_id.as_str(), row.principal.as_str()))
            .or_default()
            .push(row);
    }
    by_instance
        .into_iter()
        .map(|((instance, principal), rows)| {
            let mut facts = authdoctor_kb::Facts::new();
            if classify::is_instance_id(instance) {
                facts.insert("instance_id".to_owned(), instance.to_owned());
            }
            if principal.starts_with("arn:") {
                facts.insert("principal".to_owned(), principal.to_owned());
            }
            if let Some((role, _)) = classify::assumed_role(principal) {
                facts.insert("role_name".to_owned(), role.to_owned());
            }
            let calls: u64 = rows.iter().map(|r| r.count).sum();
            let denied: u64 = rows.iter().map(|r| r.denied).sum();
            let (scenario, confidence) = classify::imdsv1_verdict(principal, denied > 0);
            let mut finding = classify::finding(scenario, confidence, facts);
            finding.occurrences = calls as usize;
            let keys: Vec<&str> = rows.iter().map(|r| r.access_key_id.as_str()).collect();
            let mut agents: Vec<&str> = rows.iter().flat_map(|r| r.user_agents.iter().map(String::as_str)).collect();
            agents.sort_unstable();
            agents.dedup();
            finding.notes.push(format!(
                "CloudTrail: {calls} call(s) by {principal} signed with IMDSv1-delivered credentials (key {}){}.",
                keys.join(", "),
                if denied > 0 {
                    format!(", {denied} of them denied")
                } else {
                    " — not denied yet; an `ec2:RoleDelivery >= 2.0` policy would deny them".to_owned()
                }
            ));
            if !agents.is_empty() {
                finding.notes.push(format!(
                    "Clients still reading credentials through IMDSv1 (upgrade these SDKs/CLIs or add the token PUT): {}",
                    agents.join("; ")
                ));
            }
            finding
        })
        .collect()
}
