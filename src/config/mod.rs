//! Project configuration: `poolcheck.toml` (or `.poolcheck.toml`), or
//! `[workspace.metadata.poolcheck]` / `[package.metadata.poolcheck]` in a `Cargo.toml`,
//! discovered upward from the scanned path; the first found wins. Unknown keys and bad values
//! are errors naming the file, line and key, all of a file's mistakes at once (`raw` reads the
//! file; this module resolves it into the policy and rule levels of a run).

mod raw;

use crate::catalog::{Catalog, NoneRule, Policy, Quantity, SettingRole};
use crate::report::Severity;
use crate::rules;
use globset::{Glob, GlobSet, GlobSetBuilder};
use raw::{line_col, parse_document, raw_config, table_entry, RawBound, RawConfig, RawQuantity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
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

/// One thing wrong with a configuration file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Everything wrong with a configuration file, in the order written (never empty): a user
/// fixes them in one go, not one run per mistake.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    /// The problems, at least one.
    pub problems: Vec<ConfigProblem>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.problems.len();
        if n > 1 {
            writeln!(f, "{n} problems")?;
        }
        for (i, p) in self.problems.iter().enumerate() {
            let sep = if i + 1 < n { "\n" } else { "" };
            write!(f, "{}{p}{sep}", if n > 1 { "  " } else { "" })?;
        }
        Ok(())
    }
}

