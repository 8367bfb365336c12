//! Inference on small programs, in the manner of rust-analyzer's `check_types` tests: each
//! case names a binding of a function and states what poolcheck believes it is — a pool, a
//! guard and the pool it comes from in the caller's terms (through the workspace's function
//! summaries), a crate struct, or nothing.

use super::body::BodyCx;
use super::facts::HeldGuard;
use super::summary::CrateFacts;
use super::value::Value;
use super::FileCx;
use crate::catalog::Catalog;
use crate::index::{CrateIndex, FileFacts};
use crate::report::Diagnostic;
use crate::rules::{Rule, RuleInfo};
use crate::source::{SourceFile, Span};
use std::sync::Mutex;

/// Records, at the first normal exit of function `func`, what binding `name` is.
struct Probe {
    func: &'static str,
    name: &'static str,
    seen: Mutex<Option<(String, Option<HeldGuard>)>>,
}

static PROBE_INFO: RuleInfo =
    RuleInfo { id: "probe", default_severity: crate::report::Severity::Warning, summary: "test probe", docs: "" };

impl Rule for Probe {
    fn info(&self) -> &'static RuleInfo {
        &PROBE_INFO
    }

    fn check_exit(&self, cx: &BodyCx<'_>, _at: Span, _out: &mut Vec<Diagnostic>) {
        let mut seen = self.seen.lock().unwrap();
        if seen.is_some() || !cx.current_fn_key().ends_with(self.func) {
            return;
        }
        let Some(b) = cx.lookup(self.name) else { return };
        let held = b
            .owns
            .map(|id| cx.tracked(id))
            .and_then(|t| Some(HeldGuard { name: t.name.clone(), source: t.source()?, acquired: t.acquired, line: 0 }));
        *seen = Some((describe(&b.value), held));
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Pool { wrapped, .. } if wrapped.is_bare() => "pool".into(),
        Value::Guard { owned: true, wrapped, carrier, .. } if wrapped.is_bare() => match carrier {
            Some(c) => format!("guard carried by {}", c.name),
            None => "guard".into(),
        },
        Value::Guard { owned: false, .. } => "borrowed guard".into(),
        Value::Struct(item) => format!("struct {}", item.name),
        _ => "unknown".into(),
    }
}

/// What binding `name` of function `func` is in `src`, and the pools it may come from.
fn infer(src: &str, func: &'static str, name: &'static str) -> (String, Vec<String>) {
    let catalog = Catalog::embedded();
    let file = syn::parse_file(src).expect("test program parses");
    let facts = FileFacts::extract(&file, catalog, Vec::new());
    let index = CrateIndex::build([&facts], "app");
    let source = SourceFile::new("lib.rs".into(), "lib.rs".into(), src.to_owned());
    let cx = FileCx::standalone(&source, "app", &index, &facts.uses);
    let probe = Probe { func, name, seen: Mutex::new(None) };
    let rules: [&dyn Rule; 1] = [&probe];
    let (_, fn_facts) = super::analyze_file(&file, &cx, &rules);
    proc_macro2::extra::invalidate_current_thread_spans();
    let (kind, held) = probe.seen.into_inner().unwrap().unwrap_or_else(|| panic!("`{name}` not in scope in `{func}`"));
    let summaries = CrateFacts::build(fn_facts.fns, &fn_facts.registered);
    let mut pools: Vec<String> =
        held.map(|h| summaries.pools_of(&h).into_iter().map(|(k, _)| k).collect()).unwrap_or_default();
    pools.sort();
    (kind, pools)
}

fn check(src: &str, func: &'static str, name: &'static str, kind: &str, pools: &[&str]) {
    let (got, from) = infer(src, func, name);
    assert_eq!(
        (got.as_str(), from.iter().map(String::as_str).collect::<Vec<_>>().as_slice()),
        (kind, pools),
        "`{name}` in `{func}`"
    );
}

const APP: &str = r#"
use std::ops::Deref;
use std::sync::Arc;
use sqlx::{PgPool, Postgres};
use sqlx::pool::PoolConnection;

pub struct App { primary: PgPool, replica: Option<PgPool> }
pub struct AppState(Arc<App>);
impl Deref for AppState { type Target = App; fn deref(&self) -> &App { &self.0 } }

impl App {
    async fn db_write(&self) -> sqlx::Result<PoolConnection<Postgres>> { self.primary.acquire().await }
    async fn db_read(&self) -> sqlx::Result<PoolConnection<Postgres>> {
        match &self.replica {
            Some(r) => r.acquire().await,
            None => self.primary.acquire().await,
        }
    }
}
"#;

