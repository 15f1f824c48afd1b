//! The examples of AWS's policy-evaluation documentation that
//! `shared/reference/iam-evaluation.md` cites, one test each, with the documented answer.
//! Each test names its source ([EVAL], [EC2-EX], … as in the reference's Sources).

use authdoctor_policy::{Decision, parse_case};
use serde_json::{Value, json};

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/AppRole/i-0abc";

fn decide(case: Value) -> Decision {
    let text = case.to_string();
    let c = parse_case("doc", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let fast = c.policies.decide(&c.request);
    assert_eq!(fast, c.policies.explain(&c.request).decision);
    fast
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow_all() -> Value {
    doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
}

fn req(principal: &str, action: &str, resource: &str, context: Value) -> Value {
    json!({"principal": principal, "action": action, "resource": resource, "context": context})
}

const INSTANCE: &str = "arn:aws:ec2:us-east-1:111122223333:instance/*";

/// [EC2-EX] "Require the use of IMDSv2": Deny RunInstances on instance/* when
/// `ec2:MetadataHttpTokens` is not `required`. A negated operator is true on a missing
/// key, so a launch that does not set the option is denied too.
#[test]
fn ec2_require_imdsv2_deny() {
    let deny = doc(
        json!([{"Sid": "RequireImdsV2", "Effect": "Deny", "Action": "ec2:RunInstances",
        "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}}]),
    );
    let case = |ctx: Value| json!({"identityPolicies": [allow_all(), deny.clone()], "request": req(USER, "ec2:RunInstances", INSTANCE, ctx)});
    assert_eq!(
        decide(case(json!({"ec2:MetadataHttpTokens": "optional"}))),
        Decision::ExplicitDeny
    );
    assert_eq!(decide(case(json!({}))), Decision::ExplicitDeny);
    assert_eq!(
        decide(case(json!({"ec2:MetadataHttpTokens": "required"}))),
        Decision::Allow
    );
}

/// [EC2-EX] "Deny opt-out of IMDSv2": StringNotEquals ec2:Attribute/HttpTokens required
/// paired with Null ec2:Attribute/HttpTokens false, so calls that do not touch the
/// attribute are not denied.
#[test]
fn ec2_deny_imdsv2_opt_out() {
    let deny = doc(
        json!([{"Effect": "Deny", "Action": "ec2:ModifyInstanceMetadataOptions", "Resource": "*",
        "Condition": {"StringNotEquals": {"ec2:Attribute/HttpTokens": "required"},
                      "Null": {"ec2:Attribute/HttpTokens": "false"}}}]),
    );
    let case = |ctx: Value| {
        json!({"identityPolicies": [allow_all(), deny.clone()],
        "request": req(USER, "ec2:ModifyInstanceMetadataOptions", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ctx)})
    };
    assert_eq!(
        decide(case(json!({"ec2:Attribute/HttpTokens": "optional"}))),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(case(json!({"ec2:Attribute/HttpTokens": "required"}))),
        Decision::Allow
    );
    assert_eq!(
        decide(case(json!({"ec2:Attribute/HttpPutResponseHopLimit": "2"}))),
        Decision::Allow
    );
}

/// [EC2-EX] "Specify maximum hop limit": Deny when the requested hop limit is greater
/// than 3.
#[test]
fn ec2_max_hop_limit() {
    let deny = doc(
        json!([{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*",
        "Condition": {"NumericGreaterThan": {"ec2:MetadataHttpPutResponseHopLimit": "3"}}}]),
    );
    let case = |hop: &str| {
        json!({"identityPolicies": [allow_all(), deny.clone()],
        "request": req(USER, "ec2:RunInstances", INSTANCE, json!({"ec2:MetadataHttpPutResponseHopLimit": hop}))})
    };
    assert_eq!(decide(case("4")), Decision::ExplicitDeny);
    assert_eq!(decide(case("2")), Decision::Allow);
}

/// [EC2-EX] "Require role credentials to be retrieved from IMDSv2": Deny * when
/// NumericLessThan ec2:RoleDelivery 2.0; it "has no effect" on requests not signed with
/// EC2 role credentials (no key).
#[test]
fn ec2_role_delivery() {
    let scp = doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}}}]));
    let case = |ctx: Value| {
        json!({"identityPolicies": [allow_all()], "scps": [allow_all(), scp.clone()],
        "request": req(SESSION, "s3:GetObject", "arn:aws:s3:::bucket/key", ctx)})
    };
    assert_eq!(
        decide(case(json!({"ec2:RoleDelivery": "1.0"}))),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(case(json!({"ec2:RoleDelivery": "2.0"}))),
        Decision::Allow
    );
    assert_eq!(decide(case(json!({}))), Decision::Allow);
}

