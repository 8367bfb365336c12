//! The pipeline: discover → read and parse in parallel, extracting per-file facts → build each
//! crate's index → analyse functions in parallel → sort. Syntax trees never leave the task that
//! parsed them (they are not `Send`); only owned facts and diagnostics do.

pub mod cache;
mod context;
pub mod discover;
pub mod live;
pub mod packages;
mod plan;
mod prefilter;
pub mod progress;
pub mod test_modules;
mod timings;
pub mod workspace;

use crate::analysis::facts::FileFnFacts;
use crate::analysis::summary::CrateFacts;
use crate::analysis::{self, FileCx};
use crate::catalog::{Catalog, Policy};
use crate::config::Config;
use crate::index::{module_of, skim, CrateIndex, FileFacts, IndexView};
use crate::report::{Diagnostic, Report, Severity};
use crate::rules::{self, Rule};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::suppress::{self, Suppression};
use aho_corasick::{AhoCorasick, MatchKind};
pub use prefilter::Prefilter;
use progress::{Phase, Progress};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use timings::Timings;

/// What to scan and how.
#[derive(Clone)]
pub struct ScanOptions {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Worker threads (`None`: one per core).
    pub jobs: Option<usize>,
    /// Files larger than this many bytes are reported and skipped.
    pub max_file_size: u64,
    /// Rules to run.
    pub rules: Vec<&'static dyn Rule>,
    /// Also analyse integration tests and benchmarks (`tests/`, `benches/`).
    pub include_tests: bool,
    /// The project's configuration: catalogue, policy, excludes, rule levels.
    pub config: Config,
    /// Where the facts of the unchanged files of named files' packages are cached (`None`: no
    /// cache; those files are parsed on every scan).
    pub cache_dir: Option<PathBuf>,
    /// Also collect what poolcheck believes about the scanned files (`poolcheck evidence`).
    pub evidence: bool,
    /// Counters the scan bumps as it reads and analyses files, for a progress display.
    pub progress: Option<Arc<progress::Progress>>,
}

impl ScanOptions {
    /// A scan of `paths` with every rule, default limits and the default configuration.
    pub fn new(paths: Vec<PathBuf>) -> ScanOptions {
        ScanOptions {
            paths,
            jobs: None,
            max_file_size: 8 << 20,
            rules: rules::ALL.to_vec(),
            include_tests: false,
            config: Config::default(),
            cache_dir: None,
            evidence: false,
            progress: None,
        }
    }
}

