//! The policy pool settings are checked against: bounds by role, required settings,
//! relations between settings, and what differs by database; with the quantities (counts and
//! durations) they are written in.

use super::{SettingRole, POLICY_FILE};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A count or a duration, as the catalogue and the policy write them (`10`, `"30s"`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Quantity {
    /// A number of connections.
    Count(i128),
    /// A length of time.
    Duration(std::time::Duration),
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantity::Count(n) => write!(f, "{n}"),
            Quantity::Duration(d) => write!(f, "{}", humantime::format_duration(*d)),
        }
    }
}

impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Quantity::Count(n) => s.serialize_i128(*n),
            Quantity::Duration(_) => s.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Count(n) => Ok(Quantity::Count(i128::from(n))),
            Raw::Text(t) => parse_duration(&t).map(Quantity::Duration).map_err(serde::de::Error::custom),
        }
    }
}

/// Parses a duration as humans write it: `250ms`, `30s`, `10m`, `1h 30m`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("malformed duration `{text}`: {e} (write e.g. \"250ms\", \"30s\", \"10m\")"))
}

/// What an explicit `None` means for a bounded setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoneRule {
    /// `None` (no limit) is outside the bounds.
    OutOfBounds,
    /// `None` is allowed.
    Allowed,
}

/// Bounds on one setting role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// Smallest allowed value.
    #[serde(default)]
    pub min: Option<Quantity>,
    /// Largest allowed value.
    #[serde(default)]
    pub max: Option<Quantity>,
    /// What an explicit `None` means.
    #[serde(default)]
    pub none: Option<NoneRule>,
    /// Why these bounds, for messages (when no reason is given for the direction).
    #[serde(default)]
    pub why: Option<String>,
    /// Why not less than `min`.
    #[serde(default)]
    pub why_below: Option<String>,
    /// Why not more than `max`.
    #[serde(default)]
    pub why_above: Option<String>,
    /// Why not an explicit `None` (no limit).
    #[serde(default)]
    pub why_none: Option<String>,
}

/// Where a value falls outside a bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Violation {
    /// Below the minimum.
    Below(Quantity),
    /// Above the maximum.
    Above(Quantity),
}

impl Bound {
    /// The bound a value breaks, if any. Values of another kind (a count against duration
    /// bounds) are not comparable and break nothing.
    pub fn violation(&self, value: Quantity) -> Option<Violation> {
        let comparable = |limit: &Quantity| std::mem::discriminant(limit) == std::mem::discriminant(&value);
        if let Some(min) = self.min.filter(comparable) {
            if value < min {
                return Some(Violation::Below(min));
            }
        }
        if let Some(max) = self.max.filter(comparable) {
            if value > max {
                return Some(Violation::Above(max));
            }
        }
        None
    }

    /// The reason for a value on this side of the bounds: below, above, or `None` (no
    /// violation given), falling back to the general reason.
    pub fn why_for(&self, violation: Option<Violation>) -> Option<&str> {
        let specific = match violation {
            Some(Violation::Below(_)) => &self.why_below,
            Some(Violation::Above(_)) => &self.why_above,
            None => &self.why_none,
        };
        specific.as_deref().or(self.why.as_deref())
    }

    /// These bounds with `over`'s parts laid on top (a backend's bounds over the default).
    fn overlaid(&self, over: &Bound) -> Bound {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        Bound {
            min: over.min.or(self.min),
            max: over.max.or(self.max),
            none: over.none.or(self.none),
            why: pick(&over.why, &self.why),
            why_below: if over.min.is_some() {
                pick(&over.why_below, &over.why)
            } else {
                pick(&over.why_below, &self.why_below)
            },
            why_above: if over.max.is_some() {
                pick(&over.why_above, &over.why)
            } else {
                pick(&over.why_above, &self.why_above)
            },
            why_none: pick(&over.why_none, &self.why_none),
        }
    }

    /// The bounds as a range for messages: `250ms..=30s`.
    pub fn range(&self) -> String {
        let show = |q: Option<Quantity>| q.map_or(String::new(), |q| q.to_string());
        format!("{}..={}", show(self.min), show(self.max))
    }
}

/// Relations settings must keep.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relations {
    /// Min idle / min connections at most the pool's maximum.
    #[serde(default = "yes")]
    pub min_idle_at_most_max_size: bool,
    /// Idle timeout below max lifetime.
    #[serde(default = "yes")]
    pub idle_timeout_below_max_lifetime: bool,
}

fn yes() -> bool {
    true
}

impl Default for Relations {
    fn default() -> Self {
        Relations { min_idle_at_most_max_size: true, idle_timeout_below_max_lifetime: true }
    }
}

/// The policy pool settings are checked against.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Bounds by role.
    #[serde(default)]
    pub bounds: BTreeMap<SettingRole, Bound>,
    /// Roles that must be set, by catalogue crate name.
    #[serde(default)]
    pub required: BTreeMap<String, Vec<SettingRole>>,
    /// Relations between settings.
    #[serde(default)]
    pub relations: Relations,
    /// What differs by database, keyed by backend (`sqlite`).
    #[serde(default)]
    pub backend: BTreeMap<Backend, BackendPolicy>,
}

/// The database behind a pool, as far as the code shows (the options or pool type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    /// SQLite, on a local file or in memory.
    Sqlite,
    /// Redis (or a server speaking its protocol).
    Redis,
}

impl Backend {
    /// Every backend, in the order the documentation lists them.
    pub const ALL: [Backend; 4] = [Backend::Postgres, Backend::Mysql, Backend::Sqlite, Backend::Redis];

