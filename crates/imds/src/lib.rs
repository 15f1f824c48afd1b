//! A faithful, fault-injecting EC2 instance metadata service (IMDS) on loopback.
//!
//! The emulator answers like the real service at `169.254.169.254` (IMDSv2 session tokens,
//! IMDSv1 when `HttpTokens=optional`, the same status codes, bodies and headers, see
//! `/work/shared/reference/imds.md` §6), and on demand it misbehaves the way real hosts do:
//! a hop limit that swallows the token answer, a role that is missing or not trusted,
//! throttling, a switched-off endpoint, a proxy in the way, a skewed clock. Real SDK clients
//! (botocore, the JavaScript SDK, the Rust SDK) are pointed at it through
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT`; the project's tests use it to prove what each client
//! does under each fault, and `authdoctor check` is tested against it.
//!
//! Two ways to run it:
//!
//! * [`Emulator::start`] from plain synchronous code (tests): the server runs on its own
//!   thread with its own current-thread tokio runtime and stops on
//!   [`RunningEmulator::shutdown`] or drop.
//! * [`Emulator::serve`] / [`serve`] inside an existing tokio runtime (the CLI).
//!
//! It only ever binds loopback addresses ([`check_loopback`]). Every request it reads is
//! bounded (8 KiB of head, bodies never read, a cap on concurrent connections, a header
//! read deadline), so no client can make it allocate without limit.
//!
//! ```no_run
//! use authdoctor_imds::{Emulator, EmulatorConfig, Fault};
//!
//! let config = EmulatorConfig { faults: vec![Fault::HopLimit], ..EmulatorConfig::default() };
//! let imds = Emulator::start(config).expect("loopback listener");
//! // point a client at imds.base_url() ...
//! assert_eq!(imds.stats().tokens_issued, 0);
//! imds.shutdown();
//! ```

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod clock;
mod config;
mod documents;
mod fault;
mod http;
mod server;
mod stats;
mod token;

pub use config::{
    CANARY_ACCESS_KEY_ID, CANARY_SECRET_ACCESS_KEY, CANARY_SECRETS, CANARY_SESSION_TOKEN,
    ConfigError, Credentials, EmulatorConfig, HttpTokens, IDENTITY_CANARY_SECRET_ACCESS_KEY,
    IDENTITY_CANARY_SESSION_TOKEN, check_loopback,
};
pub use fault::{Fault, ParseFaultError};
pub use server::{Emulator, RunningEmulator, bind, serve};
pub use stats::{RequestRecord, RequestSink, Stats, TokenUse};

/// The largest token TTL the real service accepts (6 hours), in seconds.
pub const MAX_TOKEN_TTL_SECONDS: u64 = 21_600;
