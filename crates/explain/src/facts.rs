//! Facts: the values in the user's text that a fix needs (error code, action, ARNs,
//! ids, region, …), extracted from an error block after secrets were masked.
//!
//! Each extractor is a literal needle plus a regex; the regex is compiled only when its
//! needle occurs in the block, so a short message pays for the few that apply.

use std::sync::OnceLock;

use authdoctor_kb::Facts;
use regex::bytes::{Regex, RegexBuilder};

struct Extractor {
    fact: &'static str,
    /// Any of these (ASCII case-insensitive) must occur in the block for the regex to run.
    needles: &'static [&'static str],
    pattern: &'static str,
}

const fn ex(
    fact: &'static str,
    needles: &'static [&'static str],
    pattern: &'static str,
) -> Extractor {
    Extractor {
        fact,
        needles,
        pattern,
    }
}

/// In order of preference: the first extractor of a fact that matches wins.
const EXTRACTORS: &[Extractor] = &[
    // error codes, in the shapes clients print them
    ex(
        "error_code",
        &["error occurred ("],
        r"error occurred \(([A-Za-z][\w.]*)\)",
    ),
    ex(
        "error_code",
        &["error code:"],
        r"(?i)error code: ?([A-Za-z][\w.]*)",
    ),
    ex("error_code", &["<code>"], r"<Code>([A-Za-z][\w.]*)</Code>"),
    ex(
        "error_code",
        &["errorcode"],
        r#""errorCode"\s*:\s*"([A-Za-z][\w.]*)""#,
    ),
    ex(
        "error_code",
        &["api error "],
        r"api error ([A-Za-z][\w.]*):",
    ),
    ex(
        "error_code",
        &["\"code\""],
        r#""code"\s*:\s*"([A-Za-z][\w.]*)""#,
    ),
    ex("error_code", &["code:"], r"\bcode: '([A-Za-z][\w.]*)'"),
    ex(
        "error_code",
        &["__type"],
        r#"__type(?:&quot;|")\s*:\s*(?:&quot;|")(?:[\w.]+#)?([A-Za-z]\w*)"#,
    ),
    ex(
        "error_code",
        &[
            "exception",
            "error",
            "denied",
            "unauthorized",
            "token",
            "signature",
        ],
        r"\b((?:[A-Z][a-z0-9]+)+(?:Exception|Error|Denied|Unauthorized|Operation|Token|TokenId|Signature|Failure|Skewed|Expired|Match|Malformed)): ",
    ),
    // HTTP status
    ex(
        "http_status",
        &["status code"],
        r"(?i)status ?code:? ?(\d{3})\b",
    ),
    ex(
        "http_status",
        &["statuscode"],
        r#"(?i)"?statusCode"?\s*:\s*(\d{3})\b"#,
    ),
    ex(
        "http_status",
        &["http/1", "http/2"],
        r"HTTP/[12](?:\.[01])? (\d{3})\b",
    ),
    ex("http_status", &["http error"], r"(?i)HTTP Error (\d{3})\b"),
    ex("http_status", &["response"], r"(?i)\bresponse (\d{3})\b"),
    ex(
        "http_status",
        &[
            "forbidden",
            "unauthorized",
            "not found",
            "too many requests",
        ],
        r"\b(\d{3}) (?:Forbidden|Unauthorized|Not Found|Too Many Requests)\b",
    ),
    ex("http_status", &["-> "], r"-> (\d{3})\b"),
    // what was attempted
    ex(
        "action",
        &["authorized to perform"],
        r"(?i)authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)",
    ),
    ex("action", &["api: "], r"API: ([a-z0-9-]+:[A-Za-z0-9]+)"),
    ex(
        "operation",
        &["when calling the"],
        r"when calling the (\w+) operation",
    ),
    ex(
        "operation",
        &["operation error"],
        r"operation error [\w ]+?: (\w+)",
    ),
    ex("operation", &["eventname"], r#""eventName"\s*:\s*"(\w+)""#),
    ex(
        "operation",
        &["error executing"],
        r#"(?i)error executing (?:&quot;|")(\w+)"#,
    ),
    ex(
        "service",
        &["(service:"],
        r"\(Service: (?:Amazon|AWS)? ?([A-Za-z0-9 -]+?)[;,)]",
    ),
    ex(
        "service",
        &["operation error"],
        r"operation error ([\w ]+?):",
    ),
    ex(
        "service",
        &["eventsource"],
        r#""eventSource"\s*:\s*"([a-z0-9-]+)\.amazonaws\.com""#,
    ),
    ex(
        "service",
        &["amazonaws.com"],
        r"https?://([a-z0-9-]+)\.(?:[a-z]{2}-[a-z]+-\d\.)?amazonaws\.com",
    ),
    // who and what
    ex(
        "principal",
        &["user: arn:"],
        r"(?i)User: (arn:aws[\w-]*:(?:iam|sts)::[^\s,;]+?)\s+(?:is not|is un)",
    ),
    ex(
        "principal",
        &["\"arn\""],
        r#""arn"\s*:\s*"(arn:aws[\w-]*:(?:iam|sts)::[^"]+)""#,
    ),
    ex(
        "resource",
        &["on resource:"],
        r"(?i)on resource:?\s+(?:\xE2\x94\x82\s*)?[\x22'`]?([A-Za-z0-9*/][^\s\\]*?)(?:\.?\s|\.?$|\.?\)|\.?'|\.?\x22|\.?`|\\)",
    ),
    ex(
        "role_arn",
        &[":role/"],
        r"(arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+)",
    ),
    ex(
        "request_id",
        &["request id", "requestid", "request-id", "x-amzn-requestid"],
        r#"(?i)(?:request[ -]?id|x-amzn-requestid)"?\s*[:=]\s*["'<]?([A-Za-z0-9][A-Za-z0-9-]{11,})"#,
    ),
    ex(
        "request_id",
        &["<requestid>"],
        r"<RequestId>([A-Za-z0-9-]{12,})</RequestId>",
    ),
    ex(
        "encoded_message",
        &["encoded authorization failure message"],
        r"(?i)encoded authorization failure message:? ([A-Za-z0-9_-]{20,})",
    ),
    ex(
        "condition_key",
        &["ec2:", "aws:"],
        r"\b(ec2:Metadata\w+|ec2:RoleDelivery|ec2:CreateAction|aws:(?:TagKeys|(?:Request|Resource|Principal)Tag/[\w.:/=+@-]+|Source(?:Vpce?|Ip|Arn|Account)|MultiFactorAuthPresent|SecureTransport|RequestedRegion|PrincipalOrgID|ViaAWSService|CalledVia\w*))\b",
    ),
    ex(
        "imds_path",
        &["/latest/", "/meta-data/", "/api/token"],
        r"(/(?:latest|\d{4}-\d{2}-\d{2}|1\.0)/(?:api/token|meta-data(?:/[\w.-]+)*/?|dynamic(?:/[\w.-]+)*/?|user-data)|/latest/meta-data/[\w./-]*)",
    ),
    ex(
        "expires_at",
        &["expiration"],
        r#"(?i)"?expiration"?\s*[:=]\s*"?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)"#,
    ),
    ex(
        "expires_at",
        &["expired at", "expires at", "expired on"],
        r"(?i)expire[sd] (?:at|on) (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)",
    ),
    ex(
        "instance_id",
        &["i-"],
        r"\b(i-[0-9a-f]{17}|i-[0-9a-f]{8})\b",
    ),
    ex(
        "region",
        &["arn:aws"],
        r"arn:aws[\w-]*:[a-z0-9-]+:([a-z]{2}(?:-gov)?-[a-z]+-\d):",
    ),
    ex(
        "region",
        &["amazonaws.com"],
        r"\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com",
    ),
    ex(
        "region",
        &["awsregion"],
        r#""awsRegion"\s*:\s*"([a-z]{2}(?:-gov)?-[a-z]+-\d)""#,
    ),
    ex(
        "region",
        &["region"],
        r"(?i)region[ =:'\x22]+([a-z]{2}(?:-gov)?-[a-z]+-\d)\b",
    ),
    ex(
        "account_id",
        &["arn:aws"],
        r"arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):",
    ),
    ex(
        "profile",
        &["profile"],
        // Only grammatical positions: `--profile X`, `AWS_PROFILE=X`, `[profile X]`,
        // `profile (X)` (botocore), `profile: [X]` (JS), `profile=X` (JS v3's SSO
        // errors), `profile 'X'` / `"X"` / Ruby's `` `X' ``, and Go's `shared config
        // profile, X`. Never prose such as "Profile: the provider …".
        r#"(?i)(?:--profile[ =]|AWS_PROFILE=|\bprofile=|\[profile |profile \(|profile: \[|profile [`'"]|config profile, )([A-Za-z0-9_.@+-]{1,64})"#,
    ),
    ex(
        "bucket",
        &["arn:aws:s3:::"],
        r"arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])",
    ),
    ex(
        "bucket",
        &["s3://"],
        r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])",
    ),
    ex(
        "bucket",
        &["bucket"],
        r#"(?i)bucket[ :]+["']?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])["']"#,
    ),
    ex("image_id", &["ami-"], r"\b(ami-[0-9a-f]{8,17})\b"),
    ex(
        "association_id",
        &["iip-assoc-"],
        r"\b(iip-assoc-[0-9a-f]{8,17})\b",
    ),
    ex("scp_id", &["p-"], r"\b(p-[0-9a-z]{8,12}|p-FullAWSAccess)\b"),
    ex(
        "policy_arn",
        &[":policy/"],
        r"(arn:aws[\w-]*:iam::(?:\d{12}|aws):policy/[\w+=,.@/-]+)",
    ),
    ex(
        "instance_profile_name",
        &["instance-profile/"],
        r"instance-profile/([\w+=,.@-]+)",
    ),
    ex(
        "cluster_name",
        &[":cluster/"],
        r"arn:aws[\w-]*:eks:[a-z0-9-]+:\d{12}:cluster/([A-Za-z0-9][\w-]{0,99})",
    ),
    ex(
        "oidc_issuer",
        &["oidc."],
        r"(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/[A-Za-z0-9]+)",
    ),
    ex(
        "signed_at",
        &["earlier than", "later than"],
        r"(\d{8}T\d{6}Z) is (?:now earlier|still later) than",
    ),
    ex(
        "server_time",
        &["earlier than", "later than"],
        r"is (?:now earlier|still later) than (\d{8}T\d{6}Z)",
    ),
];

