//! `connection-not-driven`: a tokio-postgres connection half nobody polls.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::{visit_idents, BodyCx};
use crate::analysis::value::Value;
use crate::catalog::{path_ends_with, CrateApi};
use crate::index::types::TypeRef;
use crate::report::Diagnostic;
use syn::visit::Visit;

declare_rule! {
    /// ### What it flags
    /// `let (client, connection) = tokio_postgres::connect(..).await?` (also `Config::connect`
    /// and `Config::connect_raw`) where the connection half is bound to `_`, or to a name that
    /// the rest of the block never mentions: it is not spawned, awaited, returned or moved.
    ///
    /// ### Why it drains a pool
    /// In tokio-postgres the `Connection` future performs all I/O for its `Client`. Dropped or
    /// never polled, the client's first query waits forever (or fails): each such call strands
    /// a database session and a task, and code that retries opens more of them.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let (client, _) = tokio_postgres::connect(&url, NoTls).await?;
    /// let row = client.query_one("SELECT 1", &[]).await?; // never completes
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
    /// tokio::spawn(async move {
    ///     if let Err(e) = connection.await {
    ///         tracing::error!("postgres connection error: {e}");
    ///     }
    /// });
    /// let row = client.query_one("SELECT 1", &[]).await?;
    /// ```
    CONNECTION_NOT_DRIVEN, "connection-not-driven", Error,
    "the connection half of `tokio_postgres::connect` dropped or never spawned/awaited: the client hangs on first use"
}

/// See [`CONNECTION_NOT_DRIVEN`].
pub struct ConnectionNotDriven;

impl Rule for ConnectionNotDriven {
    fn info(&self) -> &'static RuleInfo {
        &CONNECTION_NOT_DRIVEN
    }

    fn check_local(&self, cx: &BodyCx<'_>, local: &syn::Local, rest: &[syn::Stmt], out: &mut Vec<Diagnostic>) {
        let Some(init) = &local.init else { return };
        let Some(tuple) = pair_pattern(&local.pat, false) else { return };
        let Some((call_span, shown)) = connect_call(cx, &init.expr) else { return };
        check_pair(cx, call_span, &shown, tuple, |name| mentioned(name, rest), out);
    }

    /// `match connect(..).await { Ok((client, _)) => .. }` and `if let Ok((client, _)) = ..`.
    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        match expr {
            syn::Expr::Match(m) => {
                let Some((call_span, shown)) = connect_call(cx, &m.expr) else { return };
                for arm in &m.arms {
                    let Some(tuple) = pair_pattern(&arm.pat, true) else { continue };
                    let used = |name: &str| {
                        mentioned_expr(name, &arm.body)
                            || arm.guard.as_ref().is_some_and(|(_, g)| mentioned_expr(name, g))
                    };
                    check_pair(cx, call_span, &shown, tuple, used, out);
                }
            }
            syn::Expr::If(i) => {
                let syn::Expr::Let(l) = &*i.cond else { return };
                let Some((call_span, shown)) = connect_call(cx, &l.expr) else { return };
                let Some(tuple) = pair_pattern(&l.pat, true) else { return };
                check_pair(cx, call_span, &shown, tuple, |name| mentioned(name, &i.then_branch.stmts), out);
            }
            _ => {}
        }
    }
}

