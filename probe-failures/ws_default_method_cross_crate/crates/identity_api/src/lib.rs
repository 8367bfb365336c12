//! Axum handlers: sessions through `Arc<dyn SessionRepo>` whose implementations live in
//! `identity_pg`, tenant pools built by `identity_pg::tenant_pool`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use core::{CredentialHasher, SessionRepo};
use identity_pg::tenant_pool;
use serde::Deserialize;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub sessions: Arc<dyn SessionRepo>,
    pub hasher: Arc<dyn CredentialHasher>,
    pub base_url: String,
    pub tenants: Arc<RwLock<HashMap<String, PgPool>>>,
}

#[derive(Deserialize)]
pub struct Logout {
    user: i64,
    session: String,
}

#[derive(Deserialize)]
pub struct PasswordChange {
    user: i64,
    password: String,
    sessions: Vec<String>,
}

/// Holds the transaction while the repository may query the pool itself.
async fn logout(State(state): State<AppState>, Json(body): Json<Logout>) -> Result<StatusCode, StatusCode> {
    let mut tx = state.pool.begin().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query("UPDATE users SET last_logout = now() WHERE id = $1")
        .bind(body.user)
        .execute(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    state
        .sessions
        .invalidate(&state.pool, body.user, &body.session) //~ nested-acquire
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    tx.commit().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The correct twin: the repository runs on the transaction.
async fn logout_in_tx(State(state): State<AppState>, Json(body): Json<Logout>) -> Result<StatusCode, StatusCode> {
    let mut tx = state.pool.begin().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query("UPDATE users SET last_logout = now() WHERE id = $1")
        .bind(body.user)
        .execute(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    state
        .sessions
        .invalidate_on(&mut *tx, body.user, &body.session)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    tx.commit().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The trait's default method loops over `self.invalidate`: the pool's second connection again.
async fn change_password(
    State(state): State<AppState>,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, StatusCode> {
    let hash = state.hasher.hash(&body.password);
    let mut tx = state.pool.begin().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(body.user)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let verified = state.hasher.verify(&body.password, &hash);
    if verified {
        state
            .sessions
            .invalidate_all(&state.pool, body.user, &body.sessions) //~ nested-acquire
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    }
    tx.commit().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Commit first, then end the other sessions through the trait's default method (which
/// calls `self.invalidate` per session): no connection is held by then.
async fn change_password_then_logout(
    State(state): State<AppState>,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, StatusCode> {
    let hash = state.hasher.hash(&body.password);
    let mut tx = state.pool.begin().await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(body.user)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    tx.commit().await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    state
        .sessions
        .invalidate_all(&state.pool, body.user, &body.sessions)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A type parameter bounded by the other crate's trait.
pub async fn expire_with<R: SessionRepo + ?Sized>(repo: &R, pool: &PgPool, user: i64) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("UPDATE users SET expired = true WHERE id = $1").bind(user).execute(&mut *conn).await?;
    repo.invalidate(pool, user, "*").await //~ nested-acquire
}

pub struct AppError(sqlx::Error);

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError(e)
    }
}

impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.0.to_string()).into_response()
    }
}

/// A tenant's user count on a pool built for this request and dropped at its end.
async fn tenant_users(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Json<i64>, AppError> {
    let pool = tenant_pool(&state.base_url, &tenant)?;
    let n = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await?;
    Ok(Json(n))
}

/// The correct twin: the tenant's pool is kept in the map.
async fn tenant_users_cached(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<i64>, AppError> {
    let cached = state.tenants.read().unwrap().get(&tenant).cloned();
    let pool = match cached {
        Some(pool) => pool,
        None => {
            let pool = tenant_pool(&state.base_url, &tenant)?;
            state.tenants.write().unwrap().insert(tenant.clone(), pool.clone());
            pool
        }
    };
    let n = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await?;
    Ok(Json(n))
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/logout", post(logout))
        .route("/logout/tx", post(logout_in_tx))
        .route("/password", post(change_password))
        .route("/password/then-logout", post(change_password_then_logout))
        .route("/t/:tenant/users", get(tenant_users))
        .route("/t/:tenant/users/cached", get(tenant_users_cached))
        .with_state(state)
}