    /// How messages and documentation name it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL",
            Backend::Sqlite => "SQLite",
            Backend::Redis => "Redis",
        }
    }

    /// The backend a pool, options or connection type names (`SqlitePoolOptions`,
    /// `PoolOptions<Sqlite>`, `deadpool_sqlite::Pool`, `MySqlPool`, `deadpool_redis::Config`),
    /// if it names one.
    pub fn of_type_text(text: &str) -> Option<Backend> {
        let lower = text.to_ascii_lowercase();
        if lower.contains("sqlite") {
            Some(Backend::Sqlite)
        } else if lower.contains("redis") {
            Some(Backend::Redis)
        } else if lower.contains("mysql") {
            Some(Backend::Mysql)
        } else if lower.contains("postgres") || text.contains("Pg") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// How the policy differs for one backend.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendPolicy {
    /// Settings whose bounds do not apply there.
    #[serde(default)]
    pub exempt: Vec<SettingRole>,
    /// Why, for the documentation.
    #[serde(default)]
    pub why: Option<String>,
    /// Bounds that differ there, laid over the default ones part by part.
    #[serde(default)]
    pub bounds: BTreeMap<SettingRole, Bound>,
    /// Opening a connection per request or per item is cheap there (no server, no network):
    /// a design, not `pool-per-call`. Pools built per call are still reported.
    #[serde(default)]
    pub connection_per_call: bool,
}

impl Policy {
    /// Whether the bounds of `role` apply to a pool of `backend`.
    pub fn bounds_apply(&self, role: SettingRole, backend: Option<Backend>) -> bool {
        backend.and_then(|b| self.backend.get(&b)).is_none_or(|b| !b.exempt.contains(&role))
    }

    /// The bounds of `role` for a pool of `backend` (the default ones where the backend is
    /// unknown or has none of its own), and whether the backend's own bounds shaped them.
    pub fn bound(&self, role: SettingRole, backend: Option<Backend>) -> Option<(Cow<'_, Bound>, bool)> {
        let over = backend.and_then(|b| self.backend.get(&b)).and_then(|p| p.bounds.get(&role));
        match (self.bounds.get(&role), over) {
            (Some(base), Some(over)) => Some((Cow::Owned(base.overlaid(over)), true)),
            (None, Some(over)) => Some((Cow::Borrowed(over), true)),
            (base, None) => base.map(|b| (Cow::Borrowed(b), false)),
        }
    }

    /// Whether a raw connection to `backend` may be opened per request or per item.
    pub fn allows_connection_per_call(&self, backend: Option<Backend>) -> bool {
        backend.and_then(|b| self.backend.get(&b)).is_some_and(|p| p.connection_per_call)
    }

    /// Forgets the backends' own bounds of `role`: the project set the role's bounds itself,
    /// and its word holds for every database.
    pub fn drop_backend_bounds(&mut self, role: SettingRole) {
        for p in self.backend.values_mut() {
            p.bounds.remove(&role);
        }
    }
    /// The policy as Markdown, for `poolcheck explain` and the README: each setting's bounds by
    /// database, the settings that must be set, and why the databases differ.
    pub fn to_markdown(&self) -> String {
        let backends: Vec<Backend> = Backend::ALL.into_iter().filter(|b| self.backend.contains_key(b)).collect();
        let mut t = String::from("| setting | PostgreSQL and unknown databases |");
        for b in &backends {
            t.push_str(&format!(" {} |", b.name()));
        }
        t.push_str("\n| --- | --- |");
        t.push_str(&" --- |".repeat(backends.len()));
        t.push('\n');
        for (role, bound) in &self.bounds {
            let shown = |b: &Bound| match b.none {
                Some(NoneRule::OutOfBounds) => format!("{}; `None` is out of bounds", b.range()),
                _ => b.range(),
            };
            let default = shown(bound);
            t.push_str(&format!("| {} | {default} |", role.noun()));
            for b in &backends {
                let cell = if !self.bounds_apply(*role, Some(*b)) {
                    "not bounded".to_owned()
                } else {
                    match self.bound(*role, Some(*b)) {
                        Some((bound, true)) => shown(&bound),
                        _ => "same".to_owned(),
                    }
                };
                t.push_str(&format!(" {cell} |"));
            }
            t.push('\n');
        }
        let mut relations = Vec::new();
        if self.relations.min_idle_at_most_max_size {
            relations.push("the minimum of idle connections at most the pool size");
        }
        if self.relations.idle_timeout_below_max_lifetime {
            relations.push("the idle timeout below the max lifetime");
        }
        if !relations.is_empty() {
            t.push_str(&format!("\nEvery pool keeps {}.\n", relations.join(", and ")));
        }
        for (krate, roles) in &self.required {
            let roles: Vec<&str> = roles.iter().map(|r| r.noun()).collect();
            t.push_str(&format!("\n{krate} pools must set: {}.\n", roles.join(", ")));
        }
        for b in &backends {
            if let Some(why) = self.backend.get(b).and_then(|p| p.why.as_deref()) {
                t.push_str(&format!("\n- {}: {why}.", b.name()));
            }
            if self.allows_connection_per_call(Some(*b)) {
                t.push_str(
                    " A connection opened per request or per item is not `pool-per-call` there (a pool built per call still is).",
                );
            }
        }
        t.push('\n');
        t
    }

    /// The default policy shipped in `rules/policy.toml`.
    pub fn embedded() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(|| toml::from_str(POLICY_FILE).expect("embedded policy is valid"))
    }
}
