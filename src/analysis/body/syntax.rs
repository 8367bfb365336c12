//! Syntax-only helpers of the walker: shapes of expressions and patterns, and the lists of
//! adapters and macros it knows.

use super::*;
use crate::index::cfg::{cfg_test_only, TestOnly};

/// Tests are not production paths: `#[test]`, `#[tokio::test]`, `#[sqlx::test]`, `#[rstest]`
/// functions and `#[cfg(test)]` modules are not analysed.
pub(super) fn is_test_code(attrs: &[syn::Attribute], include_support: bool) -> bool {
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if matches!(last.as_str(), "test" | "rstest" | "test_case" | "bench") {
            return true;
        }
        if last != "cfg" {
            return false;
        }
        let Ok(predicate) = a.parse_args::<syn::Meta>() else { return false };
        match cfg_test_only(&predicate) {
            TestOnly::Tests => true,
            TestOnly::Support => !include_support,
            TestOnly::No => false,
        }
    })
}

/// A loop that ends by handing out a value (`break conn`, `return Ok(pool)`) is a retry loop:
/// what it builds is built once. So is a loop that counts attempts (`loop`, a `while` on a
/// condition, a `for` over a range) and leaves with a plain `break` on success: in a match
/// arm or `if let` on `Ok(..)`/`Some(..)`, or under `if ….is_ok()`/`.is_some()`. At most one
/// pool of it is alive at a time (each attempt's is dropped before the next).
pub(super) fn is_retry_loop(body: &syn::Block, counting: bool) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            self.0 |= b.expr.is_some();
        }
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            self.0 |= r.expr.as_deref().is_some_and(|e| !is_err_expr(e));
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut v = V(false);
    v.visit_block(body);
    v.0 || counting && leaves_on_success(body)
}

/// Whether a loop body has a plain `break` of its own loop on a success branch.
fn leaves_on_success(body: &syn::Block) -> bool {
    struct V {
        found: bool,
        on_success: bool,
    }
    impl V {
        fn branch(&mut self, success: bool, walk: impl FnOnce(&mut V)) {
            let saved = self.on_success;
            self.on_success |= success;
            walk(self);
            self.on_success = saved;
        }
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            self.found |= self.on_success && b.label.is_none();
        }
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            self.branch(is_success_pat(&arm.pat), |v| syn::visit::visit_arm(v, arm));
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            let success = match &*i.cond {
                syn::Expr::Let(l) => is_success_pat(&l.pat),
                syn::Expr::MethodCall(m) => m.method == "is_ok" || m.method == "is_some",
                _ => false,
            };
            self.visit_expr(&i.cond);
            self.branch(success, |v| v.visit_block(&i.then_branch));
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        // a `break` there leaves another loop, or none
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut v = V { found: false, on_success: false };
    v.visit_block(body);
    v.found
}

/// `Ok(..)`, `Some(..)`.
fn is_success_pat(p: &syn::Pat) -> bool {
    matches!(p, syn::Pat::TupleStruct(t) if names_ok_or_some(&t.path))
}

/// `Ok`, `Some` (the wrappers a success is handed out in).
fn names_ok_or_some(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some")
}

/// A `for` loop's iterable that counts attempts: a range (`0..10`, `(1..=n).rev()`).
pub(super) fn is_counting(iterable: &syn::Expr) -> bool {
    match strip_parens(iterable) {
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(m) => is_counting(&m.receiver),
        _ => false,
    }
}

/// Whether a pattern binds a part of the value by value (not `ref`), so that matching an
/// owned scrutinee moves it.
pub(super) fn binds_by_value(p: &syn::Pat) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0 |= i.by_ref.is_none();
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut v = V(false);
    v.visit_pat(p);
    v.0
}

/// Every name a closure's parameters bind.
pub(super) fn param_names(params: &Punctuated<syn::Pat, syn::Token![,]>) -> Vec<String> {
    let mut names = Vec::new();
    for p in params {
        collect_pat_idents(p, &mut names);
    }
    names
}

/// The name a parameter pattern binds (`pool`, `state` in `State(state)`), or `""`.
pub(super) fn param_name(p: &syn::Pat) -> String {
    match p {
        syn::Pat::Ident(id) => id.ident.to_string(),
        syn::Pat::Type(t) => param_name(&t.pat),
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => param_name(&ts.elems[0]),
        syn::Pat::Reference(r) => param_name(&r.pat),
        _ => String::new(),
    }
}

