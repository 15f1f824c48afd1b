//! The `files` group: the shared config and credentials files (or the files named by
//! `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`), their profiles, `source_profile`
//! chains, SSO sessions and the SSO token cache (`~/.aws/sso/cache/*.json`).
//!
//! Files are read through [`Fs`] with a size cap and parsed by [`crate::profile`]; every
//! problem is reported with its file and line. Values that could be secrets (keys,
//! cached SSO tokens) are never copied into a check.

use authdoctor_diagnosis::{Observation, Outcome};
use authdoctor_kb::CheckId;
use authdoctor_kb::ScenarioId;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::profile::{self, FileKind, Profile, ProfileFile, ProfileSet, Severity};
use crate::{Check, Env, Fs, Status, verdict};

/// The largest config or credentials file read (real ones are a few KiB).
const FILE_CAP: u64 = 1024 * 1024;
/// The largest SSO cache file read, and how many are looked at.
const SSO_FILE_CAP: u64 = 64 * 1024;
const SSO_FILES_MAX: usize = 200;

#[derive(Debug, Clone)]
pub(crate) enum FileState {
    Missing,
    Unreadable(String),
    Parsed(ProfileFile),
}

impl FileState {
    fn parsed(&self) -> Option<&ProfileFile> {
        match self {
            FileState::Parsed(f) => Some(f),
            _ => None,
        }
    }
}

/// Both files, loaded once and shared by the `files` and `chain` groups.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub home: Option<PathBuf>,
    pub config_path: Option<PathBuf>,
    pub credentials_path: Option<PathBuf>,
    pub config: FileState,
    pub credentials: FileState,
    pub set: ProfileSet,
    /// The profile most SDKs use: `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
    pub active: String,
    /// The variable that named it, if any.
    pub active_from: Option<&'static str>,
}

impl Loaded {
    pub fn active_profile(&self) -> Option<&Profile> {
        self.set.profiles.get(&self.active)
    }
}

