//! The declarative knowledge poolcheck has of pool crates, web frameworks, config-file keys and the
//! default policy. It lives as TOML under `rules/` and is embedded in the binary at build time, so
//! an installed `poolcheck` needs no files beside it.
//!
//! Every struct here denies unknown keys: a typo in a catalogue file is a failing test, not a
//! silently ignored entry.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

mod policy;
pub use policy::*;

/// The embedded `rules/policy.toml`: the default policy.
const POLICY_FILE: &str = include_str!("../../rules/policy.toml");

/// One catalogue file: `(file name, contents)`, embedded at build time.
const CRATE_FILES: &[(&str, &str)] = &[
    ("sqlx.toml", include_str!("../../rules/crates/sqlx.toml")),
    ("deadpool.toml", include_str!("../../rules/crates/deadpool.toml")),
    ("bb8.toml", include_str!("../../rules/crates/bb8.toml")),
    ("r2d2.toml", include_str!("../../rules/crates/r2d2.toml")),
    ("diesel.toml", include_str!("../../rules/crates/diesel.toml")),
    ("mobc.toml", include_str!("../../rules/crates/mobc.toml")),
    ("sea-orm.toml", include_str!("../../rules/crates/sea-orm.toml")),
    ("redis.toml", include_str!("../../rules/crates/redis.toml")),
    ("tokio-postgres.toml", include_str!("../../rules/crates/tokio-postgres.toml")),
    ("mongodb.toml", include_str!("../../rules/crates/mongodb.toml")),
    ("mysql.toml", include_str!("../../rules/crates/mysql.toml")),
];

/// The embedded `rules/frameworks.toml`: how web frameworks mark request handlers.
const FRAMEWORKS_FILE: &str = include_str!("../../rules/frameworks.toml");

/// The embedded `rules/config-keys.toml`: pool settings' names in configuration files.
const CONFIG_KEYS_FILE: &str = include_str!("../../rules/config-keys.toml");

/// The embedded `rules/std.toml`: standard-library and framework knowledge shared by all crates.
const STD_FILE: &str = include_str!("../../rules/std.toml");

/// What a guard stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardKind {
    /// A pooled connection (`PoolConnection`, `Object`, `PooledConnection`, …).
    Connection,
    /// A transaction that owns or borrows a pooled connection.
    Transaction,
}

impl GuardKind {
    /// How messages name a guard of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            GuardKind::Connection => "pooled connection",
            GuardKind::Transaction => "transaction",
        }
    }

    /// The noun with its article: "a pooled connection", "a transaction".
    pub fn noun_with_article(self) -> &'static str {
        match self {
            GuardKind::Connection => "a pooled connection",
            GuardKind::Transaction => "a transaction",
        }
    }
}

/// How an acquisition call wraps its guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Returns {
    /// `Result<Guard, E>`
    Result,
    /// `Option<Guard>`
    Option,
    /// `Result<Option<Guard>, E>`
    ResultOption,
    /// the guard itself
    Value,
}

/// A guard type of a crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardType {
    /// Last path segment of the type, as user code writes it.
    pub name: String,
    /// What the guard holds.
    pub kind: GuardKind,
}

/// A method that takes a connection out of a pool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acquire {
    /// Method name called on the pool (`acquire`, `get`, `begin`, …).
    pub method: String,
    /// What the acquired guard is.
    pub yields: GuardKind,
    /// Whether the call returns a future.
    pub is_async: bool,
    /// How the guard is wrapped.
    pub returns: Returns,
    /// Number of arguments the method takes (so `map.get(key)` is never confused with `pool.get()`).
    #[serde(default)]
    pub args: usize,
}

/// An associated function that takes a connection from the pool it is given and keeps it in
/// what it returns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquireWith {
    /// `Type::function`.
    pub call: String,
    /// Position of the pool among the arguments.
    pub pool_arg: usize,
    /// What the returned value holds.
    pub yields: GuardKind,
    /// Whether the call returns a future.
    pub is_async: bool,
    /// How the value is wrapped.
    pub returns: Returns,
}

