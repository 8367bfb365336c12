//! Guards a struct keeps in a field beside the pool they were taken from
//! (`Self { conn, pool: pool.clone() }`, shape 12 of real-code.md): such a struct holds a
//! connection for its whole life, so its `&self` methods that take another connection from
//! that pool field hold two at once.
//!
//! Decided over every literal of the struct the crate writes: a field counts only when each
//! literal that puts a guard there takes it from the same one of the literal's pool fields.

use super::facts::{HeldGuard, StoredGuard};
use super::summary::CrateFacts;
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

/// A guard field of a struct, drawn from one of the struct's own pool fields.
#[derive(Debug, Clone)]
pub struct SelfHeld {
    /// The guard's field (`conn`).
    pub field: String,
    /// The pool field it is drawn from (`pool`).
    pub pool_field: String,
    /// Where the guard was taken (in the first literal found).
    pub acquired: Span,
    /// Where it is put into the struct.
    pub at: Span,
    /// The function that stores it, as shown in messages.
    pub stored_by: String,
}

impl CrateFacts {
    /// Per struct name: the guard fields drawn from the struct's own pool fields.
    pub(super) fn guards_held_by_self(&self) -> HashMap<String, Vec<SelfHeld>> {
        let mut by_field: BTreeMap<(&str, &str), Vec<(usize, &StoredGuard)>> = BTreeMap::new();
        for (i, f) in self.fns.iter().enumerate() {
            for s in &f.stores {
                by_field.entry((s.owner.as_str(), s.field.as_str())).or_default().push((i, s));
            }
        }
        let mut out: HashMap<String, Vec<SelfHeld>> = HashMap::new();
        for ((owner, field), stores) in by_field {
            // the pool fields every literal takes this field's guard from
            let mut common: Option<Vec<&str>> = None;
            for (_, s) in &stores {
                let held = HeldGuard { name: s.guard.clone(), source: s.source.clone(), acquired: s.acquired, line: 0 };
                let pools: Vec<String> = self.pools_of(&held).into_iter().map(|(k, _)| k).collect();
                let fields: Vec<&str> =
                    s.pool_fields.iter().filter(|(_, key)| pools.contains(key)).map(|(f, _)| f.as_str()).collect();
                common = Some(match common {
                    None => fields,
                    Some(c) => c.into_iter().filter(|f| fields.contains(f)).collect(),
                });
            }
            let (first_fn, first) = stores[0];
            for pool_field in common.unwrap_or_default() {
                out.entry(owner.to_owned()).or_default().push(SelfHeld {
                    field: field.to_owned(),
                    pool_field: pool_field.to_owned(),
                    acquired: first.acquired,
                    at: first.at,
                    stored_by: self.fns[first_fn].shown.clone(),
                });
            }
        }
        out
    }
}
