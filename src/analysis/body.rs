//! The body walker: scoped bindings, guard liveness, expression classification and rule hooks.
//!
//! Every function body is walked once, in evaluation order. Guards (owned pooled connections and
//! transactions) are tracked from their binding until they are moved, dropped or go out of
//! scope; branches are walked from the same state and merged (a guard is live after an `if`
//! when it is live at the end of any branch that does not diverge), and loops merge their
//! entry, body-end and `break` states. Closures and `async` blocks are frames of their own: a
//! guard moved into one is tracked inside it. Rules see the state through [`BodyCx`] at each
//! expression, each wait (`.await`, `join!`, a blocking call in sync code), each normal exit
//! and each `static` initialiser.

use super::facts::{AcquireFact, CallFact, Construction, FileFnFacts, FnFacts, GuardSource, HeldGuard, PerItem};
use super::settings::{GroupKey, PoolBuild, SettingSite};
use super::value::{Evidence, Stored, Value, Wrapped};
use super::FileCx;
use crate::catalog::{path_ends_with, path_ends_with_any, GuardKind, Returns};
use crate::catalog::{SettingForm, SettingRole};
use crate::index::consts::{ConstExpr, Evaluated};
use crate::index::types::{lower_path, lower_type, TypeRef};
use crate::index::{fn_key, FnSig, IndexView, ItemRef, TypeClass};
use crate::report::Diagnostic;
use crate::rules::Rule;
use crate::source::Span;
use syn::punctuated::Punctuated;
use syn::visit::Visit;

/// A local binding and what it holds.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The bound name.
    pub name: String,
    /// What it holds.
    pub value: Value,
    /// The tracked guard this binding owns.
    pub owns: Option<usize>,
    /// Tracked guards whose own work this binding is (a transaction or statement made from it).
    pub families: Vec<usize>,
    /// Loops enclosing the binding within its frame.
    pub loop_depth: usize,
    /// For a pool: the place it was taken from (`let db = state.db.clone();` → `state.db`).
    pub key: Option<String>,
    /// For a guard still wrapped (`let res = pool.get().await;`): where it comes from, for the
    /// binding that unwraps it later.
    pub source: Option<GuardSource>,
}

/// A guard followed through a function.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// The binding's name.
    pub name: String,
    /// Connection or transaction.
    pub kind: GuardKind,
    /// Catalogue crate, when known.
    pub krate: Option<usize>,
    /// Why it is a guard.
    pub evidence: Evidence,
    /// Where it was taken (the acquisition, or the binding).
    pub acquired: Span,
    /// The pool it came from, as written (`state.db`), when it was acquired here.
    pub pool: Option<String>,
    /// The workspace function call it came from (`app.db_write()`, `get_conn(pool)`), when it
    /// was not acquired here: the crate stage knows that call's pools from its summary.
    pub from_call: Option<Box<CallFact>>,
    /// True when it came from a `begin()`-style acquisition in this function.
    pub from_begin: bool,
    /// The frame (function, closure, async block) it lives in.
    pub frame: usize,
    /// Its last mention so far.
    pub last_use: Option<Span>,
    /// The scope (block) it is bound in.
    pub scope: usize,
    /// The statement of that block holding its last mention so far.
    pub last_use_stmt: Option<Span>,
    /// Bound as a reference to a temporary the `let` keeps alive (`let c = &mut pool.get()?;`):
    /// the guard lives to the end of the block, uses of the name are reborrows, and dropping
    /// the name releases nothing.
    pub extended: bool,
}

/// Something the task waits on.
pub struct Wait<'e> {
    /// The whole waiting expression (the `.await` expression, the macro, the blocking call).
    pub span: Span,
    /// What is waited on.
    pub exprs: Vec<&'e syn::Expr>,
    /// What it is, for messages: "`.await`", "`join!`", "`thread::sleep`", "blocking HTTP call".
    pub how: &'static str,
}

/// Kind of frame: bodies whose exits and awaits are their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Function,
    Closure,
    AsyncBlock,
}

#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    is_async: bool,
    loop_depth: usize,
    /// Enclosing loops of this frame: whether each runs per item (not a retry loop).
    loops: Vec<bool>,
    /// The frame runs once per item of an enclosing loop or iterator.
    per_item: Option<PerItem>,
    /// The frame initialises a once-cell or lazy static: it runs once.
    once: bool,
    /// A closure run in place by a method of a held guard (`conn.transaction(|c| ..)`): the
    /// enclosing frame's guards are held while it runs.
    in_place: bool,
}

impl Frame {
    fn new(kind: FrameKind, is_async: bool) -> Frame {
        Frame { kind, is_async, loop_depth: 0, loops: Vec::new(), per_item: None, once: false, in_place: false }
    }
}

#[derive(Debug)]
struct Scope {
    bindings: Vec<Binding>,
}

/// The walker's state during one function, as rules see it.
pub struct BodyCx<'a> {
    /// The file.
    pub file: &'a FileCx<'a>,
    self_ty: Option<TypeRef>,
    scopes: Vec<Scope>,
    frames: Vec<Frame>,
    tracked: Vec<Tracked>,
    alive: Vec<bool>,
    /// `break` states of the enclosing loops of the current frame.
    breaks: Vec<Vec<Vec<bool>>>,
    /// Set while walking the arguments of an offloading call (`spawn_blocking`).
    offloading: bool,
    /// True while walking a `static` initialiser.
    in_static: bool,
    /// Facts recorded for cross-function analyses.
    facts: FnFacts,
    /// Handlers registered by framework calls in this body.
    registered: Vec<(String, Span)>,
    /// Set while walking the arguments of a call that runs its closures per item or once.
    closure_context: ClosureContext,
    /// Set while walking the arguments of a method called on held guards (these ids): its
    /// closures run in place, and their parameters are those guards' own connection.
    in_place_with: Option<Vec<usize>>,
    /// Module path of the function.
    module: Vec<String>,
    /// Pool settings found.
    settings: Vec<SettingSite>,
    /// Pools built.
    builds: Vec<PoolBuild>,
    /// The configuration settings found now belong to (a `let` or assignment being walked).
    group_override: Option<GroupKey>,
    /// Bindings holding a configuration made here from scratch.
    local_groups: Vec<GroupKey>,
    /// The database of the builder chain whose setter is being recorded, from its root's type.
    chain_backend: Option<(GroupKey, crate::catalog::Backend)>,
    /// Configurations that took a value poolcheck cannot read (a helper's return value, a
    /// deserialised setting): what they leave out is unknown, never judged missing.
    opaque_groups: Vec<GroupKey>,
    /// Statements being walked, outermost first, with the scope each belongs to.
    stmts: Vec<(usize, Span)>,
    /// Bindings that are another binding's configuration under a new name
    /// (`let b = b.max_size(4);`): new key → the configuration's key.
    group_aliases: Vec<(GroupKey, GroupKey)>,
}

