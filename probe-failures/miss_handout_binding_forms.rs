// MISSES (pool-per-call) of hand-out helpers, by how the per-request caller binds the pool.
// poolcheck reports: nothing. It should report pool-per-call at the constructor line of each
// helper (lines 40, 45, 51, 56): each handler binds the helper's new pool (or the struct that
// owns it), only borrows it or calls methods on it, and drops it at the end of the request.
// The same handlers with `let x = helper(..)?;` or `.expect(..)` are reported; these binding
// forms are not:
//  - `match helper(..) { Ok(db) => db, Err(_) => return .. }`          (report_db, line 40)
//  - `let Ok(db) = helper(..) else { return .. };`                      (audit_db, line 45)
//  - `helper(..).map_err(|_| StatusCode::BAD_REQUEST)?`                  (tenant_pool, line 51)
//  - `let pool = helper(..);` then `fetch_one(&*pool)` on the `Arc<PgPool>` (arc_pool, line 56):
//    the deref-borrow `&*pool` is read as the pool escaping (`pool.as_ref()` is reported).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub base_url: String,
}

pub struct ReportDb {
    pub pool: PgPool,
}

impl ReportDb {
    pub async fn row_count(&self, table: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.pool).await
    }
}

fn options() -> PgPoolOptions {
    PgPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(3))
}

fn report_db(url: &str) -> sqlx::Result<ReportDb> {
    let pool = options().connect_lazy(url)?; //~ pool-per-call
    Ok(ReportDb { pool })
}

fn audit_db(url: &str) -> sqlx::Result<ReportDb> {
    let pool = options().connect_lazy(&format!("{url}/audit"))?; //~ pool-per-call
    Ok(ReportDb { pool })
}

fn tenant_pool(base_url: &str, tenant: &str) -> sqlx::Result<PgPool> {
    options()
        .connect_lazy(&format!("{base_url}/{tenant}")) //~ pool-per-call
}

fn arc_pool(base_url: &str, tenant: &str) -> Arc<PgPool> {
    let pool = options()
        .connect_lazy(&format!("{base_url}/{tenant}/ro")) //~ pool-per-call
        .expect("valid url");
    Arc::new(pool)
}

async fn table_count(State(state): State<AppState>, Path(table): Path<String>) -> Result<Json<i64>, StatusCode> {
    let db = match report_db(&state.base_url) {
        Ok(db) => db,
        Err(_) => return Err(StatusCode::SERVICE_UNAVAILABLE),
    };
    Ok(Json(db.row_count(&table).await.unwrap_or(0)))
}

async fn audit_count(State(state): State<AppState>) -> Result<Json<i64>, StatusCode> {
    let Ok(db) = audit_db(&state.base_url) else {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    };
    Ok(Json(db.row_count("audit").await.unwrap_or(0)))
}

async fn tenant_users(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Json<i64>, StatusCode> {
    let pool = tenant_pool(&state.base_url, &tenant).map_err(|_| StatusCode::BAD_REQUEST)?;
    let n = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(n))
}

async fn tenant_orders(State(state): State<AppState>, Path(tenant): Path<String>) -> Json<i64> {
    let pool = arc_pool(&state.base_url, &tenant);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&*pool).await.unwrap_or(0);
    Json(n)
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/reports/:table/count", get(table_count))
        .route("/audit/count", get(audit_count))
        .route("/t/:tenant/users", get(tenant_users))
        .route("/t/:tenant/orders", get(tenant_orders))
        .with_state(state)
}
