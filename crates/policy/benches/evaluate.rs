//! Evaluations per second on realistic policies, and the same cases through the peer
//! engine `@cloud-copilot/iam-simulate` for comparison.
//!
//! Run: `cargo bench -p authdoctor-policy --bench evaluate` (release build). The peer
//! part needs Node and `npm install` in the workspace root; it is skipped with a note
//! when they are missing (a benchmark measures, it does not gate).
//!
//! Cases: the five example case files of `examples/` and 2,000 generated cases (the
//! differential test's generator, another seed). Policies are parsed once, as a
//! long-running process would; requests are prepared once ("prepared") or per
//! evaluation ("with request setup").
//!
//! Last, whole processes on one file of 4,000 generated cases: `authdoctor simulate
//! --cases FILE` (JSON and human output, start-up, reading, parsing, tracing, advice,
//! redaction and printing included) against the peer's one-process driver
//! `tools/iam-peer/eval.mjs` on the same file (Node start-up and loading included). It
//! needs the release binary: `cargo build --release -p authdoctor` first.
//! `BENCH_WHOLE_PROCESS_ONLY=1` skips the in-process part; `BENCH_KEEP_CASES=PATH` keeps
//! a copy of the generated case file (for profiling).

#[path = "../tests/support/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authdoctor_policy::{Case, parse_case};

fn time<F: FnMut() -> usize>(label: &str, min: Duration, mut f: F) -> f64 {
    // Warm up, then repeat until `min` has passed.
    f();
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < min {
        n += f();
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!("{label:<58} {rate:>14.0} evaluations/s");
    rate
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts: Vec<String> = Vec::new();
    for name in [
        "launch-requires-imdsv2",
        "role-delivery-imdsv1-denied",
        "fleet-delete-missing-terminate",
        "spot-request-tags-denied",
        "dlm-role-insufficient",
    ] {
        let t =
            std::fs::read_to_string(root.join(format!("examples/{name}.json"))).expect("example");
        let v: serde_json::Value = serde_json::from_str(&t).expect("json");
        texts.push(v.to_string());
    }
    let examples: Vec<Case> = texts
        .iter()
        .map(|t| parse_case("ex", t).expect("parse"))
        .collect();
    let generated_json: Vec<String> = corpus::corpus(7, 2000)
        .iter()
        .map(|v| v.to_string())
        .collect();
    let generated: Vec<Case> = generated_json
        .iter()
        .map(|t| parse_case("gen", t).expect("parse"))
        .collect();
    let statements: usize = generated
        .iter()
        .map(|c| {
            c.policies
                .all()
                .iter()
                .map(|(_, _, _, p)| p.statements.len())
                .sum::<usize>()
        })
        .sum();
    println!(
        "cases: {} examples, {} generated ({:.1} statements per case on average)",
        examples.len(),
        generated.len(),
        statements as f64 / generated.len() as f64
    );
    if std::env::var_os("BENCH_WHOLE_PROCESS_ONLY").is_some() {
        whole_process(&root);
        return;
    }
    let min = Duration::from_secs(2);

    time("decide, examples, prepared request", min, || {
        for c in &examples {
            black_box(c.policies.decide(black_box(&c.request)));
        }
        examples.len()
    });
    let ours = time("decide, generated corpus, prepared request", min, || {
        for c in &generated {
            black_box(c.policies.decide(black_box(&c.request)));
        }
        generated.len()
    });
    if std::env::var_os("BENCH_DECIDE_ONLY").is_some() {
        return;
    }
    time("decide, generated corpus, with request setup", min, || {
        for c in &generated {
            let r = authdoctor_policy::Request::new(
                &c.request.principal,
                &c.request.action,
                &c.request.resource,
                c.request.resource_account.as_deref(),
                c.request.context.clone(),
            );
            black_box(c.policies.decide(&r));
        }
        generated.len()
    });
    time("explain (full trace), generated corpus", min, || {
        for c in &generated {
            black_box(c.policies.explain(black_box(&c.request)));
        }
        generated.len()
    });
    time("parse case file + decide, generated corpus", min, || {
        for t in &generated_json {
            let c = parse_case("gen", t).expect("parse");
            black_box(c.policies.decide(&c.request));
        }
        generated_json.len()
    });

    // The peer on the same generated cases.
    let script = root.join("tools/iam-peer/bench.mjs");
    if !root
        .join("node_modules/@cloud-copilot/iam-simulate")
        .exists()
    {
        println!("peer: skipped (run `npm install` in the workspace root)");
        return;
    }
    let child = Command::new("node")
        .arg(&script)
        .arg("2")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        println!("peer: skipped (node not found)");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        for t in &generated_json {
            let _ = writeln!(stdin, "{t}");
        }
    }
    let Ok(out) = child.wait_with_output() else {
        println!("peer: failed to run");
        return;
    };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let peer = v["per_second"].as_f64().unwrap_or(0.0);
    println!(
        "{:<58} {peer:>14.0} evaluations/s",
        "iam-simulate runSimulation, generated corpus"
    );
    if peer > 0.0 {
        println!("ratio (ours prepared / peer): {:.0}x", ours / peer);
    }
    whole_process(&root);
}

