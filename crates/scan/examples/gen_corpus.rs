//! Writes a SYNTHETIC, seeded CloudTrail corpus in the S3 export layout (see
//! `authdoctor_scan::corpus`) and `expected.json` (what it wrote) beside `AWSLogs/`.
//!
//! cargo run --release -p authdoctor-scan --example gen_corpus -- OUT_DIR [--mb 1024]
//!     [--seed 1] [--plain] [--records-per-file 300] [--days 3]

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut spec = authdoctor_scan::corpus::Spec::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--mb" => spec.target_bytes = value("--mb") << 20,
            "--seed" => spec.seed = value("--seed"),
            "--records-per-file" => spec.records_per_file = value("--records-per-file") as usize,
            "--days" => spec.days = value("--days") as u32,
            "--plain" => spec.gzip = false,
            other if out.is_none() && !other.starts_with("--") => out = Some(PathBuf::from(other)),
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let out =
        out.unwrap_or_else(|| fail("usage: gen_corpus OUT_DIR [--mb N] [--seed N] [--plain]"));
    let expected =
        authdoctor_scan::corpus::generate(&out, &spec).unwrap_or_else(|e| fail(&e.to_string()));
    let json = serde_json::to_string_pretty(&expected).unwrap_or_default();
    std::fs::write(out.join("expected.json"), json).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "{} files, {} records, {} bytes uncompressed, {} failures, {} IMDSv1 keys",
        expected.files,
        expected.records,
        expected.uncompressed_bytes,
        expected.failures(),
        expected.imdsv1_calls_by_key.len()
    );
}

fn fail(message: &str) -> ! {
    eprintln!("gen_corpus: {message}");
    std::process::exit(2)
}
