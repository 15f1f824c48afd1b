//! The observation rules of the scenario files use only patterns the engine knows: a
//! misspelt outcome (`read_timeout`, `in-sync`) would otherwise never match and the rule
//! would silently do nothing.

use authdoctor_diagnosis::knowledge_base;
use authdoctor_diagnosis::observation::{is_code_pattern, is_outcome_pattern};
use authdoctor_kb::ObservationKind;

#[test]
fn every_outcome_pattern_of_every_rule_is_known() {
    let mut unknown = Vec::new();
    for scenario in knowledge_base().scenarios() {
        for rule in &scenario.observations {
            for pattern in &rule.outcome {
                if !is_outcome_pattern(rule.kind, pattern) {
                    unknown.push(format!("{} / {}: {pattern}", scenario.id, rule.name));
                }
            }
            for code in &rule.code {
                if !is_code_pattern(rule.kind, code) {
                    unknown.push(format!("{} / {}: code {code}", scenario.id, rule.name));
                }
            }
            if matches!(
                rule.kind,
                ObservationKind::ApiError
                    | ObservationKind::ApiUnanswered
                    | ObservationKind::Credentials
                    | ObservationKind::Setting
            ) && rule.code.is_empty()
            {
                unknown.push(format!(
                    "{} / {}: {:?} rule without code",
                    scenario.id, rule.name, rule.kind
                ));
            }
        }
    }
    assert!(unknown.is_empty(), "unknown patterns: {unknown:#?}");
}

#[test]
fn the_pattern_check_itself_rejects_misspellings() {
    assert!(is_outcome_pattern(
        ObservationKind::ImdsExchange,
        "status-4xx"
    ));
    assert!(is_outcome_pattern(
        ObservationKind::ImdsExchange,
        "read-timeout"
    ));
    assert!(is_outcome_pattern(ObservationKind::ClockOffset, "in-step"));
    assert!(!is_outcome_pattern(
        ObservationKind::ImdsExchange,
        "read_timeout"
    ));
    assert!(!is_outcome_pattern(
        ObservationKind::ImdsExchange,
        "status-4x"
    ));
    assert!(!is_outcome_pattern(
        ObservationKind::ClockOffset,
        "read-timeout"
    ));
    assert!(is_outcome_pattern(ObservationKind::Credentials, "expired"));
    assert!(!is_outcome_pattern(ObservationKind::Credentials, "expierd"));
    assert!(is_code_pattern(ObservationKind::Credentials, "sso"));
    assert!(!is_code_pattern(ObservationKind::Credentials, "sso-cache"));
    assert!(is_outcome_pattern(
        ObservationKind::Setting,
        "proxies-metadata"
    ));
    assert!(is_outcome_pattern(ObservationKind::Setting, "<2"));
    assert!(!is_outcome_pattern(ObservationKind::Setting, "proxied"));
    assert!(is_outcome_pattern(ObservationKind::HostClock, "drifting"));
    assert!(!is_outcome_pattern(ObservationKind::HostClock, "in-sync"));
    assert!(is_outcome_pattern(
        ObservationKind::ProviderAttempt,
        "shadowed"
    ));
    assert!(is_outcome_pattern(ObservationKind::ImdsExchange, "slow"));
}

/// A rule whose `requires` names nothing, or that sets a field its kind does not read,
/// would never match or match more than its author meant, silently.
#[test]
fn every_rule_requires_real_names_and_sets_only_the_fields_its_kind_reads() {
    let mut wrong = Vec::new();
    for scenario in knowledge_base().scenarios() {
        let names: Vec<&str> = scenario
            .signals
            .iter()
            .map(|s| s.name.as_str())
            .chain(scenario.observations.iter().map(|o| o.name.as_str()))
            .collect();
        for rule in &scenario.observations {
            let at = format!("{} / {}", scenario.id, rule.name);
            if !(rule.weight > -1.0 && rule.weight <= 1.0) {
                wrong.push(format!("{at}: weight {} outside (-1, 1]", rule.weight));
            }
            if rule.label.trim().is_empty() {
                wrong.push(format!("{at}: no label"));
            }
            for r in &rule.requires {
                if !names.contains(&r.as_str()) {
                    wrong.push(format!(
                        "{at}: requires `{r}`, which no rule of the scenario is named"
                    ));
                }
            }
            let exchange = rule.kind == ObservationKind::ImdsExchange;
            if !exchange && (rule.method.is_some() || !rule.path.is_empty()) {
                wrong.push(format!("{at}: method/path are read only for imds-exchange"));
            }
            let policy = rule.kind == ObservationKind::PolicyDecision;
            let policy_fields = [
                &rule.action,
                &rule.layer,
                &rule.condition_key,
                &rule.context,
                &rule.principal,
                &rule.resource,
                &rule.granted,
            ];
            if !policy && policy_fields.iter().any(|f| !f.is_empty()) {
                wrong.push(format!(
                    "{at}: policy fields are read only for policy-decision"
                ));
            }
            let reads_code = matches!(
                rule.kind,
                ObservationKind::ApiError
                    | ObservationKind::ApiUnanswered
                    | ObservationKind::ProviderAttempt
                    | ObservationKind::Credentials
                    | ObservationKind::Setting
            );
            if !reads_code && !rule.code.is_empty() {
                wrong.push(format!("{at}: `code` is not read for {:?}", rule.kind));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
