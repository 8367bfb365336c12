//! `cargo-json`: cargo's JSON message stream, as `cargo clippy --message-format=json` writes it,
//! so that rust-analyzer (whose flycheck reads it with `cargo_metadata::Message`) and other
//! cargo-aware tools show poolcheck's findings beside the compiler's. One JSON object a line:
//!
//! - a `compiler-message` per finding: the envelope of [`super::cargo_target`] (package id,
//!   manifest, target) around a diagnostic in rustc's JSON shape. The code is the rule id as
//!   `poolcheck::RULE`, like clippy's `clippy::NAME`, explained by the rule's documentation;
//!   labels are secondary spans; the help is a `help` child; a fix is a `help` child whose spans
//!   carry the replacement, machine-applicable; `rendered` is the human rendering of that one
//!   finding (with ANSI colours only when asked for, as `json-diagnostic-rendered-ansi`).
//!   Columns count characters and byte offsets are the file's, as rustc's do.
//! - a finding in a file that no target compiles goes out as the bare diagnostic, as
//!   `rustc --error-format=json` prints it: rust-analyzer reads that too.
//! - last, `build-finished`, like cargo: `success` is false when an error-severity finding
//!   remains (`--deny warnings` changes the exit status, not this line).

use super::cargo_target::{Owners, Target};
use super::{human, Diagnostic, Report, Severity};
use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: &'a str,
    target: &'a Target,
    message: RustcDiagnostic<'a>,
}

/// rustc's JSON diagnostic; children have no `$message_type`, as in rustc.
#[derive(Serialize)]
struct RustcDiagnostic<'a> {
    #[serde(rename = "$message_type", skip_serializing_if = "Option::is_none")]
    message_type: Option<&'static str>,
    message: &'a str,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<RustcSpan<'a>>,
    children: Vec<RustcDiagnostic<'a>>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<&'static str>,
}

#[derive(Serialize)]
struct RustcSpan<'a> {
    file_name: &'a str,
    byte_start: u32,
    byte_end: u32,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine<'a>>,
    label: Option<&'a str>,
    suggested_replacement: Option<&'a str>,
    suggestion_applicability: Option<&'static str>,
    /// Always `null`: poolcheck does not expand macros.
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine<'a> {
    text: &'a str,
    highlight_start: usize,
    highlight_end: usize,
}

pub(super) fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut owners = Owners::default();
    for d in &report.diagnostics {
        let message = diagnostic(report, d, color)?;
        let written = match owners.of(&report.sources.get(d.span.file).path) {
            Some(owner) => serde_json::to_writer(
                &mut *out,
                &CompilerMessage {
                    reason: "compiler-message",
                    package_id: &owner.package_id,
                    manifest_path: &owner.manifest_path,
                    target: &owner.target,
                    message,
                },
            ),
            None => serde_json::to_writer(&mut *out, &message),
        };
        written.map_err(io::Error::other)?;
        writeln!(out)?;
    }
    let success = report.count(Severity::Error) == 0;
    writeln!(out, "{{\"reason\":\"build-finished\",\"success\":{success}}}")
}

fn diagnostic<'a>(report: &'a Report, d: &'a Diagnostic, color: bool) -> io::Result<RustcDiagnostic<'a>> {
    let mut spans = vec![span(report, d.span, true, None)];
    spans.extend(d.labels.iter().map(|l| span(report, l.span, false, Some(&l.message))));
    let mut children = Vec::new();
    if let Some(help) = &d.help {
        children.push(help_child(help, Vec::new()));
    }
    if let Some(fix) = &d.fix {
        let edits = fix.edits.iter().map(|e| RustcSpan {
            suggested_replacement: Some(&e.replacement),
            suggestion_applicability: Some("MachineApplicable"),
            ..span(report, e.span, true, None)
        });
        children.push(help_child(&fix.description, edits.collect()));
    }
    let explanation = crate::rules::by_id(d.rule).map(|r| r.info().docs);
    Ok(RustcDiagnostic {
        message_type: Some("diagnostic"),
        message: &d.message,
        code: Some(Code { code: format!("poolcheck::{}", d.rule), explanation }),
        level: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        spans,
        children,
        rendered: Some(human::rendered(report, d, color)?),
    })
}

fn help_child<'a>(message: &'a str, spans: Vec<RustcSpan<'a>>) -> RustcDiagnostic<'a> {
    RustcDiagnostic {
        message_type: None,
        message,
        code: None,
        level: "help",
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

fn span<'a>(report: &'a Report, span: Span, is_primary: bool, label: Option<&'a str>) -> RustcSpan<'a> {
    let file = report.sources.get(span.file);
    let p = report.position(span);
    let byte = |offset: usize| u32::try_from(offset.min(file.text.len())).unwrap_or(u32::MAX);
    RustcSpan {
        file_name: &file.name,
        byte_start: byte(span.start),
        byte_end: byte(span.end),
        line_start: p.line,
        line_end: p.end_line,
        column_start: p.column,
        column_end: p.end_column,
        is_primary,
        text: lines(file, p),
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

/// The lines a span covers, each with the columns it highlights there (1-based, characters,
/// end exclusive), as rustc lists them.
fn lines(file: &SourceFile, p: super::Position) -> Vec<SpanLine<'_>> {
    (p.line..=p.end_line)
        .filter_map(|line| {
            let text = &file.text[file.line_range(line - 1)?];
            let highlight_start = if line == p.line { p.column } else { 1 };
            let highlight_end = if line == p.end_line { p.end_column } else { text.chars().count() + 1 };
            Some(SpanLine { text, highlight_start, highlight_end })
        })
        .collect()
}
