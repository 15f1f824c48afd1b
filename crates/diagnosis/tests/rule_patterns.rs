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
                ObservationKind::ApiError | ObservationKind::Credentials | ObservationKind::Setting
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
