//! The crate index: what syntax tells about types, fields, aliases, imports and signatures across
//! all files of one crate, so that a rule looking at one function can tell a pool from a map.
//!
//! Built in two steps: [`FileFacts::extract`] runs per file in parallel and yields owned data;
//! [`CrateIndex::build`] merges the facts of one crate. Both are linear in the crate's size.

mod carriers;
pub mod cfg;
mod extract;
pub use extract::file_uses;
pub mod consts;
mod macros;
mod names;
pub use macros::cfg_macro_items;
pub use names::qualified;
pub mod skim;
pub mod types;

use crate::catalog::{Catalog, GuardKind};
use std::collections::{HashMap, HashSet};
use types::{lower_path, TypeRef, UseMap};

/// A function or method signature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FnSig {
    /// Function name.
    pub name: String,
    /// For methods: last segment of the `impl` block's self type.
    pub owner: Option<String>,
    /// For methods: the self type's whole path as imported (`async_graphql::Context` for an
    /// extension trait's impl on a foreign type).
    #[serde(default)]
    pub owner_path: Vec<String>,
    /// Named parameters with their declared types.
    pub params: Vec<(String, TypeRef)>,
    /// Declared return type (`None` for `()`).
    pub ret: Option<TypeRef>,
    /// `async fn`.
    pub is_async: bool,
    /// A method taking `self` (in any form): called by path (`Store::load(&store, id)`), its
    /// first argument is the receiver.
    #[serde(default)]
    pub has_self: bool,
    /// A method taking `self` by value (`fn copy_data(mut self)`, `self: Box<Self>`): a call
    /// moves its receiver.
    #[serde(default)]
    pub self_by_value: bool,
    /// Its declared return type names a lifetime (`-> BoxStream<'_, Row>`): what it returns
    /// borrows from its arguments, and a guard lent to it stays in use while that lives.
    #[serde(default)]
    pub ret_borrows: bool,
    /// Module path of the function within its crate (`routes::users`).
    pub module: Vec<String>,
    /// The crate defining it (set when the crate's index is built; empty outside a package).
    #[serde(default)]
    pub krate: String,
    /// Positions of parameters that take a `'static` closure (`F: FnOnce() -> R + Send +
    /// 'static`, `impl Fn() + 'static`): what is passed there runs elsewhere, on a thread or
    /// task of its own, not inline in the caller.
    #[serde(default)]
    pub static_closures: Vec<usize>,
    /// Positions of parameters that take a `'static` future (`impl Future<Output = T> + Send +
    /// 'static`, `F: Future + 'static`): it runs as a task of its own.
    #[serde(default)]
    pub static_futures: Vec<usize>,
}

impl FnSig {
    /// The key identifying this function in summaries.
    pub fn key(&self) -> String {
        fn_key(&self.krate, &self.module, self.owner.as_deref(), &self.name)
    }
}

/// The key of a function, qualified by its crate so that two crates' functions never meet:
/// `krate::module::Owner::name`.
pub fn fn_key(krate: &str, module: &[String], owner: Option<&str>, name: &str) -> String {
    let mut parts: Vec<&str> = Vec::with_capacity(module.len() + 3);
    if !krate.is_empty() {
        parts.push(krate);
    }
    parts.extend(module.iter().map(String::as_str));
    parts.extend(owner);
    parts.push(name);
    parts.join("::")
}

/// The module path of a file: the components after its crate's `src/` (`src/routes/users.rs` is
/// `routes::users`; `lib.rs`, `main.rs` and `mod.rs` name their folder), or the file's stem
/// when it is not under a `src/`.
pub fn module_of(path: &std::path::Path) -> Vec<String> {
    let parts: Vec<String> = path.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let after_src = parts.iter().rposition(|p| p == "src").map(|i| &parts[i + 1..]);
    let mut module: Vec<String> = match after_src {
        Some(rest) => rest.to_vec(),
        None => parts.last().cloned().into_iter().collect(),
    };
    if let Some(last) = module.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        if !matches!(stem.as_str(), "mod" | "lib" | "main") || after_src.is_none() {
            module.push(stem);
        }
    }
    module
}

