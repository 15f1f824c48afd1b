//! The three calls and their error mapping against moto, a real AWS API emulator (PyPI
//! `moto[server]`, from `ci/requirements.txt`), on 127.0.0.1. Each test starts its own
//! server (moto's IAM-authentication switch is global to a server) and stops it at the end.
//!
//! What moto can and cannot show, found by running it (moto 5.x):
//! - `GetCallerIdentity` and `DescribeInstances` (with `metadataOptions`) are implemented.
//! - `DecodeAuthorizationMessage` is not: moto answers HTTP 500 with an HTML page.
//! - With IAM authentication on (`/moto-api/reset-auth`), moto checks the access key
//!   (`InvalidClientTokenId` for STS, `AuthFailure` 401 for EC2), the signature
//!   (`SignatureDoesNotMatch`, recomputed with botocore) and the user's policies
//!   (`AccessDenied`). It never checks the request time, so clock skew, `ExpiredToken`
//!   and `RequestExpired` cannot be produced by moto: those are covered by the parser
//!   tests in `src/xml.rs` and the local-responder tests in `tests/local.rs`.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use authdoctor_online::{
    Client, Credentials, Endpoints, ErrorCategory, OnlineError, describe_instance_metadata_options,
    get_caller_identity,
};
use support::{MOTO_KEY_ID, MOTO_SECRET, Moto};

fn endpoints(moto: &Moto) -> Endpoints {
    let env = BTreeMap::from([("AWS_ENDPOINT_URL".to_owned(), moto.url())]);
    Endpoints::resolve(&env, "us-east-1").unwrap_or_else(|e| panic!("{e}"))
}

fn client() -> Client {
    // Loopback only, as in CI; generous budget for a busy two-core machine.
    Client::new(Duration::from_secs(10)).loopback_only(true)
}

fn creds(id: &str, secret: &str) -> Credentials {
    Credentials {
        access_key_id: id.to_owned(),
        secret_access_key: secret.to_owned(),
        session_token: None,
    }
}

fn key_of(setup: &serde_json::Value, user: &str) -> Credentials {
    let field = |f: &str| {
        setup[user][f]
            .as_str()
            .unwrap_or_else(|| panic!("setup has no {user}.{f}: {setup}"))
            .to_owned()
    };
    creds(&field("access_key_id"), &field("secret_access_key"))
}

fn aws_error(result: Result<impl std::fmt::Debug, OnlineError>) -> authdoctor_online::AwsError {
    match result {
        Err(OnlineError::Aws(e)) => *e,
        other => panic!("expected an AWS error document, got {other:?}"),
    }
}

