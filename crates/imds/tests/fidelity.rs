//! Wire-level fidelity: every row of the imds.md §6 checklist, checked with a raw HTTP
//! client against a running emulator (status lines, header spelling, bodies, faults).

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authdoctor_imds::{
    CANARY_ACCESS_KEY_ID, CANARY_SECRET_ACCESS_KEY, CANARY_SECRETS, CANARY_SESSION_TOKEN, Emulator,
    EmulatorConfig, Fault, HttpTokens, RunningEmulator, TokenUse,
};
use support::{Reply, get, put_token, request, request_with_timeout, send_raw, token};

const ROLE: &str = "authdoctor-emulated-role";
const CREDS: &str = "/latest/meta-data/iam/security-credentials/authdoctor-emulated-role";

fn start(config: EmulatorConfig) -> (RunningEmulator, SocketAddr) {
    let imds = Emulator::start(config).expect("emulator starts");
    let addr = imds.local_addrs()[0];
    (imds, addr)
}

fn with_faults(faults: &[Fault]) -> (RunningEmulator, SocketAddr) {
    start(EmulatorConfig {
        faults: faults.to_vec(),
        ..EmulatorConfig::default()
    })
}

fn optional() -> EmulatorConfig {
    EmulatorConfig {
        http_tokens: HttpTokens::Optional,
        ..EmulatorConfig::default()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn parse_http_date(value: &str) -> i64 {
    jiff::fmt::rfc2822::parse(value)
        .map(|z| z.timestamp().as_second())
        .unwrap_or_else(|e| panic!("bad Date `{value}`: {e}"))
}

fn parse_iso(value: &str) -> i64 {
    value
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("bad timestamp `{value}`: {e}"))
        .as_second()
}

/// The headers the real service puts on every response.
fn assert_ec2_headers(reply: &Reply) {
    assert_eq!(reply.header("Server"), Some("EC2ws"), "{reply:?}");
    assert_eq!(reply.header("Connection"), Some("close"), "{reply:?}");
    assert!(reply.header("Date").is_some(), "{reply:?}");
    assert!(reply.header("Content-Type").is_some(), "{reply:?}");
    let length: usize = reply
        .header("Content-Length")
        .expect("Content-Length")
        .parse()
        .expect("numeric Content-Length");
    assert_eq!(length, reply.body.len(), "{reply:?}");
}

fn assert_empty_401(reply: &Reply) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert!(reply.status_line.ends_with("401 Unauthorized"), "{reply:?}");
    assert_eq!(reply.header("Content-Length"), Some("0"));
    assert_eq!(reply.header("Content-Type"), Some("text/plain"));
    assert!(reply.body.is_empty());
    assert_ec2_headers(reply);
}

fn assert_xhtml_404(reply: &Reply) {
    assert_eq!(reply.status, 404, "{reply:?}");
    let body = reply.text();
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"),
        "{body}"
    );
    assert!(body.contains("<title>404 - Not Found</title>"), "{body}");
    assert!(body.contains("<h1>404 - Not Found</h1>"), "{body}");
    assert_ec2_headers(reply);
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("not JSON ({e}): {reply:?}"))
}

// ---------------------------------------------------------------- token endpoint

#[test]
fn token_put_issues_an_opaque_56_character_token_with_the_ttl_header() {
    let (imds, addr) = start(EmulatorConfig::default());
    let reply = put_token(addr, "21600");
    assert_eq!(reply.status, 200);
    // Exact spelling as on the wire from the real service.
    assert!(
        reply
            .header_names()
            .contains(&"X-Aws-Ec2-Metadata-Token-Ttl-Seconds"),
        "{:?}",
        reply.header_names()
    );
    assert_eq!(
        reply.header("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"),
        Some("21600")
    );
    assert_eq!(reply.header("Content-Length"), Some("56"));
    assert_eq!(reply.header("Content-Type"), Some("text/plain"));
    assert_ec2_headers(&reply);
    let token = reply.text();
    assert_eq!(token.len(), 56);
    assert!(token.ends_with("=="), "{token}");
    assert_ne!(token, put_token(addr, "21600").text(), "every token is new");
    assert_eq!(
        put_token(addr, "1").header("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"),
        Some("1")
    );
    let stats = imds.stats();
    assert_eq!((stats.token_puts, stats.tokens_issued), (3, 3));
}

