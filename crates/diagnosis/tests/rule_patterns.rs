//! The observation rules of the scenario files use only patterns the engine knows: a
//! misspelt outcome (`read_timeout`, `in-sync`) would otherwise never match and the rule
//! would silently do nothing.

use authdoctor_diagnosis::knowledge_base;
use authdoctor_diagnosis::observation::is_outcome_pattern;
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
            if rule.kind == ObservationKind::ApiError && rule.code.is_empty() {
                unknown.push(format!(
                    "{} / {}: api-error rule without code",
                    scenario.id, rule.name
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
}