/// Errors that stop a scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A path does not exist.
    #[error(transparent)]
    MissingPath(#[from] discover::MissingPath),
    /// The thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Nesting deeper than this is reported instead of parsed: it protects the stack, and no
/// hand-written Rust comes near it.
const MAX_NESTING: usize = 512;

/// Stack for worker threads: parsing and analysis recurse on nesting.
const WORKER_STACK: usize = 64 << 20;

/// Runs a scan: discovers the files under `opts.paths`, then scans them.
pub fn scan(opts: &ScanOptions) -> Result<Report, ScanError> {
    let mut timings = Timings::new();
    let (found, problems) = discover::discover(&opts.paths, opts.include_tests, opts.config.exclusion())?;
    timings.lap("discover");
    scan_discovered(opts, found, problems, timings)
}

/// Scans files already discovered. A file that vanished or became unreadable since is
/// reported as `cannot read`, and the scan goes on.
pub fn scan_files(
    opts: &ScanOptions,
    found: Vec<discover::Discovered>,
    problems: Vec<discover::WalkProblem>,
) -> Result<Report, ScanError> {
    scan_discovered(opts, found, problems, Timings::new())
}

fn scan_discovered(
    opts: &ScanOptions,
    found: Vec<discover::Discovered>,
    problems: Vec<discover::WalkProblem>,
    mut timings: Timings,
) -> Result<Report, ScanError> {
    let catalog = &opts.config.catalog;
    let plan::Plan { found, owners, packages, reported, context } = plan::plan(opts, found);
    let prefilter = Prefilter::new(catalog);

    // one relaxed atomic add per file and phase: nothing a scan can measure
    let bump = |count: &dyn Fn(&Progress)| {
        if let Some(progress) = opts.progress.as_deref() {
            count(progress);
        }
    };
    let files = found.len();
    bump(&|p| p.start_reading(files));
    worker_pool(opts.jobs)?.install(|| {
        // pass 1: read, parse, extract facts
        let mut parsed: Vec<FirstPass> = found
            .par_iter()
            .zip(owners.par_iter())
            .enumerate()
            .map(|(id, (file, owner))| {
                let parse_all = owner.is_none_or(|p| packages.roots[p].uses_pools);
                first_pass(id, file, opts, parse_all, &prefilter)
            })
            .inspect(|_| bump(&Progress::file_read))
            .collect();

        timings.lap("read and parse");
        bump(&|p| p.enter(Phase::Indexing));
        // constants used by parsed files but defined in files the prefilter skipped
        load_wanted_consts(&mut parsed, &found, &owners, opts, &prefilter);

        // the other files of named files' packages: evidence
        let context = context::index_context(&context, &found, &parsed, &owners, opts, &packages, &prefilter);
        let fingerprint = (!context.files.is_empty()).then(|| context::index_fingerprint(&context, opts));
        let context::Context { files: context, mut follow, .. } = context;

        // the crate indexes
        let mut groups: HashMap<Option<usize>, Vec<&FileFacts>> = HashMap::new();
        for (p, owner) in parsed.iter().zip(&owners) {
            if let Some(facts) = &p.facts {
                groups.entry(*owner).or_default().push(facts);
            }
        }
        for c in &context {
            groups.entry(Some(c.package)).or_default().push(&c.facts);
        }
        let indexes = build_indexes(groups, &packages);
        let dependencies = workspace::dependency_views(&packages, &indexes);
        let crate_view =
            |owner: &Option<usize>| CrateView::of(*owner, &packages, &indexes, &dependencies, opts.include_tests);

        timings.lap("index");
        bump(&|p| p.enter(Phase::Analysing));
        // pass 2: analyse
        let analysed: Vec<(Vec<Diagnostic>, FileFnFacts)> = parsed
            .par_iter()
            .zip(owners.par_iter())
            .enumerate()
            .map(|(id, (p, owner))| second_pass_of(id, &found[id], p, crate_view(owner), opts))
            .inspect(|_| bump(&Progress::file_analysed))
            .collect();
        // the context files' summaries: what the named files call and what calls them
        let followed = match fingerprint {
            None => Vec::new(),
            Some(fingerprint) => {
                follow.remember_named(fingerprint, |i| &analysed[i].1);
                follow.summaries(&context, found.len(), fingerprint, |id, source, c| {
                    let policy = opts.config.policy_for(&source.path);
                    second_pass(id, source, &c.facts, crate_view(&Some(c.package)), &opts.rules, catalog, policy).1
                })
            }
        };
        follow.save();

        // workspace-level analyses over the function summaries of every crate (their keys are
        // crate-qualified, so one call graph holds them all and calls cross crates)
        timings.lap("analysis");
        bump(&|p| p.enter(Phase::Reporting));
        let mut merged = FileFnFacts::default();
        let mut diagnostics: Vec<Vec<Diagnostic>> = Vec::with_capacity(analysed.len());
        for (diags, facts) in analysed {
            diagnostics.push(diags);
            merged.fns.extend(facts.fns);
            merged.registered.extend(facts.registered);
        }
        let mut followed_sources = Vec::with_capacity(followed.len());
        for (source, facts) in followed {
            followed_sources.push(source);
            merged.fns.extend(facts.fns);
            merged.registered.extend(facts.registered);
        }
        let (facts, crate_diagnostics) = summarise(merged, &opts.rules, None);
        diagnostics.push(crate_diagnostics);
        let evidence = opts.evidence.then(|| {
            let mut beliefs = analysis::evidence::of_functions(&facts);
            for (id, (p, owner)) in parsed.iter().zip(&owners).enumerate().take(reported) {
                beliefs.extend(type_beliefs(id, p, crate_view(owner), catalog));
            }
            beliefs
        });

        timings.lap("crate summaries");
        // files that are modules only tests compile (`#[cfg(test)] mod tests;`), among those
        // with findings
        let test_modules = test_modules::of_findings(&diagnostics, &found[..reported], opts.include_tests);
        let mut sources = SourceMap::default();
        let found_len = found.len() + followed_sources.len();
        for (file, p) in found.into_iter().zip(parsed) {
            sources.add(p.source.unwrap_or_else(|| SourceFile::new(file.path, file.name, String::new())));
        }
        for source in followed_sources {
            sources.add(source);
        }
        // nothing is reported in the workspace files read as evidence (problems met by the
        // walk come after them)
        // test-support crates are test code unless tests are asked for
        let test_support =
            |file: usize| owners[file].is_some_and(|p| packages.roots[p].test_support) || test_modules.contains(&file);
        let reported_file =
            |file: usize| file >= found_len || (file < reported && (opts.include_tests || !test_support(file)));
        let mut diagnostics: Vec<Diagnostic> =
            diagnostics.into_iter().flatten().filter(|d| reported_file(d.span.file)).collect();
        for problem in problems {
            let name = problem.path.to_string_lossy().into_owned();
            let id = sources.add(SourceFile::new(problem.path, name, String::new()));
            diagnostics.push(parse_error(id, "", 0, &format!("cannot read: {}", problem.message)));
        }
        let suppressions: Vec<Suppression> =
            (0..sources.len()).into_par_iter().flat_map_iter(|id| suppress::parse(id, sources.get(id))).collect();
        let line_of = |span: Span| sources.get(span.file).line_index(span.start);
        let suppressed = settle(&mut diagnostics, &suppressions, line_of, opts, reported_file);
        let evidence = evidence.map(|mut beliefs| {
            beliefs.retain(|b| reported_file(b.at.file));
            analysis::evidence::Evidence { beliefs }
        });
        let mut report = Report { sources, diagnostics, files_scanned: reported, suppressed, evidence };
        timings.lap("report");
        report.sort();
        timings.finish(&report);
        Ok(report)
    })
}

/// The threads a scan's parallel passes run on (`jobs`: how many; `None`: one per core).
fn worker_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().num_threads(jobs.unwrap_or(0)).stack_size(WORKER_STACK).build()
}