#[test]
fn a_field_through_a_deref_newtype_is_a_pool() {
    let src = format!("{APP} async fn h(state: AppState) {{ let db = state.primary.clone(); }}");
    check(&src, "h", "db", "pool", &[]);
}

#[test]
fn an_accessors_guard_belongs_to_the_pool_it_draws_from() {
    let src = format!(
        "{APP} async fn h(state: AppState) -> sqlx::Result<()> {{ let conn = state.db_write().await?; Ok(()) }}"
    );
    check(&src, "h", "conn", "guard", &["state.primary"]);
}

#[test]
fn a_replica_accessor_may_draw_from_the_primary() {
    let src = format!("{APP} async fn h(app: &App) -> sqlx::Result<()> {{ let conn = app.db_read().await?; Ok(()) }}");
    check(&src, "h", "conn", "guard", &["app.primary", "app.replica"]);
}

#[test]
fn a_helpers_guard_is_keyed_by_the_pool_it_is_given() {
    let src = r#"
        use sqlx::{PgPool, Postgres, pool::PoolConnection};
        async fn get_conn(pool: &PgPool) -> sqlx::Result<PoolConnection<Postgres>> { pool.acquire().await }
        async fn h(db: PgPool) -> sqlx::Result<()> { let c = &mut get_conn(&db).await?; Ok(()) }
    "#;
    check(src, "h", "c", "guard", &["db"]);
}

#[test]
fn an_enum_variants_field_is_a_pool_of_the_matched_place() {
    let src = r#"
        use sqlx::PgPool;
        enum Db { Single(PgPool), Split { writer: PgPool } }
        async fn h(db: &Db) { match db { Db::Single(pool) => { let p = pool; } Db::Split { writer } => {} } }
    "#;
    check(src, "h", "pool", "pool", &[]);
}

#[test]
fn a_struct_owning_a_guard_is_a_guard_and_a_borrowing_one_is_not() {
    let src = r#"
        use sqlx::{Sqlite, SqliteConnection, SqlitePool, pool::PoolConnection};
        struct ReadConn { conn: PoolConnection<Sqlite> }
        struct Lent<'a> { conn: &'a mut SqliteConnection }
        async fn read(pool: &SqlitePool) -> sqlx::Result<ReadConn> { let conn = pool.acquire().await?; Ok(ReadConn { conn }) }
        async fn h(pool: SqlitePool, lent: Lent<'_>) -> sqlx::Result<()> { let r = read(&pool).await?; Ok(()) }
    "#;
    check(src, "h", "r", "guard carried by ReadConn", &["pool"]);
    check(src, "h", "lent", "struct Lent", &[]);
}

#[test]
fn a_crates_result_adapter_passes_the_guard_through() {
    let src = r#"
        use sqlx::PgPool;
        struct AppError;
        trait Ext<T> { fn app_err(self) -> Result<T, AppError>; }
        impl<T> Ext<T> for Result<T, sqlx::Error> { fn app_err(self) -> Result<T, AppError> { self.map_err(|_| AppError) } }
        async fn h(pool: &PgPool) -> Result<(), AppError> { let tx = pool.begin().await.app_err()?; Ok(()) }
    "#;
    check(src, "h", "tx", "guard", &["pool"]);
}

#[test]
fn a_borrowed_temporary_is_held_to_the_end_of_the_block() {
    let src = r#"
        use diesel::r2d2::{ConnectionManager, Pool};
        type P = Pool<ConnectionManager<diesel::PgConnection>>;
        fn h(pool: P) { let c = &mut *match pool.get() { Ok(c) => c, Err(_) => return }; }
    "#;
    check(src, "h", "c", "guard", &["pool"]);
}

#[test]
fn a_blanket_trait_accessor_is_a_place() {
    let src = format!(
        r#"{APP}
        pub trait RequestApp {{ fn app(&self) -> &AppState; }}
        impl<T: Send> RequestApp for T {{ fn app(&self) -> &AppState {{ todo!() }} }}
        async fn h(req: http::Request<()>) -> sqlx::Result<()> {{ let conn = req.app().db_write().await?; Ok(()) }}"#
    );
    check(&src, "h", "conn", "guard", &["req.app().primary"]);
}

#[test]
fn unknown_stays_unknown() {
    let src = "async fn h(x: Thing) { let y = x.get(); }";
    check(src, "h", "y", "unknown", &[]);
}

#[test]
fn a_catalogued_type_reexported_under_a_new_name_is_that_type() {
    let src = "pub use sqlx::PgPool as Db;
        async fn h(db: &crate::Db) -> sqlx::Result<()> { let conn = db.acquire().await?; Ok(()) }";
    check(src, "h", "db", "pool", &[]);
    check(src, "h", "conn", "guard", &["db"]);
}

