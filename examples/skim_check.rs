//! Checks, on every `.rs` file of a tree, that the skimmed parse pass 1 uses yields the same
//! index facts as a whole parse (`cargo run --release --example skim_check DIR`), and reports
//! how much of the text the skim cut. Prints each file that differs; exits 1 if any does.

mod support;

use poolcheck::catalog::Catalog;
use poolcheck::index::{module_of, skim, FileFacts};
use rayon::prelude::*;

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: skim_check DIR");
        std::process::exit(2);
    };
    let files = support::rust_files(&root);
    let catalog = Catalog::embedded();
    let (compared, differ) = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else { return (0, 0) };
            let whole = syn::parse_file(&text).map(|f| FileFacts::extract(&f, catalog, module_of(path)));
            let skimmed = skim::parse(&text).map(|f| FileFacts::extract(&f, catalog, module_of(path)));
            proc_macro2::extra::invalidate_current_thread_spans();
            match (whole, skimmed) {
                (Ok(a), Ok(b)) if a == b => (1, 0),
                (Err(_), _) => (0, 0),
                _ => {
                    println!("differs: {}", path.display());
                    (1, 1)
                }
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {compared} compared, {differ} differ", files.len());
    std::process::exit(i32::from(differ > 0));
}
