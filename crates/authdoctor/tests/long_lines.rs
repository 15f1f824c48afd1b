//! The human view names the same line and column as the JSON view, also on lines long
//! enough to be read in pieces (issue 8, item 7).

use std::process::Command;

#[test]
fn human_and_json_agree_on_the_column_of_evidence_on_a_very_long_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("long.log");
    let text = format!(
        "{} An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired\n",
        "x".repeat(2_000_000)
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let run = |format: &str| {
        let out = Command::new(assert_cmd::cargo::cargo_bin("authdoctor"))
            .args(["explain", "--color", "never", "--format", format])
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json: serde_json::Value =
        serde_json::from_str(&run("json")).unwrap_or_else(|e| panic!("{e}"));
    let first = &json["findings"][0]["evidence"][0];
    let (line, column) = (first["line"].as_u64(), first["column"].as_u64());
    let (Some(line), Some(column)) = (line, column) else {
        panic!("no evidence position: {json:#}");
    };
    assert!(column > 2_000_000, "{column}");
    let human = run("human");
    let location = format!("long.log:{line}:{column}");
    assert!(
        human
            .lines()
            .any(|l| l.contains("-->") && l.ends_with(&location)),
        "human view lacks `{location}`:\n{}",
        human.lines().take(8).collect::<Vec<_>>().join("\n")
    );
}
