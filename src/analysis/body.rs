//! The body walker: scoped bindings, expression classification and rule hooks.

use super::value::{Evidence, Value, Wrapped};
use super::FileCx;
use crate::catalog::{GuardKind, Returns};
use crate::index::types::{lower_path, lower_type, TypeRef};
use crate::index::TypeClass;
use crate::report::Diagnostic;
use crate::rules::Rule;
use syn::punctuated::Punctuated;
use syn::visit::Visit;

/// A local binding and what it holds.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The bound name.
    pub name: String,
    /// What it holds.
    pub value: Value,
}

/// The walker's state during one function, as rules see it.
pub struct BodyCx<'a> {
    /// The file.
    pub file: &'a FileCx<'a>,
    self_ty: Option<TypeRef>,
    scopes: Vec<Vec<Binding>>,
    /// Nesting of `async` fn bodies, blocks and closures (innermost last; `true` when async).
    async_stack: Vec<bool>,
    /// Number of enclosing loops.
    pub loop_depth: usize,
}

/// Walks every function, method and closure-bearing item of a file.
pub fn walk_file(
    file: &syn::File,
    cx: &FileCx<'_>,
    rules: &[&dyn Rule],
    out: &mut Vec<Diagnostic>,
) {
    let mut items = ItemWalker {
        cx,
        rules,
        out,
        self_ty: None,
    };
    items.visit_file(file);
}

struct ItemWalker<'a, 'b> {
    cx: &'a FileCx<'a>,
    rules: &'b [&'b dyn Rule],
    out: &'b mut Vec<Diagnostic>,
    self_ty: Option<TypeRef>,
}

impl ItemWalker<'_, '_> {
    fn walk_fn(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let mut body = BodyCx {
            file: self.cx,
            self_ty: self.self_ty.clone(),
            scopes: vec![Vec::new()],
            async_stack: vec![sig.asyncness.is_some()],
            loop_depth: 0,
        };
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                let declared = body.lower(&pt.ty);
                let value = body.value_of_declared(&declared);
                body.bind_pat(&pt.pat, value);
            }
        }
        let mut walker = Walker {
            body,
            rules: self.rules,
            out: self.out,
        };
        walker.block(block);
        // nested items (fns inside fns, impls inside fns) are walked as items of their own
        let mut nested = NestedItems(self);
        syn::visit::visit_block(&mut nested, block);
    }
}

struct NestedItems<'w, 'a, 'b>(&'w mut ItemWalker<'a, 'b>);

impl<'ast> Visit<'ast> for NestedItems<'_, '_, '_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        self.0.visit_item(i);
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        syn::visit::visit_expr_closure(self, c);
    }
}

impl<'ast> Visit<'ast> for ItemWalker<'_, '_> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        let saved = self.self_ty.take();
        self.walk_fn(&i.sig, &i.block);
        self.self_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self
            .self_ty
            .replace(lower_type(&i.self_ty, self.cx.uses, None));
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.walk_fn(&f.sig, &f.block),
                syn::ImplItem::Const(c) => self.walk_const_expr(&c.expr),
                _ => {}
            }
        }
        self.self_ty = saved;
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        if let Some(block) = &i.default {
            self.walk_fn(&i.sig, block);
        }
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.walk_const_expr(&i.expr);
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.walk_const_expr(&i.expr);
    }

    fn visit_block(&mut self, _: &'ast syn::Block) {
        // bodies are walked by `walk_fn`; items inside them by `NestedItems`
    }
}

impl ItemWalker<'_, '_> {
    fn walk_const_expr(&mut self, expr: &syn::Expr) {
        let body = BodyCx {
            file: self.cx,
            self_ty: self.self_ty.clone(),
            scopes: vec![Vec::new()],
            async_stack: vec![false],
            loop_depth: 0,
        };
        let mut walker = Walker {
            body,
            rules: self.rules,
            out: self.out,
        };
        walker.expr(expr);
    }
}

struct Walker<'a, 'b> {
    body: BodyCx<'a>,
    rules: &'b [&'b dyn Rule],
    out: &'b mut Vec<Diagnostic>,
}

/// Macros whose arguments are comma-separated expressions (formatting, assertions, joins).
const EXPR_MACROS: &[&str] = &[
    "vec",
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "join",
    "try_join",
    "format_args",
    "todo",
    "unimplemented",
    "unreachable",
    "matches",
];

impl Walker<'_, '_> {
    fn block(&mut self, b: &syn::Block) {
        self.body.scopes.push(Vec::new());
        for stmt in &b.stmts {
            self.stmt(stmt);
        }
        self.body.scopes.pop();
    }

