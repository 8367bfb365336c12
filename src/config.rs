//! Project configuration: `poolcheck.toml` (or `.poolcheck.toml`), or
//! `[workspace.metadata.poolcheck]` / `[package.metadata.poolcheck]` in a `Cargo.toml`,
//! discovered upward from the scanned path; the first found wins. Unknown keys and bad values
//! are errors naming the file, line and key.

use crate::catalog::{Bound, Catalog, CrateApi, NoneRule, Policy, Quantity, SettingRole};
use crate::report::Severity;
use crate::rules;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails the run.
    Error,
    /// Reported.
    Warning,
    /// Not run.
    Off,
}

/// The configuration file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    /// Rule id → level.
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Level>,
    /// Run only these rules.
    #[serde(default)]
    select: Option<Vec<Spanned<String>>>,
    /// Do not run these rules.
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    /// Globs of paths not to scan, relative to the configuration's folder.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    /// Analyse integration tests and benchmarks too.
    #[serde(default)]
    include_tests: Option<bool>,
    /// Files larger than this are skipped.
    #[serde(default)]
    max_file_size: Option<u64>,
    /// Attributes that mark the project's own request handlers (`#[endpoint]`).
    #[serde(default)]
    handler_attributes: Vec<String>,
    /// Policy overrides.
    #[serde(default)]
    policy: Option<RawPolicy>,
    /// The project's own pool crates and wrappers, in the shape of `rules/crates/*.toml`.
    #[serde(default)]
    crates: Vec<CrateApi>,
}

/// Policy overrides: any bound, required settings, relations, a fleet budget, and per-path
/// policies.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    #[serde(default)]
    bounds: BTreeMap<SettingRole, Spanned<RawBound>>,
    #[serde(default)]
    required: BTreeMap<String, Vec<SettingRole>>,
    #[serde(default)]
    relations: Option<RawRelations>,
    #[serde(default)]
    fleet: Option<Spanned<Fleet>>,
    #[serde(default)]
    paths: Vec<RawPathPolicy>,
    /// What differs by database (`[policy.backend.sqlite] exempt = ["max_lifetime"]`).
    #[serde(default)]
    backend: BTreeMap<crate::catalog::Backend, crate::catalog::BackendPolicy>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBound {
    min: Option<Quantity>,
    max: Option<Quantity>,
    none: Option<NoneRule>,
    why: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRelations {
    min_idle_at_most_max_size: Option<bool>,
    idle_timeout_below_max_lifetime: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPathPolicy {
    /// Globs, relative to the configuration's folder.
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    bounds: BTreeMap<SettingRole, Spanned<RawBound>>,
    #[serde(default)]
    required: BTreeMap<String, Vec<SettingRole>>,
}

/// How many connections a fleet of replicas may take from one database.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Fleet {
    /// Replicas (pods, processes) each running one pool.
    pub replicas: u32,
    /// The database's `max_connections`.
    pub database_max_connections: u32,
    /// Connections kept free for admins, migrations and other services.
    #[serde(default)]
    pub reserve: u32,
}

/// Paths excluded by the configuration, matched relative to its folder.
#[derive(Debug, Clone)]
pub struct Exclusion {
    root: PathBuf,
    set: GlobSet,
}

impl Exclusion {
    /// Whether a path is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        std::fs::canonicalize(path)
            .ok()
            .is_some_and(|abs| abs.strip_prefix(&self.root).is_ok_and(|rel| self.set.is_match(rel)))
    }
}

/// A configuration error: where and what.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The resolved configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
    /// The folder relative globs start from.
    pub root: PathBuf,
    /// Levels set per rule.
    pub levels: BTreeMap<String, Level>,
    /// Rules selected (`None`: all).
    pub select: Option<Vec<String>>,
    /// Rules ignored.
    pub ignore: Vec<String>,
    /// Exclude globs as written.
    pub exclude: Vec<String>,
    exclude_set: GlobSet,
    /// Analyse integration tests and benchmarks.
    pub include_tests: bool,
    /// Size limit for files.
    pub max_file_size: Option<u64>,
    /// The policy for files no path policy matches.
    pub policy: Policy,
    /// Per-path policies: globs as written, the set, the policy.
    pub path_policies: Vec<(Vec<String>, GlobSet, Policy)>,
    /// The fleet budget, if declared.
    pub fleet: Option<Fleet>,
    /// The catalogue with the project's own knowledge.
    pub catalog: Catalog,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            root: PathBuf::from("."),
            levels: BTreeMap::new(),
            select: None,
            ignore: Vec::new(),
            exclude: Vec::new(),
            exclude_set: GlobSet::empty(),
            include_tests: false,
            max_file_size: None,
            policy: Policy::embedded().clone(),
            path_policies: Vec::new(),
            fleet: None,
            catalog: Catalog::embedded().clone(),
        }
    }
}

