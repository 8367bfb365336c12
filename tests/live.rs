//! The warm workspace the language server keeps (`engine::live`) reports, file for file,
//! what a scan of the same folder reports: after loading, and after edits that change a
//! crate's index and reach the crates that depend on it, once it has caught up, and after
//! edits to function bodies that reach other files only through the function summaries.

mod support;

use poolcheck::engine::live::LiveWorkspace;
use poolcheck::engine::{scan, ScanOptions};
use poolcheck::report::Diagnostic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A finding with its places as paths and byte ranges, comparable across the two.
type Finding = (String, usize, usize, String, Vec<(PathBuf, usize, usize, String)>, bool);

fn scanned(folder: &Path) -> BTreeMap<PathBuf, Vec<Finding>> {
    let report = scan(&ScanOptions { jobs: Some(2), ..ScanOptions::new(vec![folder.to_path_buf()]) }).unwrap();
    let path = |file: usize| std::fs::canonicalize(&report.sources.get(file).path).unwrap();
    let mut out: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    for d in &report.diagnostics {
        out.entry(path(d.span.file)).or_default().push(finding(d, &path));
    }
    out
}

fn live_findings(live: &LiveWorkspace) -> BTreeMap<PathBuf, Vec<Finding>> {
    let path = |file: usize| std::fs::canonicalize(live.path(file)).unwrap();
    let mut out: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    for id in (0..live.files()).filter(|&id| live.is_reported(id)) {
        let findings: Vec<Finding> = live.findings(id).iter().map(|d| finding(d, &path)).collect();
        if !findings.is_empty() {
            out.insert(path(id), findings);
        }
    }
    out
}

fn finding(d: &Diagnostic, path: &dyn Fn(usize) -> PathBuf) -> Finding {
    let labels = d.labels.iter().map(|l| (path(l.span.file), l.span.start, l.span.end, l.message.clone())).collect();
    (d.rule.to_owned(), d.span.start, d.span.end, d.message.clone(), labels, d.fix.is_some())
}

fn live(folder: &Path) -> LiveWorkspace {
    LiveWorkspace::load(ScanOptions { jobs: Some(2), ..ScanOptions::new(vec![folder.to_path_buf()]) }).unwrap()
}

#[test]
fn a_loaded_workspace_reports_what_a_scan_reports() {
    let mut files_with_findings = 0;
    for folder in ["fixtures", "testdata/evidence", "testdata/workspace", "testdata/dependents"] {
        let folder = std::fs::canonicalize(folder).unwrap();
        let expected = scanned(&folder);
        files_with_findings += expected.len();
        assert_eq!(live_findings(&live(&folder)), expected, "{}", folder.display());
    }
    assert!(files_with_findings > 50, "the fixtures have findings in {files_with_findings} files");
}

