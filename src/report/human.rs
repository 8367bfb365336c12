//! rustc-style rendering with codespan-reporting.

use super::{summary_line, Report, Severity};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::term::{self, termcolor};
use std::io::{self, Write};

pub(super) fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let bytes = if color {
        let mut w = termcolor::Ansi::new(Vec::new());
        emit_all(report, &mut w)?;
        w.into_inner()
    } else {
        let mut w = termcolor::NoColor::new(Vec::new());
        emit_all(report, &mut w)?;
        w.into_inner()
    };
    out.write_all(&bytes)?;
    writeln!(out, "{}", summary_line(report))
}

fn emit_all(report: &Report, w: &mut dyn termcolor::WriteColor) -> io::Result<()> {
    let config = term::Config::default();
    for d in &report.diagnostics {
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
