//! What the emulator saw: counters (like the `MetadataNoToken` CloudWatch metric) and a
//! bounded log of recent requests, so tests can assert *how* a client got its answer
//! (for example that it fell back to IMDSv1). Token values are never recorded.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Called once per request after it was answered or abandoned.
pub type RequestSink = Arc<dyn Fn(&RequestRecord) + Send + Sync>;

/// How a GET presented itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// No `X-aws-ec2-metadata-token` header: an IMDSv1 request.
    Absent,
    /// A token this emulator issued and that has not expired.
    Valid,
    /// A token that has expired (by the emulated clock).
    Expired,
    /// A header with anything else in it.
    Invalid,
    /// Not a metadata read (token PUTs, other methods) or not looked at (a fault answered first).
    NotApplicable,
}

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// Real (not emulated) time the request arrived.
    pub at: SystemTime,
    pub method: String,
    /// Path and query, truncated to 256 characters.
    pub path: String,
    pub token: TokenUse,
    /// `None` when the emulator never answered (hop limit, blackhole) or reset the connection.
    pub status: Option<u16>,
    /// The fault that shaped the answer, if one did.
    pub fault: Option<&'static str>,
}

/// Counters since start. Connection-level faults (`blackhole`) count connections, not requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// TCP connections accepted (including blackholed ones).
    pub connections: u64,
    /// Connections accepted and never read (`blackhole`).
    pub blackholed_connections: u64,
    /// Connections closed because no complete request head arrived in time.
    pub head_timeouts: u64,
    /// Connections closed to make room for a new one at the connection cap (or when out
    /// of file descriptors): the oldest that was not being answered.
    pub shed_connections: u64,
    /// HTTP requests read.
    pub requests: u64,
    /// `PUT /latest/api/token` received (whatever the answer).
    pub token_puts: u64,
    /// Tokens handed out (200 on the token PUT).
    pub tokens_issued: u64,
    /// GET/HEAD without a token header (IMDSv1), whatever answered (faults included).
    pub v1_requests: u64,
    /// IMDSv1 GET/HEAD answered with 200 (the `MetadataNoToken` metric).
    pub v1_served: u64,
    /// IMDSv1 GET/HEAD refused with 401 (the `MetadataNoTokenRejected` metric).
    pub v1_rejected: u64,
    /// GET/HEAD with a valid token.
    pub v2_requests: u64,
    /// GET/HEAD with an expired or invalid token.
    pub bad_token_requests: u64,
    /// Role credential documents served with 200 (`…/security-credentials/<role>`,
    /// including error and garbage bodies).
    pub credential_fetches: u64,
    /// Requests read and deliberately never answered (`hop-limit`).
    pub unanswered: u64,
    /// Answers by HTTP status.
    pub by_status: BTreeMap<u16, u64>,
}

impl Stats {
    /// How many answers had this status.
    pub fn status(&self, code: u16) -> u64 {
        self.by_status.get(&code).copied().unwrap_or(0)
    }
}

const LOG_CAPACITY: usize = 4096;

#[derive(Default)]
pub(crate) struct Recorder {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    stats: Stats,
    log: VecDeque<RequestRecord>,
}

impl Recorder {
    pub(crate) fn update(&self, f: impl FnOnce(&mut Stats)) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut inner.stats);
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(status) = record.status {
            *inner.stats.by_status.entry(status).or_insert(0) += 1;
        }
        if inner.log.len() == LOG_CAPACITY {
            inner.log.pop_front();
        }
        inner.log.push_back(record);
    }

    pub(crate) fn stats(&self) -> Stats {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stats
            .clone()
    }

    pub(crate) fn log(&self) -> Vec<RequestRecord> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .log
            .iter()
            .cloned()
            .collect()
    }
}
