//! Which files to read: arguments expanded (directories walked recursively), CloudTrail
//! siblings that hold no events skipped, and files outside the requested window,
//! account or region pruned by their S3 key (`AWSLogs/[o-…/]<account>/CloudTrail/
//! <region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_….json.gz`)
//! before they are opened.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::Options;

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File { path: PathBuf, size: u64 },
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_owned(),
            Input::File { path, .. } => path.display().to_string(),
        }
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    pub inputs: Vec<Input>,
    /// Arguments that could not be read at all, with why.
    pub unreadable: Vec<(String, String)>,
    /// Files skipped by their path (window, account, region) without being opened.
    pub pruned: u64,
}

/// Directory names under a trail prefix that never hold events.
const NOT_EVENTS: &[&str] = &["CloudTrail-Digest", "CloudTrail-Insight"];

/// Files a directory walk picks up; a file named on the command line is always read.
fn looks_like_log(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

pub fn walk(paths: &[PathBuf], options: &Options) -> Walk {
    let mut walk = Walk::default();
    for path in paths {
        if path.as_os_str() == "-" {
            walk.inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, options, &mut walk, 0),
            Ok(meta) => {
                if keep_by_path(path, options) {
                    walk.inputs.push(Input::File {
                        path: path.clone(),
                        size: meta.len(),
                    });
                } else {
                    walk.pruned += 1;
                }
            }
            Err(e) => walk
                .unreadable
                .push((path.display().to_string(), e.to_string())),
        }
    }
    walk
}

/// Deeper than any real layout; stops symlink loops.
const MAX_DEPTH: usize = 32;

fn walk_dir(dir: &Path, options: &Options, walk: &mut Walk, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            walk.unreadable
                .push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if NOT_EVENTS.contains(&name.as_ref()) || name.starts_with('.') {
                continue;
            }
            if prune_dir(&path, options) {
                walk.pruned += 1;
                continue;
            }
            walk_dir(&path, options, walk, depth + 1);
        } else if looks_like_log(&name) && !name.contains("_CloudTrail-Digest_") {
            if keep_by_path(&path, options) {
                walk.inputs.push(Input::File {
                    path,
                    size: meta.len(),
                });
            } else {
                walk.pruned += 1;
            }
        }
    }
}

/// What an S3 key says about its file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyParts {
    pub account: Option<String>,
    pub region: Option<String>,
    /// The delivery day from `YYYY/MM/DD`.
    pub day: Option<(i16, i8, i8)>,
    /// The delivery time from the file name, `YYYYMMDDTHHmmZ`.
    pub delivered: Option<Timestamp>,
}

pub fn key_parts(path: &Path) -> KeyParts {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut out = KeyParts::default();
    if let Some(at) = parts.iter().position(|p| p == "CloudTrail") {
        if at >= 1 && is_account(&parts[at - 1]) {
            out.account = Some(parts[at - 1].clone());
        }
        out.region = parts.get(at + 1).filter(|r| !r.contains('.')).cloned();
        let num = |i: usize| parts.get(at + i).and_then(|s| s.parse::<i64>().ok());
        if let (Some(y), Some(m), Some(d)) = (num(2), num(3), num(4))
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
        {
            out.day = Some((y as i16, m as i8, d as i8));
        }
    }
    // `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
    if let Some(name) = parts.last() {
        let fields: Vec<&str> = name.split('_').collect();
        if fields.len() >= 5 && fields[1] == "CloudTrail" {
            if out.account.is_none() && is_account(fields[0]) {
                out.account = Some(fields[0].to_owned());
            }
            if out.region.is_none() {
                out.region = Some(fields[2].to_owned());
            }
            out.delivered = parse_compact_time(fields[3]);
        }
    }
    out
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `20230710T1220Z`
fn parse_compact_time(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:00Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13]
    );
    iso.parse().ok()
}

const DAY_SECONDS: i64 = 86_400;