    fn stmt(&mut self, s: &syn::Stmt) {
        match s {
            syn::Stmt::Local(l) => {
                let mut value = Value::Unknown;
                if let Some(init) = &l.init {
                    self.expr(&init.expr);
                    value = self.body.classify(&init.expr);
                    if let Some((_, diverge)) = &init.diverge {
                        self.expr(diverge);
                    }
                }
                if let syn::Pat::Type(pt) = &l.pat {
                    let declared = self.body.lower(&pt.ty);
                    let d = self.body.value_of_declared(&declared);
                    if d != Value::Unknown {
                        value = d;
                    }
                    self.body.bind_pat(&pt.pat, value);
                } else {
                    self.body.bind_pat(&l.pat, value);
                }
            }
            syn::Stmt::Expr(e, _) => self.expr(e),
            syn::Stmt::Macro(m) => self.mac(&m.mac),
            syn::Stmt::Item(_) => {}
        }
    }

    fn mac(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if !EXPR_MACROS.contains(&name.as_str()) {
            return;
        }
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(args) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            for a in &args {
                self.expr(a);
            }
        }
    }

    fn hooks(&mut self, e: &syn::Expr) {
        for r in self.rules {
            r.check_expr(&self.body, e, self.out);
        }
    }

    fn expr(&mut self, e: &syn::Expr) {
        match e {
            syn::Expr::Block(b) => self.block(&b.block),
            syn::Expr::Unsafe(b) => self.block(&b.block),
            syn::Expr::Const(b) => self.block(&b.block),
            syn::Expr::Async(a) => {
                self.body.async_stack.push(true);
                let saved = self.body.loop_depth;
                self.body.loop_depth = 0;
                self.block(&a.block);
                self.body.loop_depth = saved;
                self.body.async_stack.pop();
            }
            syn::Expr::Closure(c) => {
                self.body.async_stack.push(c.asyncness.is_some());
                self.body.scopes.push(Vec::new());
                for p in &c.inputs {
                    self.body.bind_pat(p, Value::Unknown);
                }
                let saved = self.body.loop_depth;
                self.body.loop_depth = 0;
                self.expr(&c.body);
                self.body.loop_depth = saved;
                self.body.scopes.pop();
                self.body.async_stack.pop();
            }
            syn::Expr::If(i) => {
                self.body.scopes.push(Vec::new());
                self.expr(&i.cond);
                self.block(&i.then_branch);
                self.body.scopes.pop();
                if let Some((_, els)) = &i.else_branch {
                    self.expr(els);
                }
            }
            syn::Expr::Let(l) => {
                self.expr(&l.expr);
                let value = self.body.classify(&l.expr);
                self.body.bind_pat(&l.pat, value);
            }
            syn::Expr::Match(m) => {
                self.expr(&m.expr);
                let value = self.body.classify(&m.expr);
                for arm in &m.arms {
                    self.body.scopes.push(Vec::new());
                    self.body.bind_pat(&arm.pat, value.clone());
                    if let Some((_, g)) = &arm.guard {
                        self.expr(g);
                    }
                    self.expr(&arm.body);
                    self.body.scopes.pop();
                }
            }
            syn::Expr::ForLoop(f) => {
                self.expr(&f.expr);
                self.body.loop_depth += 1;
                self.body.scopes.push(Vec::new());
                self.body.bind_pat(&f.pat, Value::Unknown);
                self.block(&f.body);
                self.body.scopes.pop();
                self.body.loop_depth -= 1;
            }
            syn::Expr::While(w) => {
                self.body.loop_depth += 1;
                self.body.scopes.push(Vec::new());
                self.expr(&w.cond);
                self.block(&w.body);
                self.body.scopes.pop();
                self.body.loop_depth -= 1;
            }
            syn::Expr::Loop(l) => {
                self.body.loop_depth += 1;
                self.block(&l.body);
                self.body.loop_depth -= 1;
            }
            syn::Expr::Macro(m) => self.mac(&m.mac),
            _ => {
                // every other expression: its operands in evaluation order
                let mut children = Children(Vec::new());
                children.collect(e);
                for c in children.0 {
                    self.expr(c);
                }
            }
        }
        self.hooks(e);
    }
}

/// The direct sub-expressions of an expression that has no scoping of its own.
struct Children<'a>(Vec<&'a syn::Expr>);

