//! The few fields of a CloudTrail record that `scan` reads, borrowed from the input
//! bytes (every other field is skipped by the parser), and which error codes count as
//! authentication or authorization failures.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string field, borrowed from the input when it has no escapes. Any other JSON type
/// (a number, an object, `null`) reads as absent instead of failing the whole record:
/// real logs are not always of the documented shape.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl Text<'_> {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// An object field that reads as absent when the value is not an object (a string
/// where `userIdentity` should be, say), instead of failing the whole record.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectOrNothing<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOrNothing<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(ObjectOrNothing(std::marker::PhantomData))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<'a> {
    #[serde(borrow, default)]
    pub event_time: Text<'a>,
    #[serde(borrow, default)]
    pub event_source: Text<'a>,
    #[serde(borrow, default)]
    pub event_name: Text<'a>,
    #[serde(borrow, default)]
    pub aws_region: Text<'a>,
    #[serde(borrow, default, rename = "sourceIPAddress")]
    pub source_ip: Text<'a>,
    #[serde(borrow, default)]
    pub user_agent: Text<'a>,
    #[serde(borrow, default)]
    pub error_code: Text<'a>,
    #[serde(borrow, default)]
    pub error_message: Text<'a>,
    #[serde(borrow, default, rename = "eventID")]
    pub event_id: Text<'a>,
    #[serde(borrow, default)]
    pub recipient_account_id: Text<'a>,
    #[serde(borrow, default, deserialize_with = "lenient")]
    pub user_identity: Option<UserIdentity<'a>>,
}

/// Only what the window and account/region filters need, for records that are
/// otherwise only counted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Minimal<'a> {
    #[serde(borrow, default)]
    pub event_time: Text<'a>,
    #[serde(borrow, default)]
    pub aws_region: Text<'a>,
    #[serde(borrow, default)]
    pub recipient_account_id: Text<'a>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    #[serde(borrow, default)]
    pub arn: Text<'a>,
    #[serde(borrow, default)]
    pub principal_id: Text<'a>,
    #[serde(borrow, default)]
    pub account_id: Text<'a>,
    #[serde(borrow, default)]
    pub access_key_id: Text<'a>,
    #[serde(borrow, default)]
    pub invoked_by: Text<'a>,
    #[serde(borrow, default, deserialize_with = "lenient")]
    pub session_context: Option<SessionContext<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    #[serde(borrow, default, deserialize_with = "lenient")]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow, default)]
    pub ec2_role_delivery: Text<'a>,
}

#[derive(Debug, Deserialize)]
pub struct SessionIssuer<'a> {
    #[serde(borrow, default)]
    pub arn: Text<'a>,
}

impl Record<'_> {
    pub fn delivery(&self) -> Option<&str> {
        self.user_identity
            .as_ref()?
            .session_context
            .as_ref()?
            .ec2_role_delivery
            .as_deref()
    }

    /// Who made the call: `userIdentity.arn`, else the service that invoked it, else the
    /// principal id. The same order as the SQL's `coalesce` (see `sql.rs`).
    pub fn principal(&self) -> &str {
        let Some(identity) = &self.user_identity else {
            return UNKNOWN_PRINCIPAL;
        };
        [&identity.arn, &identity.invoked_by, &identity.principal_id]
            .into_iter()
            .find_map(|t| t.as_deref().filter(|s| !s.is_empty()))
            .unwrap_or(UNKNOWN_PRINCIPAL)
    }
}

pub const UNKNOWN_PRINCIPAL: &str = "unknown";

/// Error codes (without EC2's `Client.` prefix) that mean the request was refused for
/// its credentials or its permissions. `Client.X` counts as `X`.
pub const AUTH_ERROR_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthFailure",
    "AuthorizationError",
    "NotAuthorized",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureException",
];

/// Every spelling that [`is_auth_failure`] accepts, for the SQL `IN` lists.
pub fn auth_error_spellings() -> Vec<String> {
    AUTH_ERROR_CODES
        .iter()
        .flat_map(|c| [(*c).to_owned(), format!("Client.{c}")])
        .collect()
}

pub fn is_auth_failure(code: &str) -> bool {
    let bare = code.strip_prefix("Client.").unwrap_or(code);
    AUTH_ERROR_CODES.contains(&bare)
}

/// The billing console's "IAM user access not activated" refusal: an account setting
/// (IAM access to billing data), not a policy decision. `scan` counts it apart, in
/// `excluded_errors`, and the SQL excludes it the same way.
pub const BILLING_ACCESS_MESSAGE: &str = "IAM user access not activated";

pub fn is_excluded(message: Option<&str>) -> Option<&'static str> {
    (message == Some(BILLING_ACCESS_MESSAGE)).then_some(
        "billing console access for IAM users is not activated (an account setting, not an IAM policy denial)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_and_without_the_ec2_prefix() {
        assert!(is_auth_failure("Client.UnauthorizedOperation"));
        assert!(is_auth_failure("AccessDenied"));
        assert!(is_auth_failure("ExpiredToken"));
        assert!(!is_auth_failure("ThrottlingException"));
        assert!(!is_auth_failure("Client.InvalidRouteTableID.NotFound"));
        assert!(!is_auth_failure("InvalidAccessException"));
        assert!(!is_auth_failure("Client.DryRunOperation"));
    }

    #[test]
    fn escaped_strings_and_missing_identity_parse() {
        let raw = br#"{"eventTime":"2023-07-10T11:42:18Z","errorMessage":"a \"quoted\" \u00e9","userIdentity":{"accountId":"1","invokedBy":"ec2.amazonaws.com"},"requestParameters":{"executionResult":{"errorCode":"x"}}}"#;
        let r: Record = serde_json::from_slice(raw).unwrap();
        assert_eq!(r.error_message.as_deref(), Some("a \"quoted\" é"));
        assert_eq!(
            r.error_code.as_deref(),
            None,
            "a nested errorCode is not the record's"
        );
        assert_eq!(r.principal(), "ec2.amazonaws.com");
        assert_eq!(r.delivery(), None);
    }
}
