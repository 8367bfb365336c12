//! File discovery: explicit files as given, folders walked honouring `.gitignore`, `.ignore` and
//! hidden-file rules; `target/` folders of cargo packages are never entered and symlinks are not
//! followed, so a symlink loop cannot hang the walk.

use crate::config::Exclusion;
use crate::config_files::Format;
use std::path::{Path, PathBuf};

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Discovered {
    /// Path to open.
    pub path: PathBuf,
    /// Path to show: as the user named it, `/`-separated, without a leading `./`.
    pub name: String,
    /// For a configuration file, its format; `None` for Rust.
    pub config: Option<Format>,
}

/// Configuration files that are tools', never a pool's.
const NOT_POOL_CONFIG: &[&str] = &[
    "Cargo.toml",
    "poolcheck.toml",
    "rustfmt.toml",
    ".rustfmt.toml",
    "clippy.toml",
    "deny.toml",
    "rust-toolchain.toml",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
];

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
pub fn discover(
    roots: &[PathBuf],
    include_tests: bool,
    exclusion: Option<Exclusion>,
) -> Result<(Vec<Discovered>, Vec<WalkProblem>), MissingPath> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|_| MissingPath(root.clone()))?;
        if meta.is_file() {
            if let Some(d) = discovered(root.clone()) {
                files.push(d);
            }
            continue;
        }
        let exclusion = exclusion.clone();
        let walker = ignore::WalkBuilder::new(root)
            // hidden folders are skipped below; hidden files only for `.env` files
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .filter_entry(move |e| {
                let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                !(hidden && (is_dir || !e.file_name().to_string_lossy().starts_with(".env")))
                    && !is_cargo_target_dir(e.path())
                    && (include_tests || !is_cargo_test_dir(e.path()))
                    && !exclusion.as_ref().is_some_and(|x| x.matches(e.path()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        files.extend(discovered(e.into_path()));
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

/// A file worth scanning: Rust, or a configuration file that may hold pool settings.
fn discovered(path: PathBuf) -> Option<Discovered> {
    let config = if path.extension().is_some_and(|e| e == "rs") {
        None
    } else {
        let file_name = path.file_name()?.to_string_lossy();
        if NOT_POOL_CONFIG.contains(&file_name.as_ref()) {
            return None;
        }
        Some(crate::config_files::format_of(&path)?)
    };
    let shown = path.to_string_lossy().replace('\\', "/");
    let name = shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown);
    Some(Discovered { path, name, config })
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
