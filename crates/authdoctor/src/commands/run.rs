//! `authdoctor run` (being built).

use crate::Outcome;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _output: &Output) -> anyhow::Result<Outcome> {
    anyhow::bail!("`authdoctor run` is not available in this build yet")
}
