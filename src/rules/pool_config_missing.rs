//! `pool-config-missing`: a pool built without a setting the policy requires.

use super::{declare_rule, Rule, RuleInfo};
use crate::analysis::body::BodyCx;
use crate::analysis::summary::CrateFacts;
use crate::catalog::SettingRole;
use crate::report::Diagnostic;
use crate::source::Span;

declare_rule! {
    /// ### What it flags
    /// A pool built without a setting the policy requires: by default, a deadpool pool
    /// (deadpool-postgres, deadpool-redis, deadpool-diesel, any managed pool) built without a
    /// wait timeout — `Pool::builder(..)…build()` without `wait_timeout(Some(..))`, or
    /// `cfg.create_pool(..)` on a `Config` made in the function whose `PoolConfig` has no
    /// `timeouts.wait` (a bare `Config::new()`, `PoolConfig::new(n)`, `Config::from_url(..)`).
    /// A configuration made by the workspace's own functions (`cfg.pool =
    /// Some(pool_config(n))`, `timeouts: pool_timeouts()`, `base_builder(m).build()`, in any
    /// crate of the workspace) is followed through them: a setting counts when every way out
    /// of the helper sets it. Configs read from files or the environment (deserialized), or
    /// from a helper poolcheck cannot follow, are not judged: their settings are not in the
    /// code. The policy can require more settings of any crate.
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
        // builds whose configuration comes partly from workspace functions are judged at the
        // crate stage, with those functions' summaries
        for build in cx.builds().iter().filter(|b| b.local && b.helpers.is_empty()) {
            let api = &catalog.crates[build.krate];
            for missing in cx.missing_settings(build) {
                out.push(finding(&api.name, missing.role, &missing.setters, build.span));
            }
        }
    }

    fn check_crate(&self, facts: &CrateFacts, out: &mut Vec<Diagnostic>) {
        for f in &facts.fns {
            for build in &f.pending_builds {
                let Some(from_helpers) = facts.settings_from(&build.helpers) else { continue };
                for missing in build.missing.iter().filter(|m| !from_helpers.contains(&m.role)) {
                    let mut d = finding(&build.krate, missing.role, &missing.setters, build.span);
                    for call in &build.helpers {
                        let note = format!("configured by `{}`, which sets no {}", call.shown, missing.role.noun());
                        d = d.with_label(call.span, note);
                    }
                    out.push(d);
                }
            }
        }
    }
}

/// The finding for a build of `krate`'s pool that leaves `role` unset.
fn finding(krate: &str, role: SettingRole, setters: &[String], span: Span) -> Diagnostic {
    let default_note = if krate == "deadpool" && role == SettingRole::AcquireTimeout {
        ": deadpool's default is to wait forever, so an exhausted pool hangs requests instead of failing them"
    } else {
        ""
    };
    Diagnostic::new(
        POOL_CONFIG_MISSING.id,
        POOL_CONFIG_MISSING.default_severity,
        span,
        format!("{krate} pool built without {}{default_note}", with_article(role.noun())),
    )
    .with_help(format!("set it with {}", setters.join(" or ")))
}

/// "an acquire timeout", "a pool size".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}
