//! `authdoctor simulate`: offline IAM evaluation with a trace. Policies and the request
//! come from flags or from case files (`--case`, `--cases FILE.jsonl`); the engine is
//! `authdoctor-policy`; this module reads files and prints: the documents and findings
//! are built by `authdoctor_documents::simulate` and rendered by `authdoctor_report`, as
//! for every command.

use authdoctor_kb::ScenarioId;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, bail};
use authdoctor_policy::advice::Advice;
use authdoctor_policy::error::MAX_DOCUMENT_BYTES;
use authdoctor_policy::eval::PolicySet;
use authdoctor_policy::explain::{Explanation, missing_allow_message};
use authdoctor_policy::render::underline;
use authdoctor_policy::{
    Context, Decision, PolicyKind, Request, parse_case, parse_case_text, parse_policy,
};
use authdoctor_redact::Redacted;
use authdoctor_report::DocumentLines;

use crate::Outcome;

use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};
use authdoctor_documents::simulate::{
    ChangeOutcome, Loaded, body, change_outcome, document, evaluate, json_text, marks,
};

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
    /// Many cases, one JSON document per line (`/dev/stdin` reads a pipe); prints one result line each
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
    /// Shell flavour of the finding's fix commands (JSON always carries both; `--cases` prints no finding)
    #[arg(long, value_enum, default_value_t = default_shell())]
    shell: ShellArg,
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
    authdoctor_explain::source::document_text(&buf)
        .with_context(|| format!("{} is not text (UTF-8 or UTF-16)", path.display()))
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

/// What the evaluation says: the decision, each layer's answer, the deciding statements,
/// the policies' deciding pieces underlined and the minimal change, unless a finding
/// (whose fix starts with it) follows. The finding is rendered after it by
/// `authdoctor_report`, as for every command.
fn human(
    loaded: &Loaded,
    ex: &Explanation,
    advice: Option<&Advice>,
    output: &Output,
    with_finding: bool,
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
    // With a finding, the change is the first step of its fix, printed after this.
    if !with_finding
        && let Some(a) = advice
        && !a.changes.is_empty()
    {
        out.push_str("\nMinimal change:\n");
        for c in &a.changes {
            out.push_str(&format!("  - {}\n", c.describe()));
        }
        out.push_str(match change_outcome(a) {
            ChangeOutcome::Verified => {
                "  (checked: with this change the simulated decision becomes Allow)\n"
            }
            ChangeOutcome::PolicyEdit => {
                "  (a policy edit: change the policy, then simulate again)\n"
            }
            ChangeOutcome::NotEnough => "  (not enough on its own: another layer still denies)\n",
        });
    }
    // Keep our own colours; every other control sequence from the policies is removed.
    Redacted::keeping_style(&out)
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let args = *args.flags;
    if let Some(path) = &args.cases {
        return run_cases(path, output);
    }
    let mut loaded = match &args.case {
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
    let (ex, advice, findings) = evaluate(&mut loaded);
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: args.shell.into(),
        origin: None,
    };
    let mut stdout = std::io::stdout().lock();
    match output.format {
        Format::Json => {
            let body = body(loaded.name.as_deref(), &ex, advice.as_ref(), &findings);
            writeln!(stdout, "{}", json_text(&body))?;
        }
        Format::Human | Format::Markdown => {
            let own = human(&loaded, &ex, advice.as_ref(), output, !findings.is_empty());
            let report = if output.format == Format::Human {
                authdoctor_report::human_after(&own, &findings, &options)
            } else {
                authdoctor_report::markdown_after(&own, &findings, &options)
            };
            write!(stdout, "{report}")?;
        }
    }
    Ok(if ex.decision == Decision::Allow {
        Outcome::Good
    } else {
        Outcome::Bad
    })
}

/// Whether the reading of a `--cases` file goes on after a batch.
enum Flow {
    Continue,
    Stop,
}

