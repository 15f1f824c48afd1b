//! Diagnoses that used to point at the wrong cause (issue 9, "advice that is wrong or
//! incomplete"), through the real binary: EC2's `RequestExpired` fits both a skewed clock
//! and an expired session, and a denied `ListBuckets` is never a bucket policy's doing.

#[path = "support/explain.rs"]
mod support;

use support::*;

const REQUEST_EXPIRED: &str = "An error occurred (RequestExpired) when calling the DescribeInstances operation: Request has expired.";

#[test]
fn request_expired_alone_names_both_clock_skew_and_expired_credentials() {
    let doc = explain_json(REQUEST_EXPIRED);
    assert_eq!(top_scenario(&doc), "clock-skew");
    assert!(
        candidates(&doc).iter().any(|c| c == "expired-token"),
        "{:?}",
        candidates(&doc)
    );
}

#[test]
fn request_expired_from_a_session_is_expired_credentials_first() {
    for session in [
        "caller: arn:aws:sts::111122223333:assumed-role/deploy/i-0123456789abcdef0",
        "aws_access_key_id = ASIAIOSFODNN7EXAMPLE",
    ] {
        let doc = explain_json(&format!("{REQUEST_EXPIRED}\n{session}"));
        assert_eq!(top_scenario(&doc), "expired-token", "{session}");
        assert!(
            candidates(&doc).iter().any(|c| c == "clock-skew"),
            "{session}: {:?}",
            candidates(&doc)
        );
    }
}

#[test]
fn a_denied_list_buckets_does_not_blame_a_bucket_policy() {
    for text in [
        "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied",
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied",
    ] {
        let doc = explain_json(text);
        assert_eq!(top_scenario(&doc), "access-denied-missing-allow", "{text}");
        let finding = &doc["findings"][0];
        let notes = finding["notes"].to_string();
        assert!(
            !notes.contains("access-denied-resource-policy"),
            "{text}: {notes}"
        );
        assert!(
            !bash_commands(&doc)
                .iter()
                .any(|c| c.contains("get-bucket-policy")),
            "{text}: {:?}",
            bash_commands(&doc)
        );
    }
    // A denied object read still points at the bucket policy first.
    let doc = explain_json(
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
    );
    assert_eq!(top_scenario(&doc), "access-denied-resource-policy");
}