/// What one file contributes to its crate's index.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Imports, renames and globs.
    pub uses: UseMap,
    /// `type Name = ...;`
    pub aliases: Vec<(String, TypeRef)>,
    /// The file's module path in its crate (`routes::users`).
    #[serde(default)]
    pub module: Vec<String>,
    /// Structs with their fields (tuple fields are named `0`, `1`, …); an enum is recorded
    /// with every variant's fields as `Variant::field`, and each variant as `Enum::Variant`
    /// with its own fields.
    pub structs: Vec<StructDef>,
    /// `Deref` targets: `impl Deref for AppState { type Target = App; }` and
    /// `#[derive(Deref)]` on a struct with one field (or a field marked `#[deref]`), each
    /// under the type's name and under its crate path (see [`qualified`]).
    #[serde(default)]
    pub derefs: Vec<(String, TypeRef)>,
    /// Methods of extension traits on `Result`/`Option` that pass the value through
    /// (`impl<T> Ext<T> for Result<T, E> { fn app_err(self) -> Result<T, AppError> }`).
    #[serde(default)]
    pub result_adapters: Vec<String>,
    /// Names of the modules the file declares (`mod db;`, inline `mod tests { .. }`), so that a
    /// path starting with one (`use db::Pool;`) is known to be the crate's own.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Functions and methods; a trait's default methods are filed under the trait's name.
    pub fns: Vec<FnSig>,
    /// Traits the file declares.
    #[serde(default)]
    pub traits: Vec<String>,
    /// `impl Trait for Type`: the trait's and the type's last path segments.
    #[serde(default)]
    pub trait_impls: Vec<(String, String)>,
    /// Managers of generic pools (`impl bb8::ManageConnection for Workers { type Connection =
    /// Worker; }`): the manager's name and what it pools.
    #[serde(default)]
    pub managers: Vec<(String, TypeRef)>,
    /// `static` and `const` items with their types.
    pub statics: Vec<(String, TypeRef)>,
    /// `static` and `const` items with their initialisers.
    pub consts: Vec<(String, consts::ConstExpr)>,
    /// Names of constants the file uses (`SCREAMING_CASE` paths), so files that define them
    /// can be indexed on demand.
    pub const_refs: Vec<String>,
    /// Catalogue crates this file imports from.
    pub crate_refs: Vec<usize>,
}

impl FileFacts {
    /// A hash of the facts that is the same in every run (their imports are a map, whose order
    /// varies): what the analysis of other files may depend on.
    pub fn stable_hash(&self) -> u128 {
        let mut names: Vec<(&String, &Vec<String>)> = self.uses.names.iter().collect();
        names.sort_unstable();
        let rest = FileFacts { uses: UseMap { names: HashMap::new(), globs: self.uses.globs.clone() }, ..self.clone() };
        let bytes = postcard::to_stdvec(&(names, rest)).unwrap_or_default();
        xxhash_rust::xxh3::xxh3_128(&bytes)
    }
}

/// A struct or enum as one file defines it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StructDef {
    /// Its name (`AppState`, or `DbPool::Pool` for an enum variant).
    pub name: String,
    /// The inline modules around it within its file (`mod tests { struct .. }`), mostly none:
    /// its module is the file's followed by these.
    pub inline: Vec<String>,
    /// Its fields with their declared types.
    pub fields: Vec<(String, TypeRef)>,
}

/// The owner methods of blanket impls (`impl<T: Bound> Trait for T`) are filed under.
pub const BLANKET_OWNER: &str = "<blanket>";

/// What the evidence says a type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeClass {
    /// A pool of the catalogued crate (when known).
    Pool(Option<usize>),
    /// A guard of that kind.
    Guard(Option<usize>, GuardKind),
    /// A reference to something.
    Ref(Box<TypeClass>),
    /// A container that holds values of the inner class (`Option`, `Vec`, `Mutex`, …).
    Holder(String, Box<TypeClass>),
    /// A struct or enum of a workspace crate.
    Struct(ItemRef),
    /// Nothing known.
    Unknown,
}

impl TypeClass {
    /// Strips references.
    pub fn owned(&self) -> &TypeClass {
        match self {
            TypeClass::Ref(inner) => inner.owned(),
            other => other,
        }
    }
}

