//! `authdoctor scan`: CloudTrail logs at disk speed. Who was refused and why (each
//! failure group diagnosed by the same engine as `explain`), and which instances still
//! get role credentials through IMDSv1 (`ec2RoleDelivery` = `"1.0"`).
//!
//! - [`walk`]: inputs, the S3 export layout, pruning by path before opening.
//! - [`split`]: the streaming record splitter (envelope, bare array, JSON Lines).
//! - [`record`]: the borrowed record fields and the auth error codes.
//! - [`engine`]: the parallel one-pass fold into bounded aggregates.
//! - [`classify`]: scenario per message shape, facts, findings of the shared model.
//! - [`report`]: the JSON document of the CLI contract; [`render`]: human, Markdown, CSV.
//! - [`sql`]: the same report as Athena/Trino or CloudTrail Lake SQL.

pub mod classify;
pub mod corpus;
pub mod engine;
pub mod record;
pub mod render;
pub mod report;
pub mod split;
pub mod sql;
pub mod walk;

use std::path::PathBuf;
use std::sync::Mutex;

use jiff::Timestamp;
use rayon::prelude::*;

pub use report::ScanReport;

/// Default of `--max-groups`.
pub const DEFAULT_MAX_GROUPS: usize = 100_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub max_groups: usize,
    pub threads: usize,
    /// Set by [`Options::new`] from `since`/`until`: the record filter reads these.
    /// `since`/`until` as `eventTime` strings (`YYYY-MM-DDTHH:MM:SSZ`), compared as text.
    since_text: Option<String>,
    until_text: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            since: None,
            until: None,
            account: None,
            region: None,
            max_groups: DEFAULT_MAX_GROUPS,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            since_text: None,
            until_text: None,
        }
    }
}

/// `eventTime` form: second precision, `Z`.
pub fn event_time_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Options {
    pub fn new(
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        account: Option<String>,
        region: Option<String>,
    ) -> Options {
        Options {
            since,
            until,
            account,
            region,
            since_text: since.map(event_time_text),
            until_text: until.map(event_time_text),
            ..Options::default()
        }
    }

    /// Whether any record-level filter is set (then every record's fields are read).
    pub fn filters_records(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || self.account.is_some()
            || self.region.is_some()
    }

    /// Whether a record passes the filters. Records without the field pass the
    /// account filter (`recipientAccountId` is optional) but not a time window.
    pub fn keeps(
        &self,
        event_time: Option<&str>,
        region: Option<&str>,
        account: Option<&str>,
    ) -> bool {
        if let Some(since) = &self.since_text {
            match event_time {
                Some(t) if t >= since.as_str() => {}
                _ => return false,
            }
        }
        if let Some(until) = &self.until_text {
            match event_time {
                Some(t) if t <= until.as_str() => {}
                _ => return false,
            }
        }
        if let (Some(want), Some(have)) = (&self.region, region)
            && want != have
        {
            return false;
        }
        if let (Some(want), Some(have)) = (&self.account, account)
            && want != have
        {
            return false;
        }
        true
    }
}

/// Parses `--since`/`--until`: RFC 3339, or a duration back from `now` (`90m`, `24h`, `7d`).
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = number.parse().map_err(|_| {
        format!("`{text}` is neither RFC 3339 (2026-11-20T00:00:00Z) nor a duration like 24h or 7d")
    })?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use s, m, h, d or w)"
            ));
        }
    };
    let back = n
        .checked_mul(seconds)
        .and_then(|s| jiff::SignedDuration::from_secs(s).checked_neg())
        .ok_or_else(|| format!("`{text}` is too far back"))?;
    now.checked_add(back)
        .map_err(|_| format!("`{text}` is too far back"))
}

/// Why nothing could be scanned at all (exit code 2).
#[derive(Debug)]
pub struct NothingReadable(pub String);

impl std::fmt::Display for NothingReadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NothingReadable {}

/// Total size of the files a walk found, for a progress bar.
pub fn total_bytes(inputs: &[walk::Input]) -> u64 {
    inputs
        .iter()
        .map(|i| match i {
            walk::Input::File { size, .. } => *size,
            walk::Input::Stdin => 0,
        })
        .sum()
}

