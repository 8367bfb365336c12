//! The command line: `poolcheck check|rules|explain|evidence|config|server`, and `cargo
//! poolcheck`. The only module that prints or decides the exit status (0 clean, 1 findings, 2
//! usage or tool failure), but for `server`, whose output is the protocol's.

use crate::config::Config;
use crate::engine::{self, ScanOptions};
use crate::report::Severity;
use crate::review;
use crate::rules::{self, Rule};
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod output;
mod progress;
use output::{ColorChoice, FormatTarget, MessageFormat};

/// Finds database connection-pool misuse in Rust source before it ships.
#[derive(Debug, Parser)]
#[command(name = "poolcheck", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and folders (default `.`) and report findings.
    Check(Box<CheckArgs>),
    /// List every rule with its default severity and summary.
    Rules,
    /// Print a rule's documentation: what it flags, why it drains a pool, and the fix.
    Explain {
        /// Rule id, e.g. `conn-forgotten`.
        rule: String,
    },
    /// Show what poolcheck believes about the code at PATHS (default `.`): where pools live,
    /// which types carry a guard, which functions hand out or take connections and from which
    /// pool, request entry points and where pools are built, each with the file and line that
    /// is the evidence. When poolcheck misses something, the missing belief is the reason.
    Evidence(EvidenceArgs),
    /// Run the language server on stdin and stdout (for editors): findings as diagnostics,
    /// fixes as quick fixes, the evidence behind a finding on hover.
    Server,
    /// Print the effective configuration for a path (default `.`): rule levels, policy, excludes.
    Config {
        /// Where to look for the configuration from.
        path: Option<PathBuf>,
        /// Use this configuration file instead of discovering one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
struct EvidenceArgs {
    /// Files and folders to read (default `.`); the workspace crates they use are read too.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: EvidenceFormat,
    /// Also read integration tests, benchmarks, test-support crates and code behind
    /// test-support `cfg`s.
    #[arg(long)]
    include_tests: bool,
    /// Use this configuration file (its `[[crates]]` and handler attributes) instead of
    /// discovering `poolcheck.toml` upward.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EvidenceFormat {
    /// Grouped by kind, one line per belief.
    Human,
    /// A JSON document (version 1).
    Json,
}

#[derive(Debug, Clone, Args)]
struct CheckArgs {
    /// Files and folders to scan. Folders are walked honouring `.gitignore`; files are taken as
    /// given (that is how pre-commit passes them).
    paths: Vec<PathBuf>,
    /// Output format: human, short, json, sarif, github, cargo-json, gitlab, rdjson or junit;
    /// `FORMAT=FILE` writes that format to a file. Repeat for several outputs.
    #[arg(long, value_name = "FORMAT[=FILE]", default_value = "human")]
    format: Vec<FormatTarget>,
    /// cargo's option, for where cargo's output is expected (rust-analyzer's
    /// `check.overrideCommand`): `json` is `--format cargo-json`.
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "format")]
    message_format: Option<MessageFormat>,
    /// Write output to this file instead of stdout (for formats given without `=FILE`).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Fail on warnings too.
    #[arg(long, value_name = "LEVEL", value_enum)]
    deny: Option<Deny>,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,..")]
    select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,..")]
    ignore: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Print findings only: no summary line, no progress line.
    #[arg(long, short)]
    quiet: bool,
    /// Also analyse integration tests and benchmarks (`tests/`, `benches/` of a package),
    /// crates named for tests (`test_utils`, `*_fakes`) and code behind test-support `cfg`s
    /// (`debug_assertions`, a `testing`/`test-utils`/`mocks` feature); `#[test]` functions and
    /// `#[cfg(test)]` code are never analysed.
    #[arg(long)]
    include_tests: bool,
    /// Files larger than this many bytes are reported and skipped (default 8 MiB).
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Use this configuration file instead of discovering `poolcheck.toml` upward.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report only findings on lines changed since this git revision (code review).
    #[arg(long, value_name = "BASE")]
    diff: Option<String>,
    /// Apply the safe rewrites (`mem::forget(conn)` → `drop(conn)`, `drop(conn);` after a
    /// connection's last use before an unrelated wait) to the files, then report the rest.
    #[arg(long)]
    fix: bool,
    /// Do not read or write the facts cache. When files are named (as pre-commit does), the
    /// rest of the workspace they need is read too, and its facts are cached in
    /// `$POOLCHECK_CACHE_DIR` (default `~/.cache/poolcheck`), outside the scanned tree.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Deny {
    /// Exit 1 when any warning remains.
    Warnings,
}

/// Entry point of the `poolcheck` binary.
pub fn main() -> ExitCode {
    run(std::env::args_os(), false)
}

/// Entry point of the `cargo-poolcheck` binary: cargo passes `poolcheck` as the first argument.
pub fn cargo_main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "poolcheck") {
        args.remove(1);
    }
    run(args, true)
}

