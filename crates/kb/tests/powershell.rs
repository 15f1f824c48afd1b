//! Every PowerShell fix command must use real cmdlets with real parameters. The truth is
//! the committed table `tests/data/powershell.toml`: each AWS Tools for PowerShell cmdlet
//! the knowledge base uses, with the API operation it calls and the request member
//! behind each parameter (both checked here against botocore's service models) and the
//! reference page where it was verified; the core PowerShell cmdlets and the external
//! programs allowed. A cmdlet or parameter missing from the table fails, naming the
//! scenario file and the command.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use authdoctor_kb::knowledge_base;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    common_parameters: CommonParameters,
    externals: Externals,
    aws: BTreeMap<String, AwsCmdlet>,
    core: BTreeMap<String, CoreCmdlet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonParameters {
    /// PowerShell's common parameters, valid on every cmdlet.
    powershell: Vec<String>,
    powershell_url: String,
    /// Credential and region parameters of every AWS service cmdlet.
    aws: Vec<String>,
    aws_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Externals {
    /// Programs (not cmdlets) a PowerShell fix may run.
    commands: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwsCmdlet {
    /// botocore service directory; absent for AWS.Tools.Common cmdlets.
    service: Option<String>,
    /// The API operation the cmdlet calls.
    operation: Option<String>,
    /// Parameter → request member path (`MetadataOptions.HttpTokens`), or `""` for a
    /// parameter that is not a request member.
    parameters: BTreeMap<String, String>,
    /// Reference page where the cmdlet and its parameters were verified.
    url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreCmdlet {
    parameters: Vec<String>,
    url: String,
}

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/powershell.toml")
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let path = table_path();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

/// One command found in a PowerShell line.
#[derive(Debug, PartialEq)]
struct Invocation {
    name: String,
    parameters: Vec<String>,
}

/// A small PowerShell reader: finds every command in command position (start of a
/// statement or pipeline element, inside `( )`, `$( )`, `{ }`) with the `-Parameter`
/// names given to it. Strings, hashtable literals, type literals, member access and
/// operators in expressions are skipped.
struct Reader<'a> {
    chars: Vec<char>,
    pos: usize,
    out: &'a mut Vec<Invocation>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn skip_blanks(&mut self) {
        while self
            .peek()
            .is_some_and(|c| c == ' ' || c == '\t' || c == '\r')
        {
            self.pos += 1;
        }
    }

    fn skip_string(&mut self) {
        let quote = self.peek().unwrap_or('\'');
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '`' && quote == '"' {
                self.pos += 1;
            } else if c == '$' && quote == '"' && self.peek() == Some('(') {
                self.pos += 1;
                self.statements(Some(')'));
            } else if c == quote {
                if self.peek() == Some(quote) {
                    self.pos += 1;
                } else {
                    return;
                }
            }
        }
    }

    /// Skips a balanced `[ ]` or `@{ }` region (type literal, hashtable).
    fn skip_balanced(&mut self, open: char, close: char) {
        let mut depth = 0;
        while let Some(c) = self.peek() {
            match c {
                '\'' | '"' => {
                    self.skip_string();
                    continue;
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| {
            !c.is_whitespace() && !matches!(c, '|' | ';' | '(' | ')' | '{' | '}' | '\'' | '"' | ',')
        }) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// Reads statements until `end` (or the end of input).
    fn statements(&mut self, end: Option<char>) {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return,
                Some(c) if Some(c) == end => {
                    self.pos += 1;
                    return;
                }
                Some(';' | '\n' | '|' | '&') => self.pos += 1,
                Some(_) => self.element(end),
            }
        }
    }

    /// One pipeline element, from command position to `|`, `;`, newline or `end`.
    fn element(&mut self, end: Option<char>) {
        self.skip_blanks();
        let Some(c) = self.peek() else { return };
        let word_start = c.is_ascii_alphabetic();
        if word_start {
            let name = self.word();
            let mut parameters = Vec::new();
            self.arguments(end, &mut parameters);
            self.out.push(Invocation { name, parameters });
        } else {
            self.expression(end);
        }
    }

    /// Arguments of a command: `-Name` parameters, values, nested groups.
    fn arguments(&mut self, end: Option<char>, parameters: &mut Vec<String>) {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return,
                Some(c) if Some(c) == end || matches!(c, '|' | ';' | '\n') => return,
                Some('-') if self.peek_at(1).is_some_and(|c| c.is_ascii_alphabetic()) => {
                    self.pos += 1;
                    let w = self.word();
                    let name = w.split(':').next().unwrap_or_default().to_owned();
                    parameters.push(name);
                }
                Some(_) => self.value(),
            }
        }
    }

    /// An expression statement (`(Get-X).Y`, `$a = …`, `[T]::M(…)`): commands only
    /// inside its groups, or after `=` and `|`.
    fn expression(&mut self, end: Option<char>) {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return,
                Some(c) if Some(c) == end || matches!(c, '|' | ';' | '\n') => return,
                Some('=') if self.peek_at(1) != Some('=') => {
                    self.pos += 1;
                    self.element(end);
                    return;
                }
                Some(_) => self.value(),
            }
        }
    }

    /// One value or operator token; nested groups are read as statements.
    fn value(&mut self) {
        match self.peek() {
            Some('\'' | '"') => self.skip_string(),
            Some('(') => {
                self.pos += 1;
                self.statements(Some(')'));
            }
            Some('{') => {
                self.pos += 1;
                self.statements(Some('}'));
            }
            Some('$' | '@') if self.peek_at(1) == Some('(') => {
                self.pos += 2;
                self.statements(Some(')'));
            }
            Some('@') if self.peek_at(1) == Some('{') => {
                self.pos += 1;
                self.skip_balanced('{', '}');
            }
            Some('[') => self.skip_balanced('[', ']'),
            Some(',') => self.pos += 1,
            Some(_) => {
                let w = self.word();
                if w.is_empty() {
                    // A stray closing bracket of an outer group: leave it to the caller.
                    self.pos = self.chars.len().min(self.pos + 1);
                }
            }
            None => {}
        }
    }
}

