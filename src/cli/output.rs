//! Where and how findings are written: `--format NAME[=FILE]`, cargo's `--message-format`,
//! `--output`, colour and `--quiet`.

use super::CheckArgs;
use crate::report::{self, Format, Report};
use anyhow::{Context, Result};
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// cargo's `--message-format` values poolcheck understands.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum MessageFormat {
    /// `--format human`.
    Human,
    /// `--format short`.
    Short,
    /// `--format cargo-json`.
    Json,
    /// `--format cargo-json`, each message's `rendered` text in ANSI colours.
    JsonDiagnosticRenderedAnsi,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// One `--format NAME[=FILE]`.
#[derive(Debug, Clone)]
pub(super) struct FormatTarget {
    format: Format,
    file: Option<PathBuf>,
}

impl std::str::FromStr for FormatTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, file) = match s.split_once('=') {
            Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
            Some((n, _)) => (n, None),
            None => (s, None),
        };
        let format = Format::from_str(name, true).map_err(|_| {
            let names: Vec<String> = Format::value_variants()
                .iter()
                .filter_map(|f| Some(f.to_possible_value()?.get_name().to_owned()))
                .collect();
            format!("unknown format `{name}` (expected one of: {})", names.join(", "))
        })?;
        Ok(FormatTarget { format, file })
    }
}

/// `--message-format`, cargo's spelling of a format, replaces `--format`.
pub(super) fn apply_message_format(args: &mut CheckArgs) {
    let Some(m) = args.message_format else { return };
    let format = match m {
        MessageFormat::Human => Format::Human,
        MessageFormat::Short => Format::Short,
        MessageFormat::Json | MessageFormat::JsonDiagnosticRenderedAnsi => Format::CargoJson,
    };
    args.format = vec![FormatTarget { format, file: None }];
    if matches!(m, MessageFormat::JsonDiagnosticRenderedAnsi) {
        args.color = ColorChoice::Always;
    }
}

/// Writes the report in each `--format`, to its file, `--output` or stdout.
pub(super) fn emit(report: &Report, args: &CheckArgs) -> Result<()> {
    for target in &args.format {
        let file = target.file.as_ref().or(args.output.as_ref());
        let color = file.is_none()
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                // cargo's `json` has no colour in `rendered`: there it is asked for, never guessed
                ColorChoice::Auto => {
                    target.format != Format::CargoJson
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            };
        let mut buf = Vec::new();
        report::render(report, target.format, color, &mut buf)?;
        if args.quiet && target.format == Format::Human {
            // drop the summary line
            let keep = buf
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |end| buf[..end].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1));
            buf.truncate(keep);
        }
        match file {
            Some(path) => std::fs::write(path, &buf).with_context(|| format!("cannot write {}", path.display()))?,
            None => {
                let mut out = std::io::stdout().lock();
                // a closed pipe (`| head`) is not an error worth reporting
                if let Err(e) = out.write_all(&buf).and_then(|()| out.flush()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        return Err(e).context("cannot write to stdout");
                    }
                }
            }
        }
    }
    Ok(())
}