/// Lines of a `--cases` file handed to a worker at a time: enough to make handing over
/// cheap, few enough that results held for reordering stay small. A batch also ends
/// once it holds [`BATCH_BYTES`] of text.
const BATCH_LINES: usize = 64;
const BATCH_BYTES: usize = 1024 * 1024;
/// Batches read but not yet handed to `each`, at most, per worker: a slow batch holds
/// the ones after it back, and the reader waits rather than reading on.
const BATCHES_AHEAD_PER_WORKER: usize = 4;

/// How far the results handed on have come, for the reader to wait on.
struct Window {
    next: std::sync::Mutex<usize>,
    moved: std::sync::Condvar,
    stop: AtomicBool,
}

impl Window {
    fn advance(&self, next: usize) {
        if let Ok(mut n) = self.next.lock() {
            *n = next;
        }
        self.moved.notify_all();
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        // Taking the lock orders the store before a waiting reader's next check.
        drop(self.next.lock());
        self.moved.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Waits until batch `seq` is within `ahead` of the batches handed on; false on stop.
    fn wait_for_room(&self, seq: usize, ahead: usize) -> bool {
        let Ok(mut next) = self.next.lock() else {
            return false;
        };
        while seq >= *next + ahead && !self.stopped() {
            next = match self.moved.wait(next) {
                Ok(n) => n,
                Err(_) => return false,
            };
        }
        !self.stopped()
    }
}

/// What a worker does with each case: evaluate it and write its result line, or only
/// check that it parses (the pass over the rest of a long file, see [`HELD_OUTPUT`]).
#[derive(Clone, Copy)]
enum Work<'a> {
    Evaluate(&'a Output),
    Check,
}

/// Consecutive lines of the file (line number, text), and the error that stopped the
/// reading after them, if any.
struct Batch {
    seq: usize,
    lines: Vec<(usize, String)>,
    error: Option<anyhow::Error>,
}

/// A batch's result lines, whether every case in it was allowed, and its last line.
struct BatchOutput {
    text: Vec<u8>,
    all_allowed: bool,
    last_line: usize,
}

/// Reads `path` line by line (each line bounded) after its first `skip` lines, and has
/// the cases parsed and evaluated by one worker per core, batch by batch. `each` gets the
/// batches' results in file order, until it says stop; the first bad line (in file
/// order) ends the run with its error, and nothing after it reaches `each`. Memory is
/// bounded: the reader waits while the workers are busy and results wait only for the
/// batches before them.
fn cases_in_parallel(
    input: &CasesInput<'_>,
    skip: usize,
    work: Work<'_>,
    mut each: impl FnMut(BatchOutput) -> anyhow::Result<Flow>,
) -> anyhow::Result<()> {
    let path = input.path;
    let file = input.open()?;
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let window = Window {
        next: std::sync::Mutex::new(0),
        moved: std::sync::Condvar::new(),
        stop: AtomicBool::new(false),
    };
    let ahead = workers * BATCHES_AHEAD_PER_WORKER;
    let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<Batch>(workers * 2);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let (done_tx, done_rx) =
        std::sync::mpsc::sync_channel::<(usize, anyhow::Result<BatchOutput>)>(workers * 2);
    std::thread::scope(|scope| {
        let window = &window;
        // The reader owns the sending end: when it is done, the workers' queue closes.
        scope.spawn(move || read_batches(path, file, skip, &batch_tx, window, ahead));
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let batch_rx = &batch_rx;
            scope.spawn(move || {
                let mut documents = DocumentLines::new();
                // Until the reader is done; after a stop, batches are taken and dropped,
                // so a reader waiting for room always gets it and sees the stop.
                loop {
                    let next = match batch_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = next else { return };
                    if window.stopped() {
                        continue;
                    }
                    // A bug that panics must end the run with an error, not leave the
                    // batch's result missing and the others waiting for it forever.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_batch(path, batch.lines, batch.error, work, &mut documents)
                    }))
                    .unwrap_or_else(|_| {
                        Err(anyhow::anyhow!(
                            "internal error while evaluating {} (a bug: please report it)",
                            path.display()
                        ))
                    });
                    // Fails only once the results are no longer wanted (a stop).
                    let _ = done_tx.send((batch.seq, result));
                }
            });
        }
        drop(done_tx);
        // Results in file order; later batches wait here for the ones before them.
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0;
        let mut outcome = Ok(());
        'results: for (seq, result) in done_rx.iter() {
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                next += 1;
                window.advance(next);
                match result.and_then(&mut each) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Stop) => break 'results,
                    Err(e) => {
                        outcome = Err(e);
                        break 'results;
                    }
                }
            }
        }
        window.stop();
        // The workers' results after a stop are dropped with the receiving end.
        drop(done_rx);
        outcome
    })
}

