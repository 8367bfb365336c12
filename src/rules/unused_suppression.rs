//! `unused-suppression`: a suppression comment that suppresses nothing.

use super::{declare_rule, Rule, RuleInfo};

declare_rule! {
    /// ### What it flags
    /// A `// poolcheck: allow(rule-id) reason` (or `allow-file`) comment that covers no finding
    /// of the rules it names, or that names a rule that does not exist. Suppressions of rules
    /// that did not run (turned off, not selected) are not judged.
    ///
    /// ### Why it drains a pool
    /// It does not by itself, but a stale suppression is a blind spot waiting to happen: the
    /// next change on that line, which may well leak a connection, is silenced without review.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // poolcheck: allow(conn-forgotten) the C library closes the session
    /// drop(conn); // nothing here is forgotten any more
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// drop(conn);
    /// ```
    UNUSED_SUPPRESSION, "unused-suppression", Warning,
    "a `poolcheck: allow(..)` comment that suppresses nothing, or names an unknown rule"
}

/// Reported by the engine when suppressions are applied.
pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn info(&self) -> &'static RuleInfo {
        &UNUSED_SUPPRESSION
    }
}
