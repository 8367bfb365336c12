//! `suppression-without-reason`: a suppression comment with no reason.

use super::{declare_rule, Rule, RuleInfo};

declare_rule! {
    /// ### What it flags
    /// A `// poolcheck: allow(rule-id)` comment with nothing after the closing parenthesis. A
    /// suppression without a reason suppresses nothing: the finding stays, and this is reported
    /// beside it.
    ///
    /// ### Why it drains a pool
    /// Suppressions are exceptions to rules that exist because pools drained in production; the
    /// next reader needs to know why this one is safe before copying it.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // poolcheck: allow(conn-stored-long-lived)
    /// static LISTENER: OnceLock<Mutex<PoolConnection<Postgres>>> = OnceLock::new();
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // poolcheck: allow(conn-stored-long-lived) LISTEN/NOTIFY needs one session for the process's life
    /// static LISTENER: OnceLock<Mutex<PoolConnection<Postgres>>> = OnceLock::new();
    /// ```
    SUPPRESSION_WITHOUT_REASON, "suppression-without-reason", Warning,
    "a `poolcheck: allow(..)` comment without a reason; it suppresses nothing"
}

/// Reported by the engine when suppressions are applied.
pub struct SuppressionWithoutReason;

impl Rule for SuppressionWithoutReason {
    fn info(&self) -> &'static RuleInfo {
        &SUPPRESSION_WITHOUT_REASON
    }
}
