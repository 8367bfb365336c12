//! reviewdog's Diagnostic Format, `rdjson` (`reviewdog -f=rdjson`): one `DiagnosticResult`
//! document naming poolcheck as its source, with one diagnostic per finding: the message, the
//! location (path and range), `ERROR`/`WARNING`, the rule as the code with its documentation
//! URL, labels as related locations, and a fix as suggestions. The result's own severity is the
//! highest among its diagnostics (absent when there are none).
//!
//! Columns count UTF-8 bytes, 1-based, and range ends are exclusive, as the format defines them.
//! reviewdog applies a suggestion to the diagnostic's own file, so only the edits of a fix in
//! that file become suggestions (poolcheck's fixes edit only that file).

use super::{Report, Severity};
use crate::source::Span;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct DiagnosticResult<'a> {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    diagnostics: Vec<RdDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct RdDiagnostic<'a> {
    message: String,
    location: Location<'a>,
    severity: &'static str,
    code: Code,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Code {
    value: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

#[derive(Serialize)]
struct RelatedLocation<'a> {
    message: &'a str,
    location: Location<'a>,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
    }
}

fn range(report: &Report, span: Span) -> Range {
    let p = report.byte_position(span);
    Range {
        start: Position { line: p.line, column: p.column },
        end: Position { line: p.end_line, column: p.end_column },
    }
}

fn location(report: &Report, span: Span) -> Location<'_> {
    Location { path: report.file_name(span), range: range(report, span) }
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let suggestions = d.fix.iter().flat_map(|f| &f.edits).filter(|e| e.span.file == d.span.file);
            RdDiagnostic {
                message,
                location: location(report, d.span),
                severity: severity(d.severity),
                code: Code { value: d.rule, url: super::rule_url(d.rule) },
                suggestions: suggestions
                    .map(|e| Suggestion { range: range(report, e.span), text: &e.replacement })
                    .collect(),
                related_locations: d
                    .labels
                    .iter()
                    .map(|l| RelatedLocation { message: &l.message, location: location(report, l.span) })
                    .collect(),
            }
        })
        .collect();
    let worst = report.diagnostics.iter().map(|d| d.severity).min();
    let doc = DiagnosticResult {
        source: Source { name: "poolcheck", url: super::HOMEPAGE },
        severity: worst.map(severity),
        diagnostics,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
