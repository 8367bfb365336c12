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
//!
//! Where each part lives: this module holds the state's types and the walk over a file's
//! items; `walker` walks a body; `state` keeps frames, scopes, bindings and liveness;
//! `infer` decides what an expression is ("how poolcheck decides that `state.db` is a pool"
//! is there); `record` records calls, acquisitions and returned guards for the workspace
//! stage; `config` collects pool settings and builds; `syntax` holds syntax-only helpers.

mod config;
mod infer;
mod provenance;
mod record;
mod state;
mod syntax;
mod walker;

use super::facts::{
    AcquireFact, CallFact, Construction, FileFnFacts, FnFacts, GuardSource, HeldGuard, PerItem, StoredGuard,
};
use super::settings::{GroupKey, PoolBuild, SettingSite};
use super::value::{Evidence, OnceCell, Stored, Value, Wrapped};
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
use syntax::*;
pub use syntax::{is_err_expr, visit_idents};

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

impl Binding {
    /// Whether the binding stands for tracked guard `id`: it owns it, or is its own work.
    pub fn stands_for(&self, id: usize) -> bool {
        self.owns == Some(id) || self.families.contains(&id)
    }
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
    /// The places it may come from, when that is more than one (`pool` and `from_call` are
    /// then `None`): the arms of the `match` it was bound from.
    pub alternatives: Vec<GuardSource>,
}

impl Tracked {
    /// Where the guard comes from: the pool it was taken from here, or the call that returned
    /// it (`None` when neither is known, or when it may come from several places).
    pub fn source(&self) -> Option<GuardSource> {
        match (&self.pool, &self.from_call) {
            (Some(key), _) => Some(GuardSource::Pool(key.clone())),
            (None, Some(call)) => Some(GuardSource::Call(call.clone())),
            (None, None) => None,
        }
    }
}

/// One part of the state a state-threading closure receives (see `BodyCx::state_seeds`).
#[derive(Debug, Clone)]
pub(super) struct Seed {
    /// The tracked guard moved in with it.
    owner: Option<usize>,
    /// What it is.
    value: Value,
    /// For a pool, the place it names.
    key: Option<String>,
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
    /// The frame runs as a task of its own (given to `tokio::spawn`), or inside one: what it
    /// acquires is not the function's acquisition.
    detached: bool,
}

impl Frame {
    fn new(kind: FrameKind, is_async: bool) -> Frame {
        Frame {
            kind,
            is_async,
            loop_depth: 0,
            loops: Vec::new(),
            per_item: None,
            once: false,
            in_place: false,
            detached: false,
        }
    }
}

#[derive(Debug, Default)]
struct Scope {
    bindings: Vec<Binding>,
    /// For a block: where its closing brace starts.
    block_end: Option<usize>,
}

/// The walker's state during one function, as rules see it.
pub struct BodyCx<'a> {
    /// The file.
    pub file: &'a FileCx<'a>,
    self_ty: Option<TypeRef>,
    /// Bounds of the enclosing `impl`'s type parameters (`impl<H: Hook> Dispatcher<H>`): the
    /// type of `self.hook: H`.
    self_bounds: std::rc::Rc<[(String, TypeRef)]>,
    scopes: Vec<Scope>,
    frames: Vec<Frame>,
    tracked: Vec<Tracked>,
    alive: Vec<bool>,
    /// `break` states of the enclosing loops of the current frame.
    breaks: Vec<Vec<Vec<bool>>>,
    /// Set while walking the arguments of an offloading call (`spawn_blocking`).
    offloading: bool,
    /// Set while walking the arguments of a call that runs them as a task of their own
    /// (`tokio::spawn`, a workspace function taking a `'static` future or closure).
    detaching: bool,
    /// True while walking a `static` initialiser.
    in_static: bool,
    /// Facts recorded for cross-function analyses.
    facts: FnFacts,
    /// Handlers registered by framework calls in this body.
    registered: Vec<(String, Span)>,
    /// Set while walking the arguments of a call that runs its closures per item or once.
    closure_context: ClosureContext,
    /// Set while walking the closure given to a state-threading call (`stream::unfold`): the
    /// parts of the state its first parameter receives.
    state_seed: Option<Vec<Seed>>,
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
    /// Configurations that took a value poolcheck cannot read (a call of the crate's own it
    /// cannot follow): what they leave out is unknown, never judged missing.
    opaque_groups: Vec<GroupKey>,
    /// Configurations that took part of their settings from a workspace function's returned
    /// configuration (`cfg.pool = Some(pool_config(n))`), with the call.
    group_helpers: Vec<(GroupKey, CallFact)>,
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

