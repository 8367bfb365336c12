//! SARIF 2.1.0 for code-scanning upload (GitHub, GitLab, Azure DevOps).

use super::{Diagnostic, Report, Severity};
use crate::rules::{self, RuleInfo};
use crate::source::Span;
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rule_infos: Vec<&'static RuleInfo> = rules::ALL.iter().map(|r| r.info()).collect();
    let descriptors = rule_infos.iter().map(|info| descriptor(info)).collect::<Vec<_>>();
    let fingerprints = super::fingerprints(report);
    let results = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let index = rule_infos.iter().position(|i| i.id == d.rule);
            result(report, d, index, fingerprint)
        })
        .collect::<Vec<_>>();
    let driver = sarif::ToolComponent::builder()
        .name("poolcheck")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(super::HOMEPAGE)
        .rules(descriptors)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let doc = sarif::Sarif::builder().schema(SCHEMA).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn descriptor(info: &RuleInfo) -> sarif::ReportingDescriptor {
    sarif::ReportingDescriptor::builder()
        .id(info.id)
        .name(info.id)
        .short_description(sarif::MultiformatMessageString::builder().text(info.summary).build())
        .full_description(sarif::MultiformatMessageString::builder().text(info.summary).build())
        .help(sarif::MultiformatMessageString::builder().text(info.docs).markdown(info.docs).build())
        .help_uri(super::rule_url(info.id))
        .default_configuration(
            sarif::ReportingConfiguration::builder().level(serde_json::json!(level(info.default_severity))).build(),
        )
        .build()
}

/// A span as a SARIF region.
fn region(report: &Report, span: Span) -> sarif::Region {
    let p = report.position(span);
    sarif::Region::builder()
        .start_line(p.line as i64)
        .start_column(p.column as i64)
        .end_line(p.end_line as i64)
        .end_column(p.end_column as i64)
        .build()
}

fn location(report: &Report, span: Span, message: Option<&str>) -> sarif::Location {
    let region = region(report, span);
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(report.file_name(span)).build())
        .region(region)
        .build();
    match message {
        Some(m) => sarif::Location::builder()
            .physical_location(physical)
            .message(sarif::Message::builder().text(m).build())
            .build(),
        None => sarif::Location::builder().physical_location(physical).build(),
    }
}

fn result(report: &Report, d: &Diagnostic, index: Option<usize>, fingerprint: String) -> sarif::Result {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let related: Vec<sarif::Location> = d.labels.iter().map(|l| location(report, l.span, Some(&l.message))).collect();
    let level = match d.severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
    };
    let fingerprints = BTreeMap::from([("poolcheck/v1".to_string(), fingerprint)]);
    let base = sarif::Result::builder()
        .rule_id(d.rule)
        .level(level)
        .message(sarif::Message::builder().text(text).build())
        .locations(vec![location(report, d.span, None)])
        .partial_fingerprints(fingerprints);
    let mut result = match (index, related.is_empty()) {
        (Some(i), false) => base.rule_index(i as i64).related_locations(related).build(),
        (Some(i), true) => base.rule_index(i as i64).build(),
        (None, false) => base.related_locations(related).build(),
        (None, true) => base.build(),
    };
    if let Some(fix) = &d.fix {
        let changes = fix
            .edits
            .iter()
            .map(|e| {
                let replacement = sarif::Replacement::builder()
                    .deleted_region(region(report, e.span))
                    .inserted_content(sarif::ArtifactContent::builder().text(e.replacement.clone()).build())
                    .build();
                sarif::ArtifactChange::builder()
                    .artifact_location(sarif::ArtifactLocation::builder().uri(report.file_name(e.span)).build())
                    .replacements(vec![replacement])
                    .build()
            })
            .collect::<Vec<_>>();
        let fix = sarif::Fix::builder()
            .description(sarif::Message::builder().text(fix.description.clone()).build())
            .artifact_changes(changes)
            .build();
        result.fixes = Some(vec![fix]);
    }
    result
}
