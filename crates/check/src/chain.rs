//! The `chain` group: which credential source each major SDK would use on this host, in
//! its documented order (`shared/reference/credential-chains.md` §1), whether that hides
//! the instance role (`credential-shadowing`), the web identity token, the container
//! credential variables, and (`credentials.expiry`) how long the winner's credentials last.
//!
//! The reference chain for the `credentials` block is botocore's (the AWS CLI's), the
//! most common client on EC2 hosts.

use authdoctor_diagnosis::{Observation, Outcome};
use authdoctor_kb::CheckId;
use std::path::Path;

use base64::Engine;
use serde::Deserialize;

use crate::envcheck::{self, ImdsSettings};
use crate::files::{self, Loaded};
use crate::imds::{Probe, human_duration};
use crate::profile::{FileKind, Profile};
use crate::{Check, CredentialsSummary, Env, Fs, ResolvedCredentials, Secret, Status};

/// A credential source, in the vocabulary of the `credentials.source` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Env,
    AssumeRole,
    WebIdentityEnv,
    WebIdentityProfile,
    Sso,
    CredentialsFileKeys,
    Process,
    ConfigFileKeys,
    Container,
    Imds,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Env => "environment",
            Source::AssumeRole | Source::ConfigFileKeys => "profile",
            Source::WebIdentityEnv | Source::WebIdentityProfile => "web-identity",
            Source::Sso => "sso",
            Source::CredentialsFileKeys => "shared-credentials-file",
            Source::Process => "credential-process",
            Source::Container => "container",
            Source::Imds => "imds",
        }
    }

    fn describe(self, profile: &str) -> String {
        match self {
            Source::Env => "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment".to_owned(),
            Source::AssumeRole => format!("profile `{profile}` (role_arn, assume role)"),
            Source::WebIdentityEnv => "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN".to_owned(),
            Source::WebIdentityProfile => format!("profile `{profile}` (web_identity_token_file)"),
            Source::Sso => format!("profile `{profile}` (IAM Identity Center / SSO)"),
            Source::CredentialsFileKeys => {
                format!("keys of profile `{profile}` in the credentials file")
            }
            Source::Process => format!("profile `{profile}` (credential_process)"),
            Source::ConfigFileKeys => format!("keys of profile `{profile}` in the config file"),
            Source::Container => {
                "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)".to_owned()
            }
            Source::Imds => "the instance role from IMDS".to_owned(),
        }
    }
}

/// What one SDK would do.
#[derive(Debug, Clone)]
struct SdkPick {
    sdk: &'static str,
    source: Option<Source>,
    /// Why it ends with nothing or fails, if it does.
    note: Option<String>,
}

/// The chain group's results, also used for `--online` and the `credentials` block.
#[derive(Debug, Clone)]
pub(crate) struct ChainResult {
    pub checks: Vec<Check>,
    pub summary: CredentialsSummary,
    pub resolved: Option<ResolvedCredentials>,
    pub region: Option<String>,
}

fn get<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// The kinds of credentials the active profile can produce, in the generic profile order.
fn profile_sources(p: Option<&Profile>) -> Vec<Source> {
    let Some(p) = p else { return Vec::new() };
    let mut out = Vec::new();
    let role = p.get("role_arn").is_some();
    if role && (p.get("source_profile").is_some() || p.get("credential_source").is_some()) {
        out.push(Source::AssumeRole);
    }
    if role && p.get("web_identity_token_file").is_some() {
        out.push(Source::WebIdentityProfile);
    }
    if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
        out.push(Source::Sso);
    }
    if p.get("aws_access_key_id").is_some() && p.get("aws_secret_access_key").is_some() {
        match p.origin("aws_access_key_id").map(|o| o.file) {
            Some(FileKind::Credentials) => out.push(Source::CredentialsFileKeys),
            _ => out.push(Source::ConfigFileKeys),
        }
    }
    if p.get("credential_process").is_some() {
        out.push(Source::Process);
    }
    out
}

struct Inputs<'a> {
    env_keys: bool,
    web_identity_env: bool,
    container: bool,
    profile: Vec<Source>,
    settings: &'a ImdsSettings,
    java_disabled: bool,
    profile_env_set: bool,
}

