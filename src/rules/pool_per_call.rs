//! `pool-per-call`: pools and raw connections opened per request or per item.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::facts::PerItem;
use crate::analysis::summary::CrateFacts;
use crate::report::Diagnostic;

declare_rule! {
    /// ### What it flags
    /// A pool built (`PgPool::connect`, `PgPoolOptions::new()…connect_lazy`, r2d2/bb8
    /// `Pool::builder()…build`, deadpool `cfg.create_pool(..)`, sea-orm `Database::connect`) or
    /// a raw connection opened (`PgConnection::connect`, `tokio_postgres::connect`, diesel
    /// `establish`, redis `client.get_connection()`) on a path that runs per request or per
    /// item: inside a request handler (route attributes of actix-web, rocket, poem; functions
    /// registered with axum `get(h)`, actix `.to(h)`, warp, poem; tonic service methods), inside
    /// a crate function reachable from one, inside an iterating loop, or in a closure or task
    /// made per item. Construction in `main` and startup code reached only from it, in retry
    /// loops that hand the result out, or behind `OnceCell`/`OnceLock`/`Lazy`/`static` stays
    /// silent.
    ///
    /// ### Why it drains a pool
    /// Connections then multiply with traffic instead of being reused: each request or item
    /// pays a TCP and TLS handshake and authentication, and under load the database's
    /// `max_connections` is exhausted for every service that shares it. A pool built per
    /// request also opens `min_connections` eagerly and may linger until dropped.
    ///
    /// ### Example
    /// ```rust,ignore
    /// async fn get_user(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<User>, Error> {
    ///     let pool = PgPool::connect(&state.database_url).await?; // a pool per request
    ///     let user = sqlx::query_as(SELECT_USER).bind(id).fetch_one(&pool).await?;
    ///     Ok(Json(user))
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// async fn get_user(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<User>, Error> {
    ///     let user = sqlx::query_as(SELECT_USER).bind(id).fetch_one(&state.db).await?; // built once in main
    ///     Ok(Json(user))
    /// }
    /// ```
    POOL_PER_CALL, "pool-per-call", Error,
    "a pool built or a raw connection opened per request (in a handler or code it calls), per loop iteration or per spawned item"
}

/// See [`POOL_PER_CALL`].
pub struct PoolPerCall;

impl Rule for PoolPerCall {
    fn info(&self) -> &'static RuleInfo {
        &POOL_PER_CALL
    }

    fn check_crate(&self, facts: &CrateFacts, out: &mut Vec<Diagnostic>) {
        for (i, f) in facts.fns.iter().enumerate() {
            for c in &f.constructions {
                let what = if c.pool { "builds a new pool" } else { "opens a new connection" };
                let d = match (c.per_item, &facts.per_request[i]) {
                    (Some(per_item), _) => {
                        let place = match per_item {
                            PerItem::Loop => "on every iteration of this loop",
                            PerItem::Iterator => "for every item",
                        };
                        Diagnostic::new(
                            POOL_PER_CALL.id,
                            POOL_PER_CALL.default_severity,
                            c.span,
                            format!(
                                "`{}` {what} {place}: connections multiply with the work instead of being reused",
                                c.shown
                            ),
                        )
                    }
                    (None, Some(path)) => {
                        let mut d = Diagnostic::new(
                            POOL_PER_CALL.id,
                            POOL_PER_CALL.default_severity,
                            c.span,
                            format!(
                                "`{}` {what} on every request: `{}` runs per request, so connections multiply with traffic",
                                c.shown, f.shown
                            ),
                        );
                        for step in path {
                            d = d.with_label(step.span, step.note.clone());
                        }
                        d
                    }
                    (None, None) => continue,
                };
                out.push(d.with_help(help(c.pool, c.per_item.is_some())));
            }
        }
    }
}

/// The fix for the case: a pool or a raw connection, made per item of a loop or per request.
fn help(pool: bool, per_item: bool) -> &'static str {
    match (pool, per_item) {
        (true, true) => {
            "build the pool once before the loop (or at startup) and take a connection from it for each item, or one for the whole batch"
        }
        (false, true) => {
            "open the connection once before the loop and reuse it for every item, or take connections from a pool shared by the batch"
        }
        (true, false) => {
            "build the pool once at startup, keep it in the application state (`State`, `Data`, `Extension`), and take a connection from it here"
        }
        (false, false) => {
            "take a connection from the application's shared pool instead of opening one per request: a new connection costs a handshake and is not counted by any pool limit"
        }
    }
}
