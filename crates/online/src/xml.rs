//! Reading the few fields we need out of Query-protocol XML answers (quick-xml's reader
//! API, no serde): the three results and the two error-document shapes
//! (`<ErrorResponse><Error>…</Error><RequestId>` from STS, `<Response><Errors><Error>…
//! </Error></Errors><RequestID>` from EC2).
//!
//! The walker hands every closed element's path and direct text to a callback; the
//! callers match on path suffixes. Bodies are already capped in size by the HTTP layer;
//! nesting is capped here. Unknown entities are an error: nothing is expanded.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Deeper documents are not AWS answers.
const MAX_DEPTH: usize = 64;

/// Walks `xml`, calling `on_close(path, text)` whenever an element ends, where `path`
/// is the local names from the root to that element and `text` its direct text content
/// (entities and CDATA resolved).
pub(crate) fn walk(xml: &str, mut on_close: impl FnMut(&[String], &str)) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut names: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                if names.len() >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} elements"));
                }
                names.push(e.local_name().as_ref().to_owned());
                texts.push(String::new());
            }
            Event::Empty(e) => {
                names.push(e.local_name().as_ref().to_owned());
                on_close(&names, "");
                names.pop();
            }
            Event::End(_) => {
                let text = texts.pop().unwrap_or_default();
                on_close(&names, &text);
                names.pop();
            }
            Event::Text(t) => {
                if let Some(top) = texts.last_mut() {
                    top.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = texts.last_mut() {
                    top.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                if let Some(top) = texts.last_mut() {
                    top.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if names.is_empty() {
        Ok(())
    } else {
        Err(format!("document ends inside <{}>", names.join("><")))
    }
}

fn ends_with(path: &[String], suffix: &[&str]) -> bool {
    path.len() >= suffix.len()
        && path[path.len() - suffix.len()..]
            .iter()
            .zip(suffix)
            .all(|(a, b)| a == b)
}

/// The fields of an AWS error document.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorDoc {
    pub code: String,
    pub message: String,
    pub error_type: Option<String>,
    pub request_id: Option<String>,
}

/// Parses an error document; `None` when `xml` is not one (no `<Error><Code>`).
pub(crate) fn error_doc(xml: &str) -> Option<ErrorDoc> {
    let mut doc = ErrorDoc::default();
    let mut have_code = false;
    // Only the first <Error> counts: EC2 may list several, the first is the cause.
    let mut errors_seen = 0usize;
    walk(xml, |path, text| {
        let in_first_error = errors_seen == 0;
        if in_first_error && ends_with(path, &["Error", "Code"]) {
            doc.code = text.trim().to_owned();
            have_code = true;
        } else if in_first_error && ends_with(path, &["Error", "Message"]) {
            doc.message = text.trim().to_owned();
        } else if in_first_error && ends_with(path, &["Error", "Type"]) {
            doc.error_type = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        } else if path
            .last()
            .is_some_and(|n| n.eq_ignore_ascii_case("RequestId"))
        {
            doc.request_id = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        }
        if path.last().is_some_and(|n| n == "Error") {
            errors_seen += 1;
        }
    })
    .ok()?;
    (have_code && !doc.code.is_empty()).then_some(doc)
}

/// `GetCallerIdentityResult`.
pub(crate) fn caller_identity(
    xml: &str,
) -> Result<(String, String, String, Option<String>), String> {
    let (mut account, mut arn, mut user_id, mut request_id) = (None, None, None, None);
    walk(xml, |path, text| {
        let text = text.trim().to_owned();
        if ends_with(path, &["GetCallerIdentityResult", "Account"]) {
            account = Some(text);
        } else if ends_with(path, &["GetCallerIdentityResult", "Arn"]) {
            arn = Some(text);
        } else if ends_with(path, &["GetCallerIdentityResult", "UserId"]) {
            user_id = Some(text);
        } else if ends_with(path, &["ResponseMetadata", "RequestId"]) {
            request_id = Some(text);
        }
    })?;
    match (account, arn, user_id) {
        (Some(a), Some(r), Some(u)) => Ok((a, r, u, request_id)),
        _ => Err("no GetCallerIdentityResult with Account, Arn and UserId".to_owned()),
    }
}

/// `DecodeAuthorizationMessageResult/DecodedMessage`.
pub(crate) fn decoded_message(xml: &str) -> Result<String, String> {
    let mut message = None;
    walk(xml, |path, text| {
        if ends_with(
            path,
            &["DecodeAuthorizationMessageResult", "DecodedMessage"],
        ) {
            message = Some(text.to_owned());
        }
    })?;
    message.ok_or_else(|| "no DecodeAuthorizationMessageResult/DecodedMessage".to_owned())
}

/// The metadata options and state of one instance in a `DescribeInstances` answer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct InstanceFields {
    pub instance_id: Option<String>,
    pub instance_state: Option<String>,
    pub http_tokens: Option<String>,
    pub http_put_response_hop_limit: Option<String>,
    pub http_endpoint: Option<String>,
    pub http_protocol_ipv6: Option<String>,
    pub instance_metadata_tags: Option<String>,
    pub options_state: Option<String>,
}

/// Every instance in a `DescribeInstances` answer, in document order.
pub(crate) fn instances(xml: &str) -> Result<Vec<InstanceFields>, String> {
    const ITEM: [&str; 2] = ["instancesSet", "item"];
    let mut out = Vec::new();
    let mut current = InstanceFields::default();
    walk(xml, |path, text| {
        let n = path.len();
        // Fields of the instance are at instancesSet/item/<field>[/<sub>].
        let at = |depth_below_item: usize| {
            n >= 2 + depth_below_item && ends_with(&path[..n - depth_below_item], &ITEM)
        };
        let value = || Some(text.trim().to_owned());
        let last = path[n - 1].as_str();
        if at(0) {
            out.push(std::mem::take(&mut current));
        } else if at(1) && last == "instanceId" {
            current.instance_id = value();
        } else if at(2) && path[n - 2] == "instanceState" && last == "name" {
            current.instance_state = value();
        } else if at(2) && path[n - 2] == "metadataOptions" {
            let slot = match last {
                "httpTokens" => &mut current.http_tokens,
                "httpPutResponseHopLimit" => &mut current.http_put_response_hop_limit,
                "httpEndpoint" => &mut current.http_endpoint,
                "httpProtocolIpv6" => &mut current.http_protocol_ipv6,
                "instanceMetadataTags" => &mut current.instance_metadata_tags,
                "state" => &mut current.options_state,
                _ => return,
            };
            *slot = value();
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Parser tests on captured, real-shaped documents. The shapes follow the AWS
    // Query-protocol error format (STS `ErrorResponse`, EC2 `Response/Errors`) and the
    // wording of the messages reported by users of the CLI and SDKs; moto cannot produce
    // ExpiredToken or a clock-skew error, so these are checked here, not end to end.

    const STS_EXPIRED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>ExpiredToken</Code>
    <Message>The security token included in the request is expired</Message>
  </Error>
  <RequestId>4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c</RequestId>
</ErrorResponse>
"#;

    const STS_SKEW: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)</Message>
  </Error>
  <RequestId>a1b2c3d4-0000-4000-8000-000000000001</RequestId>
</ErrorResponse>"#;

    const EC2_UNAUTHORIZED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/AppInstanceRole/i-0123456789abcdef0 is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action. Encoded authorization failure message: AbCdEf0123_encoded-EXAMPLE</Message></Error></Errors><RequestID>6f0b9a54-1d2e-4f3a-8b7c-9d0e1f2a3b4c</RequestID></Response>"#;

    const EC2_REQUEST_EXPIRED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has expired.</Message></Error></Errors><RequestID>0b5f2f2e-7d8c-4e6a-9f1b-2c3d4e5f6a7b</RequestID></Response>"#;

    const STS_INVALID_KEY: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidClientTokenId</Code>
    <Message>The security token included in the request is invalid.</Message>
  </Error>
  <RequestId>f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b</RequestId>
</ErrorResponse>"#;

    #[test]
    fn sts_error_documents() {
        let d = error_doc(STS_EXPIRED).expect("error doc");
        assert_eq!(d.code, "ExpiredToken");
        assert_eq!(
            d.message,
            "The security token included in the request is expired"
        );
        assert_eq!(d.error_type.as_deref(), Some("Sender"));
        assert_eq!(
            d.request_id.as_deref(),
            Some("4e7e2b2c-5b1a-4c7e-9b0e-0d3f0e0a1b2c")
        );
        let d = error_doc(STS_SKEW).expect("error doc");
        assert_eq!(d.code, "SignatureDoesNotMatch");
        assert!(d.message.starts_with("Signature expired: 20220127T001427Z"));
        let d = error_doc(STS_INVALID_KEY).expect("error doc");
        assert_eq!(d.code, "InvalidClientTokenId");
    }

    #[test]
    fn ec2_error_documents() {
        let d = error_doc(EC2_UNAUTHORIZED).expect("error doc");
        assert_eq!(d.code, "UnauthorizedOperation");
        assert!(
            d.message
                .contains("Encoded authorization failure message: AbCdEf0123_encoded-EXAMPLE")
        );
        assert_eq!(d.error_type, None);
        assert_eq!(
            d.request_id.as_deref(),
            Some("6f0b9a54-1d2e-4f3a-8b7c-9d0e1f2a3b4c")
        );
        let d = error_doc(EC2_REQUEST_EXPIRED).expect("error doc");
        assert_eq!(d.code, "RequestExpired");
    }

    #[test]
    fn first_of_several_errors_counts() {
        let xml = "<Response><Errors><Error><Code>First</Code><Message>one</Message></Error>\
                   <Error><Code>Second</Code><Message>two</Message></Error></Errors></Response>";
        let d = error_doc(xml).expect("error doc");
        assert_eq!((d.code.as_str(), d.message.as_str()), ("First", "one"));
    }

    #[test]
    fn entities_and_cdata_in_messages() {
        let xml = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>a &lt;b&gt; &amp; &#x41;&#66; <![CDATA[<raw>]]></Message></Error></ErrorResponse>";
        assert_eq!(error_doc(xml).expect("doc").message, "a <b> & AB <raw>");
    }

    #[test]
    fn not_error_documents() {
        for body in [
            "",
            "<!doctype html><html><title>500 Internal Server Error</title>",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "<ErrorResponse><Error><Message>no code</Message></Error></ErrorResponse>",
            "<ErrorResponse><Error><Code>Truncated",
            "<!DOCTYPE x [<!ENTITY e \"boom\">]><ErrorResponse><Error><Code>&e;</Code></Error></ErrorResponse>",
            "{\"__type\":\"ExpiredTokenException\"}",
        ] {
            assert_eq!(error_doc(body), None, "{body}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let xml = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(walk(&xml, |_, _| {}).is_err());
    }

    #[test]
    fn caller_identity_result() {
        // The documented GetCallerIdentity answer shape (AWS STS API reference example).
        let xml = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/my-role-name/my-role-session-name</Arn>
    <UserId>ARO123EXAMPLE123:my-role-session-name</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>"#;
        let (account, arn, user_id, rid) = caller_identity(xml).expect("parse");
        assert_eq!(account, "123456789012");
        assert_eq!(
            arn,
            "arn:aws:sts::123456789012:assumed-role/my-role-name/my-role-session-name"
        );
        assert_eq!(user_id, "ARO123EXAMPLE123:my-role-session-name");
        assert_eq!(rid.as_deref(), Some("01234567-89ab-cdef-0123-456789abcdef"));
        assert!(caller_identity("<GetCallerIdentityResponse/>").is_err());
    }

    #[test]
    fn decoded_message_keeps_json_text() {
        let xml = r#"<DecodeAuthorizationMessageResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <DecodeAuthorizationMessageResult>
    <DecodedMessage>{"allowed":false,"explicitDeny":true,"context":{"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*"}}</DecodedMessage>
  </DecodeAuthorizationMessageResult>
  <ResponseMetadata><RequestId>5f5e5d5c-0000-4000-8000-000000000002</RequestId></ResponseMetadata>
</DecodeAuthorizationMessageResponse>"#;
        let m = decoded_message(xml).expect("parse");
        assert!(
            m.starts_with(r#"{"allowed":false,"explicitDeny":true"#),
            "{m}"
        );
        // JSON quotes escaped as entities, as some serialisers write them.
        let xml = "<R><DecodeAuthorizationMessageResult><DecodedMessage>{&quot;allowed&quot;:false}</DecodedMessage></DecodeAuthorizationMessageResult></R>";
        assert_eq!(decoded_message(xml).expect("parse"), r#"{"allowed":false}"#);
    }

    #[test]
    fn instance_fields_ignore_lookalike_elements() {
        // Trimmed from a DescribeInstances answer: `state`, `code` and `name` also appear
        // under monitoring, stateReason and placement; only the right paths count.
        let xml = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>
  <instanceId>i-0123456789abcdef0</instanceId>
  <instanceState><code>16</code><name>running</name></instanceState>
  <stateReason><code/><message/></stateReason>
  <monitoring><state>disabled</state></monitoring>
  <metadataOptions><state>applied</state><httpTokens>required</httpTokens>
    <httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint>
    <httpProtocolIpv6>disabled</httpProtocolIpv6><instanceMetadataTags>enabled</instanceMetadataTags></metadataOptions>
  <networkInterfaceSet><item><attachment><status>attached</status></attachment></item></networkInterfaceSet>
  <tagSet><item><key>Name</key><value>web</value></item></tagSet>
</item></instancesSet></item></reservationSet><requestId>r</requestId></DescribeInstancesResponse>"#;
        let list = instances(xml).expect("parse");
        assert_eq!(list.len(), 1);
        let i = &list[0];
        assert_eq!(i.instance_id.as_deref(), Some("i-0123456789abcdef0"));
        assert_eq!(i.instance_state.as_deref(), Some("running"));
        assert_eq!(i.options_state.as_deref(), Some("applied"));
        assert_eq!(i.http_tokens.as_deref(), Some("required"));
        assert_eq!(i.http_put_response_hop_limit.as_deref(), Some("2"));
        assert_eq!(i.http_endpoint.as_deref(), Some("enabled"));
        assert_eq!(i.http_protocol_ipv6.as_deref(), Some("disabled"));
        assert_eq!(i.instance_metadata_tags.as_deref(), Some("enabled"));
        let empty = "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>";
        assert!(instances(empty).expect("parse").is_empty());
    }
}
