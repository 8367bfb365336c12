//! Named-file scans (the pre-commit hook names only the staged files): the other files of the
//! named files' packages, of the crates those reach by path and of the workspace members that
//! depend on them, are context. Every context file is indexed and analysed, as in a scan of
//! the whole workspace, so that the summaries of what the named files call, and of what calls
//! them, are evidence; both its index facts and its function facts come from the facts cache
//! when the file is unchanged. Nothing in a context file is reported.

use super::discover::Discovered;
use super::{cache, extract_facts, packages, read_text, FirstPass, Prefilter, ScanOptions};
use crate::analysis::facts::FileFnFacts;
use crate::index::FileFacts;
use crate::source::SourceFile;
use rayon::prelude::*;
use std::collections::HashMap;

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
    /// What analysing the files takes, apart from the files themselves (which the index
    /// borrows meanwhile).
    pub follow: Follow,
}

/// The text of each context file, and the facts caches of their packages.
#[derive(Default)]
pub(super) struct Follow {
    texts: Vec<String>,
    caches: HashMap<usize, cache::PackageCache>,
    /// The named files: their facts go into the cache (for a scan naming other files) and
    /// into the index fingerprint, as a context file's would.
    named: Vec<NamedFile>,
}

/// A named file: its index among the scan's files, its package, its key in the cache (path
/// in its package, content hash) and its facts' [`FileFacts::stable_hash`].
struct NamedFile {
    index: usize,
    package: Option<usize>,
    rel: String,
    hash: u128,
    stable: u128,
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
    // a folder scan has no context; nor has a named file alone in its package
    if context.is_empty() {
        return out;
    }
    // the named files, by the key the cache and the fingerprint know them by
    out.follow.named = parsed
        .par_iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let (source, facts) = (p.source.as_ref()?, p.facts.as_ref()?);
            let path = std::fs::canonicalize(&found[index].path).ok()?;
            let rel = match owners[index] {
                Some(package) => path.strip_prefix(&packages.roots[package].root).ok()?,
                None => &path,
            };
            let rel = rel.to_string_lossy().into_owned();
            let (hash, stable) = (cache::content_hash(&source.text), facts.stable_hash());
            Some(NamedFile { index, package: owners[index], rel, hash, stable })
        })
        .collect();
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
        for n in out.follow.named.iter().filter(|n| n.package == Some(package)) {
            if let Some(facts) = &parsed[n.index].facts {
                cache.insert(n.rel.clone(), n.hash, n.stable, facts.clone());
            }
        }
        out.follow.caches.insert(package, cache);
    }
    out
}

/// A fingerprint of what the context files' analysis depends on besides their own text:
/// every file's index facts (the named files' and the context files') and the
/// configuration. It is the same whichever of the files are named. Function facts cached
/// under another fingerprint are learnt again.
pub(super) fn index_fingerprint(context: &Context, opts: &ScanOptions) -> u128 {
    let config = &opts.config;
    let settings = format!("{:?}{:?}{:?}{:?}", config.source, config.levels, config.select, config.ignore);
    let mut hash = config.catalog.fingerprint() ^ cache::content_hash(&settings);
    if let Some(text) = config.source.as_deref().and_then(|p| std::fs::read(p).ok()) {
        hash ^= cache::content_hash_bytes(&text).rotate_left(1);
    }
    // in no particular order: a context file read from the cache and one parsed again come in
    // different orders, and must give the same fingerprint
    let term = |rel: &str, stable: u128| cache::content_hash(rel) ^ stable.rotate_left(7);
    let mut each: Vec<u128> = context.files.iter().map(|c| term(&c.key.0, c.stable)).collect();
    each.extend(context.follow.named.iter().map(|n| term(&n.rel, n.stable)));
    each.sort_unstable();
    for (n, h) in each.into_iter().enumerate() {
        hash ^= h.rotate_left((n % 127) as u32 + 1).wrapping_mul(n as u128 + 1);
    }
    hash
}

impl Follow {
    /// Every context file's source and function facts, each with its file id (`first_id` on,
    /// in the order of `files`): from the cache when it holds them for the file's text and
    /// the index fingerprint `index`, else from `analyse` (and then cached).
    pub(super) fn summaries(
        &mut self,
        files: &[ContextFile],
        first_id: usize,
        index: u128,
        analyse: impl Fn(usize, &SourceFile, &ContextFile) -> FileFnFacts + Sync,
    ) -> Vec<(SourceFile, FileFnFacts)> {
        let texts = std::mem::take(&mut self.texts);
        let known = &self.caches;
        let analysed: Vec<(SourceFile, FileFnFacts, bool)> = files
            .par_iter()
            .zip(texts)
            .enumerate()
            .map(|(n, (c, text))| {
                let cached = known.get(&c.package).and_then(|cache| cache.summary(&c.key.0, c.key.1, index));
                let source = SourceFile::new(c.file.path.clone(), c.file.name.clone(), text);
                match cached {
                    Some(mut facts) => {
                        facts.relocate(first_id + n);
                        (source, facts, false)
                    }
                    None => {
                        let facts = analyse(first_id + n, &source, c);
                        (source, facts, true)
                    }
                }
            })
            .collect();
        let mut out = Vec::with_capacity(analysed.len());
        for (c, (source, facts, learnt)) in files.iter().zip(analysed) {
            if let (true, Some(cache)) = (learnt, self.caches.get_mut(&c.package)) {
                cache.insert_summary(c.key.0.clone(), c.key.1, index, &facts);
            }
            out.push((source, facts));
        }
        out
    }

    /// Keeps the named files' function facts (`of(i)` for the scan's file `i`) in the cache,
    /// under the index fingerprint `index`: when another file is named next, they are context.
    pub(super) fn remember_named<'a>(&mut self, index: u128, of: impl Fn(usize) -> &'a FileFnFacts) {
        for n in std::mem::take(&mut self.named) {
            if let Some(cache) = n.package.and_then(|p| self.caches.get_mut(&p)) {
                cache.insert_summary(n.rel, n.hash, index, of(n.index));
            }
        }
    }

    /// Writes the facts caches back.
    pub(super) fn save(self) {
        for cache in self.caches.into_values() {
            cache.save();
        }
    }
}