/// What an escape hatch does to the pool's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscapeEffect {
    /// The slot stays counted as in use for good: the pool shrinks by one.
    Leaked,
    /// The pool may open a replacement: total connections can exceed the maximum.
    Freed,
}

/// How an escape hatch is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscapeStyle {
    /// `guard.leak()`
    Method,
    /// `Object::take(guard)`
    AssocFn,
}

/// A call that takes a connection out of the pool's accounting.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escape {
    /// Method or associated function name (`leak`, `detach`, `take`).
    pub name: String,
    /// Method call or associated function.
    pub style: EscapeStyle,
    /// For `assoc_fn`: the type names it is called through (`Object`, `Connection`).
    #[serde(default)]
    pub types: Vec<String>,
    /// Effect on capacity.
    pub effect: EscapeEffect,
}

/// The normalised meaning of a pool setting, shared by the policy and every crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingRole {
    /// Maximum number of connections in the pool.
    MaxSize,
    /// Minimum idle or minimum open connections.
    MinIdle,
    /// How long an acquisition may wait for a connection.
    AcquireTimeout,
    /// How long opening a new connection may take.
    CreateTimeout,
    /// How long recycling a returned connection may take.
    RecycleTimeout,
    /// How long a connection may stay idle before it is closed.
    IdleTimeout,
    /// How long a connection may live at all.
    MaxLifetime,
}

impl SettingRole {
    /// Whether the setting counts connections (the others are lengths of time).
    pub fn is_count(self) -> bool {
        matches!(self, SettingRole::MaxSize | SettingRole::MinIdle)
    }

    /// How messages name the setting.
    pub fn noun(self) -> &'static str {
        match self {
            SettingRole::MaxSize => "pool size",
            SettingRole::MinIdle => "minimum of idle connections",
            SettingRole::AcquireTimeout => "acquire timeout",
            SettingRole::CreateTimeout => "connect timeout",
            SettingRole::RecycleTimeout => "recycle timeout",
            SettingRole::IdleTimeout => "idle timeout",
            SettingRole::MaxLifetime => "max lifetime",
        }
    }
}

/// The Rust type of a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// An integer count.
    Count,
    /// `Option<integer>`.
    OptionCount,
    /// A `Duration`.
    Duration,
    /// `Option<Duration>` or `impl Into<Option<Duration>>`.
    OptionDuration,
}

/// How a setting is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingForm {
    /// A builder or setter method: `.max_size(16)`.
    Method,
    /// A struct-literal field or field assignment: `PoolConfig { max_size: 16, .. }`.
    Field,
}

/// One pool setting of a crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// Method or field name.
    pub name: String,
    /// Normalised meaning.
    pub role: SettingRole,
    /// Value type.
    pub value: ValueKind,
    /// Method or field.
    pub form: SettingForm,
    /// Types this setting belongs to (builder or config struct names); empty means any of the
    /// crate's builder types.
    #[serde(default)]
    pub on: Vec<String>,
}