fn pick(order: &[Source], inputs: &Inputs<'_>, imds_disabled: bool) -> Option<Source> {
    order.iter().copied().find(|s| match s {
        Source::Env => inputs.env_keys,
        Source::WebIdentityEnv => inputs.web_identity_env,
        Source::Container => inputs.container,
        Source::Imds => !imds_disabled,
        other => inputs.profile.contains(other),
    })
}

fn sdk_picks(inputs: &Inputs<'_>) -> Vec<SdkPick> {
    use Source::*;
    let profile_first = |after: &[Source]| -> Vec<Source> {
        let mut v = inputs.profile.clone();
        v.extend_from_slice(after);
        v
    };
    let botocore = [
        Env,
        AssumeRole,
        WebIdentityEnv,
        WebIdentityProfile,
        Sso,
        CredentialsFileKeys,
        Process,
        ConfigFileKeys,
        Container,
        Imds,
    ];
    let mut java = vec![Env, WebIdentityEnv];
    java.extend(profile_first(&[Container, Imds]));
    let mut go = vec![Env, WebIdentityEnv];
    go.extend(profile_first(&[Container, Imds]));
    let mut js: Vec<Source> = if inputs.profile_env_set {
        Vec::new()
    } else {
        vec![Env]
    };
    js.extend(profile_first(&[WebIdentityEnv, Container, Imds]));
    let mut rust = vec![Env];
    rust.extend(profile_first(&[WebIdentityEnv, Container, Imds]));
    let mut dotnet = vec![Env, WebIdentityEnv];
    dotnet.extend(profile_first(&[Container, Imds]));
    let disabled = inputs.settings.disabled;
    vec![
        SdkPick {
            sdk: "botocore/AWS CLI",
            source: pick(&botocore, inputs, disabled),
            note: None,
        },
        SdkPick {
            sdk: "Java v2",
            source: pick(&java, inputs, inputs.java_disabled),
            note: None,
        },
        SdkPick {
            sdk: "Go v2",
            source: pick(&go, inputs, disabled),
            note: None,
        },
        SdkPick {
            sdk: "JavaScript v3",
            source: pick(&js, inputs, inputs.settings.disabled_js),
            note: (inputs.profile_env_set && inputs.env_keys)
                .then(|| "skips the environment keys because AWS_PROFILE is set".to_owned()),
        },
        SdkPick {
            sdk: "Rust",
            source: pick(&rust, inputs, disabled),
            note: None,
        },
        SdkPick {
            sdk: ".NET v4",
            source: pick(&dotnet, inputs, disabled),
            note: None,
        },
    ]
}

