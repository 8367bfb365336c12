//! Pass 1 of the index: what one parsed file tells of its types, aliases, imports and
//! signatures ([`FileFacts::extract`]), as owned data that crosses threads. Runs per file, in
//! parallel; [`super::CrateIndex::build`] merges the results.

use super::cfg_macro_items;
use super::types::{lower_path, lower_type, TypeRef, UseMap};
use super::{consts, qualified, skim, FileFacts, FnSig, StructDef, BLANKET_OWNER};
use crate::catalog::Catalog;
use std::collections::HashMap;

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
        let mut facts = FileFacts { uses, crate_refs, module: module.clone(), ..FileFacts::default() };
        let file_depth = module.len();
        let mut v = Extractor { facts: &mut facts, self_ty: None, module, file_depth, catalog };
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
    /// How many segments of `module` are the file's own (the rest are inline modules).
    file_depth: usize,
    catalog: &'a Catalog,
}

impl Extractor<'_> {
    /// For an `impl` of a catalogued generic pool's manager trait (`bb8::ManageConnection`):
    /// the type it pools (its `type Connection = ..;`).
    fn pooled_by_manager(&self, trait_path: &syn::Path, items: &[syn::ImplItem], self_ty: &TypeRef) -> Option<TypeRef> {
        let name = trait_path.segments.last()?.ident.to_string();
        let candidate = self.catalog.crates.iter().any(|c| c.manager_trait.as_ref().is_some_and(|m| m.name == name));
        if !candidate {
            return None;
        }
        let TypeRef::Path { segments, .. } = lower_path(trait_path, &self.facts.uses, None) else { return None };
        let manager = self
            .catalog
            .crates_for_path(&segments)
            .find_map(|k| self.catalog.crates[k].manager_trait.as_ref().filter(|m| m.name == name))?;
        items.iter().find_map(|item| match item {
            syn::ImplItem::Type(t) if t.ident == manager.pooled => {
                Some(lower_type(&t.ty, &self.facts.uses, Some(self_ty)))
            }
            _ => None,
        })
    }

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
        let static_closures = static_params(sig, &["FnOnce", "FnMut", "Fn"]);
        let static_futures = static_params(sig, &["Future"]);
        FnSig {
            static_closures,
            static_futures,
            name: sig.ident.to_string(),
            owner: self.self_ty.as_ref().and_then(|t| t.last().map(str::to_owned)),
            owner_path: match &self.self_ty {
                Some(TypeRef::Path { segments, .. }) => segments.clone(),
                _ => Vec::new(),
            },
            params,
            ret,
            is_async: sig.asyncness.is_some(),
            has_self: matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(_))),
            self_by_value: matches!(sig.inputs.first(),
                Some(syn::FnArg::Receiver(r)) if r.reference.is_none() && !matches!(*r.ty, syn::Type::Reference(_))),
            ret_borrows: match &sig.output {
                syn::ReturnType::Type(_, ty) => borrows(ty, &self.catalog.std.guards.borrowing_types),
                syn::ReturnType::Default => false,
            },
            module: self.module.clone(),
            krate: String::new(),
        }
    }
}

/// Whether a value of a type borrows from something: the type names a lifetime other than
/// `'static` (`BoxStream<'_, Row>`, `impl Stream + 'a`), or is one of `borrowing` with its
/// lifetime elided (`BoxStream<Row>`).
fn borrows(ty: &syn::Type, borrowing: &[String]) -> bool {
    struct Lifetimes<'b> {
        borrowing: &'b [String],
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Lifetimes<'_> {
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            self.found |= l.ident != "static";
        }
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            let elided = match &s.arguments {
                syn::PathArguments::AngleBracketed(a) => {
                    !a.args.iter().any(|g| matches!(g, syn::GenericArgument::Lifetime(_)))
                }
                _ => true,
            };
            self.found |= elided && self.borrowing.iter().any(|b| s.ident == b);
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut found = Lifetimes { borrowing, found: false };
    syn::visit::Visit::visit_type(&mut found, ty);
    found.found
}

impl Extractor<'_> {
    /// The inline modules around the current item within its file (none, mostly: no allocation).
    fn inline(&self) -> Vec<String> {
        self.module[self.file_depth..].to_vec()
    }

    /// Records what the type `path` (as written in the current module) dereferences to, under
    /// its name and its crate path.
    fn push_deref(&mut self, path: &[String], target: TypeRef) {
        let Some(name) = path.last() else { return };
        if let Some(key) = qualified(&self.module, path) {
            self.facts.derefs.push((key, target.clone()));
        }
        self.facts.derefs.push((name.clone(), target));
    }

    /// Named fields by name, tuple fields as `0`, `1`, ….
    fn fields(&self, fields: &syn::Fields) -> Vec<(String, TypeRef)> {
        fields
            .iter()
            .enumerate()
            .map(|(n, f)| (f.ident.as_ref().map_or_else(|| n.to_string(), |id| id.to_string()), self.lower(&f.ty)))
            .collect()
    }
}

