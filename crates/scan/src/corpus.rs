//! A seeded generator of SYNTHETIC CloudTrail corpora in the S3 export layout, for tests
//! and benchmarks. The record shapes follow the real data sets in
//! `shared/data/cloudtrail/` (field order, nesting, sizes: IAM users, assumed roles,
//! service events without `userIdentity.type`, instance-role calls with
//! `ec2RoleDelivery` 1.0 and 2.0, throttling and not-found errors, a nested
//! `requestParameters.executionResult.errorCode`) and add the shapes those sets lack,
//! from `shared/reference/cloudtrail.md`: an SCP explicit deny of IMDSv1 credentials,
//! `ExpiredToken`, `AccessDeniedException`, both generations of EC2 denial messages.
//! Every value is invented (documentation account ids, `EXAMPLE` keys).
//!
//! The generator also returns what it wrote ([`Expected`]), so tests compare `scan`
//! with the truth, not only with another reader.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// splitmix64: tiny, seeded, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(len);
        s
    }

    fn upper(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| ALPHABET[self.below(32) as usize] as char)
            .collect()
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    /// Stop after roughly this many uncompressed bytes of records.
    pub target_bytes: u64,
    /// Records per trail file (real files: a few to a few thousand).
    pub records_per_file: usize,
    pub gzip: bool,
    /// Days covered, starting 2026-11-01.
    pub days: u32,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Add a `CloudTrail-Digest` file per day (must be skipped by a directory walk).
    pub digests: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            seed: 1,
            target_bytes: 2 << 20,
            records_per_file: 300,
            gzip: true,
            days: 3,
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            digests: true,
        }
    }
}

/// The truth about a generated corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Expected {
    pub files: u64,
    pub records: u64,
    pub uncompressed_bytes: u64,
    /// Policy/credential refusals by error code (billing-console refusals excluded).
    pub failures_by_code: BTreeMap<String, u64>,
    /// `IAM user access not activated` refusals.
    pub excluded: u64,
    /// Calls per IMDSv1 access key id (raw).
    pub imdsv1_calls_by_key: BTreeMap<String, u64>,
    pub v2_calls: u64,
}

impl Expected {
    pub fn failures(&self) -> u64 {
        self.failures_by_code.values().sum()
    }
}

struct Fleet {
    /// (account, role, instance id, v1 key, v2 key)
    instances: Vec<(String, String, String, String, String)>,
    users: Vec<String>,
    roles: Vec<String>,
}

const USER_AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.4",
    "aws-sdk-java/2.25.11 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "console.amazonaws.com",
    "AWS Internal",
];

/// User agents of old SDKs that still read credentials through IMDSv1.
const OLD_AGENTS: &[&str] = &[
    "aws-cli/1.16.300 Python/2.7.18 Linux/4.14.355-275.570.amzn2.x86_64 botocore/1.13.36",
    "Boto3/1.9.0 Python/3.6.8 Linux/4.14.209-160.339.amzn2.x86_64 Botocore/1.12.253",
    "aws-sdk-java/1.11.500 Linux/4.14.146 OpenJDK_64-Bit_Server_VM/25.232-b09 java/1.8.0_232",
];

const CALLS: &[(&str, &str, bool)] = &[
    ("ec2.amazonaws.com", "DescribeInstances", true),
    ("s3.amazonaws.com", "GetObject", true),
    ("s3.amazonaws.com", "PutObject", false),
    ("sts.amazonaws.com", "GetCallerIdentity", true),
    ("ssm.amazonaws.com", "GetParameter", true),
    ("kms.amazonaws.com", "Decrypt", true),
    ("iam.amazonaws.com", "ListRoles", true),
    ("secretsmanager.amazonaws.com", "GetSecretValue", true),
    ("logs.amazonaws.com", "PutLogEvents", false),
    ("dynamodb.amazonaws.com", "DescribeTable", true),
];

fn fleet(rng: &mut Rng, spec: &Spec) -> Fleet {
    let mut instances = Vec::new();
    for (i, account) in spec.accounts.iter().enumerate() {
        for n in 0..6 {
            instances.push((
                account.clone(),
                format!("app-tier-{i}-{n}"),
                format!("i-0{}", rng.hex(16)),
                format!("ASIA{}", rng.upper(16)),
                format!("ASIA{}", rng.upper(16)),
            ));
        }
    }
    Fleet {
        instances,
        users: ["alice", "bob", "carol", "deploy-bot", "ci-runner"]
            .map(String::from)
            .to_vec(),
        roles: ["Dev", "ReadOnly", "Deployer", "DataPipeline"]
            .map(String::from)
            .to_vec(),
    }
}