/// `&mut *conn`, `&conn`, `conn.deref_mut()`: the guard lent under another name.
pub(super) fn is_reborrow(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Reference(r) => {
            matches!(strip_parens(&r.expr), syn::Expr::Path(_) | syn::Expr::Unary(_) | syn::Expr::Field(_))
        }
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)),
        _ => false,
    }
}

/// A type written out with its path and arguments (`sqlx::PoolOptions<Sqlite>`), to read
/// a backend from.
pub(super) fn type_text(t: &TypeRef) -> String {
    match t {
        TypeRef::Path { segments, args } => {
            let mut out = segments.join("::");
            for a in args {
                out.push('<');
                out.push_str(&type_text(a));
            }
            out
        }
        TypeRef::Ref(inner) => type_text(inner),
        _ => String::new(),
    }
}

/// The temporary a `let` initialiser borrows and so keeps alive to the end of the block:
/// `pool.get()?` in `&mut pool.get()?`, the `match` in `&mut *match pool.get() { .. }`. Places
/// (`&conn`, `&mut *self.conn`) are borrowed, not extended.
pub(super) fn extended_temporary(e: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Reference(r) = strip_parens(e) else {
        return None;
    };
    let mut inner = strip_parens(&r.expr);
    while let syn::Expr::Unary(u) = inner {
        if !matches!(u.op, syn::UnOp::Deref(_)) {
            return None;
        }
        inner = strip_parens(&u.expr);
    }
    match inner {
        syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_) => None,
        other => Some(other),
    }
}

/// Whether an expression never completes normally: `return`, `continue`, `break`, a panic, or
/// a block ending in one.
pub(super) fn diverges(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Return(_) | syn::Expr::Continue(_) | syn::Expr::Break(_) => true,
        syn::Expr::Macro(m) => {
            m.mac.path.segments.last().is_some_and(|s| DIVERGING_MACROS.contains(&s.ident.to_string().as_str()))
        }
        syn::Expr::Block(b) => b.block.stmts.iter().any(|s| match s {
            syn::Stmt::Expr(e, _) => diverges(e),
            syn::Stmt::Macro(m) => {
                m.mac.path.segments.last().is_some_and(|s| DIVERGING_MACROS.contains(&s.ident.to_string().as_str()))
            }
            _ => false,
        }),
        _ => false,
    }
}

/// The value of an arm's body: its tail when it is a block.
pub(super) fn block_tail(e: &syn::Expr) -> &syn::Expr {
    match strip_parens(e) {
        syn::Expr::Block(b) if b.label.is_none() => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => block_tail(tail),
            _ => e,
        },
        other => other,
    }
}

/// The name an arm's pattern takes out of `Ok(..)`/`Some(..)`, when its body hands exactly
/// that name on (`Ok(conn) => conn`).
pub(super) fn unwrapping_arm(arm: &syn::Arm) -> bool {
    let syn::Pat::TupleStruct(ts) = &arm.pat else {
        return false;
    };
    let is_ok = names_ok_or_some(&ts.path);
    let (true, Some(syn::Pat::Ident(bound)), 1) = (is_ok, ts.elems.first(), ts.elems.len()) else {
        return false;
    };
    let body = match strip_parens(&arm.body) {
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => strip_parens(tail),
            _ => return false,
        },
        other => other,
    };
    matches!(body, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|id| *id == bound.ident))
}

/// The start of a method chain, through `.await` and `?`: `PgPoolOptions::new()` in
/// `PgPoolOptions::new().max_connections(5).connect(url).await?`.
pub(super) fn chain_root(e: &syn::Expr) -> &syn::Expr {
    let mut root = strip_parens(e);
    loop {
        match root {
            syn::Expr::MethodCall(m) => root = strip_parens(&m.receiver),
            syn::Expr::Try(t) => root = strip_parens(&t.expr),
            syn::Expr::Await(a) => root = strip_parens(&a.base),
            _ => return root,
        }
    }
}

/// True for blocks, `if` and `match`: their tails are checked branch by branch.
pub(super) fn is_nested_tail(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Block(_) | syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Unsafe(_))
        || matches!(e, syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_))
}

/// The branching value an `Ok(..)`/`Some(..)` tail wraps (`Ok(match pool { .. })`): its arms
/// are the function's tails, each with its own bindings in scope.
pub(super) fn wrapped_nested_tail(e: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Call(c) = strip_parens(e) else { return None };
    let syn::Expr::Path(p) = &*c.func else { return None };
    let wraps = names_ok_or_some(&p.path);
    match (wraps, c.args.first()) {
        (true, Some(inner)) if c.args.len() == 1 && is_nested_tail(inner) => Some(inner),
        _ => None,
    }
}

