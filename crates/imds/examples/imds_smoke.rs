//! Starts a default emulator and prints its base URL, then serves for N seconds (arg 1,
//! default 30). A hand-testing aid: `cargo run -p authdoctor-imds --example imds_smoke`.
fn main() -> std::io::Result<()> {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let faults = std::env::args()
        .skip(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    let config = authdoctor_imds::EmulatorConfig {
        faults,
        ..Default::default()
    };
    let imds = authdoctor_imds::Emulator::start(config)?;
    println!("{}", imds.base_url());
    std::thread::sleep(std::time::Duration::from_secs(secs));
    println!("{:?}", imds.stats());
    imds.shutdown();
    Ok(())
}
