//! `nested-acquire`: a second connection from a pool while one is held.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::facts::{CallFact, FnFacts, HeldGuard};
use crate::analysis::summary::{translate, CrateFacts, Step};
use crate::report::Diagnostic;
use crate::source::Span;

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
    /// A connection also stays held where it is kept: in a task it was moved into, in a
    /// `stream::unfold` state, and in a struct that keeps it beside the pool it came from
    /// (`Self { conn, pool: pool.clone() }` in every literal of the struct). Then the struct's
    /// `&self` methods that take a connection from that pool field hold two.
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
        let uses = match expr {
            syn::Expr::MethodCall(m) => cx.pool_uses(m),
            syn::Expr::Call(c) => cx.call_pool_uses(c),
            _ => return,
        };
        for (key, span) in uses {
            let held: Vec<_> = cx.held_here().filter(|(_, t)| t.pool.as_deref() == Some(key.as_str())).collect();
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
            let mut reported: Vec<crate::source::Span> = Vec::new();
            for call in &f.calls {
                // a dispatched call has one fact per implementation: one finding for the call
                if call.held.is_empty() || reported.contains(&call.span) {
                    continue;
                }
                let held = held_pools(facts, &call.held);
                let found = acquired_through(facts, call, |mine| held.iter().any(|(_, key, _)| key == mine));
                let Some((key, witness)) = found else { continue };
                let held: Vec<_> = held.iter().filter(|(_, k, _)| *k == key).collect();
                let first = held[0].0;
                let mut d = Diagnostic::new(
                    NESTED_ACQUIRE.id,
                    NESTED_ACQUIRE.default_severity,
                    call.span,
                    format!(
                        "{} takes a second connection from `{key}` while `{}` (taken at line {}) is still held: {}",
                        call.described(),
                        first.name,
                        first.line,
                        deadlock_note(&key, held.len() + 1)
                    ),
                );
                reported.push(call.span);
                d = label_held(d, &held);
                for step in witness.iter().filter(|s| s.span != call.span) {
                    d = d.with_label(step.span, step.note.clone());
                }
                out.push(d.with_help(format!(
                    "pass the held connection to `{}` instead of the pool, or call it before taking `{}`",
                    call.shown, first.name
                )));
            }
            check_held_by_self(facts, f, out);
            // an acquisition here while a guard taken through a call is held: the call's
            // summary says which pools that guard may belong to
            for a in &f.acquires {
                let held = held_pools(facts, &a.held);
                let held: Vec<_> = held.iter().filter(|(_, k, _)| *k == a.key).collect();
                let Some((first, _, _)) = held.first() else { continue };
                let d = Diagnostic::new(
                    NESTED_ACQUIRE.id,
                    NESTED_ACQUIRE.default_severity,
                    a.span,
                    format!(
                        "second connection taken from `{}` while `{}` (taken at line {}) is still held: {}",
                        a.key,
                        first.name,
                        first.line,
                        deadlock_note(&a.key, held.len() + 1)
                    ),
                );
                out.push(label_held(d, &held).with_help(format!(
                    "run this on the connection already held (`&mut *{0}`, `&{0}`), or finish with `{0}` before taking another",
                    first.name
                )));
            }
        }
    }
}

/// In a `&self` method of a struct that keeps a connection of its own pool field: taking
/// another from that field, directly or through a call (not through the struct's own methods,
/// which are checked themselves).
fn check_held_by_self(facts: &CrateFacts, f: &FnFacts, out: &mut Vec<Diagnostic>) {
    let Some(owner) = &f.borrows_self else { return };
    let Some(held) = facts.self_held.get(owner) else { return };
    let owner = owner.rsplit("::").next().unwrap_or(owner);
    for h in held {
        let key = format!("self.{}", h.pool_field);
        let mut sites: Vec<(Span, &[Step], String)> = Vec::new();
        for a in f.acquires.iter().filter(|a| a.key == key) {
            sites.push((a.span, &[], "second connection taken".to_owned()));
        }
        for call in f.calls.iter().filter(|c| !c.detached && c.recv.as_deref() != Some("self")) {
            if let Some((_, witness)) = acquired_through(facts, call, |mine| mine == key) {
                if !sites.iter().any(|(s, _, _)| *s == call.span) {
                    sites.push((call.span, witness, format!("{} takes a second connection", call.described())));
                }
            }
        }
        for (span, witness, what) in sites {
            let mut d = Diagnostic::new(
                NESTED_ACQUIRE.id,
                NESTED_ACQUIRE.default_severity,
                span,
                format!(
                    "{what} from `{key}` while this `{owner}` holds `self.{}`, a connection of the same pool it keeps for its whole life (stored by `{}`): {}",
                    h.field,
                    h.stored_by,
                    deadlock_note(&key, 2)
                ),
            )
            .with_label(h.acquired, format!("`self.{}` taken here", h.field))
            .with_label(h.at, format!("kept in `{owner}` here, beside `{}`", h.pool_field));
            for step in witness.iter().filter(|s| s.span != span) {
                d = d.with_label(step.span, step.note.clone());
            }
            out.push(d.with_help(format!(
                "run this on the connection `{owner}` already holds (`&mut *self.{}`), or keep only the pool in `{owner}` and take a connection per operation",
                h.field
            )));
        }
    }
}

/// The first pool `wanted` accepts among those a call's callee acquires from (itself or
/// through its own calls), in the caller's terms, with how.
fn acquired_through<'f>(
    facts: &'f CrateFacts,
    call: &CallFact,
    wanted: impl Fn(&str) -> bool,
) -> Option<(String, &'f [Step])> {
    let g = facts.callee(call)?;
    facts.acquires[g].iter().find_map(|(k, witness)| {
        let mine = translate(call, &facts.fns[g], k)?;
        wanted(&mine).then_some((mine, witness.as_slice()))
    })
}

/// Each held guard with each pool it may belong to, and how it came from that pool.
fn held_pools<'h>(facts: &CrateFacts, held: &'h [HeldGuard]) -> Vec<(&'h HeldGuard, String, Vec<Step>)> {
    held.iter().flat_map(|h| facts.pools_of(h).into_iter().map(move |(key, path)| (h, key, path))).collect()
}

/// Labels where each held guard was taken and, for one taken through a call, the path to
/// the pool it may come from.
fn label_held(mut d: Diagnostic, held: &[&(&HeldGuard, String, Vec<Step>)]) -> Diagnostic {
    for (h, _, path) in held {
        d = d.with_label(h.acquired, format!("`{}` taken here", h.name));
        for step in path.iter().filter(|s| s.span != h.acquired) {
            d = d.with_label(step.span, step.note.clone());
        }
    }
    d
}

/// The pool-locking arithmetic for a path holding `c` connections of one pool at once.
fn deadlock_note(key: &str, c: usize) -> String {
    format!(
        "this path holds {c} connections of `{key}` at once, so N concurrent callers need a pool of at least N × ({c} − 1) + 1 to avoid deadlock"
    )
}