/// The `(client, connection)` pattern, directly or (with `unwrap`) inside `Ok(..)`/`Some(..)`.
fn pair_pattern(pat: &syn::Pat, unwrap: bool) -> Option<&syn::PatTuple> {
    match pat {
        syn::Pat::Type(pt) => pair_pattern(&pt.pat, unwrap),
        syn::Pat::Tuple(t) if t.elems.len() == 2 => Some(t),
        syn::Pat::TupleStruct(ts) if unwrap && ts.elems.len() == 1 => {
            let name = ts.path.segments.last()?.ident.to_string();
            if name == "Ok" || name == "Some" {
                pair_pattern(&ts.elems[0], false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Reports the connection half of `tuple` when it is `_` or a name `used` does not find.
fn check_pair(
    cx: &BodyCx<'_>,
    call_span: crate::source::Span,
    shown: &str,
    tuple: &syn::PatTuple,
    used: impl Fn(&str) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let why = match &tuple.elems[1] {
        syn::Pat::Wild(_) => "bound to `_`".to_string(),
        syn::Pat::Ident(id) => {
            let name = id.ident.to_string();
            if used(&name) {
                return;
            }
            format!("bound to `{name}` and never used")
        }
        _ => return,
    };
    out.push(
        Diagnostic::new(
            CONNECTION_NOT_DRIVEN.id,
            CONNECTION_NOT_DRIVEN.default_severity,
            call_span,
            format!("the connection half of `{shown}` is {why}: nothing polls it, so the client hangs on its first query"),
        )
        .with_label(cx.file.span(&tuple.elems[1]), "this future does the connection's I/O")
        .with_help(
            "spawn it: `tokio::spawn(async move { if let Err(e) = connection.await { eprintln!(\"connection error: {e}\") } });`",
        ),
    );
}

/// The connect call inside `init` (through `.await`, `?`, `unwrap`), when it returns a
/// `(client, connection)` pair: its span and how to show it.
fn connect_call(cx: &BodyCx<'_>, e: &syn::Expr) -> Option<(crate::source::Span, String)> {
    match e {
        syn::Expr::Try(t) => connect_call(cx, &t.expr),
        syn::Expr::Await(a) => connect_call(cx, &a.base),
        syn::Expr::Paren(p) => connect_call(cx, &p.expr),
        syn::Expr::MethodCall(m)
            if matches!(m.method.to_string().as_str(), "unwrap" | "expect" | "map_err" | "context") =>
        {
            connect_call(cx, &m.receiver)
        }
        syn::Expr::Call(c) => {
            let path = cx.call_path(c)?;
            let api = pairs_api(cx, &path)?;
            api.connection_pairs
                .iter()
                .any(|p| !p.contains("Config::") && path_ends_with(&path, p))
                .then(|| (cx.file.span(c), path.join("::")))
        }
        syn::Expr::MethodCall(m) => {
            let method = m.method.to_string();
            let Value::Opaque(TypeRef::Path { segments, .. }) = cx.classify(&m.receiver) else {
                return None;
            };
            let api = pairs_api(cx, &segments)?;
            let wanted = format!("{}::{method}", segments.last()?);
            api.connection_pairs
                .contains(&wanted)
                .then(|| (cx.file.span(m), format!("{}.{method}(..)", cx.file.text(&*m.receiver))))
        }
        _ => None,
    }
}

/// The catalogued crate owning `path`, when it declares connection pairs.
fn pairs_api<'c>(cx: &BodyCx<'c>, path: &[String]) -> Option<&'c CrateApi> {
    let catalog = cx.file.catalog;
    catalog.crates_for_path(path).map(|i| &catalog.crates[i]).find(|c| !c.connection_pairs.is_empty())
}

/// Whether `name` appears in an expression.
fn mentioned_expr(name: &str, e: &syn::Expr) -> bool {
    let mut hit = false;
    visit_idents(e, &mut |n| hit |= n == name);
    hit
}

/// Whether `name` appears in the statements (expressions and macro arguments).
fn mentioned(name: &str, stmts: &[syn::Stmt]) -> bool {
    struct V<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let mut hit = false;
            visit_idents(e, &mut |n| hit |= n == self.0);
            self.1 |= hit;
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.1 |= m.tokens.to_string().split(|c: char| !c.is_alphanumeric() && c != '_').any(|t| t == self.0);
        }
    }
    let mut v = V(name, false);
    for s in stmts {
        v.visit_stmt(s);
    }
    v.1
}
