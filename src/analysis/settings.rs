//! Pool settings found in code: setter calls of builder chains (`.max_connections(500)`),
//! fields of config struct literals (`Timeouts { wait: None, .. }`), positional constructors
//! (`PoolConfig::new(32)`) and field assignments (`opts.max_pool_size = Some(20)`), each with
//! its evaluated value and the pool configuration it belongs to.

use crate::catalog::SettingRole;
use crate::index::consts::Evaluated;
use crate::source::Span;

/// Which pool configuration a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// A builder chain rooted at this call, or a literal at this span.
    At(Span),
    /// A local binding, by its place in the scopes (scope, index).
    Binding(usize, usize),
}

/// One setting.
#[derive(Debug, Clone)]
pub struct SettingSite {
    /// Catalogue crate.
    pub krate: usize,
    /// What it sets.
    pub role: SettingRole,
    /// The setter or field as written (`max_connections`, `wait`).
    pub name: String,
    /// Its value.
    pub value: Evaluated,
    /// Where the value is.
    pub value_span: Span,
    /// The value as written, when it is a constant's name (`EXPORT_POOL_MAX`).
    pub via_const: Option<String>,
    /// The configuration it belongs to.
    pub group: GroupKey,
    /// The database behind it, where the configuration's type shows it.
    pub backend: Option<crate::catalog::Backend>,
}

/// A pool built from a configuration.
#[derive(Debug, Clone)]
pub struct PoolBuild {
    /// The build call (the chain's terminal call).
    pub span: Span,
    /// Catalogue crate.
    pub krate: usize,
    /// Its configuration.
    pub group: GroupKey,
    /// True when the configuration was made here from scratch, or by workspace functions
    /// (so settings left out are really left out, not read from a file or the environment).
    pub local: bool,
    /// The workspace functions that made part of it (`cfg.pool = Some(pool_config(n))`): what
    /// it leaves out is known only with their summaries, at the crate stage.
    pub helpers: Vec<super::facts::CallFact>,
}
