//! Function summaries over the workspace's call graph: which places each function acquires
//! from and which pools the guards it returns come from (both in its own terms, so callers
//! can translate them), computed to a fixpoint (recursion included), and which functions run
//! per request (reachable from a handler).
//!
//! Each summary is a function of the call graph, not of the order functions are visited in:
//! where several paths lead to the same fact, the witness kept is the shortest (then the
//! first by position). So the summaries can be brought up to date after an edit by working
//! out again only the edited functions and those that reach them ([`Earlier`]), with the
//! same result as building them anew.

use super::facts::{CallFact, FnFacts, GuardSource, HeldGuard};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// One step of a witness path: where, and what happens there.
#[derive(Debug, Clone)]
pub struct Step {
    /// The call or acquisition.
    pub span: Span,
    /// What it does, for a label.
    pub note: String,
}

/// A crate's functions with their summaries.
#[derive(Debug, Default)]
pub struct CrateFacts {
    /// Every function of the crate.
    pub fns: Vec<FnFacts>,
    /// Function index by key.
    pub by_key: HashMap<String, usize>,
    /// Per function: key acquired from (in the function's terms) → how (first path found).
    pub acquires: Vec<BTreeMap<String, Vec<Step>>>,
    /// Per function: pools (in its terms) the guards it returns are taken from → how.
    pub returns: Vec<BTreeMap<String, Vec<Step>>>,
    /// Per function: when it runs per request, the path from a handler to it.
    pub per_request: Vec<Option<Vec<Step>>>,
    /// Per function: when it builds a pool and hands it to its caller (its return type holds
    /// a pool), the path to where the pool is built.
    pub new_pool: Vec<Option<Vec<Step>>>,
    /// Per struct name: the guards it keeps in a field, drawn from its own pool field.
    pub self_held: HashMap<String, Vec<super::stored::SelfHeld>>,
    /// Per function that returns a pool configuration: the settings roles it sets on every
    /// way out, helpers included (`None`: not known).
    pub config_roles: Vec<Option<Vec<crate::catalog::SettingRole>>>,
    /// Per function: the positions of its parameters that take a handler it registers, itself
    /// or through the workspace's registration wrappers.
    pub registrars: Vec<Vec<usize>>,
}

/// An earlier build of the summaries, to bring up to date rather than build anew.
pub struct Earlier {
    /// The earlier summaries (their functions may have been moved out).
    pub facts: CrateFacts,
    /// Per function of the new build: its index in the earlier one, when its facts are
    /// unchanged.
    pub kept: Vec<Option<usize>>,
    /// The keys of the functions added, changed or removed since.
    pub changed: HashSet<String>,
}

/// Which functions' summaries a build works out, and the earlier summaries the others keep.
pub(super) struct Seed {
    pub(super) redo: Vec<bool>,
    earlier: Option<(CrateFacts, Vec<Option<usize>>)>,
}

impl Seed {
    /// Every function is worked out when there is nothing earlier; otherwise those added or
    /// changed, and every function that reaches a changed key through its calls (the others'
    /// summaries cannot have changed).
    fn new(facts: &CrateFacts, earlier: Option<Earlier>) -> Seed {
        let n = facts.fns.len();
        let Some(earlier) = earlier else { return Seed { redo: vec![true; n], earlier: None } };
        let mut redo: Vec<bool> = earlier.kept.iter().map(Option::is_none).collect();
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, f) in facts.fns.iter().enumerate() {
            for call in dependencies(f) {
                redo[i] |= earlier.changed.contains(&call.callee);
                if let Some(g) = facts.callee(call) {
                    callers[g].push(i);
                }
            }
        }
        let mut stack: Vec<usize> = (0..n).filter(|&i| redo[i]).collect();
        while let Some(i) = stack.pop() {
            for &caller in &callers[i] {
                if !redo[caller] {
                    redo[caller] = true;
                    stack.push(caller);
                }
            }
        }
        Seed { redo, earlier: Some((earlier.facts, earlier.kept)) }
    }

    /// Per function, one kind of summary: kept from the earlier build (taken out of the
    /// `field` of it), or `fresh` for the functions worked out.
    pub(super) fn start<T: Default>(
        &mut self,
        field: fn(&mut CrateFacts) -> &mut Vec<T>,
        mut fresh: impl FnMut(usize) -> T,
    ) -> Vec<T> {
        let mut earlier = self.earlier.as_mut().map(|(facts, kept)| (std::mem::take(field(facts)), &*kept));
        let mut kept_value = |i: usize| {
            let (old, kept) = earlier.as_mut()?;
            old.get_mut(kept[i]?).map(std::mem::take)
        };
        (0..self.redo.len())
            .map(|i| match self.redo[i] {
                true => fresh(i),
                false => kept_value(i).unwrap_or_else(|| fresh(i)),
            })
            .collect()
    }

    /// The functions worked out, in order.
    fn redone(&self) -> impl Iterator<Item = usize> + '_ {
        self.redo.iter().enumerate().filter(|(_, r)| **r).map(|(i, _)| i)
    }
}

