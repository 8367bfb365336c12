// FALSE POSITIVE (pool-per-call), lines 26 and 27.
// poolcheck reports: pool-per-call at both `connect_lazy` calls of `primary_and_replica`,
// "`primary_and_replica` runs per request".
// It should: stay silent. The helper hands out its two new pools as a tuple and the only
// caller, the failover handler, keeps them in the shared state (`*state.pools.write() =
// Some(pools)`), exactly like a single-pool helper whose caller stores it (which poolcheck
// does keep silent when the return type is `Result<PgPool>`). A tuple return is not treated as
// a hand-out, so the kept-by-caller exception is never applied.
use actix_web::{post, web, HttpResponse};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::sync::RwLock;
use std::time::Duration;

pub struct AppState {
    pub primary_url: String,
    pub replica_url: String,
    pub pools: RwLock<Option<(PgPool, PgPool)>>,
}

fn options() -> PgPoolOptions {
    PgPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(3))
}

/// Hands out two new pools at once.
fn primary_and_replica(primary_url: &str, replica_url: &str) -> sqlx::Result<(PgPool, PgPool)> {
    let primary = options().connect_lazy(primary_url)?;
    let replica = options().connect_lazy(replica_url)?;
    Ok((primary, replica))
}

/// Kept in the state: reconnecting after a failover swaps the pools, once per failover.
#[post("/admin/failover")]
async fn failover(state: web::Data<AppState>) -> HttpResponse {
    match primary_and_replica(&state.primary_url, &state.replica_url) {
        Ok(pools) => {
            *state.pools.write().unwrap() = Some(pools);
            HttpResponse::Ok().finish()
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(failover);
}
