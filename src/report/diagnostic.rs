//! The one diagnostic model every rule produces and every renderer consumes.

use crate::source::Span;
use serde::Serialize;
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the run (exit status 1).
    Error,
    /// Reported; fails the run only with `--deny warnings`.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A secondary location with a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to see there.
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Rule id (`conn-forgotten`).
    pub rule: &'static str,
    /// Severity after configuration.
    pub severity: Severity,
    /// What is wrong, naming the evidence.
    pub message: String,
    /// The primary location.
    pub span: Span,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// A machine-applicable rewrite, where one is safe.
    pub fix: Option<Fix>,
}

/// A safe rewrite that resolves a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does.
    pub description: String,
    /// Replacements; an empty span inserts.
    pub edits: Vec<Edit>,
}

/// Replace the text of `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// What to replace.
    pub span: Span,
    /// With what.
    pub replacement: String,
}

impl Diagnostic {
    /// A diagnostic with no labels or help, at the rule's default severity.
    pub fn new(rule: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { rule, severity, message: message.into(), span, labels: Vec::new(), help: None, fix: None }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// Sets the fix.
    pub fn with_fix(mut self, description: impl Into<String>, edits: Vec<Edit>) -> Self {
        self.fix = Some(Fix { description: description.into(), edits });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
