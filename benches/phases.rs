//! Micro-benchmarks of the phases between parsing and reporting, on a generated crate of 100
//! files × 50 functions (the shape of `scripts/gen-app.py`): extracting a file's index facts
//! (from a whole parse and from the skimmed parse pass 1 uses), building the crate index from
//! the files' facts, analysing one file against it, and building the crate's function summaries.
//! Run with `cargo bench --bench phases`; whole-process figures are in `scripts/bench`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use poolcheck::analysis::{analyze_file, facts::FileFnFacts, summary::CrateFacts, FileCx};
use poolcheck::catalog::{Catalog, Policy};
use poolcheck::index::{file_uses, module_of, skim, CrateIndex, FileFacts, IndexView};
use poolcheck::source::SourceFile;
use std::path::PathBuf;

const FILES: usize = 100;
const FNS_PER_FILE: usize = 50;

/// One module of the chain: each function takes a connection, releases it and calls the next.
fn module_text(file: usize) -> String {
    let mut text = String::from("use sqlx::PgPool;\n\npub type Db = PgPool;\n\n");
    for i in file * FNS_PER_FILE..(file + 1) * FNS_PER_FILE {
        let next = i + 1;
        let call = if next < FILES * FNS_PER_FILE {
            format!("    let m = Box::pin(crate::m{}::f{next}(db, n + 1)).await?;\n", next / FNS_PER_FILE)
        } else {
            "    let m = n;\n".to_owned()
        };
        text += &format!(
            "/// Step {i} of the chain.\npub async fn f{i}(db: &Db, id: i64) -> sqlx::Result<i64> {{\n    let mut conn = db.acquire().await?;\n    let n: i64 = sqlx::query_scalar(\"SELECT $1\").bind(id).fetch_one(&mut *conn).await?;\n    drop(conn);\n{call}    Ok(m)\n}}\n\n"
        );
    }
    text
}

fn phases(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let policy = Policy::embedded();
    let sources: Vec<SourceFile> = (0..FILES)
        .map(|f| {
            let path = PathBuf::from(format!("svc/src/m{f}.rs"));
            SourceFile::new(path.clone(), path.to_string_lossy().into_owned(), module_text(f))
        })
        .collect();
    let trees: Vec<syn::File> =
        sources.iter().map(|s| syn::parse_file(&s.text).expect("generated code parses")).collect();
    let facts: Vec<FileFacts> =
        sources.iter().zip(&trees).map(|(s, t)| FileFacts::extract(t, catalog, module_of(&s.path))).collect();

    let text = &sources[0].text;
    let module = module_of(&sources[0].path);
    c.bench_function("facts: whole parse and extract (one file)", |b| {
        b.iter(|| FileFacts::extract(&syn::parse_file(text).expect("parses"), catalog, module.clone()))
    });
    c.bench_function("facts: skimmed parse and extract (one file)", |b| {
        b.iter(|| FileFacts::extract(&skim::parse(text).expect("parses"), catalog, module.clone()))
    });

    c.bench_function("index: build a crate index (100 files)", |b| b.iter(|| CrateIndex::build(&facts, "")));

    let index = CrateIndex::build(&facts, "");
    let analyse = |i: usize| -> FileFnFacts {
        let own = CrateIndex::build([&facts[i]], "");
        let uses = file_uses(&trees[i], catalog);
        let cx = FileCx {
            id: i,
            source: &sources[i],
            catalog,
            krate: "",
            index: IndexView { name: "", file: &own, krate: &index, deps: &[], module: &facts[i].module },
            uses: &uses,
            module: module_of(&sources[i].path),
            policy,
            carriers: Default::default(),
            test_support: false,
        };
        analyze_file(&trees[i], &cx, poolcheck::rules::ALL).1
    };
    c.bench_function("analysis: one file of 50 functions", |b| b.iter(|| analyse(0)));

    let mut all = FileFnFacts::default();
    for i in 0..FILES {
        let f = analyse(i);
        all.fns.extend(f.fns);
        all.registered.extend(f.registered);
    }
    c.bench_function("summaries: build crate summaries (5,000 functions)", |b| {
        b.iter_batched(|| all.fns.clone(), |fns| CrateFacts::build(fns, &all.registered), BatchSize::LargeInput)
    });
}

criterion_group!(benches, phases);
criterion_main!(benches);