impl Config {
    /// Finds the configuration for `start` (a file or folder), walking up its ancestors.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = if start.is_file() { start.parent().map(Path::to_path_buf) } else { Some(start) };
        while let Some(d) = dir {
            for name in ["poolcheck.toml", ".poolcheck.toml"] {
                let candidate = d.join(name);
                if candidate.is_file() {
                    return Config::load(&candidate);
                }
            }
            let manifest = d.join("Cargo.toml");
            if let Ok(text) = std::fs::read_to_string(&manifest) {
                if let Some(config) = Config::from_manifest(&manifest, &text)? {
                    return Ok(config);
                }
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(Config::default())
    }

    /// Loads a `poolcheck.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 1,
            column: 1,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text)
    }

    /// Parses the text of a `poolcheck.toml` (for fuzzing and tools; errors name `poolcheck.toml`).
    pub fn parse_str(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("poolcheck.toml"), text)
    }

    fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        Config::resolve(raw, path, text)
    }

    /// The `[workspace.metadata.poolcheck]` or `[package.metadata.poolcheck]` of a manifest.
    fn from_manifest(path: &Path, text: &str) -> Result<Option<Config>, ConfigError> {
        #[derive(Deserialize)]
        struct Manifest {
            workspace: Option<Section>,
            package: Option<Section>,
        }
        #[derive(Deserialize)]
        struct Section {
            metadata: Option<Metadata>,
        }
        #[derive(Deserialize)]
        struct Metadata {
            poolcheck: Option<RawConfig>,
        }
        // a manifest that does not parse is cargo's business, not ours
        let Ok(probe) = toml::from_str::<toml::Table>(text) else { return Ok(None) };
        let has = |section: &str| {
            probe.get(section).and_then(|s| s.get("metadata")).and_then(|m| m.get("poolcheck")).is_some()
        };
        if !has("workspace") && !has("package") {
            return Ok(None);
        }
        let manifest: Manifest = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        let raw = [manifest.workspace, manifest.package]
            .into_iter()
            .flatten()
            .find_map(|s| s.metadata.and_then(|m| m.poolcheck))
            .unwrap_or_default();
        Config::resolve(raw, path, text).map(Some)
    }

    fn resolve(raw: RawConfig, path: &Path, text: &str) -> Result<Config, ConfigError> {
        let err = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            ConfigError { file: path.display().to_string(), line, column, message }
        };
        let known = |id: &Spanned<String>| -> Result<String, ConfigError> {
            if rules::by_id(id.get_ref()).is_some() {
                Ok(id.get_ref().clone())
            } else {
                Err(err(id.span(), format!("unknown rule `{}`; `poolcheck rules` lists them", id.get_ref())))
            }
        };
        let mut levels = BTreeMap::new();
        for (id, level) in &raw.rules {
            levels.insert(known(id)?, *level);
        }
        let select = raw.select.as_ref().map(|s| s.iter().map(known).collect::<Result<Vec<_>, _>>()).transpose()?;
        let ignore = raw.ignore.iter().map(known).collect::<Result<Vec<_>, _>>()?;
        let exclude_set = glob_set(&raw.exclude).map_err(|(span, m)| err(span, m))?;
        let raw_policy = raw.policy.unwrap_or_default();
        let mut policy = Policy::embedded().clone();
        apply(&mut policy, &raw_policy.bounds, &raw_policy.required).map_err(|(span, m)| err(span, m))?;
        for (backend, overrides) in &raw_policy.backend {
            policy.backend.insert(*backend, overrides.clone());
        }
        if let Some(r) = &raw_policy.relations {
            if let Some(v) = r.min_idle_at_most_max_size {
                policy.relations.min_idle_at_most_max_size = v;
            }
            if let Some(v) = r.idle_timeout_below_max_lifetime {
                policy.relations.idle_timeout_below_max_lifetime = v;
            }
        }
        let fleet = match &raw_policy.fleet {
            Some(f) => {
                let fleet = *f.get_ref();
                if fleet.replicas == 0 || fleet.reserve >= fleet.database_max_connections {
                    return Err(err(
                        f.span(),
                        "fleet: `replicas` must be at least 1 and `reserve` below `database-max-connections`".into(),
                    ));
                }
                apply_fleet(&mut policy, fleet);
                Some(fleet)
            }
            None => None,
        };
        let mut path_policies = Vec::new();
        for p in &raw_policy.paths {
            let set = glob_set(&p.paths).map_err(|(span, m)| err(span, m))?;
            let mut scoped = policy.clone();
            apply(&mut scoped, &p.bounds, &p.required).map_err(|(span, m)| err(span, m))?;
            if let Some(fleet) = fleet {
                apply_fleet(&mut scoped, fleet);
            }
            path_policies.push((p.paths.iter().map(|g| g.get_ref().clone()).collect(), set, scoped));
        }
        let root = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        Ok(Config {
            source: Some(path.to_path_buf()),
            root: std::fs::canonicalize(&root).unwrap_or(root),
            levels,
            select,
            ignore,
            exclude: raw.exclude.iter().map(|g| g.get_ref().clone()).collect(),
            exclude_set,
            include_tests: raw.include_tests.unwrap_or(false),
            max_file_size: raw.max_file_size,
            policy,
            path_policies,
            fleet,
            catalog: Catalog::extended(raw.crates, raw.handler_attributes),
        })
    }

    /// The exclude globs, ready for a file walk; `None` when nothing is excluded.
    pub fn exclusion(&self) -> Option<Exclusion> {
        (!self.exclude.is_empty()).then(|| Exclusion { root: self.root.clone(), set: self.exclude_set.clone() })
    }

    /// The policy that applies to a file.
    pub fn policy_for(&self, path: &Path) -> &Policy {
        if self.path_policies.is_empty() {
            return &self.policy;
        }
        if let Some(rel) = self.relative(path) {
            if let Some((_, _, policy)) = self.path_policies.iter().rev().find(|(_, set, _)| set.is_match(&rel)) {
                return policy;
            }
        }
        &self.policy
    }

    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let abs = std::fs::canonicalize(path).ok()?;
        abs.strip_prefix(&self.root).ok().map(Path::to_path_buf)
    }

    /// The level a rule runs at: configured, or its default severity; `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        let default = rules::by_id(rule).map(|r| r.info().default_severity)?;
        match self.levels.get(rule) {
            Some(Level::Off) => None,
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            None => Some(default),
        }
    }

    /// The effective configuration as TOML, for `poolcheck config`.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Shown<'a> {
            source: String,
            include_tests: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            max_file_size: Option<u64>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            exclude: &'a [String],
            rules: BTreeMap<&'static str, String>,
            policy: ShownPolicy<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct ShownPolicy<'a> {
            bounds: BTreeMap<SettingRole, ShownBound>,
            required: &'a BTreeMap<String, Vec<SettingRole>>,
            min_idle_at_most_max_size: bool,
            idle_timeout_below_max_lifetime: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            fleet: Option<Fleet>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            paths: Vec<ShownPath>,
        }
        #[derive(Serialize)]
        struct ShownBound {
            #[serde(skip_serializing_if = "Option::is_none")]
            min: Option<Quantity>,
            #[serde(skip_serializing_if = "Option::is_none")]
            max: Option<Quantity>,
            #[serde(skip_serializing_if = "Option::is_none")]
            none: Option<NoneRule>,
        }
        #[derive(Serialize)]
        struct ShownPath {
            paths: Vec<String>,
            bounds: BTreeMap<SettingRole, ShownBound>,
        }
        let bounds = |p: &Policy| {
            p.bounds
                .iter()
                .map(|(r, b)| (*r, ShownBound { min: b.min, max: b.max, none: b.none }))
                .collect::<BTreeMap<_, _>>()
        };
        let shown = Shown {
            source: self
                .source
                .as_ref()
                .map_or_else(|| "(defaults: no configuration file found)".into(), |p| p.display().to_string()),
            include_tests: self.include_tests,
            max_file_size: self.max_file_size,
            exclude: &self.exclude,
            rules: rules::ALL
                .iter()
                .map(|r| {
                    let id = r.info().id;
                    let selected = self.select.as_ref().is_none_or(|s| s.iter().any(|x| x == id))
                        && !self.ignore.iter().any(|x| x == id);
                    let level = match (selected, self.severity(id)) {
                        (true, Some(s)) => s.to_string(),
                        _ => "off".into(),
                    };
                    (id, level)
                })
                .collect(),
            policy: ShownPolicy {
                bounds: bounds(&self.policy),
                required: &self.policy.required,
                min_idle_at_most_max_size: self.policy.relations.min_idle_at_most_max_size,
                idle_timeout_below_max_lifetime: self.policy.relations.idle_timeout_below_max_lifetime,
                fleet: self.fleet,
                paths: self
                    .path_policies
                    .iter()
                    .map(|(g, _, p)| ShownPath { paths: g.clone(), bounds: bounds(p) })
                    .collect(),
            },
        };
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// Merges bound overrides and required settings into a policy; min above max is an error.
fn apply(
    policy: &mut Policy,
    bounds: &BTreeMap<SettingRole, Spanned<RawBound>>,
    required: &BTreeMap<String, Vec<SettingRole>>,
) -> Result<(), (std::ops::Range<usize>, String)> {
    for (role, raw) in bounds {
        let b = raw.get_ref();
        let entry = policy.bounds.entry(*role).or_insert(Bound { min: None, max: None, none: None, why: None });
        if b.min.is_some() {
            entry.min = b.min;
        }
        if b.max.is_some() {
            entry.max = b.max;
        }
        if b.none.is_some() {
            entry.none = b.none;
        }
        if b.why.is_some() {
            entry.why = b.why.clone();
        } else if b.min.is_some() || b.max.is_some() {
            entry.why = Some("the project's policy".into());
        }
        if let (Some(min), Some(max)) = (entry.min, entry.max) {
            if std::mem::discriminant(&min) != std::mem::discriminant(&max) || min > max {
                return Err((
                    raw.span(),
                    format!(
                        "policy.bounds.{}: `min` ({min}) is above `max` ({max}) or of another kind",
                        role_key(*role)
                    ),
                ));
            }
        }
    }
    for (krate, roles) in required {
        policy.required.insert(krate.clone(), roles.clone());
    }
    Ok(())
}

