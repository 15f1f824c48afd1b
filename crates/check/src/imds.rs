//! The `imds` group: live probes of the instance metadata service.
//!
//! Two phases, each request with its own deadline, everything inside the run's budget:
//!
//! 1. In parallel, until half the budget: the IMDSv2 token `PUT` (TTL 21600), a GET
//!    without a token (is IMDSv1 on?) and a GET with a deliberately invalid token (the
//!    real service answers 401). Together they separate "nothing answers"
//!    (`imds-unreachable`), "403 to everything" (`imds-disabled`), a proxy in the way
//!    (`imds-proxy`), 429s (`imds-throttled`) and "the token PUT alone goes unanswered"
//!    (`imds-hop-limit`).
//! 2. With the token (or without one when only IMDSv1 works, as the SDKs fall back), until
//!    the end of the budget: the role listing then the role's credentials document,
//!    `iam/info` and the instance identity document.
//!
//! Facts follow `shared/reference/imds.md`: status codes, the `Server: EC2ws` header, the
//! XHTML 404 body, credentials delivered as a 200 with a `Code`. The credentials' secret
//! and token are kept only in [`ImdsCredentials`] (for `--online`), never in a check.

use authdoctor_kb::CheckId;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use authdoctor_diagnosis::Outcome;

use crate::http::{Endpoint, Exchange, Failure, Response, request};
use crate::verdict;
use crate::{Check, Secret, Status};

/// Every check id this group can emit, in output order.
pub(crate) const CHECK_IDS: [CheckId; 9] = [
    CheckId::ImdsReachable,
    CheckId::ImdsToken,
    CheckId::ImdsV1,
    CheckId::ImdsInvalidToken,
    CheckId::ImdsRole,
    CheckId::ImdsCredentials,
    CheckId::ImdsIdentity,
    CheckId::ImdsThrottle,
    CheckId::ImdsProxy,
];

const TOKEN_PATH: &str = "/latest/api/token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const TOKEN_TTL: &str = "21600";
/// Shaped like a real token (base64, 56 characters) but never issued by anyone.
const INVALID_TOKEN: &str = "AQAEAAuthdoctorDeliberatelyInvalidToken0000000000000000==";
const LISTING_PATH: &str = "/latest/meta-data/";
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";
const INFO_PATH: &str = "/latest/meta-data/iam/info";
const IDENTITY_PATH: &str = "/latest/dynamic/instance-identity/document";

/// The knowledge base's command that requires IMDSv2 (with hop limit 2 for
/// containers): advice for a service that issues no session tokens, taken from the
/// scenario the engine names for a service that accepts IMDSv1.
fn require_v2_fix() -> String {
    verdict::scenario_of(&[verdict::v1_accepted()])
        .and_then(|id| {
            authdoctor_kb::knowledge_base()
                .scenario(id)
                .fix
                .commands
                .first()
                .map(|c| c.bash.clone())
        })
        .unwrap_or_default()
}
/// The default per-request IMDS timeout of botocore, the JS SDK and the Java SDKs.
const SDK_TIMEOUT: Duration = Duration::from_secs(1);

/// What the metadata service looked like overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Something that looks like IMDS answered.
    Answering,
    /// Nothing answered at all.
    Unreachable,
    /// 403 to the token PUT and to GETs: `HttpEndpoint=disabled`.
    Disabled,
    /// An HTTP proxy answered instead.
    Proxy,
}

/// One reading of the service's clock.
#[derive(Debug, Clone)]
pub(crate) struct ClockSample {
    pub service: jiff::Timestamp,
    pub local: jiff::Timestamp,
    pub request: String,
}

/// Instance-role credentials as served by IMDS.
#[derive(Debug, Clone)]
pub(crate) struct ImdsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub token: Secret,
    pub expiration: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    pub instance_id: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// Everything the probes learned; other groups read it.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub state: State,
    pub checks: Vec<Check>,
    pub clock: Option<ClockSample>,
    /// The role name listed under `iam/security-credentials/`.
    pub role: Option<String>,
    pub instance_profile_name: Option<String>,
    /// Usable credentials (`Code` Success, all fields present).
    pub credentials: Option<ImdsCredentials>,
    pub identity: Option<Identity>,
    /// Every probe as a client would have seen it, for the diagnosis engine.
    pub observed: Vec<verdict::Observed>,
}

