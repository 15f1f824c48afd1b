//! A story told over many blocks is judged as one: each request dump of a debug log is
//! a block of its own, so what a later block shows (the GETs timed out too) must still
//! change what an earlier one suggested (only the token answer was lost).

use authdoctor_explain::explain_text;
use authdoctor_kb::Finding;

/// One Go SDK v1-style request dump; `at` is the clock second it was logged at.
fn dump(at: u32, method: &str, path: &str) -> String {
    format!(
        "2026/12/04 16:23:{at:02} DEBUG: Request ec2metadata/Get Details:\n\
         ---[ REQUEST POST-SIGN ]-----------------------------\n\
         {method} {path} HTTP/1.1\n\
         Host: 169.254.169.254\n\
         User-Agent: aws-sdk-go/1.44.133 (go1.19.8; linux; amd64)\n\
         Accept-Encoding: gzip\n\
         \n\
         \n\
         -----------------------------------------------------\n"
    )
}

#[test]
fn token_timeouts_then_get_timeouts_read_as_nothing_answering() {
    let mut log = String::new();
    for at in 0..3 {
        log.push_str(&dump(at, "PUT", "/latest/api/token"));
    }
    for at in 3..6 {
        log.push_str(&dump(
            at,
            "GET",
            "/latest/meta-data/iam/security-credentials/",
        ));
    }
    log.push_str(
        "2026/12/04 16:23:07 NoCredentialProviders: no valid providers in chain. Deprecated.\n",
    );
    let report = explain_text(&log);
    let top = report.findings().next().expect("a finding");
    assert_eq!(top.scenario, "imds-unreachable", "{:#?}", report.explained);
    assert!(
        top.candidates
            .iter()
            .any(|c| c.scenario == "imds-hop-limit"),
        "the block-by-block reading stays a named alternative: {:?}",
        top.candidates
    );
    assert!(
        report.findings().all(|f| f.scenario != "imds-hop-limit"),
        "no separate hop-limit finding: {:#?}",
        report.explained
    );
}

#[test]
fn token_timeouts_then_answered_gets_stay_a_lost_token_answer() {
    let mut log = String::new();
    for at in 0..3 {
        log.push_str(&dump(at, "PUT", "/latest/api/token"));
    }
    log.push_str(&dump(
        3,
        "GET",
        "/latest/meta-data/iam/security-credentials/",
    ));
    log.push_str(
        "2026/12/04 16:23:03 DEBUG: Response ec2metadata/GetMetadata Details:\n\
         ---[ RESPONSE ]--------------------------------------\n\
         HTTP/1.1 401 Unauthorized\n\
         Content-Length: 0\n\n\
         2026/12/04 16:23:04 NoCredentialProviders: no valid providers in chain. Deprecated.\n",
    );
    let report = explain_text(&log);
    let top = report.findings().next().expect("a finding");
    assert_eq!(top.scenario, "imds-hop-limit", "{:#?}", report.explained);
}

#[test]
fn connect_timeouts_off_ec2_leave_the_chain_message_in_front() {
    // `aws --debug` on a laptop with nothing configured: the AWS CLI v1 transcript of a
    // metadata service that never answers, with the connect-phase wording urllib3 and
    // botocore print when the SYN gets no answer (off EC2) instead of the read-phase one.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/transcripts/awscli-v1/blackhole-debug.txt"
    );
    let log = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("Read timeout on endpoint URL", "Connect timeout on endpoint URL")
        .replace(
            "ReadTimeoutError: AWSHTTPConnectionPool(host='169.254.169.254', port=80): Read timed out. (read timeout=1)",
            "ConnectTimeoutError: (<botocore.awsrequest.AWSHTTPConnection object at 0x7f0c>, 'Connection to 169.254.169.254 timed out. (connect timeout=1)')",
        )
        .replace(
            "botocore.exceptions.ReadTimeoutError: Connect",
            "botocore.exceptions.ConnectTimeoutError: Connect",
        );
    assert!(
        !log.contains("Read timed out"),
        "the transcript changed: {path}"
    );
    let report = explain_text(&log);
    let top = report.findings().next().expect("a finding");
    assert_eq!(top.scenario, "no-credentials", "{:#?}", report.explained);
    assert!(
        top.candidates
            .iter()
            .any(|c| c.scenario == "imds-unreachable"),
        "{:?}",
        top.candidates
    );
}