fn expand(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

pub(crate) fn load(env: &Env, fs: &dyn Fs) -> Loaded {
    let home = env
        .get("HOME")
        .or_else(|| env.get("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let path_of = |var: &str, default: &str| {
        env.get(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| expand(v.trim(), home.as_deref()))
            .or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    let config_path = path_of("AWS_CONFIG_FILE", ".aws/config");
    let credentials_path = path_of("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    let read = |path: &Option<PathBuf>, kind| match path {
        None => FileState::Missing,
        Some(p) => match fs.read(p, FILE_CAP) {
            Ok(bytes) => FileState::Parsed(profile::parse(&String::from_utf8_lossy(&bytes), kind)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
            Err(e) => FileState::Unreadable(e.to_string()),
        },
    };
    let config = read(&config_path, FileKind::Config);
    let credentials = read(&credentials_path, FileKind::Credentials);
    let set = ProfileSet::merge(config.parsed(), credentials.parsed());
    let (active, active_from) =
        match ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
            .into_iter()
            .find_map(|v| {
                env.get(v)
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| (p.trim().to_owned(), v))
            }) {
            Some((p, v)) => (p, Some(v)),
            None => ("default".to_owned(), None),
        };
    Loaded {
        home,
        config_path,
        credentials_path,
        config,
        credentials,
        set,
        active,
        active_from,
    }
}

pub(crate) fn checks(loaded: &Loaded, env: &Env, fs: &dyn Fs) -> Vec<Check> {
    vec![
        config_check(loaded, env),
        credentials_check(loaded, env),
        sso_cache_check(loaded, fs),
    ]
}

fn shown(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| authdoctor_redact::clean(&p.display().to_string()).into_owned())
        .unwrap_or_else(|| "(no HOME)".to_owned())
}

/// Problems of one file as `(status, "file:line: message")`.
fn parse_problems(label: &str, file: &ProfileFile) -> Vec<(Status, String)> {
    file.issues
        .iter()
        .map(|i| {
            let status = match i.severity {
                Severity::Error => Status::Fail,
                Severity::Warning => Status::Warn,
            };
            (status, format!("{label}:{}: {}", i.line, i.message))
        })
        .collect()
}

fn line_of(profile: &Profile, key: &str) -> String {
    match profile.origin(key) {
        Some(o) => format!(
            "{}:{}",
            match o.file {
                FileKind::Config => "config",
                FileKind::Credentials => "credentials",
            },
            o.line
        ),
        None => "config".to_owned(),
    }
}

/// Role-chain, SSO and reference problems across the merged profiles.
fn semantic_problems(loaded: &Loaded) -> Vec<(Status, String, Option<ScenarioId>)> {
    let mut out = Vec::new();
    let set = &loaded.set;
    let chains = SourceChains::resolve(set);
    // Profiles some other profile takes its credentials from: not the head of a chain.
    let sources: std::collections::HashSet<&str> = set
        .profiles
        .iter()
        .filter_map(|(name, p)| p.get("source_profile").filter(|s| *s != name.as_str()))
        .collect();
    for (name, p) in &set.profiles {
        // Cleaned only when a problem names it: cleaning every name of a large file
        // costs more than all the rules together.
        let n = Clipped(name);
        let has_source = p.get("source_profile").is_some();
        let has_cred_source = p.get("credential_source").is_some();
        if p.get("role_arn").is_some()
            && !has_source
            && !has_cred_source
            && p.get("web_identity_token_file").is_none()
        {
            out.push((
                Status::Fail,
                format!("{}: profile `{n}` has role_arn but no source_profile, credential_source or web_identity_token_file", line_of(p, "role_arn")),
                None,
            ));
        }
        if has_source && has_cred_source {
            out.push((
                Status::Fail,
                format!("{}: profile `{n}` sets both source_profile and credential_source; botocore refuses that", line_of(p, "credential_source")),
                None,
            ));
        }
        if let Some(cs) = p.get("credential_source")
            && !["Environment", "Ec2InstanceMetadata", "EcsContainer"].contains(&cs)
        {
            out.push((
                Status::Fail,
                format!("{}: credential_source `{}` must be Environment, Ec2InstanceMetadata or EcsContainer", line_of(p, "credential_source"), clip(cs)),
                None,
            ));
        }
        if let Some(src) = p.get("source_profile") {
            if !set.profiles.contains_key(src) {
                out.push((
                    Status::Fail,
                    format!(
                        "{}: source_profile `{}` of profile `{n}` does not exist",
                        line_of(p, "source_profile"),
                        clip(src)
                    ),
                    None,
                ));
            } else {
                match chains.ends.get(name.as_str()) {
                    // Each loop once, at its first member.
                    Some(ChainEnd::Loop(i)) if chains.loops[*i].first() == Some(&name.as_str()) => {
                        out.push((
                            Status::Fail,
                            format!(
                                "{}: source_profile loop {}: botocore raises InfiniteLoopConfigError",
                                line_of(p, "source_profile"),
                                chains.describe_loop(*i)
                            ),
                            None,
                        ));
                    }
                    // Each over-long chain once, at its head.
                    Some(ChainEnd::Hops(hops))
                        if *hops > MAX_SOURCE_PROFILE_HOPS && !sources.contains(name.as_str()) =>
                    {
                        out.push((
                            Status::Warn,
                            format!(
                                "{}: source_profile chain longer than {MAX_SOURCE_PROFILE_HOPS} hops: profile `{n}` takes {hops} hops, one AssumeRole call each; botocore stops with RecursionError from 329 hops on",
                                line_of(p, "source_profile"),
                            ),
                            None,
                        ));
                    }
                    _ => {}
                }
            }
        }
        if let Some(session) = p.get("sso_session") {
            match set.sso_sessions.get(session) {
                None => out.push((
                    Status::Fail,
                    format!("{}: profile `{n}` names sso_session `{}`, but there is no [sso-session {}] section", line_of(p, "sso_session"), clip(session), clip(session)),
                    None,
                )),
                Some(s) => {
                    for key in ["sso_start_url", "sso_region"] {
                        if s.get(key).is_none() {
                            out.push((
                                Status::Fail,
                                format!("[sso-session {}] lacks {key}", clip(session)),
                                None,
                            ));
                        }
                    }
                }
            }
        }
        if p.get("sso_account_id").is_some() && p.get("sso_role_name").is_none() {
            out.push((
                Status::Fail,
                format!(
                    "{}: profile `{n}` has sso_account_id but no sso_role_name",
                    line_of(p, "sso_account_id")
                ),
                None,
            ));
        }
    }
    if let Some(var) = loaded.active_from
        && !set.profiles.contains_key(&loaded.active)
    {
        out.push((
            Status::Fail,
            format!("{var}={} but no file defines that profile: botocore and the AWS CLI stop with ProfileNotFound", clip(&loaded.active)),
            verdict::scenario_of(&[Observation::ProviderAttempt {
                provider: "profile".to_owned(),
                outcome: Outcome::NotFound,
            }]),
        ));
    }
    out
}

/// The longest `source_profile` chain that passes. Longer ones are followed to their end
/// all the same, and reported as "chain longer than N": each hop is one AssumeRole call,
/// and botocore resolves chains by recursion and stops with `RecursionError` from 329
/// hops on (botocore 1.44.5, Python 3.11, measured).
pub(crate) const MAX_SOURCE_PROFILE_HOPS: usize = 300;

/// Where following `source_profile` from a profile leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChainEnd {
    /// To a profile that names no source (or itself while holding keys), or a source
    /// that does not exist, after this many hops.
    Hops(usize),
    /// Into the loop with this index in [`SourceChains::loops`].
    Loop(usize),
}

/// Every profile's `source_profile` chain, resolved at once in time linear in the
/// number of profiles: each profile is walked once and its answer remembered.
struct SourceChains<'a> {
    ends: std::collections::HashMap<&'a str, ChainEnd>,
    /// Each loop's members in order, starting at its first name in sort order.
    loops: Vec<Vec<&'a str>>,
}

