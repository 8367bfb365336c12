//! Owned, simplified types lowered from `syn`, with `use` renames already applied, so they can
//! cross threads and be resolved against the crate index later.

use std::collections::HashMap;
use std::fmt;

/// A type as written, reduced to what evidence needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// `a::b::C<T, U>`: path segments (after `use` expansion) and the last segment's type arguments.
    Path {
        /// Path segments, first one expanded through the file's `use` items.
        segments: Vec<String>,
        /// Generic type arguments of the last segment.
        args: Vec<TypeRef>,
    },
    /// `&T` / `&mut T`.
    Ref(Box<TypeRef>),
    /// `(A, B)`.
    Tuple(Vec<TypeRef>),
    /// `dyn Trait` or `impl Trait`: some type implementing the trait with these path segments
    /// (its first bound that is not a marker such as `Send`).
    Dyn(Vec<String>),
    /// Anything else (arrays, function pointers).
    Other,
}

impl TypeRef {
    /// Last path segment, if this is a path.
    pub fn last(&self) -> Option<&str> {
        match self {
            TypeRef::Path { segments, .. } => segments.last().map(String::as_str),
            _ => None,
        }
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Path { segments, args } => {
                // show the name as users write it: the last segment and its arguments
                f.write_str(segments.last().map_or("_", String::as_str))?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(">")?;
                }
                Ok(())
            }
            TypeRef::Ref(inner) => write!(f, "&{inner}"),
            TypeRef::Tuple(items) => {
                f.write_str("(")?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            TypeRef::Dyn(segments) => write!(f, "dyn {}", segments.last().map_or("_", String::as_str)),
            TypeRef::Other => f.write_str("_"),
        }
    }
}

/// The `use` items of one file: imported names with their full paths, and glob imports.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UseMap {
    /// Local name → full path (`DbPool` → `crate::db::Pool`, `Pool` → `sqlx::Pool`).
    pub names: HashMap<String, Vec<String>>,
    /// Paths imported with `*`.
    pub globs: Vec<Vec<String>>,
}

impl UseMap {
    /// Collects every `use` item of a file, at any depth.
    pub fn from_file(file: &syn::File) -> UseMap {
        let mut map = UseMap::default();
        struct V<'a>(&'a mut UseMap);
        impl<'ast> syn::visit::Visit<'ast> for V<'_> {
            fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                self.0.add_tree(&mut prefix, &u.tree);
            }
        }
        syn::visit::visit_file(&mut V(&mut map), file);
        map
    }

    /// Adds the names one `use` tree imports under `prefix`.
    pub fn add_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.names.insert(last, prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(name.clone());
                    self.names.insert(name, full);
                }
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                let ident = r.ident.to_string();
                if ident != "self" {
                    full.push(ident);
                }
                if r.rename != "_" {
                    self.names.insert(r.rename.to_string(), full);
                }
            }
            syn::UseTree::Glob(_) => self.globs.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_tree(prefix, t);
                }
            }
        }
    }

    /// Expands the first segment of a path through the imports: `r2d2::Pool` with
    /// `use diesel::r2d2;` becomes `diesel::r2d2::Pool`.
    pub fn expand(&self, segments: &[String]) -> Vec<String> {
        match segments.first().and_then(|s| self.names.get(s)) {
            Some(full) if full.last() != segments.first() || full.len() > 1 => {
                let mut out = full.clone();
                out.extend_from_slice(&segments[1..]);
                out
            }
            _ => segments.to_vec(),
        }
    }
}

/// Lowers a `syn` type, expanding paths through `uses`; `self_ty` replaces `Self`.
pub fn lower_type(ty: &syn::Type, uses: &UseMap, self_ty: Option<&TypeRef>) -> TypeRef {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => lower_path(&p.path, uses, self_ty),
        syn::Type::Reference(r) => TypeRef::Ref(Box::new(lower_type(&r.elem, uses, self_ty))),
        syn::Type::Paren(p) => lower_type(&p.elem, uses, self_ty),
        syn::Type::Group(g) => lower_type(&g.elem, uses, self_ty),
        syn::Type::Tuple(t) => TypeRef::Tuple(t.elems.iter().map(|t| lower_type(t, uses, self_ty)).collect()),
        syn::Type::TraitObject(t) => lower_bounds(t.bounds.iter(), uses),
        syn::Type::ImplTrait(t) => lower_bounds(t.bounds.iter(), uses),
        _ => TypeRef::Other,
    }
}

/// Traits that say how a value may be used, not what it is.
const MARKER_TRAITS: &[&str] = &["Send", "Sync", "Unpin", "Sized", "Copy", "Clone", "Debug", "Display"];

/// `dyn A + Send + 'a`: the first bound that names what the value is.
pub fn lower_bounds<'b>(bounds: impl Iterator<Item = &'b syn::TypeParamBound>, uses: &UseMap) -> TypeRef {
    for b in bounds {
        let syn::TypeParamBound::Trait(t) = b else { continue };
        let Some(last) = t.path.segments.last() else { continue };
        if MARKER_TRAITS.iter().any(|m| last.ident == m) {
            continue;
        }
        let segments: Vec<String> = t.path.segments.iter().map(|s| s.ident.to_string()).collect();
        return TypeRef::Dyn(if t.path.leading_colon.is_some() { segments } else { uses.expand(&segments) });
    }
    TypeRef::Other
}

/// Lowers a type path (also used for expression paths such as `PgPool::connect`).
pub fn lower_path(path: &syn::Path, uses: &UseMap, self_ty: Option<&TypeRef>) -> TypeRef {
    if path.segments.len() == 1 && path.segments[0].ident == "Self" {
        if let Some(s) = self_ty {
            return s.clone();
        }
    }
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let segments = if path.leading_colon.is_some() { segments } else { uses.expand(&segments) };
    let args = match path.segments.last().map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(a)) => a
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(lower_type(t, uses, self_ty)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    TypeRef::Path { segments, args }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(src: &str) -> UseMap {
        UseMap::from_file(&syn::parse_file(src).unwrap())
    }

    #[test]
    fn renames_and_groups_expand() {
        let u = uses("use sqlx::{pool::PoolConnection, PgPool as Db}; use diesel::r2d2; use deadpool_postgres::*;");
        assert_eq!(u.expand(&["Db".into()]), vec!["sqlx", "PgPool"]);
        assert_eq!(u.expand(&["PoolConnection".into()]), vec!["sqlx", "pool", "PoolConnection"]);
        assert_eq!(u.expand(&["r2d2".into(), "Pool".into()]), vec!["diesel", "r2d2", "Pool"]);
        assert_eq!(u.globs, vec![vec!["deadpool_postgres".to_string()]]);
    }

    #[test]
    fn types_lower_with_arguments() {
        let u = uses("use sqlx::pool::PoolConnection;");
        let t: syn::Type = syn::parse_str("&mut PoolConnection<Postgres>").unwrap();
        let l = lower_type(&t, &u, None);
        assert_eq!(l.to_string(), "&PoolConnection<Postgres>");
        match l {
            TypeRef::Ref(inner) => assert_eq!(inner.last(), Some("PoolConnection")),
            other => panic!("{other:?}"),
        }
    }
}
