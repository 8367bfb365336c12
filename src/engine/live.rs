//! A scanned workspace kept in memory between edits, for the language server. It holds what a
//! scan computes of each file (pass 1's text and facts, pass 2's findings and function facts),
//! each crate's index and the workspace's function summaries, so that an edit costs the
//! changed file's analysis rather than the workspace's: the file is parsed again (unless its
//! content hash is unchanged), its crate's index is rebuilt only when its facts changed, and
//! the cross-file summaries and rules run again over the kept function facts.
//!
//! When a crate's index changes, the files analysed against the old one are stale: those the
//! caller needs now are analysed again at once, the rest by [`LiveWorkspace::catch_up`] when
//! the caller is idle. Once nothing is stale, a file's findings are exactly what
//! `poolcheck check` reports for it over the same folder.

use super::discover::{self, Discovered};
use super::plan::{self, Plan};
use super::{
    first_pass, first_pass_text, load_wanted_consts, second_pass_of, settle, summarise, too_big, type_beliefs,
    worker_pool, workspace, CrateView, FirstPass, Prefilter, ScanError, ScanOptions,
};
use crate::analysis::evidence::{self, Belief};
use crate::analysis::facts::{FileFnFacts, FnFacts};
use crate::analysis::summary::{CrateFacts, Earlier};
use crate::index::CrateIndex;
use crate::report::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A workspace scanned once and kept up to date file by file.
pub struct LiveWorkspace {
    /// The worker threads the passes run on.
    pool: rayon::ThreadPool,
    state: State,
}

struct State {
    opts: ScanOptions,
    prefilter: Prefilter,
    plan: Plan,
    /// Canonical path → file.
    by_path: HashMap<PathBuf, FileId>,
    /// Pass 1 of each file of `plan.found`.
    passes: Vec<FirstPass>,
    /// Content hash of the text each pass 1 read (`None`: nothing read).
    hashes: Vec<Option<u128>>,
    /// Pass 2 of each file: its findings.
    analysed: Vec<Vec<Diagnostic>>,
    /// Pass 2 of each file: the handlers registered in it.
    registered: Vec<Vec<(String, Span)>>,
    /// Where each file's functions are in `summaries.fns` (files in order, back to back).
    fn_ranges: Vec<std::ops::Range<usize>>,
    /// Functions of files analysed since the summaries were built, by file.
    fresh_fns: BTreeMap<FileId, Vec<FnFacts>>,
    /// Each crate's index.
    indexes: HashMap<Option<usize>, CrateIndex>,
    /// The workspace's function summaries; they hold every file's function facts.
    summaries: CrateFacts,
    /// What the rules found across the summaries.
    crate_diagnostics: Vec<Diagnostic>,
    /// Texts an editor holds, by file; the others are read from disk.
    overlays: HashMap<FileId, String>,
    /// Files whose text may have changed since their pass 1.
    dirty: BTreeSet<FileId>,
    /// Files analysed against an index that has changed since.
    stale: BTreeSet<FileId>,
    /// Every belief about the reported files, worked out when first asked for.
    evidence: OnceLock<Vec<Belief>>,
    /// Which files are modules only tests compile, worked out as they are asked about.
    test_modules: std::sync::Mutex<super::test_modules::TestModules>,
}

impl LiveWorkspace {
    /// Scans `opts.paths` (folders) as `poolcheck check` does, and keeps what it computed.
    pub fn load(opts: ScanOptions) -> Result<LiveWorkspace, ScanError> {
        let pool = worker_pool(opts.jobs)?;
        let (found, _) = discover::discover(&opts.paths, opts.include_tests, opts.config.exclusion())?;
        let plan = plan::plan(&opts, found);
        let files = plan.found.len();
        let by_path = plan
            .found
            .iter()
            .enumerate()
            .filter_map(|(id, f)| Some((std::fs::canonicalize(&f.path).ok()?, id)))
            .collect();
        let mut state = State {
            prefilter: Prefilter::new(&opts.config.catalog),
            opts,
            plan,
            by_path,
            passes: std::iter::repeat_with(FirstPass::default).take(files).collect(),
            hashes: vec![None; files],
            analysed: vec![Vec::new(); files],
            registered: vec![Vec::new(); files],
            fn_ranges: vec![0..0; files],
            fresh_fns: BTreeMap::new(),
            indexes: HashMap::new(),
            summaries: CrateFacts::default(),
            crate_diagnostics: Vec::new(),
            overlays: HashMap::new(),
            dirty: (0..files).collect(),
            stale: BTreeSet::new(),
            evidence: OnceLock::new(),
            test_modules: Default::default(),
        };
        pool.install(|| state.refresh(&[]));
        Ok(LiveWorkspace { pool, state })
    }

