//! Behaviour of the engine on mixed and unusual input, independent of any one
//! scenario's wording.

use authdoctor_explain::explain_text;

const EXPIRED: &str = "An error occurred (ExpiredToken) when calling the ListBuckets operation: The provided token has expired.";
const SCP: &str = "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::111122223333:assumed-role/App/i-0123456789abcdef0 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:db with an explicit deny in a service control policy";

fn scenarios(text: &str) -> Vec<String> {
    explain_text(text)
        .findings()
        .map(|f| f.scenario.clone())
        .collect()
}

#[test]
fn distinct_errors_far_apart_are_separate_findings() {
    let log = format!("{EXPIRED}\nstep 2\nstep 3\nstep 4\nstep 5\nstep 6\n{SCP}\n");
    let got = scenarios(&log);
    assert!(got.contains(&"expired-token".to_owned()), "{got:?}");
    assert!(got.contains(&"access-denied-scp".to_owned()), "{got:?}");
}

#[test]
fn distinct_errors_on_adjacent_lines_are_separate_findings() {
    let got = scenarios(&format!("{EXPIRED}\n{SCP}\n"));
    assert!(got.contains(&"expired-token".to_owned()), "{got:?}");
    assert!(got.contains(&"access-denied-scp".to_owned()), "{got:?}");
}

#[test]
fn an_auth_error_no_scenario_explains_is_unknown() {
    let text = "An error occurred (AuthorizationHeaderMalformed) when calling the ListBuckets operation: The authorization header is malformed; the region 'us_east_1' is wrong; expecting 'us-east-1'";
    let report = explain_text(text);
    let top = report
        .findings()
        .next()
        .unwrap_or_else(|| panic!("no finding"));
    assert_eq!(top.scenario, "unknown");
    assert!(!top.evidence.is_empty());
    assert_eq!(
        top.facts.get("error_code").map(String::as_str),
        Some("AuthorizationHeaderMalformed")
    );
}

#[test]
fn ordinary_failures_are_not_auth_errors() {
    for text in [
        "Error response from daemon: pull access denied for repo, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
        "botocore.exceptions.NoRegionError: You must specify a region.",
        "ERROR: relation \"users\" does not exist at character 15",
        "npm ERR! 404 Not Found - GET https://registry.npmjs.org/nope",
    ] {
        assert!(scenarios(text).is_empty(), "{text}: {:?}", scenarios(text));
    }
}

#[test]
fn evidence_columns_count_characters_not_bytes() {
    let text = format!("résumé ✓ {EXPIRED}");
    let report = explain_text(&text);
    let finding = report
        .findings()
        .next()
        .unwrap_or_else(|| panic!("no finding"));
    let evidence = finding
        .evidence
        .iter()
        .filter_map(|e| e.as_text())
        .find(|e| e.text == "ExpiredToken")
        .unwrap_or_else(|| panic!("{:?}", finding.evidence));
    let byte = text
        .find("ExpiredToken")
        .unwrap_or_else(|| panic!("no code in the text"));
    assert_eq!(evidence.column, text[..byte].chars().count() + 1);
    assert_ne!(
        evidence.column,
        byte + 1,
        "the prefix has multi-byte characters"
    );
}

#[test]
fn fix_commands_are_filled_with_facts_that_have_the_right_shape() {
    let text = "User: arn:aws:sts::111122223333:assumed-role/BuildRole/session is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/worker because no identity-based policy allows the iam:PassRole action";
    let report = explain_text(text);
    let finding = report
        .findings()
        .next()
        .unwrap_or_else(|| panic!("no finding"));
    let commands: Vec<&str> = finding
        .fix
        .commands
        .iter()
        .map(|c| c.command.as_str())
        .collect();
    assert!(commands.iter().any(|c| c.contains("BuildRole") || c.contains("arn:aws:iam::111122223333:role/worker")), "{commands:?}");
    // A value with shell metacharacters never reaches a command line.
    let hostile = "User: arn:aws:sts::111122223333:assumed-role/$(reboot)/x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/`id` because no identity-based policy allows the iam:PassRole action";
    let report = explain_text(hostile);
    for finding in report.findings() {
        for command in &finding.fix.commands {
            assert!(
                !command.command.contains("$(reboot)") && !command.command.contains("`id`"),
                "{}",
                command.command
            );
        }
    }
}

#[test]
fn one_pretty_printed_cloudtrail_record_stays_one_error() {
    let record = r#"{
  "eventVersion": "1.09",
  "userIdentity": {
    "type": "AssumedRole",
    "arn": "arn:aws:sts::111122223333:assumed-role/AppRole/i-0123456789abcdef0",
    "sessionContext": {
      "attributes": {
        "creationDate": "2026-11-20T10:00:00Z",
        "mfaAuthenticated": "false"
      },
      "ec2RoleDelivery": "1.0"
    }
  },
  "eventTime": "2026-11-20T10:05:00Z",
  "eventSource": "s3.amazonaws.com",
  "eventName": "GetObject",
  "awsRegion": "us-east-1",
  "errorCode": "AccessDenied",
  "errorMessage": "User: arn:aws:sts::111122223333:assumed-role/AppRole/i-0123456789abcdef0 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::app-config/config.json with an explicit deny in a service control policy",
  "requestID": "EXAMPLE123456789"
}"#;
    let report = explain_text(record);
    let got: Vec<&str> = report.findings().map(|f| f.scenario.as_str()).collect();
    assert_eq!(got.first(), Some(&"role-delivery-imdsv1-denied"), "{got:?}");
}