/// Each crate's index, from the facts of its files (`None`: files outside any package).
fn build_indexes(
    groups: HashMap<Option<usize>, Vec<&FileFacts>>,
    packages: &packages::Packages,
) -> HashMap<Option<usize>, CrateIndex> {
    groups.into_par_iter().map(|(k, files)| (k, CrateIndex::build(files, crate_name(k, packages)))).collect()
}

/// The name a package's code is known by (empty outside a package).
fn crate_name(owner: Option<usize>, packages: &packages::Packages) -> &str {
    owner.map_or("", |p| packages.roots[p].crate_name.as_str())
}

/// The workspace's function summaries (brought up to date from `earlier` ones, if given), and
/// what the rules find across them.
fn summarise(
    fns: FileFnFacts,
    rules: &[&'static dyn Rule],
    earlier: Option<analysis::summary::Earlier>,
) -> (CrateFacts, Vec<Diagnostic>) {
    let facts = CrateFacts::update(fns.fns, &fns.registered, earlier);
    let mut diagnostics = Vec::new();
    for r in rules {
        r.check_crate(&facts, &mut diagnostics);
    }
    (facts, diagnostics)
}

/// What poolcheck believes about the types and statics a file defines (nothing for a file
/// pass 1 did not parse).
fn type_beliefs(id: FileId, p: &FirstPass, krate: CrateView<'_>, catalog: &Catalog) -> Vec<analysis::evidence::Belief> {
    let (Some(source), Some(facts)) = (&p.source, &p.facts) else { return Vec::new() };
    let own = CrateIndex::build([facts], krate.name);
    analysis::evidence::of_types(krate.file_view(&own, &facts.module), facts, source, id, catalog)
}

/// The findings that stand among those of reported files: of the rules that ran (selected, and
/// not turned off in the configuration), after precedence between rules, suppressions
/// (`suppressions` of the files concerned; `line_of`: a span's 0-based line) and the
/// configured levels. Returns how many were suppressed.
fn settle(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &[Suppression],
    line_of: impl Fn(Span) -> usize,
    opts: &ScanOptions,
    reported_file: impl Fn(FileId) -> bool,
) -> usize {
    let config = &opts.config;
    let enabled: Vec<&str> =
        opts.rules.iter().map(|r| r.info().id).filter(|id| config.severity(id).is_some()).collect();
    diagnostics.retain(|d| enabled.contains(&d.rule));
    rules::apply_precedence(diagnostics);
    let suppressed = suppress::apply(diagnostics, suppressions, line_of, &enabled);
    // their suppressions were not applied to anything reported
    diagnostics.retain(|d| reported_file(d.span.file));
    // levels from the configuration: `off` drops a rule, `error`/`warning` re-grade it
    diagnostics.retain_mut(|d| match config.severity(d.rule).filter(|_| enabled.contains(&d.rule)) {
        Some(severity) => {
            d.severity = severity;
            true
        }
        None => false,
    });
    suppressed
}

/// The crate a file belongs to, as pass 2 sees it.
#[derive(Clone, Copy)]
struct CrateView<'a> {
    /// Its name (empty outside a package).
    name: &'a str,
    /// Its index.
    index: &'a CrateIndex,
    /// The crates it reaches by path.
    deps: &'a [crate::index::DepIndex<'a>],
    /// Analyse code behind test-support `cfg`s too (`--include-tests`).
    test_support: bool,
}

