//! Files that are modules compiled only for tests: declared by `#[cfg(test)] mod x;` or behind a
//! test-support `cfg` (`#[cfg(feature = "testing")] pub mod tests_cfg;`) in their parent
//! module, or below such a module. Their findings are test code's, reported only with
//! `--include-tests`, as are the items behind those `cfg`s inside a file.
//!
//! Worked out lazily, for the files that have findings: each file's declaring module is found
//! the way rustc finds it (`a/b.rs` and `a/b/mod.rs` are declared in `a.rs`, `a/mod.rs`, or
//! the crate root `lib.rs`/`main.rs` when `a` is `src`), read from disk and parsed whole. A
//! file declared nowhere by name may be declared with `#[path = "…"]` (relative to the
//! declaring file's directory) by a file of its own directory or of the one above.
//! Declarations inside inline modules are not followed.

use crate::index::cfg::{attrs_test_only, TestOnly};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How far up the module tree declarations are followed.
const MAX_DEPTH: usize = 16;

/// Memo of which files are test-only modules.
#[derive(Debug, Default)]
pub struct TestModules {
    known: HashMap<PathBuf, bool>,
    /// Declaring files read so far: the modules each declares.
    declared: HashMap<PathBuf, Option<Declared>>,
}

/// The out-of-line modules a file declares, with the `cfg` each is behind.
#[derive(Debug, Default)]
struct Declared {
    /// By name (`mod x;`).
    by_name: HashMap<String, TestOnly>,
    /// By the file a `#[path = "…"]` names, as written beside the declaring file.
    by_path: HashMap<PathBuf, TestOnly>,
}

impl TestModules {
    /// Whether `file` is a module only tests (or test-support builds) compile.
    pub fn is_test_only(&mut self, file: &Path) -> bool {
        self.walk(file, 0)
    }

    fn walk(&mut self, file: &Path, depth: usize) -> bool {
        if let Some(&known) = self.known.get(file) {
            return known;
        }
        let answer = depth < MAX_DEPTH && self.decide(file, depth);
        self.known.insert(file.to_path_buf(), answer);
        answer
    }

    fn decide(&mut self, file: &Path, depth: usize) -> bool {
        let Some((name, dir)) = module_name_and_dir(file) else { return false };
        for parent in declaring_candidates(&dir) {
            if parent == file {
                continue;
            }
            match self.declarations(&parent).and_then(|d| d.by_name.get(&name).copied()) {
                Some(TestOnly::No) => return self.walk(&parent, depth + 1),
                Some(_) => return true,
                None => {}
            }
        }
        let Ok(target) = std::fs::canonicalize(file) else { return false };
        for parent in path_declaring_candidates(file) {
            if !self.declared.contains_key(&parent) {
                // only a file with a `#[path]` attribute is worth parsing here
                let Ok(text) = std::fs::read_to_string(&parent) else { continue };
                if !text.contains("#[path") {
                    continue;
                }
                self.declared.insert(parent.clone(), parse_declarations(&text));
            }
            let Some(declared) = self.declared[&parent].as_ref() else { continue };
            let Some(dir) = parent.parent() else { continue };
            let found =
                declared.by_path.iter().find(|(to, _)| std::fs::canonicalize(dir.join(to)).is_ok_and(|p| p == target));
            match found.map(|(_, cfg)| *cfg) {
                Some(TestOnly::No) => return self.walk(&parent, depth + 1),
                Some(_) => return true,
                None => {}
            }
        }
        false
    }

    /// The out-of-line modules a file declares.
    fn declarations(&mut self, file: &Path) -> Option<&Declared> {
        self.declared
            .entry(file.to_path_buf())
            .or_insert_with(|| parse_declarations(&std::fs::read_to_string(file).ok()?))
            .as_ref()
    }
}

/// The out-of-line modules a file's text declares (`None`: it cannot be parsed).
fn parse_declarations(text: &str) -> Option<Declared> {
    // as pass 1 does: a file nested too deep for the parser's stack is not read
    if super::too_deep(text).is_some() {
        return None;
    }
    let parsed = syn::parse_file(text).ok()?;
    let mut declared = Declared::default();
    for item in &parsed.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.content.is_some() {
            continue;
        }
        let cfg = attrs_test_only(&m.attrs);
        match path_attr(&m.attrs) {
            Some(to) => declared.by_path.insert(to, cfg),
            None => declared.by_name.insert(m.ident.to_string(), cfg),
        };
    }
    Some(declared)
}

/// The file a `#[path = "…"]` attribute names.
fn path_attr(attrs: &[syn::Attribute]) -> Option<PathBuf> {
    attrs.iter().filter(|a| a.path().is_ident("path")).find_map(|a| match &a.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
            ..
        }) => Some(PathBuf::from(s.value())),
        _ => None,
    })
}

/// The Rust files that may declare `file` with `#[path]`: those of its directory and of the
/// one above, but itself.
fn path_declaring_candidates(file: &Path) -> Vec<PathBuf> {
    let Some(dir) = file.parent() else { return Vec::new() };
    let dirs = std::iter::once(dir).chain(dir.parent());
    let mut out: Vec<PathBuf> = dirs
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && p != file && p.is_file())
        .collect();
    out.sort();
    out
}