/// Scans every input; `progress` receives bytes read as they are read (from any thread).
pub fn scan(
    paths: &[PathBuf],
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
    on_walked: &dyn Fn(u64),
) -> Result<ScanReport, NothingReadable> {
    let found = walk::walk(paths, options);
    on_walked(total_bytes(&found.inputs));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| NothingReadable(format!("cannot start worker threads: {e}")))?;
    let skipped: Mutex<Vec<report::SkippedFile>> = Mutex::new(
        found
            .unreadable
            .iter()
            .map(|(path, error)| report::SkippedFile {
                path: path.clone(),
                error: error.clone(),
            })
            .collect(),
    );
    let (agg, files, bytes) = pool.install(|| {
        found
            .inputs
            .par_iter()
            .map(|input| match engine::read_input(input, options, progress) {
                engine::FileOutcome::Read(agg) => {
                    let size = match input {
                        walk::Input::File { size, .. } => *size,
                        walk::Input::Stdin => agg.uncompressed_bytes,
                    };
                    (agg, 1u64, size)
                }
                engine::FileOutcome::Skipped(error) => {
                    skipped
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(report::SkippedFile {
                            path: input.name(),
                            error,
                        });
                    (engine::Aggregate::default(), 0, 0)
                }
            })
            .reduce(
                || (engine::Aggregate::default(), 0, 0),
                |(mut a, fa, ba), (b, fb, bb)| {
                    a.merge(b, options.max_groups);
                    (a, fa + fb, ba + bb)
                },
            )
    });
    let mut skipped = skipped.into_inner().unwrap_or_else(|p| p.into_inner());
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    if files == 0 {
        let why = match skipped.first() {
            Some(first) => format!(
                "no input could be read ({} skipped; first: `{}`: {})",
                skipped.len(),
                authdoctor_redact::clean(&first.path),
                authdoctor_redact::clean(&first.error)
            ),
            None if found.pruned > 0 => {
                // Every file was outside the window: that is a valid, empty answer.
                return Ok(report::build(
                    agg,
                    report::Totals {
                        files: 0,
                        bytes: 0,
                        pruned: found.pruned,
                        skipped,
                        max_groups: options.max_groups,
                    },
                ));
            }
            None => "no CloudTrail log files found in the given paths (.json, .json.gz, .jsonl)"
                .to_owned(),
        };
        return Err(NothingReadable(why));
    }
    let skipped = skipped
        .into_iter()
        .map(|s| report::SkippedFile {
            path: authdoctor_redact::clean(&s.path).into_owned(),
            error: s.error,
        })
        .collect();
    Ok(report::build(
        agg,
        report::Totals {
            files,
            bytes,
            pruned: found.pruned,
            skipped,
            max_groups: options.max_groups,
        },
    ))
}

/// [`parse_time`] relative to the current time.
pub fn parse_time_now(text: &str) -> Result<Timestamp, String> {
    parse_time(text, Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_time("24h", now).unwrap(),
            "2026-12-03T12:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_time("7d", now).unwrap(),
            "2026-11-27T12:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_time("2026-11-01T00:00:00+01:00", now).unwrap(),
            "2026-10-31T23:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(parse_time("yesterday", now).is_err());
        assert!(parse_time("5y", now).is_err());
        assert!(parse_time("99999999999999d", now).is_err());
    }

    #[test]
    fn record_filters() {
        let o = Options::new(
            Some("2026-11-01T00:00:00Z".parse().unwrap()),
            Some("2026-11-01T23:59:59Z".parse().unwrap()),
            Some("111122223333".into()),
            None,
        );
        assert!(o.keeps(
            Some("2026-11-01T10:00:00Z"),
            Some("us-east-1"),
            Some("111122223333")
        ));
        assert!(
            o.keeps(Some("2026-11-01T10:00:00Z"), None, None),
            "no recipient account: kept"
        );
        assert!(!o.keeps(Some("2026-11-02T00:00:00Z"), None, None));
        assert!(
            !o.keeps(None, None, None),
            "no eventTime is outside any window"
        );
        assert!(!o.keeps(Some("2026-11-01T10:00:00Z"), None, Some("444455556666")));
    }
}
