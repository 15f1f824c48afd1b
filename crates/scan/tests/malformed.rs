//! Malformed input never panics and never stops the scan of the other files: garbage,
//! truncated gzip, wrong shapes, empty and digest files, a value larger than the cap,
//! a record cut off mid-way. Each bad file is listed in `skipped_files`; the good file
//! beside it is counted in full.

use std::io::Write;

use authdoctor_scan::{Options, scan};

const GOOD: &str = r#"{"Records":[{"eventTime":"2026-11-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","errorMessage":"Access Denied","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accessKeyId":"AKIAIOSFODNN7EXAMPLE"}},{"eventTime":"2026-11-01T00:00:01Z","eventName":"ListBuckets"}]}"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn bad_files_are_reported_and_the_good_one_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.json"), GOOD).unwrap();
    std::fs::write(d.join("garbage.json"), b"\x00\xffnot json at all").unwrap();
    std::fs::write(d.join("empty.json"), b"").unwrap();
    std::fs::write(d.join("blank.json"), b"  \n").unwrap();
    let full = gzip(GOOD.as_bytes());
    std::fs::write(d.join("truncated.json.gz"), &full[..full.len() / 2]).unwrap();
    let mut corrupt = full.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xff;
    corrupt[mid + 1] ^= 0xff;
    std::fs::write(d.join("corrupt.json.gz"), &corrupt).unwrap();
    std::fs::write(d.join("cut.json"), &GOOD.as_bytes()[..GOOD.len() - 30]).unwrap();
    std::fs::write(d.join("wrong-shape.json"), br#"[1, 2, {"no":"event"}]"#).unwrap();
    std::fs::write(
        d.join("digest.json"),
        br#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-01T00:00:00Z","logFiles":[]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("typed-wrong.json"),
        br#"{"Records":[{"eventTime":"2026-11-01T00:00:00Z","errorCode":42,"userIdentity":"x"}]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("notes.txt"),
        b"not a log; the walk does not pick it up",
    )
    .unwrap();

    let report = scan(&[d.to_path_buf()], &Options::default(), &|_| {}, &|_| {}).unwrap();
    let skipped: Vec<(&str, &str)> = report
        .skipped_files
        .iter()
        .map(|s| (s.path.rsplit('/').next().unwrap(), s.error.as_str()))
        .collect();
    let reason = |name: &str| {
        skipped
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
            .unwrap_or_else(|| panic!("{name} not skipped: {skipped:?}"))
    };
    assert!(reason("garbage.json").contains("not CloudTrail JSON"));
    assert!(reason("empty.json").contains("empty"));
    assert!(reason("blank.json").contains("empty"));
    assert!(
        reason("truncated.json.gz").contains("gzip"),
        "{}",
        reason("truncated.json.gz")
    );
    assert!(
        reason("corrupt.json.gz").contains("gzip") || reason("corrupt.json.gz").contains("JSON")
    );
    assert!(reason("cut.json").contains("truncated"));
    assert!(reason("wrong-shape.json").contains("no CloudTrail records"));
    assert!(reason("digest.json").contains("no CloudTrail records"));
    assert_eq!(skipped.len(), 8, "{skipped:?}");
    // good.json (2 records) and typed-wrong.json (a record whose fields have the wrong
    // types: read as absent, so it counts as a record with no error code).
    assert_eq!(report.files, 2);
    assert_eq!(report.records, 3);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].count, 1);
}

#[test]
fn nothing_readable_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("garbage.json"), b"<html>").unwrap();
    let err = scan(
        &[dir.path().to_path_buf()],
        &Options::default(),
        &|_| {},
        &|_| {},
    )
    .unwrap_err();
    assert!(err.0.contains("no input could be read"), "{err}");
    let missing = scan(
        &[dir.path().join("missing")],
        &Options::default(),
        &|_| {},
        &|_| {},
    )
    .unwrap_err();
    assert!(missing.0.contains("missing"), "{missing}");
}

/// A single line far larger than any record, streamed in bounded memory: an envelope of
/// 57 MB of records is read, a 70 MB single string value is refused at the cap.
#[test]
fn huge_single_line_inputs_stream_or_hit_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(b"{\"Records\":[").unwrap();
        let record = br#"{"eventTime":"2026-11-01T00:00:00Z","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"}}"#;
        let n = 500_000u64;
        for i in 0..n {
            if i > 0 {
                f.write_all(b",").unwrap();
            }
            f.write_all(record).unwrap();
        }
        f.write_all(b"]}").unwrap();
    }
    let big = dir.path().join("one-string.json");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        f.write_all(b"[\"").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..70 {
            f.write_all(&chunk).unwrap();
        }
        f.write_all(b"\"]").unwrap();
    }
    let report = scan(&[path, big], &Options::default(), &|_| {}, &|_| {}).unwrap();
    assert_eq!(report.skipped_files.len(), 1);
    assert!(
        report.skipped_files[0].error.contains("larger than 64 MiB"),
        "{:?}",
        report.skipped_files
    );
    assert_eq!(report.records, 500_000);
}
