use sqlx::PgPool;

pub async fn half_written(pool: &PgPool) {
    let conn = pool.acquire().await
    conn
}
