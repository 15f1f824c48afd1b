//! The server: accept loops on loopback listeners, one hyper HTTP/1 connection per client
//! (`Connection: close`, as the real service), request routing and fault injection.
//!
//! Limits, so no client can make the emulator allocate without bound or starve the others:
//! at most `max_connections` connections are open at once; a request head is at most
//! 8 KiB (hyper's smallest buffer) and must be complete within [`HEAD_READ_TIMEOUT`] of
//! the connection's start, however slowly its bytes trickle in; request bodies are never
//! read; held connections (`blackhole`, `hop-limit`) end when the client closes, after 10
//! minutes, or at shutdown; the request log keeps only the most recent 4096 entries.
//!
//! Fairness under a slowloris: a new connection is always accepted. At the cap (or when
//! the process is out of file descriptors) the oldest connection that is not being
//! answered — still waiting for its request head, or held by a fault — is closed to make
//! room, so a flood of slow sockets only ever evicts itself while well-behaved clients,
//! whose heads arrive at once, are answered.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, SystemTime};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError, oneshot, watch};

use crate::MAX_TOKEN_TTL_SECONDS;
use crate::clock::{Clock, http_date, iso8601, real_now};
use crate::config::{ConfigError, EmulatorConfig, HttpTokens};
use crate::documents::Context;
use crate::fault::Fault;
use crate::http::{Body, Ec2Reply, TOKEN_HEADER, TOKEN_TTL_HEADER, proxy_reply, xhtml_error};
use crate::stats::{Recorder, RequestRecord, Stats, TokenUse};
use crate::token::{Check, TokenMint};

/// Time from the connection's start to a complete request head. Real clients send the
/// head in one write; a few seconds leave room for a loaded machine.
pub const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_HOLD: Duration = Duration::from_secs(600);
const MAX_LOGGED_PATH: usize = 256;

struct Shared {
    config: RwLock<Arc<EmulatorConfig>>,
    clock: Clock,
    mint: TokenMint,
    recorder: Recorder,
    /// Emulated time at start: the instance's launch time.
    launched: i64,
    connections: Arc<Semaphore>,
    sheddable: Sheddable,
}

/// The open connections that are not being answered (waiting for their request head, or
/// held by a fault), by age: the ones to close first when room is needed.
#[derive(Default)]
struct Sheddable {
    next_id: AtomicU64,
    /// Connection id (increasing with age) → the signal that closes it.
    waiting: Mutex<BTreeMap<u64, Arc<Notify>>>,
}

