//! Reports: the diagnostic model and its renderers. Rules produce [`Diagnostic`]s in parallel;
//! the engine sorts them once; each renderer writes the same sorted list, so output is
//! byte-identical across runs and `--jobs` values.

mod cargo_json;
mod cargo_target;
mod diagnostic;
pub mod evidence;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod rdjson;
mod sarif;

pub use diagnostic::{Diagnostic, Edit, Fix, Label, Severity};

use crate::source::{SourceMap, Span};
use std::io::{self, Write};

/// The outcome of a scan: every diagnostic, sorted, with the files they point into.
#[derive(Debug, Default)]
pub struct Report {
    /// The files diagnostics point into.
    pub sources: SourceMap,
    /// Sorted by file, line, column, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of files analysed.
    pub files_scanned: usize,
    /// Findings silenced by suppression comments or a baseline.
    pub suppressed: usize,
    /// What poolcheck believes about the scanned files, when asked (`poolcheck evidence`).
    pub evidence: Option<crate::analysis::evidence::Evidence>,
}

/// A resolved position: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// First line.
    pub line: usize,
    /// First column.
    pub column: usize,
    /// Last line (inclusive).
    pub end_line: usize,
    /// Column just past the span's end on its last line.
    pub end_column: usize,
}

impl Report {
    /// Sorts diagnostics into their reporting order.
    pub fn sort(&mut self) {
        let sources = &self.sources;
        self.diagnostics.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                let f = sources.get(d.span.file);
                let (line, col) = f.line_col(d.span.start);
                (f.name.clone(), line, col, d.rule, d.message.clone())
            };
            key(a).cmp(&key(b))
        });
        self.diagnostics.dedup();
        drop_nested_duplicates(&mut self.diagnostics);
    }

    /// Line and column of a span.
    pub fn position(&self, span: Span) -> Position {
        let f = self.sources.get(span.file);
        let (line, column) = f.line_col(span.start);
        let (end_line, end_column) = f.line_col(span.end);
        Position { line, column, end_line, end_column }
    }

    /// Like [`Report::position`], with columns counting UTF-8 bytes rather than characters
    /// (reviewdog's columns).
    pub fn byte_position(&self, span: Span) -> Position {
        let f = self.sources.get(span.file);
        let at = |offset: usize| {
            let offset = offset.min(f.text.len());
            let line = f.line_index(offset);
            (line + 1, offset - f.line_starts()[line] + 1)
        };
        let ((line, column), (end_line, end_column)) = (at(span.start), at(span.end));
        Position { line, column, end_line, end_column }
    }

    /// The displayed path of a span's file.
    pub fn file_name(&self, span: Span) -> &str {
        &self.sources.get(span.file).name
    }

    /// Number of diagnostics at a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }

    /// Number of distinct files with a diagnostic.
    pub fn files_with_findings(&self) -> usize {
        let mut files: Vec<usize> = self.diagnostics.iter().map(|d| d.span.file).collect();
        files.sort_unstable();
        files.dedup();
        files.len()
    }
}

/// One finding per expression: where a rule fired on an expression and again on a part of it
/// (`Arc::new(Mutex::new(conn))` stored, and `Mutex::new(conn)` stored), the outer stands.
pub(crate) fn drop_nested_duplicates(diagnostics: &mut Vec<Diagnostic>) {
    let mut groups: std::collections::HashMap<(usize, &str), Vec<usize>> = std::collections::HashMap::new();
    for (i, d) in diagnostics.iter().enumerate() {
        groups.entry((d.span.file, d.rule)).or_default().push(i);
    }
    let mut keep = vec![true; diagnostics.len()];
    for mut members in groups.into_values() {
        // outer spans first: by start, then the longest
        members.sort_by_key(|&i| (diagnostics[i].span.start, std::cmp::Reverse(diagnostics[i].span.end)));
        let mut outer: Option<(usize, usize)> = None;
        for i in members {
            let span = diagnostics[i].span;
            match outer {
                Some((start, end)) if span.end <= end && (span.start, span.end) != (start, end) => keep[i] = false,
                Some((_, end)) if span.end <= end => {}
                _ => outer = Some((span.start, span.end)),
            }
        }
    }
    let mut it = keep.into_iter();
    diagnostics.retain(|_| it.next().unwrap_or(true));
}

