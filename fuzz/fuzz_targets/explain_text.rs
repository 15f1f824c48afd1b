//! Arbitrary bytes → the explain engine (streaming reader, segmentation, scoring, facts)
//! and every renderer. Nothing may panic, and no escape byte may reach the output.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = authdoctor_explain::explain_reader(data) else {
        return;
    };
    let options = authdoctor_report::Options::default();
    let human = authdoctor_report::human(&report.explained, &options);
    let json = authdoctor_report::json_findings(report.findings());
    let markdown = authdoctor_report::markdown(&report.explained, &options);
    for out in [human, json, markdown] {
        assert!(!out.contains('\u{1b}'), "escape byte in output");
    }
});
