//! The `env` group: environment variables that change how SDKs find credentials and talk
//! to IMDS. Rules follow `shared/reference/credential-chains.md` §2–§3: botocore's proxy
//! bypass (exact host or DNS suffix, no CIDR), the per-SDK meaning of
//! `AWS_EC2_METADATA_DISABLED`, endpoint and mode validation, partial key pairs.

use crate::http::{Endpoint, EndpointError};
use crate::{Check, Env, Status};
use authdoctor_diagnosis::Observation;
use authdoctor_kb::CheckId;

pub(crate) const IMDS_V4: &str = "169.254.169.254";
pub(crate) const IMDS_V6: &str = "fd00:ec2::254";

/// The IMDS-related settings as the SDKs read them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ImdsSettings {
    /// botocore, Go, Rust, .NET: only `true` (any case) disables.
    pub disabled: bool,
    /// The JS SDK: any non-empty value other than `false` disables.
    pub disabled_js: bool,
}

pub(crate) fn imds_settings(env: &Env) -> ImdsSettings {
    let value = env.get("AWS_EC2_METADATA_DISABLED").map(|v| v.trim());
    ImdsSettings {
        disabled: value.is_some_and(|v| v.eq_ignore_ascii_case("true")),
        disabled_js: value.is_some_and(|v| !v.is_empty() && v != "false"),
    }
}

/// The endpoint from `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else from the mode.
pub(crate) fn endpoint_from_env(env: &Env) -> Result<Endpoint, EndpointError> {
    if let Some(url) = env
        .get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .filter(|v| !v.trim().is_empty())
    {
        return Endpoint::parse(url);
    }
    let ipv6 = env
        .get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("ipv6"));
    if ipv6 {
        Endpoint::parse(&format!("http://[{IMDS_V6}]"))
    } else {
        Endpoint::parse(&format!("http://{IMDS_V4}"))
    }
}

pub(crate) fn checks(
    env: &Env,
    settings: &ImdsSettings,
    endpoint: Result<&Endpoint, &EndpointError>,
) -> Vec<Check> {
    vec![
        proxy(env, endpoint.ok()),
        imds_settings_check(env, settings, endpoint),
        static_keys(env),
        region(env),
    ]
}

fn get<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// Host (and port) of a proxy URL, without any user or password.
pub(crate) fn proxy_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    authdoctor_redact::clean(host).chars().take(80).collect()
}

/// How `NO_PROXY` treats one host, per client family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bypass {
    /// botocore (Python urllib rules) bypasses the proxy for it.
    Python,
    /// Only a CIDR entry covers it: Go honours that, botocore does not.
    CidrOnly,
    No,
}

pub(crate) fn bypass(no_proxy: &str, host: &str) -> Bypass {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let mut cidr = false;
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            return Bypass::Python;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            if cidr_contains(net, bits, &host) {
                cidr = true;
            }
            continue;
        }
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        let entry = entry.trim_start_matches('[');
        let entry = entry.split(']').next().unwrap_or_default();
        // Python's rule: the host equals the entry or ends with `.entry`. An entry with
        // a port (`169.254.169.254:80`) never matches a URL without one, as the SDKs'
        // IMDS URLs are.
        if host == entry || host.ends_with(&format!(".{entry}")) {
            return Bypass::Python;
        }
    }
    if cidr { Bypass::CidrOnly } else { Bypass::No }
}

fn cidr_contains(net: &str, bits: &str, host: &str) -> bool {
    use std::net::IpAddr;
    let (Ok(net), Ok(bits), Ok(host)) = (
        net.parse::<IpAddr>(),
        bits.parse::<u32>(),
        host.parse::<IpAddr>(),
    ) else {
        return false;
    };
    match (net, host) {
        (IpAddr::V4(n), IpAddr::V4(h)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(h) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(h)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(h) & mask
        }
        _ => false,
    }
}

