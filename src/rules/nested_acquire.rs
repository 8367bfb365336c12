//! `nested-acquire`: a second connection from a pool while one is held.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::summary::{translate, CrateFacts};
use crate::report::Diagnostic;

declare_rule! {
    /// ### What it flags
    /// While a connection or transaction from pool P is held, a second acquisition from P: an
    /// explicit one (`P.acquire()`, `P.get()`, `P.begin()`), an implicit one (P used as the
    /// executor: `query.fetch_one(&P)`, `Entity::find().one(P)`), or a call to a function of
    /// the crate that — directly or through its own calls, recursion included — acquires from
    /// the pool it is given or owns (`self.pool`, a pool parameter, a static). "Same pool"
    /// means the same binding, field, parameter or static as far as the evidence shows; two
    /// different pools (Postgres and Redis, primary and replica) are never the same.
    ///
    /// ### Why it drains a pool
    /// Under load every task holds its first connection and waits for a second: once as many
    /// tasks as the pool has slots are in that state, none can proceed and the pool deadlocks
    /// until acquire timeouts fire. A path that holds C connections at once needs a pool of at
    /// least N × (C − 1) + 1 for N concurrent callers (HikariCP's pool-locking formula).
    ///
    /// ### Example
    /// ```rust,ignore
    /// let mut tx = state.db.begin().await?;
    /// let taken: bool = sqlx::query_scalar(EMAIL_TAKEN)
    ///     .bind(&email)
    ///     .fetch_one(&state.db) // a second connection while `tx` holds the first
    ///     .await?;
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let mut tx = state.db.begin().await?;
    /// let taken: bool = sqlx::query_scalar(EMAIL_TAKEN)
    ///     .bind(&email)
    ///     .fetch_one(&mut *tx) // the same connection
    ///     .await?;
    /// ```
    /// For helpers, pass the connection (`&mut *tx`, `&client`) instead of the pool, or call
    /// them before taking the connection.
    NESTED_ACQUIRE, "nested-acquire", Error,
    "a second acquisition from a pool while a guard from the same pool is live, in the function or through the functions it calls"
}

/// See [`NESTED_ACQUIRE`].
pub struct NestedAcquire;

impl Rule for NestedAcquire {
    fn info(&self) -> &'static RuleInfo {
        &NESTED_ACQUIRE
    }

    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        let syn::Expr::MethodCall(m) = expr else { return };
        for (key, span) in cx.pool_uses(m) {
            let held: Vec<_> = cx.live_guards().filter(|(_, t)| t.pool.as_deref() == Some(key.as_str())).collect();
            let Some((_, first)) = held.first() else { continue };
            let c = held.len() + 1;
            let line = cx.file.line(first.acquired);
            let mut d = Diagnostic::new(
                NESTED_ACQUIRE.id,
                NESTED_ACQUIRE.default_severity,
                span,
                format!(
                    "second connection taken from `{key}` while `{}` (taken at line {line}) is still held: {}",
                    first.name,
                    deadlock_note(&key, c)
                ),
            );
            for (_, t) in &held {
                d = d.with_label(t.acquired, format!("`{}` taken here", t.name));
            }
            out.push(d.with_help(format!(
                "run this on the connection already held (`&mut *{0}`, `&{0}`), or finish with `{0}` before taking another",
                first.name
            )));
        }
    }

    fn check_crate(&self, facts: &CrateFacts, out: &mut Vec<Diagnostic>) {
        for f in &facts.fns {
            for call in &f.calls {
                if call.held.is_empty() {
                    continue;
                }
                let Some(g) = facts.callee(call) else { continue };
                let callee = &facts.fns[g];
                let found = facts.acquires[g].iter().find_map(|(k, witness)| {
                    let mine = translate(call, callee, k)?;
                    call.held.iter().any(|h| h.pool == mine).then_some((mine, witness))
                });
                let Some((key, witness)) = found else { continue };
                let held: Vec<_> = call.held.iter().filter(|h| h.pool == key).collect();
                let first = held[0];
                let mut d = Diagnostic::new(
                    NESTED_ACQUIRE.id,
                    NESTED_ACQUIRE.default_severity,
                    call.span,
                    format!(
                        "`{}` takes a second connection from `{key}` while `{}` (taken at line {}) is still held: {}",
                        call.shown,
                        first.name,
                        first.line,
                        deadlock_note(&key, held.len() + 1)
                    ),
                );
                for h in &held {
                    d = d.with_label(h.acquired, format!("`{}` taken here", h.name));
                }
                for step in witness.iter().filter(|s| s.span != call.span) {
                    d = d.with_label(step.span, step.note.clone());
                }
                out.push(d.with_help(format!(
                    "pass the held connection to `{}` instead of the pool, or call it before taking `{}`",
                    call.shown, first.name
                )));
            }
        }
    }
}

/// The pool-locking arithmetic for a path holding `c` connections of one pool at once.
fn deadlock_note(key: &str, c: usize) -> String {
    format!(
        "this path holds {c} connections of `{key}` at once, so N concurrent callers need a pool of at least N × ({c} − 1) + 1 to avoid deadlock"
    )
}
