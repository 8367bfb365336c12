//! Hostile inputs: each gets a clear diagnostic or is skipped, the scan goes on, nothing hangs
//! or panics. Plus determinism: the output never depends on the order files are found in.

mod support;

use assert_cmd::Command;
use poolcheck::engine::{check_text, discover::discover, scan, scan_files, ScanOptions};
use poolcheck::report::{render, Format};
use poolcheck::rules;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const LEAK: &str = "use sqlx::PgPool;\n\npub async fn pin(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";

fn poolcheck(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("poolcheck")
        .unwrap()
        .args(args)
        .env("POOLCHECK_CACHE_DIR", std::env::temp_dir().join("poolcheck-tests-cache"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_50_mb_file_is_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let line = "// generated padding line for a very large source file\n";
    std::fs::write(dir.path().join("huge.rs"), line.repeat(50 * 1024 * 1024 / line.len())).unwrap();
    std::fs::write(dir.path().join("leak.rs"), LEAK).unwrap();
    let (code, out, _) = poolcheck(&["check", dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("huge.rs:1:1: warning[parse-error]: file is 52428"), "{out}");
    assert!(out.contains("larger than the 8388608-byte limit"), "{out}");
    assert!(out.contains("leak.rs:5:5: error[conn-forgotten]"), "{out}");
}

#[test]
fn deep_nesting_is_reported_not_overflowed() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("use sqlx::PgPool;\nfn f() {{ let x = {}1{}; }}\n", "(".repeat(100_000), ")".repeat(100_000));
    std::fs::write(dir.path().join("deep.rs"), deep).unwrap();
    std::fs::write(dir.path().join("leak.rs"), LEAK).unwrap();
    let (code, out, _) = poolcheck(&["check", dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("deep.rs:2:") && out.contains("nesting deeper than 512 levels"), "{out}");
    assert!(out.contains("leak.rs:5:5: error[conn-forgotten]"), "{out}");
}

#[test]
fn paths_with_spaces_and_non_ascii_are_reported_as_named() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("my pools").join("ünïcödé – dir");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(nested.join("leak file.rs"), LEAK).unwrap();
    let (code, out, _) = poolcheck(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let file = doc["diagnostics"][0]["file"].as_str().unwrap();
    assert!(file.ends_with("my pools/ünïcödé – dir/leak file.rs"), "{file}");
}

#[test]
fn an_empty_repository_and_an_ignore_everything_gitignore_scan_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let (code, out, _) = poolcheck(&["check", root, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"files_scanned\": 0"), "{out}");
    std::fs::write(dir.path().join("leak.rs"), LEAK).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "*\n").unwrap();
    let (code, out, _) = poolcheck(&["check", root, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"files_scanned\": 0"), "{out}");
}

#[cfg(unix)]
#[test]
fn fifos_and_dangling_links_do_not_hang_or_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.rs");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    std::os::unix::fs::symlink(dir.path().join("gone.rs"), dir.path().join("dangling.rs")).unwrap();
    std::fs::write(dir.path().join("leak.rs"), LEAK).unwrap();
    let (code, out, _) = poolcheck(&["check", dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.lines().count(), 1, "fifo made: {made}\n{out}");
}

#[test]
fn a_directory_that_cannot_be_read_as_a_file_is_reported() {
    // reading fails after discovery said the path exists: the same path as a file deleted or
    // made unreadable during the scan
    let diags = check_text(Path::new("x.rs"), "", &Default::default(), rules::ALL);
    assert!(diags.is_empty());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dir.rs")).unwrap();
    std::fs::write(dir.path().join("leak.rs"), LEAK).unwrap();
    let (code, out, _) = poolcheck(&["check", dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(code, 1, "{out}");
}

/// Files change between discovery and reading: deleted, replaced by a folder or a dangling
/// link, made unreadable. Each is reported as `cannot read` with its name; the rest is scanned.
#[cfg(unix)]
#[test]
fn files_that_change_after_discovery_are_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for name in ["deleted.rs", "now_a_folder.rs", "now_a_link.rs", "unreadable.rs", "leak.rs"] {
        std::fs::write(dir.path().join(name), LEAK).unwrap();
    }
    let opts = ScanOptions::new(vec![dir.path().to_path_buf()]);
    let (found, problems) = discover(&opts.paths, false, None).unwrap();
    assert_eq!(found.len(), 5);
    let at = |name: &str| dir.path().join(name);
    std::fs::remove_file(at("deleted.rs")).unwrap();
    std::fs::remove_file(at("now_a_folder.rs")).unwrap();
    std::fs::create_dir(at("now_a_folder.rs")).unwrap();
    std::fs::remove_file(at("now_a_link.rs")).unwrap();
    std::os::unix::fs::symlink(at("gone.rs"), at("now_a_link.rs")).unwrap();
    std::fs::set_permissions(at("unreadable.rs"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads through permissions: then the file is scanned like any other
    let root_reads_anyway = std::fs::read(at("unreadable.rs")).is_ok();

    let report = scan_files(&opts, found, problems).unwrap();
    let mut buf = Vec::new();
    render(&report, Format::Short, false, &mut buf).unwrap();
    let out = String::from_utf8(buf).unwrap();
    let line_for = |name: &str| out.lines().filter(|l| l.contains(name)).collect::<Vec<_>>();
    for name in ["deleted.rs", "now_a_folder.rs", "now_a_link.rs"] {
        let lines = line_for(name);
        assert_eq!(lines.len(), 1, "{name}:\n{out}");
        assert!(lines[0].contains("warning[parse-error]: cannot read"), "{out}");
    }
    let unreadable = line_for("unreadable.rs");
    if root_reads_anyway {
        assert!(unreadable.len() == 1 && unreadable[0].contains("error[conn-forgotten]"), "{out}");
    } else {
        assert!(unreadable.len() == 1 && unreadable[0].contains("cannot read: Permission denied"), "{out}");
    }
    assert!(line_for("leak.rs")[0].contains("leak.rs:5:5: error[conn-forgotten]"), "{out}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

/// The binary under a real race: files are deleted while it scans them. Whatever it catches,
/// it never panics, always exits 0 or 1 with valid JSON, and only ever reports a vanished file
/// as `cannot read`.
#[test]
fn files_deleted_during_a_scan_never_crash_it() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..1500).map(|i| dir.path().join(format!("m{i:04}.rs"))).collect();
    for f in &files {
        std::fs::write(f, LEAK).unwrap();
    }
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcheck"))
        .args(["check", dir.path().to_str().unwrap(), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for f in files.iter().rev() {
        let _ = std::fs::remove_file(f);
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    for d in doc["diagnostics"].as_array().unwrap() {
        match d["rule"].as_str().unwrap() {
            "parse-error" => assert!(d["message"].as_str().unwrap().starts_with("cannot read"), "{d}"),
            rule => assert_eq!(rule, "conn-forgotten", "{d}"),
        }
    }
}

fn fixture_files() -> Vec<PathBuf> {
    let mut out = support::files_under(Path::new("fixtures"));
    out.retain(|p| !p.to_string_lossy().ends_with(".expect"));
    out.sort();
    out
}

fn json_for(paths: Vec<PathBuf>) -> String {
    let report = scan(&ScanOptions { jobs: Some(2), ..ScanOptions::new(paths) }).unwrap();
    let mut buf = Vec::new();
    render(&report, Format::Json, false, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// The same files given in any order give byte-identical output.
    #[test]
    fn output_does_not_depend_on_discovery_order(seed in any::<u64>()) {
        let files = fixture_files();
        let expected = json_for(files.clone());
        let mut shuffled = files;
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(json_for(shuffled), expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the pipeline, as Rust or as any configuration format.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}", ext in prop::sample::select(vec!["rs", "toml", "yaml", "json", "env"])) {
        let name = if ext == "env" { ".env".to_string() } else { format!("input.{ext}") };
        let _ = check_text(Path::new(&name), &text, &Default::default(), rules::ALL);
    }

    /// Fixtures cut at any point, or with a span of them deleted, never panic the pipeline.
    #[test]
    fn mutated_fixtures_never_panic(which in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(), len in 0usize..64) {
        let files = fixture_files();
        let path = which.get(&files);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) { at -= 1; }
        let mut end = (at + len).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}", &text[..at], &text[end..]);
        let _ = check_text(path, &mutated, &Default::default(), rules::ALL);
    }
}
