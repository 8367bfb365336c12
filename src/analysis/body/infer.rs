//! Types and inference: what an expression is (a pool, a guard and where it comes from, a
//! workspace struct, unknown), from declared types, fields and methods through `Deref`,
//! signatures read in their own crate's terms, guard-carrying types and catalogued APIs.

use super::syntax::*;
use super::*;

impl<'a> BodyCx<'a> {
    /// The value of something declared with type `ty` (a parameter, a `let` with a type, a field).
    pub fn value_of_declared(&self, ty: &TypeRef, at: Option<Span>) -> Value {
        if let Some(krate) = self.executor_trait(ty) {
            let evidence =
                Evidence { text: format!("is declared as `{ty}`, a pool when it is called with one"), span: at };
            return Value::Pool { krate: Some(krate), evidence, wrapped: Wrapped::NONE };
        }
        let v = self.value_of_type(ty, || format!("is declared as `{ty}`"), Wrapped::NONE);
        match v {
            Value::Pool { krate, mut evidence, wrapped } => {
                evidence.span = at;
                Value::Pool { krate, evidence, wrapped }
            }
            Value::Guard { krate, kind, mut evidence, wrapped, owned, carrier } => {
                evidence.span = at;
                Value::Guard { krate, kind, evidence, wrapped, owned, carrier }
            }
            other => other,
        }
    }

    /// The catalogued crate whose executor trait a declared type is generic over (`impl
    /// PgExecutor<'e>`, `&impl ConnectionTrait`, a type parameter bounded by one).
    fn executor_trait(&self, ty: &TypeRef) -> Option<usize> {
        let segments = match ty {
            TypeRef::Ref(inner) => return self.executor_trait(inner),
            TypeRef::Dyn(segments) => segments,
            _ => return None,
        };
        let name = segments.last()?;
        let catalog = self.file.catalog;
        catalog.crates_for_path(segments).find(|&k| catalog.crates[k].executor_traits.contains(name))
    }

    pub(super) fn value_of_type(&self, ty: &TypeRef, why: impl FnOnce() -> String, wrapped: Wrapped) -> Value {
        self.value_of_type_in(self.file.index, ty, why, wrapped)
    }

    /// The value of a type written in the crate `view` looks from (a field or signature of a
    /// dependency is read in that crate's terms).
    pub(super) fn value_of_type_in(
        &self,
        view: IndexView<'_>,
        ty: &TypeRef,
        why: impl FnOnce() -> String,
        wrapped: Wrapped,
    ) -> Value {
        let class = view.classify(ty, self.file.catalog);
        let (class, owned) = match class {
            TypeClass::Ref(inner) => (*inner, false),
            other => (other, true),
        };
        let mut wrapped = wrapped;
        let class = match class {
            // `Lazy<PgPool>` and `LazyLock<PgPool>` dereference to the pool
            TypeClass::Holder(h, inner) if matches!(h.as_str(), "Lazy" | "LazyLock") => *inner,
            // `OnceLock<PgPool>`: a pool once read out of the cell (`.get()`, `.get_or_init(..)`)
            TypeClass::Holder(h, inner)
                if matches!(h.as_str(), "OnceLock" | "OnceCell")
                    && wrapped.is_bare()
                    && matches!(*inner, TypeClass::Pool(_)) =>
            {
                let tokio = matches!(unreferenced(ty), TypeRef::Path { segments, .. } if segments[0] == "tokio");
                wrapped.once = Some(if tokio { OnceCell::Async } else { OnceCell::Sync });
                *inner
            }
            // `Option<PgPool>` is a pool still to unwrap (`Some(p)`, `?`, `.unwrap()`)
            TypeClass::Holder(h, inner)
                if h == "Option" && !wrapped.fallible && matches!(*inner, TypeClass::Pool(_)) =>
            {
                wrapped.fallible = true;
                *inner
            }
            other => other,
        };
        let why = why();
        let evidence = || Evidence { text: why.clone(), span: None };
        match class {
            TypeClass::Pool(krate) => Value::Pool { krate, evidence: evidence(), wrapped },
            TypeClass::Guard(krate, kind) => {
                Value::Guard { krate, kind, evidence: evidence(), wrapped, owned, carrier: None }
            }
            TypeClass::Struct(s) => match self.carried_guard(view, &s) {
                Some((kind, field)) => Value::Guard {
                    krate: None,
                    kind,
                    evidence: Evidence {
                        text: format!("{why}, and `{s}` owns {} in field `{field}`", kind.noun_with_article()),
                        span: None,
                    },
                    wrapped,
                    owned,
                    carrier: Some(s),
                },
                None => Value::Struct(s),
            },
            TypeClass::Unknown => opaque(ty),
            // `Vec<Box<dyn Hook>>`, `HashMap<Shard, PgPool>`: a collection of pools or trait
            // objects is kept by its type, for its elements (others are not worth the clone)
            TypeClass::Holder(h, inner)
                if COLLECTIONS.contains(&h.as_str())
                    && match &*inner {
                        TypeClass::Pool(_) => true,
                        TypeClass::Struct(item) => view.for_crate(&item.krate).is_trait(item),
                        _ => false,
                    } =>
            {
                opaque(ty)
            }
            _ => Value::Unknown,
        }
    }