fn run(args: impl IntoIterator<Item = OsString>, cargo: bool) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            drop(e.print());
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Some(Command::Rules) => list_rules().map(|()| 0),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Config { path, config }) => {
            load_config(config.as_deref(), path.as_deref().unwrap_or(Path::new("."))).map(|config| {
                print!("{}", config.to_toml());
                0
            })
        }
        Some(Command::Check(args)) => check(*args, cargo),
        Some(Command::Evidence(args)) => evidence(args),
        Some(Command::Server) => Ok(u8::from(!crate::server::run())),
        None => check(cli.check, cargo),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("poolcheck: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn list_rules() -> Result<()> {
    let mut out = std::io::stdout().lock();
    let width = rules::ALL.iter().map(|r| r.info().id.len()).max().unwrap_or(0);
    for r in rules::ALL {
        let info = r.info();
        writeln!(out, "{:width$}  {:7}  {}", info.id, info.default_severity.to_string(), info.summary)?;
    }
    Ok(())
}

fn explain(id: &str) -> Result<u8> {
    let Some(rule) = rules::by_id(id) else {
        bail!("unknown rule `{id}`; `poolcheck rules` lists them");
    };
    let info = rule.info();
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} ({} by default)\n\n{}\n", info.id, info.default_severity, info.summary)?;
    write!(out, "{}", info.docs)?;
    if info.id.starts_with("pool-config-") {
        writeln!(out, "\n### The default policy\n\n{}", crate::catalog::Policy::embedded().to_markdown())?;
    }
    Ok(0)
}

/// The rules to run: `--select` (else the configuration's `select`, else all), less
/// `--ignore` and the configuration's `ignore`.
fn selected_rules(args: &CheckArgs, config: &Config) -> Result<Vec<&'static dyn Rule>> {
    for id in args.select.iter().chain(&args.ignore) {
        if rules::by_id(id).is_none() {
            bail!("unknown rule `{id}`; `poolcheck rules` lists them");
        }
    }
    let select: Option<&[String]> =
        if args.select.is_empty() { config.select.as_deref() } else { Some(args.select.as_slice()) };
    Ok(rules::selected(select, args.ignore.iter().chain(&config.ignore)))
}

/// The configuration: the named file, or the one discovered upward from `start`.
fn load_config(explicit: Option<&Path>, start: &Path) -> Result<Config> {
    let config = match explicit {
        Some(file) => Config::load(file),
        None => Config::discover(start),
    };
    config.map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
}

fn check(mut args: CheckArgs, cargo: bool) -> Result<u8> {
    output::apply_message_format(&mut args);
    let paths = if !args.paths.is_empty() {
        args.paths.clone()
    } else if cargo {
        workspace_roots()?
    } else {
        vec![PathBuf::from(".")]
    };
    let config = load_config(args.config.as_deref(), paths.first().map_or(Path::new("."), PathBuf::as_path))?;
    let rules = selected_rules(&args, &config)?;
    let (progress, display) = progress::Display::start(args.quiet);
    let opts = ScanOptions {
        paths,
        jobs: args.jobs,
        max_file_size: args.max_file_size.or(config.max_file_size).unwrap_or(8 * 1024 * 1024),
        rules,
        include_tests: args.include_tests || config.include_tests,
        config,
        cache_dir: if args.no_cache { None } else { engine::cache::default_dir() },
        evidence: false,
        progress,
    };
    let mut report = engine::scan(&opts)?;
    display.finish();
    if let Some(base) = &args.diff {
        review::keep_changed(&mut report, base)?;
    }
    if let Some(path) = &args.write_baseline {
        let n = review::write_baseline(&report, path)?;
        eprintln!("poolcheck: wrote {n} finding(s) to {}", path.display());
        return Ok(0);
    }
    if let Some(path) = &args.baseline {
        report.suppressed += review::apply_baseline(&mut report, path)?;
    }
    if args.fix {
        let (fixed, files) = review::apply_fixes(&mut report)?;
        eprintln!("poolcheck: fixed {fixed} finding(s) in {files} file(s)");
    }
    output::emit(&report, &args)?;
    let failing = report.count(Severity::Error) > 0
        || (matches!(args.deny, Some(Deny::Warnings)) && report.count(Severity::Warning) > 0);
    Ok(u8::from(failing))
}

/// `poolcheck evidence`: a scan that keeps what it believes, printed instead of findings.
fn evidence(args: EvidenceArgs) -> Result<u8> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let config = load_config(args.config.as_deref(), &paths[0])?;
    let mut opts = ScanOptions::new(paths);
    opts.include_tests = args.include_tests || config.include_tests;
    opts.max_file_size = config.max_file_size.unwrap_or(opts.max_file_size);
    opts.config = config;
    opts.evidence = true;
    let display;
    (opts.progress, display) = progress::Display::start(false);
    let report = engine::scan(&opts)?;
    display.finish();
    let mut out = std::io::stdout().lock();
    match args.format {
        EvidenceFormat::Human => crate::report::evidence::render_human(&report, &mut out)?,
        EvidenceFormat::Json => crate::report::evidence::render_json(&report, &mut out)?,
    }
    Ok(0)
}

/// The package folders of the cargo workspace around the current directory, read from its
/// manifests (see [`crate::engine::packages::workspace_members`]).
fn workspace_roots() -> Result<Vec<PathBuf>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let roots = crate::engine::packages::workspace_members(&cwd)
        .map_err(|e| anyhow::anyhow!("cannot read the cargo workspace: {e}"))?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    Ok(roots
        .into_iter()
        .map(|r| match r.strip_prefix(&cwd) {
            Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Ok(rel) => rel.to_path_buf(),
            Err(_) => r,
        })
        .collect())
}
