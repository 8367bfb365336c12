//! Inline suppressions: `// poolcheck: allow(rule-id) reason` on the line of a finding or the
//! line above it, and `// poolcheck: allow-file(rule-id) reason` in a file's leading comments
//! (`#` comments in TOML, YAML and `.env` files). syn drops comments, so they are read from the
//! raw text. A suppression needs a reason, and one that suppresses nothing is reported.

use crate::report::{Diagnostic, Severity};
use crate::rules;
use crate::source::{FileId, SourceFile, Span};

/// One suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Where the comment is.
    pub span: Span,
    /// 0-based lines it covers (`None`: the whole file).
    pub lines: Option<(usize, usize)>,
    /// Rule ids it names.
    pub rules: Vec<String>,
    /// The reason given.
    pub reason: String,
}

/// Finds the suppression comments of a file.
pub fn parse(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    let text = &source.text;
    if memchr::memmem::find(text.as_bytes(), b"poolcheck:").is_none() {
        return Vec::new();
    }
    // Rust comments start with `//`; TOML, YAML and `.env` comments with `#`
    let marker = if source.path.extension().is_some_and(|e| e == "rs") { "//" } else { "#" };
    let mut out = Vec::new();
    let mut leading = true;
    for (index, start) in source.line_starts().iter().enumerate() {
        let Some(range) = source.line_range(index) else { continue };
        let line = &text[range.clone()];
        let trimmed = line.trim_start();
        let is_comment_line = trimmed.starts_with(marker) || trimmed.is_empty();
        if let Some(at) = comment_start(line, marker) {
            let body = line[at + marker.len()..].trim_start();
            if let Some(directive) = body.strip_prefix("poolcheck:") {
                if let Some(s) = directive_of(directive.trim_start()) {
                    let span = Span { file, start: start + at, end: range.end };
                    let lines = match (s.0, trimmed.starts_with(marker)) {
                        (true, _) if leading => None,
                        // a file-level suppression past the leading comments does nothing
                        (true, _) => Some((usize::MAX, usize::MAX)),
                        (false, true) => Some((index, index + 1)),
                        (false, false) => Some((index, index)),
                    };
                    out.push(Suppression { span, lines, rules: s.1, reason: s.2 });
                }
            }
        }
        if !is_comment_line && !trimmed.starts_with("#!") {
            leading = false;
        }
    }
    out
}

/// Where a line's comment starts: the first `marker` outside a string literal, unless it opens
/// a doc comment (`///`, `//!`), which documents rather than directs.
fn comment_start(line: &str, marker: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            _ if !in_string && line[i..].starts_with(marker) => {
                let doc = marker == "//" && matches!(bytes.get(i + 2), Some(b'/' | b'!'));
                return (!doc).then_some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `allow(a, b) reason` or `allow-file(a) reason`: (file-level, rules, reason).
fn directive_of(text: &str) -> Option<(bool, Vec<String>, String)> {
    let (file_level, rest) =
        if let Some(r) = text.strip_prefix("allow-file(") { (true, r) } else { (false, text.strip_prefix("allow(")?) };
    let (ids, reason) = rest.split_once(')')?;
    let ids: Vec<String> = ids.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    // a fixture marker after the reason is not part of it
    let reason = reason.split("//~").next().unwrap_or("").split("#~").next().unwrap_or("").trim();
    Some((file_level, ids, reason.to_owned()))
}

/// Removes the diagnostics suppressions cover; returns how many, and adds findings for
/// suppressions without a reason, naming unknown rules, or suppressing nothing (for rules
/// that ran: `enabled`).
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &[Suppression],
    line_of: impl Fn(Span) -> usize,
    enabled: &[&str],
) -> usize {
    let mut used = vec![false; suppressions.len()];
    let before = diagnostics.len();
    diagnostics.retain(|d| {
        let line = line_of(d.span);
        let hit = suppressions.iter().position(|s| {
            s.span.file == d.span.file
                && !s.reason.is_empty()
                && s.rules.iter().any(|r| r == d.rule)
                && s.lines.is_none_or(|(from, to)| from <= line && line <= to)
        });
        if let Some(i) = hit {
            used[i] = true;
        }
        hit.is_none()
    });
    let suppressed = before - diagnostics.len();
    for (s, used) in suppressions.iter().zip(used) {
        if s.reason.is_empty() {
            diagnostics.push(Diagnostic::new(
                rules::SUPPRESSION_WITHOUT_REASON,
                Severity::Warning,
                s.span,
                "this suppression gives no reason, so it suppresses nothing: say why the finding is acceptable after the `)`",
            ));
            continue;
        }
        if let Some(unknown) = s.rules.iter().find(|r| rules::by_id(r).is_none()) {
            diagnostics.push(Diagnostic::new(
                rules::UNUSED_SUPPRESSION,
                Severity::Warning,
                s.span,
                format!("this suppression names `{unknown}`, which is not a rule; `poolcheck rules` lists them"),
            ));
            continue;
        }
        if !used && s.rules.iter().any(|r| enabled.contains(&r.as_str())) {
            diagnostics.push(
                Diagnostic::new(
                    rules::UNUSED_SUPPRESSION,
                    Severity::Warning,
                    s.span,
                    format!("this suppression of `{}` suppresses nothing", s.rules.join("`, `")),
                )
                .with_help("remove it: the finding it was written for is gone"),
            );
        }
    }
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_and_strings_are_not_suppressions() {
        let s = parse_text("/// // poolcheck: allow(conn-forgotten) example in docs\nlet x = \"// poolcheck: allow(conn-forgotten) text\";\n// see poolcheck: allow(x) prose\n");
        assert!(s.is_empty(), "{s:?}");
    }

    fn parse_text(text: &str) -> Vec<Suppression> {
        parse(0, &SourceFile::new("a.rs".into(), "a.rs".into(), text.into()))
    }

    #[test]
    fn line_and_file_forms() {
        let s = parse_text(
            "// poolcheck: allow-file(conn-accumulated) warm-up code\nfn f() {\n    // poolcheck: allow(conn-forgotten, conn-stored-long-lived) handed to C\n    x(); // poolcheck: allow(nested-acquire) reviewed\n}\n// poolcheck: allow-file(pool-per-call) too late\n",
        );
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].lines, None);
        assert_eq!(s[1].lines, Some((2, 3)));
        assert_eq!(s[1].rules, vec!["conn-forgotten", "conn-stored-long-lived"]);
        assert_eq!(s[1].reason, "handed to C");
        assert_eq!(s[2].lines, Some((3, 3)));
        assert_eq!(s[3].lines, Some((usize::MAX, usize::MAX)));
    }

    #[test]
    fn reasons_are_required_and_unused_ones_reported() {
        let s =
            parse_text("// poolcheck: allow(conn-forgotten)\nforget(c);\n// poolcheck: allow(conn-forgotten) ok\n\n");
        let mut diags =
            vec![Diagnostic::new("conn-forgotten", Severity::Error, Span { file: 0, start: 36, end: 45 }, "x")];
        let suppressed = apply(&mut diags, &s, |_| 1, &["conn-forgotten"]);
        assert_eq!(suppressed, 0);
        let rules: Vec<&str> = diags.iter().map(|d| d.rule).collect();
        assert_eq!(rules, vec!["conn-forgotten", "suppression-without-reason", "unused-suppression"]);
    }
}
