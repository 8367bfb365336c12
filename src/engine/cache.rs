//! The facts cache: what pass 1 extracted from each file of a package (aliases, struct fields,
//! signatures, constants), keyed by the file's content hash. A scan of a few named files (the
//! pre-commit hook passes only the staged ones) still indexes the rest of their packages, and
//! reads those files' facts from here instead of parsing them again.
//!
//! One cache file per package, rewritten whole (atomically) when it changed, so it never grows
//! beyond the package's current files. It lives outside the scanned tree (see `default_dir`);
//! any error reading or writing it only costs the speed-up.

use crate::analysis::facts::FileFnFacts;
use crate::index::FileFacts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bumped whenever the facts' layout or extraction changes.
const FORMAT: u32 = 10;

/// The cache folder: `$POOLCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/poolcheck`, else
/// `~/.cache/poolcheck`.
pub fn default_dir() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("POOLCHECK_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("poolcheck")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("poolcheck")))
}

/// The content hash a cache entry is keyed by.
pub fn content_hash(text: &str) -> u128 {
    content_hash_bytes(text.as_bytes())
}

/// The hash of some bytes, as [`content_hash`].
pub fn content_hash_bytes(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    format: u32,
    /// The tool version and catalogue the facts were extracted with.
    fingerprint: u128,
    /// Path relative to the package root → (content hash, the facts' stable hash, facts).
    entries: HashMap<String, Entry>,
    /// Path relative to the package root → (content hash, fingerprint of the index it was
    /// analysed against, what the analysis learnt of its functions).
    summaries: HashMap<String, Summary>,
}

/// A file's index facts, with its content hash and their [`FileFacts::stable_hash`].
type Entry = (u128, u128, FileFacts);

/// A file's function facts (encoded: decoded only when used), with the content hash and index
/// fingerprint they hold for.
type Summary = (u128, u128, Vec<u8>);

/// The cached facts of one package's files.
pub struct PackageCache {
    file: PathBuf,
    fingerprint: u128,
    old: HashMap<String, Entry>,
    fresh: HashMap<String, Entry>,
    summaries: HashMap<String, Summary>,
    changed: bool,
}

impl PackageCache {
    /// Opens the cache of the package at `root` (an absolute path) in `dir`; `fingerprint`
    /// names the catalogue. A missing, unreadable or stale cache file starts empty.
    pub fn open(dir: &Path, root: &Path, fingerprint: u128) -> PackageCache {
        let fingerprint = fingerprint ^ content_hash(env!("CARGO_PKG_VERSION"));
        let name = format!("facts-{:032x}.bin", content_hash(&root.to_string_lossy()));
        let file = dir.join(name);
        let (old, summaries) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<CacheFile>(&bytes).ok())
            .filter(|c| c.format == FORMAT && c.fingerprint == fingerprint)
            .map(|c| (c.entries, c.summaries))
            .unwrap_or_default();
        PackageCache { file, fingerprint, old, fresh: HashMap::new(), summaries, changed: false }
    }

    /// The facts of the file at `rel` when its content hash is `hash`, if cached, with their
    /// stable hash.
    pub fn take(&mut self, rel: &str, hash: u128) -> Option<(u128, FileFacts)> {
        let (h, stable, facts) = self.old.remove(rel)?;
        if h != hash {
            return None;
        }
        self.fresh.insert(rel.to_owned(), (h, stable, facts.clone()));
        Some((stable, facts))
    }

    /// Records the facts of the file at `rel` with content hash `hash` (and their stable hash).
    pub fn insert(&mut self, rel: String, hash: u128, stable: u128, facts: FileFacts) {
        let unchanged = self.old.remove(&rel).is_some_and(|(h, _, _)| h == hash);
        self.changed |= !unchanged;
        self.fresh.insert(rel, (hash, stable, facts));
    }

    /// The function facts of the file at `rel` when its content hash is `hash` and they were
    /// learnt against the index with fingerprint `index`, if cached.
    pub fn summary(&self, rel: &str, hash: u128, index: u128) -> Option<FileFnFacts> {
        let (h, i, bytes) = self.summaries.get(rel)?;
        if *h != hash || *i != index {
            return None;
        }
        postcard::from_bytes(bytes).ok()
    }

    /// Records the function facts of the file at `rel` (see [`Self::summary`]).
    pub fn insert_summary(&mut self, rel: String, hash: u128, index: u128, facts: &FileFnFacts) {
        let Ok(bytes) = postcard::to_stdvec(facts) else { return };
        self.changed = true;
        self.summaries.insert(rel, (hash, index, bytes));
    }

    /// Writes the cache back when anything changed: only the files seen by this scan are kept,
    /// and the function facts of those unchanged since.
    pub fn save(mut self) {
        if !self.changed && self.old.is_empty() {
            return;
        }
        let fresh = &self.fresh;
        self.summaries.retain(|rel, (hash, _, _)| fresh.get(rel).is_some_and(|(h, _, _)| h == hash));
        let cache =
            CacheFile { format: FORMAT, fingerprint: self.fingerprint, entries: self.fresh, summaries: self.summaries };
        let Ok(bytes) = postcard::to_stdvec(&cache) else { return };
        let Some(dir) = self.file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // write beside, then rename: a concurrent reader sees the old file or the new one
        let name = self.file.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{}.{name}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &self.file).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