fn invocations(line: &str) -> Vec<Invocation> {
    // A `{placeholder}` stands for a value, not a script block.
    let placeholder = regex::Regex::new(r"\{[a-z_]+\}").expect("static regex");
    let line = placeholder.replace_all(line, "value");
    let mut out = Vec::new();
    let mut reader = Reader {
        chars: line.chars().collect(),
        pos: 0,
        out: &mut out,
    };
    reader.statements(None);
    out
}

fn is_cmdlet_name(name: &str) -> bool {
    let mut parts = name.splitn(2, '-');
    let verb = parts.next().unwrap_or_default();
    let noun = parts.next().unwrap_or_default();
    !verb.is_empty()
        && !noun.is_empty()
        && verb.chars().all(|c| c.is_ascii_alphabetic())
        && noun.chars().all(|c| c.is_ascii_alphanumeric())
}

/// What is wrong with one PowerShell command line.
fn check_powershell(line: &str) -> Vec<String> {
    let t = table();
    let mut problems = Vec::new();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    for inv in invocations(line) {
        let name = inv.name.as_str();
        let common = |p: &str| t.common_parameters.powershell.iter().any(|c| eq(c, p));
        if let Some((_, cmdlet)) = t.aws.iter().find(|(n, _)| eq(n, name)) {
            for p in &inv.parameters {
                let listed = cmdlet.parameters.keys().any(|k| eq(k, p));
                let aws_common =
                    cmdlet.service.is_some() && t.common_parameters.aws.iter().any(|c| eq(c, p));
                if !listed && !aws_common && !common(p) {
                    problems.push(format!(
                        "`{name}` has no parameter `-{p}` in crates/kb/tests/data/powershell.toml \
                         (verify it in {} and list it there)",
                        cmdlet.url
                    ));
                }
            }
        } else if let Some((_, cmdlet)) = t.core.iter().find(|(n, _)| eq(n, name)) {
            for p in &inv.parameters {
                if !cmdlet.parameters.iter().any(|k| eq(k, p)) && !common(p) {
                    problems.push(format!(
                        "`{name}` has no parameter `-{p}` in crates/kb/tests/data/powershell.toml \
                         (see {})",
                        cmdlet.url
                    ));
                }
            }
        } else if is_cmdlet_name(name) {
            problems.push(format!(
                "cmdlet `{name}` is not in crates/kb/tests/data/powershell.toml: verify it in \
                 the AWS Tools for PowerShell reference (or Microsoft's) and add it, or use \
                 another"
            ));
        } else if !t.externals.commands.iter().any(|c| c == name) {
            problems.push(format!(
                "`{name}` is neither a known cmdlet nor an allowed program \
                 (crates/kb/tests/data/powershell.toml [externals])"
            ));
        }
    }
    problems
}

