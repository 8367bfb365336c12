//! Adopting poolcheck on an existing codebase and in code review: baselines of today's
//! findings, and keeping only findings on lines changed since a git revision.

use crate::report::{fingerprints, Report};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A baseline file: the findings accepted when poolcheck was adopted.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    file: String,
    fingerprint: String,
    /// For people reading the file; not compared.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

/// Writes the report's findings as a baseline; returns how many.
pub fn write_baseline(report: &Report, path: &Path) -> Result<usize> {
    let findings: Vec<Entry> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(d, fingerprint)| Entry {
            rule: d.rule.to_owned(),
            file: report.file_name(d.span).to_owned(),
            fingerprint,
            message: d.message.clone(),
        })
        .collect();
    let n = findings.len();
    let text = serde_json::to_string_pretty(&Baseline { version: 1, findings })?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(n)
}

/// Drops the findings recorded in a baseline; returns how many were dropped.
pub fn apply_baseline(report: &mut Report, path: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read baseline {}", path.display()))?;
    let baseline: Baseline =
        serde_json::from_str(&text).with_context(|| format!("{} is not a poolcheck baseline", path.display()))?;
    if baseline.version != 1 {
        bail!("{}: baseline version {} is not supported (expected 1)", path.display(), baseline.version);
    }
    // a multiset: two identical findings need two entries
    let mut known: HashMap<(String, String, String), usize> = HashMap::new();
    for e in baseline.findings {
        *known.entry((e.rule, e.file, e.fingerprint)).or_default() += 1;
    }
    let prints = fingerprints(report);
    let keep: Vec<bool> = report
        .diagnostics
        .iter()
        .zip(prints)
        .map(|(d, fp)| {
            let key = (d.rule.to_owned(), report.file_name(d.span).to_owned(), fp);
            match known.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        })
        .collect();
    let before = report.diagnostics.len();
    let mut it = keep.into_iter();
    report.diagnostics.retain(|_| it.next().unwrap_or(true));
    Ok(before - report.diagnostics.len())
}

/// Keeps only findings whose primary span touches a line changed since `base` (a git
/// revision), or a file git does not track yet; returns how many were dropped.
pub fn keep_changed(report: &mut Report, base: &str) -> Result<usize> {
    let top = git(&["rev-parse", "--show-toplevel"], None).context("--diff needs a git repository")?;
    let top = PathBuf::from(top.trim());
    let diff = git(&["diff", "--no-color", "--no-ext-diff", "--unified=0", base, "--"], Some(&top))
        .with_context(|| format!("cannot diff against `{base}`"))?;
    let changed = changed_lines(&diff, &top);
    let untracked: HashSet<PathBuf> = git(&["ls-files", "--others", "--exclude-standard"], Some(&top))?
        .lines()
        .filter_map(|l| std::fs::canonicalize(top.join(l)).ok())
        .collect();
    let keep: Vec<bool> = report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.sources.get(d.span.file);
            let Ok(abs) = std::fs::canonicalize(&file.path) else { return false };
            if untracked.contains(&abs) {
                return true;
            }
            let p = report.position(d.span);
            changed.get(&abs).is_some_and(|ranges| ranges.iter().any(|&(from, to)| from <= p.end_line && p.line <= to))
        })
        .collect();
    let before = report.diagnostics.len();
    let mut it = keep.into_iter();
    report.diagnostics.retain(|_| it.next().unwrap_or(true));
    Ok(before - report.diagnostics.len())
}

/// Applies the fixes of the report's findings to the files, and drops those findings; returns
/// (findings fixed, files written). Overlapping edits in one file are skipped.
pub fn apply_fixes(report: &mut Report) -> Result<(usize, usize)> {
    let mut by_file: HashMap<usize, Vec<(usize, usize, String)>> = HashMap::new();
    let mut fixed = vec![false; report.diagnostics.len()];
    for (i, d) in report.diagnostics.iter().enumerate() {
        let Some(fix) = &d.fix else { continue };
        let edits = by_file.entry(d.span.file).or_default();
        // the same rewrite wanted by two findings (two waits after one last use) is made once
        let already = fix
            .edits
            .iter()
            .all(|e| edits.iter().any(|(s, t, r)| (*s, *t, r) == (e.span.start, e.span.end, &e.replacement)));
        if already {
            fixed[i] = true;
            continue;
        }
        let clashes = fix.edits.iter().any(|e| {
            edits.iter().any(|(s, t, _)| e.span.start < *t.max(&(s + 1)) && *s < e.span.end.max(e.span.start + 1))
        });
        if clashes || fix.edits.iter().any(|e| e.span.file != d.span.file) {
            continue;
        }
        edits.extend(fix.edits.iter().map(|e| (e.span.start, e.span.end, e.replacement.clone())));
        fixed[i] = true;
    }
    let mut files = 0;
    for (file, mut edits) in by_file {
        if edits.is_empty() {
            continue;
        }
        let source = report.sources.get(file);
        let mut text = source.text.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (start, end, replacement) in edits {
            text.replace_range(start..end, &replacement);
        }
        std::fs::write(&source.path, text).with_context(|| format!("cannot write {}", source.path.display()))?;
        files += 1;
    }
    let n = fixed.iter().filter(|f| **f).count();
    let mut it = fixed.into_iter();
    report.diagnostics.retain(|_| !it.next().unwrap_or(false));
    Ok((n, files))
}

/// New-side line ranges of a `--unified=0` diff, by absolute path.
fn changed_lines(diff: &str, top: &Path) -> HashMap<PathBuf, Vec<(usize, usize)>> {
    let mut out: HashMap<PathBuf, Vec<(usize, usize)>> = HashMap::new();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(name) = line.strip_prefix("+++ ") {
            current = name.strip_prefix("b/").and_then(|n| std::fs::canonicalize(top.join(n)).ok());
        } else if let (Some(hunk), Some(file)) = (line.strip_prefix("@@ "), &current) {
            // @@ -a,b +c,d @@
            let Some(new) = hunk.split_whitespace().find(|w| w.starts_with('+')) else { continue };
            let mut parts = new[1..].split(',');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if count > 0 {
                out.entry(file.clone()).or_default().push((start, start + count - 1));
            }
        }
    }
    out
}

fn git(args: &[&str], dir: Option<&Path>) -> Result<String> {
    let mut cmd = Command::new("git");
    cmd.args(args);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.output().context("cannot run git")?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hunks_give_new_side_ranges() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "x").unwrap();
        let diff = "diff --git a/a.rs b/a.rs\n--- a/a.rs\n+++ b/a.rs\n@@ -3,0 +4,2 @@\n+x\n+y\n@@ -10 +12 @@\n-a\n+b\n@@ -20,3 +22,0 @@\n";
        let ranges = super::changed_lines(diff, dir.path());
        let file = std::fs::canonicalize(dir.path().join("a.rs")).unwrap();
        assert_eq!(ranges[&file], vec![(4, 5), (12, 12)]);
    }
}
