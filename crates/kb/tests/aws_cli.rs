//! Every `aws …` invocation in every scenario's bash fix commands must name a real AWS
//! CLI service, operation and options. The truth is botocore's JSON service models (the
//! AWS CLI is generated from them), installed by `.ci/run` into the workspace's `.venv`;
//! the few CLI commands that are hand-written customisations (`aws configure`, `aws sso
//! login`, `aws s3 cp`, …) are checked against the explicit table below. Names are
//! mapped the way the CLI maps them (`ModifyInstanceMetadataOptions` →
//! `modify-instance-metadata-options`, boolean members also get `--no-…`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use authdoctor_kb::knowledge_base;
use serde_json::Value;

/// Options every CLI command accepts, with whether they take a value.
const GLOBAL_OPTIONS: &[(&str, bool)] = &[
    ("--debug", false),
    ("--endpoint-url", true),
    ("--no-verify-ssl", false),
    ("--no-paginate", false),
    ("--output", true),
    ("--query", true),
    ("--profile", true),
    ("--region", true),
    ("--version", false),
    ("--color", true),
    ("--no-sign-request", false),
    ("--ca-bundle", true),
    ("--cli-read-timeout", true),
    ("--cli-connect-timeout", true),
    ("--cli-binary-format", true),
    ("--no-cli-pager", false),
    ("--cli-auto-prompt", false),
    ("--no-cli-auto-prompt", false),
];

/// Options the CLI adds to every generated operation.
const OPERATION_OPTIONS: &[&str] = &[
    "--cli-input-json",
    "--cli-input-yaml",
    "--generate-cli-skeleton",
];

/// Options the CLI adds to operations that have a paginator.
const PAGINATION_OPTIONS: &[&str] = &["--starting-token", "--page-size", "--max-items"];

/// Hand-written CLI commands that are not in the service models, with their own options
/// (from the AWS CLI command reference). `""` as the operation is the bare command.
const CUSTOMIZATIONS: &[(&str, &str, &[&str])] = &[
    ("configure", "", &[]),
    ("configure", "list", &[]),
    ("configure", "list-profiles", &[]),
    ("configure", "get", &[]),
    ("configure", "set", &[]),
    ("configure", "export-credentials", &["--format"]),
    ("configure", "sso", &["--use-device-code", "--no-browser"]),
    ("configure", "sso-session", &[]),
    ("configure", "import", &["--csv"]),
    (
        "sso",
        "login",
        &["--sso-session", "--no-browser", "--use-device-code"],
    ),
    ("sso", "logout", &[]),
    // Creates AWSDataLifecycleManagerDefaultRole(ForAMIManagement) with its managed policy
    // (Amazon EBS user guide, "AWS managed policies for Amazon Data Lifecycle Manager").
    ("dlm", "create-default-role", &["--resource-type"]),
    (
        "s3",
        "ls",
        &[
            "--recursive",
            "--human-readable",
            "--summarize",
            "--page-size",
            "--request-payer",
        ],
    ),
    (
        "s3",
        "cp",
        &[
            "--recursive",
            "--dryrun",
            "--quiet",
            "--include",
            "--exclude",
            "--acl",
            "--sse",
            "--sse-kms-key-id",
            "--storage-class",
            "--content-type",
            "--no-progress",
            "--only-show-errors",
            "--expected-size",
        ],
    ),
    (
        "s3",
        "rm",
        &[
            "--recursive",
            "--dryrun",
            "--quiet",
            "--include",
            "--exclude",
            "--only-show-errors",
        ],
    ),
    (
        "s3",
        "sync",
        &[
            "--delete",
            "--dryrun",
            "--quiet",
            "--include",
            "--exclude",
            "--exact-timestamps",
            "--size-only",
            "--no-progress",
        ],
    ),
    ("s3", "mb", &[]),
    ("s3", "rb", &["--force"]),
    ("s3", "presign", &["--expires-in"]),
    (
        "eks",
        "update-kubeconfig",
        &[
            "--name",
            "--kubeconfig",
            "--role-arn",
            "--alias",
            "--user-alias",
            "--dry-run",
            "--verbose",
        ],
    ),
    (
        "eks",
        "get-token",
        &["--cluster-name", "--role-arn", "--cluster-id"],
    ),
    ("ecr", "get-login-password", &[]),
];