/// A refusal of another action is another problem, even of the same scenario; the same
/// refusal met again (a retry's line that leaves the operation out) is the same one,
/// counted.
#[test]
fn the_same_refusal_is_counted_and_another_action_is_another_problem() {
    let denied = |action: &str, resource: &str| {
        format!(
            "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action\n"
        )
    };
    let object = denied("s3:GetObject", "arn:aws:s3:::builds/app.zip");
    // The retry's log line names no operation.
    let retried = object
        .split_once("operation: ")
        .map(|(_, rest)| format!("WARN retrying: {rest}"))
        .expect("the operation");
    let other = denied("s3:PutObject", "arn:aws:s3:::builds/out.zip");
    let log = format!("{object}\n\n{retried}\n\n{other}");
    let report = explain_text(&log);
    let findings: Vec<_> = report.findings().collect();
    assert_eq!(findings.len(), 2, "{:#?}", report.explained);
    assert!(
        findings
            .iter()
            .all(|f| f.scenario == "access-denied-missing-allow"),
        "{:#?}",
        report.explained
    );
    let actions: Vec<Option<&String>> = findings.iter().map(|f| f.facts.get("action")).collect();
    assert!(
        actions.contains(&Some(&"s3:GetObject".to_owned())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&Some(&"s3:PutObject".to_owned())),
        "{actions:?}"
    );
    let get = findings
        .iter()
        .find(|f| f.facts.get("action").map(String::as_str) == Some("s3:GetObject"))
        .expect("the GetObject finding");
    assert_eq!(get.occurrences, 2);
}

/// S3 refuses with the IAM wording but names Block Public Access as the reason: a bucket
/// or account setting decided, so no policy layer is blamed for a missing Allow.
#[test]
fn a_block_public_access_refusal_is_no_missing_allow() {
    let text = "An error occurred (AccessDenied) when calling the PutBucketAcl operation: User: arn:aws:iam::111122223333:user/site-deployer is not authorized to perform: s3:PutBucketAcl on resource: \"arn:aws:s3:::example-site-assets\" because public access control lists (ACLs) are blocked by the BlockPublicAcls block public access setting.";
    assert_not_named(text, "access-denied-missing-allow");
    // The same refusal with an IAM reason stays a missing Allow.
    let iam = text.replace(
        "public access control lists (ACLs) are blocked by the BlockPublicAcls block public access setting",
        "no identity-based policy allows the s3:PutBucketAcl action",
    );
    assert_first(&iam, "access-denied-missing-allow");
}

/// EC2 files more than unknown keys under `AuthFailure`: an address of another account,
/// a resource the caller may not use, a dotted sub-code. None of them is a key problem;
/// the credentials refusal itself still is.
#[test]
fn auth_failures_about_resources_are_no_bad_keys() {
    for text in [
        "Error associating EIP: AuthFailure: The address '203.0.113.10' does not belong to you.\n\tstatus code: 400, request id: 0d7c4b1e-9f2a-4c3d-8e5f-6a7b8c9d0e1f",
        "Error creating NAT gateway: AuthFailure: You do not have permission to access the specified resource.\n\tstatus code: 400",
        "botocore.exceptions.ClientError: An error occurred (AuthFailure.ServiceLinke",
    ] {
        assert_not_named(text, "invalid-client-token");
    }
    let keys = "An error occurred (AuthFailure) when calling the DescribeInstances operation: AWS was not able to validate the provided access credentials";
    assert_first(keys, "invalid-client-token");
}

