//! `conn-forgotten`: a guard whose destructor never runs.

use super::{cite_evidence, declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::value::Evidence;
use crate::catalog::{path_ends_with_any, EscapeEffect, EscapeStyle};
use crate::report::{Diagnostic, Edit};

declare_rule! {
    /// ### What it flags
    /// A pooled connection or transaction guard passed to `std::mem::forget`, `Box::leak`,
    /// `Box::into_raw` or `ManuallyDrop::new`, or given up with sqlx's `PoolConnection::leak()`.
    /// Guards are recognised from evidence: acquisitions (`pool.acquire().await?`,
    /// `pool.get()?`), declared types (also through type aliases and `use .. as ..` renames),
    /// struct fields and crate functions that return guards.
    ///
    /// ### Why it drains a pool
    /// A pool gets its connection back when the guard is dropped. A forgotten guard is never
    /// dropped, so the pool counts that connection as checked out for the rest of the process:
    /// every call shrinks the pool by one, until requests queue on an empty pool and time out.
    ///
    /// ### Example
    /// ```rust,ignore
    /// async fn warm_up(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    ///     let mut conn = pool.acquire().await?;
    ///     sqlx::query("SET search_path TO app").execute(&mut *conn).await?;
    ///     std::mem::forget(conn); // the slot never comes back
    ///     Ok(())
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// async fn warm_up(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    ///     let mut conn = pool.acquire().await?;
    ///     sqlx::query("SET search_path TO app").execute(&mut *conn).await?;
    ///     drop(conn); // back to the pool
    ///     Ok(())
    /// }
    /// ```
    /// If the connection really must leave the pool, sqlx's `detach()` lets the pool open a
    /// replacement, so capacity is not lost.
    ///
    /// ### Known problems
    /// Values are followed within a function; a guard forgotten by a helper it was passed to is
    /// reported only when the helper's parameter is typed as a guard.
    CONN_FORGOTTEN, "conn-forgotten", Error,
    "a guard passed to `mem::forget`, `Box::leak`, `Box::into_raw`, `ManuallyDrop::new` or sqlx `leak()`: its pool slot never returns"
}

/// See [`CONN_FORGOTTEN`].
pub struct ConnForgotten;

impl Rule for ConnForgotten {
    fn info(&self) -> &'static RuleInfo {
        &CONN_FORGOTTEN
    }

    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        match expr {
            syn::Expr::Call(call) => check_hazard_call(cx, call, out),
            syn::Expr::MethodCall(m) => check_escape_method(cx, m, out),
            _ => {}
        }
    }
}

/// Which hazard a call is, as it should be named in the message.
enum Hazard {
    Forget,
    LeakBox,
    ManuallyDrop,
}

fn check_hazard_call(cx: &BodyCx<'_>, call: &syn::ExprCall, out: &mut Vec<Diagnostic>) {
    let Some(path) = cx.call_path(call) else {
        return;
    };
    let hazards = &cx.file.catalog.std.hazards;
    let matches = |list: &[String]| path_ends_with_any(&path, list);
    let hazard = if matches(&hazards.forget) {
        Hazard::Forget
    } else if matches(&hazards.leak_box) {
        Hazard::LeakBox
    } else if matches(&hazards.manually_drop) {
        Hazard::ManuallyDrop
    } else {
        return;
    };
    let Some(arg) = call.args.first() else { return };
    let value = cx.classify(arg);
    let Some((_, kind, evidence)) = value.as_owned_guard() else {
        return;
    };
    let shown_call = path_suffix(&path, 2);
    let guard = cx.file.text(unboxed(cx, arg));
    let what = kind.noun();
    let (message, help) = match hazard {
        Hazard::Forget => (
            format!("{what} `{guard}` is forgotten: `{shown_call}` skips its `Drop`, so its pool slot never returns"),
            format!("let `{guard}` go out of scope, or call `drop({guard})`, so the connection returns to the pool"),
        ),
        Hazard::LeakBox => (
            format!("{what} `{guard}` is leaked through `{shown_call}`: it is never dropped, so its pool slot never returns"),
            "lend the connection instead (`&mut *conn`), or keep the guard in a `Box` that is dropped when the work is done".into(),
        ),
        Hazard::ManuallyDrop => (
            format!("{what} `{guard}` is wrapped in `ManuallyDrop`: it is never dropped, so its pool slot never returns"),
            "hold the guard itself and let it drop when the work is done".into(),
        ),
    };
    let mut d = diagnostic(cx, call, message, help, &guard, evidence);
    if matches!(hazard, Hazard::Forget) {
        let edit = Edit { span: cx.file.span(&*call.func), replacement: "drop".into() };
        d = d.with_fix(format!("replace `{shown_call}` with `drop`"), vec![edit]);
    }
    out.push(d);
}

fn check_escape_method(cx: &BodyCx<'_>, m: &syn::ExprMethodCall, out: &mut Vec<Diagnostic>) {
    let method = m.method.to_string();
    let catalog = cx.file.catalog;
    let value = cx.classify(&m.receiver);
    let Some((krate, kind, evidence)) = value.as_owned_guard() else {
        return;
    };
    let leaks = catalog.crates.iter().enumerate().filter(|(i, _)| krate.is_none_or(|k| k == *i)).any(|(_, c)| {
        c.escape.iter().any(|e| e.name == method && e.style == EscapeStyle::Method && e.effect == EscapeEffect::Leaked)
    });
    if !leaks || !m.args.is_empty() {
        return;
    }
    let guard = cx.file.text(&*m.receiver);
    let what = kind.noun();
    let message = format!(
        "{what} `{guard}` is leaked with `.{method}()`: the pool counts it as checked out forever and shrinks by one"
    );
    let help = "use `.detach()` if the connection must leave the pool (the pool can then open a replacement), or let the guard drop";
    out.push(diagnostic(cx, m, message, help.into(), &guard, evidence));
}

fn diagnostic(
    cx: &BodyCx<'_>,
    node: &impl syn::spanned::Spanned,
    message: String,
    help: String,
    guard: &str,
    evidence: &Evidence,
) -> Diagnostic {
    let span = cx.file.span(node);
    let d = Diagnostic::new(CONN_FORGOTTEN.id, CONN_FORGOTTEN.default_severity, span, message).with_help(help);
    cite_evidence(d, guard, evidence)
}

/// `Box::new(conn)` → `conn`: the guard's own expression, for messages.
fn unboxed<'e>(cx: &BodyCx<'_>, arg: &'e syn::Expr) -> &'e syn::Expr {
    if let syn::Expr::Call(inner) = arg {
        if let (Some(path), Some(first)) = (cx.call_path(inner), inner.args.first()) {
            if path.len() >= 2 && path[path.len() - 2] == "Box" && path[path.len() - 1] == "new" {
                return first;
            }
        }
    }
    arg
}

fn path_suffix(path: &[String], n: usize) -> String {
    path[path.len().saturating_sub(n)..].join("::")
}