impl Sheddable {
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Notify>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, id: u64, close: Arc<Notify>) {
        self.waiting().insert(id, close);
    }

    fn remove(&self, id: u64) {
        self.waiting().remove(&id);
    }

    /// Signals the oldest waiting connection to close; false when there is none.
    fn shed_oldest(&self) -> bool {
        let oldest = self.waiting().pop_first();
        match oldest {
            Some((_, close)) => {
                close.notify_one();
                true
            }
            None => false,
        }
    }

    /// Like [`Sheddable::shed_oldest`], but never the most recent connection: the one
    /// just accepted, which is waiting for room itself.
    fn shed_oldest_except_newest(&self) -> bool {
        let mut waiting = self.waiting();
        if waiting.len() < 2 {
            return false;
        }
        match waiting.pop_first() {
            Some((_, close)) => {
                close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// One connection's place among the sheddable ones; leaves it when dropped.
struct ConnectionSlot {
    shared: Arc<Shared>,
    id: u64,
    close: Arc<Notify>,
    head_received: AtomicBool,
}

impl ConnectionSlot {
    fn new(shared: Arc<Shared>) -> Arc<ConnectionSlot> {
        let id = shared.sheddable.new_id();
        let close = Arc::new(Notify::new());
        shared.sheddable.insert(id, close.clone());
        Arc::new(ConnectionSlot {
            shared,
            id,
            close,
            head_received: AtomicBool::new(false),
        })
    }

    /// A request head arrived: the connection is being answered and must not be shed.
    fn answering(&self) {
        self.head_received.store(true, Ordering::Relaxed);
        self.shared.sheddable.remove(self.id);
    }

    /// The answer is withheld on purpose (hop limit): sheddable again, by its age.
    fn holding(&self) {
        self.shared.sheddable.insert(self.id, self.close.clone());
    }

    fn head_received(&self) -> bool {
        self.head_received.load(Ordering::Relaxed)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.shared.sheddable.remove(self.id);
    }
}

/// A configured emulator: the state shared by every connection. Cheap to clone.
///
/// Use [`Emulator::start`] from synchronous code, or [`Emulator::new`] +
/// [`Emulator::serve`] inside a tokio runtime.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("config", &self.config())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Validates `config` and prepares the state; nothing listens yet.
    pub fn new(config: EmulatorConfig) -> Result<Emulator, ConfigError> {
        config.validate()?;
        let clock = Clock::new(config.clock_offset_secs);
        let launched = clock.now();
        let connections = Arc::new(Semaphore::new(config.max_connections));
        Ok(Emulator {
            shared: Arc::new(Shared {
                config: RwLock::new(Arc::new(config)),
                clock,
                mint: TokenMint::new(),
                recorder: Recorder::default(),
                launched,
                connections,
                sheddable: Sheddable::default(),
            }),
        })
    }

    /// Binds every `config.listen` address (loopback only) and serves on a thread of its own
    /// with its own current-thread tokio runtime, until [`RunningEmulator::shutdown`] or drop.
    ///
    /// Clients may connect as soon as this returns. With the `refused` fault the port is
    /// bound and released again, so connecting to [`RunningEmulator::base_url`] is refused.
    pub fn start(config: EmulatorConfig) -> io::Result<RunningEmulator> {
        let emulator = Emulator::new(config).map_err(invalid_input)?;
        let config = emulator.config();
        let mut listeners = Vec::new();
        let mut addrs = Vec::new();
        for addr in &config.listen {
            let listener = bind(*addr)?;
            addrs.push(listener.local_addr()?);
            listeners.push(listener);
        }
        if config.has(Fault::Refused) {
            // Nothing must listen on the port: release it now.
            listeners.clear();
        }
        // Runtime and listeners are set up here, so any failure reaches the caller.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listeners = {
            let _context = runtime.enter();
            listeners
                .into_iter()
                .map(TcpListener::from_std)
                .collect::<io::Result<Vec<_>>>()?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = emulator.clone();
        let thread = std::thread::Builder::new()
            .name("authdoctor-imds".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = runner
                        .serve(listeners, async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        Ok(RunningEmulator {
            emulator,
            addrs,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Serves on `listeners` until `shutdown` completes, then closes every connection.
    ///
    /// Refuses listeners that are not on a loopback address. With the `refused` fault the
    /// listeners are closed at once and this waits for `shutdown`.
    pub async fn serve<F>(&self, listeners: Vec<TcpListener>, shutdown: F) -> io::Result<()>
    where
        F: Future<Output = ()>,
    {
        for listener in &listeners {
            crate::config::check_loopback(&listener.local_addr()?).map_err(invalid_input)?;
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        if self.config().has(Fault::Refused) {
            drop(listeners);
            shutdown.await;
            return Ok(());
        }
        let mut loops = Vec::new();
        for listener in listeners {
            loops.push(tokio::spawn(accept_loop(
                self.shared.clone(),
                listener,
                stop_rx.clone(),
            )));
        }
        shutdown.await;
        let _ = stop_tx.send(true);
        for handle in loops {
            let _ = handle.await;
        }
        Ok(())
    }

    /// Counters since start.
    pub fn stats(&self) -> Stats {
        self.shared.recorder.stats()
    }

    /// The most recent requests (up to 4096), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.recorder.log()
    }

    /// A snapshot of the configuration in force.
    pub fn config(&self) -> EmulatorConfig {
        EmulatorConfig::clone(&self.current())
    }

    fn current(&self) -> Arc<EmulatorConfig> {
        self.shared
            .config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the faults for requests from now on (e.g. to test that a client's IMDSv1
    /// fallback is sticky). `refused` only takes effect at start; switched on later,
    /// new connections are reset instead.
    pub fn set_faults(&self, faults: Vec<Fault>) {
        let mut guard = self
            .shared
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut config = EmulatorConfig::clone(&guard);
        config.faults = faults;
        *guard = Arc::new(config);
    }

    /// Moves the emulated clock: `Date` headers, credential times and token expiry.
    /// Jumping ahead by more than a token's TTL expires it.
    pub fn set_clock_offset(&self, offset_secs: i64) {
        self.shared.clock.set_offset(offset_secs);
    }

    /// The emulated time now, as `2026-11-23T08:50:52Z`.
    pub fn emulated_now(&self) -> String {
        iso8601(self.shared.clock.now())
    }
}

/// Serves `config` on `listener` forever (until the task is dropped): the plain form of
/// [`Emulator::serve`].
pub async fn serve(listener: TcpListener, config: EmulatorConfig) -> io::Result<()> {
    let emulator = Emulator::new(config).map_err(invalid_input)?;
    emulator
        .serve(vec![listener], std::future::pending::<()>())
        .await
}

/// Binds a loopback address for the emulator (non-blocking, ready for
/// `tokio::net::TcpListener::from_std`). Anything but loopback is refused.
pub fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    crate::config::check_loopback(&addr).map_err(invalid_input)?;
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

fn invalid_input(error: ConfigError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error)
}

/// An emulator serving on its own thread. Stops on [`RunningEmulator::shutdown`] or drop.
pub struct RunningEmulator {
    emulator: Emulator,
    addrs: Vec<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addrs", &self.addrs)
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT` (or `http://[::1]:PORT`) of the first listen address: the
    /// value for `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn base_url(&self) -> String {
        self.base_urls().into_iter().next().unwrap_or_default()
    }

    /// One base URL per listen address, in `config.listen` order.
    pub fn base_urls(&self) -> Vec<String> {
        self.addrs.iter().map(|a| format!("http://{a}")).collect()
    }

    /// The bound addresses (ports resolved).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The shared emulator handle (stats, runtime changes).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Counters since start.
    pub fn stats(&self) -> Stats {
        self.emulator.stats()
    }

    /// The most recent requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.emulator.requests()
    }

    /// See [`Emulator::set_faults`].
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.emulator.set_faults(faults);
    }

    /// See [`Emulator::set_clock_offset`].
    pub fn set_clock_offset(&self, offset_secs: i64) {
        self.emulator.set_clock_offset(offset_secs);
    }

    /// Stops serving, closes every connection and joins the server thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: free one by shedding the oldest
                // waiting connection, and back off instead of spinning.
                if shared.sheddable.shed_oldest() {
                    shared.recorder.update(|s| s.shed_connections += 1);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        // Sheddable from this moment: a burst of slow sockets accepted before their
        // tasks first run must already be candidates for the next one's room.
        let slot = ConnectionSlot::new(shared.clone());
        let Some(permit) = make_room(&shared, &mut stop).await else {
            return;
        };
        shared.recorder.update(|s| s.connections += 1);
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            connection(shared, slot, stream, stop).await;
            drop(permit);
        });
    }
}

/// A connection permit for a client just accepted. At the cap the oldest connection that
/// is not being answered is closed to make room; while every connection is being
/// answered, this waits for one to finish (answers take milliseconds) and looks again.
/// `None` at shutdown.
async fn make_room(
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
) -> Option<OwnedSemaphorePermit> {
    loop {
        match shared.connections.clone().try_acquire_owned() {
            Ok(permit) => return Some(permit),
            Err(TryAcquireError::Closed) => return None,
            Err(TryAcquireError::NoPermits) => {}
        }
        // The newest connection (the one being admitted) is never the oldest while any
        // other is sheddable; if it is the only one, it waits like the others.
        if shared.sheddable.shed_oldest_except_newest() {
            shared.recorder.update(|s| s.shed_connections += 1);
        }
        tokio::select! {
            permit = shared.connections.clone().acquire_owned() => return permit.ok(),
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = stop.changed() => return None,
        }
    }
}

async fn connection(
    shared: Arc<Shared>,
    slot: Arc<ConnectionSlot>,
    stream: TcpStream,
    mut stop: watch::Receiver<bool>,
) {
    let config = current(&shared);
    if config.has(Fault::Refused) {
        // Switched on after start: the closest thing to a refusal is an immediate reset.
        let _ = stream.set_zero_linger();
        return;
    }
    if config.has(Fault::Blackhole) {
        // Held without a head deadline (the client under test waits for an answer that
        // never comes), but sheddable when room is needed.
        shared.recorder.update(|s| s.blackholed_connections += 1);
        tokio::select! {
            _ = drain(stream) => {}
            _ = stop.changed() => {}
            _ = slot.close.notified() => {}
            _ = tokio::time::sleep(MAX_HOLD) => {}
        }
        return;
    }
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResetOnDrop {
        stream,
        reset: reset.clone(),
    });
    let service_shared = shared.clone();
    let service_slot = slot.clone();
    let service = service_fn(move |request| {
        service_slot.answering();
        handle(
            service_shared.clone(),
            service_slot.clone(),
            reset.clone(),
            request,
        )
    });
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        // A backstop only: the deadline below is the one that counts.
        .header_read_timeout(HEAD_READ_TIMEOUT * 2)
        .keep_alive(false)
        .title_case_headers(true)
        .max_buf_size(8192)
        .serve_connection(io, service);
    // Counted from the connection's start, so neither silence nor a trickle of bytes
    // extends it.
    let head_deadline = async {
        tokio::time::sleep(HEAD_READ_TIMEOUT).await;
        if slot.head_received() {
            std::future::pending::<()>().await;
        }
        shared.recorder.update(|s| s.head_timeouts += 1);
    };
    let limit = config.slow_delay + MAX_HOLD;
    tokio::select! {
        _ = served => {}
        _ = stop.changed() => {}
        _ = slot.close.notified() => {}
        _ = head_deadline => {}
        _ = tokio::time::sleep(limit) => {}
    }
}

/// Reads and discards until the client closes: a blackholed connection never answers, but
/// must not pin a task after the client gave up. Memory stays at one small buffer.
async fn drain(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn current(shared: &Shared) -> Arc<EmulatorConfig> {
    shared
        .config
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The error that makes hyper drop a connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (emulated fault)")]
struct Hangup;

enum Outcome {
    Reply(Response<Body>),
    /// Never answer (the hop limit ate the answer).
    Hang,
}

async fn handle(
    shared: Arc<Shared>,
    slot: Arc<ConnectionSlot>,
    reset: Arc<AtomicBool>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Hangup> {
    let config = current(&shared);
    shared.recorder.update(|s| s.requests += 1);
    let mut record = RequestRecord {
        at: SystemTime::now(),
        method: request.method().as_str().chars().take(16).collect(),
        path: request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .chars()
            .take(MAX_LOGGED_PATH)
            .collect(),
        token: TokenUse::NotApplicable,
        status: None,
        fault: None,
    };
    if config.has(Fault::Slow) {
        tokio::time::sleep(config.slow_delay).await;
        record.fault = Some(Fault::Slow.name());
    }
    match route(&shared, &config, &request, &mut record) {
        Outcome::Reply(response) => {
            record.status = Some(response.status().as_u16());
            finish(&shared, &config, record);
            Ok(response)
        }
        Outcome::Hang => {
            shared.recorder.update(|s| s.unanswered += 1);
            finish(&shared, &config, record);
            slot.holding();
            match config.hop_limit_reset_after {
                Some(after) => {
                    tokio::time::sleep(after).await;
                    reset.store(true, Ordering::Relaxed);
                    Err(Hangup)
                }
                None => std::future::pending().await,
            }
        }
    }
}

fn finish(shared: &Shared, config: &EmulatorConfig, record: RequestRecord) {
    if let Some(sink) = &config.request_sink {
        sink(&record);
    }
    shared.recorder.record(record);
}

fn route(
    shared: &Shared,
    config: &EmulatorConfig,
    request: &Request<Incoming>,
    record: &mut RequestRecord,
) -> Outcome {
    let method = request.method();
    let head = method == Method::HEAD;
    let now = shared.clock.now();
    let date = http_date(now);
    let reply = |r: Ec2Reply| Outcome::Reply(r.render(date.clone(), head));

    let path = request.uri().path();
    let metadata_read =
        (method == Method::GET || method == Method::HEAD) && path != "/latest/api/token";
    // Classify the token first, so the counters describe every read, whatever answers it.
    // The header's presence marks an IMDSv2 request.
    let check = request
        .headers()
        .get(TOKEN_HEADER)
        .filter(|_| metadata_read)
        .map(|value| shared.mint.check(value.as_bytes(), now));
    if metadata_read {
        record.token = match check {
            None => TokenUse::Absent,
            Some(Check::Valid { .. }) => TokenUse::Valid,
            Some(Check::Expired) => TokenUse::Expired,
            Some(Check::Invalid) => TokenUse::Invalid,
        };
        let token = record.token;
        shared.recorder.update(|s| match token {
            TokenUse::Absent => s.v1_requests += 1,
            TokenUse::Valid => s.v2_requests += 1,
            _ => s.bad_token_requests += 1,
        });
    }

    // A proxy in the way answers before IMDS is ever reached.
    for (fault, status) in [
        (Fault::Proxy, 403),
        (Fault::Proxy407, 407),
        (Fault::Proxy502, 502),
    ] {
        if config.has(fault) {
            record.fault = Some(fault.name());
            return Outcome::Reply(proxy_reply(status, http_date(real_now())));
        }
    }
    if config.has(Fault::Disabled) {
        record.fault = Some(Fault::Disabled.name());
        return reply(Ec2Reply::new(403, xhtml_error(403)));
    }
    if config.has(Fault::Throttle) {
        record.fault = Some(Fault::Throttle.name());
        return reply(Ec2Reply::empty(429));
    }

    if path == "/latest/api/token" {
        return token_endpoint(shared, config, request, record, now, &date);
    }
    if method == Method::PUT && is_versioned_token_path(path) {
        // Documented: tokens are only issued at /latest/api/token; versioned paths get 403.
        return reply(Ec2Reply::new(403, xhtml_error(403)));
    }
    if !metadata_read {
        // Not documented; metadata items are read-only.
        return reply(Ec2Reply::empty(405).header("allow", "GET, HEAD"));
    }

    let v1_only =
        config.has(Fault::V1Only) || config.has(Fault::V1Only404) || config.has(Fault::V1Only405);
    let tokens_required =
        config.has(Fault::V2Required) || (config.http_tokens == HttpTokens::Required && !v1_only);
    let mut ttl_header = None;
    match check {
        Some(Check::Valid { remaining }) => ttl_header = Some(remaining),
        Some(_) => {
            if tokens_required || config.reject_invalid_token_when_optional {
                return reply(Ec2Reply::empty(401));
            }
        }
        None => {
            if tokens_required {
                shared.recorder.update(|s| s.v1_rejected += 1);
                if config.has(Fault::V2Required) {
                    record.fault = Some(Fault::V2Required.name());
                }
                return reply(Ec2Reply::empty(401));
            }
        }
    }

    let context = Context {
        config,
        now,
        launched: shared.launched,
    };
    let mut answer = match context.lookup(path) {
        Some(document) => {
            let v1 = record.token == TokenUse::Absent;
            let credentials = document.role_credentials;
            shared.recorder.update(|s| {
                if v1 {
                    s.v1_served += 1;
                }
                if credentials {
                    s.credential_fetches += 1;
                }
            });
            if credentials {
                for fault in [
                    Fault::TrustBroken,
                    Fault::Garbage,
                    Fault::ExpiredCredentials,
                ] {
                    if config.has(fault) {
                        record.fault = Some(fault.name());
                    }
                }
            }
            let mut r = Ec2Reply::new(200, document.body);
            r.content_type = document.content_type;
            r.last_modified = Some(http_date(shared.launched));
            r
        }
        None => {
            if config.has(Fault::NoRole) && path.contains("/meta-data/iam") {
                record.fault = Some(Fault::NoRole.name());
            }
            Ec2Reply::new(404, xhtml_error(404))
        }
    };
    if let Some(remaining) = ttl_header {
        answer
            .extra
            .insert(0, (TOKEN_TTL_HEADER, remaining.to_string()));
    }
    reply(answer)
}

fn token_endpoint(
    shared: &Shared,
    config: &EmulatorConfig,
    request: &Request<Incoming>,
    record: &mut RequestRecord,
    now: i64,
    date: &str,
) -> Outcome {
    let method = request.method();
    let reply = |r: Ec2Reply| Outcome::Reply(r.render(date.to_owned(), method == Method::HEAD));
    if method == Method::OPTIONS {
        return reply(Ec2Reply::empty(200).header("allow", "OPTIONS, PUT"));
    }
    if method != Method::PUT {
        // Real trace: 405, `Allow: OPTIONS, PUT`, empty body.
        return reply(Ec2Reply::empty(405).header("allow", "OPTIONS, PUT"));
    }
    shared.recorder.update(|s| s.token_puts += 1);
    if request.headers().contains_key("x-forwarded-for") {
        return reply(Ec2Reply::new(403, xhtml_error(403)));
    }
    for (fault, status) in [
        (Fault::V1Only, 403),
        (Fault::V1Only404, 404),
        (Fault::V1Only405, 405),
    ] {
        if config.has(fault) {
            record.fault = Some(fault.name());
            return reply(match status {
                405 => Ec2Reply::empty(405),
                s => Ec2Reply::new(s, xhtml_error(s)),
            });
        }
    }
    if config.has(Fault::Token400) {
        record.fault = Some(Fault::Token400.name());
        return reply(Ec2Reply::new(400, xhtml_error(400)));
    }
    if config.has(Fault::HopLimit) {
        record.fault = Some(Fault::HopLimit.name());
        return Outcome::Hang;
    }
    let ttl = request
        .headers()
        .get(TOKEN_TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 8 && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ttl| (1..=MAX_TOKEN_TTL_SECONDS).contains(ttl));
    let Some(ttl) = ttl else {
        return reply(Ec2Reply::new(400, xhtml_error(400)));
    };
    let token = shared.mint.issue(now, u32::try_from(ttl).unwrap_or(21_600));
    shared.recorder.update(|s| s.tokens_issued += 1);
    reply(Ec2Reply::new(200, token).header(TOKEN_TTL_HEADER, ttl.to_string()))
}

/// `/<anything but latest>/api/token`.
fn is_versioned_token_path(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|p| p.strip_suffix("/api/token"))
        .is_some_and(|version| !version.is_empty() && !version.contains('/') && version != "latest")
}

/// The TCP stream, reset (RST instead of FIN) on drop when asked: a hop-limited client
/// that waited long enough sees `Connection reset by peer`, as in real traces.
struct ResetOnDrop {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for ResetOnDrop {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResetOnDrop {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