/// Runs both phases. `container` names the hints that this process runs in a container
/// (for the hop-limit diagnosis), if any.
pub(crate) async fn probe(
    endpoint: Endpoint,
    start: Instant,
    deadline: Instant,
    container: Option<String>,
) -> Probe {
    let phase1 = start + deadline.saturating_duration_since(start) / 2;
    let (token, v1, invalid) = tokio::join!(
        request(
            &endpoint,
            "PUT",
            TOKEN_PATH,
            &[(TTL_HEADER, TOKEN_TTL)],
            phase1
        ),
        request(&endpoint, "GET", LISTING_PATH, &[], phase1),
        request(
            &endpoint,
            "GET",
            LISTING_PATH,
            &[(TOKEN_HEADER, INVALID_TOKEN)],
            phase1
        ),
    );
    let phase1_exchanges = [&token, &v1, &invalid];
    let proxy = phase1_exchanges
        .iter()
        .find_map(|e| e.response().and_then(proxy_marker).map(|m| (*e, m)));
    let answered = phase1_exchanges.iter().any(|e| e.response().is_some());
    let state = if proxy.is_some() {
        State::Proxy
    } else if !answered {
        State::Unreachable
    } else if token.status() == Some(403) && v1.status() == Some(403) {
        State::Disabled
    } else {
        State::Answering
    };

    let session_token = token
        .response()
        .filter(|r| r.status == 200)
        .map(|r| r.body_text().trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 4096 && t.bytes().all(|b| b.is_ascii_graphic()));
    // A real IMDS with HttpTokens=required answers 401 to any token-less GET before it
    // looks at the path, so a 404 also means the request was accepted as IMDSv1.
    let v1_works = matches!(v1.status(), Some(200 | 404));

    let mut probe = Probe {
        state,
        checks: Vec::new(),
        clock: None,
        role: None,
        instance_profile_name: None,
        credentials: None,
        identity: None,
        observed: Vec::new(),
    };

    // Phase 2: read with the token, or without one when only IMDSv1 works.
    let phase2 = if state == State::Answering && (session_token.is_some() || v1_works) {
        let auth: Vec<(&str, &str)> = match &session_token {
            Some(t) => vec![(TOKEN_HEADER, t.as_str())],
            None => Vec::new(),
        };
        let roles = async {
            let list = request(&endpoint, "GET", ROLES_PATH, &auth, deadline).await;
            let role = list
                .response()
                .filter(|r| r.status == 200)
                .and_then(|r| first_role(&r.body_text()));
            let creds = match &role {
                Some(role) => {
                    let path = format!("{ROLES_PATH}{role}");
                    Some(request(&endpoint, "GET", &path, &auth, deadline).await)
                }
                None => None,
            };
            (list, role, creds)
        };
        let (roles, info, identity) = tokio::join!(
            roles,
            request(&endpoint, "GET", INFO_PATH, &auth, deadline),
            request(&endpoint, "GET", IDENTITY_PATH, &auth, deadline),
        );
        Some(Phase2 {
            via_v1: session_token.is_none(),
            list: roles.0,
            role: roles.1,
            creds: roles.2,
            info,
            identity,
        })
    } else {
        None
    };

    // The clock: the first genuine answer that carries a `Date`.
    let mut all: Vec<&Exchange> = phase1_exchanges.to_vec();
    if let Some(p) = &phase2 {
        all.extend([&p.list, &p.info, &p.identity]);
        all.extend(p.creds.iter());
    }
    if state != State::Proxy {
        probe.clock = all.iter().find_map(|e| {
            let r = e.response()?;
            let date = r.header("date")?;
            let service = jiff::fmt::rfc2822::DateTimeParser::new()
                .parse_timestamp(date.trim())
                .ok()?;
            Some(ClockSample {
                service,
                local: r.received_at,
                request: e.request_line(),
            })
        });
    }

    let ctx = Ctx {
        endpoint: &endpoint,
        state,
        token: &token,
        v1: &v1,
        invalid: &invalid,
        proxy,
        container,
        session_token: session_token.is_some(),
    };
    probe.checks.push(ctx.reachable());
    probe.checks.push(ctx.token_check());
    probe.checks.push(ctx.v1_check());
    probe.checks.push(ctx.invalid_token_check());
    let service_now = probe.clock.as_ref().map(|c| {
        // Service time now = its Date plus what passed locally since that answer.
        let since = jiff::Timestamp::now().duration_since(c.local);
        c.service.checked_add(since).unwrap_or(c.service)
    });
    match &phase2 {
        Some(p) => {
            let (role_check, creds_check) = ctx.role_checks(p, service_now, &mut probe);
            probe.checks.push(role_check);
            probe.checks.push(creds_check);
            let identity_check = ctx.identity_check(p, &mut probe);
            probe.checks.push(identity_check);
        }
        None => {
            let why = ctx.why_no_reads();
            for id in [
                CheckId::ImdsRole,
                CheckId::ImdsCredentials,
                CheckId::ImdsIdentity,
            ] {
                probe.checks.push(Check::skip(id, why.clone()));
            }
        }
    }
    probe.checks.push(ctx.throttle_check(&all));
    probe.checks.push(ctx.proxy_check());

    // The exchanges a client would have made, as it would have seen them: the token
    // request, the token-less fallback when there is no token, the reads. The probes
    // that only a doctor makes are left out where their answer is the healthy one (a
    // token-less or a deliberately wrong token refused with 401).
    let is_proxy = |e: &Exchange| e.response().and_then(proxy_marker).is_some();
    let general = [
        CheckId::ImdsReachable,
        CheckId::ImdsThrottle,
        CheckId::ImdsProxy,
    ];
    let rows = |own: CheckId| {
        let mut rows = vec![own];
        rows.extend(general);
        rows
    };
    let mut observed = vec![verdict::exchange(
        &token,
        is_proxy(&token),
        &rows(CheckId::ImdsToken),
    )];
    if session_token.is_none() || v1.status() != Some(401) {
        observed.push(verdict::exchange(
            &v1,
            is_proxy(&v1),
            &rows(CheckId::ImdsV1),
        ));
    }
    if invalid.status() != Some(401) {
        observed.push(verdict::exchange(
            &invalid,
            is_proxy(&invalid),
            &rows(CheckId::ImdsInvalidToken),
        ));
    }
    if let Some(p) = &phase2 {
        observed.push(verdict::exchange(
            &p.list,
            is_proxy(&p.list),
            &rows(CheckId::ImdsRole),
        ));
        if let Some(creds) = &p.creds {
            observed.push(verdict::exchange(
                creds,
                is_proxy(creds),
                &rows(CheckId::ImdsCredentials),
            ));
        }
        observed.push(verdict::exchange(
            &p.identity,
            is_proxy(&p.identity),
            &rows(CheckId::ImdsIdentity),
        ));
        observed.push(verdict::exchange(&p.info, is_proxy(&p.info), &general));
    }
    observed.append(&mut probe.observed);
    let verdicts = verdict::decide(&observed);
    verdict::assign(&mut probe.checks, &verdicts);
    probe.observed = observed;
    probe
}

