//! In-process benchmark of the explain engine.
//!
//! `cargo bench -p authdoctor-explain --bench explain [-- SIZE_MB]`
//!
//! Prints: the cost of the first explanation in a fresh process (knowledge-base load,
//! automaton build, lazy regex compiles), the steady-state time per message, and
//! streaming throughput on a generated log of SIZE_MB megabytes (default 100) in which
//! one line in 200 carries an AWS error. The whole-process comparison with a peer tool
//! is `bench/explain.sh`.

use std::io::Read;
use std::time::Instant;

const MESSAGES: &[&str] = &[
    "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
    "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: F421F2243DF27432)",
    "User: arn:aws:sts::123456789012:assumed-role/App/i-0123456789abcdef0 is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/worker because no identity-based policy allows the iam:PassRole action",
    "botocore.utils - DEBUG - Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL: \"http://169.254.169.254/latest/api/token\"",
    "InvalidSignatureException: Signature expired: 20190430T075732Z is now earlier than 20190430T105409Z (20190430T105909Z - 5 min.)",
];

const NOISE: &[&str] = &[
    "2026-11-23T08:00:00.123Z INFO  worker-3 processed batch 1842 in 12 ms (312 records)",
    "2026-11-23T08:00:00.456Z DEBUG http GET /healthz 200 0.4ms user-agent=kube-probe/1.30",
    "2026-11-23T08:00:01.001Z WARN  cache miss for key user:98213, fetching from primary",
    "2026-11-23T08:00:01.777Z INFO  scheduler queued 17 jobs; next run at 08:05:00",
];

/// Yields a generated log of `size` bytes without holding it in memory.
struct GeneratedLog {
    remaining: usize,
    line: usize,
    pending: Vec<u8>,
}

impl Read for GeneratedLog {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.len() < buf.len() && self.remaining > 0 {
            let text = if self.line % 200 == 199 {
                MESSAGES[(self.line / 200) % MESSAGES.len()]
            } else {
                NOISE[self.line % NOISE.len()]
            };
            self.line += 1;
            let take = (text.len() + 1).min(self.remaining);
            self.pending
                .extend_from_slice(&text.as_bytes()[..take.min(text.len())]);
            if take > text.len() {
                self.pending.push(b'\n');
            }
            self.remaining -= take;
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

fn main() {
    let size_mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);

    let start = Instant::now();
    let first = authdoctor_explain::explain_text(MESSAGES[0]);
    println!(
        "first explanation in a fresh process: {:?} ({} finding)",
        start.elapsed(),
        first.explained.len()
    );

    let rounds = 2000;
    let start = Instant::now();
    for i in 0..rounds {
        let report = authdoctor_explain::explain_text(MESSAGES[i % MESSAGES.len()]);
        assert!(!report.explained.is_empty());
    }
    println!(
        "steady state: {:?} per message ({rounds} messages)",
        start.elapsed() / rounds as u32
    );

    let bytes = size_mb * 1024 * 1024;
    let log = GeneratedLog {
        remaining: bytes,
        line: 0,
        pending: Vec::new(),
    };
    let start = Instant::now();
    let report = authdoctor_explain::explain_reader(log).unwrap_or_default();
    let elapsed = start.elapsed();
    let occurrences: usize = report.findings().map(|f| f.occurrences).sum();
    println!(
        "streaming {size_mb} MB ({} lines): {:?}, {:.0} MB/s, {} distinct findings, {occurrences} occurrences",
        report.lines,
        elapsed,
        size_mb as f64 / elapsed.as_secs_f64(),
        report.explained.len(),
    );
}
