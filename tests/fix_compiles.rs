//! `--fix` is only worth having if what it writes builds. These tests apply it to the cases in
//! `tests/fix_compiles/cases`, written against std-only stand-ins of the pool crates
//! (`tests/fix_compiles/standins`), and compile the result with `rustc`: a `drop` inserted before
//! a later use, move or capture of the guard fails to build with E0382, and the tests see it.

use std::path::{Path, PathBuf};

mod support;
use support::poolcheck_in as poolcheck;

fn rustc() -> std::process::Command {
    std::process::Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
}

/// Builds the stand-in crates into `out` and returns the `--extern` arguments naming them.
fn build_standins(out: &Path) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fix_compiles/standins");
    let mut externs = Vec::new();
    for name in ["deadpool_postgres", "tokio"] {
        let status = rustc()
            .args(["--edition", "2021", "--crate-type", "rlib", "--crate-name", name, "--out-dir"])
            .arg(out)
            .arg(dir.join(format!("{name}.rs")))
            .status()
            .expect("rustc runs");
        assert!(status.success(), "stand-in {name} builds");
        externs.push(format!("{name}={}", out.join(format!("lib{name}.rlib")).display()));
    }
    externs
}

/// Type- and borrow-checks one case file against the stand-ins; returns rustc's errors.
fn check(case: &Path, deps: &Path, externs: &[String]) -> Result<(), String> {
    let mut cmd = rustc();
    cmd.args(["--edition", "2021", "--crate-type", "lib", "--emit", "metadata", "-A", "warnings", "-L"])
        .arg(deps)
        .arg("--out-dir")
        .arg(deps);
    for e in externs {
        cmd.args(["--extern", e]);
    }
    let out = cmd.arg(case).output().expect("rustc runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn fixed_code_builds_and_unsafe_rewrites_are_not_offered() {
    let work = tempfile::tempdir().unwrap();
    let deps = work.path().join("deps");
    std::fs::create_dir_all(&deps).unwrap();
    let externs = build_standins(&deps);
    let src = work.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for case in cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fix_compiles/cases")) {
        std::fs::copy(&case, src.join(case.file_name().unwrap())).unwrap();
    }
    let originals: Vec<(PathBuf, String)> =
        cases(&src).into_iter().map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap())).collect();
    for (case, _) in &originals {
        check(case, &deps, &externs).unwrap_or_else(|e| panic!("{} builds before --fix:\n{e}", case.display()));
    }

    let (_, json, _) = poolcheck(work.path(), &["check", "src", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = doc["diagnostics"].as_array().unwrap();
    let in_file = |name: &'static str| findings.iter().filter(move |d| d["file"].as_str().unwrap().ends_with(name));
    // every function of used_after_wait.rs holds its guard across the sleep, and none may be
    // given a `drop`
    let unsafe_ones: Vec<_> = in_file("used_after_wait.rs").collect();
    assert_eq!(unsafe_ones.len(), 7, "one finding per function:\n{json}");
    assert!(unsafe_ones.iter().all(|d| d.get("fix").is_none()), "no fix where it would not build:\n{json}");
    let called_last = unsafe_ones.iter().filter(|d| d.to_string().contains("last use of")).count();
    assert_eq!(
        called_last, 1,
        "only the borrowed temporary, unused after the wait, has a last use; the others are used after it:\n{json}"
    );
    let safe: Vec<_> = in_file("drop_offered.rs").collect();
    assert_eq!(safe.len(), 4, "{json}");
    assert!(safe.iter().all(|d| d.get("fix").is_some()), "{json}");

    let (code, out, err) = poolcheck(work.path(), &["check", "src", "--fix", "--format", "short"]);
    assert!(err.contains("fixed 4 finding(s) in 1 file(s)"), "{err}");
    assert_eq!(code, 0, "only warnings remain: the findings without a safe rewrite:\n{out}");
    assert_eq!(out.lines().count(), 7, "{out}");
    for (case, before) in &originals {
        let after = std::fs::read_to_string(case).unwrap();
        check(case, &deps, &externs).unwrap_or_else(|e| panic!("{} builds after --fix:\n{after}\n{e}", case.display()));
        if case.ends_with("used_after_wait.rs") {
            assert_eq!(&after, before, "a file without safe rewrites is not touched");
        } else {
            assert_eq!(
                after.lines().filter(|l| l.trim() == "drop(conn);").count(),
                3,
                "one drop per guard, even for two waits:\n{after}"
            );
        }
    }
    let (_, out, _) = poolcheck(work.path(), &["check", "src", "--format", "short"]);
    assert!(!out.contains("drop_offered.rs"), "the fixed findings are gone:\n{out}");
    assert_eq!(out.lines().count(), 7, "{out}");
}