/// Everything poolcheck knows about one pool crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateApi {
    /// Short name used in messages (`sqlx`, `deadpool`, `r2d2`).
    pub name: String,
    /// Path prefixes under which the crate's items are reached in user code (`sqlx`,
    /// `diesel::r2d2`, `deadpool_postgres`). A type path matches when it starts with one.
    pub paths: Vec<String>,
    /// Cargo package names that provide these paths (for manifest-based skipping).
    pub packages: Vec<String>,
    /// True when acquisition blocks the calling thread (r2d2).
    #[serde(default)]
    pub blocking: bool,
    /// Type names that are pools.
    #[serde(default)]
    pub pool_types: Vec<String>,
    /// Type names that are guards.
    #[serde(default)]
    pub guard_types: Vec<GuardType>,
    /// Methods on a pool that yield a guard.
    #[serde(default)]
    pub acquire: Vec<Acquire>,
    /// Associated functions that take the pool as an argument and hold one of its connections
    /// for the returned value's life (`PgListener::connect_with(&pool)`).
    #[serde(default)]
    pub acquire_with: Vec<AcquireWith>,
    /// Methods on a pool-like receiver that use it as an executor (implicit acquisition).
    #[serde(default)]
    pub executor_methods: Vec<String>,
    /// Traits a function is generic over to take a pool or a connection alike (`impl
    /// PgExecutor<'e>`, `E: Executor`, `&impl ConnectionTrait`): such a parameter is used as
    /// the pool it is called with, and what it is called with decides.
    #[serde(default)]
    pub executor_traits: Vec<String>,
    /// Escape hatches on guards.
    #[serde(default)]
    pub escape: Vec<Escape>,
    /// Methods that finish a transaction.
    #[serde(default)]
    pub transaction_finish: Vec<String>,
    /// `Type::function` paths that build a pool.
    #[serde(default)]
    pub pool_constructors: Vec<String>,
    /// Builder or config type names (`PgPoolOptions`, `Builder`, `PoolConfig`).
    #[serde(default)]
    pub builder_types: Vec<String>,
    /// `Type::function` paths that start a builder chain.
    #[serde(default)]
    pub builder_entries: Vec<String>,
    /// Methods that end a builder chain and yield the pool.
    #[serde(default)]
    pub builder_finish: Vec<String>,
    /// `Type::function` or `module::function` paths that open an unpooled connection.
    #[serde(default)]
    pub raw_connect: Vec<String>,
    /// `Type::method` pairs that open an unpooled connection at the end of a chain of the
    /// type's own setters (`PgConnectOptions::new().host(h).connect()`, `opts.connect()`).
    #[serde(default)]
    pub raw_connect_chains: Vec<String>,
    /// Calls returning a `(client, connection)` pair whose connection half must be polled.
    #[serde(default)]
    pub connection_pairs: Vec<String>,
    /// Pool settings.
    #[serde(default)]
    pub setting: Vec<Setting>,
    /// Calls that build a pool from a configuration value passed to them.
    #[serde(default)]
    pub config_builds: Vec<ConfigBuild>,
    /// Calls that build a pool given only its size, every other setting the library's default.
    #[serde(default)]
    pub sized_builds: Vec<SizedBuild>,
    /// Constructors whose arguments are settings, by position.
    #[serde(default)]
    pub positional: Vec<Positional>,
    /// Library defaults of settings left out, by role.
    #[serde(default)]
    pub defaults: BTreeMap<SettingRole, Quantity>,
    /// The trait a workspace implements to pool resources of its own through the crate.
    #[serde(default)]
    pub manager_trait: Option<ManagerTrait>,
}

/// A generic pool's manager trait (`bb8::ManageConnection`), implemented by the workspace for
/// what it pools (`impl ManageConnection for Workers { type Connection = Worker; .. }`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagerTrait {
    /// The trait's name.
    pub name: String,
    /// The associated type naming what is pooled.
    pub pooled: String,
}

impl CrateApi {
    /// How users set a role with this crate, for help texts: "`.wait_timeout(..)`",
    /// "`Timeouts.wait`".
    pub fn setters_of(&self, role: SettingRole) -> Vec<String> {
        self.setting
            .iter()
            .filter(|s| s.role == role)
            .map(|s| match s.form {
                SettingForm::Method => format!("`.{}(..)`", s.name),
                SettingForm::Field => format!("`{}.{}`", s.on.join("/"), s.name),
            })
            .collect()
    }
}

/// A call that builds a pool from a configuration argument: deadpool 0.7/0.8's
/// `Pool::from_config(manager, config)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigBuild {
    /// `Type::function`.
    pub call: String,
    /// Position of the configuration among the arguments.
    pub config_arg: usize,
}

