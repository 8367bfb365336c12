// MISSES (pool-config-missing), lines 17 and 21.
// poolcheck reports: nothing. It should report pool-config-missing at both: `db::PgManagedPool`
// and its renamed import `WorkerPool` are aliases of `deadpool::managed::Pool<Manager>`, built
// without a wait timeout. The same aliases declared at the crate root and called unqualified
// (`JobPool::builder(..)`, alias-of-alias, generic alias) are reported; an alias reached through
// a module path (`db::PgManagedPool::builder`) or a `use db::X as Y` rename is not — shape 3 of
// real-code.md (`crate::db::Pool`, re-exported and renamed).
use deadpool_postgres::Manager;

pub mod db {
    pub type PgManagedPool = deadpool::managed::Pool<deadpool_postgres::Manager>;
}

use db::PgManagedPool as WorkerPool;

pub fn job_pool(manager: Manager) -> db::PgManagedPool {
    db::PgManagedPool::builder(manager).max_size(8).build().expect("pool") //~ pool-config-missing
}

pub fn worker_pool(manager: Manager) -> WorkerPool {
    WorkerPool::builder(manager).max_size(4).build().expect("pool") //~ pool-config-missing
}