/// Positions of the parameters (`self` not counted) whose type is bounded by one of `traits`
/// (`Fn*` for closures, `Future` for futures) and `'static`: a generic parameter with those
/// bounds (inline or in the `where` clause), or `impl Trait + 'static`.
fn static_params(sig: &syn::Signature, traits: &[&str]) -> Vec<usize> {
    let static_fn_bounds = |bounds: &mut dyn Iterator<Item = &syn::TypeParamBound>| -> bool {
        let (mut is_fn, mut is_static) = (false, false);
        for b in bounds {
            match b {
                syn::TypeParamBound::Trait(t) => {
                    is_fn |= t.path.segments.last().is_some_and(|s| traits.iter().any(|t| s.ident == t));
                }
                syn::TypeParamBound::Lifetime(l) => is_static |= l.ident == "static",
                _ => {}
            }
        }
        is_fn && is_static
    };
    let mut generic: Vec<String> = Vec::new();
    let mut bounds: HashMap<String, Vec<&syn::TypeParamBound>> = HashMap::new();
    for p in sig.generics.type_params() {
        bounds.entry(p.ident.to_string()).or_default().extend(&p.bounds);
    }
    if let Some(w) = &sig.generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                if let syn::Type::Path(p) = &t.bounded_ty {
                    if let Some(id) = p.path.get_ident() {
                        bounds.entry(id.to_string()).or_default().extend(&t.bounds);
                    }
                }
            }
        }
    }
    for (name, b) in &bounds {
        if static_fn_bounds(&mut b.iter().copied()) {
            generic.push(name.clone());
        }
    }
    sig.inputs
        .iter()
        .filter(|a| matches!(a, syn::FnArg::Typed(_)))
        .enumerate()
        .filter_map(|(i, a)| {
            let syn::FnArg::Typed(pt) = a else { return None };
            let is_static = match &*pt.ty {
                syn::Type::Path(p) => p.path.get_ident().is_some_and(|id| generic.contains(&id.to_string())),
                syn::Type::ImplTrait(t) => static_fn_bounds(&mut t.bounds.iter()),
                _ => false,
            };
            is_static.then_some(i)
        })
        .collect()
}

/// Whether a method of `impl .. for Result<T, E>` (or `Option<T>`) returning `ret` hands the
/// same `T` on: `Result<T, E2>` or `Option<T>`.
fn passes_through(self_ty: &TypeRef, ret: &TypeRef) -> bool {
    let (TypeRef::Path { segments: s, args: sa }, TypeRef::Path { segments: r, args: ra }) = (self_ty, ret) else {
        return false;
    };
    let fallible = |segments: &[String]| matches!(segments.last().map(String::as_str), Some("Result" | "Option"));
    fallible(s) && fallible(r) && !sa.is_empty() && sa.first() == ra.first()
}

/// `#[derive(Deref)]` (derive_more, shrinkwraprs-style derives), however qualified.
fn derives_deref(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        let mut found = false;
        let _ = a.parse_nested_meta(|meta| {
            found |= meta.path.segments.last().is_some_and(|s| s.ident == "Deref");
            Ok(())
        });
        found
    })
}