#[test]
fn edits_that_change_an_index_reach_the_dependent_crates() {
    let tmp = tempfile::tempdir().unwrap();
    for file in support::files_under(Path::new("testdata/evidence")) {
        let to = tmp.path().join(file.strip_prefix("testdata/evidence").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let store = root.join("crates/store/src/lib.rs");
    let web = root.join("crates/web/src/lib.rs");
    let mut live = live(&root);
    let (store_id, web_id) = (live.file_id(&store).unwrap(), live.file_id(&web).unwrap());

    // the handler takes a second connection while it holds the first
    let web_text = std::fs::read_to_string(&web).unwrap().replace(
        "    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;",
        "    let again = store.conn().await.unwrap();\n    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;\n    drop(again);",
    );
    live.set_text(web_id, Some(web_text.clone()));
    live.refresh(&[web_id]);
    assert!(live.findings(web_id).iter().any(|d| d.rule == "nested-acquire"), "{:#?}", live.findings(web_id));

    // the accessor no longer returns a connection: a change to the store crate's index
    let store_text = std::fs::read_to_string(&store).unwrap().replace(
        "    pub async fn conn(&self) -> Result<PoolConnection<Postgres>, sqlx::Error> {\n        self.primary.acquire().await\n    }",
        "    pub async fn conn(&self) -> Result<u32, sqlx::Error> {\n        Ok(1)\n    }",
    );
    live.set_text(store_id, Some(store_text.clone()));
    live.refresh(&[store_id]);
    assert!(live.is_behind(), "the web crate was analysed against the old index");
    while live.catch_up(1) {}
    std::fs::write(&web, &web_text).unwrap();
    std::fs::write(&store, &store_text).unwrap();
    assert_eq!(live_findings(&live), scanned(&root));
    assert!(live.findings(web_id).iter().all(|d| d.rule != "nested-acquire"));

    // back to the disk's text, which is the same: nothing to parse, the same findings
    live.set_text(web_id, None);
    live.refresh(&[web_id]);
    assert_eq!(live_findings(&live), scanned(&root));
}

/// Writes `files` (path, text) under `root`.
fn write_all(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const LEAF: &str = "use sqlx::PgPool;

pub async fn count_users(pool: &PgPool) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;
    0
}
";

#[test]
fn body_edits_reach_callers_in_other_files_through_the_summaries() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    write_all(
        &root,
        &[
            ("Cargo.toml", "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n"),
            ("src/lib.rs", "pub mod audit;\npub mod store;\npub mod web;\n"),
            ("src/store.rs", LEAF),
            // the leaf's acquisition three calls away, and (in `merge`) by two ways
            (
                "src/audit.rs",
                "use sqlx::PgPool;\n\npub async fn record(pool: &PgPool) {\n    tally(pool).await;\n}\n\nasync fn tally(pool: &PgPool) {\n    crate::store::count_users(pool).await;\n}\n",
            ),
            (
                "src/web.rs",
                "use sqlx::PgPool;\n\npub async fn rename(pool: &PgPool) {\n    let mut conn = pool.acquire().await.unwrap();\n    crate::audit::record(pool).await;\n    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;\n}\n\npub async fn merge(pool: &PgPool) {\n    let mut conn = pool.acquire().await.unwrap();\n    crate::audit::record(pool).await;\n    crate::store::count_users(pool).await;\n    let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;\n}\n",
            ),
        ],
    );
    let mut live = live(&root);
    let (store, web) = (root.join("src/store.rs"), root.join("src/web.rs"));
    let (store_id, web_id) = (live.file_id(&store).unwrap(), live.file_id(&web).unwrap());
    let nested = |live: &LiveWorkspace| live.findings(web_id).iter().filter(|d| d.rule == "nested-acquire").count();
    assert_eq!(nested(&live), 3, "{:#?}", live.findings(web_id));
    assert_eq!(live_findings(&live), scanned(&root));

    // the leaf no longer takes a connection: the handler's findings go, though only the
    // leaf's file is analysed again
    let without = LEAF
        .replace("let mut conn = pool.acquire().await.unwrap();", "let _ = pool;")
        .replace("let _ = sqlx::query(\"SELECT 1\").execute(&mut *conn).await;", "");
    live.set_text(store_id, Some(without.clone()));
    live.refresh(&[store_id]);
    assert!(!live.is_behind());
    assert_eq!(nested(&live), 0, "{:#?}", live.findings(web_id));
    std::fs::write(&store, &without).unwrap();
    assert_eq!(live_findings(&live), scanned(&root));

    // and back, with the lines moved: they come again, as a scan reports them
    let moved = format!("\n\n{LEAF}");
    live.set_text(store_id, Some(moved.clone()));
    live.refresh(&[store_id]);
    assert_eq!(nested(&live), 3, "{:#?}", live.findings(web_id));
    std::fs::write(&store, &moved).unwrap();
    assert_eq!(live_findings(&live), scanned(&root));
}

#[test]
fn evidence_is_what_poolcheck_evidence_reports() {
    let folder = std::fs::canonicalize("testdata/evidence").unwrap();
    let report = scan(&ScanOptions { evidence: true, ..ScanOptions::new(vec![folder.clone()]) }).unwrap();
    let key = |b: &poolcheck::analysis::evidence::Belief, path: PathBuf| (path, b.at.start, b.subject.clone());
    let mut expected: Vec<_> = report
        .evidence
        .unwrap()
        .beliefs
        .iter()
        .map(|b| key(b, std::fs::canonicalize(&report.sources.get(b.at.file).path).unwrap()))
        .collect();
    let live = live(&folder);
    let mut got: Vec<_> =
        live.evidence().iter().map(|b| key(b, std::fs::canonicalize(live.path(b.at.file)).unwrap())).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(got.len(), 9);
}
