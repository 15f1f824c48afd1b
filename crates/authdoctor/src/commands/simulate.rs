//! `authdoctor simulate`: offline IAM evaluation with a trace. Policies and the request
//! come from flags or from case files (`--case`, `--cases FILE.jsonl`); the engine is
//! `authdoctor-policy`; this module reads files, builds findings and prints.

use authdoctor_kb::ScenarioId;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use authdoctor_kb::Finding;
use authdoctor_policy::advice::Advice;
use authdoctor_policy::error::MAX_DOCUMENT_BYTES;
use authdoctor_policy::eval::PolicySet;
use authdoctor_policy::explain::Explanation;
use authdoctor_policy::render::underline;
use authdoctor_policy::{Context, Decision, PolicyKind, Request, parse_case, parse_policy};
use authdoctor_redact::{JsonCleaner, Redacted};

use crate::Outcome;

use crate::output::{Format, Output};
use authdoctor_documents::simulate::{Loaded, document, evaluate, json_text, marks};

/// Boxed: the flags are many and the command enum stays small.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    flags: Box<Flags>,
}

#[derive(Debug, clap::Args)]
pub struct Flags {
    /// A case file: the policies of every layer and the request, as in the examples/ folder
    #[arg(long, value_name = "FILE", conflicts_with = "cases")]
    case: Option<PathBuf>,
    /// Many cases, one JSON document per line; prints one result line each
    #[arg(long, value_name = "FILE.jsonl")]
    cases: Option<PathBuf>,
    /// Identity-based policy file (repeatable)
    #[arg(long, value_name = "FILE")]
    identity: Vec<PathBuf>,
    /// Service control policy file; each one is a level of the organisation, root first (repeatable)
    #[arg(long, value_name = "FILE")]
    scp: Vec<PathBuf>,
    /// Resource control policy file; each one is a level (repeatable)
    #[arg(long, value_name = "FILE")]
    rcp: Vec<PathBuf>,
    /// Resource-based policy file
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
    /// Permissions boundary file
    #[arg(long, value_name = "FILE")]
    boundary: Option<PathBuf>,
    /// Session policy file
    #[arg(long, value_name = "FILE")]
    session: Option<PathBuf>,
    /// The action, e.g. `ec2:RunInstances`
    #[arg(long)]
    action: Option<String>,
    /// The resource ARN (default `*`)
    #[arg(long)]
    resource: Option<String>,
    /// The caller's ARN (user, assumed-role session, role, account root)
    #[arg(long)]
    principal: Option<String>,
    /// The account owning the resource (default: from the resource ARN, else the principal's)
    #[arg(long, value_name = "ACCOUNT")]
    resource_account: Option<String>,
    /// A context key: `KEY=VALUE`, or `KEY=a,b` for a list (repeatable)
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
}

fn read_capped(path: &Path) -> anyhow::Result<String> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut buf = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() > MAX_DOCUMENT_BYTES {
        bail!(
            "{}: over the {} KiB limit for a policy or case file",
            path.display(),
            MAX_DOCUMENT_BYTES / 1024
        );
    }
    String::from_utf8(buf).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

fn from_flags(args: &Flags) -> anyhow::Result<Loaded> {
    let policy = |kind: PolicyKind, path: &PathBuf| -> anyhow::Result<authdoctor_policy::Policy> {
        let text = read_capped(path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(parse_policy(
            kind,
            &name,
            &path.display().to_string(),
            &text,
        )?)
    };
    let mut set = PolicySet::default();
    for p in &args.identity {
        set.identity.push(policy(PolicyKind::Identity, p)?);
    }
    for p in &args.scp {
        set.scps.push(vec![policy(PolicyKind::Scp, p)?]);
    }
    for p in &args.rcp {
        set.rcps.push(vec![policy(PolicyKind::Rcp, p)?]);
    }
    if let Some(p) = &args.resource_policy {
        set.resource = Some(policy(PolicyKind::Resource, p)?);
    }
    if let Some(p) = &args.boundary {
        set.boundary.push(policy(PolicyKind::Boundary, p)?);
    }
    if let Some(p) = &args.session {
        set.session = Some(policy(PolicyKind::Session, p)?);
    }
    let Some(action) = &args.action else {
        bail!("--action is required (or give a --case file)");
    };
    if !action.contains(':') {
        bail!("--action `{action}` must look like `service:Action`");
    }
    let Some(principal) = &args.principal else {
        bail!("--principal is required (or give a --case file)");
    };
    let mut ctx = Context::default();
    for kv in &args.context {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--context `{kv}` must be KEY=VALUE");
        };
        if v.contains(',') {
            ctx.insert(k, v.split(',').map(str::to_owned).collect(), true);
        } else {
            ctx.insert(k, vec![v.to_owned()], false);
        }
    }
    let resource = args.resource.as_deref().unwrap_or("*");
    Ok(Loaded {
        name: None,
        policies: set,
        request: Request::new(
            principal,
            action,
            resource,
            args.resource_account.as_deref(),
            ctx,
        ),
    })
}

