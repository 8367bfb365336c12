//! `pool-config-missing`: a pool built without a setting the policy requires.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::catalog::SettingForm;
use crate::report::Diagnostic;

declare_rule! {
    /// ### What it flags
    /// A pool built without a setting the policy requires: by default, a deadpool pool
    /// (deadpool-postgres, deadpool-redis, deadpool-diesel, any managed pool) built without a
    /// wait timeout — `Pool::builder(..)…build()` without `wait_timeout(Some(..))`, or
    /// `cfg.create_pool(..)` on a `Config` made in the function whose `PoolConfig` has no
    /// `timeouts.wait` (a bare `Config::new()`, `PoolConfig::new(n)`, `Config::from_url(..)`).
    /// Configs read from files or the environment (deserialized) are not judged: their
    /// settings are not in the code. The policy can require more settings of any crate.
    ///
    /// ### Why it drains a pool
    /// deadpool's wait timeout defaults to `None`: once the pool is exhausted, every request
    /// waits for a connection forever. Instead of fast errors that shed load, the service piles
    /// up hung requests until it runs out of memory or sockets, and nothing in the logs says
    /// why.
    ///
    /// ### Example
    /// ```rust,ignore
    /// let mut cfg = deadpool_postgres::Config::new();
    /// cfg.url = Some(url);
    /// cfg.pool = Some(PoolConfig::new(32)); // no wait timeout
    /// cfg.create_pool(Some(Runtime::Tokio1), NoTls)
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// let mut pool = PoolConfig::new(32);
    /// pool.timeouts.wait = Some(Duration::from_secs(5));
    /// cfg.pool = Some(pool);
    /// cfg.create_pool(Some(Runtime::Tokio1), NoTls)
    /// ```
    POOL_CONFIG_MISSING, "pool-config-missing", Warning,
    "a pool built without a setting the policy requires, where the library default is unsafe (deadpool waits forever without a wait timeout)"
}

/// See [`POOL_CONFIG_MISSING`].
pub struct PoolConfigMissing;

impl Rule for PoolConfigMissing {
    fn info(&self) -> &'static RuleInfo {
        &POOL_CONFIG_MISSING
    }

    fn check_fn_end(&self, cx: &BodyCx<'_>, out: &mut Vec<Diagnostic>) {
        let catalog = cx.file.catalog;
        for build in cx.builds().iter().filter(|b| b.local) {
            let api = &catalog.crates[build.krate];
            let Some(required) = cx.file.policy.required.get(&api.name) else { continue };
            for role in required {
                let set = cx.settings().iter().any(|s| s.group == build.group && s.role == *role);
                if set {
                    continue;
                }
                let names: Vec<String> = api
                    .setting
                    .iter()
                    .filter(|s| s.role == *role)
                    .map(|s| match s.form {
                        SettingForm::Method => format!("`.{}(..)`", s.name),
                        SettingForm::Field => format!("`{}.{}`", s.on.join("/"), s.name),
                    })
                    .collect();
                let default_note = if api.name == "deadpool" && *role == crate::catalog::SettingRole::AcquireTimeout {
                    ": deadpool's default is to wait forever, so an exhausted pool hangs requests instead of failing them"
                } else {
                    ""
                };
                out.push(
                    Diagnostic::new(
                        POOL_CONFIG_MISSING.id,
                        POOL_CONFIG_MISSING.default_severity,
                        build.span,
                        format!("{} pool built without an {}{default_note}", api.name, role.noun()),
                    )
                    .with_help(format!("set it with {}", names.join(" or "))),
                );
            }
        }
    }
}