impl<'a> SourceChains<'a> {
    fn resolve(set: &'a ProfileSet) -> SourceChains<'a> {
        use std::collections::HashMap;
        // The next profile on the chain; `None` where the chain ends. A profile naming
        // itself while holding static keys is allowed (botocore uses the keys).
        let next_of = |name: &str| -> Option<&'a str> {
            let profile = set.profiles.get(name)?;
            let next = profile.get("source_profile")?;
            if next == name && profile.get("aws_access_key_id").is_some() {
                return None;
            }
            Some(next)
        };
        let mut ends: HashMap<&'a str, ChainEnd> = HashMap::with_capacity(set.profiles.len());
        let mut loops: Vec<Vec<&'a str>> = Vec::new();
        // The walk in progress: profiles whose answer waits for the next one's.
        let mut path: Vec<&'a str> = Vec::new();
        let mut on_path: HashMap<&'a str, usize> = HashMap::new();
        for start in set.profiles.keys() {
            if ends.contains_key(start.as_str()) {
                continue;
            }
            path.clear();
            on_path.clear();
            let mut current: &'a str = start.as_str();
            // The answer of the profile after the last one on `path`.
            let tail = loop {
                if let Some(end) = ends.get(current) {
                    break *end;
                }
                if let Some(&at) = on_path.get(current) {
                    let mut members = path.split_off(at);
                    let first = members
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, name)| **name)
                        .map_or(0, |(i, _)| i);
                    members.rotate_left(first);
                    let end = ChainEnd::Loop(loops.len());
                    for member in &members {
                        ends.insert(member, end);
                    }
                    loops.push(members);
                    break end;
                }
                match next_of(current) {
                    Some(next) if set.profiles.contains_key(next) => {
                        on_path.insert(current, path.len());
                        path.push(current);
                        current = next;
                    }
                    // The end of the chain (a missing source is reported on its own).
                    _ => {
                        ends.insert(current, ChainEnd::Hops(0));
                        break ChainEnd::Hops(0);
                    }
                }
            };
            let mut end = tail;
            for name in path.iter().rev() {
                end = match end {
                    ChainEnd::Hops(hops) => ChainEnd::Hops(hops + 1),
                    ChainEnd::Loop(i) => ChainEnd::Loop(i),
                };
                ends.insert(name, end);
            }
        }
        SourceChains { ends, loops }
    }

    /// `a → b → a`; long loops are shortened to their first and last members.
    fn describe_loop(&self, index: usize) -> String {
        let members = &self.loops[index];
        let names: Vec<String> = if members.len() <= 8 {
            members.iter().map(|m| clip(m)).collect()
        } else {
            let mut names: Vec<String> = members[..4].iter().map(|m| clip(m)).collect();
            names.push("…".to_owned());
            names.push(clip(members[members.len() - 1]));
            names
        };
        let mut text = format!("{} → {}", names.join(" → "), clip(members[0]));
        if members.len() > 8 {
            text.push_str(&format!(" ({} profiles)", members.len()));
        }
        text
    }
}

