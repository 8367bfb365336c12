//! Pool settings in configuration files: leaves whose key names a pool setting in a database
//! context, with their value read in the setting's unit.

use crate::catalog::{ConfigKeys, Policy, SettingRole};
use crate::config_files::{Format, Leaf, LeafValue};
use crate::index::consts::Evaluated;
use crate::source::{FileId, SourceFile, Span};
use std::collections::HashSet;
use std::time::Duration;

/// One pool setting found in a configuration file.
#[derive(Debug, Clone)]
pub struct ConfigSetting {
    /// What it sets.
    pub role: SettingRole,
    /// The key as written.
    pub name: String,
    /// Its value in the setting's unit.
    pub value: Evaluated,
    /// Where the value is.
    pub span: Span,
    /// The section it belongs to (settings of one section configure one pool).
    pub section: String,
}

/// What a rule sees of a configuration file.
pub struct ConfigCx<'a> {
    /// The file.
    pub source: &'a SourceFile,
    /// Its pool settings.
    pub settings: &'a [ConfigSetting],
    /// The policy.
    pub policy: &'a Policy,
}

impl ConfigCx<'_> {
    /// 1-based line of a span.
    pub fn line(&self, span: Span) -> usize {
        self.source.line_col(span.start).0
    }
}

/// The pool settings among a file's leaves.
pub fn settings(leaves: &[Leaf], format: Format, keys: &ConfigKeys, file: FileId) -> Vec<ConfigSetting> {
    let paths: Vec<Vec<String>> = leaves.iter().map(|l| normalise(&l.path, format)).collect();
    // sections holding a database URL
    let url_sections: HashSet<Vec<String>> = leaves
        .iter()
        .zip(&paths)
        .filter(|(l, _)| matches!(&l.value, LeafValue::Str(s) if keys.url_schemes.iter().any(|u| s.trim_start().starts_with(u.as_str()))))
        .map(|(_, p)| p[..p.len().saturating_sub(1)].to_vec())
        .collect();
    let url_keys: Vec<(&[String], &str)> = leaves
        .iter()
        .zip(&paths)
        .filter(|(l, _)| matches!(&l.value, LeafValue::Str(s) if keys.url_schemes.iter().any(|u| s.trim_start().starts_with(u.as_str()))))
        .filter_map(|(_, p)| p.split_last().map(|(last, parent)| (parent, last.as_str())))
        .collect();
    let mut out = Vec::new();
    for (leaf, path) in leaves.iter().zip(&paths) {
        let Some(found) = read_key(path, keys) else { continue };
        let words: Vec<&str> = found
            .parent
            .iter()
            .chain(found.prefix.iter())
            .flat_map(|seg| seg.split('_'))
            .filter(|w| !w.is_empty())
            .collect();
        if words.iter().any(|w| keys.not_context.iter().any(|n| n == w)) {
            continue;
        }
        // a database URL beside the key makes its section a database's; for `PREFIX_KEY` names
        // the URL must share the prefix (`ARCHIVE_URL` for `ARCHIVE_MAX_SIZE`)
        let url_beside = match &found.prefix {
            None => url_sections.contains(found.parent),
            Some(prefix) => {
                url_keys.iter().any(|(parent, key)| *parent == found.parent && key.starts_with(&format!("{prefix}_")))
            }
        };
        let in_context = words.iter().any(|w| keys.context.iter().any(|c| c == w)) || url_beside;
        if !in_context {
            continue;
        }
        let Some(value) = value_of(&leaf.value, found.role, found.unit) else { continue };
        let mut section = found.parent.join(".");
        if let Some(prefix) = &found.prefix {
            section.push('/');
            section.push_str(prefix);
        }
        out.push(ConfigSetting {
            role: found.role,
            name: leaf.path.last().cloned().unwrap_or_default(),
            value,
            span: Span { file, start: leaf.span.start, end: leaf.span.end },
            section,
        });
    }
    out
}

/// Lower-cased segments, `-` read as `_`; environment variables split on `__`.
fn normalise(path: &[String], format: Format) -> Vec<String> {
    let split: Vec<String> = if matches!(format, Format::DotEnv) {
        path.iter().flat_map(|p| p.split("__").map(str::to_owned).collect::<Vec<_>>()).collect()
    } else {
        path.to_vec()
    };
    split.into_iter().map(|s| s.to_ascii_lowercase().replace('-', "_")).collect()
}

struct KeyMatch<'p> {
    role: SettingRole,
    parent: &'p [String],
    prefix: Option<String>,
    unit: Option<u64>,
}

