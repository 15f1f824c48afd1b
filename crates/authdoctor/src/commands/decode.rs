//! `authdoctor decode`: explains a decoded authorization message (the output of
//! `aws sts decode-authorization-message`, or its `DecodedMessage` string); with
//! `--online`, decodes an encoded message through STS first.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use authdoctor_documents::decode::finding;
use authdoctor_kb::Finding;
use authdoctor_policy::decode::{Decoded, parse_decoded};
use authdoctor_policy::error::MAX_DOCUMENT_BYTES;
use authdoctor_redact::Redacted;

use crate::Outcome;
use crate::commands::explain::{ShellArg, default_shell, terminal_width};
use crate::output::{Format, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// File with the decoded message, or `-` for stdin (the default when stdin is piped)
    input: Option<PathBuf>,
    /// The message as a string
    #[arg(long, conflicts_with = "input", allow_hyphen_values = true)]
    text: Option<String>,
    /// The input is an encoded message: decode it through STS with the credentials in the environment
    #[arg(long)]
    online: bool,
    /// Region of the STS endpoint for --online (default: AWS_REGION, else us-east-1)
    #[arg(long)]
    region: Option<String>,
    /// Time budget for --online
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::duration::timeout)]
    timeout: Duration,
    /// Shell flavour of the finding's fix commands (JSON always carries both)
    #[arg(long, value_enum, default_value_t = default_shell())]
    shell: ShellArg,
}

fn read_input(args: &Args) -> anyhow::Result<(String, String)> {
    if let Some(t) = &args.text {
        return Ok(("--text".into(), t.clone()));
    }
    let mut buf = Vec::new();
    let origin = match &args.input {
        Some(p) if p.as_os_str() != "-" => {
            let f =
                std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?;
            f.take(MAX_DOCUMENT_BYTES as u64 + 1)
                .read_to_end(&mut buf)?;
            p.display().to_string()
        }
        _ => {
            let stdin = std::io::stdin();
            if args.input.is_none() && stdin.is_terminal() {
                bail!("no input: give a file, `-` for stdin, or --text");
            }
            stdin
                .lock()
                .take(MAX_DOCUMENT_BYTES as u64 + 1)
                .read_to_end(&mut buf)?;
            "<stdin>".into()
        }
    };
    if buf.len() > MAX_DOCUMENT_BYTES {
        bail!(
            "{origin}: over the {} KiB input limit",
            MAX_DOCUMENT_BYTES / 1024
        );
    }
    Ok((
        origin.clone(),
        authdoctor_explain::source::document_text(&buf)
            .with_context(|| format!("{origin} is not text (UTF-8 or UTF-16)"))?,
    ))
}

fn decode_online(args: &Args, encoded: &str) -> anyhow::Result<String> {
    use authdoctor_online::{
        Client, Endpoints, decode_authorization_message, static_credentials_from_env,
    };
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let region = args
        .region
        .clone()
        .or_else(|| env.get("AWS_REGION").cloned())
        .or_else(|| env.get("AWS_DEFAULT_REGION").cloned())
        .unwrap_or_else(|| "us-east-1".into());
    let Some(creds) = static_credentials_from_env(&env) else {
        bail!(
            "decode --online needs credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
        );
    };
    let endpoints = Endpoints::resolve(&env, &region)?;
    let guard = env
        .get("AUTHDOCTOR_TEST_GUARD")
        .is_some_and(|v| !v.is_empty());
    let client = Client::from_env(args.timeout, &env).loopback_only(guard);
    // The message may be pasted with its prefix.
    let encoded = encoded
        .trim()
        .rsplit("Encoded authorization failure message:")
        .next()
        .unwrap_or("")
        .trim();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let budget = args.timeout + Duration::from_millis(250);
    let decoded = rt.block_on(async {
        tokio::time::timeout(
            budget,
            decode_authorization_message(&client, &creds, &region, &endpoints, encoded),
        )
        .await
    });
    match decoded {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => bail!("STS DecodeAuthorizationMessage failed: {e}"),
        Err(_) => bail!(
            "STS DecodeAuthorizationMessage did not answer within {:?}",
            args.timeout
        ),
    }
}

/// What the message says: the verdict, the matched statements and their conditions, the
/// request context, and the notes when no finding carries them. The finding is rendered
/// by `authdoctor_report`, as everywhere.
fn human(d: &Decoded, finding: Option<&Finding>) -> Redacted {
    let mut o = String::new();
    let verdict = if d.allowed {
        "allowed"
    } else if d.explicit_deny {
        "DENIED by an explicit Deny"
    } else {
        "DENIED implicitly (no applicable Allow)"
    };
    o.push_str(&format!("{verdict}: {} on {}\n", d.action, d.resource));
    if let Some(arn) = &d.principal.arn {
        o.push_str(&format!("principal: {arn}\n"));
    }
    for s in &d.matched_statements {
        let sid = if s.sid.is_empty() {
            "(no Sid)"
        } else {
            s.sid.as_str()
        };
        o.push_str(&format!(
            "\nmatched statement {sid} ({}): actions {:?}, resources {:?}\n",
            s.effect, s.actions, s.resources
        ));
        for c in &s.conditions {
            o.push_str(&format!(
                "  condition on {}: policy values {:?}, request values {:?}\n    operator (inferred): {} — {}\n",
                c.key, c.policy_values, c.request_values, c.operator, c.note
            ));
        }
    }
    let interesting: Vec<String> = d
        .context
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "aws:Resource" | "aws:Type" | "aws:ARN" | "aws:Account" | "aws:Service"
            )
        })
        .map(|(k, v)| format!("{k}={}", v.join(",")))
        .collect();
    if !interesting.is_empty() {
        o.push_str(&format!("\nrequest context: {}\n", interesting.join(" ")));
    }
    o.push('\n');
    // A finding shows the message's notes as its own.
    if finding.is_none() {
        for n in &d.notes {
            o.push_str(&format!("note: {n}\n"));
        }
    }
    Redacted::from_string(o)
}

pub fn run(args: Args, output: &Output) -> anyhow::Result<Outcome> {
    let (origin, mut text) = read_input(&args)?;
    if args.online {
        text = decode_online(&args, &text)?;
    }
    let decoded = parse_decoded(&text).map_err(|e| e.in_origin(origin))?;
    let findings: Vec<Finding> = finding(&decoded).into_iter().collect();
    let options = authdoctor_report::Options {
        color: output.color,
        width: terminal_width(),
        shell: args.shell.into(),
        origin: None,
    };
    let mut stdout = std::io::stdout().lock();
    match output.format {
        Format::Json => {
            let doc = authdoctor_documents::decode::document(&decoded, &findings);
            writeln!(stdout, "{doc}")?;
        }
        Format::Human | Format::Markdown => {
            let own = human(&decoded, findings.first());
            let report = if output.format == Format::Human {
                authdoctor_report::human_after(&own, &findings, &options)
            } else {
                authdoctor_report::markdown_after(&own, &findings, &options)
            };
            write!(stdout, "{report}")?;
        }
    }
    Ok(if decoded.allowed {
        Outcome::Good
    } else {
        Outcome::Bad
    })
}
