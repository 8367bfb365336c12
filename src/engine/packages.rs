//! Which cargo package each file belongs to, the path dependencies between packages (read from
//! the manifests themselves: no `cargo` run, no toolchain needed), and whether a package can
//! reach a pool crate (directly, or through path dependencies on packages that do).

use crate::catalog::Catalog;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Package membership of scanned files.
#[derive(Debug, Default)]
pub struct Packages {
    /// Folder → the package root that owns it (`None`: no manifest above it).
    owner: HashMap<PathBuf, Option<usize>>,
    /// A file's folder as discovered (not canonical) → its owner, so that each folder is
    /// canonicalised once rather than once per file.
    owner_of_parent: HashMap<PathBuf, Option<usize>>,
    /// `[workspace.dependencies]` of workspace roots, by the root's folder.
    workspace_deps: HashMap<PathBuf, Option<toml::Table>>,
    /// Known packages.
    pub roots: Vec<PackageInfo>,
    /// How many of `roots` have their path dependencies resolved (packages found later, such
    /// as a workspace's dependents, are resolved by the next `load_path_deps`).
    deps_resolved: usize,
}

/// One cargo package.
#[derive(Debug)]
pub struct PackageInfo {
    /// Folder holding its `Cargo.toml` (canonical).
    pub root: PathBuf,
    /// The name its code is known by in other crates: `[lib] name`, else the package name with
    /// `-` as `_`.
    pub crate_name: String,
    /// Its dependencies (all kinds and targets).
    deps: Vec<Dependency>,
    /// Path dependencies resolved to known packages: the name this package's code calls each
    /// one by, and the package.
    pub path_deps: Vec<(String, usize)>,
    /// Whether it can reach a catalogued pool crate.
    pub uses_pools: bool,
    /// Test support, not production: named as a test harness (`test_utils`, `testing`,
    /// `*_fakes`).
    pub test_support: bool,
}

/// A dependency as the manifest declares it.
#[derive(Debug)]
struct Dependency {
    /// The name code uses (`extern crate` name): the table key with `-` as `_`.
    extern_name: String,
    /// The package depended on (`package = "…"`, else the key).
    package: String,
    /// Its folder, for path dependencies (absolute).
    path: Option<PathBuf>,
}

impl Packages {
    /// The package owning `file`, by the nearest `Cargo.toml` with a `[package]` table.
    pub fn package_of(&mut self, file: &Path) -> Option<usize> {
        let parent = file.parent()?;
        if let Some(known) = self.owner_of_parent.get(parent) {
            return *known;
        }
        let dir = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        let found = std::fs::canonicalize(dir).ok().and_then(|dir| self.package_of_dir(&dir));
        self.owner_of_parent.insert(parent.to_path_buf(), found);
        found
    }