/// Names of credential providers in SDK chain dumps (`[Environment: …, Profile: …,
/// WebIdentityToken: …]`): shaped like error codes, never one.
const PROVIDER_NAMES: &[&str] = &[
    "Environment",
    "Profile",
    "WebIdentityToken",
    "EcsContainer",
    "Ec2InstanceMetadata",
    "Sso",
    "SsoToken",
    "ProcessProvider",
];

/// Facts computed from others in [`derive`] rather than read directly.
const DERIVED: &[&str] = &[
    "role_name",
    "caller_role_name",
    "target_role_name",
    "account_id",
    "service",
    "clock_skew",
    "sdk",
];

/// Every fact name this module can produce.
pub fn fact_names() -> std::collections::BTreeSet<&'static str> {
    EXTRACTORS
        .iter()
        .map(|e| e.fact)
        .chain(DERIVED.iter().copied())
        .collect()
}

const SDK_FINGERPRINTS: &[(&str, &str)] = &[
    ("software.amazon.awssdk", "aws-sdk-java-v2"),
    ("com.amazonaws", "aws-sdk-java-v1"),
    ("aws-sdk-go-v2", "aws-sdk-go-v2"),
    ("operation error ", "aws-sdk-go-v2"),
    ("failed to refresh cached credentials", "aws-sdk-go-v2"),
    ("NoCredentialProviders", "aws-sdk-go-v1"),
    ("EC2RoleRequestError", "aws-sdk-go-v1"),
    ("EC2MetadataError", "aws-sdk-go-v1"),
    ("@aws-sdk/", "aws-sdk-js-v3"),
    ("@smithy/", "aws-sdk-js-v3"),
    ("CredentialsProviderError", "aws-sdk-js-v3"),
    ("node_modules/aws-sdk/", "aws-sdk-js-v2"),
    ("aws_config", "aws-sdk-rust"),
    ("aws_smithy", "aws-sdk-rust"),
    ("DispatchFailure", "aws-sdk-rust"),
    ("Amazon.Runtime", "aws-sdk-net"),
    ("Aws\\", "aws-sdk-php"),
    ("Aws::", "aws-sdk-ruby"),
    ("botocore", "botocore"),
    ("boto3", "botocore"),
    ("when calling the", "botocore"),
    ("Unable to locate credentials", "botocore"),
    ("Terraform", "terraform"),
    ("curl", "curl"),
];

