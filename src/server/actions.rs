//! Quick fixes: a finding's safe rewrite (the one `poolcheck check --fix` applies and the
//! `json` format's `fix` describes) as a `quickfix` code action whose workspace edit makes the
//! same replacements. The server never writes a file; the client applies the edit if asked.

use super::diagnostics;
use super::positions::{self, Encoding};
use crate::engine::live::LiveWorkspace;
use crate::source::FileId;
use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// The quick fixes of the findings of file `id` whose range meets `wanted` (`uri`: the
/// file's URI).
pub fn quick_fixes(
    live: &LiveWorkspace,
    id: FileId,
    uri: &Url,
    wanted: std::ops::Range<usize>,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let Some(source) = live.source(id) else { return Vec::new() };
    let meets = |span: crate::source::Span| span.start <= wanted.end && wanted.start <= span.end;
    live.findings(id)
        .iter()
        .filter(|d| meets(d.span))
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            // as `--fix`: a rewrite of another file than the finding's is not made
            if fix.edits.iter().any(|e| e.span.file != id) {
                return None;
            }
            let edits: Vec<TextEdit> = fix
                .edits
                .iter()
                .map(|e| TextEdit {
                    range: positions::range(&source.text, e.span.range(), encoding),
                    new_text: e.replacement.clone(),
                })
                .collect();
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.description.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostics::to_lsp(d, live, encoding)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), edits)])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}

/// Whether a request's `only` filter lets quick fixes through.
pub fn wants_quick_fixes(only: Option<&[CodeActionKind]>) -> bool {
    only.is_none_or(|kinds| kinds.iter().any(|k| k.as_str() == "quickfix" || k.as_str().is_empty()))
}
