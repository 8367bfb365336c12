//! `cfg` predicates that hold only outside production: `test`, `debug_assertions`, a feature
//! named for tests. Items and modules behind them are test code.

use syn::punctuated::Punctuated;

/// When a `cfg` predicate holds only outside production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TestOnly {
    /// It may hold in production.
    No,
    /// In test-support builds: `debug_assertions`, a feature named for tests (`test-utils`,
    /// `testing`, `mocks`).
    Support,
    /// In `cargo test` only: `test`.
    Tests,
}

/// The strongest test-only `cfg` among an item's attributes.
pub fn attrs_test_only(attrs: &[syn::Attribute]) -> TestOnly {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.parse_args::<syn::Meta>().ok())
        .map(|predicate| cfg_test_only(&predicate))
        .max()
        .unwrap_or(TestOnly::No)
}

/// Whether a `cfg` predicate holds only in tests or test-support builds: `test`;
/// `debug_assertions` or a feature named for tests; `any(..)` of such only; `all(..)` with one
/// of them. `not(..)` never is.
pub fn cfg_test_only(predicate: &syn::Meta) -> TestOnly {
    match predicate {
        syn::Meta::Path(p) if p.is_ident("test") => TestOnly::Tests,
        syn::Meta::Path(p) if p.is_ident("debug_assertions") => TestOnly::Support,
        syn::Meta::NameValue(nv) if nv.path.is_ident("feature") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })
                if crate::catalog::names_test_support(&s.value()) =>
            {
                TestOnly::Support
            }
            _ => TestOnly::No,
        },
        syn::Meta::List(l) => {
            let Ok(nested) = l.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated) else {
                return TestOnly::No;
            };
            let each = nested.iter().map(cfg_test_only);
            if l.path.is_ident("any") {
                each.min().unwrap_or(TestOnly::No)
            } else if l.path.is_ident("all") {
                each.max().unwrap_or(TestOnly::No)
            } else {
                TestOnly::No
            }
        }
        _ => TestOnly::No,
    }
}