/// A call that builds a pool from a size alone: deadpool 0.7/0.8's `Pool::new(manager,
/// max_size)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizedBuild {
    /// `Type::function`.
    pub call: String,
    /// How many arguments the form takes (other arities are other functions).
    pub arity: usize,
    /// Position of the size among them.
    pub size_arg: usize,
}

/// A constructor whose arguments are settings: `PoolConfig::new(max_size)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Positional {
    /// `Type::function`.
    pub call: String,
    /// The role of each argument, in order.
    pub args: Vec<SettingRole>,
    /// For durations given as plain numbers: their unit (`"ms"`, `"s"`).
    #[serde(default)]
    pub unit: Option<String>,
}

/// Calls that defeat `Drop` for any value they are given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hazards {
    /// Paths (as written, last segments compared) that forget their argument: `mem::forget`.
    pub forget: Vec<String>,
    /// Paths that leak a box: `Box::leak`, `Box::into_raw`.
    pub leak_box: Vec<String>,
    /// Paths that wrap a value so its destructor never runs: `ManuallyDrop::new`.
    pub manually_drop: Vec<String>,
}

/// Wrapper types, by last path segment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wrappers {
    /// Types that stand for their first type argument (`Arc<T>`, axum `State<T>`, actix `Data<T>`).
    pub transparent: Vec<String>,
    /// Types that hold values of their last type argument (`Option<T>`, `Vec<T>`, `Mutex<T>`).
    pub holders: Vec<String>,
    /// Type names too common to be trusted when written bare without an import that resolves them.
    pub ambiguous_names: Vec<String>,
}

/// How guards flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardFlow {
    /// Methods that take the guard by value.
    pub consuming_methods: Vec<String>,
    /// Methods whose result is the guard's own work.
    pub derived_methods: Vec<String>,
    /// Functions that drop their argument.
    pub drop: Vec<String>,
    /// Calls whose closure receives their first argument as a threaded state.
    #[serde(default)]
    pub state_threading: Vec<String>,
    /// Types that always carry a lifetime, elided or not (`BoxStream<Row>` is
    /// `BoxStream<'_, Row>`): a function returning one returns a borrow of its arguments.
    #[serde(default)]
    pub borrowing_types: Vec<String>,
}

/// What a task waits on besides plain awaits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waits {
    /// Macros that wait like `.await`.
    pub join_macros: Vec<String>,
    /// Calls that block a thread (path suffixes).
    pub sync_calls: Vec<String>,
    /// Blocking client types (path suffixes).
    pub blocking_clients: Vec<String>,
    /// Their blocking methods.
    pub blocking_client_methods: Vec<String>,
    /// Calls whose closure arguments run off the async task.
    pub offload: Vec<String>,
    /// Calls whose arguments run as a task of their own, detached from the caller.
    #[serde(default)]
    pub spawns: Vec<String>,
}

/// Where values become shared for the program's life.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedState {
    /// Constructors whose argument becomes shared state.
    pub shared_constructors: Vec<String>,
    /// Methods whose argument becomes shared state.
    pub shared_methods: Vec<String>,
    /// Once-cell methods that store for good.
    pub once_setters: Vec<String>,
    /// Constructors that wrap their argument.
    pub holders_new: Vec<String>,
    /// Lazy statics' constructors.
    pub lazy_constructors: Vec<String>,
}

/// Combinators that keep everything they are given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accumulate {
    /// Future joins (`join_all`).
    pub joins: Vec<String>,
    /// Iterator collectors (`collect`).
    pub collectors: Vec<String>,
    /// Collection inserts (`push`, `insert`).
    pub sinks: Vec<String>,
}

