//! `conn-accumulated`: one guard per item, all held together.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::value::{Evidence, Value};
use crate::catalog::path_ends_with_any;
use crate::report::Diagnostic;
use crate::source::Span;

declare_rule! {
    /// ### What it flags
    /// Guards acquired per iteration and kept together: a guard acquired inside a loop and
    /// `push`ed/`insert`ed/`extend`ed into a collection declared outside it, `collect()` of an
    /// iterator that acquires per item, and `join_all`/`try_join_all` of acquisitions.
    ///
    /// ### Why it drains a pool
    /// Each item takes a slot and none is returned until the whole collection is dropped: with
    /// N items the function needs N connections at once. Past the pool size it deadlocks on
    /// itself (the last acquisitions wait for slots held by the first), and before that it
    /// starves every other request.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let mut held = Vec::new();
    /// for tenant in tenants {
    ///     let conn = pool.acquire().await?;
    ///     held.push(conn); // one slot per tenant, all at once
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// for tenant in tenants {
    ///     let mut conn = pool.acquire().await?; // one slot, returned each iteration
    ///     migrate(&mut conn, tenant).await?;
    /// }
    /// ```
    /// For parallel work, join the *queries* (each takes and returns its own connection) or
    /// bound the parallelism below the pool size.
    CONN_ACCUMULATED, "conn-accumulated", Warning,
    "guards acquired per iteration and kept together (`push`/`insert` into an outer collection, `collect()`, `join_all`)"
}

/// See [`CONN_ACCUMULATED`].
pub struct ConnAccumulated;

impl Rule for ConnAccumulated {
    fn info(&self) -> &'static RuleInfo {
        &CONN_ACCUMULATED
    }

    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        let acc = &cx.file.catalog.std.accumulate;
        match expr {
            syn::Expr::MethodCall(m) if acc.sinks.contains(&m.method.to_string()) => check_sink(cx, m, out),
            syn::Expr::MethodCall(m) if acc.collectors.contains(&m.method.to_string()) => {
                if let Some((evidence, shown)) = per_item_acquisition(cx, &m.receiver, false) {
                    let span = cx.file.method_span(m);
                    out.push(diagnostic(span, format!("`collect()` keeps a connection per item: {shown}"), &evidence));
                }
            }
            syn::Expr::Call(c) => {
                let Some(path) = cx.call_path(c) else { return };
                if !path_ends_with_any(&path, &acc.joins) {
                    return;
                }
                let Some(arg) = c.args.first() else { return };
                if let Some((evidence, shown)) = per_item_acquisition(cx, arg, true) {
                    let name = path.last().map(String::as_str).unwrap_or("join_all");
                    let message = format!("`{name}` holds a connection per item until all are ready: {shown}");
                    out.push(diagnostic(cx.file.span(c), message, &evidence));
                }
            }
            _ => {}
        }
    }
}

/// `held.push(conn)` in a loop, `held` declared outside it (or a field of `self`, which
/// outlives every loop); `held.extend(items.map(|_| pool.get()))` anywhere.
fn check_sink(cx: &BodyCx<'_>, m: &syn::ExprMethodCall, out: &mut Vec<Diagnostic>) {
    let Some(collection) = root_binding(&m.receiver) else { return };
    let shown = cx.file.text(&*m.receiver);
    for arg in &m.args {
        if let Some((evidence, per_item)) = per_item_acquisition(cx, arg, false) {
            let message = format!("`{shown}` keeps a connection per item: {per_item}");
            out.push(diagnostic(cx.file.method_span(m), message, &evidence));
            return;
        }
    }
    let depth = cx.loop_depth();
    if depth == 0 {
        return;
    }
    let outer_depth = if collection == "self" { Some(0) } else { cx.lookup(&collection).map(|b| b.loop_depth) };
    if outer_depth.is_none_or(|d| d >= depth) {
        return;
    }
    for arg in &m.args {
        let guard = match arg {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|id| cx.lookup(&id.to_string())),
            _ => None,
        };
        // a guard bound inside this loop, or acquired right here
        let fresh = match guard {
            Some(b) => b.loop_depth >= depth && b.owns.is_some(),
            None => true,
        };
        let value = cx.classify(arg);
        let Some((_, kind, evidence)) = value.as_owned_guard() else {
            continue;
        };
        if !fresh {
            continue;
        }
        let message = format!(
            "a {} taken in each iteration is kept in `{shown}`, which outlives the loop: one slot per item stays checked out",
            kind.noun()
        );
        out.push(diagnostic(cx.file.method_span(m), message, evidence));
        return;
    }
}

/// An iterator chain whose `map` closure acquires a connection: `items.iter().map(|_| pool.get())`.
/// `futures`: the closure may return an acquisition future (for joins).
fn per_item_acquisition(cx: &BodyCx<'_>, chain: &syn::Expr, futures: bool) -> Option<(Evidence, String)> {
    let mut e = chain;
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                if matches!(m.method.to_string().as_str(), "map" | "filter_map" | "flat_map" | "then" | "and_then") {
                    if let Some(syn::Expr::Closure(c)) = m.args.first() {
                        let value = cx.classify(&c.body);
                        if let Value::Guard { evidence, wrapped, .. } = value {
                            if futures || !wrapped.future {
                                let shown = format!("each call of `{}` takes one", cx.file.text(&*c.body));
                                return Some((evidence, shown));
                            }
                        }
                    }
                }
                e = &m.receiver;
            }
            syn::Expr::Paren(p) => e = &p.expr,
            _ => return None,
        }
    }
}

fn root_binding(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Field(f) => root_binding(&f.base),
        syn::Expr::Paren(p) => root_binding(&p.expr),
        syn::Expr::Reference(r) => root_binding(&r.expr),
        syn::Expr::Unary(u) => root_binding(&u.expr),
        _ => None,
    }
}

fn diagnostic(span: Span, message: String, evidence: &Evidence) -> Diagnostic {
    let mut d = Diagnostic::new(CONN_ACCUMULATED.id, CONN_ACCUMULATED.default_severity, span, message).with_help(
        "use one connection at a time (take it inside the loop and let it drop each iteration), or bound the parallelism below the pool size",
    );
    if let Some(at) = evidence.span.filter(|at| *at != span) {
        d = d.with_label(at, format!("taken here ({})", evidence.text.trim_start_matches("is ")));
    }
    d
}
