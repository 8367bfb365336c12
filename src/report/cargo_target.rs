//! The cargo package and target a reported file belongs to: the envelope of a `cargo-json`
//! message. Read from the manifests alone, as the engine reads them (no `cargo` is run):
//!
//! - the package is the nearest `Cargo.toml` with a `[package]` table above the file
//!   ([`Packages::package_of`]);
//! - its id is cargo's package id spec, `path+file:///abs/dir#name@version`, with the name left
//!   out when it is the folder's name, as cargo prints it (so ids match `cargo metadata`'s);
//!   a missing version is cargo's default `0.0.0`, and `version.workspace = true` is resolved;
//! - the target is the one whose sources hold the file: a target whose `path` the manifest
//!   names, else cargo's target auto-discovery (`src/main.rs`, `src/bin/NAME.rs`, the library's
//!   folder, `examples/`, `tests/`, `benches/` and their `NAME/main.rs` forms, `build.rs`).
//!   A file under `src/` belongs to the library when there is one, else to the main binary.
//!
//! A file no target compiles (a configuration file, test data, a file outside any package) has
//! no owner: its finding goes out as a bare rustc diagnostic, which rust-analyzer also reads.

use crate::engine::packages::{read_toml, Packages};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a file belongs, as cargo names it.
pub(super) struct Owner {
    /// Cargo's package id spec.
    pub package_id: String,
    /// Absolute path of the package's `Cargo.toml`.
    pub manifest_path: String,
    /// The target compiling the file.
    pub target: Target,
}

/// A cargo target, with the fields of cargo's messages that the manifest tells; `doc`,
/// `doctest` and `test` are left out, since the manifest can change them per target.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Target {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: String,
    edition: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
    Build,
}

/// The owners of files, each package's manifest read once.
#[derive(Default)]
pub(super) struct Owners {
    packages: Packages,
    manifests: HashMap<usize, Option<Manifest>>,
}

impl Owners {
    /// The package and target of a file, if a target compiles it.
    pub fn of(&mut self, file: &Path) -> Option<Owner> {
        let package = self.packages.package_of(file)?;
        let root = &self.packages.roots[package].root;
        let manifest = self.manifests.entry(package).or_insert_with(|| Manifest::read(root)).as_ref()?;
        let target = manifest.target_of(&std::fs::canonicalize(file).ok()?)?;
        Some(Owner { package_id: manifest.package_id.clone(), manifest_path: manifest.manifest_path.clone(), target })
    }
}

/// What a package's manifest says about its identity and targets.
struct Manifest {
    root: PathBuf,
    package_id: String,
    manifest_path: String,
    name: String,
    edition: String,
    /// Library name, crate types and root file, when there is a library.
    lib: Option<(String, Vec<String>, PathBuf)>,
    /// Targets whose root file the manifest names (and the build script).
    explicit: Vec<(Kind, String, PathBuf)>,
}

