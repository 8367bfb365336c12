//! `parse-error`: files that could not be read or parsed.

use super::{declare_rule, Rule, RuleInfo};

declare_rule! {
    /// ### What it flags
    /// A file poolcheck could not analyse: Rust that `syn` cannot parse, bytes that are not
    /// UTF-8, a file larger than the size limit, a file that could not be read, or nesting too
    /// deep to analyse safely. The scan goes on with the other files.
    ///
    /// ### Why it drains a pool
    /// It does not, but it means poolcheck saw nothing in that file: a leak there would go
    /// unreported. A parse error usually means syntax newer than poolcheck's parser, a file that
    /// is not Rust, or a generated file.
    ///
    /// ### Example
    /// ```text
    /// src/broken.rs:3:13: warning[parse-error]: cannot parse as Rust: expected an expression; the file is not analysed
    /// ```
    ///
    /// ### Use instead
    /// Fix the syntax, exclude the file in `poolcheck.toml`, or raise `max-file-size`.
    PARSE_ERROR, "parse-error", Warning, "a file that could not be read or parsed; the scan goes on without it"
}

/// Reported by the engine, not by walking functions.
pub struct ParseError;

impl Rule for ParseError {
    fn info(&self) -> &'static RuleInfo {
        &PARSE_ERROR
    }
}
