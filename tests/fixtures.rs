//! Runs the engine over `fixtures/` and compares its diagnostics with the inline `//~ rule-id`
//! markers, in both directions: a marker with no diagnostic is a miss, a diagnostic with no
//! marker is a false positive. Also checks every registered rule has a fixture folder.

mod support;

use poolcheck::engine::{scan, ScanOptions};
use poolcheck::rules;
use std::collections::BTreeMap;
use std::path::Path;

/// `(file, line, rule)` expectations read from markers.
fn markers(root: &Path) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for entry in support::files_under(root) {
        let name = entry.to_string_lossy().replace('\\', "/");
        if name.ends_with(".json.expect") {
            let text = std::fs::read_to_string(&entry).unwrap();
            let target = name.trim_end_matches(".expect").to_string();
            for row in text.lines().map(str::trim).filter(|r| !r.is_empty() && !r.starts_with('#')) {
                let (line, rule) = row.split_once(char::is_whitespace).expect("LINE rule-id");
                out.push((target.clone(), line.parse().unwrap(), rule.trim().to_string()));
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&entry) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("//~").or_else(|| line.find("#~")) else {
                continue;
            };
            let rest = &line[pos..];
            let rest = rest.trim_start_matches("//~").trim_start_matches("#~");
            let carets = rest.chars().take_while(|&c| c == '^').count();
            for rule in rest[carets..].split([' ', ',']).filter(|r| !r.is_empty()) {
                out.push((name.clone(), i + 1 - carets, rule.to_string()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixtures_match_their_markers_exactly() {
    let root = Path::new("fixtures");
    let expected = markers(root);
    assert!(!expected.is_empty(), "no markers found under fixtures/");
    let report = scan(&ScanOptions { jobs: Some(2), ..ScanOptions::new(vec![root.to_path_buf()]) }).unwrap();
    let mut used = vec![false; report.diagnostics.len()];
    let mut misses = Vec::new();
    for (file, line, rule) in &expected {
        let hit = report.diagnostics.iter().enumerate().position(|(i, d)| {
            let p = report.position(d.span);
            !used[i] && report.file_name(d.span) == file && d.rule == rule && p.line <= *line && *line <= p.end_line
        });
        match hit {
            Some(i) => used[i] = true,
            None => misses.push(format!("miss   {file}:{line} {rule}")),
        }
    }
    let extras: Vec<String> = report
        .diagnostics
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(d, _)| {
            format!("extra  {}:{} {}: {}", report.file_name(d.span), report.position(d.span).line, d.rule, d.message)
        })
        .collect();
    let problems: Vec<String> = misses.into_iter().chain(extras).collect();
    assert!(problems.is_empty(), "fixtures disagree with their markers:\n{}", problems.join("\n"));
}

#[test]
fn every_rule_has_fixtures_with_markers() {
    let expected = markers(Path::new("fixtures"));
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, rule) in &expected {
        *per_rule.entry(rule.as_str()).or_default() += 1;
    }
    for r in rules::ALL {
        let id = r.info().id;
        assert!(Path::new("fixtures").join(id).is_dir(), "rule `{id}` has no fixtures/{id}/ folder");
        assert!(per_rule.get(id).copied().unwrap_or(0) > 0, "rule `{id}` has no `//~ {id}` marker in fixtures/");
    }
    for rule in per_rule.keys() {
        assert!(rules::by_id(rule).is_some(), "marker names unknown rule `{rule}`");
    }
}
