//! The credentials a call is signed with, and reading static ones from the environment.

use std::collections::BTreeMap;
use std::fmt;

/// An access key pair, with a session token for temporary credentials.
///
/// `Debug` shows the key id shortened (`AKIA…WXYZ`) and never the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AKIA…` (long-term) or `ASIA…` (temporary).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "access_key_id",
                &authdoctor_redact::shorten_key_id(&self.access_key_id),
            )
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) from `env`,
/// when both keys are present and non-empty, as the SDKs read them.
pub fn static_credentials_from_env(env: &BTreeMap<String, String>) -> Option<Credentials> {
    let get = |name: &str| {
        env.get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Some(Credentials {
        access_key_id: get("AWS_ACCESS_KEY_ID")?,
        secret_access_key: get("AWS_SECRET_ACCESS_KEY")?,
        session_token: get("AWS_SESSION_TOKEN"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_keys_and_token() {
        let c = static_credentials_from_env(&env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            ("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
        ]))
        .expect("credentials");
        assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.session_token.as_deref(),
            Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN")
        );
    }

    #[test]
    fn missing_or_empty_parts_give_none() {
        assert!(
            static_credentials_from_env(&env(&[("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")]))
                .is_none()
        );
        assert!(
            static_credentials_from_env(&env(&[
                ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "  "),
            ]))
            .is_none()
        );
        let c = static_credentials_from_env(&env(&[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", ""),
        ]))
        .expect("credentials");
        assert_eq!(c.session_token, None);
    }

    #[test]
    fn debug_hides_secret_and_token() {
        let c = Credentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".into()),
        };
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("wJalr"), "{shown}");
        assert!(!shown.contains("IQoJ"), "{shown}");
        assert!(!shown.contains("ASIAIOSFODNN7EXAMPLE"), "{shown}");
        assert!(shown.contains("ASIA…MPLE"), "{shown}");
    }
}