/// The index of files that belong to no crate that has one.
static EMPTY_INDEX: std::sync::LazyLock<CrateIndex> = std::sync::LazyLock::new(CrateIndex::default);

impl<'a> CrateView<'a> {
    /// The crate of the files `owner` owns: its index in `indexes`, and its dependencies'.
    fn of(
        owner: Option<usize>,
        packages: &'a packages::Packages,
        indexes: &'a HashMap<Option<usize>, CrateIndex>,
        dependencies: &'a HashMap<usize, Vec<crate::index::DepIndex<'a>>>,
        test_support: bool,
    ) -> CrateView<'a> {
        CrateView {
            name: crate_name(owner, packages),
            index: indexes.get(&owner).unwrap_or(&EMPTY_INDEX),
            deps: owner.and_then(|p| dependencies.get(&p)).map_or(&[], Vec::as_slice),
            test_support,
        }
    }

    /// What one of the crate's files sees: its own definitions (`own`, built from its facts)
    /// first, then its crate's, then its dependencies'.
    fn file_view(&self, own: &'a CrateIndex, module: &'a [String]) -> IndexView<'a> {
        IndexView { name: self.name, file: own, krate: self.index, deps: self.deps, module }
    }
}

/// Runs the whole per-file pipeline on text in memory, as if `path` had that content: parse,
/// index, analyse, summarise (for configuration files: read the settings). For fuzzing and
/// property tests; never panics on any input.
pub fn check_text(path: &std::path::Path, text: &str, config: &Config, rules: &[&'static dyn Rule]) -> Vec<Diagnostic> {
    let catalog = &config.catalog;
    let policy = config.policy_for(path);
    let source = SourceFile::new(path.to_path_buf(), path.to_string_lossy().into_owned(), text.to_owned());
    if let Some(format) = crate::config_files::format_of(path) {
        return match guarded(|| crate::config_files::leaves(format, text)) {
            Ok(Ok(leaves)) => check_config_file(0, &source, &leaves, format, rules, catalog, policy),
            Ok(Err(_)) => Vec::new(),
            Err(message) => vec![parse_error(0, text, 0, &message)],
        };
    }
    let facts = match extract_facts(text, path, catalog) {
        Ok(facts) => facts,
        Err((offset, message)) => return vec![parse_error(0, text, offset, &message)],
    };
    let index = CrateIndex::build([&facts], "");
    let krate = CrateView { name: "", index: &index, deps: &[], test_support: false };
    let (mut diagnostics, fn_facts) = second_pass(0, &source, &facts, krate, rules, catalog, policy);
    diagnostics.extend(summarise(fn_facts, rules, None).1);
    diagnostics
}

/// What pass 1 learnt of a file.
#[derive(Default)]
struct FirstPass {
    /// The file with its text, when it was read.
    source: Option<SourceFile>,
    /// Facts for the crate index, when parsed.
    facts: Option<FileFacts>,
    /// Why the file could not be analysed: byte offset and message.
    problem: Option<(usize, String)>,
    /// For a configuration file: what the rules found in it.
    config_diagnostics: Vec<Diagnostic>,
}

/// Reads a file whole, within the size limit. A file that cannot be read, or is not UTF-8, is
/// returned as the pass-1 outcome that reports it.
fn read_text(file: &discover::Discovered, max_size: u64) -> Result<String, Box<FirstPass>> {
    let bytes = read_limited(&file.path, max_size)
        .map_err(|message| Box::new(FirstPass { problem: Some((0, message)), ..FirstPass::default() }))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // the valid prefix is kept so the position can be shown as line and column
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        Box::new(FirstPass {
            source: Some(SourceFile::new(file.path.clone(), file.name.clone(), prefix)),
            problem: Some((at, format!("not valid UTF-8 (invalid byte at offset {at})"))),
            ..FirstPass::default()
        })
    })
}

