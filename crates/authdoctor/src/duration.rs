//! The one reader of duration flags: `check --timeout`, `decode --timeout`,
//! `emulate imds --delay`, `--hop-limit-reset-after` and `--clock-offset` all go through
//! [`read_seconds`], so the same text means the same thing everywhere.
//!
//! Accepted: a sequence of decimal numbers with units — `500ms`, `2s`, `1.5s`, `1m`,
//! `1m30s`, `2h`, `1d` — or a bare number of seconds (`3`, `1.5`). Waits ([`parse`],
//! [`timeout`]) are at most ten minutes: every such flag bounds how long something waits,
//! and longer is always a typo. A clock offset ([`offset`]) may carry a sign and reach
//! ten years.

use std::time::Duration;

/// The longest wait any flag accepts.
pub const MAX_WAIT: Duration = Duration::from_secs(600);
/// The largest clock offset, in seconds (the emulator's own bound).
const MAX_OFFSET_SECS: f64 = 10.0 * 366.0 * 86_400.0;

const EXAMPLES: &str = "e.g. `2s`, `500ms`, `1.5s`, `1m30s`, or seconds";

fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Seconds, from an unsigned duration text; `None` when it is not one.
fn read_seconds(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut first = true;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        // Digits with at most one point; no signs, exponents or words.
        if number.is_empty() || number.len() > 12 || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let seconds_per_unit = match unit {
            "" if first && next.is_empty() => 1.0,
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3_600.0,
            "d" => 86_400.0,
            _ => return None,
        };
        first = false;
        total += value * seconds_per_unit;
        rest = next;
    }
    total.is_finite().then_some(total)
}

/// A wait from zero to [`MAX_WAIT`] (a delay may be zero).
pub fn parse(text: &str) -> Result<Duration, String> {
    let seconds = read_seconds(text)
        .ok_or_else(|| format!("`{}` is not a duration ({EXAMPLES})", shown(text)))?;
    if seconds > MAX_WAIT.as_secs_f64() {
        return Err(format!(
            "`{}` is too long a duration: at most 10m",
            shown(text)
        ));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("`{}` is not a duration ({EXAMPLES})", shown(text)))
}

/// A time budget: like [`parse`], but zero is refused (nothing could finish in it).
pub fn timeout(text: &str) -> Result<Duration, String> {
    let duration = parse(text)?;
    if duration.is_zero() {
        return Err(format!(
            "`{}` is no time budget: the duration must be more than zero",
            shown(text)
        ));
    }
    Ok(duration)
}

/// A signed clock offset in whole seconds, e.g. `-10m`, `+400s`, `2h`, `1d`.
pub fn offset(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let (sign, magnitude) = match trimmed.as_bytes().first() {
        Some(b'-') => (-1.0, &trimmed[1..]),
        Some(b'+') => (1.0, &trimmed[1..]),
        _ => (1.0, trimmed),
    };
    let seconds = read_seconds(magnitude).ok_or_else(|| {
        format!(
            "`{}` is not a duration for a clock offset (e.g. `-10m`, `+400s`, `2h`, `1d`)",
            shown(text)
        )
    })?;
    if seconds > MAX_OFFSET_SECS {
        return Err(format!(
            "`{}` is too long a duration for a clock offset: at most 10 years either way",
            shown(text)
        ));
    }
    // In range by the check above, so the conversion is exact for whole seconds.
    Ok((sign * seconds.round()) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units_sequences_and_bare_seconds() {
        for (text, millis) in [
            ("2s", 2_000),
            ("500ms", 500),
            ("1.5s", 1_500),
            ("1.5", 1_500),
            ("3", 3_000),
            ("1m", 60_000),
            ("1m30s", 90_000),
            (" 2s ", 2_000),
            ("10m", 600_000),
            ("0", 0),
        ] {
            assert_eq!(parse(text).map(|d| d.as_millis()), Ok(millis), "{text}");
        }
    }

    #[test]
    fn refuses_signs_words_exponents_and_the_out_of_range() {
        for text in [
            "",
            "soon",
            "-1s",
            "+1s",
            "1e400",
            "1x",
            "1.2.3s",
            "11m",
            "1h",
            "s",
            "2 s",
            "1s2",
            "inf",
            "NaN",
            "999999999999999s",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
        assert!(timeout("0s").is_err());
        assert!(timeout("0").is_err());
        assert_eq!(timeout("1m"), Ok(Duration::from_secs(60)));
    }

    #[test]
    fn offsets_are_signed_whole_seconds_up_to_ten_years() {
        for (text, secs) in [
            ("-10m", -600),
            ("+400s", 400),
            ("90", 90),
            ("2h", 7_200),
            ("-1d", -86_400),
            ("1m30s", 90),
            ("-1.5m", -90),
        ] {
            assert_eq!(offset(text), Ok(secs), "{text}");
        }
        for text in ["", "-", "10x", "m", "--1", "99999999999999999", "3700d"] {
            assert!(offset(text).is_err(), "{text:?}");
        }
    }
}