#[test]
fn a_private_reexport_is_not_an_alias_for_other_modules() {
    // a private `use` names the type in its own module only; the crate's `Db` is unknown
    let src = "mod inner { use sqlx::PgPool as Db; }
        async fn h(db: &crate::Db) { let d = db; }";
    check(src, "h", "d", "unknown", &[]);
}

#[test]
fn a_stream_state_passes_its_guard_and_pool_to_the_closure() {
    let src = "use sqlx::postgres::{PgListener, PgPool};
        async fn h(pool: PgPool) -> sqlx::Result<()> {
            let listener = PgListener::connect_with(&pool).await?;
            let _s = futures::stream::unfold((listener, pool.clone()), |(l, db)| async move {
                let _probe = (&l, &db);
                g(l, db)
            });
            Ok(())
        }";
    // probed at the closure's exit, the first of `h`'s body
    check(src, "h", "l", "guard", &["pool"]);
    check(src, "h", "db", "pool", &[]);
}

#[test]
fn a_generic_pool_of_the_services_own_things_is_no_pool() {
    let manager = |pooled: &str| {
        format!(
            "pub struct Worker {{ tx: std::sync::mpsc::Sender<u8> }}\n\
             pub struct Held {{ client: std::sync::Arc<tokio_postgres::Client> }}\n\
             pub struct M;\n\
             impl bb8::ManageConnection for M {{ type Connection = {pooled}; type Error = (); }}\n\
             async fn h(pool: bb8::Pool<M>) {{ let conn = pool.get().await.unwrap(); }}"
        )
    };
    check(&manager("Worker"), "h", "conn", "unknown", &[]);
    check(&manager("tokio_postgres::Client"), "h", "conn", "guard", &["pool"]);
    check(&manager("Held"), "h", "conn", "guard", &["pool"]);
}

const HOOKS: &str = r#"
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
pub trait Hook { fn fire(&self, pool: &PgPool); }
pub struct Hooks { hooks: Vec<Box<dyn Hook>>, named: HashMap<String, Arc<dyn Hook>>, pools: Vec<PgPool> }
pub struct One<H: Hook> { hook: H }
"#;

#[test]
fn an_element_of_a_collection_field_has_the_collections_element_type() {
    let f = |body: &str| format!("{HOOKS} impl Hooks {{ fn f(&self) {{ {body} }} }}");
    check(&f("for hook in &self.hooks { return; }"), "f", "hook", "struct Hook", &[]);
    check(&f("if let Some(h) = self.named.get(\"a\") { return; }"), "f", "h", "struct Hook", &[]);
    check(&f("for h in self.named.values() { return; }"), "f", "h", "struct Hook", &[]);
    check(&f("for p in self.pools.iter() { return; }"), "f", "p", "pool", &[]);
}

#[test]
fn a_field_of_a_bounded_type_parameter_is_an_implementation_of_the_bound() {
    let src = format!("{HOOKS} impl<H: Hook> One<H> {{ fn f(&self) {{ let h = &self.hook; }} }}");
    check(&src, "f", "h", "struct Hook", &[]);
}

const SHARDS: &str = r#"
use sqlx::{PgPool, Postgres};
use sqlx::pool::PoolConnection;

pub struct Shards { primary: PgPool, replicas: Vec<PgPool> }
pub enum Target { Primary, Replica(usize) }

impl Shards {
    async fn primary_conn(&self) -> sqlx::Result<PoolConnection<Postgres>> { self.primary.acquire().await }
    async fn pick(&self, target: Target) -> sqlx::Result<PoolConnection<Postgres>> {
        let conn = match target {
            Target::Primary => self.primary_conn().await?,
            Target::Replica(i) => self.replicas[i].acquire().await?,
        };
        Ok(conn)
    }
}
"#;

#[test]
fn an_indexed_element_of_a_pool_list_is_a_pool() {
    let src = format!("{SHARDS} async fn h(s: &Shards, i: usize) {{ let db = &s.replicas[i]; }}");
    check(&src, "h", "db", "pool", &[]);
    let src = format!(
        "{SHARDS} async fn h(s: &Shards, i: usize) -> sqlx::Result<()> {{ let conn = s.replicas[i].acquire().await?; Ok(()) }}"
    );
    check(&src, "h", "conn", "guard", &["s.replicas[i]"]);
}

#[test]
fn a_guard_bound_from_a_match_may_come_from_each_arm() {
    // the replica's key indexes with the callee's local, which means nothing to the caller
    let src = format!(
        "{SHARDS} async fn h(s: &Shards, t: Target) -> sqlx::Result<()> {{ let conn = s.pick(t).await?; Ok(()) }}"
    );
    check(&src, "h", "conn", "guard", &["s.primary"]);
}