/// The reading thread of [`cases_in_parallel`]: bounded lines, in batches.
fn read_batches(
    path: &Path,
    file: std::fs::File,
    skip: usize,
    batches: &std::sync::mpsc::SyncSender<Batch>,
    window: &Window,
    ahead: usize,
) {
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, file);
    let mut number = 0usize;
    for seq in 0.. {
        let mut lines = Vec::with_capacity(BATCH_LINES);
        let mut error = None;
        let mut end = false;
        let mut bytes = 0;
        while lines.len() < BATCH_LINES && bytes < BATCH_BYTES {
            number += 1;
            let mut line = Vec::new();
            // Bounded line reads: a line longer than the document limit is refused.
            let read = std::io::BufRead::read_until(
                &mut (&mut reader).take(MAX_DOCUMENT_BYTES as u64 + 1),
                b'\n',
                &mut line,
            );
            match read {
                Ok(0) => {
                    end = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    error = Some(
                        anyhow::Error::new(e).context(format!("cannot read {}", path.display())),
                    );
                    break;
                }
            }
            if number <= skip {
                continue;
            }
            if line.len() > MAX_DOCUMENT_BYTES {
                error = Some(anyhow::anyhow!(
                    "{}:{number}: line over the {} KiB limit",
                    path.display(),
                    MAX_DOCUMENT_BYTES / 1024
                ));
                break;
            }
            match String::from_utf8(line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => {
                    bytes += text.len();
                    lines.push((number, text));
                }
                Err(e) => {
                    error = Some(
                        anyhow::Error::new(e)
                            .context(format!("{}:{number}: not UTF-8", path.display())),
                    );
                    break;
                }
            }
        }
        let last = end || error.is_some();
        if (lines.is_empty() && error.is_none()) || !window.wait_for_room(seq, ahead) {
            return;
        }
        if batches.send(Batch { seq, lines, error }).is_err() || last {
            return;
        }
    }
}

/// Parses (and with [`Work::Evaluate`] evaluates) the cases of one batch.
fn run_batch(
    path: &Path,
    lines: Vec<(usize, String)>,
    error: Option<anyhow::Error>,
    work: Work<'_>,
    documents: &mut DocumentLines,
) -> anyhow::Result<BatchOutput> {
    // JSON lines are about 6 KB each: room for the batch's lines without regrowing.
    let capacity = match work {
        Work::Evaluate(output) if output.format == Format::Json => lines.len() * 8192,
        _ => 0,
    };
    let mut out = BatchOutput {
        text: Vec::with_capacity(capacity),
        all_allowed: true,
        last_line: 0,
    };
    for (number, text) in lines {
        let case = parse_case_text("", text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: {}",
                path.display(),
                number + e.line - 1,
                e.column,
                e.message
            )
        })?;
        let mut loaded = Loaded {
            name: case.name,
            policies: case.policies,
            request: case.request,
        };
        if let Work::Evaluate(output) = work {
            out.all_allowed &= case_line(&mut out.text, &mut loaded, output, documents)?;
        }
        out.last_line = number;
    }
    match error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Output of `--cases` held back while the file is still being checked: a bad line
/// must fail the run (exit 2, with its line and column) before anything is printed.
/// Up to this much (and one batch more) is kept in memory, so most files are read,
/// parsed and evaluated once; a file whose results are longer is checked to its end
/// before the rest of it is evaluated, and memory stays bounded whatever its length.
const HELD_OUTPUT: usize = 32 * 1024 * 1024;

