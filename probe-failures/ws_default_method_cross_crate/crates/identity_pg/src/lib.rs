//! The implementations: one queries the pool it is given, one keeps sessions in memory.

use async_trait::async_trait;
use identity_core::{CredentialHasher, SessionRepo};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

pub struct PgSessionRepo;

#[async_trait]
impl SessionRepo for PgSessionRepo {
    async fn invalidate(&self, pool: &PgPool, user: i64, session: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
            .bind(user)
            .bind(session)
            .execute(pool)
            .await?;
        Ok(())
    }

    async fn invalidate_on(&self, conn: &mut PgConnection, user: i64, session: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
            .bind(user)
            .bind(session)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[derive(Default)]
pub struct MemorySessionRepo {
    live: Mutex<HashSet<(i64, String)>>,
}

#[async_trait]
impl SessionRepo for MemorySessionRepo {
    async fn invalidate(&self, _pool: &PgPool, user: i64, session: &str) -> sqlx::Result<()> {
        self.live.lock().unwrap().remove(&(user, session.to_string()));
        Ok(())
    }

    async fn invalidate_on(&self, _conn: &mut PgConnection, user: i64, session: &str) -> sqlx::Result<()> {
        self.live.lock().unwrap().remove(&(user, session.to_string()));
        Ok(())
    }
}

pub struct Sha256Hasher;

impl CredentialHasher for Sha256Hasher {
    fn hash(&self, password: &str) -> String {
        format!("{:x}", md5::compute(password))
    }
}

/// Hands out a new pool for one tenant's database.
pub fn tenant_pool(base_url: &str, tenant: &str) -> sqlx::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy(&format!("{base_url}/{tenant}")) //~ pool-per-call
}
