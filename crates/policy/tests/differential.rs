//! Differential test against an independent engine, `@cloud-copilot/iam-simulate`
//! (AGPL-3.0), driven as a black box through `tools/iam-peer/eval.mjs`: one Node
//! process, the whole corpus as JSON Lines on stdin, one decision per line back.
//!
//! The corpus is generated (seeded, deterministic) by `support/corpus.rs`. The test prints
//! the agreement figure and every disagreement with the AWS documentation passage that
//! decides it, and fails below 99.5 % agreement. A missing Node or peer is a failure.

mod support {
    pub mod corpus;
}

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use authdoctor_policy::{Decision, parse_case};
use serde_json::Value;

const SEED: u64 = 20261123;
const CASES: usize = 6000;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_peer(lines: &str) -> Vec<Value> {
    let root = workspace();
    let script = root.join("tools/iam-peer/eval.mjs");
    let peer = root.join("node_modules/@cloud-copilot/iam-simulate/package.json");
    assert!(
        peer.exists(),
        "the peer @cloud-copilot/iam-simulate is not installed: `bash .ci/run` installs it (by hand: `npm ci` in the workspace root) ({})",
        root.display()
    );
    let mut child = Command::new("node")
        .arg(&script)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start `node` for the differential test (is Node.js installed?): {e}")
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = lines.to_owned();
    let writer = std::thread::spawn(move || {
        stdin
            .write_all(input.as_bytes())
            .expect("write to the peer");
    });
    let out = child.wait_with_output().expect("peer output");
    writer.join().expect("writer thread");
    assert!(out.status.success(), "the peer exited with {}", out.status);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("peer wrote JSON"))
        .collect()
}

/// Known places where the peer departs from AWS's documentation, with the passage
/// that decides (iam-evaluation.md §7).
fn classify(case: &Value, ours: Decision, peer: &str) -> Option<&'static str> {
    let has_session = case.get("sessionPolicy").is_some();
    let rp = case
        .get("resourcePolicy")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let principal = case["request"]["principal"].as_str().unwrap_or("");
    if has_session
        && principal.contains(":assumed-role/")
        && rp.contains(principal)
        && ours == Decision::Allow
    {
        return Some(
            "session policy vs. a resource policy naming the session ARN: AWS STS API reference, \
             GetFederationToken `Policy` (and the IAM User Guide, Session policies): \
             \"If that policy specifically references the federated user session in the Principal element \
             of the policy, the session has the permissions allowed by the policy. These permissions are granted \
             in addition to the permissions that are granted by the session policies.\" The peer denies \
             (its own test sessionPolicies.json asserts that); we follow AWS (iam-evaluation.md §2, §7).",
        );
    }
    if peer == "error" {
        return Some("the peer rejected the input (validation), no decision to compare");
    }
    None
}

#[test]
fn agrees_with_iam_simulate() {
    // Another corpus: AUTHDOCTOR_DIFF_SEED=<u64>.
    let seed = std::env::var("AUTHDOCTOR_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    println!("seed {seed}, {CASES} cases");
    let corpus = support::corpus::corpus(seed, CASES);
    let text: String = corpus.iter().map(|c| format!("{c}\n")).collect();

    // Coverage of the corpus: every operator family, set operators, IfExists, Null,
    // variables, every layer.
    for needle in [
        "\"StringEquals\"",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "\"Bool",
        "BinaryEquals",
        "\"IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "\"Null\"",
        "IfExists",
        "ForAllValues:",
        "ForAnyValue:",
        "${aws:username}",
        "${aws:PrincipalTag/team}",
        "${*}",
        "NotAction",
        "NotResource",
        "\"scps\"",
        "\"rcps\"",
        "\"resourcePolicy\"",
        "\"boundary\"",
        "\"sessionPolicy\"",
    ] {
        assert!(text.contains(needle), "the corpus never uses {needle}");
    }

    let peer = run_peer(&text);
    assert_eq!(
        peer.len(),
        corpus.len(),
        "the peer answered {} of {} cases",
        peer.len(),
        corpus.len()
    );

    let mut agree = 0usize;
    let mut disagreements = Vec::new();
    let mut counts = [0usize; 3];
    for (i, (case, answer)) in corpus.iter().zip(&peer).enumerate() {
        let text = case.to_string();
        let parsed = parse_case(&format!("gen-{i}"), &text)
            .unwrap_or_else(|e| panic!("case {i} does not parse: {e}\n{text}"));
        let ours = parsed.policies.decide(&parsed.request);
        // The fast path and the explained path must agree.
        assert_eq!(
            ours,
            parsed.policies.explain(&parsed.request).decision,
            "decide vs explain on case {i}"
        );
        counts[ours as usize] += 1;
        let theirs = answer
            .get("decision")
            .and_then(Value::as_str)
            .unwrap_or("error");
        let ours_s = format!("{ours:?}");
        if ours_s == theirs {
            agree += 1;
        } else {
            disagreements.push((i, ours, theirs.to_owned(), answer.clone()));
        }
    }
    let total = corpus.len();
    let rate = agree as f64 / total as f64 * 100.0;
    println!(
        "differential vs @cloud-copilot/iam-simulate: {agree}/{total} agree ({rate:.2} %); our decisions: Allow {}, ExplicitDeny {}, ImplicitDeny {}",
        counts[0], counts[1], counts[2]
    );
    for (i, ours, theirs, answer) in &disagreements {
        let case = &corpus[*i];
        let why = classify(case, *ours, theirs).unwrap_or("UNEXPLAINED: investigate");
        println!(
            "- case gen-{i}: ours {ours:?}, peer {theirs} ({answer})\n  why: {why}\n  case: {case}"
        );
    }
    assert!(rate >= 99.5, "agreement {rate:.2} % is below 99.5 %");
    // Both outcomes must be well represented, or the test proves little.
    assert!(
        counts.iter().all(|&c| c > total / 20),
        "decision mix too skewed: {counts:?}"
    );
}

/// The scenario cases of iam-evaluation.md §5 (`tools/iam-peer/examples.jsonl`: each
/// catalogue IAM scenario denied, and the same request after the fix) give the expected
/// decision in both engines.
#[test]
fn scenario_cases_agree_with_the_peer() {
    let path = workspace().join("tools/iam-peer/examples.jsonl");
    let text = std::fs::read_to_string(&path).expect("tools/iam-peer/examples.jsonl");
    let peer = run_peer(&text);
    let cases: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(peer.len(), cases.len());
    assert!(cases.len() >= 16);
    for (line, answer) in cases.iter().zip(&peer) {
        let case = parse_case("examples.jsonl", line).expect("parses");
        let expected = case
            .expected
            .clone()
            .expect("every scenario case says what it expects");
        let name = case.name.clone().unwrap_or_default();
        let ours = format!("{:?}", case.policies.decide(&case.request));
        assert_eq!(ours, expected, "{name}: ours");
        assert_eq!(
            answer["decision"].as_str(),
            Some(expected.as_str()),
            "{name}: peer {answer}"
        );
    }
}
