//! The facts cache: what pass 1 extracted from each file of a package (aliases, struct fields,
//! signatures, constants), keyed by the file's content hash. A scan of a few named files (the
//! pre-commit hook passes only the staged ones) still indexes the rest of their packages, and
//! reads those files' facts from here instead of parsing them again.
//!
//! One cache file per package, rewritten whole (atomically) when it changed, so it never grows
//! beyond the package's current files. It lives outside the scanned tree (see `default_dir`);
//! any error reading or writing it only costs the speed-up.

use crate::index::FileFacts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bumped whenever the facts' layout or extraction changes.
const FORMAT: u32 = 8;

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
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    format: u32,
    /// The tool version and catalogue the facts were extracted with.
    fingerprint: u128,
    /// Path relative to the package root → (content hash, facts).
    entries: HashMap<String, (u128, FileFacts)>,
}

/// The cached facts of one package's files.
pub struct PackageCache {
    file: PathBuf,
    fingerprint: u128,
    old: HashMap<String, (u128, FileFacts)>,
    fresh: HashMap<String, (u128, FileFacts)>,
    changed: bool,
}

impl PackageCache {
    /// Opens the cache of the package at `root` (an absolute path) in `dir`; `fingerprint`
    /// names the catalogue. A missing, unreadable or stale cache file starts empty.
    pub fn open(dir: &Path, root: &Path, fingerprint: u128) -> PackageCache {
        let fingerprint = fingerprint ^ content_hash(env!("CARGO_PKG_VERSION"));
        let name = format!("facts-{:032x}.bin", content_hash(&root.to_string_lossy()));
        let file = dir.join(name);
        let old = std::fs::read(&file)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<CacheFile>(&bytes).ok())
            .filter(|c| c.format == FORMAT && c.fingerprint == fingerprint)
            .map(|c| c.entries)
            .unwrap_or_default();
        PackageCache { file, fingerprint, old, fresh: HashMap::new(), changed: false }
    }

    /// The facts of the file at `rel` when its content hash is `hash`, if cached.
    pub fn take(&mut self, rel: &str, hash: u128) -> Option<FileFacts> {
        let (h, facts) = self.old.remove(rel)?;
        if h != hash {
            return None;
        }
        self.fresh.insert(rel.to_owned(), (h, facts.clone()));
        Some(facts)
    }

    /// Records the facts of the file at `rel` with content hash `hash`.
    pub fn insert(&mut self, rel: String, hash: u128, facts: FileFacts) {
        let unchanged = self.old.remove(&rel).is_some_and(|(h, _)| h == hash);
        self.changed |= !unchanged;
        self.fresh.insert(rel, (hash, facts));
    }

    /// Writes the cache back when anything changed: only the files seen by this scan are kept.
    pub fn save(self) {
        if !self.changed && self.old.is_empty() {
            return;
        }
        let cache = CacheFile { format: FORMAT, fingerprint: self.fingerprint, entries: self.fresh };
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
