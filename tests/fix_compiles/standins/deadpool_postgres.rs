//! Std-only stand-in for the parts of `deadpool_postgres` the fix cases use: enough for
//! `rustc` to check moves and borrows of the fixed code.

#[derive(Clone)]
pub struct Pool;

/// A pooled connection: released when dropped.
pub struct Object;

#[derive(Debug)]
pub struct PoolError;

pub struct Transaction<'a>(&'a mut Object);

impl Pool {
    pub async fn get(&self) -> Result<Object, PoolError> {
        Ok(Object)
    }
}

impl Object {
    pub async fn execute(&self, _sql: &str) -> Result<u64, PoolError> {
        Ok(0)
    }
    pub fn id(&self) -> u64 {
        0
    }
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, PoolError> {
        Ok(Transaction(self))
    }
}

impl Transaction<'_> {
    pub async fn execute(&self, sql: &str) -> Result<u64, PoolError> {
        self.0.execute(sql).await
    }
    pub async fn commit(self) -> Result<(), PoolError> {
        Ok(())
    }
}
