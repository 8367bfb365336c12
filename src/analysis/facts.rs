//! Owned facts the walker records about each function, for analyses that cross function
//! boundaries: what it acquires from, whom it calls with what, what it builds, whether it is a
//! request handler. Keys name places as written in the function (`pool`, `self.pool`,
//! `state.db`, `POOL`), so a callee's key can be translated into its caller's terms.

use crate::source::Span;

/// A guard live at a call site.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeldGuard {
    /// The guard's binding.
    pub name: String,
    /// Where it came from: a pool of this function, or a call whose summary says.
    pub source: GuardSource,
    /// Where it was taken.
    pub acquired: Span,
    /// Line it was taken at, for messages.
    pub line: usize,
}

/// Where a guard comes from, in the terms of the function that holds or returns it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum GuardSource {
    /// Taken here from the pool with this key (`self.pool`, `state.db`, a parameter).
    Pool(String),
    /// Returned by a call to a workspace function (`app.db_write()`, `get_conn(pool)`): its
    /// pools are those the callee's summary returns guards from, translated through the call.
    Call(Box<CallFact>),
}

impl GuardSource {
    /// The same pool, or the same call with the same places.
    pub fn same_as(&self, other: &GuardSource) -> bool {
        match (self, other) {
            (GuardSource::Pool(a), GuardSource::Pool(b)) => a == b,
            (GuardSource::Call(a), GuardSource::Call(b)) => {
                a.callee == b.callee && a.args == b.args && a.recv == b.recv
            }
            _ => false,
        }
    }
}

/// A call to a function of the crate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallFact {
    /// The callee's key.
    pub callee: String,
    /// Keys of the arguments that are places (paths, fields), by position.
    pub args: Vec<Option<String>>,
    /// Key of the receiver of a method call (`self`, `state.repo`).
    pub recv: Option<String>,
    /// The call expression.
    pub span: Span,
    /// The callee as written, for messages.
    pub shown: String,
    /// Guards live at the call.
    pub held: Vec<HeldGuard>,
    /// Arguments that name a function of the workspace (`get_logged(list_users)`), by
    /// position, with the function's key: handlers, when the callee registers that parameter.
    pub fn_args: Vec<(usize, String, Span)>,
    /// Made in a task of its own (an `async` block given to `tokio::spawn`): it runs per
    /// request when its spawner does, but what it acquires is not its spawner's acquisition.
    pub detached: bool,
    /// Made on a trait object or `impl Trait` value: the trait's name. The callee is one of
    /// the implementations the call may run, so what follows from it may, not must, happen.
    pub dispatched: Option<String>,
    /// Runs once per item (in an iterating loop, or a closure or task made per item).
    pub per_item: Option<PerItem>,
    /// Runs once for the program (a once-cell or lazy initialiser, a static).
    pub once: bool,
    /// What it returns is bound here to a local that is only used in place (method calls,
    /// borrows) and so dies at the end of its block: nothing the call makes outlives it.
    pub result_dies: bool,
}

impl CallFact {
    /// Whether what the call returns may reach the caller's caller: the call runs with its
    /// caller (not in a task or once-cell of its own) and its result does not die here.
    pub fn hands_result_on(&self) -> bool {
        !self.detached && !self.once && !self.result_dies
    }

    /// The callee for a message: "`Repo::load`", or "`<Pg as Store>::load` (one of the
    /// `Store` implementations this call may run)" for a dispatched call.
    pub fn described(&self) -> String {
        match &self.dispatched {
            Some(t) => format!("`{}` (one of the `{t}` implementations this call may run)", self.shown),
            None => format!("`{}`", self.shown),
        }
    }
}

/// Why a construction site runs once per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PerItem {
    /// Inside a loop that iterates (not a retry loop).
    Loop,
    /// Inside an iterator adaptor's closure.
    Iterator,
}

/// A pool built or a raw connection opened.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Construction {
    /// The constructor call (the terminal call of a builder chain).
    pub span: Span,
    /// How it is written: `PgPool::connect`, `PgPoolOptions::…connect_lazy`.
    pub shown: String,
    /// True for a pool, false for a raw connection.
    pub pool: bool,
    /// Runs once per item.
    pub per_item: Option<PerItem>,
}

/// An acquisition in a function.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AcquireFact {
    /// Key of the pool.
    pub key: String,
    /// Where.
    pub span: Span,
    /// Guards live there that came from calls (their pools are known only from summaries).
    pub held: Vec<HeldGuard>,
}

