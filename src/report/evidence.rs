//! `poolcheck evidence`: what poolcheck believes about the scanned code, grouped by kind and
//! sorted by place, as text for people or as a JSON document (version 1) for tools.

use super::Report;
use crate::analysis::evidence::{Belief, BeliefKind};
use serde::Serialize;
use std::io::{self, Write};

/// The beliefs of a report, sorted by kind, file, line and subject.
fn sorted(report: &Report) -> Vec<&Belief> {
    let mut beliefs: Vec<&Belief> = report.evidence.iter().flat_map(|e| &e.beliefs).collect();
    beliefs.sort_by_cached_key(|b| {
        let p = report.position(b.at);
        (b.kind, report.file_name(b.at).to_owned(), p.line, p.column, b.subject.clone())
    });
    beliefs.dedup_by(|a, b| a.kind == b.kind && a.subject == b.subject && a.at == b.at);
    beliefs
}

/// Writes the beliefs as text: a heading per kind, one line per belief (`file:line  subject  detail`).
pub fn render_human(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let beliefs = sorted(report);
    let mut current: Option<BeliefKind> = None;
    for b in &beliefs {
        if current != Some(b.kind) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}:", b.kind.heading())?;
            current = Some(b.kind);
        }
        let p = report.position(b.at);
        writeln!(out, "  {}:{}  {}  {}", report.file_name(b.at), p.line, b.subject, b.detail)?;
    }
    if beliefs.is_empty() {
        writeln!(out, "no pools, guards or connections found in {} file(s)", report.files_scanned)?;
    } else {
        writeln!(out, "\n{} belief(s) about {} file(s)", beliefs.len(), report.files_scanned)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    beliefs: Vec<JsonBelief<'a>>,
    files_scanned: usize,
}

#[derive(Serialize)]
struct JsonBelief<'a> {
    kind: BeliefKind,
    subject: &'a str,
    detail: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
}

/// Writes the beliefs as a JSON document.
pub fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let beliefs = sorted(report)
        .into_iter()
        .map(|b| {
            let p = report.position(b.at);
            JsonBelief {
                kind: b.kind,
                subject: &b.subject,
                detail: &b.detail,
                file: report.file_name(b.at),
                line: p.line,
                column: p.column,
            }
        })
        .collect();
    let doc = Document { version: 1, beliefs, files_scanned: report.files_scanned };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