/// A Deny statement in the caller's own policies is no missing Allow: adding an Allow
/// cannot fix it, and the catalogue has no scenario for it, so the refusal is reported
/// as an unknown authorization error. The implicit deny in the same words stays one.
#[test]
fn an_explicit_deny_in_an_identity_policy_is_no_missing_allow() {
    let text = "An error occurred (AccessDeniedException) when calling the InvokeModel operation: User: arn:aws:sts::111122223333:assumed-role/NotebookRole/analyst is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:eu-west-1::foundation-model/example-model-v1 with an explicit deny in an identity-based policy";
    assert_not_named(text, "access-denied-missing-allow");
    assert_first(text, "unknown");
    let implicit = text.replace(
        "with an explicit deny in an identity-based policy",
        "because no identity-based policy allows the bedrock:InvokeModel action",
    );
    assert_first(&implicit, "access-denied-missing-allow");
}

/// STS refusing the session itself (a duration the role does not allow, STS switched
/// off in the region) is a credential failure that no scenario explains: reported as
/// unknown, not as no auth error at all, and not as a refused role assumption.
#[test]
fn sts_refusing_the_session_is_an_unknown_credential_error() {
    for text in [
        "An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        "Error: failed to assume role: ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        "An error occurred (RegionDisabledException) when calling the GetCallerIdentity operation: STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console.",
    ] {
        assert_first(text, "unknown");
    }
}

/// Fails when a finding for `text` names `scenario`.
fn assert_not_named(text: &str, scenario: &str) {
    let report = explain_text(text);
    assert!(
        report.findings().all(|f| f.scenario != scenario),
        "{text}\n{:#?}",
        report.explained
    );
}

/// The first finding for `text`; fails unless it names `scenario`.
fn assert_first(text: &str, scenario: &str) -> Finding {
    let report = explain_text(text);
    let first = report.findings().next();
    assert_eq!(
        first.map(|f| f.scenario.as_str()),
        Some(scenario),
        "{text}\n{:#?}",
        report.explained
    );
    first
        .cloned()
        .unwrap_or_else(|| unreachable!("asserted above"))
}