fn clip(text: &str) -> String {
    authdoctor_redact::clean(text).chars().take(60).collect()
}

/// Shows a name through [`clip`] when formatted, not before.
struct Clipped<'a>(&'a str);

impl std::fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&clip(self.0))
    }
}

fn summarise(check: &mut Check, problems: &[(Status, String)], ok: String) {
    let worst = problems
        .iter()
        .map(|(s, _)| *s)
        .max_by_key(|s| matches!(s, Status::Fail) as u8);
    match worst {
        None => check.summary = ok,
        Some(status) => {
            check.status = status;
            let shown: Vec<&str> = problems.iter().take(3).map(|(_, m)| m.as_str()).collect();
            let more = problems.len().saturating_sub(3);
            check.summary = authdoctor_redact::clean(&format!(
                "{}{}",
                shown.join("; "),
                if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                }
            ))
            .into_owned();
        }
    }
    check.evidence.insert(
        "problems".to_owned(),
        serde_json::Value::Array(
            problems
                .iter()
                .map(|(_, m)| serde_json::Value::String(authdoctor_redact::clean(m).into_owned()))
                .collect(),
        ),
    );
}

fn config_check(loaded: &Loaded, env: &Env) -> Check {
    let path = shown(&loaded.config_path);
    let check = Check::new(CheckId::FilesConfig, Status::Pass, "").ev("path", path.clone());
    let file = match &loaded.config {
        FileState::Missing => {
            let explicit = env.contains_key("AWS_CONFIG_FILE");
            let mut c = check;
            // A missing file breaks nothing unless a profile is asked for.
            let semantic = semantic_problems(loaded);
            if let Some((status, msg, scenario)) =
                semantic.into_iter().find(|(_, _, s)| s.is_some())
            {
                c.status = status;
                c.scenario = scenario;
                c.summary = msg;
                return c;
            }
            if explicit {
                c.status = Status::Warn;
                c.summary = format!("AWS_CONFIG_FILE points at {path}, which does not exist");
            } else {
                c.status = Status::Skip;
                c.summary = format!("no config file at {path}");
            }
            return c;
        }
        FileState::Unreadable(e) => {
            let mut c = check;
            c.status = Status::Fail;
            c.summary = format!("cannot read {path}: {e}");
            return c;
        }
        FileState::Parsed(f) => f,
    };
    let mut check = check;
    let mut problems = parse_problems("config", file);
    let mut scenario = None;
    for (status, msg, s) in semantic_problems(loaded) {
        problems.push((status, msg));
        scenario = scenario.or(s);
    }
    let profiles = file
        .sections
        .iter()
        .filter(|s| s.kind == profile::SectionKind::Profile)
        .count();
    check = check.ev("profiles", profiles as u64);
    summarise(
        &mut check,
        &problems,
        format!(
            "{path}: {profiles} profile(s), active profile `{}`",
            clip(&loaded.active)
        ),
    );
    if check.status == Status::Fail {
        check.scenario = scenario;
    }
    check
}