/// The `--cases` file, to be read more than once when its results are long (see
/// [`HELD_OUTPUT`]): a regular file is opened again for each pass; anything else (a
/// pipe, `/dev/stdin`) can be read only once, so it is first copied into an unnamed
/// temporary file, which the system removes when it is closed.
struct CasesInput<'a> {
    path: &'a Path,
    spooled: Option<std::fs::File>,
}

impl CasesInput<'_> {
    fn new(path: &Path) -> anyhow::Result<CasesInput<'_>> {
        let cannot_read = || format!("cannot read {}", path.display());
        let metadata = std::fs::metadata(path).with_context(cannot_read)?;
        if metadata.is_file() {
            return Ok(CasesInput {
                path,
                spooled: None,
            });
        }
        let mut source = std::fs::File::open(path).with_context(cannot_read)?;
        let mut spool = tempfile::tempfile()
            .context("cannot create a temporary file to hold the cases read from a pipe")?;
        std::io::copy(&mut source, &mut spool).with_context(cannot_read)?;
        Ok(CasesInput {
            path,
            spooled: Some(spool),
        })
    }

    /// The file, read from its start.
    fn open(&self) -> anyhow::Result<std::fs::File> {
        let cannot_read = || format!("cannot read {}", self.path.display());
        match &self.spooled {
            None => std::fs::File::open(self.path).with_context(cannot_read),
            Some(spool) => {
                // A clone shares the offset with the spool: passes run one after another.
                let mut file = spool.try_clone().with_context(cannot_read)?;
                std::io::Seek::rewind(&mut file).with_context(cannot_read)?;
                Ok(file)
            }
        }
    }
}

/// `--cases`: one result line per case.
fn run_cases(path: &Path, output: &Output) -> anyhow::Result<Outcome> {
    let input = CasesInput::new(path)?;
    let mut all_allowed = true;
    // The batches' output as it came (not copied into one buffer), and its length.
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut held_bytes = 0;
    // The last line evaluated into `held`, when it filled up before the end.
    let mut stopped_after = None;
    cases_in_parallel(&input, 0, Work::Evaluate(output), |batch| {
        all_allowed &= batch.all_allowed;
        held_bytes += batch.text.len();
        held.push(batch.text);
        if held_bytes >= HELD_OUTPUT {
            stopped_after = Some(batch.last_line);
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    })?;
    if let Some(evaluated) = stopped_after {
        cases_in_parallel(&input, evaluated, Work::Check, |_| Ok(Flow::Continue))?;
    }
    let mut stdout = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    for text in held {
        stdout.write_all(&text)?;
    }
    if let Some(evaluated) = stopped_after {
        cases_in_parallel(&input, evaluated, Work::Evaluate(output), |batch| {
            all_allowed &= batch.all_allowed;
            stdout.write_all(&batch.text)?;
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
    out: &mut Vec<u8>,
    l: &mut Loaded,
    output: &Output,
    documents: &mut DocumentLines,
) -> anyhow::Result<bool> {
    match output.format {
        Format::Json => {
            let (ex, advice, findings) = evaluate(l);
            let doc = document(l.name.as_deref(), &ex, advice.as_ref(), &findings);
            documents.document_line_into(out, &doc);
            Ok(ex.decision == Decision::Allow)
        }
        _ => {
            // One line per case names the decision and why: no trace, advice or finding
            // needed, so the fast path's verdict is enough.
            let verdict = l.policies.verdict(&l.request);
            let why = match verdict.missing_allow {
                Some(m) => missing_allow_message(m, &l.request),
                None => {
                    let mut deciding = String::new();
                    for at in &verdict.deciding {
                        let Some((policy, statement)) = l.policies.statement(*at) else {
                            continue;
                        };
                        if !deciding.is_empty() {
                            deciding.push_str(", ");
                        }
                        deciding.push_str(&format!(
                            "{}:{}/{}",
                            at.kind.layer(),
                            policy.name,
                            statement.id()
                        ));
                    }
                    deciding
                }
            };
            let line = format!(
                "{}: {:?} {}",
                l.name.as_deref().unwrap_or("-"),
                verdict.decision,
                why
            );
            writeln!(out, "{}", Redacted::from_string(line))?;
            Ok(verdict.decision == Decision::Allow)
        }
    }
}
