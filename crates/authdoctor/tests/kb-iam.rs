//! The IAM cluster of the knowledge base through the real binary: which scenario wins
//! when several match the same denial (the more specific one must), and that fix
//! commands are filled with the right role from the message (the caller's role for
//! grants, the target role for trust policies) and never with the wrong one.

#[path = "support/explain.rs"]
mod support;

use support::*;

/// (expected top scenario, text). Each row pits a specific scenario against the generic
/// one that also matches, or checks that a near miss is not claimed.
const PRECEDENCE: &[(&str, &str)] = &[
    (
        "passrole-denied",
        "An error occurred (AccessDeniedException) when calling the RunTask operation: User: arn:aws:iam::111122223333:user/ops is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/task because no identity-based policy allows the iam:PassRole action",
    ),
    (
        "assume-role-denied",
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::111122223333:assumed-role/ci/build-7 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/deploy because no resource-based policy allows the sts:AssumeRole action",
    ),
    (
        "access-denied-scp",
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::111122223333:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/x with an explicit deny in a service control policy",
    ),
    (
        "access-denied-boundary",
        "User: arn:aws:sts::111122223333:assumed-role/pipeline/AWSCloudFormation is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/app because no permissions boundary allows the iam:PassRole action",
    ),
    (
        "role-delivery-imdsv1-denied",
        "User: arn:aws:sts::111122223333:assumed-role/app/i-0123456789abcdef0 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy\nThe SCP: \"NumericLessThan\": {\"ec2:RoleDelivery\": \"2.0\"}",
    ),
    (
        "access-denied-scp",
        "User: arn:aws:sts::111122223333:assumed-role/app/i-0123456789abcdef0 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy",
    ),
    (
        "launch-requires-imdsv2",
        "An error occurred (UnsupportedOperation) when calling the RunInstances operation: You can't launch instances with IMDSv1 because httpTokensEnforced is enabled for this account.",
    ),
    (
        "spot-request-tags-denied",
        "api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/prov/p-0 is not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:us-west-2:111122223333:spot-instances-request/* because no identity-based policy allows the ec2:CreateTags action.",
    ),
    (
        "fleet-delete-missing-terminate",
        "An error occurred (UnauthorizedOperation) when calling the DeleteFleets operation: You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/cap/job is not authorized to perform: ec2:TerminateInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/i-0c1d2e3f4a5b6c7d8 because no identity-based policy allows the ec2:TerminateInstances action.",
    ),
    (
        "dlm-role-insufficient",
        "{\"detail-type\": \"DLM Policy State Change\", \"source\": \"aws.dlm\", \"detail\": {\"state\": \"ERROR\", \"cause\": \"Role provided does not have sufficient permissions\"}}",
    ),
    (
        "encoded-authorization-message",
        "Error launching source instance: UnauthorizedOperation: You are not authorized to perform this operation. Encoded authorization failure message: 4wXk9dQeV2bN7pLm0sHr3tJy6uFc1aZg8oKi5xEw-Tq_Rn2vBj7mYs4lCh9dUf0pWa3gIe6kOz1x",
    ),
    (
        "access-denied-missing-allow",
        "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/a/b is not authorized to perform: ec2:CreateFleet on resource: arn:aws:ec2:us-west-2:111122223333:launch-template/* because no identity-based policy allows the ec2:CreateFleet action. Encoded authorization failure message: 4wXk9dQeV2bN7pLm0sHr3tJy6uFc1aZg8oKi5xEw",
    ),
    (
        "access-denied-missing-allow",
        "An error occurred (UnauthorizedOperation) when calling the RequestSpotFleet operation: You are not authorized to perform this operation.",
    ),
    (
        "access-denied-resource-policy",
        "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/etl/n is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a VPC endpoint policy",
    ),
    (
        "unknown",
        "An error occurred (AccessDenied) when calling the AssumeRole operation: MultiFactorAuthentication failed with invalid MFA one time pass code.",
    ),
];

#[test]
fn the_most_specific_iam_scenario_wins() {
    let mut failures = Vec::new();
    for (want, text) in PRECEDENCE {
        let doc = explain_json(text);
        let got = top_scenario(&doc);
        if got != *want {
            failures.push(format!("want {want}, got {got}: {text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_bare_ec2_denial_is_missing_allow_with_low_confidence() {
    let doc = explain_json(
        "An error occurred (UnauthorizedOperation) when calling the DescribeVolumes operation: You are not authorized to perform this operation.",
    );
    assert_eq!(top_scenario(&doc), "access-denied-missing-allow");
    let confidence = doc["findings"][0]["confidence"].as_f64().unwrap_or(1.0);
    assert!(
        (0.5..0.7).contains(&confidence),
        "no policy layer is named, yet confidence is {confidence}"
    );
}

#[test]
fn assume_role_fixes_target_the_right_roles() {
    let doc = explain_json(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::111122223333:assumed-role/ci-runner/build-1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/deploy-target",
    );
    assert_eq!(top_scenario(&doc), "assume-role-denied");
    let commands = bash_commands(&doc);
    let joined = commands.join("\n");
    // The trust policy belongs to the target role; the grant to the caller's role.
    assert!(
        joined.contains("aws iam get-role --role-name deploy-target"),
        "{joined}"
    );
    assert!(
        joined.contains("aws iam put-role-policy --role-name ci-runner"),
        "{joined}"
    );
    assert!(
        joined.contains("\"Resource\":\"arn:aws:iam::444455556666:role/deploy-target\""),
        "{joined}"
    );
}

#[test]
fn passrole_from_an_iam_user_never_grants_to_the_passed_role() {
    let doc = explain_json(
        "AccessDeniedException: User: arn:aws:iam::111122223333:user/deploy-bot is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/image-resizer-exec",
    );
    assert_eq!(top_scenario(&doc), "passrole-denied");
    let joined = bash_commands(&doc).join("\n");
    assert!(
        !joined.contains("--role-name image-resizer-exec"),
        "the grant must go to the caller, not to the role being passed:\n{joined}"
    );
    assert!(
        joined.contains("arn:aws:iam::111122223333:role/image-resizer-exec"),
        "{joined}"
    );
    assert!(!joined.contains("{caller_role_name}"), "{joined}");
}
