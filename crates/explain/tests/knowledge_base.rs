//! The knowledge base documents and tests itself: every example log in every scenario
//! file must be explained as that scenario, with the evidence it lists underlined.

use authdoctor_kb::knowledge_base;

#[test]
fn every_example_is_explained_as_its_own_scenario() {
    let mut failures = Vec::new();
    let mut total = 0;
    for scenario in knowledge_base().scenarios() {
        for (i, example) in scenario.examples.iter().enumerate() {
            total += 1;
            let report = authdoctor_explain::explain_text(&example.log);
            let top = report.findings().next();
            let label = format!("{} example {} ({})", scenario.id, i + 1, example.client);
            let Some(top) = top else {
                failures.push(format!("{label}: no finding"));
                continue;
            };
            if top.scenario != scenario.id {
                let others: Vec<String> = report
                    .findings()
                    .map(|f| format!("{} {:.2}", f.scenario, f.confidence))
                    .collect();
                failures.push(format!("{label}: explained as {others:?}"));
                continue;
            }
            for wanted in &example.evidence {
                if !top
                    .evidence
                    .iter()
                    .filter_map(|e| e.as_text())
                    .any(|e| e.text.contains(wanted.as_str()) || wanted.contains(&e.text))
                {
                    let got: Vec<&str> = top
                        .evidence
                        .iter()
                        .filter_map(|e| e.as_text())
                        .map(|e| e.text.as_str())
                        .collect();
                    failures.push(format!(
                        "{label}: evidence `{wanted}` not underlined (got {got:?})"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A cause outside the catalogue keeps the contract's id `unknown` and tells its own
/// story: every example of `outside.toml` is explained as `unknown` with that cause's
/// title and steps, not as a catalogue scenario and not as no auth error at all.
#[test]
fn every_outside_cause_example_is_an_unknown_told_as_that_cause() {
    let causes = knowledge_base().outside_causes();
    assert!(!causes.is_empty(), "outside.toml lists no cause");
    for cause in causes {
        for (i, example) in cause.examples.iter().enumerate() {
            let label = format!("outside cause {} example {}", cause.name, i + 1);
            let report = authdoctor_explain::explain_text(&example.log);
            let top = report
                .findings()
                .next()
                .unwrap_or_else(|| panic!("{label}: no finding"));
            assert_eq!(top.scenario, "unknown", "{label}");
            assert_eq!(top.title, cause.title, "{label}");
            assert_eq!(top.fix.steps, cause.steps, "{label}");
            assert!(
                cause
                    .references
                    .iter()
                    .all(|r| top.references.contains(&r.url)),
                "{label}: references"
            );
        }
    }
    // A refusal no cause describes keeps the generic story.
    let other = authdoctor_explain::explain_text(
        "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/reader is not authorized to perform: s3:GetObject with an explicit deny",
    );
    let top = other.findings().next().expect("an unknown finding");
    assert_eq!(top.scenario, "unknown");
    assert!(causes.iter().all(|c| c.title != top.title), "{}", top.title);
}

#[test]
fn every_scenario_has_examples() {
    for scenario in knowledge_base().scenarios() {
        assert!(
            scenario.examples.len() >= 2,
            "{} has fewer than two examples",
            scenario.id
        );
    }
}

#[test]
fn every_placeholder_can_be_filled_from_the_text() {
    let produced = authdoctor_explain::facts::fact_names();
    let missing: Vec<&String> = knowledge_base()
        .placeholders()
        .keys()
        .filter(|name| !produced.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "placeholders no fact extractor produces: {missing:?}"
    );
}
