//! The rules. Each lives in its own file with its documentation (the text `poolcheck explain`
//! prints and the README's rule table is made from) and registers here, in [`ALL`].

mod conn_forgotten;
mod parse_error;

use crate::analysis::body::BodyCx;
use crate::report::{Diagnostic, Severity};

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
pub static ALL: &[&dyn Rule] = &[&conn_forgotten::ConnForgotten, &parse_error::ParseError];

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.info().id == id)
}

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
            for section in [
                "### What it flags",
                "### Why it drains a pool",
                "### Example",
                "### Use instead",
            ] {
                assert!(info.docs.contains(section), "{} lacks `{section}`", info.id);
            }
            assert!(
                !info.summary.ends_with('.'),
                "{}: summary ends with a period",
                info.id
            );
        }
    }
}