/// A credential call AWS never answered (a name that did not resolve, a reset) is a
/// network failure: nothing was refused, so no scenario that names the call (web
/// identity, SSO) and no unknown authorization error is reported; what happened is
/// still told. An answer with a real refusal after such a failure is still reported.
#[test]
fn a_call_aws_never_answered_is_no_refusal() {
    let lookup = "Error: failed to refresh cached credentials, operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://sts.us-east-1.amazonaws.com/\": dial tcp: lookup sts.us-east-1.amazonaws.com: i/o timeout";
    let reset = "WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-east-1.amazonaws.com/\": read tcp 10.0.3.7:48714->52.94.1.2:443: read: connection reset by peer";
    let sso = "Error when retrieving token from sso: Could not connect to the endpoint URL: \"https://oidc.eu-west-1.amazonaws.com/token\" (SSO OIDC CreateToken)";
    // The JavaScript SDK v2 wraps its provider's failed STS call as missing credentials.
    let wrapped = r#"{"level":"error","msg":"fetch failed","err":{"message":"Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1","errno":"ENOTFOUND","code":"CredentialsError","syscall":"getaddrinfo","hostname":"sts.eu-central-1.amazonaws.com","originalError":{"message":"getaddrinfo ENOTFOUND sts.eu-central-1.amazonaws.com","code":"NetworkingError"}}}"#;
    for text in [lookup, reset, sso, wrapped] {
        let report = explain_text(text);
        assert!(
            report.findings().next().is_none(),
            "{text}\n{:#?}",
            report.explained
        );
        assert!(
            report.observations.iter().any(|o| matches!(
                o.observation,
                authdoctor_diagnosis::Observation::ApiUnanswered { .. }
            )),
            "{text}"
        );
    }
    // A credential helper's failure reported apart from the request AWS never answered
    // (a kubeconfig's `exec` of the CLI, whose TLS setup failed) is that failure.
    let helper = "SSL validation failed for https://sts.eu-west-1.amazonaws.com/ [Errno 2] No such file or directory\n\nE1130 09:12:01.004 proxy.go:147] Error while proxying request: getting credentials: exec: executable aws failed with exit code 255";
    let report = explain_text(helper);
    assert!(
        report.findings().next().is_none(),
        "{:#?}",
        report.explained
    );
    // A retry that failed in the network, then STS's own refusal of the token.
    let refused = format!(
        "{lookup}\nError: operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 5c1e, InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    );
    let report = explain_text(&refused);
    assert_eq!(
        report.findings().next().map(|f| f.scenario.as_str()),
        Some("web-identity-token-invalid"),
        "{:#?}",
        report.explained
    );
}

/// A credentials answer the SDK could not parse, and, blocks later, the chain's last
/// words: one finding, told as that cause (outside the catalogue, so `unknown`), with the
/// chain's message folded in as what the client finally said; never "no credentials".
#[test]
fn an_unreadable_credentials_answer_explains_the_empty_chain_after_it() {
    let mut log = String::from(
        "2026-05-11 07:02:13,101 - botocore.credentials - DEBUG - Looking for credentials via: iam-role\n\
         2026-05-11 07:02:13,140 - botocore.utils - DEBUG - Metadata service returned invalid json response with status code of 200 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/etl-worker\n\
         2026-05-11 07:02:13,141 - botocore.utils - DEBUG - Max number of attempts exceeded (1) when attempting to retrieve data from metadata service.\n",
    );
    for i in 0..12 {
        log.push_str(&format!(
            "2026-05-11 07:02:13,{:03} - botocore.hooks - DEBUG - Event choose-service-name: calling handler <function handle_service_name_alias at 0x7f3a>\n",
            200 + i
        ));
    }
    log.push_str("botocore.exceptions.NoCredentialsError: Unable to locate credentials\n");
    let report = explain_text(&log);
    let findings: Vec<_> = report.findings().collect();
    assert_eq!(findings.len(), 1, "{:#?}", report.explained);
    let top = findings[0];
    assert_eq!(top.scenario, "unknown");
    assert_eq!(
        top.title,
        "The metadata service's credentials answer could not be read"
    );
    assert!(
        top.evidence
            .iter()
            .filter_map(|e| e.as_text())
            .any(|t| t.text.contains("Unable to locate credentials")),
        "the chain's message is kept as what the client said: {:#?}",
        top.evidence
    );
}

/// The first finding of `text` names `first`, and `candidate` among its candidates.
fn assert_first_with_candidate(text: &str, first: &str, candidate: &str) {
    let top = assert_first(text, first);
    assert!(
        top.candidates.iter().any(|c| c.scenario == candidate),
        "{candidate} not among {:?}",
        top.candidates
    );
}

/// EC2's AuthFailure is read as keys it does not know, and names a far-off clock as the
/// candidate that `clock.skew` separates (users have fixed it by syncing time).
#[test]
fn an_ec2_auth_failure_names_a_far_off_clock_as_a_candidate() {
    assert_first_with_candidate(
        "Error: creating Security Group (web): AuthFailure: AWS was not able to validate the provided access credentials\n\tstatus code: 401, request id: 5f1c2b7e-0a4d-4c61-9d2e-7b3f6a1c8e90\n",
        "invalid-client-token",
        "clock-skew",
    );
}

/// A launch EC2 refused in its bare words is a missing Allow first, and names iam:PassRole
/// (an instance profile's role) as a candidate.
#[test]
fn a_bare_launch_refusal_names_passrole_as_a_candidate() {
    assert_first_with_candidate(
        "==> amazon-ebs: Error launching source instance: UnauthorizedOperation: You are not authorized to perform this operation.\n",
        "access-denied-missing-allow",
        "passrole-denied",
    );
}