struct Ctx<'a> {
    account: &'a str,
    region: &'a str,
    time: String,
}

fn tls(out: &mut String, source: &str, region: &str) {
    let host = source.replace(".amazonaws.com", &format!(".{region}.amazonaws.com"));
    let _ = write!(
        out,
        r#","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{host}"}}"#
    );
}

fn tail(
    out: &mut String,
    rng: &mut Rng,
    ctx: &Ctx,
    source: &str,
    read_only: bool,
    event_type: &str,
) {
    let _ = write!(
        out,
        r#","requestID":"{}","eventID":"{}","readOnly":{read_only},"eventType":"{event_type}","managementEvent":true,"recipientAccountId":"{}","eventCategory":"Management""#,
        rng.uuid(),
        rng.uuid(),
        ctx.account
    );
    tls(out, source, ctx.region);
    out.push('}');
}

fn head(
    out: &mut String,
    identity: &str,
    ctx: &Ctx,
    source: &str,
    name: &str,
    ip: &str,
    agent: &str,
) {
    let _ = write!(
        out,
        r#"{{"eventVersion":"1.10","userIdentity":{identity},"eventTime":"{}","eventSource":"{source}","eventName":"{name}","awsRegion":"{}","sourceIPAddress":"{ip}","userAgent":"{agent}""#,
        ctx.time, ctx.region
    );
}

fn user_identity(rng: &mut Rng, account: &str, user: &str) -> String {
    format!(
        r#"{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{account}:user/{user}","accountId":"{account}","accessKeyId":"AKIA{}","userName":"{user}"}}"#,
        rng.upper(17),
        rng.upper(16)
    )
}