impl Manifest {
    fn read(root: &Path) -> Option<Manifest> {
        let doc = read_toml(&root.join("Cargo.toml"))?;
        let package = doc.get("package")?;
        let name = package.get("name")?.as_str()?.to_owned();
        let field = |key: &str, default: &str| match package.get(key) {
            None => Some(default.to_owned()),
            Some(value) => inherited(value, key, root),
        };
        let (version, edition) = (field("version", "0.0.0")?, field("edition", "2015")?);
        let dir = root.to_str()?;
        let mut explicit = Vec::new();
        for (key, kind) in
            [("bin", Kind::Bin), ("example", Kind::Example), ("test", Kind::Test), ("bench", Kind::Bench)]
        {
            for t in doc.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
                if let (Some(n), Some(p)) =
                    (t.get("name").and_then(|v| v.as_str()), t.get("path").and_then(|v| v.as_str()))
                {
                    explicit.push((kind, n.to_owned(), root.join(p)));
                }
            }
        }
        let build = match package.get("build") {
            Some(toml::Value::String(p)) => Some(root.join(p)),
            Some(toml::Value::Boolean(false)) => None,
            _ => Some(root.join("build.rs")).filter(|p| p.is_file()),
        };
        explicit.extend(build.map(|p| (Kind::Build, "build-script-build".to_owned(), p)));
        let lib_table = doc.get("lib");
        let lib_path = lib_table.and_then(|l| l.get("path")).and_then(|v| v.as_str()).map(|p| root.join(p));
        let lib = lib_path.or_else(|| Some(root.join("src/lib.rs")).filter(|p| p.is_file())).map(|path| {
            let lib_name = lib_table.and_then(|l| l.get("name")).and_then(|v| v.as_str());
            let types = lib_table
                .and_then(|l| l.get("crate-type"))
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect::<Vec<_>>());
            let types = types.filter(|t| !t.is_empty()).unwrap_or_else(|| vec!["lib".to_owned()]);
            (lib_name.unwrap_or(&name).replace('-', "_"), types, path)
        });
        Some(Manifest {
            root: root.to_path_buf(),
            package_id: package_id(dir, &name, &version),
            manifest_path: root.join("Cargo.toml").to_str()?.to_owned(),
            name,
            edition,
            lib,
            explicit,
        })
    }

    /// The target whose sources hold `file` (canonical).
    fn target_of(&self, file: &Path) -> Option<Target> {
        let same = |p: &Path| std::fs::canonicalize(p).is_ok_and(|p| p == file);
        if let Some((kind, name, path)) = self.explicit.iter().find(|(_, _, p)| same(p)) {
            return self.target(*kind, name, path);
        }
        let rel = file.strip_prefix(&self.root).ok()?;
        let parts: Vec<&str> = rel.iter().map(|c| c.to_str()).collect::<Option<_>>()?;
        // a target in its own folder: `DIR/NAME/main.rs` compiles `DIR/NAME/**`
        let folder_target = |dir: &str, name: &str| {
            let main = self.root.join(dir).join(name).join("main.rs");
            main.is_file().then_some(main)
        };
        let main = self.root.join("src/main.rs");
        match parts.as_slice() {
            ["src", "main.rs"] => self.target(Kind::Bin, &self.name, &main),
            ["src", "bin", file_name] => self.target(Kind::Bin, file_name.strip_suffix(".rs")?, file),
            ["src", "bin", name, _, ..] => self.target(Kind::Bin, name, &folder_target("src/bin", name)?),
            _ if self.lib.as_ref().is_some_and(|(_, _, p)| p.parent().is_some_and(|d| file.starts_with(d))) => {
                let (name, _, path) = self.lib.as_ref()?;
                self.target(Kind::Lib, name, path)
            }
            ["src", _, ..] if main.is_file() => self.target(Kind::Bin, &self.name, &main),
            [dir @ ("examples" | "tests" | "benches"), rest @ ..] => {
                let kind = match *dir {
                    "examples" => Kind::Example,
                    "tests" => Kind::Test,
                    _ => Kind::Bench,
                };
                match rest {
                    [file_name] => self.target(kind, file_name.strip_suffix(".rs")?, file),
                    [name, _, ..] => self.target(kind, name, &folder_target(dir, name)?),
                    [] => None,
                }
            }
            _ => None,
        }
    }

    fn target(&self, kind: Kind, name: &str, src_path: &Path) -> Option<Target> {
        let one = |s: &str| vec![s.to_owned()];
        let (kind, crate_types) = match kind {
            Kind::Lib => {
                let types = self.lib.as_ref().map_or_else(|| one("lib"), |(_, t, _)| t.clone());
                (types.clone(), types)
            }
            Kind::Bin => (one("bin"), one("bin")),
            Kind::Example => (one("example"), one("bin")),
            Kind::Test => (one("test"), one("bin")),
            Kind::Bench => (one("bench"), one("bin")),
            Kind::Build => (one("custom-build"), one("bin")),
        };
        let src_path = std::fs::canonicalize(src_path).ok()?.to_str()?.to_owned();
        Some(Target { kind, crate_types, name: name.to_owned(), src_path, edition: self.edition.clone() })
    }
}

