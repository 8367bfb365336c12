//! What an expression is, as far as the evidence shows, and why poolcheck believes it.

use crate::catalog::GuardKind;
use crate::source::Span;

/// Why poolcheck believes an expression is a pool or a guard. Rendered into messages, so a
/// reader can check the reasoning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// A phrase completing "`x` …": "is declared as `PgPool`", "is taken from `pool.acquire()` at line 12".
    pub text: String,
    /// Where the evidence is, for a label.
    pub span: Option<Span>,
}

/// Layers still wrapped around a value: a once-cell to read, a future to await, a
/// `Result`/`Option` to unwrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wrapped {
    /// Still in a once-cell (`static DB: OnceLock<PgPool>`), read with `.get()` and the like.
    pub once: Option<OnceCell>,
    /// Still a future (`pool.acquire()` before `.await`).
    pub future: bool,
    /// Still a `Result`/`Option` (before `?`, `unwrap`, `Ok(..)` patterns).
    pub fallible: bool,
}

/// The kind of once-cell a value is in: how reading it initialises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnceCell {
    /// `std`'s and `once_cell`'s: `.get_or_init(f)` returns the value.
    Sync,
    /// tokio's: `.get_or_init(f)` returns a future of it.
    Async,
}

impl Wrapped {
    /// Nothing left to unwrap.
    pub const NONE: Wrapped = Wrapped { once: None, future: false, fallible: false };

    /// Still a future and a `Result` or `Option` as said.
    pub const fn of(future: bool, fallible: bool) -> Wrapped {
        Wrapped { once: None, future, fallible }
    }

    /// True when the value is the bare guard or pool.
    pub fn is_bare(&self) -> bool {
        self.once.is_none() && !self.future && !self.fallible
    }

    /// The value read out of its once-cell with `method`: `.get()` gives an `Option` of it,
    /// `.get_or_init(..)` the value itself (in a future for tokio's cell); `None` for other
    /// methods, or when the value is in no once-cell.
    pub fn read_once(self, method: &str) -> Option<Wrapped> {
        let cell = self.once?;
        let read = Wrapped { once: None, ..self };
        match method {
            "get" | "get_mut" => Some(Wrapped { fallible: true, ..read }),
            "wait" | "get_unchecked" | "force" => Some(read),
            "get_or_init" => Some(Wrapped { future: cell == OnceCell::Async, ..read }),
            "get_or_try_init" => Some(Wrapped { future: cell == OnceCell::Async, fallible: true, ..read }),
            _ => None,
        }
    }
}

/// Where a guard was put inside another value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The expression that stores it (`Mutex::new(conn)`, the struct field's value).
    pub at: Span,
    /// The guard as written.
    pub guard: String,
    /// Why it is a guard.
    pub evidence: Evidence,
}

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A pool (or a reference to one: pools are used through references).
    Pool {
        /// Catalogue crate, when known.
        krate: Option<usize>,
        /// Why.
        evidence: Evidence,
        /// Layers around it.
        wrapped: Wrapped,
    },
    /// A guard holding a pooled connection or a transaction.
    Guard {
        /// Catalogue crate, when known.
        krate: Option<usize>,
        /// Connection or transaction.
        kind: GuardKind,
        /// Why.
        evidence: Evidence,
        /// Layers around it.
        wrapped: Wrapped,
        /// False for `&guard` / `&mut guard`: forgetting a reference forgets nothing.
        owned: bool,
        /// The workspace type that carries the guard in a field (`struct ReadConn { conn:
        /// PoolConnection<Sqlite> }`), when it is not a catalogued guard itself: its methods
        /// and fields are looked up there.
        carrier: Option<crate::index::ItemRef>,
    },
    /// A value of a workspace crate's struct or enum (used to look up fields and methods).
    Struct(crate::index::ItemRef),
    /// A value that holds a guard inside (`Mutex::new(conn)`, a struct literal with a guard field).
    Holds(Box<Stored>),
    /// A value of a declared type the catalogue does not know (`reqwest::blocking::Client`).
    Opaque(crate::index::types::TypeRef),
    /// Nothing known.
    Unknown,
}

impl Value {
    /// An owned, fully unwrapped guard.
    pub fn as_owned_guard(&self) -> Option<(Option<usize>, GuardKind, &Evidence)> {
        match self {
            Value::Guard { krate, kind, evidence, wrapped, owned: true, .. } if wrapped.is_bare() => {
                Some((*krate, *kind, evidence))
            }
            _ => None,
        }
    }

    /// A pool (bare or borrowed, not wrapped).
    pub fn as_pool(&self) -> Option<(Option<usize>, &Evidence)> {
        match self {
            Value::Pool { krate, evidence, wrapped } if wrapped.is_bare() => Some((*krate, evidence)),
            _ => None,
        }
    }

    /// Whether two values are the same kind of thing, whatever the evidence: the arms of a
    /// `match` that each take a connection from the pool agree.
    pub fn same_shape(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Pool { krate: a, wrapped: w, .. }, Value::Pool { krate: b, wrapped: x, .. }) => a == b && w == x,
            (
                Value::Guard { krate: a, kind: k, wrapped: w, owned: o, carrier: c, .. },
                Value::Guard { krate: b, kind: l, wrapped: x, owned: p, carrier: d, .. },
            ) => a == b && k == l && w == x && o == p && c == d,
            (Value::Struct(a), Value::Struct(b)) => a == b,
            _ => false,
        }
    }

    /// The workspace type whose fields and methods this value has: a struct's, or the type
    /// carrying a guard.
    pub fn item(&self) -> Option<&crate::index::ItemRef> {
        match self {
            Value::Struct(item) | Value::Guard { carrier: Some(item), .. } => Some(item),
            _ => None,
        }
    }

    /// The same value with one layer peeled by `f`.
    pub fn map_wrapped(self, f: impl FnOnce(&mut Wrapped) -> bool) -> Value {
        match self {
            Value::Pool { krate, evidence, mut wrapped } => {
                if f(&mut wrapped) {
                    Value::Pool { krate, evidence, wrapped }
                } else {
                    Value::Unknown
                }
            }
            Value::Guard { krate, kind, evidence, mut wrapped, owned, carrier } => {
                if f(&mut wrapped) {
                    Value::Guard { krate, kind, evidence, wrapped, owned, carrier }
                } else {
                    Value::Unknown
                }
            }
            other => other,
        }
    }

    /// The value after `.await`.
    pub fn awaited(self) -> Value {
        self.map_wrapped(|w| std::mem::replace(&mut w.future, false))
    }

    /// The value after `?`, `.unwrap()`, `.expect(..)` or an `Ok(..)`/`Some(..)` pattern.
    pub fn unwrapped(self) -> Value {
        self.map_wrapped(|w| !w.future && std::mem::replace(&mut w.fallible, false))
    }

    /// The value borrowed (`&x`).
    pub fn borrowed(self) -> Value {
        match self {
            Value::Guard { krate, kind, evidence, wrapped, carrier, .. } => {
                Value::Guard { krate, kind, evidence, wrapped, owned: false, carrier }
            }
            other => other,
        }
    }
}
