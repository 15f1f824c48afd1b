//! Slowloris: hundreds of loopback connections that never finish a request head must not
//! starve well-behaved clients (issue 8 item 5).
//!
//! Every loop here is bounded in count and in time, and every socket is closed when its
//! test ends. The bounds on the well-behaved requests are generous for a loaded machine
//! (a loopback answer takes milliseconds) yet far below what a starved client waited
//! before: the old emulator held each slow socket for 10 s at a cap of 256 connections.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use authdoctor_imds::{Emulator, EmulatorConfig, HttpTokens, RunningEmulator};
use support::request_with_timeout;

/// How long one well-behaved request may take, connection included.
const CLIENT_BOUND: Duration = Duration::from_secs(3);
/// The trickling attacker stops by itself after this long, whatever the test does.
const ATTACK_LIMIT: Duration = Duration::from_secs(30);
const PARTIAL_HEAD: &[u8] = b"GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Slow: ";

fn start(config: EmulatorConfig) -> (RunningEmulator, SocketAddr) {
    let imds = Emulator::start(EmulatorConfig {
        http_tokens: HttpTokens::Optional,
        ..config
    })
    .unwrap_or_else(|e| panic!("emulator starts: {e}"));
    let addr = imds.local_addrs()[0];
    (imds, addr)
}

/// A bounded slowloris: `count` sockets, every other one silent, the rest sending a
/// request head one byte at a time (every 100 ms per socket) that never ends.
struct Slowloris {
    stop: Arc<AtomicBool>,
    trickler: Option<JoinHandle<()>>,
    opened: usize,
}

impl Slowloris {
    fn open(addr: SocketAddr, count: usize) -> Slowloris {
        let mut silent = Vec::new();
        let mut trickling = Vec::new();
        let opening = Instant::now();
        for i in 0..count {
            if opening.elapsed() > Duration::from_secs(10) {
                break;
            }
            // The emulator may already be shedding older ones; a connect that fails or
            // waits too long is simply one slow socket fewer.
            let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
                continue;
            };
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            if i % 2 == 0 {
                silent.push(stream);
            } else {
                trickling.push(stream);
            }
        }
        let opened = silent.len() + trickling.len();
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let trickler = std::thread::spawn(move || {
            let started = Instant::now();
            let mut position = 0usize;
            while !stop_flag.load(Ordering::Relaxed) && started.elapsed() < ATTACK_LIMIT {
                let byte = [PARTIAL_HEAD[position % PARTIAL_HEAD.len()]];
                // A socket the emulator closed fails here and is dropped.
                trickling.retain_mut(|s| s.write_all(&byte).is_ok());
                position += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            drop(trickling);
            drop(silent);
        });
        Slowloris {
            stop,
            trickler: Some(trickler),
            opened,
        }
    }
}

impl Drop for Slowloris {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(trickler) = self.trickler.take() {
            let _ = trickler.join();
        }
    }
}

/// Five well-behaved IMDSv1 reads, each answered 200 within [`CLIENT_BOUND`]; returns the
/// slowest.
fn five_clients_are_served(addr: SocketAddr) -> Duration {
    let mut slowest = Duration::ZERO;
    for n in 1..=5 {
        let started = Instant::now();
        let reply = request_with_timeout(addr, "GET", "/latest/meta-data/", &[], CLIENT_BOUND);
        let took = started.elapsed();
        match reply {
            Ok(reply) => assert_eq!(reply.status, 200, "client {n}: {reply:?}"),
            Err(e) => panic!("client {n} was starved: {e} after {took:?}"),
        }
        assert!(took <= CLIENT_BOUND, "client {n} took {took:?}");
        eprintln!("client {n}: {took:?}");
        slowest = slowest.max(took);
    }
    slowest
}

#[test]
fn hundreds_of_slow_sockets_do_not_starve_clients_at_the_default_cap() {
    let (imds, addr) = start(EmulatorConfig::default());
    let attack = Slowloris::open(addr, 400);
    assert!(attack.opened >= 300, "only {} slow sockets", attack.opened);
    let slowest = five_clients_are_served(addr);
    eprintln!(
        "{} slow sockets open; slowest well-behaved request {slowest:?}",
        attack.opened
    );
    drop(attack);
    assert!(imds.stats().requests >= 5);
}

#[test]
fn at_the_cap_the_oldest_slow_connection_makes_room() {
    let (imds, addr) = start(EmulatorConfig {
        max_connections: 32,
        ..EmulatorConfig::default()
    });
    let attack = Slowloris::open(addr, 200);
    let slowest = five_clients_are_served(addr);
    eprintln!(
        "{} slow sockets against a cap of 32; slowest well-behaved request {slowest:?}; {:?}",
        attack.opened,
        imds.stats()
    );
    drop(attack);
    assert!(imds.stats().shed_connections >= 5, "{:?}", imds.stats());
}

#[test]
fn a_request_head_that_never_ends_is_cut_off_after_a_few_seconds() {
    let (imds, addr) = start(EmulatorConfig::default());
    let mut silent = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let mut trickling = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    trickling
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut closed = [None, None];
    let mut position = 0;
    // Bounded: 80 rounds of 100 ms.
    for _ in 0..80 {
        if closed[1].is_none() {
            let byte = [PARTIAL_HEAD[position % PARTIAL_HEAD.len()]];
            position += 1;
            if trickling.write_all(&byte).is_err() || is_closed(&mut trickling) {
                closed[1] = Some(started.elapsed());
            }
        }
        if closed[0].is_none() && is_closed(&mut silent) {
            closed[0] = Some(started.elapsed());
        }
        if closed.iter().all(Option::is_some) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "silent closed after {:?}, trickling after {:?}",
        closed[0], closed[1]
    );
    // Well before the old 10 s, and whatever the trickle keeps sending.
    for (what, at) in ["silent", "trickling"].iter().zip(closed) {
        let at = at.unwrap_or_else(|| panic!("the {what} connection was never closed"));
        assert!(at < Duration::from_secs(8), "{what} closed after {at:?}");
    }
    assert!(imds.stats().head_timeouts >= 2, "{:?}", imds.stats());
}

/// True when the peer closed (EOF, reset, or an answer such as 408 followed by EOF).
fn is_closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    let _ = stream.set_nonblocking(true);
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    let _ = stream.set_nonblocking(false);
    closed
}
