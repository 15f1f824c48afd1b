//! The `online` group (`check --online`): calls to the AWS APIs with the credentials this
//! run resolved — STS `GetCallerIdentity` (`online.sts`: who am I, and do AWS and this host
//! agree on the time), and EC2 `DescribeInstances` for this instance's metadata options
//! (`online.ec2-metadata-options`) when the identity allows it — honouring
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_EC2`.
//!
//! The calls themselves (signing, HTTP, XML, error documents) live in
//! `authdoctor-online`; this module turns their answers into checks:
//!
//! * an AWS error document fails; its code and this host's clock as AWS saw it (the
//!   server's `Date` header, or the times a "Signature expired" message quotes) are
//!   observations, and the scenario files name the scenario (`expired-token`,
//!   `invalid-client-token`, `signature-mismatch`, `clock-skew`);
//! * a successful `GetCallerIdentity` whose `Date` is five minutes or more off still
//!   warns, with the scenario of that clock (STS tolerates 15 minutes, most services 5);
//! * metadata options: `HttpEndpoint=disabled` fails; hop limit 1 warns inside a
//!   container; `HttpTokens=optional` warns (IMDSv1 still allowed); each option is a
//!   setting the rules read (`imds-disabled`, `imds-hop-limit`,
//!   `role-delivery-imdsv1-denied`).
//!
//! Every request ends before `ctx.deadline`. No secret, token or signature reaches a
//! check: the library never puts them in results or errors, and [`Check`] cleans
//! every string again.
//!
//! The loopback guard (`AUTHDOCTOR_TEST_GUARD`) is applied by `crate::run` before this is
//! called, and again by the client (`Client::from_env`).

use authdoctor_diagnosis::Observation;
use authdoctor_kb::CheckId;
use std::time::Instant;

use authdoctor_online::{
    Client, Credentials, Endpoint, Endpoints, ErrorCategory, MetadataOptions, OnlineError,
    SIGV4_SKEW_TOLERANCE, Scheme, SignedDuration, describe_instance_metadata_options,
    get_caller_identity,
};
use tokio::time::timeout_at;

use crate::envcheck::{Bypass, bypass, proxy_host};
use crate::{Check, Env, OnlineContext, Status};

const STS: CheckId = CheckId::OnlineSts;
const EC2: CheckId = CheckId::OnlineEc2MetadataOptions;

/// STS has a global endpoint family: with no region configured anywhere, sign for
/// `us-east-1`, as the CLI's legacy global endpoint does.
const FALLBACK_REGION: &str = "us-east-1";

/// Runs the online checks; always returns exactly `online.sts` and
/// `online.ec2-metadata-options`.
pub(crate) async fn run(ctx: &OnlineContext) -> Vec<Check> {
    let Some(resolved) = &ctx.credentials else {
        let why =
            "no credentials usable without calling AWS were found in this run (see chain.source)";
        return vec![Check::skip(STS, why), Check::skip(EC2, why)];
    };
    let credentials = Credentials {
        access_key_id: resolved.access_key_id.clone(),
        secret_access_key: resolved.secret_access_key.expose().to_owned(),
        session_token: resolved
            .session_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
    };
    let (region, region_source) = match &ctx.region {
        Some(r) => (r.as_str(), "configured"),
        None => (FALLBACK_REGION, "fallback (no region configured)"),
    };
    // This instance lives in the region of its identity document; AWS_REGION may name
    // another one, where DescribeInstances would not find it.
    let ec2_region = ctx.instance_region.as_deref().unwrap_or(region);
    let resolved_endpoints = Endpoints::resolve(&ctx.env, region)
        .and_then(|sts| Ok((sts, Endpoints::resolve(&ctx.env, ec2_region)?)));
    let (endpoints, ec2_endpoints) = match resolved_endpoints {
        Ok(both) => both,
        Err(e) => {
            let summary = format!("cannot call AWS: {e}");
            return vec![
                Check::new(STS, Status::Fail, summary.clone()),
                Check::new(EC2, Status::Fail, summary),
            ];
        }
    };
    let remaining = ctx
        .deadline
        .saturating_duration_since(tokio::time::Instant::now());
    if remaining.is_zero() {
        let why = "the time budget ran out before the call";
        return vec![Check::skip(STS, why), Check::skip(EC2, why)];
    }
    let client = Client::from_env(remaining, &ctx.env);
    let key = authdoctor_redact::shorten_key_id(&credentials.access_key_id);
    let sts_proxy = ProxySettings::for_endpoint(&ctx.env, &endpoints.sts);
    let ec2_proxy = ProxySettings::for_endpoint(&ctx.env, &ec2_endpoints.ec2);

    // The client's own deadline starts a moment later than the run's: cut every call at
    // the run's deadline here, so that a call that was sent and not answered is reported
    // as such (a failure) rather than lost to the run's time budget.
    let sts = async {
        let started = Instant::now();
        let call = get_caller_identity(&client, &credentials, region, &endpoints);
        let check = match timeout_at(ctx.deadline, call).await {
            Ok(result) => sts_check(result, &endpoints, resolved.source, &key, &sts_proxy),
            Err(_) => unanswered(
                sts_base(&endpoints, resolved.source, &key),
                "STS GetCallerIdentity",
                &endpoints.sts,
                started.elapsed(),
                &sts_proxy,
            ),
        };
        check
            .ev("region", region)
            .ev("region_source", region_source)
            .took(started.elapsed())
    };
    let ec2 = async {
        let Some(instance_id) = &ctx.instance_id else {
            return Check::skip(
                EC2,
                "no instance id: the instance identity document was not read (not on EC2, or IMDS unavailable)",
            );
        };
        let started = Instant::now();
        let call = describe_instance_metadata_options(
            &client,
            &credentials,
            ec2_region,
            &ec2_endpoints,
            instance_id,
        );
        let check = match timeout_at(ctx.deadline, call).await {
            Ok(result) => ec2_check(
                result,
                &ec2_endpoints,
                instance_id,
                ec2_region,
                ctx.in_container,
                &ec2_proxy,
            ),
            Err(_) => unanswered(
                ec2_base(&ec2_endpoints, instance_id),
                "EC2 DescribeInstances",
                &ec2_endpoints.ec2,
                started.elapsed(),
                &ec2_proxy,
            ),
        };
        check.ev("region", ec2_region).took(started.elapsed())
    };
    let (sts, ec2) = tokio::join!(sts, ec2);
    vec![sts, ec2]
}

fn skew_secs(skew: SignedDuration) -> i64 {
    skew.as_secs()
}

/// This host's clock against AWS's from a server-minus-local skew.
fn host_clock(skew: SignedDuration) -> Observation {
    crate::clock::host_clock(-skew)
}

/// Server time minus signing time from the two times a SigV4 expiry message quotes:
/// `Signature expired: 20261123T080000Z is now earlier than 20261123T084500Z
/// (20261123T090000Z - 15 min.)` (the signing time first, AWS's own in parentheses).
fn quoted_skew(message: &str) -> Option<SignedDuration> {
    let at = |text: &str| -> Option<jiff::Timestamp> {
        let stamp = text.get(..16)?;
        let civil = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    };
    let rest = ["Signature expired: ", "Signature not yet current: "]
        .iter()
        .find_map(|p| message.find(p).map(|i| &message[i + p.len()..]))?;
    let signed = at(rest)?;
    let server = at(&rest[rest.find('(')? + 1..])?;
    Some(server.duration_since(signed))
}

