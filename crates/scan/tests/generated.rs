//! On SYNTHETIC generated corpora (seeded, `authdoctor_scan::corpus`), `scan`'s counts
//! equal what the generator wrote, for gzip and plain files, one thread or many, and
//! with filters.

use authdoctor_scan::corpus::{Expected, Spec, generate};
use authdoctor_scan::{Options, ScanReport, scan};

fn corpus(spec: &Spec) -> (tempfile::TempDir, Expected) {
    let dir = tempfile::tempdir().unwrap();
    let expected = generate(dir.path(), spec).unwrap();
    (dir, expected)
}

fn run(dir: &std::path::Path, options: &Options) -> ScanReport {
    scan(&[dir.join("AWSLogs")], options, &|_| {}, &|_| {}).unwrap()
}

fn check(report: &ScanReport, expected: &Expected) {
    assert_eq!(report.files, expected.files);
    assert_eq!(report.records, expected.records);
    assert_eq!(report.uncompressed_bytes, expected.uncompressed_bytes);
    assert!(
        report.skipped_files.is_empty(),
        "{:?}",
        report.skipped_files
    );
    assert_eq!(report.malformed_records, 0);
    for (code, n) in &expected.failures_by_code {
        let got: u64 = report
            .failures
            .iter()
            .filter(|f| &f.error_code == code)
            .map(|f| f.count)
            .sum();
        assert_eq!(got, *n, "{code}");
    }
    let total: u64 = report.failures.iter().map(|f| f.count).sum();
    assert_eq!(total, expected.failures());
    assert_eq!(
        report.excluded_errors.iter().map(|e| e.count).sum::<u64>(),
        expected.excluded
    );
    assert_eq!(
        report.imdsv1_credentials.len(),
        expected.imdsv1_calls_by_key.len()
    );
    for (key, n) in &expected.imdsv1_calls_by_key {
        let masked = authdoctor_redact::shorten_key_id(key);
        let row = report
            .imdsv1_credentials
            .iter()
            .find(|r| r.access_key_id == masked)
            .expect("key reported");
        assert_eq!(row.count, *n);
    }
    assert_eq!(report.role_delivery.v2_calls, expected.v2_calls);
}

#[test]
fn gzip_corpus_counts_equal_the_generator() {
    let (dir, expected) = corpus(&Spec::default());
    assert!(expected.failures() > 0 && !expected.imdsv1_calls_by_key.is_empty());
    let report = run(dir.path(), &Options::default());
    check(&report, &expected);
    // The SCP deny of IMDSv1 credentials is diagnosed as such.
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.scenario == "role-delivery-imdsv1-denied"),
        "{:#?}",
        report
            .failures
            .iter()
            .map(|f| (&f.scenario, &f.event_name))
            .collect::<Vec<_>>()
    );
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.scenario == "expired-token")
    );
}

#[test]
fn plain_json_and_one_thread_give_the_same_counts() {
    let spec = Spec {
        gzip: false,
        seed: 7,
        records_per_file: 40_000,
        target_bytes: 12 << 20,
        ..Spec::default()
    };
    let (dir, expected) = corpus(&spec);
    let mut options = Options::default();
    options.threads = 1;
    check(&run(dir.path(), &options), &expected);
    options.threads = 4;
    check(&run(dir.path(), &options), &expected);
}

#[test]
fn region_and_account_filters_prune_by_path() {
    let (dir, _) = corpus(&Spec {
        seed: 3,
        ..Spec::default()
    });
    let all = run(dir.path(), &Options::default());
    let only = Options::new(
        None,
        None,
        Some("111122223333".into()),
        Some("eu-west-1".into()),
    );
    let some = run(dir.path(), &only);
    assert!(some.files > 0 && some.files < all.files);
    assert!(some.pruned_files > 0);
    assert!(some.records < all.records);
    let window = Options::new(
        Some("2026-11-02T00:00:00Z".parse().unwrap()),
        Some("2026-11-02T23:59:59Z".parse().unwrap()),
        None,
        None,
    );
    let day = run(dir.path(), &window);
    assert!(day.records > 0 && day.records < all.records);
    assert!(day.pruned_files > 0, "files of other days are not opened");
}

#[test]
fn group_cap_is_a_note_not_a_crash() {
    let (dir, expected) = corpus(&Spec {
        seed: 5,
        ..Spec::default()
    });
    let mut options = Options::default();
    options.max_groups = 2;
    let report = run(dir.path(), &options);
    assert!(
        report.failures.len() <= 2 * 2,
        "capped per table (fine groups fold into at most as many)"
    );
    assert!(report.notes.iter().any(|n| n.contains("--max-groups")));
    assert_eq!(report.records, expected.records);
}
