//! What the emulated instance looks like: identity, role, credentials, metadata options,
//! faults; plus the canary secrets it serves and the loopback-only rule.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use crate::fault::Fault;
use crate::stats::RequestSink;

/// Access key id of the role credentials served by default.
pub const CANARY_ACCESS_KEY_ID: &str = "ASIAAUTHDOCTORIMDS01";
/// Secret access key of the role credentials served by default. Distinctive on purpose:
/// tests assert that this string never appears in any output.
pub const CANARY_SECRET_ACCESS_KEY: &str = "imdsCanarySecret/DoNotPrint+0123456789aZ";
/// Session token of the role credentials served by default (shaped like an STS token, so
/// prefix-based redaction recognises it; never to appear in any output).
pub const CANARY_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEAuthdoctorImdsCanarySessionTokenDoNotPrint\
Aa0Bb1Cc2Dd3Ee4Ff5Gg6Hh7Ii8Jj9Kk0Ll1Mm2Nn3Oo4Pp5Qq6Rr7Ss8Tt9Uu0Vv1Ww2Xx3Yy4Zz5/\
Aa0Bb1Cc2Dd3Ee4Ff5Gg6Hh7Ii8Jj9Kk0Ll1Mm2Nn3Oo4Pp5Qq6Rr7Ss8Tt9Uu0Vv1Ww2Xx3Yy4Zz5+CANARY==";
/// Secret of the instance identity credentials (`identity-credentials/ec2/...`).
pub const IDENTITY_CANARY_SECRET_ACCESS_KEY: &str = "identityCanarySecret/DoNotPrint+01234567";
/// Session token of the instance identity credentials.
pub const IDENTITY_CANARY_SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEAuthdoctorImdsIdentityCanaryTokenDoNotPrint\
Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7Mm6Ll5Kk4Jj3Ii2Hh1Gg0Ff9Ee8Dd7Cc6Bb5Aa4/CANARY==";
/// Every secret value the emulator serves by default: no output may ever contain one.
pub const CANARY_SECRETS: &[&str] = &[
    CANARY_SECRET_ACCESS_KEY,
    CANARY_SESSION_TOKEN,
    IDENTITY_CANARY_SECRET_ACCESS_KEY,
    IDENTITY_CANARY_SESSION_TOKEN,
];
const IDENTITY_ACCESS_KEY_ID: &str = "ASIAAUTHDOCTORIDNT01";

/// The instance's `HttpTokens` metadata option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpTokens {
    /// IMDSv2 only: every GET needs a session token (401 otherwise).
    #[default]
    Required,
    /// IMDSv1 allowed: token-less GETs are answered.
    Optional,
}

impl FromStr for HttpTokens {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "required" => Ok(HttpTokens::Required),
            "optional" => Ok(HttpTokens::Optional),
            _ => Err(ConfigError::Invalid {
                field: "http-tokens",
                value: truncate(s),
                expected: "`required` or `optional`",
            }),
        }
    }
}

/// A set of temporary credentials. `Debug` never shows the secret parts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

impl Credentials {
    /// The canary role credentials ([`CANARY_SECRET_ACCESS_KEY`], [`CANARY_SESSION_TOKEN`]).
    pub fn canary() -> Self {
        Credentials {
            access_key_id: CANARY_ACCESS_KEY_ID.to_owned(),
            secret_access_key: CANARY_SECRET_ACCESS_KEY.to_owned(),
            session_token: CANARY_SESSION_TOKEN.to_owned(),
        }
    }

    pub(crate) fn identity_canary() -> Self {
        Credentials {
            access_key_id: IDENTITY_ACCESS_KEY_ID.to_owned(),
            secret_access_key: IDENTITY_CANARY_SECRET_ACCESS_KEY.to_owned(),
            session_token: IDENTITY_CANARY_SESSION_TOKEN.to_owned(),
        }
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::canary()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("session_token", &"[redacted]")
            .finish()
    }
}

