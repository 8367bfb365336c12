// FALSE POSITIVE (pool-per-call), line 41.
// poolcheck reports: pool-per-call at `connect_lazy` in `warm_pool`, "`warm_pool` hands it to a
// caller that runs per request and drops it".
// It should: stay silent. The handler `warm` keeps the pool: `push(Arc::clone(&pool))` into the
// shared `warm` list. `push(pool.clone())` and `push(pool)` are (correctly) read as kept;
// the `Arc::clone(&pool)` path form of clone is not. The other two helpers (Option, struct)
// are correctly silent.
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub url: String,
    pub replica: Arc<Mutex<Option<PgPool>>>,
    pub archive: Arc<Mutex<Option<ArchiveDb>>>,
    pub warm: Arc<Mutex<Vec<Arc<PgPool>>>>,
}

pub struct ArchiveDb {
    pub pool: PgPool,
}

fn options() -> PgPoolOptions {
    PgPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(3))
}

fn replica_pool(url: &str) -> Option<PgPool> {
    options().connect_lazy(url).ok()
}

fn archive_db(url: &str) -> sqlx::Result<ArchiveDb> {
    let pool = options().connect_lazy(url)?;
    Ok(ArchiveDb { pool })
}

fn warm_pool(url: &str) -> Arc<PgPool> {
    Arc::new(options().connect_lazy(url).expect("url"))
}

async fn attach_replica(State(state): State<AppState>) -> Json<bool> {
    let pool = replica_pool(&state.url);
    let ok = pool.is_some();
    *state.replica.lock().unwrap() = pool;
    Json(ok)
}

async fn attach_archive(State(state): State<AppState>) -> Json<bool> {
    match archive_db(&state.url) {
        Ok(db) => {
            state.archive.lock().unwrap().replace(db);
            Json(true)
        }
        Err(_) => Json(false),
    }
}

async fn warm(State(state): State<AppState>) -> Json<bool> {
    let pool = warm_pool(&state.url);
    let _ = sqlx::query("SELECT 1").execute(pool.as_ref()).await;
    state.warm.lock().unwrap().push(Arc::clone(&pool));
    Json(true)
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/replica", post(attach_replica))
        .route("/archive", post(attach_archive))
        .route("/warm", post(warm))
        .with_state(state)
}