impl<'a> Children<'a> {
    fn collect(&mut self, e: &'a syn::Expr) {
        use syn::Expr::*;
        let v = &mut self.0;
        match e {
            Array(a) => v.extend(a.elems.iter()),
            Assign(a) => v.extend([&*a.right, &*a.left]),
            Await(a) => v.push(&a.base),
            Binary(b) => v.extend([&*b.left, &*b.right]),
            Break(b) => v.extend(b.expr.as_deref()),
            Call(c) => {
                v.push(&c.func);
                v.extend(c.args.iter());
            }
            Cast(c) => v.push(&c.expr),
            Field(f) => v.push(&f.base),
            Group(g) => v.push(&g.expr),
            Index(i) => v.extend([&*i.expr, &*i.index]),
            MethodCall(m) => {
                v.push(&m.receiver);
                v.extend(m.args.iter());
            }
            Paren(p) => v.push(&p.expr),
            Range(r) => v.extend(r.start.as_deref().into_iter().chain(r.end.as_deref())),
            Reference(r) => v.push(&r.expr),
            Repeat(r) => v.extend([&*r.expr, &*r.len]),
            Return(r) => v.extend(r.expr.as_deref()),
            Struct(s) => {
                v.extend(s.fields.iter().map(|f| &f.expr));
                v.extend(s.rest.as_deref());
            }
            Try(t) => v.push(&t.expr),
            TryBlock(_) => {}
            Tuple(t) => v.extend(t.elems.iter()),
            Unary(u) => v.push(&u.expr),
            Yield(y) => v.extend(y.expr.as_deref()),
            _ => {}
        }
    }
}

/// Methods that pass a `Result`/`Option` through unchanged for our purposes.
const RESULT_ADAPTERS: &[&str] = &[
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "ok",
    "inspect_err",
    "inspect",
    "change_context",
    "attach_printable",
    "into_future",
    "boxed",
    "in_current_span",
    "instrument",
];

/// Methods that unwrap a `Result`/`Option`.
const UNWRAPPERS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_unchecked",
    "unwrap_or_default",
];

impl<'a> BodyCx<'a> {
    /// True inside an `async fn`, `async` block or async closure (the innermost body decides).
    pub fn in_async(&self) -> bool {
        self.async_stack.last().copied().unwrap_or(false)
    }