impl ConfigError {
    fn one(file: &Path, line: usize, column: usize, message: String) -> ConfigError {
        ConfigError { problems: vec![ConfigProblem { file: file.display().to_string(), line, column, message }] }
    }
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
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::one(path, 1, 1, format!("cannot read: {e}")))?;
        Config::parse(path, &text)
    }

    /// Parses the text of a `poolcheck.toml` (for fuzzing and tools; errors name `poolcheck.toml`).
    pub fn parse_str(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("poolcheck.toml"), text)
    }

    fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let root = parse_document(path, text)?;
        let (raw, problems) = raw_config(path, text, root);
        Config::resolve(raw, problems, path, text)
    }

    /// The `[workspace.metadata.poolcheck]` or `[package.metadata.poolcheck]` of a manifest.
    fn from_manifest(path: &Path, text: &str) -> Result<Option<Config>, ConfigError> {
        // a manifest that does not parse is cargo's business, not ours
        let Ok(root) = DeTable::parse(text) else { return Ok(None) };
        let root = DeValue::Table(root.into_inner());
        let section = ["workspace", "package"].into_iter().find_map(|section| {
            let metadata = table_entry(&root, section).and_then(|s| table_entry(s.get_ref(), "metadata"))?;
            table_entry(metadata.get_ref(), "poolcheck").cloned()
        });
        let Some(section) = section else { return Ok(None) };
        let (raw, problems) = raw_config(path, text, section);
        Config::resolve(raw, problems, path, text).map(Some)
    }

    /// Turns the file's values into a configuration, reporting every value that is wrong
    /// (with `problems`, those found reading the file).
    fn resolve(
        raw: RawConfig,
        mut problems: Vec<ConfigProblem>,
        path: &Path,
        text: &str,
    ) -> Result<Config, ConfigError> {
        let mut err = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            problems.push(ConfigProblem { file: path.display().to_string(), line, column, message });
        };
        let mut known = |id: &Spanned<String>| -> Option<String> {
            if rules::by_id(id.get_ref()).is_some() {
                Some(id.get_ref().clone())
            } else {
                err(id.span(), format!("unknown rule `{}`; `poolcheck rules` lists them", id.get_ref()));
                None
            }
        };
        let mut levels = BTreeMap::new();
        for (id, level) in &raw.rules {
            if let Some(id) = known(id) {
                levels.insert(id, *level);
            }
        }
        let select = raw.select.as_ref().map(|s| s.iter().filter_map(&mut known).collect::<Vec<_>>());
        let ignore = raw.ignore.iter().filter_map(&mut known).collect::<Vec<_>>();
        let exclude_set = glob_set(&raw.exclude).unwrap_or_else(|(span, m)| {
            err(span, m);
            GlobSet::empty()
        });
        let raw_policy = raw.policy.unwrap_or_default();
        let mut policy = Policy::embedded().clone();
        for (span, m) in apply(&mut policy, &raw_policy.bounds, &raw_policy.required) {
            err(span, m);
        }
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
                    err(
                        f.span(),
                        "fleet: `replicas` must be at least 1 and `reserve` below `database-max-connections`".into(),
                    );
                    None
                } else {
                    apply_fleet(&mut policy, fleet);
                    Some(fleet)
                }
            }
            None => None,
        };
        let mut path_policies = Vec::new();
        for p in &raw_policy.paths {
            let set = glob_set(&p.paths).unwrap_or_else(|(span, m)| {
                err(span, m);
                GlobSet::empty()
            });
            let mut scoped = policy.clone();
            for (span, m) in apply(&mut scoped, &p.bounds, &p.required) {
                err(span, m);
            }
            if let Some(fleet) = fleet {
                apply_fleet(&mut scoped, fleet);
            }
            path_policies.push((p.paths.iter().map(|g| g.get_ref().clone()).collect(), set, scoped));
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(ConfigError { problems });
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

/// Merges bound overrides and required settings into a policy; returns what is wrong (a value
/// of the wrong kind, min above max), each with its place.
fn apply(
    policy: &mut Policy,
    bounds: &BTreeMap<SettingRole, Spanned<RawBound>>,
    required: &BTreeMap<String, Vec<SettingRole>>,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut problems = Vec::new();
    for (role, raw) in bounds {
        let b = raw.get_ref();
        let mut read = |q: &Option<Spanned<RawQuantity>>, key: &str| {
            let q = q.as_ref()?;
            q.get_ref().of(*role, key).map_err(|m| problems.push((q.span(), m))).ok()
        };
        let (min, max) = (read(&b.min, "min"), read(&b.max, "max"));
        let entry = policy.bounds.entry(*role).or_default();
        if min.is_some() {
            entry.min = min;
        }
        if max.is_some() {
            entry.max = max;
        }
        if b.none.is_some() {
            entry.none = b.none;
        }
        // the project's bounds come with the project's reasons, not the defaults'
        if min.is_some() {
            entry.why_below = None;
        }
        if max.is_some() {
            entry.why_above = None;
        }
        if b.why.is_some() {
            entry.why = b.why.clone();
            (entry.why_below, entry.why_above, entry.why_none) = (None, None, None);
        } else if min.is_some() || max.is_some() {
            entry.why = Some("the project's policy".into());
        }
        let (lo, hi) = (entry.min, entry.max);
        policy.drop_backend_bounds(*role);
        if let (Some(min), Some(max)) = (lo, hi) {
            if min > max {
                problems.push((
                    raw.span(),
                    format!("policy.bounds.{}: `min` ({min}) is above `max` ({max})", role_key(*role)),
                ));
            }
        }
    }
    for (krate, roles) in required {
        policy.required.insert(krate.clone(), roles.clone());
    }
    problems
}

/// The fleet budget caps the pool size: replicas × size must fit the database minus a reserve.
fn apply_fleet(policy: &mut Policy, fleet: Fleet) {
    let per_replica = i128::from((fleet.database_max_connections - fleet.reserve) / fleet.replicas);
    let entry = policy.bounds.entry(SettingRole::MaxSize).or_default();
    if entry.max.is_none_or(|m| m > Quantity::Count(per_replica)) {
        entry.max = Some(Quantity::Count(per_replica));
        entry.why_above = None;
        entry.why = Some(format!(
            "{} replicas × this pool must fit the database's {} connections minus a reserve of {} (at most {per_replica} each)",
            fleet.replicas, fleet.database_max_connections, fleet.reserve
        ));
        policy.drop_backend_bounds(SettingRole::MaxSize);
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
    fn a_databases_own_bounds_hold_until_the_project_sets_the_role() {
        use crate::catalog::Backend;
        let max = |p: &Policy, b| p.bound(SettingRole::MaxSize, b).map(|(bound, own)| (bound.max, own));
        let default = Policy::embedded();
        assert_eq!(max(default, Some(Backend::Mysql)), Some((Some(Quantity::Count(151)), true)));
        assert_eq!(max(default, Some(Backend::Postgres)), Some((Some(Quantity::Count(100)), false)));
        assert_eq!(max(default, None), Some((Some(Quantity::Count(100)), false)));
        // the project's 40 is its word for every database, with its own reason
        let c = load("[policy.bounds.max_size]\nmax = 40\n").unwrap();
        assert_eq!(max(&c.policy, Some(Backend::Mysql)), Some((Some(Quantity::Count(40)), false)));
        let (bound, _) = c.policy.bound(SettingRole::MaxSize, Some(Backend::Redis)).unwrap();
        let above = crate::catalog::Violation::Above(Quantity::Count(40));
        assert_eq!(bound.why_for(Some(above)), Some("the project's policy"));
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
        let one = |text: &str| {
            let mut e = load(text).unwrap_err();
            assert_eq!(e.problems.len(), 1, "{e}");
            e.problems.remove(0)
        };
        let e = one("[rules]\nconn-forgoten = \"error\"\n");
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("unknown rule `conn-forgoten`"), "{e}");
        let e = one("exclude = []\nmaxx-file-size = 3\n");
        assert_eq!(e.line, 2, "{e}");
        let e = one("[policy.bounds.acquire_timeout]\nmin = \"ten seconds\"\n");
        assert!(e.message.contains("malformed duration"), "{e}");
        let e = one("[policy.bounds.max_size]\nmin = 50\nmax = 10\n");
        assert!(e.message.contains("above `max`"), "{e}");
    }

    #[test]
    fn every_mistake_is_reported_at_once_in_the_settings_terms() {
        let text = "unknown-key = 1\n\n[rules]\nconn-forgoten = \"error\"\npool-per-call = \"loud\"\n\n[policy.bounds.max_size]\nmax = \"ten\"\n\n[policy.bounds.acquire_timeout]\nmax = 30\n\n[policy.bounds.idle_timeout]\nmax = \"soon\"\n";
        let e = load(text).unwrap_err();
        let lines: Vec<usize> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 4, 5, 8, 11, 14], "{e}");
        let says = |i: usize, what: &str| assert!(e.problems[i].message.contains(what), "{}", e.problems[i]);
        says(0, "unknown field `unknown-key`");
        says(1, "unknown rule `conn-forgoten`");
        says(2, "unknown variant `loud`");
        says(3, "number of connections: write a number such as 10, not \"ten\"");
        says(4, "length of time: write it with its unit, such as \"30s\"");
        says(5, "malformed duration `soon`");
        assert!(e.to_string().starts_with("6 problems\n"), "{e}");
    }

    #[test]
    fn manifest_metadata_reports_every_mistake_too() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"a\"\n\n[package.metadata.poolcheck]\nselect = [\"no-rule\"]\n\n[package.metadata.poolcheck.policy.bounds.min_idle]\nmin = \"two\"\n",
        )
        .unwrap();
        let e = Config::discover(dir.path()).unwrap_err();
        let lines: Vec<usize> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 8], "{e}");
    }

    #[test]
    fn fleet_budget_caps_the_pool_size() {
        let c = load("[policy.fleet]\nreplicas = 8\ndatabase-max-connections = 500\nreserve = 20\n").unwrap();
        assert_eq!(c.policy.bounds[&SettingRole::MaxSize].max, Some(Quantity::Count(60)));
    }
}