/// The calls a function's summaries depend on: its calls, the calls whose guards it returns,
/// and the helpers its returned configurations take parts from.
fn dependencies(f: &FnFacts) -> impl Iterator<Item = &CallFact> {
    let returned = f.returns.iter().filter_map(|(source, _)| match source {
        GuardSource::Call(call) => Some(&**call),
        GuardSource::Pool(_) => None,
    });
    let helpers = f.config_returns.iter().flatten().flat_map(|r| &r.helpers);
    f.calls.iter().chain(returned).chain(helpers)
}

/// Whether the witness `first` then `rest` goes before `than`: shorter, or as long and
/// first by the positions of its steps.
fn goes_before(first: Span, rest: &[Step], than: &[Step]) -> bool {
    let (len, other) = (rest.len() + 1, than.len());
    len < other
        || len == other && std::iter::once(first).chain(rest.iter().map(|s| s.span)).lt(than.iter().map(|s| s.span))
}

impl CrateFacts {
    /// Builds the summaries of a crate's functions. `registered`: handler keys registered by
    /// framework calls, with the registration site.
    pub fn build(fns: Vec<FnFacts>, registered: &[(String, Span)]) -> CrateFacts {
        Self::update(fns, registered, None)
    }

    /// Builds the summaries of a crate's functions from an earlier build, working out again
    /// only what the changes can reach (everything, when `earlier` is `None`); the result is
    /// what [`CrateFacts::build`] makes of the same functions.
    pub fn update(fns: Vec<FnFacts>, registered: &[(String, Span)], earlier: Option<Earlier>) -> CrateFacts {
        let mut by_key = HashMap::new();
        for (i, f) in fns.iter().enumerate() {
            // the first definition wins; duplicates (cfg'd twins) are rare and share behaviour
            by_key.entry(f.key.clone()).or_insert(i);
        }
        let mut facts = CrateFacts { fns, by_key, ..CrateFacts::default() };
        let mut seed = Seed::new(&facts, earlier);
        facts.acquires = facts.fixpoint_acquires(&mut seed);
        facts.returns = facts.fixpoint_returns(&mut seed);
        facts.new_pool = facts.fixpoint_new_pool(&mut seed);
        facts.self_held = facts.guards_held_by_self();
        facts.config_roles = facts.configs_returned(&mut seed);
        facts.registrars = facts.fixpoint_registrars(&mut seed);
        let mut registered = registered.to_vec();
        registered.extend(facts.registered_through_wrappers());
        facts.per_request = facts.reach_from_handlers(&registered);
        facts
    }

    /// Which parameters of each function take a handler to register: those it hands to a
    /// framework's registrar (`fn get_logged(h: H) { get(h) }`), and those it hands on to a
    /// registration wrapper, to a fixpoint.
    fn fixpoint_registrars(&self, seed: &mut Seed) -> Vec<Vec<usize>> {
        let mut registrar = seed.start(|f| &mut f.registrars, |i| self.fns[i].registrar_params.clone());
        let redone: Vec<usize> = seed.redone().collect();
        let mut changed = true;
        while changed {
            changed = false;
            for &i in &redone {
                let f = &self.fns[i];
                for c in &f.calls {
                    let Some(g) = self.callee(c) else { continue };
                    for k in 0..registrar[g].len() {
                        let Some(Some(arg)) = c.args.get(registrar[g][k]) else { continue };
                        let Some(p) = f.params.iter().position(|p| p == arg) else { continue };
                        if !registrar[i].contains(&p) {
                            registrar[i].push(p);
                            changed = true;
                        }
                    }
                }
            }
        }
        registrar
    }