/// CLI command names that differ from botocore's service directory names.
fn model_service(cli_service: &str) -> &str {
    match cli_service {
        "s3api" => "s3",
        "configservice" => "config",
        other => other,
    }
}

/// The workspace root, resolved: Python finds its venv from the path it is started by,
/// so that path must not contain `..`.
fn workspace_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// botocore's `data/` directory inside the workspace's `.venv`.
fn botocore_data() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let python = workspace_root().join(".venv/bin/python");
        let fix = "run `.ci/run`, or create it: `python3 -m venv .venv && \
                   .venv/bin/pip install -r ci/requirements.txt` in the workspace root";
        assert!(
            python.exists(),
            "{} is missing: the AWS CLI command check needs botocore's service models; {fix}",
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
            "botocore is not importable from {}: {}; {fix}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("data");
        assert!(
            dir.join("sts").is_dir(),
            "{} holds no service models; {fix}",
            dir.display()
        );
        dir
    })
}

/// A JSON file of a service's newest API version, plain or gzipped.
fn read_model_file(service: &str, name: &str) -> Option<Value> {
    let dir = botocore_data().join(service);
    let version = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .max()?;
    let base = dir.join(version).join(name);
    let text = if let Ok(text) = std::fs::read_to_string(&base) {
        text
    } else {
        let gz = std::fs::File::open(base.with_extension("json.gz")).ok()?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{}.gz: {e}", base.display()));
        text
    };
    Some(
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", base.display())),
    )
}

/// botocore's `xform_name(name, '-')`: how the CLI names operations and options.
fn cli_name(name: &str) -> String {
    static SPECIAL: &[(&str, &str)] = &[
        ("CreateCachediSCSIVolume", "create-cached-iscsi-volume"),
        (
            "DescribeCachediSCSIVolumes",
            "describe-cached-iscsi-volumes",
        ),
        (
            "DescribeStorediSCSIVolumes",
            "describe-stored-iscsi-volumes",
        ),
        ("CreateStorediSCSIVolume", "create-stored-iscsi-volume"),
        (
            "ListHITsForQualificationType",
            "list-hits-for-qualification-type",
        ),
        ("ExecutePartiQLStatement", "execute-partiql-statement"),
        ("ExecutePartiQLTransaction", "execute-partiql-transaction"),
        ("ExecutePartiQLBatch", "execute-partiql-batch"),
        ("CreateOAuth2Token", "create-oauth2-token"),
        ("CreateOAuth2TokenWithIAM", "create-oauth2-token-with-iam"),
        (
            "IntrospectOAuth2TokenWithIAM",
            "introspect-oauth2-token-with-iam",
        ),
    ];
    static RES: OnceLock<[regex::Regex; 3]> = OnceLock::new();
    if name.contains('-') {
        return name.to_owned();
    }
    if let Some((_, cli)) = SPECIAL.iter().find(|(n, _)| *n == name) {
        return (*cli).to_owned();
    }
    let [special, first_cap, end_cap] = RES.get_or_init(|| {
        [
            regex::Regex::new("[A-Z]{2,}s$").expect("static regex"),
            regex::Regex::new("(.)([A-Z][a-z]+)").expect("static regex"),
            regex::Regex::new("([a-z0-9])([A-Z])").expect("static regex"),
        ]
    });
    let mut name = name.to_owned();
    if let Some(m) = special.find(&name) {
        let tail = m.as_str().to_lowercase();
        name = format!("{}-{tail}", &name[..m.start()]);
    }
    let s1 = first_cap.replace_all(&name, "${1}-${2}");
    end_cap.replace_all(&s1, "${1}-${2}").to_lowercase()
}

