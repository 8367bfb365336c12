//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

#[allow(dead_code)] // only the language-server tests speak LSP
pub mod lsp;

/// Every file under `dir`, at any depth.
#[allow(dead_code)] // not every test binary that includes this module walks trees
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("the tree is readable"))
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Runs the built `poolcheck` in `dir` with `args` (and a facts cache of its own, outside the
/// tree); returns the exit status, stdout and stderr.
#[allow(dead_code)] // not every test binary that includes this module runs poolcheck this way
pub fn poolcheck_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("poolcheck")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"))
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}
