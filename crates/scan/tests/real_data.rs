//! Counts on the two real data sets equal the numbers their READMEs list (computed
//! there with python's `json` and `jq`, independently of this code).

mod support;

use authdoctor_scan::{Options, ScanReport, scan};

fn run(paths: &[std::path::PathBuf]) -> ScanReport {
    scan(paths, &Options::default(), &|_| {}, &|_| {}).expect("the data sets are readable")
}

fn sum_of_sizes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                total += std::fs::metadata(&p).unwrap().len();
            }
        }
    }
    total
}

fn failures_by_code(report: &ScanReport, code: &str) -> u64 {
    report
        .failures
        .iter()
        .filter(|f| f.error_code == code)
        .map(|f| f.count)
        .sum()
}

#[test]
fn invictus_counts_match_its_readme() {
    let Some(invictus) = support::invictus() else {
        return;
    };
    let report = run(std::slice::from_ref(&invictus));
    assert_eq!(report.files, 55);
    assert_eq!(report.records, 2900);
    // The README says 3,662,128 bytes; the 55 files add up to 3,660,956 (`cat | wc -c`).
    assert_eq!(report.bytes, sum_of_sizes(&invictus));
    assert_eq!(report.bytes, 3_660_956);
    assert!(
        report.skipped_files.is_empty(),
        "{:?}",
        report.skipped_files
    );
    assert_eq!(report.malformed_records, 0);
    // 60 denials in the README: 44 + 13 + 1 policy denials, 2 billing-console refusals
    // that are not policy decisions and are counted apart.
    assert_eq!(
        failures_by_code(&report, "Client.UnauthorizedOperation"),
        44
    );
    assert_eq!(failures_by_code(&report, "AccessDenied"), 14);
    let excluded: u64 = report.excluded_errors.iter().map(|e| e.count).sum();
    assert_eq!(excluded, 2);
    // One IMDSv1 key, two calls, from the operator's address.
    assert_eq!(report.imdsv1_credentials.len(), 1);
    let row = &report.imdsv1_credentials[0];
    assert_eq!(row.count, 2);
    assert_eq!(row.access_key_id, "ASIA…QP7P");
    assert_eq!(row.instance_id, "i-0dbc91f429e48eeed");
    assert_eq!(
        row.role,
        "arn:aws:iam::123837392027:role/stratus-red-team-ec2-steal-credentials-role"
    );
    assert_eq!(row.source_ips, ["192.168.10.20"]);
    assert_eq!(report.role_delivery.v1_calls, 2);
    assert_eq!(report.role_delivery.v2_calls, 21);
    assert_eq!(report.role_delivery.enforceable, Some(false));
}

#[test]
fn stratus_counts_match_its_readme() {
    let Some(stratus) = support::stratus() else {
        return;
    };
    let report = run(std::slice::from_ref(&stratus));
    assert_eq!(report.files, 35);
    assert_eq!(report.records, 310);
    // The README says 552,983 bytes; the 35 files add up to 548,887 (`cat | wc -c`).
    assert_eq!(report.bytes, sum_of_sizes(&stratus));
    assert_eq!(
        failures_by_code(&report, "Client.UnauthorizedOperation"),
        46
    );
    assert_eq!(failures_by_code(&report, "AccessDenied"), 5);
    let total: u64 = report.failures.iter().map(|f| f.count).sum();
    assert_eq!(
        total, 51,
        "EntityTemporarilyUnmodifiableException is not a denial"
    );
    assert_eq!(report.imdsv1_credentials.len(), 1);
    assert_eq!(report.imdsv1_credentials[0].count, 2);
    assert_eq!(report.imdsv1_credentials[0].access_key_id, "ASIA…1FXV");
}

#[test]
fn both_sets_together_and_the_scenarios_they_get() {
    let (Some(invictus_dir), Some(stratus_dir)) = (support::invictus(), support::stratus()) else {
        return;
    };
    let report = run(&[invictus_dir, stratus_dir]);
    assert_eq!(report.files, 90);
    assert_eq!(report.records, 3210);
    let total: u64 = report.failures.iter().map(|f| f.count).sum();
    assert_eq!(total, 58 + 51);
    let scenario_of = |name: &str, code: &str| -> Vec<&str> {
        let mut s: Vec<&str> = report
            .failures
            .iter()
            .filter(|f| f.event_name == name && f.error_code == code)
            .map(|f| f.scenario.as_str())
            .collect();
        s.dedup();
        s
    };
    eprintln!(
        "{:#?}",
        report
            .failures
            .iter()
            .map(|f| (&f.scenario, &f.error_code, &f.event_name, f.count))
            .collect::<Vec<_>>()
    );
    assert!(
        scenario_of("AssumeRole", "AccessDenied")
            .iter()
            .all(|s| *s == "assume-role-denied")
    );
    assert!(
        scenario_of("GetPasswordData", "Client.UnauthorizedOperation")
            .iter()
            .all(|s| *s != "unknown")
    );
    // Every group is a finding with the knowledge base's own fix.
    assert_eq!(report.findings.len(), report.failures.len() + 2);
    let imds: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.scenario == "role-delivery-imdsv1-denied")
        .collect();
    assert_eq!(imds.len(), 2);
    let fix = imds
        .iter()
        .flat_map(|f| f.fix.commands.iter())
        .find(|c| c.command.contains("i-0dbc91f429e48eeed"))
        .expect("the fix is filled with the instance id");
    assert!(fix.command.contains(
        "modify-instance-metadata-options --instance-id i-0dbc91f429e48eeed --http-tokens required"
    ));
}