/// An item of a workspace crate: the crate's name and the item's name in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemRef {
    /// The crate defining it (empty outside a package).
    pub krate: String,
    /// Its name (`AppState`, or `DbPool::Pool` for an enum variant).
    pub name: String,
}

impl std::fmt::Display for ItemRef {
    /// Its name, with the module path for a name the crate defines in several modules
    /// (`entities::Connection`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name.strip_prefix("crate::").unwrap_or(&self.name))
    }
}

/// A name defined once, or several times in ways that disagree.
#[derive(Debug, Clone)]
enum Def<T> {
    One(T),
    Ambiguous,
}

impl<T: PartialEq> Def<T> {
    fn merge(slot: &mut Option<Def<T>>, value: T) {
        *slot = Some(match slot.take() {
            None => Def::One(value),
            Some(Def::One(old)) if old == value => Def::One(old),
            Some(_) => Def::Ambiguous,
        });
    }

    fn merge_into(map: &mut HashMap<String, Def<T>>, name: &str, value: T) {
        let mut slot = map.remove(name);
        Def::merge(&mut slot, value);
        map.insert(name.to_owned(), slot.expect("merged"));
    }
}

/// Everything syntax says about one crate's types and functions.
#[derive(Debug, Default)]
pub struct CrateIndex {
    aliases: HashMap<String, Def<TypeRef>>,
    structs: HashMap<String, Def<Vec<(String, TypeRef)>>>,
    derefs: HashMap<String, Def<TypeRef>>,
    managers: HashMap<String, Def<TypeRef>>,
    result_adapters: HashSet<String>,
    modules: HashSet<String>,
    statics: HashMap<String, Def<TypeRef>>,
    consts: HashMap<String, Def<consts::ConstExpr>>,
    free_fns: HashMap<String, Vec<FnSig>>,
    methods: HashMap<(String, String), Vec<FnSig>>,
    /// Traits declared, with how many times (two modules may each declare a `Sink`).
    traits: HashMap<String, usize>,
    implementors: HashMap<String, Vec<String>>,
    /// Owners of methods whose `impl` names its self type by a path (`impl Ext for
    /// async_graphql::Context<'_>`): the types extension traits may add methods to.
    pathed_owners: HashSet<String>,
    used_crates: HashSet<usize>,
    /// Some struct or enum name is defined in several modules (see [`Self::qualify_ambiguous`]).
    has_ambiguous_structs: bool,
}

impl CrateIndex {
    /// Merges the facts of every file of one crate, named `krate` (its functions' keys are
    /// qualified by it; empty for files outside a package).
    pub fn build<'a>(files: impl IntoIterator<Item = &'a FileFacts>, krate: &str) -> CrateIndex {
        let files: Vec<&FileFacts> = files.into_iter().collect();
        let mut ix = CrateIndex::default();
        for f in &files {
            for (name, t) in &f.aliases {
                Def::merge_into(&mut ix.aliases, name, t.clone());
            }
            for s in &f.structs {
                Def::merge_into(&mut ix.structs, &s.name, s.fields.clone());
            }
            for (name, t) in &f.managers {
                Def::merge_into(&mut ix.managers, name, t.clone());
            }
            for (name, t) in &f.derefs {
                Def::merge_into(&mut ix.derefs, name, t.clone());
            }
            ix.result_adapters.extend(f.result_adapters.iter().cloned());
            ix.modules.extend(f.modules.iter().cloned());
            for (name, t) in &f.statics {
                Def::merge_into(&mut ix.statics, name, t.clone());
            }
            for (name, e) in &f.consts {
                Def::merge_into(&mut ix.consts, name, e.clone());
            }
            for sig in &f.fns {
                let sig = FnSig { krate: krate.to_owned(), ..sig.clone() };
                match &sig.owner {
                    Some(owner) => {
                        if sig.owner_path.len() > 1 {
                            ix.pathed_owners.insert(owner.clone());
                        }
                        ix.methods.entry((owner.clone(), sig.name.clone())).or_default().push(sig)
                    }
                    None => ix.free_fns.entry(sig.name.clone()).or_default().push(sig),
                }
            }
            for t in &f.traits {
                *ix.traits.entry(t.clone()).or_default() += 1;
            }
            for (t, ty) in &f.trait_impls {
                let list = ix.implementors.entry(t.clone()).or_default();
                if !list.contains(ty) {
                    list.push(ty.clone());
                }
            }
            ix.used_crates.extend(f.crate_refs.iter().copied());
        }
        ix.qualify_ambiguous(&files, krate);
        ix
    }

    /// Whether any file of the crate imports from catalogue crate `krate`.
    pub fn uses_crate(&self, krate: usize) -> bool {
        self.used_crates.contains(&krate)
    }
}