/// [EC2-TAG] Allow ec2:CreateTags only during RunInstances (`ec2:CreateAction`).
#[test]
fn ec2_tag_on_create() {
    let policy = doc(
        json!([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "arn:aws:ec2:us-east-1:111122223333:*/*",
        "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}}}]),
    );
    let case = |ctx: Value| {
        json!({"identityPolicies": [policy.clone()],
        "request": req(USER, "ec2:CreateTags", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ctx)})
    };
    assert_eq!(
        decide(case(json!({"ec2:CreateAction": "RunInstances"}))),
        Decision::Allow
    );
    assert_eq!(decide(case(json!({}))), Decision::ImplicitDeny);
}

/// [MULTI] ForAllValues: every request value must be in the policy set; true for a
/// missing key ("dangerous with Allow"). ForAnyValue: sets intersect; false on missing.
#[test]
fn multivalued_set_operators() {
    let all = doc(
        json!([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}}]),
    );
    let any = doc(
        json!([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}}]),
    );
    let case = |p: &Value, ctx: Value| json!({"identityPolicies": [p.clone()], "request": req(USER, "ec2:CreateTags", "*", ctx)});
    assert_eq!(
        decide(case(&all, json!({"aws:TagKeys": ["environment"]}))),
        Decision::Allow
    );
    assert_eq!(
        decide(case(&all, json!({"aws:TagKeys": ["environment", "owner"]}))),
        Decision::ImplicitDeny
    );
    assert_eq!(decide(case(&all, json!({}))), Decision::Allow);
    assert_eq!(
        decide(case(&any, json!({"aws:TagKeys": ["owner", "environment"]}))),
        Decision::Allow
    );
    assert_eq!(decide(case(&any, json!({}))), Decision::ImplicitDeny);
}

/// [EVAL] / [DENYALLOW]: an explicit deny in any policy overrides any allow; with no
/// allow, the request is implicitly denied.
#[test]
fn explicit_deny_overrides_and_default_deny() {
    let deny = doc(json!([{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]));
    let r = req(USER, "s3:DeleteObject", "arn:aws:s3:::b/k", json!({}));
    assert_eq!(
        decide(json!({"identityPolicies": [allow_all(), deny], "request": r.clone()})),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(json!({"identityPolicies": [], "request": r})),
        Decision::ImplicitDeny
    );
}

/// [SCP]: every level of the organisation needs an Allow; an OU whose only SCP is an
/// allow-list without the action denies, whatever the identity policy says.
#[test]
fn scp_every_level_needs_an_allow() {
    let allow_list =
        doc(json!([{"Effect": "Allow", "Action": ["s3:*", "ec2:Describe*"], "Resource": "*"}]));
    let case = |action: &str| {
        json!({"identityPolicies": [allow_all()], "scps": [[allow_all()], [allow_list.clone()], [allow_all()]],
        "request": req(USER, action, "*", json!({}))})
    };
    assert_eq!(decide(case("ec2:DescribeInstances")), Decision::Allow);
    assert_eq!(
        decide(case("ec2:TerminateInstances")),
        Decision::ImplicitDeny
    );
}

/// [BOUNDARY]: the effective permissions are the intersection of identity policy and
/// boundary; a same-account resource policy naming the IAM user is not limited by the
/// boundary, one naming the role (caller is its session) is.
#[test]
fn permissions_boundary() {
    let boundary = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    let ident = |p: &str, a: &str, r: &str| json!({"identityPolicies": [allow_all()], "boundary": boundary.clone(), "request": req(p, a, r, json!({}))});
    assert_eq!(
        decide(ident(USER, "s3:GetObject", "arn:aws:s3:::b/k")),
        Decision::Allow
    );
    assert_eq!(
        decide(ident(
            USER,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:q"
        )),
        Decision::ImplicitDeny
    );
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let rbp = |principal: &str| {
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sqs:SendMessage", "Resource": queue}]),
        )
    };
    let case = |caller: &str, named: &str| {
        json!({"identityPolicies": [], "boundary": boundary.clone(), "resourcePolicy": rbp(named),
        "request": req(caller, "sqs:SendMessage", queue, json!({}))})
    };
    assert_eq!(decide(case(USER, USER)), Decision::Allow);
    assert_eq!(
        decide(case(SESSION, "arn:aws:iam::111122223333:role/AppRole")),
        Decision::ImplicitDeny
    );
}

/// [SESSION]: a session policy limits the session's identity permissions; a resource
/// policy naming the session ARN is not limited by it.
#[test]
fn session_policy() {
    let session = doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    let case = |a: &str| json!({"identityPolicies": [allow_all()], "sessionPolicy": session.clone(), "request": req(SESSION, a, "arn:aws:s3:::b/k", json!({}))});
    assert_eq!(decide(case("s3:GetObject")), Decision::Allow);
    assert_eq!(decide(case("s3:PutObject")), Decision::ImplicitDeny);
    let rbp = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": SESSION}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]),
    );
    assert_eq!(
        decide(
            json!({"identityPolicies": [], "sessionPolicy": session, "resourcePolicy": rbp, "request": req(SESSION, "s3:PutObject", "arn:aws:s3:::b/k", json!({}))})
        ),
        Decision::Allow
    );
}

