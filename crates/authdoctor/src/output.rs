//! Options every command shares: `--format` and `--color`, decided once here.

use std::io::IsTerminal;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

/// `--format` as typed: the shared formats, plus `csv` (tables; `scan` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FormatArg {
    #[default]
    Human,
    Json,
    Markdown,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format; `json` prints one JSON document on stdout and nothing else (`csv`: scan only)
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Colour: `auto` honours NO_COLOR and whether stdout is a terminal
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The resolved output settings every command receives.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    /// Whether to emit ANSI styles on stdout.
    pub color: bool,
    /// `--format csv`: tables as CSV (only `scan` has tables; `format` is then `Human`).
    pub csv: bool,
}

impl OutputArgs {
    pub fn resolve(&self) -> Output {
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                // no-color.org: set *and non-empty* disables colour.
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                !no_color && std::io::stdout().is_terminal()
            }
        };
        let format = match self.format {
            FormatArg::Human | FormatArg::Csv => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        };
        Output {
            format,
            color: color && self.format == FormatArg::Human,
            csv: self.format == FormatArg::Csv,
        }
    }
}