fn is_skewed(skew: Option<SignedDuration>) -> bool {
    skew.is_some_and(|s| s.abs() >= SIGV4_SKEW_TOLERANCE)
}

/// The proxy settings that apply to one AWS endpoint, as the SDKs would apply them
/// (scheme-specific variable, else `ALL_PROXY`; `NO_PROXY` by the Python rules), told in
/// a sentence and as evidence. Proxy URLs are shown as host and port only: never a user
/// or password.
pub(crate) struct ProxySettings {
    /// Completes "… (…)" in a failure's summary.
    sentence: String,
    /// Every proxy variable set, e.g. `HTTPS_PROXY=proxy.corp:3128`, or `none`.
    evidence: String,
}

impl ProxySettings {
    pub(crate) fn for_endpoint(env: &Env, endpoint: &Endpoint) -> ProxySettings {
        let set = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let all_vars = [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ];
        let shown: Vec<String> = all_vars
            .iter()
            .filter_map(|v| set(v).map(|url| format!("{v}={}", proxy_host(url))))
            .collect();
        // Python prefers the lower-case variable when both exist.
        let no_proxy = set("no_proxy").or_else(|| set("NO_PROXY"));
        let mut evidence = if shown.is_empty() {
            "none".to_owned()
        } else {
            shown.join(", ")
        };
        if let Some(no_proxy) = no_proxy {
            evidence.push_str(&format!(
                ", NO_PROXY={}",
                authdoctor_redact::clean(no_proxy)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ));
        }
        let (scheme, candidates) = match endpoint.scheme {
            Scheme::Https => ("https", ["https_proxy", "HTTPS_PROXY"]),
            Scheme::Http => ("http", ["http_proxy", "HTTP_PROXY"]),
        };
        let in_effect = candidates
            .into_iter()
            .chain(["all_proxy", "ALL_PROXY"])
            .find_map(|v| set(v).map(|url| (v, proxy_host(url))));
        let host = endpoint.host.as_str();
        let sentence = match in_effect {
            None if shown.is_empty() => format!(
                "no proxy configured (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY unset): the SDKs call {host} directly too"
            ),
            None => format!(
                "{} set, but not used for this {scheme}:// endpoint: the SDKs call {host} directly too",
                shown.join(", ")
            ),
            Some((var, proxy)) if no_proxy.is_some_and(|n| bypass(n, host) == Bypass::Python) => {
                format!(
                    "{var}={proxy} is set, but NO_PROXY excludes {host}: the SDKs call it directly too"
                )
            }
            Some((var, proxy)) => format!(
                "{var}={proxy} is set: the SDKs send through that proxy, authdoctor calls AWS directly"
            ),
        };
        ProxySettings { sentence, evidence }
    }
}