/// The setting a key path names: its role, section, env-style prefix and unit.
fn read_key<'p>(path: &'p [String], keys: &ConfigKeys) -> Option<KeyMatch<'p>> {
    let last = path.last()?;
    if last == "nanos" {
        // the other half of a `{secs, nanos}` pair written as two keys
        return None;
    }
    let (key, parent, unit) = match keys.units.get(last.as_str()) {
        Some(&unit) if path.len() >= 2 => (path[path.len() - 2].as_str(), &path[..path.len() - 2], Some(unit)),
        _ => {
            let parent = &path[..path.len() - 1];
            match keys.units.iter().find_map(|(u, n)| last.strip_suffix(&format!("_{u}")).map(|k| (k, *n))) {
                Some((k, n)) => (k, parent, Some(n)),
                None => (last.as_str(), parent, None),
            }
        }
    };
    // exact names first, then `<prefix>_<name>`, longest name first
    for k in &keys.key {
        if k.names.iter().any(|n| n == key) {
            return Some(KeyMatch { role: k.role, parent, prefix: None, unit });
        }
    }
    let mut best: Option<(usize, SettingRole, String)> = None;
    for k in &keys.key {
        for n in &k.names {
            if let Some(prefix) = key.strip_suffix(n.as_str()).and_then(|p| p.strip_suffix('_')) {
                if !prefix.is_empty() && best.as_ref().is_none_or(|(len, _, _)| n.len() > *len) {
                    best = Some((n.len(), k.role, prefix.to_owned()));
                }
            }
        }
    }
    best.map(|(_, role, prefix)| KeyMatch { role, parent, prefix: Some(prefix), unit })
}

/// A leaf's value in the setting's unit; durations need a unit (from the key or the value).
fn value_of(value: &LeafValue, role: SettingRole, unit: Option<u64>) -> Option<Evaluated> {
    let is_count = matches!(role, SettingRole::MaxSize | SettingRole::MinIdle);
    match value {
        LeafValue::Int(n) if is_count => Some(Evaluated::Count(*n)),
        LeafValue::Str(s) if is_count => s.trim().parse::<i128>().ok().map(Evaluated::Count),
        LeafValue::Duration(d) if !is_count => Some(Evaluated::Duration(*d)),
        LeafValue::Int(n) if !is_count => {
            let nanos = u64::try_from(*n).ok()?.checked_mul(unit?)?;
            Some(Evaluated::Duration(Duration::from_nanos(nanos)))
        }
        LeafValue::Float(f) if !is_count && f.is_finite() && *f >= 0.0 => {
            Duration::try_from_secs_f64(f * unit? as f64 / 1e9).ok().map(Evaluated::Duration)
        }
        LeafValue::Str(s) if !is_count => match (s.trim().parse::<u64>(), unit) {
            (Ok(n), Some(u)) => n.checked_mul(u).map(|ns| Evaluated::Duration(Duration::from_nanos(ns))),
            _ => humantime::parse_duration(s.trim()).ok().map(Evaluated::Duration),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::config_files::leaves;

    fn found(format: Format, text: &str) -> Vec<(SettingRole, String, Evaluated)> {
        let keys = &Catalog::embedded().config_keys;
        let leaves = leaves(format, text).unwrap();
        settings(&leaves, format, keys, 0).into_iter().map(|s| (s.role, s.section, s.value)).collect()
    }

    #[test]
    fn sections_units_and_context() {
        let toml = "[server]\nmax_connections = 10000\n[database]\nmax_connections = 400\nacquire_timeout_ms = 3000\n\
                    [thread_pool]\nmax_size = 64\n[redis.pool.timeouts]\nwait = { secs = 2, nanos = 0 }\n";
        assert_eq!(
            found(Format::Toml, toml),
            vec![
                (SettingRole::MaxSize, "database".into(), Evaluated::Count(400)),
                (SettingRole::AcquireTimeout, "database".into(), Evaluated::Duration(Duration::from_millis(3000))),
                (
                    SettingRole::AcquireTimeout,
                    "redis.pool.timeouts".into(),
                    Evaluated::Duration(Duration::from_secs(2))
                ),
            ]
        );
    }

    #[test]
    fn env_names_and_sibling_urls() {
        let env = "DATABASE_MAX_CONNECTIONS=30\nHTTP_MAX_CONNECTIONS=900\nAPP__ARCHIVE__URL=postgres://x/y\n\
                   APP__ARCHIVE__MAX_SIZE=400\nAPP__PG__POOL__TIMEOUTS__WAIT__SECS=5\nAPP__PG__POOL__TIMEOUTS__WAIT__NANOS=0\n\
                   APP__UPLOADS__MAX_SIZE=26214400\n";
        assert_eq!(
            found(Format::DotEnv, env),
            vec![
                (SettingRole::MaxSize, "/database".into(), Evaluated::Count(30)),
                (SettingRole::MaxSize, "app.archive".into(), Evaluated::Count(400)),
                (
                    SettingRole::AcquireTimeout,
                    "app.pg.pool.timeouts".into(),
                    Evaluated::Duration(Duration::from_secs(5))
                ),
            ]
        );
    }

    #[test]
    fn unitless_durations_are_not_guessed() {
        assert_eq!(
            found(Format::Yaml, "database:\n  idle_timeout: 600\n  max_lifetime: 30m\n"),
            vec![(SettingRole::MaxLifetime, "database".into(), Evaluated::Duration(Duration::from_secs(1800)))]
        );
    }
}