/// The emulated instance. `Default` is a healthy Nitro instance with a role,
/// `HttpTokens=required` and hop limit 2, listening on `127.0.0.1:0`.
///
/// Faults combine; they take effect in this order: `refused` and `blackhole` at the
/// connection, then `slow` (delay), `proxy*` (a proxy answers instead), `disabled`,
/// `throttle`, then the token endpoint (`v1-only*`, `token-400`, `hop-limit`), the
/// token rules (`v2-required` / [`EmulatorConfig::http_tokens`]), and finally the
/// documents (`no-role`, `trust-broken`, `expired-credentials`, `garbage`).
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Loopback addresses to listen on (`127.0.0.1:0` picks a free port).
    pub listen: Vec<SocketAddr>,
    pub faults: Vec<Fault>,
    pub http_tokens: HttpTokens,
    /// With `HttpTokens=optional`, a GET whose token header is present but invalid or
    /// expired gets 401 (the docs say the header's presence marks an IMDSv2 request).
    /// Set to `false` to treat such GETs as IMDSv1 instead.
    pub reject_invalid_token_when_optional: bool,
    /// The role (and instance profile) name.
    pub role_name: String,
    pub instance_id: String,
    pub instance_type: String,
    pub image_id: String,
    pub region: String,
    /// Defaults to the region followed by `a`.
    pub availability_zone: Option<String>,
    pub account_id: String,
    pub private_ip: Ipv4Addr,
    /// Seconds added to the real clock for `Date` headers, credential times and token
    /// expiry (negative: the emulated instance is behind).
    pub clock_offset_secs: i64,
    /// How long the `slow` fault waits before answering.
    pub slow_delay: Duration,
    /// With `hop-limit`: reset the connection after this long instead of holding it open
    /// until the client gives up (real traces show both).
    pub hop_limit_reset_after: Option<Duration>,
    /// The role credentials served (default: the canaries).
    pub credentials: Credentials,
    /// Lifetime of served credentials (real: about 6 h). New ones are issued 15 minutes
    /// before the old ones expire (the service promises at least 5).
    pub credential_lifetime: Duration,
    /// Serve `iam/security-credentials-extended/` (with `AccountId`); 404 otherwise, as for
    /// instances that are not allow-listed.
    pub serve_extended_credentials: bool,
    /// Instance tags in metadata (`InstanceMetadataTags=enabled`); `None` = disabled (404).
    pub tags: Option<Vec<(String, String)>>,
    pub user_data: Option<String>,
    /// Connections open at once; at the cap the oldest one not being answered is closed
    /// to make room for a new client.
    pub max_connections: usize,
    /// Called once per request after it is answered (or abandoned).
    pub request_sink: Option<RequestSink>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 0))],
            faults: Vec::new(),
            http_tokens: HttpTokens::Required,
            reject_invalid_token_when_optional: true,
            role_name: "authdoctor-emulated-role".to_owned(),
            instance_id: "i-0a1b2c3d4e5f60718".to_owned(),
            instance_type: "t3.micro".to_owned(),
            image_id: "ami-0abcdef1234567890".to_owned(),
            region: "us-east-1".to_owned(),
            availability_zone: None,
            account_id: "111122223333".to_owned(),
            private_ip: Ipv4Addr::new(10, 0, 1, 23),
            clock_offset_secs: 0,
            slow_delay: Duration::from_secs(2),
            hop_limit_reset_after: None,
            credentials: Credentials::canary(),
            credential_lifetime: Duration::from_secs(6 * 3600),
            serve_extended_credentials: false,
            tags: None,
            user_data: None,
            max_connections: 1024,
            request_sink: None,
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("faults", &self.faults)
            .field("http_tokens", &self.http_tokens)
            .field("role_name", &self.role_name)
            .field("instance_id", &self.instance_id)
            .field("region", &self.region)
            .field("clock_offset_secs", &self.clock_offset_secs)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl EmulatorConfig {
    /// Whether `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// The availability zone served (`placement/availability-zone`).
    pub fn availability_zone(&self) -> String {
        self.availability_zone
            .clone()
            .unwrap_or_else(|| format!("{}a", self.region))
    }

    /// Checks every field that ends up on the wire; the emulator refuses to start otherwise.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.listen.is_empty() {
            return Err(ConfigError::NoListenAddress);
        }
        for addr in &self.listen {
            check_loopback(addr)?;
        }
        let role_ok = (1..=64).contains(&self.role_name.len())
            && self
                .role_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !role_ok {
            return Err(invalid(
                "role",
                &self.role_name,
                "1-64 characters of A-Z a-z 0-9 + = , . @ _ -",
            ));
        }
        let id = self.instance_id.strip_prefix("i-").unwrap_or("");
        if !(8..=17).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                "instance-id",
                &self.instance_id,
                "`i-` followed by 8-17 hex digits",
            ));
        }
        let region_ok = (1..=32).contains(&self.region.len())
            && self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(invalid(
                "region",
                &self.region,
                "a region name such as `us-east-1`",
            ));
        }
        if let Some(az) = &self.availability_zone
            && !(az.len() <= 40 && az.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid(
                "availability-zone",
                az,
                "a zone name such as `us-east-1a`",
            ));
        }
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("account-id", &self.account_id, "12 digits"));
        }
        for (field, value) in [
            ("instance-type", &self.instance_type),
            ("image-id", &self.image_id),
        ] {
            if value.is_empty()
                || value.len() > 64
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err(invalid(
                    field,
                    value,
                    "1-64 characters of A-Z a-z 0-9 - _ .",
                ));
            }
        }
        let creds = &self.credentials;
        for (field, value) in [
            ("access-key-id", &creds.access_key_id),
            ("secret-access-key", &creds.secret_access_key),
            ("session-token", &creds.session_token),
        ] {
            if value.is_empty()
                || value.len() > 4096
                || !value.bytes().all(|b| b.is_ascii_graphic())
            {
                // Never echo a credential value back.
                return Err(ConfigError::Invalid {
                    field,
                    value: "[not shown]".to_owned(),
                    expected: "1-4096 printable ASCII characters",
                });
            }
        }
        if self.credential_lifetime < Duration::from_secs(16 * 60)
            || self.credential_lifetime > Duration::from_secs(36 * 3600)
        {
            return Err(ConfigError::Invalid {
                field: "credential-lifetime",
                value: format!("{}s", self.credential_lifetime.as_secs()),
                expected: "between 16 minutes and 36 hours",
            });
        }
        if self.slow_delay > MAX_DELAY {
            return Err(ConfigError::Invalid {
                field: "delay",
                value: format!("{}ms", self.slow_delay.as_millis()),
                expected: "at most 10 minutes",
            });
        }
        if self.clock_offset_secs.unsigned_abs() > MAX_CLOCK_OFFSET_SECS {
            return Err(ConfigError::Invalid {
                field: "clock-offset",
                value: format!("{}s", self.clock_offset_secs),
                expected: "at most 10 years either way",
            });
        }
        if !(1..=10_000).contains(&self.max_connections) {
            return Err(ConfigError::Invalid {
                field: "max-connections",
                value: self.max_connections.to_string(),
                expected: "1-10000",
            });
        }
        if let Some(tags) = &self.tags {
            if tags.len() > 50 {
                return Err(ConfigError::Invalid {
                    field: "tags",
                    value: tags.len().to_string(),
                    expected: "at most 50 tags",
                });
            }
            for (key, value) in tags {
                // With tags in IMDS, keys may not contain spaces or `/`.
                if key.is_empty()
                    || key.len() > 128
                    || key.contains([' ', '/'])
                    || key.contains(char::is_control)
                {
                    return Err(invalid(
                        "tag key",
                        key,
                        "1-128 characters, no spaces or `/`",
                    ));
                }
                if value.len() > 256 {
                    return Err(invalid("tag value", value, "at most 256 characters"));
                }
            }
        }
        if let Some(data) = &self.user_data
            && data.len() > 16 * 1024
        {
            return Err(ConfigError::Invalid {
                field: "user-data",
                value: format!("{} bytes", data.len()),
                expected: "at most 16 KiB, as on EC2",
            });
        }
        Ok(())
    }
}

