//! Each guard is used, moved or captured after the wait: a `drop` before the wait would not
//! build, so no fix is offered and the file is left as it is.
use deadpool_postgres::{Object, Pool, PoolError};
use std::time::Duration;

pub async fn used_again(pool: &Pool) -> Result<u64, PoolError> {
    let conn = pool.get().await?;
    conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    conn.execute("SELECT 2").await
}

pub async fn moved_later(pool: &Pool) -> Result<u64, PoolError> {
    let conn = pool.get().await?;
    conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(keep(conn))
}

pub async fn captured_later(pool: &Pool) -> Result<u64, PoolError> {
    let conn = pool.get().await?;
    conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let id = || conn.id();
    Ok(id())
}

pub async fn in_a_macro_later(pool: &Pool) -> Result<String, PoolError> {
    let conn = pool.get().await?;
    conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(format!("{}", conn.id()))
}

pub async fn next_turn_of_a_loop(pool: &Pool) -> Result<(), PoolError> {
    let conn = pool.get().await?;
    for _ in 0..3 {
        conn.execute("SELECT 1").await?;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

pub async fn borrowed_temporary(pool: &Pool) -> Result<u64, PoolError> {
    let conn = &pool.get().await?;
    let n = conn.execute("SELECT 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(n)
}

pub async fn transaction(pool: &Pool) -> Result<(), PoolError> {
    let mut conn = pool.get().await?;
    let tx = conn.transaction().await?;
    tx.execute("UPDATE t SET a = 1").await?;
    tokio::time::sleep(Duration::from_millis(1)).await;
    tx.commit().await
}

fn keep(conn: Object) -> u64 {
    conn.id()
}
