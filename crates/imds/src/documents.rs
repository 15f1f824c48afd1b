//! The metadata tree and its documents, built from the configuration and the emulated
//! clock: listings, `iam/info`, role and instance-identity credentials, the identity
//! document, placement. JSON documents are pretty-printed as the real service does
//! (two-space indent, `" : "` separators) and served as `text/plain`.

use crate::clock::iso8601;
use crate::config::{Credentials, EmulatorConfig};
use crate::fault::Fault;

/// Versions listed at `/` (each also works in place of `latest`).
const VERSIONS: &[&str] = &[
    "1.0",
    "2007-01-19",
    "2007-03-01",
    "2007-08-29",
    "2007-10-10",
    "2007-12-15",
    "2008-02-01",
    "2008-09-01",
    "2009-04-04",
    "2011-01-01",
    "2011-05-01",
    "2012-01-12",
    "2014-02-25",
    "2014-11-05",
    "2015-10-20",
    "2016-04-19",
    "2016-06-30",
    "2016-09-02",
    "2018-03-28",
    "2018-08-17",
    "2018-09-24",
    "2019-10-01",
    "2020-10-27",
    "2021-01-03",
    "2021-03-23",
    "2021-07-15",
    "2022-09-24",
    "2024-04-11",
    "latest",
];

const MAC: &str = "0e:3c:5f:12:34:56";
const INSTANCE_PROFILE_ID: &str = "AIPAAUTHDOCTOREMULATE";
/// Rotation happens this long before expiry (the service promises at least 5 minutes).
const ROTATE_BEFORE_SECS: i64 = 15 * 60;

/// Whether `version` names a metadata version (`latest`, `2021-03-23`, …).
pub(crate) fn is_version(version: &str) -> bool {
    VERSIONS.contains(&version)
}

/// A resolved GET.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Document {
    pub body: String,
    pub content_type: &'static str,
    /// The role credentials document (counted in the stats).
    pub role_credentials: bool,
}

enum Node {
    File(String),
    /// A role credentials document: a file the stats count.
    Credentials(String),
    Dir(Vec<(String, Node)>),
}

fn file(name: &str, body: impl Into<String>) -> (String, Node) {
    (name.to_owned(), Node::File(body.into()))
}

fn dir(name: &str, children: Vec<(String, Node)>) -> (String, Node) {
    (name.to_owned(), Node::Dir(children))
}

/// Everything the documents depend on at the moment of one request.
pub(crate) struct Context<'a> {
    pub config: &'a EmulatorConfig,
    /// Emulated now, Unix seconds.
    pub now: i64,
    /// Emulated time the emulator started (the instance's launch).
    pub launched: i64,
}