#[test]
fn every_powershell_command_uses_listed_cmdlets_and_parameters() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for s in knowledge_base().scenarios() {
        for c in &s.fix.commands {
            checked += invocations(&c.powershell).len();
            for problem in check_powershell(&c.powershell) {
                failures.push(format!(
                    "crates/kb/scenarios/{}.toml: powershell command `{}`: {problem}",
                    s.id, c.powershell
                ));
            }
        }
    }
    assert!(
        checked > 0,
        "no PowerShell command found in the knowledge base"
    );
    println!("checked {checked} PowerShell command invocations");
    assert!(
        failures.is_empty(),
        "PowerShell commands: {} problem(s)\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

fn botocore_data() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let python = root.join(".venv/bin/python");
    let fix = "run `.ci/run`, or create it: `python3 -m venv .venv && \
               .venv/bin/pip install -r ci/requirements.txt` in the workspace root";
    assert!(
        python.exists(),
        "{} is missing: checking the cmdlets' API operations needs botocore's service \
         models; {fix}",
        python.display()
    );
    let out = Command::new(&python)
        .args([
            "-c",
            "import botocore,os;print(os.path.dirname(botocore.__file__))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {fix}", python.display()));
    assert!(
        out.status.success(),
        "botocore is not importable from {}; {fix}",
        python.display()
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("data")
}

fn load_model(data: &std::path::Path, service: &str) -> Option<Value> {
    let dir = data.join(service);
    let version = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .max()?;
    let base = dir.join(version).join("service-2.json");
    let text = match std::fs::read_to_string(&base) {
        Ok(t) => t,
        Err(_) => {
            let mut t = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(base.with_extension("json.gz")).ok()?)
                .read_to_string(&mut t)
                .ok()?;
            t
        }
    };
    serde_json::from_str(&text).ok()
}

/// Whether `path` (`A.B`) names a member of the operation's input, walking structures and
/// list members.
fn member_exists(model: &Value, operation: &str, path: &str) -> bool {
    let Some(mut shape) = model["operations"][operation]["input"]["shape"].as_str() else {
        return false;
    };
    for part in path.split('.') {
        let mut spec = &model["shapes"][shape];
        if spec["type"] == "list"
            && let Some(m) = spec["member"]["shape"].as_str()
        {
            spec = &model["shapes"][m];
        }
        match spec["members"][part]["shape"].as_str() {
            Some(next) => shape = next,
            None => return false,
        }
    }
    true
}