/// What the CLI offers for one service.
struct Service {
    /// CLI operation name → model operation name.
    operations: BTreeMap<String, String>,
    /// CLI waiter name → model operation name.
    waiters: BTreeMap<String, String>,
    paginated: BTreeSet<String>,
    model: Value,
}

impl Service {
    fn load(service: &str) -> Option<Service> {
        let model = read_model_file(service, "service-2.json")?;
        let operations = model["operations"]
            .as_object()?
            .keys()
            .map(|op| (cli_name(op), op.clone()))
            .collect();
        let waiters = read_model_file(service, "waiters-2.json")
            .and_then(|w| {
                w["waiters"].as_object().map(|ws| {
                    ws.iter()
                        .filter_map(|(name, w)| {
                            Some((cli_name(name), w["operation"].as_str()?.to_owned()))
                        })
                        .collect()
                })
            })
            .unwrap_or_default();
        let paginated = read_model_file(service, "paginators-1.json")
            .and_then(|p| {
                p["pagination"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
            })
            .unwrap_or_default();
        Some(Service {
            operations,
            waiters,
            paginated,
            model,
        })
    }

    fn shape(&self, name: &str) -> &Value {
        &self.model["shapes"][name]
    }

    /// CLI option name → member shape name, for an operation's input.
    fn options(&self, operation: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let op = &self.model["operations"][operation];
        if let Some(input) = op["input"]["shape"].as_str()
            && let Some(members) = self.shape(input)["members"].as_object()
        {
            for (member, spec) in members {
                let shape = spec["shape"].as_str().unwrap_or_default().to_owned();
                let option = format!("--{}", cli_name(member));
                if self.shape(&shape)["type"] == "boolean" {
                    out.insert(format!("--no-{}", cli_name(member)), shape.clone());
                }
                out.insert(option, shape);
            }
        }
        for extra in OPERATION_OPTIONS {
            out.insert((*extra).to_owned(), String::new());
        }
        if self.paginated.contains(operation) {
            for extra in PAGINATION_OPTIONS {
                out.insert((*extra).to_owned(), String::new());
            }
        }
        out
    }

    /// Keys of shorthand syntax (`Key=value,Other=value`) that the shape does not have.
    fn unknown_shorthand_keys(&self, shape: &str, value: &str) -> Vec<String> {
        let mut spec = self.shape(shape);
        if spec["type"] == "list"
            && let Some(member) = spec["member"]["shape"].as_str()
        {
            spec = self.shape(member);
        }
        let Some(members) = spec["members"].as_object() else {
            return Vec::new();
        };
        let shorthand = regex::Regex::new(r"^[A-Za-z0-9]+=[^,=]*(,[A-Za-z0-9]+=[^,=]*)*$")
            .expect("static regex");
        if spec["type"] != "structure" || !shorthand.is_match(value) {
            return Vec::new();
        }
        value
            .split(',')
            .filter_map(|pair| pair.split('=').next())
            .filter(|key| !members.contains_key(*key))
            .map(str::to_owned)
            .collect()
    }
}

fn service(name: &str) -> Option<&'static Service> {
    static CACHE: OnceLock<std::sync::Mutex<HashMap<String, Option<&'static Service>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    *guard
        .entry(name.to_owned())
        .or_insert_with(|| Service::load(name).map(|s| &*Box::leak(Box::new(s))))
}

