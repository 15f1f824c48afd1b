//! Each error in an input is its own finding with its own facts (issue 8, item 6).

use authdoctor_explain::explain_text;

#[test]
fn facts_of_one_error_do_not_leak_into_the_next_across_a_blank_line() {
    let text = "An error occurred (ExpiredToken) when calling the ListBuckets operation: The provided token has expired.\n\nUser: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/app-role";
    let report = explain_text(text);
    let passrole = report
        .findings()
        .find(|f| f.scenario == "passrole-denied")
        .unwrap_or_else(|| panic!("no passrole finding: {:?}", report.explained));
    assert_eq!(
        passrole.facts.get("error_code"),
        None,
        "{:?}",
        passrole.facts
    );
    assert_eq!(
        passrole.facts.get("operation"),
        None,
        "{:?}",
        passrole.facts
    );
    let expired = report
        .findings()
        .find(|f| f.scenario == "expired-token")
        .unwrap_or_else(|| panic!("no expired-token finding"));
    assert_eq!(expired.facts.get("action"), None, "{:?}", expired.facts);
}

#[test]
fn distinct_errors_on_consecutive_lines_are_distinct_findings() {
    let deny = |action: &str| {
        format!(
            "An error occurred (AccessDenied) when calling the {action} operation: User: arn:aws:sts::111122223333:assumed-role/app/i-0abc is not authorized to perform: s3:{action} on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:{action} action"
        )
    };
    let text = format!(
        "{}\n{}\n{}\n",
        deny("GetObject"),
        deny("PutObject"),
        deny("GetObject")
    );
    let report = explain_text(&text);
    let mut got: Vec<(String, usize)> = report
        .findings()
        .map(|f| {
            (
                f.facts.get("action").cloned().unwrap_or_default(),
                f.occurrences,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("s3:GetObject".to_owned(), 2),
            ("s3:PutObject".to_owned(), 1)
        ]
    );
}

#[test]
fn a_retry_loop_of_one_error_stays_one_finding() {
    let line = "An error occurred (ExpiredToken) when calling the ListBuckets operation: The provided token has expired.";
    let text = format!("{line}\n{line}\n{line}\n");
    let report = explain_text(&text);
    assert_eq!(report.explained.len(), 1);
    assert_eq!(report.explained[0].finding.occurrences, 3);
}