#[test]
fn every_listed_aws_cmdlet_calls_a_real_operation_with_real_members() {
    let t = table();
    let data = botocore_data();
    let mut failures = Vec::new();
    let mut models: BTreeMap<String, Option<Value>> = BTreeMap::new();
    for (name, c) in &t.aws {
        let at = format!("crates/kb/tests/data/powershell.toml [aws.\"{name}\"]");
        let page =
            format!("https://docs.aws.amazon.com/powershell/latest/reference/items/{name}.html");
        if c.url != page {
            failures.push(format!("{at}: url should be the reference page {page}"));
        }
        if !is_cmdlet_name(name) {
            failures.push(format!("{at}: not a Verb-Noun cmdlet name"));
        }
        match (&c.service, &c.operation) {
            (Some(service), Some(operation)) => {
                let model = models
                    .entry(service.clone())
                    .or_insert_with(|| load_model(&data, service));
                let Some(model) = model else {
                    failures.push(format!("{at}: botocore has no service `{service}`"));
                    continue;
                };
                if model["operations"][operation.as_str()].is_null() {
                    failures.push(format!(
                        "{at}: service `{service}` has no operation `{operation}`"
                    ));
                    continue;
                }
                for (param, member) in &c.parameters {
                    if !member.is_empty() && !member_exists(model, operation, member) {
                        failures.push(format!(
                            "{at}: parameter `{param}` maps to `{member}`, which is not a \
                             member of {operation}'s input"
                        ));
                    }
                }
            }
            (None, None) => {
                // AWS.Tools.Common cmdlets (credentials, SSO login) call no single operation.
                if c.parameters.values().any(|m| !m.is_empty()) {
                    failures.push(format!(
                        "{at}: a cmdlet without an operation cannot map parameters to members"
                    ));
                }
            }
            _ => failures.push(format!(
                "{at}: give both `service` and `operation`, or neither"
            )),
        }
    }
    for (name, c) in &t.core {
        if !is_cmdlet_name(name) || !c.url.starts_with("https://learn.microsoft.com/") {
            failures.push(format!(
                "crates/kb/tests/data/powershell.toml [core.\"{name}\"]: needs a Verb-Noun name \
                 and a learn.microsoft.com reference"
            ));
        }
    }
    for url in [
        &t.common_parameters.powershell_url,
        &t.common_parameters.aws_url,
    ] {
        if !url.starts_with("https://") {
            failures.push(format!(
                "crates/kb/tests/data/powershell.toml: bad url {url}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s)\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// The reader and the check must find what they exist to find.

#[test]
fn the_reader_finds_commands_in_every_position() {
    let got = invocations(
        r#"[System.Uri]::UnescapeDataString((Get-IAMRole -RoleName x).AssumeRolePolicyDocument); $t = Invoke-RestMethod -Method Put -Headers @{ "a" = "b"; c = 'd' } | Select-Object A, B; Get-ChildItem Env: | Where-Object { $_.Name -eq 'x' } | ForEach-Object { Get-Date -Format o }; (Get-Date).ToUniversalTime(); w32tm /resync"#,
    );
    let names: Vec<(&str, Vec<&str>)> = got
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.parameters.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Get-IAMRole", vec!["RoleName"]),
            ("Invoke-RestMethod", vec!["Method", "Headers"]),
            ("Select-Object", vec![]),
            ("Get-ChildItem", vec![]),
            ("Where-Object", vec![]),
            // A command nested in another's arguments is reported first.
            ("Get-Date", vec!["Format"]),
            ("ForEach-Object", vec![]),
            ("Get-Date", vec![]),
            ("w32tm", vec![]),
        ]
    );
    let strings = invocations(r#"Write-Host 'Get-Foo -Bar' "x $(Get-Date -Format o) y""#);
    let names: Vec<&str> = strings.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Get-Date", "Write-Host"], "{strings:?}");
}

#[test]
fn the_check_rejects_unknown_cmdlets_parameters_and_programs() {
    assert_eq!(
        check_powershell("Get-STSCallerIdentity -ProfileName p -Region us-east-1"),
        Vec::<String>::new()
    );
    let bad = [
        ("Get-STSCallerIdentities", "not in"),
        ("Get-STSCallerIdentity -Profile p", "-Profile"),
        (
            "Use-STSRole -RoleArn r -RoleSessionName s -DurationSeconds 5 -Bogus 1",
            "-Bogus",
        ),
        ("Remove-Item x -Recurce", "-Recurce"),
        ("curl.exe http://x", "neither a known cmdlet"),
    ];
    for (line, why) in bad {
        let problems = check_powershell(line);
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "`{line}` should fail with `{why}`, got {problems:?}"
        );
    }
}
