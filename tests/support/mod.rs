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

/// `PATH` with the built `poolcheck` first, so that an editor started with it runs the binary
/// under test.
#[allow(dead_code)] // only the real-editor tests start editors
pub fn path_with_poolcheck() -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin("poolcheck");
    std::env::join_paths(
        std::iter::once(bin.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap()
}

/// Runs `command` to its end, killing it (and failing) after `limit`.
#[allow(dead_code)] // only the real-editor tests start editors
pub fn run_within(mut command: std::process::Command, limit: std::time::Duration) -> std::process::Output {
    use std::process::Stdio;
    let name = command.get_program().to_string_lossy().into_owned();
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name} did not finish within {limit:?}: {:?}", child.wait_with_output().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// `(0-based line, rule)` of each `//~ rule` marker of a fixture.
#[allow(dead_code)] // only the real-editor tests read markers this way
pub fn markers(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| Some((i as u64, line.split_once("//~ ")?.1.trim().to_owned())))
        .collect()
}

/// Whether `program --version` runs.
#[allow(dead_code)] // only the real-editor tests look for editors
pub fn is_installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