    /// The bound of the enclosing `impl`'s type parameter a type is (`H`, `&H`).
    fn bound_of_param(&self, ty: &TypeRef) -> Option<&TypeRef> {
        match ty {
            TypeRef::Path { segments, args } if segments.len() == 1 && args.is_empty() => {
                self.self_bounds.iter().find(|(name, _)| *name == segments[0]).map(|(_, b)| b)
            }
            TypeRef::Ref(inner) => self.bound_of_param(inner),
            _ => None,
        }
    }

    /// What iterating an expression yields (`for hook in &self.hooks`, `registry.values()`):
    /// an element of a collection whose type is known.
    pub(super) fn element_of(&self, iterable: &syn::Expr) -> Value {
        let mut e = strip_parens(iterable);
        let mut map_values = false;
        loop {
            e = match e {
                syn::Expr::Reference(r) => strip_parens(&r.expr),
                syn::Expr::MethodCall(m) if m.args.is_empty() => match m.method.to_string().as_str() {
                    "iter" | "iter_mut" | "into_iter" => strip_parens(&m.receiver),
                    "values" | "values_mut" | "into_values" => {
                        map_values = true;
                        strip_parens(&m.receiver)
                    }
                    _ => break,
                },
                _ => break,
            };
        }
        // a guard in a collection is the collection's to release, not the loop's
        match self.collection_value(e) {
            Some(collection) => self.element_in(&collection, e, map_values, Wrapped::default()),
            None => Value::Unknown,
        }
    }

    /// The declared type of a field that is a collection (`self.stores: HashMap<Shard,
    /// Store>`), with the crate it is written in: its elements are known by it whatever
    /// they are, where values of collections are kept only for trait objects and pools.
    fn declared_collection(&self, f: &syn::ExprField) -> Option<(IndexView<'a>, &'a TypeRef)> {
        let base = self.classify(&f.base);
        let (view, ty, _) = self.field_of(base.item()?, &member_name(&f.member))?;
        let ty = unreferenced(ty);
        COLLECTIONS.contains(&ty.last()?).then_some((view, ty))
    }

    /// The value of an element of a collection type written in `view`: a map's values when
    /// `map_values`.
    fn element_value(&self, view: IndexView<'_>, collection: &TypeRef, map_values: bool, wrapped: Wrapped) -> Value {
        let TypeRef::Path { segments, args } = collection else { return Value::Unknown };
        let element = match segments.last().map(String::as_str) {
            Some("Vec" | "VecDeque" | "HashSet" | "BTreeSet") => args.first(),
            Some("HashMap" | "BTreeMap") if map_values => args.last(),
            _ => None,
        };
        match element {
            Some(ty) => self.value_of_type_in(view, ty, || format!("is an element of a `{collection}`"), wrapped),
            None => Value::Unknown,
        }
    }

    /// The value a function returns, peeling `Result`/`Option` and `async`.
    pub(super) fn value_of_return(&self, sig: &crate::index::FnSig, shown: &str) -> Value {
        let Some(ret) = &sig.ret else {
            return Value::Unknown;
        };
        let (ty, fallible) = peel_fallible(ret);
        let wrapped = Wrapped::of(sig.is_async, fallible);
        let view = self.file.index.for_fn(sig);
        self.value_of_type_in(view, ty, || format!("is returned by `{shown}` (declared `-> {ret}`)"), wrapped)
    }