/// Cases in the whole-process comparison.
const WHOLE_PROCESS_CASES: usize = 4000;

/// Best of three wall-clock runs of `command` with `input` on stdin and stdout discarded;
/// `None` when it cannot be started.
fn best_of_three(mut command: impl FnMut() -> Command, input: Option<&Path>) -> Option<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let mut c = command();
        c.stdout(Stdio::null()).stderr(Stdio::null());
        if let Some(path) = input {
            c.stdin(std::fs::File::open(path).ok()?);
        }
        let start = Instant::now();
        c.status().ok()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Some(best)
}

/// `authdoctor simulate --cases` against the peer's driver, whole processes, same file.
fn whole_process(root: &Path) {
    // The bench runs as target/release/deps/evaluate-…; the binary is target/release/authdoctor.
    let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("authdoctor")))
        .filter(|bin| bin.exists())
    else {
        println!("whole process: skipped (run `cargo build --release -p authdoctor` first)");
        return;
    };
    let cases = std::env::temp_dir().join(format!(
        "authdoctor-bench-cases-{}.jsonl",
        std::process::id()
    ));
    let text: String = corpus::corpus(11, WHOLE_PROCESS_CASES)
        .iter()
        .map(|v| format!("{v}\n"))
        .collect();
    if std::fs::write(&cases, text.as_bytes()).is_err() {
        println!("whole process: cannot write {}", cases.display());
        return;
    }
    // For profiling the same file outside the bench: keep a copy.
    if let Some(keep) = std::env::var_os("BENCH_KEEP_CASES") {
        let _ = std::fs::write(&keep, text.as_bytes());
    }
    println!(
        "whole process, {WHOLE_PROCESS_CASES} generated cases ({} KiB), best of 3:",
        text.len() / 1024
    );
    let mut rates = Vec::new();
    for format in ["json", "human"] {
        let seconds = best_of_three(
            || {
                let mut c = Command::new(&bin);
                c.args(["simulate", "--format", format, "--cases"])
                    .arg(&cases);
                c
            },
            None,
        );
        if let Some(s) = seconds {
            let rate = WHOLE_PROCESS_CASES as f64 / s;
            println!(
                "{:<58} {rate:>14.0} cases/s ({s:.3} s)",
                format!("authdoctor simulate --cases --format {format}")
            );
            rates.push((format, rate));
        }
    }
    let peer = if root
        .join("node_modules/@cloud-copilot/iam-simulate")
        .exists()
    {
        best_of_three(
            || {
                let mut c = Command::new("node");
                c.arg(root.join("tools/iam-peer/eval.mjs"))
                    .current_dir(root);
                c
            },
            Some(&cases),
        )
    } else {
        None
    };
    let _ = std::fs::remove_file(&cases);
    let Some(peer_seconds) = peer else {
        println!("peer whole process: skipped (needs node and `npm install`)");
        return;
    };
    let peer_rate = WHOLE_PROCESS_CASES as f64 / peer_seconds;
    println!(
        "{:<58} {peer_rate:>14.0} cases/s ({peer_seconds:.3} s)",
        "node tools/iam-peer/eval.mjs (iam-simulate)"
    );
    for (format, rate) in rates {
        println!("ratio {format} / peer: {:.0}x", rate / peer_rate);
    }
}