/// A file's module name and the directory its declaring module is in: `src/db/pool.rs` is
/// `pool` declared in `src/db`'s module; `src/db/mod.rs` is `db` declared in `src`'s. Crate
/// roots have none.
fn module_name_and_dir(file: &Path) -> Option<(String, PathBuf)> {
    let stem = file.file_stem()?.to_str()?;
    let dir = file.parent()?;
    if matches!(stem, "lib" | "main") {
        return None;
    }
    if stem == "mod" {
        let name = dir.file_name()?.to_str()?.to_owned();
        return Some((name, dir.parent()?.to_path_buf()));
    }
    Some((stem.to_owned(), dir.to_path_buf()))
}

/// The files that may declare the modules of a directory: its `mod.rs`, the crate roots in
/// it, and the file named after it beside it (`src/db.rs` for `src/db/`).
fn declaring_candidates(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.join("mod.rs"), dir.join("lib.rs"), dir.join("main.rs")];
    if let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) {
        let mut beside = parent.join(name);
        beside.set_extension("rs");
        out.push(beside);
    }
    out.retain(|p| p.is_file());
    out
}

/// The files among `files` (by id) that have findings and are test-only modules; none when
/// tests are reported anyway.
pub fn of_findings(
    diagnostics: &[Vec<crate::report::Diagnostic>],
    files: &[super::discover::Discovered],
    include_tests: bool,
) -> std::collections::HashSet<usize> {
    if include_tests {
        return Default::default();
    }
    let mut with_findings: Vec<usize> =
        diagnostics.iter().flatten().map(|d| d.span.file).filter(|&f| f < files.len()).collect();
    with_findings.sort_unstable();
    with_findings.dedup();
    let mut modules = TestModules::default();
    with_findings.into_iter().filter(|&f| modules.is_test_only(&files[f].path)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn modules_behind_test_cfgs_and_below_them_are_test_only() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(
            root,
            "src/lib.rs",
            "#[cfg(feature = \"testing\")]\npub mod tests_cfg;\npub mod db;\n#[cfg(test)]\nmod tests;\n",
        );
        write(root, "src/tests_cfg.rs", "pub mod db;\n");
        write(root, "src/tests_cfg/db.rs", "");
        write(root, "src/db/mod.rs", "pub mod pool;\n#[cfg(any(test, debug_assertions))]\npub mod fakes;\n");
        write(root, "src/db/pool.rs", "");
        write(root, "src/db/fakes.rs", "");
        write(root, "src/tests.rs", "");
        let mut modules = TestModules::default();
        assert!(modules.is_test_only(&root.join("src/tests_cfg/db.rs")));
        assert!(modules.is_test_only(&root.join("src/tests_cfg.rs")));
        assert!(modules.is_test_only(&root.join("src/tests.rs")));
        assert!(modules.is_test_only(&root.join("src/db/fakes.rs")));
        assert!(!modules.is_test_only(&root.join("src/db/pool.rs")));
        assert!(!modules.is_test_only(&root.join("src/db/mod.rs")));
        assert!(!modules.is_test_only(&root.join("src/lib.rs")));
    }

    #[test]
    fn modules_declared_with_a_path_attribute_are_followed() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(root, "src/lib.rs", "pub mod api;\npub mod auth;\n");
        write(
            root,
            "src/api.rs",
            "#[cfg(test)]\n#[path = \"cookie_helper.rs\"]\nmod cookies;\n#[path = \"api/routes_v2.rs\"]\npub mod routes;\n",
        );
        write(root, "src/cookie_helper.rs", "");
        write(root, "src/api/routes_v2.rs", "");
        write(root, "src/auth.rs", "#[path = \"auth/send.rs\"]\npub mod send;\n");
        write(root, "src/auth/send.rs", "");
        let mut modules = TestModules::default();
        assert!(modules.is_test_only(&root.join("src/cookie_helper.rs")));
        assert!(!modules.is_test_only(&root.join("src/api/routes_v2.rs")));
        assert!(!modules.is_test_only(&root.join("src/auth/send.rs")));
    }

    #[test]
    fn files_nested_too_deep_to_parse_are_not_read_as_declarations() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let deep = format!("fn f() {{ let x = {}1{}; }}\n", "(".repeat(100_000), ")".repeat(100_000));
        write(root, "src/lib.rs", &format!("#[cfg(test)]\nmod leak;\n{deep}"));
        write(root, "src/deep.rs", &format!("#[path = \"x.rs\"]\nmod x;\n{deep}"));
        write(root, "src/leak.rs", "");
        write(root, "src/orphan.rs", "");
        let mut modules = TestModules::default();
        assert!(!modules.is_test_only(&root.join("src/leak.rs")));
        assert!(!modules.is_test_only(&root.join("src/orphan.rs")));
    }

    #[test]
    fn production_cfgs_and_unreadable_parents_are_not_test_only() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        write(
            root,
            "src/main.rs",
            "#[cfg(not(test))]\nmod live;\n#[cfg(feature = \"postgres\")]\nmod pg;\nmod broken;\n",
        );
        write(root, "src/live.rs", "");
        write(root, "src/pg.rs", "");
        write(root, "src/broken.rs", "");
        write(root, "src/orphan/inner.rs", "");
        let mut modules = TestModules::default();
        assert!(!modules.is_test_only(&root.join("src/live.rs")));
        assert!(!modules.is_test_only(&root.join("src/pg.rs")));
        assert!(!modules.is_test_only(&root.join("src/orphan/inner.rs")));
    }
}
