//! The IMDS and credential-chain part of the knowledge base through the real binary.
//!
//! These scenarios are the hardest to tell apart because most clients print one generic
//! "no credentials" line whatever went wrong. The rules pinned here:
//! * a chain-exhausted message on its own is `no-credentials`, and names the IMDS
//!   scenarios it cannot rule out;
//! * debug lines showing that IMDS *answered* (401, 403, 404, 429, a proxy page) or that
//!   the token request hung after connecting override the generic chain message;
//! * a bare transport failure to 169.254.169.254 is `imds-unreachable`, but the same
//!   failure inside a chain-exhausted message stays `no-credentials` (off EC2, IMDS is
//!   only the last place the SDK looked).
//!
//! The texts are written for these tests (none is a scenario example), in the shapes the
//! clients print, so they check that the signals generalise beyond the examples.

#[path = "support/explain.rs"]
mod support;

use support::*;

/// (expected top scenario, text).
const BOUNDARY: &[(&str, &str)] = &[
    // Chain-exhausted wording only: nothing says which source should have worked.
    (
        "no-credentials",
        "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
    ),
    (
        "no-credentials",
        "Error: CredentialsError: Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1",
    ),
    (
        "no-credentials",
        "Error: the credential provider was not enabled\nCaused by: no credentials found in chain. Attempted:\n  Environment: environment variable not set\n  Ec2InstanceMetadata: could not communicate with IMDS",
    ),
    // A connect failure inside the chain message: IMDS was only the last place looked.
    (
        "no-credentials",
        "NoCredentialProviders: no valid providers in chain\ncaused by: EnvAccessKeyNotFound: failed to find credentials in the environment.\nSharedCredsLoad: failed to load profile, .\nEC2RoleRequestError: no EC2 instance role found\ncaused by: RequestError: send request failed\ncaused by: Get \"http://169.254.169.254/latest/meta-data/iam/security-credentials/\": dial tcp 169.254.169.254:80: connect: no route to host",
    ),
    (
        "no-credentials",
        "2026-11-23 09:20:01,001 botocore.utils [DEBUG] Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Connect timeout on endpoint URL: \"http://169.254.169.254/latest/api/token\"\nbotocore.exceptions.NoCredentialsError: Unable to locate credentials",
    ),
    // IMDS answered: the instance-side fault wins over the generic chain message.
    (
        "imds-credentials-not-found",
        "NoCredentialProviders: no valid providers in chain\ncaused by: EnvAccessKeyNotFound: failed to find credentials in the environment.\nEC2RoleRequestError: no EC2 instance role found\ncaused by: EC2MetadataError: failed to make EC2Metadata request\n\tstatus code: 404, request id: ",
    ),
    (
        "imds-credentials-not-found",
        "botocore.utils [DEBUG] Error response received when retrievingcredentials: {'Code': 'AssumeRoleUnauthorizedAccess', 'Message': 'EC2 cannot assume the role app-role.'}\nUnable to locate credentials",
    ),
    (
        "imds-hop-limit",
        "botocore.utils [DEBUG] Metadata service returned non-200 response with status code of 401 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/, content body: b''\nUnable to locate credentials. You can configure credentials by running \"aws configure\".",
    ),
    (
        "imds-throttled",
        "botocore.utils [DEBUG] Metadata service returned non-200 response with status code of 429 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/, content body: b''\nUnable to locate credentials",
    ),
    (
        "imds-disabled",
        "software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[EnvironmentVariableCredentialsProvider(), InstanceProfileCredentialsProvider()]) : [EnvironmentVariableCredentialsProvider(): Unable to load credentials from system settings., InstanceProfileCredentialsProvider(): IMDS credentials have been disabled by environment variable or system property.]",
    ),
    (
        "imds-proxy",
        "botocore.utils [DEBUG] Metadata service returned non-200 response with status code of 502 for url: http://169.254.169.254/latest/meta-data/iam/security-credentials/, content body: b'<html><head><title>ERROR: The requested URL could not be retrieved</title></head></html>'\nUnable to locate credentials",
    ),
    // Other clients: PHP names the IMDS response, Terraform (Go v2) the status.
    (
        "imds-credentials-not-found",
        "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (Client error: `GET http://169.254.169.254/latest/meta-data/iam/security-credentials/` resulted in a `404 Not Found` response:",
    ),
    // cURL's "Connection timed out" is the connect phase (a read would say "Operation
    // timed out … with 0 bytes received"): nothing answers, as for bare curl below. But
    // that is what PHP meets last off EC2 too, so its chain's message leads (as after
    // botocore's connect timeouts) and imds-unreachable is named
    // (crates/explain/tests/other_clients.rs).
    (
        "no-credentials",
        "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (cURL error 28: Connection timed out after 1001 milliseconds)",
    ),
    // A read timeout (connected, nothing came back) fits a dropped token answer, a slow
    // service and a black hole; the request is not named, and an IMDSv2 client's first is
    // the token PUT, so the hop limit leads and the others are named. (Two public
    // reports of this shape, Rust and fog-aws, were hop limits.) Off EC2 nothing
    // connects, so "no credentials configured" is the least likely reading.
    (
        "imds-hop-limit",
        "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (cURL error 28: Operation timed out after 1001 milliseconds with 0 bytes received)",
    ),
    (
        "imds-hop-limit",
        "Error: No valid credential sources found\nError: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, https response error StatusCode: 401, request id: , request to EC2 IMDS failed",
    ),
    (
        "imds-credentials-not-found",
        "Error: No valid credential sources found\nError: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, https response error StatusCode: 404, request id: , request to EC2 IMDS failed",
    ),
    (
        "no-credentials",
        "Aws::Errors::MissingCredentialsError: unable to sign request without credentials set",
    ),
    // Hand-made requests.
    (
        "imds-token-invalid",
        "$ curl -s -w '%{http_code}' http://169.254.169.254/latest/meta-data/instance-id\n401",
    ),
    (
        "imds-token-wrong-path",
        "urllib.error.HTTPError: HTTP Error 403: Forbidden (PUT http://169.254.169.254/2020-10-27/api/token)",
    ),
    (
        "imds-hop-limit",
        "level=warning msg=\"failed to get IMDSv2 token\" error=\"Put \\\"http://169.254.169.254/latest/api/token\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\"",
    ),
    // Bare transport failures.
    (
        "imds-unreachable",
        "$ curl -s http://169.254.169.254/latest/meta-data/instance-id\ncurl: (28) Connection timed out after 1001 milliseconds",
    ),
    (
        "imds-unreachable",
        "Could not connect to the endpoint URL: \"http://169.254.169.254/latest/api/token\"",
    ),
    (
        "imds-unreachable",
        "Error: connect ENETUNREACH 169.254.169.254:80 - Local (0.0.0.0:0)",
    ),
    // Another source shadows the expected role.
    (
        "credential-shadowing",
        "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/prod-cluster-node-role/i-0123456789abcdef0 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::uploads/x\"",
    ),
];