struct Phase2 {
    via_v1: bool,
    list: Exchange,
    role: Option<String>,
    creds: Option<Exchange>,
    info: Exchange,
    identity: Exchange,
}

struct Ctx<'a> {
    endpoint: &'a Endpoint,
    state: State,
    token: &'a Exchange,
    v1: &'a Exchange,
    invalid: &'a Exchange,
    proxy: Option<(&'a Exchange, String)>,
    container: Option<String>,
    session_token: bool,
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// Evidence common to every request-based check.
fn with_exchange(check: Check, e: &Exchange) -> Check {
    let mut check = check
        .took(e.elapsed)
        .ev("request", e.request_line())
        .ev("outcome", e.outcome());
    if let Some(r) = e.response()
        && let Some(server) = r.header("server")
    {
        check = check.ev("server", server.to_owned());
    }
    check
}

impl Ctx<'_> {
    /// A skip for checks that cannot say anything because of the overall state.
    fn state_skip(&self, id: CheckId) -> Option<Check> {
        let why = match self.state {
            State::Answering => return None,
            State::Unreachable => "IMDS did not answer (see imds.reachable)",
            State::Disabled => "IMDS is switched off (see imds.reachable)",
            State::Proxy => "an HTTP proxy answered instead of IMDS (see imds.proxy)",
        };
        Some(Check::skip(id, why))
    }

    fn reachable(&self) -> Check {
        let ep = self.endpoint.display();
        match self.state {
            State::Answering => {
                let first = [self.token, self.v1, self.invalid]
                    .into_iter()
                    .filter(|e| e.response().is_some())
                    .min_by_key(|e| e.elapsed);
                let took = first.map(|e| e.elapsed).unwrap_or_default();
                if let Some(first) = first
                    && took > SDK_TIMEOUT
                {
                    // botocore, the JS SDK and Java give each IMDS request 1 s by default.
                    return Check::new(
                        CheckId::ImdsReachable,
                        Status::Warn,
                        format!(
                            "the metadata service at {ep} took {} ms to answer: most SDKs give up after 1 s and report no credentials",
                            ms(took)
                        ),
                    )
                    .judged(&[verdict::slow(first)])
                    .took(took)
                    .ev("endpoint", ep);
                }
                Check::new(
                    CheckId::ImdsReachable,
                    Status::Pass,
                    format!("the metadata service at {ep} answered in {} ms", ms(took)),
                )
                .took(took)
                .ev("endpoint", ep)
            }
            State::Unreachable => {
                let e = self.v1;
                let failure = e.result.as_ref().err();
                let summary = match failure {
                    Some(Failure::Refused) => format!(
                        "connection to {ep} refused: nothing listens there (not an EC2 instance, or a host firewall rejects it)"
                    ),
                    Some(Failure::ConnectTimeout) => format!(
                        "no TCP connection to {ep} within {} ms (not on EC2, no route, a firewall drops it, or an IPv6-only subnet using the IPv4 endpoint)",
                        ms(e.allowed)
                    ),
                    Some(Failure::Malformed(why)) => format!(
                        "{ep} answered after {} ms, but not with valid HTTP ({why}): something other than the metadata service listens there",
                        ms(e.elapsed)
                    ),
                    Some(Failure::Closed) => format!(
                        "connected to {ep}, but it closed the connection after {} ms without answering",
                        ms(e.elapsed)
                    ),
                    Some(f) if f.connected() => format!(
                        "connected to {ep}, but nothing answered within {} ms",
                        ms(e.allowed)
                    ),
                    Some(f) => format!("cannot reach {ep}: {f}"),
                    None => format!("cannot reach {ep}"),
                };
                with_exchange(
                    Check::new(CheckId::ImdsReachable, Status::Fail, summary),
                    e,
                )
                .ev("endpoint", ep)
                .ev("allowed_ms", ms(e.allowed) as u64)
            }
            State::Disabled => with_exchange(
                Check::new(
                    CheckId::ImdsReachable,
                    Status::Fail,
                    format!(
                        "{ep} answered 403 Forbidden to the token PUT and to GETs: the metadata endpoint is switched off (HttpEndpoint=disabled)"
                    ),
                ),
                self.v1,
            )
            .ev("endpoint", ep),
            State::Proxy => {
                let (e, marker) = self.proxy.as_ref().map(|(e, m)| (*e, m.clone())).unwrap_or((self.v1, String::new()));
                with_exchange(
                    Check::new(
                        CheckId::ImdsReachable,
                        Status::Fail,
                        format!("an HTTP proxy answered at {ep} instead of the metadata service ({marker})"),
                    ),
                    e,
                )
                .ev("endpoint", ep)
            }
        }
    }

    fn token_check(&self) -> Check {
        if let Some(skip) = self.state_skip(CheckId::ImdsToken) {
            return skip;
        }
        let e = self.token;
        let base = |status, summary: String| {
            with_exchange(Check::new(CheckId::ImdsToken, status, summary), e)
        };
        match &e.result {
            Ok(r) if r.status == 200 && self.session_token => {
                match r.header(TTL_HEADER) {
                    Some(ttl) => base(
                        Status::Pass,
                        format!("PUT {TOKEN_PATH} issued a session token in {} ms (TTL {} s)", ms(e.elapsed), ttl.trim()),
                    )
                    .ev("ttl_seconds", ttl.trim().to_owned()),
                    None => base(
                        Status::Warn,
                        format!(
                            "PUT {TOKEN_PATH} issued a token but no X-Aws-Ec2-Metadata-Token-Ttl-Seconds header; the Rust and Go v2 SDKs reject such answers"
                        ),
                    ),
                }
            }
            Ok(r) if r.status == 200 => base(
                Status::Fail,
                format!("PUT {TOKEN_PATH} answered 200 without a usable token in the body"),
            ),
            Ok(r) if matches!(r.status, 403..=405) => base(
                Status::Warn,
                format!(
                    "PUT {TOKEN_PATH} answered {}: no IMDSv2 session tokens here; most SDKs fall back to IMDSv1, the Rust SDK and .NET v4 fail",
                    r.status
                ),
            )
            .fix(require_v2_fix()),
            Ok(r) if r.status == 400 => base(
                Status::Fail,
                format!("PUT {TOKEN_PATH} answered 400 to a valid TTL of {TOKEN_TTL} s; botocore then gives up and finds no credentials"),
            ),
            Ok(r) if r.status == 429 => base(
                Status::Fail,
                format!("PUT {TOKEN_PATH} answered 429 Too Many Requests"),
            ),
            Ok(r) => base(
                Status::Fail,
                format!("PUT {TOKEN_PATH} answered {}", r.status),
            ),
            Err(f) => {
                // The hop-limit signature: the PUT goes unanswered (or is reset) while
                // plain GETs on the same endpoint answer.
                let other = [self.v1, self.invalid].into_iter().find_map(|x| x.status());
                if let Some(other_status) = other
                    && (f.connected())
                {
                    let mut summary = format!(
                        "PUT {TOKEN_PATH} got no answer in {} ms ({}) while GET without a token answered {other_status}",
                        ms(e.allowed),
                        f.outcome()
                    );
                    match &self.container {
                        Some(hint) => summary.push_str(&format!(
                            "; this process runs in a container ({hint}), one hop more than HttpPutResponseHopLimit=1 allows"
                        )),
                        None => summary.push_str(
                            "; the token answer is dropped on its way back: HttpPutResponseHopLimit is too small for this network path",
                        ),
                    }
                    let mut check = base(Status::Fail, summary)
                        .ev("allowed_ms", ms(e.allowed) as u64)
                        .ev("get_without_token", other_status as u64);
                    check = check.ev(
                        "container",
                        self.container.clone().unwrap_or_else(|| "not detected".to_owned()),
                    );
                    check
                } else {
                    base(Status::Fail, format!("PUT {TOKEN_PATH} failed: {f}"))
                }
            }
        }
    }

    fn v1_check(&self) -> Check {
        if let Some(skip) = self.state_skip(CheckId::ImdsV1) {
            return skip;
        }
        let e = self.v1;
        let base = |status, summary: String| {
            with_exchange(Check::new(CheckId::ImdsV1, status, summary), e)
        };
        match e.status() {
            Some(status @ (200 | 404)) => base(
                Status::Warn,
                format!(
                    "GET {LISTING_PATH} without a token answered {status}: IMDSv1 is enabled (HttpTokens=optional); role credentials read this way carry ec2:RoleDelivery 1.0"
                ),
            )
            .judged(&[verdict::v1_accepted()]),
            Some(401) => base(
                Status::Pass,
                "IMDSv1 is off: a GET without a token got 401 (HttpTokens=required)".to_owned(),
            ),
            Some(429) => base(Status::Fail, "GET without a token answered 429 Too Many Requests".to_owned()),
            Some(s) => base(Status::Warn, format!("GET {LISTING_PATH} without a token answered {s}")),
            None => base(
                Status::Skip,
                format!("GET without a token got no answer ({})", e.outcome()),
            ),
        }
    }

    fn invalid_token_check(&self) -> Check {
        if let Some(skip) = self.state_skip(CheckId::ImdsInvalidToken) {
            return skip;
        }
        let e = self.invalid;
        let base = |status, summary: String| {
            with_exchange(Check::new(CheckId::ImdsInvalidToken, status, summary), e)
        };
        match e.status() {
            Some(401) => base(
                Status::Pass,
                "a made-up session token was refused with 401, as the real service does".to_owned(),
            ),
            Some(200) => base(
                Status::Warn,
                "a made-up session token was accepted (200): this endpoint does not check tokens, so it may not be the real metadata service".to_owned(),
            ),
            Some(429) => base(Status::Fail, "GET with a made-up token answered 429 Too Many Requests".to_owned()),
            Some(s) => base(Status::Warn, format!("GET with a made-up token answered {s}; the real service answers 401")),
            None => base(Status::Skip, format!("GET with a made-up token got no answer ({})", e.outcome())),
        }
    }

    fn why_no_reads(&self) -> String {
        match self.state {
            State::Answering => format!(
                "cannot read metadata: no session token (see imds.token) and a GET without one got {}",
                self.v1.outcome()
            ),
            _ => self
                .state_skip(CheckId::ImdsRole)
                .map(|c| c.summary)
                .unwrap_or_default(),
        }
    }

    fn role_checks(
        &self,
        p: &Phase2,
        service_now: Option<jiff::Timestamp>,
        probe: &mut Probe,
    ) -> (Check, Check) {
        // iam/info: the instance profile, when present.
        let mut profile_arn = None;
        if let Some(r) = p.info.response().filter(|r| r.status == 200)
            && let Ok(info) = serde_json::from_slice::<InstanceInfo>(&r.body)
            && let Some(arn) = info.instance_profile_arn
        {
            probe.instance_profile_name = arn.rsplit('/').next().map(str::to_owned);
            profile_arn = Some(arn);
        }
        let via = if p.via_v1 { " (IMDSv1, no token)" } else { "" };
        let role_check = {
            let e = &p.list;
            let base = |status, summary: String| {
                with_exchange(Check::new(CheckId::ImdsRole, status, summary), e)
            };
            match (e.status(), &p.role) {
                (Some(200), Some(role)) => {
                    probe.role = Some(role.clone());
                    let mut c = base(
                        Status::Pass,
                        format!("the instance profile's role is `{role}`{via}"),
                    )
                    .ev("role", role.clone())
                    .ev("iam_info", p.info.outcome());
                    if let Some(arn) = &profile_arn {
                        c = c.ev("instance_profile_arn", arn.clone());
                    }
                    c
                }
                (Some(200), None) => {
                    probe
                        .observed
                        .push(verdict::provider(Outcome::NotFound, CheckId::ImdsRole));
                    base(
                        Status::Fail,
                        format!("GET {ROLES_PATH} answered 200 without a role name"),
                    )
                }
                (Some(404), _) => base(
                    Status::Fail,
                    format!(
                        "GET {ROLES_PATH} answered 404 (iam/info: {}): no instance profile is attached to this instance",
                        p.info.outcome()
                    ),
                ),
                (Some(401), _) => base(
                    Status::Fail,
                    format!(
                        "GET {ROLES_PATH} answered 401{}",
                        if p.via_v1 {
                            " without a token"
                        } else {
                            " to a token issued a moment ago"
                        }
                    ),
                ),
                (Some(429), _) => base(
                    Status::Fail,
                    format!("GET {ROLES_PATH} answered 429 Too Many Requests"),
                ),
                (Some(s), _) => base(Status::Fail, format!("GET {ROLES_PATH} answered {s}")),
                (None, _) => base(
                    Status::Fail,
                    format!(
                        "GET {ROLES_PATH}: {}",
                        e.result
                            .as_ref()
                            .err()
                            .map(|f| f.to_string())
                            .unwrap_or_default()
                    ),
                ),
            }
        };

        let creds_check = match (&p.role, &p.creds) {
            (Some(role), Some(e)) => self.credentials_check(role, e, p.via_v1, service_now, probe),
            _ => Check::skip(
                CheckId::ImdsCredentials,
                "no role to read credentials for (see imds.role)",
            ),
        };
        (role_check, creds_check)
    }

    fn credentials_check(
        &self,
        role: &str,
        e: &Exchange,
        via_v1: bool,
        service_now: Option<jiff::Timestamp>,
        probe: &mut Probe,
    ) -> Check {
        let base = |status, summary: String| {
            with_exchange(Check::new(CheckId::ImdsCredentials, status, summary), e)
                .ev("role", role.to_owned())
        };
        let r = match &e.result {
            Ok(r) => r,
            Err(f) => return base(Status::Fail, format!("GET {ROLES_PATH}{role}: {f}")),
        };
        match r.status {
            200 => {}
            404 => {
                return base(
                    Status::Fail,
                    format!(
                        "the role `{role}` is listed but its credentials answer 404: the role was removed or renamed"
                    ),
                );
            }
            401 => {
                return base(Status::Fail, format!("GET {ROLES_PATH}{role} answered 401"));
            }
            429 => {
                return base(
                    Status::Fail,
                    format!("GET {ROLES_PATH}{role} answered 429 Too Many Requests"),
                );
            }
            s => return base(Status::Fail, format!("GET {ROLES_PATH}{role} answered {s}")),
        }
        let doc: CredentialsDocument = match serde_json::from_slice(&r.body) {
            Ok(d) => d,
            Err(_) => {
                probe
                    .observed
                    .push(verdict::unparsable(e, CheckId::ImdsCredentials));
                return base(
                    Status::Fail,
                    format!(
                        "the credentials document is not valid JSON ({} bytes{}); SDKs cannot use it",
                        r.body.len(),
                        if r.truncated { ", truncated" } else { "" }
                    ),
                )
                .ev("content_type", r.header("content-type").unwrap_or("none").to_owned());
            }
        };
        let code = doc.code.clone().unwrap_or_else(|| "Success".to_owned());
        if code != "Success" {
            let message = doc.message.clone().unwrap_or_default();
            let hint = if code == "AssumeRoleUnauthorizedAccess" {
                ": the role's trust policy does not let ec2.amazonaws.com assume it"
            } else {
                ""
            };
            probe.observed.push(verdict::provider(
                Outcome::NotFound,
                CheckId::ImdsCredentials,
            ));
            return base(
                Status::Fail,
                format!("IMDS could not get credentials for `{role}`: Code {code}{hint}"),
            )
            .ev("code", code)
            .ev("message", message.chars().take(300).collect::<String>());
        }
        let missing: Vec<&str> = [
            ("AccessKeyId", doc.access_key_id.is_none()),
            ("SecretAccessKey", doc.secret_access_key.is_none()),
            ("Token", doc.token.is_none()),
            ("Expiration", doc.expiration.is_none()),
        ]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| n)
        .collect();
        if !missing.is_empty() {
            return base(
                Status::Fail,
                format!(
                    "the credentials document lacks {} (botocore and the JS SDK need all four)",
                    missing.join(", ")
                ),
            );
        }
        let expiration_text = doc.expiration.clone().unwrap_or_default();
        let expiration = expiration_text.parse::<jiff::Timestamp>().ok();
        let access_key_id = doc.access_key_id.clone().unwrap_or_default();
        probe.credentials = Some(ImdsCredentials {
            access_key_id: access_key_id.clone(),
            secret_access_key: Secret::new(doc.secret_access_key.clone().unwrap_or_default()),
            token: Secret::new(doc.token.clone().unwrap_or_default()),
            expiration,
        });
        let mut check = base(Status::Pass, String::new())
            .ev(
                "access_key_id",
                authdoctor_redact::shorten_key_id(&access_key_id),
            )
            .ev("code", code)
            .ev("expiration", expiration_text.clone())
            .ev("role_delivery", if via_v1 { "1.0" } else { "2.0" });
        if let Some(updated) = &doc.last_updated {
            check = check.ev("last_updated", updated.clone());
        }
        let now = service_now.unwrap_or_else(jiff::Timestamp::now);
        let Some(expiration) = expiration else {
            check.status = Status::Fail;
            check.summary = format!(
                "the credentials' Expiration `{}` is not a UTC timestamp",
                authdoctor_redact::clean(&expiration_text)
            );
            return check;
        };
        let left = expiration.duration_since(now);
        check = check.ev("seconds_left", left.as_secs());
        let clock = if service_now.is_some() {
            "by the IMDS clock"
        } else {
            "by the local clock"
        };
        if left.is_negative() {
            check.status = Status::Fail;
            probe.observed.push(verdict::provider(
                Outcome::Expired,
                CheckId::ImdsCredentials,
            ));
            check.summary = format!(
                "IMDS serves credentials for `{role}` that expired at {expiration} ({} ago {clock}); SDKs will be refused with ExpiredToken",
                human_duration(left.unsigned_abs())
            );
        } else if left < jiff::SignedDuration::from_mins(5) {
            check.status = Status::Warn;
            probe.observed.push(verdict::provider(
                Outcome::Expired,
                CheckId::ImdsCredentials,
            ));
            check.summary = format!(
                "credentials for `{role}` expire at {expiration}, in {} {clock}: IMDS should have rotated them at least 5 minutes before expiry",
                human_duration(left.unsigned_abs())
            );
        } else {
            check.summary = format!(
                "credentials for `{role}`{}: Code Success, expire at {expiration} ({} left)",
                if via_v1 { " via IMDSv1" } else { "" },
                human_duration(left.unsigned_abs())
            );
        }
        check
    }

    fn identity_check(&self, p: &Phase2, probe: &mut Probe) -> Check {
        let e = &p.identity;
        let base = |status, summary: String| {
            with_exchange(Check::new(CheckId::ImdsIdentity, status, summary), e)
        };
        match &e.result {
            Ok(r) if r.status == 200 => match serde_json::from_slice::<IdentityDocument>(&r.body) {
                Ok(doc) => {
                    let identity = Identity {
                        instance_id: doc.instance_id.filter(|s| is_simple(s)),
                        region: doc.region.filter(|s| is_simple(s)),
                        account_id: doc.account_id.filter(|s| is_simple(s)),
                    };
                    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_owned());
                    let check = base(
                        Status::Pass,
                        format!(
                            "instance {} in {}, account {}",
                            show(&identity.instance_id),
                            show(&identity.region),
                            show(&identity.account_id)
                        ),
                    )
                    .ev("instance_id", show(&identity.instance_id))
                    .ev("region", show(&identity.region))
                    .ev("account_id", show(&identity.account_id));
                    probe.identity = Some(identity);
                    check
                }
                Err(_) => base(
                    Status::Warn,
                    "the instance identity document is not valid JSON".to_owned(),
                ),
            },
            Ok(r) if r.status == 429 => base(
                Status::Fail,
                "the identity document answered 429 Too Many Requests".to_owned(),
            ),
            Ok(r) => base(
                Status::Warn,
                format!("GET {IDENTITY_PATH} answered {}", r.status),
            ),
            Err(f) => base(Status::Warn, format!("GET {IDENTITY_PATH}: {f}")),
        }
    }

    fn throttle_check(&self, all: &[&Exchange]) -> Check {
        if let Some(skip) = self.state_skip(CheckId::ImdsThrottle) {
            return skip;
        }
        let throttled: Vec<&&Exchange> = all.iter().filter(|e| e.status() == Some(429)).collect();
        if throttled.is_empty() {
            Check::new(
                CheckId::ImdsThrottle,
                Status::Pass,
                format!("no 429 Too Many Requests in {} requests", all.len()),
            )
        } else {
            Check::new(
                CheckId::ImdsThrottle,
                Status::Fail,
                format!(
                    "{} of {} requests got 429 Too Many Requests: IMDS is throttling this instance",
                    throttled.len(),
                    all.len()
                ),
            )
            .ev(
                "throttled",
                throttled
                    .iter()
                    .map(|e| e.request_line())
                    .collect::<Vec<_>>(),
            )
        }
    }

    fn proxy_check(&self) -> Check {
        match self.state {
            State::Proxy => {
                let (e, marker) = match &self.proxy {
                    Some((e, m)) => (*e, m.clone()),
                    None => (self.v1, String::new()),
                };
                let mut check = with_exchange(
                    Check::new(
                        CheckId::ImdsProxy,
                        Status::Fail,
                        format!("the answer came from an HTTP proxy, not IMDS: {marker}"),
                    ),
                    e,
                );
                if let Some(r) = e.response() {
                    if let Some(via) = r.header("via") {
                        check = check.ev("via", via.to_owned());
                    }
                    if let Some(title) = html_title(&r.body_text()) {
                        check = check.ev("page_title", title);
                    }
                }
                check
            }
            State::Unreachable => Check::skip(
                CheckId::ImdsProxy,
                "IMDS did not answer (see imds.reachable)",
            ),
            _ => {
                let server = [self.token, self.v1, self.invalid]
                    .into_iter()
                    .find_map(|e| {
                        e.response()
                            .and_then(|r| r.header("server"))
                            .map(str::to_owned)
                    });
                Check::new(
                    CheckId::ImdsProxy,
                    Status::Pass,
                    match &server {
                        Some(s) => format!(
                            "answers come from the metadata service itself (Server: {s}, no Via header)"
                        ),
                        None => {
                            "no proxy markers in the answers (no Via header, no proxy error page)"
                                .to_owned()
                        }
                    },
                )
            }
        }
    }
}