fn credentials_check(loaded: &Loaded, env: &Env) -> Check {
    let path = shown(&loaded.credentials_path);
    let mut check =
        Check::new(CheckId::FilesCredentials, Status::Pass, "").ev("path", path.clone());
    let file = match &loaded.credentials {
        FileState::Missing => {
            if env.contains_key("AWS_SHARED_CREDENTIALS_FILE") {
                check.status = Status::Warn;
                check.summary =
                    format!("AWS_SHARED_CREDENTIALS_FILE points at {path}, which does not exist");
            } else {
                check.status = Status::Skip;
                check.summary = format!("no credentials file at {path}");
            }
            return check;
        }
        FileState::Unreadable(e) => {
            check.status = Status::Fail;
            check.summary = format!("cannot read {path}: {e}");
            return check;
        }
        FileState::Parsed(f) => f,
    };
    let mut problems = parse_problems("credentials", file);
    let mut scenario = None;
    let mut with_keys = 0u64;
    for section in file
        .sections
        .iter()
        .filter(|s| s.kind == profile::SectionKind::Profile)
    {
        let key = section
            .get("aws_access_key_id")
            .map(|p| p.value.trim())
            .filter(|v| !v.is_empty());
        let secret = section
            .get("aws_secret_access_key")
            .is_some_and(|p| !p.value.trim().is_empty());
        let token = section
            .get("aws_session_token")
            .is_some_and(|p| !p.value.trim().is_empty());
        let name = clip(&section.name);
        match (key, secret) {
            (Some(k), true) => {
                with_keys += 1;
                if k.starts_with("ASIA") && !token {
                    let line = section
                        .get("aws_access_key_id")
                        .map(|p| p.line)
                        .unwrap_or(section.line);
                    problems.push((
                        Status::Fail,
                        format!("credentials:{line}: profile `{name}` has a temporary key {} without aws_session_token: AWS rejects it as InvalidClientTokenId", authdoctor_redact::shorten_key_id(k)),
                    ));
                    scenario = verdict::scenario_of(&[Observation::Credentials {
                        source: "shared-credentials-file".to_owned(),
                        state: "token-missing".to_owned(),
                    }]);
                }
            }
            (Some(_), false) => {
                let line = section
                    .get("aws_access_key_id")
                    .map(|p| p.line)
                    .unwrap_or(section.line);
                problems.push((
                    Status::Fail,
                    format!("credentials:{line}: profile `{name}` has aws_access_key_id without aws_secret_access_key: botocore stops with PartialCredentialsError"),
                ));
            }
            (None, true) => {
                let line = section
                    .get("aws_secret_access_key")
                    .map(|p| p.line)
                    .unwrap_or(section.line);
                problems.push((
                    Status::Fail,
                    format!("credentials:{line}: profile `{name}` has aws_secret_access_key without aws_access_key_id"),
                ));
            }
            (None, false) => {}
        }
    }
    check = check.ev("profiles_with_keys", with_keys);
    summarise(
        &mut check,
        &problems,
        format!("{path}: {with_keys} profile(s) with keys"),
    );
    if check.status == Status::Fail {
        check.scenario = scenario;
    }
    check
}

/// A cached SSO token's metadata (never the token itself).
#[derive(Debug, Clone)]
pub(crate) struct SsoToken {
    pub expires_at: jiff::Timestamp,
    pub refreshable: bool,
    pub file: String,
}

