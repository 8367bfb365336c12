//! What a workspace type holds, from its fields alone: a guard (so a value of the type keeps a
//! connection checked out while it lives) or a pool (so the type is where a pool lives). Both
//! are properties of the type, answered through the crate views of the index; the body walker
//! memoises them per file, and `poolcheck evidence` lists them.

use super::{IndexView, ItemRef, TypeClass, TypeRef};
use crate::catalog::{Catalog, GuardKind};

/// How deep guard-carrying types may nest (`Db(Conn)` with `Conn { inner: Option<Object> }`).
const MAX_DEPTH: usize = 3;

impl IndexView<'_> {
    /// Whether a workspace type owns a guard: a field (of the struct, or of any variant of the
    /// enum) whose declared type is a guard, directly, in an `Option`, or through another such
    /// type. Fields that borrow (`&mut PgConnection`) hold nothing. The guard's kind and the
    /// field.
    pub fn carried_guard(&self, item: &ItemRef, catalog: &Catalog) -> Option<(GuardKind, String)> {
        self.carried_guard_depth(item, catalog, 0)
    }

    fn carried_guard_depth(&self, item: &ItemRef, catalog: &Catalog, depth: usize) -> Option<(GuardKind, String)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let view = self.for_crate(&item.krate);
        for (field, ty) in view.fields(&item.name)? {
            let mut class = view.classify(ty, catalog);
            if let TypeClass::Holder(h, inner) = class {
                if h != "Option" {
                    continue;
                }
                class = *inner;
            }
            match class {
                TypeClass::Guard(_, kind) => return Some((kind, field.clone())),
                TypeClass::Struct(inner) if inner != *item => {
                    if let Some((kind, _)) = view.carried_guard_depth(&inner, catalog, depth + 1) {
                        return Some((kind, field.clone()));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Whether a value of a declared type holds a pool: the pool itself (behind `Result`,
    /// `Option`, shared or lazy holders, in a tuple), or a workspace type with such a field, nested up to
    /// a few levels (`StoreManager { pool: PgPool }`). A function returning one hands a pool out.
    pub fn carries_pool(&self, ty: &TypeRef, catalog: &Catalog) -> bool {
        self.pool_holder_item(ty, catalog).unwrap_or_else(|item| self.item_carries_pool(&item, catalog))
    }

    /// The answer to [`Self::carries_pool`] when the type's class alone gives it, or the
    /// workspace type whose fields decide it (for callers that remember those).
    pub fn pool_holder_item(&self, ty: &TypeRef, catalog: &Catalog) -> Result<bool, ItemRef> {
        let Some(inner) = fallible_inner(ty) else { return Ok(false) };
        if let TypeRef::Tuple(items) = inner {
            return Ok(items.iter().any(|t| self.carries_pool(t, catalog)));
        }
        let mut class = self.classify(inner, catalog);
        while let TypeClass::Holder(_, inner) = class {
            class = *inner;
        }
        match class {
            TypeClass::Struct(item) => Err(item),
            other => Ok(self.holds_pool(&other)),
        }
    }

    /// Whether a workspace type holds a pool in a field (see [`Self::carries_pool`]).
    pub fn item_carries_pool(&self, item: &ItemRef, catalog: &Catalog) -> bool {
        self.class_carries_pool(&TypeClass::Struct(item.clone()), catalog, 0)
    }

    fn class_carries_pool(&self, class: &TypeClass, catalog: &Catalog, depth: usize) -> bool {
        match class {
            TypeClass::Struct(item) if depth <= MAX_DEPTH => {
                let view = self.for_crate(&item.krate);
                view.fields(&item.name).is_some_and(|fields| {
                    fields.iter().any(|(_, ty)| {
                        let inner = view.classify(ty, catalog);
                        !matches!(&inner, TypeClass::Struct(i) if i == item)
                            && view.class_carries_pool(&inner, catalog, depth + 1)
                    })
                })
            }
            TypeClass::Holder(_, inner) => self.class_carries_pool(inner, catalog, depth),
            other => self.holds_pool(other),
        }
    }

    /// Whether a type is a pool where it is stored: the pool itself, or the pool behind shared
    /// or lazy holders (`Arc<PgPool>`, `OnceCell<Pool>`, `Option<Pool>`).
    pub fn holds_pool(&self, class: &TypeClass) -> bool {
        match class {
            TypeClass::Pool(_) => true,
            TypeClass::Holder(_, inner) => self.holds_pool(inner),
            _ => false,
        }
    }
}

/// The value a `Result`/`Option` return type carries, or the type itself.
fn fallible_inner(ty: &TypeRef) -> Option<&TypeRef> {
    match ty {
        TypeRef::Path { segments, args }
            if matches!(segments.last().map(String::as_str), Some("Result" | "Option")) =>
        {
            args.first()
        }
        other => Some(other),
    }
}