/// A `[package]` value that is a string, or `{ workspace = true }` resolved from the
/// `[workspace.package]` table of the nearest workspace manifest at or above `root`.
fn inherited(value: &toml::Value, key: &str, root: &Path) -> Option<String> {
    if let Some(s) = value.as_str() {
        return Some(s.to_owned());
    }
    if value.get("workspace").and_then(|w| w.as_bool()) != Some(true) {
        return None;
    }
    let workspace = root.ancestors().find_map(|d| read_toml(&d.join("Cargo.toml"))?.get("workspace").cloned())?;
    Some(workspace.get("package")?.get(key)?.as_str()?.to_owned())
}

/// Cargo's package id spec of a path package, as cargo prints it.
fn package_id(dir: &str, name: &str, version: &str) -> String {
    let url = format!("path+file://{}", percent_encode_path(dir));
    if url.rsplit('/').next() == Some(name) {
        format!("{url}#{version}")
    } else {
        format!("{url}#{name}@{version}")
    }
}

/// A path as a `file:` URL's path: the bytes a URL path segment cannot hold, percent-encoded
/// as the `url` crate's `Url::from_file_path` (which cargo uses) encodes them.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep =
            b.is_ascii_graphic() && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'%' | b'\\');
        if keep || b == b'/' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_ids_are_printed_as_cargo_prints_them() {
        assert_eq!(package_id("/w/api", "api", "0.1.0"), "path+file:///w/api#0.1.0");
        assert_eq!(package_id("/w/crates/x", "db-core", "1.2.3"), "path+file:///w/crates/x#db-core@1.2.3");
        assert_eq!(percent_encode_path("/a b/é#%"), "/a%20b/%C3%A9%23%25");
    }

    #[test]
    fn targets_follow_cargos_layout_and_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = std::fs::canonicalize(tmp.path()).unwrap();
        let write = |rel: &str, text: &str| {
            let path = ws.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n[workspace.package]\nversion = \"2.0.0\"\n");
        let manifest = "[package]\nname = \"app-core\"\nversion.workspace = true\nedition = \"2021\"\n\
                        [[bin]]\nname = \"serve\"\npath = \"src/main.rs\"\n";
        write("app/Cargo.toml", manifest);
        for file in ["src/lib.rs", "src/db/pool.rs", "src/main.rs", "src/bin/tool.rs", "src/bin/admin/main.rs"] {
            write(&format!("app/{file}"), "");
        }
        for file in ["src/bin/admin/util.rs", "tests/it.rs", "tests/support/mod.rs", "build.rs", "config/db.toml"] {
            write(&format!("app/{file}"), "");
        }
        let mut owners = Owners::default();
        let mut target = |rel: &str| {
            let owner = owners.of(&ws.join("app").join(rel))?;
            assert_eq!(owner.package_id, format!("path+file://{}/app#app-core@2.0.0", ws.display()));
            assert_eq!(owner.manifest_path, format!("{}/app/Cargo.toml", ws.display()));
            let t = owner.target;
            let src = t.src_path.strip_prefix(&format!("{}/app/", ws.display())).unwrap().to_owned();
            Some((t.kind[0].clone(), t.name, src))
        };
        let t = |kind: &str, name: &str, src: &str| Some((kind.to_owned(), name.to_owned(), src.to_owned()));
        assert_eq!(target("src/db/pool.rs"), t("lib", "app_core", "src/lib.rs"));
        assert_eq!(target("src/main.rs"), t("bin", "serve", "src/main.rs"));
        assert_eq!(target("src/bin/tool.rs"), t("bin", "tool", "src/bin/tool.rs"));
        assert_eq!(target("src/bin/admin/util.rs"), t("bin", "admin", "src/bin/admin/main.rs"));
        assert_eq!(target("tests/it.rs"), t("test", "it", "tests/it.rs"));
        assert_eq!(target("build.rs"), t("custom-build", "build-script-build", "build.rs"));
        assert_eq!(target("tests/support/mod.rs"), None, "a module of test crates, not a target");
        assert_eq!(target("config/db.toml"), None);
    }
}