    /// The declared type of field `field` of `owner`, found through `Deref` targets
    /// (`AppState(Arc<App>)` with `Deref<Target = App>`), with the crate it is written in and
    /// the type that has it.
    pub(super) fn field_of(&self, owner: &ItemRef, field: &str) -> Option<(IndexView<'a>, &'a TypeRef, ItemRef)> {
        let mut current = owner.clone();
        for _ in 0..4 {
            let view = self.file.index.for_crate(&current.krate);
            if let Some(ty) = view.struct_field(&current.name, field) {
                return Some((view, ty, current));
            }
            current = self.deref_struct(view, &current.name)?;
        }
        None
    }

    /// Methods `name` of `owner`, found through `Deref` targets, with the type that has them.
    pub(super) fn methods_of(&self, owner: &ItemRef, name: &str) -> Option<(&'a [FnSig], ItemRef)> {
        let mut current = owner.clone();
        for _ in 0..4 {
            let view = self.file.index.for_crate(&current.krate);
            let found = view.methods(&current.name, name);
            if !found.is_empty() {
                return Some((found, current));
            }
            current = self.deref_struct(view, &current.name)?;
        }
        None
    }

    /// Whether a workspace type owns a guard (see [`IndexView::carried_guard`]), worked out
    /// once per file.
    pub(super) fn carried_guard(&self, view: IndexView<'a>, item: &ItemRef) -> Option<(GuardKind, String)> {
        if let Some(known) = self.file.carriers.borrow().guards.get(item) {
            return known.clone();
        }
        let found = view.carried_guard(item, self.file.catalog);
        self.file.carriers.borrow_mut().guards.insert(item.clone(), found.clone());
        found
    }

    /// Whether a value of a declared return type holds a pool (see
    /// [`IndexView::carries_pool`]), with workspace types worked out once per file.
    pub(super) fn returns_pool(&self, ty: &TypeRef) -> bool {
        let view = self.file.index;
        let item = match view.pool_holder_item(ty, self.file.catalog) {
            Ok(answer) => return answer,
            Err(item) => item,
        };
        self.item_holds_pool(view, item)
    }

    /// Whether a workspace type holds a pool in its fields, worked out once per file.
    fn item_holds_pool(&self, view: IndexView<'_>, item: ItemRef) -> bool {
        if let Some(&known) = self.file.carriers.borrow().pools.get(&item) {
            return known;
        }
        let found = view.item_carries_pool(&item, self.file.catalog);
        self.file.carriers.borrow_mut().pools.insert(item, found);
        found
    }

    /// The crate struct a type dereferences to.
    pub(super) fn deref_struct(&self, view: IndexView<'a>, name: &str) -> Option<ItemRef> {
        match view.classify(view.deref_target(name)?, self.file.catalog) {
            TypeClass::Struct(next) => Some(next),
            _ => None,
        }
    }

    /// A value seen through its type's `Deref` chain: a newtype around a pool is the pool
    /// (`impl Deref for ConnectionPool { type Target = r2d2::Pool<..>; }`).
    pub fn through_deref(&self, v: Value) -> Value {
        let Some(owner) = v.item() else { return v };
        let mut current = owner.clone();
        for _ in 0..4 {
            let view = self.file.index.for_crate(&current.krate);
            let Some(target) = view.deref_target(&current.name) else { return v };
            match self.value_of_type_in(
                view,
                target,
                || format!("is a `{owner}`, which dereferences to `{target}`"),
                Wrapped::NONE,
            ) {
                Value::Struct(next) => current = next,
                pool @ Value::Pool { .. } => return pool,
                _ => return v,
            }
        }
        v
    }

