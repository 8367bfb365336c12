//! `pool-config-inconsistent`: pool settings that contradict each other.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::settings::GroupKey;
use crate::catalog::{Policy, Quantity, SettingRole};
use crate::index::consts::Evaluated;
use crate::report::Diagnostic;
use crate::source::Span;
use std::collections::BTreeMap;

declare_rule! {
    /// ### What it flags
    /// Settings of one pool that contradict each other: a minimum of idle (or open)
    /// connections above the pool's maximum, or an idle timeout at or above the max lifetime.
    /// Settings are read as for `pool-config-out-of-bounds` (literals, durations, consts across
    /// files), per pool: one builder chain, one config value and what is assigned into it, or
    /// one section of a configuration file. A setting left out takes the library's default
    /// (sqlx, bb8 and r2d2 default to 10 connections and a 30-minute lifetime), so
    /// `min_idle(Some(12))` alone contradicts r2d2's default size of 10.
    ///
    /// ### Why it drains a pool
    /// A pool told to keep more idle connections than it may open either clamps silently or
    /// keeps trying to open connections it cannot hold, and the numbers the team reads in the
    /// code are not the ones in production. An idle timeout at or above the lifetime never
    /// reaps an idle connection, so the pool holds its peak size on the server for good.
    ///
    /// ### Example
    /// ```rust,ignore
    /// PgPoolOptions::new()
    ///     .max_connections(10)
    ///     .min_connections(20) // more than the maximum
    ///     .connect(url)
    ///     .await
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// PgPoolOptions::new()
    ///     .max_connections(20)
    ///     .min_connections(5)
    ///     .connect(url)
    ///     .await
    /// ```
    POOL_CONFIG_INCONSISTENT, "pool-config-inconsistent", Error,
    "pool settings that contradict each other: min idle above max size, idle timeout at or above max lifetime"
}

/// See [`POOL_CONFIG_INCONSISTENT`].
pub struct PoolConfigInconsistent;

/// One setting of a pool, wherever it was found.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    /// What it sets.
    pub role: SettingRole,
    /// As written.
    pub name: &'a str,
    /// Its value.
    pub value: Evaluated,
    /// Where the value is.
    pub span: Span,
}

impl Rule for PoolConfigInconsistent {
    fn info(&self) -> &'static RuleInfo {
        &POOL_CONFIG_INCONSISTENT
    }

    fn check_config(&self, cx: &crate::analysis::config::ConfigCx<'_>, out: &mut Vec<Diagnostic>) {
        // one pool per section; files carry no library defaults
        let mut sections: Vec<(&str, Vec<Found<'_>>)> = Vec::new();
        for s in cx.settings {
            let found = Found { role: s.role, name: &s.name, value: s.value, span: s.span };
            match sections.iter_mut().find(|(k, _)| *k == s.section) {
                Some((_, list)) => list.push(found),
                None => sections.push((&s.section, vec![found])),
            }
        }
        for (_, settings) in &sections {
            out.extend(check(cx.policy, settings, &BTreeMap::new(), |span| cx.line(span)));
        }
    }

    fn check_fn_end(&self, cx: &BodyCx<'_>, out: &mut Vec<Diagnostic>) {
        let mut groups: Vec<(GroupKey, usize, Vec<Found<'_>>)> = Vec::new();
        for s in cx.settings() {
            let found = Found { role: s.role, name: &s.name, value: s.value, span: s.value_span };
            match groups.iter_mut().find(|(g, _, _)| *g == s.group) {
                Some((_, _, list)) => list.push(found),
                None => groups.push((s.group, s.krate, vec![found])),
            }
        }
        for (_, krate, settings) in &groups {
            let defaults = &cx.file.catalog.crates[*krate].defaults;
            out.extend(check(cx.file.policy, settings, defaults, |span| cx.file.line(span)));
        }
    }
}

/// Checks the settings of one pool against the policy's relations; settings left out take
/// `defaults`. `line` renders a span's line for messages.
pub fn check(
    policy: &Policy,
    settings: &[Found<'_>],
    defaults: &BTreeMap<SettingRole, Quantity>,
    line: impl Fn(Span) -> usize,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let last = |role: SettingRole| settings.iter().rev().find(|s| s.role == role);
    let set_or_default = |role: SettingRole| -> Option<(Quantity, String)> {
        match last(role) {
            Some(s) => quantity(s.value).map(|q| (q, format!("`{}` at line {}", s.name, line(s.span)))),
            None => defaults.get(&role).map(|q| (*q, "the library's default".to_string())),
        }
    };
    if policy.relations.min_idle_at_most_max_size {
        if let (Some(min), Some((max, max_from))) = (last(SettingRole::MinIdle), set_or_default(SettingRole::MaxSize)) {
            if let Some(min_q) = quantity(min.value).filter(|m| *m > max) {
                out.push(diagnostic(
                    min.span,
                    format!(
                        "`{}` asks for {min_q} idle connections, more than the pool's maximum of {max} ({max_from})",
                        min.name
                    ),
                    "keep the minimum at or below the maximum pool size",
                ));
            }
        }
    }
    if policy.relations.idle_timeout_below_max_lifetime {
        let lifetime_is_none = last(SettingRole::MaxLifetime).is_some_and(|s| s.value == Evaluated::None);
        if let (Some(idle), Some((life, life_from)), false) =
            (last(SettingRole::IdleTimeout), set_or_default(SettingRole::MaxLifetime), lifetime_is_none)
        {
            if let Some(idle_q) = quantity(idle.value).filter(|i| *i >= life) {
                out.push(diagnostic(
                    idle.span,
                    format!(
                        "`{}` of {idle_q} is not below the max lifetime of {life} ({life_from}): idle connections are never reaped",
                        idle.name
                    ),
                    "set the idle timeout below the max lifetime (e.g. 10 min idle, 30 min lifetime)",
                ));
            }
        }
    }
    out
}

fn quantity(v: Evaluated) -> Option<Quantity> {
    match v {
        Evaluated::Count(n) => Some(Quantity::Count(n)),
        Evaluated::Duration(d) => Some(Quantity::Duration(d)),
        _ => None,
    }
}

fn diagnostic(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(POOL_CONFIG_INCONSISTENT.id, POOL_CONFIG_INCONSISTENT.default_severity, span, message)
        .with_help(help)
}