#[test]
fn token_ttl_outside_1_to_21600_or_missing_is_400() {
    let (imds, addr) = start(EmulatorConfig::default());
    for ttl in ["0", "21601", "-1", "abc", "", "1.5", "99999999999999999999"] {
        let reply = put_token(addr, ttl);
        assert_eq!(reply.status, 400, "ttl {ttl:?}: {reply:?}");
        assert_ec2_headers(&reply);
    }
    let missing = request(addr, "PUT", "/latest/api/token", &[]).unwrap();
    assert_eq!(missing.status, 400);
    assert_eq!(imds.stats().tokens_issued, 0);
}

#[test]
fn token_put_with_x_forwarded_for_is_403() {
    let (imds, addr) = start(EmulatorConfig::default());
    let reply = request(
        addr,
        "PUT",
        "/latest/api/token",
        &[
            ("X-aws-ec2-metadata-token-ttl-seconds", "60"),
            ("X-Forwarded-For", "10.1.2.3"),
        ],
    )
    .unwrap();
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_ec2_headers(&reply);
    assert_eq!(imds.stats().tokens_issued, 0);
}

#[test]
fn token_put_on_a_versioned_path_is_403() {
    let (_imds, addr) = start(EmulatorConfig::default());
    for path in ["/2021-03-23/api/token", "/1.0/api/token"] {
        let reply = request(
            addr,
            "PUT",
            path,
            &[("X-aws-ec2-metadata-token-ttl-seconds", "60")],
        )
        .unwrap();
        assert_eq!(reply.status, 403, "{path}: {reply:?}");
    }
}

#[test]
fn other_methods_on_the_token_path_are_405_with_allow_and_no_body() {
    let (_imds, addr) = start(EmulatorConfig::default());
    for method in ["GET", "POST", "DELETE"] {
        let reply = request(addr, method, "/latest/api/token", &[]).unwrap();
        assert_eq!(reply.status, 405, "{method}: {reply:?}");
        assert_eq!(reply.header("Allow"), Some("OPTIONS, PUT"));
        assert_eq!(reply.header("Content-Length"), Some("0"));
        assert_eq!(reply.header("Content-Type"), Some("text/plain"));
        assert!(reply.body.is_empty());
        assert_ec2_headers(&reply);
    }
}

#[test]
fn tokens_are_bound_to_the_emulator_and_expire_by_the_emulated_clock() {
    let (imds, addr) = start(EmulatorConfig::default());
    let (_other, other_addr) = start(EmulatorConfig::default());
    let foreign = token(other_addr);
    assert_empty_401(&get(addr, "/latest/meta-data/instance-id", Some(&foreign)));

    let short = put_token(addr, "60").text();
    let reply = get(addr, "/latest/meta-data/instance-id", Some(&short));
    assert_eq!(reply.status, 200);
    let remaining: u64 = reply
        .header("X-Aws-Ec2-Metadata-Token-Ttl-Seconds")
        .expect("remaining TTL header")
        .parse()
        .unwrap();
    assert!((58..=60).contains(&remaining), "{remaining}");

    // Two minutes later on the instance's clock, the 60 s token has expired.
    imds.set_clock_offset(120);
    assert_empty_401(&get(addr, "/latest/meta-data/instance-id", Some(&short)));
    assert_empty_401(&get(addr, "/latest/meta-data/instance-id", Some("garbage")));
    let log = imds.requests();
    let uses: Vec<TokenUse> = log.iter().map(|r| r.token).collect();
    assert!(uses.contains(&TokenUse::Expired), "{uses:?}");
    assert!(uses.contains(&TokenUse::Invalid), "{uses:?}");
    assert_eq!(imds.stats().bad_token_requests, 3);
}

