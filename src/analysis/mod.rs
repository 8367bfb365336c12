//! Function analysis: walks every function body of a file in evaluation order with a scoped
//! environment of bindings, classifies expressions as pools and guards from the crate index's
//! evidence, and lets each rule inspect every expression with that knowledge.

pub mod body;
pub mod config;
pub mod evidence;
pub mod facts;
mod returned_config;
pub mod settings;
pub mod sql;
pub mod stored;
pub mod summary;
pub mod value;

#[cfg(test)]
mod inference_tests;

use crate::catalog::{Catalog, GuardKind};
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
    /// The name of the crate the file belongs to (empty outside a package).
    pub krate: &'a str,
    /// The index of the file and of the crate it belongs to.
    pub index: IndexView<'a>,
    /// The file's imports.
    pub uses: &'a UseMap,
    /// The file's module path in its crate.
    pub module: Vec<String>,
    /// The policy pool settings are checked against.
    pub policy: &'a crate::catalog::Policy,
    /// Which workspace types carry a guard (and in which field), as worked out so far.
    pub carriers: Carriers,
    /// Analyse code behind test-support `cfg`s (`debug_assertions`, a `testing` feature) too,
    /// as `--include-tests` asks; `#[cfg(test)]` code is never analysed.
    pub test_support: bool,
}

/// Memo of what workspace types carry: a type's fields decide it, so it is worked out once per
/// file.
pub type Carriers = std::cell::RefCell<TypeMemo>;

/// What is known so far of workspace types' fields.
#[derive(Debug, Default)]
pub struct TypeMemo {
    /// The guard a type owns (and in which field), if any.
    pub guards: std::collections::HashMap<crate::index::ItemRef, Option<(GuardKind, String)>>,
    /// Whether a value of the type holds a pool.
    pub pools: std::collections::HashMap<crate::index::ItemRef, bool>,
}

impl FileCx<'_> {
    /// Byte span of a syntax node.
    pub fn span(&self, node: &impl Spanned) -> Span {
        self.token_span(node.span())
    }

    /// Byte span of one token (or of a joined `proc_macro2` span).
    pub fn token_span(&self, token: proc_macro2::Span) -> Span {
        let r = token.byte_range();
        Span { file: self.id, start: r.start, end: r.end.max(r.start) }
    }

    /// Byte span of an expression. `Spanned::span` prints the whole subtree back to tokens to
    /// find its first and last; for the common shapes the edge tokens are read directly (the
    /// same answer: a test compares the two on every fixture), otherwise it falls back.
    pub fn expr_span(&self, e: &syn::Expr) -> Span {
        match first_token(e).zip(last_token(e)) {
            Some((first, last)) => self.join(first, last),
            None => self.span(e),
        }
    }

    /// Byte span of a statement; like [`FileCx::expr_span`], without re-tokenising it.
    pub fn stmt_span(&self, s: &syn::Stmt) -> Span {
        let edges = match s {
            syn::Stmt::Local(l) if l.attrs.is_empty() => Some((l.let_token.span, l.semi_token.span)),
            syn::Stmt::Expr(e, Some(semi)) => first_token(e).map(|first| (first, semi.span)),
            syn::Stmt::Expr(e, None) => first_token(e).zip(last_token(e)),
            _ => None,
        };
        match edges {
            Some((first, last)) => self.join(first, last),
            None => self.span(s),
        }
    }

    fn join(&self, first: proc_macro2::Span, last: proc_macro2::Span) -> Span {
        let start = first.byte_range().start;
        Span { file: self.id, start, end: last.byte_range().end.max(start) }
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
        one_line(self.source.text.get(span.range()).unwrap_or(""))
    }

    /// 1-based line of a span.
    pub fn line(&self, span: Span) -> usize {
        self.source.line_col(span.start).0
    }
}

/// The first identifier of `tokens` (inside groups and macro arguments too) that is one of
/// `names`.
pub fn first_ident_named(
    tokens: impl IntoIterator<Item = proc_macro2::TokenTree>,
    names: &[&str],
) -> Option<proc_macro2::Ident> {
    first_ident_named_where(tokens, names, &|_| true)
}

