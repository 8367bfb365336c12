//! The crate index: what syntax tells about types, fields, aliases, imports and signatures across
//! all files of one crate, so that a rule looking at one function can tell a pool from a map.
//!
//! Built in two steps: [`FileFacts::extract`] runs per file in parallel and yields owned data;
//! [`CrateIndex::build`] merges the facts of one crate. Both are linear in the crate's size.

pub mod consts;
pub mod skim;
pub mod types;

use crate::catalog::{Catalog, GuardKind};
use std::collections::{HashMap, HashSet};
use types::{lower_path, lower_type, TypeRef, UseMap};

/// A function or method signature.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FnSig {
    /// Function name.
    pub name: String,
    /// For methods: last segment of the `impl` block's self type.
    pub owner: Option<String>,
    /// Named parameters with their declared types.
    pub params: Vec<(String, TypeRef)>,
    /// Declared return type (`None` for `()`).
    pub ret: Option<TypeRef>,
    /// `async fn`.
    pub is_async: bool,
    /// Module path of the function within its crate (`routes::users`).
    pub module: Vec<String>,
}

impl FnSig {
    /// The key identifying this function in summaries.
    pub fn key(&self) -> String {
        fn_key(&self.module, self.owner.as_deref(), &self.name)
    }
}

/// The key of a function: `module::Owner::name`.
pub fn fn_key(module: &[String], owner: Option<&str>, name: &str) -> String {
    let mut parts: Vec<&str> = module.iter().map(String::as_str).collect();
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
    /// Structs with their fields (tuple fields are named `0`, `1`, …).
    pub structs: Vec<(String, Vec<(String, TypeRef)>)>,
    /// Functions and methods.
    pub fns: Vec<FnSig>,
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
    /// Extracts the facts of a parsed file.
    pub fn extract(file: &syn::File, catalog: &Catalog, module: Vec<String>) -> FileFacts {
        let uses = file_uses(file, catalog);
        let mut crate_refs: Vec<usize> = uses
            .names
            .values()
            .chain(uses.globs.iter())
            .flat_map(|p| catalog.crates_for_path(p).collect::<Vec<_>>())
            .collect();
        crate_refs.sort_unstable();
        crate_refs.dedup();
        let mut facts = FileFacts { uses, crate_refs, ..FileFacts::default() };
        let mut v = Extractor { facts: &mut facts, self_ty: None, module };
        syn::visit::Visit::visit_file(&mut v, file);
        facts.const_refs.sort_unstable();
        facts.const_refs.dedup();
        facts
    }
}

struct Extractor<'a> {
    facts: &'a mut FileFacts,
    self_ty: Option<TypeRef>,
    module: Vec<String>,
}

impl Extractor<'_> {
    fn lower(&self, ty: &syn::Type) -> TypeRef {
        lower_type(ty, &self.facts.uses, self.self_ty.as_ref())
    }

    fn sig(&self, sig: &syn::Signature) -> FnSig {
        let params = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(pt) => match &*pt.pat {
                    syn::Pat::Ident(id) => Some((id.ident.to_string(), self.lower(&pt.ty))),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let ret = match &sig.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, t) => Some(self.lower(t)),
        };
        FnSig {
            name: sig.ident.to_string(),
            owner: self.self_ty.as_ref().and_then(|t| t.last().map(str::to_owned)),
            params,
            ret,
            is_async: sig.asyncness.is_some(),
            module: self.module.clone(),
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for Extractor<'_> {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            let name = last.ident.to_string();
            if skim::is_screaming(&name) {
                self.facts.const_refs.push(name);
            }
        }
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.module.push(i.ident.to_string());
        syn::visit::visit_item_mod(self, i);
        self.module.pop();
    }

    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        let t = self.lower(&i.ty);
        self.facts.aliases.push((i.ident.to_string(), t));
    }

    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        let fields = i
            .fields
            .iter()
            .enumerate()
            .map(|(n, f)| (f.ident.as_ref().map_or_else(|| n.to_string(), |id| id.to_string()), self.lower(&f.ty)))
            .collect();
        self.facts.structs.push((i.ident.to_string(), fields));
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        let t = self.lower(&i.ty);
        self.facts.statics.push((i.ident.to_string(), t));
        self.facts.consts.push((i.ident.to_string(), consts::ConstExpr::lower(&i.expr)));
        syn::visit::visit_item_static(self, i);
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        let t = self.lower(&i.ty);
        self.facts.statics.push((i.ident.to_string(), t));
        self.facts.consts.push((i.ident.to_string(), consts::ConstExpr::lower(&i.expr)));
        syn::visit::visit_item_const(self, i);
    }

    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        let saved = self.self_ty.take();
        let sig = self.sig(&i.sig);
        self.facts.fns.push(sig);
        syn::visit::visit_item_fn(self, i);
        self.self_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.self_ty.replace(self.lower(&i.self_ty));
        syn::visit::visit_item_impl(self, i);
        self.self_ty = saved;
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        let sig = self.sig(&i.sig);
        self.facts.fns.push(sig);
        syn::visit::visit_impl_item_fn(self, i);
    }
}

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
    /// A crate-local struct.
    Struct(String),
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
}