/// Of those, the names `Option`, `Result` and futures also have, where the closure runs at most
/// once: per item only on a receiver that is visibly an iterator or stream.
const AMBIGUOUS_ADAPTORS: &[&str] = &["map", "then", "and_then"];

/// Calls that make an iterator or a stream, seen in a receiver's chain (not `filter`, `take`,
/// `zip`: `Option` has them too).
const ITERATOR_SOURCES: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "par_iter",
    "into_par_iter",
    "par_iter_mut",
    "chunks",
    "par_chunks",
    "windows",
    "lines",
    "drain",
    "keys",
    "values",
    "values_mut",
    "split",
    "bytes",
    "chars",
    "enumerate",
    "skip",
    "rev",
    "step_by",
    "chain",
    "cycle",
    "peekable",
    "buffer_unordered",
    "buffered",
    "into_stream",
];

/// Walks every function, method and static of a file.
pub fn walk_file(file: &syn::File, cx: &FileCx<'_>, rules: &[&dyn Rule], out: &mut Vec<Diagnostic>) -> FileFnFacts {
    let mut items = ItemWalker {
        cx,
        rules,
        out,
        self_ty: None,
        self_bounds: std::rc::Rc::new([]),
        module: cx.module.clone(),
        facts: FileFnFacts::default(),
        in_resolver: false,
    };
    items.visit_file(file);
    items.facts
}

struct ItemWalker<'a, 'b> {
    cx: &'a FileCx<'a>,
    rules: &'b [&'b dyn Rule],
    out: &'b mut Vec<Diagnostic>,
    self_ty: Option<TypeRef>,
    /// Bounds of the type parameters of the `impl` being walked.
    self_bounds: std::rc::Rc<[(String, TypeRef)]>,
    module: Vec<String>,
    facts: FileFnFacts,
    /// Walking the methods of a GraphQL resolver impl (`#[Object] impl Query`): each runs per
    /// request.
    in_resolver: bool,
}