    fn package_of_dir(&mut self, dir: &Path) -> Option<usize> {
        if let Some(known) = self.owner.get(dir) {
            return *known;
        }
        let found = match self.read_manifest(dir) {
            Some((crate_name, deps)) => {
                let info = PackageInfo {
                    root: dir.to_path_buf(),
                    crate_name,
                    deps,
                    path_deps: Vec::new(),
                    uses_pools: false,
                    test_support: false,
                };
                self.roots.push(info);
                Some(self.roots.len() - 1)
            }
            None => match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => self.package_of_dir(parent),
                _ => None,
            },
        };
        self.owner.insert(dir.to_path_buf(), found);
        found
    }

    /// Loads the packages that known packages depend on by path, to a fixpoint, and records
    /// each package's path dependencies.
    pub fn load_path_deps(&mut self) {
        let mut next = self.deps_resolved;
        while next < self.roots.len() {
            let wanted: Vec<(String, PathBuf)> =
                self.roots[next].deps.iter().filter_map(|d| Some((d.extern_name.clone(), d.path.clone()?))).collect();
            let mut resolved = Vec::new();
            for (name, path) in wanted {
                let Ok(dir) = std::fs::canonicalize(&path) else { continue };
                if let Some(dep) = self.package_of_dir(&dir).filter(|&d| self.roots[d].root == dir && d != next) {
                    resolved.push((name, dep));
                }
            }
            self.roots[next].path_deps = resolved;
            next += 1;
        }
        self.deps_resolved = next;
    }

    /// The members of the scanned packages' workspaces that depend on any of them by path
    /// (directly or not), loaded as packages: where the scanned crates' callers are, and so
    /// where requests and loops reach them from.
    pub fn dependents(&mut self, of: &BTreeSet<usize>) -> BTreeSet<usize> {
        // a package outside any workspace has no dependents to read; one workspace's members
        // are read once, not once per member scanned
        let mut workspaces: BTreeSet<PathBuf> = BTreeSet::new();
        for &p in of {
            let root = self.roots[p].root.clone();
            workspaces.extend(self.workspace_root_of(&root));
        }
        let mut members: BTreeSet<usize> = BTreeSet::new();
        for workspace in workspaces {
            let Ok(dirs) = workspace_members(&workspace) else { continue };
            for dir in dirs {
                let Ok(dir) = std::fs::canonicalize(&dir) else { continue };
                members.extend(self.package_of_dir(&dir).filter(|&m| self.roots[m].root == dir));
            }
        }
        self.load_path_deps();
        members.into_iter().filter(|m| !of.contains(m) && self.closure([*m]).iter().any(|d| of.contains(d))).collect()
    }

    /// Marks test-support packages: those named as a test harness. (Being used only as a
    /// dev-dependency is no evidence: a library is often its own dev-dependency, with a
    /// testing feature, and examples dev-depend on the library they show.)
    pub fn mark_test_support(&mut self) {
        for p in &mut self.roots {
            p.test_support = crate::catalog::names_test_support(&p.crate_name);
        }
    }

    /// The packages `of` reach through path dependencies, `of` included, sorted.
    pub fn closure(&self, of: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<usize> = of.into_iter().collect();
        while let Some(p) = stack.pop() {
            if seen.insert(p) {
                stack.extend(self.roots[p].path_deps.iter().map(|(_, d)| *d));
            }
        }
        seen
    }

    /// Marks packages that depend on a pool crate, then those that reach one through path
    /// dependencies, to a fixpoint.
    pub fn resolve_pool_use(&mut self, catalog: &Catalog) {
        for p in &mut self.roots {
            p.uses_pools = p.deps.iter().any(|d| catalog.crates.iter().any(|c| c.packages.contains(&d.package)));
        }
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..self.roots.len() {
                if !self.roots[i].uses_pools && self.roots[i].path_deps.iter().any(|&(_, d)| self.roots[d].uses_pools) {
                    self.roots[i].uses_pools = true;
                    changed = true;
                }
            }
        }
    }

    /// The crate name and dependencies of the manifest in `dir`, if it declares a package.
    fn read_manifest(&mut self, dir: &Path) -> Option<(String, Vec<Dependency>)> {
        let doc = read_toml(&dir.join("Cargo.toml"));
        if !self.workspace_deps.contains_key(dir) {
            self.note_workspace(dir, doc.as_ref());
        }
        let doc = doc?;
        let package = doc.get("package")?;
        let package_name = package.get("name").and_then(|v| v.as_str()).unwrap_or_default();
        let lib_name = doc.get("lib").and_then(|l| l.get("name")).and_then(|v| v.as_str());
        let crate_name = lib_name.unwrap_or(package_name).replace('-', "_");
        let mut tables: Vec<&toml::Table> = Vec::new();
        let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
        tables.extend(kinds.iter().filter_map(|k| doc.get(*k).and_then(|v| v.as_table())));
        if let Some(targets) = doc.get("target").and_then(|v| v.as_table()) {
            for t in targets.values().filter_map(|v| v.as_table()) {
                tables.extend(kinds.iter().filter_map(|k| t.get(*k).and_then(|v| v.as_table())));
            }
        }
        let mut deps = Vec::new();
        for t in tables {
            for (key, spec) in t {
                let inherited = spec.get("workspace").and_then(|v| v.as_bool()) == Some(true);
                let (spec, base) = if inherited {
                    match self.workspace_dep(dir, key) {
                        Some(found) => found,
                        None => (spec.clone(), dir.to_path_buf()),
                    }
                } else {
                    (spec.clone(), dir.to_path_buf())
                };
                let package = spec.get("package").and_then(|v| v.as_str()).unwrap_or(key).to_owned();
                let path = spec.get("path").and_then(|v| v.as_str()).map(|p| base.join(p));
                deps.push(Dependency { extern_name: key.replace('-', "_"), package, path });
            }
        }
        Some((crate_name, deps))
    }

    /// A `[workspace.dependencies]` entry of the workspace around `dir`, with the folder its
    /// paths are relative to.
    fn workspace_dep(&mut self, dir: &Path, key: &str) -> Option<(toml::Value, PathBuf)> {
        let root = self.workspace_root_of(dir)?;
        let table = self.workspace_deps.get(&root)?.as_ref()?;
        Some((table.get(key)?.clone(), root))
    }

    /// The nearest folder at or above `dir` whose `Cargo.toml` has a `[workspace]`.
    fn workspace_root_of(&mut self, dir: &Path) -> Option<PathBuf> {
        for ancestor in dir.ancestors() {
            if !self.workspace_deps.contains_key(ancestor) {
                let doc = read_toml(&ancestor.join("Cargo.toml"));
                self.note_workspace(ancestor, doc.as_ref());
            }
            if self.workspace_deps.get(ancestor).is_some_and(Option::is_some) {
                return Some(ancestor.to_path_buf());
            }
        }
        None
    }

    /// Remembers whether the manifest of `dir` (read once) makes it a workspace root, with its
    /// `[workspace.dependencies]`.
    fn note_workspace(&mut self, dir: &Path, doc: Option<&toml::Table>) {
        let workspace = doc.and_then(|d| d.get("workspace"));
        let entry = workspace.map(|w| w.get("dependencies").and_then(|d| d.as_table()).cloned().unwrap_or_default());
        self.workspace_deps.insert(dir.to_path_buf(), entry);
    }
}

