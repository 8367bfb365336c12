//! The session and credential traits of the identity service: no database code here.

use sqlx::{PgConnection, PgPool};

#[async_trait::async_trait]
pub trait SessionRepo: Send + Sync {
    /// Ends one session of the user.
    async fn invalidate(&self, pool: &PgPool, user: i64, session: &str) -> sqlx::Result<()>;

    /// Ends a session on the connection the caller holds.
    async fn invalidate_on(&self, conn: &mut PgConnection, user: i64, session: &str) -> sqlx::Result<()>;

    /// A default method that calls another method of the trait on `self`, once per session.
    async fn invalidate_all(&self, pool: &PgPool, user: i64, sessions: &[String]) -> sqlx::Result<()> {
        for session in sessions {
            self.invalidate(pool, user, session).await?;
        }
        Ok(())
    }
}

/// Hashes passwords: no implementation touches a database.
pub trait CredentialHasher: Send + Sync {
    fn hash(&self, password: &str) -> String;
    fn verify(&self, password: &str, hash: &str) -> bool {
        self.hash(password) == hash
    }
}
