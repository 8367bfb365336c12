//! `conn-held-while-waiting`: a guard kept across a wait that does not use it.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::{BodyCx, Tracked, Wait};
use crate::analysis::value::Value;
use crate::catalog::GuardKind;
use crate::report::Diagnostic;
use crate::report::Edit;
use crate::source::Span;
use syn::visit::Visit;

declare_rule! {
    /// ### What it flags
    /// A pooled connection or transaction that is live across an `.await` (or a `join!`/
    /// `select!`, or in synchronous code a `std::thread::sleep` or a blocking HTTP call) whose
    /// expression does not use it: an HTTP request, a sleep, a channel, password hashing,
    /// another service, a connection from another pool. That includes waits after the guard's
    /// last use while it is still in scope. Waits that use the guard (`&mut *conn`, `&mut tx`,
    /// `tx.commit()`, a helper given the guard, a transaction or statement made from it) are its
    /// own work and stay silent, and so does anything after `drop(conn)` or after the guard was
    /// moved.
    ///
    /// ### Why it drains a pool
    /// While the task waits, its connection sits idle but checked out. A slow dependency then
    /// holds one connection per in-flight request: at peak load every slot is taken by requests
    /// waiting on something else, and requests that only need the database queue until they
    /// time out.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let mut tx = state.db.begin().await?;
    /// sqlx::query(INSERT_USER).execute(&mut *tx).await?;
    /// state.mailer.send_welcome(&email).await?; // the transaction waits on the mail server
    /// tx.commit().await?;
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let mut tx = state.db.begin().await?;
    /// sqlx::query(INSERT_USER).execute(&mut *tx).await?;
    /// tx.commit().await?;
    /// state.mailer.send_welcome(&email).await?; // after the connection went back
    /// ```
    /// Or end the guard's scope early: `drop(conn);` after its last use. `--fix` inserts that
    /// `drop` only where it builds: never when the guard (or a transaction or statement made
    /// from it) is written again after the wait, used, moved or captured, never for a borrowed
    /// temporary (dropping the reference releases nothing) and never for a transaction
    /// (dropping it rolls it back).
    ///
    /// ### Known problems
    /// A wait on a future that was created from the guard earlier and stored under another
    /// name is recognised only when that name was bound from the guard without an `.await`.
    CONN_HELD_WHILE_WAITING, "conn-held-while-waiting", Warning,
    "a live guard across an `.await` (or a sleep or blocking call) that does not use it: the slot stays taken while the task waits"
}

/// See [`CONN_HELD_WHILE_WAITING`].
pub struct ConnHeldWhileWaiting;