#[tokio::test]
async fn get_caller_identity_with_moto_test_keys() {
    let moto = Moto::start();
    let me = get_caller_identity(
        &client(),
        &creds(MOTO_KEY_ID, MOTO_SECRET),
        "us-east-1",
        &endpoints(&moto),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", moto.log_tail()));
    assert_eq!(me.account, "123456789012");
    assert_eq!(me.arn, "arn:aws:sts::123456789012:user/moto");
    // moto reports the access key id as the UserId of its default user; like every
    // key id that reaches a result, it comes back shortened.
    assert_eq!(me.user_id, "AKIA…MPLE");
    assert!(me.request_id.is_some());
    // moto sends a real Date header from the same clock.
    let skew = me.skew.expect("moto sends a Date header");
    assert!(
        skew.as_secs().abs() <= 30,
        "skew {skew:?} against a local server"
    );
}

#[tokio::test]
async fn describe_instances_reads_back_metadata_options() {
    let moto = Moto::start();
    let setup = moto.setup(false);
    let id = |name: &str| {
        setup[name]
            .as_str()
            .unwrap_or_else(|| panic!("{setup}"))
            .to_owned()
    };
    let ep = endpoints(&moto);
    let me = creds(MOTO_KEY_ID, MOTO_SECRET);

    let optional =
        describe_instance_metadata_options(&client(), &me, "us-east-1", &ep, &id("optional"))
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", moto.log_tail()));
    assert_eq!(optional.instance_id, id("optional"));
    assert_eq!(optional.http_tokens.as_deref(), Some("optional"));
    assert_eq!(optional.http_put_response_hop_limit, Some(1));
    assert_eq!(optional.http_endpoint.as_deref(), Some("enabled"));
    assert_eq!(optional.instance_state.as_deref(), Some("running"));

    let required =
        describe_instance_metadata_options(&client(), &me, "us-east-1", &ep, &id("required"))
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", moto.log_tail()));
    assert_eq!(required.http_tokens.as_deref(), Some("required"));
    assert_eq!(required.http_put_response_hop_limit, Some(2));
    assert_eq!(required.http_endpoint.as_deref(), Some("disabled"));
    assert_eq!(required.http_protocol_ipv6.as_deref(), Some("enabled"));
    assert_eq!(required.instance_metadata_tags.as_deref(), Some("enabled"));

    // An instance that does not exist: EC2's error document, request id included.
    let e = aws_error(
        describe_instance_metadata_options(&client(), &me, "us-east-1", &ep, "i-0123456789abcdef0")
            .await,
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.code, "InvalidInstanceID.NotFound");
    assert!(e.message.contains("i-0123456789abcdef0"), "{}", e.message);
    assert!(e.request_id.is_some());
    assert_eq!(e.category(), ErrorCategory::Other);

    // A malformed id never leaves the process.
    assert!(matches!(
        describe_instance_metadata_options(
            &client(),
            &me,
            "us-east-1",
            &ep,
            "i-xyz&Action=RunInstances"
        )
        .await,
        Err(OnlineError::InvalidInput(_))
    ));
}

/// moto has no DecodeAuthorizationMessage: it answers 500 with an HTML page, which must
/// come back as an "unexpected answer", not as a parse panic or a fake AWS error. The
/// successful path is tested against a local responder in `tests/local.rs`.
#[tokio::test]
async fn decode_authorization_message_is_not_implemented_by_moto() {
    let moto = Moto::start();
    let result = authdoctor_online::decode_authorization_message(
        &client(),
        &creds(MOTO_KEY_ID, MOTO_SECRET),
        "us-east-1",
        &endpoints(&moto),
        "AbCdEf0123_encoded-EXAMPLE",
    )
    .await;
    match result {
        Err(OnlineError::UnexpectedResponse { status, detail, .. }) => {
            assert_eq!(status, 500);
            assert!(detail.contains("not an AWS error document"), "{detail}");
        }
        other => panic!("moto now answers DecodeAuthorizationMessage ({other:?}): test it here"),
    }
}

#[tokio::test]
async fn authentication_errors_from_moto_iam() {
    let moto = Moto::start();
    let setup = moto.setup(true);
    let ep = endpoints(&moto);
    let doctor = key_of(&setup, "doctor");
    let nobody = key_of(&setup, "nobody");
    let instance = setup["optional"]
        .as_str()
        .unwrap_or_else(|| panic!("{setup}"));

    // A known key with its secret: who am I.
    let me = get_caller_identity(&client(), &doctor, "us-east-1", &ep)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", moto.log_tail()));
    assert_eq!(me.arn, "arn:aws:iam::123456789012:user/doctor");

    // An unknown key id.
    let unknown = creds("AKIAUNKNOWNKEY000000", MOTO_SECRET);
    let e = aws_error(get_caller_identity(&client(), &unknown, "us-east-1", &ep).await);
    assert_eq!((e.status, e.code.as_str()), (403, "InvalidClientTokenId"));
    assert_eq!(e.category(), ErrorCategory::InvalidClientToken);
    assert_eq!(e.error_type.as_deref(), Some("Sender"));

    // EC2 says the same with its own code.
    let e = aws_error(
        describe_instance_metadata_options(&client(), &unknown, "us-east-1", &ep, instance).await,
    );
    assert_eq!((e.status, e.code.as_str()), (401, "AuthFailure"));
    assert_eq!(e.category(), ErrorCategory::InvalidClientToken);

    // The right key id with a wrong secret.
    let wrong_secret = creds(
        &doctor.access_key_id,
        "0000000000000000000000000000000000000000",
    );
    let result = get_caller_identity(&client(), &wrong_secret, "us-east-1", &ep).await;
    let shown = format!("{result:?}");
    let e = aws_error(result);
    assert_eq!((e.status, e.code.as_str()), (403, "SignatureDoesNotMatch"));
    assert_eq!(e.category(), ErrorCategory::SignatureMismatch);
    assert!(
        !shown.contains(&doctor.secret_access_key) && !shown.contains("Signature="),
        "{shown}"
    );

    // Allowed by policy, then denied without one.
    let options =
        describe_instance_metadata_options(&client(), &doctor, "us-east-1", &ep, instance)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", moto.log_tail()));
    assert_eq!(options.http_tokens.as_deref(), Some("optional"));
    let e = aws_error(
        describe_instance_metadata_options(&client(), &nobody, "us-east-1", &ep, instance).await,
    );
    assert_eq!((e.status, e.code.as_str()), (403, "AccessDenied"));
    assert_eq!(e.category(), ErrorCategory::AccessDenied);
    assert!(e.message.contains("ec2:DescribeInstances"), "{}", e.message);
}
