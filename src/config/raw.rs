//! Reading a configuration file: the TOML as written (the `Raw*` types, which `resolve` turns
//! into a [`Config`](super::Config)) and the error-recovering reader that reports every mistake
//! of a file in one run, each with its line and column.

use super::{role_key, ConfigError, ConfigProblem, Fleet, Level};
use crate::catalog::{CrateApi, NoneRule, Quantity, SettingRole};
use serde::de::IntoDeserializer;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The configuration file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    /// Rule id → level.
    #[serde(default)]
    pub(super) rules: BTreeMap<Spanned<String>, Level>,
    /// Run only these rules.
    #[serde(default)]
    pub(super) select: Option<Vec<Spanned<String>>>,
    /// Do not run these rules.
    #[serde(default)]
    pub(super) ignore: Vec<Spanned<String>>,
    /// Globs of paths not to scan, relative to the configuration's folder.
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    /// Analyse integration tests and benchmarks too.
    #[serde(default)]
    pub(super) include_tests: Option<bool>,
    /// Files larger than this are skipped.
    #[serde(default)]
    pub(super) max_file_size: Option<u64>,
    /// Attributes that mark the project's own request handlers (`#[endpoint]`).
    #[serde(default)]
    pub(super) handler_attributes: Vec<String>,
    /// Policy overrides.
    #[serde(default)]
    pub(super) policy: Option<RawPolicy>,
    /// The project's own pool crates and wrappers, in the shape of `rules/crates/*.toml`.
    #[serde(default)]
    pub(super) crates: Vec<CrateApi>,
}

/// Policy overrides: any bound, required settings, relations, a fleet budget, and per-path
/// policies.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPolicy {
    #[serde(default)]
    pub(super) bounds: BTreeMap<SettingRole, Spanned<RawBound>>,
    #[serde(default)]
    pub(super) required: BTreeMap<String, Vec<SettingRole>>,
    #[serde(default)]
    pub(super) relations: Option<RawRelations>,
    #[serde(default)]
    pub(super) fleet: Option<Spanned<Fleet>>,
    #[serde(default)]
    pub(super) paths: Vec<RawPathPolicy>,
    /// What differs by database (`[policy.backend.sqlite] exempt = ["max_lifetime"]`).
    #[serde(default)]
    pub(super) backend: BTreeMap<crate::catalog::Backend, crate::catalog::BackendPolicy>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBound {
    pub(super) min: Option<Spanned<RawQuantity>>,
    pub(super) max: Option<Spanned<RawQuantity>>,
    pub(super) none: Option<NoneRule>,
    pub(super) why: Option<String>,
}

/// A bound as written: read as a count or a duration by the setting it bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawQuantity {
    Number(i64),
    Text(String),
}

impl RawQuantity {
    /// The value as a quantity of `role`'s kind, or what is wrong with it.
    pub(super) fn of(&self, role: SettingRole, key: &str) -> Result<Quantity, String> {
        let path = format!("policy.bounds.{}.{key}", role_key(role));
        match (self, role.is_count()) {
            (RawQuantity::Number(n), true) => Ok(Quantity::Count(i128::from(*n))),
            (RawQuantity::Text(t), true) => Err(format!(
                "{path}: the {} is a number of connections: write a number such as 10, not \"{t}\"",
                role.noun()
            )),
            (RawQuantity::Text(t), false) => {
                crate::catalog::parse_duration(t).map(Quantity::Duration).map_err(|e| format!("{path}: {e}"))
            }
            (RawQuantity::Number(n), false) => Err(format!(
                "{path}: the {} is a length of time: write it with its unit, such as \"{n}s\" or \"{n}ms\"",
                role.noun()
            )),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRelations {
    pub(super) min_idle_at_most_max_size: Option<bool>,
    pub(super) idle_timeout_below_max_lifetime: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPathPolicy {
    /// Globs, relative to the configuration's folder.
    pub(super) paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) bounds: BTreeMap<SettingRole, Spanned<RawBound>>,
    #[serde(default)]
    pub(super) required: BTreeMap<String, Vec<SettingRole>>,
}

/// Parses the TOML of a configuration; every syntax error at once.
pub(super) fn parse_document<'i>(path: &Path, text: &'i str) -> Result<Spanned<DeValue<'i>>, ConfigError> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(ConfigError { problems: errors.iter().map(|e| toml_problem(path, text, e)).collect() });
    }
    let span = root.span();
    Ok(Spanned::new(span, DeValue::Table(root.into_inner())))
}

