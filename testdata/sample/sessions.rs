use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

pub async fn pin_session(pool: &PgPool) -> sqlx::Result<()> {
    let conn = pool.acquire().await?;
    std::mem::forget(conn);
    Ok(())
}

pub fn hand_over(conn: PoolConnection<Postgres>) -> sqlx::PgConnection {
    conn.leak()
}

pub async fn release(pool: &PgPool) -> sqlx::Result<()> {
    let conn = pool.acquire().await?;
    drop(conn);
    Ok(())
}