fn compiled() -> &'static [OnceLock<Option<Regex>>] {
    static CELLS: OnceLock<Vec<OnceLock<Option<Regex>>>> = OnceLock::new();
    CELLS.get_or_init(|| EXTRACTORS.iter().map(|_| OnceLock::new()).collect())
}

/// How languages print a value that is not there (Java `null`, Python `None`, JS
/// `undefined`, Go `<nil>` reads as `nil` here).
const ABSENT: &[&str] = &["null", "None", "undefined", "nil"];

/// Service names as the SDKs' clients spell them (Java's `(Service:
/// AWSSecurityTokenService; …)`, .NET's namespaces), lower-cased, with the signing name
/// AWS uses for the service.
const CLIENT_NAMES: &[(&str, &str)] = &[
    ("securitytokenservice", "sts"),
    ("identitymanagement", "iam"),
    ("dynamodbv2", "dynamodb"),
    ("simplesystemsmanagement", "ssm"),
    ("cognitoidentityprovider", "cognito-idp"),
    ("cognitoidentity", "cognito-identity"),
    ("elasticloadbalancingv2", "elasticloadbalancing"),
    ("resourcegroupstaggingapi", "tag"),
    ("stepfunctions", "states"),
];

/// Hosts under `amazonaws.com` that are not a service's endpoint.
const NOT_SERVICES: &[&str] = &["sdk"];

