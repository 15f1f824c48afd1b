//! Secrets of every shape in every encoding never survive cleaning, whatever text
//! surrounds them; legitimate text (ARNs, paths, URLs, request ids, error codes, prose)
//! survives untouched; and the leaks a hostile-input probe found (issue 8) stay fixed.

#[path = "support/canary.rs"]
mod canary;

use authdoctor_redact::{Redacted, clean, clean_lines};
use canary::{ENCODINGS, ERRORS, Encoding, Rng, SHAPES, Shape, leak, plant};
use proptest::prelude::*;

const KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn assert_hidden(secret: &str, output: &str, context: &str) {
    if let Some(piece) = leak(secret, output) {
        panic!("`{piece}` of the secret leaked\ninput:\n{context}\noutput:\n{output}");
    }
}

// ---------------------------------------------------------------------------------------
// Regression tests: each leak of issue 8, item 1.

#[test]
fn key_after_an_unknown_name_is_masked() {
    for text in [
        format!("An error occurred (ExpiredToken): Request has expired. SECRET={KEY}"),
        format!("MY_VAR={KEY}"),
        format!("k={KEY},other"),
    ] {
        assert_hidden(KEY, &clean(&text), &text);
    }
}

#[test]
fn key_after_a_slash_is_masked() {
    for text in [
        format!("/{KEY}"),
        format!("reading /home/dev/{KEY} failed"),
        format!("s3://bucket/keys/{KEY}"),
    ] {
        assert_hidden(KEY, &clean(&text), &text);
    }
}

#[test]
fn json_escaped_slashes_do_not_stop_the_mask() {
    let token = format!("IQoJb3JpZ2luX2VjEJr//////////wEaCXVz{}", "Ab1/".repeat(70));
    for escaped in ["\\/", "\\u002f", "\\u002F"] {
        let text = format!(
            "{{\"AccessKeyId\":\"ASIAY34FZKBOKMUTVV7A\",\"SecretAccessKey\":\"{}\",\"SessionToken\":\"{}\"}}",
            KEY.replace('/', escaped),
            token.replace('/', escaped)
        );
        let out = clean(&text);
        assert_hidden(KEY, &out, &text);
        assert_hidden(&token, &out, &text);
        // The escaped rest of the token is gone too, not only its first segment.
        assert!(!out.contains("Ab1"), "{out}");
        assert!(out.contains("ASIA…VV7A"), "{out}");
    }
}

#[test]
fn url_encoded_secret_is_masked() {
    let text = format!(
        "POST body: aws_access_key_id%3DAKIAIOSFODNN7EXAMPLE%26aws_secret_access_key%3D{}",
        KEY.replace('/', "%2F")
    );
    assert_hidden(KEY, &clean(&text), &text);
}

#[test]
fn bare_imds_token_is_masked() {
    let token = "AQAEAHmSp-xF0DbjhAHRNnM1gsdxFDPP3eVXR7f8xTHbQ0-tpA8ZLw==";
    for text in [
        format!("got token {token} from IMDS"),
        format!("aws:userid={token}"),
        format!("[\"{token}\"]"),
    ] {
        assert_hidden(token, &clean(&text), &text);
    }
}

#[test]
fn context_value_shaped_like_a_key_is_masked_in_key_value_form() {
    // `decode`'s human view prints the request context as `key=value` pairs.
    let text = format!("request context: aws:SourceIp=10.0.0.1 custom:Key={KEY}");
    let out = clean(&text);
    assert_hidden(KEY, &out, &text);
    assert!(out.contains("aws:SourceIp=10.0.0.1"), "{out}");
}

#[test]
fn a_key_cut_by_a_line_break_is_masked_on_both_lines() {
    let (head, tail) = KEY.split_at(17);
    let lines = [format!("export SECRET={head}"), format!("{tail} # pasted")];
    let out = clean_lines(&lines);
    assert_hidden(KEY, &out.join("\n"), &lines.join("\n"));
    assert!(out[1].ends_with(" # pasted"), "{out:?}");
    // Cleaning the joined text masks it too.
    assert_hidden(KEY, &clean(&lines.join("\n")), &lines.join("\n"));
}

#[test]
fn a_value_cut_by_a_written_out_line_break_is_masked() {
    // A wrapped value inside a JSON string or Rust debug output: `\n` written out.
    let token = format!("FQoGZXIvYXdz{}", "Xy7+".repeat(60));
    let (head, tail) = token.split_at(22);
    for text in [
        format!("[\"{head}\\n    {tail}\"]"),
        format!("{{\"SessionToken\": \"{head}\\n{tail}\"}}"),
    ] {
        let out = clean(&text);
        assert_hidden(&token, &out, &text);
    }
}