pub(crate) fn analyse(
    env: &Env,
    loaded: &Loaded,
    fs: &dyn Fs,
    probe: Option<&Probe>,
) -> ChainResult {
    let settings = envcheck::imds_settings(env);
    let active = loaded.active_profile();
    let inputs = Inputs {
        env_keys: get(env, "AWS_ACCESS_KEY_ID").is_some()
            && get(env, "AWS_SECRET_ACCESS_KEY").is_some(),
        web_identity_env: get(env, "AWS_WEB_IDENTITY_TOKEN_FILE").is_some()
            && get(env, "AWS_ROLE_ARN").is_some(),
        container: get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            || get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some(),
        profile: profile_sources(active),
        settings: &settings,
        java_disabled: settings.disabled,
        profile_env_set: get(env, "AWS_PROFILE").is_some(),
    };
    let mut picks = sdk_picks(&inputs);
    let profile_name: String = authdoctor_redact::clean(&loaded.active)
        .chars()
        .take(60)
        .collect();

    // IMDS as a winner only counts if the probes got credentials.
    let imds_ok = probe.is_some_and(|p| p.credentials.is_some());
    let imds_why = match probe {
        None => "IMDS was not probed".to_owned(),
        Some(p) if p.credentials.is_some() => String::new(),
        Some(p) => {
            let failing = p
                .checks
                .iter()
                .find(|c| c.status == Status::Fail)
                .map(|c| c.id)
                .unwrap_or(CheckId::ImdsCredentials);
            format!("the instance role gave no credentials (see {failing})")
        }
    };
    for pick in &mut picks {
        if pick.source == Some(Source::Imds) && !imds_ok {
            pick.note = Some(imds_why.clone());
        }
        if pick.source.is_none() && pick.note.is_none() {
            pick.note = Some("IMDS is disabled by AWS_EC2_METADATA_DISABLED".to_owned());
        }
    }
    let works = |p: &SdkPick| p.source.is_some() && (imds_ok || p.source != Some(Source::Imds));

    let mut checks = Vec::new();
    // chain.source
    {
        let mut check = Check::new(CheckId::ChainSource, Status::Pass, "");
        for p in &picks {
            let value = match (p.source, works(p)) {
                (Some(s), true) => s.label().to_owned(),
                (Some(s), false) => format!(
                    "{} (fails: {})",
                    s.label(),
                    p.note.clone().unwrap_or_default()
                ),
                (None, _) => format!("none ({})", p.note.clone().unwrap_or_default()),
            };
            check = check.ev(p.sdk, value);
        }
        let working: Vec<&SdkPick> = picks.iter().filter(|p| works(p)).collect();
        let botocore = &picks[0];
        if working.is_empty() {
            check.status = Status::Fail;
            // Nothing configured, and perhaps the instance role switched off by the
            // environment: then the variable is the cause, not a missing provider, and
            // the engine lets it lead (imds-disabled explains no-credentials).
            let mut seen = vec![Observation::ProviderAttempt {
                provider: "chain".to_owned(),
                outcome: Outcome::NotFound,
            }];
            if settings.disabled && picks[0].source.is_none() {
                seen.push(Observation::Setting {
                    name: "AWS_EC2_METADATA_DISABLED".to_owned(),
                    value: "true".to_owned(),
                });
            }
            check = check.judged(&seen);
            check.summary = format!(
                "no SDK finds credentials: {}",
                picks[0]
                    .note
                    .clone()
                    .unwrap_or_else(|| "nothing configured".to_owned())
            );
        } else {
            let labels: Vec<String> = picks
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p.sdk,
                        if works(p) {
                            p.source.map(|s| s.label()).unwrap_or("none")
                        } else {
                            "none"
                        }
                    )
                })
                .collect();
            let all_same = working.len() == picks.len()
                && working
                    .iter()
                    .all(|p| p.source.map(Source::label) == botocore.source.map(Source::label));
            if all_same {
                check.summary = format!(
                    "every SDK uses {}",
                    botocore
                        .source
                        .map(|s| s.describe(&profile_name))
                        .unwrap_or_default()
                );
            } else {
                check.status = Status::Warn;
                check.summary = format!("the SDKs disagree: {}", labels.join(", "));
            }
        }
        checks.push(check);
    }

    // chain.shadowing
    checks.push(shadowing(&picks, probe, &profile_name, &loaded.active_from));
    checks.push(web_identity(env, active, fs));
    checks.push(container(env, fs));

    // The reference chain (botocore) for the credentials block and --online.
    let winner = if works(&picks[0]) {
        picks[0].source
    } else {
        None
    };
    let mut summary = CredentialsSummary::default();
    let mut resolved = None;
    let mut expiry: Option<(jiff::Timestamp, &'static str)> = None;
    if let Some(source) = winner {
        summary.source = source.label();
        match source {
            Source::Env => {
                let key = get(env, "AWS_ACCESS_KEY_ID")
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                summary.access_key_id = Some(authdoctor_redact::shorten_key_id(&key));
                let exp = get(env, "AWS_CREDENTIAL_EXPIRATION")
                    .and_then(|e| e.trim().parse::<jiff::Timestamp>().ok());
                resolved = Some(ResolvedCredentials {
                    source: "environment",
                    access_key_id: key,
                    secret_access_key: Secret::new(
                        get(env, "AWS_SECRET_ACCESS_KEY").unwrap_or_default().trim(),
                    ),
                    session_token: get(env, "AWS_SESSION_TOKEN")
                        .or_else(|| get(env, "AWS_SECURITY_TOKEN"))
                        .map(|t| Secret::new(t.trim())),
                    expires_at: exp,
                });
                expiry = exp.map(|e| (e, "AWS_CREDENTIAL_EXPIRATION"));
            }
            Source::CredentialsFileKeys | Source::ConfigFileKeys => {
                if let Some(p) = active {
                    let key = p.get("aws_access_key_id").unwrap_or_default().to_owned();
                    summary.access_key_id = Some(authdoctor_redact::shorten_key_id(&key));
                    resolved = Some(ResolvedCredentials {
                        source: source.label(),
                        access_key_id: key,
                        secret_access_key: Secret::new(
                            p.get("aws_secret_access_key").unwrap_or_default(),
                        ),
                        session_token: p.get("aws_session_token").map(Secret::new),
                        expires_at: None,
                    });
                }
            }
            Source::Imds => {
                if let Some(p) = probe {
                    summary.role = p.role.clone();
                    if let Some(c) = &p.credentials {
                        summary.access_key_id =
                            Some(authdoctor_redact::shorten_key_id(&c.access_key_id));
                        summary.expires_at = c.expiration.map(|e| e.to_string());
                        resolved = Some(ResolvedCredentials {
                            source: "imds",
                            access_key_id: c.access_key_id.clone(),
                            secret_access_key: c.secret_access_key.clone(),
                            session_token: Some(c.token.clone()),
                            expires_at: c.expiration,
                        });
                        expiry = c
                            .expiration
                            .map(|e| (e, "the IMDS credentials' Expiration"));
                    }
                }
            }
            Source::AssumeRole | Source::WebIdentityProfile => {
                summary.role = active.and_then(|p| p.get("role_arn")).map(role_name);
            }
            Source::WebIdentityEnv => {
                summary.role = get(env, "AWS_ROLE_ARN").map(role_name);
            }
            Source::Sso => {
                summary.role = active
                    .and_then(|p| p.get("sso_role_name"))
                    .map(|r| authdoctor_redact::clean(r).into_owned());
                if let Some(url) = files::sso_start_url(loaded)
                    && let Some(token) = files::sso_token(loaded, fs, &url)
                {
                    expiry = Some((token.expires_at, "the cached SSO token"));
                }
            }
            Source::Process | Source::Container => {}
        }
        if summary.expires_at.is_none() {
            summary.expires_at = expiry.map(|(e, _)| e.to_string());
        }
    }
    checks.push(expiry_check(winner, expiry, probe));

    let region = get(env, "AWS_REGION")
        .or_else(|| get(env, "AWS_DEFAULT_REGION"))
        .map(|r| r.trim().to_owned())
        .or_else(|| active.and_then(|p| p.get("region")).map(str::to_owned))
        .or_else(|| {
            probe
                .and_then(|p| p.identity.as_ref())
                .and_then(|i| i.region.clone())
        })
        .filter(|r| envcheck::valid_region(r));
    ChainResult {
        checks,
        summary,
        resolved,
        region,
    }
}

