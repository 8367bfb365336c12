//! `blocking-acquire-in-async`: a synchronous pool's checkout inside async code.

use super::{cite_evidence, declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::value::Value;
use crate::report::Diagnostic;

declare_rule! {
    /// ### What it flags
    /// `get()`, `try_get()` or `get_timeout(..)` on a synchronous pool (r2d2, `diesel::r2d2`,
    /// `r2d2_postgres`…) inside an `async fn`, an `async` block or a closure run by one, and not
    /// inside `spawn_blocking`/`block_in_place` (or another call that runs its closure on a
    /// thread of its own). The pool must be known from evidence — a declared type, an alias, a
    /// field — since `get()` alone means too many things.
    ///
    /// ### Why it drains a pool
    /// r2d2 waits for a free connection by blocking the thread, for up to its
    /// `connection_timeout` (30 s by default). On an async runtime that thread also drives other
    /// tasks — including the ones that would return connections to the pool. Under load the
    /// runtime's few worker threads all block in `get()` and the service stalls.
    ///
    /// ### Example
    /// ```rust,ignore
    /// async fn monthly_report(State(state): State<ReportState>) -> Result<Json<Report>, Error> {
    ///     let mut conn = state.pool.get()?; // blocks a runtime worker
    ///     let rows = conn.query(MONTHLY_TOTALS, &[])?;
    ///     Ok(Json(Report::from_rows(&rows)))
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// async fn monthly_report(State(state): State<ReportState>) -> Result<Json<Report>, Error> {
    ///     let pool = state.pool.clone();
    ///     let rows = tokio::task::spawn_blocking(move || {
    ///         let mut conn = pool.get()?;
    ///         Ok::<_, Error>(conn.query(MONTHLY_TOTALS, &[])?)
    ///     })
    ///     .await??;
    ///     Ok(Json(Report::from_rows(&rows)))
    /// }
    /// ```
    /// Or move to an async pool (deadpool, bb8).
    BLOCKING_ACQUIRE_IN_ASYNC, "blocking-acquire-in-async", Warning,
    "a synchronous pool's `get()`/`try_get()`/`get_timeout()` (r2d2, `diesel::r2d2`) inside async code, outside `spawn_blocking`"
}

/// See [`BLOCKING_ACQUIRE_IN_ASYNC`].
pub struct BlockingAcquireInAsync;

impl Rule for BlockingAcquireInAsync {
    fn info(&self) -> &'static RuleInfo {
        &BLOCKING_ACQUIRE_IN_ASYNC
    }

    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        let syn::Expr::MethodCall(m) = expr else {
            return;
        };
        if !cx.in_async() {
            return;
        }
        let recv = cx.classify(&m.receiver);
        let Some((_, pool_evidence)) = recv.as_pool() else {
            return;
        };
        let method = m.method.to_string();
        let Some(Value::Guard { krate: Some(krate), .. }) = cx.acquisition(m, &method, &recv) else {
            return;
        };
        let api = &cx.file.catalog.crates[krate];
        if !api.blocking {
            return;
        }
        let pool = cx.file.text(&*m.receiver);
        let d = Diagnostic::new(
            BLOCKING_ACQUIRE_IN_ASYNC.id,
            BLOCKING_ACQUIRE_IN_ASYNC.default_severity,
            cx.file.span(m),
            format!(
                "`{pool}.{method}()` blocks an async runtime thread: {} waits synchronously for a free connection",
                api.name
            ),
        )
        .with_help(format!(
            "run the checkout and the queries in `tokio::task::spawn_blocking(move || {{ let mut conn = {pool}.{method}()?; … }})`, or use an async pool (deadpool, bb8)"
        ));
        out.push(cite_evidence(d, &pool, pool_evidence));
    }
}