    /// Classifies an expression from the evidence.
    pub fn classify(&self, e: &syn::Expr) -> Value {
        match e {
            syn::Expr::Paren(p) => self.classify(&p.expr),
            syn::Expr::Group(g) => self.classify(&g.expr),
            syn::Expr::Reference(r) => self.classify(&r.expr).borrowed(),
            // `*pool` on an `Arc<PgPool>` is the pool; `*conn` on a guard is the connection
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => match self.classify(&u.expr) {
                v @ Value::Pool { .. } => v,
                _ => Value::Unknown,
            },
            syn::Expr::Await(a) => self.classify_await(a),
            syn::Expr::Try(t) => self.classify(&t.expr).unwrapped(),
            syn::Expr::Path(p) => self.classify_path(&p.path),
            syn::Expr::Field(f) => self.classify_field(f),
            syn::Expr::Index(ix) => self.classify_index(ix),
            syn::Expr::MethodCall(m) => self.classify_method(m),
            syn::Expr::Call(c) => self.classify_call(c),
            syn::Expr::Cast(c) => self.classify(&c.expr),
            syn::Expr::Struct(s) => self.classify_struct(s),
            syn::Expr::Match(m) => self.classify_match(m),
            syn::Expr::Async(a) => match a.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.classify(tail).map_wrapped(|w| {
                    w.future = true;
                    true
                }),
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }

    /// `match pool.get() { Ok(c) => c, Err(e) => { log(e); return } }`: the scrutinee
    /// unwrapped, when every arm either unwraps it or diverges.
    pub(super) fn classify_match(&self, m: &syn::ExprMatch) -> Value {
        let mut found: Option<Value> = None;
        for arm in &m.arms {
            let value = if unwrapping_arm(arm) {
                self.classify(&m.expr).unwrapped()
            } else if diverges(&arm.body) {
                continue;
            } else {
                // `Some(t) => pool.timeout_get(&t).await, None => pool.get().await`
                self.classify(block_tail(&arm.body))
            };
            match &found {
                None => found = Some(value),
                Some(seen) if seen.same_shape(&value) => {}
                Some(_) => return Value::Unknown,
            }
        }
        found.unwrap_or(Value::Unknown)
    }

    /// A struct literal holding a guard in one of its fields.
    pub(super) fn classify_struct(&self, s: &syn::ExprStruct) -> Value {
        for f in &s.fields {
            if let Some(stored) = self.stored_guard(&f.expr) {
                let at = self.file.span(&f.expr);
                return Value::Holds(Box::new(Stored { at, ..stored }));
            }
        }
        // otherwise, a value of the literal's type
        let ty = lower_path(&s.path, self.file.uses, self.self_ty.as_ref());
        match self.value_of_type(&ty, String::new, Wrapped::NONE) {
            Value::Struct(name) => Value::Struct(name),
            Value::Opaque(t) => Value::Opaque(t),
            _ => Value::Unknown,
        }
    }

    /// The guard `e` holds by value, directly or inside wrappers (`Mutex::new(conn)`), also
    /// through initialiser closures and blocks (`Lazy::new(|| { let c = pool.get()?; Mutex::new(c) })`).
    pub fn stored_guard(&self, e: &syn::Expr) -> Option<Stored> {
        self.stored_guard_in(e, &[])
    }

    pub(super) fn stored_guard_in(&self, e: &syn::Expr, locals: &[(String, &syn::Expr)]) -> Option<Stored> {
        let e = strip_parens(e);
        if let syn::Expr::Path(p) = e {
            if let Some(id) = p.path.get_ident() {
                // a `let` of the initialiser block being followed
                if let Some((_, init)) = locals.iter().rev().find(|(n, _)| id == n) {
                    let inner = self.stored_guard_in(init, locals)?;
                    return Some(Stored { at: self.file.span(e), ..inner });
                }
            }
        }
        match self.classify(e) {
            Value::Holds(s) => return Some(*s),
            v => {
                if let Some((_, _, evidence)) = v.as_owned_guard() {
                    return Some(Stored {
                        at: self.file.span(e),
                        guard: self.file.text(e),
                        evidence: evidence.clone(),
                    });
                }
            }
        }
        let state = &self.file.catalog.std.state;
        match e {
            syn::Expr::Call(c) => {
                let path = self.call_path(c)?;
                if !path_ends_with_any(&path, &state.holders_new)
                    && !path_ends_with_any(&path, &state.lazy_constructors)
                {
                    return None;
                }
                let inner = self.stored_guard_in(c.args.first()?, locals)?;
                Some(Stored { at: self.file.span(e), ..inner })
            }
            syn::Expr::Closure(c) => self.stored_guard_in(&c.body, locals),
            syn::Expr::Block(b) => {
                let mut scope: Vec<(String, &syn::Expr)> = locals.to_vec();
                for stmt in &b.block.stmts {
                    if let syn::Stmt::Local(l) = stmt {
                        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                            scope.push((pi.ident.to_string(), &init.expr));
                        }
                    }
                }
                match b.block.stmts.last() {
                    Some(syn::Stmt::Expr(tail, None)) => self.stored_guard_in(tail, &scope),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub(super) fn classify_await(&self, a: &syn::ExprAwait) -> Value {
        let inner = self.classify(&a.base);
        if let Value::Opaque(_) = inner {
            // `ClientOptions::parse(uri).await?` is a `ClientOptions`
            return inner;
        }
        if inner != Value::Unknown {
            return inner.awaited();
        }
        // weak evidence: a zero-argument `get()` that is awaited is a pool checkout
        if let syn::Expr::MethodCall(m) = &*a.base {
            if m.method == "get" && m.args.is_empty() && self.classify(&m.receiver) == Value::Unknown {
                let span = self.file.span(&*a.base);
                return Value::Guard {
                    krate: None,
                    kind: GuardKind::Connection,
                    evidence: Evidence {
                        text: format!(
                            "is taken from `{}` at line {} (a zero-argument `get()` that is awaited)",
                            self.file.text(&*a.base),
                            self.file.line(span)
                        ),
                        span: Some(span),
                    },
                    wrapped: Wrapped::of(false, true),
                    owned: true,
                    carrier: None,
                };
            }
        }
        Value::Unknown
    }

    pub(super) fn classify_path(&self, p: &syn::Path) -> Value {
        if p.segments.len() == 1 {
            let name = p.segments[0].ident.to_string();
            if let Some(b) = self.lookup(&name) {
                return b.value.clone();
            }
            if name == "self" {
                return match &self.self_ty {
                    Some(t) => self.value_of_type(t, || "is `self`".into(), Wrapped::NONE),
                    None => Value::Unknown,
                };
            }
        }
        let name = p.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        match self.file.index.static_type(&name) {
            Some(t) => self.value_of_type(t, || format!("is a static declared as `{t}`"), Wrapped::NONE),
            None => Value::Unknown,
        }
    }

    pub(super) fn classify_field(&self, f: &syn::ExprField) -> Value {
        let base = self.classify(&f.base);
        let Some(owner) = base.item() else {
            return Value::Unknown;
        };
        let field = member_name(&f.member);
        let Some((view, t, has)) = self.field_of(owner, &field) else { return Value::Unknown };
        // `self.hook: H` in `impl<H: Hook> Dispatcher<H>`: some implementation of the bound
        if let Some(bound) = self.bound_of_param(t) {
            if matches!(strip_parens(&f.base), syn::Expr::Path(p) if p.path.is_ident("self")) {
                let why = || format!("is field `{has}.{field}`, of a type bounded by `{bound}`");
                return self.value_of_type(bound, why, Wrapped::NONE);
            }
        }
        self.value_of_type_in(view, t, || format!("is field `{has}.{field}`, declared as `{t}`"), Wrapped::NONE)
    }

    pub(super) fn classify_method(&self, m: &syn::ExprMethodCall) -> Value {
        let method = m.method.to_string();
        if UNWRAPPERS.contains(&method.as_str()) {
            return self.classify(&m.receiver).unwrapped();
        }
        if RESULT_ADAPTERS.contains(&method.as_str()) || self.file.index.is_result_adapter(&method) {
            return self.classify(&m.receiver);
        }
        let recv = self.classify(&m.receiver);
        // `DB.get()`, `DB.get_or_init(..)` on a once-cell holding a pool: the pool
        if let Value::Pool { krate, evidence, wrapped } = &recv {
            if let Some(wrapped) = wrapped.read_once(&method) {
                return Value::Pool { krate: *krate, evidence: evidence.clone(), wrapped };
            }
        }
        if matches!(method.as_str(), "clone" | "get_ref" | "into_inner" | "as_ref") && m.args.is_empty() {
            return match recv {
                Value::Pool { .. } | Value::Struct(_) => recv,
                _ => Value::Unknown,
            };
        }
        // a guard-carrying type's own methods come before what the catalogue says of guards
        if let Some((sigs, has)) =
            recv.item().filter(|_| matches!(recv, Value::Guard { .. })).and_then(|o| self.methods_of(o, &method))
        {
            return self.crate_fn_value(sigs, &format!("{has}::{method}()"));
        }
        if let Some(v) = self.acquisition(m, &method, &recv) {
            return v;
        }
        // builder methods return the builder: `PgPoolOptions::new().max_connections(5)`
        if let Value::Opaque(TypeRef::Path { segments, .. }) = &recv {
            if self
                .builder_crate(segments)
                .is_some_and(|k| !self.file.catalog.crates[k].builder_finish.contains(&method))
            {
                return recv;
            }
        }
        if let Some(owner) = recv.item() {
            if let Some((sigs, has)) = self.methods_of(owner, &method) {
                return self.crate_fn_value(sigs, &format!("{has}::{method}()"));
            }
        }
        if recv.item().is_none() {
            if let Some(sig) = self.blanket_method(&method).or_else(|| self.foreign_type_method(&recv, &method)) {
                return self.crate_fn_value(std::slice::from_ref(sig), &format!("{method}()"));
            }
        }
        // `registry.get(name)`, `hooks.first()`: an element, if there is one
        if matches!(method.as_str(), "get" | "get_mut" | "first" | "last" | "front" | "back") {
            return self.element_in(&recv, &m.receiver, true, Wrapped::of(false, true));
        }
        Value::Unknown
    }

    /// `self.replicas[i]`, `shards["eu"]`: an element of the indexed collection, when that is
    /// a local or a field.
    fn classify_index(&self, ix: &syn::ExprIndex) -> Value {
        match self.collection_value(&ix.expr) {
            Some(collection) => self.element_in(&collection, &ix.expr, true, Wrapped::default()),
            None => Value::Unknown,
        }
    }

    /// What an indexed or iterated collection expression is worth for its elements: a
    /// local's value, or nothing yet for a field (its declared type tells); `None` for other
    /// expressions.
    fn collection_value(&self, e: &syn::Expr) -> Option<Value> {
        match strip_parens(e) {
            syn::Expr::Path(_) => Some(self.classify(e)),
            syn::Expr::Field(_) => Some(Value::Unknown),
            _ => None,
        }
    }

    /// An element (borrowed) of `collection`, whose value is `value`: known when the
    /// collection is a local of a known collection type or a field declared as one. A map's
    /// elements are its values when `map_values` (`.get(k)`, `[k]`, `.values()`), and not
    /// known otherwise (iterating a map yields pairs).
    fn element_in(&self, value: &Value, collection: &syn::Expr, map_values: bool, wrapped: Wrapped) -> Value {
        let declared = match (value, strip_parens(collection)) {
            (Value::Opaque(ty), _) => Some((self.file.index, ty)),
            (Value::Unknown, syn::Expr::Field(f)) => self.declared_collection(f),
            _ => None,
        };
        let Some((view, ty)) = declared else { return Value::Unknown };
        self.element_value(view, ty, map_values, wrapped).borrowed()
    }

    /// Whether a method hands its receiver's value on, unwrapped or adapted: `unwrap`,
    /// `map_err`, the crate's own extension adapters on `Result`.
    pub(super) fn hands_value_on(&self, method: &str) -> bool {
        UNWRAPPERS.contains(&method) || RESULT_ADAPTERS.contains(&method) || self.file.index.is_result_adapter(method)
    }

    /// A call of a catalogued function that takes a connection from the pool it is given
    /// (`PgListener::connect_with(&pool)`), with that pool, when it is one.
    pub fn acquire_with<'e>(
        &self,
        c: &'e syn::ExprCall,
        path: &[String],
    ) -> Option<(&'e syn::Expr, usize, &'a crate::catalog::AcquireWith)> {
        let catalog = self.file.catalog;
        catalog.crates.iter().enumerate().find_map(|(k, api)| {
            let acq = api.acquire_with.iter().find(|a| path_ends_with(path, &a.call))?;
            let pool = c.args.iter().nth(acq.pool_arg)?;
            let ours = catalog.crates_for_path(path).any(|x| x == k);
            let is_pool = self.through_deref(self.classify(pool)).as_pool().is_some();
            (ours && is_pool).then_some((pool, k, acq))
        })
    }

    /// An explicit acquisition `pool.acquire()`, `pool.get()`, … as a (wrapped) guard; also a
    /// transaction begun on a guard (`conn.begin()`).
    pub fn acquisition(&self, m: &syn::ExprMethodCall, method: &str, recv: &Value) -> Option<Value> {
        let catalog = self.file.catalog;
        let recv = &self.through_deref(recv.clone());
        let (pool_krate, strong, on_guard) = match recv {
            Value::Pool { krate, wrapped, .. } if wrapped.is_bare() => (*krate, true, false),
            Value::Guard { krate, wrapped, .. } if wrapped.is_bare() => (*krate, true, true),
            Value::Unknown if receiver_says_pool(&m.receiver) => (None, false, false),
            _ => return None,
        };
        let candidates = catalog.crates.iter().enumerate().filter(|(i, _)| pool_krate.is_none_or(|k| k == *i));
        for (i, api) in candidates {
            let Some(acq) = api.acquire.iter().find(|a| a.method == method && a.args == m.args.len()) else {
                continue;
            };
            // by name alone, a synchronous `get()` is too common to trust; on a guard, only
            // transactions are acquired (`conn.begin()`)
            if (!strong && !acq.is_async) || (on_guard && acq.yields != GuardKind::Transaction) {
                continue;
            }
            let span = self.file.span(m);
            let text = format!("is taken from `{}` at line {}", self.file.text(m), self.file.line(span));
            return Some(acquired(i, acq.yields, acq.is_async, acq.returns, Evidence { text, span: Some(span) }));
        }
        None
    }

    pub(super) fn classify_call(&self, c: &syn::ExprCall) -> Value {
        let Some(segments) = self.call_path(c) else {
            return Value::Unknown;
        };
        if let Some((pool, krate, acq)) = self.acquire_with(c, &segments) {
            let span = self.file.span(c);
            let text = format!(
                "is taken from `{}` at line {} (`{}` keeps one of its connections)",
                self.file.text(pool),
                self.file.line(span),
                acq.call
            );
            return acquired(krate, acq.yields, acq.is_async, acq.returns, Evidence { text, span: Some(span) });
        }
        let n = segments.len();
        let last = segments[n - 1].as_str();
        let state = &self.file.catalog.std.state;
        if path_ends_with_any(&segments, &state.holders_new) {
            // `Box::new(conn)` is still the guard; `Mutex::new(conn)` holds it
            let Some(arg) = c.args.first() else {
                return Value::Unknown;
            };
            if n >= 2 && last == "new" && self.file.catalog.std.wrappers.transparent.contains(&segments[n - 2]) {
                return self.classify(arg);
            }
            return match self.stored_guard(arg) {
                Some(s) => Value::Holds(Box::new(Stored { at: self.file.span(c), ..s })),
                None => Value::Unknown,
            };
        }
        if n == 1 {
            return self.crate_fn_value(self.file.index.free_fns(last), &format!("{last}()"));
        }
        let owner = segments[n - 2].as_str();
        let key = self.owner_key(&segments);
        let owner =
            if owner == "Self" { self.self_ty.as_ref().and_then(TypeRef::last).unwrap_or(owner) } else { owner };
        let methods = self.file.index.methods(key.as_deref().unwrap_or(owner), last);
        if !methods.is_empty() {
            return self.crate_fn_value(methods, &format!("{owner}::{last}()"));
        }
        let shown = format!("{}()", segments.join("::"));
        // a function of a crate this one depends on (`storage::conn::get_conn`, or imported
        // from it): resolved through the dependency, by its module path
        if let Some(sig) = self.resolve_fn(&segments) {
            return self.crate_fn_value(std::slice::from_ref(sig), &shown);
        }
        let catalog = self.file.catalog;
        // a type's associated function (`redis::Client::open`) or a catalogued crate's function
        // is not the crate's free function of the same name
        let foreign =
            owner.starts_with(|c: char| c.is_ascii_uppercase()) || catalog.crates_for_path(&segments).next().is_some();
        let free = if foreign { Value::Unknown } else { self.crate_fn_value(self.file.index.free_fns(last), &shown) };
        let builder_entry = catalog
            .crates_for_path(&segments)
            .any(|k| path_ends_with_any(&segments, &catalog.crates[k].builder_entries));
        if free == Value::Unknown && builder_entry {
            // `Config::new()` is a `Config`; what `Pool::builder()` returns is a builder named
            // by the entry itself
            let owner_is_builder =
                catalog.crates_for_path(&segments).any(|k| catalog.crates[k].builder_types.iter().any(|t| t == owner));
            let ty = if owner_is_builder { segments[..n - 1].to_vec() } else { segments.clone() };
            return Value::Opaque(TypeRef::Path { segments: ty, args: Vec::new() });
        }
        if free == Value::Unknown
            && owner.starts_with(|c: char| c.is_ascii_uppercase())
            && SELF_CONSTRUCTORS.contains(&last)
        {
            // `Config::new()` is a `Config`: enough to know a builder's or client's type
            return Value::Opaque(TypeRef::Path { segments: segments[..n - 1].to_vec(), args: Vec::new() });
        }
        free
    }

    pub(super) fn crate_fn_value(&self, sigs: &[crate::index::FnSig], shown: &str) -> Value {
        let mut values = sigs.iter().map(|s| self.value_of_return(s, shown));
        let Some(first) = values.next() else {
            return Value::Unknown;
        };
        if values.all(|v| v == first) {
            first
        } else {
            Value::Unknown
        }
    }

    /// The path of a call's function, expanded through the file's imports (`forget(x)` after
    /// `use std::mem::forget;` is `std::mem::forget`).
    pub fn call_path(&self, call: &syn::ExprCall) -> Option<Vec<String>> {
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        match lower_path(&p.path, self.file.uses, self.self_ty.as_ref()) {
            TypeRef::Path { mut segments, .. } if !segments.is_empty() => {
                // `AsyncPool::builder(..)` with `type AsyncPool = deadpool::managed::Pool<M>;`, also
                // through the crate's modules (`db::AsyncPool::builder`, `crate::db::..`)
                for _ in 0..4 {
                    let n = segments.len();
                    let own_prefix = n >= 2
                        && segments[..n - 2].first().is_none_or(|first| {
                            matches!(first.as_str(), "crate" | "self" | "super") || self.file.index.is_module(first)
                        });
                    if !own_prefix {
                        break;
                    }
                    let Some(TypeRef::Path { segments: target, .. }) = self.file.index.alias_target(&segments[n - 2])
                    else {
                        break;
                    };
                    let mut through = target.clone();
                    through.push(segments[n - 1].clone());
                    segments = through;
                }
                Some(segments)
            }
            _ => None,
        }
    }
}

impl BodyCx<'_> {
    /// The acquisition method call inside an expression such as `pool.get().await?`, through
    /// unwrapping, adapters, borrows of temporaries and unwrapping `match`es.
    pub fn find_acquisition_call<'e>(&self, e: &'e syn::Expr) -> Option<&'e syn::ExprMethodCall> {
        match strip_parens(e) {
            syn::Expr::Try(t) => self.find_acquisition_call(&t.expr),
            syn::Expr::Await(a) => self.find_acquisition_call(&a.base),
            syn::Expr::Reference(r) => self.find_acquisition_call(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.find_acquisition_call(&u.expr),
            syn::Expr::Match(m) if m.arms.iter().any(unwrapping_arm) => self.find_acquisition_call(&m.expr),
            syn::Expr::MethodCall(m) if self.hands_value_on(&m.method.to_string()) => {
                self.find_acquisition_call(&m.receiver)
            }
            syn::Expr::MethodCall(m) => Some(m),
            _ => None,
        }
    }
}

impl BodyCx<'_> {
    /// A pool expression as written, without borrows and clones and through local aliases:
    /// `&state.db` → `state.db`; after `let db = state.db.clone();`, `db` → `state.db`.
    pub fn pool_key(&self, e: &syn::Expr) -> String {
        self.place_key(e).unwrap_or_else(|| self.file.text(e))
    }
}