#[derive(Deserialize)]
struct CacheFile {
    #[serde(rename = "startUrl")]
    start_url: Option<String>,
    #[serde(rename = "expiresAt")]
    expires_at: Option<String>,
    #[serde(rename = "accessToken")]
    access_token: Option<serde::de::IgnoredAny>,
    #[serde(rename = "refreshToken")]
    refresh_token: Option<serde::de::IgnoredAny>,
}

/// The start URL the active profile signs in with, if it uses SSO.
pub(crate) fn sso_start_url(loaded: &Loaded) -> Option<String> {
    let p = loaded.active_profile()?;
    if let Some(session) = p.get("sso_session") {
        return loaded
            .set
            .sso_sessions
            .get(session)
            .and_then(|s| s.get("sso_start_url"))
            .map(str::to_owned);
    }
    p.get("sso_start_url").map(str::to_owned)
}

fn parse_cache_time(text: &str) -> Option<jiff::Timestamp> {
    let t = text.trim();
    // The AWS CLI v1 wrote `2026-01-01T00:00:00UTC`.
    let t = t
        .strip_suffix("UTC")
        .map(|s| format!("{s}Z"))
        .unwrap_or_else(|| t.to_owned());
    t.parse().ok()
}

/// The newest cached token for `start_url` in `~/.aws/sso/cache`.
pub(crate) fn sso_token(loaded: &Loaded, fs: &dyn Fs, start_url: &str) -> Option<SsoToken> {
    scan_sso_cache(loaded, fs, start_url).token
}

/// What the SSO token cache holds for one start URL.
struct SsoCacheScan {
    /// The newest token for the start URL.
    token: Option<SsoToken>,
    /// `name: why` of each `.json` file that could not be read (a FIFO, a device, too
    /// large, no permission): an SDK reading it would fail or hang.
    unreadable: Vec<String>,
}

fn scan_sso_cache(loaded: &Loaded, fs: &dyn Fs, start_url: &str) -> SsoCacheScan {
    let mut scan = SsoCacheScan {
        token: None,
        unreadable: Vec::new(),
    };
    let Some(dir) = loaded.home.as_ref().map(|h| h.join(".aws/sso/cache")) else {
        return scan;
    };
    let Ok(entries) = fs.list(&dir, SSO_FILES_MAX) else {
        return scan;
    };
    let file_name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let bytes = match fs.read(path, SSO_FILE_CAP) {
            Ok(bytes) => bytes,
            Err(e) => {
                // The file name, not the whole path: cache names are long hashes.
                scan.unreadable.push(format!(
                    "~/.aws/sso/cache/{}: {e}",
                    authdoctor_redact::clean(&file_name(path))
                ));
                continue;
            }
        };
        let token = (|| {
            let cache: CacheFile = serde_json::from_slice(&bytes).ok()?;
            cache.access_token.as_ref()?;
            if cache.start_url.as_deref()?.trim_end_matches('/') != start_url.trim_end_matches('/')
            {
                return None;
            }
            Some(SsoToken {
                expires_at: parse_cache_time(cache.expires_at.as_deref()?)?,
                refreshable: cache.refresh_token.is_some(),
                file: file_name(path),
            })
        })();
        if let Some(token) = token
            && scan
                .token
                .as_ref()
                .is_none_or(|best| token.expires_at > best.expires_at)
        {
            scan.token = Some(token);
        }
    }
    scan
}