/// A crate the viewed crate depends on by path, with the name its code calls it by.
#[derive(Debug, Clone, Copy)]
pub struct DepIndex<'a> {
    /// The `extern crate` name (`storage` for `storage = { path = "../storage" }`).
    pub name: &'a str,
    /// The crate's own name.
    pub krate: &'a str,
    /// Its index.
    pub index: &'a CrateIndex,
}

/// What a lookup found.
enum Found<'a, T> {
    Missing,
    One(&'a T),
    Ambiguous,
}

impl<'a, T> Found<'a, T> {
    fn one(self) -> Option<&'a T> {
        match self {
            Found::One(t) => Some(t),
            _ => None,
        }
    }
}

/// Lookups for one file: its own definitions first (a name defined in the file is the one it
/// means), then its crate's, then those of the crates it depends on by path (where they agree).
/// A path qualified by a dependency's name (`storage::Store`) is looked up in that crate alone.
#[derive(Clone, Copy)]
pub struct IndexView<'a> {
    /// The viewed crate's name.
    pub name: &'a str,
    /// The index of the file alone.
    pub file: &'a CrateIndex,
    /// The index of its crate.
    pub krate: &'a CrateIndex,
    /// The crates its crate depends on by path, directly or not.
    pub deps: &'a [DepIndex<'a>],
    /// The viewed file's module (the crate root for a dependency's view): where relative
    /// paths start.
    pub module: &'a [String],
}

impl<'a> IndexView<'a> {
    /// The view of a dependency, in its own terms. Its fallbacks are this view's
    /// dependencies, a superset of its own (path dependencies are acyclic).
    fn of_dep(&self, dep: &DepIndex<'a>) -> IndexView<'a> {
        IndexView { name: dep.krate, file: dep.index, krate: dep.index, deps: self.deps, module: &[] }
    }

    /// Whether `name` is a module of the file's crate (a uniform path `db::Pool` is the crate's).
    pub fn is_module(&self, name: &str) -> bool {
        self.file.modules.contains(name) || self.krate.modules.contains(name)
    }

    /// The crate a path's first segment names, when it is one of the dependencies.
    pub fn dep_named(&self, name: &str) -> Option<IndexView<'a>> {
        self.deps.iter().find(|d| d.name == name).map(|d| self.of_dep(d))
    }