/// The first identifier of `tokens` (inside groups and macro arguments too) that is one of
/// `names` and that `accept` takes.
pub fn first_ident_named_where(
    tokens: impl IntoIterator<Item = proc_macro2::TokenTree>,
    names: &[&str],
    accept: &dyn Fn(&proc_macro2::Ident) -> bool,
) -> Option<proc_macro2::Ident> {
    tokens.into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Ident(i) if names.iter().any(|n| i == n) && accept(&i) => Some(i),
        proc_macro2::TokenTree::Group(g) => first_ident_named_where(g.stream(), names, accept),
        _ => None,
    })
}

/// Source text as one line for a message: a chain split over lines joins back
/// (`deadpool\n    .get()` → `deadpool.get()`), other line breaks become a space, and text
/// longer than 80 characters is cut with `…`.
fn one_line(text: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let joins = line.starts_with(['.', '?', ')', ']', '}', ',']) || out.ends_with(['(', '[', '{']);
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(line);
    }
    match out.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// The first token of an expression without outer attributes, when found without printing it.
fn first_token(e: &syn::Expr) -> Option<proc_macro2::Span> {
    use syn::Expr as E;
    match e {
        E::MethodCall(m) if m.attrs.is_empty() => first_token(&m.receiver),
        E::Call(c) if c.attrs.is_empty() => first_token(&c.func),
        E::Await(a) if a.attrs.is_empty() => first_token(&a.base),
        E::Try(t) if t.attrs.is_empty() => first_token(&t.expr),
        E::Field(f) if f.attrs.is_empty() => first_token(&f.base),
        E::Index(i) if i.attrs.is_empty() => first_token(&i.expr),
        E::Binary(b) if b.attrs.is_empty() => first_token(&b.left),
        E::Assign(a) if a.attrs.is_empty() => first_token(&a.left),
        E::Cast(c) if c.attrs.is_empty() => first_token(&c.expr),
        E::Path(p) if p.attrs.is_empty() && p.qself.is_none() => path_first(&p.path),
        E::Macro(m) if m.attrs.is_empty() => path_first(&m.mac.path),
        E::Lit(l) if l.attrs.is_empty() => Some(l.lit.span()),
        E::Reference(r) if r.attrs.is_empty() => Some(r.and_token.span),
        E::Paren(p) if p.attrs.is_empty() => Some(p.paren_token.span.open()),
        E::Tuple(t) if t.attrs.is_empty() => Some(t.paren_token.span.open()),
        E::Array(a) if a.attrs.is_empty() => Some(a.bracket_token.span.open()),
        E::Block(b) if b.attrs.is_empty() && b.label.is_none() => Some(b.block.brace_token.span.open()),
        E::If(i) if i.attrs.is_empty() => Some(i.if_token.span),
        E::Match(m) if m.attrs.is_empty() => Some(m.match_token.span),
        E::Return(r) if r.attrs.is_empty() => Some(r.return_token.span),
        _ => None,
    }
}

/// The last token of an expression, when found without printing it.
fn last_token(e: &syn::Expr) -> Option<proc_macro2::Span> {
    use syn::Expr as E;
    match e {
        E::MethodCall(m) => Some(m.paren_token.span.close()),
        E::Call(c) => Some(c.paren_token.span.close()),
        E::Await(a) => Some(a.await_token.span),
        E::Try(t) => Some(t.question_token.span),
        E::Field(f) => Some(match &f.member {
            syn::Member::Named(ident) => ident.span(),
            syn::Member::Unnamed(index) => index.span,
        }),
        E::Index(i) => Some(i.bracket_token.span.close()),
        E::Binary(b) => last_token(&b.right),
        E::Assign(a) => last_token(&a.right),
        E::Path(p) => p.path.segments.last().filter(|s| s.arguments.is_none()).map(|s| s.ident.span()),
        E::Macro(m) => Some(match &m.mac.delimiter {
            syn::MacroDelimiter::Paren(d) => d.span.close(),
            syn::MacroDelimiter::Brace(d) => d.span.close(),
            syn::MacroDelimiter::Bracket(d) => d.span.close(),
        }),
        E::Lit(l) => Some(l.lit.span()),
        E::Reference(r) => last_token(&r.expr),
        E::Paren(p) => Some(p.paren_token.span.close()),
        E::Tuple(t) => Some(t.paren_token.span.close()),
        E::Array(a) => Some(a.bracket_token.span.close()),
        E::Block(b) => Some(b.block.brace_token.span.close()),
        E::If(i) => match &i.else_branch {
            Some((_, other)) => last_token(other),
            None => Some(i.then_branch.brace_token.span.close()),
        },
        E::Match(m) => Some(m.brace_token.span.close()),
        _ => None,
    }
}