impl Context<'_> {
    fn has(&self, fault: Fault) -> bool {
        self.config.has(fault)
    }

    /// `(LastUpdated, Expiration)` of the credentials current at `now`.
    fn credential_times(&self) -> (i64, i64) {
        let lifetime = i64::try_from(self.config.credential_lifetime.as_secs()).unwrap_or(21_600);
        if self.has(Fault::ExpiredCredentials) {
            let expiration = self.now - 3600;
            return (expiration - lifetime, expiration);
        }
        let period = (lifetime - ROTATE_BEFORE_SECS).max(60);
        let generation = (self.now - self.launched).div_euclid(period);
        let last_updated = self.launched + generation * period;
        (last_updated, last_updated + lifetime)
    }

    fn credentials_document(&self, creds: &Credentials, account_id: Option<&str>) -> String {
        let (last_updated, expiration) = self.credential_times();
        let mut fields = vec![
            ("Code", json_str("Success")),
            ("LastUpdated", json_str(&iso8601(last_updated))),
            ("Type", json_str("AWS-HMAC")),
            ("AccessKeyId", json_str(&creds.access_key_id)),
            ("SecretAccessKey", json_str(&creds.secret_access_key)),
            ("Token", json_str(&creds.session_token)),
            ("Expiration", json_str(&iso8601(expiration))),
        ];
        if let Some(account) = account_id {
            fields.push(("AccountId", json_str(account)));
        }
        pretty(&fields)
    }

    fn role_credentials(&self, extended: bool) -> String {
        let role = &self.config.role_name;
        if self.has(Fault::TrustBroken) {
            return pretty(&[
                ("Code", json_str("AssumeRoleUnauthorizedAccess")),
                (
                    "Message",
                    json_str(&format!(
                        "EC2 cannot assume the role {role}.  Please see documentation at \
                         http://docs.amazonwebservices.com/IAM/latest/UserGuide/RolesTroubleshooting.html."
                    )),
                ),
                ("LastUpdated", json_str(&iso8601(self.now))),
            ]);
        }
        if self.has(Fault::Garbage) {
            // A body cut off mid-document: not JSON, and no secret in it.
            let (last_updated, _) = self.credential_times();
            return format!(
                "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"{}\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"{}",
                iso8601(last_updated),
                &self.config.credentials.access_key_id
                    [..self.config.credentials.access_key_id.len().min(8)],
            );
        }
        let account = extended.then_some(self.config.account_id.as_str());
        self.credentials_document(&self.config.credentials, account)
    }

    fn iam(&self) -> Option<(String, Node)> {
        if self.has(Fault::NoRole) {
            return None;
        }
        let role = &self.config.role_name;
        let (last_updated, _) = self.credential_times();
        let info = pretty(&[
            ("Code", json_str("Success")),
            ("LastUpdated", json_str(&iso8601(last_updated))),
            (
                "InstanceProfileArn",
                json_str(&format!(
                    "arn:aws:iam::{}:instance-profile/{role}",
                    self.config.account_id
                )),
            ),
            ("InstanceProfileId", json_str(INSTANCE_PROFILE_ID)),
        ]);
        let mut children = vec![
            file("info", info),
            dir(
                "security-credentials",
                vec![(
                    role.clone(),
                    Node::Credentials(self.role_credentials(false)),
                )],
            ),
        ];
        if self.config.serve_extended_credentials {
            children.push(dir(
                "security-credentials-extended",
                vec![(role.clone(), Node::Credentials(self.role_credentials(true)))],
            ));
        }
        Some(dir("iam", children))
    }

    fn identity_credentials(&self) -> (String, Node) {
        let (last_updated, _) = self.credential_times();
        let info = pretty(&[
            ("Code", json_str("Success")),
            ("LastUpdated", json_str(&iso8601(last_updated))),
            ("AccountId", json_str(&self.config.account_id)),
        ]);
        let creds = self.credentials_document(&Credentials::identity_canary(), None);
        dir(
            "identity-credentials",
            vec![dir(
                "ec2",
                vec![
                    file("info", info),
                    dir("security-credentials", vec![file("ec2-instance", creds)]),
                ],
            )],
        )
    }

    fn hostname(&self) -> String {
        let ip = self.config.private_ip.to_string().replace('.', "-");
        if self.config.region == "us-east-1" {
            format!("ip-{ip}.ec2.internal")
        } else {
            format!("ip-{ip}.{}.compute.internal", self.config.region)
        }
    }

    fn meta_data(&self) -> Node {
        let c = self.config;
        let hostname = self.hostname();
        let ip = c.private_ip.to_string();
        let mut items = vec![
            file("ami-id", c.image_id.clone()),
            file("ami-launch-index", "0"),
            file("ami-manifest-path", "(unknown)"),
            dir(
                "block-device-mapping",
                vec![file("ami", "/dev/xvda"), file("root", "/dev/xvda")],
            ),
            dir(
                "events",
                vec![dir(
                    "maintenance",
                    vec![file("history", "[]"), file("scheduled", "[]")],
                )],
            ),
            file("hostname", hostname.clone()),
        ];
        if let Some(iam) = self.iam() {
            items.push(iam);
        }
        items.extend([
            self.identity_credentials(),
            file("instance-action", "none"),
            file("instance-id", c.instance_id.clone()),
            file("instance-life-cycle", "on-demand"),
            file("instance-type", c.instance_type.clone()),
            file("local-hostname", hostname.clone()),
            file("local-ipv4", ip.clone()),
            file("mac", MAC),
            dir(
                "network",
                vec![dir(
                    "interfaces",
                    vec![dir(
                        "macs",
                        vec![dir(
                            MAC,
                            vec![
                                file("device-number", "0"),
                                file("interface-id", "eni-0a1b2c3d4e5f60718"),
                                file("local-hostname", hostname),
                                file("local-ipv4s", ip),
                                file("mac", MAC),
                                file("owner-id", c.account_id.clone()),
                                file("security-group-ids", "sg-0a1b2c3d4e5f60718"),
                                file("security-groups", "default"),
                                file("subnet-id", "subnet-0a1b2c3d4e5f60718"),
                                file("vpc-id", "vpc-0a1b2c3d4e5f60718"),
                            ],
                        )],
                    )],
                )],
            ),
            dir(
                "placement",
                vec![
                    file("availability-zone", c.availability_zone()),
                    file("availability-zone-id", "use1-az1"),
                    file("region", c.region.clone()),
                ],
            ),
            file("profile", "default-hvm"),
            file("reservation-id", "r-0a1b2c3d4e5f60718"),
            file("security-groups", "default"),
            dir(
                "services",
                vec![file("domain", "amazonaws.com"), file("partition", "aws")],
            ),
            file("system", "nitro"),
        ]);
        if let Some(tags) = &c.tags {
            let children = tags
                .iter()
                .map(|(k, v)| (k.clone(), Node::File(v.clone())))
                .collect();
            items.push(dir("tags", vec![dir("instance", children)]));
        }
        Node::Dir(items)
    }

    fn identity_document(&self) -> String {
        let c = self.config;
        let arch = if c.instance_type.contains('g') && c.instance_type.contains('.') {
            // Graviton families (m7g, t4g, c6gn, …) carry a `g` before the size.
            let family = c.instance_type.split('.').next().unwrap_or("");
            if family.len() > 2 && family[2..].contains('g') {
                "arm64"
            } else {
                "x86_64"
            }
        } else {
            "x86_64"
        };
        pretty(&[
            ("accountId", json_str(&c.account_id)),
            ("architecture", json_str(arch)),
            ("availabilityZone", json_str(&c.availability_zone())),
            ("billingProducts", "null".to_owned()),
            ("devpayProductCodes", "null".to_owned()),
            ("marketplaceProductCodes", "null".to_owned()),
            ("imageId", json_str(&c.image_id)),
            ("instanceId", json_str(&c.instance_id)),
            ("instanceType", json_str(&c.instance_type)),
            ("kernelId", "null".to_owned()),
            ("pendingTime", json_str(&iso8601(self.launched))),
            ("privateIp", json_str(&c.private_ip.to_string())),
            ("ramdiskId", "null".to_owned()),
            ("region", json_str(&c.region)),
            ("version", json_str("2017-09-30")),
        ])
    }

    fn dynamic(&self) -> Node {
        // The emulator cannot sign: the signature files are clearly fake placeholders.
        let fake = |kind: &str| {
            format!(
                "AUTHDOCTOR/EMULATED/{kind}/SIGNATURE/NOT/VALID/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
            )
        };
        Node::Dir(vec![dir(
            "instance-identity",
            vec![
                file("rsa2048", fake("RSA2048")),
                file("pkcs7", fake("PKCS7")),
                file("document", self.identity_document()),
                file("signature", fake("SIGNATURE")),
                file("dsa2048", fake("DSA2048")),
            ],
        )])
    }

    /// Resolves a GET for `path` (without query), or `None` for 404.
    pub(crate) fn lookup(&self, path: &str) -> Option<Document> {
        let path = path.strip_prefix('/')?;
        if path.is_empty() {
            return Some(text(VERSIONS.join("\n")));
        }
        let (version, rest) = path.split_once('/').unwrap_or((path, ""));
        if !is_version(version) {
            return None;
        }
        if rest.is_empty() {
            return Some(text("dynamic\nmeta-data\nuser-data".to_owned()));
        }
        let (category, rest) = match rest.split_once('/') {
            Some((category, rest)) => (category, Some(rest)),
            None => (rest, None),
        };
        let root = match category {
            "meta-data" => self.meta_data(),
            "dynamic" => self.dynamic(),
            "user-data" => {
                // `user-data/` or anything below it does not exist.
                if rest.is_some() {
                    return None;
                }
                return self.config.user_data.as_ref().map(|data| Document {
                    body: data.clone(),
                    content_type: "application/octet-stream",
                    role_credentials: false,
                });
            }
            _ => return None,
        };
        resolve(&root, rest.unwrap_or(""))
    }
}

