//! Output of clients the transcript corpus does not run (Java, .NET, PHP, cloud-init,
//! Terraform) and shapes of the ones it does that its faults never produce: what the
//! engine must read without a reader written for them. Each text is the client's real
//! message shape (documented or seen in its source), with example values.

use authdoctor_explain::explain_text;

/// The top finding's scenario, and whether `candidate` is named (as the finding or
/// among its candidates).
fn read(text: &str, candidate: Option<&str>) -> (String, bool) {
    let report = explain_text(text);
    let top = report
        .findings()
        .next()
        .unwrap_or_else(|| panic!("no finding for:\n{text}"));
    let named = candidate
        .is_none_or(|c| top.scenario == c || top.candidates.iter().any(|x| x.scenario == c));
    (top.scenario.clone(), named)
}

/// AWS SDK for PHP.
#[test]
fn php_curl_28() {
    let text = "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (cURL error 28: Connection timed out after 1001 milliseconds (see https://curl.haxx.se/libcurl/c/libcurl-errors.html) for http://169.254.169.254/latest/meta-data/iam/security-credentials/)\n";
    // A connect timeout to IMDS is what PHP meets last off EC2 as well: the message of
    // its chain's last provider stays the finding, as after botocore's connect timeouts.
    let (top, named) = read(text, Some("imds-unreachable"));
    assert_eq!(top, "no-credentials");
    assert!(named, "imds-unreachable is not named as a candidate");
}

/// AWS SDK for PHP, its connection to IMDS refused: something on the host rejects it.
#[test]
fn php_curl_7_refused() {
    let text = "PHP Fatal error:  Uncaught Aws\\Exception\\CredentialsException: Error retrieving credentials from the instance profile metadata service. (cURL error 7: Failed to connect to 169.254.169.254 port 80: Connection refused (see https://curl.haxx.se/libcurl/c/libcurl-errors.html))\n";
    let (top, named) = read(text, Some("no-credentials"));
    assert_eq!(top, "imds-unreachable");
    assert!(named, "no-credentials is not named as a candidate");
}

/// cloud-init url_helper.
#[test]
fn cloud_init() {
    let text = "2026-12-04 10:01:02,123 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/2009-04-04/meta-data/instance-id' failed [0/120s]: request error [HTTPConnectionPool(host='169.254.169.254', port=80): Max retries exceeded with url: /2009-04-04/meta-data/instance-id (Caused by ConnectTimeoutError(<urllib3.connection.HTTPConnection object at 0x7f1b2c3d4e50>, 'Connection to 169.254.169.254 timed out. (connect timeout=50.0)'))]\n";
    let (top, named) = read(text, None);
    assert_eq!(top, "imds-unreachable");
    assert!(named, "None is not named as a candidate");
}

/// AWS SDK for Java 2.x.
#[test]
fn java_v2_chain() {
    let text = "Exception in thread \"main\" software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider(), EnvironmentVariableCredentialsProvider(), WebIdentityTokenCredentialsProvider(), ProfileCredentialsProvider(profileName=default, profileFile=ProfileFile(sections=[])), ContainerCredentialsProvider(), InstanceProfileCredentialsProvider()]) : [SystemPropertyCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., EnvironmentVariableCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., WebIdentityTokenCredentialsProvider(): Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile must be set., ProfileCredentialsProvider(profileName=default, profileFile=ProfileFile(sections=[])): Profile file contained no credentials for profile 'default': ProfileFile(sections=[]), ContainerCredentialsProvider(): Cannot fetch credentials from container - neither AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI environment variables are set., InstanceProfileCredentialsProvider(): Failed to load credentials from IMDS.]\n\tat software.amazon.awssdk.core.exception.SdkClientException$BuilderImpl.build(SdkClientException.java:111)\n";
    let (top, named) = read(text, Some("imds-unreachable"));
    assert_eq!(top, "no-credentials");
    assert!(named, "imds-unreachable is not named as a candidate");
}

/// AWS SDK for Java 1.x.
#[test]
fn java_v1_chain() {
    let text = "com.amazonaws.SdkClientException: Unable to load AWS credentials from any provider in the chain: [EnvironmentVariableCredentialsProvider: Unable to load AWS credentials from environment variables (AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) and AWS_SECRET_KEY (or AWS_SECRET_ACCESS_KEY)), SystemPropertiesCredentialsProvider: Unable to load AWS credentials from Java system properties (aws.accessKeyId and aws.secretKey), WebIdentityTokenCredentialsProvider: You must specify a value for roleArn and roleSessionName, com.amazonaws.auth.profile.ProfileCredentialsProvider@6d3af739: profile file cannot be null, com.amazonaws.auth.EC2ContainerCredentialsProviderWrapper@47e2e487: Failed to connect to service endpoint: ]\n";
    let (top, named) = read(text, Some("imds-unreachable"));
    assert_eq!(top, "no-credentials");
    assert!(named, "imds-unreachable is not named as a candidate");
}

/// Terraform AWS provider (Go SDK v2).
#[test]
fn terraform_401() {
    let text = "│ Error: configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.\n│ AWS Error: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, https response error StatusCode: 401, RequestID: , api error Unauthorized: Unauthorized\n";
    let (top, named) = read(text, None);
    assert_eq!(top, "imds-hop-limit");
    assert!(named, "None is not named as a candidate");
}

/// Terraform AWS provider (Go SDK v2).
#[test]
fn terraform_deadline() {
    let text = "│ Error: configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.\n│\n│ Please see https://registry.terraform.io/providers/hashicorp/aws\n│ for more information about providing credentials.\n│\n│ AWS Error: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded\n";
    let (top, named) = read(text, Some("imds-unreachable"));
    assert_eq!(top, "no-credentials");
    assert!(named, "imds-unreachable is not named as a candidate");
}