/// The fleet budget caps the pool size: replicas × size must fit the database minus a reserve.
fn apply_fleet(policy: &mut Policy, fleet: Fleet) {
    let per_replica = i128::from((fleet.database_max_connections - fleet.reserve) / fleet.replicas);
    let entry =
        policy.bounds.entry(SettingRole::MaxSize).or_insert(Bound { min: None, max: None, none: None, why: None });
    if entry.max.is_none_or(|m| m > Quantity::Count(per_replica)) {
        entry.max = Some(Quantity::Count(per_replica));
        entry.why = Some(format!(
            "{} replicas × this pool must fit the database's {} connections minus a reserve of {} (at most {per_replica} each)",
            fleet.replicas, fleet.database_max_connections, fleet.reserve
        ));
    }
}

fn role_key(role: SettingRole) -> String {
    serde_json::to_value(role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn glob_set(globs: &[Spanned<String>]) -> Result<GlobSet, (std::ops::Range<usize>, String)> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g.get_ref()).map_err(|e| (g.span(), format!("invalid glob `{}`: {e}", g.get_ref())))?;
        b.add(glob);
    }
    b.build().map_err(|e| (0..0, e.to_string()))
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    ConfigError { file: path.display().to_string(), line, column, message: e.message().trim().to_string() }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poolcheck.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    #[test]
    fn overrides_merge_into_the_default_policy() {
        let c = load("[rules]\npool-per-call = \"off\"\nconn-held-while-waiting = \"error\"\n\n[policy.bounds.max_size]\nmax = 40\n").unwrap();
        assert_eq!(c.severity("pool-per-call"), None);
        assert_eq!(c.severity("conn-held-while-waiting"), Some(Severity::Error));
        assert_eq!(c.policy.bounds[&SettingRole::MaxSize].max, Some(Quantity::Count(40)));
        assert_eq!(c.policy.bounds[&SettingRole::MaxSize].min, Some(Quantity::Count(1)));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = load("[rules]\nconn-forgoten = \"error\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("unknown rule `conn-forgoten`"), "{e}");
        let e = load("exclude = []\nmaxx-file-size = 3\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = load("[policy.bounds.acquire_timeout]\nmin = \"ten seconds\"\n").unwrap_err();
        assert!(e.message.contains("malformed duration"), "{e}");
        let e = load("[policy.bounds.max_size]\nmin = 50\nmax = 10\n").unwrap_err();
        assert!(e.message.contains("above `max`"), "{e}");
    }

    #[test]
    fn fleet_budget_caps_the_pool_size() {
        let c = load("[policy.fleet]\nreplicas = 8\ndatabase-max-connections = 500\nreserve = 20\n").unwrap();
        assert_eq!(c.policy.bounds[&SettingRole::MaxSize].max, Some(Quantity::Count(60)));
    }
}
