//! poolcheck's findings as LSP diagnostics: the same spans, rule ids (`code`, with the rule's
//! documentation as `codeDescription`), severities and labels (`relatedInformation`) as the
//! CLI reports; and an invalid configuration's problems as diagnostics on its file.

use super::positions::{self, Encoding};
use crate::config::ConfigError;
use crate::engine::live::LiveWorkspace;
use crate::report::{self, Diagnostic, Severity};
use crate::source::Span;
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Url,
};
use std::path::{Path, PathBuf};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "poolcheck";

/// A finding as an LSP diagnostic. Its message ends with the help, as the `github` format's
/// annotations do.
pub fn to_lsp(d: &Diagnostic, live: &LiveWorkspace, encoding: Encoding) -> lsp_types::Diagnostic {
    let related = d
        .labels
        .iter()
        .filter_map(|label| {
            let location = location(live, label.span, encoding)?;
            Some(DiagnosticRelatedInformation { location, message: label.message.clone() })
        })
        .collect();
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    lsp_types::Diagnostic {
        range: range(live, d.span, encoding),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_owned())),
        code_description: Url::parse(&report::rule_url(d.rule)).ok().map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message,
        related_information: Some(related),
        tags: None,
        data: None,
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// The range of a span, in the text its file was analysed from.
pub fn range(live: &LiveWorkspace, span: Span, encoding: Encoding) -> Range {
    match live.source(span.file) {
        Some(source) => positions::range(&source.text, span.range(), encoding),
        None => Range::default(),
    }
}

/// Where a span is, for the client.
pub fn location(live: &LiveWorkspace, span: Span, encoding: Encoding) -> Option<Location> {
    let uri = Url::from_file_path(live.path(span.file)).ok()?;
    Some(Location { uri, range: range(live, span, encoding) })
}

/// An invalid configuration's problems as diagnostics, by file: each from the problem's line
/// and column (1-based, in characters) to the end of that line. `text_of` gives a file's
/// text (the editor's, else the disk's); `folder` anchors relative paths.
pub fn config_problems(
    error: &ConfigError,
    folder: &Path,
    encoding: Encoding,
    text_of: impl Fn(&Path) -> Option<String>,
) -> Vec<(Url, Vec<lsp_types::Diagnostic>)> {
    let mut by_file: Vec<(Url, Vec<lsp_types::Diagnostic>)> = Vec::new();
    for problem in &error.problems {
        let path = folder.join(PathBuf::from(&problem.file));
        let Ok(uri) = Url::from_file_path(&path) else { continue };
        let line = problem.line.saturating_sub(1);
        let range = match text_of(&path) {
            Some(text) => {
                let start = text.split_inclusive('\n').take(line).map(str::len).sum::<usize>();
                let line_text = text[start..].split('\n').next().unwrap_or("");
                let column =
                    line_text.char_indices().nth(problem.column.saturating_sub(1)).map_or(line_text.len(), |c| c.0);
                let end = start + line_text.trim_end_matches('\r').len();
                positions::range(&text, (start + column).min(end)..end, encoding)
            }
            None => {
                let at = Position::new(line as u32, problem.column.saturating_sub(1) as u32);
                Range::new(at, at)
            }
        };
        let diagnostic = lsp_types::Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some(SOURCE.to_owned()),
            message: format!("invalid configuration: {}", problem.message),
            ..Default::default()
        };
        match by_file.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, list)) => list.push(diagnostic),
            None => by_file.push((uri, vec![diagnostic])),
        }
    }
    by_file
}
