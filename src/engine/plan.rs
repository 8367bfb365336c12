//! What a scan reads before it reads anything: the packages the discovered files belong to,
//! and the rest of the workspace they need as evidence (the crates they reach by path, the
//! workspace members that call a scanned library, or, when files are named, the other files of
//! their packages).

use super::discover::Discovered;
use super::{discover, packages, workspace, ScanOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The files of a scan, with their packages.
pub(super) struct Plan {
    /// The files read in pass 1: the discovered ones first, then the workspace files they
    /// need as evidence (folder scans only).
    pub found: Vec<Discovered>,
    /// The package of each file of `found`.
    pub owners: Vec<Option<usize>>,
    /// The packages, with their path dependencies, pool use and test-support marks resolved.
    pub packages: packages::Packages,
    /// How many files of `found` were discovered, and so are reported.
    pub reported: usize,
    /// When files are named: the other files of the workspace they need, indexed and analysed
    /// but never reported.
    pub context: Vec<(Discovered, usize)>,
}

/// Finds the packages of `found` and the workspace files the scan needs beside them.
pub(super) fn plan(opts: &ScanOptions, mut found: Vec<Discovered>) -> Plan {
    let mut packages = packages::Packages::default();
    let mut owners: Vec<Option<usize>> = found.iter().map(|f| packages.package_of(&f.path)).collect();
    packages.load_path_deps();
    let scanned: BTreeSet<usize> = owners.iter().flatten().copied().collect();
    let named_files = opts.paths.iter().any(|p| p.is_file());
    // a scanned library's callers in its workspace tell where requests and loops reach it
    let dependents = packages.dependents(&scanned);
    let closure = packages.closure(scanned.into_iter().chain(dependents));
    // files found by the walk are reported; the rest of the workspace they need is evidence
    let reported = found.len();
    let context = if named_files {
        context_files(opts, &found, &owners, &closure, &mut packages)
    } else {
        let extra = workspace::unscanned_files(
            &opts.paths,
            &closure,
            &mut packages,
            opts.include_tests,
            opts.config.exclusion(),
        );
        for (file, package) in extra {
            found.push(file);
            owners.push(Some(package));
        }
        Vec::new()
    };
    packages.resolve_pool_use(&opts.config.catalog);
    packages.mark_test_support();
    Plan { found, owners, packages, reported, context }
}

/// The other Rust files of the packages of files named on the command line (the pre-commit
/// hook names only the staged files), of the workspace members depending on them and of the
/// crates those reach by path, with their package: evidence, as in a scan of the whole
/// workspace (aliases, fields, signatures, and the summaries of callees and callers). They
/// are not reported.
fn context_files(
    opts: &ScanOptions,
    found: &[Discovered],
    owners: &[Option<usize>],
    closure: &BTreeSet<usize>,
    packages: &mut packages::Packages,
) -> Vec<(Discovered, usize)> {
    let named: Vec<&std::path::Path> = opts.paths.iter().filter(|p| p.is_file()).map(PathBuf::as_path).collect();
    if named.is_empty() {
        return Vec::new();
    }
    let of_named = found
        .iter()
        .zip(owners)
        .filter(|(f, _)| named.contains(&f.path.as_path()) && f.config.is_none())
        .filter_map(|(_, owner)| *owner);
    // the named files' packages, the workspace members that depend on them, and every crate
    // those reach by path
    let of_named: BTreeSet<usize> = of_named.collect();
    let dependents = packages.dependents(&of_named);
    let wanted = packages.closure(of_named.into_iter().chain(dependents)).into_iter().filter(|p| closure.contains(p));
    let scanned: std::collections::HashSet<PathBuf> =
        found.iter().filter_map(|f| std::fs::canonicalize(&f.path).ok()).collect();
    let shown = workspace::shown_names();
    let mut out = Vec::new();
    for package in wanted {
        let root = packages.roots[package].root.clone();
        let Ok((files, _)) = discover::discover(&[root], opts.include_tests, opts.config.exclusion()) else {
            continue;
        };
        for mut file in files {
            if file.config.is_none()
                && !scanned.contains(&file.path)
                && packages.package_of(&file.path) == Some(package)
            {
                file.name = shown(&file.path);
                out.push((file, package));
            }
        }
    }
    out
}