#[test]
fn a_header_after_a_signature_is_not_taken_for_its_rest() {
    // An SDK's request dump: the Authorization header ends with the signature and the
    // next header starts the next line. The signature goes; the header's name stays
    // (explain reads the signing time from it).
    let signature = "f916dc055d17fade1ffb4118ba69bb3ac2c6c49ad9fe0b950f619c71ec155b72";
    let lines = [
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261204/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
        ),
        "X-Amz-Date: 20261204T162410Z".to_owned(),
        "Content-Type: application/x-www-form-urlencoded".to_owned(),
    ];
    let out = clean_lines(&lines);
    assert_hidden(signature, &out.join("\n"), &lines.join("\n"));
    assert_eq!(out[1], lines[1], "{out:?}");
    assert_eq!(out[2], lines[2], "{out:?}");
}

// ---------------------------------------------------------------------------------------
// What must survive.

#[test]
fn legitimate_text_survives() {
    for text in [
        "arn:aws:iam::111122223333:role/service-role/AmazonSSMRoleForInstancesQuickSetup",
        "arn:aws:sts::111122223333:assumed-role/EC2InstanceRole/i-0123456789abcdef0",
        "arn:aws:s3:::my-bucket/prefix/2024/01/01/object-name.tar.gz",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db-AbCdEf",
        "$imdsToken = Invoke-RestMethod -Method Put -Uri http://169.254.169.254/latest/api/token",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/EC2InstanceRole",
        "/usr/local/lib/python3.11/site-packages/botocore/credentials.py",
        "at node_modules/@aws-sdk/credential-provider-imds/dist/cjs/remoteProvider/httpRequest.js:26:38",
        "RequestId: 5c3f8e2a-1b4d-4c6e-9f0a-2b3c4d5e6f70",
        "(RequestToken: 1c2d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f, HandlerErrorCode: AccessDenied)",
        "x-amz-request-id: 4442587FB7D0A2F9",
        "x-amz-id-2: vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
        "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation",
        "com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403)",
        "AWSCredentialsProviderChainUnableToLoadCredentialsException12 raised",
        "git commit 0cdf83ac8cf800ca46738682ff5a0ab35d948915 (a SHA-1 digest is not a key)",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "The security token included in the request is expired",
        "Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled",
        "Set `aws_session_token` in ~/.aws/credentials, or unset AWS_SESSION_TOKEN.",
        "Bearer authentication failed",
        "Encoded authorization failure message: QXdPNaIegKKNwIX54FPmRmeyDRnNY5FRj5xftd0oRvzujmvMcr3GISKoV5XXyCBUB9f-Ho9lYnxBohCO3d09sewXFUiw9aoB2hPOKhydZd-hyX7npQ1Hcn2A-fkTUh5uvOv5cUiRAZNcR_xnfHQgx-mejYbyiXlzJQOSVYC7MHqFIA_KMT6Nkf7NYQ8z0VeR1KCCuYtbCRjG4Ug",
    ] {
        assert_eq!(clean(text), text);
    }
    // Access key ids are shortened, not hidden.
    assert_eq!(
        clean("AccessKeyId: AKIAIOSFODNN7EXAMPLE"),
        "AccessKeyId: AKIA…MPLE"
    );
}

#[test]
fn knowledge_base_prose_survives() {
    // Prose of the kind the scenario files hold, with names of secrets in it.
    let prose = "Temporary credentials carry a session token: set AWS_SESSION_TOKEN together \
                 with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. The IMDSv2 token is requested \
                 with a PUT to /latest/api/token and sent in the X-aws-ec2-metadata-token header; \
                 its TTL header is X-aws-ec2-metadata-token-ttl-seconds: 21600.";
    assert_eq!(clean(prose), prose);
}

#[test]
fn redacted_text_is_cleaned_by_every_constructor() {
    let text = format!("\u{1b}[31mSECRET={KEY}\u{1b}[0m");
    for r in [
        Redacted::new(&text),
        Redacted::from_string(text.clone()),
        Redacted::keeping_style(&text),
    ] {
        assert_hidden(KEY, r.as_str(), &text);
        assert!(!r.contains("\u{1b}]"));
    }
    assert!(!Redacted::new(&text).contains('\u{1b}'));
    let lines = Redacted::lines(&[text.as_str(), "ok"]);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], "ok");
    assert_eq!(
        serde_json::to_string(&Redacted::new(&format!("k {KEY}"))).ok(),
        Some("\"k [redacted secret]\"".to_owned())
    );
}

// ---------------------------------------------------------------------------------------
// Every shape in every encoding, deterministic.