impl Rule for ConnHeldWhileWaiting {
    fn info(&self) -> &'static RuleInfo {
        &CONN_HELD_WHILE_WAITING
    }

    fn check_wait(&self, cx: &BodyCx<'_>, wait: &Wait<'_>, out: &mut Vec<Diagnostic>) {
        let pools_used = pools_used(cx, &wait.exprs);
        let held: Vec<_> = cx
            .held_here()
            .filter(|(id, _)| !wait.exprs.iter().any(|e| cx.mentions_guard(e, *id)))
            // a second acquisition from the guard's own pool is `nested-acquire`'s finding
            .filter(|(_, t)| t.pool.as_ref().is_none_or(|p| !pools_used.contains(p)))
            .collect();
        let Some(&(first_id, first)) = held.first() else {
            return;
        };
        let file = cx.file;
        let what = format!("this {}", wait.how);
        let mut d = Diagnostic::new(
            CONN_HELD_WHILE_WAITING.id,
            CONN_HELD_WHILE_WAITING.default_severity,
            wait.span,
            format!(
                "{} `{}` is held across {what}, which does not use it: its pool slot stays taken while the task waits",
                first.kind.noun(),
                first.name
            ),
        );
        for (_, t) in &held {
            d = d.with_label(t.acquired, format!("`{}` {}", t.name, t.evidence.text));
        }
        // a use after the wait (or on the next turn of a loop around both) makes the last use
        // so far not the last: no `drop` there, and no label that calls it the last
        let used_later = match cx.statement_in_scope(first.scope) {
            Some(stmt) => cx.mentioned_after(first_id, stmt.start, file.line(wait.span)),
            None => Some(file.line(wait.span)),
        };
        let last = first.last_use.filter(|u| u.start < wait.span.start);
        let help = match (last, used_later) {
            (Some(last), Some(again)) => {
                d = d.with_label(last, format!("`{}` used here before the wait", first.name));
                format!(
                    "`{}` is used again on line {again}, after this wait, so it cannot be released before it: finish the database work first and wait afterwards, or take the connection after the wait",
                    first.name
                )
            }
            (Some(last), None) if first.extended => {
                d = d.with_label(last, format!("last use of `{}`", first.name));
                format!(
                    "`{0}` borrows a temporary guard that lives to the end of its block, so `drop({0})` would release nothing: take the connection in an inner block that ends after line {1}, or move this wait before the connection is taken",
                    first.name,
                    file.line(last)
                )
            }
            (Some(last), None) if first.kind == GuardKind::Transaction => {
                d = d.with_label(last, format!("last use of `{}`", first.name));
                format!(
                    "commit `{}` after line {} (its last use) and wait afterwards; dropping a transaction rolls it back",
                    first.name,
                    file.line(last)
                )
            }
            (Some(last), None) => {
                d = d.with_label(last, format!("last use of `{}`", first.name));
                format!(
                    "call `drop({})` after line {} (its last use), or move this wait before the connection is taken",
                    first.name,
                    file.line(last)
                )
            }
            (None, _) => "take the connection after this wait, or release it before waiting".to_string(),
        };
        let mut d = d.with_help(help);
        if used_later.is_none() {
            if let Some(edit) = drop_after_last_use(cx, first, wait.span) {
                d = d.with_fix(format!("drop `{}` after its last use", first.name), vec![edit]);
            }
        }
        out.push(d);
    }
}

/// Inserting `drop(conn);` after the statement of the guard's own block that last uses it,
/// when the wait is in a later statement of that block. Only for pooled connections bound by
/// value: dropping a transaction early would roll it back, and dropping a reference to an
/// extended temporary releases nothing.
fn drop_after_last_use(cx: &BodyCx<'_>, guard: &Tracked, wait: Span) -> Option<Edit> {
    // `let c = &mut pool.get()?;`: dropping the reference releases nothing
    if guard.kind != GuardKind::Connection || guard.extended {
        return None;
    }
    let last = guard.last_use_stmt?;
    let wait_stmt = cx.statement_in_scope(guard.scope)?;
    if last.end > wait_stmt.start || last == wait_stmt || wait_stmt.start > wait.start {
        return None;
    }
    let source = cx.file.source;
    let line_start = source.line_starts()[source.line_index(wait_stmt.start)];
    let indent: String = source.text[line_start..wait_stmt.start].chars().take_while(|c| c.is_whitespace()).collect();
    Some(Edit {
        span: Span { file: last.file, start: last.end, end: last.end },
        replacement: format!("\n{indent}drop({});", guard.name),
    })
}

/// Pools a wait takes connections from: explicit acquisitions and pools passed as arguments
/// (executors and helpers), keyed as written.
fn pools_used(cx: &BodyCx<'_>, exprs: &[&syn::Expr]) -> Vec<String> {
    struct V<'c, 'a> {
        cx: &'c BodyCx<'a>,
        keys: Vec<String>,
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let recv = self.cx.classify(&m.receiver);
            if let Some(Value::Guard { .. }) = self.cx.acquisition(m, &m.method.to_string(), &recv) {
                self.keys.push(self.cx.pool_key(&m.receiver));
            }
            for a in &m.args {
                if self.cx.classify(a).as_pool().is_some() {
                    self.keys.push(self.cx.pool_key(a));
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            for a in &c.args {
                if self.cx.classify(a).as_pool().is_some() {
                    self.keys.push(self.cx.pool_key(a));
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut v = V { cx, keys: Vec::new() };
    for e in exprs {
        v.visit_expr(e);
    }
    v.keys
}