/// A call that was sent and got no (complete) answer before the run's deadline: a
/// failure, the API twin of `imds-unreachable`.
fn unanswered(
    base: impl Fn(Status, String) -> Check,
    call: &str,
    endpoint: &Endpoint,
    waited: std::time::Duration,
    proxy: &ProxySettings,
) -> Check {
    base(
        Status::Fail,
        format!(
            "{call} failed: no answer from {} within {} ms ({})",
            endpoint.url(),
            waited.as_millis(),
            proxy.sentence
        ),
    )
    .ev("outcome", "timeout")
    .ev("proxy", proxy.evidence.clone())
}

fn sts_base<'a>(
    endpoints: &'a Endpoints,
    source: &'a str,
    key: &'a str,
) -> impl Fn(Status, String) -> Check + 'a {
    move |status, summary: String| {
        Check::new(STS, status, summary)
            .ev("endpoint", endpoints.sts.url())
            .ev("endpoint_source", endpoints.sts.source)
            .ev("credentials_source", source)
            .ev("access_key_id", key)
    }
}

fn ec2_base<'a>(
    endpoints: &'a Endpoints,
    instance_id: &'a str,
) -> impl Fn(Status, String) -> Check + 'a {
    move |status, summary: String| {
        Check::new(EC2, status, summary)
            .ev("endpoint", endpoints.ec2.url())
            .ev("endpoint_source", endpoints.ec2.source)
            .ev("instance_id", instance_id)
    }
}

fn sts_check(
    result: Result<authdoctor_online::CallerIdentity, OnlineError>,
    endpoints: &Endpoints,
    source: &str,
    key: &str,
    proxy: &ProxySettings,
) -> Check {
    let base = sts_base(endpoints, source, key);
    match result {
        Ok(me) => {
            let mut check = if is_skewed(me.skew) {
                let s = me.skew.map(skew_secs).unwrap_or_default();
                base(
                    Status::Warn,
                    format!(
                        "AWS accepted the call as {}, but this host's clock is {} s {} AWS's: most services refuse signatures 5 minutes off",
                        me.arn,
                        s.abs(),
                        if s > 0 { "behind" } else { "ahead of" }
                    ),
                )
                .judged(&me.skew.map(host_clock).into_iter().collect::<Vec<_>>())
            } else {
                base(
                    Status::Pass,
                    format!("signed in as {} (account {})", me.arn, me.account),
                )
            };
            check = check
                .ev("arn", me.arn)
                .ev("account", me.account)
                .ev("user_id", me.user_id);
            if let Some(id) = me.request_id {
                check = check.ev("request_id", id);
            }
            if let Some(s) = me.skew {
                check = check.ev("clock_skew_seconds", skew_secs(s));
            }
            check
        }
        Err(e) => error_check(base, &e, "STS GetCallerIdentity", proxy),
    }
}