/// Signs that an HTTP proxy, not IMDS, produced this response.
fn proxy_marker(r: &Response) -> Option<String> {
    if let Some(via) = r.header("via") {
        return Some(format!("Via: {via}"));
    }
    if r.status == 407 || r.header("proxy-authenticate").is_some() {
        return Some("407 Proxy Authentication Required".to_owned());
    }
    // Headers only proxies and caches add (squid's X-Squid-Error / X-Cache, …).
    if let Some((name, value)) = r.headers.iter().find(|(n, _)| {
        n.starts_with("x-squid")
            || n.starts_with("x-cache")
            || n == "proxy-connection"
            || n == "x-proxy-id"
    }) {
        return Some(format!("{name}: {value}"));
    }
    let server = r.header("server");
    if let Some(server) = server
        && !server.contains("EC2ws")
    {
        let lower = server.to_ascii_lowercase();
        if [
            "squid",
            "proxy",
            "tinyproxy",
            "privoxy",
            "zscaler",
            "bluecoat",
            "envoy",
            "nginx",
            "apache",
            "haproxy",
        ]
        .iter()
        .any(|p| lower.contains(p))
        {
            return Some(format!("Server: {server}"));
        }
    }
    // An HTML error page where IMDS would answer with an empty body or its XHTML 404.
    let body = r.body_text();
    let lower = body.to_ascii_lowercase();
    let html = lower.contains("<html") || lower.contains("<!doctype html");
    let imds_404 = r.status == 404 && lower.contains("404 - not found");
    // IMDS itself never answers HTML except its 404 page (user data is not fetched here).
    if html && !imds_404 && server.is_none_or(|s| !s.contains("EC2ws")) {
        let title = html_title(&body).unwrap_or_else(|| "an HTML error page".to_owned());
        return Some(format!("{} with an HTML page \"{title}\"", r.status));
    }
    None
}

fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = lower[start..].find("</title>")? + start;
    let title: String = body.get(start..end)?.trim().chars().take(80).collect();
    Some(authdoctor_redact::clean(&title).into_owned())
}

/// The first role name of a `security-credentials/` listing, if it is a valid IAM name.
fn first_role(listing: &str) -> Option<String> {
    let name = listing.lines().map(str::trim).find(|l| !l.is_empty())?;
    let name = name.trim_end_matches('/');
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    valid.then(|| name.to_owned())
}

fn is_simple(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 120 {
        format!("{secs} s")
    } else if secs < 7200 {
        format!("{} min", secs / 60)
    } else if secs < 2 * 86400 {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{} days", secs / 86400)
    }
}

#[derive(Deserialize)]
struct InstanceInfo {
    #[serde(rename = "InstanceProfileArn")]
    instance_profile_arn: Option<String>,
}

#[derive(Deserialize)]
struct CredentialsDocument {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "LastUpdated")]
    last_updated: Option<String>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: Option<String>,
    #[serde(rename = "Token")]
    token: Option<String>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

#[derive(Deserialize)]
struct IdentityDocument {
    #[serde(rename = "instanceId")]
    instance_id: Option<String>,
    region: Option<String>,
    #[serde(rename = "accountId")]
    account_id: Option<String>,
}