/// The owned guard a catalogued acquisition yields, still in its future and `Result`.
fn acquired(krate: usize, kind: GuardKind, is_async: bool, returns: Returns, evidence: Evidence) -> Value {
    Value::Guard {
        krate: Some(krate),
        kind,
        evidence,
        wrapped: Wrapped::of(is_async, returns != Returns::Value),
        owned: true,
        carrier: None,
    }
}

/// The type inside `Result<T, _>`, `Option<T>` or a crate's `Result` alias, and whether it
/// was inside one.
pub(super) fn peel_fallible(ty: &TypeRef) -> (&TypeRef, bool) {
    if let TypeRef::Path { segments, args } = ty {
        let last = segments.last().map(String::as_str);
        if matches!(last, Some("Result" | "Option")) || last.is_some_and(|l| l.ends_with("Result")) {
            if let Some(first) = args.first() {
                return (first, true);
            }
        }
    }
    (ty, false)
}

/// A value known only by its type (without the reference).
fn opaque(ty: &TypeRef) -> Value {
    Value::Opaque(unreferenced(ty).clone())
}

/// `T` for `&T`.
fn unreferenced(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Ref(inner) => inner,
        other => other,
    }
}

/// Holders that are collections: their values are known by their type, for their elements.
const COLLECTIONS: &[&str] = &["Vec", "VecDeque", "HashMap", "BTreeMap", "HashSet", "BTreeSet"];
