// MISS (pool-per-call), line 31, caused by an unrelated crate function named `open`.
// poolcheck reports: nothing. It should report pool-per-call at `client.get_connection()`: a
// redis connection opened on every request of the `seen` handler. Renaming the crate's own
// `pub fn open(url) -> Result<Pools, _>` (which builds the service's pools once, at startup) to
// `open_pools` makes poolcheck report it: the path call `redis::Client::open(..)` is resolved
// to the crate's free function `open` by its last segment, so `client` is believed to be a
// handed-out pool. Across loose files the effect leaks too: adding such an `open` to any file of
// fixtures/ silenced 3 existing markers (batch_jobs.rs:163, webhooks_poem.rs:55 and :89).
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub redis_url: String,
}

pub struct Pools {
    pub primary: PgPool,
}

pub fn open(url: &str) -> Result<Pools, sqlx::Error> {
    let primary = PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(3)).connect_lazy(url)?;
    Ok(Pools { primary })
}

async fn seen(State(state): State<AppState>) -> String {
    let client = redis::Client::open(state.redis_url.as_str()).unwrap();
    let mut con = client.get_connection().unwrap(); //~ pool-per-call
    let n: i64 = redis::cmd("INCR").arg("seen").query(&mut con).unwrap();
    n.to_string()
}

pub fn serve(url: &str, redis_url: String) -> Router {
    let pools = open(url).expect("pools");
    drop(pools);
    Router::new().route("/seen", get(seen)).with_state(AppState { redis_url })
}
