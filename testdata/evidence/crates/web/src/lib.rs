//! The web crate: handlers registered directly and through the crate's own wrapper.
use axum::routing::{get, MethodRouter};
use axum::Router;
use std::sync::Arc;
use store::Store;

/// The crate's own registration wrapper: whatever it is given becomes a GET handler.
fn get_logged<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: axum::handler::Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    get(handler)
}

pub fn router(store: Arc<Store>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/users", get_logged(list_users))
        .with_state(store)
}

async fn health() -> &'static str {
    "ok"
}

async fn list_users(axum::extract::State(store): axum::extract::State<Arc<Store>>) -> String {
    let mut conn = store.conn().await.unwrap();
    let _ = sqlx::query("SELECT 1").execute(&mut *conn).await;
    String::new()
}
