//! `pool-config-out-of-bounds`: pool settings outside the policy's bounds.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::catalog::{Backend, NoneRule, Policy, Quantity, SettingRole, Violation};
use crate::index::consts::Evaluated;
use crate::report::Diagnostic;
use crate::source::Span;

declare_rule! {
    /// ### What it flags
    /// A pool setting whose value is outside the policy's bounds: the pool size, the acquire
    /// (wait) timeout, the connect/create timeout, the max lifetime, the idle timeout. Values
    /// are read from literals (suffixes and `_` separators included), `Duration::from_secs`,
    /// `from_millis`, `from_micros`, `from_secs_f64`, `Duration::new`, `Some(..)`, an explicit
    /// `None` where the policy requires a bound (`max_lifetime(None)`, deadpool `wait: None`),
    /// crate `const`/`static` items from any file, and arithmetic on them — in builder chains
    /// (also split across statements), config struct literals (deadpool `PoolConfig`,
    /// `Timeouts`), positional constructors (`PoolConfig::new(n)`), field assignments, and the
    /// configuration files of the tree (TOML, YAML, JSON, `.env`) under the policy's key names.
    /// A value that cannot be evaluated (an environment variable, a function call) is never
    /// reported.
    ///
    /// ### Why it drains a pool
    /// A pool larger than the database's `max_connections` (100 on a default PostgreSQL) cannot
    /// be served, and replicas multiply it; a pool of 0 never hands out a connection. Without an
    /// acquire timeout an exhausted pool hangs requests instead of failing them, and a timeout
    /// too short fails requests under ordinary load. Connections that live forever are cut
    /// silently by proxies and load balancers.
    ///
    /// ### Example
    /// ```rust,ignore
    /// PgPoolOptions::new()
    ///     .max_connections(500) // more than the server accepts
    ///     .max_lifetime(None) // never recycled
    ///     .connect(url)
    ///     .await
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// PgPoolOptions::new()
    ///     .max_connections(20)
    ///     .acquire_timeout(Duration::from_secs(3))
    ///     .max_lifetime(Duration::from_secs(30 * 60))
    ///     .connect(url)
    ///     .await
    /// ```
    /// Bounds are the project's to set: `[policy.bounds.max_size] max = 40` in `poolcheck.toml`.
    POOL_CONFIG_OUT_OF_BOUNDS, "pool-config-out-of-bounds", Error,
    "a pool setting outside the policy's bounds (pool size, acquire/connect timeout, max lifetime, idle timeout), in code or config files"
}

/// See [`POOL_CONFIG_OUT_OF_BOUNDS`].
pub struct PoolConfigOutOfBounds;

impl Rule for PoolConfigOutOfBounds {
    fn info(&self) -> &'static RuleInfo {
        &POOL_CONFIG_OUT_OF_BOUNDS
    }

    fn check_config(&self, cx: &crate::analysis::config::ConfigCx<'_>, out: &mut Vec<Diagnostic>) {
        Self::config(cx, out);
    }

    fn check_fn_end(&self, cx: &BodyCx<'_>, out: &mut Vec<Diagnostic>) {
        for site in cx.settings() {
            // what differs by database: a SQLite pool keeps its connections for good
            if !cx.file.policy.bounds_apply(site.role, site.backend) {
                continue;
            }
            let shown = match &site.via_const {
                Some(c) => format!("`{}` (`{c}`)", site.name),
                None => format!("`{}`", site.name),
            };
            if let Some(d) = check(cx.file.policy, site.role, site.backend, site.value, site.value_span, &shown) {
                out.push(d);
            }
        }
    }
}

impl PoolConfigOutOfBounds {
    fn config(cx: &crate::analysis::config::ConfigCx<'_>, out: &mut Vec<Diagnostic>) {
        for s in cx.settings {
            if let Some(d) = check(cx.policy, s.role, None, s.value, s.span, &format!("`{}`", s.name)) {
                out.push(d);
            }
        }
    }
}

/// Checks one value against the policy's bounds for a pool of `backend` (the default bounds
/// where it is unknown); `shown` names the setting in the message.
pub fn check(
    policy: &Policy,
    role: SettingRole,
    backend: Option<Backend>,
    value: Evaluated,
    span: Span,
    shown: &str,
) -> Option<Diagnostic> {
    let (bound, own) = policy.bound(role, backend)?;
    // "above the maximum for MySQL" where the backend's own bounds apply
    let scope = match backend {
        Some(b) if own => format!(" for {}", b.name()),
        _ => String::new(),
    };
    let why = |v: Option<Violation>| bound.why_for(v).map(|w| format!(": {w}")).unwrap_or_default();
    let message = match value {
        Evaluated::None if bound.none == Some(NoneRule::OutOfBounds) => format!(
            "{shown} is `None`, so the {} is unbounded; the policy requires {}{scope}{}",
            role.noun(),
            bound.range(),
            why(None)
        ),
        Evaluated::Count(n) => {
            let v = bound.violation(Quantity::Count(n))?;
            describe(v, role, &n.to_string(), shown, &scope, &why(Some(v)))
        }
        Evaluated::Duration(d) => {
            let v = bound.violation(Quantity::Duration(d))?;
            describe(v, role, &humantime::format_duration(d).to_string(), shown, &scope, &why(Some(v)))
        }
        _ => return None,
    };
    let help = format!(
        "set the {} within {}{scope} (the policy is configurable in poolcheck.toml)",
        role.noun(),
        bound.range()
    );
    Some(
        Diagnostic::new(POOL_CONFIG_OUT_OF_BOUNDS.id, POOL_CONFIG_OUT_OF_BOUNDS.default_severity, span, message)
            .with_help(help),
    )
}

fn describe(v: Violation, role: SettingRole, value: &str, shown: &str, scope: &str, why: &str) -> String {
    match v {
        Violation::Below(min) => {
            format!("{shown} sets the {} to {value}, below the policy's minimum of {min}{scope}{why}", role.noun())
        }
        Violation::Above(max) => {
            format!("{shown} sets the {} to {value}, above the policy's maximum of {max}{scope}{why}", role.noun())
        }
    }
}
