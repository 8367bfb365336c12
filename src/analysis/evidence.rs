//! What poolcheck believes about a codebase, each belief with the place that is its evidence:
//! where pools live (fields, statics, `Deref` newtypes), which types carry a guard, which
//! functions hand out connections and from which pool, where connections are taken, where
//! requests come in and where pools are built. `poolcheck evidence` prints it, so that "why did
//! poolcheck miss this?" has an answer: the belief that is missing is the one to look at.
//!
//! Types are read from the index (their fields, through the crate views), functions from the
//! workspace summaries; nothing here decides a finding.

use super::summary::CrateFacts;
use crate::catalog::Catalog;
use crate::index::{FileFacts, IndexView, ItemRef, TypeClass};
use crate::source::{FileId, SourceFile, Span};

/// What kind of belief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeliefKind {
    /// A field or static that holds a pool.
    Pool,
    /// A type that dereferences to a pool (`struct Db(PgPool)` with `Deref`).
    PoolNewtype,
    /// A type that owns a guard: a value of it keeps a connection checked out.
    GuardCarrier,
    /// A function that returns a guard, with the pool it comes from.
    Accessor,
    /// A function that takes a connection itself.
    Acquisition,
    /// A request handler: an entry point of per-request work.
    EntryPoint,
    /// Where a pool is built or a raw connection opened.
    Construction,
}

impl BeliefKind {
    /// Heading for human output.
    pub fn heading(self) -> &'static str {
        match self {
            BeliefKind::Pool => "pools",
            BeliefKind::PoolNewtype => "pool newtypes",
            BeliefKind::GuardCarrier => "guard-carrying types",
            BeliefKind::Accessor => "functions that return a connection",
            BeliefKind::Acquisition => "functions that take a connection",
            BeliefKind::EntryPoint => "request entry points",
            BeliefKind::Construction => "pools built and connections opened",
        }
    }
}

/// One belief: about what, what is believed, and where the evidence is.
#[derive(Debug, Clone)]
pub struct Belief {
    /// Its kind.
    pub kind: BeliefKind,
    /// What it is about (`App.primary_database`, `DbConn`, `App::db_write`).
    pub subject: String,
    /// What poolcheck believes of it.
    pub detail: String,
    /// The evidence.
    pub at: Span,
}

/// Everything believed about a scan's files.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The beliefs, in no particular order (renderers sort them).
    pub beliefs: Vec<Belief>,
}

/// Beliefs about the types and statics one file defines, read through its crate's view.
pub fn of_types(
    view: IndexView<'_>,
    facts: &FileFacts,
    source: &SourceFile,
    file: FileId,
    catalog: &Catalog,
) -> Vec<Belief> {
    let at = |name: &str| {
        let start = definition(&source.text, name).unwrap_or(0);
        let end = source.text[start..].find('\n').map_or(source.text.len(), |n| start + n);
        Span { file, start, end }
    };
    let mut out = Vec::new();
    for crate::index::StructDef { name, fields, .. } in &facts.structs {
        // an enum is recorded whole and per variant: the whole is enough
        if name.contains("::") {
            continue;
        }
        let item = ItemRef { krate: view.name.to_owned(), name: name.clone() };
        for (field, ty) in fields {
            if view.holds_pool(view.classify(ty, catalog).owned()) {
                out.push(Belief {
                    kind: BeliefKind::Pool,
                    subject: format!("{name}.{field}"),
                    detail: format!("holds a pool (`{ty}`)"),
                    at: at(name),
                });
            }
        }
        if let Some((kind, field)) = view.carried_guard(&item, catalog) {
            out.push(Belief {
                kind: BeliefKind::GuardCarrier,
                subject: name.clone(),
                detail: format!(
                    "owns {} in field `{field}`: a value of it keeps the connection while it lives",
                    kind.noun_with_article()
                ),
                at: at(name),
            });
        }
        if let Some(target) = view.deref_target(name) {
            if matches!(view.classify(target, catalog), TypeClass::Pool(_)) {
                out.push(Belief {
                    kind: BeliefKind::PoolNewtype,
                    subject: name.clone(),
                    detail: format!("dereferences to a pool (`{target}`)"),
                    at: at(name),
                });
            }
        }
    }
    for (name, ty) in &facts.statics {
        if view.holds_pool(view.classify(ty, catalog).owned()) {
            out.push(Belief {
                kind: BeliefKind::Pool,
                subject: name.clone(),
                detail: format!("a static that holds a pool (`{ty}`)"),
                at: at(name),
            });
        }
    }
    out
}

/// Beliefs about the workspace's functions, from their summaries: accessors with the pools
/// their guards come from, direct acquisitions, entry points and constructions.
pub fn of_functions(facts: &CrateFacts) -> Vec<Belief> {
    let mut out = Vec::new();
    for (i, f) in facts.fns.iter().enumerate() {
        let pools: Vec<String> = facts.returns[i].keys().map(|k| format!("`{k}`")).collect();
        if !pools.is_empty() {
            let detail = match pools.as_slice() {
                [one] => format!("returns a connection taken from {one}"),
                many => format!("returns a connection that may come from any of {}", many.join(", ")),
            };
            out.push(Belief { kind: BeliefKind::Accessor, subject: f.shown.clone(), detail, at: f.span });
        }
        let mut direct: Vec<&str> = f.acquires.iter().map(|a| a.key.as_str()).collect();
        direct.sort_unstable();
        direct.dedup();
        if let (Some(first), false) = (f.acquires.first(), direct.is_empty()) {
            let keys: Vec<String> = direct.iter().map(|k| format!("`{k}`")).collect();
            out.push(Belief {
                kind: BeliefKind::Acquisition,
                subject: f.shown.clone(),
                detail: format!("takes a connection from {}", keys.join(", ")),
                at: first.span,
            });
        }
        if let Some([entry]) = facts.per_request[i].as_deref() {
            out.push(Belief {
                kind: BeliefKind::EntryPoint,
                subject: f.shown.clone(),
                detail: entry.note.clone(),
                at: entry.span,
            });
        }
        for c in &f.constructions {
            let what = if c.pool { "builds a pool" } else { "opens a connection" };
            let when = match (c.per_item, &facts.per_request[i]) {
                (Some(_), _) => ", once per item of a loop",
                (None, Some(_)) => ", on every request that reaches it",
                (None, None) => "",
            };
            out.push(Belief {
                kind: BeliefKind::Construction,
                subject: f.shown.clone(),
                detail: format!("{what} with `{}`{when}", c.shown),
                at: c.span,
            });
        }
    }
    out
}

/// Where the file defines `name` (`struct Name`, `enum Name`, `static Name`, `const Name`): the
/// start of the line. The index reads a skimmed text whose positions are not the file's, so
/// the place is found in the file's own text.
fn definition(text: &str, name: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    ["struct", "enum", "static ref", "static mut", "static", "const"]
        .iter()
        .find_map(|keyword| {
            let needle = format!("{keyword} {name}");
            text.match_indices(&needle).map(|(at, _)| at).find(|&at| {
                let before = text[..at].chars().next_back().is_none_or(|c| !is_ident(c));
                let after = text[at + needle.len()..].chars().next().is_none_or(|c| !is_ident(c));
                before && after
            })
        })
        .map(|at| text[..at].rfind('\n').map_or(0, |n| n + 1))
}
