//! `sdk-oracle imds`: resolves credentials with the Rust SDK's default credential chain
//! (`aws-config`), which ends with its IMDS provider, and prints one JSON line:
//! `{"ok", "access_key_id", "secret_matches", "token_matches", "expiry", "elapsed_ms",
//! "error"}`. Secrets are compared with `EXPECT_SECRET` / `EXPECT_TOKEN`, never printed.
//!
//! The endpoint comes from `AWS_EC2_METADATA_SERVICE_ENDPOINT`, which must be a loopback
//! URL: the oracle refuses to run otherwise, so it can never reach a real metadata service.

use std::net::IpAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::json;

fn loopback_endpoint() -> Option<String> {
    let endpoint = std::env::var("AWS_EC2_METADATA_SERVICE_ENDPOINT").ok()?;
    let rest = endpoint.strip_prefix("http://")?;
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => rest.split([':', '/']).next()?,
    };
    let ip: IpAddr = host.parse().ok()?;
    ip.is_loopback().then_some(endpoint)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() != Some("imds") {
        eprintln!("usage: sdk-oracle imds");
        std::process::exit(2);
    }
    if loopback_endpoint().is_none() {
        println!(
            "{}",
            json!({"ok": false, "error": "refusing: AWS_EC2_METADATA_SERVICE_ENDPOINT is not a loopback http URL"})
        );
        std::process::exit(3);
    }
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = ProviderConfig::without_region().with_http_client(http);
    let chain = DefaultCredentialsChain::builder()
        .configure(config)
        .build()
        .await;
    let start = Instant::now();
    let result = chain.provide_credentials().await;
    let elapsed_ms = start.elapsed().as_millis() as u64;
    let out = match result {
        Ok(creds) => {
            let expiry = creds
                .expiry()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            json!({
                "ok": true,
                "access_key_id": creds.access_key_id(),
                "secret_matches": std::env::var("EXPECT_SECRET").is_ok_and(|s| s == creds.secret_access_key()),
                "token_matches": std::env::var("EXPECT_TOKEN").is_ok_and(|t| Some(t.as_str()) == creds.session_token()),
                "expiry_in_secs": expiry.map(|e| e as i64 - now as i64),
                "elapsed_ms": elapsed_ms,
            })
        }
        Err(error) => json!({
            "ok": false,
            "error": format!("{}", DisplayErrorContext(&error)).chars().take(600).collect::<String>(),
            "elapsed_ms": elapsed_ms,
        }),
    };
    println!("{out}");
}
