//! Helpers shared by the examples.

use std::path::PathBuf;

/// Every `.rs` file under `root`, as the benchmarks count them: `.gitignore` honoured, hidden
/// folders skipped, nothing else left out.
pub fn rust_files(root: &str) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect()
}
