//! The collected decoded authorization messages of iam-evaluation.md §6, (a) to (e): what
//! the explainer reads from each.

use authdoctor_policy::decode::parse_decoded;

const A: &str = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"VisualEditor0","effect":"DENY","principals":{"items":[{"value":"AROA123456789EXAMPLE"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AROA123456789EXAMPLE:Ana","arn":"arn:aws:sts::111122223333:assumed-role/Developer/Ana"},"action":"RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:MetadataHttpPutResponseHopLimit","values":{"items":[{"value":"2"}]}},{"key":"ec2:InstanceType","values":{"items":[{"value":"t2.micro"}]}},{"key":"ec2:MetadataHttpTokens","values":{"items":[{"value":"required"}]}},{"key":"aws:Region","values":{"items":[{"value":"us-east-1"}]}}]}}}"#;

const B: &str = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"RequireMicroInstanceType","effect":"DENY","principals":{"items":[{"value":"AIDAEXAMPLEUSERID0001"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"arn:aws:ec2:*:*:instance/*"}]},"conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3a.micro"}]}}]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0001","name":"example.user","arn":"arn:aws:iam::111122223333:user/example.user"},"action":"RunInstances","resource":"arn:aws:ec2:eu-north-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t3.medium"}]}},{"key":"ec2:MetadataHttpTokens","values":{"items":[{"value":"required"}]}}]}}}"#;

const C: &str = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0002","name":"terraform-user","arn":"arn:aws:iam::111122223333:user/terraform-user"},"action":"ec2:CreateTags","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"t2.micro"}]}}]}}}"#;

const D: &str = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"","effect":"DENY","principals":{"items":[{"value":"AIDAEXAMPLEUSERID0003"}]},"principalGroups":{"items":[]},"actions":{"items":[{"value":"ec2:RequestSpotInstances"},{"value":"ec2:RunInstances"},{"value":"iam:CreateAccessKey"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[]}}]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0003","name":"course-user","arn":"arn:aws:iam::111122223333:user/course-user"},"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[]}}}"#;

const E: &str = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AIDAEXAMPLEUSERID0004","name":"scalr","arn":"arn:aws:iam::111122223333:user/scalr"},"action":"iam:PassRole","resource":"arn:aws:iam::111122223333:role/app-ec2-role","conditions":{"items":[]}}}"#;

#[test]
fn a_explicit_deny_without_conditions() {
    let d = parse_decoded(A).unwrap();
    assert!(d.explicit_deny && !d.allowed);
    assert_eq!(d.action, "ec2:RunInstances");
    assert_eq!(d.matched_statements[0].sid, "VisualEditor0");
    assert_eq!(
        d.context["ec2:MetadataHttpTokens"],
        vec!["required".to_owned()]
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("does not say which policy or which layer"))
    );
}

#[test]
fn b_operator_inferred_from_values() {
    let d = parse_decoded(B).unwrap();
    let c = &d.matched_statements[0].conditions[0];
    assert_eq!(c.key, "ec2:InstanceType");
    assert_eq!(c.policy_values, vec!["t3a.micro".to_owned()]);
    assert_eq!(c.request_values, vec!["t3.medium".to_owned()]);
    assert_eq!(c.operator, "StringNotEquals");
    assert!(c.inferred);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("needs `ec2:InstanceType` set to one of: t3a.micro")),
        "{:?}",
        d.notes
    );
}

#[test]
fn c_dependent_create_tags() {
    let d = parse_decoded(C).unwrap();
    assert!(!d.explicit_deny);
    assert_eq!(d.action, "ec2:CreateTags");
    assert!(d.notes.iter().any(|n| n.contains("tag-on-create")));
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("does not say which layer lacked the Allow"))
    );
}

#[test]
fn d_statement_without_sid() {
    let d = parse_decoded(D).unwrap();
    assert_eq!(d.matched_statements[0].sid, "");
    assert_eq!(d.matched_statements[0].actions.len(), 3);
    assert_eq!(d.scenario, None);
}

#[test]
fn e_passrole_and_the_cli_wrapper() {
    let wrapped = serde_json::json!({"DecodedMessage": E}).to_string();
    let d = parse_decoded(&wrapped).unwrap();
    assert_eq!(d.action, "iam:PassRole");
    assert_eq!(
        d.scenario.map(authdoctor_kb::ScenarioId::as_str),
        Some("passrole-denied")
    );
    assert!(d.notes.iter().any(|n| n.contains("iam:PassRole")));
}

#[test]
fn role_delivery_infers_numeric_less_than() {
    let msg = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"DenyImdsV1","effect":"DENY","actions":{"items":[{"value":"*"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[{"key":"ec2:RoleDelivery","values":{"items":[{"value":"2.0"}]}}]}}]},"context":{"principal":{"arn":"arn:aws:sts::111122223333:assumed-role/App/i-0abc"},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","conditions":{"items":[{"key":"ec2:RoleDelivery","values":{"items":[{"value":"1.0"}]}}]}}}"#;
    let d = parse_decoded(msg).unwrap();
    assert_eq!(
        d.matched_statements[0].conditions[0].operator,
        "NumericLessThan"
    );
    assert_eq!(
        d.scenario.map(authdoctor_kb::ScenarioId::as_str),
        Some("role-delivery-imdsv1-denied")
    );
}