fn sso_cache_check(loaded: &Loaded, fs: &dyn Fs) -> Check {
    let Some(url) = sso_start_url(loaded) else {
        return Check::skip(
            CheckId::FilesSsoCache,
            format!(
                "the active profile `{}` does not use IAM Identity Center (SSO)",
                clip(&loaded.active)
            ),
        );
    };
    let check = Check::new(CheckId::FilesSsoCache, Status::Pass, "").ev("start_url", url.clone());
    let login = format!("aws sso login --profile {}", clip(&loaded.active));
    let scan = scan_sso_cache(loaded, fs, &url);
    let sso = |state: &str| {
        [Observation::Credentials {
            source: "sso".to_owned(),
            state: state.to_owned(),
        }]
    };
    let check = match scan.token {
        None => Check {
            status: Status::Fail,
            summary: format!(
                "no cached SSO token for {} in ~/.aws/sso/cache: the profile cannot get credentials until you sign in",
                clip(&url)
            ),
            fix: Some(login),
            ..check.judged(&sso("missing"))
        },
        Some(token) => {
            let now = jiff::Timestamp::now();
            let check = check
                .ev("expires_at", token.expires_at.to_string())
                .ev("cache_file", token.file.clone());
            if token.expires_at > now {
                let left = token.expires_at.duration_since(now).unsigned_abs();
                Check {
                    summary: format!(
                        "the SSO token for {} is valid until {} ({} left)",
                        clip(&url),
                        token.expires_at,
                        crate::imds::human_duration(left)
                    ),
                    ..check
                }
            } else if token.refreshable {
                Check {
                    status: Status::Warn,
                    summary: format!(
                        "the SSO access token expired at {}; the SDKs will try its refresh token, and ask you to sign in again if that fails too",
                        token.expires_at
                    ),
                    fix: Some(login),
                    ..check.judged(&sso("expired"))
                }
            } else {
                Check {
                    status: Status::Fail,
                    summary: format!(
                        "the SSO token expired at {}: the SDKs report that the SSO session has expired",
                        token.expires_at
                    ),
                    fix: Some(login),
                    ..check.judged(&sso("expired"))
                }
            }
        }
    };
    with_unreadable_cache_files(check, &scan.unreadable)
}