const MAX_DELAY: Duration = Duration::from_secs(600);
const MAX_CLOCK_OFFSET_SECS: u64 = 10 * 366 * 86_400;

/// A configuration the emulator refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "refusing to listen on `{addr}`: the emulator binds loopback addresses only (127.0.0.0/8 or [::1])"
    )]
    NotLoopback { addr: String },
    #[error("no listen address given")]
    NoListenAddress,
    #[error("invalid {field} `{value}`: expected {expected}")]
    Invalid {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

fn invalid(field: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        field,
        value: truncate(value),
        expected,
    }
}

fn truncate(value: &str) -> String {
    value
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Refuses anything but a loopback address (`127.0.0.0/8`, `::1`).
pub fn check_loopback(addr: &SocketAddr) -> Result<(), ConfigError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ConfigError::NotLoopback {
            addr: addr.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_loopback() {
        let config = EmulatorConfig::default();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.http_tokens, HttpTokens::Required);
        assert_eq!(config.availability_zone(), "us-east-1a");
    }

    #[test]
    fn canaries_have_real_shapes() {
        assert_eq!(CANARY_ACCESS_KEY_ID.len(), 20);
        assert_eq!(CANARY_SECRET_ACCESS_KEY.len(), 40);
        assert_eq!(IDENTITY_CANARY_SECRET_ACCESS_KEY.len(), 40);
        assert!(CANARY_SESSION_TOKEN.starts_with("IQoJb3JpZ2lu"));
        assert!(!format!("{:?}", Credentials::canary()).contains(CANARY_SECRET_ACCESS_KEY));
    }

    #[test]
    fn non_loopback_is_refused() {
        for addr in ["0.0.0.0:80", "10.0.0.1:1", "[::]:0", "169.254.169.254:80"] {
            let addr: SocketAddr = addr.parse().unwrap();
            assert!(matches!(
                check_loopback(&addr),
                Err(ConfigError::NotLoopback { .. })
            ));
        }
        for addr in ["127.0.0.1:0", "127.8.9.1:80", "[::1]:0"] {
            assert_eq!(check_loopback(&addr.parse().unwrap()), Ok(()));
        }
    }

    #[test]
    fn bad_fields_are_named_without_echoing_secrets() {
        let mut config = EmulatorConfig {
            role_name: "bad role".into(),
            ..EmulatorConfig::default()
        };
        assert!(config.validate().unwrap_err().to_string().contains("role"));
        config.role_name = "ok".into();
        config.credentials.secret_access_key = "has space secret".into();
        let err = config.validate().unwrap_err().to_string();
        assert!(!err.contains("has space"), "{err}");
    }
}