fn human(
    loaded: &Loaded,
    ex: &Explanation,
    advice: Option<&Advice>,
    finding: Option<&Finding>,
    output: &Output,
) -> Redacted {
    let req = &loaded.request;
    let mut out = String::new();
    if let Some(n) = &loaded.name {
        out.push_str(&format!("case {n}\n"));
    }
    out.push_str(&format!(
        "{:?}: {} on {} by {}\n",
        ex.decision, req.action, req.resource, req.principal
    ));
    let layers: Vec<String> = ex
        .layers
        .0
        .iter()
        .map(|(l, r)| format!("{l} {r:?}"))
        .collect();
    out.push_str(&format!("layers: {}\n", layers.join(", ")));
    if !ex.deciding.is_empty() {
        let d: Vec<String> = ex
            .deciding
            .iter()
            .map(|d| {
                format!(
                    "{} policy `{}` statement `{}`",
                    d.layer, d.policy, d.statement
                )
            })
            .collect();
        out.push_str(&format!("deciding: {}\n", d.join("; ")));
    }
    if let Some(m) = &ex.missing_allow {
        out.push_str(&format!("denied because {}\n", m.message));
    }
    let id = advice
        .and_then(|a| a.scenario)
        .map_or("policy", ScenarioId::as_str);
    for (src, m, title) in marks(&loaded.policies, &loaded.request, ex) {
        out.push('\n');
        out.push_str(&underline(
            &src,
            &title,
            id,
            &m,
            output.color,
            ex.decision != Decision::Allow,
        ));
        out.push('\n');
    }
    if let Some(a) = advice
        && !a.changes.is_empty()
    {
        out.push_str("\nMinimal change:\n");
        for c in &a.changes {
            out.push_str(&format!("  - {}\n", c.describe()));
        }
        let edit = a
            .changes
            .iter()
            .any(|c| matches!(c, authdoctor_policy::advice::Change::EditDeny { .. }));
        out.push_str(if a.verified {
            "  (checked: with this change the simulated decision becomes Allow)\n"
        } else if edit {
            "  (a policy edit: change the policy, then simulate again)\n"
        } else {
            "  (not enough on its own: another layer still denies)\n"
        });
    }
    if let Some(f) = finding {
        out.push_str(&format!("\nscenario {}: {}\n", f.scenario, f.title));
        out.push_str(&format!("  {}\n", f.root_cause.replace('\n', " ")));
        for s in f
            .fix
            .steps
            .iter()
            .skip(advice.map_or(0, |a| a.changes.len()))
        {
            out.push_str(&format!("  - {}\n", s.replace('\n', " ")));
        }
    }
    // Keep our own colours; every other control sequence from the policies is removed.
    Redacted::keeping_style(&out)
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let args = *args.flags;
    if let Some(path) = &args.cases {
        return run_cases(path, output);
    }
    let loaded = match &args.case {
        Some(path) => {
            let text = read_capped(path)?;
            let case = parse_case(&path.display().to_string(), &text)?;
            Loaded {
                name: case.name,
                policies: case.policies,
                request: case.request,
            }
        }
        None => from_flags(&args)?,
    };
    let (ex, advice, findings) = evaluate(&loaded);
    let mut stdout = std::io::stdout().lock();
    match output.format {
        Format::Json => {
            let doc = document(loaded.name.as_deref(), &ex, advice.as_ref(), &findings);
            writeln!(stdout, "{}", json_text(&doc, &mut JsonCleaner::new())?)?;
        }
        Format::Human | Format::Markdown => {
            let text = human(&loaded, &ex, advice.as_ref(), findings.first(), output);
            if output.format == Format::Markdown {
                writeln!(stdout, "```text\n{}```", text)?;
            } else {
                write!(stdout, "{text}")?;
            }
        }
    }
    Ok(if ex.decision == Decision::Allow {
        Outcome::Good
    } else {
        Outcome::Bad
    })
}