fn proxy(env: &Env, endpoint: Option<&Endpoint>) -> Check {
    let http_vars: Vec<(&str, &str)> = ["HTTP_PROXY", "http_proxy"]
        .into_iter()
        .filter_map(|n| get(env, n).map(|v| (n, v)))
        .collect();
    let https_set: Vec<&str> = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .filter(|n| get(env, n).is_some())
        .collect();
    // Python prefers the lower-case variable when both exist; so does this report.
    let no_proxy = get(env, "no_proxy")
        .or_else(|| get(env, "NO_PROXY"))
        .unwrap_or("");
    let mut check = Check::new(CheckId::EnvProxy, Status::Pass, "");
    if !https_set.is_empty() {
        check = check.ev("https_or_all_proxy", https_set.join(", "));
    }
    if !no_proxy.is_empty() {
        check = check.ev("no_proxy", no_proxy.chars().take(200).collect::<String>());
    }
    let Some((var, url)) = http_vars.first().copied() else {
        check.summary = if https_set.is_empty() {
            "no HTTP proxy variables: SDKs reach IMDS directly".to_owned()
        } else {
            format!(
                "{} set (used for HTTPS calls to AWS, not for IMDS over plain HTTP)",
                https_set.join(", ")
            )
        };
        return check;
    };
    check = check.ev("http_proxy", format!("{var}={}", proxy_host(url)));
    // The host the SDKs will contact: the configured endpoint, else both defaults.
    let mut hosts = vec![IMDS_V4.to_owned(), IMDS_V6.to_owned()];
    if let Some(e) = endpoint
        && !hosts.iter().any(|h| h == e.host())
    {
        hosts.insert(0, e.host().to_owned());
    }
    let effective = endpoint
        .map(|e| e.host().to_owned())
        .unwrap_or_else(|| IMDS_V4.to_owned());
    let verdicts: Vec<(String, Bypass)> = hosts
        .iter()
        .map(|h| (h.clone(), bypass(no_proxy, h)))
        .collect();
    let effective_verdict = verdicts
        .iter()
        .find(|(h, _)| *h == effective)
        .map(|(_, b)| *b)
        .unwrap_or(Bypass::No);
    let missing: Vec<&str> = verdicts
        .iter()
        .filter(|(_, b)| *b != Bypass::Python)
        .map(|(h, _)| h.as_str())
        .collect();
    match effective_verdict {
        Bypass::Python if missing.is_empty() => {
            check.summary = format!(
                "{var} is set and NO_PROXY excludes the metadata addresses: IMDS calls go direct"
            );
        }
        Bypass::Python => {
            check.status = Status::Warn;
            check.summary = format!(
                "{var} is set; NO_PROXY excludes {effective} but not {}: switching the endpoint (e.g. to IPv6 mode) would send IMDS calls to the proxy",
                missing.join(", ")
            );
            check = check.fix(format!(
                "export NO_PROXY={}${{NO_PROXY:+,$NO_PROXY}}",
                missing.join(",")
            ));
        }
        Bypass::CidrOnly => {
            check.status = Status::Fail;
            check = check.judged(&[Observation::Setting {
                name: var.to_owned(),
                value: "proxies-metadata-for-some".to_owned(),
            }]);
            check.summary = format!(
                "{var} is set and NO_PROXY covers {effective} only through a CIDR range: Go honours that, but botocore/the AWS CLI ignore CIDR entries and send IMDS calls to the proxy"
            );
            check = check.fix(format!("export NO_PROXY={IMDS_V4},{IMDS_V6},{no_proxy}"));
        }
        Bypass::No => {
            check.status = Status::Fail;
            check = check.judged(&[Observation::Setting {
                name: var.to_owned(),
                value: "proxies-metadata".to_owned(),
            }]);
            check.summary = format!(
                "{var} is set and NO_PROXY does not exclude {effective}: botocore, the AWS CLI and the Go SDK send IMDS calls to the proxy (curl too for http_proxy)"
            );
            check = check.fix(format!(
                "export NO_PROXY={IMDS_V4},{IMDS_V6}${{NO_PROXY:+,$NO_PROXY}}"
            ));
        }
    }
    check
}

/// `AWS_EC2_METADATA_DISABLED` in effect, with the class of its value (`true`, or
/// `other`: neither true nor false).
fn metadata_disabled(value: &str) -> Observation {
    Observation::Setting {
        name: "AWS_EC2_METADATA_DISABLED".to_owned(),
        value: value.to_owned(),
    }
}

