//! Short inputs start fast: the readers' patterns (a dozen case-insensitive regexes, most
//! of a one-message run when compiled) are compiled only for text that needs them. Its own
//! test binary, so no other test has compiled them first.

use authdoctor_explain::{explain_text, readers};

#[test]
fn an_api_error_and_a_plain_log_do_not_compile_the_readers_patterns() {
    let one = "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired";
    assert_eq!(
        explain_text(one)
            .findings()
            .map(|f| f.scenario.as_str())
            .collect::<Vec<_>>(),
        ["expired-token"]
    );
    // Lines between the clues (stack frames, a log collector's prefix, blank lines) are
    // weighed with the log-prefix pattern alone.
    let log = "Mar 17 10:00:00 ip-10-0-1-5 app[812]: starting\n\
               Traceback (most recent call last):\n\
               \x20 File \"app.py\", line 3, in <module>\n\
               botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n\
               \n\
               \tat com.example.App.main(App.java:9)\n";
    assert!(explain_text(log).findings().next().is_some());
    assert!(!readers::patterns_compiled());
    // A line that names the metadata service does need them.
    explain_text(
        "curl: (28) Connection timed out after 1001 milliseconds http://169.254.169.254/latest/api/token",
    );
    assert!(readers::patterns_compiled());
}
