//! One pass over every input: decompress, split into records, parse only the records
//! that can matter, and fold them into bounded aggregates.
//!
//! A record matters when it has `"errorCode"` or `"ec2RoleDelivery"` somewhere in its
//! bytes (found for a whole batch with one `memmem` pass each); the typed parse then
//! decides whether the field is the record's own (a nested `errorCode` inside
//! `requestParameters` is not). Every other record is only counted, unless a window,
//! account or region filter needs its `eventTime`, `awsRegion` or
//! `recipientAccountId`. Files run in parallel; a large file is split into batches of
//! whole records that other threads parse while this one decompresses the next.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use memchr::memmem;

use crate::Options;
use crate::record::{Minimal, Record, is_auth_failure, is_excluded};
use crate::split::{Splitter, Step};
use crate::walk::Input;

/// Bytes read from the decompressor per call.
const READ_CHUNK: usize = 1 << 20;
/// A batch of whole records handed to another thread once it is this large.
const BATCH_BYTES: usize = 4 << 20;
/// Distinct values kept per set (source addresses, user agents, services).
pub const SET_CAP: usize = 10;

/// A small set of distinct strings that stops growing at [`SET_CAP`].
#[derive(Debug, Clone, Default)]
pub struct BoundedSet {
    pub items: Vec<String>,
    /// Whether more distinct values were seen than kept.
    pub more: bool,
}

impl BoundedSet {
    pub fn insert(&mut self, value: Option<&str>) {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return;
        };
        if self.items.iter().any(|v| v == value) {
            return;
        }
        if self.items.len() < SET_CAP {
            self.items.push(value.to_owned());
        } else {
            self.more = true;
        }
    }

    fn merge(&mut self, other: BoundedSet) {
        self.more |= other.more;
        for item in other.items {
            self.insert(Some(&item));
        }
    }
}

/// First and last `eventTime` seen (ISO 8601 UTC strings compare in time order).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub first: String,
    pub last: String,
}

impl Seen {
    fn update(&mut self, time: Option<&str>) {
        let Some(time) = time.filter(|t| !t.is_empty()) else {
            return;
        };
        if self.first.is_empty() || time < self.first.as_str() {
            self.first = time.to_owned();
        }
        if self.last.is_empty() || time > self.last.as_str() {
            self.last = time.to_owned();
        }
    }

    fn merge(&mut self, other: &Seen) {
        self.update(Some(&other.first));
        self.update(Some(&other.last));
    }
}

/// Failed calls with the same code, call, caller and message shape.
#[derive(Debug, Clone, Default)]
pub struct FailureStats {
    pub error_code: String,
    pub event_source: String,
    pub event_name: String,
    pub principal: String,
    /// The message with names, accounts and blobs normalised ([`crate::classify`]).
    pub message_shape: String,
    /// The calls were signed with IMDSv1-delivered role credentials.
    pub imdsv1: bool,
    pub count: u64,
    pub seen: Seen,
    pub source_ips: BoundedSet,
    pub user_agents: BoundedSet,
    pub example_event_id: String,
    pub example_message: String,
    pub region: String,
    pub account: String,
}

/// Calls signed with one IMDSv1-delivered access key.
#[derive(Debug, Clone, Default)]
pub struct ImdsStats {
    /// The raw key id; masked in every output.
    pub access_key_id: String,
    pub principal: String,
    pub role: String,
    pub account: String,
    pub region: String,
    pub count: u64,
    pub denied: u64,
    pub seen: Seen,
    pub event_sources: BoundedSet,
    pub user_agents: BoundedSet,
    pub source_ips: BoundedSet,
}

/// Everything one pass learns; merged across batches and files.
#[derive(Debug, Default)]
pub struct Aggregate {
    pub records: u64,
    /// Values that are not CloudTrail records (no `eventTime`, not an object, invalid).
    pub malformed: u64,
    /// Records outside `--since/--until/--account/--region`.
    pub filtered_out: u64,
    pub uncompressed_bytes: u64,
    pub failures: HashMap<String, FailureStats>,
    /// Failure records not grouped because the group cap was reached.
    pub failures_over_cap: u64,
    /// (error code, reason) → count, for refusals that are not policy decisions.
    pub excluded: HashMap<(String, String), u64>,
    pub imdsv1: HashMap<String, ImdsStats>,
    pub imdsv1_over_cap: u64,
    pub role_delivery_v1_calls: u64,
    pub role_delivery_v2_calls: u64,
}

