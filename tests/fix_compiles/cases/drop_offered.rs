//! The guard's last use is before the wait: `--fix` inserts `drop(conn);` and the result builds.
use deadpool_postgres::{Object, Pool, PoolError};
use std::time::Duration;

pub async fn audit(pool: &Pool) -> Result<u64, PoolError> {
    let conn = pool.get().await?;
    let n = conn.execute("UPDATE audit SET seen = true").await?;
    tokio::time::sleep(Duration::from_millis(n)).await;
    Ok(n)
}

pub async fn two_waits(pool: &Pool) -> Result<u64, PoolError> {
    let conn = pool.get().await?;
    let n = conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    tokio::time::sleep(Duration::from_millis(2)).await;
    Ok(n)
}

pub fn pinned(conn: Object) {
    std::mem::forget(conn);
}