    /// The binding visible under `name`, innermost first.
    pub fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|b| b.name == name)
    }

    fn lower(&self, ty: &syn::Type) -> TypeRef {
        lower_type(ty, self.file.uses, self.self_ty.as_ref())
    }

    /// Binds every identifier of a pattern; `value` goes to the part it matches.
    pub fn bind_pat(&mut self, pat: &syn::Pat, value: Value) {
        match pat {
            syn::Pat::Ident(id) => {
                let value = if id.by_ref.is_some() {
                    value.borrowed()
                } else {
                    value
                };
                if let Some((_, sub)) = &id.subpat {
                    self.bind_pat(sub, value.clone());
                }
                self.push(id.ident.to_string(), value);
            }
            syn::Pat::Type(pt) => {
                let declared = self.lower(&pt.ty);
                let d = self.value_of_declared(&declared);
                self.bind_pat(&pt.pat, if d != Value::Unknown { d } else { value });
            }
            syn::Pat::TupleStruct(ts) => {
                let name = ts
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                let inner = if matches!(name.as_str(), "Ok" | "Some") && ts.elems.len() == 1 {
                    value.unwrapped()
                } else {
                    Value::Unknown
                };
                for p in &ts.elems {
                    self.bind_pat(p, inner.clone());
                }
            }
            syn::Pat::Reference(r) => self.bind_pat(&r.pat, Value::Unknown),
            syn::Pat::Paren(p) => self.bind_pat(&p.pat, value),
            syn::Pat::Or(o) => {
                for p in &o.cases {
                    self.bind_pat(p, value.clone());
                }
            }
            other => {
                // tuples, structs, slices: bind every name they introduce, knowing nothing of them
                struct Idents<'x>(&'x mut Vec<String>);
                impl<'ast> Visit<'ast> for Idents<'_> {
                    fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
                        self.0.push(i.ident.to_string());
                        syn::visit::visit_pat_ident(self, i);
                    }
                }
                let mut names = Vec::new();
                Idents(&mut names).visit_pat(other);
                for n in names {
                    self.push(n, Value::Unknown);
                }
            }
        }
    }

    fn push(&mut self, name: String, value: Value) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Binding { name, value });
        }
    }

    /// The value of something declared with type `ty` (a parameter, a `let` with a type, a field).
    pub fn value_of_declared(&self, ty: &TypeRef) -> Value {
        self.value_of_type(ty, || format!("is declared as `{ty}`"), Wrapped::NONE)
    }

    fn value_of_type(&self, ty: &TypeRef, why: impl FnOnce() -> String, wrapped: Wrapped) -> Value {
        let index = self.file.index;
        let class = index.classify(ty, self.file.catalog);
        let (class, owned) = match class {
            TypeClass::Ref(inner) => (*inner, false),
            other => (other, true),
        };
        let class = match class {
            // `Lazy<PgPool>` and `LazyLock<PgPool>` dereference to the pool
            TypeClass::Holder(h, inner) if matches!(h.as_str(), "Lazy" | "LazyLock") => *inner,
            other => other,
        };
        let evidence = || Evidence {
            text: why(),
            span: None,
        };
        match class {
            TypeClass::Pool(krate) => Value::Pool {
                krate,
                evidence: evidence(),
                wrapped,
            },
            TypeClass::Guard(krate, kind) => Value::Guard {
                krate,
                kind,
                evidence: evidence(),
                wrapped,
                owned,
            },
            TypeClass::Struct(s) => Value::Struct(s),
            _ => Value::Unknown,
        }
    }

    /// The value a function returns, peeling `Result`/`Option` and `async`.
    fn value_of_return(&self, sig: &crate::index::FnSig, shown: &str) -> Value {
        let Some(ret) = &sig.ret else {
            return Value::Unknown;
        };
        let mut wrapped = Wrapped {
            future: sig.is_async,
            fallible: false,
        };
        let mut ty = ret;
        if let TypeRef::Path { segments, args } = ret {
            let last = segments.last().map(String::as_str);
            if matches!(last, Some("Result" | "Option"))
                || last.is_some_and(|l| l.ends_with("Result"))
            {
                if let Some(first) = args.first() {
                    ty = first;
                    wrapped.fallible = true;
                }
            }
        }
        self.value_of_type(
            ty,
            || format!("is returned by `{shown}` (declared `-> {ret}`)"),
            wrapped,
        )
    }

    /// Classifies an expression from the evidence.
    pub fn classify(&self, e: &syn::Expr) -> Value {
        match e {
            syn::Expr::Paren(p) => self.classify(&p.expr),
            syn::Expr::Group(g) => self.classify(&g.expr),
            syn::Expr::Reference(r) => self.classify(&r.expr).borrowed(),
            syn::Expr::Await(a) => self.classify_await(a),
            syn::Expr::Try(t) => self.classify(&t.expr).unwrapped(),
            syn::Expr::Path(p) => self.classify_path(&p.path),
            syn::Expr::Field(f) => self.classify_field(f),
            syn::Expr::MethodCall(m) => self.classify_method(m),
            syn::Expr::Call(c) => self.classify_call(c),
            syn::Expr::Cast(c) => self.classify(&c.expr),
            _ => Value::Unknown,
        }
    }

    fn classify_await(&self, a: &syn::ExprAwait) -> Value {
        let inner = self.classify(&a.base);
        if inner != Value::Unknown {
            return inner.awaited();
        }
        // weak evidence: a zero-argument `get()` that is awaited is a pool checkout
        if let syn::Expr::MethodCall(m) = &*a.base {
            if m.method == "get"
                && m.args.is_empty()
                && self.classify(&m.receiver) == Value::Unknown
            {
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
                    wrapped: Wrapped { future: false, fallible: true },
                    owned: true,
                };
            }
        }
        Value::Unknown
    }

    fn classify_path(&self, p: &syn::Path) -> Value {
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
        let name = p
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        match self.file.index.static_type(&name) {
            Some(t) => self.value_of_type(
                t,
                || format!("is a static declared as `{t}`"),
                Wrapped::NONE,
            ),
            None => Value::Unknown,
        }
    }

    fn classify_field(&self, f: &syn::ExprField) -> Value {
        let Value::Struct(owner) = self.classify(&f.base) else {
            return Value::Unknown;
        };
        let field = match &f.member {
            syn::Member::Named(id) => id.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        };
        match self.file.index.struct_field(&owner, &field) {
            Some(t) => self.value_of_type(
                t,
                || format!("is field `{owner}.{field}`, declared as `{t}`"),
                Wrapped::NONE,
            ),
            None => Value::Unknown,
        }
    }

    fn classify_method(&self, m: &syn::ExprMethodCall) -> Value {
        let method = m.method.to_string();
        if UNWRAPPERS.contains(&method.as_str()) {
            return self.classify(&m.receiver).unwrapped();
        }
        if RESULT_ADAPTERS.contains(&method.as_str()) {
            return self.classify(&m.receiver);
        }
        let recv = self.classify(&m.receiver);
        if method == "clone" && m.args.is_empty() {
            return match recv {
                Value::Pool { .. } | Value::Struct(_) => recv,
                _ => Value::Unknown,
            };
        }
        if let Some(v) = self.acquisition(m, &method, &recv) {
            return v;
        }
        if let Value::Struct(owner) = &recv {
            return self.crate_fn_value(
                self.file.index.methods(owner, &method),
                &format!("{owner}::{method}()"),
            );
        }
        Value::Unknown
    }

    /// An explicit acquisition `pool.acquire()`, `pool.get()`, … as a (wrapped) guard.
    fn acquisition(&self, m: &syn::ExprMethodCall, method: &str, recv: &Value) -> Option<Value> {
        let catalog = self.file.catalog;
        let (pool_krate, strong) = match recv {
            Value::Pool { krate, wrapped, .. } if wrapped.is_bare() => (*krate, true),
            Value::Unknown if receiver_says_pool(&m.receiver) => (None, false),
            _ => return None,
        };
        let candidates = catalog
            .crates
            .iter()
            .enumerate()
            .filter(|(i, _)| pool_krate.is_none_or(|k| k == *i));
        for (i, api) in candidates {
            let Some(acq) = api
                .acquire
                .iter()
                .find(|a| a.method == method && a.args == m.args.len())
            else {
                continue;
            };
            // by name alone, a synchronous `get()` is too common to trust
            if !strong && !acq.is_async {
                continue;
            }
            let span = self.file.span(m);
            let text = format!(
                "is taken from `{}` at line {}",
                self.file.text(m),
                self.file.line(span)
            );
            return Some(Value::Guard {
                krate: Some(i),
                kind: acq.yields,
                evidence: Evidence {
                    text,
                    span: Some(span),
                },
                wrapped: Wrapped {
                    future: acq.is_async,
                    fallible: acq.returns != Returns::Value,
                },
                owned: true,
            });
        }
        None
    }

    fn classify_call(&self, c: &syn::ExprCall) -> Value {
        let syn::Expr::Path(p) = &*c.func else {
            return Value::Unknown;
        };
        let path = lower_path(&p.path, self.file.uses, self.self_ty.as_ref());
        let TypeRef::Path { segments, .. } = &path else {
            return Value::Unknown;
        };
        let n = segments.len();
        let last = segments[n - 1].as_str();
        // `Box::new(x)`, `Arc::new(x)`: the value inside
        if n >= 2
            && last == "new"
            && self
                .file
                .catalog
                .std
                .wrappers
                .transparent
                .contains(&segments[n - 2])
        {
            return c.args.first().map_or(Value::Unknown, |a| self.classify(a));
        }
        if n == 1 {
            return self.crate_fn_value(self.file.index.free_fns(last), &format!("{last}()"));
        }
        let owner = segments[n - 2].as_str();
        let owner = if owner == "Self" {
            self.self_ty
                .as_ref()
                .and_then(TypeRef::last)
                .unwrap_or(owner)
        } else {
            owner
        };
        let methods = self.file.index.methods(owner, last);
        if !methods.is_empty() {
            return self.crate_fn_value(methods, &format!("{owner}::{last}()"));
        }
        self.crate_fn_value(
            self.file.index.free_fns(last),
            &format!("{}()", segments.join("::")),
        )
    }

    fn crate_fn_value(&self, sigs: &[crate::index::FnSig], shown: &str) -> Value {
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
}