/// Where poolcheck lives: SARIF's `informationUri`, reviewdog's `source.url`.
pub const HOMEPAGE: &str = "https://github.com/poolcheck/poolcheck";

/// Where a rule's documentation can be read: the rule's source file, whose doc comment is the
/// text `poolcheck explain RULE` prints.
pub fn rule_url(rule: &str) -> String {
    format!("{HOMEPAGE}/blob/main/src/rules/{}.rs", rule.replace('-', "_"))
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets with labels, and a summary line.
    Human,
    /// One line per finding: `path:line:col: severity[rule]: message`.
    Short,
    /// The JSON document of the spec.
    Json,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// cargo's JSON messages, as `cargo clippy --message-format=json` prints them (rust-analyzer).
    CargoJson,
    /// GitLab Code Quality report (`artifacts:reports:codequality`).
    Gitlab,
    /// reviewdog's Diagnostic Format (`reviewdog -f=rdjson`).
    Rdjson,
    /// JUnit XML, one testcase per finding (as ruff writes it).
    Junit,
}

/// Writes a report in a format. `color` only affects `human`, and the `rendered` text of
/// `cargo-json`.
pub fn render(report: &Report, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, color, out),
        Format::Short => short(report, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::CargoJson => cargo_json::render(report, color, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Rdjson => rdjson::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}

fn short(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let p = report.position(d.span);
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            report.file_name(d.span),
            p.line,
            p.column,
            d.severity,
            d.rule,
            d.message
        )?;
    }
    Ok(())
}

/// A fingerprint per diagnostic that survives line shifts and edits elsewhere: the rule, the
/// file, the primary line's text and the enclosing function's signature line (whitespace
/// removed), and which occurrence of those this is. Used for SARIF `partialFingerprints` and
/// baselines.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.sources.get(d.span.file);
            let line = file.line_index(d.span.start);
            let text = |l: usize| -> String {
                file.line_range(l)
                    .map(|r| file.text[r].chars().filter(|c| !c.is_whitespace()).collect())
                    .unwrap_or_default()
            };
            let enclosing = (0..=line)
                .rev()
                .find(|&l| file.line_range(l).is_some_and(|r| file.text[r].split_whitespace().any(|w| w == "fn")))
                .map(text)
                .unwrap_or_default();
            let mut hash = Fnv::default();
            for part in [file.name.as_str(), d.rule, &text(line), &enclosing] {
                hash.write(part.as_bytes());
            }
            let base = hash.0;
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            hash.write(n.to_string().as_bytes());
            format!("{:016x}", hash.0)
        })
        .collect()
}

/// FNV-1a: a small stable hash (std's hasher may change between Rust releases).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain([0u8].iter()) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The closing summary line: `2 errors, 1 warning in 3 files (12 files scanned)`.
pub fn summary_line(report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {} in {} ({} scanned",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.files_with_findings(), "file"),
        plural(report.files_scanned, "file"),
    );
    if report.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", report.suppressed));
    }
    line.push(')');
    line
}

#[cfg(test)]
mod tests {
    /// The documentation link of every rule names a file that exists: the rule's source.
    #[test]
    fn rule_urls_name_the_rules_source_files() {
        let prefix = format!("{}/blob/main/", super::HOMEPAGE);
        for rule in crate::rules::ALL {
            let url = super::rule_url(rule.info().id);
            let path = url.strip_prefix(&prefix).expect("a rule URL is under the home page");
            assert!(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path).is_file(), "{url}");
        }
    }
}
