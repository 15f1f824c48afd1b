//! Signed AWS Query-API calls for `check --online` and `decode --online`: STS
//! `GetCallerIdentity`, STS `DecodeAuthorizationMessage` and EC2 `DescribeInstances`
//! (for one instance's metadata options).
//!
//! Each call is one form-encoded POST, signed with SigV4 by the SDK's own signer
//! (`aws-sigv4`), sent over a bare hyper connection ([`Client`]), and answered by
//! reading a handful of XML fields. Failures keep what a diagnosis needs: the AWS error
//! code, message, HTTP status and request id, and the server's `Date` header so a skewed
//! clock can be told apart from bad keys ([`OnlineError`], [`AwsError::category`]).
//!
//! Endpoints follow `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL_EC2` >
//! `AWS_ENDPOINT_URL` > the regional default ([`Endpoints::resolve`]).
//!
//! Nothing here prints. Texts that came from the network are cleaned with
//! [`authdoctor_redact::clean`] before they are stored in an error; the credentials,
//! the signature and the session token are never stored in a result or an error.
//! The decoded authorization message is returned as AWS sent it (it is data for the
//! `decode` command to parse); clean whatever of it is shown.
//!
//! ```no_run
//! # async fn demo() -> Result<(), authdoctor_online::OnlineError> {
//! use std::collections::BTreeMap;
//! use std::time::Duration;
//! use authdoctor_online::*;
//! let env: BTreeMap<String, String> = std::env::vars().collect();
//! let client = Client::from_env(Duration::from_secs(2), &env);
//! let endpoints = Endpoints::resolve(&env, "us-east-1")?;
//! if let Some(credentials) = static_credentials_from_env(&env) {
//!     let me = get_caller_identity(&client, &credentials, "us-east-1", &endpoints).await?;
//!     println!("{} in account {}", me.arn, me.account);
//! }
//! # Ok(())
//! # }
//! ```

// Library code reports failures as values: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod client;
mod credentials;
mod endpoint;
mod error;
mod sign;
mod xml;

pub use client::{Client, MAX_BODY};
pub use credentials::{Credentials, static_credentials_from_env};
pub use endpoint::{Endpoint, Endpoints, Scheme};
pub use error::{AwsError, ErrorCategory, OnlineError, Phase, SIGV4_SKEW_TOLERANCE};
pub use jiff::{SignedDuration, Timestamp};

use client::RawResponse;
use endpoint::truncate;

/// The longest encoded authorization message STS accepts.
pub const MAX_ENCODED_MESSAGE: usize = 10_240;

/// Who the credentials belong to (STS `GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The 12-digit account id.
    pub account: String,
    /// The ARN of the user, the assumed-role session or the root.
    pub arn: String,
    /// The unique id: `AIDA…` for users, `AROA…:<session>` for role sessions.
    pub user_id: String,
    /// The request id of the answer.
    pub request_id: Option<String>,
    /// The server's `Date` header.
    pub server_date: Option<Timestamp>,
    /// Server time minus local time when the answer arrived (positive: the local clock is
    /// behind), to whole seconds.
    pub skew: Option<SignedDuration>,
}

/// An instance's metadata-service settings (EC2 `DescribeInstances`, `metadataOptions`).
/// Fields are `None` when the answer leaves them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataOptions {
    /// The instance id the answer is about.
    pub instance_id: String,
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: Option<String>,
    /// The IP hop limit of the token PUT answer (1 = containers behind a bridge cannot
    /// get a token).
    pub http_put_response_hop_limit: Option<u8>,
    /// `enabled` or `disabled` (the metadata service is switched off).
    pub http_endpoint: Option<String>,
    /// `enabled` or `disabled` (the IPv6 endpoint `fd00:ec2::254`).
    pub http_protocol_ipv6: Option<String>,
    /// `enabled` or `disabled` (instance tags in the metadata).
    pub instance_metadata_tags: Option<String>,
    /// `pending` (a change is being applied) or `applied`.
    pub state: Option<String>,
    /// The instance's state name (`running`, `stopped`, …).
    pub instance_state: Option<String>,
}