/// [XACCT]: cross-account access needs the identity policy in the caller's account and
/// the resource policy in the resource's account to allow.
#[test]
fn cross_account() {
    let carol = "arn:aws:iam::444455556666:user/carol";
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let rbp = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sqs:SendMessage", "Resource": queue}]),
    );
    let r = req(carol, "sqs:SendMessage", queue, json!({}));
    assert_eq!(
        decide(
            json!({"identityPolicies": [allow_all()], "resourcePolicy": rbp.clone(), "request": r.clone()})
        ),
        Decision::Allow
    );
    assert_eq!(
        decide(json!({"identityPolicies": [], "resourcePolicy": rbp, "request": r.clone()})),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(json!({"identityPolicies": [allow_all()], "request": r})),
        Decision::ImplicitDeny
    );
}

/// Same account: a resource policy that names the user allows without any identity
/// policy ([EVAL], "identity-based or resource-based policy allows").
#[test]
fn same_account_resource_policy_alone() {
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let rbp = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sqs:SendMessage", "Resource": queue}]),
    );
    assert_eq!(
        decide(
            json!({"identityPolicies": [], "resourcePolicy": rbp, "request": req(USER, "sqs:SendMessage", queue, json!({}))})
        ),
        Decision::Allow
    );
}

/// [CONDOPS]: missing keys make positive operators false, negated ones and IfExists true.
#[test]
fn condition_operators_on_missing_keys() {
    let with = |op: &str| {
        doc(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {op: {"aws:SourceVpc": "vpc-1"}}}]),
        )
    };
    let case = |op: &str| json!({"identityPolicies": [with(op)], "request": req(USER, "s3:GetObject", "arn:aws:s3:::b/k", json!({}))});
    assert_eq!(decide(case("StringEquals")), Decision::ImplicitDeny);
    assert_eq!(decide(case("StringNotEquals")), Decision::Allow);
    assert_eq!(decide(case("StringEqualsIfExists")), Decision::Allow);
}

/// [CONDOPS]: IpAddress with CIDR blocks, Bool, DateLessThan on aws:CurrentTime.
#[test]
fn ip_bool_date() {
    let p = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {
        "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]},
        "Bool": {"aws:SecureTransport": "true"},
        "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}}]),
    );
    let case = |ip: &str, tls: &str, now: &str| {
        json!({"identityPolicies": [p.clone()], "request": req(USER, "s3:GetObject", "arn:aws:s3:::b/k",
        json!({"aws:SourceIp": ip, "aws:SecureTransport": tls, "aws:CurrentTime": now}))})
    };
    assert_eq!(
        decide(case("203.0.113.7", "true", "2026-11-23T10:00:00Z")),
        Decision::Allow
    );
    assert_eq!(
        decide(case(
            "2001:db8:1234:5678::9",
            "true",
            "2026-11-23T10:00:00Z"
        )),
        Decision::Allow
    );
    assert_eq!(
        decide(case("198.51.100.1", "true", "2026-11-23T10:00:00Z")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(case("203.0.113.7", "false", "2026-11-23T10:00:00Z")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(case("203.0.113.7", "true", "2027-06-01T00:00:00Z")),
        Decision::ImplicitDeny
    );
}

/// [VARS]: `${aws:username}` in Resource gives each user their own prefix; `${*}` is a
/// literal star; in a 2008-10-17 policy variables are plain text.
#[test]
fn policy_variables() {
    let p = |version: &str| {
        json!({"Version": version, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*"}]})
    };
    let case = |v: &str, key: &str| json!({"identityPolicies": [p(v)], "request": req(USER, "s3:GetObject", key, json!({}))});
    assert_eq!(
        decide(case(
            "2012-10-17",
            "arn:aws:s3:::bucket/home/alice/notes.txt"
        )),
        Decision::Allow
    );
    assert_eq!(
        decide(case("2012-10-17", "arn:aws:s3:::bucket/home/bob/notes.txt")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(case(
            "2008-10-17",
            "arn:aws:s3:::bucket/home/alice/notes.txt"
        )),
        Decision::ImplicitDeny
    );
    let star = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/${*}"}]),
    );
    let case = |key: &str| json!({"identityPolicies": [star.clone()], "request": req(USER, "s3:GetObject", key, json!({}))});
    assert_eq!(decide(case("arn:aws:s3:::bucket/*")), Decision::Allow);
    assert_eq!(
        decide(case("arn:aws:s3:::bucket/x")),
        Decision::ImplicitDeny
    );
}

/// [ELEM-ACTION]: Deny with NotAction denies everything except the listed actions.
#[test]
fn deny_not_action() {
    let p = doc(
        json!([{"Effect": "Deny", "NotAction": ["iam:*", "sts:GetCallerIdentity"], "Resource": "*"}]),
    );
    let case = |a: &str| json!({"identityPolicies": [allow_all(), p.clone()], "request": req(USER, a, "*", json!({}))});
    assert_eq!(decide(case("iam:ListUsers")), Decision::Allow);
    assert_eq!(decide(case("ec2:RunInstances")), Decision::ExplicitDeny);
}