/// What the SDK for Java 2.x puts before `Exception` in its shared exceptions: a
/// service's name (`StsException`, every error of STS) or the SDK's own (`SdkException`,
/// `SdkClientException`; `…ServiceException` is caught by its suffix).
const JAVA_V2_SERVICE_EXCEPTIONS: &[&str] = &[
    "Aws",
    "CloudWatch",
    "DynamoDb",
    "Ec2",
    "Ecr",
    "Ecs",
    "Eks",
    "Iam",
    "Kms",
    "Lambda",
    "S3",
    "SecretsManager",
    "Sns",
    "Sqs",
    "Ssm",
    "Sso",
    "SsoOidc",
    "Sts",
    "Sdk",
    "SdkClient",
];

/// Exceptions of languages, their libraries and frameworks that wrap or follow an AWS
/// error in a trace: shaped like an error code, never AWS's.
const LANGUAGE_EXCEPTIONS: &[&str] = &[
    // Python and its HTTP stack (botocore's `ClientError` wraps the code in parentheses)
    "AttributeError",
    "CalledProcessError",
    "ClientError",
    "ConnectTimeoutError",
    "ConnectionError",
    "KeyError",
    "MaxRetryError",
    "NewConnectionError",
    "OSError",
    "PermissionError",
    "ReadTimeoutError",
    "RuntimeError",
    "TimeoutError",
    "TypeError",
    "ValueError",
    // Java, Spring and JVM data tools
    "BeanCreationException",
    "BeanInstantiationException",
    "CompletionException",
    "ConnectException",
    "ExecutionException",
    "IllegalArgumentException",
    "IllegalStateException",
    "InvocationTargetException",
    "IOException",
    "KubernetesClientException",
    "NullPointerException",
    "PrestoException",
    "PrivilegedActionException",
    "RuntimeException",
    "SocketException",
    "SocketTimeoutException",
    "SparkException",
    "UncheckedIOException",
    "UnknownHostException",
    // .NET
    "AggregateException",
    "ArgumentException",
    "HttpRequestException",
    "InvalidOperationException",
    "OperationCanceledException",
    "TaskCanceledException",
    "WebException",
    // Ruby and JavaScript
    "ArgumentError",
    "NoMethodError",
    "RangeError",
    "StandardError",
    // tools that wrap the error they met
    "AirflowException",
    "ServerlessError",
    "UnknownError",
];

