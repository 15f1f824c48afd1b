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