/// `Err(..)` and `return Err(..)`: error exits.
pub fn is_err_expr(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err"))
        }
        syn::Expr::Return(r) => r.expr.as_deref().is_some_and(is_err_expr),
        syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            ["bail", "panic", "unreachable", "todo", "unimplemented"].contains(&s.ident.to_string().as_str())
        }),
        _ => false,
    }
}

pub(super) fn ends_with_tail(b: &syn::Block) -> bool {
    matches!(b.stmts.last(), Some(syn::Stmt::Expr(_, None)))
}

pub(super) fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// A field as written in an access, pattern or literal: `db`, or `0` for a tuple struct's.
pub(super) fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(id) => id.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// A pattern without its type ascription and parentheses (`(a, b): (A, B)` → `(a, b)`).
pub(super) fn strip_pat_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => strip_pat_type(&t.pat),
        syn::Pat::Paren(p) => strip_pat_type(&p.pat),
        other => other,
    }
}

/// Merges branch-end states: a guard is live when it is live at the end of any of them. With
/// no branch (all diverged), the state is unreachable; `before` is kept.
pub(super) fn merge(before: &[bool], ends: &[Vec<bool>]) -> Vec<bool> {
    if ends.is_empty() {
        return before.to_vec();
    }
    let n = ends.iter().map(Vec::len).max().unwrap_or(0).max(before.len());
    (0..n).map(|i| ends.iter().any(|s| s.get(i).copied().unwrap_or(false))).collect()
}

/// The direct sub-expressions of an expression that has no scoping of its own, with whether each
/// is in a by-value (moving) position.
pub(super) struct Children<'a>(pub(super) Vec<(&'a syn::Expr, bool)>);

impl<'a> Children<'a> {
    pub(super) fn collect(&mut self, e: &'a syn::Expr) {
        use syn::Expr::*;
        let v = &mut self.0;
        match e {
            Array(a) => v.extend(a.elems.iter().map(|e| (e, true))),
            Assign(a) => v.extend([(&*a.right, true), (&*a.left, false)]),
            Binary(b) => v.extend([(&*b.left, false), (&*b.right, false)]),
            Cast(c) => v.push((&c.expr, false)),
            Field(f) => v.push((&f.base, false)),
            Group(g) => v.push((&g.expr, false)),
            Index(i) => v.extend([(&*i.expr, false), (&*i.index, false)]),
            Paren(p) => v.push((&p.expr, false)),
            Range(r) => v.extend(r.start.as_deref().into_iter().chain(r.end.as_deref()).map(|e| (e, false))),
            Reference(r) => v.push((&r.expr, false)),
            Repeat(r) => v.extend([(&*r.expr, true), (&*r.len, false)]),
            Struct(s) => {
                v.extend(s.fields.iter().map(|f| (&f.expr, true)));
                v.extend(s.rest.as_deref().map(|e| (e, false)));
            }
            Try(t) => v.push((&t.expr, false)),
            Tuple(t) => v.extend(t.elems.iter().map(|e| (e, true))),
            Unary(u) => v.push((&u.expr, false)),
            Yield(y) => v.extend(y.expr.as_deref().map(|e| (e, true))),
            _ => {}
        }
    }
}

/// Methods that pass a `Result`/`Option` through unchanged for our purposes.
pub(super) const RESULT_ADAPTERS: &[&str] = &[
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
    "ok_or",
    "ok_or_else",
];

/// Methods that unwrap a `Result`/`Option`.
pub(super) const UNWRAPPERS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "unwrap_unchecked", "unwrap_or_default"];

pub(super) fn contains_await(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
}

/// Calls `f` with every single-identifier path in `e`, including identifiers inside macro
/// arguments (`format!("{}", conn.id)`).
pub fn visit_idents(e: &syn::Expr, f: &mut dyn FnMut(&str)) {
    struct V<'f>(&'f mut dyn FnMut(&str));
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(id) = p.path.get_ident() {
                (self.0)(&id.to_string());
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            tokens_idents(m.tokens.clone(), self.0);
        }
    }
    V(f).visit_expr(e);
}

pub(super) fn tokens_idents(tokens: proc_macro2::TokenStream, f: &mut dyn FnMut(&str)) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => f(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => tokens_idents(g.stream(), f),
            _ => {}
        }
    }
}

pub(super) fn collect_pat_idents(p: &syn::Pat, out: &mut Vec<String>) {
    struct Idents<'x>(&'x mut Vec<String>);
    impl<'ast> Visit<'ast> for Idents<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    Idents(out).visit_pat(p);
}