/// Two modules each define a `Connection`: one owns a guard, the other a pool.
const TWO_CONNECTIONS: &str = r#"
use sqlx::{PgPool, Postgres};
use sqlx::pool::PoolConnection;
use crate::entities as e;

pub struct Store { pool: PgPool }

mod entities {
    use super::*;
    pub struct Connection { pub conn: PoolConnection<Postgres> }
    impl Connection {
        pub async fn open(pool: &PgPool) -> sqlx::Result<Self> { Ok(Connection { conn: pool.acquire().await? }) }
        pub fn layout(&self) -> Layout { Layout }
    }
    pub struct Layout;
}

mod primary {
    use super::*;
    pub struct Connection(pub PgPool);
    impl Connection {
        pub async fn open(pool: &PgPool) -> sqlx::Result<Self> { Ok(Connection(pool.clone())) }
    }
}
"#;

#[test]
fn a_name_two_modules_define_is_told_apart_by_its_path() {
    let src = format!("{TWO_CONNECTIONS} async fn h(c: e::Connection) {{ let x = c; }}");
    check(&src, "h", "x", "guard carried by crate::entities::Connection", &[]);
    let src = format!("{TWO_CONNECTIONS} async fn h(c: &crate::primary::Connection) {{ let x = &c.0; }}");
    check(&src, "h", "x", "pool", &[]);
    let src = format!("{TWO_CONNECTIONS} async fn h(c: &self::primary::Connection) {{ let x = &c.0; }}");
    check(&src, "h", "x", "pool", &[]);
}

#[test]
fn an_associated_function_of_an_ambiguous_name_is_its_modules() {
    let src = format!(
        "{TWO_CONNECTIONS} async fn h(s: &Store) -> sqlx::Result<()> {{ let c = e::Connection::open(&s.pool).await?; Ok(()) }}"
    );
    check(&src, "h", "c", "guard carried by crate::entities::Connection", &["s.pool"]);
    let src = format!(
        "{TWO_CONNECTIONS} async fn h(s: &Store) -> sqlx::Result<()> {{ let c = primary::Connection::open(&s.pool).await?; Ok(()) }}"
    );
    check(&src, "h", "c", "struct crate::primary::Connection", &[]);
}

#[test]
fn an_ambiguous_name_without_a_path_that_tells_stays_unknown() {
    // neither module is imported: `Connection` could be either
    let src = format!("{TWO_CONNECTIONS} async fn h(c: &Connection) {{ let x = &c.conn; }}");
    check(&src, "h", "x", "unknown", &[]);
}

const ONCE: &str = r#"
use std::sync::OnceLock;
use deadpool_postgres::{Object, Pool, PoolError};
static PG_POOL: OnceLock<Pool> = OnceLock::new();
static REDIS: once_cell::sync::OnceCell<Pool> = once_cell::sync::OnceCell::new();
pub struct DB;
impl DB {
    pub async fn pg() -> Result<Object, PoolError> { PG_POOL.get().expect("initialised").get().await }
    pub async fn cache() -> Result<Object, PoolError> { REDIS.get().unwrap().get().await }
}
"#;

#[test]
fn a_once_cells_content_is_the_static_pool() {
    let src = format!("{ONCE} async fn h() {{ let db = PG_POOL.get().unwrap(); }}");
    check(&src, "h", "db", "pool", &[]);
    let src = format!(
        "{ONCE} async fn h() -> Result<(), PoolError> {{ let c = PG_POOL.get().unwrap().get().await?; Ok(()) }}"
    );
    check(&src, "h", "c", "guard", &["PG_POOL"]);
}

#[test]
fn an_accessor_of_a_static_pool_hands_out_its_connections() {
    let src = format!("{ONCE} async fn h() -> Result<(), PoolError> {{ let c = DB::pg().await?; Ok(()) }}");
    check(&src, "h", "c", "guard", &["PG_POOL"]);
    let src = format!("{ONCE} async fn h() -> Result<(), PoolError> {{ let c = DB::cache().await?; Ok(()) }}");
    check(&src, "h", "c", "guard", &["REDIS"]);
}

#[test]
fn an_item_of_the_crate_reexported_under_a_new_name_is_that_item() {
    let src = r#"
pub mod pg {
    pub type Lease = sqlx::pool::PoolConnection<sqlx::Postgres>;
}
pub use pg::Lease as DbConn;
async fn h(conn: DbConn) { let c = conn; }
"#;
    check(src, "h", "c", "guard", &[]);
}