/// The shared, crate-independent part of the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdApi {
    /// Calls that defeat `Drop`.
    pub hazards: Hazards,
    /// Wrapper types.
    pub wrappers: Wrappers,
    /// How guards flow.
    pub guards: GuardFlow,
    /// Waiting calls.
    pub waits: Waits,
    /// Shared state.
    pub state: SharedState,
    /// Accumulating combinators.
    pub accumulate: Accumulate,
}

/// How one web framework marks request handlers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Name for messages.
    pub name: String,
    /// Path prefixes of the framework's crates.
    pub paths: Vec<String>,
    /// Attributes that make a function a handler (last path segment).
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Free functions whose path arguments are handlers: axum `get(h)`.
    #[serde(default)]
    pub registrar_fns: Vec<String>,
    /// Methods whose path arguments are handlers: actix `.to(h)`.
    #[serde(default)]
    pub registrar_methods: Vec<String>,
    /// Macros listing handlers: rocket `routes![a, b]`.
    #[serde(default)]
    pub registrar_macros: Vec<String>,
    /// Parameter types that make a trait-impl method an RPC handler: tonic `Request`.
    #[serde(default)]
    pub request_types: Vec<String>,
    /// Attributes on an `impl` block that make every method in it a handler: async-graphql
    /// `#[Object]`, juniper `#[graphql_object]`.
    #[serde(default)]
    pub impl_attributes: Vec<String>,
}

/// Names of pool settings in configuration files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigKeys {
    /// Words that make a section a database's.
    pub context: Vec<String>,
    /// Words that make a section something else (`thread_pool`).
    pub not_context: Vec<String>,
    /// Values that are database URLs make their section a database's.
    pub url_schemes: Vec<String>,
    /// Unit words and their length in nanoseconds.
    pub units: BTreeMap<String, u64>,
    /// Key names by role.
    pub key: Vec<ConfigKey>,
}

/// Names of one setting role in configuration files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigKey {
    /// The role.
    pub role: SettingRole,
    /// Key names, lower case.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworksFile {
    framework: Vec<Framework>,
}

/// The whole loaded catalogue.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// One entry per supported pool crate.
    pub crates: Vec<CrateApi>,
    /// Standard-library knowledge.
    pub std: StdApi,
    /// Web frameworks.
    pub frameworks: Vec<Framework>,
    /// Pool settings' names in configuration files.
    pub config_keys: ConfigKeys,
    guard_by_name: HashMap<String, Vec<(usize, GuardKind)>>,
    pool_by_name: HashMap<String, Vec<usize>>,
    /// Each crate's path prefixes, split, by first segment.
    prefixes: HashMap<String, Vec<(usize, Vec<String>)>>,
}