/// Pass 1 over one file: read it, then parse and extract its facts (a configuration file: read
/// its pool settings and run the rules on them).
fn first_pass(
    id: usize,
    file: &discover::Discovered,
    opts: &ScanOptions,
    parse_all: bool,
    prefilter: &Prefilter,
) -> FirstPass {
    match read_text(file, opts.max_file_size) {
        Ok(text) => first_pass_text(id, file, text, opts, parse_all, prefilter),
        Err(outcome) => *outcome,
    }
}

/// Pass 1 over a file's text, once read.
fn first_pass_text(
    id: usize,
    file: &discover::Discovered,
    text: String,
    opts: &ScanOptions,
    parse_all: bool,
    prefilter: &Prefilter,
) -> FirstPass {
    let catalog = &opts.config.catalog;
    let source_of = |text: String| SourceFile::new(file.path.clone(), file.name.clone(), text);
    if let Some(format) = file.config {
        // configuration files are read whole; only a file that names a pool setting and does
        // not parse is worth a warning (a Helm template is not YAML, and not ours)
        return match crate::config_files::leaves(format, &text) {
            Ok(leaves) => {
                let source = source_of(text);
                let policy = opts.config.policy_for(&file.path);
                let config_diagnostics = check_config_file(id, &source, &leaves, format, &opts.rules, catalog, policy);
                FirstPass { source: Some(source), config_diagnostics, ..FirstPass::default() }
            }
            Err(e) if mentions_pool_setting(&text, catalog) => {
                let problem = Some((e.offset, format!("cannot parse: {}", e.message)));
                FirstPass { source: Some(source_of(text)), problem, ..FirstPass::default() }
            }
            Err(_) => FirstPass::default(),
        };
    }
    if !parse_all && !prefilter.matches(&text) {
        return FirstPass::default();
    }
    let outcome = extract_facts(&text, &file.path, catalog);
    let source = Some(source_of(text));
    match outcome {
        Ok(facts) => FirstPass { source, facts: Some(facts), ..FirstPass::default() },
        Err(problem) => FirstPass { source, problem: Some(problem), ..FirstPass::default() },
    }
}

/// Parses a Rust file's text for its index facts (skimmed: see [`skim`]) and extracts them; or
/// why it cannot be analysed, as a byte offset and a message (nesting too deep, a syntax error
/// outside function bodies, an internal error). A syntax error inside a body is pass 2's to
/// report; the file's items still count as evidence.
fn extract_facts(text: &str, path: &std::path::Path, catalog: &Catalog) -> Result<FileFacts, (usize, String)> {
    if let Some(at) = too_deep(text) {
        return Err((at, format!("nesting deeper than {MAX_NESTING} levels; not analysed")));
    }
    let outcome = guarded(|| match skim::parse(text) {
        Ok(parsed) => Ok(FileFacts::extract(&parsed, catalog, module_of(path))),
        Err(e) => Err(cannot_parse(&e)),
    });
    outcome.unwrap_or_else(|panic| Err((0, panic)))
}

