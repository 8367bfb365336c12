// MISSES (nested-acquire) of trait dispatch, the four lines with a marker below (52, 70, 85, 94).
// poolcheck reports: nothing on any of them.
// It should: report nested-acquire at each, as it does for `self.field.fire(..)` on a
// `Box<dyn Hook>` field: the receiver is still a `dyn Hook` / `H: Hook` value, and `LedgerHook`
// takes a connection of the pool it is given while the caller holds one of the same pool.
//  - `for hook in &self.hooks` over `Vec<Box<dyn Hook>>` (element of a collection of trait objects)
//  - `self.hook.fire(..)` where the field's type is a struct type parameter `H: Hook`
//  - `registry.get(name)` on `HashMap<String, Arc<dyn Hook>>`, bound by `if let Some(hook)`
//  - fully qualified `Hook::fire(hook.as_ref(), ..)`
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Hook: Send + Sync {
    async fn fire(&self, pool: &PgPool, invoice: i64) -> sqlx::Result<()>;
}

pub struct LedgerHook;

#[async_trait::async_trait]
impl Hook for LedgerHook {
    async fn fire(&self, pool: &PgPool, invoice: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO ledger (invoice) VALUES ($1)").bind(invoice).execute(pool).await?;
        Ok(())
    }
}

pub struct SlackHook {
    pub url: String,
}

#[async_trait::async_trait]
impl Hook for SlackHook {
    async fn fire(&self, _pool: &PgPool, invoice: i64) -> sqlx::Result<()> {
        tracing::info!(invoice, url = %self.url, "slack hook");
        Ok(())
    }
}

pub struct Billing {
    pool: PgPool,
    hooks: Vec<Box<dyn Hook>>,
}

impl Billing {
    /// Every hook runs while the transaction is held; one of them takes a second connection.
    pub async fn close_invoice(&self, invoice: i64) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE invoices SET closed = true WHERE id = $1").bind(invoice).execute(&mut *tx).await?;
        for hook in &self.hooks {
            hook.fire(&self.pool, invoice).await?; //~ nested-acquire
        }
        tx.commit().await
    }


}

/// A generic struct whose field is bounded by the trait.
pub struct Dispatcher<H: Hook> {
    pool: PgPool,
    hook: H,
}

impl<H: Hook> Dispatcher<H> {
    pub async fn dispatch(&self, invoice: i64) -> sqlx::Result<()> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("UPDATE invoices SET dispatched = true WHERE id = $1").bind(invoice).execute(&mut *conn).await?;
        self.hook.fire(&self.pool, invoice).await //~ nested-acquire
    }
}


/// Hooks looked up by name in a registry.
pub async fn fire_named(
    pool: &PgPool,
    registry: &HashMap<String, Arc<dyn Hook>>,
    name: &str,
    invoice: i64,
) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("UPDATE invoices SET hooked = true WHERE id = $1").bind(invoice).execute(&mut *conn).await?;
    if let Some(hook) = registry.get(name) {
        hook.fire(pool, invoice).await?; //~ nested-acquire
    }
    Ok(())
}

/// Fully qualified calls dispatch the same way.
pub async fn fire_qualified(pool: &PgPool, hook: Arc<dyn Hook>, invoice: i64) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("UPDATE invoices SET hooked = true WHERE id = $1").bind(invoice).execute(&mut *conn).await?;
    Hook::fire(hook.as_ref(), pool, invoice).await //~ nested-acquire
}
