//! A minimal application as a user would write it: load the default configuration (the
//! default credential chain, which ends with the instance metadata service), make one call,
//! and print the error the way applications commonly do.
//!
//! `transcript-rust-client sts|ec2|ec2-stop|s3` calls STS GetCallerIdentity, EC2
//! DescribeInstances or StopInstances (feature `ec2`), or S3 ListBuckets (feature `s3`).
//! `transcript-rust-client --operations` lists the operations this build supports.
//! With `RUST_LOG` set, the SDK's tracing goes to stderr and the error is printed with its
//! `Debug` form as well (what `fn main() -> Result<…>` prints).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_types::error::display::DisplayErrorContext;

#[cfg(feature = "ec2")]
const INSTANCE_ID: &str = "i-0a1b2c3d4e5f60718";

/// The error as `Display` with its causes, and as `Debug`.
type Failure = (String, String);

fn failure<E: std::error::Error + std::fmt::Debug>(err: E) -> Failure {
    (format!("{}", DisplayErrorContext(&err)), format!("{err:?}"))
}

async fn sts(config: &SdkConfig) -> Result<(), Failure> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(failure)?;
    println!("{}", out.arn().unwrap_or_default());
    Ok(())
}

#[cfg(feature = "ec2")]
async fn ec2(config: &SdkConfig, stop: bool) -> Result<(), Failure> {
    let client = aws_sdk_ec2::Client::new(config);
    if stop {
        client
            .stop_instances()
            .instance_ids(INSTANCE_ID)
            .send()
            .await
            .map_err(failure)?;
        println!("stopping {INSTANCE_ID}");
    } else {
        let out = client.describe_instances().send().await.map_err(failure)?;
        println!("{} reservations", out.reservations().len());
    }
    Ok(())
}

#[cfg(feature = "s3")]
async fn s3(config: &SdkConfig) -> Result<(), Failure> {
    let out = aws_sdk_s3::Client::new(config)
        .list_buckets()
        .send()
        .await
        .map_err(failure)?;
    for bucket in out.buckets() {
        println!("{}", bucket.name().unwrap_or_default());
    }
    Ok(())
}

fn operations() -> Vec<&'static str> {
    let mut ops = vec!["sts"];
    if cfg!(feature = "ec2") {
        ops.extend(["ec2", "ec2-stop"]);
    }
    if cfg!(feature = "s3") {
        ops.push("s3");
    }
    ops
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let operation = std::env::args().nth(1).unwrap_or_else(|| "sts".into());
    if operation == "--operations" {
        println!("{}", operations().join(" "));
        return;
    }
    if !operations().contains(&operation.as_str()) {
        eprintln!("usage: transcript-rust-client {}", operations().join("|"));
        std::process::exit(2);
    }
    let debug = std::env::var_os("RUST_LOG").is_some();
    if debug {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }
    // No TLS stack is built in: every endpoint in the corpus is plain HTTP on loopback.
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await;
    let result = match operation.as_str() {
        #[cfg(feature = "ec2")]
        "ec2" => ec2(&config, false).await,
        #[cfg(feature = "ec2")]
        "ec2-stop" => ec2(&config, true).await,
        #[cfg(feature = "s3")]
        "s3" => s3(&config).await,
        _ => sts(&config).await,
    };
    if let Err((display, debug_form)) = result {
        eprintln!("Error: {display}");
        if debug {
            eprintln!("Error: {debug_form}");
        }
        std::process::exit(1);
    }
}
