//! Fuzzes the policy parser, the case-file parser and the decoded-message reader:
//! none may panic, overflow the stack or hang on any input.
#![no_main]

use authdoctor_policy::{PolicyKind, parse_case, parse_policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Scp] {
        if let Ok(p) = parse_policy(kind, "fuzz", "fuzz", text) {
            // Evaluate what parsed, against a fixed request.
            let set = authdoctor_policy::PolicySet { identity: vec![p], ..Default::default() };
            let req = authdoctor_policy::Request::new(
                "arn:aws:iam::111122223333:user/u",
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                None,
                authdoctor_policy::Context::default(),
            );
            let _ = set.explain(&req);
        }
    }
    if let Ok(c) = parse_case("fuzz", text) {
        let _ = c.policies.explain(&c.request);
    }
    let _ = authdoctor_policy::decode::parse_decoded(text);
});