    /// How many files the scan found (those it reports and those it reads as evidence).
    pub fn files(&self) -> usize {
        self.state.plan.found.len()
    }

    /// Whether a walk of the folders would now find other files than the scan found (files
    /// created or deleted since, in the walk's terms: `.gitignore`, `target/` and excludes
    /// honoured); the workspace is then to be loaded again.
    pub fn walk_differs(&self) -> bool {
        let opts = &self.state.opts;
        let Ok((found, _)) = discover::discover(&opts.paths, opts.include_tests, opts.config.exclusion()) else {
            return true;
        };
        let scanned = &self.state.plan.found[..self.state.plan.reported];
        found.iter().map(|f| &f.path).ne(scanned.iter().map(|f| &f.path))
    }

    /// The file at `path` (canonical), if the scan found it.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.state.by_path.get(path).copied()
    }

    /// The path a file was read from.
    pub fn path(&self, id: FileId) -> &Path {
        &self.state.plan.found[id].path
    }

    /// The text a file was last analysed from, with its line index (`None`: not read, as
    /// for a file the prefilter skipped).
    pub fn source(&self, id: FileId) -> Option<&SourceFile> {
        self.state.passes.get(id)?.source.as_ref()
    }

    /// Whether findings in the file are reported (not only read as evidence).
    pub fn is_reported(&self, id: FileId) -> bool {
        self.state.reported_file(id)
    }

    /// Sets the text a file is analysed from (an editor's buffer), or `None` for its text on
    /// disk. Takes effect at the next [`LiveWorkspace::refresh`]; an unchanged text costs
    /// nothing there.
    pub fn set_text(&mut self, id: FileId, text: Option<String>) {
        match text {
            Some(text) => self.state.overlays.insert(id, text),
            None => self.state.overlays.remove(&id),
        };
        self.state.dirty.insert(id);
    }

    /// Brings the analysis of the changed files and of `wanted` up to date: changed files are
    /// parsed again, the indexes of crates whose facts changed are rebuilt, the changed files
    /// and the `wanted` ones analysed against an older index are analysed again, and the
    /// summaries and cross-file rules run again. Other files analysed against an older index
    /// are left for [`LiveWorkspace::catch_up`].
    pub fn refresh(&mut self, wanted: &[FileId]) {
        let state = &mut self.state;
        self.pool.install(|| state.refresh(wanted));
    }

    /// Whether files analysed against an older index remain.
    pub fn is_behind(&self) -> bool {
        !self.state.stale.is_empty()
    }

    /// Analyses again up to `budget` files analysed against an older index; after the last,
    /// the summaries. Returns whether any remain.
    pub fn catch_up(&mut self, budget: usize) -> bool {
        let state = &mut self.state;
        self.pool.install(|| {
            let next: Vec<FileId> = state.stale.iter().copied().take(budget).collect();
            state.analyse(&next);
            if state.stale.is_empty() {
                state.resummarise();
            }
        });
        self.is_behind()
    }

    /// A file's findings as `poolcheck check` reports them, sorted: its own and those of the
    /// cross-file rules, filtered by the configuration and the file's suppressions.
    pub fn findings(&self, id: FileId) -> Vec<Diagnostic> {
        let state = &self.state;
        if !state.reported_file(id) {
            return Vec::new();
        }
        let own = state.analysed[id].iter();
        let across = state.crate_diagnostics.iter().filter(|d| d.span.file == id);
        let mut diagnostics: Vec<Diagnostic> = own.chain(across).cloned().collect();
        let suppressions = state.passes[id].source.as_ref().map(|s| crate::suppress::parse(id, s)).unwrap_or_default();
        let line_of = |span: Span| state.passes[span.file].source.as_ref().map_or(0, |s| s.line_index(span.start));
        settle(&mut diagnostics, &suppressions, line_of, &state.opts, |file| state.reported_file(file));
        diagnostics.sort_by(|a, b| (a.span.start, a.rule, &a.message).cmp(&(b.span.start, b.rule, &b.message)));
        diagnostics.dedup();
        crate::report::drop_nested_duplicates(&mut diagnostics);
        diagnostics
    }

    /// Everything poolcheck believes about the reported files (as `poolcheck evidence` over the
    /// same folder), in no particular order.
    pub fn evidence(&self) -> &[Belief] {
        let state = &self.state;
        state.evidence.get_or_init(|| {
            let dependencies = workspace::dependency_views(&state.plan.packages, &state.indexes);
            let catalog = &state.opts.config.catalog;
            let mut beliefs = evidence::of_functions(&state.summaries);
            for id in 0..state.plan.reported {
                beliefs.extend(type_beliefs(id, &state.passes[id], state.crate_view(id, &dependencies), catalog));
            }
            beliefs.retain(|b| state.reported_file(b.at.file));
            beliefs
        })
    }
}

