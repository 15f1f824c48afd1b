//! One module per subcommand. Each exposes `Args` (clap) and
//! `run(args, &Output) -> anyhow::Result<Outcome>`; errors become exit code 2.

pub mod check;
pub mod decode;
pub mod emulate;
pub mod explain;
pub mod generate;
pub mod guide;
pub mod run;
pub mod scan;
pub mod scenarios;
pub mod serve;
pub mod simulate;