impl Aggregate {
    pub fn merge(&mut self, other: Aggregate, max_groups: usize) {
        self.records += other.records;
        self.malformed += other.malformed;
        self.filtered_out += other.filtered_out;
        self.uncompressed_bytes += other.uncompressed_bytes;
        self.failures_over_cap += other.failures_over_cap;
        self.imdsv1_over_cap += other.imdsv1_over_cap;
        self.role_delivery_v1_calls += other.role_delivery_v1_calls;
        self.role_delivery_v2_calls += other.role_delivery_v2_calls;
        for (key, n) in other.excluded {
            *self.excluded.entry(key).or_default() += n;
        }
        for (key, stats) in other.failures {
            let room = self.failures.len() < max_groups;
            match self.failures.get_mut(&key) {
                Some(mine) => {
                    mine.count += stats.count;
                    mine.seen.merge(&stats.seen);
                    mine.source_ips.merge(stats.source_ips);
                    mine.user_agents.merge(stats.user_agents);
                }
                None if room => {
                    self.failures.insert(key, stats);
                }
                None => self.failures_over_cap += stats.count,
            }
        }
        for (key, stats) in other.imdsv1 {
            let room = self.imdsv1.len() < max_groups;
            match self.imdsv1.get_mut(&key) {
                Some(mine) => {
                    mine.count += stats.count;
                    mine.denied += stats.denied;
                    mine.seen.merge(&stats.seen);
                    mine.event_sources.merge(stats.event_sources);
                    mine.user_agents.merge(stats.user_agents);
                    mine.source_ips.merge(stats.source_ips);
                }
                None if room => {
                    self.imdsv1.insert(key, stats);
                }
                None => self.imdsv1_over_cap += stats.count,
            }
        }
    }
}

/// The needles of the batch pre-filter, built once.
struct Needles {
    error_code: memmem::Finder<'static>,
    role_delivery: memmem::Finder<'static>,
    event_time: memmem::Finder<'static>,
}

fn needles() -> &'static Needles {
    static NEEDLES: std::sync::OnceLock<Needles> = std::sync::OnceLock::new();
    NEEDLES.get_or_init(|| Needles {
        error_code: memmem::Finder::new(b"\"errorCode\""),
        role_delivery: memmem::Finder::new(b"\"ec2RoleDelivery\""),
        event_time: memmem::Finder::new(b"\"eventTime\""),
    })
}

/// Positions of `finder` in `data`, ascending.
struct Hits<'a> {
    iter: memmem::FindIter<'a, 'a>,
    next: Option<usize>,
}

