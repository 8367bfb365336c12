//! Hover: why poolcheck believes what it reports. On a finding, its message, labels and help,
//! then the evidence behind it: the beliefs `poolcheck evidence` holds near the finding's
//! lines or its labels, and those about what it names (`App::db_write`, `app.primary`), with
//! the ones those name in turn. On a name the evidence knows (a pool field, an accessor, a
//! handler) or a line holding a belief, those beliefs.

use super::positions::{self, Encoding};
use crate::analysis::evidence::Belief;
use crate::engine::live::LiveWorkspace;
use crate::report::Diagnostic;
use crate::source::{FileId, Span};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use std::fmt::Write;
use std::path::Path;

/// How many lines around a finding a belief may be and still be shown with it.
const NEAR: usize = 2;

/// The hover at byte `offset` of file `id`, if there is anything to say there.
pub fn hover(live: &LiveWorkspace, id: FileId, offset: usize, folder: &Path, encoding: Encoding) -> Option<Hover> {
    let text = &live.source(id)?.text;
    let shown = Shown { live, folder };
    let findings: Vec<Diagnostic> =
        live.findings(id).into_iter().filter(|d| d.span.start <= offset && offset <= d.span.end).collect();
    let mut value = String::new();
    let span = if let Some(first) = findings.first() {
        for d in &findings {
            shown.finding(d, &mut value);
            shown.beliefs("Evidence", &relevant_to(d, live), &mut value);
        }
        first.span
    } else {
        let word = word_at(text, offset)?;
        let line = shown.line(Span { file: id, start: offset, end: offset });
        let beliefs: Vec<&Belief> = live
            .evidence()
            .iter()
            .filter(|b| (b.at.file == id && shown.line(b.at) == line) || names(&b.subject, &text[word.clone()]))
            .collect();
        if beliefs.is_empty() {
            return None;
        }
        shown.beliefs("What poolcheck believes here", &beliefs, &mut value);
        Span { file: id, start: word.start, end: word.end }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
        range: Some(positions::range(text, span.range(), encoding)),
    })
}

/// The beliefs behind a finding: near its lines or at its labels, or about what its words
/// name, and what those beliefs' details name in turn.
fn relevant_to<'a>(d: &Diagnostic, live: &'a LiveWorkspace) -> Vec<&'a Belief> {
    let line = |span: Span| live.source(span.file).map(|s| s.line_index(span.start));
    let (first, last) = (line(d.span), live.source(d.span.file).map(|s| s.line_index(d.span.end)));
    let near = |b: &Belief| match (line(b.at), first, last) {
        (Some(at), Some(first), Some(last)) if b.at.file == d.span.file => {
            first.saturating_sub(NEAR) <= at && at <= last + NEAR
        }
        _ => false,
    };
    let at_label = |b: &Belief| d.labels.iter().any(|l| l.span.file == b.at.file && line(l.span) == line(b.at));
    let mut words: Vec<&str> = code_in(&d.message);
    words.extend(d.labels.iter().flat_map(|l| code_in(&l.message)));
    words.extend(d.help.iter().flat_map(|h| code_in(h)));
    let evidence = live.evidence();
    let mut chosen: Vec<&Belief> =
        evidence.iter().filter(|b| near(b) || at_label(b) || words.iter().any(|w| names(&b.subject, w))).collect();
    // one step further: the pool an accessor's detail names
    let further: Vec<&str> = chosen.iter().flat_map(|b| code_in(&b.detail)).collect();
    for b in evidence {
        if further.iter().any(|w| names(&b.subject, w)) && !chosen.iter().any(|c| std::ptr::eq(*c, b)) {
            chosen.push(b);
        }
    }
    chosen
}

/// Whether code written in a message or under the cursor names a belief's subject: the
/// subject itself (`App::db_write`), its last segment for a name (`db_write`), or a place
/// ending in a field of that name (`app.primary`, `self.primary` for `App.primary`).
fn names(subject: &str, code: &str) -> bool {
    if subject == code {
        return true;
    }
    let last = |s: &str| s.rsplit(['.', ':']).next().unwrap_or(s).to_owned();
    let is_place = code.contains('.') && code.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    let is_name = code.chars().all(|c| c.is_alphanumeric() || c == '_');
    ((is_place && subject.contains('.')) || is_name) && !code.is_empty() && last(subject) == last(code)
}

/// The `code` spans of a message.
fn code_in(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The identifier at a byte offset (or just before it).
fn word_at(text: &str, offset: usize) -> Option<std::ops::Range<usize>> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let offset = offset.min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i))?;
    let start = text[..offset].char_indices().rev().take_while(|(_, c)| is_ident(*c)).last().map_or(offset, |(i, _)| i);
    let end = text[offset..].char_indices().find(|(_, c)| !is_ident(*c)).map_or(text.len(), |(i, _)| offset + i);
    (start < end).then_some(start..end)
}

/// How places are written in a hover: paths relative to the workspace folder, 1-based lines.
struct Shown<'a> {
    live: &'a LiveWorkspace,
    folder: &'a Path,
}

impl Shown<'_> {
    fn line(&self, span: Span) -> usize {
        self.live.source(span.file).map_or(0, |s| s.line_index(span.start)) + 1
    }

    fn place(&self, span: Span) -> String {
        let path = self.live.path(span.file);
        let path = path.strip_prefix(self.folder).unwrap_or(path);
        format!("{}:{}", path.to_string_lossy().replace('\\', "/"), self.line(span))
    }

    fn finding(&self, d: &Diagnostic, out: &mut String) {
        let _ = writeln!(out, "**poolcheck** `{}` ({}): {}\n", d.rule, d.severity, d.message);
        for label in &d.labels {
            let _ = writeln!(out, "- `{}` {}", self.place(label.span), label.message);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "\nhelp: {help}");
        }
        out.push('\n');
    }

    fn beliefs(&self, heading: &str, beliefs: &[&Belief], out: &mut String) {
        if beliefs.is_empty() {
            return;
        }
        let _ = writeln!(out, "**{heading}** (`poolcheck evidence`):\n");
        let mut lines: Vec<(String, String)> = beliefs
            .iter()
            .map(|b| {
                let kind = serde_json::to_value(b.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
                let place = self.place(b.at);
                (place.clone(), format!("- {}: `{}` {} (`{place}`)", kind.unwrap_or_default(), b.subject, b.detail))
            })
            .collect();
        lines.sort();
        lines.dedup();
        for (_, line) in lines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_subjects_by_name_or_by_field() {
        assert!(names("App::db_write", "App::db_write"));
        assert!(names("App.primary", "app.primary"));
        assert!(names("Store::conn", "conn"));
        assert!(!names("Store::conn", "self.conn"), "a field place names fields only");
        assert!(!names("App.primary", "primary_db"));
        assert!(!names("App.primary", "mem::forget(conn)"));
    }

    #[test]
    fn words_and_code_spans_are_found() {
        let text = "let conn = store.conn();";
        assert_eq!(word_at(text, 5).map(|r| &text[r]), Some("conn"));
        assert_eq!(word_at(text, 8).map(|r| &text[r]), Some("conn"), "just past the word");
        assert_eq!(word_at(text, 9), None);
        assert_eq!(code_in("`a` taken from `b.c` here"), ["a", "b.c"]);
    }
}
