//! poolcheck: a static linter that finds database connection-pool misuse in Rust source.
//!
//! The pipeline, one module per stage: [`engine::discover`] finds files, [`engine`] parses them
//! in parallel and builds each crate's [`index`], [`analysis`] walks function bodies (and
//! [`config_files`] reads configuration files) for the [`rules`], [`suppress`] and [`review`]
//! apply suppressions, baselines, diffs and fixes, and [`report`] renders the sorted
//! diagnostics. [`catalog`] holds the embedded knowledge of pool crates from `rules/`;
//! [`config`] the project's `poolcheck.toml`; [`cli`] is the command line, and [`server`] the
//! language server that editors run.

#![warn(missing_docs)]

pub mod analysis;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod config_files;
pub mod engine;
pub mod index;
pub mod report;
pub mod review;
pub mod rules;
pub mod server;
pub mod source;
pub mod suppress;

/// Every Rust file under `fixtures/`, for tests that check a property on all of them.
#[cfg(test)]
pub(crate) fn fixture_rust_files() -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.expect("fixtures are readable").into_path())
        .filter(|path| path.extension().is_some_and(|x| x == "rs"))
        .collect()
}
