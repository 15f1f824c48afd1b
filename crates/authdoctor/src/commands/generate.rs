//! `authdoctor completions SHELL` and `authdoctor man`: shell completion scripts and
//! manual pages generated from the same clap definitions that parse the arguments, so
//! they can never disagree with `--help`. Both subcommands are hidden: they serve
//! packagers (the release archive ships their output) more than users.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use crate::{Cli, Outcome};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor completions bash > /etc/bash_completion.d/authdoctor\n  \
    authdoctor completions zsh > \"${fpath[1]}/_authdoctor\"\n  \
    authdoctor completions fish > ~/.config/fish/completions/authdoctor.fish\n  \
    authdoctor completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to write a completion script for
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    authdoctor man | man -l -\n  \
    authdoctor man --out-dir /usr/local/share/man/man1")]
pub struct ManArgs {
    /// Write authdoctor.1 and one page per subcommand (authdoctor-explain.1, …) into this
    /// directory instead of printing authdoctor.1 on standard output
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = Cli::command();
    let mut stdout = io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "authdoctor", &mut stdout);
    stdout.flush()?;
    Ok(Outcome::Good)
}

pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), &dir)
                .with_context(|| format!("cannot write manual pages into `{}`", dir.display()))?;
        }
        None => {
            let mut stdout = io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut stdout)?;
            stdout.flush()?;
        }
    }
    Ok(Outcome::Good)
}