/// How a closure argument runs, decided by the call it is given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClosureContext {
    /// Nothing known: the closure runs where it is called.
    Plain,
    /// Once per item (`map`, `for_each`).
    PerItem,
    /// Once for the program (`get_or_init`, `Lazy::new`).
    Once,
}

/// Iterator adaptors whose closures run per item.
const PER_ITEM_ADAPTORS: &[&str] =
    &["map", "for_each", "filter_map", "flat_map", "then", "and_then", "try_for_each", "for_each_concurrent", "fold"];

/// Walks every function, method and static of a file.
pub fn walk_file(file: &syn::File, cx: &FileCx<'_>, rules: &[&dyn Rule], out: &mut Vec<Diagnostic>) -> FileFnFacts {
    let mut items =
        ItemWalker { cx, rules, out, self_ty: None, module: cx.module.clone(), facts: FileFnFacts::default() };
    items.visit_file(file);
    items.facts
}

struct ItemWalker<'a, 'b> {
    cx: &'a FileCx<'a>,
    rules: &'b [&'b dyn Rule],
    out: &'b mut Vec<Diagnostic>,
    self_ty: Option<TypeRef>,
    module: Vec<String>,
    facts: FileFnFacts,
}

impl<'a> ItemWalker<'a, '_> {
    fn body(&self, is_async: bool) -> BodyCx<'a> {
        BodyCx {
            file: self.cx,
            self_ty: self.self_ty.clone(),
            scopes: vec![Scope { bindings: Vec::new() }],
            frames: vec![Frame::new(FrameKind::Function, is_async)],
            tracked: Vec::new(),
            alive: Vec::new(),
            breaks: Vec::new(),
            offloading: false,
            in_static: false,
            facts: FnFacts::default(),
            registered: Vec::new(),
            closure_context: ClosureContext::Plain,
            in_place_with: None,
            module: self.module.clone(),
            settings: Vec::new(),
            builds: Vec::new(),
            group_override: None,
            local_groups: Vec::new(),
            opaque_groups: Vec::new(),
            chain_backend: None,
            group_aliases: Vec::new(),
            stmts: Vec::new(),
        }
    }

    fn walk_fn(&mut self, sig: &syn::Signature, block: &syn::Block, attrs: &[syn::Attribute]) {
        if is_test_code(attrs) {
            return;
        }
        let mut body = self.body(sig.asyncness.is_some());
        let owner = self.self_ty.as_ref().and_then(TypeRef::last).map(str::to_owned);
        let name = sig.ident.to_string();
        body.facts.key = fn_key(self.cx.krate, &self.module, owner.as_deref(), &name);
        body.facts.shown = owner.map_or_else(|| name.clone(), |o| format!("{o}::{name}"));
        body.facts.span = self.cx.span(&sig.ident);
        body.facts.handler = self.is_handler(sig, attrs);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                let declared = body.lower(&pt.ty);
                let at = body.file.span(&*pt.ty);
                let value = body.value_of_declared(&declared, Some(at));
                let name = param_name(&pt.pat);
                body.facts.params.push(name.clone());
                let is_pool = matches!(value, Value::Pool { .. });
                body.bind_pat(&pt.pat, value, None);
                if is_pool && !name.is_empty() {
                    if let Some(b) = body.scopes.last_mut().and_then(|s| s.bindings.last_mut()) {
                        b.key = Some(name);
                    }
                }
            }
        }
        let mut walker = Walker { body, rules: self.rules, out: self.out };
        walker.frame_body(block);
        for r in walker.rules {
            r.check_fn_end(&walker.body, walker.out);
        }
        let BodyCx { facts, registered, .. } = walker.body;
        self.facts.fns.push(facts);
        self.facts.registered.extend(registered);
        // items nested in the body (fns inside fns) are walked as items of their own
        let mut nested = NestedItems(self);
        syn::visit::visit_block(&mut nested, block);
    }

    /// A framework's handler attribute (in a file that imports the framework, or written with
    /// its path), or a tonic `Request` parameter in a trait impl.
    fn is_handler(&self, sig: &syn::Signature, attrs: &[syn::Attribute]) -> bool {
        let catalog = self.cx.catalog;
        for fw in &catalog.frameworks {
            let imported = self.cx.imports_any(&fw.paths);
            for a in attrs {
                let segs: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
                let Some(last) = segs.last() else { continue };
                let qualified = segs.len() > 1 && fw.paths.iter().any(|p| p == &segs[0]);
                if fw.attributes.contains(last) && (imported || qualified) {
                    return true;
                }
            }
            if imported && !fw.request_types.is_empty() && self.self_ty.is_some() {
                let takes_request = sig.inputs.iter().any(|i| match i {
                    syn::FnArg::Typed(pt) => lower_type(&pt.ty, self.cx.uses, None)
                        .last()
                        .is_some_and(|l| fw.request_types.iter().any(|r| r == l)),
                    syn::FnArg::Receiver(_) => false,
                });
                if takes_request {
                    return true;
                }
            }
        }
        false
    }

    fn walk_static(&mut self, name: &syn::Ident, ty: &syn::Type, init: &syn::Expr) {
        let mut body = self.body(false);
        body.in_static = true;
        let mut walker = Walker { body, rules: self.rules, out: self.out };
        walker.expr(init);
        let declared = walker.body.lower(ty);
        for r in walker.rules {
            r.check_static(&walker.body, name, &declared, init, walker.out);
            r.check_fn_end(&walker.body, walker.out);
        }
    }

    /// `thread_local! { static A: T = e; }` and `lazy_static! { static ref A: T = e; }`.
    fn walk_static_macro(&mut self, mac: &syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if name != "thread_local" && name != "lazy_static" {
            return;
        }
        if let Ok(entries) = syn::parse::Parser::parse2(parse_static_entries, mac.tokens.clone()) {
            for (ident, ty, init) in &entries {
                self.walk_static(ident, ty, init);
            }
        }
    }
}

/// Parses the entries of `thread_local!`/`lazy_static!`: `[attrs] [vis] static [ref] NAME: TYPE = EXPR;`.
fn parse_static_entries(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<(syn::Ident, syn::Type, syn::Expr)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<syn::Token![static]>()?;
        if input.peek(syn::Token![ref]) {
            input.parse::<syn::Token![ref]>()?;
        }
        let ident: syn::Ident = input.parse()?;
        input.parse::<syn::Token![:]>()?;
        let ty: syn::Type = input.parse()?;
        input.parse::<syn::Token![=]>()?;
        let init: syn::Expr = input.parse()?;
        if input.peek(syn::Token![;]) {
            input.parse::<syn::Token![;]>()?;
        }
        out.push((ident, ty, init));
    }
    Ok(out)
}

struct NestedItems<'w, 'a, 'b>(&'w mut ItemWalker<'a, 'b>);

impl<'ast> Visit<'ast> for NestedItems<'_, '_, '_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        self.0.visit_item(i);
    }
}

