//! The JSON document of `../shared/spec/rules.md` (version 1).

use super::Report;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: super::Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<JsonLabel<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    errors: usize,
    warnings: usize,
    suppressed: usize,
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let p = report.position(d.span);
            JsonDiagnostic {
                rule: d.rule,
                severity: d.severity,
                message: &d.message,
                file: report.file_name(d.span),
                line: p.line,
                column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let p = report.position(l.span);
                        JsonLabel {
                            file: report.file_name(l.span),
                            line: p.line,
                            column: p.column,
                            end_line: p.end_line,
                            end_column: p.end_column,
                            message: &l.message,
                        }
                    })
                    .collect(),
                help: d.help.as_deref(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    description: &f.description,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| {
                            let p = report.position(e.span);
                            JsonEdit {
                                file: report.file_name(e.span),
                                line: p.line,
                                column: p.column,
                                end_line: p.end_line,
                                end_column: p.end_column,
                                replacement: &e.replacement,
                            }
                        })
                        .collect(),
                }),
            }
        })
        .collect();
    let doc = Document {
        version: 1,
        diagnostics,
        summary: Summary {
            files_scanned: report.files_scanned,
            errors: report.count(super::Severity::Error),
            warnings: report.count(super::Severity::Warning),
            suppressed: report.suppressed,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
