//! `.env` files: `KEY=VALUE` lines, read by hand.
//!
//! A line is blank, a `#` comment, or `[export ]KEY=VALUE` with optional blanks around `=`. A
//! value is single-quoted (literal), double-quoted (`\n`, `\t`, `\r`, `\"`, `\\` and `\$` escapes),
//! either of which may span lines, or unquoted up to the end of the line or a ` #` comment. Quoted
//! values are strings; unquoted ones are typed like a YAML plain number (`100` is an integer, `0.5`
//! a float), `true` and `false` are booleans, anything else is a string. The span covers the value
//! without its quotes.

use super::{decimal_number, LeafValue, Node, ParseError};

/// The file as a [`Node`]: one table of its variables.
pub(super) fn parse(text: &str) -> Result<Node, ParseError> {
    let mut reader = Reader { text, at: 0 };
    let mut entries = Vec::new();
    while let Some(entry) = reader.entry()? {
        entries.push(entry);
    }
    Ok(Node::Map(entries, 0..text.len()))
}

/// A cursor over the text.
struct Reader<'t> {
    text: &'t str,
    /// Byte offset of the next character to read.
    at: usize,
}

impl Reader<'_> {
    /// What is left to read.
    fn rest(&self) -> &str {
        self.text.get(self.at..).unwrap_or_default()
    }

    /// Moves past spaces and tabs.
    fn skip_blanks(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    /// Moves past the end of the current line.
    fn skip_line(&mut self) {
        self.at = self.rest().find('\n').map_or(self.text.len(), |newline| self.at + newline + 1);
    }

    /// Whether only blanks and perhaps a comment are left on the current line.
    fn at_line_end(&mut self) -> bool {
        self.skip_blanks();
        let rest = self.rest();
        rest.is_empty() || rest.starts_with(['\n', '\r', '#'])
    }

    /// An error at the cursor.
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.text, self.at, message)
    }

    /// The next variable, past blank and comment lines; `None` at the end of the text.
    fn entry(&mut self) -> Result<Option<(String, Node)>, ParseError> {
        while self.at_line_end() {
            if self.rest().is_empty() {
                return Ok(None);
            }
            self.skip_line();
        }
        if let Some(after) = self.rest().strip_prefix("export") {
            if after.starts_with([' ', '\t']) {
                self.at += "export".len();
                self.skip_blanks();
            }
        }
        let rest = self.rest();
        let name_len =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))).unwrap_or(rest.len());
        if name_len == 0 {
            return Err(self.error("expected a variable name"));
        }
        let name = rest[..name_len].to_owned();
        self.at += name_len;
        self.skip_blanks();
        if !self.rest().starts_with('=') {
            return Err(self.error(format!("expected `=` after `{name}`")));
        }
        self.at += 1;
        let equals_end = self.at;
        self.skip_blanks();
        let value = match self.rest().chars().next() {
            Some(quote @ ('"' | '\'')) => self.quoted(quote)?,
            _ => self.unquoted(self.at > equals_end),
        };
        Ok(Some((name, value)))
    }

    /// A value in quotes; the cursor is on the opening quote.
    fn quoted(&mut self, quote: char) -> Result<Node, ParseError> {
        let start = self.at + quote.len_utf8();
        let body = self.text.get(start..).unwrap_or_default();
        let mut value = String::new();
        let mut chars = body.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(self.error("unterminated quoted value")),
                Some((at, c)) if c == quote => break start + at,
                Some((_, '\\')) if quote == '"' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((_, 'r')) => value.push('\r'),
                    Some((_, c @ ('"' | '\\' | '$'))) => value.push(c),
                    Some((_, c)) => {
                        value.push('\\');
                        value.push(c);
                    }
                    None => value.push('\\'),
                },
                Some((_, c)) => value.push(c),
            }
        };
        self.at = end + 1;
        if !self.at_line_end() {
            return Err(self.error("unexpected text after the closing quote"));
        }
        self.skip_line();
        Ok(Node::Leaf(LeafValue::Str(value), start..end))
    }

    /// A value without quotes, up to the end of the line or a comment; `after_blank` tells
    /// whether blanks came between `=` and the cursor.
    fn unquoted(&mut self, after_blank: bool) -> Node {
        let start = self.at;
        let rest = self.rest();
        let line = rest.find(['\n', '\r']).map_or(rest, |end| &rest[..end]);
        let value = comment_free(line, after_blank).trim_end_matches([' ', '\t']);
        let typed = match value {
            "true" => LeafValue::Bool(true),
            "false" => LeafValue::Bool(false),
            _ => decimal_number(value).unwrap_or_else(|| LeafValue::Str(value.to_owned())),
        };
        let node = Node::Leaf(typed, start..start + value.len());
        self.skip_line();
        node
    }
}