/// The receiver's name says it is a pool: `pool`, `db_pool`, `state.pg_pool`, `PgPool`-like names.
fn receiver_says_pool(e: &syn::Expr) -> bool {
    let name = match e {
        syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(id) => Some(id.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::Reference(r) => return receiver_says_pool(&r.expr),
        syn::Expr::Paren(p) => return receiver_says_pool(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "clone" => return receiver_says_pool(&m.receiver),
        _ => None,
    };
    name.is_some_and(|n| {
        n.to_ascii_lowercase().split('_').any(|part| {
            part == "pool"
                || (part.ends_with("pool")
                    && [
                        "db", "pg", "conn", "sql", "redis", "mysql", "sqlite", "mongo", "database",
                        "postgres",
                    ]
                    .iter()
                    .any(|p| part.starts_with(p)))
        })
    })
}

impl BodyCx<'_> {
    /// The path of a call's function, expanded through the file's imports (`forget(x)` after
    /// `use std::mem::forget;` is `std::mem::forget`).
    pub fn call_path(&self, call: &syn::ExprCall) -> Option<Vec<String>> {
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        match lower_path(&p.path, self.file.uses, self.self_ty.as_ref()) {
            TypeRef::Path { segments, .. } => Some(segments),
            _ => None,
        }
    }
}