impl<'a> Hits<'a> {
    fn new(finder: &'a memmem::Finder<'static>, data: &'a [u8]) -> Hits<'a> {
        let mut iter = finder.find_iter(data);
        let next = iter.next();
        Hits { iter, next }
    }

    /// Whether a hit falls inside `range`; hits before it are dropped.
    fn within(&mut self, range: &Range<usize>) -> bool {
        while let Some(at) = self.next {
            if at >= range.end {
                return false;
            }
            if at >= range.start {
                return true;
            }
            self.next = self.iter.next();
        }
        false
    }
}

/// Folds the records of one batch into `agg`.
pub fn process_batch(data: &[u8], ranges: &[Range<usize>], options: &Options, agg: &mut Aggregate) {
    let needles = needles();
    let mut errors = Hits::new(&needles.error_code, data);
    let mut deliveries = Hits::new(&needles.role_delivery, data);
    let mut times = Hits::new(&needles.event_time, data);
    let filtering = options.filters_records();
    for range in ranges {
        if data[range.start] != b'{' || !times.within(range) {
            agg.malformed += 1;
            continue;
        }
        let has_error = errors.within(range);
        let has_delivery = deliveries.within(range);
        let bytes = &data[range.clone()];
        if !has_error && !has_delivery {
            if filtering {
                match serde_json::from_slice::<Minimal>(bytes) {
                    Ok(m) => {
                        if options.keeps(
                            m.event_time.as_deref(),
                            m.aws_region.as_deref(),
                            m.recipient_account_id.as_deref(),
                        ) {
                            agg.records += 1;
                        } else {
                            agg.filtered_out += 1;
                        }
                    }
                    Err(_) => agg.malformed += 1,
                }
            } else {
                agg.records += 1;
            }
            continue;
        }
        let record = match serde_json::from_slice::<Record>(bytes) {
            Ok(record) => record,
            Err(_) => {
                agg.malformed += 1;
                continue;
            }
        };
        if filtering
            && !options.keeps(
                record.event_time.as_deref(),
                record.aws_region.as_deref(),
                record.recipient_account_id.as_deref(),
            )
        {
            agg.filtered_out += 1;
            continue;
        }
        agg.records += 1;
        fold_record(&record, options, agg);
    }
}

fn fold_record(record: &Record, options: &Options, agg: &mut Aggregate) {
    let delivery = record.delivery();
    let imdsv1 = delivery == Some("1.0");
    let failed = record.error_code.as_deref().filter(|c| is_auth_failure(c));
    if let Some(code) = failed {
        let message = record.error_message.as_deref();
        if let Some(reason) = is_excluded(message) {
            *agg.excluded
                .entry((code.to_owned(), reason.to_owned()))
                .or_default() += 1;
        } else {
            fold_failure(record, code, imdsv1, options, agg);
        }
    }
    match delivery {
        Some("1.0") => {
            agg.role_delivery_v1_calls += 1;
            fold_imdsv1(record, failed.is_some(), options, agg);
        }
        Some(_) => agg.role_delivery_v2_calls += 1,
        None => {}
    }
}

fn text(t: Option<&str>) -> String {
    t.unwrap_or("").to_owned()
}

fn fold_failure(record: &Record, code: &str, imdsv1: bool, options: &Options, agg: &mut Aggregate) {
    let source = record.event_source.as_deref().unwrap_or("");
    let name = record.event_name.as_deref().unwrap_or("");
    let principal = record.principal();
    let message = record.error_message.as_deref().unwrap_or("");
    let shape = crate::classify::message_shape(message);
    let key = format!(
        "{code}\u{1f}{source}\u{1f}{name}\u{1f}{principal}\u{1f}{shape}\u{1f}{}",
        u8::from(imdsv1)
    );
    let at_cap = agg.failures.len() >= options.max_groups;
    let stats = match agg.failures.get_mut(&key) {
        Some(stats) => stats,
        None if at_cap => {
            agg.failures_over_cap += 1;
            return;
        }
        None => agg.failures.entry(key).or_insert_with(|| FailureStats {
            error_code: code.to_owned(),
            event_source: source.to_owned(),
            event_name: name.to_owned(),
            principal: principal.to_owned(),
            message_shape: shape,
            imdsv1,
            example_event_id: text(record.event_id.as_deref()),
            example_message: message.to_owned(),
            region: text(record.aws_region.as_deref()),
            account: text(
                record.recipient_account_id.as_deref().or(record
                    .user_identity
                    .as_ref()
                    .and_then(|u| u.account_id.as_deref())),
            ),
            ..FailureStats::default()
        }),
    };
    stats.count += 1;
    stats.seen.update(record.event_time.as_deref());
    stats.source_ips.insert(record.source_ip.as_deref());
    stats.user_agents.insert(record.user_agent.as_deref());
}

fn fold_imdsv1(record: &Record, denied: bool, options: &Options, agg: &mut Aggregate) {
    let identity = record.user_identity.as_ref();
    let key_id = identity
        .and_then(|u| u.access_key_id.as_deref())
        .filter(|k| !k.is_empty());
    let principal = record.principal();
    // Without a key id (CloudTrail may omit it), the session stands in for it.
    let key = match key_id {
        Some(k) => k.to_owned(),
        None => format!("\u{1f}{principal}"),
    };
    let at_cap = agg.imdsv1.len() >= options.max_groups;
    let stats = match agg.imdsv1.get_mut(&key) {
        Some(stats) => stats,
        None if at_cap => {
            agg.imdsv1_over_cap += 1;
            return;
        }
        None => agg.imdsv1.entry(key).or_insert_with(|| ImdsStats {
            access_key_id: text(key_id),
            principal: principal.to_owned(),
            role: text(
                identity
                    .and_then(|u| u.session_context.as_ref())
                    .and_then(|c| c.session_issuer.as_ref())
                    .and_then(|i| i.arn.as_deref()),
            ),
            account: text(
                identity
                    .and_then(|u| u.account_id.as_deref())
                    .or(record.recipient_account_id.as_deref()),
            ),
            region: text(record.aws_region.as_deref()),
            ..ImdsStats::default()
        }),
    };
    stats.count += 1;
    stats.denied += u64::from(denied);
    stats.seen.update(record.event_time.as_deref());
    stats.event_sources.insert(record.event_source.as_deref());
    stats.user_agents.insert(record.user_agent.as_deref());
    stats.source_ips.insert(record.source_ip.as_deref());
}

/// How reading one input ended.
#[derive(Debug)]
pub enum FileOutcome {
    Read(Aggregate),
    Skipped(String),
}

/// Gzip streams start with these two bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads one input to the end; a file that fails part-way contributes nothing (its
/// partial aggregate is dropped) and is reported with the reason.
pub fn read_input(
    input: &Input,
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> FileOutcome {
    let result = match input {
        Input::Stdin => read_any(io::stdin().lock(), options),
        Input::File { path, .. } => match File::open(path) {
            Ok(file) => read_any(
                CountingReader {
                    inner: file,
                    progress,
                },
                options,
            ),
            Err(e) => Err(format!("cannot open: {e}")),
        },
    };
    match result {
        Ok(agg) => FileOutcome::Read(agg),
        Err(e) => FileOutcome::Skipped(e),
    }
}

/// Reports compressed bytes as they are read, for the progress bar.
struct CountingReader<'a, R> {
    inner: R,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

fn read_any(mut reader: impl Read, options: &Options) -> Result<Aggregate, String> {
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read: {e}")),
        }
    }
    if got == 0 {
        return Err("empty file".to_owned());
    }
    let head_reader = io::Cursor::new(head[..got].to_vec()).chain(reader);
    if got == 2 && head == GZIP_MAGIC {
        let decoder =
            flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 18, head_reader));
        read_json(decoder, options, true)
    } else {
        read_json(head_reader, options, false)
    }
}

