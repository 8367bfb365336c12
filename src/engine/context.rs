//! Named-file scans (the pre-commit hook names only the staged files): the other files of the
//! named files' packages, and of the crates those reach by path, are context. Every context
//! file is indexed (its facts from the facts cache when it is unchanged); those that define a
//! function the named files call, directly or through other such functions, are analysed too,
//! so that their summaries are evidence as in a scan of the whole package. Nothing in a context
//! file is reported.

use super::discover::Discovered;
use super::{cache, crate_name, extract_facts, packages, read_text, FirstPass, Prefilter, ScanOptions};
use crate::analysis::facts::FileFnFacts;
use crate::index::{fn_key, FileFacts};
use crate::source::SourceFile;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// How many context files a named-file scan analyses at most: beyond, callees stay unknown.
const MAX_FOLLOWED: usize = 512;

/// A context file with its facts.
pub(super) struct ContextFile {
    pub file: Discovered,
    pub package: usize,
    pub facts: FileFacts,
    /// Its path relative to its package root, and its content hash: its key in the cache.
    key: (String, u128),
    /// Its facts' [`FileFacts::stable_hash`].
    stable: u128,
}

/// The context of a named-file scan: its files, and the facts caches of their packages (kept
/// open until the function facts learnt in the scan are recorded).
#[derive(Default)]
pub(super) struct Context {
    pub files: Vec<ContextFile>,
    /// What following calls into the files takes, apart from the files themselves (which
    /// the index borrows meanwhile).
    pub follow: Follow,
}

/// The text of each context file, and the facts caches of their packages.
#[derive(Default)]
pub(super) struct Follow {
    texts: Vec<String>,
    caches: HashMap<usize, cache::PackageCache>,
}

/// The context files with their facts: from the facts cache when a file is unchanged,
/// otherwise parsed (and cached). Files the prefilter rejects contribute nothing, as in a full
/// scan. The named files' own facts are cached too, for the next scan.
pub(super) fn index_context(
    context: &[(Discovered, usize)],
    found: &[Discovered],
    parsed: &[FirstPass],
    owners: &[Option<usize>],
    opts: &ScanOptions,
    packages: &packages::Packages,
    prefilter: &Prefilter,
) -> Context {
    let catalog = &opts.config.catalog;
    let fingerprint = catalog.fingerprint();
    let mut out = Context::default();
    let mut by_package: std::collections::BTreeMap<usize, Vec<&Discovered>> = Default::default();
    for (file, package) in context {
        by_package.entry(*package).or_default().push(file);
    }
    for (package, files) in by_package {
        let info = &packages.roots[package];
        let rel = |path: &std::path::Path| path.strip_prefix(&info.root).ok().map(|r| r.to_string_lossy().into_owned());
        let mut cache = opts.cache_dir.as_deref().map(|dir| cache::PackageCache::open(dir, &info.root, fingerprint));
        // read and hash in parallel; files the prefilter rejects are dropped
        let texts: Vec<(&Discovered, String, String, u128)> = files
            .par_iter()
            .filter_map(|f| {
                let text = read_text(f, opts.max_file_size).ok()?;
                if !info.uses_pools && !prefilter.matches(&text) {
                    return None;
                }
                let hash = cache::content_hash(&text);
                Some((*f, rel(&f.path)?, text, hash))
            })
            .collect();
        let mut misses = Vec::new();
        for (file, rel, text, hash) in texts {
            match cache.as_mut().and_then(|c| c.take(&rel, hash)) {
                Some((stable, facts)) => {
                    out.files.push(ContextFile { file: file.clone(), package, facts, key: (rel, hash), stable });
                    out.follow.texts.push(text);
                }
                None => misses.push((file, rel, text, hash)),
            }
        }
        // a context file that cannot be analysed contributes nothing; it is not reported
        let fresh: Vec<(ContextFile, String)> = misses
            .into_par_iter()
            .filter_map(|(file, rel, text, hash)| {
                let facts = extract_facts(&text, &file.path, catalog).ok()?;
                let stable = facts.stable_hash();
                Some((ContextFile { file: file.clone(), package, facts, key: (rel, hash), stable }, text))
            })
            .collect();
        for (file, text) in fresh {
            if let Some(cache) = cache.as_mut() {
                cache.insert(file.key.0.clone(), file.key.1, file.stable, file.facts.clone());
            }
            out.files.push(file);
            out.follow.texts.push(text);
        }
        let Some(mut cache) = cache else { continue };
        for (i, p) in parsed.iter().enumerate().filter(|(i, _)| owners[*i] == Some(package)) {
            let path = std::fs::canonicalize(&found[i].path).ok();
            if let (Some(source), Some(facts), Some(rel)) = (&p.source, &p.facts, path.as_deref().and_then(rel)) {
                cache.insert(rel, cache::content_hash(&source.text), facts.stable_hash(), facts.clone());
            }
        }
        out.follow.caches.insert(package, cache);
    }
    out
}