/// Whether a file may hold records inside the filters. Conservative: the key's date is
/// the delivery time, and a file holds events from before it, so `--since` prunes
/// only files delivered before the window opens, and `--until` only files delivered
/// more than a day after it closes.
fn keep_by_path(path: &Path, options: &Options) -> bool {
    let key = key_parts(path);
    if let (Some(want), Some(have)) = (&options.account, &key.account)
        && want != have
    {
        return false;
    }
    if let (Some(want), Some(have)) = (&options.region, &key.region)
        && want != have
    {
        return false;
    }
    if let Some(delivered) = key.delivered {
        return within(delivered.as_second(), delivered.as_second(), options);
    }
    if let Some(day) = key.day {
        return day_within(day, options);
    }
    true
}

fn day_start(day: (i16, i8, i8)) -> Option<i64> {
    let date = jiff::civil::Date::new(day.0, day.1, day.2).ok()?;
    Some(
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_second(),
    )
}

fn day_within(day: (i16, i8, i8), options: &Options) -> bool {
    match day_start(day) {
        Some(start) => within(start, start + DAY_SECONDS, options),
        None => true,
    }
}

/// Delivered somewhere in `[from, to]` (seconds): may it hold events in the window?
fn within(from: i64, to: i64, options: &Options) -> bool {
    if let Some(since) = options.since
        && to < since.as_second()
    {
        return false;
    }
    if let Some(until) = options.until
        && from > until.as_second() + DAY_SECONDS
    {
        return false;
    }
    true
}

/// A directory of the layout whose account, region or day is outside the filters.
fn prune_dir(dir: &Path, options: &Options) -> bool {
    let parts: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(at) = parts.iter().position(|p| p == "CloudTrail") else {
        // `AWSLogs/<account>` before `CloudTrail` is known: prune on the account.
        if let (Some(want), Some(last)) = (&options.account, parts.last())
            && parts.len() >= 2
            && (parts[parts.len() - 2] == "AWSLogs" || parts[parts.len() - 2].starts_with("o-"))
            && is_account(last)
            && want != last
        {
            return true;
        }
        return false;
    };
    let depth_after = parts.len() - 1 - at;
    if depth_after >= 1
        && let Some(want) = &options.region
        && &parts[at + 1] != want
    {
        return true;
    }
    if depth_after == 4 {
        let num = |i: usize| parts[at + i].parse::<i64>().ok();
        if let (Some(y), Some(m), Some(d)) = (num(2), num(3), num(4))
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
        {
            return !day_within((y as i16, m as i8, d as i8), options);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_of_an_organization_trail_key() {
        let p = Path::new(
            "b/AWSLogs/o-1234abcde/222222222222/CloudTrail/us-east-1/2025/03/06/222222222222_CloudTrail_us-east-1_20250306T0005Z_AbCd.json.gz",
        );
        let k = key_parts(p);
        assert_eq!(k.account.as_deref(), Some("222222222222"));
        assert_eq!(k.region.as_deref(), Some("us-east-1"));
        assert_eq!(k.day, Some((2025, 3, 6)));
        assert_eq!(k.delivered, Some("2025-03-06T00:05:00Z".parse().unwrap()));
    }

    #[test]
    fn pruning_is_conservative_about_delivery_time() {
        let mut o = Options::default();
        let p = Path::new("x/111111111111_CloudTrail_eu-west-1_20250306T0005Z_AbCd.json.gz");
        o.since = Some("2025-03-06T00:00:00Z".parse().unwrap());
        assert!(keep_by_path(p, &o), "delivered after since");
        o.since = Some("2025-03-06T00:06:00Z".parse().unwrap());
        assert!(
            !keep_by_path(p, &o),
            "delivered before since: only older events"
        );
        o.since = None;
        o.until = Some("2025-03-05T12:00:00Z".parse().unwrap());
        assert!(keep_by_path(p, &o), "late delivery of events before until");
        o.until = Some("2025-03-04T00:00:00Z".parse().unwrap());
        assert!(!keep_by_path(p, &o));
        o.until = None;
        o.region = Some("us-east-1".into());
        assert!(!keep_by_path(p, &o));
        o.region = None;
        o.account = Some("111111111111".into());
        assert!(keep_by_path(p, &o));
    }
}