/// The package folders of the cargo workspace around `start`, read from the manifests alone
/// (no `cargo` is run, so a `rust-toolchain.toml` pinning a toolchain this machine lacks does
/// not matter): the members of the nearest workspace above it (globs expanded, `exclude`
/// honoured, the root package included), else the package around `start`.
pub fn workspace_members(start: &Path) -> Result<Vec<PathBuf>, String> {
    let start = std::fs::canonicalize(start).map_err(|e| format!("cannot read {}: {e}", start.display()))?;
    let package =
        start.ancestors().find(|d| read_toml(&d.join("Cargo.toml")).is_some_and(|t| t.contains_key("package")));
    let workspace = start.ancestors().find_map(|d| {
        let doc = read_toml(&d.join("Cargo.toml"))?;
        let ws = doc.get("workspace")?.as_table()?.clone();
        Some((d.to_path_buf(), doc, ws))
    });
    let Some((root, doc, ws)) = workspace else {
        return package.map(|p| vec![p.to_path_buf()]).ok_or_else(|| "no Cargo.toml here or above".to_owned());
    };
    let strings = |key: &str| -> Vec<String> {
        ws.get(key)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let excluded: Vec<PathBuf> = strings("exclude").iter().map(|e| root.join(e)).collect();
    let mut members: Vec<PathBuf> = Vec::new();
    if doc.contains_key("package") {
        members.push(root.clone());
    }
    for pattern in strings("members") {
        for dir in expand_member_glob(&root, &pattern) {
            if dir.join("Cargo.toml").is_file() && !excluded.iter().any(|x| dir.starts_with(x)) {
                members.push(dir);
            }
        }
    }
    members.sort();
    members.dedup();
    Ok(members)
}

/// The folders a `members` entry names: each `/`-separated part may be a glob (`crates/*`).
fn expand_member_glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for part in pattern.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let is_glob = part.contains(['*', '?', '[']);
        let matcher = is_glob.then(|| globset::Glob::new(part).map(|g| g.compile_matcher()));
        dirs = dirs
            .into_iter()
            .flat_map(|dir| match &matcher {
                None => vec![dir.join(part)],
                Some(Err(_)) => Vec::new(),
                Some(Ok(m)) => std::fs::read_dir(&dir)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && m.is_match(e.file_name()))
                            .map(|e| e.path())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
    }
    dirs.sort();
    dirs
}

/// A TOML file as a table; `None` when it cannot be read or parsed.
pub(crate) fn read_toml(path: &Path) -> Option<toml::Table> {
    toml::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn path_dependencies_resolve_through_workspace_inheritance_and_renames() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n[workspace.dependencies]\ndb-core = { path = \"crates/db\" }\nsqlx = \"0.8\"\n",
        );
        write(root, "crates/db/Cargo.toml", "[package]\nname = \"db-core\"\n[dependencies]\nsqlx.workspace = true\n");
        write(root, "crates/db/src/lib.rs", "");
        write(
            root,
            "crates/web/Cargo.toml",
            "[package]\nname = \"web\"\n[lib]\nname = \"web_api\"\n[dependencies]\nstore = { package = \"db-core\", path = \"../db\" }\ndb-core = { workspace = true }\n",
        );
        write(root, "crates/web/src/lib.rs", "");
        let mut packages = Packages::default();
        let web = packages.package_of(&root.join("crates/web/src/lib.rs")).unwrap();
        packages.load_path_deps();
        packages.resolve_pool_use(Catalog::embedded());
        let info = &packages.roots[web];
        assert_eq!(info.crate_name, "web_api");
        let mut names: Vec<&str> = info.path_deps.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["db_core", "store"]);
        let db = info.path_deps[0].1;
        assert_eq!(info.path_deps[1].1, db, "both names are the same package");
        assert_eq!(packages.roots[db].crate_name, "db_core");
        assert!(packages.roots[db].uses_pools && info.uses_pools);
        assert_eq!(packages.closure([web]), BTreeSet::from([web, db]));
    }
}
