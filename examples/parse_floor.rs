//! The floors poolcheck's speed is measured against: read every `.rs` file of a tree and parse
//! it with `syn` (`parse_floor DIR`), or parse only the files poolcheck's prefilter keeps
//! (`parse_floor --prefilter DIR`). Same walker, same threads, no analysis. Files `syn` cannot
//! parse are listed on stderr with the position and the error.

mod support;

use poolcheck::catalog::Catalog;
use poolcheck::engine::Prefilter;
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let prefilter = args.iter().any(|a| a == "--prefilter");
    let Some(root) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: parse_floor [--prefilter] DIR");
        std::process::exit(2);
    };
    let files = support::rust_files(root);
    let filter = Prefilter::new(Catalog::embedded());
    let (parsed, failed): (usize, usize) = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else { return (0, 0) };
            if prefilter && !filter.matches(&text) {
                return (0, 0);
            }
            let parsed = syn::parse_file(&text);
            if let Err(e) = &parsed {
                let at = e.span().start();
                eprintln!("{}:{}:{}: syn cannot parse: {e}", path.display(), at.line, at.column + 1);
            }
            let ok = parsed.is_ok();
            proc_macro2::extra::invalidate_current_thread_spans();
            (usize::from(ok), usize::from(!ok))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {parsed} parsed, {failed} failed", files.len());
}
