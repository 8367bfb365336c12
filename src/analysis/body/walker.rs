//! The walk of a function body in evaluation order: statements, expressions, branches, loops,
//! closures and async blocks as frames, waits and exits, with the rule hooks at each.

use super::syntax::*;
use super::*;

impl Walker<'_, '_> {
    /// Walks a frame's body: its statements, then its exit.
    pub(super) fn frame_body(&mut self, block: &syn::Block) {
        self.block_in_tail(block, true);
    }

    pub(super) fn exit(&mut self, span: Span) {
        for r in self.rules {
            r.check_exit(&self.body, span, self.out);
        }
    }

    pub(super) fn wait(&mut self, wait: Wait<'_>) {
        for r in self.rules {
            r.check_wait(&self.body, &wait, self.out);
        }
    }

    pub(super) fn block(&mut self, b: &syn::Block) -> bool {
        self.block_in_tail(b, false)
    }

    /// Walks a block; `tail` says its value is the frame's result. Returns whether it diverges.
    pub(super) fn block_in_tail(&mut self, b: &syn::Block, tail: bool) -> bool {
        let block_end = Some(self.body.file.span(&b.brace_token.span.close()).start);
        self.body.scopes.push(Scope { bindings: Vec::new(), block_end });
        let mut diverges = false;
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            let last = i + 1 == n;
            diverges |= self.stmt(stmt, tail && last);
            if let syn::Stmt::Local(local) = stmt {
                self.body.note_local_result(local, &b.stmts[i + 1..]);
                self.body.note_kept_construction(local, &b.stmts[i + 1..]);
                for r in self.rules {
                    r.check_local(&self.body, local, &b.stmts[i + 1..], self.out);
                }
            }
            if diverges {
                break;
            }
        }
        if tail && !diverges && !ends_with_tail(b) {
            // falling off the end of the frame's body returns `()`: a normal exit, checked
            // while the body's bindings are still in scope
            let end = self.body.file.span(&b.brace_token.span.close());
            self.exit(end);
        }
        self.pop_scope();
        diverges
    }

    pub(super) fn pop_scope(&mut self) {
        if let Some(scope) = self.body.scopes.pop() {
            for b in scope.bindings {
                if let Some(id) = b.owns {
                    self.body.set_alive(id, false);
                }
            }
        }
    }

    pub(super) fn stmt(&mut self, s: &syn::Stmt, tail: bool) -> bool {
        let scope = self.body.scopes.len() - 1;
        self.body.stmts.push((scope, self.body.file.stmt_span(s)));
        let diverges = self.stmt_inner(s, tail);
        self.body.stmts.pop();
        diverges
    }

    pub(super) fn stmt_inner(&mut self, s: &syn::Stmt, tail: bool) -> bool {
        match s {
            syn::Stmt::Local(l) => {
                let mut value = Value::Unknown;
                let mut diverges = false;
                let mut rebind = None;
                let mut extended = false;
                if let Some(init) = &l.init {
                    // settings in the initialiser configure the binding being made
                    let key = self.body.next_binding_key(&l.pat);
                    let current = self.body.group_override;
                    let saved = std::mem::replace(&mut self.body.group_override, key.or(current));
                    diverges = self.expr(&init.expr);
                    self.body.group_override = saved;
                    if let Some(key) = key.filter(|_| self.body.is_fresh_config(&init.expr)) {
                        self.body.local_groups.push(key);
                    }
                    if let Some(key) = key {
                        self.body.adopt_settings(&init.expr, key);
                    }
                    // `let b = b.max_size(4);` is the same configuration under a new name
                    if let (Some(key), Some(root)) = (key, self.body.binding_key_of_root(&init.expr)) {
                        if self.body.builder_crate_of_chain(&init.expr).is_some() {
                            if self.body.local_groups.contains(&root) {
                                self.body.local_groups.push(key);
                            }
                            self.body.group_aliases.push((key, root));
                        }
                    }
                    value = self.body.classify(&init.expr);
                    if let Some(key) = key {
                        self.body.note_config_from_helper(key, &init.expr, &value);
                    }
                    // `let c = &mut pool.get()?;`: the guard is a temporary the `let` extends
                    if let Some(temporary) = extended_temporary(&init.expr) {
                        let owned = self.body.classify(temporary);
                        if owned.as_owned_guard().is_some() {
                            value = owned;
                            extended = true;
                        }
                    }
                    rebind = self.body.owner_of_path(&init.expr);
                    self.note_move(&init.expr);
                    if let Some((_, else_branch)) = &init.diverge {
                        let before = self.body.alive.clone();
                        self.expr(else_branch);
                        self.body.restore(before);
                    }
                }
                let families = l.init.as_ref().map(|i| self.body.derived_families(&i.expr)).unwrap_or_default();
                let pat = match &l.pat {
                    syn::Pat::Type(pt) => {
                        let declared = self.body.lower(&pt.ty);
                        let d = self.body.value_of_declared(&declared, Some(self.body.file.span(&*pt.ty)));
                        if d != Value::Unknown {
                            value = d;
                        }
                        &*pt.pat
                    }
                    other => other,
                };
                let acquisition = l.init.as_ref().map(|i| &*i.expr);
                match (rebind, pat) {
                    (Some(id), syn::Pat::Ident(pi)) if pi.by_ref.is_none() => {
                        // `let kept = conn;` moves the guard into a new name
                        self.body.set_alive(id, true);
                        self.body.tracked[id].name = pi.ident.to_string();
                        let loop_depth = self.body.loop_depth();
                        self.body.push(Binding {
                            name: pi.ident.to_string(),
                            value,
                            owns: Some(id),
                            families,
                            loop_depth,
                            key: None,
                            source: None,
                        });
                    }
                    _ => {
                        let first_new = self.body.tracked.len();
                        self.body.bind_pat_tracked(pat, value, acquisition, families);
                        if extended {
                            for t in &mut self.body.tracked[first_new..] {
                                t.extended = true;
                            }
                        }
                    }
                }
                diverges
            }
            syn::Stmt::Expr(e, semi) => {
                let tail_expr = tail && semi.is_none();
                let diverges = self.expr_in_tail(e, tail_expr);
                if tail_expr {
                    self.note_move(e);
                }
                diverges
            }
            syn::Stmt::Macro(m) => self.mac(&m.mac, self.body.file.span(&m.mac)),
            syn::Stmt::Item(_) => false,
        }
    }

    pub(super) fn mac(&mut self, m: &syn::Macro, span: Span) -> bool {
        let name = m.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        let catalog = self.body.file.catalog;
        if name == "select" {
            if let Ok(arms) = syn::parse::Parser::parse2(parse_select, m.tokens.clone()) {
                let futures: Vec<&syn::Expr> = arms.iter().filter_map(|a| a.future.as_ref()).collect();
                for f in &futures {
                    self.expr(f);
                }
                self.wait(Wait { span, exprs: futures, how: "`select!`" });
                let before = self.body.alive.clone();
                let mut ends = Vec::new();
                for arm in &arms {
                    self.body.restore(before.clone());
                    self.body.scopes.push(Scope::default());
                    if let Some(p) = &arm.pat {
                        self.body.bind_pat(p, Value::Unknown, None);
                    }
                    if let Some(g) = &arm.guard {
                        self.expr(g);
                    }
                    let d = self.expr(&arm.handler);
                    self.pop_scope();
                    if !d {
                        ends.push(self.body.alive.clone());
                    }
                }
                self.body.restore(merge(&before, &ends));
            }
            return false;
        }
        self.body.record_macro_registrations(m, &name);
        if !EXPR_MACROS.contains(&name.as_str()) {
            return false;
        }
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(args) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            for a in &args {
                self.expr(a);
            }
            if catalog.std.waits.join_macros.contains(&name) && self.body.in_async() {
                let how = if name == "join" { "`join!`" } else { "`try_join!`" };
                self.wait(Wait { span, exprs: args.iter().collect(), how });
            }
        }
        DIVERGING_MACROS.contains(&name.as_str())
    }

    pub(super) fn hooks(&mut self, e: &syn::Expr) {
        for r in self.rules {
            r.check_expr(&self.body, e, self.out);
        }
    }

    pub(super) fn expr(&mut self, e: &syn::Expr) -> bool {
        self.expr_in_tail(e, false)
    }

    /// Walks an expression; returns whether it diverges. `tail`: its value is the frame's result.
    pub(super) fn expr_in_tail(&mut self, e: &syn::Expr, tail: bool) -> bool {
        let mut returned = false;
        if tail && self.body.frames.len() == 1 {
            // `Ok(match pool { Pool(p) => p.get()?, .. })`: what each arm yields is returned
            if let Some(inner) = wrapped_nested_tail(e) {
                return self.expr_in_tail(inner, true);
            }
            if !is_nested_tail(e) {
                self.body.record_return(e);
                returned = true;
            }
        }
        let diverges = match e {
            syn::Expr::Block(b) => self.block_in_tail(&b.block, tail),
            syn::Expr::Unsafe(b) => {
                self.body.scopes.push(Scope::default());
                let d = self.block_in_tail(&b.block, tail);
                self.pop_scope();
                d
            }
            syn::Expr::Const(b) => self.block(&b.block),
            syn::Expr::Async(a) => {
                let captured = a.capture.is_some().then_some(e);
                self.frame(FrameKind::AsyncBlock, true, captured, None, |w| w.frame_body(&a.block));
                false
            }
            syn::Expr::Closure(c) => {
                let is_async = c.asyncness.is_some() || (!self.body.offloading && self.body.in_async());
                let body = &*c.body;
                let captured = c.capture.is_some().then_some(body);
                self.frame(FrameKind::Closure, is_async, captured, Some(&c.inputs), |w| match body {
                    syn::Expr::Block(b) => w.frame_body(&b.block),
                    other => {
                        let d = w.expr_in_tail(other, true);
                        if !d && !is_nested_tail(other) {
                            w.note_move(other);
                            if !is_err_expr(other) {
                                w.exit(w.body.file.span(other));
                            }
                        }
                    }
                });
                false
            }
            syn::Expr::If(i) => self.if_expr(i, tail),
            syn::Expr::Let(l) => {
                let d = self.expr(&l.expr);
                let value = self.body.classify(&l.expr);
                let families = self.body.derived_families(&l.expr);
                if binds_by_value(&l.pat) {
                    self.note_move(&l.expr);
                }
                self.body.bind_pat_tracked(&l.pat, value, Some(&l.expr), families);
                d
            }
            syn::Expr::Match(m) => self.match_expr(m, tail),
            syn::Expr::ForLoop(f) => {
                let d = self.expr(&f.expr);
                self.body.scopes.push(Scope::default());
                let element = self.body.element_of(&f.expr);
                self.body.bind_pat(&f.pat, element, None);
                self.loop_body(&f.body, false, is_counting(&f.expr));
                self.pop_scope();
                d
            }
            syn::Expr::While(w) => {
                let before = self.body.alive.clone();
                self.body.scopes.push(Scope::default());
                self.expr(&w.cond);
                self.loop_body(&w.body, false, !matches!(*w.cond, syn::Expr::Let(_)));
                self.pop_scope();
                let after = self.body.alive.clone();
                self.body.restore(merge(&before, &[after]));
                false
            }
            syn::Expr::Loop(l) => self.loop_body(&l.body, true, true),
            syn::Expr::Macro(m) => self.mac(&m.mac, self.body.file.span(m)),
            syn::Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    if self.body.frames.len() == 1 {
                        self.body.record_return(v);
                    }
                    self.expr(v);
                    if self.body.frames.len() == 1 {
                        self.body.record_config_return(v);
                    }
                    self.note_move(v);
                }
                if r.expr.as_deref().is_none_or(|v| !is_err_expr(v)) {
                    self.exit(self.body.file.span(r));
                }
                true
            }
            syn::Expr::Break(b) => {
                if let Some(v) = &b.expr {
                    self.expr(v);
                    self.note_move(v);
                }
                let state = self.body.alive.clone();
                if let Some(top) = self.body.breaks.last_mut() {
                    top.push(state);
                }
                true
            }
            syn::Expr::Continue(_) => true,
            syn::Expr::Await(a) => {
                let d = self.expr(&a.base);
                if self.body.in_async() {
                    self.wait(Wait { span: self.body.file.expr_span(e), exprs: vec![&*a.base], how: "`.await`" });
                }
                d
            }
            syn::Expr::Call(c) => self.call(c),
            syn::Expr::MethodCall(m) => self.method_call(m),
            _ => {
                // a struct literal configures the binding it initialises, or itself
                let saved = self.body.group_override;
                match e {
                    syn::Expr::Struct(_) if saved.is_none() => {
                        self.body.group_override = Some(GroupKey::At(self.body.file.span(e)));
                    }
                    syn::Expr::Assign(a) => {
                        if let Some(key) = self.body.binding_key_of_root(&a.left) {
                            self.body.group_override = Some(key);
                        }
                    }
                    _ => {}
                }
                let mut children = Children(Vec::new());
                children.collect(e);
                let mut d = false;
                for (c, moves) in children.0 {
                    d |= self.expr(c);
                    if moves {
                        self.note_move(c);
                    }
                }
                match e {
                    syn::Expr::Struct(lit) => {
                        if let Some(target) = self.body.group_override {
                            for f in &lit.fields {
                                self.body.adopt_settings(&f.expr, target);
                            }
                        }
                        self.body.record_struct_settings(lit);
                        self.body.record_stored_guards(lit);
                    }
                    syn::Expr::Assign(a) => {
                        if let Some(target) = self.body.binding_key_of_root(&a.left) {
                            self.body.adopt_settings(&a.right, target);
                        }
                        self.body.record_assigned_setting(a);
                    }
                    _ => {}
                }
                self.body.group_override = saved;
                d
            }
        };
        self.body.note_mentions_shallow(e);
        self.hooks(e);
        if returned && !diverges {
            self.body.record_config_return(e);
        }
        if tail && !diverges && !is_nested_tail(e) && !is_err_expr(e) {
            self.exit(self.body.file.span(e));
        }
        diverges
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall) -> bool {
        let mut d = self.expr(&c.func);
        let path = self.body.call_path(c);
        let waits = &self.body.file.catalog.std.waits;
        let offload = path.as_ref().is_some_and(|p| path_ends_with_any(p, &waits.offload));
        let once =
            path.as_ref().is_some_and(|p| path_ends_with_any(p, &self.body.file.catalog.std.state.lazy_constructors));
        // a workspace function taking a `'static` closure runs it elsewhere (its own
        // `spawn_blocking` wrapper, a thread pool)
        let callee = path.as_ref().and_then(|p| self.body.resolve_fn(p));
        let runs_elsewhere: Vec<usize> = callee.map(|sig| sig.static_closures.clone()).unwrap_or_default();
        // a task of its own: `tokio::spawn(async { .. })`, or a workspace function taking a
        // `'static` future or closure (the service's own `spawn_try_task`)
        let spawns = path.as_ref().is_some_and(|p| path_ends_with_any(p, &waits.spawns));
        let detached: Vec<usize> = callee
            .map(|sig| sig.static_closures.iter().chain(&sig.static_futures).copied().collect())
            .unwrap_or_default();
        let saved = std::mem::replace(&mut self.body.offloading, offload);
        let saved_context = std::mem::replace(
            &mut self.body.closure_context,
            if once { ClosureContext::Once } else { ClosureContext::Plain },
        );
        // `stream::unfold(init, |state| ..)`: the closure receives `init`, guards and all
        let threads_state =
            path.as_ref().is_some_and(|p| path_ends_with_any(p, &self.body.file.catalog.std.guards.state_threading));
        let mut seeds = (threads_state && c.args.len() == 2).then(|| self.body.state_seeds(&c.args[0]));
        for (i, a) in c.args.iter().enumerate() {
            self.body.offloading = offload || runs_elsewhere.contains(&i);
            self.body.detaching = spawns || detached.contains(&i);
            if i == 1 {
                self.body.state_seed = seeds.take();
            }
            d |= self.expr(a);
            self.body.state_seed = None;
            self.note_move(a);
        }
        self.body.offloading = saved;
        self.body.detaching = false;
        self.body.closure_context = saved_context;
        if let Some(p) = &path {
            self.body.record_call(c, p);
        }
        if !self.body.in_async() && path.as_ref().is_some_and(|p| path_ends_with_any(p, &waits.sync_calls)) {
            let how = if path.as_ref().is_some_and(|p| path_ends_with(p, "thread::sleep")) {
                "`thread::sleep`"
            } else {
                "blocking call"
            };
            self.wait(Wait { span: self.body.file.span(c), exprs: c.args.iter().collect(), how });
        }
        if path.as_ref().is_some_and(|p| p.len() == 1 && p[0] == "exit" || path_ends_with(p, "process::exit")) {
            d = true;
        }
        d
    }

    pub(super) fn method_call(&mut self, m: &syn::ExprMethodCall) -> bool {
        let mut d = self.expr(&m.receiver);
        let method = m.method.to_string();
        if self.body.file.catalog.std.guards.consuming_methods.contains(&method) {
            self.note_move(&m.receiver);
        }
        let state = &self.body.file.catalog.std.state;
        let per_item = PER_ITEM_ADAPTORS.contains(&method.as_str())
            && (!AMBIGUOUS_ADAPTORS.contains(&method.as_str()) || is_iterator_chain(&m.receiver));
        let context = if per_item {
            ClosureContext::PerItem
        } else if state.once_setters.contains(&method) {
            ClosureContext::Once
        } else {
            ClosureContext::Plain
        };
        let saved_context = std::mem::replace(&mut self.body.closure_context, context);
        // `conn.transaction(|c| ..)`, `obj.interact(|c| ..)`: closures run in place, on the guard
        let on_guards = self.body.guards_at_root(&m.receiver);
        if !on_guards.is_empty() && self.body.moves_receiver(m) {
            self.note_move(&m.receiver);
        }
        let saved_in_place =
            std::mem::replace(&mut self.body.in_place_with, (!on_guards.is_empty()).then_some(on_guards));
        // `.timeouts(Timeouts { wait: .. })` on a builder: settings in the arguments are its own
        // (the same configuration the chain's setters and build belong to, also when the chain
        // is bound by a `let`)
        let saved_group = self.body.group_override;
        let chain = self.body.builder_crate_of_chain(&m.receiver).map(|_| self.body.chain_group(&m.receiver));
        if chain.is_some() {
            self.body.group_override = chain;
        }
        let constructions = self.body.facts.constructions.len();
        for a in &m.args {
            d |= self.expr(a);
            self.note_move(a);
            // `.timeouts(t)` with `t` bound earlier: its settings are the chain's
            if let Some(target) = chain {
                self.body.adopt_settings(a, target);
            }
        }
        self.body.group_override = saved_group;
        self.body.closure_context = saved_context;
        self.body.in_place_with = saved_in_place;
        // `shards.insert(name, PgPool::connect(dsn).await?)`: kept, not made per item (unless
        // made in a closure or task the collection keeps, and dropped there)
        if self.body.facts.constructions.len() > constructions
            && self.body.file.catalog.std.accumulate.sinks.contains(&method)
        {
            let deferred: Vec<Span> = m.args.iter().flat_map(deferred_bodies).map(|e| self.body.file.span(e)).collect();
            self.body.keep_constructions_since(constructions, &deferred);
        }
        self.body.record_method_call(m);
        if !self.body.in_async() && self.body.is_blocking_client_call(m) {
            self.wait(Wait { span: self.body.file.span(m), exprs: vec![&*m.receiver], how: "blocking HTTP call" });
        }
        d
    }

    pub(super) fn if_expr(&mut self, i: &syn::ExprIf, tail: bool) -> bool {
        self.body.scopes.push(Scope::default());
        self.expr(&i.cond);
        // the condition runs on every path: what it moves (`if let Err(e) = tx.commit().await`)
        // is moved on both branches
        let mut before = self.body.alive.clone();
        let then_div = self.block_in_tail(&i.then_branch, tail);
        // guards bound by the condition (`if let Ok(conn) = ..`) exist only in the `then` branch
        let cond_owned: Vec<usize> =
            self.body.scopes.last().map(|s| s.bindings.iter().filter_map(|b| b.owns).collect()).unwrap_or_default();
        for id in cond_owned {
            if let Some(slot) = before.get_mut(id) {
                *slot = false;
            }
        }
        self.pop_scope();
        let then_state = self.body.alive.clone();
        self.body.restore(before.clone());
        let (else_div, else_state) = match &i.else_branch {
            Some((_, els)) => {
                let d = self.expr_in_tail(els, tail);
                (d, self.body.alive.clone())
            }
            None => {
                if tail {
                    // an `if` without `else` in tail position yields `()`: a normal exit
                    self.exit(self.body.file.span(i));
                }
                (false, before.clone())
            }
        };
        let mut ends = Vec::new();
        if !then_div {
            ends.push(then_state);
        }
        if !else_div {
            ends.push(else_state);
        }
        self.body.restore(merge(&before, &ends));
        then_div && else_div
    }

    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch, tail: bool) -> bool {
        let d = self.expr(&m.expr);
        let value = self.body.classify(&m.expr);
        let families = self.body.derived_families(&m.expr);
        // `match result { W::Ok(worker) => .. }` moves the guard out of `result`
        if m.arms.iter().any(|a| binds_by_value(&a.pat)) {
            self.note_move(&m.expr);
        }
        let before = self.body.alive.clone();
        let mut ends = Vec::new();
        for arm in &m.arms {
            self.body.restore(before.clone());
            self.body.scopes.push(Scope::default());
            self.body.bind_pat_tracked(&arm.pat, value.clone(), Some(&m.expr), families.clone());
            if let Some((_, g)) = &arm.guard {
                self.expr(g);
            }
            let arm_div = self.expr_in_tail(&arm.body, tail);
            if tail && !arm_div {
                self.note_move(&arm.body);
            }
            self.pop_scope();
            if !arm_div {
                ends.push(self.body.alive.clone());
            }
        }
        let all_diverge = ends.is_empty() && !m.arms.is_empty();
        self.body.restore(merge(&before, &ends));
        d || all_diverge
    }

    /// Walks a loop body. `infinite`: a `loop`, left only by `break`. `counting`: it counts
    /// attempts rather than items (`loop`, `while` on a condition, `for` over a range).
    pub(super) fn loop_body(&mut self, body: &syn::Block, infinite: bool, counting: bool) -> bool {
        let before = self.body.alive.clone();
        let per_item = !is_retry_loop(body, counting);
        if let Some(f) = self.body.frames.last_mut() {
            f.loop_depth += 1;
            f.loops.push(per_item);
        }
        self.body.breaks.push(Vec::new());
        let body_div = self.block(body);
        let breaks = self.body.breaks.pop().unwrap_or_default();
        if let Some(f) = self.body.frames.last_mut() {
            f.loop_depth -= 1;
            f.loops.pop();
        }
        let end = self.body.alive.clone();
        if infinite {
            if breaks.is_empty() {
                self.body.restore(before);
                return true;
            }
            self.body.restore(merge(&before, &breaks));
            return false;
        }
        let mut ends = breaks;
        ends.push(before.clone());
        if !body_div {
            ends.push(end);
        }
        self.body.restore(merge(&before, &ends));
        false
    }

    /// Walks a closure or async block as a frame of its own. With `move`, guards it mentions are
    /// moved into it and tracked there.
    pub(super) fn frame(
        &mut self,
        kind: FrameKind,
        is_async: bool,
        captured: Option<&syn::Expr>,
        params: Option<&Punctuated<syn::Pat, syn::Token![,]>>,
        walk: impl FnOnce(&mut Self),
    ) {
        // a closure's parameters shadow the names it would capture (`async move |conn| ..`)
        let shadowed = params.map(param_names).unwrap_or_default();
        let moved_in = captured.map(|e| self.body.owners_mentioned_except(e, &shadowed)).unwrap_or_default();
        let saved_breaks = std::mem::take(&mut self.body.breaks);
        let saved_offloading = std::mem::replace(&mut self.body.offloading, false);
        let detaching = std::mem::replace(&mut self.body.detaching, false);
        let context = std::mem::replace(&mut self.body.closure_context, ClosureContext::Plain);
        let on_guards = if kind == FrameKind::Closure { self.body.in_place_with.take() } else { None };
        let saved_in_place = self.body.in_place_with.take();
        let mut seeds = if kind == FrameKind::Closure { self.body.state_seed.take() } else { None };
        let mut frame = Frame::new(kind, is_async);
        frame.in_place = on_guards.is_some();
        frame.per_item =
            self.body.per_item_context().or((context == ClosureContext::PerItem).then_some(PerItem::Iterator));
        frame.once = self.body.frames.last().is_some_and(|f| f.once) || context == ClosureContext::Once;
        frame.detached = detaching || self.body.frames.last().is_some_and(|f| f.detached);
        self.body.frames.push(frame);
        self.body.scopes.push(Scope::default());
        for id in moved_in {
            self.body.retrack_in_frame(id);
        }
        for p in params.into_iter().flatten() {
            if let Some(seeds) = seeds.take() {
                self.body.bind_state_param(p, seeds);
                continue;
            }
            // the parameter of a closure run on a guard is that guard's own connection
            let families = on_guards.clone().unwrap_or_default();
            self.body.bind_pat_tracked(p, Value::Unknown, None, families);
        }
        walk(self);
        self.pop_scope();
        self.body.frames.pop();
        self.body.in_place_with = saved_in_place;
        self.body.breaks = saved_breaks;
        self.body.offloading = saved_offloading;
        self.body.detaching = detaching;
        self.body.closure_context = context;
    }

    /// Marks a guard moved when `e` (in a by-value position) is a bare path to its owner.
    pub(super) fn note_move(&mut self, e: &syn::Expr) {
        let e = strip_parens(e);
        if let Some(id) = self.body.owner_of_path(e) {
            self.body.set_alive(id, false);
        }
        // guards moved into a `move` closure or `async move` block
        let (captured, shadowed) = match e {
            syn::Expr::Closure(c) if c.capture.is_some() => (Some(&*c.body), param_names(&c.inputs)),
            syn::Expr::Async(a) if a.capture.is_some() => (Some(e), Vec::new()),
            _ => (None, Vec::new()),
        };
        if let Some(body) = captured {
            for id in self.body.owners_mentioned_except(body, &shadowed) {
                self.body.set_alive(id, false);
            }
        }
    }
}