/// Whether a code-shaped name is not AWS's error code: an exception of the language or a
/// framework ([`LANGUAGE_EXCEPTIONS`]), or an SDK's own class, shared by every error of a
/// service or of the SDK (the .NET SDK's and Java 1.x's `Amazon<Service>Exception`, Java
/// 2.x's `<Service>Exception`, `…ServiceException`, .NET's `HttpErrorResponseException`),
/// rather than one named after AWS's error code (Java 1.x's `AccessDeniedException`).
fn names_no_aws_code(name: &str) -> bool {
    LANGUAGE_EXCEPTIONS.contains(&name)
        || name.ends_with("ServiceException")
        || name == "HttpErrorResponseException"
        || (name.starts_with("Amazon") && name.ends_with("Exception"))
        || name
            .strip_suffix("Exception")
            .is_some_and(|service| JAVA_V2_SERVICE_EXCEPTIONS.contains(&service))
}

/// Whether the text before a value ends with PowerShell's `CategoryInfo :` label.
fn names_powershell_category(before: &[u8]) -> bool {
    before
        .trim_ascii_end()
        .strip_suffix(b":")
        .is_some_and(|label| label.trim_ascii_end().ends_with(b"CategoryInfo"))
}

/// What to do with a value an extractor matched.
enum Verdict {
    Take,
    /// Not this fact's value, but a later match may be.
    NextMatch,
    /// The text gives no value for this fact.
    NoValue,
}

/// Whether `value`, matched for `fact` after the text `before`, is the fact's value.
fn judge(fact: &str, value: &str, before: &[u8]) -> Verdict {
    if ABSENT.contains(&value) {
        // `(Service: null; Status Code: 429; Error Code: null; …)`: Java and others print
        // an absent value as a word; it is no value.
        return Verdict::NoValue;
    }
    match fact {
        // `WebIdentityToken: the credential provider was not enabled` is a line of the
        // Rust SDK's chain dump, not an error code.
        "error_code" if PROVIDER_NAMES.contains(&value) => Verdict::NoValue,
        // `+ CategoryInfo : InvalidOperation: (…) [Invoke-RestMethod]`: PowerShell's error
        // category, not AWS's code; nor is a language's exception (`TypeError`,
        // `CompletionException`) or an SDK's own class for every error of a service
        // (`AmazonDynamoDBException`, `StsException`) or for an HTTP answer
        // (`HttpErrorResponseException`). The code may come later.
        "error_code" if names_powershell_category(before) || names_no_aws_code(value) => {
            Verdict::NextMatch
        }
        // `https://sdk.amazonaws.com/js/aws-sdk-2.1.min.js` in a browser's stack: the SDK's
        // download host, not a service endpoint.
        "service" if NOT_SERVICES.contains(&value) => Verdict::NextMatch,
        _ => Verdict::Take,
    }
}

/// Needles are written in lower case (a test checks), so no per-call lowering.
fn contains_any(haystack_lower: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack_lower.contains(n))
}

/// Extracts every fact found in `text` (one error block, secrets already masked).
pub fn extract(text: &str) -> Facts {
    let lower = text.to_ascii_lowercase();
    let mut facts = Facts::new();
    for (extractor, cell) in EXTRACTORS.iter().zip(compiled()) {
        if facts.contains_key(extractor.fact) || !contains_any(&lower, extractor.needles) {
            continue;
        }
        // ASCII classes only: facts are ASCII, and Unicode tables make compiling slow.
        let Some(regex) = cell.get_or_init(|| {
            RegexBuilder::new(extractor.pattern)
                .unicode(false)
                .build()
                .ok()
        }) else {
            continue;
        };
        for found in regex.captures_iter(text.as_bytes()) {
            let Some(value) = found.get(1) else { continue };
            let before = &text.as_bytes()[..value.start()];
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = value.trim_end_matches(['.', ',', ';', ':']);
            match judge(extractor.fact, value, before) {
                Verdict::Take => {
                    if !value.is_empty() {
                        facts.insert(extractor.fact.to_owned(), value.to_owned());
                    }
                    break;
                }
                Verdict::NextMatch => continue,
                Verdict::NoValue => break,
            }
        }
    }
    if let Some(sdk) = SDK_FINGERPRINTS
        .iter()
        .find(|(needle, _)| text.contains(needle))
    {
        facts.insert("sdk".to_owned(), sdk.1.to_owned());
    }
    derive(&mut facts);
    facts
}