fn role_name(arn: &str) -> String {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    authdoctor_redact::clean(name).chars().take(64).collect()
}

fn shadowing(
    picks: &[SdkPick],
    probe: Option<&Probe>,
    profile: &str,
    profile_var: &Option<&'static str>,
) -> Check {
    let Some(probe) = probe else {
        return Check::skip(
            CheckId::ChainShadowing,
            "IMDS was not probed, so no instance role is known",
        );
    };
    let Some(role) = &probe.role else {
        return Check::new(
            CheckId::ChainShadowing,
            Status::Pass,
            "no instance role was found, so nothing shadows one",
        );
    };
    let shadowed: Vec<&SdkPick> = picks
        .iter()
        .filter(|p| p.source.is_some_and(|s| s != Source::Imds))
        .collect();
    if shadowed.is_empty() {
        return Check::new(
            CheckId::ChainShadowing,
            Status::Pass,
            format!("every SDK reaches the instance role `{role}`"),
        );
    }
    let mut sources: Vec<Source> = shadowed.iter().filter_map(|p| p.source).collect();
    sources.dedup();
    let what: Vec<String> = sources.iter().map(|s| s.describe(profile)).collect();
    let sdks: Vec<&str> = shadowed.iter().map(|p| p.sdk).collect();
    let fix = match sources.first() {
        Some(Source::Env) => {
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN".to_owned()
        }
        Some(Source::Container) => {
            "unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI"
                .to_owned()
        }
        Some(Source::WebIdentityEnv) => "unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN".to_owned(),
        _ => match profile_var {
            Some(var) => format!("unset {var}"),
            None => format!(
                "remove the credentials of profile [{profile}] from ~/.aws/credentials and ~/.aws/config"
            ),
        },
    };
    let mut check = Check::new(
        CheckId::ChainShadowing,
        Status::Warn,
        format!(
            "the instance role `{role}` is shadowed: {} use {} first",
            sdks.join(", "),
            what.join(" / ")
        ),
    )
    .judged(&[Observation::ProviderAttempt {
        provider: "imds".to_owned(),
        outcome: Outcome::Shadowed,
    }])
    .fix(fix)
    .ev("role", role.clone());
    check = check.ev(
        "shadowing_sdks",
        sdks.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    check
}

#[derive(Deserialize)]
struct JwtClaims {
    exp: Option<serde_json::Value>,
    aud: Option<serde_json::Value>,
    iss: Option<String>,
}

/// Decodes a JWT's claims without verifying it. The token itself is never returned.
fn jwt_claims(token: &str) -> Option<JwtClaims> {
    let mut parts = token.trim().split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let payload = payload.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn web_identity(env: &Env, active: Option<&Profile>, fs: &dyn Fs) -> Check {
    let (file, role, origin) = match get(env, "AWS_WEB_IDENTITY_TOKEN_FILE") {
        Some(f) => (
            f.trim().to_owned(),
            get(env, "AWS_ROLE_ARN").map(str::to_owned),
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ),
        None => match active.and_then(|p| p.get("web_identity_token_file")) {
            Some(f) => (
                f.to_owned(),
                active.and_then(|p| p.get("role_arn")).map(str::to_owned),
                "web_identity_token_file",
            ),
            None => {
                return Check::skip(
                    CheckId::ChainWebIdentity,
                    "no web identity token configured",
                );
            }
        },
    };
    let shown: String = authdoctor_redact::clean(&file).chars().take(200).collect();
    let check =
        Check::new(CheckId::ChainWebIdentity, Status::Pass, "").ev("token_file", shown.clone());
    // What the SDKs would find in the token file, as the engine reads it.
    let token = |state: &str| {
        [Observation::Credentials {
            source: "web-identity".to_owned(),
            state: state.to_owned(),
        }]
    };
    let fail = |check: Check, state: &str, summary: String| Check {
        status: Status::Fail,
        summary: authdoctor_redact::clean(&summary).into_owned(),
        ..check.judged(&token(state))
    };
    if role.is_none() {
        return fail(
            check,
            "incomplete",
            format!(
                "{origin} is set but no role ARN (AWS_ROLE_ARN / role_arn): the SDKs skip web identity"
            ),
        );
    }
    let bytes = match fs.read(Path::new(&file), 64 * 1024) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                check,
                "unreadable",
                format!("cannot read the web identity token file {shown}: {e}"),
            );
        }
    };
    let Some(claims) = jwt_claims(&String::from_utf8_lossy(&bytes)) else {
        return fail(
            check,
            "malformed",
            format!("{shown} does not hold a JWT (three base64url parts with JSON claims)"),
        );
    };
    let mut check = check;
    if let Some(iss) = &claims.iss {
        check = check.ev("issuer", iss.chars().take(200).collect::<String>());
    }
    let audiences: Vec<String> = match &claims.aud {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    check = check.ev("audience", audiences.join(","));
    let exp = claims
        .exp
        .as_ref()
        .and_then(|v| v.as_i64())
        .and_then(|s| jiff::Timestamp::from_second(s).ok());
    let now = jiff::Timestamp::now();
    match exp {
        None => fail(
            check,
            "malformed",
            "the web identity token has no `exp` claim".to_owned(),
        ),
        Some(exp) if exp <= now => {
            let ago = human_duration(now.duration_since(exp).unsigned_abs());
            fail(
                check.ev("expires_at", exp.to_string()),
                "expired",
                format!(
                    "the web identity token in {shown} expired at {exp} ({ago} ago): whatever writes it (kubelet projected volume, agent) stopped refreshing it"
                ),
            )
        }
        Some(exp) => {
            let left = human_duration(exp.duration_since(now).unsigned_abs());
            let check = check.ev("expires_at", exp.to_string());
            if !audiences.iter().any(|a| a == "sts.amazonaws.com") {
                Check {
                    status: Status::Warn,
                    summary: format!(
                        "the token is valid for {left}, but its audience is not sts.amazonaws.com: STS may answer InvalidIdentityToken"
                    ),
                    ..check.judged(&token("wrong-audience"))
                }
            } else {
                Check {
                    summary: format!(
                        "web identity token valid until {exp} ({left} left), audience sts.amazonaws.com"
                    ),
                    ..check
                }
            }
        }
    }
}