/// The receiver's name says it is a pool: `pool`, `db_pool`, `state.pg_pool`.
pub(super) fn receiver_says_pool(e: &syn::Expr) -> bool {
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
                    && ["db", "pg", "conn", "sql", "redis", "mysql", "sqlite", "mongo", "database", "postgres"]
                        .iter()
                        .any(|p| part.starts_with(p)))
        })
    })
}

/// Constructors whose type is what they build (`Config::new()` is a `Config`).
pub(super) const SELF_CONSTRUCTORS: &[&str] =
    &["new", "default", "builder", "open", "from_env", "from_url", "from_str", "parse", "with_config"];

/// True when the method's receiver is itself the chain's root (`client.get_connection()`).
pub(super) fn root_is_receiver(m: &syn::ExprMethodCall) -> bool {
    !matches!(strip_parens(&m.receiver), syn::Expr::MethodCall(_))
}

pub(super) fn unique(sigs: &[FnSig]) -> Option<&FnSig> {
    match sigs {
        [one] => Some(one),
        _ => None,
    }
}

/// Whether a receiver is visibly an iterator or a stream: a range, or a chain through an
/// iterator-making call (`items.iter().filter(..)`, `stream::iter(v)`, `(0..n)`).
pub(super) fn is_iterator_chain(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(m) => {
            ITERATOR_SOURCES.contains(&m.method.to_string().as_str()) || is_iterator_chain(&m.receiver)
        }
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "iter" || s.ident == "repeat"),
            _ => false,
        },
        syn::Expr::Await(a) => is_iterator_chain(&a.base),
        syn::Expr::Try(t) => is_iterator_chain(&t.expr),
        _ => false,
    }
}

/// `*e` seen through: the place a deref borrows from.
fn deref_of(e: &syn::Expr) -> &syn::Expr {
    match strip_parens(e) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => deref_of(&u.expr),
        other => other,
    }
}

/// The names a `let` binds the value it unwraps to: `let db = ..`, `let Ok(db) = .. else`,
/// `let (a, b) = ..` (a `_` binds nothing); `None` for any other pattern.
pub(super) fn unwrapped_bindings(p: &syn::Pat) -> Option<Vec<&syn::Ident>> {
    match p {
        syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(vec![&pi.ident]),
        syn::Pat::Type(t) => unwrapped_bindings(&t.pat),
        syn::Pat::Wild(_) => Some(Vec::new()),
        syn::Pat::Tuple(t) => {
            let mut all = Vec::new();
            for e in &t.elems {
                all.extend(unwrapped_bindings(e)?);
            }
            Some(all)
        }
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 && names_ok_or_some(&ts.path) => {
            unwrapped_bindings(&ts.elems[0])
        }
        _ => None,
    }
}

