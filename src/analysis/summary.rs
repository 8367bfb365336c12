//! Function summaries over the workspace's call graph: which places each function acquires
//! from and which pools the guards it returns come from (both in its own terms, so callers
//! can translate them), computed to a fixpoint (recursion included), and which functions run
//! per request (reachable from a handler).

use super::facts::{CallFact, FnFacts, GuardSource, HeldGuard};
use crate::source::Span;
use std::collections::{BTreeMap, HashMap, VecDeque};

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
}

impl CrateFacts {
    /// Builds the summaries of a crate's functions. `registered`: handler keys registered by
    /// framework calls, with the registration site.
    pub fn build(fns: Vec<FnFacts>, registered: &[(String, Span)]) -> CrateFacts {
        let mut by_key = HashMap::new();
        for (i, f) in fns.iter().enumerate() {
            // the first definition wins; duplicates (cfg'd twins) are rare and share behaviour
            by_key.entry(f.key.clone()).or_insert(i);
        }
        let mut facts = CrateFacts { fns, by_key, ..CrateFacts::default() };
        facts.acquires = facts.fixpoint_acquires();
        facts.returns = facts.fixpoint_returns();
        facts.new_pool = facts.fixpoint_new_pool();
        facts.self_held = facts.guards_held_by_self();
        facts.config_roles = facts.configs_returned();
        let mut registered = registered.to_vec();
        registered.extend(facts.registered_through_wrappers());
        facts.per_request = facts.reach_from_handlers(&registered);
        facts
    }

    /// Handlers registered through the workspace's own registration wrappers: a function that
    /// hands a parameter to a framework's registrar (`fn get_logged(h: H) { get(h) }`) is a
    /// registrar at that position, and so is one that hands a parameter on to such a wrapper
    /// (to a fixpoint); a function passed there by name is a handler, registered at the call.
    fn registered_through_wrappers(&self) -> Vec<(String, Span)> {
        let mut registrar: Vec<Vec<usize>> = self.fns.iter().map(|f| f.registrar_params.clone()).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (i, f) in self.fns.iter().enumerate() {
                for c in &f.calls {
                    let Some(g) = self.callee(c) else { continue };
                    for j in registrar[g].clone() {
                        let Some(Some(arg)) = c.args.get(j) else { continue };
                        let Some(p) = f.params.iter().position(|p| p == arg) else { continue };
                        if !registrar[i].contains(&p) {
                            registrar[i].push(p);
                            changed = true;
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for f in &self.fns {
            for c in &f.calls {
                let Some(g) = self.callee(c) else { continue };
                for (position, key, at) in &c.fn_args {
                    if registrar[g].contains(position) {
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

    fn fixpoint_acquires(&self) -> Vec<BTreeMap<String, Vec<Step>>> {
        let n = self.fns.len();
        let mut acq: Vec<BTreeMap<String, Vec<Step>>> = self
            .fns
            .iter()
            .map(|f| {
                let mut m = BTreeMap::new();
                for a in &f.acquires {
                    m.entry(a.key.clone()).or_insert_with(|| {
                        vec![Step { span: a.span, note: format!("takes a connection from `{}` here", a.key) }]
                    });
                }
                m
            })
            .collect();
        // callers of each function, to revisit them when its summary grows
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, f) in self.fns.iter().enumerate() {
            for c in &f.calls {
                if let Some(g) = self.callee(c) {
                    callers[g].push(i);
                }
            }
        }
        let mut queue: VecDeque<usize> = (0..n).collect();
        let mut queued = vec![true; n];
        while let Some(i) = queue.pop_front() {
            queued[i] = false;
            let f = &self.fns[i];
            let mut grew = false;
            // a spawned task's acquisitions are not its spawner's
            for c in f.calls.iter().filter(|c| !c.detached) {
                let Some(g) = self.callee(c) else { continue };
                let callee_keys: Vec<(String, Vec<Step>)> =
                    acq[g].iter().map(|(k, w)| (k.clone(), w.clone())).collect();
                for (k, witness) in callee_keys {
                    let Some(mine) = translate(c, &self.fns[g], &k) else { continue };
                    if acq[i].contains_key(&mine) {
                        continue;
                    }
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

    /// Which functions hand a new pool to their caller: those whose return type holds a pool
    /// and that build one once per call, or take one from such a function and do not let it
    /// die, to a fixpoint.
    fn fixpoint_new_pool(&self) -> Vec<Option<Vec<Step>>> {
        let mut new_pool: Vec<Option<Vec<Step>>> = self
            .fns
            .iter()
            .map(|f| {
                let built =
                    f.constructions.iter().find(|c| c.pool && c.per_item.is_none()).filter(|_| f.returns_pool)?;
                Some(vec![Step { span: built.span, note: format!("builds the pool here (`{}`)", built.shown) }])
            })
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (i, f) in self.fns.iter().enumerate() {
                if !f.returns_pool || new_pool[i].is_some() {
                    continue;
                }
                let handed = f.calls.iter().filter(|c| c.hands_result_on()).find_map(|c| {
                    let witness = new_pool[self.callee(c)?].as_ref()?;
                    let mut path =
                        vec![Step { span: c.span, note: format!("calls {}, which builds a new pool", c.described()) }];
                    path.extend(witness.iter().cloned());
                    Some(path)
                });
                if handed.is_some() {
                    new_pool[i] = handed;
                    changed = true;
                }
            }
        }
        new_pool
    }

    /// Which pools each function's returned guards come from: its own acquisitions as
    /// returned, and through the calls it returns the result of, to a fixpoint.
    fn fixpoint_returns(&self) -> Vec<BTreeMap<String, Vec<Step>>> {
        let n = self.fns.len();
        let mut ret: Vec<BTreeMap<String, Vec<Step>>> = vec![BTreeMap::new(); n];
        for (i, f) in self.fns.iter().enumerate() {
            for (source, at) in &f.returns {
                if let GuardSource::Pool(key) = source {
                    let note = format!("returns a connection taken from `{key}`");
                    ret[i].entry(key.clone()).or_insert_with(|| vec![Step { span: *at, note }]);
                }
            }
        }
        let mut changed = true;
        while changed {
            changed = false;
            for (i, f) in self.fns.iter().enumerate() {
                for (source, _) in &f.returns {
                    let GuardSource::Call(call) = source else { continue };
                    let Some(g) = self.callee(call) else { continue };
                    let theirs: Vec<(String, Vec<Step>)> = ret[g].iter().map(|(k, w)| (k.clone(), w.clone())).collect();
                    for (k, witness) in theirs {
                        let Some(mine) = translate(call, &self.fns[g], &k) else { continue };
                        if ret[i].contains_key(&mine) {
                            continue;
                        }
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
/// locals do not translate.
pub fn translate(call: &CallFact, callee: &FnFacts, key: &str) -> Option<String> {
    let (root, rest) = match key.find('.') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
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
