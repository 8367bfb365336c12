//! Function analysis: walks every function body of a file in evaluation order with a scoped
//! environment of bindings, classifies expressions as pools and guards from the crate index's
//! evidence, and lets each rule inspect every expression with that knowledge.

pub mod body;
pub mod config;
pub mod facts;
pub mod settings;
pub mod summary;
pub mod value;

use crate::catalog::Catalog;
use crate::index::types::UseMap;
use crate::index::IndexView;
use crate::report::Diagnostic;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile, Span};
use syn::spanned::Spanned;

/// Everything a rule may consult about the file under analysis.
pub struct FileCx<'a> {
    /// The file's id in the scan.
    pub id: FileId,
    /// Its text and line index.
    pub source: &'a SourceFile,
    /// The catalogue of pool APIs.
    pub catalog: &'a Catalog,
    /// The index of the file and of the crate it belongs to.
    pub index: IndexView<'a>,
    /// The file's imports.
    pub uses: &'a UseMap,
    /// The file's module path in its crate.
    pub module: Vec<String>,
    /// The policy pool settings are checked against.
    pub policy: &'a crate::catalog::Policy,
}

impl FileCx<'_> {
    /// Byte span of a syntax node.
    pub fn span(&self, node: &impl Spanned) -> Span {
        let r = node.span().byte_range();
        Span { file: self.id, start: r.start, end: r.end.max(r.start) }
    }

    /// Span of a method call from the method's name to the end of its arguments, so that in a
    /// chain split over lines it points at the line of the call itself.
    pub fn method_span(&self, m: &syn::ExprMethodCall) -> Span {
        let start = m.method.span().byte_range().start;
        Span { file: self.id, start, end: self.span(m).end.max(start) }
    }

    /// Source text of a syntax node, shortened to its first line.
    pub fn text(&self, node: &impl Spanned) -> String {
        let span = self.span(node);
        let text = self.source.text.get(span.range()).unwrap_or("");
        match text.split_once('\n') {
            Some((first, _)) => format!("{}…", first.trim_end()),
            None => text.to_owned(),
        }
    }

    /// 1-based line of a span.
    pub fn line(&self, span: Span) -> usize {
        self.source.line_col(span.start).0
    }
}

/// Runs every rule over every function of a parsed file; returns the diagnostics and the
/// facts recorded for cross-function analyses.
pub fn analyze_file(file: &syn::File, cx: &FileCx<'_>, rules: &[&dyn Rule]) -> (Vec<Diagnostic>, facts::FileFnFacts) {
    let mut out = Vec::new();
    let facts = body::walk_file(file, cx, rules, &mut out);
    (out, facts)
}

impl FileCx<'_> {
    /// Whether the file imports from (or names) one of these path prefixes.
    pub fn imports_any(&self, prefixes: &[String]) -> bool {
        self.uses
            .names
            .values()
            .chain(self.uses.globs.iter())
            .any(|p| prefixes.iter().any(|pre| crate::catalog::path_starts_with(p, pre)))
            // knowledge the project declared itself applies everywhere
            || prefixes.is_empty()
    }
}