/// Names the cache files that could not be read; a pass becomes a warning.
fn with_unreadable_cache_files(mut check: Check, unreadable: &[String]) -> Check {
    if unreadable.is_empty() {
        return check;
    }
    let shown: Vec<&str> = unreadable.iter().take(3).map(String::as_str).collect();
    let more = unreadable.len().saturating_sub(3);
    check.summary = authdoctor_redact::clean(&format!(
        "{}; could not read {}{}",
        check.summary,
        shown.join("; "),
        if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        }
    ))
    .into_owned();
    if check.status == Status::Pass {
        check.status = Status::Warn;
    }
    check.evidence.insert(
        "unreadable_cache_files".to_owned(),
        serde_json::Value::from(unreadable.to_vec()),
    );
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RootFs;

    fn setup(config: &str, credentials: &str) -> (tempfile::TempDir, Env) {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join("home/u/.aws");
        std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
        std::fs::write(aws.join("config"), config).unwrap();
        std::fs::write(aws.join("credentials"), credentials).unwrap();
        let mut env = Env::new();
        env.insert("HOME".into(), "/home/u".into());
        (dir, env)
    }

    #[test]
    fn cycles_and_missing_sources_are_reported_with_lines() {
        let (dir, env) = setup(
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = nope\n",
            "",
        );
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = config_check(&loaded, &env);
        assert_eq!(c.status, Status::Fail);
        let problems = c.evidence["problems"].to_string();
        assert!(
            problems.contains("config:3: source_profile loop a → b → a"),
            "{problems}"
        );
        assert!(
            problems.contains("config:9: source_profile `nope`"),
            "{problems}"
        );
    }

    #[test]
    fn self_reference_with_keys_is_fine() {
        let (dir, env) = setup(
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n",
            "[a]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        );
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        assert_eq!(config_check(&loaded, &env).status, Status::Pass);
        let c = credentials_check(&loaded, &env);
        assert_eq!(c.status, Status::Pass, "{}", c.summary);
        assert!(!serde_json::to_string(&c).unwrap().contains("wJalr"));
    }

    #[test]
    fn partial_keys_and_missing_profile_fail() {
        let (dir, mut env) = setup("", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n");
        env.insert("AWS_PROFILE".into(), "ghost".into());
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = credentials_check(&loaded, &env);
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("credentials:2:"), "{}", c.summary);
        let c = config_check(&loaded, &env);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.scenario.map(ScenarioId::as_str), Some("no-credentials"));
    }

    #[test]
    fn sso_cache_expiry() {
        let (dir, env) = setup(
            "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
            "",
        );
        let cache = dir.path().join("home/u/.aws/sso/cache");
        std::fs::write(
            cache.join("a.json"),
            r#"{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"SECRETTOKENVALUE","expiresAt":"2020-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = sso_cache_check(&loaded, &fs);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.scenario.map(ScenarioId::as_str),
            Some("sso-session-expired")
        );
        assert!(
            !serde_json::to_string(&c)
                .unwrap()
                .contains("SECRETTOKENVALUE")
        );
        std::fs::write(
            cache.join("b.json"),
            r#"{"startUrl":"https://corp.awsapps.com/start","accessToken":"x","expiresAt":"2999-01-01T00:00:00UTC"}"#,
        )
        .unwrap();
        assert_eq!(sso_cache_check(&loaded, &fs).status, Status::Pass);
    }

    /// `[profile p0]` → `p1` → … → `p{hops}`, which holds static keys.
    fn chain_config(hops: usize) -> (String, String) {
        let mut config = String::new();
        for i in 0..hops {
            config.push_str(&format!(
                "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
                i + 1
            ));
        }
        let credentials = format!(
            "[p{hops}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        );
        (config, credentials)
    }

    #[test]
    fn long_chains_without_a_cycle_are_not_loops() {
        for hops in [62, 63, 64, 65, 100, MAX_SOURCE_PROFILE_HOPS] {
            let (config, credentials) = chain_config(hops);
            let (dir, env) = setup(&config, &credentials);
            let fs = RootFs::new(dir.path());
            let loaded = load(&env, &fs);
            let c = config_check(&loaded, &env);
            assert_eq!(c.status, Status::Pass, "{hops} hops: {}", c.summary);
        }
    }

    #[test]
    fn chains_beyond_the_cap_are_named_as_too_long() {
        let hops = MAX_SOURCE_PROFILE_HOPS + 5;
        let (config, credentials) = chain_config(hops);
        let (dir, env) = setup(&config, &credentials);
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = config_check(&loaded, &env);
        assert_eq!(c.status, Status::Warn, "{}", c.summary);
        assert!(
            c.summary.contains(&format!(
                "source_profile chain longer than {MAX_SOURCE_PROFILE_HOPS} hops"
            )),
            "{}",
            c.summary
        );
        assert!(c.summary.contains(&format!("{hops} hops")), "{}", c.summary);
        assert!(!c.summary.contains("loop"), "{}", c.summary);
        // Reported once, at the head of the chain, not once per profile on it.
        assert_eq!(c.evidence["problems"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn a_cycle_at_the_end_of_a_long_chain_is_still_a_loop() {
        let (mut config, _) = chain_config(200);
        config
            .push_str("[profile p200]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = p150\n");
        let (dir, env) = setup(&config, "");
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = config_check(&loaded, &env);
        assert_eq!(c.status, Status::Fail);
        let problems = c.evidence["problems"].to_string();
        assert!(
            problems.contains("source_profile loop p150 → p151"),
            "{problems}"
        );
        assert!(!problems.contains("longer than"), "{problems}");
        // One report for the one loop, not one per profile that leads into it.
        assert_eq!(
            problems.matches("source_profile loop").count(),
            1,
            "{problems}"
        );
    }

    #[test]
    fn oversized_files_are_refused_not_read() {
        let big = "#".repeat(2 * 1024 * 1024);
        let (dir, env) = setup(&big, "");
        let fs = RootFs::new(dir.path());
        let loaded = load(&env, &fs);
        let c = config_check(&loaded, &env);
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("cannot read"), "{}", c.summary);
    }
}
