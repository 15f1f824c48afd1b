//! Which URL each service is called at, resolved the way the AWS SDKs do it from the
//! environment: `AWS_ENDPOINT_URL_<SERVICE>` > `AWS_ENDPOINT_URL` > the regional default.
//!
//! Only the environment is consulted; endpoint settings in `~/.aws/config` (`services`
//! sections, `endpoint_url`) are not read here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use crate::OnlineError;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP: meant for local emulators such as moto.
    Http,
    /// HTTPS with rustls.
    Https,
}

/// One service endpoint, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    /// Where the URL came from: an environment variable name, or `default`.
    pub source: &'static str,
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host name or IP address, IPv6 without brackets.
    pub host: String,
    /// The port (explicit, or 80/443).
    pub port: u16,
    port_explicit: bool,
    /// The path requests are POSTed to (`/` unless the URL has one).
    pub path: String,
}

impl Endpoint {
    /// Parses `http[s]://host[:port][/path]`. Query strings, fragments and user info
    /// are refused: none of them has a meaning for a Query-API endpoint.
    pub fn parse(url: &str, source: &'static str) -> Result<Endpoint, OnlineError> {
        let bad = |reason: &str| OnlineError::InvalidEndpoint {
            source_name: source.to_owned(),
            reason: format!(
                "{reason}: {}",
                authdoctor_redact::clean(&truncate(url, 200))
            ),
        };
        let url = url.trim();
        let (scheme, rest) = if let Some(rest) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, rest)
        } else {
            return Err(bad("expected an http:// or https:// URL"));
        };
        if rest.contains(['?', '#', '@'])
            || rest.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad("query, fragment, user info or spaces are not allowed"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let end = v6.find(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            let host = &v6[..end];
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("not an IPv6 address in brackets"));
            }
            let after = &v6[end + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("unexpected text after the IPv6 address")),
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let bracketed = authority.starts_with('[');
        if host.is_empty()
            || !host.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') || (bracketed && c == ':')
            })
        {
            return Err(bad("missing or invalid host"));
        }
        let default_port = match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        let (port, port_explicit) = match port {
            Some(p) => (
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad("invalid port"))?,
                true,
            ),
            None => (default_port, false),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(Endpoint {
            url: url.to_owned(),
            source,
            scheme,
            host: host.to_ascii_lowercase(),
            port: if port_explicit { port } else { default_port },
            port_explicit: port_explicit && port != default_port,
            path: path.to_owned(),
        })
    }

    /// The URL as configured.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The value of the `Host` header: the host, with the port unless it is the scheme's
    /// default (the same rule the signer applies, so the signed and sent values agree).
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port_explicit {
            format!("{host}:{}", self.port)
        } else {
            host
        }
    }

    /// The URL the request is signed for: scheme, `Host` header and path.
    pub(crate) fn signing_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}{}", self.host_header(), self.path)
    }

    /// True when the host is a loopback IP address or `localhost`.
    pub fn is_loopback_host(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// The STS and EC2 endpoints of one call site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where STS calls go.
    pub sts: Endpoint,
    /// Where EC2 calls go.
    pub ec2: Endpoint,
}

impl Endpoints {
    /// Resolves both endpoints from `env` and `region`:
    /// `AWS_ENDPOINT_URL_STS` > `AWS_ENDPOINT_URL` > `https://sts.{region}.amazonaws.com`
    /// (and likewise for EC2). `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` switches the
    /// variables off, as in the SDKs. Empty variables count as unset.
    pub fn resolve(env: &BTreeMap<String, String>, region: &str) -> Result<Endpoints, OnlineError> {
        validate_region(region)?;
        let ignore = env
            .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let pick = |service_var: &'static str, service: &str| -> Result<Endpoint, OnlineError> {
            let set = |name: &str| {
                env.get(name)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty() && !ignore)
            };
            if let Some(url) = set(service_var) {
                return Endpoint::parse(url, service_var);
            }
            if let Some(url) = set("AWS_ENDPOINT_URL") {
                return Endpoint::parse(url, "AWS_ENDPOINT_URL");
            }
            Endpoint::parse(&default_url(service, region), "default")
        };
        Ok(Endpoints {
            sts: pick("AWS_ENDPOINT_URL_STS", "sts")?,
            ec2: pick("AWS_ENDPOINT_URL_EC2", "ec2")?,
        })
    }
}