/// Facts that follow from others: the caller's role from an assumed-role ARN, the
/// service from an action, the clock skew from a signature-expired message.
fn derive(facts: &mut Facts) {
    // A part cut short in the user's copy (`assumed-role/ is not authorized`, a role ARN
    // ending in `/`) derives nothing: an empty value would fill a fix with nothing.
    let put = |facts: &mut Facts, name: &str, value: &str| {
        if value.is_empty() {
            return;
        }
        facts
            .entry(name.to_owned())
            .or_insert_with(|| value.to_owned());
    };
    if let Some(principal) = facts.get("principal").cloned() {
        if let Some(role) = principal
            .split(":assumed-role/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
        {
            put(facts, "role_name", role);
            put(facts, "caller_role_name", role);
        }
        if let Some(account) = principal.split(':').nth(4).filter(|a| a.len() == 12) {
            put(facts, "account_id", account);
        }
    }
    if let Some(resource) = facts.get("resource").cloned()
        && let Some(name) = resource
            .split(":role/")
            .nth(1)
            .and_then(|r| r.rsplit('/').next())
    {
        put(facts, "target_role_name", name);
    }
    if let Some(name) = facts
        .get("role_arn")
        .and_then(|arn| arn.rsplit('/').next())
        .map(str::to_owned)
    {
        put(facts, "role_name", &name);
    }
    if let Some((service, _)) = facts
        .get("action")
        .cloned()
        .as_deref()
        .and_then(|a| a.split_once(':'))
    {
        put(facts, "service", service);
    }
    if let Some(service) = facts.get_mut("service") {
        *service = service.trim().to_ascii_lowercase().replace(' ', "");
        if let Some((_, signing)) = CLIENT_NAMES.iter().find(|(client, _)| client == service) {
            *service = (*signing).to_owned();
        }
    }
    if let (Some(signed), Some(server)) = (
        facts
            .get("signed_at")
            .and_then(|t| parse_basic_timestamp(t)),
        facts
            .get("server_time")
            .and_then(|t| parse_basic_timestamp(t)),
    ) {
        let seconds = signed.as_second() - server.as_second();
        facts.insert("clock_skew".to_owned(), describe_skew(seconds));
    }
}

/// `20190430T075732Z` → timestamp.
pub(crate) fn parse_basic_timestamp(text: &str) -> Option<jiff::Timestamp> {
    let t = text.as_bytes();
    if t.len() != 16 {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    iso.parse().ok()
}

fn describe_skew(seconds: i64) -> String {
    let direction = if seconds < 0 { "behind" } else { "ahead of" };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let amount = match (h, m) {
        (0, 0) => format!("{sec}s"),
        (0, _) => format!("{m}m {sec}s"),
        _ => format!("{h}h {m}m"),
    };
    format!("request time {amount} {direction} AWS time")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extractor_needles_are_lower_case() {
        for e in EXTRACTORS {
            for n in e.needles {
                assert_eq!(*n, n.to_ascii_lowercase(), "needle of {}", e.fact);
            }
        }
    }

    fn fact(text: &str, name: &str) -> Option<String> {
        extract(text).get(name).cloned()
    }

    #[test]
    fn botocore_shape() {
        let text = "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/deploy";
        let facts = extract(text);
        assert_eq!(facts["error_code"], "AccessDenied");
        assert_eq!(facts["operation"], "AssumeRole");
        assert_eq!(facts["action"], "sts:AssumeRole");
        assert_eq!(facts["service"], "sts");
        assert_eq!(facts["principal"], "arn:aws:iam::123456789012:user/dev");
        assert_eq!(facts["resource"], "arn:aws:iam::210987654321:role/deploy");
        assert_eq!(facts["role_arn"], "arn:aws:iam::210987654321:role/deploy");
        assert_eq!(facts["account_id"], "123456789012");
        assert_eq!(facts["target_role_name"], "deploy");
        assert_eq!(facts["sdk"], "botocore");
    }

    #[test]
    fn java_shape() {
        let text = "com.amazonaws.services.sqs.model.AmazonSQSException: The security token included in the request is expired (Service: AmazonSQS; Status Code: 403; Error Code: ExpiredToken; Request ID: 25b9b369-9954-5d2c-8c21-e84006d4ec55; Proxy: null)";
        let facts = extract(text);
        assert_eq!(facts["error_code"], "ExpiredToken");
        assert_eq!(facts["http_status"], "403");
        assert_eq!(facts["service"], "sqs");
        assert_eq!(facts["request_id"], "25b9b369-9954-5d2c-8c21-e84006d4ec55");
        assert_eq!(facts["sdk"], "aws-sdk-java-v1");
    }

    #[test]
    fn profile_names_in_each_clients_words() {
        for (text, want) in [
            (
                "The SSO session token associated with profile=dev-admin was not found or is invalid.",
                Some("dev-admin"),
            ),
            ("aws s3 ls --profile prod", Some("prod")),
            (
                "The config profile (staging) could not be found",
                Some("staging"),
            ),
            ("AWS_PROFILE=ci aws sts get-caller-identity", Some("ci")),
            (
                "Aws::Errors::NoSuchProfileError error=\"Profile `reports' not found in /home/app/.aws/credentials\"",
                Some("reports"),
            ),
            ("Profile: the credential provider was not enabled", None),
        ] {
            assert_eq!(fact(text, "profile").as_deref(), want, "{text}");
        }
    }

    #[test]
    fn a_value_printed_as_absent_is_no_fact() {
        let text = "com.amazonaws.auth.EC2ContainerCredentialsProviderWrapper@1b2c3d4e: Too Many Requests (Service: null; Status Code: 429; Error Code: null; Request ID: null)";
        let facts = extract(text);
        assert_eq!(facts.get("error_code"), None, "{facts:?}");
        assert_eq!(facts.get("service"), None, "{facts:?}");
        assert_eq!(facts.get("request_id"), None, "{facts:?}");
        assert_eq!(facts["http_status"], "429");
    }

    #[test]
    fn a_denial_wrapped_across_lines_keeps_its_facts() {
        // Whitespace the wrap turned into a line break (and the space a terminal keeps at
        // the end of the line) still separates the message's words.
        let text = "User: arn:aws:sts::111122223333:assumed-role/Admin/bob \nis not authorized to perform: \nbedrock-agentcore:InvokeAgentRuntime on resource: \narn:aws:bedrock-agentcore:us-west-2:444455556666:runtime/MyAgent because no resource-based policy allows it\n";
        let facts = extract(text);
        assert_eq!(
            facts["principal"],
            "arn:aws:sts::111122223333:assumed-role/Admin/bob"
        );
        assert_eq!(facts["action"], "bedrock-agentcore:InvokeAgentRuntime");
        assert_eq!(
            facts["resource"],
            "arn:aws:bedrock-agentcore:us-west-2:444455556666:runtime/MyAgent"
        );
        // Printed with escapes (Go's `%q`, JSON): `\n` ends it.
        let escaped = r"AccessDenied: User: arn:aws:sts::111122223333:assumed-role/grafana/i-0abc is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/grafana-role\n\tstatus code: 403";
        assert_eq!(
            extract(escaped)["resource"],
            "arn:aws:iam::111122223333:role/grafana-role"
        );
        // Quoted, the quotes are not part of it.
        let quoted = "is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::assets/app.zip\" because no identity-based policy allows it";
        assert_eq!(extract(quoted)["resource"], "arn:aws:s3:::assets/app.zip");
        // Terraform boxes its diagnostics: the wrapped line starts with the box's rule.
        let boxed = "│ User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:GetObject on resource:\n│ arn:aws:s3:::state-bucket/terraform.tfstate because no identity-based policy allows it\n";
        assert_eq!(
            extract(boxed)["resource"],
            "arn:aws:s3:::state-bucket/terraform.tfstate"
        );
    }

    #[test]
    fn a_clients_service_name_becomes_the_signing_name() {
        let java = "com.amazonaws.services.securitytoken.model.AWSSecurityTokenServiceException: Access denied (Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied; Request ID: 1)";
        assert_eq!(extract(java)["service"], "sts");
        let dynamo =
            "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException)";
        assert_eq!(extract(dynamo)["service"], "dynamodb");
    }

    #[test]
    fn powershells_error_category_is_not_an_error_code() {
        let text = "Invoke-RestMethod : The remote server returned an error: (403) Forbidden.\n    + CategoryInfo          : InvalidOperation: (System.Net.HttpWebRequest:HttpWebRequest) [Invoke-RestMethod], WebException";
        assert_eq!(extract(text).get("error_code"), None);
        let later = format!("{text}\nAccessDeniedException: User: bob is not authorized");
        assert_eq!(extract(&later)["error_code"], "AccessDeniedException");
    }

    #[test]
    fn an_sdks_own_classes_and_hosts_are_not_facts_of_the_error() {
        let wrapped = "java.util.concurrent.CompletionException: software.amazon.awssdk.services.s3.model.S3Exception: Access Denied\nCaused by: AccessDeniedException: User: bob is not authorized";
        assert_eq!(extract(wrapped)["error_code"], "AccessDeniedException");
        let python = "TypeError: expected string or bytes-like object";
        assert_eq!(extract(python).get("error_code"), None);
        let dotnet = "Amazon.DynamoDBv2.AmazonDynamoDBException: The request signature we calculated does not match\n ---> Amazon.Runtime.Internal.HttpErrorResponseException: Exception of type 'Amazon.Runtime.Internal.HttpErrorResponseException' was thrown.";
        assert_eq!(extract(dotnet).get("error_code"), None);
        let browser = "Error: InvalidIdentityPoolConfigurationException: Missing credentials in config\n    at constructor.extractError (https://sdk.amazonaws.com/js/aws-sdk-2.1.min.js:7:3180)";
        let facts = extract(browser);
        assert_eq!(facts.get("service"), None, "{facts:?}");
        assert_eq!(
            facts["error_code"],
            "InvalidIdentityPoolConfigurationException"
        );
    }

    #[test]
    fn an_arn_cut_short_derives_no_empty_role_name() {
        let text = "User: arn:aws:sts::123412341234:assumed-role/ is not authorized to perform: firehose:DescribeDeliveryStream on resource: arn:aws:firehose:eu-west-1:123412341234:deliverystream/logs";
        assert_eq!(fact(text, "role_name"), None);
        assert_eq!(fact(text, "caller_role_name"), None);
        assert_eq!(
            fact(text, "action").as_deref(),
            Some("firehose:DescribeDeliveryStream")
        );
    }

    #[test]
    fn assumed_role_gives_role_name() {
        let text = "User: arn:aws:sts::123456789012:assumed-role/AppRole/i-0123456789abcdef0 is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/*";
        assert_eq!(fact(text, "role_name").as_deref(), Some("AppRole"));
        assert_eq!(
            fact(text, "instance_id").as_deref(),
            Some("i-0123456789abcdef0")
        );
        assert_eq!(fact(text, "region").as_deref(), Some("us-east-1"));
    }

    #[test]
    fn clock_skew_is_computed() {
        let text = "Signature expired: 20190430T075732Z is now earlier than 20190430T105409Z (20190430T105909Z - 5 min.)";
        assert_eq!(
            fact(text, "clock_skew").as_deref(),
            Some("request time 2h 56m behind AWS time")
        );
    }

    #[test]
    fn imds_path_and_encoded_message() {
        assert_eq!(
            fact(
                "PUT http://169.254.169.254/latest/api/token timed out",
                "imds_path"
            )
            .as_deref(),
            Some("/latest/api/token")
        );
        let encoded =
            "Encoded authorization failure message: QXdPNaIegKKNwIX54FPmRmeyDRnNY5FRj5xftd0o-_x";
        assert_eq!(
            fact(encoded, "encoded_message").as_deref(),
            Some("QXdPNaIegKKNwIX54FPmRmeyDRnNY5FRj5xftd0o-_x")
        );
    }

    #[test]
    fn nothing_found_in_plain_text() {
        assert!(extract("hello world").is_empty());
    }
}