/// An error of either call as a failing check, with the scenario its category names.
fn error_check(
    base: impl Fn(Status, String) -> Check,
    e: &OnlineError,
    call: &str,
    proxy: &ProxySettings,
) -> Check {
    // A call that AWS did not answer: say which proxy settings apply, since the SDKs
    // would use them and this client goes direct.
    let note = match e.aws() {
        None => format!(" ({})", proxy.sentence),
        Some(_) => String::new(),
    };
    let mut check = base(Status::Fail, format!("{call} failed: {e}{note}"));
    if e.aws().is_none() {
        check = check.ev("proxy", proxy.evidence.clone());
    }
    if let Some(aws) = e.aws() {
        check = check
            .ev("error_code", aws.code.as_str())
            .ev("http_status", aws.status);
        if let Some(id) = &aws.request_id {
            check = check.ev("request_id", id.as_str());
        }
        // The error code and this host's clock as AWS saw it (its `Date` header, or
        // the times a "Signature expired" message quotes): the scenario files decide
        // what they mean together (a skewed clock explains RequestExpired and a
        // signature mismatch, not ExpiredToken).
        let mut seen = vec![Observation::ApiError {
            code: aws.code.clone(),
            operation: Some(call.to_owned()),
        }];
        seen.extend(
            aws.skew
                .or_else(|| quoted_skew(&aws.message))
                .map(host_clock),
        );
        check = check.judged(&seen);
    } else {
        check = check.ev(
            "outcome",
            match e {
                OnlineError::Timeout { .. } => "timeout",
                OnlineError::Connect { .. } => "connect-error",
                OnlineError::Tls { .. } => "tls-error",
                OnlineError::UnexpectedResponse { .. } => "unexpected-answer",
                OnlineError::BodyTooLarge { .. } => "answer-too-large",
                _ => "error",
            },
        );
    }
    if let Some(skew) = e.aws().and_then(|a| a.skew) {
        check = check.ev("clock_skew_seconds", skew_secs(skew));
    }
    check
}

