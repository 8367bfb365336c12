//! rustc-style rendering with codespan-reporting.

use super::{summary_line, Diagnostic, Report, Severity};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::term::{self, termcolor};
use std::io::{self, Write};

pub(super) fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(&snippets(report, &report.diagnostics, color)?)?;
    writeln!(out, "{}", summary_line(report))
}

/// The human rendering of one finding, without the summary line: what rustc puts in a JSON
/// diagnostic's `rendered`.
pub(super) fn rendered(report: &Report, d: &Diagnostic, color: bool) -> io::Result<String> {
    let bytes = snippets(report, std::slice::from_ref(d), color)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

fn snippets(report: &Report, diagnostics: &[Diagnostic], color: bool) -> io::Result<Vec<u8>> {
    if color {
        let mut w = termcolor::Ansi::new(Vec::new());
        emit_all(report, diagnostics, &mut w)?;
        Ok(w.into_inner())
    } else {
        let mut w = termcolor::NoColor::new(Vec::new());
        emit_all(report, diagnostics, &mut w)?;
        Ok(w.into_inner())
    }
}

fn emit_all(report: &Report, diagnostics: &[Diagnostic], w: &mut dyn termcolor::WriteColor) -> io::Result<()> {
    let config = term::Config::default();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => codespan_reporting::diagnostic::Severity::Error,
            Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
        };
        let mut labels = vec![CsLabel::primary(d.span.file, d.span.range())];
        labels.extend(
            d.labels.iter().map(|l| CsLabel::secondary(l.span.file, l.span.range()).with_message(l.message.clone())),
        );
        let mut cs = CsDiagnostic::new(severity).with_code(d.rule).with_message(d.message.clone()).with_labels(labels);
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        term::emit(w, &config, &report.sources, &cs).map_err(io::Error::other)?;
    }
    Ok(())
}