/// Streams JSON through the splitter, batching whole records.
fn read_json(mut reader: impl Read, options: &Options, gzip: bool) -> Result<Aggregate, String> {
    let in_flight = AtomicUsize::new(0);
    let finished: Mutex<Vec<Aggregate>> = Mutex::new(Vec::new());
    let limit = options.threads.max(1) * 2;
    let mut own = Aggregate::default();
    let mut total_bytes: u64 = 0;
    let mut values = 0u64;
    let mut non_space = false;
    let result: Result<(), String> = rayon::in_place_scope(|scope| {
        let mut buf: Vec<u8> = Vec::with_capacity(256 << 10);
        let mut splitter = Splitter::default();
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let mut eof = false;
        let mut first = true;
        loop {
            let step = splitter.step(&buf, eof)?;
            match step {
                Step::Record(range) => {
                    values += 1;
                    ranges.push(range);
                }
                Step::Done => break,
                Step::NeedMore => {
                    let complete = ranges.last().map_or(0, |r| r.end);
                    if complete >= BATCH_BYTES {
                        // Hand the whole records to another thread, keep the tail.
                        let keep = complete;
                        let mut rest = Vec::with_capacity(READ_CHUNK * 2 + (buf.len() - keep));
                        rest.extend_from_slice(&buf[keep..]);
                        let mut batch = std::mem::replace(&mut buf, rest);
                        batch.truncate(keep);
                        splitter.shift(keep);
                        let batch_ranges = std::mem::take(&mut ranges);
                        if in_flight.load(Ordering::Acquire) < limit {
                            in_flight.fetch_add(1, Ordering::AcqRel);
                            let (finished, in_flight) = (&finished, &in_flight);
                            scope.spawn(move |_| {
                                let mut agg = Aggregate::default();
                                process_batch(&batch, &batch_ranges, options, &mut agg);
                                finished.lock().unwrap_or_else(|p| p.into_inner()).push(agg);
                                in_flight.fetch_sub(1, Ordering::AcqRel);
                            });
                        } else {
                            process_batch(&batch, &batch_ranges, options, &mut own);
                        }
                    } else if ranges.is_empty() {
                        // Nothing complete yet: drop what the splitter no longer needs.
                        let keep = splitter.keep_from();
                        if keep > READ_CHUNK {
                            buf.drain(..keep);
                            splitter.shift(keep);
                        }
                    }
                    let before = buf.len();
                    let read = (&mut reader)
                        .take(READ_CHUNK as u64)
                        .read_to_end(&mut buf)
                        .map_err(|e| read_error(&e, gzip))?;
                    total_bytes += read as u64;
                    if !non_space {
                        non_space = buf[before..]
                            .iter()
                            .any(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
                    }
                    if first && before == 0 && read >= 3 && buf.starts_with(b"\xEF\xBB\xBF") {
                        // A byte-order mark, as some Windows tools write.
                        buf.drain(..3);
                    }
                    first = false;
                    if read == 0 {
                        eof = true;
                    }
                }
            }
        }
        process_batch(&buf, &ranges, options, &mut own);
        Ok(())
    });
    result?;
    for agg in finished.into_inner().unwrap_or_else(|p| p.into_inner()) {
        own.merge(agg, options.max_groups);
    }
    own.uncompressed_bytes = total_bytes;
    if !non_space {
        return Err("empty file".to_owned());
    }
    if values > 0 && own.records == 0 && own.filtered_out == 0 {
        return Err(format!(
            "no CloudTrail records: {} JSON value(s) of another shape (a digest or other non-event file?)",
            own.malformed
        ));
    }
    Ok(own)
}

fn read_error(e: &io::Error, gzip: bool) -> String {
    if gzip {
        match e.kind() {
            io::ErrorKind::UnexpectedEof => {
                "truncated gzip: the compressed stream ends early".to_owned()
            }
            _ => format!("corrupt gzip: {e}"),
        }
    } else {
        format!("cannot read: {e}")
    }
}
