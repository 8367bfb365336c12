//! `pool-per-call`: pools and raw connections opened per request or per item.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::facts::{CallFact, PerItem};
use crate::analysis::summary::{CrateFacts, Step};
use crate::report::Diagnostic;
use std::collections::HashMap;

declare_rule! {
    /// ### What it flags
    /// A pool built (`PgPool::connect`, `PgPoolOptions::new()…connect_lazy`, r2d2/bb8
    /// `Pool::builder()…build`, deadpool `cfg.create_pool(..)`, sea-orm `Database::connect`) or
    /// a raw connection opened (`PgConnection::connect`, `tokio_postgres::connect`, diesel
    /// `establish`, redis `client.get_connection()`) on a path that runs per request or per
    /// item: inside a request handler (route attributes of actix-web, rocket, poem; functions
    /// registered with axum `get(h)`, actix `.to(h)`, warp, poem; tonic service methods), inside
    /// a crate function reachable from one (across the workspace's crates, through trait
    /// objects and `impl Trait` values to each implementation the call may run, and through
    /// extension traits on a framework's types), inside an iterating loop, or in a closure or
    /// task made per item. Construction in `main` and startup code reached only from it, in
    /// retry loops that hand the result out, or behind `OnceCell`/`OnceLock`/`Lazy`/`static`
    /// stays silent.
    ///
    /// A helper whose return type holds a pool (`fn open_store(url) -> StoreManager`) hands the
    /// pool it builds to its caller, so whether that is a pool per call depends on the caller.
    /// Where a caller that runs per request lets it die (binds it and only calls methods on it
    /// or borrows it), the construction in the helper is reported with that path; where a loop
    /// or iterator lets it die within the item, the helper's call in the loop is reported.
    /// Callers that keep the pool (push it, store it, return it) are not per call. Likewise a
    /// pool or connection made in a loop and put by value into a collection made before the
    /// loop (a pool per shard in a map, a connection per worker in the list of workers) is made
    /// once per element the program keeps, not per item.
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
        // callers are looked up only for pools handed out, which most crates have none of
        let mut callers_of = None;
        for (i, f) in facts.fns.iter().enumerate() {
            check_calls_per_item(facts, i, out);
            for c in &f.constructions {
                let what = if c.pool { "builds a new pool" } else { "opens a new connection" };
                // a pool handed to the caller is made per request where a caller that runs per
                // request lets it die, and kept (not per request) where the callers keep it
                let handed_out = c.pool && c.per_item.is_none() && facts.new_pool[i].is_some();
                let per_request = if handed_out {
                    dropped_per_request(facts, callers_of.get_or_insert_with(|| callers(facts)), i)
                } else {
                    facts.per_request[i].clone()
                };
                let d = match (c.per_item, &per_request) {
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
                                "`{}` {what} on every request: `{}` {}, so connections multiply with traffic",
                                c.shown,
                                f.shown,
                                if handed_out {
                                    "hands it to a caller that runs per request and drops it"
                                } else {
                                    "runs per request"
                                }
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

/// Calls of function `i`, per item of a loop or iterator, to helpers that build a pool and hand
/// it out (`open_store(url)`), where the pool then dies within the item: the call is the
/// constructor call the loop makes.
fn check_calls_per_item(facts: &CrateFacts, i: usize, out: &mut Vec<Diagnostic>) {
    let mut reported = Vec::new();
    for call in facts.fns[i].calls.iter().filter(|c| c.result_dies && !c.once) {
        let Some(per_item) = call.per_item else { continue };
        if reported.contains(&call.span) {
            continue;
        }
        let Some(witness) = facts.callee(call).and_then(|g| facts.new_pool[g].as_ref()) else { continue };
        let place = match per_item {
            PerItem::Loop => "on every iteration of this loop, and drops it before the next",
            PerItem::Iterator => "for every item, and drops it after the item",
        };
        let message = format!(
            "{} builds a new pool {place}: connections multiply with the work instead of being reused",
            call.described()
        );
        let mut d = Diagnostic::new(POOL_PER_CALL.id, POOL_PER_CALL.default_severity, call.span, message);
        for step in witness {
            d = d.with_label(step.span, step.note.clone());
        }
        reported.push(call.span);
        out.push(d.with_help(help(true, true)));
    }
}

/// Callers of each function: the caller's index and the call.
fn callers(facts: &CrateFacts) -> HashMap<usize, Vec<(usize, &CallFact)>> {
    let mut out: HashMap<usize, Vec<(usize, &CallFact)>> = HashMap::new();
    for (i, f) in facts.fns.iter().enumerate() {
        for c in f.calls.iter().filter(|c| !c.detached && !c.once) {
            if let Some(g) = facts.callee(c) {
                out.entry(g).or_default().push((i, c));
            }
        }
    }
    out
}

/// For a function that hands a new pool out: a path from a request handler to a caller that
/// lets the pool die (directly, or through callers that hand it on), ending with that call.
fn dropped_per_request(
    facts: &CrateFacts,
    callers: &HashMap<usize, Vec<(usize, &CallFact)>>,
    of: usize,
) -> Option<Vec<Step>> {
    let mut seen = vec![false; facts.fns.len()];
    let mut stack = vec![(of, Vec::<Step>::new())];
    while let Some((f, after)) = stack.pop() {
        if std::mem::replace(&mut seen[f], true) {
            continue;
        }
        for &(g, call) in callers.get(&f).into_iter().flatten() {
            let mut tail = vec![Step { span: call.span, note: format!("calls {}", call.described()) }];
            tail.extend(after.iter().cloned());
            if call.result_dies {
                if let Some(path) = &facts.per_request[g] {
                    tail[0].note = format!(
                        "calls {} per request, and drops the new pool when `{}` returns",
                        call.described(),
                        facts.fns[g].shown
                    );
                    return Some(path.iter().cloned().chain(tail).collect());
                }
            } else if facts.fns[g].returns_pool {
                stack.push((g, tail));
            }
        }
    }
    None
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
