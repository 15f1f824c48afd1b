//! The emulated clock: the real clock plus an adjustable offset, so a test can simulate
//! a skewed instance (`Date` headers, credential times) or jump ahead to expire tokens.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub(crate) fn new(offset_secs: i64) -> Self {
        Clock {
            offset_secs: AtomicI64::new(offset_secs),
        }
    }

    pub(crate) fn set_offset(&self, offset_secs: i64) {
        self.offset_secs.store(offset_secs, Ordering::Relaxed);
    }

    pub(crate) fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Emulated Unix time in whole seconds.
    pub(crate) fn now(&self) -> i64 {
        real_now().saturating_add(self.offset())
    }
}

/// The real Unix time in whole seconds.
pub(crate) fn real_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn timestamp(secs: i64) -> jiff::Timestamp {
    // Offsets are bounded by validation; clamp anyway rather than fail.
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// `Mon, 23 Nov 2026 08:50:52 GMT` (RFC 9110 IMF-fixdate, as in `Date` headers).
pub(crate) fn http_date(secs: i64) -> String {
    timestamp(secs)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// `2026-11-23T08:50:52Z`, the format of `Expiration` and `LastUpdated`.
pub(crate) fn iso8601(secs: i64) -> String {
    timestamp(secs).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(iso8601(1_795_423_852), "2026-11-23T08:50:52Z");
        assert_eq!(http_date(1_795_423_852), "Mon, 23 Nov 2026 08:50:52 GMT");
    }

    #[test]
    fn offset_moves_the_clock() {
        let clock = Clock::new(-600);
        let delta = real_now() - clock.now();
        assert!((599..=601).contains(&delta), "{delta}");
        clock.set_offset(3600);
        assert_eq!(clock.offset(), 3600);
    }
}
