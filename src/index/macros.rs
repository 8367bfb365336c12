//! Items written inside item-level macros that expand to (some of) their arguments' items:
//! `cfg_if! { if #[cfg(..)] { items } else { items } }` and std's `cfg_select! { pred => {
//! items } _ => { items } }`. Real services keep whole modules of pool code in them; every arm
//! is read (which `cfg` holds is not known without building), with the tokens' own spans.

/// Macros whose braced arguments are items.
const ITEM_MACROS: &[&str] = &["cfg_if", "cfg_select"];

/// The items in an item-level `cfg_if!`/`cfg_select!`: those of every braced arm that parses.
/// `None` for any other macro.
pub fn cfg_macro_items(mac: &syn::Macro) -> Option<Vec<syn::Item>> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !ITEM_MACROS.contains(&name.as_str()) {
        return None;
    }
    let mut items = Vec::new();
    for t in mac.tokens.clone() {
        if let proc_macro2::TokenTree::Group(g) = t {
            if g.delimiter() == proc_macro2::Delimiter::Brace {
                if let Ok(file) = syn::parse2::<syn::File>(g.stream()) {
                    items.extend(file.items);
                }
            }
        }
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_arm_of_cfg_if_and_cfg_select_is_read() {
        let file: syn::File = syn::parse_str(
            "cfg_if::cfg_if! { if #[cfg(unix)] { fn a() {} } else { fn b() {} struct S; } }\n\
             cfg_select! { feature = \"full\" => { pub fn c(x: impl Future + 'static) {} } _ => {} }\n\
             other! { fn d() {} }",
        )
        .unwrap();
        let names: Vec<Vec<String>> = file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Macro(m) => super::cfg_macro_items(&m.mac),
                _ => None,
            })
            .map(|items| {
                items
                    .iter()
                    .map(|i| match i {
                        syn::Item::Fn(f) => f.sig.ident.to_string(),
                        syn::Item::Struct(s) => s.ident.to_string(),
                        _ => String::new(),
                    })
                    .collect()
            })
            .collect();
        assert_eq!(names, [vec!["a", "b", "S"], vec!["c"]]);
    }
}