impl<'ast> Visit<'ast> for ItemWalker<'_, '_> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        let saved = self.self_ty.take();
        self.walk_fn(&i.sig, &i.block, &i.attrs);
        self.self_ty = saved;
    }

    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        if is_test_code(&i.attrs) {
            return;
        }
        self.module.push(i.ident.to_string());
        syn::visit::visit_item_mod(self, i);
        self.module.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.self_ty.replace(lower_type(&i.self_ty, self.cx.uses, None));
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.walk_fn(&f.sig, &f.block, &f.attrs),
                syn::ImplItem::Const(c) => self.walk_static(&c.ident, &c.ty, &c.expr),
                _ => {}
            }
        }
        self.self_ty = saved;
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        if let Some(block) = &i.default {
            self.walk_fn(&i.sig, block, &i.attrs);
        }
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.walk_static(&i.ident, &i.ty, &i.expr);
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.walk_static(&i.ident, &i.ty, &i.expr);
    }

    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        self.walk_static_macro(&i.mac);
    }

    fn visit_block(&mut self, _: &'ast syn::Block) {
        // bodies are walked by `walk_fn`; items inside them by `NestedItems`
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

/// Macros that never return.
const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented"];

/// One arm of `select!`: `pattern = future [, if guard] => handler`.
struct SelectArm {
    pat: Option<syn::Pat>,
    future: Option<syn::Expr>,
    guard: Option<syn::Expr>,
    handler: syn::Expr,
}

fn parse_select(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<SelectArm>> {
    let mut arms = Vec::new();
    if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>().is_ok_and(|i| i == "biased") {
        input.parse::<syn::Ident>()?;
        input.parse::<syn::Token![;]>()?;
    }
    while !input.is_empty() {
        let (pat, future, guard) = if input.peek(syn::Token![else]) {
            input.parse::<syn::Token![else]>()?;
            (None, None, None)
        } else {
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<syn::Token![=]>()?;
            let future = syn::Expr::parse_without_eager_brace(input)?;
            let guard = if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                input.parse::<syn::Token![,]>()?;
                input.parse::<syn::Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            (Some(pat), Some(future), guard)
        };
        input.parse::<syn::Token![=>]>()?;
        let handler: syn::Expr = input.parse()?;
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        arms.push(SelectArm { pat, future, guard, handler });
    }
    Ok(arms)
}

impl Walker<'_, '_> {
    /// Walks a frame's body: its statements, then its exit.
    fn frame_body(&mut self, block: &syn::Block) {
        self.block_in_tail(block, true);
    }

    fn exit(&mut self, span: Span) {
        for r in self.rules {
            r.check_exit(&self.body, span, self.out);
        }
    }

    fn wait(&mut self, wait: Wait<'_>) {
        for r in self.rules {
            r.check_wait(&self.body, &wait, self.out);
        }
    }

    fn block(&mut self, b: &syn::Block) -> bool {
        self.block_in_tail(b, false)
    }

    /// Walks a block; `tail` says its value is the frame's result. Returns whether it diverges.
    fn block_in_tail(&mut self, b: &syn::Block, tail: bool) -> bool {
        self.body.scopes.push(Scope { bindings: Vec::new() });
        let mut diverges = false;
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            let last = i + 1 == n;
            diverges |= self.stmt(stmt, tail && last);
            if let syn::Stmt::Local(local) = stmt {
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

    fn pop_scope(&mut self) {
        if let Some(scope) = self.body.scopes.pop() {
            for b in scope.bindings {
                if let Some(id) = b.owns {
                    self.body.set_alive(id, false);
                }
            }
        }
    }

    fn stmt(&mut self, s: &syn::Stmt, tail: bool) -> bool {
        let scope = self.body.scopes.len() - 1;
        self.body.stmts.push((scope, self.body.file.stmt_span(s)));
        let diverges = self.stmt_inner(s, tail);
        self.body.stmts.pop();
        diverges
    }

    fn stmt_inner(&mut self, s: &syn::Stmt, tail: bool) -> bool {
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

    fn mac(&mut self, m: &syn::Macro, span: Span) -> bool {
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
                    self.body.scopes.push(Scope { bindings: Vec::new() });
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

    fn hooks(&mut self, e: &syn::Expr) {
        for r in self.rules {
            r.check_expr(&self.body, e, self.out);
        }
    }

    fn expr(&mut self, e: &syn::Expr) -> bool {
        self.expr_in_tail(e, false)
    }

    /// Walks an expression; returns whether it diverges. `tail`: its value is the frame's result.
    fn expr_in_tail(&mut self, e: &syn::Expr, tail: bool) -> bool {
        if tail && self.body.frames.len() == 1 && !is_nested_tail(e) {
            self.body.record_return(e);
        }
        let diverges = match e {
            syn::Expr::Block(b) => self.block_in_tail(&b.block, tail),
            syn::Expr::Unsafe(b) => {
                self.body.scopes.push(Scope { bindings: Vec::new() });
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
                self.body.scopes.push(Scope { bindings: Vec::new() });
                self.body.bind_pat(&f.pat, Value::Unknown, None);
                self.loop_body(&f.body, false);
                self.pop_scope();
                d
            }
            syn::Expr::While(w) => {
                let before = self.body.alive.clone();
                self.body.scopes.push(Scope { bindings: Vec::new() });
                self.expr(&w.cond);
                self.loop_body(&w.body, false);
                self.pop_scope();
                let after = self.body.alive.clone();
                self.body.restore(merge(&before, &[after]));
                false
            }
            syn::Expr::Loop(l) => self.loop_body(&l.body, true),
            syn::Expr::Macro(m) => self.mac(&m.mac, self.body.file.span(m)),
            syn::Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    if self.body.frames.len() == 1 {
                        self.body.record_return(v);
                    }
                    self.expr(v);
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
        if tail && !diverges && !is_nested_tail(e) && !is_err_expr(e) {
            self.exit(self.body.file.span(e));
        }
        diverges
    }

    fn call(&mut self, c: &syn::ExprCall) -> bool {
        let mut d = self.expr(&c.func);
        let path = self.body.call_path(c);
        let waits = &self.body.file.catalog.std.waits;
        let offload = path.as_ref().is_some_and(|p| path_ends_with_any(p, &waits.offload));
        let once =
            path.as_ref().is_some_and(|p| path_ends_with_any(p, &self.body.file.catalog.std.state.lazy_constructors));
        // a workspace function taking a `'static` closure runs it elsewhere (its own
        // `spawn_blocking` wrapper, a thread pool)
        let runs_elsewhere: Vec<usize> = path
            .as_ref()
            .and_then(|p| self.body.resolve_fn(p))
            .map(|sig| sig.static_closures.clone())
            .unwrap_or_default();
        let saved = std::mem::replace(&mut self.body.offloading, offload);
        let saved_context = std::mem::replace(
            &mut self.body.closure_context,
            if once { ClosureContext::Once } else { ClosureContext::Plain },
        );
        for (i, a) in c.args.iter().enumerate() {
            self.body.offloading = offload || runs_elsewhere.contains(&i);
            d |= self.expr(a);
            self.note_move(a);
        }
        self.body.offloading = saved;
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

    fn method_call(&mut self, m: &syn::ExprMethodCall) -> bool {
        let mut d = self.expr(&m.receiver);
        let method = m.method.to_string();
        if self.body.file.catalog.std.guards.consuming_methods.contains(&method) {
            self.note_move(&m.receiver);
        }
        let state = &self.body.file.catalog.std.state;
        let context = if PER_ITEM_ADAPTORS.contains(&method.as_str()) {
            ClosureContext::PerItem
        } else if state.once_setters.contains(&method) {
            ClosureContext::Once
        } else {
            ClosureContext::Plain
        };
        let saved_context = std::mem::replace(&mut self.body.closure_context, context);
        // `conn.transaction(|c| ..)`, `obj.interact(|c| ..)`: closures run in place, on the guard
        let on_guards = self.body.guards_at_root(&m.receiver);
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
        self.body.record_method_call(m);
        if !self.body.in_async() && self.body.is_blocking_client_call(m) {
            self.wait(Wait { span: self.body.file.span(m), exprs: vec![&*m.receiver], how: "blocking HTTP call" });
        }
        d
    }

    fn if_expr(&mut self, i: &syn::ExprIf, tail: bool) -> bool {
        self.body.scopes.push(Scope { bindings: Vec::new() });
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

    fn match_expr(&mut self, m: &syn::ExprMatch, tail: bool) -> bool {
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
            self.body.scopes.push(Scope { bindings: Vec::new() });
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

    /// Walks a loop body. `infinite`: a `loop`, left only by `break`.
    fn loop_body(&mut self, body: &syn::Block, infinite: bool) -> bool {
        let before = self.body.alive.clone();
        let per_item = !is_retry_loop(body);
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
    fn frame(
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
        let context = std::mem::replace(&mut self.body.closure_context, ClosureContext::Plain);
        let on_guards = if kind == FrameKind::Closure { self.body.in_place_with.take() } else { None };
        let saved_in_place = self.body.in_place_with.take();
        let mut frame = Frame::new(kind, is_async);
        frame.in_place = on_guards.is_some();
        frame.per_item =
            self.body.per_item_context().or((context == ClosureContext::PerItem).then_some(PerItem::Iterator));
        frame.once = self.body.frames.last().is_some_and(|f| f.once) || context == ClosureContext::Once;
        self.body.frames.push(frame);
        self.body.scopes.push(Scope { bindings: Vec::new() });
        for id in moved_in {
            self.body.retrack_in_frame(id);
        }
        for p in params.into_iter().flatten() {
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
        self.body.closure_context = context;
    }

    /// Marks a guard moved when `e` (in a by-value position) is a bare path to its owner.
    fn note_move(&mut self, e: &syn::Expr) {
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

/// Tests are not production paths: `#[test]`, `#[tokio::test]`, `#[sqlx::test]`, `#[rstest]`
/// functions and `#[cfg(test)]` modules are not analysed.
fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if matches!(last.as_str(), "test" | "rstest" | "test_case" | "bench") {
            return true;
        }
        last == "cfg" && a.meta.require_list().is_ok_and(|l| l.tokens.to_string() == "test")
    })
}

/// A loop that ends by handing out a value (`break conn`, `return Ok(pool)`) is a retry loop:
/// what it builds is built once.
fn is_retry_loop(body: &syn::Block) -> bool {
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
    v.0
}

/// Whether a pattern binds a part of the value by value (not `ref`), so that matching an
/// owned scrutinee moves it.
fn binds_by_value(p: &syn::Pat) -> bool {
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
fn param_names(params: &Punctuated<syn::Pat, syn::Token![,]>) -> Vec<String> {
    let mut names = Vec::new();
    for p in params {
        collect_pat_idents(p, &mut names);
    }
    names
}

/// The name a parameter pattern binds (`pool`, `state` in `State(state)`), or `""`.
fn param_name(p: &syn::Pat) -> String {
    match p {
        syn::Pat::Ident(id) => id.ident.to_string(),
        syn::Pat::Type(t) => param_name(&t.pat),
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => param_name(&ts.elems[0]),
        syn::Pat::Reference(r) => param_name(&r.pat),
        _ => String::new(),
    }
}

/// `&mut *conn`, `&conn`, `conn.deref_mut()`: the guard lent under another name.
fn is_reborrow(e: &syn::Expr) -> bool {
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
fn type_text(t: &TypeRef) -> String {
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
fn extended_temporary(e: &syn::Expr) -> Option<&syn::Expr> {
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
fn diverges(e: &syn::Expr) -> bool {
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
fn block_tail(e: &syn::Expr) -> &syn::Expr {
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
fn unwrapping_arm(arm: &syn::Arm) -> bool {
    let syn::Pat::TupleStruct(ts) = &arm.pat else {
        return false;
    };
    let is_ok = ts.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some");
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
fn chain_root(e: &syn::Expr) -> &syn::Expr {
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
fn is_nested_tail(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Block(_) | syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Unsafe(_))
        || matches!(e, syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_))
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

fn ends_with_tail(b: &syn::Block) -> bool {
    matches!(b.stmts.last(), Some(syn::Stmt::Expr(_, None)))
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// Merges branch-end states: a guard is live when it is live at the end of any of them. With
/// no branch (all diverged), the state is unreachable; `before` is kept.
fn merge(before: &[bool], ends: &[Vec<bool>]) -> Vec<bool> {
    if ends.is_empty() {
        return before.to_vec();
    }
    let n = ends.iter().map(Vec::len).max().unwrap_or(0).max(before.len());
    (0..n).map(|i| ends.iter().any(|s| s.get(i).copied().unwrap_or(false))).collect()
}

/// The direct sub-expressions of an expression that has no scoping of its own, with whether each
/// is in a by-value (moving) position.
struct Children<'a>(Vec<(&'a syn::Expr, bool)>);

impl<'a> Children<'a> {
    fn collect(&mut self, e: &'a syn::Expr) {
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
    "ok_or",
    "ok_or_else",
];

/// Methods that unwrap a `Result`/`Option`.
const UNWRAPPERS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "unwrap_unchecked", "unwrap_or_default"];

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

    /// Whether guard `id` is live at this point.
    pub fn is_alive(&self, id: usize) -> bool {
        self.alive.get(id).copied().unwrap_or(false)
    }

    fn set_alive(&mut self, id: usize, value: bool) {
        if self.alive.len() <= id {
            self.alive.resize(id + 1, false);
        }
        self.alive[id] = value;
    }

    /// Restores a saved liveness state; guards tracked since it was saved are not live in it.
    fn restore(&mut self, mut state: Vec<bool>) {
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
    fn guards_at_root(&self, receiver: &syn::Expr) -> Vec<usize> {
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
            if let Some(b) = self.lookup(name) {
                if b.owns == Some(id) || b.families.contains(&id) {
                    found = true;
                }
            }
        });
        found
    }

    fn lower(&self, ty: &syn::Type) -> TypeRef {
        lower_type(ty, self.file.uses, self.self_ty.as_ref())
    }

    /// The tracked guard a bare path names, when that binding owns one that is live.
    fn owner_of_path(&self, e: &syn::Expr) -> Option<usize> {
        let syn::Expr::Path(p) = strip_parens(e) else {
            return None;
        };
        let ident = p.path.get_ident()?;
        let id = self.lookup(&ident.to_string())?.owns?;
        (self.is_alive(id) && !self.tracked[id].extended).then_some(id)
    }

    /// Live guards whose owner bindings `e` mentions.
    /// Live guards whose owner bindings `e` mentions, except through names it binds itself.
    fn owners_mentioned_except(&self, e: &syn::Expr, shadowed: &[String]) -> Vec<usize> {
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
    fn retrack_in_frame(&mut self, id: usize) {
        let mut t = self.tracked[id].clone();
        t.frame = self.frames.len() - 1;
        t.scope = self.scopes.len() - 1;
        t.last_use_stmt = None;
        let name = t.name.clone();
        let value = self.lookup(&name).map(|b| b.value.clone()).unwrap_or(Value::Unknown);
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

    /// Records mentions of tracked guards in a path expression (for "last use").
    fn note_mentions_shallow(&mut self, e: &syn::Expr) {
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
    fn derived_families(&self, init: &syn::Expr) -> Vec<usize> {
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
        if borrows_pending || self.is_derived_call(init) || is_reborrow(init) {
            ids
        } else {
            Vec::new()
        }
    }

    /// A chain with a method of the catalogue's derived list (`begin`, `transaction`,
    /// `build_transaction`, `prepare`), through `.await`, `?`, unwrapping and error adapters.
    fn is_derived_call(&self, e: &syn::Expr) -> bool {
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
    fn is_blocking_client_call(&self, m: &syn::ExprMethodCall) -> bool {
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

    fn push(&mut self, b: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.bindings.push(b);
        }
    }

    /// Binds every identifier of a pattern; `value` goes to the part it matches.
    pub fn bind_pat(&mut self, pat: &syn::Pat, value: Value, acquisition: Option<&syn::Expr>) {
        self.bind_pat_tracked(pat, value, acquisition, Vec::new());
    }

    fn bind_pat_tracked(
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
                    let field = match &f.member {
                        syn::Member::Named(id) => id.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    let v = self.pattern_field(view, &key, &field, owned);
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
    fn pattern_item(&self, path: &syn::Path) -> Option<(IndexView<'a>, String)> {
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
    fn pattern_field(&self, view: IndexView<'a>, key: &str, field: &str, owned: bool) -> Value {
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
    fn track(
        &mut self,
        name: &str,
        value: &Value,
        acquisition: Option<&syn::Expr>,
        at: &syn::PatIdent,
    ) -> Option<usize> {
        let (krate, kind, evidence) = value.as_owned_guard()?;
        let acquired = evidence.span.unwrap_or_else(|| self.file.span(at));
        let acq_call = acquisition.and_then(|e| self.find_acquisition_call(e));
        let (pool, from_call) = match acquisition.and_then(|e| self.guard_source(e)) {
            Some(GuardSource::Pool(key)) => (Some(key), None),
            Some(GuardSource::Call(call)) => (None, Some(call)),
            None => (None, None),
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
        });
        self.alive.push(true);
        Some(self.tracked.len() - 1)
    }

    /// The value of something declared with type `ty` (a parameter, a `let` with a type, a field).
    pub fn value_of_declared(&self, ty: &TypeRef, at: Option<Span>) -> Value {
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

    fn value_of_type(&self, ty: &TypeRef, why: impl FnOnce() -> String, wrapped: Wrapped) -> Value {
        self.value_of_type_in(self.file.index, ty, why, wrapped)
    }

    /// The value of a type written in the crate `view` looks from (a field or signature of a
    /// dependency is read in that crate's terms).
    fn value_of_type_in(
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
            TypeClass::Struct(s) => match self.carried_guard(view, &s, 0) {
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
            TypeClass::Unknown => match ty {
                TypeRef::Ref(inner) => Value::Opaque((**inner).clone()),
                other => Value::Opaque(other.clone()),
            },
            _ => Value::Unknown,
        }
    }

    /// The value a function returns, peeling `Result`/`Option` and `async`.
    fn value_of_return(&self, sig: &crate::index::FnSig, shown: &str) -> Value {
        let Some(ret) = &sig.ret else {
            return Value::Unknown;
        };
        let mut wrapped = Wrapped { future: sig.is_async, fallible: false };
        let mut ty = ret;
        if let TypeRef::Path { segments, args } = ret {
            let last = segments.last().map(String::as_str);
            if matches!(last, Some("Result" | "Option")) || last.is_some_and(|l| l.ends_with("Result")) {
                if let Some(first) = args.first() {
                    ty = first;
                    wrapped.fallible = true;
                }
            }
        }
        let view = self.file.index.for_crate(&sig.krate);
        self.value_of_type_in(view, ty, || format!("is returned by `{shown}` (declared `-> {ret}`)"), wrapped)
    }

    /// The declared type of field `field` of `owner`, found through `Deref` targets
    /// (`AppState(Arc<App>)` with `Deref<Target = App>`), with the crate it is written in and
    /// the type that has it.
    fn field_of(&self, owner: &ItemRef, field: &str) -> Option<(IndexView<'a>, &'a TypeRef, ItemRef)> {
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
    fn methods_of(&self, owner: &ItemRef, name: &str) -> Option<(&'a [FnSig], ItemRef)> {
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

    /// Whether a workspace type owns a guard: a field (of the struct, or of any variant of the
    /// enum) whose declared type is a guard, directly, in an `Option`, or through another such
    /// type. Fields that borrow (`&mut PgConnection`) hold nothing. The guard's kind and the
    /// field.
    fn carried_guard(&self, view: IndexView<'a>, item: &ItemRef, depth: usize) -> Option<(GuardKind, String)> {
        if depth > 3 {
            return None;
        }
        let view = view.for_crate(&item.krate);
        for (field, ty) in view.fields(&item.name)? {
            let mut class = view.classify(ty, self.file.catalog);
            if let TypeClass::Holder(h, inner) = class {
                if h != "Option" {
                    continue;
                }
                class = *inner;
            }
            match class {
                TypeClass::Guard(_, kind) => return Some((kind, field.clone())),
                TypeClass::Struct(inner) if inner != *item => {
                    if let Some((kind, _)) = self.carried_guard(view, &inner, depth + 1) {
                        return Some((kind, field.clone()));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The crate struct a type dereferences to.
    fn deref_struct(&self, view: IndexView<'a>, name: &str) -> Option<ItemRef> {
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
    fn classify_match(&self, m: &syn::ExprMatch) -> Value {
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
    fn classify_struct(&self, s: &syn::ExprStruct) -> Value {
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

    fn stored_guard_in(&self, e: &syn::Expr, locals: &[(String, &syn::Expr)]) -> Option<Stored> {
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

    fn classify_await(&self, a: &syn::ExprAwait) -> Value {
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
                    wrapped: Wrapped { future: false, fallible: true },
                    owned: true,
                    carrier: None,
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
        let name = p.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        match self.file.index.static_type(&name) {
            Some(t) => self.value_of_type(t, || format!("is a static declared as `{t}`"), Wrapped::NONE),
            None => Value::Unknown,
        }
    }

    fn classify_field(&self, f: &syn::ExprField) -> Value {
        let base = self.classify(&f.base);
        let Some(owner) = base.item() else {
            return Value::Unknown;
        };
        let field = match &f.member {
            syn::Member::Named(id) => id.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        };
        match self.field_of(owner, &field) {
            Some((view, t, has)) => {
                self.value_of_type_in(view, t, || format!("is field `{has}.{field}`, declared as `{t}`"), Wrapped::NONE)
            }
            None => Value::Unknown,
        }
    }

    fn classify_method(&self, m: &syn::ExprMethodCall) -> Value {
        let method = m.method.to_string();
        if UNWRAPPERS.contains(&method.as_str()) {
            return self.classify(&m.receiver).unwrapped();
        }
        if RESULT_ADAPTERS.contains(&method.as_str()) || self.file.index.is_result_adapter(&method) {
            return self.classify(&m.receiver);
        }
        let recv = self.classify(&m.receiver);
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
            if let Some(sig) = self.blanket_method(&method) {
                return self.crate_fn_value(std::slice::from_ref(sig), &format!("{method}()"));
            }
        }
        Value::Unknown
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
            return Some(Value::Guard {
                krate: Some(i),
                kind: acq.yields,
                evidence: Evidence { text, span: Some(span) },
                wrapped: Wrapped { future: acq.is_async, fallible: acq.returns != Returns::Value },
                owned: true,
                carrier: None,
            });
        }
        None
    }

    fn classify_call(&self, c: &syn::ExprCall) -> Value {
        let Some(segments) = self.call_path(c) else {
            return Value::Unknown;
        };
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
        let owner =
            if owner == "Self" { self.self_ty.as_ref().and_then(TypeRef::last).unwrap_or(owner) } else { owner };
        let methods = self.file.index.methods(owner, last);
        if !methods.is_empty() {
            return self.crate_fn_value(methods, &format!("{owner}::{last}()"));
        }
        let free = self.crate_fn_value(self.file.index.free_fns(last), &format!("{}()", segments.join("::")));
        let catalog = self.file.catalog;
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

    /// The path of a call's function, expanded through the file's imports (`forget(x)` after
    /// `use std::mem::forget;` is `std::mem::forget`).
    pub fn call_path(&self, call: &syn::ExprCall) -> Option<Vec<String>> {
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        match lower_path(&p.path, self.file.uses, self.self_ty.as_ref()) {
            TypeRef::Path { segments, .. } if !segments.is_empty() => Some(segments),
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
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if UNWRAPPERS.contains(&method.as_str())
                    || RESULT_ADAPTERS.contains(&method.as_str())
                    || self.file.index.is_result_adapter(&method)
                {
                    self.find_acquisition_call(&m.receiver)
                } else {
                    Some(m)
                }
            }
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

fn contains_await(e: &syn::Expr) -> bool {
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

fn tokens_idents(tokens: proc_macro2::TokenStream, f: &mut dyn FnMut(&str)) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => f(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => tokens_idents(g.stream(), f),
            _ => {}
        }
    }
}

fn collect_pat_idents(p: &syn::Pat, out: &mut Vec<String>) {
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
                    && ["db", "pg", "conn", "sql", "redis", "mysql", "sqlite", "mongo", "database", "postgres"]
                        .iter()
                        .any(|p| part.starts_with(p)))
        })
    })
}

/// Constructors whose type is what they build (`Config::new()` is a `Config`).
const SELF_CONSTRUCTORS: &[&str] =
    &["new", "default", "builder", "open", "from_env", "from_url", "parse", "with_config"];

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
            syn::Expr::Field(f) => {
                let member = match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                Some(format!("{}.{member}", self.place_key(&f.base)?))
            }
            _ => None,
        }
    }

    /// The key of a zero-argument workspace method that hands out shared state (a pool, a
    /// struct holding one), called on a place: `req.app()`.
    fn accessor_key(&self, m: &syn::ExprMethodCall) -> Option<String> {
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
    fn blanket_method(&self, method: &str) -> Option<&FnSig> {
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

    /// Guards live here with the pools they came from.
    fn held_guards(&self) -> Vec<HeldGuard> {
        self.held_here()
            .filter_map(|(_, t)| {
                let source = match (&t.pool, &t.from_call) {
                    (Some(key), _) => GuardSource::Pool(key.clone()),
                    (None, Some(call)) => GuardSource::Call(call.clone()),
                    (None, None) => return None,
                };
                Some(HeldGuard { name: t.name.clone(), source, acquired: t.acquired, line: self.file.line(t.acquired) })
            })
            .collect()
    }

    /// Where the guard an expression yields comes from: an acquisition from a pool here, a
    /// call to a workspace function, or a binding holding one; through `?`, `.await`,
    /// adapters, borrows, unwrapping `match`es, `Ok(..)`, constructors and struct literals.
    pub fn guard_source(&self, e: &syn::Expr) -> Option<GuardSource> {
        match strip_parens(e) {
            syn::Expr::Try(t) => self.guard_source(&t.expr),
            syn::Expr::Await(a) => self.guard_source(&a.base),
            syn::Expr::Reference(r) => self.guard_source(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.guard_source(&u.expr),
            syn::Expr::Match(m) => {
                // the arms that yield something agree on where it comes from
                let mut found: Option<GuardSource> = None;
                for arm in m.arms.iter().filter(|a| !diverges(&a.body)) {
                    let source = if unwrapping_arm(arm) {
                        self.guard_source(&m.expr)
                    } else {
                        self.guard_source(block_tail(&arm.body))
                    };
                    match (&found, source) {
                        (_, None) => {}
                        (None, Some(s)) => found = Some(s),
                        (Some(seen), Some(s)) if seen.same_as(&s) => {}
                        (Some(_), Some(_)) => return None,
                    }
                }
                found
            }
            syn::Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.guard_source(tail),
                _ => None,
            },
            syn::Expr::Path(p) => {
                let binding = self.lookup(&p.path.get_ident()?.to_string())?;
                let Some(id) = binding.owns else { return binding.source.clone() };
                let t = &self.tracked[id];
                match (&t.pool, &t.from_call) {
                    (Some(key), _) => Some(GuardSource::Pool(key.clone())),
                    (None, Some(call)) => Some(GuardSource::Call(call.clone())),
                    (None, None) => None,
                }
            }
            syn::Expr::Struct(lit) => lit.fields.iter().find_map(|f| self.guard_source(&f.expr)),
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if UNWRAPPERS.contains(&method.as_str())
                    || RESULT_ADAPTERS.contains(&method.as_str())
                    || self.file.index.is_result_adapter(&method)
                    || (m.args.is_empty() && method == "into")
                {
                    return self.guard_source(&m.receiver);
                }
                let recv = self.classify(&m.receiver);
                if let Some(call) = self.method_call_fact(m, &recv) {
                    return Some(GuardSource::Call(Box::new(call)));
                }
                if let Some(Value::Guard { .. }) = self.acquisition(m, &method, &recv) {
                    return Some(GuardSource::Pool(self.pool_key(&m.receiver)));
                }
                None
            }
            syn::Expr::Call(c) => {
                let path = self.call_path(c)?;
                if let Some(call) = self.call_fact(c, &path) {
                    return Some(GuardSource::Call(Box::new(call)));
                }
                // `Ok(conn)`, `Box::new(conn)`, `DbConn::Pool(conn)`, `Self { .. }`-style tuple
                // constructors: what they wrap
                c.args.iter().find_map(|a| self.guard_source(a))
            }
            _ => None,
        }
    }

    /// Records what a function returns, where a guard may come from.
    fn record_return(&mut self, e: &syn::Expr) {
        if is_err_expr(e) {
            return;
        }
        if let Some(source) = self.guard_source(e) {
            let span = self.file.expr_span(e);
            self.facts.returns.push((source, span));
        }
    }

    /// The call fact of a call to a workspace function (guards held are filled in by the
    /// caller, where they matter).
    fn call_fact(&self, c: &syn::ExprCall, path: &[String]) -> Option<CallFact> {
        let sig = self.resolve_fn(path)?;
        Some(CallFact {
            callee: sig.key(),
            args: c.args.iter().map(|a| self.place_key(a)).collect(),
            recv: None,
            span: self.file.span(c),
            shown: path[path.len().saturating_sub(2)..].join("::"),
            held: Vec::new(),
        })
    }

    /// The call fact of a method call to a workspace method (found through `Deref`).
    fn method_call_fact(&self, m: &syn::ExprMethodCall, recv: &Value) -> Option<CallFact> {
        let method = m.method.to_string();
        let (sig, owner) = match recv.item() {
            Some(item) => {
                let (sigs, owner) = self.methods_of(item, &method)?;
                (unique(sigs)?, owner.name)
            }
            None => (self.blanket_method(&method)?, "_".to_owned()),
        };
        Some(CallFact {
            callee: sig.key(),
            args: m.args.iter().map(|a| self.place_key(a)).collect(),
            recv: self.place_key(&m.receiver),
            span: self.file.span(m),
            shown: format!("{owner}::{method}"),
            held: Vec::new(),
        })
    }

    /// Resolves a function path of the crate (`helper`, `audit::bump`, `Repo::load`,
    /// `Self::load`) to a unique function. Unresolvable calls are not guessed.
    pub fn resolve_fn(&self, segments: &[String]) -> Option<&FnSig> {
        let n = segments.len();
        let name = segments.last()?;
        if n >= 2 {
            let owner = segments[n - 2].as_str();
            let owner = if owner == "Self" { self.self_ty.as_ref().and_then(TypeRef::last)? } else { owner };
            if owner.starts_with(|c: char| c.is_ascii_uppercase()) {
                return unique(self.file.index.methods(owner, name));
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
                let candidates: Vec<&FnSig> = dep
                    .free_fns(name)
                    .iter()
                    .filter(|s| s.module.len() >= qualifier.len() && s.module.ends_with(qualifier))
                    .collect();
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

    fn record_call(&mut self, c: &syn::ExprCall, path: &[String]) {
        self.record_positional_settings(c, path);
        self.record_config_build(c, path);
        if let Some((shown, pool)) = self.construction_call(path) {
            self.record_construction(self.file.span(c), shown, pool);
        }
        if let Some(call) = self.call_fact(c, path) {
            let held = self.held_guards();
            self.facts.calls.push(CallFact { held, ..call });
        }
        self.record_registrations(path, c.args.iter(), true);
    }

    fn record_method_call(&mut self, m: &syn::ExprMethodCall) {
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
        if !uses.is_empty() {
            // guards taken through calls: whether they share the pool is the crate stage's call
            let mut held = self.held_guards();
            held.retain(|h| matches!(h.source, GuardSource::Call(_)));
            for (key, span) in uses {
                self.facts.acquires.push(AcquireFact { key, span, held: held.clone() });
            }
        }
        if let Some((shown, pool)) = self.construction_method(m) {
            self.record_construction(self.file.method_span(m), shown, pool);
            if pool {
                self.record_build(m);
            }
        }
        self.record_setter(m);
        let method = m.method.to_string();
        if let Some(call) = self.method_call_fact(m, &self.classify(&m.receiver)) {
            let held = self.held_guards();
            self.facts.calls.push(CallFact { held, ..call });
        }
        self.record_registrations(std::slice::from_ref(&method), m.args.iter(), false);
    }

    fn record_construction(&mut self, span: Span, shown: String, pool: bool) {
        if self.in_once() || self.in_static {
            return;
        }
        let per_item = self.per_item_context();
        self.facts.constructions.push(Construction { span, shown, pool, per_item });
    }

    /// Handlers passed by path to a framework's registration function or method.
    fn record_registrations<'e>(
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
                if let TypeRef::Path { segments, .. } = lower_path(&p.path, self.file.uses, self.self_ty.as_ref()) {
                    if let Some(sig) = self.resolve_fn(&segments) {
                        self.registered.push((sig.key(), self.file.span(a)));
                    }
                }
            }
        }
    }

    fn record_macro_registrations(&mut self, m: &syn::Macro, name: &str) {
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
                if let TypeRef::Path { segments, .. } = lower_path(p, self.file.uses, self.self_ty.as_ref()) {
                    if let Some(sig) = self.resolve_fn(&segments) {
                        self.registered.push((sig.key(), self.file.span(p)));
                    }
                }
            }
        }
    }

    /// A call that builds a pool (`PgPool::connect`, r2d2 `Pool::new`) or opens a raw
    /// connection (`PgConnection::connect`, `tokio_postgres::connect`): how to show it and
    /// whether it is a pool.
    fn construction_call(&self, path: &[String]) -> Option<(String, bool)> {
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
    fn construction_method(&self, m: &syn::ExprMethodCall) -> Option<(String, bool)> {
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

/// True when the method's receiver is itself the chain's root (`client.get_connection()`).
fn root_is_receiver(m: &syn::ExprMethodCall) -> bool {
    !matches!(strip_parens(&m.receiver), syn::Expr::MethodCall(_))
}

fn unique(sigs: &[FnSig]) -> Option<&FnSig> {
    match sigs {
        [one] => Some(one),
        _ => None,
    }
}

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
    fn next_binding_key(&self, pat: &syn::Pat) -> Option<GroupKey> {
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
    fn binding_key_of_root(&self, e: &syn::Expr) -> Option<GroupKey> {
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
    fn group_of_chain(&self, e: &syn::Expr) -> (GroupKey, bool) {
        if let Some(key) = self.binding_key_of_root(e) {
            let local = self.local_groups.contains(&key) && !self.is_opaque_group(key);
            return (key, local);
        }
        let root = chain_root(e);
        let key = GroupKey::At(self.file.span(root));
        (key, self.is_fresh_config(root) && !self.is_opaque_group(key))
    }

    /// Whether a configuration (or one it was made from) took a value poolcheck cannot read.
    fn is_opaque_group(&self, key: GroupKey) -> bool {
        self.opaque_groups.contains(&key)
            || self.group_aliases.iter().any(|(alias, of)| *alias == key && self.opaque_groups.contains(of))
    }

    /// A configuration made here from scratch: a builder's entry call (`Pool::builder()`,
    /// `Config::new()`, `Config::from_url(..)`) or a literal of a builder type, at the root of
    /// the expression.
    fn is_fresh_config(&self, e: &syn::Expr) -> bool {
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

    fn push_setting(&mut self, krate: usize, role: SettingRole, name: &str, value_expr: &syn::Expr, group: GroupKey) {
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
    fn backend_of_group(&self, group: GroupKey) -> Option<crate::catalog::Backend> {
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
    fn record_setter(&mut self, m: &syn::ExprMethodCall) {
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
    fn builder_crate_of_chain(&self, e: &syn::Expr) -> Option<usize> {
        let catalog = self.file.catalog;
        let root = chain_root(e);
        if let syn::Expr::Call(c) = root {
            let p = self.call_path(c)?;
            return catalog.crates_for_path(&p).find(|&k| {
                let api = &catalog.crates[k];
                path_ends_with_any(&p, &api.builder_entries)
                    || p.len() >= 2 && api.builder_types.contains(&p[p.len() - 2])
            });
        }
        match self.classify(root) {
            Value::Opaque(TypeRef::Path { segments, .. }) => self.builder_crate(&segments),
            _ => None,
        }
    }

    /// The catalogued crate whose builder a type is: one of its builder types, or what one of
    /// its builder entries returns (`bb8::Pool::builder`).
    fn builder_crate(&self, segments: &[String]) -> Option<usize> {
        let catalog = self.file.catalog;
        catalog.crates_for_path(segments).find(|&k| {
            let api = &catalog.crates[k];
            segments.last().is_some_and(|l| api.builder_types.contains(l))
                || path_ends_with_any(segments, &api.builder_entries)
        })
    }

    /// `PoolConfig { max_size: 32, timeouts: Timeouts { wait: None, .. }, .. }`.
    fn record_struct_settings(&mut self, lit: &syn::ExprStruct) {
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
                None if self.is_unreadable_config(&f.expr) => self.opaque_groups.push(group),
                None => {}
            }
        }
    }

    /// A value for a configuration field that poolcheck cannot read: what a function or
    /// method of the workspace returns (a helper such as `pg_pool_config(n)`), which it does
    /// not follow. Its settings are unknown, so the configuration is never judged incomplete.
    fn is_unreadable_config(&self, e: &syn::Expr) -> bool {
        let mut e = strip_parens(e);
        if let syn::Expr::Call(c) = e {
            if c.args.len() == 1 && self.call_path(c).is_some_and(|p| p.len() == 1 && p[0] == "Some") {
                e = strip_parens(&c.args[0]);
            }
        }
        match e {
            syn::Expr::Call(c) => self.call_path(c).is_some_and(|path| {
                let own = matches!(path[0].as_str(), "crate" | "self" | "super") || path[0] == self.file.krate;
                own || self.resolve_fn(&path).is_some()
            }),
            syn::Expr::MethodCall(m) => self.method_call_fact(m, &self.classify(&m.receiver)).is_some(),
            _ => false,
        }
    }

    /// `Pool::from_config(manager, config)` (deadpool up to 0.8): a build of the configuration
    /// passed at the catalogued position.
    fn record_config_build(&mut self, c: &syn::ExprCall, path: &[String]) {
        let catalog = self.file.catalog;
        let found = catalog.crates.iter().enumerate().find_map(|(k, api)| {
            let ours = catalog.crates_for_path(path).any(|c| c == k);
            let ctor = api.config_builds.iter().find(|b| path_ends_with(path, &b.call))?;
            ours.then_some((k, ctor.config_arg))
        });
        let Some((krate, at)) = found else { return };
        let Some(config) = c.args.iter().nth(at) else { return };
        let (group, local) = match self.binding_key_of_root(config) {
            Some(key) => (key, self.local_groups.contains(&key) && !self.is_opaque_group(key)),
            None => self.group_of_chain(config),
        };
        self.builds.push(PoolBuild { span: self.file.span(c), krate, group, local });
    }

    /// `opts.max_pool_size = Some(20)` on a value of a config type.
    fn record_assigned_setting(&mut self, a: &syn::ExprAssign) {
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
            None if self.is_unreadable_config(&a.right) => self.opaque_groups.push(group),
            None => {}
        }
    }

    /// `PoolConfig::new(32)`, `PoolConstraints::new(min, max)`, `Timeouts::wait_millis(ms)`.
    fn record_positional_settings(&mut self, c: &syn::ExprCall, path: &[String]) {
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
    fn adopt_settings(&mut self, value: &syn::Expr, target: GroupKey) {
        let mut e = strip_parens(value);
        if let syn::Expr::Call(c) = e {
            if c.args.len() == 1 && self.call_path(c).is_some_and(|p| p.len() == 1 && p[0] == "Some") {
                e = strip_parens(&c.args[0]);
            }
        }
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
    fn chain_group(&self, receiver: &syn::Expr) -> GroupKey {
        match (self.binding_key_of_root(receiver), self.group_override) {
            (Some(key), _) => key,
            (None, Some(key)) => key,
            (None, None) => self.group_of_chain(receiver).0,
        }
    }

    /// The terminal call of a builder chain that yields a pool.
    fn record_build(&mut self, m: &syn::ExprMethodCall) {
        let Some(krate) = self.builder_crate_of_chain(&m.receiver) else { return };
        let (_, local) = self.group_of_chain(&m.receiver);
        let group = self.chain_group(&m.receiver);
        let local = local && !self.is_opaque_group(group);
        self.builds.push(PoolBuild { span: self.file.method_span(m), krate, group, local });
    }
}
