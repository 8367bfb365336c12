//! End-to-end tests of the team-workflow features: configuration, suppressions, baselines,
//! `--diff` against a real git repository, and the effective-configuration printout.

mod support;
use support::poolcheck_in as poolcheck;

const POOLS: &str = "use sqlx::postgres::PgPoolOptions;\n\npub async fn api(url: &str) {\n    let _ = PgPoolOptions::new()\n        .max_connections(60)\n        .connect(url)\n        .await;\n}\n";

const LEAK: &str = "use sqlx::PgPool;\n\npub async fn pin(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn a_user_policy_changes_the_verdicts() {
    let dir = project(&[("src/pools.rs", POOLS)]);
    assert_eq!(poolcheck(dir.path(), &["check", "src"]).0, 0, "60 is within the default 1..=100");
    std::fs::write(dir.path().join("poolcheck.toml"), "[policy.bounds.max_size]\nmax = 40\n").unwrap();
    let (code, out, _) = poolcheck(dir.path(), &["check", "src", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("src/pools.rs:5:26: error[pool-config-out-of-bounds]"), "{out}");
    assert!(out.contains("above the policy's maximum of 40"), "{out}");
    // a stricter policy for one path only
    std::fs::write(
        dir.path().join("poolcheck.toml"),
        "[[policy.paths]]\npaths = [\"services/auth/**\"]\nbounds.max_size = { max = 20 }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("services/auth")).unwrap();
    std::fs::write(dir.path().join("services/auth/db.rs"), POOLS.replace("60", "30")).unwrap();
    let (code, out, _) = poolcheck(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.lines().count(), 1, "only the auth service's 30 breaks its bound:\n{out}");
    assert!(out.starts_with("services/auth/db.rs:5:26"), "{out}");
}

#[test]
fn cargo_metadata_configures_rules_and_levels() {
    let manifest = "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[package.metadata.poolcheck.rules]\nconn-forgotten = \"warning\"\n";
    let dir = project(&[("Cargo.toml", manifest), ("src/lib.rs", LEAK)]);
    let (code, out, _) = poolcheck(dir.path(), &["check", "--format", "short"]);
    assert_eq!(code, 0, "re-graded to a warning:\n{out}");
    assert!(out.contains("warning[conn-forgotten]"), "{out}");
    std::fs::write(dir.path().join("poolcheck.toml"), "[rules]\nconn-forgotten = \"off\"\n").unwrap();
    let (code, out, _) = poolcheck(dir.path(), &["check", "--format", "short"]);
    assert_eq!((code, out.as_str()), (0, ""), "poolcheck.toml is nearer and wins");
}

#[test]
fn configuration_errors_name_file_line_and_key() {
    let dir =
        project(&[("poolcheck.toml", "exclude = [\"gen/**\"]\n\n[rules]\nconn-forgoten = \"off\"\n"), ("a.rs", LEAK)]);
    let (code, out, err) = poolcheck(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("poolcheck.toml:4:1: unknown rule `conn-forgoten`"), "{err}");
    std::fs::write(dir.path().join("poolcheck.toml"), "[policy.bounds.acquire_timeout]\nmax = \"thirty seconds\"\n")
        .unwrap();
    let (code, _, err) = poolcheck(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("poolcheck.toml:2:7") && err.contains("malformed duration"), "{err}");
    std::fs::write(dir.path().join("poolcheck.toml"), "max-file-sise = 10\n").unwrap();
    let (code, _, err) = poolcheck(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("poolcheck.toml:1:1") && err.contains("max-file-sise"), "{err}");
}

#[test]
fn config_prints_the_effective_configuration() {
    let dir = project(&[(
        "poolcheck.toml",
        "exclude = [\"generated/**\"]\n[rules]\npool-per-call = \"off\"\n[policy.bounds.max_size]\nmax = 40\n",
    )]);
    let (code, out, _) = poolcheck(dir.path(), &["config"]);
    assert_eq!(code, 0);
    assert!(out.contains("pool-per-call = \"off\""), "{out}");
    assert!(out.contains("conn-forgotten = \"error\""), "{out}");
    assert!(out.contains("[policy.bounds.max_size]\nmin = 1\nmax = 40"), "{out}");
    assert!(out.contains("exclude = [\"generated/**\"]"), "{out}");
}

#[test]
fn excluded_paths_are_not_scanned() {
    let dir = project(&[
        ("poolcheck.toml", "exclude = [\"generated/**\"]\n"),
        ("generated/leak.rs", LEAK),
        ("src/ok.rs", "fn f() {}\n"),
    ]);
    let (code, out, _) = poolcheck(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["files_scanned"], 1);
}

#[test]
fn suppressions_need_reasons_and_are_counted() {
    let suppressed = LEAK.replace(
        "    std::mem::forget",
        "    // poolcheck: allow(conn-forgotten) the session is handed to the vendor library\n    std::mem::forget",
    );
    let dir = project(&[("a.rs", &suppressed)]);
    let (code, out, _) = poolcheck(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 0);
    let (_, human, _) = poolcheck(dir.path(), &["check", ".", "--color", "never"]);
    assert!(human.trim_end().ends_with("(1 file scanned, 1 suppressed)"), "{human}");

    let no_reason =
        LEAK.replace("    std::mem::forget", "    // poolcheck: allow(conn-forgotten)\n    std::mem::forget");
    std::fs::write(dir.path().join("a.rs"), no_reason).unwrap();
    let (code, out, _) = poolcheck(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1);
    assert!(out.contains("warning[suppression-without-reason]") && out.contains("error[conn-forgotten]"), "{out}");
}

#[test]
fn a_baseline_survives_line_shifts_and_reports_only_new_findings() {
    let dir = project(&[("src/a.rs", LEAK)]);
    let (code, _, err) = poolcheck(dir.path(), &["check", "src", "--write-baseline", "poolcheck-baseline.json"]);
    assert_eq!(code, 0);
    assert!(err.contains("wrote 1 finding"), "{err}");
    // unrelated edits above shift every line
    let shifted = format!("//! Session helpers.\n\n// more docs\n{LEAK}");
    std::fs::write(dir.path().join("src/a.rs"), &shifted).unwrap();
    let (code, out, _) =
        poolcheck(dir.path(), &["check", "src", "--baseline", "poolcheck-baseline.json", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["suppressed"], 1);
    // a new leak in another function is reported
    let more = format!("{shifted}\npub async fn pin_again(pool: &PgPool) {{\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}}\n");
    std::fs::write(dir.path().join("src/a.rs"), more).unwrap();
    let (code, out, _) =
        poolcheck(dir.path(), &["check", "src", "--baseline", "poolcheck-baseline.json", "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(":13:5: error[conn-forgotten]"), "{out}");
}

#[test]
fn diff_reports_only_findings_on_changed_lines() {
    let dir = project(&[("src/a.rs", LEAK), ("src/b.rs", &LEAK.replace("pin", "pin_b"))]);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git").args(args).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"]);
    assert_eq!(poolcheck(dir.path(), &["check", "src", "--diff", "HEAD"]).0, 0, "nothing changed");
    // a one-line change on b.rs's forgetting line
    std::fs::write(
        dir.path().join("src/b.rs"),
        LEAK.replace("pin", "pin_b").replace("std::mem::forget(conn);", "core::mem::forget(conn);"),
    )
    .unwrap();
    let (code, out, _) = poolcheck(dir.path(), &["check", "src", "--diff", "HEAD", "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(out.trim(), out.lines().next().unwrap_or(""), "one finding:\n{out}");
    assert!(out.starts_with("src/b.rs:5:5: error[conn-forgotten]"), "{out}");
    let (code, _, err) = poolcheck(dir.path(), &["check", "src", "--diff", "no-such-rev"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn fix_applies_the_safe_rewrites_and_reports_the_rest() {
    let code_text = "use deadpool_postgres::Pool;\n\npub async fn charge(pool: &Pool, http: &reqwest::Client) -> Result<(), Error> {\n    let client = pool.get().await?;\n    let row = client.query_one(\"SELECT 1\", &[]).await?;\n    http.post(\"https://payments\").send().await?;\n    Ok(())\n}\n\npub fn pin(conn: sqlx::pool::PoolConnection<sqlx::Postgres>) {\n    std::mem::forget(conn);\n}\n\npub fn leak(conn: sqlx::pool::PoolConnection<sqlx::Postgres>) -> sqlx::PgConnection {\n    conn.leak()\n}\n";
    let dir = project(&[("src/billing.rs", code_text)]);
    let (_, json, _) = poolcheck(dir.path(), &["check", "src", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fixes: Vec<&serde_json::Value> =
        doc["diagnostics"].as_array().unwrap().iter().filter_map(|d| d.get("fix")).collect();
    assert_eq!(fixes.len(), 2, "{json}");
    let before = std::fs::read_to_string(dir.path().join("src/billing.rs")).unwrap();
    assert_eq!(before, code_text, "nothing is written without --fix");
    let (code, out, err) = poolcheck(dir.path(), &["check", "src", "--fix", "--format", "short"]);
    assert!(err.contains("fixed 2 finding(s) in 1 file(s)"), "{err}");
    assert_eq!(code, 1, "the leak() has no safe rewrite and remains:\n{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let after = std::fs::read_to_string(dir.path().join("src/billing.rs")).unwrap();
    assert!(
        after.contains("    let row = client.query_one(\"SELECT 1\", &[]).await?;\n    drop(client);\n    http.post"),
        "{after}"
    );
    assert!(after.contains("    drop(conn);\n}\n\npub fn leak"), "{after}");
    // the rewritten file is clean of what was fixed
    let (_, out, _) = poolcheck(dir.path(), &["check", "src", "--format", "short"]);
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn a_configuration_with_several_mistakes_reports_them_all() {
    let dir = project(&[
        ("src/pools.rs", POOLS),
        ("poolcheck.toml", "[rules]\nconn-forgoten = \"error\"\n\n[policy.bounds.max_size]\nmax = \"ten\"\n"),
    ]);
    let (code, _, err) = poolcheck(dir.path(), &["check", "src"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2 problems"), "{err}");
    assert!(err.contains("poolcheck.toml:2:1: unknown rule `conn-forgoten`"), "{err}");
    assert!(
        err.contains("poolcheck.toml:5:7: policy.bounds.max_size.max: the pool size is a number of connections"),
        "{err}"
    );
    assert!(!err.contains("duration"), "a size is not called a duration:\n{err}");
}

#[test]
fn include_tests_analyses_code_behind_test_support_cfgs() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/conn-held-while-waiting/test_support_cfgs.rs");
    let dir = tempfile::tempdir().unwrap();
    let (_, by_default, _) = poolcheck(dir.path(), &["check", fixture, "--format", "short"]);
    assert_eq!(by_default.lines().count(), 3, "production code only:\n{by_default}");
    let (_, with_tests, _) = poolcheck(dir.path(), &["check", fixture, "--format", "short", "--include-tests"]);
    let lines: Vec<&str> = with_tests.lines().map(|l| l.split(": ").next().unwrap_or("")).collect();
    let at: Vec<&str> = lines.iter().map(|l| l.rsplit_once(".rs:").map_or("", |(_, at)| at)).collect();
    assert_eq!(at, ["13:5", "23:9", "31:5", "41:9", "49:5", "56:5", "63:5"], "{with_tests}");
}

#[test]
fn include_tests_reports_modules_declared_behind_test_cfgs() {
    // `tests_cfg` (a `testing` feature) and `db::fakes` (`any(test, debug_assertions)`) are
    // test code by their `mod` items in the parent modules; their findings wait for
    // `--include-tests`, also when the files are named one by one (as pre-commit does)
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pool-config-out-of-bounds/ws_test_support");
    let dir = tempfile::tempdir().unwrap();
    let files = |out: &str| -> Vec<String> {
        let mut files: Vec<String> = out
            .lines()
            .map(|l| l.split(".rs:").next().unwrap_or("").rsplit("/src/").next().unwrap_or("").into())
            .collect();
        files.sort();
        files
    };
    let (_, by_default, _) = poolcheck(dir.path(), &["check", fixture, "--format", "short"]);
    assert_eq!(files(&by_default), ["db/pool"], "{by_default}");
    let (_, with_tests, _) = poolcheck(dir.path(), &["check", fixture, "--format", "short", "--include-tests"]);
    assert_eq!(files(&with_tests), ["db/fakes", "db/pool", "tests_cfg/db"], "{with_tests}");
    let named = format!("{fixture}/src/tests_cfg/db.rs");
    let (_, one_file, _) = poolcheck(dir.path(), &["check", &named, "--format", "short"]);
    assert_eq!(one_file, "", "a named test-support module is test code too");
}

#[test]
fn crates_declared_in_the_configuration_hold_inside_their_own_crate() {
    // `ourdb` defines its pool and guard itself; without the declaration poolcheck cannot know
    // what `checkout` hands out, and its own definition must not shadow the declaration
    let lib = "pub struct DbPool { inner: std::sync::Arc<Inner> }\npub struct DbConn { raw: u64 }\nstruct Inner;\n\nimpl DbPool {\n    pub async fn checkout(&self) -> Result<DbConn, ()> {\n        Ok(DbConn { raw: 0 })\n    }\n}\n\npub async fn audit(pool: &DbPool) -> Result<(), ()> {\n    let conn = pool.checkout().await?;\n    tokio::time::sleep(std::time::Duration::from_secs(1)).await;\n    drop(conn);\n    Ok(())\n}\n";
    let config = "[[crates]]\nname = \"ourdb\"\npaths = [\"ourdb\"]\npackages = [\"ourdb\"]\npool_types = [\"DbPool\"]\nguard_types = [{ name = \"DbConn\", kind = \"connection\" }]\nacquire = [{ method = \"checkout\", yields = \"connection\", is_async = true, returns = \"result\" }]\n";
    let dir = project(&[
        ("Cargo.toml", "[package]\nname = \"ourdb\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("src/lib.rs", lib),
    ]);
    let (_, without, _) = poolcheck(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(without.lines().count(), 0, "nothing is known without the declaration:\n{without}");
    std::fs::write(dir.path().join("poolcheck.toml"), config).unwrap();
    let (_, with, _) = poolcheck(dir.path(), &["check", ".", "--format", "short"]);
    assert!(with.starts_with("src/lib.rs:13:5: warning[conn-held-while-waiting]"), "{with}");
    assert_eq!(with.lines().count(), 1, "{with}");
}