/// Hints that this process runs inside a container (the usual reason for `imds-hop-limit`).
pub(crate) fn container_hint(env: &crate::Env, fs: &dyn crate::Fs) -> Option<String> {
    use std::path::Path;
    if fs.exists(Path::new("/.dockerenv")) {
        return Some("/.dockerenv exists".to_owned());
    }
    if env.contains_key("KUBERNETES_SERVICE_HOST") {
        return Some("KUBERNETES_SERVICE_HOST is set".to_owned());
    }
    for var in [
        "ECS_CONTAINER_METADATA_URI_V4",
        "ECS_CONTAINER_METADATA_URI",
    ] {
        if env.contains_key(var) {
            return Some(format!("{var} is set"));
        }
    }
    if let Ok(cgroup) = fs.read(Path::new("/proc/1/cgroup"), 64 * 1024) {
        let text = String::from_utf8_lossy(&cgroup);
        for marker in ["docker", "kubepods", "containerd", "ecs", "libpod"] {
            if text.contains(marker) {
                return Some(format!("/proc/1/cgroup mentions {marker}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            received_at: jiff::Timestamp::now(),
        }
    }

    #[test]
    fn proxy_markers_spare_the_real_404_page() {
        let imds_404 = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n";
        assert_eq!(
            proxy_marker(&response(404, &[("server", "EC2ws")], imds_404)),
            None
        );
        assert_eq!(proxy_marker(&response(404, &[], imds_404)), None);
        assert_eq!(proxy_marker(&response(401, &[], "")), None);
        assert!(proxy_marker(&response(403, &[("via", "1.1 squid")], "")).is_some());
        assert!(proxy_marker(&response(407, &[], "")).is_some());
        assert!(proxy_marker(&response(403, &[("x-cache", "MISS from proxy")], "")).is_some());
        assert!(proxy_marker(&response(403, &[("server", "EC2ws")], "")).is_none());
        assert!(proxy_marker(&response(502, &[("server", "squid/5.7")], "")).is_some());
        let page = "<html><head><title>ERROR: The requested URL could not be retrieved</title></head></html>";
        assert!(proxy_marker(&response(200, &[], page)).is_some());
        let m = proxy_marker(&response(403, &[], page)).unwrap();
        assert!(m.contains("could not be retrieved"), "{m}");
    }

    #[test]
    fn role_names_are_validated() {
        assert_eq!(first_role("examplerole\n").as_deref(), Some("examplerole"));
        assert_eq!(
            first_role("\n  my-role+x@y\n").as_deref(),
            Some("my-role+x@y")
        );
        assert_eq!(first_role("../../etc"), None);
        assert_eq!(first_role(""), None);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(
            human_duration(Duration::from_secs(6 * 3600 + 60)),
            "6 h 1 min"
        );
    }
}
