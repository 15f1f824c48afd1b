//! Facts fill fix commands, so a fact must come from a place whose grammar carries it
//! and have the shape of the value it stands for. Regressions for values read from
//! prose, and properties over every extractor.

use authdoctor_explain::{explain_text, facts};
use authdoctor_kb::knowledge_base;
use proptest::prelude::*;

/// The Rust SDK's chain dump names providers, not profiles or error codes.
const RUST_CHAIN_DUMP: &str = "Error: dispatch failure: other: no credentials found in chain: [Environment: environment variable not set, Profile: the credential provider was not enabled, WebIdentityToken: the credential provider was not enabled, EcsContainer: the credential provider was not enabled, Ec2InstanceMetadata: failed to load IMDS session token]";

#[test]
fn the_rust_chain_dump_yields_no_profile_and_no_error_code() {
    let found = facts::extract(RUST_CHAIN_DUMP);
    assert_eq!(found.get("profile"), None, "{found:?}");
    assert_eq!(found.get("error_code"), None, "{found:?}");
    let report = explain_text(RUST_CHAIN_DUMP);
    for finding in report.findings() {
        for command in &finding.fix.commands {
            assert!(
                !command.command.contains("AWS_PROFILE=the")
                    && !command.command.contains("\"the\""),
                "{}",
                command.command
            );
        }
    }
}

#[test]
fn profiles_come_from_grammatical_positions() {
    for (text, want) in [
        ("aws s3 ls --profile dev-admin", "dev-admin"),
        ("AWS_PROFILE=prod aws sts get-caller-identity", "prod"),
        ("The config profile (staging) could not be found", "staging"),
        (
            "Could not resolve credentials using profile: [ci] in configuration/credentials file(s).",
            "ci",
        ),
        ("failed to get shared config profile, sandbox", "sandbox"),
    ] {
        assert_eq!(
            facts::extract(text).get("profile").map(String::as_str),
            Some(want),
            "{text}"
        );
    }
}

/// Words of error prose, including the ones that sit next to facts in real messages.
const WORDS: &[&str] = &[
    "the",
    "a",
    "credential",
    "provider",
    "was",
    "not",
    "enabled",
    "Profile:",
    "profile",
    "Profile",
    "region",
    "Region:",
    "role",
    "Token:",
    "error",
    "failed",
    "to",
    "load",
    "from",
    "instance",
    "metadata",
    "service",
    "bucket",
    "Bucket:",
    "account",
    "user",
    "User:",
    "is",
    "denied",
    "AccessDenied",
    "with",
    "an",
    "explicit",
    "deny",
    "in",
    "policy",
    "Environment:",
    "WebIdentityToken:",
    "EcsContainer:",
    "chain:",
    "[",
    "]",
    ",",
    "(",
    ")",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Prose without a grammatical marker never names a profile.
    #[test]
    fn prose_names_no_profile(words in prop::collection::vec(prop::sample::select(WORDS), 1..40)) {
        let text = words.join(" ");
        let found = facts::extract(&text);
        prop_assert_eq!(found.get("profile"), None, "{}", text);
    }

    /// Whatever the text, every fact that fills a placeholder has that placeholder's
    /// shape, or the fix keeps the placeholder: no command ever carries a value of the
    /// wrong shape.
    #[test]
    fn facts_that_fill_commands_have_their_shape(
        words in prop::collection::vec(prop::sample::select(WORDS), 0..30),
        noise in "[ -~]{0,80}",
    ) {
        let text = format!("{} {noise} ExpiredToken", words.join(" "));
        let kb = knowledge_base();
        let found = facts::extract(&text);
        for (name, placeholder) in kb.placeholders() {
            let filled = kb.fill(&format!("{{{name}}}"), &found);
            if filled != placeholder.display {
                let re = regex::Regex::new(&format!("^(?:{})$", placeholder.pattern))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                prop_assert!(re.is_match(&filled), "{}={} from {}", name, filled, text);
            }
        }
    }

    /// `--profile NAME` is read back exactly, whatever the valid name.
    #[test]
    fn profile_flags_are_read_exactly(name in "[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}") {
        let text = format!("$ aws s3 ls --profile {name}\nUnable to locate credentials");
        let found = facts::extract(&text);
        let expected = name.trim_end_matches(['.', ',', ';', ':']);
        prop_assert_eq!(found.get("profile").map(String::as_str), Some(expected));
    }
}
