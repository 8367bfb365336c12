//! The rules. Each lives in its own file with its documentation (the text `poolcheck explain`
//! prints and the README's rule table is made from) and registers here, in [`ALL`].

mod blocking_acquire_in_async;
mod conn_accumulated;
mod conn_forgotten;
mod conn_held_while_waiting;
mod conn_stored_long_lived;
mod connection_not_driven;
mod nested_acquire;
mod parse_error;
mod pool_config_inconsistent;
mod pool_config_missing;
mod pool_config_out_of_bounds;
mod pool_per_call;
mod suppression_without_reason;
mod tx_not_finalized;
mod unused_suppression;

use crate::analysis::body::{BodyCx, Wait};
use crate::analysis::summary::CrateFacts;
use crate::analysis::value::Evidence;
use crate::index::types::TypeRef;
use crate::report::{Diagnostic, Severity};
use crate::source::Span;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case id, as users write it in configs and suppressions.
    pub id: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// One line: what it flags.
    pub summary: &'static str,
    /// Markdown documentation with the sections *What it flags*, *Why it drains a pool*,
    /// *Example*, *Use instead* (and *Known problems* where there are some).
    pub docs: &'static str,
}

/// A rule: metadata plus hooks called by the analysis.
pub trait Rule: Sync {
    /// Identity and documentation.
    fn info(&self) -> &'static RuleInfo;

    /// Called after each expression of a function body has been walked, with the bindings
    /// visible at that point.
    fn check_expr(&self, _cx: &BodyCx<'_>, _expr: &syn::Expr, _out: &mut Vec<Diagnostic>) {}

    /// Called where the task waits: an `.await`, a `join!`/`select!`, or a blocking call in
    /// synchronous code.
    fn check_wait(&self, _cx: &BodyCx<'_>, _wait: &Wait<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called after each `let` statement was walked and its bindings made, with the statements
    /// that follow it in its block.
    fn check_local(&self, _cx: &BodyCx<'_>, _local: &syn::Local, _rest: &[syn::Stmt], _out: &mut Vec<Diagnostic>) {}

    /// Called when a function body (or a static's initialiser) has been walked, with
    /// everything recorded in it (pool settings, builds).
    fn check_fn_end(&self, _cx: &BodyCx<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once for each configuration file (TOML, YAML, JSON, `.env`) with the pool
    /// settings found in it.
    fn check_config(&self, _cx: &crate::analysis::config::ConfigCx<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Called once per crate after every file was analysed, with the crate's function
    /// summaries (call graph, acquisitions, handlers).
    fn check_crate(&self, _facts: &CrateFacts, _out: &mut Vec<Diagnostic>) {}

    /// Called at each normal exit of a function, closure or async block: a `return` of
    /// anything but `Err(..)`, or the end of the body.
    fn check_exit(&self, _cx: &BodyCx<'_>, _at: Span, _out: &mut Vec<Diagnostic>) {}

    /// Called for each `static`/`const` item and each entry of `thread_local!`/`lazy_static!`,
    /// after its initialiser was walked.
    fn check_static(
        &self,
        _cx: &BodyCx<'_>,
        _name: &syn::Ident,
        _ty: &TypeRef,
        _init: &syn::Expr,
        _out: &mut Vec<Diagnostic>,
    ) {
    }
}

/// Declares a rule's [`RuleInfo`] from its doc comment, clippy-style.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* $name:ident, $id:literal, $sev:ident, $summary:literal) => {
        $(#[doc = $doc])*
        pub static $name: $crate::rules::RuleInfo = $crate::rules::RuleInfo {
            id: $id,
            default_severity: $crate::report::Severity::$sev,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by id.
pub static ALL: &[&dyn Rule] = &[
    &blocking_acquire_in_async::BlockingAcquireInAsync,
    &conn_accumulated::ConnAccumulated,
    &conn_forgotten::ConnForgotten,
    &conn_held_while_waiting::ConnHeldWhileWaiting,
    &conn_stored_long_lived::ConnStoredLongLived,
    &connection_not_driven::ConnectionNotDriven,
    &nested_acquire::NestedAcquire,
    &parse_error::ParseError,
    &pool_config_inconsistent::PoolConfigInconsistent,
    &pool_config_missing::PoolConfigMissing,
    &pool_config_out_of_bounds::PoolConfigOutOfBounds,
    &pool_per_call::PoolPerCall,
    &suppression_without_reason::SuppressionWithoutReason,
    &tx_not_finalized::TxNotFinalized,
    &unused_suppression::UnusedSuppression,
];

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.info().id == id)
}

/// The rules a run selects: those in `select` (all when `None`), less those in `ignore`.
pub fn selected<'a>(
    select: Option<&[String]>,
    ignore: impl IntoIterator<Item = &'a String> + Clone,
) -> Vec<&'static dyn Rule> {
    ALL.iter()
        .copied()
        .filter(|r| select.is_none_or(|s| s.iter().any(|x| x == r.info().id)))
        .filter(|r| !ignore.clone().into_iter().any(|s| s == r.info().id))
        .collect()
}

/// Cites why `subject` is a pool or a guard: as a label where the evidence has a place of its
/// own, else appended to the message.
fn cite_evidence(mut d: Diagnostic, subject: &str, evidence: &Evidence) -> Diagnostic {
    match evidence.span {
        Some(at) if at != d.span => d.with_label(at, format!("`{subject}` {}", evidence.text)),
        _ => {
            d.message = format!("{} (`{subject}` {})", d.message, evidence.text);
            d
        }
    }
}

/// Where two rules fire on one expression, only the more specific stands: `nested-acquire`
/// over `conn-held-while-waiting` (the wait is the second acquisition), `conn-forgotten` over
/// `conn-stored-long-lived`.
pub fn apply_precedence(diagnostics: &mut Vec<Diagnostic>) {
    const PAIRS: &[(&str, &str)] =
        &[("nested-acquire", "conn-held-while-waiting"), ("conn-forgotten", "conn-stored-long-lived")];
    let losers: Vec<bool> = diagnostics
        .iter()
        .map(|d| {
            PAIRS.iter().any(|(winner, loser)| {
                d.rule == *loser
                    && diagnostics.iter().any(|w| {
                        w.rule == *winner
                            && w.span.file == d.span.file
                            && w.span.start < d.span.end.max(d.span.start + 1)
                            && d.span.start < w.span.end.max(w.span.start + 1)
                    })
            })
        })
        .collect();
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        !losers[i - 1]
    });
}

/// The id of the rule for suppressions that suppress nothing.
pub const UNUSED_SUPPRESSION: &str = unused_suppression::UNUSED_SUPPRESSION.id;

/// The id of the rule for suppressions without a reason.
pub const SUPPRESSION_WITHOUT_REASON: &str = suppression_without_reason::SUPPRESSION_WITHOUT_REASON.id;

/// The id of the rule under which unreadable and unparsable files are reported.
pub const PARSE_ERROR: &str = parse_error::PARSE_ERROR.id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let ids: Vec<&str> = ALL.iter().map(|r| r.info().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn every_rule_documents_the_fixed_sections() {
        for r in ALL {
            let info = r.info();
            for section in ["### What it flags", "### Why it drains a pool", "### Example", "### Use instead"] {
                assert!(info.docs.contains(section), "{} lacks `{section}`", info.id);
            }
            assert!(!info.summary.ends_with('.'), "{}: summary ends with a period", info.id);
        }
    }
}
