// WRONG RULE (nested-acquire reported as conn-held-while-waiting), line 28.
// poolcheck reports: conn-held-while-waiting, "pooled connection `conn` is held across this
// `.await`, which does not use it".
// It should report nested-acquire: `AuditSink` is an extension trait implemented for `PgPool`
// itself, and its body queries `self`; `pool.write_audit(..)` therefore takes a second
// connection from `pool` while `conn` (from `pool`) is held. The extension-trait method on the
// foreign pool type is not resolved with `self` bound to the receiver pool. rules.md: "a second
// acquisition from the guard's own pool behind an await was reported as an idle hold instead of
// nested-acquire" is one of the rejected findings.
use sqlx::PgPool;

#[async_trait::async_trait]
pub trait AuditSink {
    async fn write_audit(&self, what: &str) -> sqlx::Result<()>;
}

#[async_trait::async_trait]
impl AuditSink for PgPool {
    async fn write_audit(&self, what: &str) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO audit (what) VALUES ($1)").bind(what).execute(self).await?;
        Ok(())
    }
}

pub async fn unpublish(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("UPDATE articles SET published = false WHERE id = $1").bind(id).execute(&mut *conn).await?;
    pool.write_audit("unpublish").await?; //~ nested-acquire
    sqlx::query("UPDATE articles SET touched = now() WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}