/// A fingerprint of what the context files' analysis depends on besides their own text:
/// every file's index facts (the named files' among them, `named`) and the configuration.
/// Function facts cached under another fingerprint are learnt again.
pub(super) fn index_fingerprint<'a>(
    files: &'a [ContextFile],
    named: impl Iterator<Item = &'a FileFacts>,
    opts: &ScanOptions,
) -> u128 {
    let config = &opts.config;
    let settings = format!("{:?}{:?}{:?}{:?}", config.source, config.levels, config.select, config.ignore);
    let mut hash = config.catalog.fingerprint() ^ cache::content_hash(&settings);
    if let Some(text) = config.source.as_deref().and_then(|p| std::fs::read(p).ok()) {
        hash ^= cache::content_hash_bytes(&text).rotate_left(1);
    }
    // in no particular order: a context file read from the cache and one parsed again come in
    // different orders, and must give the same fingerprint
    let mut each: Vec<u128> = files.iter().map(|c| cache::content_hash(&c.key.0) ^ c.stable.rotate_left(7)).collect();
    each.extend(named.map(FileFacts::stable_hash));
    each.sort_unstable();
    for (n, h) in each.into_iter().enumerate() {
        hash ^= h.rotate_left((n % 127) as u32 + 1).wrapping_mul(n as u128 + 1);
    }
    hash
}

impl Follow {
    /// The context files that define what the named files call (and the other methods of the
    /// types their methods borrow), and what those call in turn (up to [`MAX_FOLLOWED`] files),
    /// each with its file id (`first_id` on, in the order returned), its source and its function
    /// facts: from the cache when it holds them for the file's text and the index fingerprint
    /// `index`, else from `analyse`.
    pub(super) fn callees(
        &mut self,
        files: &[ContextFile],
        named: &[&FileFnFacts],
        packages: &packages::Packages,
        first_id: usize,
        index: u128,
        analyse: impl Fn(usize, &SourceFile, &ContextFile) -> FileFnFacts + Sync,
    ) -> Vec<(SourceFile, FileFnFacts)> {
        if files.is_empty() {
            return Vec::new();
        }
        // which context files define each function, by the key calls name it with, and the
        // methods of each type (`krate::Type`, as methods borrowing `self` name it)
        let mut defined_in: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in files.iter().enumerate() {
            let krate = crate_name(Some(c.package), packages);
            for sig in &c.facts.fns {
                defined_in.entry(fn_key(krate, &sig.module, sig.owner.as_deref(), &sig.name)).or_default().push(i);
                if let Some(owner) = &sig.owner {
                    defined_in.entry(format!("{krate}::{owner}")).or_default().push(i);
                }
            }
        }
        // what a function's facts depend on elsewhere: its callees, and for a method borrowing
        // `self`, the type's other methods (those that store a guard in it)
        let wants = |facts: &FileFnFacts| -> Vec<String> {
            let calls = facts.fns.iter().flat_map(|f| f.calls.iter().map(|c| c.callee.clone()));
            calls.chain(facts.fns.iter().filter_map(|f| f.borrows_self.clone())).collect()
        };
        let mut chosen: HashSet<usize> = HashSet::new();
        let mut out: Vec<(SourceFile, FileFnFacts)> = Vec::new();
        let mut wanted: Vec<String> = named.iter().flat_map(|f| wants(f)).collect();
        while !wanted.is_empty() && out.len() < MAX_FOLLOWED {
            let mut round: Vec<usize> = wanted.iter().filter_map(|k| defined_in.get(k)).flatten().copied().collect();
            round.sort_unstable();
            round.dedup();
            round.retain(|i| chosen.insert(*i));
            round.truncate(MAX_FOLLOWED - out.len());
            let start = first_id + out.len();
            let round_texts: Vec<String> = round.iter().map(|&i| std::mem::take(&mut self.texts[i])).collect();
            let known = &self.caches;
            let analysed: Vec<(SourceFile, FileFnFacts, bool)> = round
                .par_iter()
                .zip(round_texts)
                .enumerate()
                .map(|(n, (&i, text))| {
                    let c = &files[i];
                    let cached = known.get(&c.package).and_then(|cache| cache.summary(&c.key.0, c.key.1, index));
                    let source = SourceFile::new(c.file.path.clone(), c.file.name.clone(), text);
                    match cached {
                        Some(mut facts) => {
                            facts.relocate(start + n);
                            (source, facts, false)
                        }
                        None => {
                            let facts = analyse(start + n, &source, c);
                            (source, facts, true)
                        }
                    }
                })
                .collect();
            wanted = analysed.iter().flat_map(|(_, f, _)| wants(f)).collect();
            for (&i, (source, facts, learnt)) in round.iter().zip(analysed) {
                let c = &files[i];
                if let (true, Some(cache)) = (learnt, self.caches.get_mut(&c.package)) {
                    cache.insert_summary(c.key.0.clone(), c.key.1, index, &facts);
                }
                out.push((source, facts));
            }
        }
        out
    }

    /// Writes the facts caches back.
    pub(super) fn save(self) {
        for cache in self.caches.into_values() {
            cache.save();
        }
    }
}
