//! Constant values as syntax tells them: integer and float literals, `Duration` constructors,
//! `Some`/`None`, simple arithmetic, and references to crate `const`/`static` items, evaluated
//! lazily against the crate index. Anything else (an env var, a function call) is unknown, and
//! an unknown value is never reported.

use std::time::Duration;

/// An owned, simplified constant expression.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ConstExpr {
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
    /// `None`.
    None,
    /// `Some(x)`.
    Some(Box<ConstExpr>),
    /// A path to a constant (its last segment).
    Path(String),
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    Binary(char, Box<ConstExpr>, Box<ConstExpr>),
    /// `Duration::from_secs(x)` and friends: the unit in nanoseconds, and the argument(s).
    Duration(DurationCtor, Vec<ConstExpr>),
    /// `Duration::ZERO` / `Duration::MAX`.
    DurationConst(Duration),
    /// Anything else.
    Unknown,
}

/// How a `Duration` constructor reads its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DurationCtor {
    /// One argument in a unit of this many nanoseconds (`from_secs`: 1e9).
    Unit(u128),
    /// `Duration::new(secs, nanos)`.
    New,
}

/// An evaluated value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evaluated {
    /// A whole number.
    Count(i128),
    /// A float.
    Float(f64),
    /// A duration.
    Duration(Duration),
    /// `None`.
    None,
    /// Not known from syntax.
    Unknown,
}

impl ConstExpr {
    /// Lowers an expression.
    pub fn lower(e: &syn::Expr) -> ConstExpr {
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Int(i) => i.base10_parse::<i128>().map_or(ConstExpr::Unknown, ConstExpr::Int),
                syn::Lit::Float(f) => f.base10_parse::<f64>().map_or(ConstExpr::Unknown, ConstExpr::Float),
                _ => ConstExpr::Unknown,
            },
            syn::Expr::Paren(p) => ConstExpr::lower(&p.expr),
            syn::Expr::Group(g) => ConstExpr::lower(&g.expr),
            syn::Expr::Cast(c) => ConstExpr::lower(&c.expr),
            syn::Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Add(_) => '+',
                    syn::BinOp::Sub(_) => '-',
                    syn::BinOp::Mul(_) => '*',
                    syn::BinOp::Div(_) => '/',
                    _ => return ConstExpr::Unknown,
                };
                ConstExpr::Binary(op, Box::new(ConstExpr::lower(&b.left)), Box::new(ConstExpr::lower(&b.right)))
            }
            syn::Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                match segs.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                    [.., "None"] if segs.len() <= 3 => ConstExpr::None,
                    [.., "Duration", "ZERO"] => ConstExpr::DurationConst(Duration::ZERO),
                    [.., "Duration", "MAX"] => ConstExpr::DurationConst(Duration::MAX),
                    [.., last] => ConstExpr::Path((*last).to_string()),
                    [] => ConstExpr::Unknown,
                }
            }
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else { return ConstExpr::Unknown };
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                let args: Vec<ConstExpr> = c.args.iter().map(ConstExpr::lower).collect();
                let n = segs.len();
                if n == 1 && segs[0] == "Some" && args.len() == 1 {
                    return ConstExpr::Some(Box::new(args.into_iter().next().unwrap_or(ConstExpr::Unknown)));
                }
                if n >= 2 && segs[n - 2] == "Duration" {
                    let ctor = match segs[n - 1].as_str() {
                        "from_secs" | "from_secs_f64" | "from_secs_f32" => DurationCtor::Unit(1_000_000_000),
                        "from_millis" => DurationCtor::Unit(1_000_000),
                        "from_micros" => DurationCtor::Unit(1_000),
                        "from_nanos" => DurationCtor::Unit(1),
                        "from_mins" => DurationCtor::Unit(60_000_000_000),
                        "from_hours" => DurationCtor::Unit(3_600_000_000_000),
                        "new" => DurationCtor::New,
                        _ => return ConstExpr::Unknown,
                    };
                    return ConstExpr::Duration(ctor, args);
                }
                ConstExpr::Unknown
            }
            _ => ConstExpr::Unknown,
        }
    }

    /// Evaluates, looking constants up with `lookup`; cycles and deep chains are unknown.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<ConstExpr>) -> Evaluated {
        self.eval_depth(lookup, 0)
    }

    fn eval_depth(&self, lookup: &dyn Fn(&str) -> Option<ConstExpr>, depth: usize) -> Evaluated {
        if depth > 32 {
            return Evaluated::Unknown;
        }
        let ev = |e: &ConstExpr| e.eval_depth(lookup, depth + 1);
        match self {
            ConstExpr::Int(i) => Evaluated::Count(*i),
            ConstExpr::Float(f) => Evaluated::Float(*f),
            ConstExpr::None => Evaluated::None,
            ConstExpr::Some(inner) => ev(inner),
            ConstExpr::Path(name) => lookup(name).map_or(Evaluated::Unknown, |e| ev(&e)),
            ConstExpr::DurationConst(d) => Evaluated::Duration(*d),
            ConstExpr::Binary(op, a, b) => arithmetic(*op, ev(a), ev(b)),
            ConstExpr::Duration(ctor, args) => {
                let values: Vec<Evaluated> = args.iter().map(ev).collect();
                match (ctor, values.as_slice()) {
                    (DurationCtor::Unit(nanos), [Evaluated::Count(n)]) if *n >= 0 => u64::try_from(
                        (*n as u128).saturating_mul(*nanos) / 1_000_000_000,
                    )
                    .ok()
                    .map_or(Evaluated::Unknown, |secs| {
                        let sub = ((*n as u128).saturating_mul(*nanos) % 1_000_000_000) as u32;
                        Evaluated::Duration(Duration::new(secs, sub))
                    }),
                    (DurationCtor::Unit(nanos), [Evaluated::Float(f)]) if f.is_finite() && *f >= 0.0 => {
                        Duration::try_from_secs_f64(f * (*nanos as f64) / 1e9)
                            .map_or(Evaluated::Unknown, Evaluated::Duration)
                    }
                    (DurationCtor::New, [Evaluated::Count(s), Evaluated::Count(ns)]) => {
                        match (u64::try_from(*s), u32::try_from(*ns)) {
                            (Ok(s), Ok(ns)) => Evaluated::Duration(
                                Duration::new(s, 0).saturating_add(Duration::from_nanos(u64::from(ns))),
                            ),
                            _ => Evaluated::Unknown,
                        }
                    }
                    _ => Evaluated::Unknown,
                }
            }
            ConstExpr::Unknown => Evaluated::Unknown,
        }
    }
}

