//! File discovery: explicit files as given, folders walked honouring `.gitignore`, `.ignore` and
//! hidden-file rules; `target/` folders of cargo packages are never entered and symlinks are not
//! followed, so a symlink loop cannot hang the walk.

use std::path::{Path, PathBuf};

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Discovered {
    /// Path to open.
    pub path: PathBuf,
    /// Path to show: as the user named it, `/`-separated, without a leading `./`.
    pub name: String,
}

/// A path given on the command line that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("{}: no such file or directory", .0.display())]
pub struct MissingPath(pub PathBuf);

/// Problems met while walking; the walk goes on.
#[derive(Debug, Clone)]
pub struct WalkProblem {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub message: String,
}

/// Finds the Rust files under `roots`. Explicit files are taken as they are. A cargo
/// package's integration tests and benchmarks (`tests/`, `benches/` beside its `Cargo.toml`)
/// are left out unless `include_tests`.
pub fn discover(roots: &[PathBuf], include_tests: bool) -> Result<(Vec<Discovered>, Vec<WalkProblem>), MissingPath> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|_| MissingPath(root.clone()))?;
        if meta.is_file() {
            if is_rust(root) {
                files.push(discovered(root.clone()));
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .follow_links(false)
            .require_git(false)
            .filter_entry(move |e| !is_cargo_target_dir(e.path()) && (include_tests || !is_cargo_test_dir(e.path())))
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file()) && is_rust(e.path()) {
                        files.push(discovered(e.into_path()));
                    }
                }
                Err(err) => problems.push(WalkProblem {
                    path: err_path(&err).unwrap_or_else(|| root.clone()),
                    message: err.to_string(),
                }),
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.name == b.name);
    Ok((files, problems))
}

fn discovered(path: PathBuf) -> Discovered {
    let shown = path.to_string_lossy().replace('\\', "/");
    let name = shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown);
    Discovered { path, name }
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// `target/` beside a `Cargo.toml`, or any folder cargo marked as a cache.
fn is_cargo_target_dir(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "target")
        && (path.join("CACHEDIR.TAG").exists() || path.parent().is_some_and(|p| p.join("Cargo.toml").exists()))
}

/// `tests/` or `benches/` beside a `Cargo.toml`.
fn is_cargo_test_dir(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests" || n == "benches")
        && path.parent().is_some_and(|p| p.join("Cargo.toml").exists())
}

fn err_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => err_path(err),
        _ => None,
    }
}