/// The closures and async blocks in an expression: code that runs later, elsewhere.
pub(super) fn deferred_bodies(e: &syn::Expr) -> Vec<&syn::Expr> {
    struct Deferred<'e> {
        found: Vec<&'e syn::Expr>,
    }
    impl<'e> Visit<'e> for Deferred<'e> {
        fn visit_expr(&mut self, e: &'e syn::Expr) {
            match e {
                syn::Expr::Closure(_) | syn::Expr::Async(_) => self.found.push(e),
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut deferred = Deferred { found: Vec::new() };
    deferred.visit_expr(e);
    deferred.found
}

/// Whether `name` is put by value into a collection in `rest`: an argument of a sink method
/// (`push`, `insert`, …) that holds it, not borrowed and not as a method's receiver
/// (`shards.insert(key, pool)`, `workers.push(Worker::new(conn))`, `staged.push((batch, lease))`).
pub(super) fn kept_in_collection(name: &syn::Ident, rest: &[syn::Stmt], sinks: &[String]) -> bool {
    /// Finds `name` by value in an expression (any use of it in a `move` closure).
    struct ByValue<'n> {
        name: &'n syn::Ident,
        found: bool,
        in_move: bool,
    }
    impl<'ast> Visit<'ast> for ByValue<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::Reference(_) if !self.in_move => {}
                syn::Expr::Closure(c) if c.capture.is_none() && !self.in_move => {}
                syn::Expr::Closure(c) => {
                    let outer = std::mem::replace(&mut self.in_move, true);
                    self.visit_expr(&c.body);
                    self.in_move = outer;
                }
                syn::Expr::MethodCall(m) if !self.in_move => m.args.iter().for_each(|a| self.visit_expr(a)),
                syn::Expr::Path(p) => self.found |= p.qself.is_none() && p.path.is_ident(self.name),
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    /// Finds a sink call holding it, on a collection not made after it (which would die
    /// with it).
    struct Sinks<'n, 's> {
        name: &'n syn::Ident,
        sinks: &'s [String],
        made_after: Vec<syn::Ident>,
        kept: bool,
    }
    impl<'ast> Visit<'ast> for Sinks<'_, '_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let pat = match &l.pat {
                syn::Pat::Type(t) => &*t.pat,
                other => other,
            };
            if let syn::Pat::Ident(p) = pat {
                self.made_after.push(p.ident.clone());
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let into_later = matches!(strip_parens(&m.receiver), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|id| self.made_after.contains(id)));
            if !into_later && self.sinks.iter().any(|s| m.method == s) {
                let mut by_value = ByValue { name: self.name, found: false, in_move: false };
                m.args.iter().for_each(|a| by_value.visit_expr(a));
                self.kept |= by_value.found;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut kept = Sinks { name, sinks, made_after: Vec::new(), kept: false };
    rest.iter().for_each(|s| kept.visit_stmt(s));
    if kept.kept {
        return true;
    }
    // moved into what a later `let` binds (`let worker = Worker::new(conn);`): kept when that is
    rest.iter().enumerate().any(|(i, stmt)| {
        let syn::Stmt::Local(syn::Local { pat: syn::Pat::Ident(bound), init: Some(init), .. }) = stmt else {
            return false;
        };
        let mut by_value = ByValue { name, found: false, in_move: false };
        by_value.visit_expr(&init.expr);
        by_value.found && bound.ident != *name && kept_in_collection(&bound.ident, &rest[i + 1..], sinks)
    })
}

/// Methods whose result keeps (part of) their receiver alive elsewhere.
const ESCAPING_METHODS: &[&str] = &["clone", "into", "to_owned", "into_inner", "take", "leak"];

/// Whether every use of binding `name` in `rest` is in place: a method call on it
/// (`name.connection()`) or a borrow (`&name`, `&mut name`). A bare use (an argument, a
/// struct field, the block's value, a macro argument), a clone, a field path or a new binding
/// of the name counts as the value escaping.
pub(super) fn used_in_place_only(name: &syn::Ident, rest: &[syn::Stmt]) -> bool {
    struct Uses<'n> {
        name: &'n syn::Ident,
        escaped: bool,
    }
    impl Uses<'_> {
        fn is_name(&self, e: &syn::Expr) -> bool {
            matches!(strip_parens(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
        }
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if self.escaped {
                return;
            }
            match e {
                syn::Expr::MethodCall(m)
                    if self.is_name(&m.receiver) && !ESCAPING_METHODS.contains(&m.method.to_string().as_str()) =>
                {
                    m.args.iter().for_each(|a| self.visit_expr(a));
                }
                // `&name`, `&*name`: a borrow, unless handed to a clone (`Arc::clone(&name)`)
                syn::Expr::Reference(r) if self.is_name(deref_of(&r.expr)) => {}
                syn::Expr::Call(c)
                    if matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "clone"))
                        && c.args.iter().any(|a| {
                            self.is_name(deref_of(a))
                                || matches!(a, syn::Expr::Reference(r) if self.is_name(deref_of(&r.expr)))
                        }) =>
                {
                    self.escaped = true
                }
                syn::Expr::Path(p) if p.path.is_ident(self.name) => self.escaped = true,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let name = self.name.to_string();
            tokens_idents(m.tokens.clone(), &mut |id| self.escaped |= id == name);
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.escaped |= p.ident == *self.name;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut uses = Uses { name, escaped: false };
    for s in rest {
        uses.visit_stmt(s);
    }
    !uses.escaped
}

#[cfg(test)]
mod tests {
    use super::used_in_place_only;

    fn in_place(rest: &str) -> bool {
        let block: syn::Block = syn::parse_str(&format!("{{ {rest} }}")).unwrap();
        used_in_place_only(&syn::parse_str("store").unwrap(), &block.stmts)
    }

    #[test]
    fn method_calls_and_borrows_are_uses_in_place() {
        assert!(in_place("let c = store.connection()?; run(&c); audit(&store); fix(&mut store);"));
        assert!(in_place("query.fetch_all(&*store);"));
        assert!(in_place("let other = self.store; other.get();"));
        assert!(in_place(""));
    }

    #[test]
    fn moves_clones_and_new_bindings_let_the_value_escape() {
        assert!(!in_place("shards.push(store);"));
        assert!(!in_place("keep(store.clone());"));
        assert!(!in_place("keep(Arc::clone(&store));"));
        assert!(!in_place("store"));
        assert!(!in_place("State { store }"));
        assert!(!in_place("let pool = store.pool; pool.get();"));
        assert!(!in_place("println!(\"{}\", store);"));
    }
}