/// Where a syntax error is, and the message that reports it: what could not be parsed, and
/// that the file's bodies are not analysed.
fn cannot_parse(e: &syn::Error) -> (usize, String) {
    let what = e.to_string();
    let what = if what == "cannot parse string into token stream" {
        // proc-macro2's lexer: the text is not a run of Rust tokens at all
        "not Rust tokens (an unterminated string, comment or character literal, or a character Rust does not allow)"
            .to_string()
    } else {
        what
    };
    (e.span().byte_range().start, format!("cannot parse as Rust: {what}; the file is not analysed"))
}

/// Pass 2 over one file, whatever pass 1 made of it: a configuration file's findings, the
/// `parse-error` of a file that could not be read or parsed, or a Rust file's analysis
/// against its crate (nothing for a file the prefilter skipped).
fn second_pass_of(
    id: usize,
    file: &discover::Discovered,
    p: &FirstPass,
    krate: CrateView<'_>,
    opts: &ScanOptions,
) -> (Vec<Diagnostic>, FileFnFacts) {
    match (&p.source, &p.facts, &p.problem) {
        _ if file.config.is_some() && p.problem.is_none() => (p.config_diagnostics.clone(), FileFnFacts::default()),
        (source, _, Some((offset, message))) => {
            let text = source.as_ref().map_or("", |s| s.text.as_str());
            (vec![parse_error(id, text, *offset, message)], FileFnFacts::default())
        }
        (Some(source), Some(facts), None) => {
            let policy = opts.config.policy_for(&source.path);
            second_pass(id, source, facts, krate, &opts.rules, &opts.config.catalog, policy)
        }
        _ => Default::default(),
    }
}

fn second_pass(
    id: usize,
    source: &SourceFile,
    facts: &FileFacts,
    krate: CrateView<'_>,
    rules: &[&'static dyn Rule],
    catalog: &Catalog,
    policy: &Policy,
) -> (Vec<Diagnostic>, FileFnFacts) {
    let outcome = guarded(|| {
        let file = match syn::parse_file(&source.text) {
            Ok(file) => file,
            Err(e) => {
                let (offset, message) = cannot_parse(&e);
                return (vec![parse_error(id, &source.text, offset, &message)], FileFnFacts::default());
            }
        };
        // the imports were read in pass 1, by the same `file_uses`
        let own = CrateIndex::build([facts], krate.name);
        let cx = FileCx {
            id,
            source,
            catalog,
            krate: krate.name,
            index: krate.file_view(&own, &facts.module),
            uses: &facts.uses,
            module: facts.module.clone(),
            policy,
            carriers: Default::default(),
            test_support: krate.test_support,
        };
        analysis::analyze_file(&file, &cx, rules)
    });
    outcome.unwrap_or_else(|message| (vec![parse_error(id, &source.text, 0, &message)], FileFnFacts::default()))
}

/// Parses the files a crate skipped that define constants its parsed files use
/// (`.max_connections(POOL_MAX)` with `POOL_MAX` in a file that names no pool); returns
/// which.
fn load_wanted_consts(
    parsed: &mut [FirstPass],
    found: &[discover::Discovered],
    owners: &[Option<usize>],
    opts: &ScanOptions,
    prefilter: &Prefilter,
) -> Vec<usize> {
    let mut by_crate: HashMap<Option<usize>, (Vec<&str>, std::collections::HashSet<&str>)> = HashMap::new();
    for (p, owner) in parsed.iter().zip(owners) {
        if let Some(f) = &p.facts {
            let (wanted, defined) = by_crate.entry(*owner).or_default();
            wanted.extend(f.const_refs.iter().map(String::as_str));
            defined.extend(f.consts.iter().map(|(n, _)| n.as_str()));
        }
    }
    let mut needles: HashMap<Option<usize>, Vec<String>> = HashMap::new();
    for (owner, (wanted, defined)) in by_crate {
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|w| !defined.contains(*w))
            .flat_map(|w| [format!("const {w}:"), format!("static {w}:"), format!("static mut {w}:")])
            .collect();
        if !missing.is_empty() {
            needles.insert(owner, missing);
        }
    }
    if needles.is_empty() {
        return Vec::new();
    }
    let matchers: HashMap<Option<usize>, AhoCorasick> = needles
        .into_iter()
        .filter_map(|(owner, n)| {
            AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(n).ok().map(|m| (owner, m))
        })
        .collect();
    let skipped: Vec<usize> = (0..parsed.len())
        .filter(|&i| parsed[i].source.is_none() && parsed[i].problem.is_none() && found[i].config.is_none())
        .filter(|&i| matchers.contains_key(&owners[i]))
        .collect();
    let loaded: Vec<(usize, FirstPass)> = skipped
        .into_par_iter()
        .filter_map(|i| {
            let text = read_text(&found[i], opts.max_file_size).ok()?;
            let wanted = matchers[&owners[i]].is_match(&text);
            wanted.then(|| (i, first_pass_text(i, &found[i], text, opts, true, prefilter)))
        })
        .collect();
    loaded
        .into_iter()
        .map(|(i, p)| {
            parsed[i] = p;
            i
        })
        .collect()
}