/// One of the instance's metadata options, as a setting in effect.
fn metadata_option(name: &str, value: &str) -> Observation {
    Observation::Setting {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

fn ec2_check(
    result: Result<MetadataOptions, OnlineError>,
    endpoints: &Endpoints,
    instance_id: &str,
    region: &str,
    in_container: bool,
    proxy: &ProxySettings,
) -> Check {
    let base = ec2_base(endpoints, instance_id);
    let options = match result {
        Ok(options) => options,
        Err(e) => {
            // "When allowed": many roles may not describe instances; that is not a fault
            // of this host.
            if e.aws()
                .is_some_and(|a| a.category() == ErrorCategory::AccessDenied)
            {
                let code = e.aws().map(|a| a.code.clone()).unwrap_or_default();
                return Check::new(
                    EC2,
                    Status::Skip,
                    format!(
                        "these credentials may not call ec2:DescribeInstances ({code}); metadata options not read"
                    ),
                )
                .ev("instance_id", instance_id)
                .ev("error_code", code);
            }
            return error_check(base, &e, "EC2 DescribeInstances", proxy);
        }
    };
    let tokens = options.http_tokens.as_deref().unwrap_or("unknown");
    let endpoint = options.http_endpoint.as_deref().unwrap_or("unknown");
    let hop = options.http_put_response_hop_limit;
    let described = format!(
        "HttpTokens={tokens}, HttpPutResponseHopLimit={}, HttpEndpoint={endpoint}",
        hop.map_or_else(|| "unknown".to_owned(), |h| h.to_string())
    );
    let modify = format!(
        "aws ec2 modify-instance-metadata-options --region {region} --instance-id {instance_id}"
    );
    let mut check = if endpoint == "disabled" {
        base(
            Status::Fail,
            format!("the instance metadata service of {instance_id} is switched off ({described})"),
        )
        .judged(&[metadata_option("HttpEndpoint", endpoint)])
        .fix(format!("{modify} --http-endpoint enabled"))
    } else if hop == Some(1) && in_container {
        base(
            Status::Warn,
            format!(
                "hop limit 1 on {instance_id} while this runs in a container: IMDSv2 token answers cannot reach it ({described})"
            ),
        )
        .judged(&[metadata_option("HttpPutResponseHopLimit", "1")])
        .fix(format!("{modify} --http-put-response-hop-limit 2"))
    } else if tokens == "optional" {
        base(
            Status::Warn,
            format!(
                "{instance_id} still allows IMDSv1 ({described}); credentials fetched over IMDSv1 are refused where policies require ec2:RoleDelivery >= 2.0"
            ),
        )
        .judged(&[crate::verdict::v1_accepted()])
        .fix(format!("{modify} --http-tokens required"))
    } else {
        base(Status::Pass, format!("{instance_id}: {described}"))
    };
    for (key, value) in [
        ("http_tokens", &options.http_tokens),
        ("http_endpoint", &options.http_endpoint),
        ("http_protocol_ipv6", &options.http_protocol_ipv6),
        ("instance_metadata_tags", &options.instance_metadata_tags),
        ("state", &options.state),
        ("instance_state", &options.instance_state),
    ] {
        if let Some(value) = value {
            check = check.ev(key, value.as_str());
        }
    }
    if let Some(hop) = hop {
        check = check.ev("http_put_response_hop_limit", hop);
    }
    check.ev("in_container", in_container)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authdoctor_kb::ScenarioId;
    use authdoctor_online::AwsError;

    fn endpoints() -> Endpoints {
        let env = crate::Env::from([(
            "AWS_ENDPOINT_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        )]);
        Endpoints::resolve(&env, "us-east-1").unwrap_or_else(|e| panic!("{e}"))
    }

    fn proxy(pairs: &[(&str, &str)]) -> ProxySettings {
        let env: crate::Env = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ProxySettings::for_endpoint(&env, &endpoints().sts)
    }

    fn no_proxy() -> ProxySettings {
        proxy(&[])
    }

    fn aws(code: &str, message: &str, skew: Option<i64>) -> OnlineError {
        OnlineError::Aws(Box::new(AwsError {
            status: 403,
            code: code.into(),
            message: message.into(),
            error_type: Some("Sender".into()),
            request_id: Some("4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c".into()),
            server_date: None,
            skew: skew.map(SignedDuration::from_secs),
        }))
    }

    #[test]
    fn sts_errors_map_to_scenarios() {
        let cases = [
            (
                "ExpiredToken",
                "The security token included in the request is expired",
                None,
                "expired-token",
            ),
            (
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                None,
                "invalid-client-token",
            ),
            (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
                Some(3),
                "signature-mismatch",
            ),
            (
                "SignatureDoesNotMatch",
                "Signature expired: 20261123T080000Z is now earlier than 20261123T084500Z (20261123T090000Z - 15 min.)",
                None,
                "clock-skew",
            ),
            (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match",
                Some(-1200),
                "clock-skew",
            ),
        ];
        for (code, message, skew, scenario) in cases {
            let check = sts_check(
                Err(aws(code, message, skew)),
                &endpoints(),
                "environment",
                "AKIA…MPLE",
                &proxy(&[("HTTP_PROXY", "http://proxy.corp:3128")]),
            );
            assert_eq!(check.status, Status::Fail, "{code}");
            assert_eq!(
                check.scenario.map(ScenarioId::as_str),
                Some(scenario),
                "{code} {message}"
            );
            // AWS answered: no proxy note.
            assert!(!check.summary.contains("proxy"), "{}", check.summary);
            assert_eq!(check.evidence["error_code"], code);
            assert_eq!(
                check.evidence["request_id"],
                "4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c"
            );
        }
    }

    fn options(tokens: &str, hop: u8, endpoint: &str) -> MetadataOptions {
        MetadataOptions {
            instance_id: "i-0123456789abcdef0".into(),
            http_tokens: Some(tokens.into()),
            http_put_response_hop_limit: Some(hop),
            http_endpoint: Some(endpoint.into()),
            ..MetadataOptions::default()
        }
    }

    #[test]
    fn metadata_options_map_to_scenarios() {
        let id = "i-0123456789abcdef0";
        let check =
            |o, container| ec2_check(Ok(o), &endpoints(), id, "eu-west-1", container, &no_proxy());
        let c = check(options("required", 2, "enabled"), true);
        assert_eq!((c.status, c.scenario), (Status::Pass, None));
        let c = check(options("optional", 2, "enabled"), false);
        assert_eq!(
            (c.status, c.scenario),
            (Status::Warn, Some(ScenarioId::RoleDeliveryImdsv1Denied))
        );
        assert_eq!(
            c.fix.as_deref(),
            Some(
                "aws ec2 modify-instance-metadata-options --region eu-west-1 --instance-id i-0123456789abcdef0 --http-tokens required"
            )
        );
        // Hop limit 1 matters only inside a container.
        let c = check(options("required", 1, "enabled"), false);
        assert_eq!(c.status, Status::Pass);
        let c = check(options("optional", 1, "enabled"), true);
        assert_eq!(
            (c.status, c.scenario),
            (Status::Warn, Some(ScenarioId::ImdsHopLimit))
        );
        let c = check(options("required", 2, "disabled"), true);
        assert_eq!(
            (c.status, c.scenario),
            (Status::Fail, Some(ScenarioId::ImdsDisabled))
        );
    }

    #[test]
    fn access_denied_on_describe_is_a_skip() {
        let c = ec2_check(
            Err(aws(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
                None,
            )),
            &endpoints(),
            "i-0123456789abcdef0",
            "us-east-1",
            false,
            &no_proxy(),
        );
        assert_eq!(c.status, Status::Skip);
        let c = ec2_check(
            Err(aws("RequestExpired", "Request has expired.", Some(3600))),
            &endpoints(),
            "i-0123456789abcdef0",
            "us-east-1",
            false,
            &no_proxy(),
        );
        assert_eq!(
            (c.status, c.scenario),
            (Status::Fail, Some(ScenarioId::ClockSkew))
        );
    }

    #[test]
    fn unanswered_calls_name_the_proxy_settings_in_effect() {
        let timeout = || OnlineError::Timeout {
            endpoint: "http://127.0.0.1:9".into(),
            phase: authdoctor_online::Phase::Connect,
            after: std::time::Duration::from_secs(2),
        };
        let unanswered_with = |pairs: &[(&str, &str)]| {
            sts_check(
                Err(timeout()),
                &endpoints(),
                "environment",
                "AKIA…MPLE",
                &proxy(pairs),
            )
        };
        // The endpoint is http://: HTTP_PROXY applies, and its password is never shown.
        let c = unanswered_with(&[("http_proxy", "http://u:hunter2@proxy.corp:3128")]);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.scenario, None);
        assert_eq!(c.evidence["outcome"], "timeout");
        assert!(
            c.summary
                .contains("http_proxy=proxy.corp:3128 is set: the SDKs send through that proxy"),
            "{}",
            c.summary
        );
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
        // HTTPS_PROXY does not apply to an http:// endpoint.
        let c = unanswered_with(&[("HTTPS_PROXY", "http://proxy.corp:3128")]);
        assert!(
            c.summary.contains("not used for this http:// endpoint"),
            "{}",
            c.summary
        );
        // NO_PROXY takes the endpoint out of the proxy's hands (Python rules).
        let c = unanswered_with(&[
            ("HTTP_PROXY", "http://proxy.corp:3128"),
            ("NO_PROXY", "localhost,127.0.0.1"),
        ]);
        assert!(
            c.summary.contains("NO_PROXY excludes 127.0.0.1"),
            "{}",
            c.summary
        );
        assert_eq!(
            c.evidence["proxy"],
            "HTTP_PROXY=proxy.corp:3128, NO_PROXY=localhost,127.0.0.1"
        );
        let c = unanswered_with(&[]);
        assert!(c.summary.contains("no proxy configured"), "{}", c.summary);
        assert_eq!(c.evidence["proxy"], "none");
    }
}
