//! Pool settings in code: setters of builder chains, struct literals, positional
//! constructors and assignments, grouped by the configuration they belong to, and the pools
//! built from them.

use super::syntax::*;
use super::*;
use crate::analysis::facts::{MissingSetting, PendingBuild, ReturnedConfig};

impl BodyCx<'_> {
    /// Pool settings found in the function so far.
    pub fn settings(&self) -> &[SettingSite] {
        &self.settings
    }

    /// Pools built in the function so far.
    pub fn builds(&self) -> &[PoolBuild] {
        &self.builds
    }

    /// Evaluates a constant expression against the crate's consts.
    pub fn eval(&self, e: &syn::Expr) -> Evaluated {
        ConstExpr::lower(e).eval(&|name| self.file.index.const_expr(name).cloned())
    }

    /// The key the binding a `let` pattern is about to make will have (simple names only).
    pub(super) fn next_binding_key(&self, pat: &syn::Pat) -> Option<GroupKey> {
        let pat = match pat {
            syn::Pat::Type(pt) => &*pt.pat,
            other => other,
        };
        matches!(pat, syn::Pat::Ident(_)).then(|| {
            let scope = self.scopes.len() - 1;
            GroupKey::Binding(scope, self.scopes[scope].bindings.len())
        })
    }

    /// The key of the binding at the root of a place (`cfg` in `cfg.pool.max_size`).
    pub(super) fn binding_key_of_root(&self, e: &syn::Expr) -> Option<GroupKey> {
        let mut e = strip_parens(e);
        loop {
            match e {
                syn::Expr::Field(f) => e = strip_parens(&f.base),
                syn::Expr::MethodCall(m) => e = strip_parens(&m.receiver),
                syn::Expr::Unary(u) => e = strip_parens(&u.expr),
                syn::Expr::Reference(r) => e = strip_parens(&r.expr),
                syn::Expr::Try(t) => e = strip_parens(&t.expr),
                syn::Expr::Await(a) => e = strip_parens(&a.base),
                _ => break,
            }
        }
        let syn::Expr::Path(p) = e else { return None };
        let name = p.path.get_ident()?.to_string();
        let key = self.scopes.iter().enumerate().rev().find_map(|(si, scope)| {
            scope.bindings.iter().rposition(|b| b.name == name).map(|bi| GroupKey::Binding(si, bi))
        })?;
        Some(self.group_aliases.iter().rev().find(|(from, _)| *from == key).map_or(key, |(_, to)| *to))
    }

    /// The configuration a builder chain belongs to: its root binding, or its root call.
    pub(super) fn group_of_chain(&self, e: &syn::Expr) -> (GroupKey, bool) {
        if let Some(key) = self.binding_key_of_root(e) {
            let local = self.local_groups.contains(&key) && !self.is_opaque_group(key);
            return (key, local);
        }
        let root = chain_root(e);
        let key = GroupKey::At(self.file.span(root));
        (key, self.is_fresh_config(root) && !self.is_opaque_group(key))
    }

    /// Whether a configuration (or one it was made from) took a value poolcheck cannot read.
    pub(super) fn is_opaque_group(&self, key: GroupKey) -> bool {
        self.opaque_groups.contains(&key)
            || self.group_aliases.iter().any(|(alias, of)| *alias == key && self.opaque_groups.contains(of))
    }

    /// A configuration made here from scratch: a builder's entry call (`Pool::builder()`,
    /// `Config::new()`, `Config::from_url(..)`) or a literal of a builder type, at the root of
    /// the expression.
    pub(super) fn is_fresh_config(&self, e: &syn::Expr) -> bool {
        let catalog = self.file.catalog;
        let root = chain_root(e);
        match root {
            syn::Expr::Call(c) => self.call_path(c).is_some_and(|p| {
                catalog.crates_for_path(&p).any(|k| path_ends_with_any(&p, &catalog.crates[k].builder_entries))
            }),
            syn::Expr::Struct(lit) => match lower_path(&lit.path, self.file.uses, self.self_ty.as_ref()) {
                TypeRef::Path { segments, .. } => catalog
                    .crates_for_path(&segments)
                    .any(|k| segments.last().is_some_and(|l| catalog.crates[k].builder_types.contains(l))),
                _ => false,
            },
            _ => false,
        }
    }

    pub(super) fn push_setting(
        &mut self,
        krate: usize,
        role: SettingRole,
        name: &str,
        value_expr: &syn::Expr,
        group: GroupKey,
    ) {
        let value = self.eval(value_expr);
        let via_const = match strip_parens(value_expr) {
            syn::Expr::Path(p) if p.path.segments.len() <= 3 => {
                let last = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                (last != "None").then_some(last)
            }
            syn::Expr::Call(c) if c.args.len() == 1 => match strip_parens(&c.args[0]) {
                syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        let value_span = self.file.span(value_expr);
        let backend = self.backend_of_group(group);
        self.settings.push(SettingSite {
            krate,
            role,
            name: name.to_owned(),
            value,
            value_span,
            via_const,
            group,
            backend,
        });
    }

    /// The database a configuration is for, from the type of the value it is made on (the
    /// binding's, or the chain root's: `SqlitePoolOptions::new()`).
    pub(super) fn backend_of_group(&self, group: GroupKey) -> Option<crate::catalog::Backend> {
        let typed = match group {
            GroupKey::Binding(scope, index) => self.scopes.get(scope)?.bindings.get(index).map(|b| b.value.clone()),
            GroupKey::At(_) => None,
        };
        let from = |v: &Value| match v {
            Value::Opaque(t) => crate::catalog::Backend::of_type_text(&type_text(t)),
            _ => None,
        };
        typed.as_ref().and_then(from).or_else(|| self.chain_backend.and_then(|(g, b)| (g == group).then_some(b)))
    }

    /// `.max_connections(500)` on a builder chain of a catalogued crate.
    pub(super) fn record_setter(&mut self, m: &syn::ExprMethodCall) {
        let method = m.method.to_string();
        let Some(arg) = m.args.first() else { return };
        if m.args.len() != 1 {
            return;
        }
        let catalog = self.file.catalog;
        let candidates: Vec<(usize, SettingRole)> = catalog
            .crates
            .iter()
            .enumerate()
            .flat_map(|(k, c)| {
                c.setting.iter().filter(|s| s.form == SettingForm::Method && s.name == method).map(move |s| (k, s.role))
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        let Some(krate) = self.builder_crate_of_chain(&m.receiver) else { return };
        let Some(&(_, role)) = candidates.iter().find(|(k, _)| *k == krate) else { return };
        let group = self.chain_group(&m.receiver);
        let root = chain_root(&m.receiver);
        let backend = match self.classify(root) {
            Value::Opaque(t) => crate::catalog::Backend::of_type_text(&type_text(&t)),
            _ => None,
        };
        // `PoolOptions::<Sqlite>::new()`: the type argument is on the type's segment
        let written = || match strip_parens(root) {
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) => p.path.segments.iter().find_map(|seg| {
                    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else { return None };
                    a.args.iter().find_map(|g| match g {
                        syn::GenericArgument::Type(t) => {
                            let lowered = lower_type(t, self.file.uses, self.self_ty.as_ref());
                            crate::catalog::Backend::of_type_text(&type_text(&lowered))
                        }
                        _ => None,
                    })
                }),
                _ => None,
            },
            _ => None,
        };
        self.chain_backend = backend.or_else(written).map(|b| (group, b));
        self.push_setting(krate, role, &method, arg, group);
        self.chain_backend = None;
    }

    /// The catalogued crate whose builder a chain starts from: an entry call or a value of a
    /// builder type.
    pub(super) fn builder_crate_of_chain(&self, e: &syn::Expr) -> Option<usize> {
        let catalog = self.file.catalog;
        let root = chain_root(e);
        if let syn::Expr::Call(c) = root {
            let p = self.call_path(c)?;
            let mut catalogued = catalog.crates_for_path(&p).peekable();
            if catalogued.peek().is_some() {
                return catalogued.find(|&k| {
                    let api = &catalog.crates[k];
                    path_ends_with_any(&p, &api.builder_entries)
                        || p.len() >= 2 && api.builder_types.contains(&p[p.len() - 2])
                });
            }
            // `sized_builder(manager)`: a workspace function returning a builder
        }
        match self.classify(root) {
            Value::Opaque(TypeRef::Path { segments, .. }) => self.builder_crate(&segments),
            _ => None,
        }
    }

    /// The catalogued crate whose builder a type is: one of its builder types, or what one of
    /// its builder entries returns (`bb8::Pool::builder`).
    pub(super) fn builder_crate(&self, segments: &[String]) -> Option<usize> {
        let catalog = self.file.catalog;
        catalog.crates_for_path(segments).find(|&k| {
            let api = &catalog.crates[k];
            segments.last().is_some_and(|l| api.builder_types.contains(l))
                || path_ends_with_any(segments, &api.builder_entries)
        })
    }

    /// `PoolConfig { max_size: 32, timeouts: Timeouts { wait: None, .. }, .. }`.
    pub(super) fn record_struct_settings(&mut self, lit: &syn::ExprStruct) {
        let TypeRef::Path { segments, .. } = lower_path(&lit.path, self.file.uses, self.self_ty.as_ref()) else {
            return;
        };
        let Some(ty) = segments.last().cloned() else { return };
        let catalog = self.file.catalog;
        let Some(krate) = catalog
            .crates_for_path(&segments)
            .find(|&k| catalog.crates[k].setting.iter().any(|s| s.form == SettingForm::Field && s.on.contains(&ty)))
        else {
            return;
        };
        let group = self.group_override.unwrap_or(GroupKey::At(self.file.span(lit)));
        for f in &lit.fields {
            let syn::Member::Named(id) = &f.member else { continue };
            let name = id.to_string();
            let role = catalog.crates[krate]
                .setting
                .iter()
                .find(|s| s.form == SettingForm::Field && s.name == name && s.on.contains(&ty))
                .map(|s| s.role);
            match role {
                Some(role) => self.push_setting(krate, role, &name, &f.expr, group),
                // `PoolConfig { timeouts: pg_pool_timeouts(), .. }`
                None => self.take_config_part(&f.expr, group),
            }
        }
    }

    /// A value given to a part of a configuration that is not a setting itself (`pool`,
    /// `timeouts`): a workspace function's returned configuration (`pg_pool_config(n)`)
    /// brings that function's settings, known from its summary at the crate stage; another
    /// call of the crate's own that cannot be followed leaves the settings unknown, so the
    /// configuration is never judged incomplete.
    fn take_config_part(&mut self, e: &syn::Expr, group: GroupKey) {
        if let Some(call) = self.helper_call(e) {
            self.group_helpers.push((group, call));
            return;
        }
        let e = strip_wrapping(self, e, "Some");
        let own_call = match e {
            syn::Expr::Call(c) => self.call_path(c).is_some_and(|path| {
                matches!(path[0].as_str(), "crate" | "self" | "super") || path[0] == self.file.krate
            }),
            _ => false,
        };
        if own_call {
            self.opaque_groups.push(group);
        }
    }

    /// The call of a workspace function a configuration value comes from (`Some(helper(n))`,
    /// `settings.pool_config()?`, `base().clone()`).
    pub(super) fn helper_call(&self, e: &syn::Expr) -> Option<CallFact> {
        let mut e = strip_wrapping(self, e, "Some");
        loop {
            e = match e {
                syn::Expr::Try(t) => strip_parens(&t.expr),
                syn::Expr::Await(a) => strip_parens(&a.base),
                syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => strip_parens(&m.receiver),
                _ => break,
            };
        }
        match e {
            syn::Expr::Call(c) => {
                let path = self.call_path(c)?;
                self.call_fact(c, &path)
            }
            syn::Expr::MethodCall(m) => self.method_call_fact(m, &self.classify(&m.receiver)),
            _ => None,
        }
    }

    /// `let cfg = base_config(url);` with a configuration type: the binding's configuration
    /// is that function's, completed by what this function sets on it.
    pub(super) fn note_config_from_helper(&mut self, key: GroupKey, init: &syn::Expr, value: &Value) {
        let Value::Opaque(TypeRef::Path { segments, .. }) = value else { return };
        if self.builder_crate(segments).is_none() {
            return;
        }
        if let Some(call) = self.helper_call(chain_root(init)) {
            self.local_groups.push(key);
            self.group_helpers.push((key, call));
        }
    }

    /// Where the configuration of a build or of a returned value comes from: its group, and
    /// the workspace functions that made part of it; `None` when it is not all known (read
    /// from a file, the environment, a parameter).
    pub(super) fn config_origin(&self, chain: &syn::Expr) -> Option<(GroupKey, Vec<CallFact>)> {
        let (_, local) = self.group_of_chain(chain);
        let group = self.chain_group(chain);
        if self.is_opaque_group(group) {
            return None;
        }
        let root = self.group_aliases.iter().find(|(alias, _)| *alias == group).map(|(_, of)| *of);
        let mut helpers: Vec<CallFact> = self
            .group_helpers
            .iter()
            .filter(|(g, _)| *g == group || Some(*g) == root)
            .map(|(_, c)| c.clone())
            .collect();
        if !local && helpers.is_empty() {
            // `sized_builder(manager).max_size(4).build()`: the chain starts from a helper
            helpers.push(self.helper_call(chain_root(chain))?);
        } else if !local {
            return None;
        }
        Some((group, helpers))
    }

    /// The settings roles a configuration sets here.
    fn roles_of(&self, group: GroupKey) -> Vec<SettingRole> {
        let mut roles: Vec<SettingRole> = self.settings.iter().filter(|s| s.group == group).map(|s| s.role).collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    /// A configuration a function that returns one returns (a tail or a `return`).
    pub(super) fn record_config_return(&mut self, e: &syn::Expr) {
        if !self.facts.returns_config || is_err_expr(e) {
            return;
        }
        let e = strip_wrapping(self, strip_wrapping(self, e, "Some"), "Ok");
        let returned =
            self.config_origin(e).map(|(group, helpers)| ReturnedConfig { roles: self.roles_of(group), helpers });
        self.facts.config_returns.push(returned);
    }

    /// Builds whose configuration takes settings from workspace functions, with what the
    /// policy requires that is not set here: the crate stage judges them with those
    /// functions' summaries.
    pub(super) fn record_pending_builds(&mut self) {
        let catalog = self.file.catalog;
        for build in self.builds.iter().filter(|b| b.local && !b.helpers.is_empty()) {
            let missing = self.missing_settings(build);
            if !missing.is_empty() {
                self.facts.pending_builds.push(PendingBuild {
                    span: build.span,
                    krate: catalog.crates[build.krate].name.clone(),
                    missing,
                    helpers: build.helpers.clone(),
                });
            }
        }
    }

    /// The settings the policy requires of a build's crate that its configuration does not
    /// set in this function.
    pub fn missing_settings(&self, build: &PoolBuild) -> Vec<MissingSetting> {
        let api = &self.file.catalog.crates[build.krate];
        let Some(required) = self.file.policy.required.get(&api.name) else { return Vec::new() };
        let set = self.roles_of(build.group);
        required
            .iter()
            .filter(|r| !set.contains(r))
            .map(|&role| MissingSetting { role, setters: api.setters_of(role) })
            .collect()
    }

    /// `Pool::from_config(manager, config)` (deadpool up to 0.8): a build of the configuration
    /// passed at the catalogued position.
    pub(super) fn record_config_build(&mut self, c: &syn::ExprCall, path: &[String]) {
        let found = self.file.catalog.call_entry(path, |api| {
            api.config_builds.iter().find(|b| path_ends_with(path, &b.call)).map(|b| b.config_arg)
        });
        let Some((krate, at)) = found else { return };
        let Some(config) = c.args.iter().nth(at) else { return };
        self.push_build(self.file.span(c), krate, config);
    }

    /// A pool built at `span` from the configuration `chain` evaluates to: judged here when
    /// it is all made here, at the crate stage when helpers made part of it, never when it
    /// is not all known.
    fn push_build(&mut self, span: Span, krate: usize, chain: &syn::Expr) {
        self.builds.push(match self.config_origin(chain) {
            Some((group, helpers)) => PoolBuild { span, krate, group, local: true, helpers },
            None => PoolBuild { span, krate, group: self.chain_group(chain), local: false, helpers: Vec::new() },
        });
    }

    /// `deadpool_postgres::Pool::new(manager, 16)` (deadpool up to 0.8): a pool built with its
    /// size as the only setting, made here from scratch, so what it leaves out is left out.
    pub(super) fn record_sized_build(&mut self, c: &syn::ExprCall, path: &[String]) {
        let found = self.file.catalog.call_entry(path, |api| {
            let b = api.sized_builds.iter().find(|b| c.args.len() == b.arity && path_ends_with(path, &b.call))?;
            Some(b.size_arg)
        });
        let Some((krate, at)) = found else { return };
        let Some(size) = c.args.iter().nth(at) else { return };
        let span = self.file.span(c);
        let group = GroupKey::At(span);
        self.push_setting(krate, SettingRole::MaxSize, "max_size", size, group);
        self.builds.push(PoolBuild { span, krate, group, local: true, helpers: Vec::new() });
        // a pool built like any other: per request or per item, it is `pool-per-call`
        let shown = path[path.len().saturating_sub(2)..].join("::");
        self.record_construction(span, shown, true);
    }

    /// `opts.max_pool_size = Some(20)` on a value of a config type.
    pub(super) fn record_assigned_setting(&mut self, a: &syn::ExprAssign) {
        let syn::Expr::Field(f) = strip_parens(&a.left) else { return };
        let syn::Member::Named(id) = &f.member else { return };
        let name = id.to_string();
        // the config value at the root of the place: `pool_cfg` in `pool_cfg.timeouts.wait`
        let mut base = strip_parens(&f.base);
        while let syn::Expr::Field(inner) = base {
            base = strip_parens(&inner.base);
        }
        let Value::Opaque(TypeRef::Path { segments, .. }) = self.classify(base) else { return };
        let Some(ty) = segments.last().cloned() else { return };
        let catalog = self.file.catalog;
        let found = catalog.crates_for_path(&segments).find_map(|k| {
            catalog.crates[k]
                .setting
                .iter()
                .find(|s| {
                    s.form == SettingForm::Field
                        && s.name == name
                        && (s.on.is_empty() || s.on.contains(&ty) || catalog.crates[k].builder_types.contains(&ty))
                })
                .map(|s| (k, s.role))
        });
        let group = self.binding_key_of_root(&f.base).unwrap_or(GroupKey::At(self.file.span(a)));
        match found {
            Some((krate, role)) => self.push_setting(krate, role, &name, &a.right, group),
            // `cfg.pool = Some(crate::config::pg_pool_config(size))`
            None => self.take_config_part(&a.right, group),
        }
    }

    /// `PoolConfig::new(32)`, `PoolConstraints::new(min, max)`, `Timeouts::wait_millis(ms)`.
    pub(super) fn record_positional_settings(&mut self, c: &syn::ExprCall, path: &[String]) {
        let catalog = self.file.catalog;
        let found = catalog
            .crates_for_path(path)
            .find_map(|k| catalog.crates[k].positional.iter().find(|p| path_ends_with(path, &p.call)).map(|p| (k, p)));
        let Some((krate, positional)) = found else { return };
        let group = self.group_override.unwrap_or(GroupKey::At(self.file.span(c)));
        let name = positional.call.rsplit("::").next().unwrap_or(&positional.call).to_owned();
        for (arg, role) in c.args.iter().zip(&positional.args) {
            self.push_setting(krate, *role, &name, arg, group);
            if let (Some(unit), Some(last)) = (&positional.unit, self.settings.last_mut()) {
                if let Evaluated::Count(n) = last.value {
                    let nanos: u64 = if unit == "ms" { 1_000_000 } else { 1_000_000_000 };
                    last.value = u64::try_from(n)
                        .ok()
                        .and_then(|n| n.checked_mul(nanos))
                        .map_or(Evaluated::Unknown, |ns| Evaluated::Duration(std::time::Duration::from_nanos(ns)));
                }
            }
        }
    }

    /// A config value stored into another configuration (`cfg.pool = Some(pool_cfg)`,
    /// `Config { pool: Some(pool_cfg), .. }`, `let c = pool_cfg;`): its settings configure
    /// that one too.
    pub(super) fn adopt_settings(&mut self, value: &syn::Expr, target: GroupKey) {
        let e = strip_wrapping(self, value, "Some");
        let syn::Expr::Path(p) = e else { return };
        if p.path.get_ident().is_none() {
            return;
        }
        let Some(source) = self.binding_key_of_root(e).filter(|k| *k != target) else { return };
        let adopted: Vec<SettingSite> = self
            .settings
            .iter()
            .filter(|s| s.group == source)
            .map(|s| SettingSite { group: target, ..s.clone() })
            .collect();
        self.settings.extend(adopted);
    }

    /// The configuration a setter or build on a chain belongs to: the chain's root binding, or
    /// the binding the chain's value is being bound to, or the chain's root call.
    pub(super) fn chain_group(&self, receiver: &syn::Expr) -> GroupKey {
        match (self.binding_key_of_root(receiver), self.group_override) {
            (Some(key), _) => key,
            (None, Some(key)) => key,
            (None, None) => self.group_of_chain(receiver).0,
        }
    }

    /// The terminal call of a builder chain that yields a pool.
    pub(super) fn record_build(&mut self, m: &syn::ExprMethodCall) {
        let Some(krate) = self.builder_crate_of_chain(&m.receiver) else { return };
        let group = self.chain_group(&m.receiver);
        // `bb8::Pool::builder()..build(Workers)`: a pool of the workspace's own resources (threads,
        // peers) is not a database pool, and the policy for databases does not hold for it
        if m.args.iter().any(|a| self.is_manager_of_other_things(a)) {
            self.settings.retain(|s| s.group != group);
            return;
        }
        self.push_build(self.file.method_span(m), krate, &m.receiver);
        // `bb8::Pool::builder().max_size(n).build(RedisConnectionManager::new(url)?)`: the
        // manager the pool is built with names the database its settings are for
        let backend = m.args.iter().find_map(|a| match self.classify(a) {
            Value::Opaque(t) => crate::catalog::Backend::of_type_text(&type_text(&t)),
            _ => None,
        });
        if let Some(backend) = backend {
            for s in self.settings.iter_mut().filter(|s| s.group == group && s.backend.is_none()) {
                s.backend = Some(backend);
            }
        }
    }
}

/// `Some(x)` → `x` (for `wrapper` = `"Some"`), without parentheses.
fn strip_wrapping<'e>(cx: &BodyCx<'_>, e: &'e syn::Expr, wrapper: &str) -> &'e syn::Expr {
    let e = strip_parens(e);
    match e {
        syn::Expr::Call(c) if c.args.len() == 1 && cx.call_path(c).is_some_and(|p| p.len() == 1 && p[0] == wrapper) => {
            strip_parens(&c.args[0])
        }
        _ => e,
    }
}

impl BodyCx<'_> {
    /// A manager value of the workspace's own type (`Workers`, `Workers::new(n)`,
    /// `Workers { .. }`) that pools something other than database clients.
    fn is_manager_of_other_things(&self, e: &syn::Expr) -> bool {
        let name = match strip_parens(e) {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            syn::Expr::Struct(s) => s.path.segments.last().map(|s| s.ident.to_string()),
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                    p.path.segments.iter().rev().nth(1).map(|s| s.ident.to_string())
                }
                _ => None,
            },
            _ => None,
        };
        name.is_some_and(|n| self.file.index.manages_other_things(&n, self.file.catalog))
    }

    /// A declared type that is a catalogued crate's pool configuration or builder, under
    /// `Result`/`Option`.
    pub(super) fn is_config_type(&self, declared: &TypeRef) -> bool {
        let (ty, _) = super::infer::peel_fallible(declared);
        matches!(ty, TypeRef::Path { segments, .. } if self.builder_crate(segments).is_some())
    }
}