fn arithmetic(op: char, a: Evaluated, b: Evaluated) -> Evaluated {
    use Evaluated::*;
    match (a, b) {
        (Count(x), Count(y)) => match op {
            '+' => x.checked_add(y).map_or(Unknown, Count),
            '-' => x.checked_sub(y).map_or(Unknown, Count),
            '*' => x.checked_mul(y).map_or(Unknown, Count),
            '/' => x.checked_div(y).map_or(Unknown, Count),
            _ => Unknown,
        },
        (Duration(d), Count(n)) if op == '*' => {
            u32::try_from(n).ok().and_then(|n| d.checked_mul(n)).map_or(Unknown, Duration)
        }
        (Count(n), Duration(d)) if op == '*' => {
            u32::try_from(n).ok().and_then(|n| d.checked_mul(n)).map_or(Unknown, Duration)
        }
        (Duration(x), Duration(y)) => match op {
            '+' => x.checked_add(y).map_or(Unknown, Duration),
            '-' => x.checked_sub(y).map_or(Unknown, Duration),
            _ => Unknown,
        },
        _ => Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Evaluated {
        let e: syn::Expr = syn::parse_str(src).unwrap();
        let consts = |name: &str| match name {
            "BASE" => Some(ConstExpr::lower(&syn::parse_str("30").unwrap())),
            "LOOP" => Some(ConstExpr::Path("LOOP".into())),
            _ => None,
        };
        ConstExpr::lower(&e).eval(&consts)
    }

    #[test]
    fn literals_durations_and_arithmetic() {
        assert_eq!(eval("1_000u32"), Evaluated::Count(1000));
        assert_eq!(eval("Duration::from_secs(30 * 60)"), Evaluated::Duration(Duration::from_secs(1800)));
        assert_eq!(eval("std::time::Duration::from_millis(250)"), Evaluated::Duration(Duration::from_millis(250)));
        assert_eq!(eval("Duration::from_secs_f64(0.1)"), Evaluated::Duration(Duration::from_millis(100)));
        assert_eq!(eval("Duration::new(7200, 0)"), Evaluated::Duration(Duration::from_secs(7200)));
        assert_eq!(eval("Some(Duration::from_secs(BASE))"), Evaluated::Duration(Duration::from_secs(30)));
        assert_eq!(eval("None"), Evaluated::None);
        assert_eq!(eval("BASE * 2 + 1"), Evaluated::Count(61));
        assert_eq!(eval("Duration::MAX"), Evaluated::Duration(Duration::MAX));
    }

    #[test]
    fn unknowns_stay_unknown() {
        assert_eq!(eval("num_cpus::get() * 2"), Evaluated::Unknown);
        assert_eq!(eval("settings.max_connections"), Evaluated::Unknown);
        assert_eq!(eval("LOOP"), Evaluated::Unknown);
        assert_eq!(eval("Duration::from_secs(-1)"), Evaluated::Unknown);
        assert_eq!(eval("i128::MAX * 2"), Evaluated::Unknown);
    }
}