impl<'ast> syn::visit::Visit<'ast> for Extractor<'_> {
    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        for item in cfg_macro_items(&i.mac).unwrap_or_default() {
            self.visit_item(&item);
        }
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            let name = last.ident.to_string();
            if skim::is_screaming(&name) {
                self.facts.const_refs.push(name);
            }
        }
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.facts.modules.push(i.ident.to_string());
        self.module.push(i.ident.to_string());
        syn::visit::visit_item_mod(self, i);
        self.module.pop();
    }

    /// `pub use sqlx::PgPool as Db;`: a catalogued crate's type re-exported under a name of the
    /// crate's is an alias of it, for every module that imports it (`use crate::Db;`), and so
    /// is the crate's own item re-exported under a new name (`pub use pg::Lease as DbConn;`).
    fn visit_item_use(&mut self, i: &'ast syn::ItemUse) {
        if matches!(i.vis, syn::Visibility::Inherited) {
            return;
        }
        let mut imported = UseMap::default();
        imported.add_tree(&mut Vec::new(), &i.tree);
        // in order of name: facts must not depend on a map's order (their hash keys the cache)
        let mut names: Vec<(String, Vec<String>)> = imported.names.into_iter().collect();
        names.sort_unstable();
        for (name, full) in names {
            // a type renamed (types are written in upper camel case; functions and modules,
            // renamed far more often, are not)
            let is_type = |n: &str| n.starts_with(|c: char| c.is_ascii_uppercase());
            let renamed = full.last().is_some_and(|last| *last != name && is_type(last) && is_type(&name));
            if full.len() > 1 && (renamed || self.catalog.crates_for_path(&full).next().is_some()) {
                self.facts.aliases.push((name, TypeRef::Path { segments: full, args: Vec::new() }));
            }
        }
    }

    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        let t = self.lower(&i.ty);
        self.facts.aliases.push((i.ident.to_string(), t));
    }

    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        let fields = self.fields(&i.fields);
        let name = i.ident.to_string();
        if derives_deref(&i.attrs) {
            let marked = i.fields.iter().position(|f| f.attrs.iter().any(|a| a.path().is_ident("deref")));
            let target = match marked {
                Some(at) => fields.get(at),
                None if fields.len() == 1 => fields.first(),
                None => None,
            };
            if let Some((_, ty)) = target {
                self.push_deref(std::slice::from_ref(&name), ty.clone());
            }
        }
        let inline = self.inline();
        self.facts.structs.push(StructDef { name, inline, fields });
    }

    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        let name = i.ident.to_string();
        let mut all = Vec::new();
        for v in &i.variants {
            let fields = self.fields(&v.fields);
            all.extend(fields.iter().map(|(f, t)| (format!("{}::{f}", v.ident), t.clone())));
            let variant = format!("{name}::{}", v.ident);
            self.facts.structs.push(StructDef { name: variant, inline: self.inline(), fields });
        }
        let inline = self.inline();
        self.facts.structs.push(StructDef { name, inline, fields: all });
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
        let mut self_ty = self.lower(&i.self_ty);
        // `impl<T: Bound> Trait for T`: methods of any type
        let blanket = i.generics.type_params().any(|p| {
            self_ty.last() == Some(&p.ident.to_string())
                && matches!(&self_ty, TypeRef::Path { segments, .. } if segments.len() == 1)
        });
        if blanket {
            self_ty = TypeRef::Path { segments: vec![BLANKET_OWNER.to_owned()], args: Vec::new() };
        }
        let is_deref = i.trait_.as_ref().is_some_and(|(_, p, _)| p.segments.last().is_some_and(|s| s.ident == "Deref"));
        if let (true, TypeRef::Path { segments, .. }) = (is_deref, &self_ty) {
            for item in &i.items {
                if let syn::ImplItem::Type(t) = item {
                    if t.ident == "Target" {
                        let target = lower_type(&t.ty, &self.facts.uses, Some(&self_ty));
                        self.push_deref(segments, target);
                    }
                }
            }
        }
        if let (false, Some((_, trait_path, _)), Some(owner)) = (blanket, &i.trait_, self_ty.last()) {
            if let Some(t) = trait_path.segments.last() {
                self.facts.trait_impls.push((t.ident.to_string(), owner.to_owned()));
            }
            if let Some(pooled) = self.pooled_by_manager(trait_path, &i.items, &self_ty) {
                self.facts.managers.push((owner.to_owned(), pooled));
            }
        }
        let saved = self.self_ty.replace(self_ty);
        syn::visit::visit_item_impl(self, i);
        self.self_ty = saved;
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        let name = i.ident.to_string();
        self.facts.traits.push(name.clone());
        let saved = self.self_ty.replace(TypeRef::Path { segments: vec![name], args: Vec::new() });
        syn::visit::visit_item_trait(self, i);
        self.self_ty = saved;
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        // only a default method has a body whose behaviour a call may run
        if i.default.is_some() {
            let sig = self.sig(&i.sig);
            self.facts.fns.push(sig);
        }
        syn::visit::visit_trait_item_fn(self, i);
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        let sig = self.sig(&i.sig);
        if let (Some(self_ty), Some(ret)) = (&self.self_ty, &sig.ret) {
            if passes_through(self_ty, ret) {
                self.facts.result_adapters.push(sig.name.clone());
            }
        }
        self.facts.fns.push(sig);
        syn::visit::visit_impl_item_fn(self, i);
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
            let names =
                api.pool_types.iter().chain(api.guard_types.iter().map(|g| &g.name)).chain(api.executor_traits.iter());
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
