//! The policy pool settings are checked against: bounds by role, required settings,
//! relations between settings, and what differs by database; with the quantities (counts and
//! durations) they are written in.

use super::{SettingRole, POLICY_FILE};
use serde::Deserialize;
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
#[derive(Debug, Clone, Deserialize)]
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
    /// Why these bounds, for messages.
    #[serde(default)]
    pub why: Option<String>,
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
}

impl Backend {
    /// The backend a pool, options or connection type names (`SqlitePoolOptions`,
    /// `PoolOptions<Sqlite>`, `deadpool_sqlite::Pool`, `MySqlPool`), if it names one.
    pub fn of_type_text(text: &str) -> Option<Backend> {
        let lower = text.to_ascii_lowercase();
        if lower.contains("sqlite") {
            Some(Backend::Sqlite)
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
}

impl Policy {
    /// Whether the bounds of `role` apply to a pool of `backend`.
    pub fn bounds_apply(&self, role: SettingRole, backend: Option<Backend>) -> bool {
        backend.and_then(|b| self.backend.get(&b)).is_none_or(|b| !b.exempt.contains(&role))
    }
    /// The default policy shipped in `rules/policy.toml`.
    pub fn embedded() -> &'static Policy {
        static POLICY: OnceLock<Policy> = OnceLock::new();
        POLICY.get_or_init(|| toml::from_str(POLICY_FILE).expect("embedded policy is valid"))
    }
}