/// An unquoted value's line without its comment: a `#` after a blank starts one.
fn comment_free(line: &str, after_blank: bool) -> &str {
    let mut previous_blank = after_blank;
    for (at, c) in line.char_indices() {
        if c == '#' && previous_blank {
            return &line[..at];
        }
        previous_blank = matches!(c, ' ' | '\t');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::super::{leaves, Format, Leaf, LeafValue};

    fn parse(text: &str) -> Vec<Leaf> {
        leaves(Format::DotEnv, text).expect("valid .env")
    }

    /// (name, source text of the span, value) of every leaf.
    fn sources(text: &str, leaves: Vec<Leaf>) -> Vec<(String, &str, LeafValue)> {
        leaves.into_iter().map(|l| (l.path.join("."), &text[l.span.clone()], l.value)).collect()
    }

    #[test]
    fn variables_with_exact_value_spans() {
        let text = "# pool\nDATABASE_MAX_CONNECTIONS=100\n\nexport  POOL_TIMEOUT = 2.5 # seconds\r\n\
                    DATABASE_URL=\"postgres://é/db\"\nNAME='a # b'\nLAZY=true\nWAIT=30s\nEMPTY=\nHASH=a#b\n";
        let s = |v: &str| LeafValue::Str(v.into());
        assert_eq!(
            sources(text, parse(text)),
            [
                ("DATABASE_MAX_CONNECTIONS".into(), "100", LeafValue::Int(100)),
                ("POOL_TIMEOUT".into(), "2.5", LeafValue::Float(2.5)),
                ("DATABASE_URL".into(), "postgres://é/db", s("postgres://é/db")),
                ("NAME".into(), "a # b", s("a # b")),
                ("LAZY".into(), "true", LeafValue::Bool(true)),
                ("WAIT".into(), "30s", s("30s")),
                ("EMPTY".into(), "", s("")),
                ("HASH".into(), "a#b", s("a#b")),
            ]
        );
    }

    #[test]
    fn quoted_values_escape_and_span_lines() {
        let text = "A=\"x\\\"y\\n\\$z\\q\"  # c\nB='line\nnext'\nC=\"100\"\nD= # only a comment\nexport=1\n";
        let s = |v: &str| LeafValue::Str(v.into());
        assert_eq!(
            sources(text, parse(text)),
            [
                ("A".into(), "x\\\"y\\n\\$z\\q", s("x\"y\n$z\\q")),
                ("B".into(), "line\nnext", s("line\nnext")),
                ("C".into(), "100", s("100")),
                ("D".into(), "", s("")),
                ("export".into(), "1", LeafValue::Int(1)),
            ]
        );
    }

    #[test]
    fn secs_and_nanos_at_the_root_are_not_a_duration() {
        // A `.env` file is one flat table: it has no key of its own for a duration to sit at.
        let names: Vec<_> = parse("secs=2\nnanos=0\n").into_iter().map(|l| l.path).collect();
        assert_eq!(names, [["secs"], ["nanos"]]);
    }

    #[test]
    fn malformed_lines_are_errors_at_the_fault() {
        let err = leaves(Format::DotEnv, "A=1\nJUST_A_NAME\n").expect_err("no `=`");
        assert_eq!(err.offset, 15);
        assert_eq!(err.message, "expected `=` after `JUST_A_NAME`");
        let err = leaves(Format::DotEnv, "A=1\n  =2\n").expect_err("no name");
        assert_eq!(err.offset, 6);
        let err = leaves(Format::DotEnv, "A=\"open\nB=2\n").expect_err("unterminated");
        assert_eq!(err.offset, 2);
        let err = leaves(Format::DotEnv, "A='x' y\n").expect_err("text after quote");
        assert_eq!(err.offset, 6);
        let err = leaves(Format::DotEnv, "É=1\n").expect_err("non-ASCII name");
        assert_eq!(err.offset, 0);
    }

    #[test]
    fn empty_document_has_no_leaves() {
        assert_eq!(parse(""), []);
        assert_eq!(parse("\n  \n# comment\r\n\t\n"), []);
    }
}
