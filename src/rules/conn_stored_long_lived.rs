//! `conn-stored-long-lived`: a guard kept for the program's life.

use super::{cite_evidence, declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::value::Stored;
use crate::catalog::path_ends_with_any;
use crate::index::types::TypeRef;
use crate::report::Diagnostic;
use crate::source::Span;

declare_rule! {
    /// ### What it flags
    /// A pooled connection or transaction stored where it lives for the program: a `static`,
    /// a `thread_local!` or `lazy_static!` entry, a `Lazy`/`LazyLock` initialiser, a
    /// `OnceCell`/`OnceLock` `set`/`get_or_init`, or a value that becomes shared application
    /// state (`Arc::new`, axum `with_state`/`Extension`, actix `web::Data::new`/`app_data`,
    /// rocket `manage`), directly or inside a `Mutex`/`RefCell` or a struct field. Pools in
    /// those places are fine; so are request-scoped structs and extractors holding a guard.
    ///
    /// ### Why it drains a pool
    /// The slot is never returned: the pool is one connection smaller for the life of the
    /// process (per thread, for `thread_local!`). Every request that needs that shared
    /// connection queues on its lock, and when the server closes it (idle timeout, failover),
    /// nothing reconnects it.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let maintenance = pool.acquire().await?;
    /// let admin = web::Data::new(AdminData {
    ///     pool: pool.clone(),
    ///     maintenance_conn: Mutex::new(maintenance), // checked out forever
    /// });
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let admin = web::Data::new(AdminData { pool: pool.clone() });
    /// // and in the handler: let mut conn = data.pool.acquire().await?;
    /// ```
    CONN_STORED_LONG_LIVED, "conn-stored-long-lived", Error,
    "a guard stored for the program's life: a `static`, `thread_local!`, `lazy_static!`, once-cell, or shared application state"
}

/// See [`CONN_STORED_LONG_LIVED`].
pub struct ConnStoredLongLived;

impl Rule for ConnStoredLongLived {
    fn info(&self) -> &'static RuleInfo {
        &CONN_STORED_LONG_LIVED
    }

    fn check_static(
        &self,
        cx: &BodyCx<'_>,
        name: &syn::Ident,
        _ty: &TypeRef,
        init: &syn::Expr,
        out: &mut Vec<Diagnostic>,
    ) {
        if let Some(stored) = cx.stored_guard(init) {
            let span = cx.file.span(init);
            out.push(diagnostic(span, format!("static `{name}`"), &stored));
        }
    }

    fn check_expr(&self, cx: &BodyCx<'_>, expr: &syn::Expr, out: &mut Vec<Diagnostic>) {
        if cx.in_static() {
            return;
        }
        let state = &cx.file.catalog.std.state;
        match expr {
            syn::Expr::Call(c) => {
                let Some(path) = cx.call_path(c) else { return };
                if !path_ends_with_any(&path, &state.shared_constructors) {
                    return;
                }
                for arg in &c.args {
                    if let Some(stored) = cx.stored_guard(arg) {
                        out.push(diagnostic(stored.at, SHARED.into(), &stored));
                    }
                }
            }
            // `unsafe { LEGACY_CONN = Some(pool.get()?) }` on a `static mut`
            syn::Expr::Assign(a) if is_static(cx, &a.left) => {
                if let Some(stored) = cx.stored_guard(&a.right) {
                    let place = format!("static `{}`", cx.file.text(&*a.left));
                    out.push(diagnostic(cx.file.span(&*a.right), place, &stored));
                }
            }
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if state.shared_methods.contains(&method) {
                    for arg in &m.args {
                        if let Some(stored) = cx.stored_guard(arg) {
                            out.push(diagnostic(stored.at, SHARED.into(), &stored));
                        }
                    }
                } else if state.once_setters.contains(&method) && is_static(cx, &m.receiver) {
                    let cell = cx.file.text(&*m.receiver);
                    for arg in &m.args {
                        if let Some(stored) = cx.stored_guard(arg) {
                            out.push(diagnostic(cx.file.span(m), format!("the once-cell `{cell}`"), &stored));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// How messages name shared state; the same for every sink, so a value that goes through
/// several (`with_state(Arc::new(state))`) is reported once.
const SHARED: &str = "shared application state";

/// A path to a `static` item of the crate rather than a local binding.
fn is_static(cx: &BodyCx<'_>, e: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = e else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    (p.path.segments.len() > 1 || cx.lookup(&name).is_none()) && cx.file.index.static_type(&name).is_some()
}

fn diagnostic(span: Span, place: String, stored: &Stored) -> Diagnostic {
    let d = Diagnostic::new(
        CONN_STORED_LONG_LIVED.id,
        CONN_STORED_LONG_LIVED.default_severity,
        span,
        format!(
            "`{}` is stored in {place}, which lives for the whole program: its pool slot never returns",
            stored.guard
        ),
    )
    .with_help("store the pool instead, and take a connection where it is needed");
    cite_evidence(d, &stored.guard, &stored.evidence)
}