/// The first token of a path (no `<T as Trait>::` qualifier).
fn path_first(path: &syn::Path) -> Option<proc_macro2::Span> {
    match &path.leading_colon {
        Some(colons) => Some(colons.spans[0]),
        None => path.segments.first().map(|s| s.ident.span()),
    }
}

/// Runs every rule over every function of a parsed file; returns the diagnostics and the
/// facts recorded for cross-function analyses.
pub fn analyze_file(file: &syn::File, cx: &FileCx<'_>, rules: &[&dyn Rule]) -> (Vec<Diagnostic>, facts::FileFnFacts) {
    let mut out = Vec::new();
    let facts = body::walk_file(file, cx, rules, &mut out);
    (out, facts)
}

#[cfg(test)]
impl<'a> FileCx<'a> {
    /// A file of crate `krate` whose index is `index` alone, with the embedded catalogue and
    /// policy: the context of tests that analyse one file.
    pub(crate) fn standalone(
        source: &'a SourceFile,
        krate: &'a str,
        index: &'a crate::index::CrateIndex,
        uses: &'a UseMap,
    ) -> Self {
        FileCx {
            id: 0,
            source,
            catalog: Catalog::embedded(),
            krate,
            index: IndexView { name: krate, file: index, krate: index, deps: &[], module: &[] },
            uses,
            module: Vec::new(),
            policy: crate::catalog::Policy::embedded(),
            carriers: Default::default(),
            test_support: false,
        }
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn message_text_joins_chains_split_over_lines() {
        assert_eq!(super::one_line("deadpool\n        .get()\n        .await"), "deadpool.get().await");
        assert_eq!(super::one_line("get(\n    &pool,\n    id\n)"), "get(&pool, id)");
        assert_eq!(super::one_line(&"x".repeat(100)), format!("{}…", "x".repeat(80)));
    }

    use super::*;
    use syn::visit::Visit;

    /// The edge-token spans agree with `Spanned::span` on every statement and expression of
    /// every Rust fixture.
    #[test]
    fn edge_token_spans_match_printed_spans_on_every_fixture() {
        struct Compare<'a> {
            cx: &'a FileCx<'a>,
            checked: usize,
        }
        impl<'ast> Visit<'ast> for Compare<'_> {
            fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
                assert_eq!(self.cx.stmt_span(s), self.cx.span(s), "{}", self.cx.text(s));
                self.checked += 1;
                syn::visit::visit_stmt(self, s);
            }
            fn visit_expr(&mut self, e: &'ast syn::Expr) {
                assert_eq!(self.cx.expr_span(e), self.cx.span(e), "{}", self.cx.text(e));
                self.checked += 1;
                syn::visit::visit_expr(self, e);
            }
        }
        let mut checked = 0;
        for path in crate::fixture_rust_files() {
            let text = std::fs::read_to_string(&path).unwrap();
            // the parse-error fixtures are meant not to parse
            let Ok(tree) = syn::parse_file(&text) else { continue };
            let source = SourceFile::new(path.clone(), path.display().to_string(), text);
            let index = crate::index::CrateIndex::default();
            let uses = UseMap::default();
            let cx = FileCx::standalone(&source, "", &index, &uses);
            let mut compare = Compare { cx: &cx, checked: 0 };
            compare.visit_file(&tree);
            checked += compare.checked;
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        assert!(checked > 5_000, "only {checked} nodes compared");
    }
}
