//! GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array with one issue per
//! finding, in the subset of the Code Climate issue format GitLab reads: `description`,
//! `check_name` (the rule id), `fingerprint`, `severity` and `location` (`path`, and
//! `lines.begin`/`lines.end`).
//!
//! Severities: an error is `critical` (it fails the run, and what it flags drains a pool into an
//! outage), a warning is `minor`; `info`, `major` and `blocker` are not used.
//!
//! Fingerprints are those of SARIF and baselines ([`super::fingerprints`]): stable across runs,
//! and unchanged when lines move because code was added above. They are also unique within a
//! report, which matters: GitLab keys issues by fingerprint, and a repeated one replaces the
//! issue before it.

use super::{Report, Severity};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> = report
        .diagnostics
        .iter()
        .zip(super::fingerprints(report))
        .map(|(d, fingerprint)| {
            let p = report.position(d.span);
            Issue {
                description: &d.message,
                check_name: d.rule,
                fingerprint,
                severity: match d.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "minor",
                },
                location: Location { path: report.file_name(d.span), lines: Lines { begin: p.line, end: p.end_line } },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::other)?;
    writeln!(out)
}