/// Everything syntax says about one crate's types and functions.
#[derive(Debug, Default)]
pub struct CrateIndex {
    aliases: HashMap<String, Def<TypeRef>>,
    structs: HashMap<String, Def<Vec<(String, TypeRef)>>>,
    statics: HashMap<String, Def<TypeRef>>,
    consts: HashMap<String, Def<consts::ConstExpr>>,
    free_fns: HashMap<String, Vec<FnSig>>,
    methods: HashMap<(String, String), Vec<FnSig>>,
    used_crates: HashSet<usize>,
}

impl CrateIndex {
    /// Merges the facts of every file of one crate.
    pub fn build<'a>(files: impl IntoIterator<Item = &'a FileFacts>) -> CrateIndex {
        let mut ix = CrateIndex::default();
        for f in files {
            for (name, t) in &f.aliases {
                let mut slot = ix.aliases.remove(name);
                Def::merge(&mut slot, t.clone());
                ix.aliases.insert(name.clone(), slot.expect("merged"));
            }
            for (name, fields) in &f.structs {
                let mut slot = ix.structs.remove(name);
                Def::merge(&mut slot, fields.clone());
                ix.structs.insert(name.clone(), slot.expect("merged"));
            }
            for (name, t) in &f.statics {
                let mut slot = ix.statics.remove(name);
                Def::merge(&mut slot, t.clone());
                ix.statics.insert(name.clone(), slot.expect("merged"));
            }
            for (name, e) in &f.consts {
                let mut slot = ix.consts.remove(name);
                Def::merge(&mut slot, e.clone());
                ix.consts.insert(name.clone(), slot.expect("merged"));
            }
            for sig in &f.fns {
                match &sig.owner {
                    Some(owner) => ix.methods.entry((owner.clone(), sig.name.clone())).or_default().push(sig.clone()),
                    None => ix.free_fns.entry(sig.name.clone()).or_default().push(sig.clone()),
                }
            }
            ix.used_crates.extend(f.crate_refs.iter().copied());
        }
        ix
    }

    /// Whether any file of the crate imports from catalogue crate `krate`.
    pub fn uses_crate(&self, krate: usize) -> bool {
        self.used_crates.contains(&krate)
    }
}

/// Lookups for one file: its own definitions first (a name defined in the file is the one it
/// means), then the crate's.
#[derive(Clone, Copy)]
pub struct IndexView<'a> {
    /// The index of the file alone.
    pub file: &'a CrateIndex,
    /// The index of its crate.
    pub krate: &'a CrateIndex,
}