impl<'a> ItemWalker<'a, '_> {
    fn body(&self, is_async: bool) -> BodyCx<'a> {
        BodyCx {
            file: self.cx,
            self_ty: self.self_ty.clone(),
            self_bounds: self.self_bounds.clone(),
            scopes: vec![Scope::default()],
            frames: vec![Frame::new(FrameKind::Function, is_async)],
            tracked: Vec::new(),
            alive: Vec::new(),
            breaks: Vec::new(),
            offloading: false,
            detaching: false,
            in_static: false,
            facts: FnFacts::default(),
            registered: Vec::new(),
            closure_context: ClosureContext::Plain,
            in_place_with: None,
            state_seed: None,
            module: self.module.clone(),
            settings: Vec::new(),
            builds: Vec::new(),
            group_override: None,
            local_groups: Vec::new(),
            opaque_groups: Vec::new(),
            group_helpers: Vec::new(),
            chain_backend: None,
            group_aliases: Vec::new(),
            stmts: Vec::new(),
        }
    }

    fn walk_fn(&mut self, sig: &syn::Signature, block: &syn::Block, attrs: &[syn::Attribute]) {
        if is_test_code(attrs, self.cx.test_support) {
            return;
        }
        let mut body = self.body(sig.asyncness.is_some());
        let owner = self.self_ty.as_ref().and_then(TypeRef::last).map(str::to_owned);
        let name = sig.ident.to_string();
        body.facts.key = fn_key(self.cx.krate, &self.module, owner.as_deref(), &name);
        body.facts.shown = owner.map_or_else(|| name.clone(), |o| format!("{o}::{name}"));
        body.facts.span = self.cx.span(&sig.ident);
        body.facts.handler = self.is_handler(sig, attrs);
        body.facts.borrows_self = match sig.inputs.first() {
            Some(syn::FnArg::Receiver(r)) if r.reference.is_some() => {
                self.self_ty.as_ref().and_then(TypeRef::last).map(|name| format!("{}::{name}", self.cx.krate))
            }
            _ => None,
        };
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let declared = body.lower(ty);
            body.facts.returns_pool = body.returns_pool(&declared);
            body.facts.returns_config = body.is_config_type(&declared);
        }
        let bounds = type_param_bounds(&sig.generics, self.cx.uses);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                let declared = bounded(body.lower(&pt.ty), &bounds);
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
        walker.body.record_pending_builds();
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
        if self.in_resolver || self.has_framework_attribute(attrs, |fw| &fw.attributes) {
            return true;
        }
        let catalog = self.cx.catalog;
        for fw in &catalog.frameworks {
            if !fw.request_types.is_empty() && self.self_ty.is_some() && self.cx.imports_any(&fw.paths) {
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

    /// Whether one of `attrs` is one of a framework's attributes (`list` picks which), in a
    /// file that imports the framework or written with its path.
    fn has_framework_attribute(
        &self,
        attrs: &[syn::Attribute],
        list: impl Fn(&crate::catalog::Framework) -> &Vec<String>,
    ) -> bool {
        // most functions carry no attribute, and the imports are looked at only for a name
        // that is one of a framework's
        attrs.iter().any(|a| {
            let segs: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
            let Some(last) = segs.last() else { return false };
            self.cx.catalog.frameworks.iter().any(|fw| {
                list(fw).contains(last)
                    && ((segs.len() > 1 && fw.paths.iter().any(|p| p == &segs[0])) || self.cx.imports_any(&fw.paths))
            })
        })
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

/// A function's type parameters with the trait that bounds each (`E: Executor<'e>`, or in
/// its `where` clause), as `dyn` types.
fn type_param_bounds(generics: &syn::Generics, uses: &crate::index::types::UseMap) -> Vec<(String, TypeRef)> {
    let mut out = Vec::new();
    for p in generics.type_params() {
        if let bound @ TypeRef::Dyn(_) = crate::index::types::lower_bounds(p.bounds.iter(), uses) {
            out.push((p.ident.to_string(), bound));
        }
    }
    for pred in generics.where_clause.iter().flat_map(|w| w.predicates.iter()) {
        let syn::WherePredicate::Type(t) = pred else { continue };
        let syn::Type::Path(p) = &t.bounded_ty else { continue };
        let Some(ident) = p.path.get_ident() else { continue };
        if let bound @ TypeRef::Dyn(_) = crate::index::types::lower_bounds(t.bounds.iter(), uses) {
            out.push((ident.to_string(), bound));
        }
    }
    out
}

/// A parameter's declared type with a bounded type parameter (`E`, `&E`) replaced by its bound.
fn bounded(ty: TypeRef, bounds: &[(String, TypeRef)]) -> TypeRef {
    match ty {
        TypeRef::Ref(inner) => TypeRef::Ref(Box::new(bounded(*inner, bounds))),
        TypeRef::Path { ref segments, ref args } if segments.len() == 1 && args.is_empty() => {
            bounds.iter().find(|(name, _)| *name == segments[0]).map_or(ty, |(_, b)| b.clone())
        }
        other => other,
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
        if is_test_code(&i.attrs, self.cx.test_support) {
            return;
        }
        self.module.push(i.ident.to_string());
        syn::visit::visit_item_mod(self, i);
        self.module.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test_code(&i.attrs, self.cx.test_support) {
            return;
        }
        let saved = self.self_ty.replace(lower_type(&i.self_ty, self.cx.uses, None));
        let bounds = match i.generics.type_params().next() {
            Some(_) => type_param_bounds(&i.generics, self.cx.uses).into(),
            None => std::rc::Rc::new([]) as std::rc::Rc<[_]>,
        };
        let saved_bounds = std::mem::replace(&mut self.self_bounds, bounds);
        self.in_resolver = self.has_framework_attribute(&i.attrs, |fw| &fw.impl_attributes);
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.walk_fn(&f.sig, &f.block, &f.attrs),
                syn::ImplItem::Const(c) => self.walk_static(&c.ident, &c.ty, &c.expr),
                _ => {}
            }
        }
        self.in_resolver = false;
        self.self_ty = saved;
        self.self_bounds = saved_bounds;
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        if is_test_code(&i.attrs, self.cx.test_support) {
            return;
        }
        let own = TypeRef::Path { segments: vec![i.ident.to_string()], args: Vec::new() };
        let saved = self.self_ty.replace(own);
        syn::visit::visit_item_trait(self, i);
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
        match crate::index::cfg_macro_items(&i.mac) {
            Some(items) => items.iter().for_each(|item| self.visit_item(item)),
            None => self.walk_static_macro(&i.mac),
        }
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