/// What the walker learnt of one function.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FnFacts {
    /// Unique key: `module::Owner::name`.
    pub key: String,
    /// As shown in messages: `Owner::name` or `name`.
    pub shown: String,
    /// The function's name.
    pub span: Span,
    /// Parameter names by position (`self` excluded; `""` for patterns that bind no one name).
    pub params: Vec<String>,
    /// Acquisitions, explicit and implicit.
    pub acquires: Vec<AcquireFact>,
    /// Calls to functions of the crate.
    pub calls: Vec<CallFact>,
    /// Pools built and raw connections opened.
    pub constructions: Vec<Construction>,
    /// Carries a framework's handler attribute (or takes a tonic `Request`).
    pub handler: bool,
    /// Where the guards it returns come from, with the returning expression.
    pub returns: Vec<(GuardSource, Span)>,
    /// Positions of the parameters it hands to a framework's registrar (`get(handler)`): it is
    /// a registration wrapper, and what its callers pass there is a handler.
    pub registrar_params: Vec<usize>,
    /// Its declared return type holds a pool (`PgPool`, `Result<Store>` where `Store` owns
    /// one): a pool it builds may be handed out to its caller.
    pub returns_pool: bool,
    /// For a method taking `&self` or `&mut self`: its type, as `crate::Name`. The guards that type
    /// keeps in its fields are held while the method runs.
    pub borrows_self: Option<String>,
    /// Guards this function stores in a struct's field, next to that struct's pool fields.
    pub stores: Vec<StoredGuard>,
    /// Its declared return type is a pool configuration of a catalogued crate (`PoolConfig`,
    /// `Timeouts`, a `Config`, a builder): what it returns configures its callers' pools.
    pub returns_config: bool,
    /// For such a function, each configuration it returns (`None` where poolcheck cannot read
    /// one: a deserialised value, a parameter).
    pub config_returns: Vec<Option<ReturnedConfig>>,
    /// Pools built here from a configuration that takes settings from workspace functions:
    /// complete or not once those functions' summaries are known.
    pub pending_builds: Vec<PendingBuild>,
}

/// A pool configuration a function returns, made in it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReturnedConfig {
    /// What it sets itself.
    pub roles: Vec<crate::catalog::SettingRole>,
    /// The workspace functions it takes parts from (`timeouts: pool_timeouts()`), whose
    /// returned settings are its too.
    pub helpers: Vec<CallFact>,
}

/// A pool built from a configuration made partly by workspace functions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PendingBuild {
    /// The build call.
    pub span: Span,
    /// The catalogued crate's name (`deadpool`).
    pub krate: String,
    /// Settings the policy requires that the configuration does not set where it is built.
    pub missing: Vec<MissingSetting>,
    /// The workspace functions the rest of it comes from.
    pub helpers: Vec<CallFact>,
}

/// A setting the policy requires, and how the crate sets it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MissingSetting {
    /// What it sets.
    pub role: crate::catalog::SettingRole,
    /// Its setters and fields as users write them (`.wait_timeout(..)`, `Timeouts.wait`).
    pub setters: Vec<String>,
}

/// A guard put into a field of a struct literal that also has pool fields
/// (`Self { conn, pool: pool.clone() }`): the struct holds the connection for its life.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredGuard {
    /// The struct, as `crate::Name` (`Self` resolved).
    pub owner: String,
    /// The field the guard goes to.
    pub field: String,
    /// The guard as written.
    pub guard: String,
    /// Where it comes from, in the storing function's terms.
    pub source: GuardSource,
    /// Where it was taken.
    pub acquired: Span,
    /// The literal's pool fields with the place each is given (in the storing function's terms).
    pub pool_fields: Vec<(String, String)>,
    /// The field's value in the literal.
    pub at: Span,
}

/// What the walker learnt of one file.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFnFacts {
    /// Every function and method.
    pub fns: Vec<FnFacts>,
    /// Keys of functions registered as handlers here (`get(list_users)`), with where.
    pub registered: Vec<(String, Span)>,
}

impl FileFnFacts {
    /// The same facts for the file with id `to` (facts read back from the cache were recorded
    /// under the id the file had in an earlier scan; every span in them is in that file).
    pub fn relocate(&mut self, to: crate::source::FileId) {
        let at = |span: &mut Span| span.file = to;
        for f in &mut self.fns {
            at(&mut f.span);
            for a in &mut f.acquires {
                at(&mut a.span);
                a.held.iter_mut().for_each(|h| h.relocate(to));
            }
            f.calls.iter_mut().for_each(|c| c.relocate(to));
            f.constructions.iter_mut().for_each(|c| at(&mut c.span));
            for (source, span) in &mut f.returns {
                source.relocate(to);
                at(span);
            }
            for s in &mut f.stores {
                s.source.relocate(to);
                at(&mut s.acquired);
                at(&mut s.at);
            }
            for r in f.config_returns.iter_mut().flatten() {
                r.helpers.iter_mut().for_each(|c| c.relocate(to));
            }
            for b in &mut f.pending_builds {
                at(&mut b.span);
                b.helpers.iter_mut().for_each(|c| c.relocate(to));
            }
        }
        self.registered.iter_mut().for_each(|(_, span)| at(span));
    }
}

impl CallFact {
    fn relocate(&mut self, to: crate::source::FileId) {
        self.span.file = to;
        self.held.iter_mut().for_each(|h| h.relocate(to));
        self.fn_args.iter_mut().for_each(|(_, _, span)| span.file = to);
    }
}

impl HeldGuard {
    fn relocate(&mut self, to: crate::source::FileId) {
        self.acquired.file = to;
        self.source.relocate(to);
    }
}

impl GuardSource {
    fn relocate(&mut self, to: crate::source::FileId) {
        if let GuardSource::Call(call) = self {
            call.relocate(to);
        }
    }
}