    /// Handlers registered through the workspace's own registration wrappers: a function
    /// passed by name where a wrapper takes a handler is a handler, registered at the call.
    fn registered_through_wrappers(&self) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        for f in &self.fns {
            for c in f.calls.iter().filter(|c| !c.fn_args.is_empty()) {
                let Some(g) = self.callee(c) else { continue };
                for (position, key, at) in &c.fn_args {
                    if self.registrars[g].contains(position) {
                        out.push((key.clone(), *at));
                    }
                }
            }
        }
        out
    }

    /// The callee of a call, when it is a function of the crate.
    pub fn callee(&self, call: &CallFact) -> Option<usize> {
        self.by_key.get(&call.callee).copied()
    }

    fn fixpoint_acquires(&self, seed: &mut Seed) -> Vec<BTreeMap<String, Vec<Step>>> {
        let n = self.fns.len();
        let mut acq = seed.start(
            |f| &mut f.acquires,
            |i| {
                let mut m = BTreeMap::new();
                for a in &self.fns[i].acquires {
                    m.entry(a.key.clone()).or_insert_with(|| {
                        vec![Step { span: a.span, note: format!("takes a connection from `{}` here", a.key) }]
                    });
                }
                m
            },
        );
        // callers of each function, to revisit them when its summary grows
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in seed.redone() {
            for c in &self.fns[i].calls {
                if let Some(g) = self.callee(c) {
                    callers[g].push(i);
                }
            }
        }
        let mut queue: VecDeque<usize> = seed.redone().collect();
        let mut queued = seed.redo.clone();
        while let Some(i) = queue.pop_front() {
            queued[i] = false;
            let f = &self.fns[i];
            let mut grew = false;
            // a spawned task's acquisitions are not its spawner's
            for c in f.calls.iter().filter(|c| !c.detached) {
                let Some(g) = self.callee(c) else { continue };
                for (mine, witness) in Self::new_keys(c, &self.fns[g], &acq[g], &acq[i]) {
                    let mut path = vec![Step { span: c.span, note: format!("calls {}", c.described()) }];
                    path.extend(witness);
                    acq[i].insert(mine, path);
                    grew = true;
                }
            }
            if grew {
                for &caller in &callers[i] {
                    if !queued[caller] {
                        queued[caller] = true;
                        queue.push_back(caller);
                    }
                }
            }
        }
        acq
    }

    /// The keys of a callee's summary (`theirs`) that the call adds to the caller's (`mine`),
    /// in the caller's terms, with their witnesses: keys that are new, or that the call
    /// reaches by a witness that goes before the caller's (cloned only then).
    fn new_keys(
        call: &CallFact,
        callee: &FnFacts,
        theirs: &BTreeMap<String, Vec<Step>>,
        mine: &BTreeMap<String, Vec<Step>>,
    ) -> Vec<(String, Vec<Step>)> {
        theirs
            .iter()
            .filter_map(|(k, witness)| {
                let key = translate(call, callee, k)?;
                let better = mine.get(&key).is_none_or(|kept| goes_before(call.span, witness, kept));
                better.then(|| (key, witness.clone()))
            })
            .collect()
    }

    /// Which functions hand a new pool to their caller: those whose return type holds a pool
    /// and that build one once per call, or take one from such a function and do not let it
    /// die, to a fixpoint.
    fn fixpoint_new_pool(&self, seed: &mut Seed) -> Vec<Option<Vec<Step>>> {
        let mut new_pool = seed.start(
            |f| &mut f.new_pool,
            |i| {
                let f = &self.fns[i];
                let built =
                    f.constructions.iter().find(|c| c.pool && c.per_item.is_none()).filter(|_| f.returns_pool)?;
                Some(vec![Step { span: built.span, note: format!("builds the pool here (`{}`)", built.shown) }])
            },
        );
        let redone: Vec<usize> = seed.redone().filter(|&i| self.fns[i].returns_pool).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for &i in &redone {
                for c in self.fns[i].calls.iter().filter(|c| c.hands_result_on()) {
                    let Some(g) = self.callee(c) else { continue };
                    let Some(witness) = &new_pool[g] else { continue };
                    if new_pool[i].as_ref().is_some_and(|kept| !goes_before(c.span, witness, kept)) {
                        continue;
                    }
                    let mut path =
                        vec![Step { span: c.span, note: format!("calls {}, which builds a new pool", c.described()) }];
                    path.extend(witness.iter().cloned());
                    new_pool[i] = Some(path);
                    changed = true;
                }
            }
        }
        new_pool
    }

    /// Which pools each function's returned guards come from: its own acquisitions as
    /// returned, and through the calls it returns the result of, to a fixpoint.
    fn fixpoint_returns(&self, seed: &mut Seed) -> Vec<BTreeMap<String, Vec<Step>>> {
        let mut ret = seed.start(
            |f| &mut f.returns,
            |i| {
                let mut own = BTreeMap::new();
                for (source, at) in &self.fns[i].returns {
                    if let GuardSource::Pool(key) = source {
                        let note = format!("returns a connection taken from `{key}`");
                        own.entry(key.clone()).or_insert_with(|| vec![Step { span: *at, note }]);
                    }
                }
                own
            },
        );
        let redone: Vec<usize> = seed.redone().collect();
        let mut changed = true;
        while changed {
            changed = false;
            for &i in &redone {
                for (source, _) in &self.fns[i].returns {
                    let GuardSource::Call(call) = source else { continue };
                    let Some(g) = self.callee(call) else { continue };
                    for (mine, witness) in Self::new_keys(call, &self.fns[g], &ret[g], &ret[i]) {
                        let mut path =
                            vec![Step { span: call.span, note: format!("returns what `{}` returns", call.shown) }];
                        path.extend(witness);
                        ret[i].insert(mine, path);
                        changed = true;
                    }
                }
            }
        }
        ret
    }

    /// The pools a held guard may belong to, in its holder's terms, each with how it was
    /// taken: its own pool, or those the call it came from returns guards from.
    pub fn pools_of(&self, held: &HeldGuard) -> Vec<(String, Vec<Step>)> {
        match &held.source {
            GuardSource::Pool(key) => vec![(key.clone(), Vec::new())],
            GuardSource::Call(call) => {
                let Some(g) = self.callee(call) else { return Vec::new() };
                self.returns[g]
                    .iter()
                    .filter_map(|(k, w)| {
                        let mut path = vec![Step {
                            span: call.span,
                            note: format!("`{}` taken from `{}` here", held.name, call.shown),
                        }];
                        path.extend(w.iter().cloned());
                        Some((translate(call, &self.fns[g], k)?, path))
                    })
                    .collect()
            }
        }
    }

    fn reach_from_handlers(&self, registered: &[(String, Span)]) -> Vec<Option<Vec<Step>>> {
        let mut reach: Vec<Option<Vec<Step>>> = vec![None; self.fns.len()];
        let mut queue = VecDeque::new();
        for (i, f) in self.fns.iter().enumerate() {
            if f.handler {
                reach[i] = Some(vec![Step { span: f.span, note: format!("`{}` is a request handler", f.shown) }]);
                queue.push_back(i);
            }
        }
        for (key, at) in registered {
            if let Some(&i) = self.by_key.get(key) {
                if reach[i].is_none() {
                    let note = format!("`{}` is registered as a request handler here", self.fns[i].shown);
                    reach[i] = Some(vec![Step { span: *at, note }]);
                    queue.push_back(i);
                }
            }
        }
        while let Some(i) = queue.pop_front() {
            for c in &self.fns[i].calls {
                let Some(g) = self.callee(c) else { continue };
                if reach[g].is_none() {
                    let mut path = reach[i].clone().unwrap_or_default();
                    path.push(Step { span: c.span, note: format!("calls {} per request", c.described()) });
                    reach[g] = Some(path);
                    queue.push_back(g);
                }
            }
        }
        reach
    }
}

/// Translates a key in the callee's terms into the caller's, through the call's arguments:
/// the callee's parameter `pool` becomes the caller's argument (`&state.db` → `state.db`), its
/// `self.pool` becomes `<receiver>.pool`, a static stays itself. Keys rooted at the callee's
/// locals do not translate, nor do keys that index with them (`self.replicas[i]`).
pub fn translate(call: &CallFact, callee: &FnFacts, key: &str) -> Option<String> {
    let (root, rest) = match key.find('.') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if rest.contains('[') {
        return None;
    }
    let base = if root == "self" {
        call.recv.clone()?
    } else if let Some(i) = callee.params.iter().position(|p| p == root) {
        call.args.get(i)?.clone()?
    } else if is_static_name(root) {
        root.to_string()
    } else {
        return None;
    };
    Some(format!("{base}{rest}"))
}

/// `POOL`, `crate::db::POOL`: statics are written in upper case.
fn is_static_name(root: &str) -> bool {
    let last = root.rsplit("::").next().unwrap_or(root);
    last.chars().any(|c| c.is_ascii_uppercase()) && !last.chars().any(|c| c.is_ascii_lowercase())
}
