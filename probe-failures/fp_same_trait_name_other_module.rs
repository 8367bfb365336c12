// FALSE POSITIVE (nested-acquire), line 70.
// poolcheck reports: nested-acquire, "`<OutboxSink as Sink>::push` (one of the `Sink`
// implementations this call may run) takes a second connection from `self.pool`".
// It should: stay silent. The field is `Arc<dyn telemetry::Sink>`; `OutboxSink` implements
// `outbound::Sink`, a different trait that only shares the name. The only `telemetry::Sink`
// implementation (`StatsdSink`) takes no connection. Trait dispatch resolves traits by last
// path segment instead of by path. Line 62 is correctly reported.
use sqlx::PgPool;
use std::sync::Arc;
use sqlx::PgPool;
use std::sync::Arc;

pub mod outbound {
    use sqlx::PgPool;

    #[async_trait::async_trait]
    pub trait Sink: Send + Sync {
        async fn push(&self, pool: &PgPool, event: &str) -> sqlx::Result<()>;
    }

    pub struct OutboxSink;

    #[async_trait::async_trait]
    impl Sink for OutboxSink {
        async fn push(&self, pool: &PgPool, event: &str) -> sqlx::Result<()> {
            sqlx::query("INSERT INTO outbox (event) VALUES ($1)").bind(event).execute(pool).await?;
            Ok(())
        }
    }
}

pub mod telemetry {
    use sqlx::PgPool;

    /// Same trait name, same method name, another module: no implementation takes a connection.
    #[async_trait::async_trait]
    pub trait Sink: Send + Sync {
        async fn push(&self, pool: &PgPool, event: &str) -> sqlx::Result<()>;
    }

    pub struct StatsdSink;

    #[async_trait::async_trait]
    impl Sink for StatsdSink {
        async fn push(&self, _pool: &PgPool, event: &str) -> sqlx::Result<()> {
            tracing::debug!(event, "sent to statsd");
            Ok(())
        }
    }
}

pub struct Billing {
    pool: PgPool,
    outbox: Arc<dyn outbound::Sink>,
    stats: Arc<dyn telemetry::Sink>,
}

impl Billing {
    pub async fn publish(&self, invoice: i64) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE invoices SET published = true WHERE id = $1").bind(invoice).execute(&mut *tx).await?;
        self.outbox.push(&self.pool, "invoice.published").await?; //~ nested-acquire
        tx.commit().await
    }

    /// `telemetry::Sink` is not `outbound::Sink`: no implementation takes a connection.
    pub async fn publish_counted(&self, invoice: i64) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE invoices SET published = true WHERE id = $1").bind(invoice).execute(&mut *tx).await?;
        self.stats.push(&self.pool, "invoice.published").await?;
        tx.commit().await
    }
}