#[test]
fn imds_and_chain_boundaries_hold() {
    let mut failures = Vec::new();
    for (want, text) in BOUNDARY {
        let doc = explain_json(text);
        let got = top_scenario(&doc);
        if got != *want {
            failures.push(format!(
                "want {want}, got {got} (candidates {:?}) for:\n{text}",
                candidates(&doc)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_bare_chain_message_names_the_imds_faults_it_cannot_rule_out() {
    let doc = explain_json("botocore.exceptions.NoCredentialsError: Unable to locate credentials");
    assert_eq!(top_scenario(&doc), "no-credentials");
    let named = candidates(&doc);
    for id in [
        "imds-unreachable",
        "imds-credentials-not-found",
        "imds-hop-limit",
    ] {
        assert!(named.iter().any(|c| c == id), "{id} not named: {named:?}");
    }
    let notes = doc["findings"][0]["notes"].to_string();
    assert!(
        notes.contains("authdoctor check"),
        "no pointer to check: {notes}"
    );
}

#[test]
fn an_instance_role_denial_is_not_claimed_as_shadowing() {
    // The caller is an instance role whose name does not mark it as a node role: that is
    // a plain missing permission, not evidence that another source won.
    let doc = explain_json(
        "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::111122223333:assumed-role/reporting-app/i-0123456789abcdef0 is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::reports/a.csv\" because no identity-based policy allows the s3:GetObject action",
    );
    assert_ne!(top_scenario(&doc), "credential-shadowing");
}

#[test]
fn the_hop_limit_fix_uses_the_instance_id_from_the_text() {
    let doc = explain_json(
        "i-0a1b2c3d4e5f60718 botocore.utils [DEBUG] Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL: \"http://169.254.169.254/latest/api/token\"",
    );
    assert_eq!(top_scenario(&doc), "imds-hop-limit");
    let commands = doc["findings"][0]["fix"]["commands"].to_string();
    assert!(
        commands.contains(
            "modify-instance-metadata-options --instance-id i-0a1b2c3d4e5f60718 --http-put-response-hop-limit 2 --http-endpoint enabled"
        ),
        "{commands}"
    );
    assert!(
        commands.contains("Edit-EC2InstanceMetadataOption -InstanceId i-0a1b2c3d4e5f60718 -HttpPutResponseHopLimit 2"),
        "{commands}"
    );
}

#[test]
fn unrelated_timeouts_and_404s_are_not_imds_findings() {
    for text in [
        "GET https://example.com/api/users returned 404 Not Found",
        "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='example.com', port=443): Read timed out. (read timeout=10)",
        "curl: (28) Connection timed out after 10001 milliseconds",
    ] {
        let doc = explain_json(text);
        let got = top_scenario(&doc);
        assert!(
            !got.starts_with("imds-") && got != "no-credentials",
            "{text} was explained as {got}"
        );
    }
}

#[test]
fn a_read_timeout_names_the_causes_it_cannot_rule_out() {
    let doc = explain_json(
        "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (cURL error 28: Operation timed out after 1001 milliseconds with 0 bytes received)",
    );
    assert_eq!(top_scenario(&doc), "imds-hop-limit");
    let named = candidates(&doc);
    for other in ["imds-throttled", "imds-unreachable"] {
        assert!(
            named.iter().any(|c| c == other),
            "{other} not named: {named:?}"
        );
    }
}

#[test]
fn a_refused_connection_before_the_chain_message_is_the_cause_a_timeout_is_not() {
    let refused = "Error: connect ECONNREFUSED 169.254.169.254:80\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16) {\n  message: 'Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1',";
    assert_eq!(top_scenario(&explain_json(refused)), "imds-unreachable");
    let timed_out = refused.replace("ECONNREFUSED", "ETIMEDOUT");
    let doc = explain_json(&timed_out);
    assert_eq!(top_scenario(&doc), "no-credentials");
    assert!(candidates(&doc).iter().any(|c| c == "imds-unreachable"));
}