#[test]
fn an_error_code_read_into_an_observation_is_not_counted_twice() {
    // The curl transcript of the S3 example: the reader turns the XML body into an
    // API error, which the rules `check` judges its own calls by also read; the code
    // is one piece of evidence, already underlined by the scenario's signal.
    let kb = authdoctor_kb::knowledge_base();
    for scenario in kb.scenarios() {
        let api_rules: Vec<&str> = scenario
            .observations
            .iter()
            .filter(|o| o.kind == authdoctor_kb::ObservationKind::ApiError)
            .map(|o| o.name.as_str())
            .collect();
        for example in &scenario.examples {
            for finding in explain_text(&example.log).findings() {
                let spans: Vec<_> = finding
                    .evidence
                    .iter()
                    .filter_map(|e| e.as_text())
                    .collect();
                for a in spans
                    .iter()
                    .filter(|a| api_rules.contains(&a.signal.as_str()))
                {
                    for b in spans.iter().filter(|b| !std::ptr::eq(**b, *a)) {
                        let overlap = a.line == b.line
                            && a.column < b.column + b.length
                            && b.column < a.column + a.length;
                        assert!(
                            !overlap,
                            "{}: `{}` ({}) and `{}` ({}) are one piece of evidence",
                            scenario.id, a.text, a.signal, b.text, b.signal
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_line_number_or_a_logging_millisecond_is_not_a_status_code() {
    // The stack frames' line numbers (407: proxy authentication, 429: throttling) and
    // Python logging's milliseconds are not HTTP statuses; the message names the cause.
    let java = "com.amazonaws.AmazonClientException: EC2 Instance Metadata Service is disabled\n\
        \tat com.amazonaws.internal.EC2ResourceFetcher.readResource(EC2ResourceFetcher.java:66)\n\
        \tat com.amazonaws.util.EC2MetadataUtils.getItems(EC2MetadataUtils.java:407)\n\
        \tat com.amazonaws.util.EC2MetadataUtils.getData(EC2MetadataUtils.java:429)\n";
    assert_eq!(scenarios(java), ["imds-disabled"]);
    let python = "2026-11-23 08:30:02,429 botocore.utils [DEBUG] Metadata service returned 404 for iam/security-credentials/: no role attached\n";
    assert_ne!(
        scenarios(python).first().map(String::as_str),
        Some("imds-throttled")
    );
    // A status written as JSON still counts.
    let json = r#"{"message":"instance metadata request failed","statusCode":429}"#;
    assert_eq!(
        scenarios(json).first().map(String::as_str),
        Some("imds-throttled")
    );
}

/// An explicit deny whose policy type the message does not name is not pinned on one
/// layer: the finding lists the layers that can deny (a resource policy only for
/// services whose resources carry one), except for the well-known guard on creating
/// roles without the required permissions boundary.
#[test]
fn an_explicit_deny_of_an_unnamed_layer_lists_the_layers() {
    let deny = |action: &str, resource: &str| {
        format!(
            "An error occurred (AccessDenied) when calling the {} operation: User: arn:aws:sts::111122223333:assumed-role/deploy/ci is not authorized to perform: {action} on resource: {resource} with an explicit deny",
            action.split(':').nth(1).unwrap_or(action)
        )
    };
    let lead_and_candidates = |text: &str| {
        let report = explain_text(text);
        let finding = report.findings().next().expect("a finding").clone();
        let candidates: Vec<String> = finding
            .candidates
            .iter()
            .map(|c| c.scenario.clone())
            .collect();
        (finding.scenario, candidates)
    };

    let (lead, candidates) = lead_and_candidates(&deny(
        "ec2:DescribeInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
    ));
    assert_eq!(lead, "unknown");
    for layer in [
        "access-denied-scp",
        "access-denied-boundary",
        "access-denied-missing-allow",
    ] {
        assert!(
            candidates.contains(&layer.to_owned()),
            "{layer} not in {candidates:?}"
        );
    }
    assert!(
        !candidates.contains(&"access-denied-resource-policy".to_owned()),
        "{candidates:?}"
    );

    let (lead, candidates) =
        lead_and_candidates(&deny("s3:PutObject", "\"arn:aws:s3:::reports/2026/a.csv\""));
    assert_eq!(lead, "unknown");
    assert!(
        candidates.contains(&"access-denied-resource-policy".to_owned()),
        "{candidates:?}"
    );

    let (lead, candidates) = lead_and_candidates(&deny(
        "iam:CreateRole",
        "arn:aws:iam::111122223333:role/app-fn",
    ));
    assert_eq!(lead, "access-denied-boundary");
    assert!(
        candidates.contains(&"access-denied-scp".to_owned()),
        "{candidates:?}"
    );
}

/// A story that ends with the role's credentials delivered did not fail at the metadata
/// service: the refused token request before the IMDSv1 fallback is no finding. The
/// same story cut before the answer is one.
#[test]
fn a_story_that_got_credentials_after_all_is_no_failure() {
    let refused = "2026/12/04 16:23:12 DEBUG: Request ec2metadata/GetToken Details:\n\
                   PUT /latest/api/token HTTP/1.1\n\
                   Host: 169.254.169.254\n\
                   \n\
                   2026/12/04 16:23:12 DEBUG: Response ec2metadata/GetToken Details:\n\
                   HTTP/1.1 403 Forbidden\n\
                   Server: EC2ws\n";
    let fallback = "\n2026/12/04 16:23:12 DEBUG: Request ec2metadata/GetMetadata Details:\n\
                    GET /latest/meta-data/iam/security-credentials/app-role HTTP/1.1\n\
                    Host: 169.254.169.254\n\
                    User-Agent: aws-sdk-go/1.44.133\n\
                    Accept-Encoding: gzip\n\
                    \n\
                    \n\
                    -----------------------------------------------------\n\
                    2026/12/04 16:23:12 DEBUG: Response ec2metadata/GetMetadata Details:\n\
                    ---[ RESPONSE ]--------------------------------------\n\
                    HTTP/1.1 200 OK\n\
                    Content-Length: 479\n";
    assert!(
        !scenarios(refused).is_empty(),
        "a refused token request alone should be a finding"
    );
    let recovered = format!("{refused}{fallback}");
    assert_eq!(scenarios(&recovered), Vec::<String>::new());
    // The listing of role names is not the credentials.
    let listing = recovered.replace("security-credentials/app-role", "security-credentials/");
    assert!(!scenarios(&listing).is_empty());
}

/// What a provider chain skipped, logged at debug level, is not an error: a run that
/// found credentials later says `Unable to find environment variable credentials` on
/// its way. The same words outside a debug line are.
#[test]
fn a_chain_skipping_a_provider_at_debug_level_is_no_error() {
    let skipped = "@aws-sdk/credential-provider-node - defaultProvider::fromEnv\n\
                   @aws-sdk/credential-provider-env - fromEnv\n\
                   @smithy/property-provider -> Unable to find environment variable credentials.\n\
                   2026-12-04T16:24:13.465816Z DEBUG aws_config::meta::credentials::chain: provider in chain did not provide credentials provider=Environment\n";
    assert_eq!(scenarios(skipped), Vec::<String>::new());
    let failed = "app error: unable to load credentials for the upload job\n";
    assert_eq!(scenarios(failed), ["unknown"]);
}

/// The metadata service's XHTML error page printed after a request (its title holds the
/// status: `401 - Unauthorized`) is that request's answer, also when the lines were
/// copied with their numbers (`cat -n`, a shell trace in an editor).
#[test]
fn an_error_page_after_a_request_is_its_answer() {
    let session = "++ curl -H 'X-aws-ec2-metadata-token: AQAAAFakeTokenForTheTest0000000000000000000000000000==' -s http://169.254.169.254/latest/meta-data/instance-id\n\
                   + INSTANCE_ID='<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n\
                   <!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\
                   \t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n\
                   <html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n\
                   \x20<head>\n\
                   \x20 <title>401 - Unauthorized</title>\n\
                   \x20</head>\n\
                   </html>'\n";
    let numbered: String = session
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{:>6}  {l}\n", 200 + i))
        .collect();
    for text in [session.to_owned(), numbered] {
        assert_eq!(
            scenarios(&text).first().map(String::as_str),
            Some("imds-token-invalid"),
            "{text}"
        );
    }
}

#[test]
fn one_fact_in_two_wordings_counts_once() {
    // S3's terse refusal as botocore words it, and as an SDK's `Code: Message` words it:
    // two signals of one name and label, so the finding is as sure as with either
    // alone, and both are still shown as evidence.
    let sentence =
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied";
    let body = "S3 upload failed: AccessDenied: Access Denied";
    let confidence = |text: &str| {
        let report = explain_text(text);
        let top = report.findings().next().cloned();
        top.map(|f| (f.scenario, f.confidence, f.evidence.len()))
    };
    let (alone_id, alone, _) = confidence(sentence).unwrap_or_default();
    let (both_id, both, evidence) = confidence(&format!("{sentence}\n{body}")).unwrap_or_default();
    assert_eq!(alone_id, "access-denied-resource-policy");
    assert_eq!(both_id, alone_id);
    assert_eq!(both, alone, "the second wording added confidence");
    assert!(evidence >= 2, "both wordings are evidence ({evidence})");
}