#[test]
fn every_shape_in_every_encoding_is_masked() {
    let mut rng = Rng::new(7);
    for &shape in SHAPES {
        for &encoding in ENCODINGS {
            for error in ERRORS {
                let c = plant(shape, encoding, &mut rng);
                let text = format!("{error} {}", c.text);
                assert_hidden(&c.secret, &clean(&text), &text);
                let lines: Vec<&str> = text.lines().collect();
                assert_hidden(&c.secret, &clean_lines(&lines).join("\n"), &text);
            }
        }
    }
}

/// A block that starts on the second line of a cut value (the first line was not
/// interesting enough to be shown): the fragment at its start is masked.
#[test]
fn the_rest_of_a_cut_value_at_the_start_of_a_block_is_masked() {
    let mut rng = Rng::new(11);
    for &shape in SHAPES {
        // Hex signatures are only recognised after their name; their rest is not.
        if matches!(shape, Shape::Signature | Shape::AmzSignature) {
            continue;
        }
        for encoding in [Encoding::SplitLines, Encoding::SplitIndented] {
            for _ in 0..20 {
                let c = plant(shape, encoding, &mut rng);
                let Some((_, rest)) = c.text.split_once('\n') else {
                    panic!("not split: {c:?}");
                };
                let block = [format!("{rest} {}", ERRORS[0])];
                let out = clean_lines(&block).join("\n");
                let tail = rest.trim_start();
                assert!(!out.contains(tail), "the rest of a {shape:?} leaked: {out}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Properties: many cases, arbitrary surroundings.

fn shapes() -> impl Strategy<Value = Shape> {
    prop::sample::select(SHAPES.to_vec())
}

fn encodings() -> impl Strategy<Value = Encoding> {
    prop::sample::select(ENCODINGS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn planted_canaries_never_survive(
        seed in any::<u64>(),
        shape in shapes(),
        encoding in encodings(),
        before in "[ -~\t]{0,60}",
        after in "[ -~\t\n]{0,60}",
        error in 0..ERRORS.len(),
    ) {
        let c = plant(shape, encoding, &mut Rng::new(seed));
        let text = format!("{before} {} {}\n{after}", c.text, ERRORS[error]);
        let whole = clean(&text);
        prop_assert!(leak(&c.secret, &whole).is_none(), "{text}\n→ {whole}");
        let lines: Vec<&str> = text.lines().collect();
        let by_line = clean_lines(&lines).join("\n");
        prop_assert!(leak(&c.secret, &by_line).is_none(), "{text}\n→ {by_line}");
        // Cleaning is idempotent: a second pass (renderers clean what the engine
        // cleaned) changes nothing.
        prop_assert_eq!(clean(&whole), whole.clone());
    }

    #[test]
    fn two_canaries_side_by_side_never_survive(
        seed in any::<u64>(),
        first in (shapes(), encodings()),
        second in (shapes(), encodings()),
        separator in prop::sample::select(vec![" ", "\n", ", ", "\t", "&", ";"]),
    ) {
        let mut rng = Rng::new(seed);
        let a = plant(first.0, first.1, &mut rng);
        let b = plant(second.0, second.1, &mut rng);
        let text = format!("{}{separator}{}", a.text, b.text);
        let out = clean(&text);
        prop_assert!(leak(&a.secret, &out).is_none(), "{text}\n→ {out}");
        prop_assert!(leak(&b.secret, &out).is_none(), "{text}\n→ {out}");
    }

    #[test]
    fn arns_and_paths_of_words_survive(
        account in "[0-9]{12}",
        words in prop::collection::vec(prop::sample::select(vec![
            "home", "dev", "UserGuide", "latest", "AWSEC2", "config", "credentials", "Service",
            "Role", "instances", "bucket", "prefix", "logs", "App", "DeployRole", "builds",
            "Terraform", "modules", "ProdAccount", "src", "lib", "node_modules", "cjs", "dist",
            "remoteProvider", "httpRequest", "AmazonSSMRoleForInstancesQuickSetup", "ec2",
            "S3Client", "v2", "2024", "reports", "README",
        ]), 1..8),
        region in prop::sample::select(vec!["us-east-1", "eu-west-2", "ap-southeast-1"]),
    ) {
        let path = words.join("/");
        for text in [
            format!("arn:aws:iam::{account}:role/{path}"),
            format!("arn:aws:s3:::bucket-{account}/{path}.json"),
            format!("https://s3.{region}.amazonaws.com/{path}"),
            format!("/var/lib/{path}"),
        ] {
            prop_assert_eq!(clean(&text), text.clone());
        }
    }
}