fn imds_settings_check(
    env: &Env,
    settings: &ImdsSettings,
    endpoint: Result<&Endpoint, &EndpointError>,
) -> Check {
    let mut check = Check::new(CheckId::EnvImdsSettings, Status::Pass, "");
    let mut problems: Vec<(Status, String)> = Vec::new();
    for var in [
        "AWS_EC2_METADATA_DISABLED",
        "AWS_EC2_METADATA_V1_DISABLED",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_METADATA_SERVICE_TIMEOUT",
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "AWS_EC2_INSTANCE_PROFILE_NAME",
    ] {
        if let Some(v) = env.get(var) {
            check = check.ev(var, v.chars().take(200).collect::<String>());
        }
    }
    if settings.disabled {
        problems.push((
            Status::Warn,
            "AWS_EC2_METADATA_DISABLED=true: every SDK skips the instance role".to_owned(),
        ));
        check = check.judged(&[metadata_disabled("true")]);
        check.fix = Some("unset AWS_EC2_METADATA_DISABLED".to_owned());
    } else if settings.disabled_js {
        problems.push((
            Status::Warn,
            "AWS_EC2_METADATA_DISABLED is set to a value other than true/false: the JavaScript SDK treats it as disabled, the others do not".to_owned(),
        ));
        check = check.judged(&[metadata_disabled("other")]);
        check.fix = Some("unset AWS_EC2_METADATA_DISABLED".to_owned());
    }
    if let Some(v) = get(env, "AWS_EC2_METADATA_V1_DISABLED")
        && !v.eq_ignore_ascii_case("true")
        && !v.eq_ignore_ascii_case("false")
    {
        problems.push((
            Status::Warn,
            "AWS_EC2_METADATA_V1_DISABLED should be true or false (the JS SDK treats any other value as true)".to_owned(),
        ));
    }
    if env.contains_key("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        && let Err(e) = endpoint_from_env(env)
    {
        problems.push((
            Status::Fail,
            format!("AWS_EC2_METADATA_SERVICE_ENDPOINT is invalid: {e}; botocore stops with `Invalid endpoint EC2 Instance Metadata endpoint`"),
        ));
    }
    if let Some(mode) = get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
        let m = mode.trim();
        if !m.eq_ignore_ascii_case("ipv4") && !m.eq_ignore_ascii_case("ipv6") {
            problems.push((
                Status::Fail,
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6; botocore stops with `Invalid EC2 Instance Metadata endpoint mode`".to_owned(),
            ));
        } else if m != "IPv4" && m != "IPv6" {
            problems.push((
                Status::Warn,
                format!("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE={m}: the JavaScript SDK accepts only the exact spelling IPv4 or IPv6"),
            ));
        }
        if m.eq_ignore_ascii_case("ipv6") && get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").is_none()
        {
            problems.push((
                Status::Pass,
                "IPv6 mode: the IPv6 endpoint answers only on Nitro instances with HttpProtocolIpv6=enabled".to_owned(),
            ));
        }
    }
    if let Some(t) = get(env, "AWS_METADATA_SERVICE_TIMEOUT") {
        let t = t.trim();
        match (t.parse::<u64>(), t.parse::<f64>()) {
            (Ok(0), _) => problems.push((Status::Fail, "AWS_METADATA_SERVICE_TIMEOUT=0 makes every IMDS call time out".to_owned())),
            (Ok(_), _) => {}
            (Err(_), Ok(f)) if f > 0.0 => problems.push((
                Status::Warn,
                format!("AWS_METADATA_SERVICE_TIMEOUT={t}: botocore/the AWS CLI need whole seconds (Java accepts decimals)"),
            )),
            _ => problems.push((
                Status::Fail,
                format!("AWS_METADATA_SERVICE_TIMEOUT={t} is not a number of seconds"),
            )),
        }
    }
    if let Some(n) = get(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS") {
        match n.trim().parse::<u64>() {
            Ok(n) if n >= 1 => {}
            _ => problems.push((
                Status::Fail,
                format!(
                    "AWS_METADATA_SERVICE_NUM_ATTEMPTS={} must be a whole number of at least 1",
                    n.trim()
                ),
            )),
        }
    }
    let worst = problems.iter().map(|(s, _)| *s).max_by_key(|s| match s {
        Status::Fail => 3,
        Status::Warn => 2,
        _ => 1,
    });
    match worst {
        None => {
            check.summary = match endpoint {
                Ok(e) => format!("IMDS settings are valid; the SDKs use {}", e.display()),
                Err(_) => "IMDS settings are valid".to_owned(),
            };
        }
        Some(status) => {
            check.status = status;
            check.summary = problems
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    check
}

/// The environment's keys in the state the engine reads (`token-missing`,
/// `token-extra`, `expired`).
fn env_keys(state: &str) -> Observation {
    Observation::Credentials {
        source: "environment".to_owned(),
        state: state.to_owned(),
    }
}

fn static_keys(env: &Env) -> Check {
    let key = get(env, "AWS_ACCESS_KEY_ID");
    let secret = get(env, "AWS_SECRET_ACCESS_KEY");
    let token = get(env, "AWS_SESSION_TOKEN").or_else(|| get(env, "AWS_SECURITY_TOKEN"));
    let mut check = Check::new(CheckId::EnvStaticKeys, Status::Pass, "");
    if let Some(k) = key {
        check = check.ev("access_key_id", authdoctor_redact::shorten_key_id(k.trim()));
    }
    check = check
        .ev(
            "secret_access_key",
            if secret.is_some() { "set" } else { "unset" },
        )
        .ev(
            "session_token",
            if token.is_some() { "set" } else { "unset" },
        );
    match (key, secret, token) {
        (None, None, None) => {
            check.summary = "no AWS keys in the environment".to_owned();
        }
        (Some(_), None, _) => {
            check.status = Status::Fail;
            check.summary = "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY: botocore stops with PartialCredentialsError; other SDKs skip to the next provider".to_owned();
            check.fix = Some("unset AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN".to_owned());
        }
        (None, Some(_), _) => {
            check.status = Status::Warn;
            check.summary =
                "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID: the SDKs ignore it"
                    .to_owned();
            check.fix = Some("unset AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN".to_owned());
        }
        (None, None, Some(_)) => {
            check.status = Status::Warn;
            check.summary = "AWS_SESSION_TOKEN is set without an access key: a leftover from an earlier session".to_owned();
            check.fix = Some("unset AWS_SESSION_TOKEN".to_owned());
        }
        (Some(k), Some(_), t) => {
            let k = k.trim();
            let shown = authdoctor_redact::shorten_key_id(k);
            if k.starts_with("ASIA") && t.is_none() {
                check.status = Status::Fail;
                check = check.judged(&[env_keys("token-missing")]);
                check.summary = format!(
                    "{shown} is a temporary key (ASIA…) but AWS_SESSION_TOKEN is unset: AWS rejects it as InvalidClientTokenId"
                );
            } else if k.starts_with("AKIA") && t.is_some() {
                check.status = Status::Warn;
                check = check.judged(&[env_keys("token-extra")]);
                check.summary = format!(
                    "{shown} is a long-term key (AKIA…) but AWS_SESSION_TOKEN is also set: a leftover token makes AWS reject the requests"
                );
                check.fix = Some("unset AWS_SESSION_TOKEN".to_owned());
            } else {
                check.summary = format!(
                    "AWS_ACCESS_KEY_ID {shown} with a secret{}: every SDK uses these before any other source",
                    if t.is_some() {
                        " and a session token"
                    } else {
                        ""
                    }
                );
            }
            if let Some(exp) = get(env, "AWS_CREDENTIAL_EXPIRATION") {
                match exp.trim().parse::<jiff::Timestamp>() {
                    Ok(ts) if ts < jiff::Timestamp::now() && check.status != Status::Fail => {
                        check.status = Status::Fail;
                        check = check.judged(&[env_keys("expired")]);
                        check.summary = format!(
                            "the keys in the environment expired at {ts} (AWS_CREDENTIAL_EXPIRATION)"
                        );
                    }
                    Ok(ts) => check = check.ev("expires_at", ts.to_string()),
                    Err(_) => {
                        check = check.ev("expires_at", "unparseable AWS_CREDENTIAL_EXPIRATION")
                    }
                }
            }
        }
    }
    check
}

/// Whether a region name has the shape AWS uses (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`).
pub(crate) fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn region(env: &Env) -> Check {
    let region = get(env, "AWS_REGION").map(str::trim);
    let default = get(env, "AWS_DEFAULT_REGION").map(str::trim);
    let mut check = Check::new(CheckId::EnvRegion, Status::Pass, "");
    if let Some(r) = region {
        check = check.ev("AWS_REGION", r.to_owned());
    }
    if let Some(r) = default {
        check = check.ev("AWS_DEFAULT_REGION", r.to_owned());
    }
    let invalid: Vec<&str> = [region, default]
        .into_iter()
        .flatten()
        .filter(|r| !valid_region(r))
        .collect();
    if !invalid.is_empty() {
        check.status = Status::Warn;
        check.summary = format!(
            "`{}` does not look like an AWS region (e.g. us-east-1)",
            invalid.join("`, `")
        );
        return check;
    }
    check.summary = match (region, default) {
        (None, None) => "no region in the environment: SDKs use the profile's region, and some (Java, Go, Rust) the instance's".to_owned(),
        (Some(a), Some(b)) if a != b => {
            check.status = Status::Warn;
            format!("AWS_REGION={a} but AWS_DEFAULT_REGION={b}: most SDKs use {a}, botocore/boto3 use {b}")
        }
        (Some(a), _) | (None, Some(a)) => format!("region {a}"),
    };
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use authdoctor_kb::ScenarioId;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_proxy_follows_python_rules() {
        assert_eq!(bypass("169.254.169.254", IMDS_V4), Bypass::Python);
        assert_eq!(
            bypass("localhost, .254.169.254", "x.254.169.254"),
            Bypass::Python
        );
        assert_eq!(bypass("*", IMDS_V4), Bypass::Python);
        assert_eq!(bypass("169.254.0.0/16", IMDS_V4), Bypass::CidrOnly);
        assert_eq!(bypass("example.com", IMDS_V4), Bypass::No);
        assert_eq!(bypass("169.254.169.254:80", IMDS_V4), Bypass::No);
        assert_eq!(bypass("[fd00:ec2::254]", IMDS_V6), Bypass::Python);
        assert_eq!(bypass("fd00:ec2::/32", IMDS_V6), Bypass::CidrOnly);
    }

    #[test]
    fn proxy_without_bypass_fails_and_hides_credentials() {
        let e = env(&[("HTTP_PROXY", "http://user:hunter2@proxy.corp:3128")]);
        let c = proxy(&e, None);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.scenario.map(ScenarioId::as_str), Some("imds-proxy"));
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
        let e = env(&[
            ("http_proxy", "http://p:3128"),
            ("NO_PROXY", "169.254.0.0/16"),
        ]);
        let c = proxy(&e, None);
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("CIDR"), "{}", c.summary);
        let e = env(&[
            ("http_proxy", "http://p:3128"),
            ("no_proxy", "169.254.169.254,fd00:ec2::254"),
        ]);
        assert_eq!(proxy(&e, None).status, Status::Pass);
        assert_eq!(proxy(&Env::new(), None).status, Status::Pass);
    }

    #[test]
    fn imds_settings_are_validated() {
        let e = env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")]);
        assert!(endpoint_from_env(&e).is_err());
        let c = imds_settings_check(&e, &imds_settings(&e), endpoint_from_env(&e).as_ref());
        assert_eq!(c.status, Status::Fail);
        let e = env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6")]);
        assert_eq!(endpoint_from_env(&e).unwrap().host(), IMDS_V6);
        let c = imds_settings_check(&e, &imds_settings(&e), endpoint_from_env(&e).as_ref());
        assert_eq!(c.status, Status::Warn, "{}", c.summary);
        let e = env(&[("AWS_EC2_METADATA_DISABLED", "1")]);
        let s = imds_settings(&e);
        assert!(!s.disabled && s.disabled_js);
        let e = env(&[("AWS_METADATA_SERVICE_TIMEOUT", "soon")]);
        let c = imds_settings_check(&e, &imds_settings(&e), endpoint_from_env(&e).as_ref());
        assert_eq!(c.status, Status::Fail);
    }

    #[test]
    fn key_pairs_are_checked() {
        let c = static_keys(&env(&[("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]));
        assert_eq!(c.status, Status::Fail);
        let c = static_keys(&env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
        ]));
        assert_eq!(
            c.scenario.map(ScenarioId::as_str),
            Some("invalid-client-token")
        );
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            !json.contains("wJalr") && !json.contains("ASIAIOSFODNN7EXAMPLE"),
            "{json}"
        );
        assert!(json.contains("ASIA…MPLE"), "{json}");
        let c = static_keys(&env(&[("AWS_SESSION_TOKEN", "x")]));
        assert_eq!(c.status, Status::Warn);
        assert_eq!(static_keys(&Env::new()).status, Status::Pass);
    }

    #[test]
    fn regions() {
        assert!(valid_region("us-east-1"));
        assert!(valid_region("us-gov-west-1"));
        assert!(!valid_region("useast1"));
        assert!(!valid_region("US-EAST-1"));
        let c = region(&env(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ]));
        assert_eq!(c.status, Status::Warn);
    }
}