/// Hosts botocore accepts in an `http://` `AWS_CONTAINER_CREDENTIALS_FULL_URI`, besides loopback.
const CONTAINER_HOSTS: &[&str] = &[
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
    "localhost",
];

fn container(env: &Env, fs: &dyn Fs) -> Check {
    let relative = get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    let full = get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if relative.is_none() && full.is_none() {
        return Check::skip(
            CheckId::ChainContainer,
            "no container credential variables set",
        );
    }
    let mut check = Check::new(CheckId::ChainContainer, Status::Pass, "");
    let mut problems: Vec<(Status, String)> = Vec::new();
    let mut target = String::new();
    if let Some(rel) = relative {
        target = format!("http://169.254.170.2{}", rel.trim());
        if !rel.trim().starts_with('/') {
            problems.push((
                Status::Fail,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with `/`".to_owned(),
            ));
        }
        if full.is_some() {
            problems.push((
                Status::Warn,
                "both RELATIVE_URI and FULL_URI are set; the SDKs use RELATIVE_URI".to_owned(),
            ));
        }
    } else if let Some(full) = full {
        match crate::Endpoint::parse_any_scheme(full) {
            Err(e) => problems.push((
                Status::Fail,
                format!("AWS_CONTAINER_CREDENTIALS_FULL_URI is invalid: {e}"),
            )),
            Ok(ep) => {
                target = ep.display();
                let http = full.trim().to_ascii_lowercase().starts_with("http://");
                if http && !ep.is_loopback() && !CONTAINER_HOSTS.contains(&ep.host()) {
                    problems.push((
                        Status::Fail,
                        format!(
                            "FULL_URI host `{}` is not loopback or 169.254.170.2/169.254.170.23/fd00:ec2::23: botocore refuses it (`Unsupported host`)",
                            ep.host()
                        ),
                    ));
                } else if !ep.is_loopback()
                    && !full.trim().to_ascii_lowercase().starts_with("https://")
                {
                    problems.push((
                        Status::Warn,
                        format!("the Go v2 SDK accepts only loopback hosts in an http FULL_URI, not `{}`", ep.host()),
                    ));
                }
            }
        }
    }
    check = check.ev("endpoint", authdoctor_redact::clean(&target).into_owned());
    if let Some(file) = get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        match fs.read(Path::new(file.trim()), 16 * 1024) {
            Ok(b) if !b.is_empty() => check = check.ev("authorization_token_file", "readable"),
            Ok(_) => problems.push((
                Status::Fail,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is empty".to_owned(),
            )),
            Err(e) => problems.push((
                Status::Fail,
                format!(
                    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: {e}",
                    authdoctor_redact::clean(file.trim())
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )),
        }
    } else if get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN").is_some() {
        check = check.ev("authorization_token", "set");
    }
    match problems
        .iter()
        .map(|(s, _)| *s)
        .max_by_key(|s| matches!(s, Status::Fail) as u8)
    {
        None => {
            check.summary = format!(
                "container credentials from {}: every SDK uses them before the instance role",
                authdoctor_redact::clean(&target)
            );
        }
        Some(status) => {
            check.status = status;
            check.summary = problems
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    check
}

fn expiry_check(
    winner: Option<Source>,
    expiry: Option<(jiff::Timestamp, &'static str)>,
    probe: Option<&Probe>,
) -> Check {
    let Some(source) = winner else {
        return Check::skip(CheckId::CredentialsExpiry, "no credentials were resolved");
    };
    let Some((expires, what)) = expiry else {
        return Check::skip(
            CheckId::CredentialsExpiry,
            format!(
                "the expiry of {} credentials is not known without calling AWS",
                source.label()
            ),
        );
    };
    // IMDS credentials are judged by the service's clock when it is known.
    let now = match (source, probe.and_then(|p| p.clock.as_ref())) {
        (Source::Imds, Some(c)) => c
            .service
            .checked_add(jiff::Timestamp::now().duration_since(c.local))
            .unwrap_or(c.service),
        _ => jiff::Timestamp::now(),
    };
    let left = expires.duration_since(now);
    let credentials = |state: &str| {
        [Observation::Credentials {
            source: source.label().to_owned(),
            state: state.to_owned(),
        }]
    };
    let check = Check::new(CheckId::CredentialsExpiry, Status::Pass, "")
        .ev("source", source.label())
        .ev("expires_at", expires.to_string())
        .ev("seconds_left", left.as_secs());
    if left.is_negative() {
        Check {
            status: Status::Fail,
            summary: format!(
                "{what} expired at {expires} ({} ago): requests signed with them fail",
                human_duration(left.unsigned_abs())
            ),
            ..check.judged(&credentials("expired"))
        }
    } else if left < jiff::SignedDuration::from_mins(5) {
        Check {
            status: Status::Warn,
            summary: format!(
                "{what} expire at {expires}, in {}: SDKs refresh 5–15 minutes ahead, so they should already have new ones",
                human_duration(left.unsigned_abs())
            ),
            ..check.judged(&credentials("expiring"))
        }
    } else {
        Check {
            summary: format!(
                "{what}: valid until {expires} ({} left)",
                human_duration(left.unsigned_abs())
            ),
            ..check
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RootFs;
    use authdoctor_kb::ScenarioId;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(env: &Env, config: &str, credentials: &str) -> (tempfile::TempDir, ChainResult) {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join("home/u/.aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(aws.join("config"), config).unwrap();
        std::fs::write(aws.join("credentials"), credentials).unwrap();
        let mut env = env.clone();
        env.insert("HOME".into(), "/home/u".into());
        let fs = RootFs::new(dir.path());
        let loaded = files::load(&env, &fs);
        let result = analyse(&env, &loaded, &fs, None);
        (dir, result)
    }

    #[test]
    fn env_keys_win_everywhere_but_js_with_a_profile() {
        let e = env(&[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            ("AWS_PROFILE", "dev"),
        ]);
        let (_d, r) = run(
            &e,
            "[profile dev]\nsso_session = s\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n",
            "",
        );
        let source = &r.checks[0];
        assert_eq!(source.evidence["botocore/AWS CLI"], "environment");
        assert_eq!(source.evidence["JavaScript v3"], "sso");
        assert_eq!(source.status, Status::Warn);
        assert_eq!(r.summary.source, "environment");
        assert_eq!(r.summary.access_key_id.as_deref(), Some("AKIA…MPLE"));
        assert!(r.resolved.is_some());
    }

    #[test]
    fn nothing_configured_and_no_imds_is_no_credentials() {
        // IMDS not usable (not probed here) and nothing else: no credentials.
        let (_d, r) = run(&Env::new(), "", "");
        assert_eq!(r.checks[0].status, Status::Fail);
        assert_eq!(
            r.checks[0].scenario.map(ScenarioId::as_str),
            Some("no-credentials")
        );
        assert_eq!(r.summary.source, "none");
        // IMDS switched off by the environment: the variable is the named cause.
        let (_d, r) = run(&env(&[("AWS_EC2_METADATA_DISABLED", "true")]), "", "");
        assert_eq!(r.checks[0].status, Status::Fail);
        assert_eq!(
            r.checks[0].scenario.map(ScenarioId::as_str),
            Some("imds-disabled")
        );
        assert_eq!(r.summary.source, "none");
    }

    #[test]
    fn credentials_file_keys_are_the_shared_credentials_file_source() {
        let (_d, r) = run(
            &Env::new(),
            "",
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        );
        assert_eq!(r.summary.source, "shared-credentials-file");
        assert_eq!(r.checks[0].status, Status::Pass, "{}", r.checks[0].summary);
    }

    #[test]
    fn web_identity_jwt_expiry_is_read_without_printing_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let claims = r#"{"exp":1000,"aud":"sts.amazonaws.com","iss":"https://oidc.example"}"#;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJlc2lnbmF0dXJl");
        std::fs::write(dir.path().join("token"), &token).unwrap();
        let e = env(&[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ]);
        let c = web_identity(&e, None, &RootFs::new(dir.path()));
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.scenario.map(ScenarioId::as_str),
            Some("web-identity-token-invalid")
        );
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains(&payload), "{json}");
    }

    #[test]
    fn container_full_uri_hosts_follow_botocore() {
        let fs = RootFs::new("/nonexistent");
        let c = container(
            &env(&[(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://10.0.0.5/creds",
            )]),
            &fs,
        );
        assert_eq!(c.status, Status::Fail);
        let c = container(
            &env(&[(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://169.254.170.23/v1/credentials",
            )]),
            &fs,
        );
        assert_eq!(c.status, Status::Warn, "{}", c.summary);
        let c = container(
            &env(&[(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:9000/creds",
            )]),
            &fs,
        );
        assert_eq!(c.status, Status::Pass);
    }
}
