//! A storage library: nothing here says it runs per request; its caller in `web` does.
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// Opens the archive's index: a pool per call.
async fn open_index(path: &str) -> sqlx::Result<SqlitePool> {
    SqlitePool::connect_with(SqliteConnectOptions::new().filename(path).read_only(true)).await //~ pool-per-call
}

/// Looks a file up in an archive, opening its index each time.
pub async fn lookup(archive: &str, file: &str) -> sqlx::Result<Option<i64>> {
    let pool = open_index(archive).await?;
    sqlx::query_scalar("SELECT start FROM files WHERE path = ?").bind(file).fetch_optional(&pool).await
}

/// Opens the catalogue once, at startup (called from `main` only).
pub async fn open_catalogue(path: &str) -> sqlx::Result<SqlitePool> {
    SqlitePool::connect_with(SqliteConnectOptions::new().filename(path)).await
}
