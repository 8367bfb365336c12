//! `tx-not-finalized`: a transaction that can reach a normal exit still open.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::sql::TxWork;
use crate::catalog::GuardKind;
use crate::report::Diagnostic;
use crate::source::Span;

declare_rule! {
    /// ### What it flags
    /// A transaction from `begin()` (sqlx `pool.begin()`/`conn.begin()`, sea-orm `db.begin()`,
    /// mysql `start_transaction`) with a normal exit path — an explicit `return` of anything
    /// but `Err(..)`, or the end of the body — on which neither `commit()` nor `rollback()` was
    /// called and the transaction was not moved elsewhere (returned, passed by value, stored).
    /// `?` and `return Err(..)` are error exits, where the implicit rollback is intended. A
    /// transaction with several such exits is reported once, at its `begin`. A transaction whose
    /// statements the code shows to only read (their SQL is `SELECT`/`WITH .. SELECT`, row locks
    /// included) is not reported: rolling it back at the exit loses nothing and releases its
    /// connection and locks at once.
    ///
    /// ### Why it drains a pool
    /// The forgotten commit is first a correctness bug: the writes are rolled back on drop and
    /// the caller is told it worked. It also keeps the connection checked out, with its locks
    /// held, until the guard drops, and sqlx has to queue the rollback on that connection before
    /// it can be reused.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let mut tx = pool.begin().await?;
    /// sqlx::query(UPDATE_BALANCE).bind(cents).execute(&mut *tx).await?;
    /// if balance + cents >= 0 {
    ///     tx.commit().await?;
    /// }
    /// Ok(()) // the other path silently rolls back
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let mut tx = pool.begin().await?;
    /// if balance + cents < 0 {
    ///     return Err(Error::InsufficientFunds); // error exit: rollback intended
    /// }
    /// sqlx::query(UPDATE_BALANCE).bind(cents).execute(&mut *tx).await?;
    /// tx.commit().await?;
    /// Ok(())
    /// ```
    ///
    /// ### Known problems
    /// Reads are told from writes by the SQL written where the transaction is used: a query
    /// held in a constant, a helper given `&mut tx`, or a builder call poolcheck does not know
    /// counts as writing, so such read-only transactions are still reported.
    TX_NOT_FINALIZED, "tx-not-finalized", Warning,
    "a transaction from `begin()` that can reach a normal exit without `commit()` or `rollback()`"
}

/// See [`TX_NOT_FINALIZED`].
pub struct TxNotFinalized;

impl Rule for TxNotFinalized {
    fn info(&self) -> &'static RuleInfo {
        &TX_NOT_FINALIZED
    }

    fn check_exit(&self, cx: &BodyCx<'_>, at: Span, out: &mut Vec<Diagnostic>) {
        for (id, t) in cx.live_guards() {
            if t.kind != GuardKind::Transaction || !t.from_begin {
                continue;
            }
            if out.iter().any(|d| d.rule == TX_NOT_FINALIZED.id && d.span == t.acquired) {
                continue;
            }
            // a transaction that only reads loses nothing when it rolls back at this exit
            if let TxWork::ReadsOnly { .. } = cx.transaction_work(id) {
                continue;
            }
            let line = cx.file.line(at);
            out.push(
                Diagnostic::new(
                    TX_NOT_FINALIZED.id,
                    TX_NOT_FINALIZED.default_severity,
                    t.acquired,
                    format!(
                        "transaction `{}` can reach a normal exit (line {line}) without `commit()` or `rollback()`: its writes are silently rolled back",
                        t.name
                    ),
                )
                .with_label(at, format!("`{}` is still open here", t.name))
                .with_help(format!(
                    "call `{0}.commit().await?` before this exit, or `{0}.rollback().await?` if the work must be undone",
                    t.name
                )),
            );
        }
    }
}