/// AWS SDK for .NET.
#[test]
fn dotnet() {
    let text = "Unhandled exception. Amazon.Runtime.AmazonServiceException: Unable to get IAM security credentials from EC2 Instance Metadata Service.\n   at Amazon.Runtime.DefaultInstanceProfileAWSCredentials.FetchCredentials()\n";
    let (top, named) = read(text, Some("imds-credentials-not-found"));
    assert_eq!(top, "no-credentials");
    assert!(
        named,
        "imds-credentials-not-found is not named as a candidate"
    );
}

/// boto3 on EKS (IRSA).
#[test]
fn irsa() {
    let text = "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity\n";
    let (top, named) = read(text, Some("web-identity-token-invalid"));
    assert_eq!(top, "assume-role-denied");
    assert!(
        named,
        "web-identity-token-invalid is not named as a candidate"
    );
}

/// boto3.
#[test]
fn scp() {
    let text = "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::111122223333:assumed-role/app/session is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf with an explicit deny in a service control policy\n";
    let (top, named) = read(text, None);
    assert_eq!(top, "access-denied-scp");
    assert!(named, "None is not named as a candidate");
}

/// boto3 on ECS.
#[test]
fn ecs_container_endpoint() {
    let text = "botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from container-role: Error retrieving metadata: Received error when attempting to retrieve container metadata: Connect timeout on endpoint URL: \"http://169.254.170.2/v2/credentials/6d1f1c2a-1111-2222-3333-444455556666\"\n";
    let (top, named) = read(text, None);
    assert_eq!(top, "imds-unreachable");
    assert!(named, "None is not named as a candidate");
}

/// The SDKs' own messages for metadata-service failures (listed with their sources in
/// the shared reference `credential-chains.md`): each one alone names a scenario, or the
/// chain's end with the metadata faults as candidates.
#[test]
fn sdk_messages_of_the_reference() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from iam-role: Error retrieving metadata: Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled",
            "imds-hop-limit",
            Some("imds-unreachable"),
        ),
        (
            "ProviderError: AWS EC2 Metadata v1 fallback has been blocked by AWS SDK configuration in the following: [process environment variable AWS_EC2_METADATA_V1_DISABLED].",
            "imds-hop-limit",
            Some("imds-unreachable"),
        ),
        (
            "software.amazon.awssdk.core.exception.SdkClientException: Failed to retrieve IMDS token, and fallback to IMDS v1 is disabled via the AWS_EC2_METADATA_V1_DISABLED system property, aws.disableEc2MetadataV1 environment variable, or ec2_metadata_v1_disabled configuration file profile setting.",
            "imds-hop-limit",
            None,
        ),
        (
            "EC2MetadataError: failed to get IMDSv2 token and fallback to IMDSv1 is disabled",
            "imds-hop-limit",
            None,
        ),
        (
            "software.amazon.awssdk.core.exception.SdkClientException: Failed to load credentials from IMDS.",
            "no-credentials",
            Some("imds-credentials-not-found"),
        ),
        (
            "com.amazonaws.SdkClientException: Unable to load credentials from service endpoint",
            "no-credentials",
            Some("imds-unreachable"),
        ),
        (
            "software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials path",
            "imds-credentials-not-found",
            None,
        ),
        (
            "Amazon.Runtime.AmazonClientException: Failed to retrieve credentials from EC2 Instance Metadata Service.",
            "no-credentials",
            Some("imds-unreachable"),
        ),
        (
            "CredentialsProviderError: Invalid response received from instance metadata service.",
            "imds-credentials-not-found",
            None,
        ),
    ];
    assert_all_read(cases);
}

/// Tools built on the SDKs, each with its own words for the same failures.
#[test]
fn messages_of_tools_on_the_sdks() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "Error response from daemon: error parsing HTTP 403 response body: invalid character 'Y' looking for beginning of value: \"Your Authorization Token has expired. Please run 'aws ecr get-login' to fetch a new one.\"",
            "expired-token",
            None,
        ),
        (
            "denied: Your authorization token has expired. Reauthenticate and try again.",
            "expired-token",
            None,
        ),
        (
            "ERROR vector::topology::builder: msg=\"Healthcheck: Failed Reason.\" error=Failed creating AWS credentials. Errors: [CredentialsError { message: \"Couldn't find AWS credentials in environment, credentials file, or IAM role.\" }]",
            "no-credentials",
            None,
        ),
        (
            "Unable to resolve AWS account to use. It must be either configured when you define your CDK Stack, or through the environment",
            "no-credentials",
            None,
        ),
        (
            "Need to perform AWS calls for account 111122223333, but no credentials have been configured",
            "no-credentials",
            None,
        ),
        (
            "2026/12/05 10:44:49 AccessDeniedException: \n\tstatus code: 403, request id: 3b0efa8d-e5b9-44d1-b5e9-4d8b4f7ab97c",
            "access-denied-missing-allow",
            Some("access-denied-scp"),
        ),
    ];
    assert_all_read(cases);
}

/// Each text's top finding is the scenario given, with the candidate named.
fn assert_all_read(cases: &[(&str, &str, Option<&str>)]) {
    let mut wrong = Vec::new();
    for &(text, want, candidate) in cases {
        let (top, named) = read(text, candidate);
        if top != want || !named {
            wrong.push(format!(
                "{text}\n  → {top} (want {want}, candidate {candidate:?} named: {named})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
