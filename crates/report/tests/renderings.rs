//! Snapshots of the human, JSON and Markdown renderings of every scenario's example
//! logs, so a change in any view is seen in review (`cargo insta review`).

use authdoctor_kb::{Shell, knowledge_base};

#[test]
fn every_example_renders_in_every_format() {
    let options = authdoctor_report::Options {
        color: false,
        width: 100,
        shell: Shell::Bash,
        origin: Some("example.log".to_owned()),
    };
    let powershell = authdoctor_report::Options {
        shell: Shell::Powershell,
        ..options.clone()
    };
    for scenario in knowledge_base().scenarios() {
        let mut rendered = String::new();
        for (i, example) in scenario.examples.iter().enumerate() {
            let report = authdoctor_explain::explain_text(&example.log);
            rendered.push_str(&format!(
                "===== example {} ({}) — human, bash\n",
                i + 1,
                example.client
            ));
            rendered.push_str(&authdoctor_report::human(&report.explained, &options));
            rendered.push_str("\n===== json\n");
            rendered.push_str(&authdoctor_report::json_findings(report.findings()));
            rendered.push_str("\n===== markdown, powershell\n");
            rendered.push_str(&authdoctor_report::markdown(&report.explained, &powershell));
            rendered.push('\n');
        }
        insta::assert_snapshot!(scenario.id.as_str(), rendered);
    }
}

#[test]
fn scenario_pages_render() {
    let options = authdoctor_report::Options::default();
    for scenario in knowledge_base().scenarios() {
        let page = authdoctor_report::human_scenario(scenario, &options);
        assert!(page.contains(&scenario.title), "{}", scenario.id);
        assert!(page.contains("Fix"), "{}", scenario.id);
        let markdown = authdoctor_report::markdown_scenario(scenario);
        assert!(
            markdown.contains("```powershell") || scenario.fix.commands.is_empty(),
            "{}",
            scenario.id
        );
    }
}

/// The renderers run their whole output through redaction as a safety net; the
/// knowledge base's own text (references, fix commands, prose) must come through it
/// unchanged, or users would see mangled URLs and commands.
#[test]
fn knowledge_base_text_survives_redaction() {
    let kb = knowledge_base();
    let facts = authdoctor_kb::Facts::new();
    let mut damaged = Vec::new();
    for scenario in kb.scenarios() {
        let mut texts: Vec<String> = scenario.references.iter().map(|r| r.url.clone()).collect();
        for command in &scenario.fix.commands {
            texts.push(kb.fill(&command.bash, &facts));
            texts.push(kb.fill(&command.powershell, &facts));
        }
        texts.extend(scenario.fix.steps.iter().cloned());
        texts.push(scenario.root_cause.clone());
        texts.push(scenario.summary.clone());
        for text in texts {
            let cleaned = authdoctor_redact::clean(&text);
            if cleaned != text {
                damaged.push(format!("{}: `{text}` became `{cleaned}`", scenario.id));
            }
        }
    }
    assert!(
        damaged.is_empty(),
        "redaction changes knowledge-base text:\n{}",
        damaged.join("\n")
    );
}

/// decode and simulate print their own part, then their findings: one blank line between
/// in the human view whatever the own part ends with, a closed text block in Markdown,
/// and the own part alone, unchanged, when there is no finding.
#[test]
fn own_part_then_findings() {
    let options = authdoctor_report::Options::default();
    let scenario = &knowledge_base().scenarios()[0];
    let report = authdoctor_explain::explain_text(&scenario.examples[0].log);
    let findings: Vec<_> = report.findings().cloned().collect();
    assert!(
        !findings.is_empty(),
        "{} example gave no finding",
        scenario.id
    );
    let title = &findings[0].title;
    for own in ["denied: s3:GetObject\n", "denied: s3:GetObject\n\n\n"] {
        let own = authdoctor_report::Redacted::new(own);
        let human = authdoctor_report::human_after(&own, &findings, &options);
        assert!(human.starts_with("denied: s3:GetObject\n\n"), "{human}");
        assert!(!human.starts_with("denied: s3:GetObject\n\n\n"), "{human}");
        assert!(human.contains(title.as_str()), "{human}");
        let markdown = authdoctor_report::markdown_after(&own, &findings, &options);
        assert!(
            markdown.starts_with("```text\ndenied: s3:GetObject\n```\n\n## `"),
            "{markdown}"
        );
        assert_eq!(authdoctor_report::human_after(&own, &[], &options), own);
    }
}