/// Simple commands of a bash command line, as word lists with quoting removed: split at
/// `&&`, `||`, `|`, `;`, `&`, newlines, and into `$( … )`, backquotes and `( … )`.
fn simple_commands(line: &str) -> Vec<Vec<String>> {
    struct Frame {
        words: Vec<String>,
        word: Option<String>,
        /// `)` or '`' closes this frame; `None` for the top level.
        closer: Option<char>,
        /// The frame was opened inside double quotes.
        in_dquote: bool,
    }
    fn end_word(f: &mut Frame) {
        if let Some(w) = f.word.take() {
            f.words.push(w);
        }
    }
    fn end_command(f: &mut Frame, out: &mut Vec<Vec<String>>) {
        end_word(f);
        if !f.words.is_empty() {
            out.push(std::mem::take(&mut f.words));
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![Frame {
        words: Vec::new(),
        word: None,
        closer: None,
        in_dquote: false,
    }];
    let mut dquote = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let top = stack.len() - 1;
        let push = |stack: &mut Vec<Frame>, ch: char| {
            let top = stack.len() - 1;
            stack[top].word.get_or_insert_with(String::new).push(ch);
        };
        let open = |stack: &mut Vec<Frame>, closer: char, in_dquote: bool| {
            let top = stack.len() - 1;
            // The substitution stands in the outer word as a value.
            stack[top].word.get_or_insert_with(String::new).push('$');
            stack.push(Frame {
                words: Vec::new(),
                word: None,
                closer: Some(closer),
                in_dquote,
            });
        };
        if dquote {
            match c {
                '"' => dquote = false,
                '\\' if next.is_some() => {
                    push(&mut stack, next.unwrap_or_default());
                    i += 1;
                }
                '$' if next == Some('(') => {
                    open(&mut stack, ')', true);
                    dquote = false;
                    i += 1;
                }
                '`' => {
                    open(&mut stack, '`', true);
                    dquote = false;
                }
                _ => push(&mut stack, c),
            }
            i += 1;
            continue;
        }
        match c {
            '\'' => {
                stack[top].word.get_or_insert_with(String::new);
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    push(&mut stack, chars[i]);
                    i += 1;
                }
            }
            '"' => {
                stack[top].word.get_or_insert_with(String::new);
                dquote = true;
            }
            '\\' => {
                if let Some(n) = next.filter(|n| *n != '\n') {
                    push(&mut stack, n);
                }
                i += 1;
            }
            '$' if next == Some('(') => {
                open(&mut stack, ')', false);
                i += 1;
            }
            '(' if stack[top].word.is_none() => open(&mut stack, ')', false),
            ')' | '`' if stack[top].closer == Some(c) => {
                let mut frame = stack.pop().unwrap_or_else(|| unreachable!("frame"));
                end_command(&mut frame, &mut out);
                dquote = frame.in_dquote;
            }
            '`' => open(&mut stack, '`', false),
            '#' if stack[top].word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            // `2>&1`, `&>file`: redirections, not separators.
            '&' if stack[top].word.as_deref().is_some_and(|w| w.ends_with('>'))
                || next == Some('>') =>
            {
                push(&mut stack, c)
            }
            ';' | '|' | '&' | '\n' => end_command(&mut stack[top], &mut out),
            c if c.is_whitespace() => end_word(&mut stack[top]),
            _ => push(&mut stack, c),
        }
        i += 1;
    }
    while let Some(mut frame) = stack.pop() {
        end_command(&mut frame, &mut out);
    }
    out
}

/// The arguments after `aws` in a simple command, if it runs the AWS CLI (possibly after
/// variable assignments, `sudo`, `env`, `time`, `exec`).
fn aws_arguments(words: &[String]) -> Option<&[String]> {
    let assignment = regex::Regex::new("^[A-Za-z_][A-Za-z0-9_]*=").expect("static regex");
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let wrapper = matches!(w, "sudo" | "env" | "time" | "exec" | "command");
        let sudo_flag = w.starts_with('-') && i > 0 && words[i - 1] == "sudo";
        if !(assignment.is_match(w) || wrapper || sudo_flag) {
            break;
        }
        i += 1;
    }
    (words.get(i).map(String::as_str) == Some("aws")).then(|| &words[i + 1..])
}

fn global(option: &str) -> Option<bool> {
    GLOBAL_OPTIONS
        .iter()
        .find(|(name, _)| *name == option)
        .map(|(_, takes_value)| *takes_value)
}

