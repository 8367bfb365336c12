//! Where a guard comes from: the pool it is taken from here, the workspace function that
//! returned it, or (when a `match`'s arms disagree) each of the places it may come from. The
//! walker records these for held guards and returned ones; the workspace stage translates
//! them into callers' terms.

use super::syntax::*;
use super::*;

impl BodyCx<'_> {
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
                match binding.owns {
                    Some(id) => self.tracked[id].source(),
                    None => binding.source.clone(),
                }
            }
            syn::Expr::Struct(lit) => lit.fields.iter().find_map(|f| self.guard_source(&f.expr)),
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if self.hands_value_on(&method) || (m.args.is_empty() && method == "into") {
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
                if let Some((pool, _, _)) = self.acquire_with(c, &path) {
                    return Some(GuardSource::Pool(self.pool_key(pool)));
                }
                if let Some(call) = self.call_fact(c, &path) {
                    // a guard moved into a workspace function (`Connection::new(conn, ..)`)
                    // lives on in what it returns
                    let moved = c
                        .args
                        .iter()
                        .filter(|a| !matches!(strip_parens(a), syn::Expr::Reference(_)))
                        .find_map(|a| self.guard_source(a));
                    return Some(moved.unwrap_or(GuardSource::Call(Box::new(call))));
                }
                // `Ok(conn)`, `Box::new(conn)`, `DbConn::Pool(conn)`, `Self { .. }`-style tuple
                // constructors: what they wrap
                c.args.iter().find_map(|a| self.guard_source(a))
            }
            _ => None,
        }
    }

    /// Where the guard an expression yields may come from when [`BodyCx::guard_source`] finds
    /// no one place: the arms of a `match` that take it from different places (`Main =>
    /// self.primary()?, Replica(i) => self.replica(i)?`), through `?`, `.await`, borrows,
    /// `into`, blocks, `Ok(..)`, constructors, struct literals and the bindings made from them.
    pub fn alternative_sources(&self, e: &syn::Expr) -> Vec<GuardSource> {
        match strip_parens(e) {
            syn::Expr::Try(t) => self.alternative_sources(&t.expr),
            syn::Expr::Await(a) => self.alternative_sources(&a.base),
            syn::Expr::Reference(r) => self.alternative_sources(&r.expr),
            syn::Expr::Match(m) => {
                let mut found: Vec<GuardSource> = Vec::new();
                for arm in m.arms.iter().filter(|a| !diverges(&a.body) && !unwrapping_arm(a)) {
                    let tail = block_tail(&arm.body);
                    let sources = match self.guard_source(tail) {
                        Some(source) => vec![source],
                        None => self.alternative_sources(tail),
                    };
                    for s in sources {
                        if !found.iter().any(|seen| seen.same_as(&s)) {
                            found.push(s);
                        }
                    }
                }
                if found.len() > 1 {
                    found
                } else {
                    Vec::new()
                }
            }
            syn::Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.alternative_sources(tail),
                _ => Vec::new(),
            },
            syn::Expr::Path(p) => {
                let binding = p.path.get_ident().and_then(|id| self.lookup(&id.to_string()));
                binding.and_then(|b| b.owns).map(|id| self.tracked[id].alternatives.clone()).unwrap_or_default()
            }
            syn::Expr::Struct(lit) => {
                lit.fields.iter().map(|f| self.alternative_sources(&f.expr)).find(|s| !s.is_empty()).unwrap_or_default()
            }
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "into" => {
                self.alternative_sources(&m.receiver)
            }
            syn::Expr::MethodCall(m) if self.hands_value_on(&m.method.to_string()) => {
                self.alternative_sources(&m.receiver)
            }
            // `Ok(conn)`, `Session::new(conn)`: what they wrap (a workspace function's result
            // would have been one place)
            syn::Expr::Call(c) => {
                c.args.iter().map(|a| self.alternative_sources(a)).find(|s| !s.is_empty()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }
}