    /// The view of crate `krate` (this one, or one of its dependencies), for types written in
    /// that crate.
    pub fn for_crate(&self, krate: &str) -> IndexView<'a> {
        if krate == self.name {
            return *self;
        }
        match self.deps.iter().find(|d| d.krate == krate) {
            Some(d) => self.of_dep(d),
            None => *self,
        }
    }

    /// The crate defining struct `name` as this view sees it: this one, or the one dependency
    /// that does.
    fn struct_crate(&self, name: &str) -> Option<&'a str> {
        if self.file.structs.contains_key(name) || self.krate.structs.contains_key(name) {
            return Some(self.name);
        }
        let mut found = self.deps.iter().filter(|d| d.index.structs.contains_key(name));
        match (found.next(), found.next()) {
            (Some(d), None) => Some(d.krate),
            _ => None,
        }
    }

    fn find<T: PartialEq>(&self, get: impl Fn(&'a CrateIndex) -> Option<&'a Def<T>>) -> Found<'a, T> {
        let def = |d: &'a Def<T>| match d {
            Def::One(t) => Found::One(t),
            Def::Ambiguous => Found::Ambiguous,
        };
        if let Some(d) = get(self.file).or_else(|| get(self.krate)) {
            return def(d);
        }
        let mut found = Found::Missing;
        for dep in self.deps {
            match (get(dep.index).map(def), &found) {
                (None, _) => {}
                (Some(f), Found::Missing) => found = f,
                (Some(Found::One(t)), Found::One(seen)) if t == *seen => {}
                _ => return Found::Ambiguous,
            }
        }
        found
    }

    fn alias(&self, name: &str) -> Found<'a, TypeRef> {
        self.find(|ix| ix.aliases.get(name))
    }

    /// What a type alias of the crate stands for, when it is defined once.
    pub fn alias_target(&self, name: &str) -> Option<&'a TypeRef> {
        self.alias(name).one()
    }

    /// Classifies a type through aliases, wrappers, dependencies and the catalogue.
    pub fn classify(&self, ty: &TypeRef, catalog: &Catalog) -> TypeClass {
        self.classify_depth(ty, catalog, 0)
    }

    fn classify_depth(&self, ty: &TypeRef, catalog: &Catalog, depth: usize) -> TypeClass {
        if depth > 16 {
            return TypeClass::Unknown;
        }
        let TypeRef::Path { segments, args } = ty else {
            return match ty {
                TypeRef::Ref(inner) => TypeClass::Ref(Box::new(self.classify_depth(inner, catalog, depth + 1))),
                TypeRef::Dyn(segments) => self.trait_item(segments).map_or(TypeClass::Unknown, TypeClass::Struct),
                _ => TypeClass::Unknown,
            };
        };
        let Some(name) = segments.last() else {
            return TypeClass::Unknown;
        };
        let local = segments.len() == 1
            || matches!(segments[0].as_str(), "crate" | "self" | "super")
            || self.is_module(&segments[0]);
        let wrappers = &catalog.std.wrappers;
        if wrappers.transparent.contains(name) {
            return args.first().map_or(TypeClass::Unknown, |a| self.classify_depth(a, catalog, depth + 1));
        }
        if wrappers.holders.contains(name) {
            let inner = args.last().map_or(TypeClass::Unknown, |a| self.classify_depth(a, catalog, depth + 1));
            return match inner {
                TypeClass::Unknown => TypeClass::Unknown,
                inner => TypeClass::Holder(name.clone(), Box::new(inner)),
            };
        }
        if !local {
            // declared knowledge (`[[crates]]`) names types by path, wherever they are defined
            let crates: Vec<usize> = catalog.crates_for_path(segments).collect();
            if !crates.is_empty() {
                let class = catalogue_class(catalog, name, &crates);
                let generic = || crates.iter().any(|&k| catalog.crates[k].manager_trait.is_some());
                if class != TypeClass::Unknown
                    && !args.is_empty()
                    && generic()
                    && self.pools_other_things(args, catalog)
                {
                    return TypeClass::Unknown;
                }
                return class;
            }
            // a type of a workspace crate, in that crate's terms
            return match self.dep_named(&segments[0]) {
                Some(dep) => {
                    let mut path = vec!["crate".to_owned()];
                    path.extend_from_slice(&segments[1..]);
                    let inner = TypeRef::Path { segments: path, args: args.clone() };
                    dep.classify_depth(&inner, catalog, depth + 1)
                }
                None => TypeClass::Unknown,
            };
        }
        match self.alias(name) {
            Found::One(target) => return self.classify_depth(target, catalog, depth + 1),
            Found::Ambiguous => return TypeClass::Unknown,
            Found::Missing => {}
        }
        // what the project declares about its own crate's types (`[[crates]]` with
        // `paths = ["ourdb"]`) holds inside that crate too, over the type's own definition
        if !self.name.is_empty() {
            let own = [self.name.to_owned(), name.clone()];
            let declared: Vec<usize> = catalog.crates_for_path(&own).collect();
            if !declared.is_empty() {
                let class = catalogue_class(catalog, name, &declared);
                if class != TypeClass::Unknown {
                    return class;
                }
            }
        }
        if let Some(item) = self.qualified_struct(segments) {
            return TypeClass::Struct(item);
        }
        if let Some(krate) = self.struct_crate(name).or_else(|| self.trait_crate(name)) {
            return TypeClass::Struct(ItemRef { krate: krate.to_owned(), name: name.clone() });
        }
        if segments.len() == 1 && !wrappers.ambiguous_names.contains(name) {
            let all: Vec<usize> = (0..catalog.crates.len()).collect();
            return catalogue_class(catalog, name, &all);
        }
        TypeClass::Unknown
    }

    /// The workspace trait a `dyn`/`impl` bound names (`dyn ReportService`,
    /// `storage::Store`): a value of it is a value of one of its implementors.
    fn trait_item(&self, segments: &[String]) -> Option<ItemRef> {
        let name = segments.last()?;
        let local = segments.len() == 1
            || matches!(segments[0].as_str(), "crate" | "self" | "super")
            || self.is_module(&segments[0]);
        let view = if local { *self } else { self.dep_named(&segments[0])? };
        let krate = view.trait_crate(name)?;
        Some(ItemRef { krate: krate.to_owned(), name: name.clone() })
    }

    /// Whether a workspace item is a trait (its methods dispatch to its implementors).
    pub fn is_trait(&self, item: &ItemRef) -> bool {
        let view = self.for_crate(&item.krate);
        view.file.traits.contains_key(&item.name) || view.krate.traits.contains_key(&item.name)
    }

    /// The type of field `field` of a crate-local struct (or of enum variant `Enum::Variant`).
    pub fn struct_field(&self, name: &str, field: &str) -> Option<&'a TypeRef> {
        let fields = self.find(|ix| ix.structs.get(name)).one()?;
        fields.iter().find(|(f, _)| f == field).map(|(_, t)| t)
    }

    /// Every field of a crate struct (for an enum: of all its variants).
    pub fn fields(&self, name: &str) -> Option<&'a [(String, TypeRef)]> {
        self.find(|ix| ix.structs.get(name)).one().map(Vec::as_slice)
    }

    /// What a manager of a generic pool defined here pools (`type Connection = Worker;`).
    pub fn pooled_by(&self, manager: &str) -> Option<&'a TypeRef> {
        self.find(|ix| ix.managers.get(manager)).one()
    }

    /// Whether a generic pool (or its guard) with these type arguments pools something other
    /// than a database client (`bb8::Pool<Workers>` pooling threads).
    fn pools_other_things(&self, args: &[TypeRef], catalog: &Catalog) -> bool {
        args.iter()
            .find_map(|a| match a {
                TypeRef::Path { segments, .. } => segments.last(),
                _ => None,
            })
            .is_some_and(|manager| self.manages_other_things(manager, catalog))
    }

    /// Whether a manager of the workspace's pools something other than a database client:
    /// a type that neither is nor holds a catalogued crate's (`type Connection = Worker;`).
    pub fn manages_other_things(&self, manager: &str, catalog: &Catalog) -> bool {
        let Some(pooled) = self.pooled_by(manager) else { return false };
        if mentions_catalogued(pooled, catalog) {
            return false;
        }
        // a type of its own that holds a client (`struct PgConn { client: Arc<tokio_postgres::Client> }`)
        let TypeRef::Path { segments, .. } = pooled else { return false };
        let holds_client = segments
            .last()
            .and_then(|name| self.fields(name))
            .is_some_and(|fields| fields.iter().any(|(_, t)| mentions_catalogued(t, catalog)));
        !holds_client
    }

    /// What a crate type dereferences to (`impl Deref`, `#[derive(Deref)]`).
    pub fn deref_target(&self, name: &str) -> Option<&'a TypeRef> {
        self.find(|ix| ix.derefs.get(name)).one()
    }

    /// Whether `method` is a crate's extension method on `Result`/`Option` that passes the
    /// value through.
    pub fn is_result_adapter(&self, method: &str) -> bool {
        [self.file, self.krate]
            .into_iter()
            .chain(self.deps.iter().map(|d| d.index))
            .any(|ix| ix.result_adapters.contains(method))
    }

    /// Declared type of a crate `static`/`const`.
    pub fn static_type(&self, name: &str) -> Option<&'a TypeRef> {
        self.find(|ix| ix.statics.get(name)).one()
    }

    /// The initialiser of a crate `const`/`static`, when defined once.
    pub fn const_expr(&self, name: &str) -> Option<&'a consts::ConstExpr> {
        self.find(|ix| ix.consts.get(name)).one()
    }

    /// Free functions of that name in the file's crate.
    pub fn free_fns(&self, name: &str) -> &'a [FnSig] {
        let file = self.file.free_fns.get(name).map_or(&[][..], Vec::as_slice);
        if file.is_empty() {
            self.krate.free_fns.get(name).map_or(&[], Vec::as_slice)
        } else {
            file
        }
    }

    /// The crate declaring trait `name`, as this view sees it: this one, or the one
    /// dependency that does.
    /// A name declared by several traits (in two modules, or two crates) is not resolved:
    /// implementations are matched to traits by name, so they could not be told apart.
    pub fn trait_crate(&self, name: &str) -> Option<&'a str> {
        let own = self.krate.traits.get(name).copied().unwrap_or(0);
        // a dependency's view lists the viewing crate's dependencies, itself among them
        let mut found = self.deps.iter().filter(|d| d.krate != self.name && d.index.traits.contains_key(name));
        match (own, found.next(), found.next()) {
            (1, None, _) => Some(self.name),
            (0, Some(d), None) if d.index.traits.get(name) == Some(&1) => Some(d.krate),
            _ => None,
        }
    }

    /// The types implementing trait `name` in this crate and the crates it depends on.
    pub fn implementors(&self, name: &str) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for ix in [self.file, self.krate].into_iter().chain(self.deps.iter().map(|d| d.index)) {
            for ty in ix.implementors.get(name).into_iter().flatten() {
                if !out.contains(&ty.as_str()) {
                    out.push(ty);
                }
            }
        }
        out
    }

    /// Whether some `impl` of the view names `owner` by a path: only then may a method be
    /// added to a foreign type of that name (checked before the costlier method lookup).
    pub fn has_pathed_owner(&self, owner: &str) -> bool {
        [self.file, self.krate]
            .into_iter()
            .chain(self.deps.iter().map(|d| d.index))
            .any(|ix| ix.pathed_owners.contains(owner))
    }

    /// Methods `owner::name`: the file's, else its crate's, else the first dependency's that
    /// has them.
    pub fn methods(&self, owner: &str, name: &str) -> &'a [FnSig] {
        let key = (owner.to_owned(), name.to_owned());
        [self.file, self.krate]
            .into_iter()
            .chain(self.deps.iter().map(|d| d.index))
            .find_map(|ix| ix.methods.get(&key).filter(|m| !m.is_empty()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Whether a written type names a catalogued crate's type anywhere in it
/// (`Arc<tokio_postgres::Client>`).
fn mentions_catalogued(ty: &TypeRef, catalog: &Catalog) -> bool {
    match ty {
        TypeRef::Path { segments, args } => {
            catalog.crates_for_path(segments).next().is_some() || args.iter().any(|a| mentions_catalogued(a, catalog))
        }
        TypeRef::Ref(inner) => mentions_catalogued(inner, catalog),
        _ => false,
    }
}

/// The class a catalogue type name has among `crates`, when they agree.
fn catalogue_class(catalog: &Catalog, name: &str, crates: &[usize]) -> TypeClass {
    let pools: Vec<usize> = catalog.pools_named(name).iter().copied().filter(|c| crates.contains(c)).collect();
    let guards: Vec<(usize, GuardKind)> =
        catalog.guards_named(name).iter().copied().filter(|(c, _)| crates.contains(c)).collect();
    match (pools.as_slice(), guards.as_slice()) {
        ([], []) => TypeClass::Unknown,
        (ps, []) => TypeClass::Pool(if ps.len() == 1 { Some(ps[0]) } else { None }),
        ([], gs) if gs.iter().all(|g| g.1 == gs[0].1) => {
            TypeClass::Guard(if gs.len() == 1 { Some(gs[0].0) } else { None }, gs[0].1)
        }
        _ => TypeClass::Unknown,
    }
}

/// Lowers an expression path (`PgPool::connect`) the way types are lowered.
pub fn lower_expr_path(path: &syn::Path, uses: &UseMap) -> TypeRef {
    lower_path(path, uses, None)
}
