//! The storage crate: where the pool lives and how connections are handed out.
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

/// The application's pool, behind a newtype.
pub struct Db(PgPool);

impl std::ops::Deref for Db {
    type Target = PgPool;
    fn deref(&self) -> &PgPool {
        &self.0
    }
}

/// Shared state: the primary pool.
pub struct Store {
    pub primary: PgPool,
}

/// A connection checked out for a request, or none.
pub enum Conn {
    Pooled(PoolConnection<Postgres>),
    Detached,
}

impl Store {
    /// A connection from the primary pool.
    pub async fn conn(&self) -> Result<PoolConnection<Postgres>, sqlx::Error> {
        self.primary.acquire().await
    }
}

/// Builds the pool at startup.
pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
    let primary = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .connect(url)
        .await?;
    Ok(Store { primary })
}