fn text(body: String) -> Document {
    Document {
        body,
        content_type: "text/plain",
        role_credentials: false,
    }
}

/// Walks `rest` (`a/b/c`, `a/b/`, or empty for the directory itself) down from `node`.
fn resolve(node: &Node, rest: &str) -> Option<Document> {
    let mut current = node;
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment.is_empty() {
            // Only a trailing slash may be empty (`iam/`), and only on a directory.
            if !last {
                return None;
            }
            break;
        }
        let Node::Dir(children) = current else {
            return None;
        };
        current = &children.iter().find(|(name, _)| name == segment)?.1;
    }
    let trailing_slash = rest.is_empty() || rest.ends_with('/');
    match current {
        Node::Dir(children) => Some(text(
            children
                .iter()
                .map(|(name, child)| match child {
                    Node::Dir(_) => format!("{name}/"),
                    _ => name.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )),
        Node::File(body) if !trailing_slash || rest.is_empty() => Some(text(body.clone())),
        Node::Credentials(body) if !trailing_slash => Some(Document {
            body: body.clone(),
            content_type: "text/plain",
            role_credentials: true,
        }),
        _ => None,
    }
}

fn json_str(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `{\n  "Key" : value,\n  …\n}` with values already JSON-encoded.
fn pretty(fields: &[(&str, String)]) -> String {
    let body = fields
        .iter()
        .map(|(key, value)| format!("  \"{key}\" : {value}"))
        .collect::<Vec<_>>()
        .join(",\n");
    format!("{{\n{body}\n}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(config: &EmulatorConfig) -> Context<'_> {
        Context {
            config,
            now: 1_795_423_852,
            launched: 1_795_423_852 - 600,
        }
    }

    #[test]
    fn listings_mark_directories() {
        let config = EmulatorConfig::default();
        let c = ctx(&config);
        let root = c.lookup("/latest/meta-data/").unwrap().body;
        assert!(root.lines().any(|l| l == "iam/"), "{root}");
        assert!(root.lines().any(|l| l == "instance-id"), "{root}");
        assert_eq!(c.lookup("/latest/meta-data").unwrap().body, root);
        assert_eq!(
            c.lookup("/latest/meta-data/iam/security-credentials/")
                .unwrap()
                .body,
            "authdoctor-emulated-role"
        );
        assert_eq!(c.lookup("/latest/meta-data/instance-id/"), None);
        assert_eq!(c.lookup("/latest/meta-data//iam/"), None);
        assert_eq!(c.lookup("/nope/meta-data/"), None);
        assert!(c.lookup("/2021-03-23/meta-data/instance-id").is_some());
    }

    #[test]
    fn credentials_document_shape() {
        let config = EmulatorConfig::default();
        let c = ctx(&config);
        let doc = c
            .lookup("/latest/meta-data/iam/security-credentials/authdoctor-emulated-role")
            .unwrap();
        assert!(doc.role_credentials);
        let json: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
        assert_eq!(json["Code"], "Success");
        assert!(doc.body.contains("  \"Type\" : \"AWS-HMAC\",\n"));
        // Launched 10 minutes ago: issued at launch, valid 6 h.
        assert_eq!(json["LastUpdated"], iso8601(c.launched));
        assert_eq!(json["Expiration"], iso8601(c.launched + 21_600));
        assert!(doc.body.ends_with("\n}"));
    }

    #[test]
    fn credentials_rotate_fifteen_minutes_before_expiry() {
        let config = EmulatorConfig::default();
        let mut c = ctx(&config);
        c.now = c.launched + 21_600 - 15 * 60;
        let (last, exp) = c.credential_times();
        assert_eq!(last, c.now);
        assert_eq!(exp, c.now + 21_600);
    }

    #[test]
    fn faults_shape_the_iam_tree() {
        let mut config = EmulatorConfig {
            faults: vec![Fault::NoRole],
            ..EmulatorConfig::default()
        };
        assert_eq!(ctx(&config).lookup("/latest/meta-data/iam/info"), None);
        assert!(
            ctx(&config)
                .lookup(
                    "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance"
                )
                .is_some()
        );
        config.faults = vec![Fault::Garbage];
        let body = ctx(&config)
            .lookup("/latest/meta-data/iam/security-credentials/authdoctor-emulated-role")
            .unwrap()
            .body;
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
        assert!(!body.contains(crate::CANARY_SECRET_ACCESS_KEY));
    }
}
