//! End-to-end tests of the built binaries: formats, exit codes, bad input, file lists and
//! `cargo poolcheck`.

mod support;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn poolcheck() -> Command {
    let mut cmd = Command::cargo_bin("poolcheck").unwrap();
    cmd.env_remove("NO_COLOR");
    // the facts cache of named files' packages goes to a test folder, never the user's
    cmd.env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"));
    cmd
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = poolcheck().args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

const SAMPLE: &str = "testdata/sample";

#[test]
fn human_output_renders_snippets_and_a_summary() {
    let (code, out, _) = run(&["check", SAMPLE, "--color", "never"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("human", out);
}

#[test]
fn short_output_is_one_line_per_finding() {
    let (code, out, _) = run(&["check", SAMPLE, "--format", "short"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("short", out);
}

#[test]
fn json_output_follows_the_contract() {
    let (code, out, _) = run(&["check", SAMPLE, "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["files_scanned"], 2);
    assert_eq!(doc["summary"]["errors"], 2);
    assert_eq!(doc["summary"]["warnings"], 1);
    for d in doc["diagnostics"].as_array().unwrap() {
        for key in ["rule", "severity", "message", "file", "line", "column", "end_line", "end_column", "labels"] {
            assert!(d.get(key).is_some(), "diagnostic lacks `{key}`: {d}");
        }
    }
    insta::assert_snapshot!("json", out);
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let (code, out, _) = run(&["check", SAMPLE, "--format", "sarif"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/sarif-schema-2.1.0.json").unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["partialFingerprints"]["poolcheck/v1"].is_string()));
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "conn-forgotten" && r["defaultConfiguration"]["level"] == "error"));
    insta::assert_snapshot!("sarif", out);
}

/// Progress is drawn only on a terminal; in tests stderr is a pipe, as in CI and scripts.
#[test]
fn no_progress_is_drawn_when_stderr_is_not_a_terminal() {
    for format in ["human", "json"] {
        let (code, out, err) = run(&["check", SAMPLE, "--format", format]);
        assert_eq!(code, 1);
        for text in [&out, &err] {
            assert!(
                !text.contains('\r') && !text.contains("files read") && !text.contains("files analysed"),
                "{text:?}"
            );
        }
        assert!(err.is_empty(), "nothing on stderr: {err:?}");
    }
}

#[test]
fn github_output_is_workflow_commands() {
    let (code, out, _) = run(&["check", SAMPLE, "--format", "github"]);
    assert_eq!(code, 1);
    assert!(out.lines().all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")));
    insta::assert_snapshot!("github", out);
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let arg = format!("json={}", json.display());
    let (code, out, _) = run(&["check", SAMPLE, "--format", &arg, "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 3, "short output on stdout:\n{out}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 3);
}

#[test]
fn output_is_identical_across_job_counts() {
    let (_, one, _) = run(&["check", "fixtures", "--format", "json", "--jobs", "1"]);
    let (_, two, _) = run(&["check", "fixtures", "--format", "json", "--jobs", "2"]);
    assert_eq!(one, two);
    assert!(one.contains("conn-forgotten"));
}

#[test]
fn exit_status_follows_severity_and_deny() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.rs"), "use sqlx::PgPool;\nfn f(_p: &PgPool) {}\n").unwrap();
    let clean = dir.path().to_str().unwrap();
    assert_eq!(run(&["check", clean]).0, 0);

    let warn_only = format!("{SAMPLE}/broken.rs");
    assert_eq!(run(&["check", &warn_only]).0, 0, "warnings alone pass");
    assert_eq!(run(&["check", &warn_only, "--deny", "warnings"]).0, 1);
    assert_eq!(run(&["check", SAMPLE]).0, 1, "errors fail");
    assert_eq!(run(&["check", SAMPLE, "--ignore", "conn-forgotten"]).0, 0);
    assert_eq!(run(&["check", SAMPLE, "--select", "parse-error", "--deny", "warnings"]).0, 1);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        vec!["check", "does/not/exist"],
        vec!["check", SAMPLE, "--select", "no-such-rule"],
        vec!["check", SAMPLE, "--format", "xml"],
        vec!["explain", "no-such-rule"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
        assert!(!err.trim().is_empty(), "{args:?} printed no error");
    }
    let (_, _, err) = run(&["check", "does/not/exist"]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("does/not/exist"));
}

#[test]
fn bad_files_are_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.rs"), b"use sqlx::PgPool; // caf\xe9\n").unwrap();
    std::fs::write(dir.path().join("big.rs"), format!("use sqlx::PgPool;\n{}", "// padding\n".repeat(200))).unwrap();
    std::fs::copy(format!("{SAMPLE}/sessions.rs"), dir.path().join("sessions.rs")).unwrap();
    let root = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["check", root, "--format", "short", "--max-file-size", "1000"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("latin1.rs:1:25: warning[parse-error]: not valid UTF-8"), "{out}");
    assert!(out.contains("big.rs:1:1: warning[parse-error]: file is"), "{out}");
    assert_eq!(out.matches("[conn-forgotten]").count(), 2, "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_files_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    std::fs::copy(format!("{SAMPLE}/sessions.rs"), sub.join("sessions.rs")).unwrap();
    let (code, out, _) = run(&["check", dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(out.matches("[conn-forgotten]").count(), 2, "{out}");
}

#[test]
fn a_file_list_is_scanned_as_given() {
    // pre-commit passes the changed files; only those are scanned
    let (code, out, _) = run(&["check", &format!("{SAMPLE}/sessions.rs"), "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["files_scanned"], 1);
}

#[test]
fn rules_and_explain_document_every_rule() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    for r in poolcheck::rules::ALL {
        assert!(out.contains(r.info().id), "{out}");
        let (code, doc, _) = run(&["explain", r.info().id]);
        assert_eq!(code, 0);
        assert!(doc.contains("### Why it drains a pool"), "{doc}");
        // the configuration rules print the policy they judge by, database by database
        let policy = doc.contains("### The default policy") && doc.contains("| pool size | 1..=100 | 1..=151 |");
        assert_eq!(policy, r.info().id.starts_with("pool-config-"), "{doc}");
    }
}

/// Runs `cargo poolcheck --format short` in `dir`, expects exit status 1, returns stdout.
fn cargo_poolcheck_finds_something(dir: &Path) -> String {
    let out = Command::cargo_bin("cargo-poolcheck")
        .unwrap()
        .args(["poolcheck", "--format", "short"])
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn cargo_poolcheck_scans_a_single_package_in_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::copy(format!("{SAMPLE}/sessions.rs"), dir.path().join("src/lib.rs")).unwrap();
    let stdout = cargo_poolcheck_finds_something(dir.path());
    assert!(stdout.starts_with("src/lib.rs:6:5: error[conn-forgotten]"), "{stdout}");
}

#[test]
fn cargo_poolcheck_scans_the_workspace_members() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("testdata/workspace"), dir.path());
    let stdout = cargo_poolcheck_finds_something(dir.path());
    // the alias `Db` is defined in another file of the crate: the index resolves it
    assert_eq!(stdout.trim(), "api/src/db.rs:5:5: error[conn-forgotten]: pooled connection `conn` is forgotten: `mem::forget` skips its `Drop`, so its pool slot never returns");
}

/// Every file in a tree with its content, to show a scan wrote nothing there.
fn snapshot_tree(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out: Vec<_> =
        support::files_under(dir).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
    out.sort();
    out
}

/// A named file (as pre-commit passes the staged ones) is analysed with the evidence of the
/// rest of its package: here the alias that makes `Db` a pool lives in another file. Those
/// files' facts are cached outside the tree, keyed by content, so an edit is seen at once.
#[test]
fn a_named_file_is_analysed_with_its_package_and_the_cache_follows_edits() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("src")).unwrap();
    let manifest =
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsqlx = \"0.8\"\n";
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(root.join("src/db.rs"), "pub type Db = sqlx::PgPool;\n").unwrap();
    let handler = "use crate::db::Db;\n\npub async fn pin(db: &Db) {\n    let conn = db.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";
    std::fs::write(root.join("src/handler.rs"), handler).unwrap();
    let named = |cache_args: &[&str]| {
        let out = poolcheck()
            .current_dir(root)
            .env("POOLCHECK_CACHE_DIR", cache.path())
            .args(["check", "src/handler.rs", "--format", "short"])
            .args(cache_args)
            .output()
            .unwrap();
        (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
    };
    let before = snapshot_tree(root);

    // without the cache: the package is indexed, the finding is made, nothing is cached
    let (code, out) = named(&["--no-cache"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("src/handler.rs:5:5: error[conn-forgotten]"), "{out}");
    assert!(support::files_under(cache.path()).is_empty());

    // with it: the same finding, from a cold cache and then a warm one
    for _ in 0..2 {
        let (code, again) = named(&[]);
        assert_eq!((code, &again), (1, &out));
        assert_eq!(support::files_under(cache.path()).len(), 1, "one cache file per package");
    }
    assert_eq!(snapshot_tree(root), before, "the scanned tree is never written");

    // an edit to the other file is seen through the warm cache: `Db` is no longer a pool
    std::fs::write(root.join("src/db.rs"), "pub type Db = std::collections::HashMap<u32, u32>;\n").unwrap();
    let (code, out) = named(&[]);
    assert_eq!((code, out.as_str()), (0, ""));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn integration_tests_are_left_out_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n").unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    let test_file = dir.path().join("tests/pool_it.rs");
    std::fs::copy(format!("{SAMPLE}/sessions.rs"), &test_file).unwrap();
    let root = dir.path().to_str().unwrap();
    assert_eq!(run(&["check", root]).0, 0, "tests/ is test code");
    let (code, out, _) = run(&["check", root, "--include-tests", "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(out.matches("[conn-forgotten]").count(), 2, "{out}");
    // a file named on the command line is always scanned
    assert_eq!(run(&["check", test_file.to_str().unwrap()]).0, 1);
}

const LEDGER: &str = "fixtures/nested-acquire/ws_ledger";

/// A crate scanned alone is analysed with the crates it depends on by path (here through a
/// renamed dependency), and only it is reported.
#[test]
fn a_crate_scanned_alone_sees_its_path_dependencies() {
    let api = format!("{LEDGER}/crates/ledger_api");
    let (code, out, _) = run(&["check", &api, "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["files_scanned"], 1, "the storage crate is evidence, not scanned");
    let found: Vec<(String, u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let lib = format!("{api}/src/lib.rs");
    let expected = [
        (lib.clone(), 14, "nested-acquire"),
        (lib.clone(), 37, "nested-acquire"),
        (lib, 56, "conn-held-while-waiting"),
    ];
    assert_eq!(found, expected.map(|(f, l, r)| (f, l, r.to_owned())));
    // the witness of the cross-crate acquisition points into the storage crate
    let labels = doc["diagnostics"][0]["labels"].to_string();
    assert!(labels.contains("ledger_store/src/db/mod.rs"), "{labels}");
}

/// A named file (pre-commit) sees its path dependencies as a scan of its crate does: their
/// types through the facts cache, and the summaries of the functions it calls there (analysed,
/// not reported), cold and warm alike.
#[test]
fn a_named_file_sees_the_types_and_functions_of_its_path_dependencies() {
    let cache = tempfile::tempdir().unwrap();
    let file = format!("{LEDGER}/crates/ledger_api/src/lib.rs");
    for _ in 0..2 {
        let out = poolcheck()
            .env("POOLCHECK_CACHE_DIR", cache.path())
            .args(["check", &file, "--format", "json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(doc["summary"]["files_scanned"], 1, "{stdout}");
        let found: Vec<(String, u64, String)> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let line = d["line"].as_u64().unwrap();
                (d["file"].as_str().unwrap().to_owned(), line, d["rule"].as_str().unwrap().to_owned())
            })
            .collect();
        let expected = [(14, "nested-acquire"), (37, "nested-acquire"), (56, "conn-held-while-waiting")];
        assert_eq!(found, expected.map(|(l, r)| (file.clone(), l, r.to_owned())), "{stdout}");
        // the witness points into the storage crate, named relative to where poolcheck runs
        let labels = doc["diagnostics"][0]["labels"].to_string();
        assert!(labels.contains(&format!("\"{LEDGER}/crates/ledger_store/src/db/mod.rs\"")), "{labels}");
    }
}

/// Each file of the fixture workspaces, named alone (cold cache, then warm), gets the findings a
/// scan of its whole workspace reports in it: the other files of the workspace it needs (what
/// it calls, what calls it) are analysed for their summaries. The cache is shared by the
/// files of a workspace, as when the hook names one file, then another.
#[test]
fn a_named_file_gets_the_findings_of_a_whole_scan_in_it() {
    let findings = |args: &[&str], cache: &Path| -> Vec<(String, u64, String)> {
        let out = poolcheck().env("POOLCHECK_CACHE_DIR", cache).args(args).output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<(String, u64, String)> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let rule = d["rule"].as_str().unwrap().to_owned();
                (d["file"].as_str().unwrap().to_owned(), d["line"].as_u64().unwrap(), rule)
            })
            .collect();
        found.sort();
        found
    };
    let mut compared = 0;
    // every fixture workspace: callees and callers in other files and crates, same-named
    // types, test-support crates, settings read across the workspace
    let workspaces: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .flat_map(|rule| std::fs::read_dir(rule.unwrap().path()).into_iter().flatten())
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .collect();
    assert!(workspaces.len() >= 7, "{workspaces:?}");
    for ws in &workspaces {
        let ws = ws.to_str().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let whole = findings(&["check", ws, "--format", "json"], cache.path());
        for file in support::files_under(Path::new(ws)) {
            let Some(name) = file.to_str().filter(|f| f.ends_with(".rs")) else { continue };
            let expected: Vec<_> = whole.iter().filter(|(f, _, _)| f == name).cloned().collect();
            for _ in 0..2 {
                assert_eq!(findings(&["check", name, "--format", "json"], cache.path()), expected, "{name}");
            }
            compared += expected.len();
        }
    }
    assert!(compared >= 10, "the fixtures hold findings to compare ({compared})");
}

/// `cargo poolcheck` reads the manifests itself: a workspace pinning a toolchain this machine
/// lacks is scanned all the same, every member of it.
#[test]
fn cargo_poolcheck_needs_no_toolchain_of_the_project() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(LEDGER), dir.path());
    std::fs::write(dir.path().join("rust-toolchain.toml"), "[toolchain]\nchannel = \"1.23.4\"\n").unwrap();
    let stdout = cargo_poolcheck_finds_something(dir.path());
    let rules: Vec<&str> = stdout.lines().filter_map(|l| l.split_once(": ")?.1.split(']').next()).collect();
    assert_eq!(
        rules,
        [
            "error[nested-acquire",
            "error[nested-acquire",
            "warning[conn-held-while-waiting",
            "error[nested-acquire",
            "warning[conn-held-while-waiting"
        ],
        "{stdout}"
    );
    assert!(stdout.contains("crates/ledger_jobs/src/lib.rs:10:5"), "{stdout}");
}

#[test]
fn a_parse_error_says_what_and_spans_the_offending_character() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.rs"), "use sqlx::PgPool;\nfn f() {\n    let x = ;\n}\n").unwrap();
    std::fs::write(dir.path().join("eof.rs"), "use sqlx::PgPool;\nfn f() {\n    let x = 1;\n").unwrap();
    let (_, json, _) = run(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = doc["diagnostics"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{json}");
    for d in findings {
        assert_eq!(d["rule"], "parse-error", "{d}");
        let message = d["message"].as_str().unwrap();
        assert!(message.starts_with("cannot parse as Rust: ") && message.ends_with("the file is not analysed"), "{d}");
        let width = (d["end_line"].as_u64(), d["end_column"].as_u64().unwrap() - d["column"].as_u64().unwrap());
        assert_eq!(width, (d["line"].as_u64(), 1), "one character, never an empty span: {d}");
    }
    let bad = findings.iter().find(|d| d["file"].as_str().unwrap().ends_with("bad.rs")).unwrap();
    assert_eq!((bad["line"].as_u64(), bad["column"].as_u64()), (Some(3), Some(13)), "{bad}");
    assert!(bad["message"].as_str().unwrap().contains("expected an expression"), "{bad}");
}

#[test]
fn a_library_scanned_alone_is_reached_through_the_workspace_members_that_use_it() {
    // `crates/storage` says nothing of requests; `crates/web` registers a handler that calls it
    let dir = "testdata/dependents";
    let out = assert_cmd::Command::cargo_bin("poolcheck")
        .unwrap()
        .args(["check", "crates/storage", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["diagnostics"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    let d = &findings[0];
    assert_eq!(
        (d["rule"].as_str(), d["file"].as_str(), d["line"].as_u64()),
        (Some("pool-per-call"), Some("crates/storage/src/lib.rs"), Some(6))
    );
    // the witness path runs through the dependent crate, shown relative to where poolcheck runs
    let labels: Vec<(&str, u64, &str)> = d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["file"].as_str().unwrap(), l["line"].as_u64().unwrap(), l["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        labels,
        [
            ("crates/web/src/main.rs", 15, "`source_file` is registered as a request handler here"),
            ("crates/web/src/main.rs", 6, "calls `storage::lookup` per request"),
            (
                "crates/storage/src/lib.rs",
                11,
                "calls `open_index` per request, and drops the new pool when `lookup` returns"
            ),
        ]
    );
    assert_eq!(doc["summary"]["files_scanned"], 1, "the dependent is evidence, not scanned");
}

#[test]
fn pool_per_call_help_fits_the_case() {
    let helps = |file: &str| -> Vec<String> {
        let (_, json, _) = run(&["check", file, "--format", "json", "--select", "pool-per-call"]);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        doc["diagnostics"].as_array().unwrap().iter().map(|d| d["help"].as_str().unwrap().to_owned()).collect()
    };
    let batch = helps("fixtures/pool-per-call/batch_jobs.rs");
    assert!(batch.iter().any(|h| h.starts_with("build the pool once before the loop")), "{batch:?}");
    assert!(batch.iter().all(|h| !h.contains("application state")), "a loop is not a request: {batch:?}");
    let handlers = helps("fixtures/pool-per-call/reports_axum.rs");
    assert!(
        handlers.iter().any(|h| h.starts_with("build the pool once at startup, keep it in the application state")),
        "{handlers:?}"
    );
    assert!(
        handlers.iter().any(|h| h.starts_with("take a connection from the application's shared pool")),
        "{handlers:?}"
    );
}

/// The help of a hold that cannot be released early names the guard's next use after the
/// wait, not a use earlier in the same statement.
#[test]
fn the_next_use_named_in_the_help_comes_after_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let src = r#"use sqlx::PgPool;
pub async fn approve(pool: &PgPool, approved: bool) -> sqlx::Result<()> {
    let mut txn = pool.begin().await?;
    if approved {
        sqlx::query("INSERT INTO members DEFAULT VALUES")
            .execute(&mut *txn)
            .await?;
        notify().await;
    }
    sqlx::query("UPDATE requests SET done = true").execute(&mut *txn).await?;
    txn.commit().await
}
async fn notify() {}
"#;
    std::fs::write(dir.path().join("approve.rs"), src).unwrap();
    let (_, json, _) = run(&["check", dir.path().to_str().unwrap(), "--format", "json", "--no-cache"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let held = &doc["diagnostics"][0];
    assert_eq!((held["rule"].as_str(), held["line"].as_u64()), (Some("conn-held-while-waiting"), Some(8)), "{json}");
    let help = held["help"].as_str().unwrap();
    assert!(help.contains("used again on line 10"), "{help}");
}
