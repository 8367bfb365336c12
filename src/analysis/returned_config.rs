//! Pool configurations made by workspace functions: the settings each configuration-returning
//! function's result carries, its own and those of the helpers it takes parts from, followed
//! through the call graph. A function whose result is not all known (read from a file, the
//! environment, a parameter, a helper in a cycle or behind a trait object) has unknown
//! settings, which are never judged missing.

use super::facts::{CallFact, FnFacts};
use super::summary::{CrateFacts, Seed};
use crate::catalog::SettingRole;

/// How deep helpers are followed.
const MAX_DEPTH: usize = 32;

/// What is known of the settings a function's returned configuration carries.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Settled {
    /// Being worked out: a call back into it is a cycle, unknown.
    Open,
    /// The roles set on every way out, or unknown.
    Done(Option<Vec<SettingRole>>),
}

impl CrateFacts {
    /// Per function: the settings roles its returned configuration sets on every way out, or
    /// `None` when that is not known (it returns no configuration poolcheck can read).
    pub(super) fn configs_returned(&self, seed: &mut Seed) -> Vec<Option<Vec<SettingRole>>> {
        let kept = seed.start(|f| &mut f.config_roles, |_| None);
        let mut memo: Vec<Option<Settled>> =
            kept.into_iter().zip(&seed.redo).map(|(roles, redo)| (!redo).then_some(Settled::Done(roles))).collect();
        (0..self.fns.len()).map(|i| self.settle(i, &mut memo, 0)).collect()
    }

    fn settle(&self, i: usize, memo: &mut Vec<Option<Settled>>, depth: usize) -> Option<Vec<SettingRole>> {
        match &memo[i] {
            Some(Settled::Done(roles)) => return roles.clone(),
            Some(Settled::Open) => return None,
            None => {}
        }
        // helpers of helpers this deep are not written by hand: leave them unknown
        if depth > MAX_DEPTH {
            return None;
        }
        memo[i] = Some(Settled::Open);
        let roles = self.settle_returns(&self.fns[i], memo, depth);
        memo[i] = Some(Settled::Done(roles.clone()));
        roles
    }

    /// The roles set on every way out of a function returning a configuration.
    fn settle_returns(&self, f: &FnFacts, memo: &mut Vec<Option<Settled>>, depth: usize) -> Option<Vec<SettingRole>> {
        if !f.returns_config || f.config_returns.is_empty() {
            return None;
        }
        let mut common: Option<Vec<SettingRole>> = None;
        for returned in &f.config_returns {
            let returned = returned.as_ref()?;
            let mut roles = returned.roles.clone();
            roles.extend(self.settle_helpers(&returned.helpers, memo, depth)?);
            common = Some(match common {
                None => roles,
                Some(seen) => seen.into_iter().filter(|r| roles.contains(r)).collect(),
            });
        }
        common.map(|mut roles| {
            roles.sort_unstable();
            roles.dedup();
            roles
        })
    }

    fn settle_helpers(
        &self,
        helpers: &[CallFact],
        memo: &mut Vec<Option<Settled>>,
        depth: usize,
    ) -> Option<Vec<SettingRole>> {
        self.roles_from_calls(helpers, |callee| self.settle(callee, memo, depth + 1))
    }

    /// The roles a list of calls' returned configurations set together, each callee's from
    /// `roles_of`; `None` when any is not known (a trait object's call runs one of several
    /// implementations).
    fn roles_from_calls(
        &self,
        helpers: &[CallFact],
        mut roles_of: impl FnMut(usize) -> Option<Vec<SettingRole>>,
    ) -> Option<Vec<SettingRole>> {
        let mut roles = Vec::new();
        for call in helpers {
            if call.dispatched.is_some() {
                return None;
            }
            roles.extend(roles_of(self.callee(call)?)?);
        }
        Some(roles)
    }

    /// The roles the configurations returned by these calls set together, when all are
    /// known.
    pub fn settings_from(&self, helpers: &[CallFact]) -> Option<Vec<SettingRole>> {
        self.roles_from_calls(helpers, |callee| self.config_roles[callee].clone())
    }
}
