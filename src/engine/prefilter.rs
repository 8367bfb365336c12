//! The prefilter: files of packages that cannot reach a pool crate are parsed only if their
//! text mentions a catalogued crate or a distinctive pool or guard type name.

use crate::catalog::Catalog;
use crate::index::skim;
use aho_corasick::{AhoCorasick, MatchKind};

/// A cheap substring test: files of packages that cannot reach a pool crate are parsed only if
/// they mention a catalogued crate or a distinctive pool or guard type name.
pub struct Prefilter(AhoCorasick);

impl Prefilter {
    /// The prefilter for a catalogue.
    pub fn new(catalog: &Catalog) -> Prefilter {
        let ambiguous = &catalog.std.wrappers.ambiguous_names;
        let mut needles: Vec<String> = Vec::new();
        for c in &catalog.crates {
            needles.extend(c.paths.iter().map(|p| p.split("::").next().unwrap_or(p).to_owned()));
            needles.extend(c.pool_types.iter().filter(|n| !ambiguous.contains(n)).cloned());
            needles.extend(c.guard_types.iter().map(|g| &g.name).filter(|n| !ambiguous.contains(n)).cloned());
        }
        needles.sort();
        needles.dedup();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .expect("catalogue needles form a valid automaton");
        Prefilter(ac)
    }

    /// Whether a file's text may concern pools: a needle at the start of a word (`bb8` in
    /// `use bb8::Pool`, not in the hex literal `0x4bb8…`). Needles are identifiers, so a match
    /// that starts inside a word hides no match that starts a word.
    pub fn matches(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        self.0.find_iter(text).any(|m| m.start() == 0 || !skim::is_word_byte(bytes[m.start() - 1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_matches_needles_at_the_start_of_a_word_only() {
        let prefilter = Prefilter::new(Catalog::embedded());
        for text in [
            "use bb8::Pool;",
            "bb8::Pool::builder()",
            "fn f(p: &sqlx::PgPool) {}",
            "x: PgPoolOptions",
            "(deadpool_postgres::Pool)",
        ] {
            assert!(prefilter.matches(text), "{text}");
        }
        // hex GUIDs of FFI bindings, identifiers that merely contain a needle
        for text in ["const IID: u128 = 0x4bb8_1234;", "let my_sqlx_port = 1;", "struct MyPgPoolish;", "é_sqlx"] {
            assert!(!prefilter.matches(text), "{text}");
        }
    }
}