/// Runs the rules over the pool settings of a configuration file.
fn check_config_file(
    id: usize,
    source: &SourceFile,
    leaves: &[crate::config_files::Leaf],
    format: crate::config_files::Format,
    rules: &[&'static dyn Rule],
    catalog: &Catalog,
    policy: &Policy,
) -> Vec<Diagnostic> {
    let outcome = guarded(|| {
        let settings = crate::analysis::config::settings(leaves, format, &catalog.config_keys, id);
        let cx = crate::analysis::config::ConfigCx { source, settings: &settings, policy };
        let mut out = Vec::new();
        for r in rules {
            r.check_config(&cx, &mut out);
        }
        out
    });
    outcome.unwrap_or_else(|message| vec![parse_error(id, &source.text, 0, &message)])
}

/// Whether a configuration file's text names any pool setting.
fn mentions_pool_setting(text: &str, catalog: &Catalog) -> bool {
    let lower = text.to_ascii_lowercase();
    catalog.config_keys.key.iter().flat_map(|k| &k.names).any(|n| n.len() > 4 && lower.contains(n.as_str()))
}

/// Runs `f`, turning a panic into an error message, and always releases proc-macro2's
/// per-thread record of the file's spans.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    proc_macro2::extra::invalidate_current_thread_spans();
    result.map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        format!("internal error while analysing this file ({what}); please report it")
    })
}

/// Reads a file of at most `max_size` bytes. The size is checked on the open handle and the
/// read is capped, so a file that grows, shrinks or is replaced during the scan cannot slip
/// past the limit.
fn read_limited(path: &std::path::Path, max_size: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let too_big = |len: u64| too_big(len, max_size);
    // a FIFO or device would block `open`; only regular files are read
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read: not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let len = file.metadata().map_err(|e| format!("cannot read: {e}"))?.len();
    if len > max_size {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max_size + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Why a file of `len` bytes is not analysed.
fn too_big(len: u64, max_size: u64) -> String {
    format!("file is {len} bytes, larger than the {max_size}-byte limit (`max-file-size`); not analysed")
}

/// Offset at which bracket nesting first exceeds [`MAX_NESTING`], if it does.
pub(super) fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A `parse-error` at `offset` of a file whose text is `text` (empty when it could not be read),
/// spanning the character there (a line break included) so every output format shows where;
/// empty only past the end of the text (the invalid byte of a file that is not UTF-8).
fn parse_error(file: usize, text: &str, offset: usize, message: &str) -> Diagnostic {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = start + text[start..].chars().next().map_or(0, char::len_utf8);
    let span = Span { file, start, end };
    Diagnostic::new(rules::PARSE_ERROR, Severity::Warning, span, message.to_owned())
}