fn role_identity(
    rng: &mut Rng,
    account: &str,
    role: &str,
    session: &str,
    key: &str,
    delivery: Option<&str>,
) -> String {
    let role_id = format!("AROA{}", rng.upper(17));
    let delivery = delivery
        .map(|d| format!(r#","ec2RoleDelivery":"{d}""#))
        .unwrap_or_default();
    format!(
        r#"{{"type":"AssumedRole","principalId":"{role_id}:{session}","arn":"arn:aws:sts::{account}:assumed-role/{role}/{session}","accountId":"{account}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{account}:role/{role}","accountId":"{account}","userName":"{role}"}},"attributes":{{"creationDate":"2026-11-01T00:00:00Z","mfaAuthenticated":"false"}}{delivery}}}}}"#
    )
}

fn ip(rng: &mut Rng) -> String {
    format!("198.51.100.{}", rng.below(250) + 1)
}

/// Writes one record; updates `expected`.
fn record(out: &mut String, rng: &mut Rng, ctx: &Ctx, fleet: &Fleet, expected: &mut Expected) {
    let roll = rng.below(1000);
    let account = ctx.account;
    let (source, name, read_only) = *rng.pick(CALLS);
    let count_failure = |expected: &mut Expected, code: &str| {
        *expected
            .failures_by_code
            .entry(code.to_owned())
            .or_default() += 1;
    };
    match roll {
        // Instance-role calls: IMDSv2 credentials.
        0..=79 => {
            let inst = rng.pick(&fleet.instances);
            let id = role_identity(rng, &inst.0, &inst.1, &inst.2, &inst.4, Some("2.0"));
            head(
                out,
                &id,
                ctx,
                source,
                name,
                &ip(rng),
                "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux",
            );
            out.push_str(r#","requestParameters":{"instancesSet":{},"filterSet":{}},"responseElements":null"#);
            tail(out, rng, ctx, source, read_only, "AwsApiCall");
            expected.v2_calls += 1;
        }
        // IMDSv1 credentials from old SDKs, on the first three instances only.
        80..=89 => {
            let inst = &fleet.instances[rng.below(3) as usize];
            let id = role_identity(rng, &inst.0, &inst.1, &inst.2, &inst.3, Some("1.0"));
            head(
                out,
                &id,
                ctx,
                source,
                name,
                &ip(rng),
                rng.pick_str(OLD_AGENTS),
            );
            out.push_str(r#","requestParameters":null,"responseElements":null"#);
            tail(out, rng, ctx, source, read_only, "AwsApiCall");
            *expected
                .imdsv1_calls_by_key
                .entry(inst.3.clone())
                .or_default() += 1;
        }
        // The same credentials after an SCP requiring RoleDelivery 2.0: denied.
        90..=92 => {
            let inst = &fleet.instances[rng.below(3) as usize];
            let id = role_identity(rng, &inst.0, &inst.1, &inst.2, &inst.3, Some("1.0"));
            head(
                out,
                &id,
                ctx,
                "s3.amazonaws.com",
                "GetObject",
                &ip(rng),
                OLD_AGENTS[0],
            );
            let _ = write!(
                out,
                r#","errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::{}:assumed-role/{}/{} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::batch-input-{}/jobs/{}.csv\" with an explicit deny in a service control policy","requestParameters":{{"bucketName":"batch-input-{}","key":"jobs/{}.csv"}},"responseElements":null"#,
                inst.0,
                inst.1,
                inst.2,
                inst.0,
                rng.below(1000),
                inst.0,
                rng.below(1000)
            );
            tail(out, rng, ctx, "s3.amazonaws.com", true, "AwsApiCall");
            count_failure(expected, "AccessDenied");
            *expected
                .imdsv1_calls_by_key
                .entry(inst.3.clone())
                .or_default() += 1;
        }
        // EC2 denial, 2023 generation: only the encoded blob.
        93..=96 => {
            let role = rng.pick(&fleet.roles).clone();
            // An SDK process names its session once: a few sessions per role, not one per call.
            let session = format!("aws-go-sdk-16889900825233100{:02}", rng.below(8));
            let key = format!("ASIA{}", rng.upper(16));
            let id = role_identity(rng, account, &role, &session, &key, None);
            head(
                out,
                &id,
                ctx,
                "ec2.amazonaws.com",
                "GetPasswordData",
                &ip(rng),
                USER_AGENTS[2],
            );
            let _ = write!(
                out,
                r#","errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation. Encoded authorization failure message: {}","requestParameters":{{"instanceId":"i-0{}"}},"responseElements":null"#,
                rng.hex(400).replace(['a', 'f'], "_"),
                rng.hex(16)
            );
            tail(out, rng, ctx, "ec2.amazonaws.com", true, "AwsApiCall");
            count_failure(expected, "Client.UnauthorizedOperation");
        }
        // EC2 denial, 2024 generation: the full reason plus the blob.
        97..=100 => {
            let role = rng.pick(&fleet.roles).clone();
            let session = format!("session-{}", rng.below(20));
            let key = format!("ASIA{}", rng.upper(16));
            let id = role_identity(rng, account, &role, &session, &key, None);
            head(
                out,
                &id,
                ctx,
                "ec2.amazonaws.com",
                "RunInstances",
                &ip(rng),
                USER_AGENTS[0],
            );
            let _ = write!(
                out,
                r#","errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation. User: arn:aws:sts::{account}:assumed-role/{role}/{session} is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:{}:{account}:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: {}","requestParameters":{{"instanceType":"t3.micro"}},"responseElements":null"#,
                ctx.region,
                rng.hex(300)
            );
            tail(out, rng, ctx, "ec2.amazonaws.com", false, "AwsApiCall");
            count_failure(expected, "Client.UnauthorizedOperation");
        }
        // AssumeRole refused, legacy short form.
        101..=104 => {
            let user = rng.pick(&fleet.users).clone();
            let id = user_identity(rng, account, &user);
            let target = rng.pick(&fleet.roles).clone();
            head(
                out,
                &id,
                ctx,
                "sts.amazonaws.com",
                "AssumeRole",
                &ip(rng),
                USER_AGENTS[0],
            );
            let _ = write!(
                out,
                r#","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{account}:role/{target}","requestParameters":null,"responseElements":null"#
            );
            tail(out, rng, ctx, "sts.amazonaws.com", false, "AwsApiCall");
            count_failure(expected, "AccessDenied");
        }
        // Expired session credentials.
        105..=106 => {
            let role = rng.pick(&fleet.roles).clone();
            let key = format!("ASIA{}", rng.upper(16));
            let id = role_identity(rng, account, &role, "botocore-session-1", &key, None);
            head(
                out,
                &id,
                ctx,
                "sqs.amazonaws.com",
                "ReceiveMessage",
                &ip(rng),
                USER_AGENTS[1],
            );
            out.push_str(r#","errorCode":"ExpiredToken","errorMessage":"The security token included in the request is expired","requestParameters":null,"responseElements":null"#);
            tail(out, rng, ctx, "sqs.amazonaws.com", true, "AwsApiCall");
            count_failure(expected, "ExpiredToken");
        }
        // JSON-protocol denial with the identity-based reason.
        107..=109 => {
            let role = rng.pick(&fleet.roles).clone();
            let key = format!("ASIA{}", rng.upper(16));
            let id = role_identity(rng, account, &role, "app", &key, None);
            head(
                out,
                &id,
                ctx,
                "kms.amazonaws.com",
                "Decrypt",
                &ip(rng),
                USER_AGENTS[3],
            );
            let _ = write!(
                out,
                r#","errorCode":"AccessDeniedException","errorMessage":"User: arn:aws:sts::{account}:assumed-role/{role}/app is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:{}:{account}:key/{} because no identity-based policy allows the kms:Decrypt action","requestParameters":null,"responseElements":null"#,
                ctx.region,
                rng.uuid()
            );
            tail(out, rng, ctx, "kms.amazonaws.com", true, "AwsApiCall");
            count_failure(expected, "AccessDeniedException");
        }
        // The billing console's account setting: not a policy denial.
        110 => {
            let user = rng.pick(&fleet.users).clone();
            let id = user_identity(rng, account, &user);
            head(
                out,
                &id,
                ctx,
                "ce.amazonaws.com",
                "GetCostForecast",
                "AWS Internal",
                "AWS Internal",
            );
            out.push_str(r#","errorCode":"AccessDenied","errorMessage":"IAM user access not activated","requestParameters":null,"responseElements":null"#);
            tail(out, rng, ctx, "ce.amazonaws.com", true, "AwsApiCall");
            expected.excluded += 1;
        }
        // Errors that are not refusals.
        111..=140 => {
            let user = rng.pick(&fleet.users).clone();
            let id = user_identity(rng, account, &user);
            head(out, &id, ctx, source, name, &ip(rng), USER_AGENTS[1]);
            let code = if roll.is_multiple_of(2) {
                "ThrottlingException"
            } else {
                "Client.InvalidRouteTableID.NotFound"
            };
            let _ = write!(
                out,
                r#","errorCode":"{code}","errorMessage":"Rate exceeded","requestParameters":null,"responseElements":null"#
            );
            tail(out, rng, ctx, source, read_only, "AwsApiCall");
        }
        // A nested errorCode that is not the record's.
        141..=150 => {
            let inst = rng.pick(&fleet.instances);
            let id = role_identity(rng, &inst.0, &inst.1, &inst.2, &inst.4, Some("2.0"));
            head(
                out,
                &id,
                ctx,
                "ssm.amazonaws.com",
                "UpdateInstanceAssociationStatus",
                &ip(rng),
                "aws-sdk-go/1.44.0 (go1.20; linux; amd64) amazon-ssm-agent/",
            );
            let _ = write!(
                out,
                r#","requestParameters":{{"associationId":"{}","instanceId":"{}","executionResult":{{"status":"Failed","errorCode":"AccessDenied","executionDate":"{}"}}}},"responseElements":null"#,
                rng.uuid(),
                inst.2,
                ctx.time
            );
            tail(out, rng, ctx, "ssm.amazonaws.com", false, "AwsApiCall");
            expected.v2_calls += 1;
        }
        // Service events: no userIdentity.type.
        151..=180 => {
            let id = format!(r#"{{"accountId":"{account}","invokedBy":"ec2.amazonaws.com"}}"#);
            head(
                out,
                &id,
                ctx,
                "ec2.amazonaws.com",
                "SharedSnapshotVolumeCreated",
                "ec2.amazonaws.com",
                "ec2.amazonaws.com",
            );
            let _ = write!(
                out,
                r#","requestParameters":null,"responseElements":null,"eventID":"{}","readOnly":false,"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"{account}","sharedEventID":"{}","serviceEventDetails":{{"snapshotId":"snap-0{}"}},"eventCategory":"Management"}}"#,
                rng.uuid(),
                rng.uuid(),
                rng.hex(16)
            );
        }
        // People and pipelines doing ordinary work.
        181..=599 => {
            let user = rng.pick(&fleet.users).clone();
            let id = user_identity(rng, account, &user);
            head(
                out,
                &id,
                ctx,
                source,
                name,
                &ip(rng),
                rng.pick_str(USER_AGENTS),
            );
            let _ = write!(
                out,
                r#","requestParameters":{{"maxResults":1000,"filterSet":{{"items":[{{"name":"tag:team","valueSet":{{"items":[{{"value":"platform"}}]}}}}]}}}},"responseElements":null,"additionalEventData":{{"SignatureVersion":"SigV4","AuthenticationMethod":"AuthHeader","bytesTransferredOut":{}}}"#,
                rng.below(5000)
            );
            tail(out, rng, ctx, source, read_only, "AwsApiCall");
        }
        _ => {
            let role = rng.pick(&fleet.roles).clone();
            let session = format!("{}-session", rng.pick(&fleet.users));
            let key = format!("ASIA{}", rng.upper(16));
            let id = role_identity(rng, account, &role, &session, &key, None);
            head(
                out,
                &id,
                ctx,
                source,
                name,
                &ip(rng),
                rng.pick_str(USER_AGENTS),
            );
            out.push_str(r#","requestParameters":{"roleSessionName":"x","durationSeconds":3600},"responseElements":null"#);
            tail(out, rng, ctx, source, read_only, "AwsApiCall");
        }
    }
}

/// Writes the corpus under `root/AWSLogs/…` and returns what was written.
pub fn generate(root: &Path, spec: &Spec) -> io::Result<Expected> {
    let mut rng = Rng::new(spec.seed);
    let fleet = fleet(&mut rng, spec);
    let mut expected = Expected::default();
    let mut file_index: u64 = 0;
    let mut body = String::with_capacity(spec.records_per_file * 1600);
    'outer: loop {
        for day in 0..spec.days {
            for account in &spec.accounts {
                for region in &spec.regions {
                    if expected.uncompressed_bytes >= spec.target_bytes {
                        break 'outer;
                    }
                    let minute = (file_index * 5) % (24 * 60);
                    let date = jiff::civil::date(2026, 11, 1)
                        .checked_add(jiff::Span::new().days(i64::from(day)))
                        .map_err(io::Error::other)?;
                    let (y, m, d) = (date.year(), date.month(), date.day());
                    let stamp = format!("{y:04}{m:02}{d:02}T{:02}{:02}Z", minute / 60, minute % 60);
                    let dir: PathBuf = root
                        .join("AWSLogs")
                        .join(account)
                        .join("CloudTrail")
                        .join(region)
                        .join(format!("{y:04}"))
                        .join(format!("{m:02}"))
                        .join(format!("{d:02}"));
                    std::fs::create_dir_all(&dir)?;
                    body.clear();
                    body.push_str("{\"Records\":[");
                    for i in 0..spec.records_per_file {
                        if i > 0 {
                            body.push(',');
                        }
                        let second = rng.below(300);
                        let hour = (minute.saturating_sub(5) + second / 60) / 60 % 24;
                        let ctx = Ctx {
                            account,
                            region,
                            time: format!(
                                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                                hour,
                                (minute.saturating_sub(5) + second / 60) % 60,
                                second % 60
                            ),
                        };
                        record(&mut body, &mut rng, &ctx, &fleet, &mut expected);
                        expected.records += 1;
                    }
                    body.push_str("]}");
                    expected.uncompressed_bytes += body.len() as u64;
                    let name = format!("{account}_CloudTrail_{region}_{stamp}_{}", rng.upper(16));
                    write_file(&dir, &name, body.as_bytes(), spec.gzip)?;
                    expected.files += 1;
                    file_index += 1;
                    if spec.digests && file_index.is_multiple_of(7) {
                        let digest_dir = root
                            .join("AWSLogs")
                            .join(account)
                            .join("CloudTrail-Digest")
                            .join(region);
                        std::fs::create_dir_all(&digest_dir)?;
                        let digest = format!(
                            r#"{{"awsAccountId":"{account}","digestStartTime":"2026-11-01T00:00:00Z","digestEndTime":"2026-11-01T01:00:00Z","digestS3Bucket":"example-trail","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}}"#
                        );
                        write_file(
                            &digest_dir,
                            &format!("{account}_CloudTrail-Digest_{region}_{stamp}"),
                            digest.as_bytes(),
                            spec.gzip,
                        )?;
                    }
                }
            }
        }
    }
    Ok(expected)
}

fn write_file(dir: &Path, name: &str, body: &[u8], gzip: bool) -> io::Result<()> {
    if gzip {
        let file = std::fs::File::create(dir.join(format!("{name}.json.gz")))?;
        let mut encoder =
            flate2::write::GzEncoder::new(io::BufWriter::new(file), flate2::Compression::new(6));
        encoder.write_all(body)?;
        encoder.finish()?.flush()
    } else {
        std::fs::write(dir.join(format!("{name}.json")), body)
    }
}
