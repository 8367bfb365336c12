//! What the walker records of a function for the workspace stage: calls with the guards held
//! across them, acquisitions, constructions, registrations, what it returns, and the place
//! keys that name pools in the function's own terms. Where a guard comes from is
//! [`super::provenance`]'s.

use super::syntax::*;
use super::*;

/// The most implementations a dispatched call is followed to: services put a handful behind a
/// `dyn Repository`; a trait with dozens is a library's extension point, not evidence.
const MAX_DISPATCH_TARGETS: usize = 8;

impl BodyCx<'_> {
    /// Whether the current point runs once per item: in an iterating loop, or in a closure or
    /// task made per item.
    pub fn per_item_context(&self) -> Option<PerItem> {
        let f = self.frames.last()?;
        if f.loops.iter().any(|&per_item| per_item) {
            return Some(PerItem::Loop);
        }
        f.per_item
    }

    /// Whether the current point runs once for the program (a once-cell or lazy initialiser).
    pub fn in_once(&self) -> bool {
        self.frames.last().is_some_and(|f| f.once)
    }

    /// Whether the current point runs once for the program: a once-cell initialiser or a
    /// static's.
    fn runs_once(&self) -> bool {
        self.in_once() || self.in_static
    }

    /// The key of a place expression (`pool`, `&state.db`, `self.pool.clone()`), through local
    /// aliases of pools; `None` for anything else.
    pub fn place_key(&self, e: &syn::Expr) -> Option<String> {
        match strip_parens(e) {
            syn::Expr::Reference(r) => self.place_key(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place_key(&u.expr),
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "clone" | "as_ref" | "get_ref" | "inner" | "into_inner"
                    ) =>
            {
                self.place_key(&m.receiver)
            }
            // a pool read out of its once-cell is the cell: `DB.get().unwrap()`,
            // `DB.get_or_init(init).await` name `DB`
            syn::Expr::MethodCall(m) if self.reads_pool_cell(m) => self.place_key(&m.receiver),
            syn::Expr::Await(a) => match strip_parens(&a.base) {
                syn::Expr::MethodCall(m) if self.reads_pool_cell(m) => self.place_key(&m.receiver),
                _ => None,
            },
            // an accessor of shared state is a place: `req.app()`, `self.get_ready()?`,
            // `context.pool()` name the same state each time they are called
            syn::Expr::Try(t) => match strip_parens(&t.expr) {
                syn::Expr::MethodCall(m) => self.accessor_key(m),
                _ => None,
            },
            syn::Expr::MethodCall(m) => self.accessor_key(m),
            syn::Expr::Path(p) => {
                if let Some(id) = p.path.get_ident() {
                    if let Some(key) = self.lookup(&id.to_string()).and_then(|b| b.key.clone()) {
                        return Some(key);
                    }
                }
                Some(p.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::"))
            }
            syn::Expr::Field(f) => Some(format!("{}.{}", self.place_key(&f.base)?, member_name(&f.member))),
            _ => None,
        }
    }

    /// Whether a call reads a pool out of its once-cell (`DB.get()`, `DB.get_or_init(init)`),
    /// or unwraps a pool so read (`.unwrap()`, `.expect(..)`).
    fn reads_pool_cell(&self, m: &syn::ExprMethodCall) -> bool {
        let method = m.method.to_string();
        let unwraps = matches!(method.as_str(), "unwrap" | "expect");
        // only these names can read a cell: the receiver need not be classified otherwise
        let in_cell = Wrapped { once: Some(OnceCell::Sync), ..Wrapped::NONE };
        if !unwraps && in_cell.read_once(&method).is_none() {
            return false;
        }
        match self.classify(&m.receiver) {
            Value::Pool { wrapped, .. } => wrapped.read_once(&method).is_some() || (unwraps && wrapped.fallible),
            _ => false,
        }
    }

    /// The key of a zero-argument workspace method that hands out shared state (a pool, a
    /// struct holding one), called on a place: `req.app()`.
    pub(super) fn accessor_key(&self, m: &syn::ExprMethodCall) -> Option<String> {
        if !m.args.is_empty() {
            return None;
        }
        let base = self.place_key(&m.receiver)?;
        let recv = self.classify(&m.receiver);
        let method = m.method.to_string();
        let sig = match recv.item() {
            Some(item) => unique(self.methods_of(item, &method)?.0)?,
            None => self.blanket_method(&method)?,
        };
        match self.value_of_return(sig, &method).awaited().unwrapped() {
            Value::Pool { .. } | Value::Struct(_) => Some(format!("{base}.{method}()")),
            _ => None,
        }
    }

    /// The one method of that name in a blanket impl of the workspace
    /// (`impl<T: RequestPartsExt> RequestApp for T { fn app(&self) -> &AppState }`), for
    /// receivers of types the workspace does not define. Names the catalogue's APIs use are
    /// never taken for one.
    pub(super) fn blanket_method(&self, method: &str) -> Option<&FnSig> {
        let catalog = self.file.catalog;
        let catalogued = catalog
            .crates
            .iter()
            .any(|c| c.executor_methods.iter().any(|m| m == method) || c.acquire.iter().any(|a| a.method == method));
        if catalogued || UNWRAPPERS.contains(&method) || RESULT_ADAPTERS.contains(&method) {
            return None;
        }
        unique(self.file.index.methods(crate::index::BLANKET_OWNER, method))
    }

    /// The one method of that name the workspace adds to a type it does not define, through an
    /// extension trait (`impl ContextExt for async_graphql::Context<'_> { fn service_provider(&self) .. }`),
    /// for a receiver of that foreign type. Not for names the workspace also defines a type of.
    pub(super) fn foreign_type_method(&self, recv: &Value, method: &str) -> Option<&FnSig> {
        if let Value::Pool { krate: Some(k), .. } = recv {
            return self.pool_extension_method(*k, method);
        }
        let Value::Opaque(TypeRef::Path { segments, .. }) = recv else { return None };
        if segments.len() < 2 || !self.file.index.has_pathed_owner(segments.last()?) {
            return None;
        }
        // the impl names the same foreign path (`async_graphql::Context`), not a workspace
        // type that happens to share its last segment
        let sigs: Vec<&FnSig> =
            self.file.index.methods(segments.last()?, method).iter().filter(|s| s.owner_path == *segments).collect();
        match sigs.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// A method a workspace trait adds to a catalogued crate's pool type (`impl AuditSink for
    /// PgPool`): the one implementation on a pool type of that crate, named by its full path.
    fn pool_extension_method(&self, krate: usize, method: &str) -> Option<&FnSig> {
        let catalog = self.file.catalog;
        let index = &self.file.index;
        let mut sigs = catalog.crates[krate]
            .pool_types
            .iter()
            .filter(|t| index.has_pathed_owner(t))
            .flat_map(|t| index.methods(t, method).iter())
            .filter(|s| s.owner_path.len() >= 2 && catalog.crates_for_path(&s.owner_path).any(|c| c == krate));
        match (sigs.next(), sigs.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Connections a method call takes from pools: an explicit acquisition on a pool, or a pool
    /// used as the executor (`query.fetch_one(&pool)`, `Entity::find().one(db)`). Each with the
    /// pool's key and the span to report.
    pub fn pool_uses(&self, m: &syn::ExprMethodCall) -> Vec<(String, Span)> {
        let mut uses = Vec::new();
        let method = m.method.to_string();
        let recv = self.through_deref(self.classify(&m.receiver));
        if matches!(recv, Value::Pool { .. }) {
            if let Some(Value::Guard { .. }) = self.acquisition(m, &method, &recv) {
                uses.push((self.pool_key(&m.receiver), self.file.method_span(m)));
                return uses;
            }
        }
        let catalog = self.file.catalog;
        if !catalog.crates.iter().any(|c| c.executor_methods.contains(&method)) {
            return uses;
        }
        if recv.as_pool().is_some() {
            uses.push((self.pool_key(&m.receiver), self.file.method_span(m)));
        }
        for a in &m.args {
            if self.through_deref(self.classify(a)).as_pool().is_some() {
                uses.push((self.pool_key(a), self.file.span(a)));
            }
        }
        uses
    }

    /// Records acquisitions from these pools, with the guards held there that were taken
    /// through calls: whether those share the pool is the crate stage's call.
    fn record_acquisitions(&mut self, uses: Vec<(String, Span)>) {
        // a spawned task's acquisitions are its own, not its spawner's
        if uses.is_empty() || self.frames.iter().any(|f| f.detached) {
            return;
        }
        let mut held = self.held_guards();
        held.retain(|h| matches!(h.source, GuardSource::Call(_)));
        for (key, span) in uses {
            self.facts.acquires.push(AcquireFact { key, span, held: held.clone() });
        }
    }

    /// Guards live here with the pools they came from.
    pub(super) fn held_guards(&self) -> Vec<HeldGuard> {
        self.held_here()
            .filter_map(|(_, t)| {
                let source = t.source()?;
                Some(HeldGuard { name: t.name.clone(), source, acquired: t.acquired, line: self.file.line(t.acquired) })
            })
            .collect()
    }

    /// Records a struct literal that puts an owned guard into a field beside pool fields
    /// (`Self { conn, pool: pool.clone() }`): whether the struct then holds a connection of its
    /// own pool is decided at the crate stage, over every literal of the struct.
    pub(super) fn record_stored_guards(&mut self, lit: &syn::ExprStruct) {
        // a guard field is a guard bound here or one taken in the literal (walked, so recorded,
        // before it): a function that has neither (most) has nothing to store
        if self.tracked.is_empty() && self.facts.acquires.is_empty() {
            return;
        }
        let values: Vec<Value> = lit.fields.iter().map(|f| self.classify(&f.expr)).collect();
        let pool_fields: Vec<(String, String)> = lit
            .fields
            .iter()
            .zip(&values)
            .filter(|(_, v)| self.through_deref((*v).clone()).as_pool().is_some())
            .map(|(f, _)| (member_name(&f.member), self.pool_key(&f.expr)))
            .collect();
        if pool_fields.is_empty() {
            return;
        }
        // the struct by crate and name: two crates' `Session` are two types
        let Some((view, name)) = self.pattern_item(&lit.path) else { return };
        let owner = format!("{}::{name}", view.name);
        for (f, value) in lit.fields.iter().zip(&values) {
            let Some((_, _, evidence)) = value.as_owned_guard() else { continue };
            let Some(source) = self.guard_source(&f.expr) else { continue };
            let at = self.file.span(&f.expr);
            self.facts.stores.push(StoredGuard {
                owner: owner.clone(),
                field: member_name(&f.member),
                guard: self.file.text(&f.expr),
                source,
                acquired: evidence.span.unwrap_or(at),
                pool_fields: pool_fields.clone(),
                at,
            });
        }
    }

    /// Records what a function returns, where a guard may come from (each place it may).
    pub(super) fn record_return(&mut self, e: &syn::Expr) {
        if is_err_expr(e) {
            return;
        }
        let sources = match self.guard_source(e) {
            Some(source) => vec![source],
            // only a `match`, or a binding made from one, has several places
            None if matches!(strip_parens(e), syn::Expr::Match(_))
                || self.tracked.iter().any(|t| !t.alternatives.is_empty()) =>
            {
                self.alternative_sources(e)
            }
            None => Vec::new(),
        };
        if !sources.is_empty() {
            let span = self.file.expr_span(e);
            self.facts.returns.extend(sources.into_iter().map(|source| (source, span)));
        }
    }

    /// The call fact of a call to a workspace function (guards held are filled in by the
    /// caller, where they matter).
    pub(super) fn call_fact(&self, c: &syn::ExprCall, path: &[String]) -> Option<CallFact> {
        let sig = self.resolve_fn(path)?;
        // `Store::load(&store, id)`: the first argument is the receiver
        let (recv, skip) = match c.args.first() {
            Some(first) if sig.has_self => (self.place_key(first), 1),
            _ => (None, 0),
        };
        Some(CallFact {
            callee: sig.key(),
            args: c.args.iter().skip(skip).map(|a| self.place_key(a)).collect(),
            recv,
            span: self.file.span(c),
            shown: path[path.len().saturating_sub(2)..].join("::"),
            held: Vec::new(),
            fn_args: self.fn_args(c.args.iter().skip(skip)),
            detached: false,
            dispatched: None,
            per_item: None,
            once: false,
            result_dies: false,
        })
    }

    /// `Hook::fire(hook.as_ref(), ..)`: a trait's method called by path on its first argument
    /// runs one of the workspace's implementations, as the method call `hook.fire(..)` would.
    fn trait_path_call_facts(&self, c: &syn::ExprCall, path: &[String]) -> Vec<CallFact> {
        let (Some(first), [owner @ .., method]) = (c.args.first(), path) else { return Vec::new() };
        if owner.is_empty() {
            return Vec::new();
        }
        let TypeClass::Struct(item) = self.file.index.classify(&TypeRef::Dyn(owner.to_vec()), self.file.catalog) else {
            return Vec::new();
        };
        if !self.file.index.for_crate(&item.krate).is_trait(&item) {
            return Vec::new();
        }
        self.dispatch_targets(&item, method)
            .into_iter()
            .map(|(sig, on)| CallFact {
                callee: sig.key(),
                args: c.args.iter().skip(1).map(|a| self.place_key(a)).collect(),
                recv: self.place_key(first),
                span: self.file.span(c),
                shown: format!("<{on} as {}>::{method}", item.name),
                held: Vec::new(),
                fn_args: self.fn_args(c.args.iter().skip(1)),
                detached: false,
                dispatched: Some(item.name.clone()),
                per_item: None,
                once: false,
                result_dies: false,
            })
            .collect()
    }

    /// The arguments that name a function of the workspace, by position, with its key.
    fn fn_args<'e>(&self, args: impl Iterator<Item = &'e syn::Expr>) -> Vec<(usize, String, Span)> {
        args.enumerate()
            .filter_map(|(i, a)| {
                let syn::Expr::Path(p) = a else { return None };
                // a local binding is not a function
                if p.path.get_ident().is_some_and(|id| self.lookup(&id.to_string()).is_some()) {
                    return None;
                }
                Some((i, self.resolve_fn_path(&p.path)?.key(), self.file.span(a)))
            })
            .collect()
    }

    /// The call fact of a method call to one workspace method (found through `Deref`).
    pub(super) fn method_call_fact(&self, m: &syn::ExprMethodCall, recv: &Value) -> Option<CallFact> {
        let mut facts = self.method_call_facts(m, recv);
        (facts.len() == 1).then(|| facts.remove(0))
    }

    /// Whether a method call resolves to one workspace method taking `self` by value
    /// (`copy_conn.copy_data(list)` with `fn copy_data(mut self, ..)`): it moves the receiver.
    pub(super) fn moves_receiver(&self, m: &syn::ExprMethodCall) -> bool {
        self.workspace_method(m).is_some_and(|sig| sig.self_by_value)
    }

    /// The one workspace method a method call on a workspace type runs.
    pub(super) fn workspace_method(&self, m: &syn::ExprMethodCall) -> Option<&FnSig> {
        let recv = self.classify(&m.receiver);
        let item = recv.item()?;
        self.methods_of(item, &m.method.to_string()).and_then(|(sigs, _)| unique(sigs))
    }

    /// The call facts of a method call to workspace methods: the one method it names, or, on a
    /// trait object or `impl Trait` value, each implementation in the workspace it may run
    /// (over-approximated: the call is marked as dispatched).
    pub(super) fn method_call_facts(&self, m: &syn::ExprMethodCall, recv: &Value) -> Vec<CallFact> {
        let method = m.method.to_string();
        let fact = |sig: &FnSig, shown: String, dispatched: Option<String>| CallFact {
            callee: sig.key(),
            args: m.args.iter().map(|a| self.place_key(a)).collect(),
            recv: self.place_key(&m.receiver),
            span: self.file.span(m),
            shown,
            held: Vec::new(),
            fn_args: self.fn_args(m.args.iter()),
            detached: false,
            dispatched,
            per_item: None,
            once: false,
            result_dies: false,
        };
        let Some(item) = recv.item() else {
            return match self.blanket_method(&method).or_else(|| self.foreign_type_method(recv, &method)) {
                Some(sig) => vec![fact(sig, format!("{}::{method}", sig.owner.as_deref().unwrap_or("_")), None)],
                None => Vec::new(),
            };
        };
        let view = self.file.index.for_crate(&item.krate);
        if view.is_trait(item) {
            return self
                .dispatch_targets(item, &method)
                .into_iter()
                .map(|(sig, on)| fact(sig, format!("<{on} as {}>::{method}", item.name), Some(item.name.clone())))
                .collect();
        }
        match self.methods_of(item, &method).and_then(|(sigs, owner)| Some((unique(sigs)?, owner))) {
            Some((sig, owner)) => vec![fact(sig, format!("{}::{method}", owner.name), None)],
            None => Vec::new(),
        }
    }

    /// What a call of `method` on a value of trait `item` may run (nothing is followed for a
    /// trait with more than [`MAX_DISPATCH_TARGETS`] implementations): each implementor's own
    /// method, or the trait's default where an implementor does not override it (the default
    /// alone when the workspace has no implementor), with the implementing type's name.
    fn dispatch_targets(&self, item: &ItemRef, method: &str) -> Vec<(&FnSig, String)> {
        let view = self.file.index.for_crate(&item.krate);
        let implementors = view.implementors(&item.name);
        // a trait implemented all over (a visitor, a codec) says nothing of which one runs
        if implementors.len() > MAX_DISPATCH_TARGETS {
            return Vec::new();
        }
        let default = unique(view.methods(&item.name, method));
        let mut out: Vec<(&FnSig, String)> = Vec::new();
        for ty in &implementors {
            let own = unique(view.methods(ty, method)).filter(|s| s.owner.as_deref() == Some(*ty));
            if let Some(sig) = own.or(default) {
                if !out.iter().any(|(s, _)| std::ptr::eq(*s, sig)) {
                    out.push((sig, (*ty).to_owned()));
                }
            }
        }
        if implementors.is_empty() {
            out.extend(default.map(|sig| (sig, item.name.clone())));
        }
        out
    }

    /// The workspace function a path names as written (`list_users`, `routes::show`),
    /// through the file's imports.
    pub(super) fn resolve_fn_path(&self, p: &syn::Path) -> Option<&FnSig> {
        match lower_path(p, self.file.uses, self.self_ty.as_ref()) {
            TypeRef::Path { segments, .. } => self.resolve_fn(&segments),
            _ => None,
        }
    }

    /// The name the methods of a path's owner are filed under (`Repo` in `Repo::load`): the
    /// impl's type for `Self`, and the crate path of a name several modules define (see
    /// [`crate::index::IndexView::owner_key`]). `None` for a one-segment path, or for `Self`
    /// outside an impl.
    pub(super) fn owner_key<'s>(&'s self, segments: &'s [String]) -> Option<std::borrow::Cow<'s, str>> {
        let n = segments.len();
        if segments.get(n.checked_sub(2)?)? == "Self" {
            return self.self_ty.as_ref().and_then(TypeRef::last).map(std::borrow::Cow::Borrowed);
        }
        self.file.index.owner_key(&segments[..n - 1])
    }

    /// Resolves a function path of the crate (`helper`, `audit::bump`, `Repo::load`,
    /// `Self::load`) to a unique function. Unresolvable calls are not guessed.
    pub fn resolve_fn(&self, segments: &[String]) -> Option<&FnSig> {
        let n = segments.len();
        let name = segments.last()?;
        if n >= 2 {
            let owner = segments[n - 2].as_str();
            if owner == "Self" || owner.starts_with(|c: char| c.is_ascii_uppercase()) {
                return unique(self.file.index.methods(&self.owner_key(segments)?, name));
            }
        }
        // a bin naming its own package's library: `my_service::config::pool_config`
        if n >= 2 && !self.file.krate.is_empty() && segments[0] == self.file.krate {
            let mut own = vec!["crate".to_owned()];
            own.extend_from_slice(&segments[1..]);
            return self.resolve_fn(&own);
        }
        // a function of a workspace crate this one depends on: `storage::audit::record`
        if n >= 2 {
            if let Some(dep) = self.file.index.dep_named(&segments[0]) {
                let qualifier = &segments[1..n - 1];
                let mut candidates: Vec<&FnSig> = dep
                    .free_fns(name)
                    .iter()
                    .filter(|s| s.module.len() >= qualifier.len() && s.module.ends_with(qualifier))
                    .collect();
                // `#[cfg]` twins of one function (a Postgres and a SQLite build) share its key
                candidates.dedup_by(|a, b| a.key() == b.key());
                return match candidates.as_slice() {
                    [one] => Some(one),
                    _ => None,
                };
            }
        }
        let qualifier: Vec<&String> =
            segments[..n - 1].iter().filter(|s| !matches!(s.as_str(), "crate" | "self" | "super")).collect();
        let candidates: Vec<&FnSig> = self
            .file
            .index
            .free_fns(name)
            .iter()
            .filter(|s| {
                s.module.len() >= qualifier.len()
                    && s.module[s.module.len() - qualifier.len()..].iter().eq(qualifier.iter().copied())
            })
            .collect();
        match candidates.as_slice() {
            [one] => Some(one),
            many => {
                let here: Vec<&&FnSig> = many.iter().filter(|s| s.module == self.module).collect();
                (here.len() == 1).then(|| *here[0])
            }
        }
    }

    /// Connections a call takes from pools: a catalogued function given the pool
    /// (`PgListener::connect_with(&pool)`), with the pool's key and the span to report.
    pub fn call_pool_uses(&self, c: &syn::ExprCall) -> Vec<(String, Span)> {
        let Some(path) = self.call_path(c) else { return Vec::new() };
        match self.acquire_with(c, &path) {
            Some((pool, _, _)) => vec![(self.pool_key(pool), self.file.span(c))],
            None => Vec::new(),
        }
    }

    pub(super) fn record_call(&mut self, c: &syn::ExprCall, path: &[String]) {
        let uses = self.call_pool_uses(c);
        self.record_acquisitions(uses);
        self.record_positional_settings(c, path);
        self.record_config_build(c, path);
        self.record_sized_build(c, path);
        if let Some((shown, pool)) = self.construction_call(path) {
            self.record_construction(self.file.span(c), shown, pool);
        }
        if let Some(call) = self.call_fact(c, path) {
            let call = self.in_context(call);
            self.facts.calls.push(call);
        } else {
            for call in self.trait_path_call_facts(c, path) {
                let call = self.in_context(call);
                self.facts.calls.push(call);
            }
        }
        self.record_registrations(path, c.args.iter(), true);
    }

    pub(super) fn record_method_call(&mut self, m: &syn::ExprMethodCall) {
        // `pool.timeout_get(&timeouts)`: a per-call wait, not the pool's configuration
        let recv = self.classify(&m.receiver);
        if !m.args.is_empty() && matches!(self.acquisition(m, &m.method.to_string(), &recv), Some(Value::Guard { .. }))
        {
            for a in &m.args {
                if let Some(key) = self.binding_key_of_root(a) {
                    self.settings.retain(|s| s.group != key);
                }
            }
        }
        let uses = self.pool_uses(m);
        self.record_acquisitions(uses);
        if let Some((shown, pool)) = self.construction_method(m) {
            self.record_construction(self.file.method_span(m), shown, pool);
            if pool {
                self.record_build(m);
            }
        }
        self.record_setter(m);
        let method = m.method.to_string();
        for call in self.method_call_facts(m, &recv) {
            let call = self.in_context(call);
            self.facts.calls.push(call);
        }
        self.record_registrations(std::slice::from_ref(&method), m.args.iter(), false);
    }

    /// A call fact with what the current point adds: the guards held, whether it runs in a
    /// task of its own, per item, or once.
    fn in_context(&self, call: CallFact) -> CallFact {
        CallFact {
            held: self.held_guards(),
            detached: self.frames.iter().any(|f| f.detached),
            per_item: self.per_item_context(),
            once: self.runs_once(),
            ..call
        }
    }

    /// After `let name = <call>;` with `rest` the statements after it: the call's result dies
    /// in this block when `name` is only used in place there (see [`used_in_place_only`]).
    pub(super) fn note_local_result(&mut self, local: &syn::Local, rest: &[syn::Stmt]) {
        let (Some(names), Some(init)) = (unwrapped_bindings(&local.pat), &local.init) else { return };
        let Some(span) = self.result_call_span(&init.expr) else { return };
        // only a call of the workspace's own functions has a summary to tell more of
        if names.is_empty()
            || self.facts.calls.last().is_none_or(|c| c.span != span)
            || !names.iter().all(|n| used_in_place_only(n, rest))
        {
            return;
        }
        for call in self.facts.calls.iter_mut().rev().take_while(|c| c.span == span) {
            call.result_dies = true;
        }
    }

    /// After `let name = <construction>;` with `rest` the statements after it: a pool or
    /// connection made in a loop or per-item closure and then put into a collection (by
    /// value, whatever wraps it: `workers.push(Worker::new(conn))`) is kept beyond its item.
    /// That is a pool per shard or a connection per worker, made once each, not per item.
    pub(super) fn note_kept_construction(&mut self, local: &syn::Local, rest: &[syn::Stmt]) {
        // most `let`s follow no construction made per item
        if self.facts.constructions.last().is_none_or(|c| c.per_item.is_none()) {
            return;
        }
        let (Some(names), Some(init)) = (unwrapped_bindings(&local.pat), &local.init) else { return };
        let init = self.file.span(&*init.expr);
        let made_here = |c: &Construction| c.per_item.is_some() && init.start <= c.span.start && c.span.end <= init.end;
        if !self.facts.constructions.last().is_some_and(made_here) {
            return;
        }
        let sinks = &self.file.catalog.std.accumulate.sinks;
        if names.iter().any(|n| kept_in_collection(n, rest, sinks)) {
            for c in self.facts.constructions.iter_mut().rev().take_while(|c| made_here(c)) {
                c.per_item = None;
            }
        }
    }

    /// The constructions recorded since the `since`-th are kept (put into a collection), not
    /// made per item, except those in the `deferred` closures and async blocks.
    pub(super) fn keep_constructions_since(&mut self, since: usize, deferred: &[Span]) {
        for c in self.facts.constructions.iter_mut().skip(since) {
            if !deferred.iter().any(|d| d.start <= c.span.start && c.span.end <= d.end) {
                c.per_item = None;
            }
        }
    }

    /// The call whose unwrapped result an initialiser is: through `?`, `.await`, unwrapping
    /// and adapting methods (`.expect(..)`, `.map_err(..)`), and a `match` whose arms unwrap
    /// it or leave (`Ok(db) => db, Err(e) => return ..`).
    fn result_call_span(&self, e: &syn::Expr) -> Option<Span> {
        match strip_parens(e) {
            syn::Expr::Try(t) => self.result_call_span(&t.expr),
            syn::Expr::Await(a) => self.result_call_span(&a.base),
            syn::Expr::MethodCall(m) if self.hands_value_on(&m.method.to_string()) => {
                self.result_call_span(&m.receiver)
            }
            syn::Expr::Match(m) if m.arms.iter().all(|a| unwrapping_arm(a) || diverges(&a.body)) => {
                self.result_call_span(&m.expr)
            }
            syn::Expr::Call(c) => Some(self.file.span(c)),
            syn::Expr::MethodCall(m) => Some(self.file.span(m)),
            _ => None,
        }
    }

    pub(super) fn record_construction(&mut self, span: Span, shown: String, pool: bool) {
        if self.runs_once() {
            return;
        }
        // a connection to a local SQLite file per request is a design where the policy says so
        // (`SqliteConnection::connect(path)`), a pool per request is not
        if !pool && self.file.policy.allows_connection_per_call(crate::catalog::Backend::of_type_text(&shown)) {
            return;
        }
        let per_item = self.per_item_context();
        self.facts.constructions.push(Construction { span, shown, pool, per_item });
    }

    /// Handlers passed by path to a framework's registration function or method.
    pub(super) fn record_registrations<'e>(
        &mut self,
        callee: &[String],
        args: impl Iterator<Item = &'e syn::Expr>,
        free_fn: bool,
    ) {
        let Some(name) = callee.last() else { return };
        let registers = self.file.catalog.frameworks.iter().any(|fw| {
            let list = if free_fn { &fw.registrar_fns } else { &fw.registrar_methods };
            list.contains(name) && self.file.imports_any(&fw.paths)
        });
        if !registers {
            return;
        }
        for a in args {
            if let syn::Expr::Path(p) = a {
                // a parameter handed to the registrar: this function is a registration wrapper
                let param = p.path.get_ident().and_then(|id| self.facts.params.iter().position(|n| id == n));
                if let Some(i) = param {
                    if !self.facts.registrar_params.contains(&i) {
                        self.facts.registrar_params.push(i);
                    }
                } else if let Some(sig) = self.resolve_fn_path(&p.path) {
                    self.registered.push((sig.key(), self.file.span(a)));
                }
            }
        }
    }

    pub(super) fn record_macro_registrations(&mut self, m: &syn::Macro, name: &str) {
        let registers = self
            .file
            .catalog
            .frameworks
            .iter()
            .any(|fw| fw.registrar_macros.iter().any(|r| r == name) && self.file.imports_any(&fw.paths));
        if !registers {
            return;
        }
        let parser = Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
        if let Ok(paths) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            for p in &paths {
                if let Some(sig) = self.resolve_fn_path(p) {
                    self.registered.push((sig.key(), self.file.span(p)));
                }
            }
        }
    }

    /// A call that builds a pool (`PgPool::connect`, r2d2 `Pool::new`) or opens a raw
    /// connection (`PgConnection::connect`, `tokio_postgres::connect`): how to show it and
    /// whether it is a pool.
    pub(super) fn construction_call(&self, path: &[String]) -> Option<(String, bool)> {
        let catalog = self.file.catalog;
        let n = path.len();
        let owned_by = |api: usize| {
            catalog.crates_for_path(path).any(|c| c == api)
                || (n >= 2 && {
                    let owner = TypeRef::Path { segments: path[..n - 1].to_vec(), args: Vec::new() };
                    matches!(self.file.index.classify(&owner, catalog), TypeClass::Pool(Some(k)) if k == api)
                })
        };
        let shown = || path[n.saturating_sub(2)..].join("::");
        for (i, api) in catalog.crates.iter().enumerate() {
            if path_ends_with_any(path, &api.pool_constructors) && owned_by(i) {
                return Some((shown(), true));
            }
            let raw_fn = api.raw_connect.iter().any(|r| path_ends_with(path, r) && (r.contains("::") || n == 1));
            if raw_fn && owned_by(i) {
                return Some((shown(), false));
            }
        }
        None
    }

    /// The end of a builder chain that yields a pool (`PgPoolOptions::new()…connect(url)`,
    /// `cfg.create_pool(..)`), or a method that opens a raw connection
    /// (`client.get_connection()` on a redis `Client`).
    pub(super) fn construction_method(&self, m: &syn::ExprMethodCall) -> Option<(String, bool)> {
        let catalog = self.file.catalog;
        let method = m.method.to_string();
        let root = chain_root(&m.receiver);
        let root_type: Option<Vec<String>> = match self.classify(root) {
            Value::Opaque(TypeRef::Path { segments, .. }) => Some(segments),
            _ => None,
        };
        let root_call: Option<Vec<String>> = match strip_parens(root) {
            syn::Expr::Call(c) => self.call_path(c),
            _ => None,
        };
        for (i, api) in catalog.crates.iter().enumerate() {
            let ours = |p: &[String]| catalog.crates_for_path(p).any(|c| c == i);
            if api.builder_finish.contains(&method) {
                let from_entry =
                    root_call.as_ref().is_some_and(|p| path_ends_with_any(p, &api.builder_entries) && ours(p));
                let from_builder = root_type.as_ref().is_some_and(|t| self.builder_crate(t) == Some(i));
                if from_entry || from_builder {
                    let head = root_call
                        .as_ref()
                        .or(root_type.as_ref())
                        .map_or(String::new(), |p| p[p.len().saturating_sub(2)..].join("::"));
                    return Some((format!("{head}…{method}"), true));
                }
            }
            // options whose setters return themselves: the whole chain is one connection
            if let Some(ty) = root_type.as_ref().and_then(|t| t.last()).filter(|_| !api.raw_connect_chains.is_empty()) {
                let chained = api.raw_connect_chains.iter().any(|e| {
                    e.ends_with(method.as_str()) && e.split_once("::") == Some((ty.as_str(), method.as_str()))
                });
                if chained && root_type.as_deref().is_some_and(ours) {
                    return Some((format!("{ty}…{method}"), false));
                }
            }
            if let (Some(t), syn::Expr::MethodCall(_) | syn::Expr::Path(_) | syn::Expr::Field(_)) =
                (&root_type, strip_parens(&m.receiver))
            {
                let Some(ty) = t.last() else { continue };
                let wanted = format!("{ty}::{method}");
                if api.raw_connect.contains(&wanted) && ours(t) && root_is_receiver(m) {
                    return Some((wanted, false));
                }
            }
        }
        None
    }
}
