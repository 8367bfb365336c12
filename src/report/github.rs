//! GitHub Actions workflow commands: one annotation per finding.

use super::{Report, Severity};
use std::io::{self, Write};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let p = report.position(d.span);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(report.file_name(d.span)),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(d.rule),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// Escaping of a workflow command's message, as the Actions runner expects.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a workflow command's properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn properties_escape_separators() {
        assert_eq!(super::escape_property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(super::escape_data("x\ny"), "x%0Ay");
    }
}