/// Checks one `aws` invocation; returns what is wrong with it.
fn check_aws(args: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    // Positional words (service, operation, waiter) and options with their values.
    let mut positional = Vec::new();
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(opt) = a.strip_prefix("--").map(|_| a.as_str()) {
            let (name, inline) = match opt.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (opt.to_owned(), None),
            };
            // A global that takes a value consumes the next word; so does any other option
            // unless the next word is another option.
            let value = if inline.is_some() {
                inline
            } else if global(&name) == Some(false) {
                None
            } else if let Some(v) = args.get(i + 1).filter(|v| !v.starts_with("--")) {
                if global(&name) == Some(true) || positional.len() >= 2 {
                    i += 1;
                    Some(v.clone())
                } else {
                    None
                }
            } else {
                None
            };
            options.push((name, value));
        } else {
            positional.push(a.clone());
        }
        i += 1;
    }
    let Some(cli_service) = positional.first() else {
        return vec!["`aws` without a service".to_owned()];
    };
    let operation = positional.get(1).map(String::as_str).unwrap_or("");
    let custom = CUSTOMIZATIONS
        .iter()
        .find(|(s, op, _)| s == cli_service && *op == operation);
    let check_options = |allowed: &dyn Fn(&str) -> bool, problems: &mut Vec<String>| {
        for (name, _) in &options {
            if global(name).is_none() && !allowed(name) {
                problems.push(format!(
                    "`aws {cli_service} {operation}` has no option `{name}`"
                ));
            }
        }
    };
    if let Some((_, _, allowed)) = custom {
        check_options(&|o| allowed.contains(&o), &mut problems);
        return problems;
    }
    if CUSTOMIZATIONS.iter().any(|(s, _, _)| s == cli_service)
        && service(model_service(cli_service)).is_none()
    {
        problems.push(format!(
            "`aws {cli_service}` has no subcommand `{operation}` (known: {})",
            CUSTOMIZATIONS
                .iter()
                .filter(|(s, _, _)| s == cli_service)
                .map(|(_, op, _)| *op)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return problems;
    }
    let Some(svc) = service(model_service(cli_service)) else {
        return vec![format!(
            "`aws {cli_service}`: no such service in botocore's models ({})",
            botocore_data().display()
        )];
    };
    let model_op = if operation == "wait" {
        let waiter = positional.get(2).map(String::as_str).unwrap_or("");
        match svc.waiters.get(waiter) {
            Some(op) => op.clone(),
            None => {
                return vec![format!("`aws {cli_service} wait` has no waiter `{waiter}`")];
            }
        }
    } else {
        match svc.operations.get(operation) {
            Some(op) => op.clone(),
            None => {
                return vec![format!(
                    "`aws {cli_service}` has no operation `{operation}`"
                )];
            }
        }
    };
    let allowed = svc.options(&model_op);
    check_options(&|o| allowed.contains_key(o), &mut problems);
    for (name, value) in &options {
        if let (Some(shape), Some(value)) = (allowed.get(name), value)
            && !shape.is_empty()
        {
            for key in svc.unknown_shorthand_keys(shape, value) {
                problems.push(format!(
                    "`aws {cli_service} {operation} {name}`: shorthand key `{key}` is not a \
                     member of {shape}"
                ));
            }
        }
    }
    problems
}

/// Problems of every `aws` invocation in a bash command line.
fn check_bash(command: &str) -> Vec<String> {
    simple_commands(command)
        .iter()
        .filter_map(|words| aws_arguments(words))
        .flat_map(check_aws)
        .collect()
}

#[test]
fn every_aws_cli_command_names_a_real_service_operation_and_options() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for s in knowledge_base().scenarios() {
        for c in &s.fix.commands {
            let invocations = simple_commands(&c.bash)
                .iter()
                .filter(|w| aws_arguments(w).is_some())
                .count();
            checked += invocations;
            for problem in check_bash(&c.bash) {
                failures.push(format!(
                    "crates/kb/scenarios/{}.toml: bash command `{}`: {problem}",
                    s.id, c.bash
                ));
            }
        }
    }
    // Commands quoted in the prose of the fix steps are copied just as often.
    let quoted = regex::Regex::new("`(aws [^`]+)`").expect("static regex");
    for s in knowledge_base().scenarios() {
        for step in &s.fix.steps {
            for m in quoted.captures_iter(step) {
                checked += 1;
                for problem in check_bash(&m[1]) {
                    failures.push(format!(
                        "crates/kb/scenarios/{}.toml: fix step quotes `{}`: {problem}",
                        s.id, &m[1]
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no `aws` command found in the knowledge base");
    println!(
        "checked {checked} aws invocations against {}",
        botocore_data().display()
    );
    assert!(
        failures.is_empty(),
        "AWS CLI commands ({checked} checked): {} problem(s)\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// The validator must reject what it exists to reject.

#[test]
fn names_are_mapped_like_the_cli_maps_them() {
    assert_eq!(
        cli_name("ModifyInstanceMetadataOptions"),
        "modify-instance-metadata-options"
    );
    assert_eq!(
        cli_name("HttpPutResponseHopLimit"),
        "http-put-response-hop-limit"
    );
    assert_eq!(cli_name("GetCallerIdentity"), "get-caller-identity");
    assert_eq!(
        cli_name("ListOpenIDConnectProviders"),
        "list-open-id-connect-providers"
    );
    assert_eq!(cli_name("DescribeDBInstances"), "describe-db-instances");
    assert_eq!(cli_name("ResourceARNs"), "resource-arns");
    assert_eq!(cli_name("CreateOAuth2Token"), "create-oauth2-token");
}

#[test]
fn bash_lines_are_split_into_simple_commands() {
    let cmds = simple_commands(
        r#"TOKEN=$(curl -s -X PUT "http://x/latest/api/token") && aws sts get-caller-identity --query 'A | B' 2>&1 | grep x; echo "$(aws s3 ls)""#,
    );
    let firsts: Vec<&str> = cmds.iter().map(|w| w[0].as_str()).collect();
    assert_eq!(firsts, ["curl", "TOKEN=$", "aws", "grep", "aws", "echo"]);
    assert!(cmds[2].contains(&"A | B".to_owned()), "{cmds:?}");
    assert_eq!(
        aws_arguments(&["sudo".into(), "-E".into(), "aws".into(), "sts".into()]),
        Some(&["sts".to_owned()][..])
    );
}

#[test]
fn the_cli_check_accepts_real_commands_and_rejects_invented_ones() {
    let ok = [
        "aws sts get-caller-identity --region us-east-1 --output json",
        "aws --profile dev ec2 describe-instances --instance-ids i-0123456789abcdef0",
        "aws ec2 modify-instance-metadata-options --instance-id {instance_id} --http-tokens required --http-put-response-hop-limit 2 --http-endpoint enabled",
        "aws ec2 run-instances --image-id ami-1 --metadata-options HttpTokens=required,HttpPutResponseHopLimit=2",
        "aws iam create-policy-version --policy-arn x --policy-document file://p.json --no-set-as-default",
        "aws s3api get-bucket-policy --bucket b",
        "aws ec2 wait instance-running --instance-ids i-1",
        "aws iam list-roles --max-items 5",
        "aws configure list --profile p && aws sso login --profile p",
        "aws s3 ls s3://bucket --recursive",
    ];
    for c in ok {
        assert_eq!(check_bash(c), Vec::<String>::new(), "{c}");
    }
    let bad = [
        ("aws stz get-caller-identity", "no such service"),
        ("aws sts get-caller-identities", "no operation"),
        (
            "aws ec2 modify-instance-metadata-options --instance-id i-1 --hop-limit 2",
            "--hop-limit",
        ),
        (
            "aws ec2 run-instances --metadata-options HttpToken=required",
            "HttpToken",
        ),
        ("aws sso login --profile p --browser", "--browser"),
        ("aws configure frobnicate", "no subcommand"),
        ("aws ec2 wait instance-flying", "no waiter"),
        ("aws sts get-caller-identity --max-items 3", "--max-items"),
        (
            "echo x | aws sts assume-role --role-arn r --session-name s",
            "--session-name",
        ),
    ];
    for (c, why) in bad {
        let problems = check_bash(c);
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "`{c}` should fail with `{why}`, got {problems:?}"
        );
    }
}
