//! Generic markers of authorization and credential errors.
//!
//! They decide one thing: whether text that no scenario explains is still an auth
//! error (finding `unknown`) or no auth error at all (no finding, exit code 1). They
//! never name a scenario; that is the knowledge base's job.

pub struct Marker {
    pub text: &'static str,
    pub case_sensitive: bool,
}

const fn exact(text: &'static str) -> Marker {
    Marker {
        text,
        case_sensitive: true,
    }
}

const fn any_case(text: &'static str) -> Marker {
    Marker {
        text,
        case_sensitive: false,
    }
}

/// Error codes are matched with their exact spelling so that ordinary prose ("access
/// denied for user", "pull access denied") is not taken for an AWS error.
pub const AUTH_MARKERS: &[Marker] = &[
    exact("AccessDenied"),
    exact("Access Denied"),
    exact("UnauthorizedOperation"),
    exact("Unauthorized"),
    exact("UnauthorizedAccess"),
    exact("Forbidden"),
    exact("InvalidClientTokenId"),
    exact("UnrecognizedClientException"),
    exact("SignatureDoesNotMatch"),
    exact("InvalidSignatureException"),
    exact("IncompleteSignature"),
    exact("ExpiredToken"),
    exact("InvalidAccessKeyId"),
    exact("InvalidToken"),
    exact("AuthFailure"),
    exact("AuthorizationHeaderMalformed"),
    exact("MissingAuthenticationToken"),
    exact("Missing Authentication Token"),
    exact("NotAuthorized"),
    exact("MultiFactorAuthentication"),
    exact("NoCredentialProviders"),
    exact("CredentialsProviderError"),
    exact("PartialCredentialsError"),
    exact("CredentialsLoadingError"),
    exact("InvalidGrantException"),
    exact("InvalidIdentityToken"),
    // A decoded authorization message.
    exact("explicitDeny"),
    any_case("not authorized to perform"),
    any_case("is not authorized"),
    any_case("security token"),
    any_case("credential"),
    any_case("instance metadata"),
    any_case("169.254.169.254"),
];

/// Markers that name the subject, not a failure: a debug log of a run that worked
/// says "credential" and the metadata address on every other line. They make an
/// `unknown` finding only next to a word of failure.
pub const SUBJECT_MARKERS: &[&str] = &[
    "security token",
    "credential",
    "instance metadata",
    "169.254.169.254",
];

/// Words that say something went wrong, matched ASCII case-insensitively.
const FAILURE_WORDS: &[&str] = &[
    "error",
    "exception",
    "fail",
    "denied",
    "unable",
    "invalid",
    "refused",
    "timed out",
    "timeout",
    "expired",
    "could not",
    "cannot",
    "can't",
    "not found",
    "forbidden",
    "unauthorized",
    "not authorized",
    "no valid",
    "missing",
];

/// Whether the marker at `index` in [`AUTH_MARKERS`] names only the subject.
pub fn is_subject_marker(index: usize) -> bool {
    AUTH_MARKERS
        .get(index)
        .is_some_and(|m| SUBJECT_MARKERS.contains(&m.text))
}

/// Whether a line says something failed.
pub fn tells_failure(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    FAILURE_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a logger wrote the line at debug or trace level, or it is the JavaScript
/// SDK's trace of its provider chain (`@aws-sdk/credential-provider-env - fromEnv`, and
/// `@smithy/property-provider -> …` for a provider that had nothing and passed on).
/// A run that worked logs its settings (`timeout=…`) and what its chain skipped
/// (`Unable to find environment variable credentials`) at that level: those words are
/// not a failure.
pub fn is_trace_line(line: &str) -> bool {
    const LEVELS: [&str; 2] = ["DEBUG", "TRACE"];
    let bytes = line.as_bytes();
    let level_word = LEVELS.iter().any(|level| {
        line.match_indices(level).any(|(at, word)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + word.len()).copied();
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    });
    if level_word {
        return true;
    }
    let lower = line.to_ascii_lowercase();
    [
        "level=debug",
        "level=trace",
        "\"level\":\"debug\"",
        "\"level\":\"trace\"",
    ]
    .iter()
    .any(|l| lower.contains(l))
        || line.contains("/property-provider -> ")
        || (line
            .trim_start()
            .starts_with("@aws-sdk/credential-provider-")
            && line.contains(" - "))
}