/// Reads the configuration's values from its (parsed) table. When they do not fit, each part
/// of the file (a top-level key, a rule's level, a policy section, one bound) is read on its
/// own: the parts that do not fit are reported, every one of them, and the rest is read and
/// resolved, so its mistakes are reported in the same run.
pub(super) fn raw_config(path: &Path, text: &str, table: Spanned<DeValue<'_>>) -> (RawConfig, Vec<ConfigProblem>) {
    let whole = match RawConfig::deserialize(table.clone().into_deserializer()) {
        Ok(raw) => return (raw, Vec::new()),
        Err(e) => toml_problem(path, text, &e),
    };
    let (span, DeValue::Table(mut root)) = (table.span(), table.into_inner()) else {
        return (RawConfig::default(), vec![whole]);
    };
    let mut problems = Vec::new();
    for (keys, part) in parts(&root, &[&["rules"], &["policy"], &["policy", "bounds"]]) {
        if let Err(e) = RawConfig::deserialize(part.into_deserializer()) {
            let p = toml_problem(path, text, &e);
            if !problems.contains(&p) {
                problems.push(p);
            }
            remove_entry(&mut root, &keys);
        }
    }
    let rest = RawConfig::deserialize(Spanned::new(span, DeValue::Table(root)).into_deserializer());
    match rest {
        Ok(raw) if !problems.is_empty() => (raw, problems),
        _ => (RawConfig::default(), vec![whole]),
    }
}

/// The table split into documents of one entry each, with the keys that lead to it,
/// descending into the tables at `split` (paths of keys) so that each of their entries is a
/// part of its own.
fn parts<'i>(table: &DeTable<'i>, split: &[&[&str]]) -> Vec<(Vec<String>, Spanned<DeValue<'i>>)> {
    let mut out = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        let deeper: Vec<&[&str]> =
            split.iter().filter(|p| p.first() == Some(&name) && p.len() > 1).map(|p| &p[1..]).collect();
        let subparts = match value.get_ref() {
            DeValue::Table(t) if split.iter().any(|p| p == &[name]) || !deeper.is_empty() => parts(t, &deeper),
            _ => vec![(Vec::new(), value.clone())],
        };
        for (mut keys, sub) in subparts {
            keys.insert(0, name.to_string());
            let mut one = DeTable::new();
            one.insert(key.clone(), sub);
            out.push((keys, Spanned::new(value.span(), DeValue::Table(one))));
        }
    }
    out
}

/// Removes the entry `keys` leads to.
fn remove_entry(table: &mut DeTable<'_>, keys: &[String]) {
    let Some((first, rest)) = keys.split_first() else { return };
    let Some(found) = table.keys().find(|k| k.get_ref() == first).cloned() else { return };
    if rest.is_empty() {
        table.remove(&found);
    } else if let Some(DeValue::Table(t)) = table.get_mut(&found).map(|v| v.get_mut()) {
        remove_entry(t, rest);
    }
}

/// The table at `key` of a table.
pub(super) fn table_entry<'a, 'i>(table: &'a DeValue<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    let DeValue::Table(table) = table else { return None };
    table.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v).filter(|v| matches!(v.get_ref(), DeValue::Table(_)))
}

fn toml_problem(path: &Path, text: &str, e: &toml::de::Error) -> ConfigProblem {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    ConfigProblem { file: path.display().to_string(), line, column, message: e.message().trim().to_string() }
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