/// Whether [`for_each_case`] goes on.
enum Flow {
    Continue,
    Stop,
}

/// Reads `path` line by line (each line bounded), skips the first `skip` lines, and
/// hands every case to `each` with its line number, until `each` says stop.
fn for_each_case(
    path: &Path,
    skip: usize,
    mut each: impl FnMut(usize, Loaded) -> anyhow::Result<Flow>,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        // Bounded line reads: a line longer than the document limit is refused.
        let n = std::io::BufRead::read_until(
            &mut (&mut reader).take(MAX_DOCUMENT_BYTES as u64 + 1),
            b'\n',
            &mut line,
        )?;
        if n == 0 {
            return Ok(());
        }
        if number <= skip {
            continue;
        }
        if line.len() > MAX_DOCUMENT_BYTES {
            bail!(
                "{}:{number}: line over the {} KiB limit",
                path.display(),
                MAX_DOCUMENT_BYTES / 1024
            );
        }
        let text = std::str::from_utf8(&line)
            .with_context(|| format!("{}:{number}: not UTF-8", path.display()))?;
        if text.trim().is_empty() {
            continue;
        }
        let case = parse_case("", text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: {}",
                path.display(),
                number + e.line - 1,
                e.column,
                e.message
            )
        })?;
        let loaded = Loaded {
            name: case.name,
            policies: case.policies,
            request: case.request,
        };
        if let Flow::Stop = each(number, loaded)? {
            return Ok(());
        }
    }
}

/// Output of `--cases` held back while the file is still being checked: a bad line
/// must fail the run (exit 2, with its line and column) before anything is printed.
/// Up to this much is kept in memory, so most files are read, parsed and evaluated
/// once; a file whose results are longer is checked to its end before the rest of it
/// is evaluated, and memory stays bounded whatever its length.
const HELD_OUTPUT: usize = 32 * 1024 * 1024;

/// `--cases`: one result line per case.
fn run_cases(path: &Path, output: &Output) -> anyhow::Result<Outcome> {
    let mut all_allowed = true;
    let mut cleaner = JsonCleaner::new();
    let mut held: Vec<u8> = Vec::new();
    // The last line evaluated into `held`, when it filled up before the end.
    let mut stopped_after = None;
    for_each_case(path, 0, |number, case| {
        if held.len() >= HELD_OUTPUT {
            stopped_after = Some(number - 1);
            return Ok(Flow::Stop);
        }
        all_allowed &= case_line(&mut held, &case, output, &mut cleaner)?;
        Ok(Flow::Continue)
    })?;
    if let Some(evaluated) = stopped_after {
        for_each_case(path, evaluated, |_, _| Ok(Flow::Continue))?;
    }
    let mut stdout = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    stdout.write_all(&held)?;
    drop(held);
    if let Some(evaluated) = stopped_after {
        for_each_case(path, evaluated, |_, case| {
            all_allowed &= case_line(&mut stdout, &case, output, &mut cleaner)?;
            Ok(Flow::Continue)
        })?;
    }
    stdout.flush()?;
    Ok(if all_allowed {
        Outcome::Good
    } else {
        Outcome::Bad
    })
}

/// Evaluates one case of `--cases` and writes its result line; whether it was allowed.
fn case_line(
    out: &mut impl Write,
    l: &Loaded,
    output: &Output,
    cleaner: &mut JsonCleaner,
) -> anyhow::Result<bool> {
    match output.format {
        Format::Json => {
            let (ex, advice, findings) = evaluate(l);
            let doc = document(l.name.as_deref(), &ex, advice.as_ref(), &findings);
            writeln!(out, "{}", cleaner.line(&doc)?)?;
            Ok(ex.decision == Decision::Allow)
        }
        _ => {
            // One line per case names the decision and why: no advice or finding needed.
            let ex = l.policies.explain(&l.request);
            let deciding: Vec<String> = ex
                .deciding
                .iter()
                .map(|d| format!("{}:{}/{}", d.layer, d.policy, d.statement))
                .collect();
            let why = ex
                .missing_allow
                .as_ref()
                .map(|m| m.message.clone())
                .unwrap_or_else(|| deciding.join(", "));
            let line = format!(
                "{}: {:?} {}",
                l.name.as_deref().unwrap_or("-"),
                ex.decision,
                why
            );
            writeln!(out, "{}", Redacted::from_string(line))?;
            Ok(ex.decision == Decision::Allow)
        }
    }
}