/// STS `GetCallerIdentity`: who the credentials belong to. Needs no permission.
pub async fn get_caller_identity(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    endpoints: &Endpoints,
) -> Result<CallerIdentity, OnlineError> {
    let endpoint = &endpoints.sts;
    let raw = client
        .call(
            endpoint,
            credentials,
            region,
            "sts",
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await?;
    let raw = success_or_error(raw, endpoint)?;
    let (account, arn, user_id, request_id) =
        xml::caller_identity(&raw.body).map_err(|why| unexpected(&raw, endpoint, &why))?;
    Ok(CallerIdentity {
        account: clean(&account),
        arn: clean(&arn),
        user_id: clean(&user_id),
        request_id: request_id
            .or(raw.request_id_header.clone())
            .map(|r| clean(&r)),
        server_date: raw.server_date,
        skew: raw.skew,
    })
}

/// EC2 `DescribeInstances` for one instance: its metadata options.
/// Needs `ec2:DescribeInstances`; an unknown id gives AWS's `InvalidInstanceID.NotFound`.
pub async fn describe_instance_metadata_options(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    endpoints: &Endpoints,
    instance_id: &str,
) -> Result<MetadataOptions, OnlineError> {
    let valid = instance_id.len() <= 32
        && instance_id
            .strip_prefix("i-")
            .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()));
    if !valid {
        return Err(OnlineError::InvalidInput(format!(
            "not an instance id: {}",
            clean(&truncate(instance_id, 40))
        )));
    }
    let endpoint = &endpoints.ec2;
    let raw = client
        .call(
            endpoint,
            credentials,
            region,
            "ec2",
            &[
                ("Action", "DescribeInstances"),
                ("Version", "2016-11-15"),
                ("InstanceId.1", instance_id),
            ],
        )
        .await?;
    let raw = success_or_error(raw, endpoint)?;
    let instances = xml::instances(&raw.body).map_err(|why| unexpected(&raw, endpoint, &why))?;
    let found = instances
        .into_iter()
        .find(|i| i.instance_id.as_deref() == Some(instance_id))
        .ok_or_else(|| {
            unexpected(
                &raw,
                endpoint,
                &format!("the answer does not list {instance_id}"),
            )
        })?;
    let hop_limit = match found.http_put_response_hop_limit.as_deref() {
        None | Some("") => None,
        Some(v) => Some(v.parse::<u8>().map_err(|_| {
            unexpected(
                &raw,
                endpoint,
                &format!("httpPutResponseHopLimit is not a number 1-64: {}", clean(v)),
            )
        })?),
    };
    let text = |v: Option<String>| v.filter(|s| !s.is_empty()).map(|s| clean(&s));
    Ok(MetadataOptions {
        instance_id: instance_id.to_owned(),
        http_tokens: text(found.http_tokens),
        http_put_response_hop_limit: hop_limit,
        http_endpoint: text(found.http_endpoint),
        http_protocol_ipv6: text(found.http_protocol_ipv6),
        instance_metadata_tags: text(found.instance_metadata_tags),
        state: text(found.options_state),
        instance_state: text(found.instance_state),
    })
}

/// STS `DecodeAuthorizationMessage`: the `DecodedMessage` JSON text for an encoded
/// authorization failure message. Needs `sts:DecodeAuthorizationMessage`.
///
/// The text is returned as AWS sent it (JSON to parse, see iam-evaluation.md §6); clean
/// whatever part of it is displayed.
pub async fn decode_authorization_message(
    client: &Client,
    credentials: &Credentials,
    region: &str,
    endpoints: &Endpoints,
    encoded: &str,
) -> Result<String, OnlineError> {
    let encoded = encoded.trim();
    if encoded.is_empty() || encoded.len() > MAX_ENCODED_MESSAGE {
        return Err(OnlineError::InvalidInput(format!(
            "an encoded authorization message has 1 to {MAX_ENCODED_MESSAGE} characters, this one {}",
            encoded.len()
        )));
    }
    let endpoint = &endpoints.sts;
    let raw = client
        .call(
            endpoint,
            credentials,
            region,
            "sts",
            &[
                ("Action", "DecodeAuthorizationMessage"),
                ("Version", "2011-06-15"),
                ("EncodedMessage", encoded),
            ],
        )
        .await?;
    let raw = success_or_error(raw, endpoint)?;
    xml::decoded_message(&raw.body).map_err(|why| unexpected(&raw, endpoint, &why))
}

fn clean(s: &str) -> String {
    authdoctor_redact::clean(s).into_owned()
}

/// A 2xx answer goes on to be parsed; anything else becomes an [`AwsError`] when the body
/// is an AWS error document, or an unexpected-answer error when it is not.
fn success_or_error(raw: RawResponse, endpoint: &Endpoint) -> Result<RawResponse, OnlineError> {
    if (200..300).contains(&raw.status) {
        return Ok(raw);
    }
    match xml::error_doc(&raw.body) {
        Some(doc) => Err(OnlineError::Aws(Box::new(AwsError {
            status: raw.status,
            code: clean(&truncate(&doc.code, 100)),
            message: clean(&truncate(&doc.message, 4000)),
            error_type: doc.error_type.map(|t| clean(&truncate(&t, 40))),
            request_id: doc
                .request_id
                .or(raw.request_id_header.clone())
                .map(|r| clean(&truncate(&r, 100))),
            server_date: raw.server_date,
            skew: raw.skew,
        }))),
        None => Err(unexpected(&raw, endpoint, "not an AWS error document")),
    }
}

fn unexpected(raw: &RawResponse, endpoint: &Endpoint, why: &str) -> OnlineError {
    let start: String = raw.body.trim().chars().take(160).collect();
    OnlineError::UnexpectedResponse {
        endpoint: endpoint.url().to_owned(),
        status: raw.status,
        detail: clean(&format!("{why}; the answer starts with {start:?}")),
        server_date: raw.server_date,
    }
}