// ---------------------------------------------------------------- metadata reads

#[test]
fn valid_token_reads_carry_the_remaining_ttl() {
    let (imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    let reply = get(addr, "/latest/meta-data/instance-id", Some(&t));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "i-0a1b2c3d4e5f60718");
    assert!(
        reply
            .header_names()
            .contains(&"X-Aws-Ec2-Metadata-Token-Ttl-Seconds")
    );
    let remaining: u64 = reply
        .header("X-Aws-Ec2-Metadata-Token-Ttl-Seconds")
        .unwrap()
        .parse()
        .unwrap();
    assert!((21_598..=21_600).contains(&remaining), "{remaining}");
    assert_eq!(reply.header("Content-Type"), Some("text/plain"));
    assert_ec2_headers(&reply);
    assert_eq!(imds.stats().v2_requests, 1);
}

#[test]
fn token_less_reads_are_401_when_required_and_served_when_optional() {
    let (imds, addr) = start(EmulatorConfig::default());
    assert_empty_401(&get(addr, "/latest/meta-data/", None));
    let stats = imds.stats();
    assert_eq!(
        (stats.v1_requests, stats.v1_rejected, stats.v1_served),
        (1, 1, 0)
    );

    let (imds, addr) = start(optional());
    let reply = get(addr, "/latest/meta-data/instance-id", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"), None);
    let stats = imds.stats();
    assert_eq!(
        (stats.v1_requests, stats.v1_rejected, stats.v1_served),
        (1, 0, 1)
    );
    assert_eq!(imds.requests()[0].token, TokenUse::Absent);
}

#[test]
fn optional_with_a_bad_token_is_401_unless_configured_otherwise() {
    let (_imds, addr) = start(optional());
    assert_empty_401(&get(
        addr,
        "/latest/meta-data/instance-id",
        Some("not-a-token"),
    ));
    let (_imds, addr) = start(EmulatorConfig {
        reject_invalid_token_when_optional: false,
        ..optional()
    });
    assert_eq!(
        get(addr, "/latest/meta-data/instance-id", Some("not-a-token")).status,
        200
    );
}

#[test]
fn unknown_paths_and_iam_without_a_role_are_404_with_the_xhtml_body() {
    let (_imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    for path in [
        "/latest/meta-data/nope",
        "/latest/meta-data/iam/security-credentials/wrong-role",
        "/nope/",
        "/latest/meta-data/instance-id/",
    ] {
        assert_xhtml_404(&get(addr, path, Some(&t)));
    }
    let (_imds, addr) = with_faults(&[Fault::NoRole]);
    let t = token(addr);
    for path in [
        "/latest/meta-data/iam/",
        "/latest/meta-data/iam/info",
        "/latest/meta-data/iam/security-credentials/",
        CREDS,
    ] {
        assert_xhtml_404(&get(addr, path, Some(&t)));
    }
    let listing = get(addr, "/latest/meta-data/", Some(&t)).text();
    assert!(!listing.lines().any(|l| l == "iam/"), "{listing}");
    // The instance identity credentials exist even without a role.
    let identity = get(
        addr,
        "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
        Some(&t),
    );
    assert_eq!(identity.status, 200);
    assert_eq!(json(&identity)["Code"], "Success");
}

#[test]
fn directory_listings_and_head() {
    let (_imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    let root = get(addr, "/", Some(&t)).text();
    assert!(root.lines().any(|l| l == "latest"), "{root}");
    assert!(root.lines().any(|l| l == "2021-03-23"), "{root}");
    assert_eq!(
        get(addr, "/latest/", Some(&t)).text(),
        "dynamic\nmeta-data\nuser-data"
    );
    let listing = get(addr, "/latest/meta-data/", Some(&t)).text();
    for item in [
        "ami-id",
        "iam/",
        "instance-id",
        "placement/",
        "identity-credentials/",
        "local-ipv4",
    ] {
        assert!(
            listing.lines().any(|l| l == item),
            "{item} missing: {listing}"
        );
    }
    assert!(!listing.ends_with('\n'));
    assert_eq!(
        get(addr, "/latest/meta-data/iam/", Some(&t)).text(),
        "info\nsecurity-credentials/"
    );
    assert_eq!(
        get(
            addr,
            "/latest/meta-data/iam/security-credentials/",
            Some(&t)
        )
        .text(),
        ROLE
    );
    assert_eq!(
        get(addr, "/latest/dynamic/instance-identity/", Some(&t)).text(),
        "rsa2048\npkcs7\ndocument\nsignature\ndsa2048"
    );

    let got = get(addr, "/latest/meta-data/local-ipv4", Some(&t));
    let head = request(
        addr,
        "HEAD",
        "/latest/meta-data/local-ipv4",
        &[("X-aws-ec2-metadata-token", &t)],
    )
    .unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{head:?}");
    assert_eq!(head.header("Content-Length"), got.header("Content-Length"));
    assert_eq!(head.header("Server"), Some("EC2ws"));
    assert_eq!(
        request(addr, "HEAD", "/latest/meta-data/", &[])
            .unwrap()
            .status,
        401,
        "HEAD follows the token rules too"
    );
}

#[test]
fn role_documents() {
    let (imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    let info = get(addr, "/latest/meta-data/iam/info", Some(&t));
    assert_eq!(info.header("Content-Type"), Some("text/plain"));
    let info = json(&info);
    assert_eq!(info["Code"], "Success");
    assert_eq!(
        info["InstanceProfileArn"],
        format!("arn:aws:iam::111122223333:instance-profile/{ROLE}")
    );
    assert!(
        info["InstanceProfileId"]
            .as_str()
            .unwrap()
            .starts_with("AIPA")
    );

    let reply = get(addr, CREDS, Some(&t));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("text/plain"));
    let text = reply.text();
    // Pretty-printed like the real service: two-space indent, `" : "` separators.
    assert!(
        text.starts_with("{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \""),
        "{text}"
    );
    assert!(text.contains(&format!(
        "\n  \"AccessKeyId\" : \"{CANARY_ACCESS_KEY_ID}\",\n"
    )));
    assert!(text.ends_with("\"\n}"), "{text}");
    let creds = json(&reply);
    assert_eq!(creds["Type"], "AWS-HMAC");
    assert_eq!(creds["SecretAccessKey"], CANARY_SECRET_ACCESS_KEY);
    assert_eq!(creds["Token"], CANARY_SESSION_TOKEN);
    let date = parse_http_date(reply.header("Date").unwrap());
    let expiration = parse_iso(creds["Expiration"].as_str().unwrap());
    let updated = parse_iso(creds["LastUpdated"].as_str().unwrap());
    assert!(
        (expiration - date - 6 * 3600).abs() <= 5,
        "Expiration ≈ now + 6 h"
    );
    assert!(updated <= date && date - updated <= 5);
    assert_eq!(imds.stats().credential_fetches, 1);

    // The extended path is 404 unless the instance is "allow-listed".
    assert_xhtml_404(&get(
        addr,
        "/latest/meta-data/iam/security-credentials-extended/",
        Some(&t),
    ));
    let (_imds, addr) = start(EmulatorConfig {
        serve_extended_credentials: true,
        ..EmulatorConfig::default()
    });
    let t = token(addr);
    assert_eq!(
        get(
            addr,
            "/latest/meta-data/iam/security-credentials-extended/",
            Some(&t)
        )
        .text(),
        ROLE
    );
    let extended = json(&get(
        addr,
        &format!("/latest/meta-data/iam/security-credentials-extended/{ROLE}"),
        Some(&t),
    ));
    assert_eq!(extended["AccountId"], "111122223333");
    assert_eq!(extended["SecretAccessKey"], CANARY_SECRET_ACCESS_KEY);
}

#[test]
fn identity_document_placement_and_identity_credentials() {
    let (_imds, addr) = start(EmulatorConfig {
        region: "eu-west-1".into(),
        instance_id: "i-0123456789abcdef0".into(),
        role_name: "app-role".into(),
        ..EmulatorConfig::default()
    });
    let t = token(addr);
    let doc = json(&get(
        addr,
        "/latest/dynamic/instance-identity/document",
        Some(&t),
    ));
    assert_eq!(doc["region"], "eu-west-1");
    assert_eq!(doc["availabilityZone"], "eu-west-1a");
    assert_eq!(doc["instanceId"], "i-0123456789abcdef0");
    assert_eq!(doc["accountId"], "111122223333");
    assert_eq!(doc["version"], "2017-09-30");
    assert!(doc["kernelId"].is_null());
    assert_eq!(
        get(addr, "/latest/meta-data/placement/region", Some(&t)).text(),
        "eu-west-1"
    );
    assert_eq!(
        get(
            addr,
            "/latest/meta-data/placement/availability-zone",
            Some(&t)
        )
        .text(),
        "eu-west-1a"
    );
    assert_eq!(
        get(
            addr,
            "/latest/meta-data/iam/security-credentials/",
            Some(&t)
        )
        .text(),
        "app-role"
    );
    let identity = json(&get(
        addr,
        "/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance",
        Some(&t),
    ));
    assert_eq!(identity["Code"], "Success");
    assert_ne!(
        identity["AccessKeyId"], CANARY_ACCESS_KEY_ID,
        "not the role's credentials"
    );
    assert!(CANARY_SECRETS.contains(&identity["SecretAccessKey"].as_str().unwrap()));
    let info = json(&get(
        addr,
        "/latest/meta-data/identity-credentials/ec2/info",
        Some(&t),
    ));
    assert_eq!(info["AccountId"], "111122223333");
    // A versioned path reads the same tree.
    assert_eq!(
        get(addr, "/2021-03-23/meta-data/instance-id", Some(&t)).text(),
        "i-0123456789abcdef0"
    );
}

#[test]
fn every_response_carries_the_ec2_headers_and_the_emulated_date() {
    let (_imds, addr) = start(EmulatorConfig {
        clock_offset_secs: -600,
        ..EmulatorConfig::default()
    });
    let t = token(addr);
    let replies = [
        put_token(addr, "60"),
        put_token(addr, "0"),
        get(addr, "/latest/meta-data/", Some(&t)),
        get(addr, "/latest/meta-data/", None),
        get(addr, "/latest/meta-data/nope", Some(&t)),
        request(addr, "GET", "/latest/api/token", &[]).unwrap(),
    ];
    for reply in &replies {
        assert_ec2_headers(reply);
        let skew = unix_now() - parse_http_date(reply.header("Date").unwrap());
        assert!(
            (598..=602).contains(&skew),
            "Date should be 10 min behind: {skew}"
        );
    }
    // Credential times follow the emulated clock too.
    let creds = json(&get(addr, CREDS, Some(&t)));
    let expiration = parse_iso(creds["Expiration"].as_str().unwrap());
    let lag = unix_now() + 6 * 3600 - expiration;
    assert!((595..=605).contains(&lag), "{lag}");
}

#[test]
fn ipv6_loopback_and_several_listeners() {
    let (imds, _) = start(EmulatorConfig {
        listen: vec!["127.0.0.1:0".parse().unwrap(), "[::1]:0".parse().unwrap()],
        ..EmulatorConfig::default()
    });
    let urls = imds.base_urls();
    assert_eq!(urls.len(), 2);
    assert!(urls[0].starts_with("http://127.0.0.1:"), "{urls:?}");
    assert!(urls[1].starts_with("http://[::1]:"), "{urls:?}");
    let v6 = imds.local_addrs()[1];
    let t = token(v6);
    assert_eq!(
        get(v6, "/latest/meta-data/instance-id", Some(&t)).status,
        200
    );
    // A token is good on either address: it is the same instance.
    assert_eq!(
        get(
            imds.local_addrs()[0],
            "/latest/meta-data/instance-id",
            Some(&t)
        )
        .status,
        200
    );
}

#[test]
fn non_loopback_listen_addresses_are_refused() {
    for addr in ["0.0.0.0:0", "[::]:0", "169.254.169.254:80"] {
        let err = Emulator::start(EmulatorConfig {
            listen: vec![addr.parse().unwrap()],
            ..EmulatorConfig::default()
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("loopback"), "{err}");
    }
}

#[test]
fn tags_and_user_data_only_when_configured() {
    let (_imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    assert_xhtml_404(&get(addr, "/latest/meta-data/tags/instance", Some(&t)));
    assert_xhtml_404(&get(addr, "/latest/user-data", Some(&t)));

    let (_imds, addr) = start(EmulatorConfig {
        tags: Some(vec![
            ("Name".into(), "web-1".into()),
            ("team".into(), "payments".into()),
        ]),
        user_data: Some("#!/bin/sh\necho hi\n".into()),
        ..EmulatorConfig::default()
    });
    let t = token(addr);
    assert_eq!(
        get(addr, "/latest/meta-data/tags/instance", Some(&t)).text(),
        "Name\nteam"
    );
    assert_eq!(
        get(addr, "/latest/meta-data/tags/instance/team", Some(&t)).text(),
        "payments"
    );
    let user_data = get(addr, "/latest/user-data", Some(&t));
    assert_eq!(
        user_data.header("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(user_data.text(), "#!/bin/sh\necho hi\n");
}

#[test]
fn concurrent_clients_are_all_answered() {
    let (imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let t = t.clone();
            std::thread::spawn(move || get(addr, CREDS, Some(&t)).status)
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 200);
    }
    assert_eq!(imds.stats().credential_fetches, 32);
}

// ---------------------------------------------------------------- faults

#[test]
fn fault_v2_required_overrides_optional() {
    let (imds, addr) = start(EmulatorConfig {
        faults: vec![Fault::V2Required],
        ..optional()
    });
    assert_empty_401(&get(addr, "/latest/meta-data/", None));
    let t = token(addr);
    assert_eq!(get(addr, CREDS, Some(&t)).status, 200);
    assert_eq!(imds.requests()[0].fault, Some("v2-required"));
}

#[test]
fn fault_v1_only_variants_refuse_tokens_and_serve_v1() {
    for (fault, status) in [
        (Fault::V1Only, 403),
        (Fault::V1Only404, 404),
        (Fault::V1Only405, 405),
    ] {
        let (imds, addr) = with_faults(&[fault]);
        let reply = put_token(addr, "21600");
        assert_eq!(reply.status, status, "{fault}: {reply:?}");
        assert_ec2_headers(&reply);
        let creds = get(addr, CREDS, None);
        assert_eq!(creds.status, 200, "{fault}");
        assert_eq!(json(&creds)["SecretAccessKey"], CANARY_SECRET_ACCESS_KEY);
        let stats = imds.stats();
        assert_eq!((stats.tokens_issued, stats.v1_served), (0, 1), "{fault}");
    }
}

#[test]
fn fault_token_400() {
    let (_imds, addr) = with_faults(&[Fault::Token400]);
    assert_eq!(put_token(addr, "21600").status, 400);
}

#[test]
fn fault_hop_limit_swallows_the_put_answer_but_not_gets() {
    let (imds, addr) = start(EmulatorConfig {
        faults: vec![Fault::HopLimit],
        ..optional()
    });
    let err = request_with_timeout(
        addr,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
        Duration::from_millis(700),
    )
    .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "expected a read timeout, got {err:?}"
    );
    assert_eq!(
        get(addr, CREDS, None).status,
        200,
        "IMDSv1 GET still answers"
    );
    let stats = imds.stats();
    assert_eq!(
        (stats.token_puts, stats.tokens_issued, stats.unanswered),
        (1, 0, 1)
    );
    let put = imds
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!((put.status, put.fault), (None, Some("hop-limit")));

    // With HttpTokens=required the same client has no way in.
    let (_imds, addr) = with_faults(&[Fault::HopLimit]);
    assert_empty_401(&get(addr, CREDS, None));
}

#[test]
fn fault_hop_limit_can_reset_the_connection() {
    let (_imds, addr) = start(EmulatorConfig {
        faults: vec![Fault::HopLimit],
        hop_limit_reset_after: Some(Duration::from_millis(200)),
        ..EmulatorConfig::default()
    });
    let err = request_with_timeout(
        addr,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
        Duration::from_secs(5),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
}

#[test]
fn fault_trust_broken() {
    let (_imds, addr) = with_faults(&[Fault::TrustBroken]);
    let t = token(addr);
    let reply = get(addr, CREDS, Some(&t));
    assert_eq!(reply.status, 200);
    let body = json(&reply);
    assert_eq!(body["Code"], "AssumeRoleUnauthorizedAccess");
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("EC2 cannot assume the role {ROLE}."))
    );
    assert!(body.get("SecretAccessKey").is_none());
}

#[test]
fn fault_expired_credentials() {
    let (_imds, addr) = with_faults(&[Fault::ExpiredCredentials]);
    let t = token(addr);
    let reply = get(addr, CREDS, Some(&t));
    let creds = json(&reply);
    let date = parse_http_date(reply.header("Date").unwrap());
    let expiration = parse_iso(creds["Expiration"].as_str().unwrap());
    assert!(expiration < date, "Expiration must be in the past");
    assert_eq!(creds["Code"], "Success");
}

#[test]
fn fault_throttle_answers_429_everywhere() {
    let (imds, addr) = with_faults(&[Fault::Throttle]);
    for reply in [put_token(addr, "21600"), get(addr, CREDS, None)] {
        assert_eq!(reply.status, 429, "{reply:?}");
        assert!(reply.status_line.ends_with("429 Too Many Requests"));
        assert_ec2_headers(&reply);
    }
    assert_eq!(imds.stats().status(429), 2);
}

#[test]
fn fault_disabled_answers_403_everywhere() {
    let (_imds, addr) = with_faults(&[Fault::Disabled]);
    for reply in [
        put_token(addr, "21600"),
        get(addr, CREDS, None),
        get(addr, "/latest/meta-data/", Some("whatever")),
    ] {
        assert_eq!(reply.status, 403, "{reply:?}");
        assert_ec2_headers(&reply);
    }
}

#[test]
fn fault_blackhole_accepts_and_never_answers() {
    let (imds, addr) = with_faults(&[Fault::Blackhole]);
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("TCP accepted");
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    stream
        .write_all(b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let err = stream.read(&mut buf).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    let stats = imds.stats();
    assert_eq!((stats.blackholed_connections, stats.requests), (1, 0));
}

#[test]
fn fault_refused_leaves_nothing_listening() {
    let (imds, addr) = with_faults(&[Fault::Refused]);
    assert!(imds.base_url().starts_with("http://127.0.0.1:"));
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err:?}");
}

#[test]
fn fault_slow_delays_every_answer() {
    let (_imds, addr) = start(EmulatorConfig {
        faults: vec![Fault::Slow],
        slow_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    });
    let started = Instant::now();
    let reply = put_token(addr, "21600");
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "answer came before the delay"
    );
}

#[test]
fn fault_garbage_serves_a_malformed_credentials_body() {
    let (_imds, addr) = with_faults(&[Fault::Garbage]);
    let t = token(addr);
    let reply = get(addr, CREDS, Some(&t));
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
    for secret in CANARY_SECRETS {
        assert!(!reply.text().contains(secret));
    }
    // The rest of the tree is unaffected.
    assert_eq!(
        get(
            addr,
            "/latest/meta-data/iam/security-credentials/",
            Some(&t)
        )
        .text(),
        ROLE
    );
}

#[test]
fn fault_proxy_answers_like_squid() {
    for (fault, status) in [
        (Fault::Proxy, 403),
        (Fault::Proxy407, 407),
        (Fault::Proxy502, 502),
    ] {
        let (_imds, addr) = with_faults(&[fault]);
        for reply in [put_token(addr, "21600"), get(addr, CREDS, None)] {
            assert_eq!(reply.status, status, "{fault}: {reply:?}");
            assert_ne!(reply.header("Server"), Some("EC2ws"));
            assert!(reply.header("Server").unwrap().starts_with("squid"));
            assert!(reply.header("Via").unwrap().contains("squid"));
            assert!(
                reply
                    .header("Content-Type")
                    .unwrap()
                    .starts_with("text/html")
            );
            assert!(reply.text().contains("<html"));
            if status == 407 {
                assert!(reply.header("Proxy-Authenticate").is_some());
            }
        }
    }
}

#[test]
fn faults_can_change_at_run_time() {
    let (imds, addr) = start(EmulatorConfig::default());
    assert_eq!(put_token(addr, "60").status, 200);
    imds.set_faults(vec![Fault::Disabled]);
    assert_eq!(put_token(addr, "60").status, 403);
    imds.set_faults(vec![]);
    assert_eq!(put_token(addr, "60").status, 200);
}

// ---------------------------------------------------------------- robustness

#[test]
fn oversized_and_malformed_requests_are_bounded_and_harmless() {
    let (imds, addr) = start(EmulatorConfig::default());
    // A 1 MiB header: hyper stops reading at its 8 KiB head buffer.
    let mut raw = b"GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend(b"\r\n\r\n");
    match send_raw(addr, &raw, Duration::from_secs(5)) {
        Ok(reply) => assert_eq!(reply.status, 431, "{reply:?}"),
        // The server may close while we are still writing.
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::InvalidData
            ),
            "{e:?}"
        ),
    }
    let garbage = send_raw(
        addr,
        b"\x00\x01\x02 not http\r\n\r\n",
        Duration::from_secs(5),
    );
    if let Ok(reply) = garbage {
        assert_eq!(reply.status, 400, "{reply:?}");
    }
    // A huge declared body is never read.
    let reply = send_raw(
        addr,
        b"PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 99999999999\r\n\r\n",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(reply.status, 200);
    // Still healthy.
    assert_eq!(put_token(addr, "60").status, 200);
    assert!(imds.stats().tokens_issued >= 2);
}

#[test]
fn connection_cap_sheds_an_idle_connection_for_a_new_client() {
    let (imds, addr) = start(EmulatorConfig {
        max_connections: 2,
        ..EmulatorConfig::default()
    });
    // Two idle connections fill both slots; a new client makes the oldest one go.
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let waiting = std::thread::spawn(move || put_token(addr, "60").status);
    assert_eq!(waiting.join().unwrap(), 200);
    assert_eq!(imds.stats().shed_connections, 1);
    drop(idle);
}

#[test]
fn shutdown_stops_serving() {
    let (imds, addr) = start(EmulatorConfig::default());
    assert_eq!(put_token(addr, "60").status, 200);
    imds.shutdown();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn secrets_never_reach_the_request_log_or_debug_output() {
    let (imds, addr) = start(EmulatorConfig::default());
    let t = token(addr);
    let _ = get(addr, CREDS, Some(&t));
    let dump = format!(
        "{:?} {:?} {:?}",
        imds.requests(),
        imds.stats(),
        imds.emulator()
    );
    for secret in CANARY_SECRETS {
        assert!(!dump.contains(secret), "secret in {dump}");
    }
    assert!(!dump.contains(&t), "token in {dump}");
}
