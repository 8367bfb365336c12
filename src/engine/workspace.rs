//! The workspace around the scanned files: the crates their packages depend on by path
//! (directly or not) are evidence for the scan. Their files are read and analysed like the
//! scanned ones, so that types, signatures and function summaries cross crate boundaries, but
//! nothing is reported in them: analysed where needed, reported only where scanned.

use super::discover::{self, Discovered};
use super::packages::Packages;
use crate::index::{CrateIndex, DepIndex};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The source files (under `src/`) of the packages in `closure` that the scan did not find
/// itself: those of a package outside the scanned folders, and the rest of a package a
/// scanned folder lies inside. Files of nested packages belong to those packages.
pub fn unscanned_files(
    roots: &[PathBuf],
    closure: &BTreeSet<usize>,
    packages: &mut Packages,
    include_tests: bool,
    exclusion: Option<crate::config::Exclusion>,
) -> Vec<(Discovered, usize)> {
    let scanned: Vec<PathBuf> =
        roots.iter().filter(|r| r.is_dir()).filter_map(|r| std::fs::canonicalize(r).ok()).collect();
    let inside_scan = |path: &Path| scanned.iter().any(|s| path.starts_with(s));
    let shown = shown_names();
    let mut out = Vec::new();
    for &package in closure {
        // the crate's sources: fixtures, examples and assets beside them are not its modules
        let sources = packages.roots[package].root.join("src");
        if inside_scan(&sources) || !sources.is_dir() {
            continue;
        }
        let Ok((files, _)) = discover::discover(&[sources], include_tests, exclusion.clone()) else { continue };
        for mut file in files {
            if file.config.is_none() && !inside_scan(&file.path) && packages.package_of(&file.path) == Some(package) {
                file.name = shown(&file.path);
                out.push((file, package));
            }
        }
    }
    out
}

/// How files found outside the scanned paths are named: relative to where poolcheck runs when
/// they are below it, as scanned files are.
pub(super) fn shown_names() -> impl Fn(&Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    move |path: &Path| match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.to_string_lossy().replace('\\', "/"),
        None => path.to_string_lossy().into_owned(),
    }
}

/// For each package, the indexes of the crates it reaches by path: its direct dependencies
/// under the names its code uses for them, then the rest of its closure under their own names.
pub fn dependency_views<'a>(
    packages: &'a Packages,
    indexes: &'a HashMap<Option<usize>, CrateIndex>,
) -> HashMap<usize, Vec<DepIndex<'a>>> {
    let mut views = HashMap::new();
    for (package, info) in packages.roots.iter().enumerate() {
        let mut deps: Vec<DepIndex<'a>> = Vec::new();
        let mut seen = BTreeSet::from([package]);
        for (name, dep) in &info.path_deps {
            if let Some(index) = indexes.get(&Some(*dep)) {
                seen.insert(*dep);
                deps.push(DepIndex { name, krate: &packages.roots[*dep].crate_name, index });
            }
        }
        for dep in packages.closure([package]) {
            if seen.insert(dep) {
                if let Some(index) = indexes.get(&Some(dep)) {
                    let krate = &packages.roots[dep].crate_name;
                    deps.push(DepIndex { name: krate, krate, index });
                }
            }
        }
        views.insert(package, deps);
    }
    views
}
