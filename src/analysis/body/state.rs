//! The walker's state as rules see it: frames, scopes and bindings, guard liveness, and how
//! patterns bind values (including enum variants and guard-carrying types).

use super::syntax::*;
use super::*;

impl<'a> BodyCx<'a> {
    /// True inside an `async fn`, `async` block or a closure run by one (the innermost frame
    /// decides; closures passed to `spawn_blocking` and the like are not async).
    pub fn in_async(&self) -> bool {
        self.frames.last().is_some_and(|f| f.is_async)
    }

    /// Loops enclosing the current expression within the current frame.
    pub fn loop_depth(&self) -> usize {
        self.frames.last().map_or(0, |f| f.loop_depth)
    }

    /// True while walking a `static` initialiser.
    pub fn in_static(&self) -> bool {
        self.in_static
    }

    /// True while walking a closure or async block rather than the function itself.
    pub fn in_nested_frame(&self) -> bool {
        self.frames.last().is_some_and(|f| f.kind != FrameKind::Function)
    }

    /// The binding visible under `name`, innermost first.
    /// The key of the function being walked.
    pub fn current_fn_key(&self) -> &str {
        &self.facts.key
    }

    /// The binding `name` refers to here.
    pub fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().flat_map(|s| s.bindings.iter().rev()).find(|b| b.name == name)
    }

    /// The statement of block `scope` being walked now, if any.
    pub fn statement_in_scope(&self, scope: usize) -> Option<Span> {
        self.stmts.iter().rev().find(|(s, _)| *s == scope).map(|(_, span)| *span)
    }

    /// The line of the first mention of guard `id` from byte `from` to the end of the block it
    /// is bound in: a use of its name, or of a transaction or statement made from it, after
    /// that point, a move, a capture, or a new binding of one of those names. `None` when none
    /// is written again there, or when the guard is not bound in a block. Read from the tokens,
    /// so uses in macros count too; a shadowing binding is taken for a use, which only ever
    /// makes the answer more cautious.
    ///
    /// The line given is the first such mention after line `past` (the first one when none is
    /// after it: a use on the next turn of a loop).
    pub fn mentioned_after(&self, id: usize, from: usize, past: usize) -> Option<usize> {
        use crate::analysis::{first_ident_named, first_ident_named_where};
        let (tokens, names) = self.rest_of_block(id, from)?;
        let base = self.file.source.line_index(from);
        let after = first_ident_named_where(tokens.clone(), &names, &|i| base + i.span().start().line > past);
        let line = after.or_else(|| first_ident_named(tokens, &names))?.span().start().line;
        Some(base + line)
    }

    /// What the statements after a transaction's `begin` (to the end of its block) do with it.
    /// Whatever cannot be read (the `begin` is not a statement of its own) counts as writing.
    pub fn transaction_work(&self, id: usize) -> crate::analysis::sql::TxWork {
        let guard = &self.tracked[id];
        let text = &self.file.source.text;
        // the statements after the one that began it: from the `;` that ends the `let`
        let after_begin = text.get(guard.acquired.end..).and_then(|t| t.find(';')).map(|n| guard.acquired.end + n + 1);
        match after_begin.and_then(|from| self.rest_of_block(id, from)) {
            Some((tokens, names)) => crate::analysis::sql::work_of(tokens, &names),
            None => crate::analysis::sql::TxWork::Writes,
        }
    }

    /// The tokens from byte `from` (the start of a statement of guard `id`'s block) to the end
    /// of that block, with the names that stand for the guard there: its own and those of the
    /// transactions and statements made from it. `None` when the guard is not bound in a block
    /// or the text does not lex.
    fn rest_of_block(&self, id: usize, from: usize) -> Option<(proc_macro2::TokenStream, Vec<&str>)> {
        let guard = self.tracked.get(id)?;
        let end = self.scopes.get(guard.scope)?.block_end?;
        // `from` starts a statement of the block and `end` is its closing brace, so the text is
        // a run of whole statements and lexes on its own
        let tokens = self.file.source.text.get(from..end)?.parse().ok()?;
        let mut names = vec![guard.name.as_str()];
        names
            .extend(self.scopes.iter().flat_map(|s| &s.bindings).filter(|b| b.stands_for(id)).map(|b| b.name.as_str()));
        Some((tokens, names))
    }

    /// Whether guard `id` is live at this point.
    pub fn is_alive(&self, id: usize) -> bool {
        self.alive.get(id).copied().unwrap_or(false)
    }

    pub(super) fn set_alive(&mut self, id: usize, value: bool) {
        if self.alive.len() <= id {
            self.alive.resize(id + 1, false);
        }
        self.alive[id] = value;
    }

    /// Restores a saved liveness state; guards tracked since it was saved are not live in it.
    pub(super) fn restore(&mut self, mut state: Vec<bool>) {
        state.resize(self.tracked.len(), false);
        self.alive = state;
    }

    /// The tracked guard with this id.
    pub fn tracked(&self, id: usize) -> &Tracked {
        &self.tracked[id]
    }

    /// Guards live at this point and owned by the current frame, with their ids.
    pub fn live_guards(&self) -> impl Iterator<Item = (usize, &Tracked)> {
        let frame = self.frames.len() - 1;
        self.tracked.iter().enumerate().filter(move |(i, t)| self.is_alive(*i) && t.frame == frame)
    }

    /// The live guards whose own work the root of a method chain is: `conn` in
    /// `conn.build_transaction().run(..)`, a transaction made from a guard.
    pub(super) fn guards_at_root(&self, receiver: &syn::Expr) -> Vec<usize> {
        let mut root = chain_root(receiver);
        while let syn::Expr::Reference(r) = root {
            root = chain_root(&r.expr);
        }
        let syn::Expr::Path(p) = root else { return Vec::new() };
        let Some(b) = p.path.get_ident().and_then(|id| self.lookup(&id.to_string())) else { return Vec::new() };
        b.owns.iter().chain(&b.families).copied().filter(|&id| self.is_alive(id)).collect()
    }

    /// Guards held while the current point runs: the frame's own, and, inside closures run
    /// in place on a guard, those of the enclosing frames.
    pub fn held_here(&self) -> impl Iterator<Item = (usize, &Tracked)> {
        let top = self.frames.len() - 1;
        let lowest = (0..=top).rev().take_while(|&k| k == top || self.frames[k + 1].in_place).last().unwrap_or(top);
        self.tracked.iter().enumerate().filter(move |(i, t)| self.is_alive(*i) && (lowest..=top).contains(&t.frame))
    }

    /// Whether `e` mentions the guard `id` or a binding that is its own work.
    pub fn mentions_guard(&self, e: &syn::Expr, id: usize) -> bool {
        let mut found = false;
        visit_idents(e, &mut |name| {
            if self.lookup(name).is_some_and(|b| b.stands_for(id)) {
                found = true;
            }
        });
        found
    }

    pub(super) fn lower(&self, ty: &syn::Type) -> TypeRef {
        lower_type(ty, self.file.uses, self.self_ty.as_ref())
    }

    /// The tracked guard a bare path names, when that binding owns one that is live.
    pub(super) fn owner_of_path(&self, e: &syn::Expr) -> Option<usize> {
        let syn::Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let ident = p.path.get_ident()?;
        let id = self.lookup(&ident.to_string())?.owns?;
        (self.is_alive(id) && !self.tracked[id].extended).then_some(id)
    }

    /// Live guards whose owner bindings `e` mentions.
    /// Live guards whose owner bindings `e` mentions, except through names it binds itself.
    pub(super) fn owners_mentioned_except(&self, e: &syn::Expr, shadowed: &[String]) -> Vec<usize> {
        let mut ids = Vec::new();
        visit_idents(e, &mut |name| {
            if shadowed.iter().any(|s| s == name) {
                return;
            }
            if let Some(id) = self.lookup(name).and_then(|b| b.owns) {
                if self.is_alive(id) && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        });
        ids
    }

    /// Tracks, inside the frame just entered, a guard its `move` body captures: the same guard
    /// under the same name, owned by the new frame. The owner in the enclosing frame is moved
    /// when the closure or block itself is (see `note_move`).
    pub(super) fn retrack_in_frame(&mut self, id: usize) {
        let name = self.tracked[id].name.clone();
        self.retrack_in_frame_as(id, &name);
    }

    /// Tracks guard `id` inside the frame just entered under a new name: a closure's
    /// parameter that receives it (`stream::unfold((listener, pool), |(l, p)| ..)`).
    fn retrack_in_frame_as(&mut self, id: usize, name: &str) {
        let value = self.lookup(&self.tracked[id].name).map(|b| b.value.clone()).unwrap_or(Value::Unknown);
        let mut t = self.tracked[id].clone();
        t.frame = self.frames.len() - 1;
        t.scope = self.scopes.len() - 1;
        t.last_use_stmt = None;
        t.name = name.to_owned();
        let name = t.name.clone();
        self.tracked.push(t);
        self.alive.push(true);
        let new_id = self.tracked.len() - 1;
        self.push(Binding {
            name,
            value,
            owns: Some(new_id),
            families: Vec::new(),
            loop_depth: 0,
            key: None,
            source: None,
        });
    }

    /// What a closure that threads a state (`stream::unfold(init, |state| ..)`) receives: each
    /// part of `init` (a tuple's elements, or `init` itself) with the guard it moves in and,
    /// for a pool, the place it names. Read before `init` is walked and moved.
    pub(super) fn state_seeds(&self, init: &syn::Expr) -> Vec<Seed> {
        let parts: Vec<&syn::Expr> = match strip_parens(init) {
            syn::Expr::Tuple(t) => t.elems.iter().collect(),
            e => vec![e],
        };
        parts
            .into_iter()
            .map(|e| Seed { owner: self.owner_of_path(e), value: self.classify(e), key: self.place_key(e) })
            .collect()
    }

    /// Binds a state-threading closure's parameter to the parts of its initial state: a guard
    /// moved in is tracked in the closure under the parameter's name, a pool keeps its place.
    pub(super) fn bind_state_param(&mut self, pat: &syn::Pat, seeds: Vec<Seed>) {
        let pat = strip_pat_type(pat);
        let parts: Vec<&syn::Pat> = match pat {
            syn::Pat::Tuple(t) => t.elems.iter().map(strip_pat_type).collect(),
            p => vec![p],
        };
        if parts.len() != seeds.len() {
            self.bind_pat(pat, Value::Unknown, None);
            return;
        }
        for (part, seed) in parts.into_iter().zip(seeds) {
            match (part, seed.owner) {
                (syn::Pat::Ident(id), Some(owner)) if id.subpat.is_none() && id.by_ref.is_none() => {
                    self.retrack_in_frame_as(owner, &id.ident.to_string());
                }
                _ => {
                    let is_pool = matches!(seed.value, Value::Pool { .. });
                    self.bind_pat(part, seed.value, None);
                    if is_pool && matches!(part, syn::Pat::Ident(_)) {
                        if let Some(b) = self.scopes.last_mut().and_then(|s| s.bindings.last_mut()) {
                            b.key = seed.key;
                        }
                    }
                }
            }
        }
    }

    /// Records mentions of tracked guards in a path expression (for "last use").
    pub(super) fn note_mentions_shallow(&mut self, e: &syn::Expr) {
        let syn::Expr::Path(p) = e else { return };
        let Some(ident) = p.path.get_ident() else {
            return;
        };
        let Some(b) = self.lookup(&ident.to_string()) else {
            return;
        };
        let span = self.file.token_span(ident.span());
        let ids: Vec<usize> = b.owns.into_iter().chain(b.families.iter().copied()).collect();
        for id in ids {
            self.tracked[id].last_use = Some(span);
            let scope = self.tracked[id].scope;
            if let Some(&(_, stmt)) = self.stmts.iter().rev().find(|(s, _)| *s == scope) {
                self.tracked[id].last_use_stmt = Some(stmt);
            }
        }
    }

    /// Tracked guards whose own work the value of `init` is: a transaction or statement made
    /// from the guard (`conn.begin()`, `client.build_transaction()…start()`), a reborrow
    /// (`&mut *conn`), or — in async code — a future or stream borrowing it that is not awaited
    /// yet. Plain results of a query (`conn.query(..)?` rows) are data, not the guard's work.
    pub(super) fn derived_families(&self, init: &syn::Expr) -> Vec<usize> {
        let mut ids = Vec::new();
        visit_idents(init, &mut |name| {
            if let Some(b) = self.lookup(name) {
                for id in b.owns.iter().chain(&b.families) {
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
            }
        });
        if ids.is_empty() {
            return ids;
        }
        let borrows_pending = self.in_async() && !contains_await(init);
        if borrows_pending || self.is_derived_call(init) || is_reborrow(init) || self.is_borrowing_call(init) {
            ids
        } else {
            Vec::new()
        }
    }

    /// A call of a workspace function whose result borrows from its arguments (its return
    /// type names a lifetime: `-> BoxStream<'_, Row>`), through `.await`, `?` and unwrapping:
    /// a guard lent to it is in use while the result lives.
    fn is_borrowing_call(&self, e: &syn::Expr) -> bool {
        match strip_parens(e) {
            syn::Expr::Try(t) => self.is_borrowing_call(&t.expr),
            syn::Expr::Await(a) => self.is_borrowing_call(&a.base),
            syn::Expr::MethodCall(m) if self.hands_value_on(&m.method.to_string()) => {
                self.is_borrowing_call(&m.receiver)
            }
            syn::Expr::Call(c) => match strip_parens(&c.func) {
                syn::Expr::Path(p) => self.resolve_fn_path(&p.path).is_some_and(|sig| sig.ret_borrows),
                _ => false,
            },
            syn::Expr::MethodCall(m) => self.workspace_method(m).is_some_and(|sig| sig.ret_borrows),
            _ => false,
        }
    }

    /// A chain with a method of the catalogue's derived list (`begin`, `transaction`,
    /// `build_transaction`, `prepare`), through `.await`, `?`, unwrapping and error adapters.
    pub(super) fn is_derived_call(&self, e: &syn::Expr) -> bool {
        let derived = &self.file.catalog.std.guards.derived_methods;
        match strip_parens(e) {
            syn::Expr::Try(t) => self.is_derived_call(&t.expr),
            syn::Expr::Await(a) => self.is_derived_call(&a.base),
            syn::Expr::MethodCall(m) => derived.contains(&m.method.to_string()) || self.is_derived_call(&m.receiver),
            // `match conn.begin().await { Ok(tx) => tx, Err(_) => return }`
            syn::Expr::Match(m) if m.arms.iter().any(unwrapping_arm) => self.is_derived_call(&m.expr),
            _ => false,
        }
    }

    /// A blocking call of a blocking HTTP client (`reqwest::blocking::Client`) at the end of a
    /// builder chain.
    pub(super) fn is_blocking_client_call(&self, m: &syn::ExprMethodCall) -> bool {
        let waits = &self.file.catalog.std.waits;
        if !waits.blocking_client_methods.contains(&m.method.to_string()) {
            return false;
        }
        let mut root = &*m.receiver;
        while let syn::Expr::MethodCall(inner) = strip_parens(root) {
            root = &inner.receiver;
        }
        match self.classify(root) {
            Value::Opaque(TypeRef::Path { segments, .. }) => path_ends_with_any(&segments, &waits.blocking_clients),
            _ => false,
        }
    }

    pub(super) fn push(&mut self, b: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.bindings.push(b);
        }
    }

    /// Binds every identifier of a pattern; `value` goes to the part it matches.
    pub fn bind_pat(&mut self, pat: &syn::Pat, value: Value, acquisition: Option<&syn::Expr>) {
        self.bind_pat_tracked(pat, value, acquisition, Vec::new());
    }

    pub(super) fn bind_pat_tracked(
        &mut self,
        pat: &syn::Pat,
        value: Value,
        acquisition: Option<&syn::Expr>,
        families: Vec<usize>,
    ) {
        match pat {
            syn::Pat::Ident(id) => {
                let value = if id.by_ref.is_some() { value.borrowed() } else { value };
                if let Some((_, sub)) = &id.subpat {
                    self.bind_pat_tracked(sub, value.clone(), acquisition, families.clone());
                }
                let name = id.ident.to_string();
                let owns = self.track(&name, &value, acquisition, id);
                let loop_depth = self.loop_depth();
                // a pool bound from a place keeps that place's key: `let db = state.db.clone();`
                let key = match (&value, acquisition) {
                    (Value::Pool { .. } | Value::Struct(_), Some(init)) if id.by_ref.is_none() => self.place_key(init),
                    _ => None,
                };
                // a guard still in its `Result` or future remembers where it comes from
                let source = match (&value, acquisition) {
                    (Value::Guard { .. }, Some(init)) if owns.is_none() => self.guard_source(init),
                    _ => None,
                };
                self.push(Binding { name, value, owns, families, loop_depth, key, source });
            }
            syn::Pat::Type(pt) => {
                let declared = self.lower(&pt.ty);
                let d = self.value_of_declared(&declared, Some(self.file.span(&*pt.ty)));
                self.bind_pat_tracked(&pt.pat, if d != Value::Unknown { d } else { value }, acquisition, families);
            }
            syn::Pat::TupleStruct(ts) => {
                let name = ts.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                let transparent = self.file.catalog.std.wrappers.transparent.contains(&name);
                let inner = if matches!(name.as_str(), "Ok" | "Some") && ts.elems.len() == 1 {
                    value.unwrapped()
                } else if transparent && ts.elems.len() == 1 {
                    // `State(state): State<AppState>`: the wrapper's type already stands for its content
                    value
                } else if let Some((view, key)) = self.pattern_item(&ts.path) {
                    // `DbPool::Pool(pool)`, `DbConnection(conn)`: each field as declared
                    // a pool bound out of the scrutinee keeps the scrutinee's place as its key;
                    // a guard taken out of an owned value is owned
                    let owned = value.as_owned_guard().is_some();
                    for (i, p) in ts.elems.iter().enumerate() {
                        let v = self.pattern_field(view, &key, &i.to_string(), owned);
                        self.bind_pat_tracked(p, v, acquisition, families.clone());
                    }
                    return;
                } else {
                    Value::Unknown
                };
                for p in &ts.elems {
                    self.bind_pat_tracked(p, inner.clone(), acquisition, families.clone());
                }
            }
            syn::Pat::Struct(ps) if self.pattern_item(&ps.path).is_some() => {
                let (view, key) = self.pattern_item(&ps.path).expect("checked");
                let owned = value.as_owned_guard().is_some();
                for f in &ps.fields {
                    let v = self.pattern_field(view, &key, &member_name(&f.member), owned);
                    self.bind_pat_tracked(&f.pat, v, acquisition, families.clone());
                }
            }
            syn::Pat::Reference(r) => self.bind_pat_tracked(&r.pat, Value::Unknown, None, families),
            syn::Pat::Paren(p) => self.bind_pat_tracked(&p.pat, value, acquisition, families),
            syn::Pat::Or(o) => {
                for p in &o.cases {
                    self.bind_pat_tracked(p, value.clone(), acquisition, families.clone());
                }
            }
            other => {
                // tuples, structs, slices: bind every name they introduce, knowing nothing of them
                let mut names = Vec::new();
                collect_pat_idents(other, &mut names);
                let loop_depth = self.loop_depth();
                for n in names {
                    let families = families.clone();
                    self.push(Binding {
                        name: n,
                        value: Value::Unknown,
                        owns: None,
                        families,
                        loop_depth,
                        key: None,
                        source: None,
                    });
                }
            }
        }
    }

    /// The crate struct or enum variant a pattern's path names (`DbPool::Pool`, `Self::Conn`,
    /// `DbConnection`), with the crate it is declared in and its key in that crate's index.
    pub(super) fn pattern_item(&self, path: &syn::Path) -> Option<(IndexView<'a>, String)> {
        let TypeRef::Path { mut segments, .. } = lower_path(path, self.file.uses, self.self_ty.as_ref()) else {
            return None;
        };
        if segments.first().is_some_and(|s| s == "Self") {
            let TypeRef::Path { segments: own, .. } = self.self_ty.as_ref()? else { return None };
            segments.splice(0..1, own.iter().cloned());
        }
        let as_type = |segments: Vec<String>| TypeRef::Path { segments, args: Vec::new() };
        let classify = |ty: &TypeRef| match self.file.index.classify(ty, self.file.catalog) {
            TypeClass::Struct(item) => Some(item),
            _ => None,
        };
        // a struct of its own (`DbConnection(conn)`), else a variant of an enum (`DbPool::Pool(p)`)
        let (item, variant) = match classify(&as_type(segments.clone())) {
            Some(item) => (item, None),
            None if segments.len() >= 2 => {
                let variant = segments.pop();
                (classify(&as_type(segments))?, variant)
            }
            None => return None,
        };
        let view = self.file.index.for_crate(&item.krate);
        let key = match variant {
            Some(v) => format!("{}::{v}", item.name),
            None => item.name,
        };
        Some((view, key))
    }

    /// The value a pattern binds from a declared field. A guard reached through a pattern is
    /// owned only when the matched value is an owned guard carrier (a parameter
    /// `DbConnection(conn)`, a `match` on an owned value); otherwise the scrutinee may be a
    /// reference (`match &self.conn { .. }`) and the guard is borrowed.
    pub(super) fn pattern_field(&self, view: IndexView<'a>, key: &str, field: &str, owned: bool) -> Value {
        let Some(ty) = view.struct_field(key, field) else { return Value::Unknown };
        let v =
            self.value_of_type_in(view, ty, || format!("is field `{key}.{field}`, declared as `{ty}`"), Wrapped::NONE);
        if owned {
            v
        } else {
            v.borrowed()
        }
    }

    /// Starts tracking a binding that holds an owned, unwrapped guard.
    pub(super) fn track(
        &mut self,
        name: &str,
        value: &Value,
        acquisition: Option<&syn::Expr>,
        at: &syn::PatIdent,
    ) -> Option<usize> {
        let (krate, kind, evidence) = value.as_owned_guard()?;
        let acquired = evidence.span.unwrap_or_else(|| self.file.span(at));
        let acq_call = acquisition.and_then(|e| self.find_acquisition_call(e));
        let (pool, from_call, alternatives) = match acquisition.and_then(|e| self.guard_source(e)) {
            Some(GuardSource::Pool(key)) => (Some(key), None, Vec::new()),
            Some(GuardSource::Call(call)) => (None, Some(call), Vec::new()),
            None => (None, None, acquisition.map(|e| self.alternative_sources(e)).unwrap_or_default()),
        };
        let from_begin = kind == GuardKind::Transaction
            && acq_call.is_some_and(|m| {
                let method = m.method.to_string();
                method.contains("begin") || method == "start_transaction"
            });
        self.tracked.push(Tracked {
            name: name.to_owned(),
            kind,
            krate,
            evidence: evidence.clone(),
            acquired,
            pool,
            from_call,
            from_begin,
            frame: self.frames.len() - 1,
            last_use: None,
            scope: self.scopes.len() - 1,
            last_use_stmt: None,
            extended: false,
            alternatives,
        });
        self.alive.push(true);
        Some(self.tracked.len() - 1)
    }
}
