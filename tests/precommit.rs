//! Runs the real `pre-commit` tool against a sample repository with this repository's
//! `.pre-commit-hooks.yaml`. Skipped, with a message, when `pre-commit` is not installed.

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_pre_commit_hook_runs_on_staged_files() {
    if Command::new("pre-commit").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `pre-commit` is not installed (pip install pre-commit)");
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !here.join(".git").exists() {
        eprintln!("SKIPPED: pre-commit installs hooks from a git repository and this is not one");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("svc");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let git = |args: &[&str]| {
        let (ok, out) = run(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&repo));
        assert!(ok, "git {args:?}: {out}");
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("src/ok.rs"), "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n").unwrap();
    std::fs::write(
        repo.join("src/leak.rs"),
        "use sqlx::PgPool;\n\npub async fn pin(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    )
    .unwrap();
    git(&["add", "."]);
    // pre-commit builds the hook with `cargo install`; sharing this build's target folder
    // keeps that from compiling every dependency again
    let home = dir.path().join("pre-commit-home");
    let pre_commit = |files: &[&str]| {
        // `try-repo` installs the hooks of this working tree, uncommitted changes included
        let mut cmd = Command::new("pre-commit");
        cmd.arg("try-repo")
            .arg(here)
            .args(["poolcheck", "--files"])
            .args(files)
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", &home)
            .env("POOLCHECK_CACHE_DIR", dir.path().join("poolcheck-cache"))
            .env("CARGO_TARGET_DIR", here.join("target").join("pre-commit"));
        run(&mut cmd)
    };
    let (ok, out) = pre_commit(&["src/ok.rs"]);
    assert!(ok, "a clean file passes:\n{out}");
    let (ok, out) = pre_commit(&["src/ok.rs", "src/leak.rs"]);
    assert!(!ok, "the leak fails the hook:\n{out}");
    assert!(out.contains("conn-forgotten") && out.contains("src/leak.rs"), "{out}");
}