/// A catalogue file that failed to load.
#[derive(Debug, thiserror::Error)]
#[error("rules/{file}: {message}")]
pub struct CatalogError {
    /// The file under `rules/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl Catalog {
    /// The embedded catalogue, loaded once. The embedded files are checked by tests, so a load
    /// failure here is a build defect.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::load_embedded().expect("embedded catalogue is valid"))
    }

    /// A fingerprint of the catalogue's contents: facts extracted under one catalogue are
    /// reused (from the facts cache) only under the same catalogue.
    pub fn fingerprint(&self) -> u128 {
        let text = format!("{:?}{:?}{:?}{:?}", self.crates, self.std, self.frameworks, self.config_keys);
        xxhash_rust::xxh3::xxh3_128(text.as_bytes())
    }

    /// Parses every embedded catalogue file.
    pub fn load_embedded() -> Result<Catalog, CatalogError> {
        let mut crates = Vec::new();
        for (file, text) in CRATE_FILES {
            let api: CrateApi = toml::from_str(text)
                .map_err(|e| CatalogError { file: format!("crates/{file}"), message: e.to_string() })?;
            crates.push(api);
        }
        let std: StdApi =
            toml::from_str(STD_FILE).map_err(|e| CatalogError { file: "std.toml".into(), message: e.to_string() })?;
        let frameworks: FrameworksFile = toml::from_str(FRAMEWORKS_FILE)
            .map_err(|e| CatalogError { file: "frameworks.toml".into(), message: e.to_string() })?;
        let config_keys: ConfigKeys = toml::from_str(CONFIG_KEYS_FILE)
            .map_err(|e| CatalogError { file: "config-keys.toml".into(), message: e.to_string() })?;
        Ok(Catalog::new(crates, std, frameworks.framework, config_keys))
    }

    fn new(crates: Vec<CrateApi>, std: StdApi, frameworks: Vec<Framework>, config_keys: ConfigKeys) -> Catalog {
        let mut guard_by_name: HashMap<String, Vec<(usize, GuardKind)>> = HashMap::new();
        let mut pool_by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in crates.iter().enumerate() {
            for g in &c.guard_types {
                guard_by_name.entry(g.name.clone()).or_default().push((i, g.kind));
            }
            for p in &c.pool_types {
                pool_by_name.entry(p.clone()).or_default().push(i);
            }
        }
        let mut prefixes: HashMap<String, Vec<(usize, Vec<String>)>> = HashMap::new();
        for (i, c) in crates.iter().enumerate() {
            for p in &c.paths {
                let split: Vec<String> = p.split("::").map(str::to_owned).collect();
                prefixes.entry(split[0].clone()).or_default().push((i, split));
            }
        }
        Catalog { crates, std, frameworks, config_keys, guard_by_name, pool_by_name, prefixes }
    }

    /// The catalogue entry `entry` picks for a call of `path`, with its crate: the call's form
    /// is matched first and the path's crate only then, since most calls are no entry at all.
    pub fn call_entry<'a, T>(
        &'a self,
        path: &[String],
        entry: impl Fn(&'a CrateApi) -> Option<T>,
    ) -> Option<(usize, T)> {
        self.crates.iter().enumerate().find_map(|(k, api)| {
            let found = entry(api)?;
            self.crates_for_path(path).any(|owner| owner == k).then_some((k, found))
        })
    }

    /// Crates owning `path` (segments): those whose `paths` hold its longest matching prefix, so
    /// `deadpool_redis::redis::Client` belongs to redis, not to deadpool.
    pub fn crates_for_path(&self, segments: &[String]) -> impl Iterator<Item = usize> + '_ {
        let candidates = segments.first().and_then(|first| self.prefixes.get(first)).map_or(&[][..], Vec::as_slice);
        let matching = candidates.iter().filter(move |(_, prefix)| {
            prefix.len() <= segments.len() && prefix.iter().zip(segments).all(|(a, b)| a == b)
        });
        let longest = matching.clone().map(|(_, p)| p.len()).max().unwrap_or(0);
        let mut owners: Vec<usize> = matching.filter(|(_, p)| p.len() == longest).map(|(k, _)| *k).collect();
        owners.dedup();
        owners.into_iter()
    }

    /// The embedded catalogue with the project's own knowledge added: in-house pool crates and
    /// wrappers, and attributes that mark request handlers.
    pub fn extended(extra: Vec<CrateApi>, handler_attributes: Vec<String>) -> Catalog {
        let base = Catalog::embedded();
        if extra.is_empty() && handler_attributes.is_empty() {
            return base.clone();
        }
        let mut crates = base.crates.clone();
        crates.extend(extra);
        let mut frameworks = base.frameworks.clone();
        if !handler_attributes.is_empty() {
            frameworks.push(Framework {
                name: "project".into(),
                paths: Vec::new(),
                attributes: handler_attributes,
                registrar_fns: Vec::new(),
                registrar_methods: Vec::new(),
                registrar_macros: Vec::new(),
                request_types: Vec::new(),
                impl_attributes: Vec::new(),
            });
        }
        Catalog::new(crates, base.std.clone(), frameworks, base.config_keys.clone())
    }

    /// Guard types named `name`, with their crate index.
    pub fn guards_named(&self, name: &str) -> &[(usize, GuardKind)] {
        self.guard_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Crates that have a pool type named `name`.
    pub fn pools_named(&self, name: &str) -> &[usize] {
        self.pool_by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

/// True when `path` ends with the `::`-separated segments of `suffix`.
pub fn path_ends_with(path: &[String], suffix: &str) -> bool {
    // split by hand: `str::split("::")` sets up a substring searcher on every call, and this
    // runs for every catalogue entry on every call expression; most fail on the last segment
    if !path.last().is_some_and(|last| suffix.as_bytes().ends_with(last.as_bytes())) {
        return false;
    }
    let mut segments = path.iter().rev();
    let mut rest = suffix.as_bytes();
    loop {
        let cut = rest.windows(2).rposition(|w| w == b"::");
        let part = match cut {
            Some(i) => &rest[i + 2..],
            None => rest,
        };
        if segments.next().is_none_or(|s| s.as_bytes() != part) {
            return false;
        }
        match cut {
            Some(i) => rest = &rest[..i],
            None => return true,
        }
    }
}

/// True when `path` ends with any of `suffixes`.
pub fn path_ends_with_any(path: &[String], suffixes: &[String]) -> bool {
    suffixes.iter().any(|s| path_ends_with(path, s))
}

/// True when `segments` begins with the `::`-separated `prefix`.
pub fn path_starts_with(segments: &[String], prefix: &str) -> bool {
    let mut segments = segments.iter();
    let mut rest = prefix.as_bytes();
    loop {
        let cut = rest.windows(2).position(|w| w == b"::");
        let part = match cut {
            Some(i) => &rest[..i],
            None => rest,
        };
        if segments.next().is_none_or(|s| s.as_bytes() != part) {
            return false;
        }
        match cut {
            Some(i) => rest = &rest[i + 2..],
            None => return true,
        }
    }
}

/// `test_utils`, `testing`, `docs_rs_test_fakes`, `db-mocks`: a crate or feature named for
/// tests (by one of its `_`/`-`-separated words).
pub fn names_test_support(name: &str) -> bool {
    name.split(['_', '-'])
        .any(|w| matches!(w, "test" | "tests" | "testing" | "testutils" | "fakes" | "mock" | "mocks" | "testkit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_loads() {
        let cat = Catalog::load_embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.crates.len(), CRATE_FILES.len());
        for c in &cat.crates {
            assert!(!c.paths.is_empty(), "{}: no paths", c.name);
            assert!(!c.packages.is_empty(), "{}: no packages", c.name);
        }
    }

    #[test]
    fn every_rules_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/crates");
        let mut on_disk: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        on_disk.sort();
        let mut embedded: Vec<String> = CRATE_FILES.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "rules/crates and CRATE_FILES disagree");
    }

    #[test]
    fn the_embedded_policy_loads() {
        let policy: Policy = toml::from_str(POLICY_FILE).unwrap_or_else(|e| panic!("rules/policy.toml: {e}"));
        let max = &policy.bounds[&SettingRole::MaxSize];
        assert_eq!(max.max, Some(Quantity::Count(100)));
        let acquire = &policy.bounds[&SettingRole::AcquireTimeout];
        assert_eq!(acquire.min, Some(Quantity::Duration(std::time::Duration::from_millis(250))));
        assert_eq!(parse_duration("10m"), Ok(std::time::Duration::from_secs(600)));
        assert!(parse_duration("ten minutes").is_err());
    }

    #[test]
    fn path_prefixes_match_whole_segments() {
        let segs: Vec<String> = ["diesel", "r2d2", "Pool"].iter().map(|s| s.to_string()).collect();
        assert!(path_starts_with(&segs, "diesel::r2d2"));
        assert!(path_starts_with(&segs, "diesel"));
        assert!(!path_starts_with(&segs, "diesel::r2"));
        assert!(!path_starts_with(&segs, "r2d2"));
    }
}
