//! JUnit XML, laid out as ruff writes it, for CI systems that show test reports (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines): `<testsuites>`, one `<testsuite>` per
//! file, one `<testcase>` per finding (named `poolcheck.RULE`, with its line and column) failing
//! with the message and position, the help and the fix. Every finding fails its testcase,
//! warnings too; the failure's `type` says which severity it has. A clean run is one passing
//! testcase, so the report is never empty. No timestamps or durations: the output is
//! byte-identical across runs.
//!
//! Text is escaped for XML 1.0: the markup characters as entities; in attribute values line
//! breaks and tabs as character references too, so that parsers do not fold them into spaces
//! (and a carriage return everywhere, so it is not normalised away). Characters XML 1.0 cannot
//! carry at all (control characters other than tab and line breaks, U+FFFE, U+FFFF) are written
//! as `\u{..}`, so the document stays well-formed whatever a message holds.

use super::{Diagnostic, Report};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let total = report.diagnostics.len();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests = total.max(1);
    let _ = writeln!(xml, "<testsuites name=\"poolcheck\" tests=\"{tests}\" failures=\"{total}\" errors=\"0\">");
    if total == 0 {
        suite_start(&mut xml, "poolcheck", 1, 0);
        xml.push_str("        <testcase name=\"No findings\" classname=\"poolcheck\"/>\n");
        xml.push_str("    </testsuite>\n");
    }
    for file in report.diagnostics.chunk_by(|a, b| report.file_name(a.span) == report.file_name(b.span)) {
        let name = report.file_name(file[0].span);
        suite_start(&mut xml, name, file.len(), file.len());
        // the path without its extension, as ruff names the class
        let classname = Path::new(name).with_extension("");
        for d in file {
            testcase(&mut xml, report, d, &classname.to_string_lossy());
        }
        xml.push_str("    </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

fn suite_start(xml: &mut String, name: &str, tests: usize, failures: usize) {
    let name = escape(name, true);
    let _ = writeln!(
        xml,
        "    <testsuite name=\"{name}\" tests=\"{tests}\" disabled=\"0\" errors=\"0\" failures=\"{failures}\" package=\"poolcheck\">"
    );
}

fn testcase(xml: &mut String, report: &Report, d: &Diagnostic, classname: &str) {
    let p = report.position(d.span);
    let (line, column) = (p.line, p.column);
    let mut body = format!("line {line}, col {column}, {}", d.message);
    if let Some(help) = &d.help {
        let _ = write!(body, "\n\nhelp: {help}");
    }
    if let Some(fix) = &d.fix {
        let _ = write!(body, "\n\nfix: {}", fix.description);
    }
    let _ = writeln!(
        xml,
        "        <testcase name=\"poolcheck.{}\" classname=\"{}\" line=\"{line}\" column=\"{column}\">",
        escape(d.rule, true),
        escape(classname, true)
    );
    let _ = writeln!(
        xml,
        "            <failure message=\"{}\" type=\"{}\">{}</failure>",
        escape(&d.message, true),
        d.severity,
        escape(&body, false)
    );
    xml.push_str("        </testcase>\n");
}

/// `text` escaped for XML 1.0 character data, or for a double-quoted attribute value.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => out.push(c),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_breaks_and_characters_xml_cannot_carry() {
        assert_eq!(escape("<a href=\"x\">&'</a>", false), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
        assert_eq!(escape("a\nb\tc\rd", true), "a&#10;b&#9;c&#13;d");
        assert_eq!(escape("a\nb\tc\rd", false), "a\nb\tc&#13;d");
        assert_eq!(escape("\u{0}\u{1b}[31m\u{fffe}é𝄞", false), "\\u{0}\\u{1b}[31m\\u{fffe}é𝄞");
    }
}