/// The public regional endpoint; China regions live under `amazonaws.com.cn`.
fn default_url(service: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{service}.{region}.{suffix}")
}

/// A region goes into a host name and the signing scope: letters, digits and dashes only.
pub(crate) fn validate_region(region: &str) -> Result<(), OnlineError> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(OnlineError::InvalidEndpoint {
            source_name: "region".to_owned(),
            reason: format!(
                "not a region name: {}",
                authdoctor_redact::clean(&truncate(region, 64))
            ),
        })
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_regional() {
        let e = Endpoints::resolve(&env(&[]), "eu-west-1").expect("resolve");
        assert_eq!(e.sts.url(), "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(e.ec2.url(), "https://ec2.eu-west-1.amazonaws.com");
        assert_eq!(e.sts.source, "default");
        assert_eq!(e.sts.host_header(), "sts.eu-west-1.amazonaws.com");
        assert_eq!(e.sts.port, 443);
        let cn = Endpoints::resolve(&env(&[]), "cn-north-1").expect("resolve");
        assert_eq!(cn.sts.url(), "https://sts.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn service_variable_beats_global_variable() {
        let e = Endpoints::resolve(
            &env(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_ENDPOINT_URL_STS", "http://localhost:5001/sts/"),
            ]),
            "us-east-1",
        )
        .expect("resolve");
        assert_eq!(e.sts.source, "AWS_ENDPOINT_URL_STS");
        assert_eq!(e.sts.host_header(), "localhost:5001");
        assert_eq!(e.sts.path, "/sts/");
        assert_eq!(e.ec2.source, "AWS_ENDPOINT_URL");
        assert_eq!(e.ec2.host, "127.0.0.1");
        assert_eq!(e.ec2.port, 5000);
        assert!(e.ec2.is_loopback_host() && e.sts.is_loopback_host());
    }

    #[test]
    fn ignore_switch_and_empty_values() {
        let e = Endpoints::resolve(
            &env(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ]),
            "us-east-1",
        )
        .expect("resolve");
        assert_eq!(e.sts.source, "default");
        let e = Endpoints::resolve(&env(&[("AWS_ENDPOINT_URL_EC2", " ")]), "us-east-1")
            .expect("resolve");
        assert_eq!(e.ec2.source, "default");
    }

    #[test]
    fn default_ports_are_left_out_of_the_host_header() {
        let e = Endpoint::parse("http://localhost:80", "t").expect("parse");
        assert_eq!(e.host_header(), "localhost");
        assert_eq!(e.signing_url(), "http://localhost/");
        let e = Endpoint::parse("HTTPS://Example.COM:8443", "t").expect("parse");
        assert_eq!(e.host_header(), "example.com:8443");
        assert_eq!(e.scheme, Scheme::Https);
        let e = Endpoint::parse("http://[::1]:4566", "t").expect("parse");
        assert_eq!(e.host, "::1");
        assert_eq!(e.host_header(), "[::1]:4566");
        assert!(e.is_loopback_host());
        assert!(
            !Endpoint::parse("https://sts.amazonaws.com", "t")
                .expect("parse")
                .is_loopback_host()
        );
    }

    #[test]
    fn bad_urls_are_refused_with_the_variable_name() {
        for url in [
            "sts.amazonaws.com",
            "ftp://x",
            "http://",
            "http://host:99999",
            "http://host:0",
            "http://user:pw@host",
            "http://host/?a=b",
            "http://ho st",
            "http://[::1",
            "http://[nothex]:80",
            "http://host:1:2",
            "http://host\u{1b}[31m",
        ] {
            let env = env(&[("AWS_ENDPOINT_URL_STS", url)]);
            let err = Endpoints::resolve(&env, "us-east-1").expect_err(url);
            let text = err.to_string();
            assert!(text.contains("AWS_ENDPOINT_URL_STS"), "{url}: {text}");
            assert!(!text.contains('\u{1b}'), "{url}: {text}");
        }
    }

    #[test]
    fn bad_regions_are_refused() {
        for region in ["", "us-east-1.evil.com/", "US-EAST-1", "a b"] {
            assert!(Endpoints::resolve(&env(&[]), region).is_err(), "{region}");
        }
    }
}
