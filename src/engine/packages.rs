//! Which cargo package each file belongs to, and whether that package can reach a pool crate
//! (directly, or through path dependencies on packages of the same tree that do).

use crate::catalog::Catalog;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Package membership of scanned files.
#[derive(Debug, Default)]
pub struct Packages {
    /// Folder → the package root that owns it (`None`: no manifest above it).
    owner: HashMap<PathBuf, Option<usize>>,
    /// A file's folder as discovered (not canonical) → its owner, so that each folder is
    /// canonicalised once rather than once per file.
    owner_of_parent: HashMap<PathBuf, Option<usize>>,
    /// Known packages.
    pub roots: Vec<PackageInfo>,
}

/// One cargo package.
#[derive(Debug)]
pub struct PackageInfo {
    /// Folder holding its `Cargo.toml`.
    pub root: PathBuf,
    /// Package names of its dependencies (all kinds and targets).
    deps: Vec<String>,
    /// Folders of its path dependencies.
    path_deps: Vec<PathBuf>,
    /// Whether it can reach a catalogued pool crate.
    pub uses_pools: bool,
}

impl Packages {
    /// The package owning `file`, by the nearest `Cargo.toml` with a `[package]` table.
    pub fn package_of(&mut self, file: &Path) -> Option<usize> {
        let parent = file.parent()?;
        if let Some(known) = self.owner_of_parent.get(parent) {
            return *known;
        }
        let dir = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        let found = std::fs::canonicalize(dir).ok().and_then(|dir| self.package_of_dir(&dir));
        self.owner_of_parent.insert(parent.to_path_buf(), found);
        found
    }

    fn package_of_dir(&mut self, dir: &Path) -> Option<usize> {
        if let Some(known) = self.owner.get(dir) {
            return *known;
        }
        let found = match read_manifest(dir) {
            Some((deps, path_deps)) => {
                self.roots.push(PackageInfo { root: dir.to_path_buf(), deps, path_deps, uses_pools: false });
                Some(self.roots.len() - 1)
            }
            None => match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => self.package_of_dir(parent),
                _ => None,
            },
        };
        self.owner.insert(dir.to_path_buf(), found);
        found
    }

    /// Marks packages that depend on a pool crate, then those that reach one through path
    /// dependencies, to a fixpoint.
    pub fn resolve_pool_use(&mut self, catalog: &Catalog) {
        for p in &mut self.roots {
            p.uses_pools =
                p.deps.iter().any(|d| catalog.crates.iter().any(|c| c.packages.iter().any(|name| name == d)));
        }
        let by_root: HashMap<PathBuf, usize> =
            self.roots.iter().enumerate().map(|(i, p)| (p.root.clone(), i)).collect();
        let edges: Vec<Vec<usize>> = self
            .roots
            .iter()
            .map(|p| {
                p.path_deps
                    .iter()
                    .filter_map(|d| by_root.get(&std::fs::canonicalize(p.root.join(d)).ok()?).copied())
                    .collect()
            })
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (i, deps) in edges.iter().enumerate() {
                if !self.roots[i].uses_pools && deps.iter().any(|&d| self.roots[d].uses_pools) {
                    self.roots[i].uses_pools = true;
                    changed = true;
                }
            }
        }
    }
}

/// Dependency names and path-dependency folders of the manifest in `dir`, if it declares a
/// package.
fn read_manifest(dir: &Path) -> Option<(Vec<String>, Vec<PathBuf>)> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    doc.get("package")?;
    let mut deps = Vec::new();
    let mut path_deps = Vec::new();
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(key).and_then(|v| v.as_table()) {
            tables.push(t);
        }
    }
    if let Some(targets) = doc.get("target").and_then(|v| v.as_table()) {
        for t in targets.values().filter_map(|v| v.as_table()) {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = t.get(key).and_then(|v| v.as_table()) {
                    tables.push(t);
                }
            }
        }
    }
    for t in tables {
        for (name, spec) in t {
            let package = spec.get("package").and_then(|v| v.as_str()).unwrap_or(name);
            deps.push(package.to_owned());
            if let Some(p) = spec.get("path").and_then(|v| v.as_str()) {
                path_deps.push(PathBuf::from(p));
            }
        }
    }
    Some((deps, path_deps))
}