impl State {
    fn reported_file(&self, id: FileId) -> bool {
        let test_support = self.plan.owners[id].is_some_and(|p| self.plan.packages.roots[p].test_support);
        id < self.plan.reported
            && (self.opts.include_tests
                || !test_support
                    && !self.test_modules.lock().is_ok_and(|mut m| m.is_test_only(&self.plan.found[id].path)))
    }

    /// The crate of a file, as pass 2 sees it (`dependencies`: the views of
    /// [`workspace::dependency_views`] over the current indexes).
    fn crate_view<'a>(
        &'a self,
        id: FileId,
        dependencies: &'a HashMap<usize, Vec<crate::index::DepIndex<'a>>>,
    ) -> CrateView<'a> {
        let owner = self.plan.owners[id];
        CrateView::of(owner, &self.plan.packages, &self.indexes, dependencies, self.opts.include_tests)
    }

    fn refresh(&mut self, wanted: &[FileId]) {
        let dirty: Vec<FileId> = std::mem::take(&mut self.dirty).into_iter().collect();
        let texts: Vec<Option<(String, u128)>> = dirty.par_iter().map(|&id| self.text(id)).collect();
        let mut changed: Vec<FileId> = Vec::new();
        let mut reparse: Vec<(FileId, Option<(String, u128)>)> = Vec::new();
        for (id, text) in dirty.into_iter().zip(texts) {
            let hash = text.as_ref().map(|(_, h)| *h);
            if hash.is_none() || hash != self.hashes[id] {
                reparse.push((id, text));
            }
        }
        let fresh: Vec<(FileId, FirstPass, Option<u128>)> = reparse
            .into_par_iter()
            .map(|(id, text)| {
                let hash = text.as_ref().map(|(_, h)| *h);
                (id, self.first_pass(id, text.map(|(t, _)| t)), hash)
            })
            .collect();
        let mut new_const_refs = false;
        let mut changed_crates: BTreeSet<Option<usize>> = BTreeSet::new();
        for (id, pass, hash) in fresh {
            let old = &self.passes[id].facts;
            if *old != pass.facts {
                changed_crates.insert(self.plan.owners[id]);
                new_const_refs |= pass.facts.as_ref().is_some_and(|f| {
                    old.as_ref().is_none_or(|o| f.const_refs.iter().any(|r| !o.const_refs.contains(r)))
                });
            }
            self.passes[id] = pass;
            self.hashes[id] = hash;
            changed.push(id);
        }
        if new_const_refs {
            // constants the changed files use, from files the prefilter skipped
            let plan = &self.plan;
            let loaded = load_wanted_consts(&mut self.passes, &plan.found, &plan.owners, &self.opts, &self.prefilter);
            changed_crates.extend(loaded.iter().map(|&id| plan.owners[id]));
            changed.extend(loaded);
        }
        self.rebuild_indexes(&changed_crates);
        let wanted_stale = wanted.iter().filter(|id| self.stale.contains(id)).copied();
        let next: BTreeSet<FileId> = changed.into_iter().chain(wanted_stale).collect();
        if next.is_empty() {
            return;
        }
        self.analyse(&next.into_iter().collect::<Vec<_>>());
        self.resummarise();
    }

    /// The text of a file, from the editor or from disk, with its content hash (`None`: it
    /// cannot be read; pass 1 says why).
    fn text(&self, id: FileId) -> Option<(String, u128)> {
        let text = match self.overlays.get(&id) {
            Some(text) => text.clone(),
            None => super::read_text(&self.plan.found[id], self.opts.max_file_size).ok()?,
        };
        let hash = super::cache::content_hash(&text);
        Some((text, hash))
    }

    /// Pass 1 over a file's text (`None`: read it from disk, to report why it cannot be).
    fn first_pass(&self, id: FileId, text: Option<String>) -> FirstPass {
        let file: &Discovered = &self.plan.found[id];
        let parse_all = self.plan.owners[id].is_none_or(|p| self.plan.packages.roots[p].uses_pools);
        match text {
            Some(text) if text.len() as u64 > self.opts.max_file_size => {
                let problem = Some((0, too_big(text.len() as u64, self.opts.max_file_size)));
                FirstPass { problem, ..FirstPass::default() }
            }
            Some(text) => first_pass_text(id, file, text, &self.opts, parse_all, &self.prefilter),
            None => first_pass(id, file, &self.opts, parse_all, &self.prefilter),
        }
    }

    /// Rebuilds the indexes of `crates` from their files' facts, and marks stale the files of
    /// every crate that reads them (they and the crates that reach them by path).
    fn rebuild_indexes(&mut self, crates: &BTreeSet<Option<usize>>) {
        if crates.is_empty() {
            return;
        }
        let mut groups: HashMap<Option<usize>, Vec<&crate::index::FileFacts>> =
            crates.iter().map(|&c| (c, Vec::new())).collect();
        for (p, owner) in self.passes.iter().zip(&self.plan.owners) {
            if let (Some(facts), Some(group)) = (&p.facts, groups.get_mut(owner)) {
                group.push(facts);
            }
        }
        let rebuilt = super::build_indexes(groups, &self.plan.packages);
        self.indexes.extend(rebuilt);
        let packages = &self.plan.packages;
        let reads_changed = |owner: &Option<usize>| match owner {
            None => crates.contains(&None),
            Some(p) => packages.closure([*p]).iter().any(|q| crates.contains(&Some(*q))),
        };
        let affected: BTreeSet<Option<usize>> =
            self.plan.owners.iter().copied().collect::<BTreeSet<_>>().into_iter().filter(reads_changed).collect();
        self.stale.extend((0..self.plan.found.len()).filter(|id| affected.contains(&self.plan.owners[*id])));
    }

    /// Pass 2 over `files`, against the current indexes.
    fn analyse(&mut self, files: &[FileId]) {
        let dependencies = workspace::dependency_views(&self.plan.packages, &self.indexes);
        let results: Vec<(Vec<Diagnostic>, FileFnFacts)> = files
            .par_iter()
            .map(|&id| {
                let view = self.crate_view(id, &dependencies);
                second_pass_of(id, &self.plan.found[id], &self.passes[id], view, &self.opts)
            })
            .collect();
        drop(dependencies);
        for (&id, (diagnostics, facts)) in files.iter().zip(results) {
            self.analysed[id] = diagnostics;
            self.registered[id] = facts.registered;
            self.fresh_fns.insert(id, facts.fns);
            self.stale.remove(&id);
        }
    }

    /// The workspace's function summaries and cross-file findings, from every file's function
    /// facts: those kept in the summaries, with the fresh ones in place of their file's (moved,
    /// not copied: the summaries of a large workspace hold tens of thousands of functions).
    /// Only the summaries the fresh functions can change are worked out again.
    fn resummarise(&mut self) {
        let mut earlier = std::mem::take(&mut self.summaries);
        let mut old = std::mem::take(&mut earlier.fns).into_iter();
        let mut fns = FileFnFacts::default();
        let mut kept = Vec::new();
        let mut changed = HashSet::new();
        for (id, range) in self.fn_ranges.iter_mut().enumerate() {
            let start = fns.fns.len();
            match self.fresh_fns.remove(&id) {
                Some(fresh) if fresh.len() == range.len() => {
                    // analysed again (as after an index change), perhaps to the same facts
                    for (i, (was, now)) in range.clone().zip(old.by_ref().take(range.len()).zip(fresh)) {
                        if was == now {
                            kept.push(Some(i));
                        } else {
                            changed.extend([was.key, now.key.clone()]);
                            kept.push(None);
                        }
                        fns.fns.push(now);
                    }
                }
                Some(fresh) => {
                    changed.extend(old.by_ref().take(range.len()).map(|f| f.key));
                    changed.extend(fresh.iter().map(|f| f.key.clone()));
                    kept.extend(std::iter::repeat_n(None, fresh.len()));
                    fns.fns.extend(fresh);
                }
                None => {
                    kept.extend(range.clone().map(Some));
                    fns.fns.extend(old.by_ref().take(range.len()));
                }
            }
            *range = start..fns.fns.len();
            fns.registered.extend(self.registered[id].iter().cloned());
        }
        let earlier = Earlier { facts: earlier, kept, changed };
        (self.summaries, self.crate_diagnostics) = summarise(fns, &self.opts.rules, Some(earlier));
        self.evidence = OnceLock::new();
    }
}