impl<'a> IndexView<'a> {
    fn alias(&self, name: &str) -> Option<&'a Def<TypeRef>> {
        self.file.aliases.get(name).or_else(|| self.krate.aliases.get(name))
    }

    fn has_struct(&self, name: &str) -> bool {
        self.file.structs.contains_key(name) || self.krate.structs.contains_key(name)
    }

    /// Classifies a type through aliases, wrappers and the catalogue.
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
                _ => TypeClass::Unknown,
            };
        };
        let Some(name) = segments.last() else {
            return TypeClass::Unknown;
        };
        let local = segments.len() == 1 || matches!(segments[0].as_str(), "crate" | "self" | "super");
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
            let crates: Vec<usize> = catalog.crates_for_path(segments).collect();
            return if crates.is_empty() { TypeClass::Unknown } else { catalogue_class(catalog, name, &crates) };
        }
        match self.alias(name) {
            Some(Def::One(target)) => return self.classify_depth(target, catalog, depth + 1),
            Some(Def::Ambiguous) => return TypeClass::Unknown,
            None => {}
        }
        if self.has_struct(name) {
            return TypeClass::Struct(name.clone());
        }
        if segments.len() == 1 && !wrappers.ambiguous_names.contains(name) {
            let all: Vec<usize> = (0..catalog.crates.len()).collect();
            return catalogue_class(catalog, name, &all);
        }
        TypeClass::Unknown
    }

    /// Fields of a crate-local struct.
    pub fn struct_field(&self, name: &str, field: &str) -> Option<&'a TypeRef> {
        match self.file.structs.get(name).or_else(|| self.krate.structs.get(name))? {
            Def::One(fields) => fields.iter().find(|(f, _)| f == field).map(|(_, t)| t),
            Def::Ambiguous => None,
        }
    }

    /// Declared type of a crate `static`/`const`.
    pub fn static_type(&self, name: &str) -> Option<&'a TypeRef> {
        match self.file.statics.get(name).or_else(|| self.krate.statics.get(name))? {
            Def::One(t) => Some(t),
            Def::Ambiguous => None,
        }
    }

    /// The initialiser of a crate `const`/`static`, when defined once.
    pub fn const_expr(&self, name: &str) -> Option<&'a consts::ConstExpr> {
        match self.file.consts.get(name).or_else(|| self.krate.consts.get(name))? {
            Def::One(e) => Some(e),
            Def::Ambiguous => None,
        }
    }

    /// Free functions of that name.
    pub fn free_fns(&self, name: &str) -> &'a [FnSig] {
        let file = self.file.free_fns.get(name).map_or(&[][..], Vec::as_slice);
        if file.is_empty() {
            self.krate.free_fns.get(name).map_or(&[], Vec::as_slice)
        } else {
            file
        }
    }

    /// Methods `owner::name`.
    pub fn methods(&self, owner: &str, name: &str) -> &'a [FnSig] {
        let key = (owner.to_owned(), name.to_owned());
        let file = self.file.methods.get(&key).map_or(&[][..], Vec::as_slice);
        if file.is_empty() {
            self.krate.methods.get(&key).map_or(&[], Vec::as_slice)
        } else {
            file
        }
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

/// The imports of a file, with glob imports of catalogued crates (`use sqlx::*;`) materialised
/// for the catalogue's type names, so `Pool` after `use deadpool_postgres::*;` resolves.
pub fn file_uses(file: &syn::File, catalog: &Catalog) -> UseMap {
    let mut uses = UseMap::from_file(file);
    let globs = uses.globs.clone();
    for glob in &globs {
        for krate in catalog.crates_for_path(glob) {
            let api = &catalog.crates[krate];
            let names = api.pool_types.iter().chain(api.guard_types.iter().map(|g| &g.name));
            for name in names {
                if !uses.names.contains_key(name) {
                    let mut full = glob.clone();
                    full.push(name.clone());
                    uses.names.insert(name.clone(), full);
                }
            }
        }
    }
    uses
}

/// Lowers an expression path (`PgPool::connect`) the way types are lowered.
pub fn lower_expr_path(path: &syn::Path, uses: &UseMap) -> TypeRef {
    lower_path(path, uses, None)
}
